//! The dotCover DetailedXml reader: events → one record per source file per `<Root>`.
//!
//! Rules (FORMATS.md §7; ReportGenerator's `DotCoverParser`, the reader most of these files are made
//! for), and why:
//! - `<FileIndices><File Index Name>` maps file indices to paths; indices are scoped to their `<Root>`
//!   (ReportGenerator's `<root>` wrapper holds several), so a root's records are emitted when it ends.
//! - Statements are dotCover's unit: each `<Statement FileIndex Line Column EndLine EndColumn Covered>`
//!   is one [`StatementBlock`] of one statement, hit 1 or 0 (`Covered="True"`), keyed by its position.
//!   A statement at one position listed under two members (a C# field initializer is compiled into
//!   every constructor) is one statement of the source: covlens counts it once, covered when any
//!   copy is, whereas dotCover's `TotalStatements` counts it once per member.
//! - Lines: every line from `Line` to `EndLine` of a statement is coverable, covered when a covered
//!   statement spans it (ReportGenerator: `LineVisitStatus.Covered` wins). Boolean, so hits are 0 or 1.
//! - Functions: each member element holding statements (`<Method>`, `<Constructor>`, `<Property>`,
//!   `<AnonymousMethod>`, …), named `Namespace.Type[.Nested].Member(args):Return` as dotCover writes
//!   the member, in the file of its first statement, from its first to last line there; hit when any
//!   of its statements is covered (dotCover's `CoveredStatements > 0`).
//! - The stated `CoveredStatements` / `TotalStatements` of every element are checked against the
//!   `<Statement>`s below it (dotCover's rule: one per element); a disagreement is a note.
//! - A statement spanning more than [`MAX_SPAN`] lines counts as lines on its first line only.

use std::collections::BTreeMap;

use quick_xml::events::BytesStart;

use crate::formats::xml::{attr_str, count_attr, line_attr, pick_attrs, Cx, Handler};
use crate::model::{FileCoverage, FileRecord, Function, Line, LineHit, StatementBlock};

/// A statement spanning more lines than this is counted on its first line only.
const MAX_SPAN: u32 = 10_000;

/// One open element with a name and stated counts.
struct Frame {
    tag: Vec<u8>,
    name: String,
    stated: Option<(u64, u64)>,
    /// Statements below it: covered, total.
    seen: (u64, u64),
    /// For a member: the file, first and last line of its statements, and whether one is covered.
    span: Option<(Vec<u8>, Line, Line)>,
    covered: bool,
    has_statements: bool,
}

#[derive(Default)]
struct RootState {
    files: BTreeMap<Vec<u8>, String>,
    coverage: BTreeMap<Vec<u8>, FileCoverage>,
}

/// The dotCover event handler.
#[derive(Default)]
pub(crate) struct DotCover {
    depth: u32,
    root_seen: bool,
    root: Option<RootState>,
    frames: Vec<Frame>,
}

fn is_container(tag: &[u8]) -> bool {
    matches!(tag, b"Root" | b"Assembly" | b"Namespace" | b"Type")
}

impl DotCover {
    fn file(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(root) = &mut self.root else { return };
        match pick_attrs(e, [b"Index", b"Name"]) {
            Ok([Some(index), Some(name)]) => {
                let name = attr_str(name, "Name", cx).into_owned();
                root.files.insert(index.trim_ascii().to_vec(), name);
            }
            Ok(_) => cx.warn("<File> without Index or Name; skipped"),
            Err(err) => cx.warn(format!("malformed attribute in <File>: {err}; skipped")),
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let (name, stated) =
            match pick_attrs(e, [b"Name", b"CoveredStatements", b"TotalStatements"]) {
                Ok([name, covered, total]) => {
                    let name = name
                        .map(|n| attr_str(n, "Name", cx).into_owned())
                        .unwrap_or_default();
                    let stated =
                        match (covered, total) {
                            (Some(c), Some(t)) => count_attr(c, "statement count", cx)
                                .zip(count_attr(t, "statement count", cx)),
                            _ => None,
                        };
                    (name, stated)
                }
                Err(err) => {
                    cx.warn(format!(
                        "malformed attribute in <{}>: {err}",
                        String::from_utf8_lossy(e.name().as_ref())
                    ));
                    (String::new(), None)
                }
            };
        self.frames.push(Frame {
            tag: e.name().as_ref().to_vec(),
            name,
            stated,
            seen: (0, 0),
            span: None,
            covered: false,
            has_statements: false,
        });
    }

    fn statement(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(root) = &mut self.root else {
            cx.warn("<Statement> outside a <Root>; skipped");
            return;
        };
        let [index, line, column, end_line, end_column, covered] = match pick_attrs(
            e,
            [
                b"FileIndex",
                b"Line",
                b"Column",
                b"EndLine",
                b"EndColumn",
                b"Covered",
            ],
        ) {
            Ok(v) => v,
            Err(err) => {
                cx.warn(format!(
                    "malformed attribute in <Statement>: {err}; skipped"
                ));
                return;
            }
        };
        let (Some(index), Some(line), Some(covered)) = (index, line, covered) else {
            cx.warn("<Statement> without FileIndex, Line or Covered; skipped");
            return;
        };
        let covered = match covered {
            b"True" | b"true" => true,
            b"False" | b"false" => false,
            other => {
                cx.warn(format!(
                    "Covered is `{}`, expected True or False; statement skipped",
                    String::from_utf8_lossy(other)
                ));
                return;
            }
        };
        let Some(start) = line_attr(line, "Line", cx) else {
            return;
        };
        let end = match end_line {
            Some(v) => match line_attr(v, "EndLine", cx) {
                Some(l) => l.max(start),
                None => return,
            },
            None => start,
        };
        let col = |v: Option<&[u8]>, what: &str, cx: &mut Cx<'_, '_>| -> Option<u32> {
            match v {
                None => Some(0),
                Some(v) => count_attr(v, what, cx).map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            }
        };
        let (Some(start_col), Some(end_col)) =
            (col(column, "Column", cx), col(end_column, "EndColumn", cx))
        else {
            return;
        };
        let index = index.trim_ascii().to_vec();
        if !root.files.contains_key(&index) {
            cx.warn(format!(
                "<Statement> refers to file index `{}`, which <FileIndices> does not list; skipped",
                String::from_utf8_lossy(&index)
            ));
            return;
        }
        let fc = root.coverage.entry(index.clone()).or_default();
        let hits = u64::from(covered);
        fc.statements.push(StatementBlock {
            start,
            start_col,
            end,
            end_col,
            statements: 1,
            hits,
        });
        let last = if end.get() - start.get() > MAX_SPAN {
            cx.warn(format!(
                "statement spans lines {start} to {end}; counted on line {start} only"
            ));
            start
        } else {
            end
        };
        for n in start.get()..=last.get() {
            if let Some(line) = Line::new(n) {
                fc.lines.push(LineHit { line, hits });
            }
        }
        for f in &mut self.frames {
            f.seen.1 += 1;
            f.seen.0 += hits;
        }
        if let Some(member) = self.frames.last_mut().filter(|f| !is_container(&f.tag)) {
            member.has_statements = true;
            member.covered |= covered;
            member.span = Some(match member.span.take() {
                None => (index, start, last),
                Some((i, s, l)) if i == index => (i, s.min(start), l.max(last)),
                Some(other) => other,
            });
        }
    }

    fn close(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if let Some((c, t)) = frame.stated {
            if (c, t) != frame.seen {
                let tag = String::from_utf8_lossy(&frame.tag);
                let what = if frame.name.is_empty() {
                    format!("<{tag}>")
                } else {
                    format!("<{tag} Name=\"{}\">", frame.name)
                };
                cx.note(format!(
                    "{what} states {c} of {t} statements covered, its statements give {} of {}",
                    frame.seen.0, frame.seen.1
                ));
            }
        }
        if is_container(&frame.tag) || !frame.has_statements {
            return;
        }
        let Some((index, start, end)) = frame.span else {
            return;
        };
        // Namespace, types (outermost first), then the member.
        let mut name = String::new();
        for f in &self.frames {
            if matches!(f.tag.as_slice(), b"Namespace" | b"Type") && !f.name.is_empty() {
                name.push_str(&f.name);
                name.push('.');
            }
        }
        if frame.name.is_empty() {
            name.push_str(&format!("member@{start}"));
        } else {
            name.push_str(&frame.name);
        }
        if let Some(root) = &mut self.root {
            root.coverage
                .entry(index)
                .or_default()
                .functions
                .push(Function {
                    name,
                    start,
                    end: Some(end),
                    hits: u64::from(frame.covered),
                });
        }
    }

    fn end_root(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(root) = self.root.take() else { return };
        for (index, coverage) in root.coverage {
            if let Some(path) = root.files.get(&index) {
                cx.emit(FileRecord {
                    path: path.clone(),
                    coverage,
                });
            }
        }
    }
}

impl Handler for DotCover {
    fn start(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        let name = e.name();
        let name = name.as_ref();
        if self.depth == 0 && name != b"Root" && name != b"root" {
            return Err(format!(
                "root element is <{}>, expected <Root>",
                String::from_utf8_lossy(name)
            ));
        }
        self.depth += 1;
        match name {
            b"Statement" => self.statement(e, cx),
            b"File" => self.file(e, cx),
            b"FileIndices" => {}
            b"Root" => {
                self.root_seen = true;
                self.root = Some(RootState::default());
                self.open(e, cx);
            }
            b"root" if self.depth == 1 => {}
            // Assembly, Namespace, Type and every member kind (Method, Constructor, Property, …).
            _ if self.root.is_some() => self.open(e, cx),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String> {
        self.depth = self.depth.saturating_sub(1);
        match name {
            b"Statement" | b"File" | b"FileIndices" => {}
            b"Root" => {
                self.close(cx);
                self.frames.clear();
                self.end_root(cx);
            }
            _ if self.root.is_some() && self.frames.last().is_some_and(|f| f.tag == name) => {
                self.close(cx)
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if !self.root_seen {
            return Err("no <Root> element".to_string());
        }
        Ok(())
    }
}
