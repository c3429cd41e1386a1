//! dotCover DetailedXml (`dotCover report --reportType=DetailedXML`): streaming parser into statements,
//! lines and members (UTF-8, or UTF-16 with a byte order mark).
//!
//! The reading rules (file indices, statements, lines, members, stated totals) are documented in the
//! `parse` submodule.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::visualstudio::{run_reader, run_slice};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;

/// What this format carries: statements covered or not (as [`crate::StatementBlock`]s), lines and
/// members derived from them; no branches.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Boolean,
    branches: Measure::Absent,
    functions: Measure::Boolean,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole input held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    run_slice(
        Format::DotCover,
        input,
        options,
        sink,
        &mut parse::DotCover::default(),
    )
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    run_reader(
        Format::DotCover,
        input,
        options,
        sink,
        &mut parse::DotCover::default(),
    )
}
