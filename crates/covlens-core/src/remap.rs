//! Source-map remapping: V8 ranges, Istanbul locations and LCOV lines of generated JavaScript moved to the original sources.
//!
//! Pure: the caller finds and reads the maps (see [`crate::sourcemap::locate_source_map`]) and any
//! original text a map lacks, and passes them in.
//!
//! **V8** ([`remap_v8`]) follows c8 10.1.3, which runs v8-to-istanbul 9.3.0 with the script's map
//! (`lib/v8-to-istanbul.js` `load` / `_maybeRemapStartColEndCol`, `lib/source.js`
//! `offsetToOriginalRelative` / `originalEndPositionFor` / `originalPositionTryBoth` / `relativeToOffset`,
//! lookups of @jridgewell/trace-mapping 0.3): each (normalised) range `[start, end)` of the generated
//! script is cut to the generated lines it touches (inclusive of a range ending where a line starts);
//! its start maps through the mapping at or before the start column (else the first after it on that
//! line; a mapping at column 0 of the line wins when it points to a later original line); its end
//! through the mapping just before the end (column − 1, at least 1), extended to the start of the next
//! original mapping on the same original line, or to the end of that line when there is none. A range
//! whose start or end has no original, or whose start and end fall in different sources, is **not
//! attributed** and is counted in [`Unmapped::ranges`] of the generated file. A mapped range becomes
//! offsets in the original text and is applied there with c8's own rules (`formats::v8`): lines
//! wholly inside take its count, a block range is a branch, a named function's first range is a
//! function. So a range spanning several original lines covers the original lines between its mapped
//! start and end; one spanning several sources is dropped. As in v8-to-istanbul, every source of the
//! map becomes a file, and original lines no range reaches keep the count 1 (types, comments).
//!
//! **Istanbul** ([`remap_istanbul`]) follows nyc 18 (istanbul-lib-source-maps 4.0.1 `transformer.js`
//! `processFile`, `get-mapping.js`, `mapped.js`, lookups of mozilla source-map 0.6): each statement,
//! function (`decl` and `loc`, both in one source) and branch location maps start and end as above
//! (without the column-0 rule, end column − 1 without the floor of 1, an end past the line as `null`);
//! locations mapping to the same original location merge by summing their hits; a branch keeps the
//! locations that map (all in one source). Unmapped statements, functions and branches are counted.
//! The remapped document is then read by the ordinary Istanbul parser, so lines come from statements
//! exactly as `nyc report` does.
//!
//! **LCOV and other line reports** ([`remap_lines`]): a generated line goes to every original line
//! its mappings point to (the simple rule); when several generated lines reach one original line it
//! takes their maximum (one original statement compiled to several lines runs as often as each of
//! them, so a sum would double it). Functions and branches go to the original line of the first
//! mapping of their line. Generated lines with no mapping are counted in [`Unmapped::lines`].
//!
//! **Excluded sources**: sources listed in the map's `ignoreList` or with `node_modules` as a path
//! component are left out unless [`RemapOptions::keep_ignored_sources`] (c8 itself keeps them when
//! they come from a bundle; nyc drops `node_modules` after remapping). They are listed in
//! [`Remapped::excluded`]. A V8 script with no map whose own path is under `node_modules` is left out
//! the same way (c8's default `exclude`, test-exclude's `excludeNodeModules`).
//!
//! After remapping, the same original file reached from several generated files or inputs merges
//! into one file by the ordinary merge ([`crate::merge`]).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::diag::{Diagnostic, ParseError};
use crate::formats::v8::convert::{self, CovSource, Gathered};
use crate::formats::v8::{self as v8fmt, Target, V8Coverage};
use crate::formats::ParseOptions;
use crate::merge::ReportBuilder;
use crate::model::{Fidelity, FileCoverage, FileRecord, Line, Report};
use crate::sourcemap::{self, DecodeOptions, SourceMap};

/// How to remap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemapOptions {
    /// Keep sources in the map's `ignoreList` and under `node_modules` (left out by default).
    pub keep_ignored_sources: bool,
}

/// Generated code that could not be attributed to an original source, per generated file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unmapped {
    /// V8 ranges.
    pub ranges: u64,
    /// Istanbul statements.
    pub statements: u64,
    /// Istanbul functions.
    pub functions: u64,
    /// Istanbul branches (all of whose locations failed to map, or mapped to several sources).
    pub branches: u64,
    /// Lines of a line report.
    pub lines: u64,
}

impl Unmapped {
    /// Everything not attributed.
    pub fn total(&self) -> u64 {
        self.ranges
            .saturating_add(self.statements)
            .saturating_add(self.functions)
            .saturating_add(self.branches)
            .saturating_add(self.lines)
    }
}

/// A generated file's map and the original path of each of its sources, for a mapping inspector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedMap {
    pub map: SourceMap,
    /// Path of each entry of `map.sources` as the report names it (`None` for a `null` source).
    pub source_paths: Vec<Option<String>>,
}

/// The result of a remap.
#[derive(Clone, Debug, Default)]
pub struct Remapped {
    /// Files of the original sources (and generated files that had no map, unchanged).
    pub report: Report,
    /// Per generated file with a map: what could not be attributed.
    pub unmapped: BTreeMap<String, Unmapped>,
    /// Original text from `sourcesContent` (or the caller's lookup), by original path.
    pub source_text: BTreeMap<String, String>,
    /// Per generated file with a map: the map.
    pub maps: BTreeMap<String, GeneratedMap>,
    /// Original paths left out as ignored (`ignoreList`) or under `node_modules`.
    pub excluded: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Remapped {
    fn new(fidelity: Fidelity) -> Remapped {
        Remapped {
            report: Report::new(fidelity),
            ..Remapped::default()
        }
    }

    /// One note per generated file with unattributed code (for the CLI and the viewer): a note, not
    /// a warning, since bundler runtime helpers and module prologues have no original by design.
    pub fn unmapped_diagnostics(&self) -> Vec<Diagnostic> {
        self.unmapped
            .iter()
            .filter(|(_, u)| u.total() > 0)
            .map(|(path, u)| {
                let mut parts = Vec::new();
                for (n, what) in [
                    (u.ranges, "range(s)"),
                    (u.statements, "statement(s)"),
                    (u.functions, "function(s)"),
                    (u.branches, "branch(es)"),
                    (u.lines, "line(s)"),
                ] {
                    if n > 0 {
                        parts.push(format!("{n} {what}"));
                    }
                }
                Diagnostic::note(
                    None,
                    format!(
                        "`{path}`: {} of generated code have no original position in its source map and are not attributed",
                        parts.join(", ")
                    ),
                )
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Lookups with the two JavaScript libraries' tie rules.

/// Which library's lookup rules to follow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// @jridgewell/trace-mapping (v8-to-istanbul).
    Trace,
    /// mozilla source-map 0.6 (istanbul-lib-source-maps).
    Mozilla,
}

/// An original position, 0-based line; `column` may be `i64::MAX` (JavaScript's `Infinity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Orig {
    source: u32,
    line: u32,
    column: i64,
}

/// A map with an index by original position: (source, line, column, generated line, column).
struct Indexed<'a> {
    map: &'a SourceMap,
    by_original: Vec<(u32, u32, u32, u32, u32)>,
}

impl<'a> Indexed<'a> {
    fn new(map: &'a SourceMap) -> Indexed<'a> {
        let mut by_original: Vec<_> = map
            .mappings()
            .iter()
            .filter_map(|m| {
                let o = m.original?;
                Some((
                    o.source,
                    o.line,
                    o.column,
                    m.generated_line,
                    m.generated_column,
                ))
            })
            .collect();
        // Stable: equal original positions keep generated order.
        by_original.sort_by_key(|e| (e.0, e.1, e.2));
        Indexed { map, by_original }
    }

    /// `originalPositionFor` with bias greatest-lower-bound (`lub == false`) or least-upper-bound, on
    /// 0-based generated `line`; `None` for JavaScript's null mapping (nothing on that line that way,
    /// or a 1-field segment).
    fn original_for(&self, flavor: Flavor, line: u32, column: i64, lub: bool) -> Option<Orig> {
        let segs = self.map.mappings_on_line(line);
        let idx = if lub {
            let i = segs.partition_point(|m| i64::from(m.generated_column) < column);
            if i == segs.len() {
                return None;
            }
            let col = segs[i].generated_column;
            match flavor {
                // trace-mapping's `upperBound`: the last segment at an exact column.
                Flavor::Trace if i64::from(col) == column => {
                    i + segs[i..]
                        .iter()
                        .take_while(|m| m.generated_column == col)
                        .count()
                        - 1
                }
                _ => i,
            }
        } else {
            let after = segs.partition_point(|m| i64::from(m.generated_column) <= column);
            let last = after.checked_sub(1)?;
            let col = segs[last].generated_column;
            last - segs[..last]
                .iter()
                .rev()
                .take_while(|m| m.generated_column == col)
                .count()
        };
        let o = segs[idx].original?;
        Some(Orig {
            source: o.source,
            line: o.line,
            column: i64::from(o.column),
        })
    }

    /// `generatedPositionFor` with bias least-upper-bound: the generated position of the first
    /// original mapping at or after (source, line, column). trace-mapping searches that original
    /// line only (last of equal columns); mozilla the rest of the source (first of equal positions).
    fn generated_after(
        &self,
        flavor: Flavor,
        source: u32,
        line: u32,
        column: i64,
    ) -> Option<(u32, u32)> {
        let key = |e: &(u32, u32, u32, u32, u32)| (e.0, e.1, i64::from(e.2));
        let i = self
            .by_original
            .partition_point(|e| key(e) < (source, line, column));
        let e = self.by_original.get(i)?;
        if e.0 != source || (flavor == Flavor::Trace && e.1 != line) {
            return None;
        }
        let e = match flavor {
            Flavor::Trace => {
                let n = self.by_original[i..]
                    .iter()
                    .take_while(|f| key(f) == key(e))
                    .count();
                &self.by_original[i + n - 1]
            }
            Flavor::Mozilla => e,
        };
        Some((e.3, e.4))
    }

    /// `originalPositionTryBoth` of each library.
    fn try_both(&self, flavor: Flavor, line: u32, column: i64) -> Option<Orig> {
        let mut original = self
            .original_for(flavor, line, column, false)
            .or_else(|| self.original_for(flavor, line, column, true));
        if flavor == Flavor::Trace {
            // v8-to-istanbul: a mapping at column 0 pointing to a later original line wins.
            if let Some(min) = self.original_for(flavor, line, 0, false) {
                if original.is_none_or(|o| min.line > o.line) {
                    original = Some(min);
                }
            }
        }
        original
    }

    /// `originalEndPositionFor` of each library: `column` is the generated end (exclusive).
    fn end_for(&self, flavor: Flavor, line: u32, column: i64) -> Option<Orig> {
        let before_col = match flavor {
            Flavor::Trace => (column - 1).max(1),
            Flavor::Mozilla => column - 1,
        };
        let before = self.try_both(flavor, line, before_col)?;
        let infinite = Orig {
            column: i64::MAX,
            ..before
        };
        let Some((gl, gc)) =
            self.generated_after(flavor, before.source, before.line, before.column + 1)
        else {
            return Some(infinite);
        };
        match self.original_for(flavor, gl, i64::from(gc), false) {
            Some(o) if o.line == before.line => Some(o),
            _ => Some(infinite),
        }
    }

    /// The shared tail of `offsetToOriginalRelative` / `getMapping`: start and end in one source;
    /// when they coincide the end becomes the next mapping's column − 1 (line `None`: JavaScript's
    /// null, when there is no next mapping).
    fn span(
        &self,
        flavor: Flavor,
        start: (u32, i64),
        end: (u32, i64),
    ) -> Option<(Orig, (Option<u32>, i64))> {
        let s = self.try_both(flavor, start.0, start.1)?;
        let e = self.end_for(flavor, end.0, end.1)?;
        if s.source != e.source {
            return None;
        }
        if s.line == e.line && s.column == e.column {
            return Some(match self.original_for(flavor, end.0, end.1, true) {
                Some(n) => (s, (Some(n.line), n.column - 1)),
                None => (s, (None, -1)),
            });
        }
        Some((s, (Some(e.line), e.column)))
    }
}

// ---------------------------------------------------------------------------------------------
// Paths.

fn is_absolute(p: &str) -> bool {
    p.starts_with('/')
        || p.starts_with('\\')
        || (p.len() >= 3 && p.as_bytes()[1] == b':' && matches!(p.as_bytes()[2], b'/' | b'\\'))
}

/// `path.resolve(dirname(base), rel)` without the OS: `.` and `..` collapsed.
fn resolve_path(base_file: &str, rel: &str) -> String {
    let joined = if is_absolute(rel) {
        rel.to_string()
    } else {
        let dir = match base_file.rfind('/') {
            Some(i) => &base_file[..i],
            None => ".",
        };
        format!("{dir}/{rel}")
    };
    let absolute = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    if absolute {
        format!("/{body}")
    } else {
        body
    }
}

/// The path of a map source (already joined with `sourceRoot` by the decoder), as v8-to-istanbul's
/// `_resolveSource` and istanbul's `relativeTo` make it: `file://` URLs become paths, a `webpack://`
/// prefix is dropped, absolute paths stay, relative ones resolve against the generated file's folder.
pub fn source_path(generated: &str, source_url: &str) -> String {
    if let Some(rest) = source_url.strip_prefix("file://") {
        if let Target::Path(p) = v8fmt::target_of(&format!("file://{rest}")) {
            return p;
        }
    }
    // A browser script's sources are URLs: `../src/a.ts` of `http://host/dist/app.js` is
    // `http://host/src/a.ts`.
    let lower = generated.get(..8).unwrap_or(generated).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return sourcemap::resolve_url(generated, source_url);
    }
    let s = source_url.strip_prefix("webpack://").unwrap_or(source_url);
    let generated = match v8fmt::target_of(generated) {
        Target::Path(p) => p,
        _ => generated.to_string(),
    };
    resolve_path(&generated, s)
}

/// Whether an original source is excluded by default: in `ignoreList`, or under `node_modules`.
fn excluded_source(map: &SourceMap, index: usize, path: &str) -> bool {
    map.sources.get(index).is_some_and(|s| s.ignored) || under_node_modules(path)
}

/// Whether a path has `node_modules` as one of its directories.
pub fn under_node_modules(path: &str) -> bool {
    path.split(['/', '\\']).any(|c| c == "node_modules")
}

/// The map of each generated file, its source paths, and which to keep.
struct Prepared {
    paths: Vec<Option<String>>,
    keep: Vec<bool>,
}

fn prepare(
    generated: &str,
    map: &SourceMap,
    options: &RemapOptions,
    out: &mut Remapped,
) -> Prepared {
    let paths: Vec<Option<String>> = map
        .sources
        .iter()
        .map(|s| s.url.as_deref().map(|u| source_path(generated, u)))
        .collect();
    let keep = paths
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            None => false,
            Some(p) => {
                let excluded = !options.keep_ignored_sources && excluded_source(map, i, p);
                if excluded && !out.excluded.contains(p) {
                    out.excluded.push(p.clone());
                }
                !excluded
            }
        })
        .collect();
    out.maps.insert(
        generated.to_string(),
        GeneratedMap {
            map: map.clone(),
            source_paths: paths.clone(),
        },
    );
    Prepared { paths, keep }
}

// ---------------------------------------------------------------------------------------------
// V8.

/// Where a V8 script's map and text come from, supplied by the caller per script URL.
pub struct V8Inputs<'a> {
    /// The decoded map of a script (by its URL), if it has one: from `source-map-cache`, an inline
    /// `sourceMappingURL` data URL, or a `.map` file the caller read.
    pub map_for: &'a mut dyn FnMut(&str) -> Option<SourceMap>,
    /// The text of a script (by URL) or of an original source (by its path) that the input and the
    /// map's `sourcesContent` lack.
    pub text_for: &'a mut dyn FnMut(&str) -> Option<String>,
}

/// Decodes the `source-map-cache` entry of `url`, if any (lenient: real maps have small defects).
pub fn cached_map(
    coverage: &V8Coverage,
    url: &str,
) -> Option<Result<SourceMap, sourcemap::SourceMapError>> {
    let data = coverage.source_map_cache.get(url)?.data.as_deref()?;
    Some(sourcemap::decode(data.as_bytes(), &DecodeOptions { lenient: true }).map(|p| p.value))
}

/// Remaps parsed V8 coverage (rules in the module doc). Scripts without a map are converted as
/// `formats::v8::to_records` does.
pub fn remap_v8(
    coverage: &V8Coverage,
    inputs: &mut V8Inputs<'_>,
    options: &RemapOptions,
    parse_options: &ParseOptions,
) -> Remapped {
    let mut out = Remapped::new(v8fmt::FIDELITY);
    let mut builder = ReportBuilder::new(v8fmt::FIDELITY);
    let mut plain = V8Coverage {
        shape: coverage.shape,
        scripts: Vec::new(),
        source_map_cache: BTreeMap::new(),
        timestamp: coverage.timestamp,
    };
    for script in &coverage.scripts {
        let Target::Path(generated) = v8fmt::target_of(&script.url) else {
            plain.scripts.push(script.clone());
            continue;
        };
        let map = match cached_map(coverage, &script.url) {
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                out.diagnostics.push(Diagnostic::warning(
                    script.position,
                    format!(
                        "script `{}`: source-map-cache entry not used: {e}",
                        script.url
                    ),
                ));
                None
            }
            None => (inputs.map_for)(&script.url),
        };
        let Some(map) = map else {
            // c8 leaves out scripts under node_modules (test-exclude's default); a bundle's
            // node_modules sources go through the map's rule instead.
            if !options.keep_ignored_sources && under_node_modules(&generated) {
                if !out.excluded.contains(&generated) {
                    out.excluded.push(generated);
                }
                continue;
            }
            plain.scripts.push(script.clone());
            continue;
        };
        // The generated line table: Node's `lineLengths` when given (c8 builds a text of dots from
        // them), else the script text.
        let spans: Vec<(u64, u64)>;
        let eof: u64;
        if let Some(entry) = coverage
            .source_map_cache
            .get(&script.url)
            .filter(|e| !e.line_lengths.is_empty())
        {
            let mut at = 0u64;
            let mut s = Vec::with_capacity(entry.line_lengths.len());
            for &len in &entry.line_lengths {
                s.push((at, at + len));
                at += len + 1;
            }
            // The dotted text ends with "\n", which trimEnd removes.
            eof = at.saturating_sub(1);
            spans = s;
        } else {
            let text = match &script.source {
                Some(t) => Some(t.clone()),
                None => (inputs.text_for)(&script.url),
            };
            let Some(text) = text else {
                out.diagnostics.push(Diagnostic::warning(
                    script.position,
                    format!(
                        "script `{}` has a source map but no text and no line lengths: not loaded",
                        script.url
                    ),
                ));
                continue;
            };
            let cs = CovSource::new(&text);
            eof = cs.eof();
            spans = cs.spans();
        }
        let prepared = prepare(&generated, &map, options, &mut out);
        let indexed = Indexed::new(&map);
        // Original texts, for every source (v8-to-istanbul makes a file of each).
        let mut targets: Vec<Option<(CovSource, Gathered)>> = Vec::with_capacity(map.sources.len());
        for (i, src) in map.sources.iter().enumerate() {
            let Some(path) = &prepared.paths[i] else {
                targets.push(None);
                continue;
            };
            let text = src.content.clone().or_else(|| (inputs.text_for)(path));
            match text {
                Some(t) => {
                    if prepared.keep[i] {
                        out.source_text.insert(path.clone(), t.clone());
                    }
                    targets.push(Some((CovSource::new(&t), Gathered::default())));
                }
                None => {
                    if prepared.keep[i] {
                        out.diagnostics.push(Diagnostic::warning(
                            None,
                            format!("`{path}` (a source of `{generated}`): no text in `sourcesContent` nor on disk; its coverage is not loaded"),
                        ));
                    }
                    targets.push(None);
                }
            }
        }
        let mut functions = script.functions.clone();
        convert::normalize_script(&mut functions);
        let unmapped = out.unmapped.entry(generated.clone()).or_default();
        for f in &functions {
            for (i, r) in f.ranges.iter().enumerate() {
                let start = r.start_offset;
                let end = r.end_offset.min(eof);
                match map_range(&indexed, &spans, start, end) {
                    Some((source, s_line, s_col, e_line, e_col)) => {
                        let Some(Some((cs, gathered))) = targets.get_mut(source as usize) else {
                            unmapped.ranges += 1;
                            continue;
                        };
                        let sc = cs.relative_to_offset(s_line, s_col);
                        let ec = cs.relative_to_offset(e_line, e_col);
                        convert::apply_range(cs, gathered, f, i, sc, ec, r.count);
                    }
                    None => unmapped.ranges += 1,
                }
            }
        }
        for (i, t) in targets.into_iter().enumerate() {
            if let (Some((cs, gathered)), true, Some(path)) =
                (t, prepared.keep[i], &prepared.paths[i])
            {
                builder.push(FileRecord {
                    path: path.clone(),
                    coverage: convert::finish(&cs, gathered),
                });
            }
        }
    }
    out.diagnostics.extend(v8fmt::to_records(
        &plain,
        &mut |u| (inputs.text_for)(u),
        parse_options,
        &mut |r| builder.push(r),
    ));
    let (report, diags) = builder.finish();
    out.report = report;
    out.diagnostics.extend(diags);
    out.excluded.sort();
    out
}

/// `offsetToOriginalRelative`: a generated `[start, end)` to (source, 1-based start line, column,
/// 1-based end line, column) in the original, or `None` when not attributable.
fn map_range(
    indexed: &Indexed<'_>,
    spans: &[(u64, u64)],
    start: u64,
    end: u64,
) -> Option<(u32, i64, i64, i64, i64)> {
    // sliceRange(lines, start, end, inclusive): start - 1 < line.end && end >= line.start.
    let s = start as i64 - 1;
    let first = spans.partition_point(|l| (l.1 as i64) <= s);
    let last = spans.partition_point(|l| l.0 <= end);
    if first >= last {
        return None;
    }
    let (fl, ll) = (first as u32, (last - 1) as u32);
    let start_rel = (start as i64 - spans[first].0 as i64).max(0);
    let end_rel = end as i64 - spans[last - 1].0 as i64;
    let (s, (e_line, e_col)) = indexed.span(Flavor::Trace, (fl, start_rel), (ll, end_rel))?;
    Some((
        s.source,
        i64::from(s.line) + 1,
        s.column,
        e_line.map_or(0, |l| i64::from(l) + 1),
        e_col,
    ))
}

// ---------------------------------------------------------------------------------------------
// Istanbul.

/// Remaps an Istanbul document whose file entries carry `inputSourceMap` (nyc's `.nyc_output`
/// files), returning the remapped document's files through the Istanbul parser. Entries without a
/// map pass through unchanged.
pub fn remap_istanbul(
    input: &[u8],
    options: &RemapOptions,
    parse_options: &ParseOptions,
) -> Result<Remapped, ParseError> {
    let mut out = Remapped::new(crate::formats::istanbul::FIDELITY);
    let doc: Value = serde_json::from_slice(input).map_err(|e| {
        ParseError::new(
            Some(crate::Format::Istanbul),
            Some(crate::Position::LineCol {
                line: e.line() as u64,
                column: Some(e.column() as u64),
            }),
            format!("not JSON ({e})"),
        )
    })?;
    let Value::Object(files) = doc else {
        return Err(ParseError::new(
            Some(crate::Format::Istanbul),
            None,
            "not a JSON object of files",
        ));
    };
    let mut mapped: BTreeMap<String, Mapped> = BTreeMap::new();
    let mut passthrough = Map::new();
    for (key, entry) in files {
        let Some(ism) = entry.get("inputSourceMap").filter(|v| v.is_object()) else {
            passthrough.insert(key, entry);
            continue;
        };
        let generated = entry
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or(&key)
            .to_string();
        let map =
            match sourcemap::decode(ism.to_string().as_bytes(), &DecodeOptions { lenient: true }) {
                Ok(m) => m.value,
                Err(e) => {
                    out.diagnostics.push(Diagnostic::warning(
                        None,
                        format!("`{generated}`: inputSourceMap not used: {e}"),
                    ));
                    let mut entry = entry;
                    if let Some(o) = entry.as_object_mut() {
                        o.remove("inputSourceMap");
                    }
                    passthrough.insert(key, entry);
                    continue;
                }
            };
        let prepared = prepare(&generated, &map, options, &mut out);
        for (i, src) in map.sources.iter().enumerate() {
            if let (Some(p), Some(c), true) = (&prepared.paths[i], &src.content, prepared.keep[i]) {
                out.source_text.insert(p.clone(), c.clone());
            }
        }
        let indexed = Indexed::new(&map);
        let unmapped = out.unmapped.entry(generated.clone()).or_default();
        transform_file(&entry, &indexed, &prepared, &mut mapped, unmapped);
    }
    for (path, m) in mapped {
        passthrough.insert(path.clone(), m.into_json(&path));
    }
    let bytes = serde_json::to_vec(&Value::Object(passthrough)).expect("a JSON value serialises");
    let mut builder = ReportBuilder::new(crate::formats::istanbul::FIDELITY);
    out.diagnostics
        .extend(crate::formats::istanbul::parse_slice(
            &bytes,
            parse_options,
            &mut |r| builder.push(r),
        )?);
    let (report, diags) = builder.finish();
    out.report = report;
    out.diagnostics.extend(diags);
    out.excluded.sort();
    Ok(out)
}

/// A location as JSON, 1-based lines, `None` columns as `null` (JavaScript's `Infinity`).
type Loc = ((i64, Option<i64>), (Option<i64>, Option<i64>));

/// istanbul-lib-source-maps' `MappedCoverage`: one original file being built.
#[derive(Default)]
struct Mapped {
    statements: Vec<(Loc, u64)>,
    functions: Vec<(String, Loc, Loc, u64)>,
    branches: Vec<(String, Loc, Vec<Loc>, Vec<u64>)>,
}

fn loc_json(l: &Loc) -> Value {
    let n = |v: Option<i64>| v.map_or(Value::Null, Value::from);
    serde_json::json!({
        "start": {"line": (l.0).0, "column": n((l.0).1)},
        "end": {"line": n((l.1).0), "column": n((l.1).1)},
    })
}

impl Mapped {
    fn add_statement(&mut self, loc: Loc, hits: u64) {
        match self.statements.iter_mut().find(|(l, _)| *l == loc) {
            Some(s) => s.1 = s.1.saturating_add(hits),
            None => self.statements.push((loc, hits)),
        }
    }
    fn add_function(&mut self, name: String, decl: Loc, loc: Loc, hits: u64) {
        match self.functions.iter_mut().find(|f| f.1 == decl) {
            Some(f) => f.3 = f.3.saturating_add(hits),
            None => self.functions.push((name, decl, loc, hits)),
        }
    }
    fn add_branch(&mut self, kind: String, loc: Loc, locs: Vec<Loc>, hits: Vec<u64>) {
        match self.branches.iter_mut().find(|b| b.2 == locs) {
            Some(b) => {
                for (t, h) in b.3.iter_mut().zip(hits) {
                    *t = t.saturating_add(h);
                }
            }
            None => self.branches.push((kind, loc, locs, hits)),
        }
    }
    fn into_json(self, path: &str) -> Value {
        let mut statement_map = Map::new();
        let mut s = Map::new();
        for (i, (loc, hits)) in self.statements.iter().enumerate() {
            statement_map.insert(i.to_string(), loc_json(loc));
            s.insert(i.to_string(), Value::from(*hits));
        }
        let mut fn_map = Map::new();
        let mut f = Map::new();
        for (i, (name, decl, loc, hits)) in self.functions.iter().enumerate() {
            fn_map.insert(
                i.to_string(),
                serde_json::json!({"name": name, "decl": loc_json(decl), "loc": loc_json(loc), "line": (decl.0).0}),
            );
            f.insert(i.to_string(), Value::from(*hits));
        }
        let mut branch_map = Map::new();
        let mut b = Map::new();
        for (i, (kind, loc, locs, hits)) in self.branches.iter().enumerate() {
            branch_map.insert(
                i.to_string(),
                serde_json::json!({"type": kind, "loc": loc_json(loc), "locations": locs.iter().map(loc_json).collect::<Vec<_>>(), "line": (loc.0).0}),
            );
            b.insert(i.to_string(), Value::from(hits.clone()));
        }
        serde_json::json!({
            "path": path, "statementMap": statement_map, "fnMap": fn_map, "branchMap": branch_map,
            "s": s, "f": f, "b": b,
        })
    }
}

/// `getMapping`: a generated Istanbul location to (original path index, original location).
fn get_mapping(indexed: &Indexed<'_>, loc: &Value) -> Option<(u32, Loc)> {
    let pos = |p: &Value| -> Option<(i64, i64)> {
        let line = p.get("line")?.as_i64()?;
        let column = p.get("column")?.as_i64()?;
        (line >= 0 && column >= 0).then_some((line, column))
    };
    let start = pos(loc.get("start")?)?;
    let end = pos(loc.get("end")?)?;
    let line0 = |l: i64| u32::try_from(l - 1).ok();
    let (s, (e_line, e_col)) = indexed.span(
        Flavor::Mozilla,
        (line0(start.0)?, start.1),
        (line0(end.0)?, end.1),
    )?;
    let col = |c: i64| (c != i64::MAX).then_some(c);
    Some((
        s.source,
        (
            (i64::from(s.line) + 1, Some(s.column)),
            (e_line.map(|l| i64::from(l) + 1), col(e_col)),
        ),
    ))
}

fn transform_file(
    entry: &Value,
    indexed: &Indexed<'_>,
    prepared: &Prepared,
    mapped: &mut BTreeMap<String, Mapped>,
    unmapped: &mut Unmapped,
) {
    let empty = Map::new();
    let obj = |k: &str| entry.get(k).and_then(Value::as_object).unwrap_or(&empty);
    let hits = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    // Keys in numeric order, as JavaScript's `Object.entries` gives integer keys.
    let ordered = |m: &Map<String, Value>| {
        let mut keys: Vec<(u64, String)> = m
            .keys()
            .map(|k| (k.parse::<u64>().unwrap_or(u64::MAX), k.clone()))
            .collect();
        keys.sort();
        keys.into_iter().map(|(_, k)| k).collect::<Vec<_>>()
    };
    fn target<'m>(
        prepared: &Prepared,
        mapped: &'m mut BTreeMap<String, Mapped>,
        source: u32,
    ) -> Option<&'m mut Mapped> {
        let i = source as usize;
        match (prepared.paths.get(i), prepared.keep.get(i)) {
            (Some(Some(p)), Some(true)) => Some(mapped.entry(p.clone()).or_default()),
            _ => None,
        }
    }
    let (statement_map, s) = (obj("statementMap"), obj("s"));
    for k in ordered(statement_map) {
        match get_mapping(indexed, &statement_map[&k]) {
            Some((src, loc)) => {
                if let Some(m) = target(prepared, mapped, src) {
                    m.add_statement(loc, hits(s.get(&k)));
                }
            }
            None => unmapped.statements += 1,
        }
    }
    let (fn_map, f) = (obj("fnMap"), obj("f"));
    for k in ordered(fn_map) {
        let meta = &fn_map[&k];
        let decl = meta.get("decl").and_then(|d| get_mapping(indexed, d));
        let span = meta.get("loc").and_then(|d| get_mapping(indexed, d));
        match (decl, span) {
            (Some(d), Some(l)) if d.0 == l.0 => {
                let name = meta
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if let Some(m) = target(prepared, mapped, d.0) {
                    let n = if name.is_empty() {
                        format!("(unknown_{})", m.functions.len())
                    } else {
                        name
                    };
                    m.add_function(n, d.1, l.1, hits(f.get(&k)));
                }
            }
            _ => unmapped.functions += 1,
        }
    }
    let (branch_map, b) = (obj("branchMap"), obj("b"));
    for k in ordered(branch_map) {
        let meta = &branch_map[&k];
        let counts: Vec<u64> = b
            .get(&k)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| v.as_u64().unwrap_or(0)).collect())
            .unwrap_or_default();
        let mut source = None;
        let mut skip = false;
        let mut locs = Vec::new();
        let mut mapped_hits = Vec::new();
        for (i, loc) in meta
            .get("locations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some((src, l)) = get_mapping(indexed, loc) {
                if *source.get_or_insert(src) != src {
                    skip = true;
                }
                locs.push(l);
                mapped_hits.push(counts.get(i).copied().unwrap_or(0));
            }
        }
        let loc_mapping = meta.get("loc").and_then(|l| get_mapping(indexed, l));
        match source {
            Some(src) if !skip => {
                let kind = meta
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let loc = loc_mapping.map_or(locs[0], |m| m.1);
                if let Some(m) = target(prepared, mapped, src) {
                    m.add_branch(kind, loc, locs, mapped_hits);
                }
            }
            _ => unmapped.branches += 1,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Line reports (LCOV and the like).

/// Remaps the files of a line report that have a map (`map_for` by path; rules in the module doc).
/// Files without a map stay as they are.
pub fn remap_lines(
    report: &Report,
    map_for: &mut dyn FnMut(&str) -> Option<SourceMap>,
    options: &RemapOptions,
) -> Remapped {
    let mut out = Remapped::new(report.fidelity);
    let mut builder = ReportBuilder::new(report.fidelity);
    for (path, fc) in &report.files {
        let Some(map) = map_for(path) else {
            builder.push(FileRecord {
                path: path.clone(),
                coverage: fc.clone(),
            });
            continue;
        };
        let prepared = prepare(path, &map, options, &mut out);
        for (i, src) in map.sources.iter().enumerate() {
            if let (Some(p), Some(c), true) = (&prepared.paths[i], &src.content, prepared.keep[i]) {
                out.source_text.insert(p.clone(), c.clone());
            }
        }
        let mut files: BTreeMap<u32, FileCoverage> = BTreeMap::new();
        let mut lines: BTreeMap<(u32, Line), u64> = BTreeMap::new();
        let unmapped = out.unmapped.entry(path.clone()).or_default();
        let originals = |line: Line| -> Vec<(u32, Line)> {
            let mut v: Vec<(u32, Line)> = map
                .mappings_on_line(line.zero_based())
                .iter()
                .filter_map(|m| {
                    m.original
                        .map(|o| (o.source, Line::from_zero_based(o.line)))
                })
                .collect();
            v.dedup();
            v
        };
        for l in &fc.lines {
            let targets = originals(l.line);
            if targets.is_empty() {
                unmapped.lines += 1;
            }
            let mut seen = Vec::new();
            for t in targets {
                if seen.contains(&t) {
                    continue;
                }
                seen.push(t);
                let e = lines.entry(t).or_insert(0);
                *e = (*e).max(l.hits);
            }
        }
        for b in &fc.branches {
            if let Some(&(src, line)) = originals(b.line).first() {
                let mut b = b.clone();
                b.line = line;
                files.entry(src).or_default().branches.push(b);
            }
        }
        for f in &fc.functions {
            if let Some(&(src, line)) = originals(f.start).first() {
                let mut f = f.clone();
                let len = f.end.map(|e| e.get().saturating_sub(f.start.get()));
                f.start = line;
                f.end = len.and_then(|n| Line::new(line.get().saturating_add(n)));
                files.entry(src).or_default().functions.push(f);
            }
        }
        for ((src, line), hits) in lines {
            files
                .entry(src)
                .or_default()
                .lines
                .push(crate::model::LineHit { line, hits });
        }
        for (src, coverage) in files {
            let i = src as usize;
            if let (Some(Some(p)), Some(true)) = (prepared.paths.get(i), prepared.keep.get(i)) {
                builder.push(FileRecord {
                    path: p.clone(),
                    coverage,
                });
            }
        }
    }
    let (report, diags) = builder.finish();
    out.report = report;
    out.diagnostics.extend(diags);
    out.excluded.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_like_node() {
        assert_eq!(source_path("/a/dist/x.js", "../src/x.ts"), "/a/src/x.ts");
        assert_eq!(source_path("file:///a/dist/x.js", "./x.ts"), "/a/dist/x.ts");
        assert_eq!(
            source_path("/a/dist/x.js", "webpack:///src/y.ts"),
            "/src/y.ts"
        );
        assert_eq!(source_path("/a/x.js", "file:///b/c.ts"), "/b/c.ts");
        // Browser scripts: sources resolve as URLs (the host is not a folder).
        assert_eq!(
            source_path("http://127.0.0.1:8080/dist/app.js", "../src/main.ts"),
            "http://127.0.0.1:8080/src/main.ts"
        );
        assert_eq!(
            source_path("HTTPS://h/a/app.js", "webpack:///src/y.ts"),
            "webpack:///src/y.ts"
        );
    }
}
