//! The coverage model every format parses into and writes from: reports, files, lines, branches, functions.
//!
//! Invariants (checked by [`FileCoverage::check_invariants`] in tests):
//! - every vector is sorted by its key and holds each key once;
//! - counts are `u64` (wasm32 is 32-bit, so never `usize`);
//! - line numbers are 1-based ([`Line`]);
//! - a branch's `taken` is `None` when the branch was never evaluated (LCOV `-`), which is kept apart
//!   from `Some(0)` (evaluated, not taken).

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;

/// A 1-based source line number.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Line(NonZeroU32);

impl Line {
    /// The line with 1-based number `n`, or `None` for 0.
    pub fn new(n: u32) -> Option<Line> {
        NonZeroU32::new(n).map(Line)
    }
    /// The line from a 0-based index.
    pub fn from_zero_based(i: u32) -> Line {
        Line(NonZeroU32::new(i.saturating_add(1)).expect("i + 1 >= 1"))
    }
    /// The 1-based number.
    pub fn get(self) -> u32 {
        self.0.get()
    }
    /// The 0-based index.
    pub fn zero_based(self) -> u32 {
        self.0.get() - 1
    }
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", self.0)
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a format measures one dimension of coverage.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Measure {
    /// The input says nothing about this dimension.
    Absent,
    /// Real execution counts.
    Counted,
    /// Only covered / not covered; a stored count of 1 means "at least once", so a merged count
    /// involving such an input is a lower bound.
    Boolean,
}

impl Measure {
    /// The measure of a merge: absent is the identity, and any boolean input makes the result boolean
    /// (its counts are then lower bounds).
    pub fn combine(self, other: Measure) -> Measure {
        match (self, other) {
            (Measure::Absent, m) | (m, Measure::Absent) => m,
            (Measure::Boolean, _) | (_, Measure::Boolean) => Measure::Boolean,
            (Measure::Counted, Measure::Counted) => Measure::Counted,
        }
    }
}

/// What a report carries, dimension by dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Fidelity {
    pub lines: Measure,
    pub branches: Measure,
    pub functions: Measure,
    /// Whether branch identities are real (LCOV block/branch ids, gcov) or only positions made up from
    /// aggregate numbers (Cobertura `condition-coverage="50% (1/2)"`: covered branches come first).
    pub branch_identity: BranchIdentity,
}

/// Where a branch's identity comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum BranchIdentity {
    /// Ids from the producing tool (block, branch): merging matches like with like.
    Native,
    /// Ids made up from counts ("1 of 2 covered" becomes branch 0 covered, branch 1 not): merging gives
    /// the maximum of the inputs' covered numbers, a lower bound of the truth.
    Positional,
}

impl Fidelity {
    /// Nothing measured: the identity of [`Fidelity::combine`].
    pub const EMPTY: Fidelity = Fidelity {
        lines: Measure::Absent,
        branches: Measure::Absent,
        functions: Measure::Absent,
        branch_identity: BranchIdentity::Native,
    };

    /// The fidelity of a merge of reports of fidelity `self` and `other`.
    pub fn combine(self, other: Fidelity) -> Fidelity {
        Fidelity {
            lines: self.lines.combine(other.lines),
            branches: self.branches.combine(other.branches),
            functions: self.functions.combine(other.functions),
            branch_identity: if self.branch_identity == BranchIdentity::Positional
                || other.branch_identity == BranchIdentity::Positional
            {
                BranchIdentity::Positional
            } else {
                BranchIdentity::Native
            },
        }
    }
}

/// Hits of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineHit {
    pub line: Line,
    pub hits: u64,
}

/// The second half of a branch's identity: a number, or (lcov 2.x) an expression string.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum BranchName {
    Index(u32),
    Expr(Box<str>),
}

impl fmt::Display for BranchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BranchName::Index(i) => write!(f, "{i}"),
            BranchName::Expr(e) => f.write_str(e),
        }
    }
}

/// LCOV branch block prefixes: `e` exception, `f` fall-through, `U` unreachable.
pub mod branch_flags {
    pub const EXCEPTION: u8 = 1;
    pub const FALLTHROUGH: u8 = 2;
    pub const UNREACHABLE: u8 = 4;
}

/// The identity of a branch within its line; it survives merging.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct BranchId {
    pub block: u32,
    pub branch: BranchName,
    /// A set of [`branch_flags`]; part of the identity because lcov writes it into the block field.
    pub flags: u8,
}

/// One branch outcome.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Branch {
    pub line: Line,
    pub id: BranchId,
    /// `None`: never evaluated (the enclosing block did not run). `Some(0)`: evaluated, not taken.
    pub taken: Option<u64>,
}

impl Branch {
    /// The sort and merge key.
    pub fn key(&self) -> (Line, &BranchId) {
        (self.line, &self.id)
    }
}

/// A function (or method), identified within its file by name.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Function {
    pub name: String,
    pub start: Line,
    pub end: Option<Line>,
    pub hits: u64,
}

/// One MC/DC condition outcome (lcov 2.x `MCDC` record).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct McdcCondition {
    pub line: Line,
    pub group_size: u32,
    /// `true` for the `t` sense, `false` for `f`.
    pub sense: bool,
    pub index: u32,
    pub expression: String,
    pub taken: u64,
}

impl McdcCondition {
    /// The merge key: lcov's (line, groupSize, index, sense), plus the expression text.
    pub fn key(&self) -> (Line, u32, u32, bool, &str) {
        (
            self.line,
            self.group_size,
            self.index,
            self.sense,
            &self.expression,
        )
    }
}

/// One Go coverage block (a coverprofile record): a run of `statements` statements between two
/// 1-based (line, byte column) positions, executed `hits` times (`set` mode: 0 or 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatementBlock {
    pub start: Line,
    pub start_col: u32,
    pub end: Line,
    pub end_col: u32,
    /// Statements in the block (may be 0).
    pub statements: u32,
    pub hits: u64,
}

impl StatementBlock {
    /// The sort and merge key: the block's position (start, start column, end, end column).
    pub fn key(&self) -> (Line, u32, Line, u32) {
        (self.start, self.start_col, self.end, self.end_col)
    }
}

/// Coverage of one source file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileCoverage {
    /// Coverable lines, sorted by line, each once.
    pub lines: Vec<LineHit>,
    /// Branches, sorted by (line, id), each once.
    pub branches: Vec<Branch>,
    /// Functions, sorted by name, each once.
    pub functions: Vec<Function>,
    /// MC/DC conditions, sorted by [`McdcCondition::key`], each once.
    pub mcdc: Vec<McdcCondition>,
    /// Per-line source checksums where the producer wrote them (LCOV `DA:n,c,checksum`), sorted by line.
    pub line_checksums: Vec<(Line, Box<str>)>,
    /// A version id of the source (LCOV `VER`), where given.
    pub version: Option<String>,
    /// Statement blocks (Go coverprofiles: statements are Go's unit), sorted by
    /// [`StatementBlock::key`], each once. Empty for formats without them.
    pub statements: Vec<StatementBlock>,
}

impl FileCoverage {
    /// True when the file has no coverable item at all.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
            && self.branches.is_empty()
            && self.functions.is_empty()
            && self.mcdc.is_empty()
            && self.statements.is_empty()
    }

    /// Hits of `line`, if the line is coverable.
    pub fn line_hits(&self, line: Line) -> Option<u64> {
        self.lines
            .binary_search_by_key(&line, |l| l.line)
            .ok()
            .map(|i| self.lines[i].hits)
    }

    /// The branches on `line`.
    pub fn branches_on(&self, line: Line) -> &[Branch] {
        let start = self.branches.partition_point(|b| b.line < line);
        let end = self.branches.partition_point(|b| b.line <= line);
        &self.branches[start..end]
    }

    /// Checks the sortedness and uniqueness invariants; returns the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        fn strictly_sorted<T, K: Ord>(
            v: &[T],
            key: impl Fn(&T) -> K,
            what: &str,
        ) -> Result<(), String> {
            for w in v.windows(2) {
                if key(&w[0]) >= key(&w[1]) {
                    return Err(format!("{what} not strictly sorted"));
                }
            }
            Ok(())
        }
        strictly_sorted(&self.lines, |l| l.line, "lines")?;
        strictly_sorted(&self.branches, |b| (b.line, b.id.clone()), "branches")?;
        strictly_sorted(&self.functions, |f| f.name.clone(), "functions")?;
        strictly_sorted(
            &self.mcdc,
            |m| (m.line, m.group_size, m.index, m.sense, m.expression.clone()),
            "mcdc",
        )?;
        strictly_sorted(&self.line_checksums, |c| c.0, "line checksums")?;
        strictly_sorted(&self.statements, StatementBlock::key, "statements")?;
        Ok(())
    }
}

/// A coverage report: files by path. The path is the one the input named (normalisation and
/// reconciliation across inputs happen above this type).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub files: BTreeMap<String, FileCoverage>,
    pub fidelity: Fidelity,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            files: BTreeMap::new(),
            fidelity: Fidelity::EMPTY,
        }
    }
}

impl Report {
    /// An empty report of the given fidelity.
    pub fn new(fidelity: Fidelity) -> Report {
        Report {
            files: BTreeMap::new(),
            fidelity,
        }
    }
}

/// One file's coverage as a parser emits it; `coverage` may be unsorted and hold repeated keys until
/// [`crate::merge::normalize`] runs (the report builder does that).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileRecord {
    pub path: String,
    pub coverage: FileCoverage,
}
