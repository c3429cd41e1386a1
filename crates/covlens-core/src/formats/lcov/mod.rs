//! lcov format: parser (stub until implemented).

use std::io::BufRead;

use crate::diag::{Diagnostic, ParseError};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

/// What this format carries.
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
    parse_reader(input, options, sink)
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    _input: R,
    _options: &ParseOptions,
    _sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    Err(ParseError::new(None, None, "not implemented"))
}
