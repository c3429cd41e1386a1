//! The reader of SimpleCov's two JSON outputs: every file entry → one record.
//!
//! Rules (`FORMATS.md` §15, SimpleCov's `ResultMerger` and JSON formatter schema), and why:
//! - **Shapes**: a document whose `coverage` member is an object is the JSON formatter's
//!   `coverage.json` (`meta`, `total`, `coverage`, `groups`, `errors`); any other object is a
//!   `.resultset.json`, `{"<command name>": {"coverage": {...}, "timestamp": n}, ...}`. Every command
//!   name's files are read, and repeated paths merge by the model's rules (counts summed, which is
//!   SimpleCov's own merge of parallel runs: `null + null` stays not relevant, `null + n` is `n`).
//! - **Lines**: `lines[i]` is line `i + 1`; a number is its count, `null` is not relevant and
//!   `"ignored"` (inside `# :nocov:`) is not counted, so lines found / hit are SimpleCov's
//!   `total_lines` / `covered_lines`. A resultset file given as a bare array is the pre-0.18 layout.
//! - **Branches** of a resultset are Ruby's `Coverage` keys, stringified arrays
//!   `"[:if, 0, 12, 4, 20, 29]": {"[:then, 1, 14, 6, 14, 10]": 3, ...}`: each inner key is one branch,
//!   on the condition's start line (the 3rd element), with block = the condition's id and branch = the
//!   inner id. In `coverage.json` branches are a list with no ids: each is on its `report_line` (the
//!   line of the `if`/`case`), block 0, branch = its place in the file's list, which is stable for one
//!   version of the source.
//! - **Methods** (`coverage.json` `methods`, resultset `"[Foo, :bar, 3, 2, 5, 5]": n` keys) become
//!   functions named `Foo#bar` (the formatter's own name where it gives one) from start to end line.
//!   `"ignored"` counts are left out, as SimpleCov leaves them out of its totals.
//! - The formatter's per-file `total_lines`/`covered_lines` (and branch, method counts) are compared
//!   with what the lists give; a disagreement is a note. `source`, `contexts`, `timestamp`, `meta`,
//!   `total` and `groups` are not kept.
//! - A malformed entry (a key that is not a Ruby array of the expected length, a value of the wrong
//!   type) is skipped with a diagnostic at its file's position; negative counts are clamped to 0 with
//!   a warning. JSON that does not parse is an error at its line and column.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError, Position};
use crate::formats::istanbul::parse::Members;
use crate::formats::jsonpos::{self, CountIs, Diags, LineIndex, Num};
use crate::formats::{ParseOptions, Sink};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

/// One element of a `lines` array or one branch or method count.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Count(Num),
    Null,
    /// `"ignored"`: inside a `:nocov:` region.
    Ignored,
    /// Any other string.
    Other(String),
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Val, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Val;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count, null or \"ignored\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val, E> {
                Ok(Val::Count(Num::U(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val, E> {
                Ok(Val::Count(if v < 0 {
                    Num::Neg(v)
                } else {
                    Num::U(v as u64)
                }))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val, E> {
                Ok(Val::Count(Num::F(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Val, E> {
                Ok(Val::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Val, E> {
                Ok(Val::Null)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Val, E> {
                Ok(if v == "ignored" {
                    Val::Ignored
                } else {
                    Val::Other(v.to_string())
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct Command<'a> {
    #[serde(borrow, default)]
    coverage: Option<&'a RawValue>,
}

/// A resultset file entry of SimpleCov 0.18 and later.
#[derive(Deserialize)]
struct ResultsetFile {
    #[serde(default)]
    lines: Option<Vec<Val>>,
    #[serde(default)]
    branches: Option<BTreeMap<String, BTreeMap<String, Val>>>,
    #[serde(default)]
    methods: Option<BTreeMap<String, Val>>,
}

#[derive(Deserialize)]
struct FormatterBranch {
    #[serde(default)]
    start_line: Option<Num>,
    #[serde(default)]
    report_line: Option<Num>,
    coverage: Val,
}

#[derive(Deserialize)]
struct FormatterMethod {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    start_line: Option<Num>,
    #[serde(default)]
    end_line: Option<Num>,
    coverage: Val,
}

#[derive(Deserialize)]
struct FormatterFile {
    #[serde(default)]
    lines: Option<Vec<Val>>,
    #[serde(default)]
    branches: Option<Vec<FormatterBranch>>,
    #[serde(default)]
    methods: Option<Vec<FormatterMethod>>,
    #[serde(default)]
    covered_lines: Option<u64>,
    #[serde(default)]
    total_lines: Option<u64>,
    #[serde(default)]
    covered_branches: Option<u64>,
    #[serde(default)]
    total_branches: Option<u64>,
    #[serde(default)]
    covered_methods: Option<u64>,
    #[serde(default)]
    total_methods: Option<u64>,
}

/// Where diagnostics of one file go.
struct Ctx<'p, 'd> {
    path: &'p str,
    at: Position,
    diags: &'d mut Diags,
}

impl Ctx<'_, '_> {
    /// A count, or a warning and a replacement (`None`: left out).
    fn count(&mut self, v: &Val, what: impl Fn() -> String) -> Option<u64> {
        let path = self.path;
        match v {
            Val::Null | Val::Ignored => None,
            Val::Other(s) => {
                self.diags.warn(Some(self.at), || {
                    format!("`{path}`: {} is `{s}`, not a count; skipped", what())
                });
                None
            }
            Val::Count(n) => match n.count() {
                CountIs::Exact(c) => Some(c),
                CountIs::Clamped => {
                    self.diags.warn(Some(self.at), || {
                        format!("`{path}`: {} has a negative count {n}; taken as 0", what())
                    });
                    Some(0)
                }
                CountIs::Saturated => {
                    self.diags.warn(Some(self.at), || {
                        format!(
                            "`{path}`: {} has a count {n} beyond 2^64-1; saturated",
                            what()
                        )
                    });
                    Some(u64::MAX)
                }
                CountIs::NotInteger => {
                    self.diags.warn(Some(self.at), || {
                        format!(
                            "`{path}`: {} has a count {n} that is not an integer; skipped",
                            what()
                        )
                    });
                    None
                }
            },
        }
    }

    fn lines(&mut self, values: &[Val]) -> Vec<LineHit> {
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let Ok(n) = u32::try_from(i + 1) else { break };
            if let Some(hits) = self.count(v, || format!("line {n}")) {
                if let Some(line) = Line::new(n) {
                    out.push(LineHit { line, hits });
                }
            }
        }
        out
    }
}

/// `"[:if, 0, 12, 4, 20, 29]"` → its elements, or `None` when it is not a bracketed list.
fn ruby_array(key: &str) -> Option<Vec<&str>> {
    let inner = key.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.split(',').map(str::trim).collect())
}

/// The numbers at the end of a Ruby array key: `n` of them, after at least `before` other elements.
fn tail_numbers(parts: &[&str], n: usize, before: usize) -> Option<Vec<u64>> {
    if parts.len() < n + before {
        return None;
    }
    parts[parts.len() - n..]
        .iter()
        .map(|p| p.parse::<u64>().ok())
        .collect()
}

fn line_of(n: u64) -> Option<Line> {
    u32::try_from(n).ok().and_then(Line::new)
}

/// Parses a whole SimpleCov document.
pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let body = jsonpos::strip_bom(input);
    let Members(top) = serde_json::from_slice(body)
        .map_err(|e| jsonpos::document_error(Format::Simplecov, input, &e))?;
    let mut diags = Diags::new(options.max_diagnostics);
    let mut index = LineIndex::new(input);
    let formatter = top
        .iter()
        .find(|(k, v)| k == "coverage" && v.get().starts_with('{'))
        .map(|(_, v)| *v);
    if let Some(coverage) = formatter {
        let files = members(coverage, &mut index)?;
        for (path, raw) in files {
            formatter_file(&path, raw, &mut index, &mut diags, sink);
        }
        return Ok(diags.finish());
    }
    for (command, raw) in top {
        let at = index.of_raw(raw);
        let coverage = serde_json::from_str::<Command<'_>>(raw.get())
            .ok()
            .and_then(|c| c.coverage)
            .filter(|c| c.get().starts_with('{'));
        let Some(coverage) = coverage else {
            diags.warn(Some(at), || {
                format!(
                    "command `{command}` has no `coverage` object: not a SimpleCov result; skipped"
                )
            });
            continue;
        };
        let files = members(coverage, &mut index)?;
        for (path, raw) in files {
            resultset_file(&path, raw, &mut index, &mut diags, sink);
        }
    }
    Ok(diags.finish())
}

/// The members of a nested object, or the error at its position.
fn members<'a>(
    raw: &'a RawValue,
    index: &mut LineIndex<'_>,
) -> Result<Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>, ParseError> {
    match serde_json::from_str::<Members<'a>>(raw.get()) {
        Ok(Members(m)) => Ok(m),
        Err(e) => Err(ParseError::new(
            Some(Format::Simplecov),
            Some(index.of_error_in(raw, &e)),
            jsonpos::json_message(&e),
        )),
    }
}

fn resultset_file(
    path: &str,
    raw: &RawValue,
    index: &mut LineIndex<'_>,
    diags: &mut Diags,
    sink: &mut Sink<'_>,
) {
    let at = index.of_raw(raw);
    let parsed = if raw.get().starts_with('[') {
        serde_json::from_str::<Vec<Val>>(raw.get()).map(|lines| ResultsetFile {
            lines: Some(lines),
            branches: None,
            methods: None,
        })
    } else {
        serde_json::from_str::<ResultsetFile>(raw.get())
    };
    let file = match parsed {
        Ok(f) => f,
        Err(e) => {
            let pos = index.of_error_in(raw, &e);
            let message = jsonpos::json_message(&e);
            diags.warn(Some(pos), || {
                format!("file entry `{path}` is not a SimpleCov file result ({message}); skipped")
            });
            return;
        }
    };
    let mut cx = Ctx { path, at, diags };
    let lines = cx.lines(file.lines.as_deref().unwrap_or_default());
    let mut branches = Vec::new();
    for (cond, outcomes) in file.branches.iter().flatten() {
        let cond_nums = ruby_array(cond).and_then(|p| tail_numbers(&p, 5, 1));
        let Some(cond_nums) = cond_nums else {
            cx.diags.warn(Some(at), || {
                format!("`{path}`: branch condition `{cond}` is not a Ruby `[type, id, line, column, end line, end column]`; skipped")
            });
            continue;
        };
        let (Ok(block), Some(line)) = (u32::try_from(cond_nums[0]), line_of(cond_nums[1])) else {
            cx.diags.warn(Some(at), || {
                format!("`{path}`: branch condition `{cond}` has no valid id or line; skipped")
            });
            continue;
        };
        for (outcome, v) in outcomes {
            let id = ruby_array(outcome)
                .and_then(|p| tail_numbers(&p, 5, 1))
                .and_then(|n| u32::try_from(n[0]).ok());
            let Some(id) = id else {
                cx.diags.warn(Some(at), || {
                    format!("`{path}`: branch `{outcome}` of `{cond}` is not a Ruby `[type, id, line, column, end line, end column]`; skipped")
                });
                continue;
            };
            let Some(taken) = cx.count(v, || format!("branch `{outcome}`")) else {
                continue;
            };
            branches.push(Branch {
                line,
                id: BranchId {
                    block,
                    branch: BranchName::Index(id),
                    flags: 0,
                },
                taken: Some(taken),
            });
        }
    }
    let mut functions = Vec::new();
    for (key, v) in file.methods.iter().flatten() {
        let parts = ruby_array(key);
        let nums = parts.as_deref().and_then(|p| tail_numbers(p, 4, 2));
        let (Some(parts), Some(nums)) = (parts.as_deref(), nums) else {
            cx.diags.warn(Some(at), || {
                format!("`{path}`: method `{key}` is not a Ruby `[class, name, line, column, end line, end column]`; skipped")
            });
            continue;
        };
        let Some(start) = line_of(nums[0]) else {
            cx.diags.warn(Some(at), || {
                format!("`{path}`: method `{key}` has no valid line; skipped")
            });
            continue;
        };
        let Some(hits) = cx.count(v, || format!("method `{key}`")) else {
            continue;
        };
        let method = parts[parts.len() - 5].trim_start_matches(':');
        let class = parts[..parts.len() - 5].join(", ");
        functions.push(Function {
            name: format!("{class}#{method}"),
            start,
            end: line_of(nums[2]).filter(|&e| e >= start),
            hits,
        });
    }
    sink(FileRecord {
        path: path.to_string(),
        coverage: FileCoverage {
            lines,
            branches,
            functions,
            ..FileCoverage::default()
        },
    });
}

fn formatter_file(
    path: &str,
    raw: &RawValue,
    index: &mut LineIndex<'_>,
    diags: &mut Diags,
    sink: &mut Sink<'_>,
) {
    let at = index.of_raw(raw);
    let file: FormatterFile = match serde_json::from_str(raw.get()) {
        Ok(f) => f,
        Err(e) => {
            let pos = index.of_error_in(raw, &e);
            let message = jsonpos::json_message(&e);
            diags.warn(Some(pos), || {
                format!("file entry `{path}` is not a SimpleCov coverage.json file ({message}); skipped")
            });
            return;
        }
    };
    let mut cx = Ctx { path, at, diags };
    let lines = cx.lines(file.lines.as_deref().unwrap_or_default());
    let mut branches = Vec::new();
    for (i, b) in file.branches.iter().flatten().enumerate() {
        let line = b
            .report_line
            .or(b.start_line)
            .and_then(jsonpos::line_number)
            .and_then(Line::new);
        let Some(line) = line else {
            cx.diags.warn(Some(at), || {
                format!("`{path}`: branch {i} has no valid line; skipped")
            });
            continue;
        };
        let Some(taken) = cx.count(&b.coverage, || format!("branch {i}")) else {
            continue;
        };
        branches.push(Branch {
            line,
            id: BranchId {
                block: 0,
                branch: BranchName::Index(u32::try_from(i).unwrap_or(u32::MAX)),
                flags: 0,
            },
            taken: Some(taken),
        });
    }
    let mut functions = Vec::new();
    for (i, m) in file.methods.iter().flatten().enumerate() {
        let Some(start) = m
            .start_line
            .and_then(jsonpos::line_number)
            .and_then(Line::new)
        else {
            cx.diags.warn(Some(at), || {
                format!("`{path}`: method {i} has no valid start line; skipped")
            });
            continue;
        };
        let Some(hits) = cx.count(&m.coverage, || format!("method {i}")) else {
            continue;
        };
        functions.push(Function {
            name: m
                .name
                .clone()
                .unwrap_or_else(|| format!("(method@{start})")),
            start,
            end: m
                .end_line
                .and_then(jsonpos::line_number)
                .and_then(Line::new)
                .filter(|&e| e >= start),
            hits,
        });
    }
    let hit = |n: &mut dyn Iterator<Item = bool>| n.filter(|&h| h).count() as u64;
    let checks = [
        (
            "line",
            file.total_lines,
            file.covered_lines,
            lines.len() as u64,
            hit(&mut lines.iter().map(|l| l.hits > 0)),
        ),
        (
            "branch",
            file.total_branches,
            file.covered_branches,
            branches.len() as u64,
            hit(&mut branches.iter().map(|b| b.taken.unwrap_or(0) > 0)),
        ),
        (
            "method",
            file.total_methods,
            file.covered_methods,
            functions.len() as u64,
            hit(&mut functions.iter().map(|f| f.hits > 0)),
        ),
    ];
    for (what, total, covered, found, got) in checks {
        if total.is_some_and(|t| t != found) || covered.is_some_and(|c| c != got) {
            let show = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
            let (t, c) = (show(total), show(covered));
            cx.diags.note(Some(at), || {
                format!("`{path}`: the file says {t} {what}(s), {c} covered; its lists give {found}, {got} covered")
            });
        }
    }
    sink(FileRecord {
        path: path.to_string(),
        coverage: FileCoverage {
            lines,
            branches,
            functions,
            ..FileCoverage::default()
        },
    });
}
