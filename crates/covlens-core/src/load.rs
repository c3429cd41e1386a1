//! The front doors: detect an input's format and parse it into one report (slice or streaming reader).

use std::io::BufRead;

use crate::container::{self, Limits};
use crate::detect::{detect, Format};
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{self, ParseOptions};
use crate::merge::ReportBuilder;
use crate::model::Report;

/// One parsed input, its records merged into one report.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
        "unrecognised content: not a coverage format covlens reads (formats are detected from content, not file names)",
    )
}

/// Detects the format of `input` and parses it; a gzip input is decompressed first (within
/// [`Limits::DEFAULT`]) and the format of its content detected.
pub fn parse_bytes(input: &[u8], options: &ParseOptions) -> Result<Loaded, ParseError> {
    if container::is_gzip(input) {
        let inner = container::gunzip(input, &Limits::DEFAULT)?;
        let format = detect(&inner).ok_or_else(unknown_format)?;
        return parse_plain_bytes(format, &inner, options);
    }
    let format = detect(input).ok_or_else(unknown_format)?;
    parse_plain_bytes(format, input, options)
}

/// Parses `input` as `format` (a gzip input is decompressed first).
pub fn parse_bytes_as(
    format: Format,
    input: &[u8],
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    if container::is_gzip(input) {
        let inner = container::gunzip(input, &Limits::DEFAULT)?;
        return parse_plain_bytes(format, &inner, options);
    }
    parse_plain_bytes(format, input, options)
}

/// Opens an input held in memory named `name`: a zip archive gives one [`crate::zip::Opened`] per
/// coverage report inside, named `name!path/in/archive` (within [`crate::zip::ZipLimits::DEFAULT`]);
/// any other input gives one, parsed as by [`parse_bytes`].
pub fn open(name: &str, input: &[u8], options: &ParseOptions) -> crate::zip::Opening {
    crate::zip::open(name, input, options, &crate::zip::ZipLimits::DEFAULT)
}

fn parse_plain_bytes(
    format: Format,
    input: &[u8],
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    let mut builder = ReportBuilder::new(formats::fidelity_of_input(format, input));
    let diagnostics = formats::parse_slice(format, input, options, &mut |r| builder.push(r))?;
    Ok(finish(format, builder, diagnostics))
}

/// Parses a stream as `format` in bounded memory (beyond the report itself); a gzip stream is
/// decompressed on the way, within [`Limits::DEFAULT`] (to detect the format inside a gzip stream from
/// its head, see [`container::gunzip_prefix`]).
pub fn parse_read<R: BufRead>(
    format: Format,
    mut input: R,
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    // A read error here is met again, and reported, by the parser.
    if matches!(input.fill_buf(), Ok(head) if container::is_gzip(head)) {
        let mut reader = std::io::BufReader::with_capacity(
            64 << 10,
            container::GunzipReader::new(input, Limits::DEFAULT),
        );
        let result = parse_plain_read(format, &mut reader, options);
        // A gzip failure is the input's, not the format's: worded as `parse_bytes` words it, whatever
        // the parser made of the read error.
        if let Some(e) = reader.get_ref().failure() {
            return Err(e.clone());
        }
        return result;
    }
    parse_plain_read(format, input, options)
}

fn parse_plain_read<R: BufRead>(
    format: Format,
    mut input: R,
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    // A Go profile's first line says its fidelity (`mode: set`): it is read ahead, then parsed first.
    let head = formats::read_fidelity_head(format, &mut input);
    let mut builder = ReportBuilder::new(formats::fidelity_of_input(format, &head));
    let input = std::io::Read::chain(std::io::Cursor::new(head), input);
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
