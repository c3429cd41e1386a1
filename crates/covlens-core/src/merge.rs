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
//!
//! Merging is commutative and associative on everything but the conflict tie-breaks, which are
//! deterministic (smallest wins), and the empty report is its identity.

use std::cmp::Ordering;

use crate::diag::Diagnostic;
use crate::model::{
    Branch, FileCoverage, FileRecord, Function, LineHit, McdcCondition, Report, StatementBlock,
};

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
/// Fast path: when both hold the same keys (shards of one build), counts are added in place.
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
    if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| cmp(x, y) == Ordering::Equal) {
        for (x, y) in a.iter_mut().zip(b) {
            combine(x, y);
        }
        return;
    }
    let old = std::mem::take(a);
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
    let mut diags = Vec::new();
    into.fidelity = into.fidelity.combine(other.fidelity);
    for (path, fc) in &other.files {
        match into.files.get_mut(path) {
            Some(existing) => {
                let mut issues = MergeIssues::default();
                merge_file(existing, fc, &mut issues);
                diags.extend(issues.to_diagnostics(path));
            }
            None => {
                into.files.insert(path.clone(), fc.clone());
            }
        }
    }
    diags
}

/// Merges an owned report into `into` without cloning files `into` lacks.
pub fn merge_reports_owned(into: &mut Report, other: Report) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    into.fidelity = into.fidelity.combine(other.fidelity);
    for (path, fc) in other.files {
        match into.files.get_mut(&path) {
            Some(existing) => {
                let mut issues = MergeIssues::default();
                merge_file(existing, &fc, &mut issues);
                diags.extend(issues.to_diagnostics(&path));
            }
            None => {
                into.files.insert(path, fc);
            }
        }
    }
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
