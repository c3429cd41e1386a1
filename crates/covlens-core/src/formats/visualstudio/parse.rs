//! The Visual Studio coverage XML reader: `.coveragexml` (`<CoverageDSPriv>`, element text) and
//! Microsoft.CodeCoverage / dotnet-coverage "xml" (`<results>`, attributes) → one record per source file.
//!
//! Rules (FORMATS.md §7; ReportGenerator's `VisualStudioParser` and `DynamicCodeCoverageParser`, the
//! readers these files are mostly made for), and why:
//! - A source line is coverable when a `<Lines>` / `<range>` spans it (`LnStart..=LnEnd`,
//!   `start_line..=end_line`). Its state folds every range on it, as ReportGenerator's
//!   `FlagsLineVisitStatus` does: only covered ranges (`Coverage` 0, `covered="yes"`) → covered; only
//!   not-covered ones (2, `"no"`) → not covered; a partial range (1, `"partial"`) or a mix → partially
//!   covered. The model has no partial state: a covered or partially covered line has 1 hit (what
//!   ReportGenerator's line coverage counts as covered: `visits = Coverage < 2 ? 1 : 0`), a
//!   not-covered line 0.
//! - Totals count each source line once per file (like ReportGenerator, which groups by class and
//!   file), whereas the report's own `LinesCovered` / `lines_covered` count a line once per *method*
//!   with code on it: an auto-property's `{ get; set; }` line or a lambda's line counts twice there.
//!   The parser checks the stated module totals against the ranges by the report's own rule (per
//!   method: distinct lines; blocks: the sum of the methods' blocks) and notes any disagreement.
//! - Ranges on the hidden-line markers 0xF00F00 (15732480, skipped by ReportGenerator) and 0xFEEFEE
//!   (16707566, the PDB "hidden sequence point") are not lines; a range spanning more than
//!   [`MAX_SPAN`] lines counts on its first line only.
//! - Functions: each `<Method>` / `<function>` with ranges, named `Namespace.Class.Method(args)`, in
//!   the file of its first range, from its first to its last line there; hit when its covered block
//!   count is above zero (the detail's ranges decide when the count is missing).
//! - Source files: `.coveragexml` ids (`<SourceFileNames>`, after every module) are global, so records
//!   are emitted at the end; dotnet-coverage ids (`<source_file id>`) are scoped to their `<module>`.
//! - The inline `<xs:schema>` of `.coveragexml` is skipped.

use std::collections::BTreeMap;

use quick_xml::events::BytesStart;

use crate::formats::xml::{attr_str, count_attr, pick_attrs, Cx, Handler};
use crate::model::{FileCoverage, FileRecord, Function, Line, LineHit};

/// A range spanning more lines than this is counted on its first line only.
const MAX_SPAN: u32 = 10_000;
/// Hidden-line markers: never real lines.
const HIDDEN: [u32; 2] = [0x00F0_0F00, 0x00FE_EFEE];

const COVERED: u8 = 1;
const PARTIAL: u8 = 2;
const NOT_COVERED: u8 = 4;

/// The state of a line from the flags of the ranges on it.
fn fold(flags: u8) -> u8 {
    match flags {
        COVERED => COVERED,
        NOT_COVERED => NOT_COVERED,
        _ => PARTIAL,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `.coveragexml`: `<CoverageDSPriv>`.
    DsPriv,
    /// dotnet-coverage: `<results>`.
    Dynamic,
}

/// Elements whose children matter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Module,
    NamespaceTable,
    Class,
    Method,
    Lines,
    SourceFileNames,
    Other,
}

/// Leaf elements whose text is read (`.coveragexml`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    ModuleName,
    NamespaceName,
    ClassName,
    MethodName,
    LinesCovered,
    LinesPartiallyCovered,
    LinesNotCovered,
    BlocksCovered,
    BlocksNotCovered,
    LnStart,
    LnEnd,
    Coverage,
    SourceFileId,
    SourceFileName,
}

/// One `<Lines>` / `<range>`.
#[derive(Clone, Default)]
struct Range {
    file: String,
    start: u32,
    end: u32,
    state: u8,
}

/// Numbers the report states: lines covered, partially covered, not covered; blocks covered, not.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Stated {
    lines: [Option<u64>; 3],
    blocks: [Option<u64>; 2],
}

#[derive(Default)]
struct MethodAcc {
    name: String,
    blocks: [Option<u64>; 2],
    ranges: Vec<Range>,
}

#[derive(Default)]
struct ModuleAcc {
    name: String,
    stated: Stated,
    /// Computed by the report's rule: lines per method, blocks summed over methods.
    lines: [u64; 3],
    blocks: [u64; 2],
    blocks_known: bool,
}

#[derive(Default)]
struct FileAcc {
    lines: BTreeMap<u32, u8>,
    functions: Vec<Function>,
}

/// The Visual Studio event handler.
#[derive(Default)]
pub(crate) struct VisualStudio {
    kind: Option<Kind>,
    depth: u32,
    /// Depth of the `<xs:schema>` being skipped.
    schema: Option<u32>,
    stack: Vec<Tag>,
    field: Option<Field>,
    text: String,
    namespace: String,
    class: String,
    module: Option<ModuleAcc>,
    method: Option<MethodAcc>,
    range: Option<Range>,
    /// `<SourceFileNames>` being read: id, name.
    source: Option<(Option<String>, Option<String>)>,
    /// File id → path.
    files: BTreeMap<String, String>,
    /// File id → coverage.
    coverage: BTreeMap<String, FileAcc>,
}

fn tag_of(name: &[u8]) -> Tag {
    match name {
        b"Module" | b"module" => Tag::Module,
        b"NamespaceTable" => Tag::NamespaceTable,
        b"Class" => Tag::Class,
        b"Method" | b"function" => Tag::Method,
        b"Lines" => Tag::Lines,
        b"SourceFileNames" => Tag::SourceFileNames,
        _ => Tag::Other,
    }
}

impl VisualStudio {
    fn parent(&self) -> Tag {
        self.stack.last().copied().unwrap_or(Tag::Other)
    }

    /// The field a `.coveragexml` leaf element fills, given its parent.
    fn field_of(&self, name: &[u8]) -> Option<Field> {
        let parent = self.parent();
        Some(match (parent, name) {
            (Tag::Module, b"ModuleName") => Field::ModuleName,
            (Tag::NamespaceTable, b"NamespaceName") => Field::NamespaceName,
            (Tag::Class, b"ClassName") => Field::ClassName,
            (Tag::Method, b"MethodName") => Field::MethodName,
            (Tag::Module, b"LinesCovered") => Field::LinesCovered,
            (Tag::Module, b"LinesPartiallyCovered") => Field::LinesPartiallyCovered,
            (Tag::Module, b"LinesNotCovered") => Field::LinesNotCovered,
            (Tag::Module | Tag::Method, b"BlocksCovered") => Field::BlocksCovered,
            (Tag::Module | Tag::Method, b"BlocksNotCovered") => Field::BlocksNotCovered,
            (Tag::Lines, b"LnStart") => Field::LnStart,
            (Tag::Lines, b"LnEnd") => Field::LnEnd,
            (Tag::Lines, b"Coverage") => Field::Coverage,
            (Tag::Lines | Tag::SourceFileNames, b"SourceFileID") => Field::SourceFileId,
            (Tag::SourceFileNames, b"SourceFileName") => Field::SourceFileName,
            _ => return None,
        })
    }

    /// A leaf's text, once its element ends.
    fn set_field(&mut self, field: Field, cx: &mut Cx<'_, '_>) {
        let text = std::mem::take(&mut self.text);
        let value = text.trim();
        let parent = self.parent();
        let count = |what: &str, cx: &mut Cx<'_, '_>| count_attr(value.as_bytes(), what, cx);
        match field {
            Field::ModuleName => {
                if let Some(m) = &mut self.module {
                    m.name = value.to_string();
                }
            }
            Field::NamespaceName => self.namespace = value.to_string(),
            Field::ClassName => self.class = value.to_string(),
            Field::MethodName => {
                if let Some(m) = &mut self.method {
                    m.name = value.to_string();
                }
            }
            Field::LinesCovered | Field::LinesPartiallyCovered | Field::LinesNotCovered => {
                let i = match field {
                    Field::LinesCovered => 0,
                    Field::LinesPartiallyCovered => 1,
                    _ => 2,
                };
                let n = count("line count", cx);
                if let Some(m) = &mut self.module {
                    m.stated.lines[i] = n;
                }
            }
            Field::BlocksCovered | Field::BlocksNotCovered => {
                let i = usize::from(field == Field::BlocksNotCovered);
                let n = count("block count", cx);
                match parent {
                    Tag::Method => {
                        if let Some(m) = &mut self.method {
                            m.blocks[i] = n;
                        }
                    }
                    _ => {
                        if let Some(m) = &mut self.module {
                            m.stated.blocks[i] = n;
                        }
                    }
                }
            }
            Field::LnStart | Field::LnEnd => {
                let n = count("line number", cx).and_then(|n| u32::try_from(n).ok());
                if let (Some(r), Some(n)) = (&mut self.range, n) {
                    if field == Field::LnStart {
                        r.start = n;
                    } else {
                        r.end = n;
                    }
                }
            }
            Field::Coverage => {
                let state = match value {
                    "0" => COVERED,
                    "1" => PARTIAL,
                    "2" => NOT_COVERED,
                    other => {
                        cx.warn(format!(
                            "unknown <Coverage> value `{other}` (expected 0, 1 or 2); range skipped"
                        ));
                        0
                    }
                };
                if let Some(r) = &mut self.range {
                    r.state = state;
                }
            }
            Field::SourceFileId => match parent {
                Tag::Lines => {
                    if let Some(r) = &mut self.range {
                        r.file = value.to_string();
                    }
                }
                _ => {
                    if let Some(s) = &mut self.source {
                        s.0 = Some(value.to_string());
                    }
                }
            },
            Field::SourceFileName => {
                if let Some(s) = &mut self.source {
                    s.1 = Some(value.to_string());
                }
            }
        }
    }

    fn start_module(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let mut m = ModuleAcc::default();
        if self.kind == Some(Kind::Dynamic) {
            match pick_attrs(
                e,
                [
                    b"name",
                    b"lines_covered",
                    b"lines_partially_covered",
                    b"lines_not_covered",
                    b"blocks_covered",
                    b"blocks_not_covered",
                ],
            ) {
                Ok([name, lc, lp, ln, bc, bn]) => {
                    m.name = name
                        .map(|n| attr_str(n, "name", cx).into_owned())
                        .unwrap_or_default();
                    let mut c = |v: Option<&[u8]>| v.and_then(|v| count_attr(v, "count", cx));
                    m.stated = Stated {
                        lines: [c(lc), c(lp), c(ln)],
                        blocks: [c(bc), c(bn)],
                    };
                }
                Err(err) => cx.warn(format!("malformed attribute in <module>: {err}")),
            }
            // Source ids are scoped to the module.
            self.files.clear();
            self.coverage.clear();
        }
        m.blocks_known = true;
        self.module = Some(m);
    }

    fn start_function(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let mut m = MethodAcc::default();
        match pick_attrs(
            e,
            [
                b"name",
                b"namespace",
                b"type_name",
                b"blocks_covered",
                b"blocks_not_covered",
            ],
        ) {
            Ok([name, ns, ty, bc, bn]) => {
                let mut parts = Vec::new();
                for (v, what) in [(ns, "namespace"), (ty, "type_name"), (name, "name")] {
                    if let Some(v) = v {
                        let s = attr_str(v, what, cx);
                        if !s.is_empty() {
                            parts.push(s.into_owned());
                        }
                    }
                }
                m.name = parts.join(".");
                let mut c = |v: Option<&[u8]>| v.and_then(|v| count_attr(v, "block count", cx));
                m.blocks = [c(bc), c(bn)];
            }
            Err(err) => cx.warn(format!("malformed attribute in <function>: {err}")),
        }
        self.method = Some(m);
    }

    fn range(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(method) = &mut self.method else {
            return;
        };
        let [id, start, end, covered] =
            match pick_attrs(e, [b"source_id", b"start_line", b"end_line", b"covered"]) {
                Ok(v) => v,
                Err(err) => {
                    cx.warn(format!("malformed attribute in <range>: {err}; skipped"));
                    return;
                }
            };
        let (Some(id), Some(start), Some(covered)) = (id, start, covered) else {
            cx.warn("<range> without source_id, start_line or covered; skipped");
            return;
        };
        let state = match covered {
            b"yes" => COVERED,
            b"partial" => PARTIAL,
            b"no" => NOT_COVERED,
            other => {
                cx.warn(format!(
                    "unknown covered value `{}` (expected yes, no or partial); range skipped",
                    String::from_utf8_lossy(other)
                ));
                return;
            }
        };
        let num = |v: &[u8], cx: &mut Cx<'_, '_>| {
            count_attr(v, "line number", cx).and_then(|n| u32::try_from(n).ok())
        };
        let Some(start) = num(start, cx) else { return };
        let end = match end {
            Some(v) => match num(v, cx) {
                Some(n) => n,
                None => return,
            },
            None => start,
        };
        let file = String::from_utf8_lossy(id.trim_ascii()).into_owned();
        method.ranges.push(Range {
            file,
            start,
            end,
            state,
        });
    }

    /// Checks a finished range and adds it to the method.
    fn end_lines(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(r) = self.range.take() else { return };
        if r.state == 0 {
            return;
        }
        if r.file.is_empty() || r.start == 0 {
            cx.warn("<Lines> without SourceFileID or LnStart; skipped");
            return;
        }
        if let Some(m) = &mut self.method {
            m.ranges.push(r);
        }
    }

    fn end_method(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(mut method) = self.method.take() else {
            return;
        };
        if self.kind == Some(Kind::DsPriv) {
            method.name = [
                self.namespace.as_str(),
                self.class.as_str(),
                method.name.as_str(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(".");
        }
        // The report's own rule: distinct lines per method.
        let mut mine: BTreeMap<(&str, u32), u8> = BTreeMap::new();
        let mut first: Option<&str> = None;
        let mut span: Option<(u32, u32)> = None;
        let mut any_covered = false;
        for r in &method.ranges {
            if HIDDEN.contains(&r.start) || r.start == 0 {
                continue;
            }
            let mut end = r.end.max(r.start);
            if end - r.start > MAX_SPAN {
                cx.warn(format!(
                    "range spans lines {} to {end}; counted on line {} only",
                    r.start, r.start
                ));
                end = r.start;
            }
            let first = *first.get_or_insert(r.file.as_str());
            if first == r.file {
                span = Some(match span {
                    None => (r.start, end),
                    Some((s, e)) => (s.min(r.start), e.max(end)),
                });
            }
            any_covered |= r.state != NOT_COVERED;
            for n in r.start..=end {
                *mine.entry((r.file.as_str(), n)).or_default() |= r.state;
            }
        }
        if let Some(module) = &mut self.module {
            for flags in mine.values() {
                let i = match fold(*flags) {
                    COVERED => 0,
                    PARTIAL => 1,
                    _ => 2,
                };
                module.lines[i] += 1;
            }
            match method.blocks {
                [Some(c), Some(n)] => {
                    module.blocks[0] = module.blocks[0].saturating_add(c);
                    module.blocks[1] = module.blocks[1].saturating_add(n);
                }
                _ => module.blocks_known = false,
            }
        }
        for ((file, n), flags) in &mine {
            let acc = self.coverage.entry((*file).to_string()).or_default();
            *acc.lines.entry(*n).or_default() |= *flags;
        }
        let (Some(file), Some((start, end))) = (first, span) else {
            return;
        };
        let (Some(start), Some(end)) = (Line::new(start), Line::new(end)) else {
            return;
        };
        let hit = match method.blocks[0] {
            Some(b) => b > 0,
            None => any_covered,
        };
        let name = if method.name.is_empty() {
            format!("method@{start}")
        } else {
            std::mem::take(&mut method.name)
        };
        self.coverage
            .entry(file.to_string())
            .or_default()
            .functions
            .push(Function {
                name,
                start,
                end: Some(end),
                hits: u64::from(hit),
            });
    }

    fn end_module(&mut self, cx: &mut Cx<'_, '_>) {
        let Some(m) = self.module.take() else { return };
        let stated_lines = m.stated.lines;
        if stated_lines.iter().all(Option::is_some) {
            let stated = stated_lines.map(Option::unwrap_or_default);
            if stated != m.lines {
                cx.note(format!(
                    "module `{}` states {}/{}/{} lines covered/partially covered/not covered, its ranges give {}/{}/{} (counted per method)",
                    m.name, stated[0], stated[1], stated[2], m.lines[0], m.lines[1], m.lines[2]
                ));
            }
        }
        if let [Some(c), Some(n)] = m.stated.blocks {
            if m.blocks_known && [c, n] != m.blocks {
                cx.note(format!(
                    "module `{}` states {c}/{n} blocks covered/not covered, its methods sum to {}/{}",
                    m.name, m.blocks[0], m.blocks[1]
                ));
            }
        }
        if self.kind == Some(Kind::Dynamic) {
            self.emit_all(cx);
        }
    }

    /// Emits every file read so far whose id has a path; reports ids without one.
    fn emit_all(&mut self, cx: &mut Cx<'_, '_>) {
        let coverage = std::mem::take(&mut self.coverage);
        for (id, acc) in coverage {
            let Some(path) = self.files.get(&id) else {
                cx.warn(format!(
                    "ranges refer to source file id `{id}`, which no source file entry names; skipped"
                ));
                continue;
            };
            let lines = acc
                .lines
                .iter()
                .filter_map(|(n, flags)| {
                    Some(LineHit {
                        line: Line::new(*n)?,
                        hits: u64::from(fold(*flags) != NOT_COVERED),
                    })
                })
                .collect();
            let fc = FileCoverage {
                lines,
                functions: acc.functions,
                ..FileCoverage::default()
            };
            cx.emit(FileRecord {
                path: path.clone(),
                coverage: fc,
            });
        }
    }

    fn source_file(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        match pick_attrs(e, [b"id", b"path"]) {
            Ok([Some(id), Some(path)]) => {
                let path = attr_str(path, "path", cx).into_owned();
                self.files
                    .insert(String::from_utf8_lossy(id.trim_ascii()).into_owned(), path);
            }
            Ok(_) => cx.warn("<source_file> without id or path; skipped"),
            Err(err) => cx.warn(format!(
                "malformed attribute in <source_file>: {err}; skipped"
            )),
        }
    }

    fn end_source_file_names(&mut self, cx: &mut Cx<'_, '_>) {
        match self.source.take() {
            Some((Some(id), Some(name))) => {
                self.files.insert(id, name);
            }
            _ => cx.warn("<SourceFileNames> without SourceFileID or SourceFileName; skipped"),
        }
    }
}

impl Handler for VisualStudio {
    fn start(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        let name = e.name();
        let name = name.as_ref();
        self.depth += 1;
        if self.depth == 1 {
            self.kind = match name {
                b"CoverageDSPriv" => Some(Kind::DsPriv),
                b"results" => Some(Kind::Dynamic),
                _ => {
                    return Err(format!(
                        "root element is <{}>, expected <CoverageDSPriv> or <results>",
                        String::from_utf8_lossy(name)
                    ))
                }
            };
        }
        if self.schema.is_some() {
            return Ok(());
        }
        if name == b"xs:schema" {
            self.schema = Some(self.depth);
            return Ok(());
        }
        let tag = tag_of(name);
        match self.kind {
            Some(Kind::DsPriv) => {
                if let Some(field) = self.field_of(name) {
                    self.field = Some(field);
                    self.text.clear();
                }
                match tag {
                    Tag::Module => self.start_module(e, cx),
                    Tag::NamespaceTable => self.namespace.clear(),
                    Tag::Class => self.class.clear(),
                    Tag::Method => self.method = Some(MethodAcc::default()),
                    Tag::Lines => self.range = Some(Range::default()),
                    Tag::SourceFileNames => self.source = Some((None, None)),
                    Tag::Other => {}
                }
            }
            Some(Kind::Dynamic) => match (tag, name) {
                (Tag::Module, _) => self.start_module(e, cx),
                (Tag::Method, _) => self.start_function(e, cx),
                (_, b"range") if self.method.is_some() => self.range(e, cx),
                (_, b"source_file") => self.source_file(e, cx),
                _ => {}
            },
            None => {}
        }
        self.stack.push(tag);
        Ok(())
    }

    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if let Some(d) = self.schema {
            if d == self.depth {
                self.schema = None;
            }
            self.depth = self.depth.saturating_sub(1);
            return Ok(());
        }
        self.depth = self.depth.saturating_sub(1);
        let tag = self.stack.pop().unwrap_or(Tag::Other);
        if let Some(field) = self.field.take() {
            self.set_field(field, cx);
        }
        match (self.kind, tag) {
            (_, Tag::Module) => self.end_module(cx),
            (_, Tag::Method) => self.end_method(cx),
            (Some(Kind::DsPriv), Tag::Lines) => self.end_lines(cx),
            (Some(Kind::DsPriv), Tag::SourceFileNames) => self.end_source_file_names(cx),
            _ => {}
        }
        let _ = name;
        Ok(())
    }

    fn wants_text(&self) -> bool {
        self.field.is_some()
    }

    fn text(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn finish(&mut self, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if self.kind.is_none() {
            return Err("no <CoverageDSPriv> or <results> element".to_string());
        }
        self.emit_all(cx);
        Ok(())
    }
}
