//! Totals: found and hit counts of lines, branches, functions and (Go) statements per file, per directory and overall.

use std::collections::BTreeMap;

use crate::model::{FileCoverage, Report};

/// Found and hit items of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    pub found: u64,
    pub hit: u64,
}

impl Counter {
    pub fn add(&mut self, other: Counter) {
        self.found += other.found;
        self.hit += other.hit;
    }
    /// Percentage covered, `None` when nothing is coverable.
    pub fn percent(self) -> Option<f64> {
        (self.found > 0).then(|| self.hit as f64 * 100.0 / self.found as f64)
    }
}

/// Totals of one file, directory or report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub lines: Counter,
    pub branches: Counter,
    pub functions: Counter,
    /// Statements of [`crate::StatementBlock`]s (Go): found = the sum of the blocks' statement counts,
    /// hit = the sum over blocks executed at least once, as `go test -cover` counts. Zero for other formats.
    pub statements: Counter,
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.lines.add(other.lines);
        self.branches.add(other.branches);
        self.functions.add(other.functions);
        self.statements.add(other.statements);
    }

    /// A file's totals: a line is hit when its count is above zero; a branch when taken above zero
    /// ("never evaluated" and "not taken" both count as found, not hit), as lcov and gcovr count.
    pub fn of_file(fc: &FileCoverage) -> Totals {
        let lines = Counter {
            found: fc.lines.len() as u64,
            hit: fc.lines.iter().filter(|l| l.hits > 0).count() as u64,
        };
        let branches = Counter {
            found: fc.branches.len() as u64,
            hit: fc
                .branches
                .iter()
                .filter(|b| b.taken.unwrap_or(0) > 0)
                .count() as u64,
        };
        let functions = Counter {
            found: fc.functions.len() as u64,
            hit: fc.functions.iter().filter(|f| f.hits > 0).count() as u64,
        };
        let mut statements = Counter::default();
        for b in &fc.statements {
            let n = u64::from(b.statements);
            statements.found += n;
            if b.hits > 0 {
                statements.hit += n;
            }
        }
        Totals {
            lines,
            branches,
            functions,
            statements,
        }
    }

    /// The sum over every file of a report.
    pub fn of_report(report: &Report) -> Totals {
        let mut t = Totals::default();
        for fc in report.files.values() {
            t.add(&Totals::of_file(fc));
        }
        t
    }
}

/// Totals for every directory that holds a file of `report`, keyed by directory path ("" is the root;
/// separators are `/` or `\` as the paths have them). Every ancestor of a file counts it once.
pub fn directory_totals(report: &Report) -> BTreeMap<String, Totals> {
    let mut dirs: BTreeMap<String, Totals> = BTreeMap::new();
    for (path, fc) in &report.files {
        let t = Totals::of_file(fc);
        dirs.entry(String::new()).or_default().add(&t);
        for (i, c) in path.char_indices() {
            if (c == '/' || c == '\\') && i > 0 {
                dirs.entry(path[..i].to_string()).or_default().add(&t);
            }
        }
    }
    dirs
}
