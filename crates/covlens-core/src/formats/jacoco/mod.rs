//! JaCoCo XML (report DTD 1.0/1.1, Kover's JaCoCo-compatible reports, gcovr's JaCoCo writer): streaming parser.
//!
//! The reading rules (paths, line status, branches, methods attributed to source files) are
//! documented in the `parse` submodule.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::xml;
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;

/// What this format carries: covered or not for lines, branches and methods (JaCoCo counts
/// instructions, not executions), branches only as "covered of total" per line.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Boolean,
    branches: Measure::Boolean,
    functions: Measure::Boolean,
    branch_identity: BranchIdentity::Positional,
};

/// Parses a whole input held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    xml::run_slice(
        Format::Jacoco,
        input,
        options,
        sink,
        &mut parse::Jacoco::default(),
    )
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    xml::run_reader(
        Format::Jacoco,
        input,
        options,
        sink,
        &mut parse::Jacoco::default(),
    )
}
