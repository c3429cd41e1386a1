//! covlens-core: parse, merge and write code coverage; pure (no IO, no clock), for wasm32 and native.
//!
//! Bytes → [`load::parse_bytes`] / [`load::parse_read`] (format detected from content) → [`Report`]
//! per input → [`ShardSet`] (provenance) → merged [`Report`] → [`Totals`] and writers.

pub mod compact;
pub mod container;
pub mod detect;
pub mod diag;
pub mod formats;
pub mod load;
pub mod merge;
pub mod model;
pub mod paths;
pub mod policy;
pub mod reconcile;
pub mod remap;
pub mod shards;
pub mod sourcemap;
pub mod summary;
pub mod summary_json;
pub mod totals;
pub mod wire;
pub mod zip;

pub use detect::{detect, Format};
pub use diag::{Diagnostic, ParseError, Parsed, Position, Severity};
pub use formats::ParseOptions;
pub use load::{open, parse_bytes, parse_bytes_as, parse_read, Loaded};
pub use merge::{merge_reports, merge_reports_owned, ReportBuilder};
pub use model::{
    Branch, BranchId, BranchIdentity, BranchName, Fidelity, FileCoverage, FileRecord, Function,
    Line, LineHit, McdcCondition, Measure, Report, StatementBlock,
};
pub use policy::Policy;
pub use shards::{Shard, ShardId, ShardSet};
pub use totals::{directory_totals, Counter, Totals};
pub use zip::{Opened, Opening, ZipLimits};
