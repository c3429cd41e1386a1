//! Merging coverage: within one input (repeated records of a file) and across inputs.
//!
//! The rules, which the property tests in `tests/merge_laws.rs` hold to:
//! - lines: the union of coverable lines; hits are summed, saturating at `u64::MAX` with a diagnostic;
//! - branches: matched by (line, block, branch, flags); `taken` sums, with "never evaluated" (`None`)
//!   as the identity (`- + 3 = 3`, `- + - = -`);
//! - functions: matched by name (lcov's rule); hits summed; a differing start line is a conflict that
//!   keeps the smaller line and is reported; the end line is the larger known one;
//! - MC/DC conditions: matched by (line, group size, index, sense, expression), summed;
//! - line checksums and `VER`: kept; a disagreement is a conflict, reported, the first value kept;
//! - statement blocks (Go): matched by position (start, start column, end, end column), hits summed; a
//!   differing statement count is a conflict that keeps the larger count and is reported (`go tool
//!   cover` rejects such profiles outright);
//! - boolean inputs (JaCoCo lines, Cobertura condition-coverage) store 1 for "covered", so sums stay
//!   right about covered / not covered and counts become lower bounds ([`crate::Measure::Boolean`]).
//!   Merged with a counting input, a line's hits are summed like any other (5 counted + covered = 6,
//!   0 + not covered = 0): whether it was hit stays exact, its count is at least the truth's lower
//!   bound, and the merged [`crate::Fidelity`] turns boolean ([`crate::Measure::combine`]: boolean wins
//!   over counted, absent is the identity) so that outputs and summaries say the counts are lower bounds.
//!
//! Merging is commutative and associative on everything but the conflict tie-breaks, which are
//! deterministic (smallest wins), and the empty report is its identity.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::model::{
    Branch, FileCoverage, FileRecord, Function, Line, LineHit, McdcCondition, Report,
    StatementBlock,
};
use crate::shards::ShardId;

/// What a merge had to resolve; the caller turns it into diagnostics naming the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeIssues {
    /// Counts that hit `u64::MAX`.
    pub saturated: u64,
    /// Functions whose start line differed between the merged sides (name, both lines).
    pub function_moved: Vec<(String, u32, u32)>,
    /// Lines whose checksum differed.
    pub checksum_mismatch: Vec<u32>,
    /// Both sides named a different source version.
    pub version_mismatch: Option<(String, String)>,
    /// Statement blocks at the same position whose statement counts differed (start line, both counts).
    pub statements_mismatch: Vec<(u32, u32, u32)>,
}

impl MergeIssues {
    pub fn is_empty(&self) -> bool {
        self.saturated == 0
            && self.function_moved.is_empty()
            && self.checksum_mismatch.is_empty()
            && self.version_mismatch.is_none()
            && self.statements_mismatch.is_empty()
    }

    /// Diagnostics naming `path`.
    pub fn to_diagnostics(&self, path: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if self.saturated > 0 {
            out.push(Diagnostic::warning(
                None,
                format!(
                    "{path}: {} count(s) saturated at {} while merging",
                    self.saturated,
                    u64::MAX
                ),
            ));
        }
        for (name, a, b) in &self.function_moved {
            // Smaller line first, so the message does not depend on the order the inputs were merged in.
            let (lo, hi) = (a.min(b), a.max(b));
            out.push(Diagnostic::warning(
                None,
                format!("{path}: function `{name}` starts at line {lo} in one input and {hi} in another; kept line {lo}"),
            ));
        }
        if !self.checksum_mismatch.is_empty() {
            let shown: Vec<String> = self
                .checksum_mismatch
                .iter()
                .take(5)
                .map(u32::to_string)
                .collect();
            out.push(Diagnostic::warning(
                None,
                format!(
                    "{path}: source checksums differ on {} line(s) (first: {}); the inputs measured different revisions",
                    self.checksum_mismatch.len(),
                    shown.join(", ")
                ),
            ));
        }
        if let Some((a, b)) = &self.version_mismatch {
            out.push(Diagnostic::warning(
                None,
                format!("{path}: source version `{a}` in one input and `{b}` in another"),
            ));
        }
        for (line, a, b) in &self.statements_mismatch {
            let (lo, hi) = (a.min(b), a.max(b));
            out.push(Diagnostic::warning(
                None,
                format!("{path}: the block at line {line} has {lo} statement(s) in one record and {hi} in another; kept {hi}"),
            ));
        }
        out
    }
}

impl MergeIssues {
    /// Forgets what [`Conflict`]s report with the shards named (checksums, versions), so that a merge
    /// of shards whose conflicts were found does not say it twice. Function moves stay: their message
    /// is the one users know, and [`ConflictKind::FunctionStart`] adds the shards for those who ask.
    pub fn clear_conflicts(&mut self) {
        self.checksum_mismatch.clear();
        self.version_mismatch = None;
    }
}

/// What shards can disagree about for one file (see [`find_conflicts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConflictKind {
    /// A line is coverable in some shards and not in others (different builds, `#ifdef`s).
    Coverability,
    /// A line has different branch ids (different compilers or branch numbering).
    BranchSet,
    /// A function starts on different lines.
    FunctionStart,
    /// A line's source checksum differs (LCOV `DA:n,c,checksum`): different revisions of the file.
    Checksum,
    /// The source version differs (LCOV `VER`).
    Version,
}

impl ConflictKind {
    pub fn id(self) -> &'static str {
        match self {
            ConflictKind::Coverability => "coverability",
            ConflictKind::BranchSet => "branch-set",
            ConflictKind::FunctionStart => "function-start",
            ConflictKind::Checksum => "checksum",
            ConflictKind::Version => "version",
        }
    }
}

/// The shards that agree on one value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConflictSide {
    /// What they say: `coverable`, `2 branches (0.0 0.1)`, `line 14`, a checksum, a version.
    pub value: String,
    pub shards: Vec<ShardId>,
}

/// Shards that disagree about a file, named, for the CLI and the viewer. Lines with the same split of
/// shards are reported together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub path: String,
    pub kind: ConflictKind,
    /// The lines concerned, sorted (a function's start lines; empty for [`ConflictKind::Version`]).
    pub lines: Vec<Line>,
    /// The function, for [`ConflictKind::FunctionStart`].
    pub function: Option<String>,
    /// Each value with its shards; the value shown is that of the first line.
    pub sides: Vec<ConflictSide>,
}

impl Conflict {
    /// Every shard involved, sorted.
    pub fn shards(&self) -> Vec<ShardId> {
        let mut v: Vec<ShardId> = self.sides.iter().flat_map(|s| s.shards.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// A warning naming the file, the lines and the shards (`name` gives a shard's display name).
    pub fn to_diagnostic(&self, name: impl Fn(ShardId) -> String) -> Diagnostic {
        let lines = match self.lines.len() {
            0 => String::new(),
            1 => format!(" line {}", self.lines[0]),
            n => {
                let shown: Vec<String> = self.lines.iter().take(5).map(|l| l.to_string()).collect();
                let more = if n > 5 {
                    format!(" and {} more", n - 5)
                } else {
                    String::new()
                };
                format!(" lines {}{more}", shown.join(", "))
            }
        };
        let sides: Vec<String> = self
            .sides
            .iter()
            .map(|s| {
                let names: Vec<String> = s.shards.iter().map(|&id| name(id)).collect();
                format!("{} in {}", s.value, names.join(", "))
            })
            .collect();
        let what = match (self.kind, &self.function) {
            (ConflictKind::FunctionStart, Some(f)) => format!("function `{f}` start"),
            (ConflictKind::Coverability, _) => "coverable lines".to_string(),
            (ConflictKind::BranchSet, _) => "branches".to_string(),
            (ConflictKind::Checksum, _) => "source checksums (different revisions)".to_string(),
            (ConflictKind::Version, _) => "source version".to_string(),
            (ConflictKind::FunctionStart, None) => "function start".to_string(),
        };
        Diagnostic::warning(
            None,
            format!(
                "{}{lines}: inputs disagree on {what}: {}",
                self.path,
                sides.join("; ")
            ),
        )
    }
}

/// Groups per-line values into conflicts: lines whose split of shards is the same go together.
fn push_grouped(
    out: &mut Vec<Conflict>,
    path: &str,
    kind: ConflictKind,
    per_line: Vec<(Line, Vec<ConflictSide>)>,
    by_value: bool,
) {
    let mut groups: BTreeMap<Vec<(Vec<ShardId>, &str)>, Conflict> = BTreeMap::new();
    for (line, sides) in &per_line {
        // Checksums differ line by line: there only the split of shards groups lines.
        let key: Vec<(Vec<ShardId>, &str)> = sides
            .iter()
            .map(|s| {
                (
                    s.shards.clone(),
                    if by_value { s.value.as_str() } else { "" },
                )
            })
            .collect();
        groups
            .entry(key)
            .or_insert_with(|| Conflict {
                path: path.to_string(),
                kind,
                lines: Vec::new(),
                function: None,
                sides: sides.clone(),
            })
            .lines
            .push(*line);
    }
    let mut grouped: Vec<Conflict> = groups.into_values().collect();
    grouped.sort_by(|a, b| a.lines.cmp(&b.lines));
    out.extend(grouped);
}

/// Sides from (shard, value) pairs: one per distinct value, sorted; `None` when all agree.
fn sides_of(values: Vec<(ShardId, String)>) -> Option<Vec<ConflictSide>> {
    let mut by: BTreeMap<String, Vec<ShardId>> = BTreeMap::new();
    for (id, v) in values {
        by.entry(v).or_default().push(id);
    }
    if by.len() < 2 {
        return None;
    }
    let mut sides: Vec<ConflictSide> = by
        .into_iter()
        .map(|(value, mut shards)| {
            shards.sort();
            ConflictSide { value, shards }
        })
        .collect();
    sides.sort_by(|a, b| a.shards.cmp(&b.shards));
    Some(sides)
}

/// Where shards disagree about the file `path` they all have: coverability (only between shards that
/// have line data for it), branch sets of lines coverable in both (only between shards with branch
/// data), function start lines, line checksums and versions. Sorted by kind, then first line.
pub fn find_conflicts(path: &str, files: &[(ShardId, &FileCoverage)]) -> Vec<Conflict> {
    let mut out = Vec::new();
    if files.len() < 2 {
        return out;
    }
    let same_keys = |a: &[LineHit], b: &[LineHit]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.line == y.line)
    };
    let with_lines: Vec<&(ShardId, &FileCoverage)> =
        files.iter().filter(|(_, f)| !f.lines.is_empty()).collect();
    if with_lines.len() >= 2
        && !with_lines
            .windows(2)
            .all(|w| same_keys(&w[0].1.lines, &w[1].1.lines))
    {
        let mut all: BTreeMap<Line, Vec<ShardId>> = BTreeMap::new();
        for (id, f) in &with_lines {
            for l in &f.lines {
                all.entry(l.line).or_default().push(*id);
            }
        }
        let per_line = all
            .into_iter()
            .filter_map(|(line, have)| {
                let values = with_lines
                    .iter()
                    .map(|(id, _)| {
                        let v = if have.contains(id) {
                            "coverable"
                        } else {
                            "not coverable"
                        };
                        (*id, v.to_string())
                    })
                    .collect();
                sides_of(values).map(|s| (line, s))
            })
            .collect();
        push_grouped(&mut out, path, ConflictKind::Coverability, per_line, true);
    }
    let with_branches: Vec<&(ShardId, &FileCoverage)> = files
        .iter()
        .filter(|(_, f)| !f.branches.is_empty())
        .collect();
    if with_branches.len() >= 2
        && !with_branches.windows(2).all(|w| {
            let (a, b) = (&w[0].1.branches, &w[1].1.branches);
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.key() == y.key())
        })
    {
        let mut lines: BTreeSet<Line> = BTreeSet::new();
        for (_, f) in &with_branches {
            lines.extend(f.branches.iter().map(|b| b.line));
        }
        let per_line = lines
            .into_iter()
            .filter_map(|line| {
                let values = with_branches
                    .iter()
                    // A line not coverable in a shard is a coverability conflict already.
                    .filter(|(_, f)| f.lines.is_empty() || f.line_hits(line).is_some())
                    .map(|(id, f)| {
                        let ids: Vec<String> = f
                            .branches_on(line)
                            .iter()
                            .map(|b| format!("{}.{}", b.id.block, b.id.branch))
                            .collect();
                        (*id, format!("{} branches ({})", ids.len(), ids.join(" ")))
                    })
                    .collect();
                sides_of(values).map(|s| (line, s))
            })
            .collect();
        push_grouped(&mut out, path, ConflictKind::BranchSet, per_line, true);
    }
    // Fast path (shards of one build): every shard that lists functions lists the same names at the
    // same starts, so no function moved.
    let with_functions: Vec<&(ShardId, &FileCoverage)> = files
        .iter()
        .filter(|(_, f)| !f.functions.is_empty())
        .collect();
    let same_functions = with_functions.windows(2).all(|w| {
        let (a, b) = (&w[0].1.functions, &w[1].1.functions);
        a.len() == b.len()
            && a.iter()
                .zip(b.iter())
                .all(|(x, y)| x.start == y.start && x.name == y.name)
    });
    let mut starts: BTreeMap<&str, Vec<(ShardId, Line)>> = BTreeMap::new();
    for (id, f) in with_functions.into_iter().filter(|_| !same_functions) {
        for func in &f.functions {
            starts
                .entry(&func.name)
                .or_default()
                .push((*id, func.start));
        }
    }
    for (name, v) in starts {
        let mut lines: Vec<Line> = v.iter().map(|x| x.1).collect();
        lines.sort();
        lines.dedup();
        if lines.len() < 2 {
            continue;
        }
        let values = v
            .into_iter()
            .map(|(id, l)| (id, format!("line {l}")))
            .collect();
        if let Some(sides) = sides_of(values) {
            out.push(Conflict {
                path: path.to_string(),
                kind: ConflictKind::FunctionStart,
                lines,
                function: Some(name.to_string()),
                sides,
            });
        }
    }
    let with_sums: Vec<&(ShardId, &FileCoverage)> = files
        .iter()
        .filter(|(_, f)| !f.line_checksums.is_empty())
        .collect();
    if with_sums.len() >= 2
        && !with_sums
            .windows(2)
            .all(|w| w[0].1.line_checksums == w[1].1.line_checksums)
    {
        let mut all: BTreeMap<Line, Vec<(ShardId, String)>> = BTreeMap::new();
        for (id, f) in &with_sums {
            for (l, c) in &f.line_checksums {
                all.entry(*l).or_default().push((*id, c.to_string()));
            }
        }
        let per_line = all
            .into_iter()
            .filter_map(|(line, values)| sides_of(values).map(|s| (line, s)))
            .collect();
        push_grouped(&mut out, path, ConflictKind::Checksum, per_line, false);
    }
    let versions: Vec<(ShardId, String)> = files
        .iter()
        .filter_map(|(id, f)| f.version.clone().map(|v| (*id, v)))
        .collect();
    if let Some(sides) = sides_of(versions) {
        out.push(Conflict {
            path: path.to_string(),
            kind: ConflictKind::Version,
            lines: Vec::new(),
            function: None,
            sides,
        });
    }
    out.sort_by(|a, b| (a.kind, &a.lines, &a.function).cmp(&(b.kind, &b.lines, &b.function)));
    out
}

/// The conflicts between shards, file by file (paths as the reports name them: reconcile first).
pub fn find_shard_conflicts(shards: &[(ShardId, &Report)]) -> Vec<Conflict> {
    let mut by_path: BTreeMap<&str, Vec<(ShardId, &FileCoverage)>> = BTreeMap::new();
    for (id, r) in shards {
        for (p, f) in &r.files {
            by_path.entry(p).or_default().push((*id, f));
        }
    }
    by_path
        .into_iter()
        .flat_map(|(p, files)| find_conflicts(p, &files))
        .collect()
}

/// Merges shards: their conflicts (named by shard) and the merged report, whose diagnostics leave out
/// what the conflicts say already.
pub fn merge_shards(shards: Vec<(ShardId, Report)>) -> (Report, Vec<Diagnostic>, Vec<Conflict>) {
    let conflicts = {
        let refs: Vec<(ShardId, &Report)> = shards.iter().map(|(id, r)| (*id, r)).collect();
        find_shard_conflicts(&refs)
    };
    let mut out = Report::default();
    let mut diags = Vec::new();
    for (_, r) in shards {
        out.fidelity = out.fidelity.combine(r.fidelity);
        for (path, fc) in r.files {
            match out.files.get_mut(&path) {
                Some(existing) => {
                    let mut issues = MergeIssues::default();
                    merge_file(existing, &fc, &mut issues);
                    issues.clear_conflicts();
                    diags.extend(issues.to_diagnostics(&path));
                }
                None => {
                    out.files.insert(path, fc);
                }
            }
        }
    }
    (out, diags, conflicts)
}

fn add(a: u64, b: u64, issues: &mut MergeIssues) -> u64 {
    match a.checked_add(b) {
        Some(s) => s,
        None => {
            issues.saturated += 1;
            u64::MAX
        }
    }
}

fn add_taken(a: Option<u64>, b: Option<u64>, issues: &mut MergeIssues) -> Option<u64> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => Some(add(a, b, issues)),
    }
}

/// Merge-join of two vectors sorted by `cmp`, combining equal elements with `combine`.
/// Fast path: while both hold the same keys (shards of one build), counts are added in place, in
/// one pass.
fn merge_sorted<T: Clone>(
    a: &mut Vec<T>,
    b: &[T],
    cmp: impl Fn(&T, &T) -> Ordering,
    mut combine: impl FnMut(&mut T, &T),
) {
    if b.is_empty() {
        return;
    }
    if a.is_empty() {
        a.extend_from_slice(b);
        return;
    }
    // The common case (shards of one build): the same keys in the same order. Items are combined
    // pairwise while the keys agree; from the first that differs on, the rest is merged by key.
    let mut same = 0;
    for (x, y) in a.iter_mut().zip(b) {
        if cmp(x, y) != Ordering::Equal {
            break;
        }
        combine(x, y);
        same += 1;
    }
    if same == a.len() && same == b.len() {
        return;
    }
    let old = a.split_off(same);
    let b = &b[same..];
    a.reserve(old.len() + b.len());
    let mut bi = b.iter().peekable();
    for mut x in old {
        while let Some(y) = bi.peek() {
            match cmp(y, &x) {
                Ordering::Less => {
                    a.push((*y).clone());
                    bi.next();
                }
                Ordering::Equal => {
                    combine(&mut x, y);
                    bi.next();
                    break;
                }
                Ordering::Greater => break,
            }
        }
        a.push(x);
    }
    a.extend(bi.cloned());
}

fn combine_function(x: &mut Function, y: &Function, issues: &mut MergeIssues) {
    x.hits = add(x.hits, y.hits, issues);
    if x.start != y.start {
        issues
            .function_moved
            .push((x.name.clone(), x.start.get(), y.start.get()));
        x.start = x.start.min(y.start);
    }
    x.end = match (x.end, y.end) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
}

fn combine_statements(x: &mut StatementBlock, y: &StatementBlock, issues: &mut MergeIssues) {
    x.hits = add(x.hits, y.hits, issues);
    if x.statements != y.statements {
        issues
            .statements_mismatch
            .push((x.start.get(), x.statements, y.statements));
        x.statements = x.statements.max(y.statements);
    }
}

/// Merges `other` into `into`; both must be normalised (see [`normalize`]).
pub fn merge_file(into: &mut FileCoverage, other: &FileCoverage, issues: &mut MergeIssues) {
    merge_sorted(
        &mut into.lines,
        &other.lines,
        |x, y| x.line.cmp(&y.line),
        |x, y| x.hits = add(x.hits, y.hits, issues),
    );
    merge_sorted(
        &mut into.branches,
        &other.branches,
        |x, y| x.key().cmp(&y.key()),
        |x, y| x.taken = add_taken(x.taken, y.taken, issues),
    );
    merge_sorted(
        &mut into.functions,
        &other.functions,
        |x, y| x.name.cmp(&y.name),
        |x, y| combine_function(x, y, issues),
    );
    merge_sorted(
        &mut into.mcdc,
        &other.mcdc,
        |x, y| x.key().cmp(&y.key()),
        |x, y| x.taken = add(x.taken, y.taken, issues),
    );
    merge_sorted(
        &mut into.line_checksums,
        &other.line_checksums,
        |x, y| x.0.cmp(&y.0),
        |x, y| {
            if x.1 != y.1 {
                issues.checksum_mismatch.push(x.0.get());
                // Deterministic whatever the order of inputs: the smaller checksum stays.
                if y.1 < x.1 {
                    x.1 = y.1.clone();
                }
            }
        },
    );
    merge_sorted(
        &mut into.statements,
        &other.statements,
        |x, y| x.key().cmp(&y.key()),
        |x, y| combine_statements(x, y, issues),
    );
    match (&mut into.version, &other.version) {
        (Some(a), Some(b)) if a != b => {
            let (lo, hi) = if *a < *b {
                (a.clone(), b.clone())
            } else {
                (b.clone(), a.clone())
            };
            issues.version_mismatch = Some((lo.clone(), hi));
            *a = lo;
        }
        (None, Some(b)) => into.version = Some(b.clone()),
        _ => {}
    }
}

/// Sorts a parser's raw record and merges repeated keys within it (the same line twice in one record,
/// as coverlet writes for properties, is a merge, not an error).
pub fn normalize(fc: &mut FileCoverage, issues: &mut MergeIssues) {
    fn dedup<T>(v: &mut Vec<T>, same: impl Fn(&T, &T) -> bool, mut combine: impl FnMut(&mut T, T)) {
        if v.len() < 2 {
            return;
        }
        let old = std::mem::take(v);
        for x in old {
            match v.last_mut() {
                Some(last) if same(last, &x) => combine(last, x),
                _ => v.push(x),
            }
        }
    }
    if !fc.lines.windows(2).all(|w| w[0].line < w[1].line) {
        fc.lines.sort_by_key(|l| l.line);
        dedup(
            &mut fc.lines,
            |a: &LineHit, b| a.line == b.line,
            |a, b| a.hits = add(a.hits, b.hits, issues),
        );
    }
    if !fc.branches.windows(2).all(|w| w[0].key() < w[1].key()) {
        fc.branches.sort_by(|a, b| a.key().cmp(&b.key()));
        dedup(
            &mut fc.branches,
            |a: &Branch, b| a.key() == b.key(),
            |a, b| a.taken = add_taken(a.taken, b.taken, issues),
        );
    }
    if !fc.functions.windows(2).all(|w| w[0].name < w[1].name) {
        fc.functions
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.start.cmp(&b.start)));
        dedup(
            &mut fc.functions,
            |a: &Function, b| a.name == b.name,
            |a, b| combine_function(a, &b, issues),
        );
    }
    if !fc.mcdc.windows(2).all(|w| w[0].key() < w[1].key()) {
        fc.mcdc.sort_by(|a, b| a.key().cmp(&b.key()));
        dedup(
            &mut fc.mcdc,
            |a: &McdcCondition, b| a.key() == b.key(),
            |a, b| a.taken = add(a.taken, b.taken, issues),
        );
    }
    if !fc.statements.windows(2).all(|w| w[0].key() < w[1].key()) {
        fc.statements.sort_by_key(StatementBlock::key);
        dedup(
            &mut fc.statements,
            |a: &StatementBlock, b| a.key() == b.key(),
            |a, b| combine_statements(a, &b, issues),
        );
    }
    if !fc.line_checksums.windows(2).all(|w| w[0].0 < w[1].0) {
        fc.line_checksums.sort();
        dedup(
            &mut fc.line_checksums,
            |a, b| a.0 == b.0,
            |a, b| {
                if a.1 != b.1 {
                    issues.checksum_mismatch.push(a.0.get());
                }
            },
        );
    }
}

/// Merges `other` into `into`, returning diagnostics that name the files concerned.
pub fn merge_reports(into: &mut Report, other: &Report) -> Vec<Diagnostic> {
    into.fidelity = into.fidelity.combine(other.fidelity);
    merge_files(
        into,
        other
            .files
            .iter()
            .map(|(p, fc)| (Cow::Borrowed(p), Cow::Borrowed(fc))),
    )
}

/// Merges an owned report into `into` without cloning files `into` lacks.
pub fn merge_reports_owned(into: &mut Report, other: Report) -> Vec<Diagnostic> {
    into.fidelity = into.fidelity.combine(other.fidelity);
    merge_files(
        into,
        other
            .files
            .into_iter()
            .map(|(p, fc)| (Cow::Owned(p), Cow::Owned(fc))),
    )
}

/// With fewer than one file in `other` for this many in `into`, each of `other`'s files is looked
/// up in `into`; otherwise the two maps, both in path order, are merged in one pass.
const LOOKUP_RATIO: usize = 8;

/// Merges `other`'s files (in path order, each path once, as a report holds them) into `into`'s.
/// Merging shards of a few thousand files each, one pass over both maps compares each path once,
/// where looking each up compares it with a dozen others of the same long prefix.
fn merge_files<'a>(
    into: &mut Report,
    other: impl ExactSizeIterator<Item = (Cow<'a, String>, Cow<'a, FileCoverage>)>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut merge = |existing: &mut FileCoverage, path: &str, fc: &FileCoverage| {
        let mut issues = MergeIssues::default();
        merge_file(existing, fc, &mut issues);
        diags.extend(issues.to_diagnostics(path));
    };
    if other.len().saturating_mul(LOOKUP_RATIO) < into.files.len() {
        for (path, fc) in other {
            match into.files.get_mut(path.as_str()) {
                Some(existing) => merge(existing, &path, &fc),
                None => {
                    into.files.insert(path.into_owned(), fc.into_owned());
                }
            }
        }
        return diags;
    }
    let old = std::mem::take(&mut into.files);
    let mut files = Vec::with_capacity(old.len() + other.len());
    let mut other = other.peekable();
    for (path, mut fc) in old {
        // Each path compared once: the long prefixes paths share make comparing them the cost.
        while let Some(order) = other.peek().map(|(p, _)| p.as_str().cmp(path.as_str())) {
            let Some((p, f)) = other.next_if(|_| order != Ordering::Greater) else {
                break;
            };
            if order == Ordering::Equal {
                merge(&mut fc, &path, &f);
                break;
            }
            files.push((p.into_owned(), f.into_owned()));
        }
        files.push((path, fc));
    }
    files.extend(other.map(|(p, f)| (p.into_owned(), f.into_owned())));
    // Already in path order: the map is built without sorting.
    into.files = files.into_iter().collect();
    diags
}

/// Folds a parser's records into one report: the sink every parser pushes into.
#[derive(Debug)]
pub struct ReportBuilder {
    report: Report,
    diagnostics: Vec<Diagnostic>,
    records: u64,
}

impl ReportBuilder {
    pub fn new(fidelity: crate::model::Fidelity) -> ReportBuilder {
        ReportBuilder {
            report: Report::new(fidelity),
            diagnostics: Vec::new(),
            records: 0,
        }
    }

    /// Adds one record, merging it with an earlier record of the same path.
    pub fn push(&mut self, mut record: FileRecord) {
        self.records += 1;
        let mut issues = MergeIssues::default();
        normalize(&mut record.coverage, &mut issues);
        match self.report.files.get_mut(&record.path) {
            Some(existing) => merge_file(existing, &record.coverage, &mut issues),
            None => {
                if !issues.is_empty() {
                    self.diagnostics.extend(issues.to_diagnostics(&record.path));
                }
                self.report.files.insert(record.path, record.coverage);
                return;
            }
        }
        if !issues.is_empty() {
            self.diagnostics.extend(issues.to_diagnostics(&record.path));
        }
    }

    /// How many records were pushed (a file repeated in the input counts each time).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The report and the merge diagnostics.
    pub fn finish(self) -> (Report, Vec<Diagnostic>) {
        (self.report, self.diagnostics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Measure;

    /// `merge_sorted` on (key, count) pairs, counts of equal keys added.
    fn merged(a: &[(u32, u64)], b: &[(u32, u64)]) -> Vec<(u32, u64)> {
        let mut a = a.to_vec();
        merge_sorted(&mut a, b, |x, y| x.0.cmp(&y.0), |x, y| x.1 += y.1);
        a
    }

    #[test]
    fn sorted_items_merge_by_key_whether_the_keys_agree_all_the_way_part_of_it_or_not_at_all() {
        // The same keys: added pairwise.
        assert_eq!(
            merged(&[(1, 1), (2, 2)], &[(1, 10), (2, 20)]),
            [(1, 11), (2, 22)]
        );
        // The same first keys, then not: the rest merged by key, nothing lost or added twice.
        assert_eq!(
            merged(
                &[(1, 1), (2, 2), (5, 5)],
                &[(1, 10), (2, 20), (3, 30), (5, 50), (9, 90)]
            ),
            [(1, 11), (2, 22), (3, 30), (5, 55), (9, 90)]
        );
        // One side a prefix of the other.
        assert_eq!(merged(&[(1, 1)], &[(1, 10), (2, 20)]), [(1, 11), (2, 20)]);
        assert_eq!(merged(&[(1, 1), (2, 2)], &[(1, 10)]), [(1, 11), (2, 2)]);
        // Different from the first key on; empty sides.
        assert_eq!(
            merged(&[(2, 2), (4, 4)], &[(1, 10), (4, 40)]),
            [(1, 10), (2, 2), (4, 44)]
        );
        assert_eq!(merged(&[], &[(1, 10)]), [(1, 10)]);
        assert_eq!(merged(&[(1, 1)], &[]), [(1, 1)]);
    }

    fn parse(format: crate::Format, text: &str) -> Report {
        crate::parse_bytes_as(format, text.as_bytes(), &Default::default())
            .expect("parses")
            .report
    }

    /// An LCOV report of `files`, each `(path, [(line, hits)])`.
    fn lcov_of(files: &[(&str, &[(u32, u64)])]) -> Report {
        let mut text = String::new();
        for (path, lines) in files {
            text.push_str(&format!("SF:{path}\n"));
            for (line, hits) in *lines {
                text.push_str(&format!("DA:{line},{hits}\n"));
            }
            text.push_str("end_of_record\n");
        }
        parse(crate::Format::Lcov, &text)
    }

    #[test]
    fn reports_merge_the_same_by_lookup_and_by_one_pass_in_path_order() {
        // 20 files in `into`: 2 files of `other` are looked up, 12 are merged in one pass.
        let names: Vec<String> = (0..20).map(|i| format!("src/f{i:02}.c")).collect();
        let twenty: Vec<(&str, &[(u32, u64)])> = names
            .iter()
            .map(|n| (n.as_str(), &[(1, 1), (2, 0)][..]))
            .collect();
        let few = lcov_of(&[("src/f05.c", &[(2, 3)]), ("src/new.c", &[(1, 0)])]);
        let many = lcov_of(&[
            ("a/first.c", &[(1, 1)]),
            ("src/f00.c", &[(2, 4), (3, 0)]),
            ("src/f07.c", &[(1, 2)]),
            ("src/f07b.c", &[(9, 9)]),
            ("src/f19.c", &[(2, 1)]),
            ("z/last.c", &[(1, 0)]),
        ]);
        for other in [&few, &many] {
            let mut by_ref = lcov_of(&twenty);
            assert!(merge_reports(&mut by_ref, other).is_empty());
            let mut owned = lcov_of(&twenty);
            merge_reports_owned(&mut owned, other.clone());
            assert_eq!(by_ref, owned);
            // Merged the other way round (`other` grows by lookups or passes of its own): the same.
            let mut reverse = other.clone();
            merge_reports(&mut reverse, &lcov_of(&twenty));
            assert_eq!(by_ref, reverse);
        }
        let mut r = lcov_of(&twenty);
        merge_reports(&mut r, &many);
        let paths: Vec<&str> = r.files.keys().map(String::as_str).collect();
        assert_eq!(paths.len(), 23);
        assert_eq!(
            (paths[0], paths[9], paths[22]),
            ("a/first.c", "src/f07b.c", "z/last.c")
        );
        let t = crate::Totals::of_report(&r);
        // 20 files of 2 lines, f00 gains line 3, 3 new files of 1 line: 44 lines; hit: 20 line 1s,
        // f00 and f19 line 2, a/first.c and f07b.c.
        assert_eq!((t.lines.hit, t.lines.found), (24, 44));
    }

    /// A boolean input (SonarQube) merged with a counting one (LCOV): hits add up, whether a line was hit
    /// stays exact, and the merge is marked boolean, whichever comes first.
    #[test]
    fn boolean_and_counted_inputs_merge_to_a_boolean_lower_bound() {
        let counted = parse(
            crate::Format::Lcov,
            "SF:/s/a.c\nDA:1,5\nDA:2,0\nDA:3,0\nDA:4,2\nend_of_record\n",
        );
        let boolean = parse(
            crate::Format::Sonarqube,
            r#"<coverage version="1"><file path="/s/a.c"><lineToCover lineNumber="1" covered="true"/><lineToCover lineNumber="2" covered="true"/><lineToCover lineNumber="3" covered="false"/><lineToCover lineNumber="5" covered="true"/></file></coverage>"#,
        );
        assert_eq!(counted.fidelity.lines, Measure::Counted);
        assert_eq!(boolean.fidelity.lines, Measure::Boolean);
        for (first, second) in [(&counted, &boolean), (&boolean, &counted)] {
            let mut m = first.clone();
            assert!(merge_reports(&mut m, second).is_empty());
            let hits: Vec<(u32, u64)> = m.files["/s/a.c"]
                .lines
                .iter()
                .map(|l| (l.line.get(), l.hits))
                .collect();
            assert_eq!(hits, [(1, 6), (2, 1), (3, 0), (4, 2), (5, 1)]);
            assert_eq!(m.fidelity.lines, Measure::Boolean);
            assert_eq!(m.fidelity.functions, Measure::Counted);
        }
    }
}
