//! gcov JSON (`gcov --json-format`, GCC 9 and later; one document per object file, usually gzipped as
//! `.gcov.json.gz`: [`crate::load`] decompresses it before this parser runs): the parser.
//!
//! The schema is the GCC manual's "Invoking gcov" (`FORMATS.md` section 14); what becomes of it:
//! - every `files[]` entry is a file record named by its `file`;
//! - **lines**: each `lines[]` entry is a line with its `count`. A line can be listed more than once in
//!   a file, once per instantiation of a C++ template (gcov lists the lines of grouped functions per
//!   function): the entries are summed, which is the count `gcov` prints for the line in its text output
//!   and what its `Lines executed` summary counts (a line is executed when the sum is above 0);
//! - **branches**: each entry's `branches[]` are outcomes of that line, numbered in order; the n-th entry
//!   for a line (its n-th instantiation) is block n, so instantiations stay apart. `fallthrough` and
//!   `throw` are not part of the id (gcov's text output drops them for never-executed branches, and the
//!   ids of both outputs should agree). gcov JSON has no "never executed": on a line
//!   whose count is 0 the branches are taken as never evaluated (`None`), as gcov's text output prints
//!   them; elsewhere a 0 count is "not taken";
//! - **functions**: `name` (the mangled name, as gcov, lcov and gcovr name functions), `start_line`,
//!   `end_line`, `execution_count`;
//! - negative counts (gcov counter races) are clamped to 0 with a warning; unknown keys (`calls`,
//!   `conditions` of GCC 14) are skipped.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{jsonpos, ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

pub(crate) mod parse;

/// What this format carries.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Counted,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole document held in memory.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_slice(input, options, sink)
}

/// Parses a stream. A JSON document is parsed as a whole: the reader's bytes are collected into memory
/// and parsed as by [`parse_slice`].
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let bytes = jsonpos::read_all(Format::GcovJson, input)?;
    parse_slice(&bytes, options, sink)
}
