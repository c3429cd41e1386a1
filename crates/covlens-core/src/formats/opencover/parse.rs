//! The OpenCover XML reader (OpenCover 4.x, coverlet, AltCover): events → one record per source file
//! per `<Module>`.
//!
//! Rules (FORMATS.md §6; OpenCover's `Framework/Model` classes; ReportGenerator's `OpenCoverParser`,
//! the reader most OpenCover files are made for), and why:
//! - `<File uid fullPath>` ids are scoped to their `<Module>`: the map is rebuilt per module, and a
//!   module's records are emitted when it ends. A module (or class, or method) with `skippedDueTo`
//!   (filtered, no PDB, excluded by attribute) holds no coverage and is skipped. The same assembly
//!   listed twice (two runs in one session) is merged by the report builder: counts add up.
//! - Lines: every line from `sl` to `el` of each `<SequencePoint>` is coverable, and its hits are the sum
//!   of the `vc` of the points covering it, as ReportGenerator computes them (OpenCover itself counts
//!   sequence points, not lines, so its `numSequencePoints` is not a line total). A point's file is its
//!   `fileid`, or the method's `<FileRef uid>` for OpenCover versions without `fileid`.
//! - Branches: each `<BranchPoint>` is one branch on its line `sl`, identified by its IL `offset`
//!   (block) and `path` (branch), taken `vc` times. Points with the same line, offset and path (from two
//!   methods of one file, rare) add up, as in ReportGenerator, whose key also has `offsetend`.
//! - Functions: each `<Method>` with at least one sequence point, named by its `<Name>` (full signature,
//!   `System.Void Ns.Class::Method(System.Int32)`), starting at its first sequence point's line, in that
//!   point's file, ending at the last line of its points; hits = its `<MethodPoint vc>` (entries), or
//!   1/0 from `visited` when the method point has no count. Methods without sequence points (abstract,
//!   compiler-generated without source) are not functions of any file.
//! - The root is `<CoverageSession>`, or ReportGenerator's `<root>` wrapping several sessions.
//! - Lines spanning more than [`MAX_SPAN`] lines are not believed: only their first line is counted.

use std::collections::BTreeMap;

use quick_xml::events::BytesStart;

use crate::formats::xml::{attr_str, count_attr, line_attr, pick_attrs, Cx, Handler};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

/// A sequence point spanning more lines than this is counted on its first line only.
const MAX_SPAN: u32 = 10_000;

#[derive(Default)]
struct ModuleState {
    skipped: bool,
    /// `uid` → path.
    files: BTreeMap<Vec<u8>, String>,
    /// `uid` → coverage read so far.
    coverage: BTreeMap<Vec<u8>, FileCoverage>,
}

#[derive(Default)]
struct MethodState {
    skipped: bool,
    name: String,
    in_name: bool,
    file_ref: Option<Vec<u8>>,
    /// The file, first and last line of its sequence points.
    span: Option<(Vec<u8>, Line, Line)>,
    entries: Option<u64>,
    visited: bool,
}

/// The OpenCover event handler.
#[derive(Default)]
pub(crate) struct Opencover {
    depth: u32,
    root_seen: bool,
    module: Option<ModuleState>,
    /// Depth of the `<Class>` with `skippedDueTo` being read, if any.
    skipped_class: Option<u32>,
    method: Option<MethodState>,
}

fn attr_true(v: Option<&[u8]>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case(b"true") || v == b"1")
}

impl Opencover {
    fn start_module(&mut self, e: &BytesStart<'_>) {
        let skipped = matches!(pick_attrs(e, [b"skippedDueTo"]), Ok([Some(_)]));
        self.module = Some(ModuleState {
            skipped,
            ..ModuleState::default()
        });
    }

    fn file(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(module) = self.module.as_mut().filter(|m| !m.skipped) else {
            return;
        };
        match pick_attrs(e, [b"uid", b"fullPath"]) {
            Ok([Some(uid), Some(path)]) => {
                let path = attr_str(path, "fullPath", cx).into_owned();
                module.files.insert(uid.trim_ascii().to_vec(), path);
            }
            Ok(_) => cx.warn("<File> without uid or fullPath; skipped"),
            Err(err) => cx.warn(format!("malformed attribute in <File>: {err}; skipped")),
        }
    }

    fn start_method(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let (skipped, visited) = match pick_attrs(e, [b"skippedDueTo", b"visited"]) {
            Ok([s, v]) => (s.is_some(), attr_true(v)),
            Err(err) => {
                cx.warn(format!("malformed attribute in <Method>: {err}"));
                (false, false)
            }
        };
        self.method = Some(MethodState {
            skipped: skipped || self.skipped_class.is_some(),
            visited,
            ..MethodState::default()
        });
    }

    /// The module and method a point belongs to, unless something on the way is skipped.
    fn live(&mut self) -> Option<(&mut ModuleState, &mut MethodState)> {
        let module = self.module.as_mut().filter(|m| !m.skipped)?;
        let method = self.method.as_mut().filter(|m| !m.skipped)?;
        Some((module, method))
    }

    /// The file of a point: its `fileid`, else the method's `FileRef`; reported when unknown.
    fn point_file(
        module: &ModuleState,
        method: &MethodState,
        fileid: Option<&[u8]>,
        what: &str,
        cx: &mut Cx<'_, '_>,
    ) -> Option<Vec<u8>> {
        let uid = fileid
            .map(|f| f.trim_ascii().to_vec())
            .or_else(|| method.file_ref.clone());
        match uid {
            Some(uid) if module.files.contains_key(&uid) => Some(uid),
            Some(uid) => {
                cx.warn(format!(
                    "{what} refers to file id `{}`, which the module does not list; skipped",
                    String::from_utf8_lossy(&uid)
                ));
                None
            }
            None => {
                cx.warn(format!("{what} without a file id; skipped"));
                None
            }
        }
    }

    fn sequence_point(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some((module, method)) = self.live() else {
            return;
        };
        let [vc, sl, el, fileid] = match pick_attrs(e, [b"vc", b"sl", b"el", b"fileid"]) {
            Ok(v) => v,
            Err(err) => {
                cx.warn(format!(
                    "malformed attribute in <SequencePoint>: {err}; skipped"
                ));
                return;
            }
        };
        let (Some(vc), Some(sl)) = (vc, sl) else {
            cx.warn("<SequencePoint> without vc or sl; skipped");
            return;
        };
        let Some(vc) = count_attr(vc, "visit count", cx) else {
            return;
        };
        let Some(start) = line_attr(sl, "start line", cx) else {
            return;
        };
        let mut end = match el {
            Some(el) => match line_attr(el, "end line", cx) {
                Some(l) => l.max(start),
                None => return,
            },
            None => start,
        };
        if end.get() - start.get() > MAX_SPAN {
            cx.warn(format!(
                "sequence point spans lines {start} to {end}; counted on line {start} only"
            ));
            end = start;
        }
        let Some(uid) = Self::point_file(module, method, fileid, "<SequencePoint>", cx) else {
            return;
        };
        let fc = module.coverage.entry(uid.clone()).or_default();
        for n in start.get()..=end.get() {
            if let Some(line) = Line::new(n) {
                fc.lines.push(LineHit { line, hits: vc });
            }
        }
        method.span = Some(match method.span.take() {
            None => (uid, start, end),
            Some((u, s, e)) => (u, s, e.max(end)),
        });
    }

    fn branch_point(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some((module, method)) = self.live() else {
            return;
        };
        let [vc, sl, path, offset, fileid] =
            match pick_attrs(e, [b"vc", b"sl", b"path", b"offset", b"fileid"]) {
                Ok(v) => v,
                Err(err) => {
                    cx.warn(format!(
                        "malformed attribute in <BranchPoint>: {err}; skipped"
                    ));
                    return;
                }
            };
        let (Some(vc), Some(sl), Some(path), Some(offset)) = (vc, sl, path, offset) else {
            cx.warn("<BranchPoint> without vc, sl, path or offset; skipped");
            return;
        };
        let Some(vc) = count_attr(vc, "visit count", cx) else {
            return;
        };
        let Some(line) = line_attr(sl, "start line", cx) else {
            return;
        };
        let (Some(path), Some(offset)) = (
            count_attr(path, "branch path", cx),
            count_attr(offset, "branch offset", cx),
        ) else {
            return;
        };
        let (Ok(path), Ok(offset)) = (u32::try_from(path), u32::try_from(offset)) else {
            cx.warn("branch path or offset beyond 32 bits; skipped");
            return;
        };
        let Some(uid) = Self::point_file(module, method, fileid, "<BranchPoint>", cx) else {
            return;
        };
        module
            .coverage
            .entry(uid)
            .or_default()
            .branches
            .push(Branch {
                line,
                id: BranchId {
                    block: offset,
                    branch: BranchName::Index(path),
                    flags: 0,
                },
                taken: Some(vc),
            });
    }

    fn method_point(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(method) = self.method.as_mut().filter(|m| !m.skipped) else {
            return;
        };
        if let Ok([Some(vc)]) = pick_attrs(e, [b"vc"]) {
            method.entries = count_attr(vc, "method visit count", cx);
        }
    }

    fn file_ref(&mut self, e: &BytesStart<'_>) {
        let Some(method) = self.method.as_mut() else {
            return;
        };
        if let Ok([Some(uid)]) = pick_attrs(e, [b"uid"]) {
            method.file_ref = Some(uid.trim_ascii().to_vec());
        }
    }

    fn end_method(&mut self) {
        let Some(method) = self.method.take().filter(|m| !m.skipped) else {
            return;
        };
        let (Some(module), Some((uid, start, end))) = (self.module.as_mut(), method.span) else {
            return;
        };
        let name = method.name.trim();
        let name = if name.is_empty() {
            format!("method@{start}")
        } else {
            name.to_string()
        };
        module
            .coverage
            .entry(uid)
            .or_default()
            .functions
            .push(Function {
                name,
                start,
                end: Some(end),
                hits: method.entries.unwrap_or_else(|| u64::from(method.visited)),
            });
    }

    fn end_module(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(module) = self.module.take() else {
            return;
        };
        for (uid, coverage) in module.coverage {
            if let Some(path) = module.files.get(&uid) {
                cx.emit(FileRecord {
                    path: path.clone(),
                    coverage,
                });
            }
        }
    }
}

impl Handler for Opencover {
    fn start(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        let name = e.name();
        let name = name.as_ref();
        if self.depth == 0 && name != b"CoverageSession" && name != b"root" {
            return Err(format!(
                "root element is <{}>, expected <CoverageSession>",
                String::from_utf8_lossy(name)
            ));
        }
        if name == b"CoverageSession" {
            self.root_seen = true;
        }
        self.depth += 1;
        match name {
            b"SequencePoint" => self.sequence_point(e, cx),
            b"BranchPoint" => self.branch_point(e, cx),
            b"MethodPoint" => self.method_point(e, cx),
            b"Name" => {
                if let Some(m) = &mut self.method {
                    m.in_name = true;
                }
            }
            b"FileRef" => self.file_ref(e),
            b"Method" => self.start_method(e, cx),
            b"Class"
                if self.skipped_class.is_none()
                    && matches!(pick_attrs(e, [b"skippedDueTo"]), Ok([Some(_)])) =>
            {
                self.skipped_class = Some(self.depth);
            }
            b"File" => self.file(e, cx),
            b"Module" => self.start_module(e),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String> {
        match name {
            b"Name" => {
                if let Some(m) = &mut self.method {
                    m.in_name = false;
                }
            }
            b"Method" => self.end_method(),
            b"Class" if self.skipped_class == Some(self.depth) => self.skipped_class = None,
            b"Module" => self.end_module(cx),
            _ => {}
        }
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }

    fn wants_text(&self) -> bool {
        self.method.as_ref().is_some_and(|m| m.in_name)
    }

    fn text(&mut self, text: &str) {
        if let Some(m) = &mut self.method {
            m.name.push_str(text);
        }
    }

    fn finish(&mut self, _cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if !self.root_seen {
            return Err("no <CoverageSession> element".to_string());
        }
        Ok(())
    }
}
