//! Cobertura XML (and the coverage.py, gcovr, coverlet dialects): streaming parser and `coverage-04.dtd` writer.
//!
//! The reading rules (paths and `<source>` roots, method lines, classes sharing a file, branches,
//! functions) are documented in the `parse` submodule, the writing rules in the `write` submodule.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;
mod write;

pub use write::{write, WriteOptions};

/// What this format carries: line hit counts; branches only as "covered of total" per line (stored as
/// positional 1/0 branches); function hits taken from each method's first line (or the method's own
/// `hits` attribute), which counts calls, so they are counted too.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Boolean,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Positional,
};

/// Parses a whole input held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    crate::formats::xml::run_slice(
        Format::Cobertura,
        input,
        options,
        sink,
        &mut parse::Cobertura::default(),
    )
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    crate::formats::xml::run_reader(
        Format::Cobertura,
        input,
        options,
        sink,
        &mut parse::Cobertura::default(),
    )
}
