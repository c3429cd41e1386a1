//! OpenCover XML (OpenCover, coverlet's and AltCover's OpenCover output): streaming parser.
//!
//! The reading rules (modules and file ids, sequence points to lines, branch points, methods) are
//! documented in the `parse` submodule.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::xml;
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;

/// What this format carries: visit counts of sequence points (spread to lines), of branch points
/// (identified by IL offset and path) and of method entries.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Counted,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole input held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    xml::run_slice(
        Format::Opencover,
        input,
        options,
        sink,
        &mut parse::Opencover::default(),
    )
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    xml::run_reader(
        Format::Opencover,
        input,
        options,
        sink,
        &mut parse::Opencover::default(),
    )
}
