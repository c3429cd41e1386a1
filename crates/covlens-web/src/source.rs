//! The source view's data: one file's per-line detail ([`FileDetail`], built in the worker from the merged
//! coverage and each shard's), the matching of dropped source files to report paths by longest common
//! path suffix ([`SourceIndex`]), and the pure view-model the page draws from (line states, branch text,
//! jumps, the visible range of the virtual list). Plain Rust, tested natively.

use std::collections::BTreeMap;

use covlens_core::paths::{segment_eq, NormPath};
use covlens_core::{Branch, FileCoverage, Line};
use serde::{Deserialize, Serialize};

/// How a line fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LineState {
    /// Ran, and every branch on it was taken.
    Covered,
    /// Ran (or some branch was taken), but some branch on it was not taken or never evaluated.
    Partial,
    /// Coverable and never ran.
    Uncovered,
    /// Nothing coverable on the line (it may still start a function).
    NotCoverable,
}

impl LineState {
    /// The `data-state` value and CSS class suffix.
    pub fn id(self) -> &'static str {
        match self {
            LineState::Covered => "covered",
            LineState::Partial => "partial",
            LineState::Uncovered => "uncovered",
            LineState::NotCoverable => "none",
        }
    }
    /// The gutter glyph: a second cue besides the colour, for colour-blind readers.
    pub fn glyph(self) -> &'static str {
        match self {
            LineState::Covered => "\u{2713}",
            LineState::Partial => "\u{25d0}",
            LineState::Uncovered => "\u{2717}",
            LineState::NotCoverable => "",
        }
    }
    /// A word for screen readers and tooltips.
    pub fn label(self) -> &'static str {
        match self {
            LineState::Covered => "covered",
            LineState::Partial => "partly covered",
            LineState::Uncovered => "not covered",
            LineState::NotCoverable => "not coverable",
        }
    }
    /// Whether `n`/`p` stop here.
    pub fn is_gap(self) -> bool {
        matches!(self, LineState::Partial | LineState::Uncovered)
    }
}

/// One branch outcome on a line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BranchOutcome {
    /// The branch's identity as the report spells it: the branch name when every branch of the line is
    /// in one block without flags, else `block/branch` with lcov's flag letter (`e` exception, `f`
    /// fall-through, `U` unreachable) before the block.
    pub label: String,
    /// `None`: never evaluated.
    pub taken: Option<u64>,
}

/// A function that starts on a line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FunctionMark {
    pub name: String,
    pub hits: u64,
}

/// A shard that hit a line, and how often.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShardHit {
    pub shard: u32,
    pub hits: u64,
}

/// One coverable or annotated line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineDetail {
    /// 1-based.
    pub line: u32,
    /// `None` when the line is not coverable.
    pub hits: Option<u64>,
    pub state: LineState,
    pub branches: Vec<BranchOutcome>,
    pub functions: Vec<FunctionMark>,
    /// The enabled shards that hit the line at least once, in load order.
    pub shards: Vec<ShardHit>,
    /// MC/DC conditions of decisions on the line, one per condition (see [`crate::mcdc`]).
    #[serde(default)]
    pub mcdc: Vec<crate::mcdc::McdcMark>,
}

/// Where the file's text came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TextOrigin {
    /// Carried by the report (V8 / Playwright `source`), from the named shard.
    Report { shard: String },
    /// A dropped source file, matched by `suffix` (whole path segments, e.g. `c/calc.c`).
    Dropped { name: String, suffix: String },
    /// Several dropped files match equally well: none is used.
    Ambiguous {
        candidates: Vec<String>,
        suffix: String,
    },
    /// No text known.
    Missing,
}

/// A shard's id and display name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShardName {
    pub id: u32,
    pub name: String,
}

/// Everything the source view shows about one file; fetched per file, never part of the main view.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileDetail {
    pub path: String,
    /// Lines to list: the text's line count, or the last annotated line, whichever is larger.
    pub line_count: u32,
    /// Coverable or annotated lines, sorted by line.
    pub lines: Vec<LineDetail>,
    pub text: Option<String>,
    pub origin: TextOrigin,
    /// Names of the shards named in `lines[..].shards`.
    pub shards: Vec<ShardName>,
    /// False when the merged report has no such file.
    pub found: bool,
    /// Where the enabled shards disagree about the file, shards named (see [`crate::paths_view`]).
    #[serde(default)]
    pub conflicts: Vec<crate::paths_view::ConflictRow>,
}

fn branch_label(b: &Branch, single_block: bool) -> String {
    use covlens_core::model::branch_flags;
    if single_block {
        return b.id.branch.to_string();
    }
    let mut flag = String::new();
    if b.id.flags & branch_flags::EXCEPTION != 0 {
        flag.push('e');
    }
    if b.id.flags & branch_flags::FALLTHROUGH != 0 {
        flag.push('f');
    }
    if b.id.flags & branch_flags::UNREACHABLE != 0 {
        flag.push('U');
    }
    format!("{flag}{}/{}", b.id.block, b.id.branch)
}

/// The state of a line from its hits (`None`: not coverable) and branches.
pub fn line_state(hits: Option<u64>, branches: &[BranchOutcome]) -> LineState {
    let taken = branches
        .iter()
        .filter(|b| b.taken.is_some_and(|t| t > 0))
        .count();
    let all_taken = taken == branches.len();
    match hits {
        Some(0) if taken == 0 => LineState::Uncovered,
        Some(_) if all_taken => LineState::Covered,
        Some(_) => LineState::Partial,
        None if branches.is_empty() => LineState::NotCoverable,
        None if all_taken => LineState::Covered,
        None if taken == 0 => LineState::Uncovered,
        None => LineState::Partial,
    }
}

/// Builds a file's detail from its merged coverage and each enabled shard's (id, coverage of the file);
/// `shard_names` gives the names of the shards, `text` the source text and where it came from.
pub fn file_detail(
    path: &str,
    merged: Option<&FileCoverage>,
    per_shard: &[(u32, &FileCoverage)],
    shard_names: &[ShardName],
    text: Option<String>,
    origin: TextOrigin,
) -> FileDetail {
    let empty = FileCoverage::default();
    let fc = merged.unwrap_or(&empty);
    // Every annotated line once, in order.
    let mut numbers: Vec<Line> = fc
        .lines
        .iter()
        .map(|l| l.line)
        .chain(fc.branches.iter().map(|b| b.line))
        .chain(fc.functions.iter().map(|f| f.start))
        .chain(fc.mcdc.iter().map(|m| m.line))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut functions: BTreeMap<Line, Vec<FunctionMark>> = BTreeMap::new();
    for f in &fc.functions {
        functions.entry(f.start).or_default().push(FunctionMark {
            name: f.name.clone(),
            hits: f.hits,
        });
    }
    let mut used_shards = Vec::new();
    let lines: Vec<LineDetail> = numbers
        .into_iter()
        .map(|line| {
            let on_line = fc.branches_on(line);
            let single_block = on_line
                .iter()
                .all(|b| b.id.block == on_line[0].id.block && b.id.flags == 0);
            let branches: Vec<BranchOutcome> = on_line
                .iter()
                .map(|b| BranchOutcome {
                    label: branch_label(b, single_block),
                    taken: b.taken,
                })
                .collect();
            let hits = fc.line_hits(line);
            let shards: Vec<ShardHit> = per_shard
                .iter()
                .filter_map(|(id, f)| {
                    let hits = f.line_hits(line).filter(|h| *h > 0)?;
                    Some(ShardHit { shard: *id, hits })
                })
                .collect();
            for s in &shards {
                if !used_shards.contains(&s.shard) {
                    used_shards.push(s.shard);
                }
            }
            LineDetail {
                line: line.get(),
                hits,
                state: line_state(hits, &branches),
                branches,
                functions: functions.remove(&line).unwrap_or_default(),
                shards,
                mcdc: crate::mcdc::marks_on(&fc.mcdc, line),
            }
        })
        .collect();
    let text_lines = text.as_deref().map(count_lines).unwrap_or(0);
    let last = lines.last().map(|l| l.line).unwrap_or(0);
    FileDetail {
        path: path.to_string(),
        line_count: text_lines.max(last),
        lines,
        text,
        origin,
        shards: shard_names
            .iter()
            .filter(|s| used_shards.contains(&s.id))
            .cloned()
            .collect(),
        found: merged.is_some(),
        conflicts: Vec::new(),
    }
}

/// Lines of a text: split after each `\n` (a `\r\n` ends a line too); a final line without `\n` counts,
/// an empty text has none.
pub fn count_lines(text: &str) -> u32 {
    let n = text.bytes().filter(|b| *b == b'\n').count() as u32;
    n + u32::from(!text.is_empty() && !text.ends_with('\n'))
}

/// The text of line `n` (1-based) of `text`, without its terminator; lines are found by
/// [`line_starts`].
pub fn line_text<'a>(text: &'a str, starts: &[u32], n: u32) -> &'a str {
    let Some(&start) = starts.get(n as usize - 1) else {
        return "";
    };
    let end = starts
        .get(n as usize)
        .map(|e| *e as usize)
        .unwrap_or(text.len());
    text[start as usize..end].trim_end_matches(['\n', '\r'])
}

/// Byte offsets where each line of `text` starts (see [`count_lines`]).
pub fn line_starts(text: &str) -> Vec<u32> {
    let mut out = Vec::with_capacity(count_lines(text) as usize);
    if text.is_empty() {
        return out;
    }
    out.push(0);
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' && i + 1 < text.len() {
            out.push(i as u32 + 1);
        }
    }
    out
}

/// Whether dropped bytes are text worth keeping as a source file: UTF-8 without NUL bytes.
pub fn as_text(bytes: &[u8]) -> Option<&str> {
    if bytes.contains(&0) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    Some(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Whether a file that is not a recognised report should still be reported as a failed load: its name
/// ends like a report's (`.info`, `.lcov`, `.xml`, `.json`, `.txt` (Go's `coverage.txt`), `.out`, …), so
/// it is more likely a broken report than a source file.
pub fn looks_like_report_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".info",
        ".lcov",
        ".xml",
        ".json",
        ".txt",
        ".out",
        ".cov",
        ".coverage",
        ".gz",
        ".zip",
        ".profraw",
        ".profdata",
        ".dat",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// The outcome of looking a report path up among the dropped sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceMatch {
    /// Index into the candidates, and the matching suffix (whole segments).
    Found {
        index: usize,
        suffix: String,
    },
    /// Several candidates share the longest suffix (their names, sorted).
    Ambiguous {
        names: Vec<String>,
        suffix: String,
    },
    None,
}

/// Dropped source files, indexed by file name for suffix matching.
#[derive(Clone, Debug, Default)]
pub struct SourceIndex {
    /// (name as dropped, normalized path, text), in drop order.
    files: Vec<(String, NormPath, String)>,
    /// Lowercased last segment → indices into `files`.
    by_file_name: BTreeMap<String, Vec<usize>>,
}

impl SourceIndex {
    pub fn new() -> SourceIndex {
        SourceIndex::default()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Adds a source file under the name it was dropped with (a relative path when a folder was
    /// dropped); a later file of the same name replaces the earlier.
    pub fn add(&mut self, name: &str, text: String) {
        let norm = NormPath::new(name);
        let Some(last) = norm.segments.last() else {
            return;
        };
        let key = last.to_lowercase();
        if let Some(i) = self.files.iter().position(|f| f.0 == name) {
            self.files[i].2 = text;
            return;
        }
        self.by_file_name
            .entry(key)
            .or_default()
            .push(self.files.len());
        self.files.push((name.to_string(), norm, text));
    }

    pub fn name(&self, index: usize) -> &str {
        &self.files[index].0
    }

    pub fn text(&self, index: usize) -> &str {
        &self.files[index].2
    }

    /// The dropped file whose path shares the longest suffix of whole segments with `report_path` (at
    /// least the file name); a tie between several is no match, and says which tied. Segments compare
    /// case-insensitively when either path is Windows-style.
    pub fn find(&self, report_path: &str) -> SourceMatch {
        let target = NormPath::new(report_path);
        let Some(last) = target.segments.last() else {
            return SourceMatch::None;
        };
        let Some(candidates) = self.by_file_name.get(&last.to_lowercase()) else {
            return SourceMatch::None;
        };
        let (best, at) = longest_suffix(&target, candidates.iter().map(|&i| (i, &self.files[i].1)));
        let suffix = target.segments[target.segments.len() - best..].join("/");
        match at.as_slice() {
            [] => SourceMatch::None,
            [i] => SourceMatch::Found { index: *i, suffix },
            many => {
                let mut names: Vec<String> =
                    many.iter().map(|i| self.files[*i].0.clone()).collect();
                names.sort();
                SourceMatch::Ambiguous { names, suffix }
            }
        }
    }
}

/// Of `candidates` (index, path), those sharing the longest suffix of whole segments with `target`
/// (at least one segment), with its length in segments; segments compare case-insensitively when
/// either path is Windows-style. The rule by which dropped sources and source maps are matched.
pub fn longest_suffix<'a>(
    target: &NormPath,
    candidates: impl IntoIterator<Item = (usize, &'a NormPath)>,
) -> (usize, Vec<usize>) {
    let mut best = 0usize;
    let mut at: Vec<usize> = Vec::new();
    for (i, cand) in candidates {
        let fold = target.fold || cand.fold;
        let n = target
            .segments
            .iter()
            .rev()
            .zip(cand.segments.iter().rev())
            .take_while(|(a, b)| segment_eq(a, b, fold))
            .count();
        if n == 0 || n < best {
            continue;
        }
        if n > best {
            best = n;
            at.clear();
        }
        at.push(i);
    }
    (best, at)
}

impl SourceIndex {
    /// The text of a V8 script, looked up by its URL: the URL becomes a path by the core's rule
    /// ([`covlens_core::formats::v8::target_of`]: `file://` URLs are percent-decoded, scripts of Node
    /// itself and eval'd code have none), then the path is matched as a report path is ([`Self::find`]:
    /// longest whole-segment suffix; a tie is no match).
    pub fn script_text(&self, url: &str) -> Option<&str> {
        use covlens_core::formats::v8;
        let v8::Target::Path(path) = v8::target_of(url) else {
            return None;
        };
        match self.find(&path) {
            SourceMatch::Found { index, .. } => Some(self.text(index)),
            SourceMatch::Ambiguous { .. } | SourceMatch::None => None,
        }
    }
}

/// Whether the worker should read an input whole before loading it (the first bytes are `head`): a V8
/// report (its scripts' texts are kept for the source view) or a possible source file (not a report,
/// text so far, a name not like a report's).
pub fn wants_whole_input(name: &str, head: &[u8]) -> bool {
    match covlens_core::detect(head) {
        Some(covlens_core::Format::V8) => true,
        Some(_) => false,
        None => {
            if looks_like_report_name(name) || head.contains(&0) {
                return false;
            }
            // The head may end inside a UTF-8 sequence.
            match std::str::from_utf8(head) {
                Ok(_) => true,
                Err(e) => e.error_len().is_none(),
            }
        }
    }
}

/// The texts a V8 report carries (Playwright's `source`), by the model path of each script.
pub fn v8_texts(input: &[u8], options: &covlens_core::ParseOptions) -> BTreeMap<String, String> {
    use covlens_core::formats::v8;
    let Ok(parsed) = v8::parse(input, options) else {
        return BTreeMap::new();
    };
    parsed
        .value
        .scripts
        .into_iter()
        .filter_map(|s| match v8::target_of(&s.url) {
            v8::Target::Path(p) => Some((p, s.source?)),
            _ => None,
        })
        .collect()
}

/// The sum of one file's coverage over shards (the plain merge, file by file: O(file), not O(report)).
pub fn sum_file(per_shard: &[(u32, &FileCoverage)]) -> Option<FileCoverage> {
    let mut merged: Option<FileCoverage> = None;
    let mut issues = covlens_core::merge::MergeIssues::default();
    for (_, fc) in per_shard {
        match &mut merged {
            None => merged = Some((*fc).clone()),
            Some(m) => covlens_core::merge::merge_file(m, fc, &mut issues),
        }
    }
    merged
}

/// A file's detail from its merged coverage (`None`: the sum over `enabled`, see [`sum_file`]; a merge
/// policy other than the sum passes its own), the enabled shards, the texts reports carry for it
/// (shard name, text) and the dropped sources: a report's text first, else the best suffix match.
pub fn detail_from_shards(
    path: &str,
    merged: Option<Option<&FileCoverage>>,
    enabled: &[&covlens_core::Shard],
    report_texts: &[(&str, &str)],
    sources: &SourceIndex,
) -> FileDetail {
    let per: Vec<(u32, &FileCoverage)> = enabled
        .iter()
        .filter_map(|s| Some((s.id.0, s.report.files.get(path)?)))
        .collect();
    let summed;
    let merged = match merged {
        Some(m) => m,
        None => {
            summed = sum_file(&per);
            summed.as_ref()
        }
    };
    let names: Vec<ShardName> = enabled
        .iter()
        .map(|s| ShardName {
            id: s.id.0,
            name: s.name.clone(),
        })
        .collect();
    let (text, origin) = match report_texts.first() {
        Some((shard, text)) => (
            Some(text.to_string()),
            TextOrigin::Report {
                shard: shard.to_string(),
            },
        ),
        None => match sources.find(path) {
            SourceMatch::Found { index, suffix } => (
                Some(sources.text(index).to_string()),
                TextOrigin::Dropped {
                    name: sources.name(index).to_string(),
                    suffix,
                },
            ),
            SourceMatch::Ambiguous { names, suffix } => (
                None,
                TextOrigin::Ambiguous {
                    candidates: names,
                    suffix,
                },
            ),
            SourceMatch::None => (None, TextOrigin::Missing),
        },
    };
    file_detail(path, merged, &per, &names, text, origin)
}

// ---- the page's view-model -------------------------------------------------------------------------

/// "2/3 taken; not taken: 1; never evaluated: 2" for a line's branches; empty when it has none.
pub fn branch_text(branches: &[BranchOutcome]) -> String {
    if branches.is_empty() {
        return String::new();
    }
    let taken = branches.iter().filter(|b| b.taken.is_some_and(|t| t > 0));
    let not_taken: Vec<&str> = branches
        .iter()
        .filter(|b| b.taken == Some(0))
        .map(|b| b.label.as_str())
        .collect();
    let never: Vec<&str> = branches
        .iter()
        .filter(|b| b.taken.is_none())
        .map(|b| b.label.as_str())
        .collect();
    let mut out = format!("{}/{} taken", taken.count(), branches.len());
    let list = |what: &str, v: &[&str]| {
        let word = if v.len() == 1 { "branch" } else { "branches" };
        format!("; {word} {} {what}", v.join(", "))
    };
    if !not_taken.is_empty() {
        out += &list("not taken", &not_taken);
    }
    if !never.is_empty() {
        out += &list("never evaluated", &never);
    }
    out
}

/// Each branch as `label: taken ×n` / `label: not taken` / `label: never evaluated`, for the expanded row.
pub fn branch_lines(branches: &[BranchOutcome]) -> Vec<String> {
    branches
        .iter()
        .map(|b| match b.taken {
            Some(0) => format!("branch {}: not taken", b.label),
            Some(n) => format!(
                "branch {}: taken {}\u{d7}",
                b.label,
                crate::view::group_digits(n)
            ),
            None => format!("branch {}: never evaluated", b.label),
        })
        .collect()
}

/// Hits as the gutter shows them: `1.2k`-style for large counts, nothing when not coverable.
pub fn hits_text(hits: Option<u64>) -> String {
    match hits {
        None => String::new(),
        Some(n) if n < 10_000 => n.to_string(),
        Some(n) if n < 1_000_000 => format!("{}k", n / 1000),
        Some(n) if n < 1_000_000_000 => format!("{}M", n / 1_000_000),
        Some(n) => format!("{}G", n / 1_000_000_000),
    }
}

/// The names of the shards that hit a line, with their hits: `unit ×3, e2e ×1`.
pub fn shard_text(hits: &[ShardHit], names: &[ShardName]) -> String {
    hits.iter()
        .map(|h| {
            let name = names
                .iter()
                .find(|n| n.id == h.shard)
                .map(|n| n.name.as_str())
                .unwrap_or("?");
            format!("{name} \u{d7}{}", crate::view::group_digits(h.hits))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the view says about the text's origin.
pub fn origin_text(origin: &TextOrigin) -> String {
    match origin {
        TextOrigin::Report { shard } => format!("source text from the report {shard}"),
        TextOrigin::Dropped { name, suffix } => format!("source text from {name} (matched by {suffix})"),
        TextOrigin::Ambiguous { candidates, suffix } => format!(
            "no source text: {} dropped files match by {suffix} equally well ({}); drop only one, or a folder with more of the path",
            candidates.len(),
            candidates.join(", ")
        ),
        TextOrigin::Missing => "no source text: drop the source file (or its folder) to see it; counts are shown by line number".to_string(),
    }
}

/// The next (`forward`) or previous line after `from` where a gap starts: an uncovered or partial line
/// whose previous annotated line is not in the same state (so a run of 20 uncovered lines is one stop). From a line
/// inside a run, `n` goes to the next run and `p` to the start of the run before.
pub fn jump(lines: &[LineDetail], from: u32, forward: bool) -> Option<u32> {
    let starts = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| l.state.is_gap() && (*i == 0 || lines[i - 1].state != l.state));
    if forward {
        starts.map(|(_, l)| l.line).find(|&n| n > from)
    } else {
        starts.map(|(_, l)| l.line).rfind(|&n| n < from)
    }
}

/// The rows of a virtual list to put in the DOM: `[first, end)` (0-based) for a viewport of `height`
/// pixels scrolled to `scroll_top`, rows of `row_height` pixels, `margin` extra rows on each side.
pub fn visible_range(
    scroll_top: f64,
    height: f64,
    row_height: f64,
    total: u32,
    margin: u32,
) -> (u32, u32) {
    if total == 0 || row_height <= 0.0 {
        return (0, 0);
    }
    let first = (scroll_top.max(0.0) / row_height).floor() as u32;
    let shown = (height.max(0.0) / row_height).ceil() as u32 + 1;
    let start = first.saturating_sub(margin).min(total);
    let end = first
        .saturating_add(shown)
        .saturating_add(margin)
        .min(total);
    (start, end)
}

/// The index in `lines` of line `n`, if annotated.
pub fn detail_of(lines: &[LineDetail], n: u32) -> Option<&LineDetail> {
    lines
        .binary_search_by_key(&n, |l| l.line)
        .ok()
        .map(|i| &lines[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use covlens_core::{parse_bytes, ParseOptions, ShardSet};

    const UNIT: &str = "SF:src/a.c\nFN:2,main\nFNDA:1,main\nFN:9,unused\nFNDA:0,unused\nDA:2,1\nDA:3,4\nBRDA:3,0,0,3\nBRDA:3,0,1,1\nDA:4,4\nBRDA:4,0,0,4\nBRDA:4,0,1,0\nBRDA:4,0,2,-\nDA:5,0\nDA:6,0\nDA:7,2\nDA:9,0\nDA:10,0\nend_of_record\n";
    const E2E: &str =
        "SF:src/a.c\nDA:2,1\nDA:3,0\nDA:7,5\nBRDA:7,e1,0,1\nBRDA:7,0,1,1\nend_of_record\n";

    fn set() -> ShardSet {
        let mut s = ShardSet::new();
        let o = ParseOptions::default();
        s.add("unit", parse_bytes(UNIT.as_bytes(), &o).unwrap(), 1);
        s.add("e2e", parse_bytes(E2E.as_bytes(), &o).unwrap(), 1);
        s
    }

    fn detail(set: &ShardSet, text: Option<String>) -> FileDetail {
        let (merged, _) = set.merged();
        let per: Vec<(u32, &FileCoverage)> = set
            .shards()
            .iter()
            .filter_map(|s| Some((s.id.0, s.report.files.get("src/a.c")?)))
            .collect();
        let names: Vec<ShardName> = set
            .shards()
            .iter()
            .map(|s| ShardName {
                id: s.id.0,
                name: s.name.clone(),
            })
            .collect();
        file_detail(
            "src/a.c",
            merged.files.get("src/a.c"),
            &per,
            &names,
            text,
            TextOrigin::Missing,
        )
    }

    fn b(label: &str, taken: Option<u64>) -> BranchOutcome {
        BranchOutcome {
            label: label.into(),
            taken,
        }
    }

    #[test]
    fn a_branchy_lcov_file_gives_exact_line_detail() {
        let s = set();
        let d = detail(&s, None);
        assert!(d.found);
        assert_eq!(d.line_count, 10);
        type Row = (u32, Option<u64>, LineState, String, Vec<(u32, u64)>);
        let rows: Vec<Row> = d
            .lines
            .iter()
            .map(|l| {
                (
                    l.line,
                    l.hits,
                    l.state,
                    branch_text(&l.branches),
                    l.shards.iter().map(|h| (h.shard, h.hits)).collect(),
                )
            })
            .collect();
        use LineState::*;
        assert_eq!(
            rows,
            vec![
                (2, Some(2), Covered, String::new(), vec![(0, 1), (1, 1)]),
                (3, Some(4), Covered, "2/2 taken".into(), vec![(0, 4)]),
                (
                    4,
                    Some(4),
                    Partial,
                    "1/3 taken; branch 1 not taken; branch 2 never evaluated".into(),
                    vec![(0, 4)]
                ),
                (5, Some(0), Uncovered, String::new(), vec![]),
                (6, Some(0), Uncovered, String::new(), vec![]),
                // Two blocks on the line (one an exception block): labels name block and branch.
                (
                    7,
                    Some(7),
                    Covered,
                    "2/2 taken".into(),
                    vec![(0, 2), (1, 5)]
                ),
                (9, Some(0), Uncovered, String::new(), vec![]),
                (10, Some(0), Uncovered, String::new(), vec![]),
            ]
        );
        assert_eq!(
            d.lines[5].branches,
            vec![b("0/1", Some(1)), b("e1/0", Some(1))]
        );
        assert_eq!(
            d.lines[0].functions,
            vec![FunctionMark {
                name: "main".into(),
                hits: 1
            }]
        );
        assert_eq!(
            d.lines[6].functions,
            vec![FunctionMark {
                name: "unused".into(),
                hits: 0
            }]
        );
        assert_eq!(
            d.shards,
            vec![
                ShardName {
                    id: 0,
                    name: "unit".into()
                },
                ShardName {
                    id: 1,
                    name: "e2e".into()
                }
            ]
        );
        assert_eq!(
            shard_text(&d.lines[5].shards, &d.shards),
            "unit \u{d7}2, e2e \u{d7}5"
        );
        assert_eq!(
            branch_lines(&d.lines[2].branches),
            [
                "branch 0: taken 4\u{d7}",
                "branch 1: not taken",
                "branch 2: never evaluated"
            ]
        );
        // Jumps stop at the start of each gap: 4 (partial), 5 (runs into 6), 9 (runs into 10).
        assert_eq!(jump(&d.lines, 0, true), Some(4));
        assert_eq!(jump(&d.lines, 4, true), Some(5));
        assert_eq!(jump(&d.lines, 5, true), Some(9));
        assert_eq!(jump(&d.lines, 9, true), None);
        assert_eq!(jump(&d.lines, 10, false), Some(9));
        assert_eq!(jump(&d.lines, 9, false), Some(5));
        assert_eq!(jump(&d.lines, 4, false), None);
        // A text longer than the last annotated line sets the count; a missing file is empty.
        let d = detail(&s, Some("a\n".repeat(12)));
        assert_eq!(d.line_count, 12);
        let none = file_detail("x.c", None, &[], &[], None, TextOrigin::Missing);
        assert_eq!(
            (none.found, none.line_count, none.lines.len()),
            (false, 0, 0)
        );
    }

    fn repo_file(rel: &str) -> Vec<u8> {
        let path = format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The browser test's case (tests/e2e/source.test.mjs): the two lcov jobs of the C sample and its
    /// source dropped alongside, loaded the way the worker loads them.
    #[test]
    fn the_worker_keeps_dropped_sources_and_answers_file_requests() {
        use crate::worker_state::WorkerState;
        let mut st = WorkerState::new();
        for rel in [
            "tests/fixtures/lcov/job1.info",
            "tests/fixtures/lcov/job2.info",
            "tests/fixtures/src/c/calc.c",
        ] {
            let bytes = repo_file(rel);
            let name = rel.rsplit('/').next().unwrap();
            st.load_stream(
                name,
                bytes.len() as u64,
                std::io::BufReader::with_capacity(64, &bytes[..]),
            );
        }
        let v = st.view();
        assert_eq!(v.errors, vec![], "the source file is no load error");
        assert_eq!(v.shards.len(), 2);
        assert_eq!(st.source_files(), 1);
        let d = st.file_detail("/tmp/covlens-fixtures/ci-a/c/calc.c");
        assert_eq!(
            d.origin,
            TextOrigin::Dropped {
                name: "calc.c".into(),
                suffix: "calc.c".into()
            }
        );
        let text = String::from_utf8(repo_file("tests/fixtures/src/c/calc.c")).unwrap();
        assert_eq!(d.line_count, count_lines(&text));
        assert_eq!(d.text.as_deref(), Some(text.as_str()));
        let row = |n: u32| {
            let l = detail_of(&d.lines, n).unwrap();
            (
                l.hits,
                l.state,
                branch_text(&l.branches),
                shard_text(&l.shards, &d.shards),
            )
        };
        use LineState::*;
        // job1 `DA:6,2` + job2 `DA:6,1`; both jobs take one of the two branches each.
        assert_eq!(
            row(6),
            (
                Some(3),
                Covered,
                "2/2 taken".into(),
                "job1.info \u{d7}2, job2.info \u{d7}1".into()
            )
        );
        // Branch 0 taken by job1, branch 3 by job2, branch 4 by job1.
        assert_eq!(row(17).2, "3/5 taken; branches 1, 2 not taken");
        // job1 never evaluated line 42's branches (`-`); job2 took three of four.
        assert_eq!(row(42).2, "3/4 taken; branch 3 not taken");
        assert_eq!(row(42).1, Partial);
        assert_eq!(
            detail_of(&d.lines, 53).unwrap().functions,
            vec![FunctionMark {
                name: "never_called".into(),
                hits: 0
            }]
        );
        assert_eq!(row(53).1, Uncovered);
        // A path no dropped file ends with has no text, and says so.
        let h = st.file_detail("/tmp/covlens-fixtures/ci-a/c/driver.c");
        assert_eq!((h.text, h.origin), (None, TextOrigin::Missing));
        // Two dropped files that match equally well: no text, both named.
        st.load_bytes("b/calc.c", b"int b;\n");
        st.load_bytes("a/calc.c", b"int a;\n");
        let d = st.file_detail("/tmp/covlens-fixtures/ci-a/c/calc.c");
        assert_eq!(d.text, None);
        assert_eq!(
            d.origin,
            TextOrigin::Ambiguous {
                candidates: vec!["a/calc.c".into(), "b/calc.c".into(), "calc.c".into()],
                suffix: "calc.c".into()
            }
        );
        // A broken report keeps being a load error; binary files are not sources.
        st.load_bytes("coverage.txt", b"mode: what\n");
        st.load_bytes("blob.bin", b"\x00\x01");
        let v = st.view();
        assert_eq!(
            v.errors.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["coverage.txt", "blob.bin"]
        );
        assert!(!st.file_detail("nothing.c").found);
    }

    #[test]
    fn a_v8_report_carries_its_scripts_text() {
        let json = br#"[{"url":"file:///app/a.js","scriptId":"1","source":"function f() {}\nf();\n","functions":[{"functionName":"","isBlockCoverage":true,"ranges":[{"startOffset":0,"endOffset":21,"count":1}]},{"functionName":"f","isBlockCoverage":true,"ranges":[{"startOffset":0,"endOffset":15,"count":1}]}]}]"#;
        let mut st = crate::worker_state::WorkerState::new();
        st.load_bytes("page.json", json);
        let v = st.view();
        assert_eq!(v.errors, vec![]);
        assert_eq!(v.shards[0].format, "v8");
        let d = st.file_detail("/app/a.js");
        assert_eq!(
            d.origin,
            TextOrigin::Report {
                shard: "page.json".into()
            }
        );
        assert_eq!(d.text.as_deref(), Some("function f() {}\nf();\n"));
        assert_eq!(d.line_count, 2);
        assert_eq!(
            d.lines
                .iter()
                .map(|l| (l.line, l.hits, l.state))
                .collect::<Vec<_>>(),
            [
                (1, Some(1), LineState::Covered),
                (2, Some(1), LineState::Covered)
            ]
        );
        assert!(st.remove(v.shards[0].id));
        assert_eq!(st.file_detail("/app/a.js").origin, TextOrigin::Missing);
    }

    #[test]
    fn a_script_url_finds_its_text_by_path_suffix() {
        let mut ix = SourceIndex::new();
        ix.add("app/src/a b.js", "ab".into());
        ix.add("x/util.js", "x".into());
        ix.add("y/util.js", "y".into());
        assert_eq!(ix.script_text("file:///work/app/src/a%20b.js"), Some("ab"));
        assert_eq!(ix.script_text("/srv/src/a b.js"), Some("ab"));
        // A served script's URL is a path too (decoded as the report paths are).
        assert_eq!(
            ix.script_text("http://localhost:8080/static/a%20b.js"),
            Some("ab")
        );
        // A tie between `x/util.js` and `y/util.js` is no match; a longer suffix decides.
        assert_eq!(ix.script_text("file:///w/lib/util.js"), None);
        assert_eq!(ix.script_text("file:///w/y/util.js"), Some("y"));
        // Scripts of Node itself and eval'd code have no path.
        ix.add("events.js", "no".into());
        assert_eq!(ix.script_text("events.js"), None);
        assert_eq!(ix.script_text("node:events.js"), None);
        assert_eq!(ix.script_text(""), None);
    }

    #[test]
    fn line_states_follow_hits_and_branches() {
        use LineState::*;
        assert_eq!(line_state(Some(0), &[]), Uncovered);
        assert_eq!(line_state(Some(3), &[]), Covered);
        assert_eq!(
            line_state(Some(3), &[b("0", Some(1)), b("1", None)]),
            Partial
        );
        assert_eq!(
            line_state(Some(0), &[b("0", Some(1)), b("1", Some(0))]),
            Partial
        );
        assert_eq!(line_state(Some(0), &[b("0", None)]), Uncovered);
        assert_eq!(line_state(None, &[]), NotCoverable);
        assert_eq!(line_state(None, &[b("0", Some(2))]), Covered);
        assert_eq!(line_state(None, &[b("0", Some(0))]), Uncovered);
        assert_eq!(
            branch_text(&[b("0", None), b("1", None)]),
            "0/2 taken; branches 0, 1 never evaluated"
        );
    }

    #[test]
    fn sources_match_by_the_longest_whole_segment_suffix_and_ties_are_no_match() {
        let mut ix = SourceIndex::new();
        ix.add("calc.c", "one".into());
        ix.add("src/c/driver.c", "drv".into());
        ix.add("a/util/x.c", "ax".into());
        ix.add("b/util/x.c", "bx".into());
        ix.add("lib/x.c", "lx".into());
        ix.add("old/Y.c", "y".into());
        ix.add("mycalc.h", "no".into());
        let found = |p: &str| match ix.find(p) {
            SourceMatch::Found { index, suffix } => Some((ix.name(index).to_string(), suffix)),
            _ => None,
        };
        assert_eq!(
            found("/tmp/covlens-fixtures/ci-a/c/calc.c"),
            Some(("calc.c".into(), "calc.c".into()))
        );
        assert_eq!(
            found("/home/ci/src/c/driver.c"),
            Some(("src/c/driver.c".into(), "src/c/driver.c".into()))
        );
        // `c/driver.c` ends with `driver.c` but a segment is whole: `xdriver.c` is no match.
        assert_eq!(ix.find("/home/xdriver.c"), SourceMatch::None);
        assert_eq!(ix.find("calc.h"), SourceMatch::None);
        // One longer match wins over shorter ones.
        assert_eq!(
            found("/w/a/util/x.c"),
            Some(("a/util/x.c".into(), "a/util/x.c".into()))
        );
        // Two equally long matches: a tie, named.
        assert_eq!(
            ix.find("/w/util/x.c"),
            SourceMatch::Ambiguous {
                names: vec!["a/util/x.c".into(), "b/util/x.c".into()],
                suffix: "util/x.c".into()
            }
        );
        // Windows-style report paths compare case-insensitively.
        assert_eq!(
            found("C:\\Work\\OLD\\y.c"),
            Some(("old/Y.c".into(), "OLD/y.c".into()))
        );
        // Re-adding a name replaces its text.
        ix.add("calc.c", "two".into());
        assert_eq!(ix.len(), 7);
        assert!(matches!(
            ix.find("c/calc.c"),
            SourceMatch::Found { index: 0, .. }
        ));
        assert_eq!(ix.text(0), "two");
    }

    #[test]
    fn text_helpers_split_lines_exactly() {
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a"), 1);
        assert_eq!(count_lines("a\n"), 1);
        assert_eq!(count_lines("a\r\nb"), 2);
        let t = "int x;\r\n\nreturn 0;";
        let s = line_starts(t);
        assert_eq!(s, vec![0, 8, 9]);
        assert_eq!(line_text(t, &s, 1), "int x;");
        assert_eq!(line_text(t, &s, 2), "");
        assert_eq!(line_text(t, &s, 3), "return 0;");
        assert_eq!(line_text(t, &s, 4), "");
        assert_eq!(as_text(b"\xef\xbb\xbfint"), Some("int"));
        assert_eq!(as_text(b"a\0b"), None);
        assert_eq!(as_text(b"\xff"), None);
        assert!(looks_like_report_name("coverage.TXT"));
        assert!(!looks_like_report_name("calc.c"));
        assert_eq!(hits_text(None), "");
        assert_eq!(hits_text(Some(9_999)), "9999");
        assert_eq!(hits_text(Some(12_345)), "12k");
        assert_eq!(hits_text(Some(3_000_000_000)), "3G");
    }

    #[test]
    fn the_visible_range_is_the_viewport_plus_a_margin() {
        assert_eq!(visible_range(0.0, 400.0, 20.0, 20_000, 10), (0, 31));
        assert_eq!(
            visible_range(20_000.0, 400.0, 20.0, 20_000, 10),
            (990, 1031)
        );
        assert_eq!(
            visible_range(1e9, 400.0, 20.0, 20_000, 10),
            (20_000, 20_000)
        );
        assert_eq!(
            visible_range(399_600.0, 400.0, 20.0, 20_000, 10),
            (19_970, 20_000)
        );
        assert_eq!(visible_range(0.0, 400.0, 20.0, 0, 10), (0, 0));
    }
}
