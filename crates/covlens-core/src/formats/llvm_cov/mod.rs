//! llvm-cov export JSON (`llvm-cov export -format=text`, cargo-llvm-cov `--json`): the parser.
//!
//! The schema is LLVM's `CoverageExporterJson.cpp` (`FORMATS.md` section 13 of the shared corpus); what
//! becomes of each part:
//! - **lines** come from each file's `segments`, read the way LLVM's `LineCoverageStats` does (see
//!   [`lines`]): a line is coverable when a counted region starts on it or a counted region wraps into
//!   it (and it does not start a skipped region); its count is the largest count of the non-gap regions
//!   starting on it, or else the wrapped count. This is what `llvm-cov show`, the HTML report and
//!   llvm-cov's own LCOV `DA` lines give: each source line once.
//! - **functions**: one per *instantiation group*, as `llvm-cov report`'s "Functions" column counts
//!   them: the records of `functions` whose definition starts at the same place (a generic function's
//!   monomorphisations, a C++ template's instantiations, the same function linked into two binaries) are
//!   one function whose hits are the sum of the records' counts. Its name is the records' name,
//!   demangled when it is a Rust symbol, with generic arguments removed when the records differ only
//!   there (`minicrate::larger::<f64>`, `minicrate::larger::<i32>` → `minicrate::larger`).
//! - **branches**: each branch region (`branches` of the file, and of its macro `expansions`, placed on
//!   the line where the macro is used) gives two outcomes, true (`0`) and false (`1`); the regions of
//!   several instantiations at one place are summed (llvm-cov's `-unify-instantiations`); a region
//!   whose both counts are 0 was never evaluated (`None`), as llvm-cov's LCOV export writes `-`.
//! - **MC/DC**: each `mcdc_records` entry is a decision; each of its conditions becomes a true and a
//!   false [`crate::McdcCondition`] (expression `"<line>:<col> C<n>"`), taken 1 when LLVM found an
//!   independence pair for the condition and 0 otherwise, so "both senses taken" means covered, as in
//!   lcov.
//!
//! Where covlens' totals differ from `llvm-cov report`'s (the export's `totals` object), by design:
//! `llvm-cov report` counts lines and branches per function and adds them up, so a line holding code of
//! two functions (a closure on its caller's line, the test harness stub at `1:0`) counts twice there,
//! and of a generic function's instantiations it takes the one with the most covered lines, not the
//! union. covlens counts each source line once, covered when any code on it ran. Function totals are
//! equal. Partly folded branches (one side constant) are counted with both sides: the export does not
//! say which side LLVM folded.
//!
//! An export made with `-summary-only` has no segments or functions: nothing can be loaded from it but
//! its totals, which the model does not carry; a warning says so.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{jsonpos, ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

pub(crate) mod lines;
mod parse;
mod wire;

/// What this format carries.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Counted,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole export held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_slice(input, options, sink)
}

/// Parses a stream. A JSON export is one document: the reader's bytes are collected into memory and
/// parsed as by [`parse_slice`].
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let bytes = jsonpos::read_all(Format::LlvmCovJson, input)?;
    parse_slice(&bytes, options, sink)
}
