//! The front doors: detect an input's format and parse it into one report (slice or streaming reader).

use std::io::BufRead;

use crate::detect::{detect, Format};
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{self, ParseOptions};
use crate::merge::ReportBuilder;
use crate::model::Report;

/// One parsed input, its records merged into one report.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub format: Format,
    pub report: Report,
    /// Parse diagnostics, then merge diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// File records read (a file repeated in the input counts each time).
    pub records: u64,
}

fn unknown_format() -> ParseError {
    ParseError::new(
        None,
        None,
        "unrecognised content: not LCOV, Cobertura XML or JaCoCo XML (formats are detected from content, not file names)",
    )
}

/// Detects the format of `input` and parses it.
pub fn parse_bytes(input: &[u8], options: &ParseOptions) -> Result<Loaded, ParseError> {
    let format = detect(input).ok_or_else(unknown_format)?;
    parse_bytes_as(format, input, options)
}

/// Parses `input` as `format`.
pub fn parse_bytes_as(
    format: Format,
    input: &[u8],
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    let mut builder = ReportBuilder::new(formats::fidelity(format));
    let diagnostics = formats::parse_slice(format, input, options, &mut |r| builder.push(r))?;
    Ok(finish(format, builder, diagnostics))
}

/// Parses a stream as `format` in bounded memory (beyond the report itself).
pub fn parse_read<R: BufRead>(
    format: Format,
    input: R,
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    let mut builder = ReportBuilder::new(formats::fidelity(format));
    let diagnostics = formats::parse_reader(format, input, options, &mut |r| builder.push(r))?;
    Ok(finish(format, builder, diagnostics))
}

fn finish(format: Format, builder: ReportBuilder, mut diagnostics: Vec<Diagnostic>) -> Loaded {
    let records = builder.records();
    let (report, merge_diags) = builder.finish();
    diagnostics.extend(merge_diags);
    Loaded {
        format,
        report,
        diagnostics,
        records,
    }
}
