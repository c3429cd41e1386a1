//! The Clover XML reader (OpenClover, PHPUnit, gcovr): events → one record per `<file>`.
//!
//! Rules (FORMATS.md §5, `specs/clover.xsd`), and why:
//! - Path = the file's `path` attribute (OpenClover: absolute; gcovr: relative), or its `name` when
//!   there is no `path` (PHPUnit's "clover" writer puts the path there).
//! - Files of `<project>` and of `<testproject>` (test sources) are both read: both are measured code.
//! - Lines: each distinct `num` of the `stmt` and `cond` lines is one coverable line. The `count`s of
//!   several `stmt` elements on one line (gcovr writes one per function instantiated there) are summed,
//!   as merging repeated LCOV `DA` records does. A `cond` line adds a line only where no `stmt` element
//!   sits on the same `num` (OpenClover writes both for an `if`); its hits are then its `count`, or, when
//!   absent, `truecount + falsecount` (how often the condition was evaluated). So the line total equals
//!   the `statements`/`coveredstatements` metrics when every statement has a line of its own and no
//!   condition stands alone; Clover counts statements, not lines, otherwise.
//! - Branches: each `cond` line gives two branches, true (`0`) then false (`1`), taken `truecount` and
//!   `falsecount` times, in block `k` for the `k`-th `cond` element on that line of the file. This is
//!   Clover's own `conditionals`/`coveredconditionals` count (two per condition, covered when > 0).
//! - Functions: each `method` line, named by its `name` (PHPUnit), `signature` (OpenClover) or, without
//!   either, `method@<num>` (plus `#k` for the `k`-th nameless one on the line), hit `count` times,
//!   which is Clover's `methods`/`coveredmethods`. Lines are not nested in their `<class>`, so the same
//!   signature in two classes of one file would merge: a name met again on another line gets `@<num>`.
//! - `<metrics>` elements carry the producer's totals; they are not read (tests compare against them).

use std::collections::BTreeMap;

use quick_xml::events::BytesStart;

use crate::formats::xml::{attr_str, count_attr, line_attr, pick_attrs, Cx, Handler};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

/// What a line number holds so far in the current file.
#[derive(Default)]
struct LineState {
    /// Sum of the `stmt` counts, `None` without any `stmt` element.
    stmt: Option<u64>,
    /// Sum of the hits of the `cond` elements.
    cond: Option<u64>,
    /// `cond` elements seen (the block of the next one).
    conds: u32,
    /// Nameless methods seen.
    methods: u32,
}

struct FileState {
    path: String,
    /// The first line of each method name seen, to tell apart same-named methods of different classes.
    method_lines: BTreeMap<String, Line>,
    lines: BTreeMap<Line, LineState>,
    coverage: FileCoverage,
}

/// The Clover event handler.
#[derive(Default)]
pub(crate) struct Clover {
    depth: u32,
    root_seen: bool,
    file: Option<FileState>,
}

impl Clover {
    fn start_file(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let [name, path] = match pick_attrs(e, [b"name", b"path"]) {
            Ok(v) => v,
            Err(err) => {
                cx.warn(format!(
                    "malformed attribute in <file>: {err}; file skipped"
                ));
                return;
            }
        };
        let path = path
            .filter(|p| !p.is_empty())
            .map(|p| attr_str(p, "path", cx).into_owned())
            .or_else(|| name.map(|n| attr_str(n, "name", cx).into_owned()))
            .unwrap_or_default();
        if path.is_empty() {
            cx.warn("<file> without a name or path; skipped");
            return;
        }
        self.file = Some(FileState {
            path,
            method_lines: BTreeMap::new(),
            lines: BTreeMap::new(),
            coverage: FileCoverage::default(),
        });
    }

    fn line(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(file) = &mut self.file else { return };
        let [num, ty, count, tc, fc, name, signature] = match pick_attrs(
            e,
            [
                b"num",
                b"type",
                b"count",
                b"truecount",
                b"falsecount",
                b"name",
                b"signature",
            ],
        ) {
            Ok(v) => v,
            Err(err) => {
                cx.warn(format!(
                    "malformed attribute in <line>: {err}; line skipped"
                ));
                return;
            }
        };
        let Some(num) = num else {
            cx.warn("<line> without a num attribute; line skipped");
            return;
        };
        let Some(line) = line_attr(num, "line number", cx) else {
            return;
        };
        let mut ok = true;
        let mut get = |raw: Option<&[u8]>, what: &str, cx: &mut Cx<'_, '_>| {
            raw.and_then(|v| {
                let n = count_attr(v, what, cx);
                ok &= n.is_some();
                n
            })
        };
        let count = get(count, "count", cx);
        let tc = get(tc, "truecount", cx);
        let fc = get(fc, "falsecount", cx);
        if !ok {
            return;
        }
        let state = file.lines.entry(line).or_default();
        match ty {
            Some(b"stmt") => {
                let Some(count) = count else {
                    cx.warn(format!(
                        "statement line {line} without a count; line skipped"
                    ));
                    return;
                };
                state.stmt = Some(state.stmt.unwrap_or(0).saturating_add(count));
            }
            Some(b"cond") => {
                let (Some(t), Some(f)) = (tc, fc) else {
                    cx.warn(format!(
                        "condition line {line} without truecount and falsecount; line skipped"
                    ));
                    return;
                };
                let hits = count.unwrap_or_else(|| t.saturating_add(f));
                state.cond = Some(state.cond.unwrap_or(0).saturating_add(hits));
                let block = state.conds;
                state.conds += 1;
                for (i, taken) in [t, f].into_iter().enumerate() {
                    file.coverage.branches.push(Branch {
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
            Some(b"method") => {
                let label = name
                    .or(signature)
                    .filter(|n| !n.is_empty())
                    .map(|n| attr_str(n, "name", cx).into_owned());
                let label = label.unwrap_or_else(|| {
                    let k = state.methods;
                    state.methods += 1;
                    if k == 0 {
                        format!("method@{line}")
                    } else {
                        format!("method@{line}#{k}")
                    }
                });
                // Lines are not nested in their `<class>`: a method name met again on another line
                // (the same signature in two classes of the file) gets that line as a suffix.
                let first = *file.method_lines.entry(label.clone()).or_insert(line);
                let label = if first == line {
                    label
                } else {
                    format!("{label}@{line}")
                };
                file.coverage.functions.push(Function {
                    name: label,
                    start: line,
                    end: None,
                    hits: count.unwrap_or(0),
                });
            }
            other => {
                let shown = other.map_or_else(
                    || "(none)".to_string(),
                    |t| String::from_utf8_lossy(t).into_owned(),
                );
                cx.warn(format!(
                    "line {line} has unknown type `{shown}` (expected stmt, cond or method); skipped"
                ));
            }
        }
    }

    fn end_file(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(mut file) = self.file.take() else {
            return;
        };
        for (line, s) in file.lines {
            if let Some(hits) = s.stmt.or(s.cond) {
                file.coverage.lines.push(LineHit { line, hits });
            }
        }
        cx.emit(FileRecord {
            path: file.path,
            coverage: file.coverage,
        });
    }
}

impl Handler for Clover {
    fn start(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        let name = e.name();
        let name = name.as_ref();
        if self.depth == 0 {
            if name != b"coverage" {
                return Err(format!(
                    "root element is <{}>, expected <coverage>",
                    String::from_utf8_lossy(name)
                ));
            }
            self.root_seen = true;
        }
        self.depth += 1;
        match name {
            b"line" => self.line(e, cx),
            b"file" => self.start_file(e, cx),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String> {
        self.depth = self.depth.saturating_sub(1);
        if name == b"file" {
            self.end_file(cx);
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if !self.root_seen {
            return Err("no <coverage> element".to_string());
        }
        Ok(())
    }
}
