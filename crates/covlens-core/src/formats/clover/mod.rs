//! Clover XML (OpenClover, PHPUnit / php-code-coverage, gcovr's Clover writer): streaming parser.
//!
//! The reading rules (paths, statement and condition lines, methods, the test project) are documented
//! in the `parse` submodule.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::xml;
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;

/// What this format carries: execution counts of statements (lines), of both outcomes of each
/// condition (`truecount`/`falsecount`: two real branches) and of methods (calls).
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
        Format::Clover,
        input,
        options,
        sink,
        &mut parse::Clover::default(),
    )
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    xml::run_reader(
        Format::Clover,
        input,
        options,
        sink,
        &mut parse::Clover::default(),
    )
}
