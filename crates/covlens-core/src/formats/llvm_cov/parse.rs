//! llvm-cov export JSON to file records: segments to lines, function records to instantiation groups,
//! branch regions to outcomes, MC/DC records to conditions (the rules are in the module docs above).

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::lines::{self, Segment};
use super::wire::{self, Tuple};
use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError, Position};
use crate::formats::jsonpos::{self, CountIs, Diags, LineIndex, Num};
use crate::formats::{ParseOptions, Sink};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit, McdcCondition,
};

const FORMAT: Format = Format::LlvmCovJson;
/// The `type` llvm-cov writes.
const EXPORT_TYPE: &str = "llvm.coverage.json.export";
/// Region kinds (LLVM `CounterMappingRegion::RegionKind`).
const KIND_EXPANSION: u64 = 1;

pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let input = jsonpos::strip_bom(input);
    let doc: wire::Document<'_> =
        serde_json::from_slice(input).map_err(|e| jsonpos::document_error(FORMAT, input, &e))?;
    let mut cx = Cx {
        diags: Diags::new(options.max_diagnostics),
        index: LineIndex::new(input),
    };
    if let Some(kind) = doc.kind.as_deref().filter(|k| *k != EXPORT_TYPE) {
        cx.diags.warn(None, || {
            format!("export type is `{kind}`, not `{EXPORT_TYPE}`; read as an llvm-cov export")
        });
    }
    if let Some(v) = doc.version.as_deref() {
        let major = v.split('.').next().and_then(|m| m.parse::<u32>().ok());
        if major.is_some_and(|m| m > 3) {
            cx.diags.note(None, || {
                format!(
                    "export version {v} is newer than 3.x; read as 3.x (unknown keys are skipped)"
                )
            });
        }
    }
    if doc.data.is_empty() {
        cx.diags.warn(None, || {
            "the export's `data` array is empty: no coverage".to_string()
        });
    }
    for export in &doc.data {
        cx.export(export, sink);
    }
    Ok(cx.diags.finish())
}

struct Cx<'a> {
    diags: Diags,
    index: LineIndex<'a>,
}

/// A file of the export, as read.
struct FileData {
    path: String,
    coverage: FileCoverage,
}

/// The instantiations of one function definition.
struct Group {
    names: Vec<String>,
    hits: u64,
    start: Line,
    end: Option<Line>,
}

/// One branch region of a file: where it counts, where it is, its counts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct BranchRegion {
    line: u32,
    /// The macro use it comes from (`(0, 0)` for a branch of the file itself), then its own start and end.
    origin: (u32, u32),
    at: (u32, u32, u32, u32),
    taken: (u64, u64),
}

impl Cx<'_> {
    fn position(&mut self, raw: &RawValue) -> Option<Position> {
        Some(self.index.of_raw(raw))
    }

    fn export(&mut self, export: &wire::Export<'_>, sink: &mut Sink<'_>) {
        let mut files: Vec<FileData> = Vec::with_capacity(export.files.len());
        let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
        let mut without_detail = 0u64;
        for raw in &export.files {
            let file: wire::File<'_> = match serde_json::from_str(raw.get()) {
                Ok(f) => f,
                Err(e) => {
                    let at = self.index.of_error_in(raw, &e);
                    self.diags.warn(Some(at), || {
                        format!("file record skipped: {}", jsonpos::json_message(&e))
                    });
                    continue;
                }
            };
            let Some(segments) = &file.segments else {
                without_detail += 1;
                continue;
            };
            let at = self.position(raw);
            let mut coverage = FileCoverage::default();
            self.lines(&file.filename, segments, at, &mut coverage.lines);
            self.branches(&file, at, &mut coverage.branches);
            self.mcdc(&file, at, &mut coverage.mcdc);
            by_name
                .entry(file.filename.to_string())
                .or_insert(files.len());
            files.push(FileData {
                path: file.filename.into_owned(),
                coverage,
            });
        }
        if without_detail > 0 {
            self.diags.warn(None, || {
                format!(
                    "{without_detail} file record(s) have no segments (an export made with -summary-only): \
                     only their totals are there, and covlens reads no totals; export without -summary-only"
                )
            });
        }
        if let Some(functions) = &export.functions {
            self.functions(functions, &by_name, &mut files);
        }
        for f in files {
            sink(FileRecord {
                path: f.path,
                coverage: f.coverage,
            });
        }
    }

    fn count(&mut self, n: Num, at: Option<Position>, what: &str) -> Option<u64> {
        match n.count() {
            CountIs::Exact(v) => Some(v),
            CountIs::Clamped => {
                self.diags
                    .warn(at, || format!("negative {what} {n} clamped to 0"));
                Some(0)
            }
            CountIs::Saturated => {
                self.diags
                    .warn(at, || format!("{what} {n} saturated at {}", u64::MAX));
                Some(u64::MAX)
            }
            CountIs::NotInteger => {
                self.diags
                    .warn(at, || format!("{what} {n} is not an integer; skipped"));
                None
            }
        }
    }

    fn lines(&mut self, path: &str, raw: &[Tuple], at: Option<Position>, out: &mut Vec<LineHit>) {
        let mut segments = Vec::with_capacity(raw.len());
        for (i, t) in raw.iter().enumerate() {
            let line = t.num(0).and_then(jsonpos::line_number);
            let col = t.num(1).and_then(column);
            let (Some(line), Some(col), Some(count), Some(has_count), Some(entry)) =
                (line, col, t.num(2), t.boolean(3), t.boolean(4))
            else {
                self.diags.warn(at, || {
                    format!("{path}: segment {i} skipped: expected [line, column, count, hasCount, isRegionEntry, isGapRegion]")
                });
                continue;
            };
            let Some(count) = self.count(count, at, "segment count") else {
                continue;
            };
            segments.push(Segment {
                line,
                col,
                count,
                has_count,
                is_region_entry: entry,
                is_gap: t.boolean(5).unwrap_or(false),
            });
        }
        if !segments
            .windows(2)
            .all(|w| (w[0].line, w[0].col) <= (w[1].line, w[1].col))
        {
            self.diags.note(at, || {
                format!("{path}: segments are not in source order; sorted")
            });
            segments.sort_by_key(|s| (s.line, s.col));
        }
        if let Some(line) = lines::line_hits(&segments, out) {
            self.diags.warn(at, || {
                format!(
                    "{path}: a region wraps more than {} lines from line {line}; the rest are not counted",
                    lines::MAX_WRAPPED_RUN
                )
            });
        }
    }

    fn branch_region(
        &mut self,
        path: &str,
        t: &Tuple,
        origin: Option<(u32, u32)>,
        at: Option<Position>,
    ) -> Option<BranchRegion> {
        let l1 = t.num(0).and_then(jsonpos::line_number);
        let c1 = t.num(1).and_then(column);
        let l2 = t.num(2).and_then(column);
        let c2 = t.num(3).and_then(column);
        let (Some(l1), Some(c1), Some(l2), Some(c2), Some(tc), Some(fc)) =
            (l1, c1, l2, c2, t.num(4), t.num(5))
        else {
            self.diags.warn(at, || {
                format!("{path}: branch region skipped: expected [l1, c1, l2, c2, trueCount, falseCount, ...]")
            });
            return None;
        };
        let tc = self.count(tc, at, "branch count")?;
        let fc = self.count(fc, at, "branch count")?;
        Some(BranchRegion {
            line: origin.map_or(l1, |o| o.0),
            origin: origin.unwrap_or((0, 0)),
            at: (l1, c1, l2, c2),
            taken: (tc, fc),
        })
    }

    fn branches(&mut self, file: &wire::File<'_>, at: Option<Position>, out: &mut Vec<Branch>) {
        let path = &*file.filename;
        let mut regions: Vec<BranchRegion> = Vec::new();
        for t in &file.branches {
            regions.extend(self.branch_region(path, t, None, at));
        }
        for e in &file.expansions {
            let origin = e
                .source_region
                .num(0)
                .and_then(jsonpos::line_number)
                .zip(e.source_region.num(1).and_then(column));
            let Some(origin) = origin else {
                if !e.branches.is_empty() {
                    self.diags.warn(at, || {
                        format!(
                            "{path}: expansion without a valid source_region; its branches skipped"
                        )
                    });
                }
                continue;
            };
            for t in &e.branches {
                regions.extend(self.branch_region(path, t, Some(origin), at));
            }
        }
        // The regions of several instantiations at one place are one branch (counts summed).
        regions.sort();
        let mut merged: Vec<BranchRegion> = Vec::with_capacity(regions.len());
        for r in regions {
            match merged.last_mut() {
                Some(m) if (m.line, m.origin, m.at) == (r.line, r.origin, r.at) => {
                    m.taken.0 = m.taken.0.saturating_add(r.taken.0);
                    m.taken.1 = m.taken.1.saturating_add(r.taken.1);
                }
                _ => merged.push(r),
            }
        }
        let mut block = 0u32;
        let mut prev_line = 0u32;
        for r in merged {
            if r.line != prev_line {
                block = 0;
                prev_line = r.line;
            }
            let Some(line) = Line::new(r.line) else {
                continue;
            };
            let never = r.taken == (0, 0);
            for (i, taken) in [r.taken.0, r.taken.1].into_iter().enumerate() {
                out.push(Branch {
                    line,
                    id: BranchId {
                        block,
                        branch: BranchName::Index(i as u32),
                        flags: 0,
                    },
                    taken: (!never).then_some(taken),
                });
            }
            block += 1;
        }
    }

    fn mcdc(&mut self, file: &wire::File<'_>, at: Option<Position>, out: &mut Vec<McdcCondition>) {
        for t in &file.mcdc_records {
            let line = t.num(0).and_then(jsonpos::line_number).and_then(Line::new);
            let col = t.num(1).and_then(column);
            let (Some(line), Some(col), Some((_, conditions))) = (line, col, &t.bools) else {
                self.diags.warn(at, || {
                    format!(
                        "{}: MC/DC record skipped: expected [l1, c1, l2, c2, ..., [covered, ...]]",
                        file.filename
                    )
                });
                continue;
            };
            let group_size = conditions.len() as u32;
            for (i, covered) in conditions.iter().enumerate() {
                for sense in [true, false] {
                    out.push(McdcCondition {
                        line,
                        group_size,
                        sense,
                        index: i as u32,
                        expression: format!("{line}:{col} C{}", i + 1),
                        taken: u64::from(*covered),
                    });
                }
            }
        }
    }

    /// Function records to instantiation groups, each added to the file its definition is in.
    fn functions(
        &mut self,
        functions: &[&RawValue],
        by_name: &BTreeMap<String, usize>,
        files: &mut [FileData],
    ) {
        // (file index, start line, start column) → group, in source order.
        let mut groups: BTreeMap<(usize, u32, u32), Group> = BTreeMap::new();
        let mut elsewhere = 0u64;
        for raw in functions {
            let f: wire::Function<'_> = match serde_json::from_str(raw.get()) {
                Ok(f) => f,
                Err(e) => {
                    let at = self.index.of_error_in(raw, &e);
                    self.diags.warn(Some(at), || {
                        format!("function record skipped: {}", jsonpos::json_message(&e))
                    });
                    continue;
                }
            };
            let at = self.position(raw);
            let Some((main, key_line, key_col, end)) = self.definition(&f, at) else {
                continue;
            };
            let Some(&file) = by_name.get(&*f.filenames[main]) else {
                elsewhere += 1;
                continue;
            };
            let Some(start) = Line::new(key_line) else {
                self.diags.warn(at, || {
                    format!("function `{}` starts at line 0; skipped", f.name)
                });
                continue;
            };
            let hits = self.count(f.count, at, "function count").unwrap_or(0);
            let g = groups.entry((file, key_line, key_col)).or_insert(Group {
                names: Vec::new(),
                hits: 0,
                start,
                end: None,
            });
            g.names.push(f.name.into_owned());
            g.hits = g.hits.saturating_add(hits);
            g.end = g.end.max(Line::new(end));
        }
        if elsewhere > 0 {
            self.diags.note(None, || {
                format!("{elsewhere} function record(s) belong to files the export does not list (filtered out); skipped")
            });
        }
        // Names unique within a file: a clash between two definitions keeps the first plain.
        let mut taken: BTreeMap<(usize, String), ()> = BTreeMap::new();
        for ((file, line, col), g) in groups {
            let mut name = group_name(&g.names);
            if taken.insert((file, name.clone()), ()).is_some() {
                name = format!("{name} ({line}:{col})");
            }
            files[file].coverage.functions.push(Function {
                name,
                start: g.start,
                end: g.end,
                hits: g.hits,
            });
        }
    }

    /// The main file id of a function record (LLVM's `findMainViewFileID`: the first file that is not
    /// the target of an expansion), the start of its first region there, and its last line there.
    fn definition(
        &mut self,
        f: &wire::Function<'_>,
        at: Option<Position>,
    ) -> Option<(usize, u32, u32, u32)> {
        let n = f.filenames.len();
        let mut expanded = vec![false; n];
        for r in &f.regions {
            if r.num(7) == Some(Num::U(KIND_EXPANSION)) {
                if let Some(Num::U(id)) = r.num(6) {
                    if let Some(e) = usize::try_from(id).ok().and_then(|i| expanded.get_mut(i)) {
                        *e = true;
                    }
                }
            }
        }
        let Some(main) = expanded.iter().position(|e| !e) else {
            self.diags.warn(at, || {
                format!(
                    "function `{}` has no file of its own (no filenames, or all expanded); skipped",
                    f.name
                )
            });
            return None;
        };
        let in_main = |r: &&Tuple| r.num(5) == Some(Num::U(main as u64));
        let Some(first) = f.regions.iter().find(in_main) else {
            self.diags.warn(at, || {
                format!(
                    "function `{}` has no region in its own file; skipped",
                    f.name
                )
            });
            return None;
        };
        let (Some(line), Some(col)) = (
            first.num(0).and_then(jsonpos::line_number),
            first.num(1).and_then(column),
        ) else {
            self.diags.warn(at, || {
                format!("function `{}`: malformed first region; skipped", f.name)
            });
            return None;
        };
        let end = f
            .regions
            .iter()
            .filter(in_main)
            .filter_map(|r| r.num(2).and_then(jsonpos::line_number))
            .max()
            .unwrap_or(line);
        Some((main, line, col, end))
    }
}

/// A column (or a line where 0 is tolerated): any `u32`.
fn column(n: Num) -> Option<u32> {
    match n {
        Num::U(v) => u32::try_from(v).ok(),
        _ => None,
    }
}

/// The name of an instantiation group: the records' name when they agree; else their common name once
/// generic arguments are removed; else the smallest. Rust symbols are demangled first.
fn group_name(names: &[String]) -> String {
    let demangled: Vec<String> = names.iter().map(|n| demangle(n)).collect();
    let first = &demangled[0];
    if demangled.iter().all(|n| n == first) {
        return first.clone();
    }
    let stripped: Vec<String> = demangled.iter().map(|n| strip_generic_args(n)).collect();
    if stripped.iter().all(|n| *n == stripped[0]) {
        return stripped[0].clone();
    }
    demangled.into_iter().min().expect("a group has a record")
}

/// A Rust symbol (v0 `_R…` or legacy `_ZN…E`) demangled without its hash; other names as they are.
pub(crate) fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        Ok(d) => format!("{d:#}"),
        Err(_) => name.to_string(),
    }
}

/// Removes generic argument lists: `<…>` right after an identifier (`Vec<u8>` → `Vec`) or after `::`
/// (`f::<i32>` → `f`), keeping qualified paths (`<T as Trait>::f`, `<Foo<u8>>::new` → `<Foo>::new`).
pub(crate) fn strip_generic_args(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        if depth > 0 {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            continue;
        }
        if c == '<' {
            let after_ident = out
                .chars()
                .last()
                .is_some_and(|p| p.is_alphanumeric() || p == '_');
            if out.ends_with("::") {
                out.truncate(out.len() - 2);
                depth = 1;
                continue;
            }
            if after_ident {
                depth = 1;
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_arguments_are_removed_but_qualified_paths_kept() {
        assert_eq!(strip_generic_args("inst::func::<f32>"), "inst::func");
        assert_eq!(
            strip_generic_args("<mycrate::Foo<i32>>::new"),
            "<mycrate::Foo>::new"
        );
        assert_eq!(
            strip_generic_args("<T as core::ops::Add>::add"),
            "<T as core::ops::Add>::add"
        );
        assert_eq!(strip_generic_args("pick<int>(int, int)"), "pick(int, int)");
        assert_eq!(strip_generic_args("a::b::<Vec<u8>>"), "a::b");
    }

    #[test]
    fn group_names() {
        let v0 = |s: &str| s.to_string();
        assert_eq!(
            group_name(&[
                v0("_RINvCsl0uWq4S81NN_9minicrate6largerdEB2_"),
                v0("_RINvCsl0uWq4S81NN_9minicrate6largerlEB2_")
            ]),
            "minicrate::larger"
        );
        assert_eq!(
            group_name(&[v0("member2::func"), v0("member2::func")]),
            "member2::func"
        );
        assert_eq!(group_name(&[v0("_Z1fi"), v0("_Z1fd")]), "_Z1fd");
        assert_eq!(
            demangle("_RNCNvCsl0uWq4S81NN_9minicrate16sum_even_doubled0B3_"),
            "minicrate::sum_even_doubled::{closure#0}"
        );
    }
}
