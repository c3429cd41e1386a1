//! The input and output formats: per format, wire-faithful parsing into the model and writing from it.
//!
//! Every parser has two front doors over one state machine: a slice entry (the browser, after reading a
//! `File`) and a `BufRead` entry (the CLI, streaming inputs of any size through a reused buffer). Both push
//! one [`FileRecord`] per source-file record into a sink and return the diagnostics.

use std::io::{BufRead, Read};

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::model::{Fidelity, FileRecord};

pub mod clover;
pub mod cobertura;
pub mod codecov;
pub mod coveragepy;
pub mod dotcover;
pub mod gcov_json;
pub mod gcov_text;
pub mod gcovr_json;
pub mod go;
pub mod istanbul;
pub mod jacoco;
pub(crate) mod jsonpos;
pub mod lcov;
pub mod llvm_cov;
pub mod opencover;
pub mod simplecov;
pub mod sonarqube;
pub mod v8;
pub mod visualstudio;
pub(crate) mod xml;

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
        Format::CoveragepyJson => coveragepy::FIDELITY,
        Format::Go => go::FIDELITY,
        Format::GcovText => gcov_text::FIDELITY,
        Format::GcovJson => gcov_json::FIDELITY,
        Format::LlvmCovJson => llvm_cov::FIDELITY,
        Format::GcovrJson => gcovr_json::FIDELITY,
        Format::Codecov => codecov::FIDELITY,
        Format::Istanbul => istanbul::FIDELITY,
        Format::Simplecov => simplecov::FIDELITY,
        Format::Clover => clover::FIDELITY,
        Format::Sonarqube => sonarqube::FIDELITY,
        Format::Opencover => opencover::FIDELITY,
        Format::VisualStudio => visualstudio::FIDELITY,
        Format::DotCover => dotcover::FIDELITY,
        Format::V8 => v8::FIDELITY,
    }
}

/// What an input of `format` carries, where its content says more than its format: a Go profile's
/// `mode: set` makes its lines boolean. `head` is the start of the input, at least its first line.
pub fn fidelity_of_input(format: Format, head: &[u8]) -> Fidelity {
    match format {
        Format::Go => go::fidelity_of(head),
        other => fidelity(other),
    }
}

/// Reads ahead, from a stream of `format`, what [`fidelity_of_input`] needs to see: a Go profile's
/// lines up to its first one that is not blank (at most 8 KiB); nothing for other formats. The caller
/// parses these bytes before the rest of the stream. A read error is left for the parser to meet.
pub fn read_fidelity_head<R: BufRead>(format: Format, input: &mut R) -> Vec<u8> {
    let mut head = Vec::new();
    if format == Format::Go {
        while head.len() < 8192 {
            let start = head.len();
            match input.by_ref().take(8192).read_until(b'\n', &mut head) {
                Ok(0) | Err(_) => break,
                Ok(_) if !head[start..].trim_ascii().is_empty() => break,
                Ok(_) => {}
            }
        }
    }
    head
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
        Format::CoveragepyJson => coveragepy::parse_slice(input, options, sink),
        Format::Go => go::parse_slice(input, options, sink),
        Format::GcovText => gcov_text::parse_slice(input, options, sink),
        Format::GcovJson => gcov_json::parse_slice(input, options, sink),
        Format::LlvmCovJson => llvm_cov::parse_slice(input, options, sink),
        Format::GcovrJson => gcovr_json::parse_slice(input, options, sink),
        Format::Codecov => codecov::parse_slice(input, options, sink),
        Format::Istanbul => istanbul::parse_slice(input, options, sink),
        Format::Simplecov => simplecov::parse_slice(input, options, sink),
        Format::Clover => clover::parse_slice(input, options, sink),
        Format::Sonarqube => sonarqube::parse_slice(input, options, sink),
        Format::Opencover => opencover::parse_slice(input, options, sink),
        Format::VisualStudio => visualstudio::parse_slice(input, options, sink),
        Format::DotCover => dotcover::parse_slice(input, options, sink),
        Format::V8 => v8::parse_slice(input, options, sink),
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
        Format::CoveragepyJson => coveragepy::parse_reader(input, options, sink),
        Format::Go => go::parse_reader(input, options, sink),
        Format::GcovText => gcov_text::parse_reader(input, options, sink),
        Format::GcovJson => gcov_json::parse_reader(input, options, sink),
        Format::LlvmCovJson => llvm_cov::parse_reader(input, options, sink),
        Format::GcovrJson => gcovr_json::parse_reader(input, options, sink),
        Format::Codecov => codecov::parse_reader(input, options, sink),
        Format::Istanbul => istanbul::parse_reader(input, options, sink),
        Format::Simplecov => simplecov::parse_reader(input, options, sink),
        Format::Clover => clover::parse_reader(input, options, sink),
        Format::Sonarqube => sonarqube::parse_reader(input, options, sink),
        Format::Opencover => opencover::parse_reader(input, options, sink),
        Format::VisualStudio => visualstudio::parse_reader(input, options, sink),
        Format::DotCover => dotcover::parse_reader(input, options, sink),
        Format::V8 => v8::parse_reader(input, options, sink),
    }
}
