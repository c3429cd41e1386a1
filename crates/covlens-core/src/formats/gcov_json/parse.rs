//! The reader of gcov's JSON and of gcovr's JSON, which copies gcov's layout (`files[].lines[]` with
//! `count` and `branches[]`, `files[].functions[]`) and adds `gcovr/...` keys. Each file, line and
//! function is read from its own raw text, so a malformed one is reported at its position and skipped.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError, Position};
use crate::formats::jsonpos::{self, CountIs, Diags, LineIndex, Num};
use crate::formats::{ParseOptions, Sink};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow, default)]
    files: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    format_version: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "gcovr/format_version")]
    gcovr_format_version: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct FileWire<'a> {
    #[serde(borrow)]
    file: Cow<'a, str>,
    #[serde(borrow, default)]
    lines: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    functions: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct LineWire {
    line_number: Num,
    count: Num,
    #[serde(default)]
    branches: Vec<BranchWire>,
    #[serde(default, rename = "gcovr/excluded")]
    excluded: bool,
    /// gcovr before 6.0 wrote entries for lines without code.
    #[serde(default, rename = "gcovr/noncode")]
    noncode: bool,
}

/// `fallthrough` and `throw` are not read: they are no part of a branch's identity (gcov's text output
/// leaves them off never-executed branches, so ids with them would not match across outputs).
#[derive(Deserialize)]
struct BranchWire {
    count: Num,
    #[serde(default, rename = "gcovr/excluded")]
    excluded: bool,
}

#[derive(Deserialize)]
struct FunctionWire<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    /// gcov.
    #[serde(default)]
    start_line: Option<Num>,
    #[serde(default)]
    end_line: Option<Num>,
    /// gcovr.
    #[serde(default)]
    lineno: Option<Num>,
    execution_count: Num,
    #[serde(default, rename = "gcovr/excluded")]
    excluded: bool,
}

/// Parses gcov JSON (`format` [`Format::GcovJson`]) or gcovr JSON ([`Format::GcovrJson`]).
pub(crate) fn parse_gcc_json(
    format: Format,
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let input = jsonpos::strip_bom(input);
    let doc: Document<'_> =
        serde_json::from_slice(input).map_err(|e| jsonpos::document_error(format, input, &e))?;
    let mut cx = Cx {
        format,
        diags: Diags::new(options.max_diagnostics),
        index: LineIndex::new(input),
        excluded: 0,
    };
    let version = match format {
        Format::GcovrJson => doc.gcovr_format_version,
        _ => doc.format_version,
    };
    cx.check_version(version);
    let Some(files) = doc.files else {
        return Err(ParseError::new(
            Some(format),
            None,
            "no `files` array at the top of the document",
        ));
    };
    for raw in files {
        cx.file(raw, sink);
    }
    if cx.excluded > 0 {
        let n = cx.excluded;
        cx.diags.note(None, || {
            format!("{n} line(s), branch(es) or function(s) marked gcovr/excluded were skipped, as gcovr's totals skip them")
        });
    }
    Ok(cx.diags.finish())
}

pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    parse_gcc_json(Format::GcovJson, input, options, sink)
}

struct Cx<'a> {
    format: Format,
    diags: Diags,
    index: LineIndex<'a>,
    excluded: u64,
}

impl Cx<'_> {
    fn check_version(&mut self, version: Option<&RawValue>) {
        let Some(raw) = version else { return };
        let text = raw.get().trim_matches('"');
        let major = text.split('.').next().and_then(|m| m.parse::<u32>().ok());
        // gcov: "1" (GCC 9 to 13), "2" (GCC 14: conditions, calls). gcovr: "0.x".
        let known = match self.format {
            Format::GcovrJson => major == Some(0),
            _ => major.is_some_and(|m| m <= 2),
        };
        if !known {
            self.diags.note(None, || {
                format!("format version {text} is newer than those covlens knows; unknown keys are skipped")
            });
        }
    }

    fn count(&mut self, n: Num, at: Position, what: &str) -> Option<u64> {
        match n.count() {
            CountIs::Exact(v) => Some(v),
            CountIs::Clamped => {
                self.diags
                    .warn(Some(at), || format!("negative {what} {n} clamped to 0"));
                Some(0)
            }
            CountIs::Saturated => {
                self.diags
                    .warn(Some(at), || format!("{what} {n} saturated at {}", u64::MAX));
                Some(u64::MAX)
            }
            CountIs::NotInteger => {
                self.diags.warn(Some(at), || {
                    format!("{what} {n} is not an integer; skipped")
                });
                None
            }
        }
    }

    fn file(&mut self, raw: &RawValue, sink: &mut Sink<'_>) {
        let file: FileWire<'_> = match serde_json::from_str(raw.get()) {
            Ok(f) => f,
            Err(e) => {
                let at = self.index.of_error_in(raw, &e);
                self.diags.warn(Some(at), || {
                    format!("file record skipped: {}", jsonpos::json_message(&e))
                });
                return;
            }
        };
        let mut coverage = FileCoverage::default();
        // How many entries each line number had so far: the block of the next entry's branches.
        let mut entries: BTreeMap<u32, u32> = BTreeMap::new();
        for raw in &file.lines {
            self.line(raw, &mut entries, &mut coverage);
        }
        for raw in &file.functions {
            self.function(raw, &mut coverage);
        }
        sink(FileRecord {
            path: file.file.into_owned(),
            coverage,
        });
    }

    fn line(&mut self, raw: &RawValue, entries: &mut BTreeMap<u32, u32>, fc: &mut FileCoverage) {
        let entry: LineWire = match serde_json::from_str(raw.get()) {
            Ok(l) => l,
            Err(e) => {
                let at = self.index.of_error_in(raw, &e);
                self.diags.warn(Some(at), || {
                    format!("line entry skipped: {}", jsonpos::json_message(&e))
                });
                return;
            }
        };
        if entry.noncode {
            return;
        }
        if entry.excluded {
            self.excluded += 1;
            return;
        }
        let at = self.index.of_raw(raw);
        let Some(line) = jsonpos::line_number(entry.line_number).and_then(Line::new) else {
            let n = entry.line_number;
            self.diags.warn(Some(at), || {
                format!("line entry skipped: line_number {n} is not a line (1 or more)")
            });
            return;
        };
        let Some(count) = self.count(entry.count, at, "line count") else {
            return;
        };
        fc.lines.push(LineHit { line, hits: count });
        let ordinal = entries.entry(line.get()).or_insert(0);
        let block = *ordinal;
        *ordinal += 1;
        let mut index = 0u32;
        for b in &entry.branches {
            if b.excluded {
                self.excluded += 1;
                continue;
            }
            let Some(taken) = self.count(b.count, at, "branch count") else {
                index += 1;
                continue;
            };
            fc.branches.push(Branch {
                line,
                id: BranchId {
                    block,
                    branch: BranchName::Index(index),
                    flags: 0,
                },
                taken: (count > 0).then_some(taken),
            });
            index += 1;
        }
    }

    fn function(&mut self, raw: &RawValue, fc: &mut FileCoverage) {
        let f: FunctionWire<'_> = match serde_json::from_str(raw.get()) {
            Ok(f) => f,
            Err(e) => {
                let at = self.index.of_error_in(raw, &e);
                self.diags.warn(Some(at), || {
                    format!("function entry skipped: {}", jsonpos::json_message(&e))
                });
                return;
            }
        };
        if f.excluded {
            self.excluded += 1;
            return;
        }
        let at = self.index.of_raw(raw);
        let start = f.start_line.or(f.lineno);
        let Some(start) = start.and_then(jsonpos::line_number).and_then(Line::new) else {
            self.diags.warn(Some(at), || {
                format!("function `{}` skipped: no valid start line", f.name)
            });
            return;
        };
        let Some(hits) = self.count(f.execution_count, at, "function count") else {
            return;
        };
        let end = f
            .end_line
            .and_then(jsonpos::line_number)
            .and_then(Line::new)
            .filter(|e| *e >= start);
        fc.functions.push(Function {
            name: f.name.into_owned(),
            start,
            end,
            hits,
        });
    }
}
