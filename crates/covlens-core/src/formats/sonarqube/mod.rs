//! SonarQube generic test coverage XML (`<coverage version="1">`, SonarSource "Generic test data"; gcovr, ReportGenerator): streaming parser and writer.
//!
//! The reading rules (booleans, branch totals, repeated files and lines) are documented
//! in the `parse` submodule, the writing rules (what is kept, what the format cannot carry) in `write`.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::xml;
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;
mod write;

pub(crate) use write::{branches_without_line, Omitted};
pub use write::{omissions, write, write_to_vec};

/// What this format carries: covered or not per line, and per line only how many branches there are
/// and how many of them were covered (made into positional branches, the covered ones first); no
/// functions.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Boolean,
    branches: Measure::Boolean,
    functions: Measure::Absent,
    branch_identity: BranchIdentity::Positional,
};

/// Parses a whole input held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    xml::run_slice(
        Format::Sonarqube,
        input,
        options,
        sink,
        &mut parse::Sonarqube::default(),
    )
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    xml::run_reader(
        Format::Sonarqube,
        input,
        options,
        sink,
        &mut parse::Sonarqube::default(),
    )
}
