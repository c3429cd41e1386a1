//! The JaCoCo XML reader (report DTD 1.0/1.1, Kover, gcovr's JaCoCo writer): events → one record per `<sourcefile>`.
//!
//! Rules (FORMATS.md §4), and why:
//! - Path = package name + `/` + sourcefile name (the package alone has no source root; `""`, the
//!   default package, gives the bare name). A package name with `.` is gcovr's dotted directory
//!   (`subdir.A`): JVM package names in JaCoCo's notation never contain a dot, so dots become `/`.
//! - Lines: a `<line nr mi ci mb cb>` with instructions (`mi + ci > 0`) is coverable, hit when
//!   `ci > 0` (stored as 1/0: JaCoCo has no counts), which is how JaCoCo's own LINE counter counts.
//!   gcovr writes `<line nr>` without `mi`/`ci`: listed, so coverable, but its status is unknown; it is
//!   counted as not hit and one note per file says so.
//! - Branches: `mb + cb` positional branches per line, the `cb` covered ones first.
//! - Functions: every `<method>` of the package's classes, named `Class.name(desc)` (the class name
//!   without its package, so inner classes and several top-level classes of one file stay apart, e.g.
//!   `Person$Inner.<init>()V`), starting at its `line`, hit when its METHOD counter has `covered > 0`.
//!   Classes come before the sourcefiles in a package, so methods wait in a map keyed by the class's
//!   `sourcefilename` (report DTD 1.1), or, for DTD 1.0 reports without it, by the top-level class
//!   name, which is matched against the sourcefile's name without extension. Whatever is still waiting
//!   when the package ends goes to the file its `sourcefilename` names, or to the package's only
//!   sourcefile (a second top-level class of a DTD 1.0 report); otherwise it is reported and dropped.
//!   This way the function totals equal the report's METHOD counter.

use std::collections::BTreeMap;

use quick_xml::events::BytesStart;

use crate::diag::Severity;
use crate::formats::xml::{attr_str, attrs, count_attr, line_attr, pick_attrs, Cx, Handler};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

/// Branches on one line beyond this are not believed.
const MAX_BRANCHES_PER_LINE: u64 = 1 << 16;

/// Where a class's methods go.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// The class's `sourcefilename`.
    File(String),
    /// The top-level class name, for classes without `sourcefilename`.
    Stem(String),
}

struct ClassState {
    /// The class name without its package (`Person$Inner`).
    simple: String,
    key: Key,
    functions: Vec<Function>,
}

struct MethodState {
    name: String,
    line: Option<Line>,
    covered: bool,
}

struct SourceState {
    name: String,
    path: String,
    coverage: FileCoverage,
    /// Lines without `mi`/`ci` (gcovr).
    unknown_status: u64,
}

/// The JaCoCo event handler.
#[derive(Default)]
pub(crate) struct Jacoco {
    depth: u32,
    root_seen: bool,
    /// The current package's name in path form (`org/example`).
    package: Option<String>,
    pending: BTreeMap<Key, Vec<Function>>,
    /// Paths of the sourcefiles seen in the current package, by sourcefile name.
    files_in_package: BTreeMap<String, String>,
    class: Option<ClassState>,
    method: Option<MethodState>,
    source: Option<SourceState>,
}

fn package_path(package: &str, file: &str) -> String {
    if package.is_empty() {
        file.to_string()
    } else {
        format!("{package}/{file}")
    }
}

impl Jacoco {
    fn start_package(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let mut name = String::new();
        for a in attrs(e, cx) {
            if a.key.as_ref() == b"name" {
                name = attr_str(&a.value, "name", cx).into_owned();
            }
        }
        if name.contains('.') && !name.contains('/') {
            name = name.replace('.', "/");
        }
        self.package = Some(name);
        self.pending.clear();
        self.files_in_package.clear();
    }

    fn start_class(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let mut name = String::new();
        let mut sourcefile = None;
        for a in attrs(e, cx) {
            match a.key.as_ref() {
                b"name" => name = attr_str(&a.value, "name", cx).into_owned(),
                b"sourcefilename" => {
                    sourcefile = Some(attr_str(&a.value, "sourcefilename", cx).into_owned())
                }
                _ => {}
            }
        }
        let package = self.package.as_deref().unwrap_or("");
        let simple = name
            .strip_prefix(package)
            .and_then(|r| r.strip_prefix('/'))
            .filter(|_| !package.is_empty())
            .unwrap_or_else(|| name.rsplit('/').next().unwrap_or(&name))
            .to_string();
        let key = match sourcefile.filter(|s| !s.is_empty()) {
            Some(f) => Key::File(f),
            None => Key::Stem(simple.split('$').next().unwrap_or(&simple).to_string()),
        };
        self.class = Some(ClassState {
            simple,
            key,
            functions: Vec::new(),
        });
    }

    fn start_method(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(class) = &self.class else { return };
        let mut name = String::new();
        let mut desc = String::new();
        let mut line = None;
        for a in attrs(e, cx) {
            match a.key.as_ref() {
                b"name" => name = attr_str(&a.value, "name", cx).into_owned(),
                b"desc" => desc = attr_str(&a.value, "desc", cx).into_owned(),
                b"line" => line = line_attr(&a.value, "method line", cx),
                _ => {}
            }
        }
        let full = format!("{}.{name}{desc}", class.simple);
        if line.is_none() {
            cx.warn(format!(
                "method `{full}` has no line number (class compiled without debug information); not counted as a function"
            ));
            return;
        }
        self.method = Some(MethodState {
            name: full,
            line,
            covered: false,
        });
    }

    fn counter(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(method) = &mut self.method else {
            return;
        };
        match pick_attrs(e, [b"type", b"covered"]) {
            Ok([Some(b"METHOD"), covered]) => {
                method.covered = covered
                    .and_then(|v| count_attr(v, "covered count", cx))
                    .unwrap_or(0)
                    > 0;
            }
            Ok(_) => {}
            Err(err) => cx.warn(format!("malformed attribute in <counter>: {err}")),
        }
    }

    fn start_sourcefile(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let mut name = String::new();
        for a in attrs(e, cx) {
            if a.key.as_ref() == b"name" {
                name = attr_str(&a.value, "name", cx).into_owned();
            }
        }
        if name.is_empty() {
            cx.warn("<sourcefile> without a name; skipped");
            return;
        }
        let path = package_path(self.package.as_deref().unwrap_or(""), &name);
        self.files_in_package.insert(name.clone(), path.clone());
        self.source = Some(SourceState {
            name,
            path,
            coverage: FileCoverage::default(),
            unknown_status: 0,
        });
    }

    fn line(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(src) = &mut self.source else { return };
        let [nr_raw, mi_raw, ci_raw, mb_raw, cb_raw] =
            match pick_attrs(e, [b"nr", b"mi", b"ci", b"mb", b"cb"]) {
                Ok(v) => v,
                Err(err) => {
                    cx.warn(format!(
                        "malformed attribute in <line>: {err}; line skipped"
                    ));
                    return;
                }
            };
        let mut ok = true;
        let mut count = |raw: Option<&[u8]>, what: &str, cx: &mut Cx<'_, '_>| {
            raw.and_then(|v| {
                let n = count_attr(v, what, cx);
                ok &= n.is_some();
                n
            })
        };
        let mi = count(mi_raw, "missed instructions", cx);
        let ci = count(ci_raw, "covered instructions", cx);
        let mb = count(mb_raw, "missed branches", cx).unwrap_or(0);
        let cb = count(cb_raw, "covered branches", cx).unwrap_or(0);
        let nr = nr_raw.and_then(|v| {
            let l = line_attr(v, "line number", cx);
            ok &= l.is_some();
            l
        });
        if !ok {
            return;
        }
        let Some(line) = nr else {
            cx.warn("<line> without an nr attribute; line skipped");
            return;
        };
        let coverable = match (mi, ci) {
            (None, None) => {
                src.unknown_status += 1;
                true
            }
            (mi, ci) => mi.unwrap_or(0).saturating_add(ci.unwrap_or(0)) > 0,
        };
        if coverable {
            src.coverage.lines.push(LineHit {
                line,
                hits: u64::from(ci.unwrap_or(0) > 0),
            });
        }
        let total = mb.saturating_add(cb);
        if total > MAX_BRANCHES_PER_LINE {
            cx.warn(format!(
                "implausibly many branches ({total}) on line {line}; its branches skipped"
            ));
            return;
        }
        for i in 0..total as u32 {
            src.coverage.branches.push(Branch {
                line,
                id: BranchId {
                    block: 0,
                    branch: BranchName::Index(i),
                    flags: 0,
                },
                taken: Some(u64::from(u64::from(i) < cb)),
            });
        }
    }

    fn end_method(&mut self) {
        let (Some(class), Some(m)) = (&mut self.class, self.method.take()) else {
            return;
        };
        if let Some(start) = m.line {
            class.functions.push(Function {
                name: m.name,
                start,
                end: None,
                hits: u64::from(m.covered),
            });
        }
    }

    fn end_class(&mut self) {
        let Some(class) = self.class.take() else {
            return;
        };
        self.pending
            .entry(class.key)
            .or_default()
            .extend(class.functions);
    }

    fn end_sourcefile(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(mut src) = self.source.take() else {
            return;
        };
        if let Some(f) = self.pending.remove(&Key::File(src.name.clone())) {
            src.coverage.functions.extend(f);
        }
        let stem = src.name.rsplit_once('.').map_or(&*src.name, |(s, _)| s);
        if let Some(f) = self.pending.remove(&Key::Stem(stem.to_string())) {
            src.coverage.functions.extend(f);
        }
        if src.unknown_status > 0 {
            cx.note(format!(
                "{}: {} line(s) without mi/ci attributes (gcovr writes none); counted as not covered",
                src.path, src.unknown_status
            ));
        }
        cx.emit(FileRecord {
            path: src.path,
            coverage: src.coverage,
        });
    }

    fn end_package(&mut self, cx: &mut Cx<'_, '_>) {
        let package = self.package.take().unwrap_or_default();
        let only_file = if self.files_in_package.len() == 1 {
            self.files_in_package.values().next().cloned()
        } else {
            None
        };
        for (key, functions) in std::mem::take(&mut self.pending) {
            if functions.is_empty() {
                continue;
            }
            let path = match (&key, &only_file) {
                (Key::File(f), _) => package_path(&package, f),
                (Key::Stem(_), Some(p)) => p.clone(),
                (Key::Stem(stem), None) => {
                    cx.diag_unplaced(
                        Severity::Warning,
                        format!(
                            "{} method(s) of class `{stem}` in package `{package}` belong to no known source file; dropped",
                            functions.len()
                        ),
                    );
                    continue;
                }
            };
            cx.emit(FileRecord {
                path,
                coverage: FileCoverage {
                    functions,
                    ..FileCoverage::default()
                },
            });
        }
        self.files_in_package.clear();
    }
}

impl Handler for Jacoco {
    fn start(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        let name = e.name();
        let name = name.as_ref();
        if self.depth == 0 {
            if name != b"report" {
                return Err(format!(
                    "root element is <{}>, expected <report>",
                    String::from_utf8_lossy(name)
                ));
            }
            self.root_seen = true;
        }
        self.depth += 1;
        match name {
            b"line" => self.line(e, cx),
            b"counter" => self.counter(e, cx),
            b"method" => self.start_method(e, cx),
            b"class" => self.start_class(e, cx),
            b"sourcefile" => self.start_sourcefile(e, cx),
            b"package" => self.start_package(e, cx),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String> {
        self.depth = self.depth.saturating_sub(1);
        match name {
            b"method" => self.end_method(),
            b"class" => self.end_class(),
            b"sourcefile" => self.end_sourcefile(cx),
            b"package" => self.end_package(cx),
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if !self.root_seen {
            return Err("no <report> element".to_string());
        }
        Ok(())
    }
}
