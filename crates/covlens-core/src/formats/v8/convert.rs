//! V8 script coverage → model, ported from c8's pipeline (@bcoe/v8-coverage normalisation, then
//! v8-to-istanbul); the rules are listed in the module doc of `formats::v8`.

use std::collections::BTreeMap;

use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, Function, Line, LineHit, StatementBlock,
};

use super::wire::{CoverageRange, FunctionCoverage};

/// One line of the script text (v8-to-istanbul `lib/line.js`): absolute UTF-16 offsets, the end
/// excluding the line terminator.
#[derive(Clone, Debug)]
pub(crate) struct CovLine {
    start: u64,
    end: u64,
    count: u64,
    ignore: bool,
}

/// The script text split into lines (v8-to-istanbul `lib/source.js`).
pub(crate) struct CovSource {
    lines: Vec<CovLine>,
    eof: u64,
}

/// JavaScript's `WhiteSpace` and `LineTerminator`, what `String.prototype.trimEnd` removes.
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{B}'
            | '\u{C}'
            | ' '
            | '\u{A0}'
            | '\u{FEFF}'
            | '\n'
            | '\r'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

fn utf16_len(s: &str) -> u64 {
    s.chars().map(|c| c.len_utf16() as u64).sum()
}

/// What an ignore comment on a line says (`_parseIgnore`).
#[derive(Debug, PartialEq, Eq)]
enum Ignore {
    Next(u64),
    Start,
    Stop,
}

/// `\W` of a JavaScript regular expression without the `u` flag: not `[A-Za-z0-9_]`.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The v8-to-istanbul 9.3 ignore-comment rules, in its order (`lib/source.js` `_parseIgnore`).
fn parse_ignore(line: &str) -> Option<Ignore> {
    const TOOLS: [&str; 3] = ["c8", "v8", "node:coverage"];
    // Positions where `^\W*` can end: every char boundary up to the first word character.
    let first_word = line.find(is_word).unwrap_or(line.len());
    let lead: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .take_while(|&i| i <= first_word)
        .collect();
    // `/* <tool> ignore next` at `at`, and what follows it.
    let next_at = |at: usize| -> Option<&str> {
        let rest = line[at..].strip_prefix("/* ")?;
        TOOLS
            .iter()
            .find_map(|t| rest.strip_prefix(t)?.strip_prefix(" ignore next"))
    };
    // /^\W*\/\* (?:[cv]8|node:coverage) ignore next (?<count>[0-9]+)/
    for &at in &lead {
        if let Some(rest) = next_at(at).and_then(|r| r.strip_prefix(' ')) {
            let digits: &str = &rest[..rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len())];
            if !digits.is_empty() {
                let n = digits.bytes().fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                return Some(Ignore::Next(n));
            }
        }
    }
    // /^\W*\/\* (?:[cv]8|node:coverage) ignore next/
    if lead.iter().any(|&at| next_at(at).is_some()) {
        return Some(Ignore::Next(1));
    }
    // /\/\* ([cv]8|node:coverage) ignore next/ anywhere: this line only.
    if line
        .match_indices("/* ")
        .any(|(at, _)| next_at(at).is_some())
    {
        return Some(Ignore::Next(0));
    }
    // /\/\* [c|v]8 ignore (?<mode>start|stop)/ (the class admits `|` too), leftmost match.
    for (at, _) in line.match_indices("/* ") {
        let rest = &line[at + 3..];
        let Some(rest) = rest
            .strip_prefix(['c', '|', 'v'])
            .and_then(|r| r.strip_prefix("8 ignore "))
        else {
            continue;
        };
        if rest.starts_with("start") {
            return Some(Ignore::Start);
        }
        if rest.starts_with("stop") {
            return Some(Ignore::Stop);
        }
    }
    // /\/\* node:coverage (?<mode>enable|disable)/, leftmost match.
    for (at, _) in line.match_indices("/* node:coverage ") {
        let rest = &line[at + "/* node:coverage ".len()..];
        if rest.starts_with("disable") {
            return Some(Ignore::Start);
        }
        if rest.starts_with("enable") {
            return Some(Ignore::Stop);
        }
    }
    None
}

impl CovSource {
    /// `new CovSource(text, 0)`: trailing white space trimmed, lines split after each `\n`.
    pub(crate) fn new(text: &str) -> CovSource {
        let text = text.trim_end_matches(js_space);
        let mut lines = Vec::new();
        let mut position = 0u64;
        let mut ignore_count = 0u64;
        let mut ignore_all = false;
        let pieces: Box<dyn Iterator<Item = &str>> = if text.is_empty() {
            Box::new(std::iter::once(""))
        } else {
            Box::new(text.split_inclusive('\n'))
        };
        for piece in pieces {
            let len = utf16_len(piece);
            let terminator = if piece.ends_with("\r\n") {
                2
            } else if piece.ends_with('\n') {
                1
            } else {
                0
            };
            let mut line = CovLine {
                start: position,
                end: position + len - terminator,
                count: 1,
                ignore: false,
            };
            if ignore_count > 0 {
                line.ignore = true;
                ignore_count -= 1;
            } else if ignore_all {
                line.ignore = true;
            }
            position += len;
            if let Some(token) = parse_ignore(piece) {
                line.ignore = true;
                match token {
                    Ignore::Next(n) => ignore_count = n,
                    Ignore::Start => {
                        ignore_all = true;
                        ignore_count = 0;
                    }
                    Ignore::Stop => {
                        ignore_all = false;
                        ignore_count = 0;
                    }
                }
            }
            lines.push(line);
        }
        CovSource {
            lines,
            eof: utf16_len(text),
        }
    }

    /// The text's length after trimming (UTF-16 code units).
    pub(crate) fn eof(&self) -> u64 {
        self.eof
    }

    /// Each line's (start, end) offsets, the end excluding the terminator.
    pub(crate) fn spans(&self) -> Vec<(u64, u64)> {
        self.lines.iter().map(|l| (l.start, l.end)).collect()
    }

    /// `relativeToOffset(line, relCol)` of v8-to-istanbul `lib/source.js`: 1-based `line` (values
    /// below 1 mean 1), `rel` clamped to the line's end; past the last line, the end of the text.
    pub(crate) fn relative_to_offset(&self, line: i64, rel: i64) -> u64 {
        let line = line.max(1) as usize;
        match self.lines.get(line - 1) {
            None => self.eof,
            Some(l) => {
                let at = (l.start as i64).saturating_add(rel).min(l.end as i64);
                at.max(0) as u64
            }
        }
    }

    /// The lines a range touches (`lib/range.js` `sliceRange`, not inclusive): those with
    /// `start_col < line.end && end_col >= line.start`, a contiguous run since lines are sorted.
    fn slice(&self, start_col: u64, end_col: u64) -> std::ops::Range<usize> {
        let first = self.lines.partition_point(|l| l.end <= start_col);
        let last = self.lines.partition_point(|l| l.start <= end_col);
        first..last.max(first)
    }
}

/// @bcoe/v8-coverage `RangeTree` (`src/lib/range-tree.js`), for one function's normalisation.
struct Tree {
    start: u64,
    end: u64,
    delta: i128,
    children: Vec<Tree>,
}

/// Nesting deeper than this is not normalised (recursion bound); V8 never nests that deep.
const MAX_DEPTH: usize = 256;

/// `normalizeFunctionCov`: ranges sorted (start ascending, end descending), made a tree, nested
/// ranges re-parented by `startOffset < parent.end`, adjacent siblings with the same count joined, a
/// single child spanning its parent folded into it; `None` when nesting is too deep.
fn normalize_ranges(ranges: &[CoverageRange]) -> Option<Vec<CoverageRange>> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by(|a, b| {
        a.start_offset
            .cmp(&b.start_offset)
            .then(b.end_offset.cmp(&a.end_offset))
    });
    let (root, rest) = sorted.split_first()?;
    // `fromSortedRanges`, in an arena: (start, end, delta, children).
    let mut nodes: Vec<(u64, u64, i128, Vec<usize>)> = vec![(
        root.start_offset,
        root.end_offset,
        i128::from(root.count),
        Vec::new(),
    )];
    let mut stack: Vec<(usize, i128)> = vec![(0, i128::from(root.count))];
    for r in rest {
        // The innermost open range the range starts inside; the last one popped when none is.
        let (parent, parent_count) = loop {
            let top = stack[stack.len() - 1];
            if r.start_offset < nodes[top.0].1 {
                break top;
            }
            stack.pop();
            if stack.is_empty() {
                break top;
            }
        };
        let id = nodes.len();
        nodes.push((
            r.start_offset,
            r.end_offset,
            i128::from(r.count) - parent_count,
            Vec::new(),
        ));
        nodes[parent].3.push(id);
        stack.push((id, i128::from(r.count)));
        if stack.len() > MAX_DEPTH {
            return None;
        }
    }
    fn build(nodes: &mut [(u64, u64, i128, Vec<usize>)], i: usize) -> Tree {
        let children = std::mem::take(&mut nodes[i].3);
        Tree {
            start: nodes[i].0,
            end: nodes[i].1,
            delta: nodes[i].2,
            children: children.into_iter().map(|c| build(nodes, c)).collect(),
        }
    }
    let mut tree = build(&mut nodes, 0);
    normalize_tree(&mut tree);
    // `toRanges`: pre-order, counts = parent count + delta.
    let mut out = Vec::new();
    let mut todo: Vec<(&Tree, i128)> = vec![(&tree, 0)];
    while let Some((t, parent_count)) = todo.pop() {
        let count = parent_count + t.delta;
        out.push(CoverageRange {
            start_offset: t.start,
            end_offset: t.end,
            count: u64::try_from(count.max(0)).unwrap_or(u64::MAX),
        });
        for c in t.children.iter().rev() {
            todo.push((c, count));
        }
    }
    Some(out)
}

/// `RangeTree.normalize`.
fn normalize_tree(tree: &mut Tree) {
    fn end_chain(head: Tree, tail: &mut Vec<Tree>, out: &mut Vec<Tree>) {
        let mut head = head;
        if let Some(last) = tail.last() {
            head.end = last.end;
            for t in tail.drain(..) {
                for mut sub in t.children {
                    sub.delta += t.delta - head.delta;
                    head.children.push(sub);
                }
            }
        }
        normalize_tree(&mut head);
        out.push(head);
    }
    let mut children = Vec::new();
    let mut head: Option<Tree> = None;
    let mut tail = Vec::new();
    let mut cur_end = None;
    for child in std::mem::take(&mut tree.children) {
        let child_end = child.end;
        match head.take() {
            None => head = Some(child),
            Some(h) if child.delta == h.delta && Some(child.start) == cur_end => {
                tail.push(child);
                head = Some(h);
            }
            Some(h) => {
                end_chain(h, &mut tail, &mut children);
                head = Some(child);
            }
        }
        cur_end = Some(child_end);
    }
    if let Some(h) = head {
        end_chain(h, &mut tail, &mut children);
    }
    if children.len() == 1 && children[0].start == tree.start && children[0].end == tree.end {
        let child = children.pop().expect("one child");
        tree.delta += child.delta;
        tree.children = child.children;
        return;
    }
    tree.children = children;
}

/// `deepNormalizeScriptCov`: each function normalised, then functions sorted by root range.
/// Returns how many functions were too deeply nested to normalise (kept as they were).
pub(crate) fn normalize_script(functions: &mut [FunctionCoverage]) -> usize {
    let mut too_deep = 0;
    for f in functions.iter_mut() {
        match normalize_ranges(&f.ranges) {
            Some(r) => f.ranges = r,
            None => too_deep += 1,
        }
    }
    functions.sort_by(|a, b| {
        let (a, b) = (a.ranges[0], b.ranges[0]);
        a.start_offset
            .cmp(&b.start_offset)
            .then(b.end_offset.cmp(&a.end_offset))
    });
    too_deep
}

/// A function found by [`apply_range`].
pub(crate) struct Found {
    name: String,
    start_line: usize,
    start_col: i64,
    end_line: usize,
    count: u64,
}

/// What [`apply_range`] gathers for one target text: branches (line, column, length, count) and
/// named functions, in order.
#[derive(Default)]
pub(crate) struct Gathered {
    branches: Vec<(usize, i64, u64, u64)>,
    found: Vec<Found>,
}

/// One range of `f` (its `i`-th) over `[start_col, end_col)` of `source` (`applyCoverage`'s loop body).
pub(crate) fn apply_range(
    source: &mut CovSource,
    gathered: &mut Gathered,
    f: &FunctionCoverage,
    i: usize,
    start_col: u64,
    end_col: u64,
    count: u64,
) {
    let span = source.slice(start_col, end_col);
    if span.is_empty() {
        return;
    }
    let (first, last) = (span.start, span.end - 1);
    let rel = start_col as i64 - source.lines[first].start as i64;
    if f.is_block_coverage {
        gathered
            .branches
            .push((first, rel, end_col.saturating_sub(start_col), count));
    }
    if !f.function_name.is_empty() && (i == 0 || !f.is_block_coverage) {
        gathered.found.push(Found {
            name: f.function_name.clone(),
            start_line: first,
            start_col: rel,
            end_line: last,
            count,
        });
    }
    for line in &mut source.lines[span] {
        if start_col <= line.start && end_col >= line.end && !line.ignore {
            line.count = count;
        }
    }
}

/// Lines, branches and functions of one script with its text (`applyCoverage` + `toIstanbul`).
pub(crate) fn with_text(source: &mut CovSource, functions: &[FunctionCoverage]) -> FileCoverage {
    let mut gathered = Gathered::default();
    for f in functions {
        for (i, r) in f.ranges.iter().enumerate() {
            let end_col = r.end_offset.min(source.eof);
            apply_range(
                source,
                &mut gathered,
                f,
                i,
                r.start_offset,
                end_col,
                r.count,
            );
        }
    }
    finish(source, gathered)
}

/// The file's coverage from its lines and what [`apply_range`] gathered (`toIstanbul`).
pub(crate) fn finish(source: &CovSource, gathered: Gathered) -> FileCoverage {
    let Gathered { branches, found } = gathered;
    let line_no = |i: usize| Line::from_zero_based(u32::try_from(i).unwrap_or(u32::MAX - 1));
    let ignored = |i: usize| source.lines[i].ignore;
    let mut fc = FileCoverage::default();
    for (i, l) in source.lines.iter().enumerate() {
        let hits = if l.ignore { 1 } else { l.count };
        fc.lines.push(LineHit {
            line: line_no(i),
            hits,
        });
        fc.statements.push(StatementBlock {
            start: line_no(i),
            start_col: 0,
            end: line_no(i),
            end_col: u32::try_from(l.end - l.start).unwrap_or(u32::MAX),
            statements: 1,
            hits,
        });
    }
    for (line, col, len, count) in branches {
        fc.branches.push(Branch {
            line: line_no(line),
            id: BranchId {
                block: u32::try_from(col.max(0)).unwrap_or(u32::MAX),
                branch: BranchName::Index(u32::try_from(len).unwrap_or(u32::MAX)),
                flags: 0,
            },
            taken: Some(if ignored(line) { 1 } else { count }),
        });
    }
    let mut uses: BTreeMap<&str, u32> = BTreeMap::new();
    for f in &found {
        *uses.entry(f.name.as_str()).or_insert(0) += 1;
    }
    for f in &found {
        let name = if uses[f.name.as_str()] > 1 {
            format!("{}@{}:{}", f.name, f.start_line + 1, f.start_col)
        } else {
            f.name.clone()
        };
        fc.functions.push(Function {
            name,
            start: line_no(f.start_line),
            end: Some(line_no(f.end_line)),
            hits: if ignored(f.start_line) { 1 } else { f.count },
        });
    }
    fc
}

/// The functions v8-to-istanbul would count in a script (named ones: the first range of a block
/// coverage function, every range otherwise), as (found, hit), for the notice of a script without text.
pub(crate) fn named_functions(functions: &[FunctionCoverage]) -> (u64, u64) {
    let (mut found, mut hit) = (0u64, 0u64);
    for f in functions.iter().filter(|f| !f.function_name.is_empty()) {
        let take = if f.is_block_coverage {
            1
        } else {
            f.ranges.len()
        };
        for r in f.ranges.iter().take(take) {
            found += 1;
            hit += u64::from(r.count > 0);
        }
    }
    (found, hit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_comments_follow_v8_to_istanbul() {
        assert_eq!(
            parse_ignore("/* c8 ignore next */\n"),
            Some(Ignore::Next(1))
        );
        assert_eq!(
            parse_ignore("  /* v8 ignore next 3 */"),
            Some(Ignore::Next(3))
        );
        assert_eq!(
            parse_ignore("x(); /* c8 ignore next */"),
            Some(Ignore::Next(0))
        );
        assert_eq!(
            parse_ignore("/* node:coverage ignore next 2 */"),
            Some(Ignore::Next(2))
        );
        assert_eq!(parse_ignore("a /* c8 ignore start */"), Some(Ignore::Start));
        assert_eq!(parse_ignore("/* |8 ignore stop */"), Some(Ignore::Stop));
        assert_eq!(
            parse_ignore("/* node:coverage disable */"),
            Some(Ignore::Start)
        );
        assert_eq!(parse_ignore("// c8 ignore next"), None);
        assert_eq!(parse_ignore("/*c8 ignore next*/"), None);
    }

    #[test]
    fn lines_count_utf16_and_crlf() {
        let s = CovSource::new("a😀\r\n\r\nb\n \n\t");
        let spans: Vec<(u64, u64)> = s.lines.iter().map(|l| (l.start, l.end)).collect();
        // "a😀" is 3 UTF-16 units; trailing white space is trimmed, so "b" ends the text.
        assert_eq!(spans, vec![(0, 3), (5, 5), (7, 8)]);
        assert_eq!(s.eof, 8);
        assert_eq!(s.slice(0, 3), 0..1);
        assert_eq!(s.slice(4, 7), 1..3);
    }

    #[test]
    fn normalisation_joins_and_folds() {
        let r = |s, e, c| CoverageRange {
            start_offset: s,
            end_offset: e,
            count: c,
        };
        // Two adjacent children with the same count join; a child spanning its parent folds.
        assert_eq!(
            normalize_ranges(&[r(0, 10, 1), r(2, 4, 0), r(4, 6, 0)]),
            Some(vec![r(0, 10, 1), r(2, 6, 0)])
        );
        assert_eq!(
            normalize_ranges(&[r(0, 10, 1), r(0, 10, 5)]),
            Some(vec![r(0, 10, 5)])
        );
    }
}
