//! Provenance: the loaded inputs ("shards"), kept apart so the merged view can be recomputed without
//! any of them (toggling a shard off re-merges; it never re-parses), and so every line can say which
//! shards hit it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::detect::Format;
use crate::diag::Diagnostic;
use crate::load::Loaded;
use crate::merge::{merge_reports, merge_shards, Conflict};
use crate::model::{Line, Report};
use crate::reconcile::{reconcile, Reconciliation, Rules, ShardPaths};
use crate::totals::Totals;

/// A shard's stable id within its [`ShardSet`]; ids are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShardId(pub u32);

/// One loaded input.
#[derive(Clone, Debug)]
pub struct Shard {
    pub id: ShardId,
    /// A display name: the file name at first, renamable ("unit", "e2e", "linux-job-3").
    pub name: String,
    pub format: Format,
    pub report: Report,
    /// Diagnostics of parsing and of merging within the input.
    pub diagnostics: Vec<Diagnostic>,
    pub enabled: bool,
    /// Size of the input in bytes.
    pub bytes: u64,
    /// The totals of `report`, counted the first time they are asked for ([`Shard::totals`]): a
    /// view lists every shard's totals, and counting 30 shards of 5,000 files takes longer than
    /// merging them. Private, so that only this module makes shards (with the report they count).
    totals: OnceLock<Totals>,
    /// This shard's report among all reports any shard ever held ([`Shard::stamp`]).
    stamp: u64,
}

/// The next [`Shard::stamp`]: a counter of the process (or the worker), never reused.
static NEXT_STAMP: AtomicU64 = AtomicU64::new(1);

fn next_stamp() -> u64 {
    NEXT_STAMP.fetch_add(1, Ordering::Relaxed)
}

impl Shard {
    /// The shard with an empty report (to put another in its place without copying this one's).
    fn clone_without_report(&self) -> Shard {
        self.with_report(Report::new(self.report.fidelity))
    }

    /// A copy of this shard (id, name, format, diagnostics, state, size) holding `report` instead.
    pub fn with_report(&self, report: Report) -> Shard {
        Shard {
            id: self.id,
            name: self.name.clone(),
            format: self.format,
            report,
            diagnostics: self.diagnostics.clone(),
            enabled: self.enabled,
            bytes: self.bytes,
            totals: OnceLock::new(),
            stamp: next_stamp(),
        }
    }

    /// Names the report this shard holds: two shards (or one shard at two times) have the same stamp
    /// only when they hold the same report, a clone of it or itself. A shard's report changes only
    /// through [`ShardSet::replace`], which stamps it anew; every new shard gets a new stamp. What was
    /// computed from the reports (a reconciliation of their paths) can be kept by their stamps.
    pub fn stamp(&self) -> u64 {
        self.stamp
    }

    /// Lines, branches and functions found and hit in this shard's report, as [`Totals::of_report`]
    /// counts them; counted once and kept (the report of a shard does not change after it is made).
    pub fn totals(&self) -> Totals {
        *self.totals.get_or_init(|| Totals::of_report(&self.report))
    }
}

/// Every loaded shard, in load order.
#[derive(Clone, Debug, Default)]
pub struct ShardSet {
    shards: Vec<Shard>,
    next_id: u32,
}

impl ShardSet {
    pub fn new() -> ShardSet {
        ShardSet::default()
    }

    /// Adds a loaded input, enabled.
    pub fn add(&mut self, name: impl Into<String>, loaded: Loaded, bytes: u64) -> ShardId {
        let id = ShardId(self.next_id);
        self.next_id += 1;
        self.shards.push(Shard {
            id,
            name: name.into(),
            format: loaded.format,
            report: loaded.report,
            diagnostics: loaded.diagnostics,
            enabled: true,
            bytes,
            totals: OnceLock::new(),
            stamp: next_stamp(),
        });
        id
    }

    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    pub fn get(&self, id: ShardId) -> Option<&Shard> {
        self.shards.iter().find(|s| s.id == id)
    }

    fn get_mut(&mut self, id: ShardId) -> Option<&mut Shard> {
        self.shards.iter_mut().find(|s| s.id == id)
    }

    /// Removes a shard; false when there was none of that id.
    pub fn remove(&mut self, id: ShardId) -> bool {
        let before = self.shards.len();
        self.shards.retain(|s| s.id != id);
        before != self.shards.len()
    }

    /// Turns a shard on or off; false when there was none of that id.
    pub fn set_enabled(&mut self, id: ShardId, enabled: bool) -> bool {
        self.get_mut(id).map(|s| s.enabled = enabled).is_some()
    }

    /// Replaces what a shard holds (format, report, diagnostics) with a new load of the same input,
    /// keeping its id, name, enabled state, size and place in the load order; false when there was
    /// none of that id.
    pub fn replace(&mut self, id: ShardId, loaded: Loaded) -> bool {
        self.get_mut(id)
            .map(|s| {
                s.format = loaded.format;
                s.report = loaded.report;
                s.diagnostics = loaded.diagnostics;
                s.totals = OnceLock::new();
                s.stamp = next_stamp();
            })
            .is_some()
    }

    /// Renames a shard; false when there was none of that id.
    pub fn rename(&mut self, id: ShardId, name: impl Into<String>) -> bool {
        let name = name.into();
        self.get_mut(id).map(|s| s.name = name).is_some()
    }

    /// The merge of the enabled shards, with the diagnostics of merging them.
    pub fn merged(&self) -> (Report, Vec<Diagnostic>) {
        let mut out = Report::default();
        let mut diags = Vec::new();
        for s in self.shards.iter().filter(|s| s.enabled) {
            diags.extend(merge_reports(&mut out, &s.report));
        }
        (out, diags)
    }

    /// The path reconciliation of the enabled shards (see [`crate::reconcile`]), against a source
    /// tree (paths relative to its root; may be empty) under the user's rules.
    pub fn reconcile(&self, source_tree: &[&str], rules: &Rules) -> Reconciliation {
        let paths: Vec<ShardPaths<'_>> = self
            .shards
            .iter()
            .filter(|s| s.enabled)
            .map(|s| ShardPaths {
                shard: s.id,
                paths: s.report.files.keys().map(String::as_str).collect(),
            })
            .collect();
        reconcile(&paths, source_tree, rules)
    }

    /// The merge of the enabled shards with their paths reconciled by `rec`: the report (keyed by
    /// canonical paths; `rec` maps them back to the originals), the merge diagnostics, and the
    /// conflicts between shards.
    pub fn merged_reconciled(
        &self,
        rec: &Reconciliation,
    ) -> (Report, Vec<Diagnostic>, Vec<Conflict>) {
        let mut diags = Vec::new();
        let renamed: Vec<(ShardId, Report)> = self
            .shards
            .iter()
            .filter(|s| s.enabled)
            .map(|s| {
                let (r, d) = rec.apply(s.id, s.report.clone());
                diags.extend(d);
                (s.id, r)
            })
            .collect();
        let (report, d, conflicts) = merge_shards(renamed);
        diags.extend(d);
        (report, diags, conflicts)
    }

    /// A copy of the set in which every enabled shard's report names its files by their canonical
    /// paths in `rec` (files of one shard that become one are merged, with that merge's diagnostics);
    /// ids, names, order, sizes and on/off state are kept, so [`ShardSet::merged_by`] applies a policy
    /// to the reconciled shards and [`ShardSet::line_hits_by_shard`] takes canonical paths. Disabled
    /// shards, which `rec` did not see, are copied as they are.
    pub fn reconciled(&self, rec: &Reconciliation) -> (ShardSet, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let shards = self
            .shards
            .iter()
            .map(|s| {
                if !s.enabled || rec.joins().is_empty() {
                    return s.clone();
                }
                let (report, d) = rec.apply(s.id, s.report.clone());
                diags.extend(d);
                Shard {
                    report,
                    ..s.clone_without_report()
                }
            })
            .collect();
        (
            ShardSet {
                shards,
                next_id: self.next_id,
            },
            diags,
        )
    }

    /// For each enabled shard where `line` of `path` is coverable: its hits there.
    pub fn line_hits_by_shard(&self, path: &str, line: Line) -> Vec<(ShardId, u64)> {
        self.shards
            .iter()
            .filter(|s| s.enabled)
            .filter_map(|s| Some((s.id, s.report.files.get(path)?.line_hits(line)?)))
            .collect()
    }

    /// The enabled shards that hit `line` of `path` at least once.
    pub fn shards_hitting(&self, path: &str, line: Line) -> Vec<ShardId> {
        self.line_hits_by_shard(path, line)
            .into_iter()
            .filter(|(_, h)| *h > 0)
            .map(|(id, _)| id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_bytes, ParseOptions, Totals};

    fn lcov(text: &str) -> Loaded {
        parse_bytes(text.as_bytes(), &ParseOptions::default()).unwrap()
    }

    /// One file under two roots (a Linux and a Windows job): reconciled first, a policy then sees one
    /// file measured by both shards (issue 6 with issue 4's policies).
    #[test]
    fn a_policy_applies_to_the_reconciled_shards() {
        use crate::policy::Policy;
        let mut set = ShardSet::new();
        let a = set.add(
            "linux",
            lcov("SF:/home/ci/app/src/x.c\nDA:1,1\nDA:2,0\nend_of_record\nSF:/home/ci/app/src/y.c\nDA:1,1\nend_of_record\n"),
            1,
        );
        let b = set.add(
            "windows",
            lcov("SF:C:\\w\\app\\src\\x.c\nDA:1,0\nDA:2,3\nend_of_record\nSF:C:\\w\\app\\src\\y.c\nDA:1,1\nend_of_record\n"),
            1,
        );
        let off = set.add("off", lcov("SF:/elsewhere/z.c\nDA:1,1\nend_of_record\n"), 1);
        assert!(set.set_enabled(off, false));
        let lines = |r: &Report| {
            let t = Totals::of_report(r);
            (t.lines.hit, t.lines.found)
        };
        // Apart, `all` sees four files each measured by one shard.
        assert_eq!(lines(&set.merged_by(&Policy::All).0), (4, 6));
        let rec = set.reconcile(&[], &Rules::default());
        let (renamed, diags) = set.reconciled(&rec);
        assert_eq!(diags, vec![]);
        let ids: Vec<(ShardId, &str, bool)> = renamed
            .shards()
            .iter()
            .map(|s| (s.id, s.name.as_str(), s.enabled))
            .collect();
        assert_eq!(
            ids,
            [
                (a, "linux", true),
                (b, "windows", true),
                (off, "off", false)
            ]
        );
        let (sum, _) = renamed.merged_by(&Policy::Sum);
        let paths: Vec<&str> = sum.files.keys().map(String::as_str).collect();
        assert_eq!(paths, ["app/src/x.c", "app/src/y.c"]);
        assert_eq!(lines(&sum), (3, 3));
        assert_eq!(sum, set.merged_reconciled(&rec).0);
        // x.c line 1 is missed by windows, line 2 by linux: only y.c line 1 is hit by all.
        assert_eq!(lines(&renamed.merged_by(&Policy::All).0), (1, 3));
        // Only linux hit x.c line 1 (windows ran it 0 times); y.c line 1 both hit.
        let only_linux = Policy::OnlyBy([a].into());
        assert_eq!(lines(&renamed.merged_by(&only_linux).0), (1, 3));
        assert_eq!(
            renamed.line_hits_by_shard("app/src/x.c", Line::new(2).unwrap()),
            [(a, 0), (b, 3)]
        );
        // The disabled shard is untouched and new ids still do not collide.
        assert_eq!(renamed.get(off).unwrap().report.files.len(), 1);
        let mut renamed = renamed;
        let c = renamed.add("c", lcov("SF:q.c\nDA:1,1\nend_of_record\n"), 1);
        assert_eq!(c, ShardId(3));
    }

    #[test]
    fn replace_keeps_id_name_enabled_size_and_order() {
        let mut set = ShardSet::new();
        let a = set.add("a.info", lcov("SF:a.c\nDA:1,0\nend_of_record\n"), 30);
        let b = set.add("b.info", lcov("SF:b.c\nDA:1,1\nend_of_record\n"), 31);
        // Counted (and kept) before the replace: the replace counts the new report.
        assert_eq!(set.get(a).unwrap().totals().lines.found, 1);
        let stamp_before = set.get(a).unwrap().stamp();
        assert!(set.rename(a, "unit"));
        assert!(set.set_enabled(a, false));
        assert_eq!(set.get(a).unwrap().stamp(), stamp_before);
        let new = lcov("SF:a.c\nDA:1,4\nDA:2,0\nend_of_record\n");
        assert!(set.replace(a, new));
        let ids: Vec<ShardId> = set.shards().iter().map(|s| s.id).collect();
        assert_eq!(ids, [a, b]);
        let s = set.get(a).unwrap();
        assert_eq!((s.name.as_str(), s.enabled, s.bytes), ("unit", false, 30));
        assert_eq!(s.format, Format::Lcov);
        let t = Totals::of_report(&s.report);
        assert_eq!((t.lines.hit, t.lines.found), (1, 2));
        assert_eq!(s.totals(), t);
        // A new report, a new stamp; a clone or a rename keeps it; another shard has its own.
        assert_ne!(s.stamp(), stamp_before);
        assert_eq!(s.clone().stamp(), s.stamp());
        assert_ne!(s.with_report(s.report.clone()).stamp(), s.stamp());
        assert_ne!(set.get(b).unwrap().stamp(), s.stamp());
        assert_eq!(s.with_report(Report::default()).totals(), Totals::default());
        // Still off: the merge is b's alone until a is turned on again.
        assert_eq!(Totals::of_report(&set.merged().0).lines.found, 1);
        assert!(set.set_enabled(a, true));
        assert_eq!(Totals::of_report(&set.merged().0).lines.found, 3);
        assert!(!set.replace(ShardId(99), lcov("SF:x.c\nDA:1,1\nend_of_record\n")));
        assert_eq!(set.shards().len(), 2);
    }
}
