//! Go coverprofiles (`go test -coverprofile`, modes `set`, `count` and `atomic`): the parser.
//!
//! The grammar and semantics are in `FORMATS.md` section 12 of the shared corpus and in
//! `golang.org/x/tools/cover/profile.go` (`ParseProfiles`), which `go tool cover` uses. What this parser
//! does with each line, and how blocks become statements and lines, is described in the `parse` module.

use std::io::BufRead;

use crate::diag::{Diagnostic, ParseError};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;

/// What a `count` or `atomic` profile carries: execution counts of statement blocks, spread to lines;
/// no branches, no functions (`go tool cover -func` finds functions in the Go sources, not in the profile).
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Absent,
    functions: Measure::Absent,
    branch_identity: BranchIdentity::Native,
};

/// What a `set` profile carries: each block ran or not (counts 0 and 1).
pub const FIDELITY_SET: Fidelity = Fidelity {
    lines: Measure::Boolean,
    ..FIDELITY
};

/// The fidelity of a profile, from its start (at least the `mode:` line, which comes first):
/// [`FIDELITY_SET`] for `mode: set`, else [`FIDELITY`].
pub fn fidelity_of(head: &[u8]) -> Fidelity {
    match parse::mode_of(head) {
        Some(parse::Mode::Set) => FIDELITY_SET,
        _ => FIDELITY,
    }
}

/// Parses a whole profile held in memory, reading its lines in place.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_slice(input, options, sink)
}

/// Parses a stream through the reader's own buffer (only a line split between two fills is copied).
/// Blocks are kept until the end of input, because `go tool cover` merges a block repeated anywhere
/// in the profile (`-coverpkg` runs repeat every package's blocks once per test binary) before
/// spreading them to lines: the records are pushed, one per file in path order, when the input ends.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_reader(input, options, sink)
}
