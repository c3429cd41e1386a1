//! Path reconciliation across shards: the same source file named differently by different CI jobs
//! becomes one file, each join with the rule that made it; different files are never joined silently.
//!
//! Steps ([`reconcile`]):
//! 1. user rules, in order: the first matching `path-map FROM=TO`, then the first matching
//!    `strip-prefix` (deterministic, applied even with `automatic: false`);
//! 2. normalization ([`crate::paths::NormPath`]); paths compare case-insensitively (CI jobs on
//!    Windows and Linux spell one checkout's case the same, but Windows tools may not);
//! 3. root detection: every path is matched against the paths of the other shards (and the source
//!    tree) by longest common suffix in a trie of reversed segments; a unique best match where both
//!    sides have something left before the suffix votes for that leftover as its shard's root; each
//!    shard's root is its most voted prefix;
//! 4. joining: paths equal after stripping their shard's root are one file; a relative path (JaCoCo
//!    `com/acme/X.java`, `src/x.c`, or what is left of a path once its shard's root is stripped,
//!    when that root was found one folder deeper in some shards than in others) joins the one
//!    longer path of another shard it is a suffix of,
//!    when that path is unique (all candidates lie on one chain `x.c` ⊂ `util/x.c` ⊂ `a/util/x.c`);
//!    otherwise it stays apart and an [`Ambiguity`] lists the candidates. A join never puts two
//!    paths of one shard into one file, and never crosses a user `keep_apart` pair (the undo);
//! 5. naming: a file in the source tree takes the source tree's path; otherwise the longest
//!    root-stripped path of the group; a path nothing happened to keeps its original text.
//!
//! Cost: O(P·d) for P distinct paths of depth d (each trie walk is bounded by the depth; a search for
//! candidates stops at the second), plus O(S) over the S (shard, path) pairs.

#![allow(
    clippy::disallowed_types,
    reason = "HashMaps here are only looked up, never iterated (clippy::iter_over_hash_type still \
              guards that): 1.5 million path lookups for 50,000 files x 30 shards"
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use crate::diag::Diagnostic;
use crate::merge::{merge_file, MergeIssues};
use crate::model::Report;
use crate::paths::{NormPath, Root};
use crate::shards::ShardId;

/// What the user asked for; the default joins automatically with no rule of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// `--strip-prefix`: a leading part removed from every path that starts with it.
    pub strip_prefixes: Vec<String>,
    /// `--path-map FROM=TO`: a leading `FROM` replaced by `TO` (first match wins).
    pub path_maps: Vec<(String, String)>,
    /// Pairs of original paths never joined into one file (undoing an automatic join).
    pub keep_apart: Vec<(String, String)>,
    /// Whether to detect roots and join by suffix (`--no-reconcile` turns it off).
    pub automatic: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            strip_prefixes: Vec::new(),
            path_maps: Vec::new(),
            keep_apart: Vec::new(),
            automatic: true,
        }
    }
}

/// Why a path was renamed or joined.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum JoinRule {
    /// `path-map FROM=TO`.
    PathMap { from: String, to: String },
    /// `strip-prefix PREFIX`.
    StripPrefix { prefix: String },
    /// Only normalization changed it (`./src/x.c`, `src\x.c`, `file:///...`).
    Normalized,
    /// Equal to paths of other shards once each shard's detected root was stripped.
    CommonSuffix { suffix: String, roots: Vec<String> },
    /// Its shard's detected root was stripped (no other shard has the file).
    StripRoot { root: String },
    /// A relative path joined to the one longer path that ends with it.
    Suffix { of: String },
    /// Matched a file of the source tree.
    SourceTree { path: String },
}

impl fmt::Display for JoinRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinRule::PathMap { from, to } => write!(f, "path-map {from}={to}"),
            JoinRule::StripPrefix { prefix } => write!(f, "strip-prefix {prefix}"),
            JoinRule::Normalized => f.write_str("same path after normalization"),
            JoinRule::CommonSuffix { suffix, roots } => {
                write!(f, "common suffix {suffix} after stripping ")?;
                for (i, r) in roots.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if i + 1 == roots.len() { " and " } else { ", " })?;
                    }
                    f.write_str(r)?;
                }
                Ok(())
            }
            JoinRule::StripRoot { root } => write!(f, "shard root {root} stripped"),
            JoinRule::Suffix { of } => write!(f, "the only longer path ending in it is {of}"),
            JoinRule::SourceTree { path } => write!(f, "matches {path} in the source tree"),
        }
    }
}

/// One renamed path (the same text names the same file in every shard that has it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathJoin {
    /// The shards that name it, sorted.
    pub shards: Vec<ShardId>,
    pub original: String,
    pub canonical: String,
    pub rules: Vec<JoinRule>,
}

/// A path left apart because more than one file could be meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ambiguity {
    /// The shards that have the path.
    pub shards: Vec<ShardId>,
    pub path: String,
    /// The paths it might have been joined with, sorted.
    pub candidates: Vec<String>,
    /// Why it was left apart.
    pub reason: AmbiguityReason,
}

/// Why an [`Ambiguity`] was left apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmbiguityReason {
    /// Several different files end with the path.
    SeveralCandidates,
    /// The join would have put two paths of one shard into one file.
    SameShard,
    /// A user `keep_apart` pair forbids the join.
    KeptApart,
}

impl Ambiguity {
    /// A note naming the path and its candidates.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let why = match self.reason {
            AmbiguityReason::SeveralCandidates => "several files end with it",
            AmbiguityReason::SameShard => "the join would merge two files of one input",
            AmbiguityReason::KeptApart => "kept apart by a user rule",
        };
        Diagnostic::note(
            None,
            format!(
                "{}: not joined with {} ({why})",
                self.path,
                self.candidates.join(", ")
            ),
        )
    }
}

/// Paths named by one shard.
#[derive(Clone, Debug)]
pub struct ShardPaths<'a> {
    pub shard: ShardId,
    pub paths: Vec<&'a str>,
}

/// One file after reconciliation: which paths it came from (the viewer's "these N paths become 1").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub canonical: String,
    /// (shard, original path), sorted.
    pub members: Vec<(ShardId, String)>,
    /// The distinct rules of its members.
    pub rules: Vec<JoinRule>,
}

/// The outcome: a mapping (shard, original path) → canonical path, with rules and ambiguities.
#[derive(Clone, Debug, Default)]
pub struct Reconciliation {
    by_original: HashMap<String, usize>,
    /// Renamed paths, sorted by (canonical, original).
    joins: Vec<PathJoin>,
    ambiguities: Vec<Ambiguity>,
    roots: Vec<(ShardId, String)>,
}

impl Reconciliation {
    /// The path `original` of `shard` has after reconciliation (itself when nothing applied).
    pub fn canonical<'a>(&'a self, shard: ShardId, original: &'a str) -> &'a str {
        match self.by_original.get(original) {
            Some(&i) if self.joins[i].shards.binary_search(&shard).is_ok() => {
                self.joins[i].canonical.as_str()
            }
            _ => original,
        }
    }

    /// Every renamed path, sorted by canonical path, then original.
    pub fn joins(&self) -> &[PathJoin] {
        &self.joins
    }

    /// Paths left apart, sorted.
    pub fn ambiguities(&self) -> &[Ambiguity] {
        &self.ambiguities
    }

    /// The detected root of each shard that has one.
    pub fn roots(&self) -> &[(ShardId, String)] {
        &self.roots
    }

    /// The files that more than one path (or a renamed path) became, sorted by canonical path.
    /// Members that kept their name (another shard's path became theirs) are listed too.
    pub fn groups(&self, shards: &[ShardPaths<'_>]) -> Vec<Group> {
        let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
        for j in &self.joins {
            let g = groups.entry(&j.canonical).or_insert_with(|| Group {
                canonical: j.canonical.clone(),
                members: Vec::new(),
                rules: Vec::new(),
            });
            g.members
                .extend(j.shards.iter().map(|&s| (s, j.original.clone())));
            for r in &j.rules {
                if !g.rules.contains(r) {
                    g.rules.push(r.clone());
                }
            }
        }
        for s in shards {
            for p in &s.paths {
                if let Some(g) = groups.get_mut(*p) {
                    if self.canonical(s.shard, p) == *p {
                        g.members.push((s.shard, p.to_string()));
                    }
                }
            }
        }
        groups
            .into_values()
            .map(|mut g| {
                g.members.sort();
                g.members.dedup();
                g.rules.sort();
                g
            })
            .collect()
    }

    /// `report` of `shard` with its paths renamed; paths that become one are merged (with the
    /// diagnostics of that merge).
    pub fn apply(&self, shard: ShardId, report: Report) -> (Report, Vec<Diagnostic>) {
        if self.joins.is_empty() {
            return (report, Vec::new());
        }
        let mut out = Report::new(report.fidelity);
        let mut diags = Vec::new();
        for (path, fc) in report.files {
            let name = match self.canonical(shard, &path) {
                c if c == path => path,
                c => c.to_string(),
            };
            match out.files.get_mut(&name) {
                Some(existing) => {
                    let mut issues = MergeIssues::default();
                    merge_file(existing, &fc, &mut issues);
                    diags.extend(issues.to_diagnostics(&name));
                }
                None => {
                    out.files.insert(name, fc);
                }
            }
        }
        (out, diags)
    }
}

// ------------------------------------------------------------------------------------------------

/// A set of shard indices.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64).max(1)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn has(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn or(&mut self, o: &[u64]) {
        for (a, b) in self.0.iter_mut().zip(o) {
            *a |= b;
        }
    }
    fn intersects(&self, o: &[u64]) -> bool {
        self.0.iter().zip(o).any(|(a, b)| a & b != 0)
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            (0..64)
                .filter(move |b| word & (1 << b) != 0)
                .map(move |b| w * 64 + b)
        })
    }
    fn not(&self, n: usize) -> Bits {
        let mut out = Bits(self.0.iter().map(|w| !w).collect());
        // Bits past n stay clear.
        for i in n..out.0.len() * 64 {
            out.0[i / 64] &= !(1 << (i % 64));
        }
        out
    }
}

/// A trie of reversed path segments (basename first), each node knowing which shards its subtree has.
struct Trie {
    words: usize,
    children: HashMap<(u32, u32), u32>,
    first_child: Vec<u32>,
    next_sibling: Vec<u32>,
    bits: Vec<u64>,
    /// First item ending at the node, then `next_item`.
    item_head: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Trie {
    fn new(words: usize) -> Trie {
        Trie {
            words,
            children: HashMap::new(),
            first_child: vec![NONE],
            next_sibling: vec![NONE],
            bits: vec![0; words],
            item_head: vec![NONE],
        }
    }
    fn bits(&self, node: u32) -> &[u64] {
        &self.bits[node as usize * self.words..(node as usize + 1) * self.words]
    }
    /// Inserts item `id` with reversed segments `segs`; returns the nodes from depth 1 to the end.
    fn insert(&mut self, segs: &[u32], bits: &Bits, id: u32, next_item: &mut [u32]) -> Vec<u32> {
        let mut node = 0u32;
        let mut path = Vec::with_capacity(segs.len());
        self.or_bits(0, bits);
        for &s in segs.iter().rev() {
            node = match self.children.get(&(node, s)) {
                Some(&c) => c,
                None => {
                    let c = self.first_child.len() as u32;
                    self.first_child.push(NONE);
                    self.next_sibling.push(self.first_child[node as usize]);
                    self.first_child[node as usize] = c;
                    self.bits.extend(std::iter::repeat_n(0, self.words));
                    self.item_head.push(NONE);
                    self.children.insert((node, s), c);
                    c
                }
            };
            self.or_bits(node, bits);
            path.push(node);
        }
        next_item[id as usize] = self.item_head[node as usize];
        self.item_head[node as usize] = id;
        path
    }
    fn or_bits(&mut self, node: u32, bits: &Bits) {
        let start = node as usize * self.words;
        for (a, b) in self.bits[start..start + self.words].iter_mut().zip(&bits.0) {
            *a |= b;
        }
    }
    fn kids(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let mut c = self.first_child[node as usize];
        std::iter::from_fn(move || {
            (c != NONE).then(|| {
                let out = c;
                c = self.next_sibling[c as usize];
                out
            })
        })
    }
}

/// One original text and the shards that name it.
struct Member {
    shards: Bits,
    /// The first shard (index) that names it.
    first: usize,
    text: String,
    /// The user rules applied to it.
    rules: Vec<JoinRule>,
}

/// A distinct normalized path and the shards that name it.
struct PathEntry {
    np: NormPath,
    /// Lowercased segments, interned, in path order.
    segs: Vec<u32>,
    shards: Bits,
    /// The original texts that normalize to it.
    members: Vec<Member>,
    /// Trie nodes from depth 1 (basename) to the whole path.
    nodes: Vec<u32>,
    /// Segments of the detected root stripped from it, and that root as text.
    stripped: Option<(usize, String)>,
    /// Compared case-sensitively: its shard names another path differing only in case.
    exact: bool,
}

fn apply_user_rules(
    path: &str,
    maps: &[(NormPath, String, String, String)],
    strips: &[(NormPath, String)],
) -> (NormPath, Vec<JoinRule>) {
    let mut np = NormPath::new(path);
    let mut rules = Vec::new();
    for (from, from_text, to, to_text) in maps {
        if let Some(k) = np.strip_len(from) {
            let mut s = to.clone();
            for seg in &np.segments[k..] {
                if !s.is_empty() && !s.ends_with(['/', '\\']) {
                    s.push('/');
                }
                s.push_str(seg);
            }
            let original = std::mem::take(&mut np.original);
            np = NormPath::new(&s);
            np.original = original;
            rules.push(JoinRule::PathMap {
                from: from_text.clone(),
                to: to_text.clone(),
            });
            break;
        }
    }
    for (prefix, text) in strips {
        if let Some(k) = np.strip_len(prefix) {
            np.segments.drain(..k);
            np.root = Root::Relative;
            rules.push(JoinRule::StripPrefix {
                prefix: text.clone(),
            });
            break;
        }
    }
    (np, rules)
}

fn lower_key(np: &NormPath) -> String {
    np.key().to_lowercase()
}

/// Joins rel text of `np` from segment `from` on.
fn rel_text(np: &NormPath, from: usize) -> String {
    if from == 0 {
        return np.key();
    }
    np.segments[from..].join("/")
}

/// Reconciles the paths of `shards` (and of a source tree, paths relative to its root) under `rules`.
pub fn reconcile(shards: &[ShardPaths<'_>], source_tree: &[&str], rules: &Rules) -> Reconciliation {
    let n = shards.len();
    let src_bit = n; // the source tree is one more "shard"
    let total = n + usize::from(!source_tree.is_empty());
    let maps: Vec<(NormPath, String, String, String)> = rules
        .path_maps
        .iter()
        .map(|(f, t)| (NormPath::new(f), f.clone(), t.clone(), t.clone()))
        .collect();
    let strips: Vec<(NormPath, String)> = rules
        .strip_prefixes
        .iter()
        .map(|p| (NormPath::new(p), p.clone()))
        .collect();

    // 1-2. user rules and normalization, once per distinct original text (CI shards mostly repeat
    // each other's paths); distinct files by lowercased key, except where one shard names two paths
    // that differ only in case (then they are different files: exact keys).
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut originals: Vec<(&str, Bits, usize)> = Vec::new();
    let mut per_shard: Vec<Vec<usize>> = Vec::with_capacity(n);
    for (si, s) in shards.iter().enumerate() {
        let mut mine = Vec::with_capacity(s.paths.len());
        // Shards of one build list the same paths in the same order: the previous shard's path at
        // the same place is tried first, which spares hashing the path.
        let before = si.checked_sub(1).map(|b| (&shards[b].paths, &per_shard[b]));
        for (i, p) in s.paths.iter().enumerate() {
            let k = match before {
                Some((paths, keys)) if paths.get(i) == Some(p) => keys[i],
                _ => *index.entry(p).or_insert_with(|| {
                    originals.push((p, Bits::new(total), si));
                    originals.len() - 1
                }),
            };
            originals[k].1.set(si);
            mine.push(k);
        }
        per_shard.push(mine);
    }
    let prepared: Vec<(NormPath, Vec<JoinRule>)> = originals
        .iter()
        .map(|(p, _, _)| apply_user_rules(p, &maps, &strips))
        .collect();
    if !rules.automatic {
        return without_automatic(shards, &originals, prepared);
    }
    let lower: Vec<String> = prepared.iter().map(|(np, _)| lower_key(np)).collect();
    // Texts whose lowercased keys are equal sit next to each other once sorted; only there can one
    // shard name two paths that differ in case.
    let mut by_lower: Vec<usize> = (0..originals.len()).collect();
    by_lower.sort_unstable_by(|&a, &b| lower[a].cmp(&lower[b]));
    let mut case_clash: BTreeSet<String> = BTreeSet::new();
    for run in by_lower.chunk_by(|&a, &b| lower[a] == lower[b]) {
        for (x, &i) in run.iter().enumerate() {
            for &j in &run[x + 1..] {
                let (pi, pj) = (&prepared[i].0, &prepared[j].0);
                if pi.segments != pj.segments
                    && !(pi.fold || pj.fold)
                    && originals[i].1.intersects(&originals[j].1 .0)
                {
                    case_clash.insert(lower[i].clone());
                }
            }
        }
    }
    drop(by_lower);
    let id_key = |np: &NormPath, lk: &str| {
        if case_clash.contains(lk) {
            format!("\u{0}{}", np.key())
        } else {
            lk.to_string()
        }
    };
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut keyed: Vec<(String, PathEntry)> = Vec::new();
    let words = total.div_ceil(64).max(1);
    for (k, ((text, bits, first), (np, r))) in originals.iter().zip(prepared).enumerate() {
        let key = id_key(&np, &lower[k]);
        let slot = match by_key.get(&key) {
            Some(&slot) => slot,
            None => {
                by_key.insert(key.clone(), keyed.len());
                keyed.push((
                    key,
                    PathEntry {
                        np: np.clone(),
                        segs: Vec::new(),
                        shards: Bits::new(total),
                        members: Vec::new(),
                        nodes: Vec::new(),
                        stripped: None,
                        exact: false,
                    },
                ));
                keyed.len() - 1
            }
        };
        let e = &mut keyed[slot].1;
        e.shards.or(&bits.0);
        e.members.push(Member {
            shards: bits.clone(),
            first: *first,
            text: text.to_string(),
            rules: r,
        });
    }
    drop(index);
    for p in source_tree {
        let np = NormPath::new(p);
        let key = id_key(&np, &lower_key(&np));
        let slot = match by_key.get(&key) {
            Some(&slot) => slot,
            None => {
                by_key.insert(key.clone(), keyed.len());
                keyed.push((
                    key,
                    PathEntry {
                        np: np.clone(),
                        segs: Vec::new(),
                        shards: Bits::new(total),
                        members: Vec::new(),
                        nodes: Vec::new(),
                        stripped: None,
                        exact: false,
                    },
                ));
                keyed.len() - 1
            }
        };
        keyed[slot].1.shards.set(src_bit);
    }
    drop(by_key);
    // Sorted by key: everything after depends only on the set of paths, not on their order.
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut entries: Vec<PathEntry> = keyed
        .into_iter()
        .map(|(k, mut e)| {
            e.exact = k.starts_with('\u{0}');
            e
        })
        .collect();
    let mut interner: HashMap<String, u32> = HashMap::new();
    for e in &mut entries {
        e.segs =
            e.np.segments
                .iter()
                .map(|s| {
                    let l = if e.exact { s.clone() } else { s.to_lowercase() };
                    let next = interner.len() as u32;
                    *interner.entry(l).or_insert(next)
                })
                .collect();
    }

    // 3. root detection.
    let mut trie = Trie::new(words);
    let mut next_item = vec![NONE; entries.len()];
    for (i, e) in entries.iter_mut().enumerate() {
        if !e.segs.is_empty() {
            e.nodes = trie.insert(&e.segs, &e.shards, i as u32, &mut next_item);
        }
    }
    // votes[(shards, prefix lowercased)] = (count, display)
    let mut votes: BTreeMap<(Bits, String), (u64, String)> = BTreeMap::new();
    for e in &entries {
        let d = e.segs.len();
        if d == 0 || e.members.is_empty() {
            continue;
        }
        let foreign = e.shards.not(total);
        let Some(k) = (1..=d).rev().find(|&k| {
            trie.bits(e.nodes[k - 1])
                .iter()
                .zip(&foreign.0)
                .any(|(a, b)| a & b != 0)
        }) else {
            continue;
        };
        // The best match must be unique in every other shard: candidates of the same length from
        // different shards agree (one file under several roots); two in one shard are ambiguous.
        let found = find_items(
            &trie,
            &next_item,
            e.nodes[k - 1],
            &foreign,
            &entries,
            total + 1,
        );
        let mut seen = Bits::new(total);
        let mut clash = found.len() > total;
        for &g in &found {
            let gs = &entries[g as usize].shards;
            clash |= seen.intersects(&gs.0);
            seen.or(&gs.0);
        }
        if found.is_empty() || clash {
            continue;
        }
        let from_source = total > n
            && found
                .iter()
                .any(|&g| entries[g as usize].shards.has(src_bit));
        let both_longer = k < d && found.iter().any(|&g| k < entries[g as usize].segs.len());
        if !(from_source || both_longer) {
            continue;
        }
        let prefix = prefix_text(&e.np, d - k);
        let lower = prefix.to_lowercase();
        let mut own = e.shards.clone();
        if total > n {
            own.0[src_bit / 64] &= !(1 << (src_bit % 64));
        }
        let v = votes.entry((own, lower)).or_insert((0, prefix));
        v.0 += 1;
    }
    let mut roots: Vec<Option<(String, NormPath)>> = vec![None; n];
    {
        let mut per_shard: Vec<BTreeMap<&str, (u64, &str)>> = vec![BTreeMap::new(); n];
        for ((bits, lower), (count, display)) in &votes {
            for s in bits.iter().filter(|&s| s < n) {
                let v = per_shard[s].entry(lower).or_insert((0, display));
                v.0 += count;
            }
        }
        for (s, tally) in per_shard.iter().enumerate() {
            // Most votes; then the shorter prefix; then the smaller text.
            let best = tally.iter().max_by(|a, b| {
                a.1 .0
                    .cmp(&b.1 .0)
                    .then(b.0.len().cmp(&a.0.len()))
                    .then(b.0.cmp(a.0))
            });
            if let Some((_, (_, display))) = best {
                if !display.is_empty() {
                    roots[s] = Some((display.to_string(), NormPath::new(display)));
                }
            }
        }
    }

    // The relative form of each path: the longest detected root of its shards stripped.
    for e in &mut entries {
        let mut best: Option<(usize, String)> = None;
        for s in e.shards.iter().filter(|&s| s < n) {
            if let Some((text, root)) = &roots[s] {
                if let Some(k) = e.np.strip_len(root) {
                    if k > 0 && k < e.np.segments.len() && best.as_ref().is_none_or(|b| k > b.0) {
                        best = Some((k, text.clone()));
                    }
                }
            }
        }
        e.stripped = best;
    }

    // 4. joining.
    let m = entries.len();
    let mut uf = UnionFind::new(m);
    let mut group_bits: Vec<Bits> = entries.iter().map(|e| e.shards.clone()).collect();
    let mut ambiguities = Vec::new();
    let keep: Vec<(String, String)> = rules.keep_apart.clone();
    let mut orig_to_entry: HashMap<&str, Vec<usize>> = HashMap::new();
    if !keep.is_empty() {
        for (i, e) in entries.iter().enumerate() {
            for m in &e.members {
                orig_to_entry.entry(m.text.as_str()).or_default().push(i);
            }
        }
    }
    let rel_of = |e: &PathEntry| -> (bool, Vec<u32>) {
        match &e.stripped {
            Some((k, _)) => (false, e.segs[*k..].to_vec()),
            None => (e.np.is_absolute(), e.segs.clone()),
        }
    };
    // Equal relative forms (same root kind).
    let mut by_rel: BTreeMap<(bool, Root, Vec<u32>), Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let (abs, segs) = rel_of(e);
        let root = if abs {
            e.np.root.clone()
        } else {
            Root::Relative
        };
        by_rel.entry((abs, root, segs)).or_default().push(i);
    }
    let try_union = |a: usize,
                     b: usize,
                     uf: &mut UnionFind,
                     group_bits: &mut Vec<Bits>,
                     same_shard_ok: bool|
     -> Result<(), AmbiguityReason> {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            return Ok(());
        }
        if !same_shard_ok && group_bits[ra].intersects(&group_bits[rb].0) {
            return Err(AmbiguityReason::SameShard);
        }
        for (x, y) in &keep {
            let xs = orig_to_entry.get(x.as_str()).into_iter().flatten();
            for &xi in xs {
                for &yi in orig_to_entry.get(y.as_str()).into_iter().flatten() {
                    let (gx, gy) = (uf.find(xi), uf.find(yi));
                    if (gx == ra && gy == rb) || (gx == rb && gy == ra) {
                        return Err(AmbiguityReason::KeptApart);
                    }
                }
            }
        }
        let r = uf.union(ra, rb);
        let other = if r == ra { rb } else { ra };
        let ob = group_bits[other].clone();
        group_bits[r].or(&ob.0);
        Ok(())
    };
    for ids in by_rel.values() {
        for &b in &ids[1..] {
            if let Err(reason) = try_union(ids[0], b, &mut uf, &mut group_bits, true) {
                ambiguities.push(ambiguity(&entries, b, &[ids[0]], reason, shards));
            }
        }
    }
    // Relative paths to the one longer path ending with them, longest first.
    let mut rel_trie = Trie::new(words);
    let mut rel_next = vec![NONE; m];
    let mut rel_nodes: Vec<Vec<u32>> = vec![Vec::new(); m];
    let mut rel_len = vec![0usize; m];
    for (i, e) in entries.iter().enumerate() {
        let (_, segs) = rel_of(e);
        rel_len[i] = segs.len();
        if !segs.is_empty() {
            rel_nodes[i] = rel_trie.insert(&segs, &e.shards, i as u32, &mut rel_next);
        }
    }
    let mut order: Vec<usize> = (0..m)
        .filter(|&i| {
            let e = &entries[i];
            // Relative paths, and root-stripped ones: a shard whose root was found one folder
            // deeper than another's (Azure's `…\_work\1\s\repo\` against `/home/…/repo/`)
            // leaves a shorter relative form of the same file.
            rel_len[i] > 0 && (e.stripped.is_some() || !e.np.is_absolute()) && !e.members.is_empty()
        })
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(rel_len[i]));
    for i in order {
        let e = &entries[i];
        let node = *rel_nodes[i].last().expect("non-empty");
        let foreign = e.shards.not(total);
        match chain_target(&rel_trie, &rel_next, node, &foreign, &entries, |j| {
            rel_len[j as usize] > rel_len[i]
        }) {
            Chain::None => {}
            Chain::Target(t) => {
                if let Err(reason) = try_union(i, t as usize, &mut uf, &mut group_bits, false) {
                    ambiguities.push(ambiguity(&entries, i, &[t as usize], reason, shards));
                }
            }
            Chain::Several(c) => {
                let mut c: Vec<usize> = c.into_iter().map(|x| x as usize).collect();
                // Candidates already joined into one file are one candidate.
                let mut groups: Vec<usize> = c.iter().map(|&x| uf.find(x)).collect();
                groups.sort_unstable();
                groups.dedup();
                if groups.len() == 1 {
                    let t = c[0];
                    if let Err(reason) = try_union(i, t, &mut uf, &mut group_bits, false) {
                        ambiguities.push(ambiguity(&entries, i, &[t], reason, shards));
                    }
                    continue;
                }
                c.sort_unstable();
                ambiguities.push(ambiguity(
                    &entries,
                    i,
                    &c,
                    AmbiguityReason::SeveralCandidates,
                    shards,
                ));
            }
        }
    }

    // 5. naming.
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..m {
        groups.entry(uf.find(i)).or_default().push(i);
    }
    let rel_display = |e: &PathEntry| match &e.stripped {
        Some((k, _)) => rel_text(&e.np, *k),
        None => e.np.key(),
    };
    let mut named: Vec<(String, Vec<usize>, usize)> = Vec::new();
    for ids in groups.into_values() {
        // Source tree first, then the longest relative form, then the first shard's.
        let rep = *ids
            .iter()
            .max_by(|&&a, &&b| {
                let (ea, eb) = (&entries[a], &entries[b]);
                let sa = ea.shards.has(src_bit) && total > n;
                let sb = eb.shards.has(src_bit) && total > n;
                sa.cmp(&sb)
                    .then(rel_len[a].cmp(&rel_len[b]))
                    .then(first_shard(eb).cmp(&first_shard(ea)))
                    .then(b.cmp(&a))
            })
            .expect("non-empty group");
        let r = &entries[rep];
        let in_source = r.shards.has(src_bit) && total > n;
        // A path nothing was stripped from names its file as its shard wrote it.
        let name = match r.members.first() {
            Some(m) if r.stripped.is_none() && !in_source && m.rules.is_empty() => m.text.clone(),
            _ => rel_display(r),
        };
        named.push((name, ids, rep));
    }
    // Two groups kept apart may have the same relative form: later ones keep their full path.
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut joins = Vec::new();
    named.sort_by_key(|(_, ids, _)| ids.iter().map(|&i| first_shard(&entries[i])).min());
    for (name, ids, rep) in named {
        let name_key = name.to_lowercase();
        let unique = !taken.contains(&name_key);
        let canonical = if unique { name } else { entries[rep].np.key() };
        taken.insert(canonical.to_lowercase());
        let single = ids.len() == 1;
        let in_source = entries[rep].shards.has(src_bit) && total > n;
        let roots_of: Vec<String> = {
            let mut r: Vec<String> = ids
                .iter()
                .filter_map(|&i| entries[i].stripped.as_ref().map(|s| s.1.clone()))
                .collect();
            r.sort();
            r.dedup();
            r
        };
        for &i in &ids {
            let e = &entries[i];
            for m in &e.members {
                let orig = &m.text;
                let mut rules = m.rules.clone();
                if in_source {
                    rules.push(JoinRule::SourceTree {
                        path: canonical.clone(),
                    });
                } else if let Some((_, root)) = &e.stripped {
                    if single && roots_of.len() <= 1 {
                        rules.push(JoinRule::StripRoot { root: root.clone() });
                    } else {
                        rules.push(JoinRule::CommonSuffix {
                            suffix: canonical.clone(),
                            roots: roots_of.clone(),
                        });
                    }
                } else if i != rep && (rel_len[i] < rel_len[rep] || !e.np.is_absolute()) {
                    rules.push(JoinRule::Suffix {
                        of: canonical.clone(),
                    });
                }
                // A path nothing joined or stripped keeps its text.
                let same_text = e.members.len() == 1;
                let final_name = if rules.is_empty() && single && same_text {
                    orig.clone()
                } else {
                    canonical.clone()
                };
                if final_name == *orig {
                    continue;
                }
                if rules.is_empty() {
                    rules.push(JoinRule::Normalized);
                }
                joins.push(PathJoin {
                    shards: m
                        .shards
                        .iter()
                        .filter(|&s| s < n)
                        .map(|s| shards[s].shard)
                        .collect(),
                    original: orig.clone(),
                    canonical: final_name,
                    rules,
                });
            }
        }
    }
    let mut out = finish(joins, ambiguities);
    out.roots = roots
        .iter()
        .enumerate()
        .filter_map(|(s, r)| r.as_ref().map(|(t, _)| (shards[s].shard, t.clone())))
        .collect();
    out
}

fn first_shard(e: &PathEntry) -> usize {
    e.members
        .iter()
        .map(|m| m.first)
        .min()
        .unwrap_or(usize::MAX)
}

fn prefix_text(np: &NormPath, segs: usize) -> String {
    let mut s = np.root_text();
    for seg in &np.segments[..segs] {
        s.push_str(seg);
        s.push('/');
    }
    s
}

fn ambiguity(
    entries: &[PathEntry],
    i: usize,
    candidates: &[usize],
    reason: AmbiguityReason,
    shards: &[ShardPaths<'_>],
) -> Ambiguity {
    let e = &entries[i];
    let mut c: Vec<String> = candidates
        .iter()
        .map(|&j| {
            entries[j]
                .members
                .first()
                .map_or_else(|| entries[j].np.key(), |m| m.text.clone())
        })
        .collect();
    c.sort();
    c.dedup();
    Ambiguity {
        shards: e
            .shards
            .iter()
            .filter(|&s| s < shards.len())
            .map(|s| shards[s].shard)
            .collect(),
        path: e
            .members
            .first()
            .map_or_else(|| e.np.key(), |m| m.text.clone()),
        candidates: c,
        reason,
    }
}

fn finish(mut joins: Vec<PathJoin>, mut ambiguities: Vec<Ambiguity>) -> Reconciliation {
    joins.sort_by(|a, b| (&a.canonical, &a.original).cmp(&(&b.canonical, &b.original)));
    let by_original: HashMap<String, usize> = joins
        .iter()
        .enumerate()
        .map(|(i, j)| (j.original.clone(), i))
        .collect();
    ambiguities.sort_by(|a, b| (&a.path, &a.candidates).cmp(&(&b.path, &b.candidates)));
    ambiguities.dedup();
    Reconciliation {
        by_original,
        joins,
        ambiguities,
        roots: Vec::new(),
    }
}

fn without_automatic(
    shards: &[ShardPaths<'_>],
    originals: &[(&str, Bits, usize)],
    prepared: Vec<(NormPath, Vec<JoinRule>)>,
) -> Reconciliation {
    let mut joins = Vec::new();
    for ((text, bits, _), (np, rules)) in originals.iter().zip(prepared) {
        if !rules.is_empty() {
            joins.push(PathJoin {
                shards: bits.iter().map(|s| shards[s].shard).collect(),
                original: text.to_string(),
                canonical: np.key(),
                rules,
            });
        }
    }
    finish(joins, Vec::new())
}

/// Up to `limit` items in the subtree of `node` that some shard of `foreign` names.
fn find_items(
    trie: &Trie,
    next_item: &[u32],
    node: u32,
    foreign: &Bits,
    entries: &[PathEntry],
    limit: usize,
) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let mut it = trie.item_head[n as usize];
        while it != NONE {
            if entries[it as usize].shards.intersects(&foreign.0) {
                out.push(it);
                if out.len() >= limit {
                    return out;
                }
            }
            it = next_item[it as usize];
        }
        for c in trie.kids(n) {
            if foreign.intersects(trie.bits(c)) {
                stack.push(c);
            }
        }
    }
    out
}

enum Chain {
    None,
    Target(u32),
    Several(Vec<u32>),
}

/// The deepest item below `node` on the single branch that holds `foreign` items longer than the
/// path; several branches (or several items at the deepest node) are an ambiguity.
fn chain_target(
    trie: &Trie,
    next_item: &[u32],
    node: u32,
    foreign: &Bits,
    entries: &[PathEntry],
    longer: impl Fn(u32) -> bool,
) -> Chain {
    let mut n = node;
    let mut last: Vec<u32> = Vec::new();
    loop {
        let mut here = Vec::new();
        let mut it = trie.item_head[n as usize];
        while it != NONE {
            if longer(it) && entries[it as usize].shards.intersects(&foreign.0) {
                here.push(it);
            }
            it = next_item[it as usize];
        }
        if !here.is_empty() {
            last = here;
        }
        let kids: Vec<u32> = trie
            .kids(n)
            .filter(|&c| foreign.intersects(trie.bits(c)))
            .take(2)
            .collect();
        match kids.len() {
            0 => break,
            1 => n = kids[0],
            _ => {
                // Several branches: list a few candidates of each.
                let mut c = find_items(trie, next_item, n, foreign, entries, 8);
                c.retain(|&x| longer(x));
                return Chain::Several(c);
            }
        }
    }
    match last.len() {
        0 => Chain::None,
        1 => Chain::Target(last[0]),
        _ => Chain::Several(last),
    }
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    /// Unions two roots; the smaller index stays root (deterministic).
    fn union(&mut self, a: usize, b: usize) -> usize {
        let (r, o) = if a < b { (a, b) } else { (b, a) };
        self.parent[o] = r;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(shards: &[&[&str]], source: &[&str], rules: &Rules) -> Reconciliation {
        let sp: Vec<ShardPaths<'_>> = shards
            .iter()
            .enumerate()
            .map(|(i, p)| ShardPaths {
                shard: ShardId(i as u32),
                paths: p.to_vec(),
            })
            .collect();
        reconcile(&sp, source, rules)
    }

    fn names(r: &Reconciliation, shard: u32, paths: &[&str]) -> Vec<String> {
        paths
            .iter()
            .map(|p| r.canonical(ShardId(shard), p).to_string())
            .collect()
    }

    #[test]
    fn two_roots_one_windows_become_one_tree() {
        let a = [
            "/home/runner/work/app/app/src/x.c",
            "/home/runner/work/app/app/src/y.c",
            "/home/runner/work/app/app/lib/z.c",
            "/usr/include/stdio.h",
        ];
        let b = [
            "C:\\a\\app\\src\\x.c",
            "C:\\a\\app\\src\\y.c",
            "C:\\a\\app\\only.c",
        ];
        let r = run(&[&a, &b], &[], &Rules::default());
        assert_eq!(
            names(&r, 0, &a),
            [
                "app/src/x.c",
                "app/src/y.c",
                "app/lib/z.c",
                "/usr/include/stdio.h"
            ]
        );
        assert_eq!(
            names(&r, 1, &b),
            ["app/src/x.c", "app/src/y.c", "app/only.c"]
        );
        assert_eq!(
            r.roots(),
            [
                (ShardId(0), "/home/runner/work/app/".to_string()),
                (ShardId(1), "c:/a/".to_string())
            ]
        );
        let x = r
            .joins()
            .iter()
            .find(|j| j.original == "C:\\a\\app\\src\\x.c")
            .unwrap();
        assert_eq!(
            x.rules[0].to_string(),
            "common suffix app/src/x.c after stripping /home/runner/work/app/ and c:/a/"
        );
        assert!(r.ambiguities().is_empty());
    }

    /// Two Windows jobs under Azure-style roots match each other one folder deeper (`s/repo/...`)
    /// than they match the Linux job (`repo/...`): the shorter relative form joins the longer one.
    #[test]
    fn roots_of_different_depths_still_join_into_one_tree() {
        let files = ["src/x.c", "src/y.c", "lib/z.c"];
        let w1: Vec<String> = files
            .iter()
            .map(|f| format!("C:\\agent\\_work\\1\\s\\repo\\{}", f.replace('/', "\\")))
            .collect();
        let w2: Vec<String> = files
            .iter()
            .map(|f| format!("C:\\agent\\_work\\2\\s\\repo\\{}", f.replace('/', "\\")))
            .collect();
        let l: Vec<String> = files
            .iter()
            .map(|f| format!("/home/runner/work/job/repo/{f}"))
            .collect();
        let (w1, w2, l): (Vec<&str>, Vec<&str>, Vec<&str>) = (
            w1.iter().map(String::as_str).collect(),
            w2.iter().map(String::as_str).collect(),
            l.iter().map(String::as_str).collect(),
        );
        let r = run(&[&w1, &w2, &l], &[], &Rules::default());
        let canon: BTreeSet<String> = (0..3u32)
            .flat_map(|s| names(&r, s, [&w1, &w2, &l][s as usize]))
            .collect();
        assert_eq!(
            canon.into_iter().collect::<Vec<_>>(),
            ["s/repo/lib/z.c", "s/repo/src/x.c", "s/repo/src/y.c"]
        );
        assert!(r.ambiguities().is_empty(), "{:?}", r.ambiguities());
    }

    #[test]
    fn identical_shards_change_nothing() {
        let a = ["/tmp/x/a.c", "/tmp/x/b.c"];
        let r = run(&[&a, &a], &[], &Rules::default());
        assert!(r.joins().is_empty(), "{:?}", r.joins());
        assert!(r.roots().is_empty());
    }

    #[test]
    fn package_paths_join_the_full_path() {
        let jacoco = ["com/acme/X.java", "com/acme/Y.java"];
        let lcov = [
            "/w/app/src/main/java/com/acme/X.java",
            "/w/app/src/main/java/com/acme/Y.java",
        ];
        let r = run(&[&jacoco, &lcov], &[], &Rules::default());
        assert_eq!(
            names(&r, 0, &jacoco),
            [
                "/w/app/src/main/java/com/acme/X.java",
                "/w/app/src/main/java/com/acme/Y.java"
            ]
        );
        assert_eq!(names(&r, 1, &lcov), lcov);
        let g = r.groups(&[
            ShardPaths {
                shard: ShardId(0),
                paths: jacoco.to_vec(),
            },
            ShardPaths {
                shard: ShardId(1),
                paths: lcov.to_vec(),
            },
        ]);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].members.len(), 2);
        assert_eq!(
            g[0].rules[0].to_string(),
            "the only longer path ending in it is /w/app/src/main/java/com/acme/X.java"
        );
    }

    #[test]
    fn a_shared_suffix_with_two_candidates_is_ambiguous() {
        let a = ["a/util/x.c", "b/util/x.c"];
        let b = ["util/x.c"];
        let r = run(&[&a, &b], &[], &Rules::default());
        assert_eq!(names(&r, 0, &a), a);
        assert_eq!(names(&r, 1, &b), b);
        assert_eq!(r.ambiguities().len(), 1);
        let amb = &r.ambiguities()[0];
        assert_eq!(amb.path, "util/x.c");
        assert_eq!(amb.candidates, ["a/util/x.c", "b/util/x.c"]);
        assert_eq!(amb.shards, [ShardId(1)]);
        assert_eq!(amb.reason, AmbiguityReason::SeveralCandidates);
    }

    #[test]
    fn two_files_of_one_shard_never_become_one() {
        let a = ["/r/app/util/x.c"];
        let b = ["util/x.c", "x.c"];
        let r = run(&[&a, &b], &[], &Rules::default());
        assert_eq!(names(&r, 1, &b), ["/r/app/util/x.c", "x.c"]);
        assert_eq!(r.ambiguities()[0].reason, AmbiguityReason::SameShard);
    }

    #[test]
    fn different_directories_with_one_basename_stay_apart_once_roots_are_known() {
        let a = ["/r1/app/src/x.c", "/r1/app/src/m.c", "/r1/app/lib/u.c"];
        let b = ["/r2/app/lib/x.c", "/r2/app/src/m.c", "/r2/app/lib/u.c"];
        let r = run(&[&a, &b], &[], &Rules::default());
        assert_eq!(
            names(&r, 0, &a),
            ["app/src/x.c", "app/src/m.c", "app/lib/u.c"]
        );
        assert_eq!(
            names(&r, 1, &b),
            ["app/lib/x.c", "app/src/m.c", "app/lib/u.c"]
        );
    }

    #[test]
    fn user_rules_come_first_and_keep_apart_undoes_a_join() {
        let a = ["/build/src/x.c", "/build/src/y.c"];
        let b = ["/ci/checkout/src/x.c", "/ci/checkout/src/y.c"];
        let rules = Rules {
            path_maps: vec![("/ci/checkout".into(), "/build".into())],
            ..Rules::default()
        };
        let r = run(&[&a, &b], &[], &rules);
        assert_eq!(names(&r, 1, &b), a);
        assert_eq!(
            r.joins()[0].rules[0].to_string(),
            "path-map /ci/checkout=/build"
        );

        let rules = Rules {
            strip_prefixes: vec!["/build".into(), "/ci/checkout/".into()],
            ..Rules::default()
        };
        let r = run(&[&a, &b], &[], &rules);
        assert_eq!(names(&r, 0, &a), ["src/x.c", "src/y.c"]);
        assert_eq!(names(&r, 1, &b), ["src/x.c", "src/y.c"]);

        let rules = Rules {
            keep_apart: vec![("/ci/checkout/src/x.c".into(), "/build/src/x.c".into())],
            ..Rules::default()
        };
        let r = run(&[&a, &b], &[], &rules);
        let (na, nb) = (names(&r, 0, &a), names(&r, 1, &b));
        assert_ne!(na[0], nb[0], "kept apart");
        assert_eq!(na[1], nb[1], "the other file still joins");
        assert_eq!(r.ambiguities()[0].reason, AmbiguityReason::KeptApart);

        let off = Rules {
            automatic: false,
            ..Rules::default()
        };
        let r = run(&[&a, &b], &[], &off);
        assert!(r.joins().is_empty());
    }

    #[test]
    fn the_source_tree_names_files() {
        let a = [
            "/home/runner/work/app/app/src/x.c",
            "/home/runner/work/app/app/src/y.c",
        ];
        let b = ["com/acme/X.java"];
        let src = [
            "src/x.c",
            "src/y.c",
            "src/main/java/com/acme/X.java",
            "README.md",
        ];
        let r = run(&[&a, &b], &src, &Rules::default());
        assert_eq!(names(&r, 0, &a), ["src/x.c", "src/y.c"]);
        assert_eq!(names(&r, 1, &b), ["src/main/java/com/acme/X.java"]);
        assert_eq!(
            r.joins()[0].rules.last().unwrap().to_string(),
            "matches src/main/java/com/acme/X.java in the source tree"
        );
    }

    #[test]
    fn spellings_of_one_path_join_as_normalized() {
        let a = ["./src/x.c"];
        let b = ["src\\x.c"];
        let c = ["webpack:///./src/x.c"];
        let r = run(&[&a, &b, &c], &[], &Rules::default());
        let all: Vec<String> = [names(&r, 0, &a), names(&r, 1, &b), names(&r, 2, &c)].concat();
        assert_eq!(all, ["./src/x.c", "./src/x.c", "./src/x.c"]);
        assert_eq!(r.joins()[0].rules, [JoinRule::Normalized]);
    }
}
