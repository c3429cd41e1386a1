//! coverage.py JSON reader: the document's `files` object → one record per file.
//!
//! Rules (FORMATS.md §3, coverage.py's `jsonreport.py` and `results.py`), and why:
//! - Lines are statements: `executed_lines` are hit (stored as 1: coverage.py has no counts),
//!   `missing_lines` are not (0). `excluded_lines` are not statements and are dropped, also when an old
//!   coverage.py lists them as executed too (7.x intersects executed lines with statements). So the
//!   line totals are coverage.py's `num_statements` / `covered_lines`.
//! - Branches are the arcs of `executed_branches` (taken, 1) and `missing_branches` (not taken, 0),
//!   on their from line, so the branch totals are `num_branches` / `covered_branches`. An arc's
//!   identity is its destination, so arcs merge exactly across reports (`coverage combine` unions
//!   them): block 0, branch `to` for a jump to line `to`; block 1, branch `|to|` for a negative `to`,
//!   which coverage.py uses for "exit from the code object that starts at line |to|" (LCOV writes
//!   these as `BRDA:from,0,to,taken` and `BRDA:from,1,|to|,taken`).
//! - Functions come from the per-file `functions` regions (coverage.py 7.5+), named by their key (the
//!   qualified name, `Class.method`, `name@line` for a repeated name); the region `""` is the code
//!   outside any function and is not a function. A function is hit when one of its statements ran;
//!   a region without statements (excluded or empty) is left out. Without `functions`, none.
//! - `contexts`, `classes`, `meta` and `totals` are not kept. Each file's `summary` is compared with
//!   what the lists give, and a disagreement is a note.
//! - A file entry that does not have this shape (a list that is not numbers, an arc that is not a
//!   pair) is skipped with a diagnostic at its position; a number that is not a valid line (0,
//!   negative, above 2^32-1) is skipped with a diagnostic. JSON that does not parse is an error at
//!   its line and column.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::detect::Format;
use crate::diag::Diags;
use crate::diag::{Diagnostic, ParseError, Position, Severity};
use crate::formats::{ParseOptions, Sink};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

/// The block of an arc to a line.
pub(crate) const BLOCK_JUMP: u32 = 0;
/// The block of an arc that exits a code object (negative destination).
pub(crate) const BLOCK_EXIT: u32 = 1;

/// A string borrowed from the input when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The `files` object, its members in input order, each value kept as raw JSON text so that a broken
/// entry is reported at its position and skipped.
struct Files<'a>(Vec<(Str<'a>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Files<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Files<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of files")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    out.push((key, value));
                }
                Ok(Files(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow)]
    files: Option<Files<'a>>,
}

#[derive(Deserialize, Default)]
struct Summary {
    num_statements: Option<u64>,
    covered_lines: Option<u64>,
    num_branches: Option<u64>,
    covered_branches: Option<u64>,
}

#[derive(Deserialize)]
struct Region {
    #[serde(default)]
    executed_lines: Vec<i64>,
    #[serde(default)]
    missing_lines: Vec<i64>,
    start_line: Option<i64>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    executed_lines: Vec<i64>,
    #[serde(default)]
    missing_lines: Vec<i64>,
    #[serde(default)]
    excluded_lines: Vec<i64>,
    #[serde(default)]
    executed_branches: Vec<(i64, i64)>,
    #[serde(default)]
    missing_branches: Vec<(i64, i64)>,
    summary: Option<Summary>,
    functions: Option<BTreeMap<String, Region>>,
}

/// Line and column of increasing offsets, counted incrementally (entries come in input order, so the
/// input is scanned once in all).
struct Cursor {
    offset: usize,
    line: u64,
    line_start: usize,
}

impl Cursor {
    fn at(&mut self, input: &[u8], offset: usize) -> (u64, u64) {
        if offset < self.offset {
            let (line, column) = line_col(input, offset);
            return (line, column);
        }
        let span = &input[self.offset..offset.min(input.len())];
        self.line += memchr::memchr_iter(b'\n', span).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', span) {
            self.line_start = self.offset + i + 1;
        }
        self.offset = offset;
        (self.line, (offset - self.line_start) as u64 + 1)
    }
}

/// 1-based line and column of byte `offset` of `input`.
fn line_col(input: &[u8], offset: usize) -> (u64, u64) {
    let before = &input[..offset.min(input.len())];
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, (before.len() - line_start) as u64 + 1)
}

/// serde_json's message without its own " at line L column C" suffix (the position is kept apart).
fn message_of(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// Parses a whole coverage.py JSON report.
pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let bom = if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let body = &input[bom..];
    // serde would read a top-level array as the struct's fields in order: refuse anything but an object.
    if let Some(i) = body.iter().position(|c| !c.is_ascii_whitespace()) {
        if body[i] != b'{' {
            let (line, column) = line_col(input, bom + i);
            return Err(ParseError::new(
                Some(Format::CoveragepyJson),
                Some(Position::LineCol {
                    line,
                    column: Some(column),
                }),
                "expected a JSON object (a coverage.py report)",
            ));
        }
    }
    let doc: Document<'_> = serde_json::from_slice(body).map_err(|e| {
        let position = (e.line() > 0).then_some(Position::LineCol {
            line: e.line() as u64,
            column: Some(e.column() as u64 + u64::from(e.line() == 1) * bom as u64),
        });
        ParseError::new(Some(Format::CoveragepyJson), position, message_of(&e))
    })?;
    let Some(Files(files)) = doc.files else {
        return Err(ParseError::new(
            Some(Format::CoveragepyJson),
            None,
            "no `files` object: not a coverage.py JSON report",
        ));
    };
    let mut diags = Diags::new(options.max_diagnostics);
    let mut cursor = Cursor {
        offset: 0,
        line: 1,
        line_start: 0,
    };
    for (Str(path), raw) in files {
        let text = raw.get();
        let offset = text.as_ptr() as usize - body.as_ptr() as usize + bom;
        let (line, column) = cursor.at(input, offset);
        let at = Position::LineCol {
            line,
            column: Some(column),
        };
        let entry: Entry = match serde_json::from_str(text) {
            Ok(entry) => entry,
            Err(e) => {
                // The error's position is relative to the entry's text.
                let position = if e.line() <= 1 {
                    Position::LineCol {
                        line,
                        column: Some(column + e.column().saturating_sub(1) as u64),
                    }
                } else {
                    Position::LineCol {
                        line: line + e.line() as u64 - 1,
                        column: Some(e.column() as u64),
                    }
                };
                let message = message_of(&e);
                diags.push(Severity::Warning, Some(position), || {
                    format!(
                        "file entry `{path}` is not a coverage.py file object ({message}); skipped"
                    )
                });
                continue;
            }
        };
        let coverage = file_coverage(&path, entry, at, &mut diags);
        sink(FileRecord {
            path: path.into_owned(),
            coverage,
        });
    }
    Ok(diags.finish())
}

/// A list number as a line, or a diagnostic (`what` names it: `executed line 0`).
fn line_of(
    n: i64,
    path: &str,
    what: impl FnOnce() -> String,
    at: Position,
    diags: &mut Diags,
) -> Option<Line> {
    let line = u32::try_from(n).ok().and_then(Line::new);
    if line.is_none() {
        diags.push(Severity::Warning, Some(at), || {
            format!("`{path}`: {} is not a line number; skipped", what())
        });
    }
    line
}

fn file_coverage(path: &str, entry: Entry, at: Position, diags: &mut Diags) -> FileCoverage {
    let mut excluded: Vec<i64> = entry.excluded_lines;
    excluded.sort_unstable();
    let is_excluded = |n: i64| excluded.binary_search(&n).is_ok();

    let mut lines: Vec<LineHit> =
        Vec::with_capacity(entry.executed_lines.len() + entry.missing_lines.len());
    for (list, hits, what) in [
        (&entry.executed_lines, 1, "executed line"),
        (&entry.missing_lines, 0, "missing line"),
    ] {
        for &n in list {
            if hits == 1 && is_excluded(n) {
                continue;
            }
            if let Some(line) = line_of(n, path, || format!("{what} {n}"), at, diags) {
                lines.push(LineHit { line, hits });
            }
        }
    }
    lines.sort_by_key(|l| l.line);
    lines.dedup_by(|later, first| {
        if later.line == first.line {
            first.hits = first.hits.max(later.hits);
            true
        } else {
            false
        }
    });

    let mut branches: Vec<Branch> =
        Vec::with_capacity(entry.executed_branches.len() + entry.missing_branches.len());
    for (list, taken, what) in [
        (&entry.executed_branches, 1, "executed branch"),
        (&entry.missing_branches, 0, "missing branch"),
    ] {
        for &(from, to) in list {
            let what_from = || format!("{what} [{from}, {to}]: from line {from}");
            let Some(line) = line_of(from, path, what_from, at, diags) else {
                continue;
            };
            let (block, dest) = if to < 0 {
                (BLOCK_EXIT, to.unsigned_abs())
            } else {
                (BLOCK_JUMP, to as u64)
            };
            let Some(dest) = u32::try_from(dest).ok().filter(|&d| d > 0) else {
                diags.push(Severity::Warning, Some(at), || {
                    format!("`{path}`: {what} [{from}, {to}] has no valid destination; skipped")
                });
                continue;
            };
            branches.push(Branch {
                line,
                id: BranchId {
                    block,
                    branch: BranchName::Index(dest),
                    flags: 0,
                },
                taken: Some(taken),
            });
        }
    }
    branches.sort_by(|a, b| a.key().cmp(&b.key()));
    branches.dedup_by(|later, first| {
        if later.key() == first.key() {
            first.taken = first.taken.max(later.taken);
            true
        } else {
            false
        }
    });

    let mut functions = Vec::new();
    for (name, region) in entry.functions.into_iter().flatten() {
        if name.is_empty() {
            continue;
        }
        let executed = region
            .executed_lines
            .iter()
            .any(|&n| n > 0 && !is_excluded(n));
        let statements = executed || region.missing_lines.iter().any(|&n| n > 0);
        if !statements {
            continue;
        }
        let start = region
            .start_line
            .and_then(|n| u32::try_from(n).ok())
            .and_then(Line::new)
            .or_else(|| {
                let first = region
                    .executed_lines
                    .iter()
                    .chain(&region.missing_lines)
                    .copied()
                    .filter(|&n| n > 0)
                    .min()?;
                u32::try_from(first).ok().and_then(Line::new)
            });
        let Some(start) = start else {
            diags.push(Severity::Warning, Some(at), || {
                format!("`{path}`: function `{name}` has no valid start line; skipped")
            });
            continue;
        };
        functions.push(Function {
            name,
            start,
            end: None,
            hits: u64::from(executed),
        });
    }

    if let Some(s) = entry.summary {
        check_summary(path, &s, &lines, &branches, at, diags);
    }
    FileCoverage {
        lines,
        branches,
        functions,
        ..FileCoverage::default()
    }
}

/// Notes where the file's own `summary` disagrees with its lists.
fn check_summary(
    path: &str,
    s: &Summary,
    lines: &[LineHit],
    branches: &[Branch],
    at: Position,
    diags: &mut Diags,
) {
    let found = lines.len() as u64;
    let hit = lines.iter().filter(|l| l.hits > 0).count() as u64;
    if s.num_statements.is_some_and(|n| n != found) || s.covered_lines.is_some_and(|n| n != hit) {
        let (n, c) = (s.num_statements, s.covered_lines);
        diags.push(Severity::Note, Some(at), || {
            format!(
                "`{path}`: summary says {} statement(s), {} covered; the line lists give {found}, {hit} covered",
                n.map_or("?".into(), |v| v.to_string()),
                c.map_or("?".into(), |v| v.to_string())
            )
        });
    }
    let found = branches.len() as u64;
    let hit = branches.iter().filter(|b| b.taken.unwrap_or(0) > 0).count() as u64;
    // Reports made without --branch have no branch keys in their summary at all.
    if s.num_branches.is_some_and(|n| n != found) || s.covered_branches.is_some_and(|n| n != hit) {
        let (n, c) = (s.num_branches, s.covered_branches);
        diags.push(Severity::Note, Some(at), || {
            format!(
                "`{path}`: summary says {} branch(es), {} covered; the branch lists give {found}, {hit} covered",
                n.map_or("?".into(), |v| v.to_string()),
                c.map_or("?".into(), |v| v.to_string())
            )
        });
    }
}
