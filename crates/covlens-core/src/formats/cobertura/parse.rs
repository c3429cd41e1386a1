//! The Cobertura XML reader (also coverage.py's, gcovr's, coverlet's dialects): events → one record per `<class>`.
//!
//! Rules (FORMATS.md §2, §3), and why:
//! - Lines come from `class/lines` only. `class/methods/method/lines` repeat them (every producer in the
//!   corpus writes both, as the DTD requires), so they are used for function extents, never counted
//!   again, and a class whose `<lines>` is empty has no coverable line even if its methods list some
//!   (this module's writer relies on that for functions that start on no coverable line).
//! - Several `<class>` elements naming one `filename` (nested, partial and compiler-generated classes)
//!   are one file: each class becomes a record and the report builder sums them, as ReportGenerator
//!   does when it merges classes of one file and as lcov does with repeated `SF` records. The hits of a
//!   line listed by two classes are two different bytecode sequences (an anonymous class declared on
//!   the outer class's line), so the sum is the line's execution count.
//! - Branches: `condition-coverage="50% (1/2)"` gives 2 positional branches on the line, the covered ones
//!   first ([`crate::BranchIdentity::Positional`]); like gcovr and lcov's xml2lcov we read only this
//!   attribute (`<conditions>` repeat it as percentages, coverage.py's `missing-branches` name targets
//!   we cannot map to positions).
//! - Functions: `<method name signature>` → a function named `Class.name(signature)`: the class's name
//!   without its package qualifies it when it is a real class name (Java, C#), so that `<init>` of an
//!   inner class or `.ctor` of two classes sharing a file stay apart and a Java file's names match what
//!   the JaCoCo reader makes of it. When the class name is derived from the file (gcovr's `main_cpp`,
//!   coverage.py's `a.py`, OpenCppCoverage's path), the method name and signature stand alone. The
//!   function spans its method lines (smallest to largest); its hits are the `hits` attribute where a
//!   producer writes one (istanbul), otherwise the hits of its first line, as lcov's xml2lcov counts:
//!   the entry line runs once per call. A method without lines is left out.
//! - Paths: `class@filename` as written, joined to the source root when it is relative and the report
//!   names exactly one usable `<source>` (non-empty, not a stray command-line flag like `--source`).
//!   With several roots we cannot know which one holds the file (Cobertura picks the first where the
//!   file exists; the core has no file system), so the path stays relative rather than being joined
//!   to a guess: coverage.py, gcovr and coverlet write one root, Java Cobertura several.

use quick_xml::events::BytesStart;

use crate::diag::Severity;
use crate::formats::xml::{
    attr_str, attrs, count_attr, line_attr, parse_u64, pick_attrs, Cx, Handler,
};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

/// Branches on one line beyond this are not believed (a corrupt `condition-coverage`).
const MAX_BRANCHES_PER_LINE: u64 = 1 << 16;

/// A parsed `<line>`.
struct LineRec {
    hit: LineHit,
    /// (covered, total) from `condition-coverage`.
    branches: Option<(u32, u32)>,
}

struct MethodState {
    name: String,
    /// Smallest line seen and its hits.
    first: Option<(Line, u64)>,
    last: Option<Line>,
    hits_attr: Option<u64>,
}

struct ClassState {
    path: String,
    qualifier: Option<String>,
    coverage: FileCoverage,
}

/// The Cobertura event handler.
#[derive(Default)]
pub(crate) struct Cobertura {
    depth: u32,
    root_seen: bool,
    in_source: bool,
    source_text: String,
    sources: Vec<String>,
    root: Option<String>,
    package: String,
    class: Option<ClassState>,
    /// Inside `<method>` (whether or not the method was usable): its lines are not class lines.
    in_method: bool,
    method: Option<MethodState>,
}

impl Cobertura {
    fn start_class(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let mut name = None;
        let mut filename = None;
        for a in attrs(e, cx) {
            match a.key.as_ref() {
                b"name" => name = Some(attr_str(&a.value, "name", cx).into_owned()),
                b"filename" => filename = Some(attr_str(&a.value, "filename", cx).into_owned()),
                _ => {}
            }
        }
        let Some(filename) = filename.filter(|f| !f.is_empty()) else {
            cx.warn("<class> without a filename attribute; class skipped");
            return;
        };
        let qualifier = name.and_then(|n| qualifier(&n, &self.package, &filename));
        let path = match &self.root {
            Some(root) if !is_absolute(&filename) => join(root, &filename),
            _ => filename,
        };
        self.class = Some(ClassState {
            path,
            qualifier,
            coverage: FileCoverage::default(),
        });
    }

    fn start_method(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(class) = &self.class else { return };
        let mut name = String::new();
        let mut signature = String::new();
        let mut hits_attr = None;
        for a in attrs(e, cx) {
            match a.key.as_ref() {
                b"name" => name = attr_str(&a.value, "name", cx).into_owned(),
                b"signature" => signature = attr_str(&a.value, "signature", cx).into_owned(),
                b"hits" => hits_attr = count_attr(&a.value, "method hit count", cx),
                _ => {}
            }
        }
        if name.is_empty() {
            cx.warn("<method> without a name; method skipped");
            return;
        }
        let mut full = String::with_capacity(
            class.qualifier.as_ref().map_or(0, |q| q.len() + 1) + name.len() + signature.len(),
        );
        if let Some(q) = &class.qualifier {
            full.push_str(q);
            full.push('.');
        }
        full.push_str(&name);
        full.push_str(&signature);
        self.method = Some(MethodState {
            name: full,
            first: None,
            last: None,
            hits_attr,
        });
    }

    /// Reads a `<line>`; `quiet` skips diagnostics (method lines repeat the class lines, which report).
    fn read_line(e: &BytesStart<'_>, cx: &mut Cx<'_, '_>, quiet: bool) -> Option<LineRec> {
        let [number_raw, hits_raw, cond] =
            match pick_attrs(e, [b"number", b"hits", b"condition-coverage"]) {
                Ok(v) => v,
                Err(err) => {
                    if !quiet {
                        cx.warn(format!(
                            "malformed attribute in <line>: {err}; line skipped"
                        ));
                    }
                    return None;
                }
            };
        let mut ok = true;
        let number = number_raw.and_then(|v| {
            let n = if quiet {
                parse_u64(v)
                    .ok()
                    .and_then(|n| u32::try_from(n).ok())
                    .and_then(Line::new)
            } else {
                line_attr(v, "line number", cx)
            };
            ok &= n.is_some();
            n
        });
        let hits = hits_raw.and_then(|v| {
            let h = if quiet {
                parse_u64(v).ok()
            } else {
                count_attr(v, "hit count", cx)
            };
            ok &= h.is_some();
            h
        });
        if !ok {
            return None;
        }
        let (Some(line), Some(hits)) = (number, hits) else {
            if !quiet {
                let missing = if number.is_none() { "number" } else { "hits" };
                cx.warn(format!(
                    "<line> without a {missing} attribute; line skipped"
                ));
            }
            return None;
        };
        let branches = match cond {
            // Method lines repeat class lines: their branches are never used.
            None => None,
            Some(_) if quiet => None,
            Some(raw) => match parse_condition_coverage(raw) {
                Ok(b) => b,
                Err(why) => {
                    if !quiet {
                        cx.warn(format!(
                            "malformed condition-coverage `{}` on line {line} ({why}); its branches skipped",
                            String::from_utf8_lossy(raw)
                        ));
                    }
                    None
                }
            },
        };
        Some(LineRec {
            hit: LineHit { line, hits },
            branches,
        })
    }

    fn line(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(class) = &mut self.class else { return };
        if self.in_method {
            let Some(rec) = Self::read_line(e, cx, true) else {
                return;
            };
            if let Some(method) = &mut self.method {
                let l = rec.hit.line;
                if method.first.is_none_or(|(f, _)| l < f) {
                    method.first = Some((l, rec.hit.hits));
                }
                if method.last.is_none_or(|m| l > m) {
                    method.last = Some(l);
                }
            }
            return;
        }
        let Some(rec) = Self::read_line(e, cx, false) else {
            return;
        };
        push_line(&mut class.coverage, rec);
    }

    fn end_method(&mut self) {
        let (Some(class), Some(method)) = (&mut self.class, self.method.take()) else {
            return;
        };
        let Some((start, first_hits)) = method.first else {
            return;
        };
        class.coverage.functions.push(Function {
            name: method.name,
            start,
            end: method.last,
            hits: method.hits_attr.unwrap_or(first_hits),
        });
    }

    fn end_class(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(class) = self.class.take() else {
            return;
        };
        cx.emit(FileRecord {
            path: class.path,
            coverage: class.coverage,
        });
    }

    fn end_sources(&mut self) {
        let mut usable = self
            .sources
            .iter()
            .filter(|s| !s.is_empty() && !s.starts_with('-'));
        self.root = match (usable.next(), usable.next()) {
            (Some(only), None) => Some(only.clone()),
            _ => None,
        };
    }
}

fn push_line(fc: &mut FileCoverage, rec: LineRec) {
    let line = rec.hit.line;
    fc.lines.push(rec.hit);
    if let Some((covered, total)) = rec.branches {
        for i in 0..total {
            fc.branches.push(Branch {
                line,
                id: BranchId {
                    block: 0,
                    branch: BranchName::Index(i),
                    flags: 0,
                },
                taken: Some(u64::from(i < covered)),
            });
        }
    }
}

/// `"50% (1/2)"` → `Some((1, 2))`; `"100%"` (the DTD default, no counts) → `None`.
pub(crate) fn parse_condition_coverage(raw: &[u8]) -> Result<Option<(u32, u32)>, &'static str> {
    let Some(open) = memchr::memchr(b'(', raw) else {
        return Ok(None);
    };
    let inner = &raw[open + 1..];
    let close = memchr::memchr(b')', inner).ok_or("no closing parenthesis")?;
    let inner = &inner[..close];
    let slash = memchr::memchr(b'/', inner).ok_or("expected (covered/total)")?;
    let covered = parse_u64(&inner[..slash]).map_err(|_| "covered count is not a number")?;
    let total = parse_u64(&inner[slash + 1..]).map_err(|_| "total count is not a number")?;
    if covered > total {
        return Err("more branches covered than exist");
    }
    if total > MAX_BRANCHES_PER_LINE {
        return Err("implausibly many branches");
    }
    Ok(Some((covered as u32, total as u32)))
}

/// Whether a path is absolute (POSIX, UNC, Windows drive) or a URL: then no source root applies.
pub(crate) fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    b.first().is_some_and(|c| *c == b'/' || *c == b'\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
        || p.contains("://")
}

/// Joins a source root and a relative filename with the root's own separator.
fn join(root: &str, file: &str) -> String {
    let mut out = String::with_capacity(root.len() + 1 + file.len());
    out.push_str(root);
    if !root.ends_with(['/', '\\']) {
        out.push(if root.contains('\\') && !root.contains('/') {
            '\\'
        } else {
            '/'
        });
    }
    out.push_str(file);
    out
}

/// The class name to qualify method names with, or `None` when the name only restates the file.
fn qualifier(class: &str, package: &str, filename: &str) -> Option<String> {
    if class.is_empty() {
        return None;
    }
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let file_derived = class == filename
        || (!base.is_empty() && class.ends_with(base))
        || class == base.replace('.', "_");
    if file_derived {
        return None;
    }
    let simple = if package.is_empty() {
        class
    } else {
        class
            .strip_prefix(package)
            .and_then(|r| r.strip_prefix(['.', '/']))
            .unwrap_or(class)
    };
    Some(simple.to_string())
}

impl Handler for Cobertura {
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
            b"method" => {
                self.in_method = true;
                self.start_method(e, cx);
            }
            b"class" => {
                self.in_method = false;
                self.start_class(e, cx);
            }
            b"package" => {
                self.package.clear();
                for a in attrs(e, cx) {
                    if a.key.as_ref() == b"name" {
                        self.package = attr_str(&a.value, "name", cx).into_owned();
                    }
                }
            }
            b"source" => {
                self.in_source = true;
                self.source_text.clear();
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String> {
        self.depth = self.depth.saturating_sub(1);
        match name {
            b"method" => {
                self.in_method = false;
                self.end_method();
            }
            b"class" => self.end_class(cx),
            b"source" => {
                self.in_source = false;
                let s = self.source_text.trim().to_string();
                self.sources.push(s);
            }
            b"sources" => self.end_sources(),
            _ => {}
        }
        Ok(())
    }

    fn wants_text(&self) -> bool {
        self.in_source
    }

    fn text(&mut self, text: &str) {
        self.source_text.push_str(text);
    }

    fn finish(&mut self, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if !self.root_seen {
            return Err("no <coverage> element".to_string());
        }
        if self.class.is_some() {
            cx.diag_unplaced(Severity::Warning, "unterminated <class> dropped");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_coverage() {
        assert_eq!(parse_condition_coverage(b"50% (1/2)"), Ok(Some((1, 2))));
        assert_eq!(parse_condition_coverage(b"66.67% (2/3)"), Ok(Some((2, 3))));
        assert_eq!(parse_condition_coverage(b"100%"), Ok(None));
        assert!(parse_condition_coverage(b"50% (3/2)").is_err());
        assert!(parse_condition_coverage(b"50% (1-2)").is_err());
        assert!(parse_condition_coverage(b"50% (x/2)").is_err());
        assert!(parse_condition_coverage(b"50% (1/2").is_err());
    }

    #[test]
    fn qualifiers() {
        assert_eq!(qualifier("main_cpp", "", "main.cpp"), None);
        assert_eq!(qualifier("a.py", ".", "a.py"), None);
        assert_eq!(qualifier("C:/temp/x.h", "P", "/temp/x.h"), None);
        assert_eq!(
            qualifier("test.TestClass$Nested", "test", "test/TestClass.java").as_deref(),
            Some("TestClass$Nested")
        );
        assert_eq!(
            qualifier("Test.AbstractClass", "Test", "AbstractClass.cs").as_deref(),
            Some("AbstractClass")
        );
        assert_eq!(
            qualifier("Other.Thing", "Test", "Thing2.cs").as_deref(),
            Some("Other.Thing")
        );
    }

    #[test]
    fn joining() {
        assert_eq!(join("/src", "a/b.c"), "/src/a/b.c");
        assert_eq!(join("C:\\temp\\", "x.cs"), "C:\\temp\\x.cs");
        assert_eq!(join("C:\\temp", "x.cs"), "C:\\temp\\x.cs");
        assert!(is_absolute("/a") && is_absolute("C:\\a") && is_absolute("file:///a"));
        assert!(!is_absolute("a/b") && !is_absolute("./a"));
    }
}
