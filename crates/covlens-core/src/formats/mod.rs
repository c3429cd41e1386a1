//! The input and output formats: per format, wire-faithful parsing into the model and writing from it.
//!
//! Every parser has two front doors over one state machine: a slice entry (the browser, after reading a
//! `File`) and a `BufRead` entry (the CLI, streaming inputs of any size through a reused buffer). Both push
//! one [`FileRecord`] per source-file record into a sink and return the diagnostics.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::model::{Fidelity, FileRecord};

pub mod cobertura;
pub mod jacoco;
pub mod lcov;

/// Options shared by every parser.
#[derive(Clone, Debug, Default)]
pub struct ParseOptions {
    /// Stop collecting diagnostics after this many (0: no limit); a final diagnostic says how many more.
    pub max_diagnostics: usize,
}

/// The sink parsers push records into.
pub type Sink<'a> = dyn FnMut(FileRecord) + 'a;

/// What `format` carries.
pub fn fidelity(format: Format) -> Fidelity {
    match format {
        Format::Lcov => lcov::FIDELITY,
        Format::Cobertura => cobertura::FIDELITY,
        Format::Jacoco => jacoco::FIDELITY,
    }
}

/// Parses a whole input held in memory.
pub fn parse_slice(
    format: Format,
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    match format {
        Format::Lcov => lcov::parse_slice(input, options, sink),
        Format::Cobertura => cobertura::parse_slice(input, options, sink),
        Format::Jacoco => jacoco::parse_slice(input, options, sink),
    }
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    format: Format,
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    match format {
        Format::Lcov => lcov::parse_reader(input, options, sink),
        Format::Cobertura => cobertura::parse_reader(input, options, sink),
        Format::Jacoco => jacoco::parse_reader(input, options, sink),
    }
}
