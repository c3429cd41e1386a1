//! Codecov JSON, Codecov's "custom coverage format" (`{"coverage": {"<path>": {"<line>": ...}}}`,
//! written by cargo-llvm-cov `--codecov` and by hand-made converters): the parser and the writer
//! (`write`, whose module documents what it does with boolean lines and branches).
//!
//! The format is Codecov's documentation (`FORMATS.md` section 16); each line's value is read as
//! Codecov reads it:
//! - an integer: the line's hits (negative: clamped to 0 with a warning);
//! - `"covered/total"`: a partly covered line with `total` branches of which `covered` ran. The line
//!   is hit when `covered > 0`, stored as 1 hit (there is no count), and the branches are positional
//!   (the first `covered` taken once, the others not: [`crate::BranchIdentity::Positional`]). cargo-llvm-cov
//!   writes regions there (`"3/4"`: 3 of the line's 4 regions ran); Codecov, and covlens, count them
//!   as branches;
//! - `null`: not a line (skipped);
//! - the older list form `[null, 1, 0, ...]` gives the value of line `i` at index `i`.
//!
//! A note says when lines only had `covered/total`: their hits are then a lower bound.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{jsonpos, ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;
mod write;

pub use write::{omissions, write, write_to_vec};

/// What this format carries: counted lines (1 for a `covered/total` line), branches as covered or not,
/// positional.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Boolean,
    functions: Measure::Absent,
    branch_identity: BranchIdentity::Positional,
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
    let bytes = jsonpos::read_all(Format::Codecov, input)?;
    parse_slice(&bytes, options, sink)
}
