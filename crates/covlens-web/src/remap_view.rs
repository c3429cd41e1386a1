//! Source maps on the page, the pure half: what a shard row says about its remapping ([`RemapInfo`]),
//! the mapping inspector's messages ([`MappingQuery`], [`MappingView`]) and how an excerpt of a text
//! around mapped ranges is cut and marked ([`excerpt`]). Plain Rust, tested natively; the worker fills
//! these (`worker_state::remap`), `remap_panel` draws them.

use serde::{Deserialize, Serialize};

/// What remapping did to one shard (shown on its row).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RemapInfo {
    /// Generated files reported through a source map.
    pub generated: u64,
    /// Original files they became.
    pub originals: u64,
    /// Generated code not attributed, in the units the input counts (V8 ranges, Istanbul statements,
    /// functions and branches, report lines), summed.
    pub unmapped: u64,
    /// The same in words: `10 ranges`, `18 statements, 5 functions, 9 branches`.
    pub unmapped_text: String,
    /// Library sources left out (under `node_modules`, or in a map's `ignoreList`), sorted.
    pub excluded: Vec<String>,
    /// Where the maps came from, one phrase each: `source-map-cache`, `inputSourceMap`, `app.js.map`.
    pub via: Vec<String>,
}

impl RemapInfo {
    /// The row's note: `remapped 1 generated file to 2 original files through app.js.map; 10 ranges of
    /// generated code have no original (not counted); 1 library source left out`.
    pub fn note(&self) -> String {
        let mut out = format!(
            "remapped {} to {} through {}",
            plural(self.generated, "generated file", "generated files"),
            plural(self.originals, "original file", "original files"),
            if self.via.is_empty() {
                "source maps".to_string()
            } else {
                self.via.join(", ")
            }
        );
        if self.unmapped > 0 {
            out += &format!(
                "; {} of generated code {} no original (not counted)",
                self.unmapped_text,
                if self.unmapped == 1 { "has" } else { "have" }
            );
        }
        if !self.excluded.is_empty() {
            out += &format!(
                "; {} left out (under node_modules or ignored by the map)",
                plural(
                    self.excluded.len() as u64,
                    "library source",
                    "library sources"
                )
            );
        }
        out
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    crate::view::plural(n, one, many)
}

/// The mapping inspector asks: what corresponds to lines `first..=last` (1-based) of `path`?
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MappingQuery {
    pub path: String,
    pub first: u32,
    pub last: u32,
}

/// Which way a query went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// `path` is an original source: the counterparts are generated code.
    ToGenerated,
    /// `path` is generated code: the counterparts are original sources.
    ToOriginal,
}

impl Direction {
    pub fn id(self) -> &'static str {
        match self {
            Direction::ToGenerated => "to-generated",
            Direction::ToOriginal => "to-original",
        }
    }
}

/// A run of one line, 1-based line, columns in UTF-16 code units (as source maps count them) from
/// `start` to `end` (exclusive; `None`: to the end of the line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub line: u32,
    pub start: u32,
    pub end: Option<u32>,
}

/// A piece of an excerpt line, marked when it lies in a mapped span.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Part {
    pub text: String,
    pub mark: bool,
}

/// One line of an excerpt.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExcerptLine {
    /// 1-based.
    pub line: u32,
    pub parts: Vec<Part>,
    /// The line is longer than shown: text was cut before / after the parts.
    pub cut_before: bool,
    pub cut_after: bool,
}

impl ExcerptLine {
    pub fn marked(&self) -> bool {
        self.parts.iter().any(|p| p.mark)
    }
    /// The marked text of the line, pieces joined by `…` when several.
    pub fn marked_text(&self) -> String {
        self.parts
            .iter()
            .filter(|p| p.mark)
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\u{2026}")
    }
}

/// The code on the other side of a map for the queried lines.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Counterpart {
    /// The generated file (or original source) as the report names it.
    pub path: String,
    /// The input whose map it is.
    pub shard: String,
    /// Where the map came from: `source-map-cache`, `inputSourceMap`, `inline sourceMappingURL`, or
    /// the dropped map's name.
    pub map: String,
    pub spans: Vec<Span>,
    /// The text around the spans, marked; empty when the text is not known.
    pub excerpt: Vec<ExcerptLine>,
    /// Why there is no excerpt, when there is none.
    pub note: Option<String>,
}

/// The inspector's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MappingView {
    pub query: MappingQuery,
    /// `None` when no loaded map knows the path (the panel stays hidden).
    pub direction: Option<Direction>,
    pub counterparts: Vec<Counterpart>,
}

impl MappingView {
    /// The panel's heading.
    pub fn title(&self) -> String {
        let lines = if self.query.first == self.query.last {
            format!("line {}", self.query.first)
        } else {
            format!("lines {}\u{2013}{}", self.query.first, self.query.last)
        };
        let name = file_name(&self.query.path);
        match self.direction {
            Some(Direction::ToGenerated) => format!("Generated code of {lines} of {name}"),
            Some(Direction::ToOriginal) => format!("Original source of {lines} of {name}"),
            None => format!("No source map knows {name}"),
        }
    }

    /// What the panel says when there is nothing to show.
    pub fn empty_text(&self) -> Option<String> {
        if self.direction.is_some() && self.counterparts.iter().all(|c| c.spans.is_empty()) {
            Some(match self.direction {
                Some(Direction::ToGenerated) => {
                    "no generated code maps to these lines (types, comments, or code the bundler dropped)"
                        .to_string()
                }
                _ => "no original position for these generated lines (bundler or compiler helpers)"
                    .to_string(),
            })
        } else {
            None
        }
    }
}

/// The last segment of a path or URL.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Lines of context shown around the marked lines of an excerpt.
pub const CONTEXT_LINES: u32 = 2;
/// At most this many lines are listed in one excerpt (a span of a whole bundle is cut).
pub const MAX_EXCERPT_LINES: usize = 40;
/// Characters shown of a long line (minified bundles), around its first mark.
pub const MAX_LINE_CHARS: usize = 160;
/// Characters shown before the first mark of a cut line.
const LEAD_CHARS: usize = 40;

/// The byte offset in `line` of UTF-16 column `col` (clamped to the line).
pub fn byte_of_utf16(line: &str, col: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= col {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    line.len()
}

/// Cuts `text` around `spans`: each marked line with [`CONTEXT_LINES`] lines around it (at most
/// [`MAX_EXCERPT_LINES`] in all), the spans marked, long lines cut to [`MAX_LINE_CHARS`] characters
/// around their first mark. Spans on lines past the text are ignored.
pub fn excerpt(text: &str, spans: &[Span]) -> Vec<ExcerptLine> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let count = crate::source::count_lines(text);
    let mut marked: Vec<u32> = spans
        .iter()
        .map(|s| s.line)
        .filter(|&l| l >= 1 && l <= count)
        .collect();
    marked.sort_unstable();
    marked.dedup();
    let mut shown: Vec<u32> = Vec::new();
    for &m in &marked {
        let from = m.saturating_sub(CONTEXT_LINES).max(1);
        let to = (m + CONTEXT_LINES).min(count);
        for l in from..=to {
            if shown.last().is_none_or(|&last| l > last) {
                shown.push(l);
            }
        }
    }
    shown.truncate(MAX_EXCERPT_LINES);
    shown
        .into_iter()
        .map(|n| {
            let line = lines[n as usize - 1];
            let mut cuts: Vec<(usize, usize)> = spans
                .iter()
                .filter(|s| s.line == n)
                .map(|s| {
                    let a = byte_of_utf16(line, s.start);
                    let b = s.end.map_or(line.len(), |e| byte_of_utf16(line, e));
                    (a, b.max(a))
                })
                .filter(|(a, b)| b > a)
                .collect();
            cuts.sort_unstable();
            // Merge overlapping spans.
            let mut merged: Vec<(usize, usize)> = Vec::new();
            for (a, b) in cuts {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            // The window of the line shown (by characters).
            let chars = line.chars().count();
            let (win_a, win_b) = if chars <= MAX_LINE_CHARS {
                (0, line.len())
            } else {
                let first = merged.first().map_or(0, |m| m.0);
                let first_char = line[..first].chars().count();
                let start_char = first_char.saturating_sub(LEAD_CHARS);
                let end_char = (start_char + MAX_LINE_CHARS).min(chars);
                let byte = |c: usize| line.char_indices().nth(c).map_or(line.len(), |(i, _)| i);
                (byte(start_char), byte(end_char))
            };
            let mut parts: Vec<Part> = Vec::new();
            let mut push = |text: &str, mark: bool| {
                if text.is_empty() {
                    return;
                }
                match parts.last_mut() {
                    Some(p) if p.mark == mark => p.text.push_str(text),
                    _ => parts.push(Part {
                        text: text.to_string(),
                        mark,
                    }),
                }
            };
            let mut at = win_a;
            for (a, b) in merged {
                let (a, b) = (a.clamp(win_a, win_b), b.clamp(win_a, win_b));
                if a > at {
                    push(&line[at..a], false);
                }
                if b > a.max(at) {
                    push(&line[a.max(at)..b], true);
                }
                at = at.max(b);
            }
            if win_b > at {
                push(&line[at..win_b], false);
            }
            ExcerptLine {
                line: n,
                parts,
                cut_before: win_a > 0,
                cut_after: win_b < line.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(line: u32, start: u32, end: Option<u32>) -> Span {
        Span { line, start, end }
    }

    #[test]
    fn an_excerpt_marks_spans_with_context_lines() {
        let text = "a\nb\nlet x = f(1);\nd\ne\nf\ng\nh\n";
        let ex = excerpt(text, &[span(3, 4, Some(5)), span(3, 8, None)]);
        let lines: Vec<u32> = ex.iter().map(|l| l.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5]);
        assert_eq!(
            ex[2].parts,
            [
                Part {
                    text: "let ".into(),
                    mark: false
                },
                Part {
                    text: "x".into(),
                    mark: true
                },
                Part {
                    text: " = ".into(),
                    mark: false
                },
                Part {
                    text: "f(1);".into(),
                    mark: true
                },
            ]
        );
        assert_eq!(ex[2].marked_text(), "x\u{2026}f(1);");
        assert!(!ex[0].marked() && ex[2].marked());
        // Two marked lines far apart give two blocks; spans past the text are ignored.
        let ex = excerpt(
            text,
            &[span(1, 0, None), span(8, 0, Some(1)), span(99, 0, None)],
        );
        let lines: Vec<u32> = ex.iter().map(|l| l.line).collect();
        assert_eq!(lines, [1, 2, 3, 6, 7, 8]);
    }

    #[test]
    fn columns_are_utf16_units_and_long_lines_are_cut_around_the_mark() {
        // `é` is one UTF-16 unit and two bytes; `😀` two units and four bytes.
        let line = "é😀ab";
        assert_eq!(byte_of_utf16(line, 0), 0);
        assert_eq!(byte_of_utf16(line, 1), 2);
        assert_eq!(byte_of_utf16(line, 3), 6);
        assert_eq!(byte_of_utf16(line, 9), line.len());
        let ex = excerpt(line, &[span(1, 3, Some(4))]);
        assert_eq!(ex[0].marked_text(), "a");
        // A 1000-character minified line: 160 characters from 40 before the mark.
        let long = format!("{}MARK{}", "x".repeat(500), "y".repeat(496));
        let ex = excerpt(&long, &[span(1, 500, Some(504))]);
        let shown: String = ex[0].parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(shown.len(), MAX_LINE_CHARS);
        assert!(shown.starts_with(&"x".repeat(40)));
        assert_eq!(ex[0].marked_text(), "MARK");
        assert!(ex[0].cut_before && ex[0].cut_after);
    }

    #[test]
    fn notes_and_titles() {
        let info = RemapInfo {
            generated: 1,
            originals: 2,
            unmapped: 10,
            unmapped_text: "10 ranges".into(),
            excluded: vec!["/x/node_modules/p/index.js".into()],
            via: vec!["source-map-cache".into()],
        };
        assert_eq!(
            info.note(),
            "remapped 1 generated file to 2 original files through source-map-cache; 10 ranges of generated code have no original (not counted); 1 library source left out (under node_modules or ignored by the map)"
        );
        let v = MappingView {
            query: MappingQuery {
                path: "/a/src/main.ts".into(),
                first: 3,
                last: 5,
            },
            direction: Some(Direction::ToGenerated),
            counterparts: vec![],
        };
        assert_eq!(v.title(), "Generated code of lines 3\u{2013}5 of main.ts");
        assert!(v.empty_text().unwrap().starts_with("no generated code"));
    }
}
