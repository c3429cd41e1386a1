//! The reader of Istanbul coverage maps: every file object → one record, with istanbul's own rules.
//!
//! Rules (istanbul-lib-coverage `FileCoverage`, istanbul-reports `lcovonly`), and why:
//! - **Shapes**: a coverage map `{"<path>": FileCoverage, ...}` (nyc's `coverage-final.json`, Jest's
//!   layout with `"\n,"` between entries, `.nyc_output/*.json`); a single `FileCoverage` object (its
//!   `path`, or `""` without one); an istanbul-reports spec wrapper whose `map` member is the coverage
//!   map (the other members are strings); a map value wrapped as `{"data": FileCoverage}`.
//! - **Lines** follow `getLineCoverage()`: for every statement counted in `s`, its line is the start
//!   line of its `statementMap` range, and a line's count is the *largest* count of the statements
//!   starting on it (not their sum). Lines found / hit are then nyc's `Lines` total / covered.
//! - **Statements**: each counted statement is a [`StatementBlock`] of one statement at its range (a
//!   missing or `null` column is 0, a missing end is the start), so `Totals::statements` is nyc's
//!   `Statements` total / covered.
//! - **Functions**: one per `f` entry (nyc counts `f`), named by its `fnMap` name, starting at
//!   `decl.start.line`, else `loc.start.line`, else `line` (istanbul 0.x has no `decl`), ending at
//!   `loc.end.line`. The model merges functions by name, and JavaScript repeats names within a file
//!   (two classes' `constructor`); a name used more than once in a file becomes `name@line:column` at
//!   each use (the declaration's start), so every function stays apart and FNF equals nyc's.
//! - **Branches**: one per count of `b[id]` (nyc counts the `b` arrays, whatever `locations` holds;
//!   Jest's remapped `if` can have one location), on `branchMap[id].loc.start.line` (as `lcovonly`
//!   writes BRDA), else `line`, else the first location's; the identity is block = the numeric id,
//!   branch = the location index, which is istanbul's BRDA `line,id,index`.
//! - **Merging**: istanbul merges two coverages of a file statement by statement (by range); covlens
//!   merges the model, line by line, so a merged line count is the sum of the per-input line counts
//!   (each the max of its statements), which can exceed istanbul's max of summed statements. Which
//!   lines, branches and functions are hit, and so every total, is the same.
//! - `inputSourceMap` (the instrumented code was generated) is not applied yet: a note says so, and the
//!   positions are those of the generated code. `bT`, `hash`, `_coverageSchema`, `contentHash`, branch
//!   `type` and `all` are not kept.
//! - A file object that is not of this shape is skipped with a warning at its position; counts that are
//!   negative are clamped to 0, fractions dropped, with a warning; an id without a map entry is skipped
//!   with a warning (istanbul ignores a statement without one silently). JSON that does not parse is an
//!   error at its line and column.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError, Position};
use crate::formats::jsonpos::{self, CountIs, Diags, LineIndex, Num};
use crate::formats::{ParseOptions, Sink};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit, StatementBlock,
};

/// An object's members in input order, each value kept as raw JSON text.
pub(crate) struct Members<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    out.push((key.0, value));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A string borrowed from the input when it has no escapes.
pub(crate) struct Key<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A position: 1-based line, 0-based column; either may be missing or `null` (Jest's remapped ends,
/// the `{}` of an implicit `else`).
#[derive(Deserialize, Default, Clone, Copy)]
struct Pos {
    #[serde(default)]
    line: Option<Num>,
    #[serde(default)]
    column: Option<Num>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct Range {
    #[serde(default)]
    start: Option<Pos>,
    #[serde(default)]
    end: Option<Pos>,
}

impl Range {
    fn start_line(&self) -> Option<u32> {
        self.start
            .and_then(|p| p.line)
            .and_then(jsonpos::line_number)
    }
}

#[derive(Deserialize)]
struct FnMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    decl: Option<Range>,
    #[serde(default)]
    loc: Option<Range>,
    #[serde(default)]
    line: Option<Num>,
}

#[derive(Deserialize)]
struct BranchMeta {
    #[serde(default)]
    loc: Option<Range>,
    #[serde(default)]
    locations: Vec<Option<Range>>,
    #[serde(default)]
    line: Option<Num>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileWire {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    statement_map: Option<BTreeMap<String, Range>>,
    #[serde(default)]
    fn_map: Option<BTreeMap<String, FnMeta>>,
    #[serde(default)]
    branch_map: Option<BTreeMap<String, BranchMeta>>,
    #[serde(default)]
    s: BTreeMap<String, Num>,
    #[serde(default)]
    f: BTreeMap<String, Num>,
    #[serde(default)]
    b: BTreeMap<String, Vec<Num>>,
    #[serde(default)]
    input_source_map: Option<IgnoredAny>,
}

/// A map value of the older `{"data": FileCoverage}` form.
#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    data: &'a RawValue,
}

/// Member names that make an object a single `FileCoverage` rather than a map of them.
const FILE_KEYS: [&str; 3] = ["statementMap", "fnMap", "branchMap"];

/// Parses a whole Istanbul document.
pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let body = jsonpos::strip_bom(input);
    let Members(members) = serde_json::from_slice(body)
        .map_err(|e| jsonpos::document_error(Format::Istanbul, input, &e))?;
    let mut diags = Diags::new(options.max_diagnostics);
    let mut index = LineIndex::new(input);
    let is_file = members.iter().any(|(k, _)| FILE_KEYS.contains(&k.as_ref()));
    if is_file {
        let raw: &RawValue = serde_json::from_slice(body)
            .map_err(|e| jsonpos::document_error(Format::Istanbul, input, &e))?;
        file(None, raw, &mut index, &mut diags, sink);
        return Ok(diags.finish());
    }
    // An istanbul-reports spec wrapper: `map` is the coverage map, the other members are strings.
    let wrapper = members
        .iter()
        .find(|(k, v)| k == "map" && v.get().starts_with('{'))
        .filter(|_| members.iter().any(|(_, v)| !v.get().starts_with('{')))
        .map(|(_, v)| *v);
    let members = match wrapper {
        Some(map) => match serde_json::from_str::<Members<'_>>(map.get()) {
            Ok(Members(m)) => m,
            Err(e) => {
                return Err(ParseError::new(
                    Some(Format::Istanbul),
                    Some(index.of_error_in(map, &e)),
                    jsonpos::json_message(&e),
                ))
            }
        },
        None => members,
    };
    for (key, raw) in members {
        file(Some(&key), raw, &mut index, &mut diags, sink);
    }
    Ok(diags.finish())
}

/// Reads one file object (`key`: its name in the map, `None` for a lone `FileCoverage`).
fn file(
    key: Option<&str>,
    raw: &RawValue,
    index: &mut LineIndex<'_>,
    diags: &mut Diags,
    sink: &mut Sink<'_>,
) {
    let at = index.of_raw(raw);
    let name = key.unwrap_or("");
    let mut wire: FileWire = match serde_json::from_str(raw.get()) {
        Ok(w) => w,
        Err(e) => {
            let pos = index.of_error_in(raw, &e);
            let message = jsonpos::json_message(&e);
            diags.warn(Some(pos), || {
                format!("file entry `{name}` is not an Istanbul file coverage object ({message}); skipped")
            });
            return;
        }
    };
    let no_maps =
        |w: &FileWire| w.statement_map.is_none() && w.fn_map.is_none() && w.branch_map.is_none();
    if no_maps(&wire) {
        // The older `{"data": FileCoverage}` form.
        if let Some(w) = serde_json::from_str::<Wrapped<'_>>(raw.get())
            .ok()
            .and_then(|w| serde_json::from_str::<FileWire>(w.data.get()).ok())
        {
            wire = w;
        }
    }
    if no_maps(&wire) {
        diags.warn(Some(at), || {
            format!("file entry `{name}` has no statementMap, fnMap or branchMap: not an Istanbul file coverage object; skipped")
        });
        return;
    }
    let path = wire
        .path
        .clone()
        .unwrap_or_else(|| key.unwrap_or("").to_string());
    if wire.input_source_map.is_some() {
        diags.note(Some(at), || {
            format!("`{path}` carries an inputSourceMap, which is not applied: positions are those of the instrumented code")
        });
    }
    let coverage = file_coverage(&path, wire, at, diags);
    sink(FileRecord { path, coverage });
}

/// A count, or a warning and a replacement (`None`: dropped).
fn count(
    n: Num,
    path: &str,
    what: impl Fn() -> String,
    at: Position,
    diags: &mut Diags,
) -> Option<u64> {
    match n.count() {
        CountIs::Exact(v) => Some(v),
        CountIs::Clamped => {
            diags.warn(Some(at), || {
                format!("`{path}`: {} has a negative count {n}; taken as 0", what())
            });
            Some(0)
        }
        CountIs::Saturated => {
            diags.warn(Some(at), || {
                format!(
                    "`{path}`: {} has a count {n} beyond 2^64-1; saturated",
                    what()
                )
            });
            Some(u64::MAX)
        }
        CountIs::NotInteger => {
            diags.warn(Some(at), || {
                format!(
                    "`{path}`: {} has a count {n} that is not an integer; skipped",
                    what()
                )
            });
            None
        }
    }
}

fn column(p: Option<Pos>) -> u32 {
    p.and_then(|p| p.column)
        .and_then(|c| match c {
            Num::U(v) => u32::try_from(v).ok(),
            _ => None,
        })
        .unwrap_or(0)
}

fn file_coverage(path: &str, wire: FileWire, at: Position, diags: &mut Diags) -> FileCoverage {
    let statement_map = wire.statement_map.unwrap_or_default();
    let fn_map = wire.fn_map.unwrap_or_default();
    let branch_map = wire.branch_map.unwrap_or_default();

    // Lines and statements.
    let mut lines: BTreeMap<u32, u64> = BTreeMap::new();
    let mut statements = Vec::with_capacity(wire.s.len());
    for (id, n) in &wire.s {
        let Some(range) = statement_map.get(id) else {
            diags.warn(Some(at), || {
                format!("`{path}`: statement {id} has no statementMap entry; skipped")
            });
            continue;
        };
        let Some(start) = range.start_line() else {
            diags.warn(Some(at), || {
                format!("`{path}`: statement {id} has no valid start line; skipped")
            });
            continue;
        };
        let Some(hits) = count(*n, path, || format!("statement {id}"), at, diags) else {
            continue;
        };
        let slot = lines.entry(start).or_insert(hits);
        *slot = (*slot).max(hits);
        let end = range
            .end
            .and_then(|p| p.line)
            .and_then(jsonpos::line_number)
            .unwrap_or(start);
        let line = |n: u32| Line::new(n).expect("line numbers are checked to be 1 or more");
        statements.push(StatementBlock {
            start: line(start),
            start_col: column(range.start),
            end: line(end.max(start)),
            end_col: column(range.end),
            statements: 1,
            hits,
        });
    }
    let lines: Vec<LineHit> = lines
        .into_iter()
        .filter_map(|(n, hits)| Line::new(n).map(|line| LineHit { line, hits }))
        .collect();

    // Functions.
    struct Found {
        name: String,
        start: Line,
        start_col: u32,
        end: Option<Line>,
        hits: u64,
    }
    let mut found: Vec<Found> = Vec::with_capacity(wire.f.len());
    for (id, n) in &wire.f {
        let Some(meta) = fn_map.get(id) else {
            diags.warn(Some(at), || {
                format!("`{path}`: function {id} has no fnMap entry; skipped")
            });
            continue;
        };
        let decl = meta.decl.or(meta.loc);
        let start = decl
            .and_then(|r| r.start_line())
            .or_else(|| meta.loc.and_then(|r| r.start_line()))
            .or_else(|| meta.line.and_then(jsonpos::line_number))
            .and_then(Line::new);
        let Some(start) = start else {
            diags.warn(Some(at), || {
                format!("`{path}`: function {id} has no valid start line; skipped")
            });
            continue;
        };
        let Some(hits) = count(*n, path, || format!("function {id}"), at, diags) else {
            continue;
        };
        let end = meta
            .loc
            .and_then(|r| r.end)
            .and_then(|p| p.line)
            .and_then(jsonpos::line_number)
            .and_then(Line::new)
            .filter(|&e| e >= start);
        found.push(Found {
            name: meta
                .name
                .clone()
                .unwrap_or_else(|| format!("(anonymous_{id})")),
            start,
            start_col: column(decl.and_then(|r| r.start)),
            end,
            hits,
        });
    }
    let mut uses: BTreeMap<&str, u32> = BTreeMap::new();
    for f in &found {
        *uses.entry(f.name.as_str()).or_insert(0) += 1;
    }
    let repeated: Vec<String> = uses
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(name, _)| name.to_string())
        .collect();
    let functions: Vec<Function> = found
        .into_iter()
        .map(|f| {
            let name = if repeated.binary_search(&f.name).is_ok() {
                format!("{}@{}:{}", f.name, f.start, f.start_col)
            } else {
                f.name
            };
            Function {
                name,
                start: f.start,
                end: f.end,
                hits: f.hits,
            }
        })
        .collect();

    // Branches.
    let mut branches = Vec::new();
    for (id, counts) in &wire.b {
        let Some(meta) = branch_map.get(id) else {
            diags.warn(Some(at), || {
                format!("`{path}`: branch {id} has no branchMap entry; skipped")
            });
            continue;
        };
        let Ok(block) = id.parse::<u32>() else {
            diags.warn(Some(at), || {
                format!("`{path}`: branch id `{id}` is not a number; skipped")
            });
            continue;
        };
        let line = meta
            .loc
            .and_then(|r| r.start_line())
            .or_else(|| meta.line.and_then(jsonpos::line_number))
            .or_else(|| meta.locations.iter().flatten().find_map(Range::start_line))
            .and_then(Line::new);
        let Some(line) = line else {
            diags.warn(Some(at), || {
                format!("`{path}`: branch {id} has no valid line; skipped")
            });
            continue;
        };
        for (i, n) in counts.iter().enumerate() {
            let Some(taken) = count(*n, path, || format!("branch {id} location {i}"), at, diags)
            else {
                continue;
            };
            branches.push(Branch {
                line,
                id: BranchId {
                    block,
                    branch: BranchName::Index(i as u32),
                    flags: 0,
                },
                taken: Some(taken),
            });
        }
    }

    FileCoverage {
        lines,
        branches,
        functions,
        statements,
        ..FileCoverage::default()
    }
}
