//! The worker's side of path reconciliation and conflicts (issue 6): the enabled shards' paths are
//! reconciled under the page's rules before every merge (the reconciliation is kept until the enabled
//! shards' paths or the rules change), the merge policy then applies to the renamed shards, and the
//! conflicts between the renamed shards are found and named. A child module of [`super`] (so it
//! reaches the state), tested natively on the real reports of `tests/fixtures/paths`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use covlens_core::merge::{find_conflicts, find_shard_conflicts, merge_file, MergeIssues};
use covlens_core::reconcile::Reconciliation;
use covlens_core::{Diagnostic, FileCoverage, Report, Shard, ShardId, ShardSet};

use super::WorkerState;
use crate::paths_view::{originals_of, ConflictRow, PathRules, PathsView};

/// How much of the Paths panel's view to make with a merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PathsPart {
    None,
    /// Joins, roots and ambiguities; conflicts come after ([`WorkerState::conflicts`]).
    WithoutConflicts,
    Full,
}

/// A reconciliation with what it was computed from.
#[derive(Debug)]
struct Cached {
    /// The enabled shards' ids and the stamps of their reports ([`Shard::stamp`]), in load order.
    reports: Vec<(ShardId, u64)>,
    rules: PathRules,
    rec: Rc<Reconciliation>,
}

/// The last reconciliation (interior mutability: the state answers through `&self`).
#[derive(Debug, Default)]
pub(super) struct Cache(RefCell<Option<Cached>>);

/// The enabled shards of `set` and the stamps of their reports: equal keys, equal paths. A stamp
/// changes whenever a report does (whatever changed it), without comparing 100,000 paths per view.
fn reports_of(set: &ShardSet) -> Vec<(ShardId, u64)> {
    set.shards()
        .iter()
        .filter(|s| s.enabled)
        .map(|s| (s.id, s.stamp()))
        .collect()
}

impl WorkerState {
    /// Reconciles paths under `rules` from now on.
    pub fn set_path_rules(&mut self, rules: PathRules) {
        self.path_rules = rules;
    }

    pub fn path_rules(&self) -> &PathRules {
        &self.path_rules
    }

    /// The reconciliation of the enabled shards' paths under the page's rules; computed again only
    /// when the enabled shards, their paths or the rules changed.
    pub fn reconciliation(&self) -> Rc<Reconciliation> {
        let mut cache = self.reconciliation.0.borrow_mut();
        let reports = reports_of(&self.shards);
        if let Some(c) = cache.as_ref() {
            if c.rules == self.path_rules && c.reports == reports {
                return c.rec.clone();
            }
        }
        let rec = Rc::new(self.shards.reconcile(&[], &self.path_rules.to_core()));
        *cache = Some(Cached {
            reports,
            rules: self.path_rules.clone(),
            rec: rec.clone(),
        });
        rec
    }

    /// The shards with the enabled ones' files named by canonical path (the set itself when nothing
    /// was renamed), the diagnostics of files of one shard that became one, and the reconciliation.
    pub(super) fn reconciled_shards(
        &self,
    ) -> (Cow<'_, ShardSet>, Vec<Diagnostic>, Rc<Reconciliation>) {
        let rec = self.reconciliation();
        if rec.joins().is_empty() {
            return (Cow::Borrowed(&self.shards), Vec::new(), rec);
        }
        let (set, diags) = self.shards.reconciled(&rec);
        (Cow::Owned(set), diags, rec)
    }

    /// The merged report of the page: paths reconciled, then the policy applied to the renamed
    /// shards; with `with_paths`, also what the Paths panel shows (joins, and conflicts unless
    /// `with_paths` is [`PathsPart::WithoutConflicts`]).
    pub(super) fn merge_reconciled(
        &self,
        with_paths: PathsPart,
    ) -> (Report, Vec<Diagnostic>, Option<PathsView>) {
        let (set, diags, rec) = self.reconciled_shards();
        self.merge_on(&set, diags, &rec, with_paths)
    }

    /// [`WorkerState::merge_reconciled`] on shards already reconciled (`diags`: their diagnostics).
    pub(super) fn merge_on(
        &self,
        set: &ShardSet,
        mut diags: Vec<Diagnostic>,
        rec: &Reconciliation,
        with_paths: PathsPart,
    ) -> (Report, Vec<Diagnostic>, Option<PathsView>) {
        let (report, d) = set.merged_by(&self.policy);
        diags.extend(d);
        let paths = match with_paths {
            PathsPart::None => None,
            part => Some(self.paths_of(set, rec, part == PathsPart::Full)),
        };
        (report, diags, paths)
    }

    /// Whether looking for conflicts is worth a message of its own: several enabled inputs.
    pub(super) fn conflicts_take_a_while(&self) -> bool {
        self.shards.shards().iter().filter(|s| s.enabled).count() > 1
    }

    pub(super) fn paths_of(
        &self,
        set: &ShardSet,
        rec: &Reconciliation,
        conflicts: bool,
    ) -> PathsView {
        let found = if conflicts {
            let renamed: Vec<(ShardId, &Report)> = set
                .shards()
                .iter()
                .filter(|s| s.enabled)
                .map(|s| (s.id, &s.report))
                .collect();
            find_shard_conflicts(&renamed)
        } else {
            Vec::new()
        };
        let originals: Vec<(ShardId, &str, Vec<&str>)> = self
            .shards
            .shards()
            .iter()
            .filter(|s| s.enabled)
            .map(|s| {
                let paths = s.report.files.keys().map(String::as_str).collect();
                (s.id, s.name.as_str(), paths)
            })
            .collect();
        let mut view = PathsView::build(rec, &originals, &found);
        view.conflicts_checked = conflicts;
        view
    }

    /// For each enabled shard, in load order: a copy holding only its coverage of the canonical file
    /// `path` (its original paths of it merged), and those original paths.
    pub(super) fn shards_of_file(&self, path: &str) -> (Vec<Shard>, Vec<Vec<String>>) {
        let rec = self.reconciliation();
        self.shards
            .shards()
            .iter()
            .filter(|s| s.enabled)
            .map(|s| {
                let originals = originals_of(&rec, s.id, path, |p| s.report.files.contains_key(p));
                let mut report = Report::new(s.report.fidelity);
                let mut files = originals.iter().filter_map(|o| s.report.files.get(o));
                if let Some(first) = files.next() {
                    let mut fc = first.clone();
                    for other in files {
                        merge_file(&mut fc, other, &mut MergeIssues::default());
                    }
                    report.files.insert(path.to_string(), fc);
                }
                let mut shard = s.with_report(report);
                shard.diagnostics = Vec::new();
                (shard, originals)
            })
            .unzip()
    }
}

/// The conflicts between `shards` about the file `path`, shards named.
pub(super) fn conflicts_of_file(path: &str, shards: &[&Shard]) -> Vec<ConflictRow> {
    let files: Vec<(ShardId, &FileCoverage)> = shards
        .iter()
        .filter_map(|s| Some((s.id, s.report.files.get(path)?)))
        .collect();
    let name = |id: ShardId| {
        shards
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| format!("input {}", id.0), |s| s.name.clone())
    };
    find_conflicts(path, &files)
        .iter()
        .map(|c| ConflictRow::of(c, name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge_policy::MergePolicy;
    use crate::protocol::{Count, Summary, View};

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/paths/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// `lcov --summary` of a fixture: (hit, found) of `kind` (`lines`, `functions`, `branches`).
    fn lcov_summary(name: &str, kind: &str) -> Count {
        let text = String::from_utf8(fixture(name)).unwrap();
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(kind))
            .unwrap();
        let inner = &line[line.find('(').unwrap() + 1..line.find(')').unwrap()];
        let w: Vec<&str> = inner.split(' ').collect();
        Count {
            hit: w[0].parse().unwrap(),
            found: w[2].parse().unwrap(),
        }
    }

    fn load(names: &[&str]) -> WorkerState {
        let mut st = WorkerState::new();
        for n in names {
            st.load_bytes(n, &fixture(n));
        }
        st
    }

    fn paths(v: &View) -> Vec<&str> {
        v.files.iter().map(|f| f.path.as_str()).collect()
    }

    const JOINED: [&str; 4] = [
        "app/src/calc.c",
        "app/src/calc.h",
        "app/src/driver.c",
        "app/src/text.c",
    ];

    /// The browser test's first case (tests/e2e/paths.test.mjs checks the same numbers).
    #[test]
    fn linux_and_windows_jobs_join_and_total_like_lcov_a() {
        let st = load(&["linux.info", "windows.info"]);
        let v = st.view();
        assert_eq!(v.errors, vec![]);
        assert_eq!(paths(&v), JOINED);
        assert_eq!(
            v.summary,
            Summary {
                lines: lcov_summary("lcov-merged.summary.txt", "lines"),
                branches: lcov_summary("lcov-merged.summary.txt", "branches"),
                functions: lcov_summary("lcov-merged.summary.txt", "functions"),
            }
        );
        let c = |hit, found| Count { hit, found };
        assert_eq!(
            v.summary,
            Summary {
                lines: c(78, 104),
                branches: c(49, 74),
                functions: c(9, 10)
            }
        );
        let p = &v.paths;
        assert_eq!(p.join_count, 4);
        assert_eq!(p.renamed_count, 0);
        let calc = &p.joins[0];
        assert_eq!(calc.canonical, "app/src/calc.c");
        assert_eq!(calc.headline(), "2 paths become 1");
        let members: Vec<(&str, &str)> = calc
            .members
            .iter()
            .map(|m| (m.shard_name.as_str(), m.path.as_str()))
            .collect();
        assert_eq!(
            members,
            [
                ("linux.info", "/home/runner/work/app/app/src/calc.c"),
                ("windows.info", "C:\\a\\app\\src\\calc.c")
            ]
        );
        assert_eq!(
            calc.rules,
            ["common suffix app/src/calc.c after stripping /home/runner/work/app/ and c:/a/"]
        );
        let roots: Vec<(&str, &str)> = p
            .roots
            .iter()
            .map(|r| (r.shard_name.as_str(), r.root.as_str()))
            .collect();
        assert_eq!(
            roots,
            [
                ("linux.info", "/home/runner/work/app/"),
                ("windows.info", "c:/a/")
            ]
        );
        assert_eq!(p.ambiguities, vec![]);
        // Same build of the same sources: nothing to disagree on.
        assert_eq!(p.conflict_count, 0, "{:?}", p.conflicts);
        assert_eq!(
            p.headline(),
            "4 files joined from 8 paths \u{b7} no conflicts"
        );
        // The source view finds each shard's original path: line 4 of calc.c (classify) ran twice in
        // job1 and once in job2.
        let d = st.file_detail("app/src/calc.c");
        assert!(d.found);
        let l4 = d.lines.iter().find(|l| l.line == 4).unwrap();
        assert_eq!(l4.hits, Some(3));
        let hits: Vec<(u32, u64)> = l4.shards.iter().map(|h| (h.shard, h.hits)).collect();
        assert_eq!(hits, [(0, 2), (1, 1)]);
        let names: Vec<&str> = d.shards.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["linux.info", "windows.info"]);
        assert_eq!(d.conflicts, vec![]);
        // Its totals are the merged row's.
        let row = v.files.iter().find(|f| f.path == "app/src/calc.c").unwrap();
        let found = d.lines.iter().filter(|l| l.hits.is_some()).count() as u64;
        let hit = d
            .lines
            .iter()
            .filter(|l| l.hits.is_some_and(|h| h > 0))
            .count() as u64;
        assert_eq!((hit, found), (row.totals.lines.hit, row.totals.lines.found));
    }

    #[test]
    fn an_undone_join_shows_the_file_twice_and_a_mapping_joins_by_hand() {
        let mut st = load(&["linux.info", "windows.info"]);
        let v = st.view();
        let mut rules = PathRules::default();
        rules.undo(&v.paths.joins[0]);
        assert_eq!(
            rules.apart,
            [(
                "/home/runner/work/app/app/src/calc.c".to_string(),
                "C:\\a\\app\\src\\calc.c".to_string()
            )]
        );
        st.set_path_rules(rules);
        let v = st.view();
        assert_eq!(
            paths(&v),
            [
                "app/src/calc.c",
                "app/src/calc.h",
                "app/src/driver.c",
                "app/src/text.c",
                "c:/a/app/src/calc.c"
            ]
        );
        assert_eq!(v.paths.join_count, 3);
        assert_eq!(v.paths.renamed_count, 2);
        assert_eq!(v.paths.ambiguities.len(), 1);
        assert_eq!(v.paths.ambiguities[0].reason, "kept-apart");
        let linux_calc = st.file_detail("app/src/calc.c");
        let win_calc = st.file_detail("c:/a/app/src/calc.c");
        let names = |d: &crate::source::FileDetail| -> Vec<String> {
            d.shards.iter().map(|s| s.name.clone()).collect()
        };
        assert_eq!(names(&linux_calc), ["linux.info"]);
        assert_eq!(names(&win_calc), ["windows.info"]);
        // calc.c's 40 coverable lines are counted once per job now.
        let apart = v
            .files
            .iter()
            .find(|f| f.path == "c:/a/app/src/calc.c")
            .unwrap();
        assert_eq!(apart.totals.lines.found, 40);
        assert_eq!(
            v.summary.lines,
            Count {
                hit: 86,
                found: 144
            }
        );

        // Undo removed: joined again. A mapping of the Windows root onto the Linux one joins by hand.
        let mut rules = PathRules::default();
        assert!(rules.add_map("C:\\a\\app", "/home/runner/work/app/app"));
        st.set_path_rules(rules);
        let v = st.view();
        assert_eq!(
            paths(&v),
            [
                "/home/runner/work/app/app/src/calc.c",
                "/home/runner/work/app/app/src/calc.h",
                "/home/runner/work/app/app/src/driver.c",
                "/home/runner/work/app/app/src/text.c"
            ]
        );
        assert_eq!(
            v.summary.lines,
            Count {
                hit: 78,
                found: 104
            }
        );
        assert_eq!(v.paths.join_count, 4);
        assert_eq!(
            v.paths.joins[0].rules,
            ["path-map C:\\a\\app=/home/runner/work/app/app"]
        );
        // A stripped prefix on top names the files relative to it.
        let mut rules = st.path_rules().clone();
        assert!(rules.add_strip("/home/runner/work/app/app/"));
        st.set_path_rules(rules);
        assert_eq!(
            paths(&st.view()),
            ["src/calc.c", "src/calc.h", "src/driver.c", "src/text.c"]
        );
    }

    #[test]
    fn two_revisions_are_a_conflict_named_by_shard_on_the_line() {
        let st = load(&["linux.info", "rev2.info"]);
        let v = st.view();
        // One root: nothing renamed.
        assert_eq!(v.paths.join_count, 0);
        assert_eq!(v.files.len(), 4);
        let kinds: Vec<(&str, &str, Vec<u32>)> = v
            .paths
            .conflicts
            .iter()
            .map(|c| (c.path.as_str(), c.kind.as_str(), c.lines.clone()))
            .collect();
        assert_eq!(
            kinds,
            [("/home/runner/work/app/app/src/calc.c", "checksum", vec![27])]
        );
        assert_eq!(v.paths.conflict_count, 1);
        assert_eq!(
            v.paths.conflict_files,
            [("/home/runner/work/app/app/src/calc.c".to_string(), 1)]
        );
        let c = &v.paths.conflicts[0];
        assert_eq!(
            c.text(),
            "inputs disagree on source checksums (different revisions): 5YYqaZgGCnlJbEr8P5rJ4g in linux.info; B922j+Nf5wSN6xobDzaqag in rev2.info"
        );
        let d = st.file_detail("/home/runner/work/app/app/src/calc.c");
        assert_eq!(d.conflicts, vec![ConflictRow { ..c.clone() }]);
        let on = crate::paths_view::line_conflicts(&d.conflicts, 27);
        assert_eq!(crate::paths_view::conflict_attr(&on), "checksum");
        assert_eq!(on[0].shard_names(), ["linux.info", "rev2.info"]);
    }

    /// The worker's first view of several inputs leaves conflicts out (said so), and the follow-up
    /// then gives exactly the full view's paths; with one input the first view is the full one.
    #[test]
    fn the_first_view_leaves_conflicts_to_the_follow_up() {
        let st = load(&["linux.info", "rev2.info"]);
        let full = st.view();
        let (first, later) = st.first_view();
        assert!(later);
        let follow_up = Some(st.conflicts());
        assert!(!first.paths.conflicts_checked);
        assert_eq!(first.paths.conflict_count, 0);
        assert_eq!(
            first.paths.headline(),
            "no paths joined \u{b7} looking for conflicts\u{2026}"
        );
        assert_eq!((&first.files, first.summary), (&full.files, full.summary));
        assert_eq!(follow_up, Some(full.paths.clone()));
        assert!(full.paths.conflicts_checked);
        assert_eq!(full.paths.conflict_count, 1);
        let one = load(&["rev2.info"]);
        assert_eq!(one.first_view(), (one.view(), false));
    }

    #[test]
    fn twins_stay_apart_and_the_ambiguity_is_listed() {
        let st = load(&["twins-a.info", "twins-b.gcovr.json"]);
        let v = st.view();
        assert_eq!(
            paths(&v),
            [
                "/ci/twins-a/a/util/x.c",
                "/ci/twins-a/b/util/x.c",
                "/ci/twins-a/main.c",
                "drive.c",
                "util/x.c"
            ]
        );
        assert_eq!(v.paths.join_count, 0);
        let texts: Vec<&str> = v
            .paths
            .ambiguities
            .iter()
            .map(|a| a.text.as_str())
            .collect();
        assert_eq!(
            texts,
            ["not joined: util/x.c (twins-b.gcovr.json) with /ci/twins-a/a/util/x.c, /ci/twins-a/b/util/x.c: several files end with it"]
        );
        // twins-a: 7/10 lines, twins-b: 5/6 (the tools' own summaries), nothing shared.
        assert_eq!(v.summary.lines, Count { hit: 12, found: 16 });
    }

    #[test]
    fn the_policy_applies_after_reconciling_and_the_cache_follows_changes() {
        let mut st = load(&["linux.info", "windows.info"]);
        let rec = st.reconciliation();
        assert!(
            Rc::ptr_eq(&rec, &st.reconciliation()),
            "kept while nothing changed"
        );
        // `all`: a line counts when every job that measures it hit it; the joined files are measured
        // by both jobs, so fewer lines count than either job's own 48 and 47.
        st.set_policy(&MergePolicy::All);
        let all = st.view().summary.lines;
        assert_eq!(all.found, 104);
        let sum_by_hand = {
            let mut s = load(&["linux.info", "windows.info"]);
            s.set_policy(&MergePolicy::OnlyBy(vec![0]));
            s.view().summary.lines
        };
        assert_eq!(sum_by_hand.found, 104);
        // Every line is hit by linux only, both, windows only, or none.
        let both_or_none = all.hit;
        let only_linux = sum_by_hand.hit;
        assert_eq!(both_or_none + only_linux, 48, "linux.info hits 48 lines");
        assert!(st.set_enabled(1, false));
        let v = st.view();
        assert_eq!(v.files.len(), 4);
        assert_eq!(v.paths.join_count, 0);
        assert_eq!(
            v.summary.lines,
            Count {
                hit: 48,
                found: 104
            }
        );
        assert!(
            !Rc::ptr_eq(&rec, &st.reconciliation()),
            "a toggle reconciles again"
        );
        assert!(st.set_enabled(1, true));
        let again = st.reconciliation();
        assert!(st.rename(0, "linux job"));
        assert!(
            Rc::ptr_eq(&again, &st.reconciliation()),
            "a rename keeps it (the reports are the same)"
        );
        st.set_path_rules(PathRules::default());
        assert!(
            Rc::ptr_eq(&again, &st.reconciliation()),
            "the same rules keep it"
        );
        // Rules survive a clear (they live in the page's URL).
        let mut rules = PathRules::default();
        rules.add_strip("/x/");
        st.set_path_rules(rules.clone());
        st.clear();
        assert_eq!(st.path_rules(), &rules);
    }

    /// 2,000 files in 6 shards under 6 roots: reconciling, merging and naming stay well under a second
    /// (in a release build; a debug build is some 10 times slower, so the bound here is loose). The
    /// figure is printed with `--nocapture`.
    #[test]
    fn a_big_reconcile_is_fast_and_exact() {
        let mut st = WorkerState::new();
        for s in 0..6 {
            let mut text = String::new();
            for f in 0..2000 {
                let root = if s % 2 == 0 {
                    format!("/home/runner/work/job{s}/repo/")
                } else {
                    format!("C:\\agent\\_work\\{s}\\repo\\")
                };
                let sep = if s % 2 == 0 { "/" } else { "\\" };
                text.push_str(&format!("SF:{root}src{sep}m{}{sep}f{f}.c\n", f % 40));
                for l in 1..=20 {
                    text.push_str(&format!("DA:{l},{}\n", u32::from((l + f + s) % 3 == 0)));
                }
                text.push_str("end_of_record\n");
            }
            st.load_bytes(&format!("job{s}.info"), text.as_bytes());
        }
        let t = std::time::Instant::now();
        let v = st.view();
        let first = t.elapsed();
        let t = std::time::Instant::now();
        let v2 = st.view();
        let cached = t.elapsed();
        println!("2,000 files x 6 shards: first view {first:?}, then {cached:?} with the reconciliation kept");
        assert_eq!(v, v2);
        assert_eq!(v.files.len(), 2000);
        assert_eq!(v.paths.join_count, 2000);
        assert_eq!(v.paths.joins.len(), crate::paths_view::JOINS_SHOWN);
        assert_eq!(
            v.paths.headline(),
            "2,000 files joined from 12,000 paths \u{b7} no conflicts"
        );
        assert_eq!(v.files[0].path, "repo/src/m0/f0.c");
        assert_eq!(v.summary.lines.found, 40_000);
        assert!(first.as_secs_f64() < 20.0, "{first:?}");
    }
}
