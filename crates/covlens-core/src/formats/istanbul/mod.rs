//! Istanbul `coverage-final.json` (nyc, Jest, `.nyc_output/*.json`): the parser.
//!
//! The layout is istanbul-lib-coverage's `FileCoverage` (`FORMATS.md` section 9 of the shared corpus);
//! how each file becomes lines, branches, functions and statements, so that the totals equal those of
//! `nyc report` (istanbul-reports' `lcovonly` and `text-summary`), is described in the `parse` module.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{jsonpos, ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

pub(crate) mod parse;

/// What this format carries: counted statements (and lines derived from them), counted branch
/// locations with their identity (branch map id, location index), counted functions.
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
    parse::parse_slice(input, options, sink)
}

/// Parses a stream. A JSON document is parsed as a whole: the reader's bytes are collected into memory
/// and parsed as by [`parse_slice`].
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let bytes = jsonpos::read_all(Format::Istanbul, input)?;
    parse_slice(&bytes, options, sink)
}
