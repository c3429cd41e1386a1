//! gcovr JSON (`gcovr --json`, `"gcovr/format_version"`): the parser.
//!
//! gcovr's format copies gcov's JSON layout (`FORMATS.md` section 17; gcovr's "JSON Format
//! Reference"), so it is read by the gcov JSON reader with gcovr's keys on top:
//! - `gcovr/excluded` lines, branches and functions are skipped, as gcovr's own totals skip them (one
//!   note says how many); `gcovr/noncode` entries (gcovr before 6.0) are not lines;
//! - **lines**: `count`; **branches**: each line's `branches[]`, numbered in order (as gcovr's LCOV
//!   writer numbers them; `fallthrough`/`throw` are not part of the id); on a line whose count is 0 they are never
//!   evaluated (`None`);
//! - **functions**: `name` (mangled since gcovr 8, demangled before), `lineno`, `execution_count`;
//! - `conditions`, `gcovr/decision`, `calls` and `gcovr/md5` are not in the model and are skipped.
//!
//! The totals equal gcovr's `--json-summary` / `--txt-summary` of the same data.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::gcov_json::parse::parse_gcc_json;
use crate::formats::{jsonpos, ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

/// What this format carries.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Counted,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole document held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse_gcc_json(Format::GcovrJson, input, options, sink)
}

/// Parses a stream. A JSON document is parsed as a whole: the reader's bytes are collected into memory
/// and parsed as by [`parse_slice`].
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let bytes = jsonpos::read_all(Format::GcovrJson, input)?;
    parse_slice(&bytes, options, sink)
}
