//! gcov text output: the classic `.gcov` file (`gcov [-a] [-b] [-c] [-u] [-H]`) and GCC 4.9–8's
//! intermediate text format (`gcov -i`): the parser.
//!
//! The grammar is the GCC manual's "Invoking gcov" (`FORMATS.md` section 14). The reading rules:
//! - **records**: a file record starts at each `-:    0:Source:<path>` header (classic) or `file:<path>`
//!   line (intermediate), so concatenated outputs (`gcov -t`) are read too; other line-0 headers
//!   (`Graph:`, `Data:`, `Runs:`, `Programs:`, `Working directory:`) are skipped;
//! - **lines** (classic): `<count>:<line>:<source>`. `-` is not executable; `#####` and `=====` (only
//!   exceptional paths, or only unexecuted ones) are executable with count 0; `N*` (some blocks not run)
//!   is `N`; `1.2k`-style counts (`-H`, human readable) are read as the rounded number, with a note;
//!   a negative count is clamped to 0 with a warning. These are the lines, and the counts, that gcov's
//!   own `Lines executed: X% of N` counts;
//! - `-a` block lines (`N:   12-block  0`, `$$$$$`, `%%%%%`) are skipped, their branches belong to the
//!   line;
//! - **template instantiations**: gcov prints a grouped function's lines once in the listing with the
//!   summed count, then once per instantiation between `------------------` separators, each under a
//!   `name:` header. Lines are taken from the listing only (each line once, as gcov counts them); the
//!   instantiations' branches and functions are taken from their sections, the n-th section's branches
//!   as block n, so two instantiations' branches stay apart;
//! - **branches**: `branch N taken X` / `taken X%` / `never executed`, with `(fallthrough)` / `(throw)`,
//!   belong to the last source line above them; their id is block 0 (or the section) and branch `N`.
//!   `(fallthrough)` and `(throw)` are not part of the id: gcov leaves them off `never executed`
//!   branches, so the same branch would not match itself across two outputs.
//!   `never executed` is `None`. Percentages (gcov without `-c`) carry no count: a taken branch is
//!   stored as 1, with a note. `call` and `unconditional` lines are not branches (gcov's branch summary
//!   leaves them out too);
//! - **functions**: `function NAME called N returned ...` names a function starting at the next source
//!   line, hit `N` times;
//! - **intermediate**: `function:<start>[,<end>],<count>,<name>`, `lcount:<line>,<count>[,...]`,
//!   `branch:<line>,taken|nottaken|notexec` (taken stored as 1, with a note; `notexec` is `None`);
//! - a line that fits none of these is a warning at its line and skipped.
//!
//! gcov's summary counts the branches of template instantiations nowhere (GCC 12 leaves them out of its
//! `Branches executed`); covlens counts them, as lcov and gcovr do.

use std::io::BufRead;

use crate::diag::{Diagnostic, ParseError};
use crate::formats::{ParseOptions, Sink};
use crate::model::{BranchIdentity, Fidelity, Measure};

mod parse;

/// What this format carries.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Counted,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Native,
};

/// Parses a whole input held in memory, reading its lines in place.
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_slice(input, options, sink)
}

/// Parses a stream line by line through one reused buffer.
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse::parse_reader(input, options, sink)
}
