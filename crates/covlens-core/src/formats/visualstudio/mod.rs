//! Visual Studio coverage XML (`.coveragexml`, and Microsoft.CodeCoverage / dotnet-coverage "xml"):
//! streaming parser that reads UTF-8 or UTF-16 (LE/BE with a byte order mark).
//!
//! The reading rules (line states, what a line is for totals, functions, source file ids) are
//! documented in the `parse` submodule; the transcoding in `utf16`.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::xml::{self, Handler};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;
pub(crate) mod utf16;

/// What this format carries: covered / partially covered / not covered lines (partial counts as
/// covered), and methods covered or not; no branches.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Boolean,
    branches: Measure::Absent,
    functions: Measure::Boolean,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole input held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    run_slice(
        Format::VisualStudio,
        input,
        options,
        sink,
        &mut parse::VisualStudio::default(),
    )
}

/// Parses a stream.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    run_reader(
        Format::VisualStudio,
        input,
        options,
        sink,
        &mut parse::VisualStudio::default(),
    )
}

/// [`xml::run_slice`] over UTF-8 or UTF-16 input; transcoding diagnostics (byte offsets in the
/// original input) come after the parser's.
pub(crate) fn run_slice<H: Handler>(
    format: Format,
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
    h: &mut H,
) -> Result<Vec<Diagnostic>, ParseError> {
    match utf16::bom(input) {
        None => xml::run_slice(format, input, options, sink, h),
        Some(endian) => {
            let (text, extra) = utf16::transcode(input, endian);
            let mut diags = xml::run_slice(format, &text, options, sink, h)?;
            diags.extend(extra);
            Ok(diags)
        }
    }
}

/// [`xml::run_reader`] over UTF-8 or UTF-16 input, transcoding on the way in bounded memory.
pub(crate) fn run_reader<R: BufRead, H: Handler>(
    format: Format,
    mut input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
    h: &mut H,
) -> Result<Vec<Diagnostic>, ParseError> {
    let io_error =
        |e: std::io::Error| ParseError::new(Some(format), None, format!("read error: {e}"));
    let endian = utf16::bom(input.fill_buf().map_err(io_error)?);
    let Some(endian) = endian else {
        return xml::run_reader(format, input, options, sink, h);
    };
    let mut reader = utf16::Utf16Reader::new(input, endian).map_err(io_error)?;
    let mut diags = xml::run_reader(format, &mut reader, options, sink, h)?;
    diags.extend(reader.into_diagnostics());
    Ok(diags)
}
