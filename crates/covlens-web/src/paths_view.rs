//! Paths and conflicts on the page (issue 6): the user's path rules (kept in the URL hash and sent to
//! the worker), what the worker tells the page about the reconciliation of the shards' paths (joins
//! with their rule, paths left apart, detected roots) and about conflicts between shards, and the
//! wording the Paths panel, the file tree and the source view show. Pure, tested natively; the worker
//! builds [`PathsView`] from the core's [`Reconciliation`] and [`Conflict`]s.

use std::collections::BTreeMap;

use covlens_core::merge::{Conflict, ConflictKind};
use covlens_core::reconcile::{Reconciliation, Rules, ShardPaths};
use covlens_core::ShardId;
use serde::{Deserialize, Serialize};

use crate::hash_state::{decode_component, encode_component};

/// Joined files the page lists (the count is always exact); each is a few lines of the panel.
pub const JOINS_SHOWN: usize = 200;
/// Inputs whose detected root the page names (the count is always exact): a drop of 1,000 CI jobs
/// has a root each.
pub const ROOTS_SHOWN: usize = 24;
/// Conflicts the page lists (the count is always exact).
pub const CONFLICTS_SHOWN: usize = 200;
/// Lines of one conflict named in the list (the source view gets them all).
pub const CONFLICT_LINES_SHOWN: usize = 20;

/// What the user asked of path reconciliation on the page: prefix rewrites, stripped prefixes and
/// undone joins (pairs of original paths kept apart). The core's [`Rules`] with automatic joining on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathRules {
    /// `FROM → TO` prefix rewrites, first match wins (the CLI's `--path-map FROM=TO`).
    #[serde(default)]
    pub maps: Vec<(String, String)>,
    /// Prefixes removed, first match wins (the CLI's `--strip-prefix`).
    #[serde(default)]
    pub strips: Vec<String>,
    /// Pairs of original paths never joined (each undone join adds its pairs).
    #[serde(default)]
    pub apart: Vec<(String, String)>,
}

/// The separator of the two paths of a pair inside one hash value; `encode_component` escapes it
/// inside each path, so the first one splits.
const PAIR_SEP: char = '>';

fn encode_pair(a: &str, b: &str) -> String {
    format!("{}{PAIR_SEP}{}", encode_component(a), encode_component(b))
}

fn decode_pair(v: &str) -> Option<(String, String)> {
    let (a, b) = v.split_once(PAIR_SEP)?;
    let (a, b) = (decode_component(a), decode_component(b));
    (!a.is_empty()).then_some((a, b))
}

impl PathRules {
    pub fn is_empty(&self) -> bool {
        self.maps.is_empty() && self.strips.is_empty() && self.apart.is_empty()
    }

    /// The core's rules: these, with automatic joining.
    pub fn to_core(&self) -> Rules {
        Rules {
            strip_prefixes: self.strips.clone(),
            path_maps: self.maps.clone(),
            keep_apart: self.apart.clone(),
            automatic: true,
        }
    }

    /// The URL hash's `key=value` pairs, values not yet escaped: `map=FROM>TO` and `apart=A>B` (each
    /// path escaped inside), `strip=PREFIX`, in the order they were added.
    pub fn hash_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        out.extend(self.maps.iter().map(|(f, t)| ("map", encode_pair(f, t))));
        out.extend(self.strips.iter().map(|s| ("strip", s.clone())));
        out.extend(self.apart.iter().map(|(a, b)| ("apart", encode_pair(a, b))));
        out
    }

    /// Reads one decoded hash pair; false when the key is not one of ours. A malformed value is
    /// ignored.
    pub fn read_hash_pair(&mut self, key: &str, value: &str) -> bool {
        match key {
            "map" => {
                if let Some(p) = decode_pair(value) {
                    self.add_map(&p.0, &p.1);
                }
            }
            "strip" => {
                self.add_strip(value);
            }
            "apart" => {
                if let Some((a, b)) = decode_pair(value).filter(|(_, b)| !b.is_empty()) {
                    self.add_apart(a, b);
                }
            }
            _ => return false,
        }
        true
    }

    /// Adds the rewrite `from → to` (blanks around each trimmed); false when `from` is empty or the
    /// rewrite is there already.
    pub fn add_map(&mut self, from: &str, to: &str) -> bool {
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || self.maps.iter().any(|(f, t)| f == from && t == to) {
            return false;
        }
        self.maps.push((from.to_string(), to.to_string()));
        true
    }

    /// Adds a stripped prefix (trimmed); false when empty or there already.
    pub fn add_strip(&mut self, prefix: &str) -> bool {
        let prefix = prefix.trim();
        if prefix.is_empty() || self.strips.iter().any(|s| s == prefix) {
            return false;
        }
        self.strips.push(prefix.to_string());
        true
    }

    fn add_apart(&mut self, a: String, b: String) {
        let pair = if a <= b { (a, b) } else { (b, a) };
        if pair.0 != pair.1 && !self.apart.contains(&pair) {
            self.apart.push(pair);
        }
    }

    /// Undoes a join: its pairs of original paths are kept apart from now on.
    pub fn undo(&mut self, join: &JoinGroup) {
        for (a, b) in join.undo_pairs() {
            self.add_apart(a, b);
        }
    }

    /// This rule set without its `i`-th rewrite / stripped prefix / kept-apart pair (no change when
    /// there is none).
    pub fn without(&self, rule: RuleRef) -> PathRules {
        let mut out = self.clone();
        match rule {
            RuleRef::Map(i) if i < out.maps.len() => {
                out.maps.remove(i);
            }
            RuleRef::Strip(i) if i < out.strips.len() => {
                out.strips.remove(i);
            }
            RuleRef::Apart(i) if i < out.apart.len() => {
                out.apart.remove(i);
            }
            _ => {}
        }
        out
    }

    /// Each rule in words, with its reference, for the list in the panel.
    pub fn listed(&self) -> Vec<(RuleRef, String)> {
        let mut out = Vec::new();
        for (i, (f, t)) in self.maps.iter().enumerate() {
            let to = if t.is_empty() { "(nothing)" } else { t };
            out.push((RuleRef::Map(i), format!("rewrite {f} \u{2192} {to}")));
        }
        for (i, s) in self.strips.iter().enumerate() {
            out.push((RuleRef::Strip(i), format!("strip {s}")));
        }
        for (i, (a, b)) in self.apart.iter().enumerate() {
            out.push((RuleRef::Apart(i), format!("keep apart {a} and {b}")));
        }
        out
    }
}

/// One user rule of a [`PathRules`], by kind and index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleRef {
    Map(usize),
    Strip(usize),
    Apart(usize),
}

impl RuleRef {
    /// The `data-kind` of its row.
    pub fn kind(self) -> &'static str {
        match self {
            RuleRef::Map(_) => "map",
            RuleRef::Strip(_) => "strip",
            RuleRef::Apart(_) => "apart",
        }
    }
}

/// One (shard, original path) that became part of a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JoinMember {
    pub shard: u32,
    /// The shard's display name.
    pub shard_name: String,
    pub path: String,
}

/// A file that several paths became: "these N paths become 1".
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JoinGroup {
    pub canonical: String,
    /// Sorted by shard, then path.
    pub members: Vec<JoinMember>,
    /// Why, in the core's words ([`covlens_core::reconcile::JoinRule`]'s `Display`).
    pub rules: Vec<String>,
}

impl JoinGroup {
    /// "2 paths become 1".
    pub fn headline(&self) -> String {
        format!(
            "{} paths become 1",
            crate::view::group_digits(self.members.len() as u64)
        )
    }

    /// The distinct original texts, sorted.
    fn originals(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.members.iter().map(|m| m.path.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The keep-apart pairs that undo this join: every two of its distinct original paths.
    pub fn undo_pairs(&self) -> Vec<(String, String)> {
        let o = self.originals();
        let mut out = Vec::new();
        for (i, a) in o.iter().enumerate() {
            for b in &o[i + 1..] {
                out.push((a.to_string(), b.to_string()));
            }
        }
        out
    }
}

/// A path left apart because more than one file could be meant (or a rule forbids the join).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AmbiguityRow {
    pub path: String,
    /// Names of the shards that have the path.
    pub shards: Vec<String>,
    pub candidates: Vec<String>,
    /// `several`, `same-shard` or `kept-apart`.
    pub reason: String,
    /// "not joined: util/x.c (twins-b.gcovr.json) with a/util/x.c, b/util/x.c: several files end with it".
    pub text: String,
}

/// A shard's detected root.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RootRow {
    pub shard: u32,
    pub shard_name: String,
    pub root: String,
}

/// Shards that say one thing about a conflict.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SideRow {
    pub value: String,
    /// Their display names, in load order.
    pub shards: Vec<String>,
}

/// Shards that disagree about a file ([`covlens_core::merge::Conflict`] with names).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConflictRow {
    /// The file's path in the merged report (canonical).
    pub path: String,
    /// [`ConflictKind::id`]: `coverability`, `branch-set`, `function-start`, `checksum`, `version`.
    pub kind: String,
    /// What they disagree on: "source checksums (different revisions)".
    pub what: String,
    /// The lines concerned, sorted (in the page's list at most [`CONFLICT_LINES_SHOWN`]).
    pub lines: Vec<u32>,
    /// How many lines in all.
    pub line_count: u32,
    pub function: Option<String>,
    pub sides: Vec<SideRow>,
}

impl ConflictRow {
    /// A conflict of the core with shard names from `name`.
    pub fn of(c: &Conflict, name: impl Fn(ShardId) -> String) -> ConflictRow {
        let what = match (c.kind, &c.function) {
            (ConflictKind::FunctionStart, Some(f)) => format!("function `{f}` start"),
            (ConflictKind::FunctionStart, None) => "function start".to_string(),
            (ConflictKind::Coverability, _) => "coverable lines".to_string(),
            (ConflictKind::BranchSet, _) => "branches".to_string(),
            (ConflictKind::Checksum, _) => "source checksums (different revisions)".to_string(),
            (ConflictKind::Version, _) => "source version".to_string(),
        };
        ConflictRow {
            path: c.path.clone(),
            kind: c.kind.id().to_string(),
            what,
            lines: c.lines.iter().map(|l| l.get()).collect(),
            line_count: c.lines.len() as u32,
            function: c.function.clone(),
            sides: c
                .sides
                .iter()
                .map(|s| SideRow {
                    value: s.value.clone(),
                    shards: s.shards.iter().map(|&id| name(id)).collect(),
                })
                .collect(),
        }
    }

    /// "5YYq… in linux.info; B922… in rev2.info".
    pub fn sides_text(&self) -> String {
        self.sides
            .iter()
            .map(|s| format!("{} in {}", s.value, s.shards.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// "line 27", "lines 3, 4, 9 and 12 more", or "" (a version conflict concerns the file).
    pub fn lines_text(&self) -> String {
        let shown: Vec<String> = self.lines.iter().map(u32::to_string).collect();
        let more = (self.line_count as usize).saturating_sub(shown.len());
        match (self.line_count, more) {
            (0, _) => String::new(),
            (1, _) => format!("line {}", shown[0]),
            (_, 0) => format!("lines {}", shown.join(", ")),
            (_, m) => format!("lines {} and {m} more", shown.join(", ")),
        }
    }

    /// "inputs disagree on source checksums (different revisions): … in linux.info; … in rev2.info".
    pub fn text(&self) -> String {
        format!("inputs disagree on {}: {}", self.what, self.sides_text())
    }

    /// Every shard named, in the order the sides name them.
    pub fn shard_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.sides {
            for n in &s.shards {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        }
        out
    }

    /// Whether it concerns line `n`.
    pub fn has_line(&self, n: u32) -> bool {
        self.lines.binary_search(&n).is_ok()
    }
}

/// The conflicts of a file that concern line `n`.
pub fn line_conflicts(conflicts: &[ConflictRow], n: u32) -> Vec<&ConflictRow> {
    conflicts.iter().filter(|c| c.has_line(n)).collect()
}

/// The `data-conflict` of a line: the kinds of its conflicts, space-separated (empty when none).
pub fn conflict_attr(conflicts: &[&ConflictRow]) -> String {
    let mut kinds: Vec<&str> = conflicts.iter().map(|c| c.kind.as_str()).collect();
    kinds.dedup();
    kinds.join(" ")
}

/// The tooltip of a line's conflict mark: one line per conflict.
pub fn conflict_title(conflicts: &[&ConflictRow]) -> String {
    conflicts
        .iter()
        .map(|c| c.text())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the worker tells the page about paths and conflicts, with every view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathsView {
    /// Files several paths became, sorted by canonical path (the first [`JOINS_SHOWN`]).
    pub joins: Vec<JoinGroup>,
    /// How many files several paths became.
    pub join_count: u64,
    /// How many (input, path) pairs they were made of.
    pub joined_paths: u64,
    /// How many paths were renamed without being joined to another (a root stripped, a rule).
    pub renamed_count: u64,
    pub ambiguities: Vec<AmbiguityRow>,
    /// Inputs whose root was detected and stripped, in input order (the first [`ROOTS_SHOWN`]).
    pub roots: Vec<RootRow>,
    /// How many inputs had a root detected.
    #[serde(default)]
    pub root_count: u64,
    /// Sorted by path, then kind and first line (the first [`CONFLICTS_SHOWN`]).
    pub conflicts: Vec<ConflictRow>,
    pub conflict_count: u64,
    /// Every file with conflicts and how many it has, sorted by path (the file tree marks them).
    pub conflict_files: Vec<(String, u32)>,
    /// Whether the conflicts were looked for. The worker sends a view first without them (the
    /// summary shows sooner) and the conflicts in a message of their own right after.
    #[serde(default)]
    pub conflicts_checked: bool,
}

impl PathsView {
    /// The reconciliation and conflicts of the enabled shards, named. `shards` are the enabled
    /// shards' (id, display name, original paths), in load order.
    pub fn build(
        rec: &Reconciliation,
        shards: &[(ShardId, &str, Vec<&str>)],
        conflicts: &[Conflict],
    ) -> PathsView {
        let name = |id: ShardId| -> String {
            shards
                .iter()
                .find(|s| s.0 == id)
                .map_or_else(|| format!("input {}", id.0), |s| s.1.to_string())
        };
        let paths: Vec<ShardPaths<'_>> = shards
            .iter()
            .map(|(id, _, p)| ShardPaths {
                shard: *id,
                paths: p.clone(),
            })
            .collect();
        let mut joins = Vec::new();
        let mut renamed_count = 0u64;
        for g in rec.groups(&paths) {
            if g.members.len() < 2 {
                renamed_count += 1;
                continue;
            }
            joins.push(JoinGroup {
                canonical: g.canonical.clone(),
                members: g
                    .members
                    .iter()
                    .map(|(id, p)| JoinMember {
                        shard: id.0,
                        shard_name: name(*id),
                        path: p.clone(),
                    })
                    .collect(),
                rules: g.rules.iter().map(ToString::to_string).collect(),
            });
        }
        let join_count = joins.len() as u64;
        let joined_paths = joins.iter().map(|j| j.members.len() as u64).sum();
        joins.truncate(JOINS_SHOWN);
        let ambiguities = rec
            .ambiguities()
            .iter()
            .map(|a| {
                let names: Vec<String> = a.shards.iter().map(|&id| name(id)).collect();
                let (reason, why) = match a.reason {
                    covlens_core::reconcile::AmbiguityReason::SeveralCandidates => {
                        ("several", "several files end with it")
                    }
                    covlens_core::reconcile::AmbiguityReason::SameShard => {
                        ("same-shard", "the join would merge two files of one input")
                    }
                    covlens_core::reconcile::AmbiguityReason::KeptApart => {
                        ("kept-apart", "kept apart by a rule of yours")
                    }
                };
                AmbiguityRow {
                    text: format!(
                        "not joined: {} ({}) with {}: {why}",
                        a.path,
                        names.join(", "),
                        a.candidates.join(", ")
                    ),
                    path: a.path.clone(),
                    shards: names,
                    candidates: a.candidates.clone(),
                    reason: reason.to_string(),
                }
            })
            .collect();
        let root_count = rec.roots().len() as u64;
        let roots = rec
            .roots()
            .iter()
            .take(ROOTS_SHOWN)
            .map(|(id, root)| RootRow {
                shard: id.0,
                shard_name: name(*id),
                root: root.clone(),
            })
            .collect();
        let mut rows: Vec<ConflictRow> =
            conflicts.iter().map(|c| ConflictRow::of(c, name)).collect();
        // find_shard_conflicts gives them by path, then kind and line: the order shown.
        let mut files: BTreeMap<String, u32> = BTreeMap::new();
        for c in &rows {
            *files.entry(c.path.clone()).or_default() += 1;
        }
        let conflict_count = rows.len() as u64;
        rows.truncate(CONFLICTS_SHOWN);
        for r in &mut rows {
            r.lines.truncate(CONFLICT_LINES_SHOWN);
        }
        PathsView {
            joins,
            join_count,
            joined_paths,
            renamed_count,
            ambiguities,
            roots,
            root_count,
            conflicts: rows,
            conflict_count,
            conflict_files: files.into_iter().collect(),
            conflicts_checked: true,
        }
    }

    /// How many conflicts the file `path` has.
    pub fn conflicts_of(&self, path: &str) -> u32 {
        self.conflict_files
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .map_or(0, |i| self.conflict_files[i].1)
    }

    /// The panel's one-line summary: "4 files joined from 8 paths · 1 conflict in 1 file · 1 path left apart".
    pub fn headline(&self) -> String {
        use crate::view::plural;
        let mut parts = Vec::new();
        if self.join_count == 0 {
            parts.push("no paths joined".to_string());
        } else {
            parts.push(format!(
                "{} joined from {}",
                plural(self.join_count, "file", "files"),
                plural(self.joined_paths, "path", "paths")
            ));
        }
        if self.renamed_count > 0 {
            parts.push(format!(
                "{} renamed",
                plural(self.renamed_count, "path", "paths")
            ));
        }
        parts.push(if !self.conflicts_checked {
            "looking for conflicts\u{2026}".to_string()
        } else if self.conflict_count == 0 {
            "no conflicts".to_string()
        } else {
            format!(
                "{} in {}",
                plural(self.conflict_count, "conflict", "conflicts"),
                plural(self.conflict_files.len() as u64, "file", "files")
            )
        });
        if !self.ambiguities.is_empty() {
            parts.push(format!(
                "{} left apart",
                plural(self.ambiguities.len() as u64, "path", "paths")
            ));
        }
        parts.join(" \u{b7} ")
    }
}

/// The original paths that shard `shard` names the canonical file `canonical` by: the joins that
/// became it, and the path itself when the shard `has` it and it kept its name.
pub fn originals_of(
    rec: &Reconciliation,
    shard: ShardId,
    canonical: &str,
    has: impl Fn(&str) -> bool,
) -> Vec<String> {
    let joins = rec.joins();
    let start = joins.partition_point(|j| j.canonical.as_str() < canonical);
    let mut out: Vec<String> = joins[start..]
        .iter()
        .take_while(|j| j.canonical == canonical)
        .filter(|j| j.shards.binary_search(&shard).is_ok())
        .map(|j| j.original.clone())
        .collect();
    if has(canonical) && rec.canonical(shard, canonical) == canonical {
        out.push(canonical.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use covlens_core::reconcile::reconcile;

    fn rules() -> PathRules {
        PathRules {
            maps: vec![("C:\\a\\app".into(), "/home/runner/work/app/app".into())],
            strips: vec!["/builds/x y".into()],
            apart: vec![("/r/a>b.c".into(), "C:\\w\\a%20.c".into())],
        }
    }

    #[test]
    fn rules_round_trip_through_hash_pairs_even_with_separators_inside() {
        let r = rules();
        let pairs = r.hash_pairs();
        assert_eq!(
            pairs,
            [
                (
                    "map",
                    "C%3A%5Ca%5Capp>/home/runner/work/app/app".to_string()
                ),
                ("strip", "/builds/x y".to_string()),
                ("apart", "/r/a%3Eb.c>C%3A%5Cw%5Ca%2520.c".to_string()),
            ]
        );
        let mut back = PathRules::default();
        for (k, v) in &pairs {
            assert!(back.read_hash_pair(k, v));
        }
        assert_eq!(back, r);
        assert!(!back.read_hash_pair("sort", "x"));
        // Malformed values are ignored.
        let mut junk = PathRules::default();
        for (k, v) in [
            ("map", "no-separator"),
            ("map", ">to"),
            ("apart", "a>"),
            ("strip", " "),
        ] {
            junk.read_hash_pair(k, v);
        }
        assert!(junk.is_empty(), "{junk:?}");
    }

    /// Through the page's whole hash: old links (no path keys) read as no rules, and rules survive
    /// a round trip next to the other keys.
    #[test]
    fn rules_live_in_the_url_hash() {
        use crate::hash_state::HashState;
        let old = HashState::decode("#f=src/a.c&l=3&sort=-lines");
        assert!(old.paths.is_empty());
        assert_eq!(old.file.as_deref(), Some("src/a.c"));
        let st = HashState {
            file: Some("app/src/calc.c".into()),
            paths: rules(),
            ..HashState::default()
        };
        let h = st.encode();
        assert_eq!(
            h,
            "#f=app/src/calc.c&map=C%253A%255Ca%255Capp%3E/home/runner/work/app/app\
             &strip=/builds/x%20y&apart=/r/a%253Eb.c%3EC%253A%255Cw%255Ca%252520.c"
        );
        assert_eq!(HashState::decode(&h), st);
    }

    #[test]
    fn adding_and_removing_rules() {
        let mut r = PathRules::default();
        assert!(r.add_map(" /ci/src ", "/build "));
        assert!(!r.add_map("/ci/src", "/build"), "twice");
        assert!(!r.add_map("", "/x"));
        assert!(r.add_map("/ci/src", ""), "rewriting to nothing strips");
        assert!(r.add_strip("/tmp/"));
        assert!(!r.add_strip("/tmp/"));
        let join = JoinGroup {
            canonical: "src/x.c".into(),
            members: ["/b/src/x.c", "/a/src/x.c", "/a/src/x.c", "C:\\src\\x.c"]
                .iter()
                .enumerate()
                .map(|(i, p)| JoinMember {
                    shard: i as u32,
                    shard_name: format!("s{i}"),
                    path: p.to_string(),
                })
                .collect(),
            rules: vec![],
        };
        assert_eq!(join.headline(), "4 paths become 1");
        r.undo(&join);
        r.undo(&join);
        assert_eq!(
            r.apart,
            [
                ("/a/src/x.c".to_string(), "/b/src/x.c".to_string()),
                ("/a/src/x.c".to_string(), "C:\\src\\x.c".to_string()),
                ("/b/src/x.c".to_string(), "C:\\src\\x.c".to_string()),
            ]
        );
        let listed: Vec<String> = r.listed().into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            listed[..3],
            [
                "rewrite /ci/src \u{2192} /build",
                "rewrite /ci/src \u{2192} (nothing)",
                "strip /tmp/"
            ]
        );
        assert_eq!(listed[3], "keep apart /a/src/x.c and /b/src/x.c");
        let fewer = r.without(RuleRef::Apart(1)).without(RuleRef::Map(0));
        assert_eq!(fewer.maps, [("/ci/src".to_string(), String::new())]);
        assert_eq!(fewer.apart.len(), 2);
        assert_eq!(fewer.without(RuleRef::Strip(7)), fewer);
        let core = fewer.to_core();
        assert!(core.automatic);
        assert_eq!(core.strip_prefixes, ["/tmp/"]);
    }

    fn sp<'a>(id: u32, paths: &[&'a str]) -> ShardPaths<'a> {
        ShardPaths {
            shard: ShardId(id),
            paths: paths.to_vec(),
        }
    }

    #[test]
    fn the_view_names_joins_roots_ambiguities_and_conflicts() {
        let a = [
            "/home/ci/app/src/x.c",
            "/home/ci/app/src/y.c",
            "/ci/t/a/util/u.c",
            "/ci/t/b/util/u.c",
        ];
        let b = ["C:\\w\\app\\src\\x.c", "C:\\w\\app\\src\\y.c", "util/u.c"];
        let rec = reconcile(&[sp(0, &a), sp(1, &b)], &[], &Rules::default());
        let conflict = Conflict {
            path: "app/src/x.c".into(),
            kind: ConflictKind::Checksum,
            lines: vec![covlens_core::Line::new(27).unwrap()],
            function: None,
            sides: vec![
                covlens_core::merge::ConflictSide {
                    value: "abc".into(),
                    shards: vec![ShardId(0)],
                },
                covlens_core::merge::ConflictSide {
                    value: "def".into(),
                    shards: vec![ShardId(1)],
                },
            ],
        };
        let v = PathsView::build(
            &rec,
            &[
                (ShardId(0), "linux", a.to_vec()),
                (ShardId(1), "windows", b.to_vec()),
            ],
            &[conflict],
        );
        type Seen<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);
        let joins: Vec<Seen<'_>> = v
            .joins
            .iter()
            .map(|j| {
                (
                    j.canonical.as_str(),
                    j.headline(),
                    j.members
                        .iter()
                        .map(|m| (m.shard_name.as_str(), m.path.as_str()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            joins,
            [
                (
                    "app/src/x.c",
                    "2 paths become 1".to_string(),
                    vec![("linux", a[0]), ("windows", b[0])]
                ),
                (
                    "app/src/y.c",
                    "2 paths become 1".to_string(),
                    vec![("linux", a[1]), ("windows", b[1])]
                ),
            ]
        );
        assert_eq!(v.join_count, 2);
        assert_eq!(
            v.joins[0].rules,
            ["common suffix app/src/x.c after stripping /home/ci/ and c:/w/"]
        );
        assert_eq!(
            v.roots
                .iter()
                .map(|r| (r.shard_name.as_str(), r.root.as_str()))
                .collect::<Vec<_>>(),
            [("linux", "/home/ci/"), ("windows", "c:/w/")]
        );
        assert_eq!(v.root_count, 2);
        assert_eq!(v.ambiguities.len(), 1);
        assert_eq!(
            v.ambiguities[0].text,
            "not joined: util/u.c (windows) with /ci/t/a/util/u.c, /ci/t/b/util/u.c: several files end with it"
        );
        assert_eq!(v.conflict_count, 1);
        assert_eq!(v.conflicts_of("app/src/x.c"), 1);
        assert_eq!(v.conflicts_of("app/src/y.c"), 0);
        let c = &v.conflicts[0];
        assert_eq!(c.lines_text(), "line 27");
        assert_eq!(
            c.text(),
            "inputs disagree on source checksums (different revisions): abc in linux; def in windows"
        );
        assert_eq!(c.shard_names(), ["linux", "windows"]);
        let on27 = line_conflicts(&v.conflicts, 27);
        assert_eq!(conflict_attr(&on27), "checksum");
        assert!(line_conflicts(&v.conflicts, 26).is_empty());
        assert_eq!(
            v.headline(),
            "2 files joined from 4 paths \u{b7} 1 conflict in 1 file \u{b7} 1 path left apart"
        );
        // Each shard's original of a canonical file.
        let has = |p: &str| b.contains(&p);
        assert_eq!(originals_of(&rec, ShardId(1), "app/src/x.c", has), [b[0]]);
        assert_eq!(
            originals_of(&rec, ShardId(1), "util/u.c", has),
            ["util/u.c"]
        );
        assert!(originals_of(&rec, ShardId(1), "nope.c", has).is_empty());
    }

    #[test]
    fn long_conflicts_are_cut_in_the_list_and_counted() {
        let row = ConflictRow {
            path: "a.c".into(),
            kind: "coverability".into(),
            what: "coverable lines".into(),
            lines: (1..=CONFLICT_LINES_SHOWN as u32).collect(),
            line_count: 25,
            function: None,
            sides: vec![],
        };
        assert!(
            row.lines_text().ends_with(", 20 and 5 more"),
            "{}",
            row.lines_text()
        );
        let one = ConflictRow {
            lines: vec![],
            line_count: 0,
            kind: "version".into(),
            ..row
        };
        assert_eq!(one.lines_text(), "");
    }
}
