//! Merge policies: which items of the merged report count as covered, given which shards hit them
//! (sum of hits, any shard, all shards, "covered only by" a group of shards). Pure; see [`Policy`].
//!
//! Every policy keeps the coverable items of a plain merge (the union over the enabled shards), so
//! "found" numbers never change with the policy; only hit counts (and so "hit" numbers) do. Disabled
//! shards take no part in any policy.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::diag::Diagnostic;
use crate::merge::merge_reports;
use crate::model::{Branch, FileCoverage, Function, McdcCondition, Report, StatementBlock};
use crate::shards::{ShardId, ShardSet};

/// How the enabled shards' counts combine into the merged report's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// Counts add up (saturating): the plain merge, as `lcov -a` and gcovr merge.
    #[default]
    Sum,
    /// An item's count is the number of enabled shards that hit it: the covered items are the same
    /// as [`Policy::Sum`]'s, the counts say "hit by n shards".
    Any,
    /// An item is covered when every enabled shard in which it is coverable hit it; its count is then
    /// the sum, otherwise 0. A shard that does not measure an item (file or line absent) has no say,
    /// so a file only one shard measured keeps that shard's coverage. A branch never evaluated in a
    /// shard counts as not hit there.
    All,
    /// An item is covered when some enabled shard of the group hit it and no enabled shard outside
    /// the group did: "covered by unit tests but never by an end-to-end shard". Its count is then the
    /// group's sum, otherwise 0.
    OnlyBy(BTreeSet<ShardId>),
}

impl ShardSet {
    /// The merge of the enabled shards under `policy`, with the diagnostics of the plain merge.
    pub fn merged_by(&self, policy: &Policy) -> (Report, Vec<Diagnostic>) {
        let enabled = || self.shards().iter().filter(|s| s.enabled);
        match policy {
            Policy::Sum => self.merged(),
            Policy::Any => {
                let (mut out, diags) = self.merged();
                let mut count = Report::default();
                for s in enabled() {
                    merge_reports(&mut count, &indicator(&s.report, Want::Hit));
                }
                for (path, fc) in out.files.iter_mut() {
                    if let Some(c) = count.files.get(path) {
                        overwrite(fc, c);
                    }
                }
                (out, diags)
            }
            Policy::All => {
                let (mut out, diags) = self.merged();
                let mut missed = Report::default();
                for s in enabled() {
                    merge_reports(&mut missed, &indicator(&s.report, Want::Miss));
                }
                zero_where(&mut out, &missed);
                (out, diags)
            }
            Policy::OnlyBy(group) => {
                let mut out = Report::default();
                let mut diags = Vec::new();
                let mut outside = Report::default();
                for s in enabled() {
                    if group.contains(&s.id) {
                        diags.extend(merge_reports(&mut out, &s.report));
                    } else {
                        merge_reports(&mut outside, &indicator(&s.report, Want::Hit));
                    }
                }
                // The union of coverable items: outside's items join with no hits.
                let mut shape = outside.clone();
                zero_where(&mut shape, &outside);
                merge_reports(&mut out, &shape);
                zero_where(&mut out, &outside);
                (out, diags)
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// 1 where the shard hit the item.
    Hit,
    /// 1 where the item is coverable in the shard and it did not hit it.
    Miss,
}

/// A copy of `report` with every count replaced by 0 or 1 as `want` says. A never-evaluated branch
/// stays never-evaluated for [`Want::Hit`] (so merged "never ran" survives) and is a miss otherwise.
fn indicator(report: &Report, want: Want) -> Report {
    let bit = |hits: u64| u64::from((hits > 0) == (want == Want::Hit));
    let mut out = report.clone();
    for fc in out.files.values_mut() {
        for l in &mut fc.lines {
            l.hits = bit(l.hits);
        }
        for b in &mut fc.branches {
            b.taken = match (b.taken, want) {
                (None, Want::Hit) => None,
                (None, Want::Miss) => Some(1),
                (Some(t), _) => Some(bit(t)),
            };
        }
        for f in &mut fc.functions {
            f.hits = bit(f.hits);
        }
        for m in &mut fc.mcdc {
            m.taken = bit(m.taken);
        }
        for s in &mut fc.statements {
            s.hits = bit(s.hits);
        }
    }
    out
}

/// Walks two vectors sorted by `cmp` and calls `f` on each pair of equal items.
fn join<T>(a: &mut [T], b: &[T], cmp: impl Fn(&T, &T) -> Ordering, mut f: impl FnMut(&mut T, &T)) {
    let mut j = 0;
    for x in a.iter_mut() {
        while j < b.len() && cmp(&b[j], x) == Ordering::Less {
            j += 1;
        }
        if j < b.len() && cmp(&b[j], x) == Ordering::Equal {
            f(x, &b[j]);
        }
    }
}

fn by_line(a: &crate::model::LineHit, b: &crate::model::LineHit) -> Ordering {
    a.line.cmp(&b.line)
}
fn by_branch(a: &Branch, b: &Branch) -> Ordering {
    a.key().cmp(&b.key())
}
fn by_name(a: &Function, b: &Function) -> Ordering {
    a.name.cmp(&b.name)
}
fn by_mcdc(a: &McdcCondition, b: &McdcCondition) -> Ordering {
    a.key().cmp(&b.key())
}
fn by_block(a: &StatementBlock, b: &StatementBlock) -> Ordering {
    a.key().cmp(&b.key())
}

/// Sets to 0 every count of `report` whose item has a non-zero count in `mask`.
fn zero_where(report: &mut Report, mask: &Report) {
    for (path, fc) in report.files.iter_mut() {
        let Some(m) = mask.files.get(path) else {
            continue;
        };
        join(&mut fc.lines, &m.lines, by_line, |x, y| {
            if y.hits > 0 {
                x.hits = 0;
            }
        });
        join(&mut fc.branches, &m.branches, by_branch, |x, y| {
            if y.taken.unwrap_or(0) > 0 && x.taken.is_some() {
                x.taken = Some(0);
            }
        });
        join(&mut fc.functions, &m.functions, by_name, |x, y| {
            if y.hits > 0 {
                x.hits = 0;
            }
        });
        join(&mut fc.mcdc, &m.mcdc, by_mcdc, |x, y| {
            if y.taken > 0 {
                x.taken = 0;
            }
        });
        join(&mut fc.statements, &m.statements, by_block, |x, y| {
            if y.hits > 0 {
                x.hits = 0;
            }
        });
    }
}

/// Replaces the counts of `fc` by those of the same items in `counts`.
fn overwrite(fc: &mut FileCoverage, counts: &FileCoverage) {
    join(&mut fc.lines, &counts.lines, by_line, |x, y| {
        x.hits = y.hits
    });
    join(&mut fc.branches, &counts.branches, by_branch, |x, y| {
        x.taken = y.taken
    });
    join(&mut fc.functions, &counts.functions, by_name, |x, y| {
        x.hits = y.hits
    });
    join(&mut fc.mcdc, &counts.mcdc, by_mcdc, |x, y| {
        x.taken = y.taken
    });
    join(&mut fc.statements, &counts.statements, by_block, |x, y| {
        x.hits = y.hits
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_bytes, Counter, Line, ParseOptions, Totals};

    // The browser test's two LCOV shards (tests/e2e/fixtures/unit.info and integration.info), trimmed
    // to what the policies look at.
    const UNIT: &str = "TN:unit\nSF:src/parser.c\nFN:3,7,parse_header\nFN:9,20,parse_body\n\
        FNDA:4,parse_header\nFNDA:0,parse_body\nBRDA:4,0,0,3\nBRDA:4,0,1,1\nBRDA:12,0,0,-\nBRDA:12,0,1,-\n\
        DA:3,4\nDA:4,4\nDA:5,3\nDA:6,1\nDA:9,0\nDA:10,0\nDA:12,0\nDA:13,0\nDA:14,0\nend_of_record\n\
        SF:src/util.c\nFN:1,4,clamp\nFNDA:6,clamp\nBRDA:2,0,0,2\nBRDA:2,0,1,4\n\
        DA:1,6\nDA:2,6\nDA:3,2\nDA:4,6\nend_of_record\n";
    const INTEGRATION: &str = "TN:integration\nSF:src/parser.c\nFN:3,7,parse_header\nFN:9,20,parse_body\n\
        FNDA:1,parse_header\nFNDA:2,parse_body\nBRDA:4,0,0,0\nBRDA:4,0,1,1\nBRDA:12,0,0,2\nBRDA:12,0,1,0\n\
        DA:3,1\nDA:4,1\nDA:5,0\nDA:6,1\nDA:9,2\nDA:10,2\nDA:12,2\nDA:13,2\nDA:14,0\nend_of_record\n\
        SF:src/main.c\nFN:5,11,main\nFNDA:1,main\nBRDA:7,0,0,1\nBRDA:7,0,1,0\n\
        DA:5,1\nDA:6,1\nDA:7,1\nDA:8,0\nDA:10,1\nDA:11,1\nend_of_record\n";

    fn set() -> (ShardSet, ShardId, ShardId) {
        let mut s = ShardSet::new();
        let load = |t: &str| parse_bytes(t.as_bytes(), &ParseOptions::default()).unwrap();
        let u = s.add("unit", load(UNIT), UNIT.len() as u64);
        let i = s.add("integration", load(INTEGRATION), INTEGRATION.len() as u64);
        (s, u, i)
    }

    fn c(hit: u64, found: u64) -> Counter {
        Counter { hit, found }
    }

    /// (lines, branches, functions) of the whole merge and of src/parser.c.
    fn totals(s: &ShardSet, p: &Policy) -> [(Counter, Counter, Counter); 2] {
        let (r, _) = s.merged_by(p);
        let t = Totals::of_report(&r);
        let f = Totals::of_file(&r.files["src/parser.c"]);
        [
            (t.lines, t.branches, t.functions),
            (f.lines, f.branches, f.functions),
        ]
    }

    #[test]
    fn sum_is_the_plain_merge() {
        let (s, _, _) = set();
        assert_eq!(s.merged_by(&Policy::Sum).0, s.merged().0);
        // parser 8/9, util 4/4, main 5/6; branches 3/4 + 2/2 + 1/2; functions 2/2 + 1/1 + 1/1.
        assert_eq!(totals(&s, &Policy::Sum)[0], (c(17, 19), c(6, 8), c(4, 4)));
    }

    #[test]
    fn any_counts_the_shards_that_hit_and_covers_what_sum_covers() {
        let (s, _, _) = set();
        assert_eq!(totals(&s, &Policy::Any), totals(&s, &Policy::Sum));
        let (r, _) = s.merged_by(&Policy::Any);
        let fc = &r.files["src/parser.c"];
        let hits = |n| fc.line_hits(Line::new(n).unwrap()).unwrap();
        // Line 3: 4 + 1 hits → 2 shards; line 5: unit only; line 14: nobody.
        assert_eq!((hits(3), hits(5), hits(9), hits(14)), (2, 1, 1, 0));
        // 12/0/0 was never evaluated in unit and taken twice in integration: 1 shard.
        assert_eq!(fc.branches_on(Line::new(12).unwrap())[0].taken, Some(1));
    }

    #[test]
    fn all_needs_every_shard_that_measures_the_item() {
        let (s, _, _) = set();
        // parser.c lines hit in both: 3, 4, 6 (5: integration 0; 9-13: unit 0); util.c is unit's
        // alone (4/4), main.c integration's alone (5/6). Branches: only 4/0/1 is taken in both (12/*
        // never ran in unit); functions: parse_header only.
        assert_eq!(
            totals(&s, &Policy::All),
            [
                (c(3 + 4 + 5, 19), c(1 + 2 + 1, 8), c(1 + 1 + 1, 4)),
                (c(3, 9), c(1, 4), c(1, 2))
            ]
        );
        let (r, _) = s.merged_by(&Policy::All);
        // A covered item keeps the summed count.
        assert_eq!(
            r.files["src/parser.c"].line_hits(Line::new(3).unwrap()),
            Some(5)
        );
        assert_eq!(
            r.files["src/parser.c"].line_hits(Line::new(5).unwrap()),
            Some(0)
        );
    }

    #[test]
    fn only_by_a_group_is_what_no_other_shard_hit() {
        let (s, u, i) = set();
        let only = |ids: &[ShardId]| Policy::OnlyBy(ids.iter().copied().collect());
        // Unit but never integration: parser.c line 5, util.c whole; branch 4/0/0; clamp.
        assert_eq!(
            totals(&s, &only(&[u])),
            [
                (c(1 + 4, 19), c(1 + 2, 8), c(1, 4)),
                (c(1, 9), c(1, 4), c(0, 2))
            ]
        );
        // Integration but never unit: parser.c 9, 10, 12, 13; main.c 5 lines; 12/0/0 and 7/0/0;
        // parse_body and main.
        assert_eq!(
            totals(&s, &only(&[i])),
            [
                (c(4 + 5, 19), c(1 + 1, 8), c(1 + 1, 4)),
                (c(4, 9), c(1, 4), c(1, 2))
            ]
        );
        // The group of every shard is the plain merge; the empty group covers nothing.
        assert_eq!(totals(&s, &only(&[u, i])), totals(&s, &Policy::Sum));
        assert_eq!(totals(&s, &only(&[]))[0], (c(0, 19), c(0, 8), c(0, 4)));
        // The group's sum is kept: parser.c line 9 ran twice in integration.
        let (r, _) = s.merged_by(&only(&[i]));
        assert_eq!(
            r.files["src/parser.c"].line_hits(Line::new(9).unwrap()),
            Some(2)
        );
        // A never-evaluated branch of the group stays never evaluated when nobody else has it.
        let (r, _) = s.merged_by(&only(&[u]));
        let b = r.files["src/parser.c"].branches_on(Line::new(12).unwrap());
        assert_eq!((b[0].taken, b[1].taken), (Some(0), Some(0)));
    }

    #[test]
    fn disabled_shards_take_no_part() {
        let (mut s, u, i) = set();
        assert!(s.set_enabled(i, false));
        // Unit alone: parser 4/9, util 4/4, whatever the policy.
        for p in [
            Policy::Sum,
            Policy::Any,
            Policy::All,
            Policy::OnlyBy([u].into_iter().collect()),
        ] {
            assert_eq!(totals(&s, &p)[0].0, c(8, 13), "{p:?}");
        }
        // A disabled member of the group covers nothing.
        assert_eq!(
            totals(&s, &Policy::OnlyBy([i].into_iter().collect()))[0].0,
            c(0, 13)
        );
    }
}
