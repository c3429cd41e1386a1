//! LCOV tracefiles (`.info`, lcov 1.x and 2.x): the parser (`parse`) and the writer (`write`).
//!
//! The grammar and its semantics are in `FORMATS.md` section 1 of the shared corpus and in lcov's
//! `geninfo(1)` TRACEFILE FORMAT; what this parser does with each record, and with broken ones, is
//! described in the `parse` module.

use std::io::BufRead;

use crate::diag::{Diagnostic, ParseError};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;
mod write;

pub use write::{write, write_to_vec};

/// What this format carries.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Counted,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole input held in memory, reading its lines in place.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_slice(input, options, sink)
}

/// Parses a stream through the reader's own buffer (only a line split between two fills is copied).
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_reader(input, options, sink)
}
