//! coverage.py JSON reports (`coverage json`, format 3 of coverage.py 7.x): the parser.
//!
//! The layout and its meaning are in `FORMATS.md` section 3 of the shared corpus and in coverage.py's
//! `jsonreport.py`; what this parser keeps of each file, and how arcs become branches, is described in
//! the `parse` module.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError, Position};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;

/// What this format carries: statements executed or not (no counts), branch arcs taken or not, with
/// their identity (from line, to line); functions covered or not, from the per-file `functions`
/// regions that coverage.py 7.5 and later write (older reports have none, so no functions).
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Boolean,
    branches: Measure::Boolean,
    functions: Measure::Boolean,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole report held in memory; strings (paths) are borrowed from the input where they have
/// no escapes.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_slice(input, options, sink)
}

/// Parses a stream by reading it whole into memory first, then running [`parse_slice`]: a JSON report
/// is one object whose `files` member is only known to be complete at its end, and coverage.py reports
/// are small next to the report they describe (a few bytes per statement).
pub fn parse_reader<R: BufRead>(
    mut input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let mut bytes = Vec::new();
    if let Err(e) = input.read_to_end(&mut bytes) {
        return Err(ParseError::new(
            Some(Format::CoveragepyJson),
            Some(Position::Byte(bytes.len() as u64)),
            format!("cannot read input: {e}"),
        ));
    }
    parse::parse_slice(&bytes, options, sink)
}
