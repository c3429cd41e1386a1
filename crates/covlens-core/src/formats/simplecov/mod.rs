//! SimpleCov (Ruby): `.resultset.json` (the `Coverage` data SimpleCov stores per command name) and
//! `coverage.json` (SimpleCov's JSON formatter): the parser.
//!
//! The layouts are in `FORMATS.md` section 15 of the shared corpus and in the formatter's JSON schema
//! (`specs/simplecov-coverage.schema.json`); what becomes of them is described in the `parse` module.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{jsonpos, ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

pub(crate) mod parse;

/// What this format carries: counted lines, counted branches with their identity (Ruby's branch ids in
/// a resultset; the position in the file's list in `coverage.json`), counted methods.
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
    let bytes = jsonpos::read_all(Format::Simplecov, input)?;
    parse_slice(&bytes, options, sink)
}
