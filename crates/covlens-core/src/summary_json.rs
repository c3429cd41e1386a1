//! The JSON summary (`covlens summary --json`, and the page's "JSON summary" export): one stable shape
//! written in one place.
//!
//! Shape: `files` (count), `lines` / `branches` / `functions` / `statements` as `{"found", "hit"}` (these
//! five keys first: the stable contract), `fidelity` of the merge, `inputs` (`path`, `format` (null when it
//! failed), `fidelity` (absent when it failed), `files`, `records`, `diagnostics` (rendered), `error` (only
//! when it failed)), `skipped`, `merge_diagnostics` and, when asked for, `per_file` (`path` and the four
//! counters). A fidelity is `{"lines", "branches", "functions": "counted" | "boolean" | "absent",
//! "branch_identity": "native" | "positional"}`.

use serde::Serialize;

use crate::summary::{branch_identity_name, measure_name};
use crate::{Counter, Fidelity, Totals};

/// One input as the summary lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input<'a> {
    pub path: &'a str,
    /// The format's id; `None` when the input failed.
    pub format: Option<&'static str>,
    /// What the input measured; `None` when it failed.
    pub fidelity: Option<Fidelity>,
    pub files: u64,
    pub records: u64,
    /// Rendered (`name:line:col: severity: message`).
    pub diagnostics: Vec<String>,
    pub error: Option<&'a str>,
}

/// Everything the summary says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document<'a> {
    pub files: u64,
    pub totals: Totals,
    pub fidelity: Fidelity,
    pub inputs: Vec<Input<'a>>,
    /// Inputs that were not coverage reports (CLI: files met in directories; page: source files).
    pub skipped: u64,
    /// Rendered merge diagnostics.
    pub merge_diagnostics: Vec<String>,
    /// Per file, in path order; `None` leaves the key out.
    pub per_file: Option<Vec<(&'a str, Totals)>>,
}

#[derive(Serialize)]
struct CounterJson {
    found: u64,
    hit: u64,
}

impl From<Counter> for CounterJson {
    fn from(c: Counter) -> Self {
        CounterJson {
            found: c.found,
            hit: c.hit,
        }
    }
}

#[derive(Serialize)]
struct FidelityJson {
    lines: &'static str,
    branches: &'static str,
    functions: &'static str,
    /// `native`: branch ids from the producer; `positional`: made up from covered/total numbers.
    branch_identity: &'static str,
}

impl From<Fidelity> for FidelityJson {
    fn from(f: Fidelity) -> Self {
        FidelityJson {
            lines: measure_name(f.lines),
            branches: measure_name(f.branches),
            functions: measure_name(f.functions),
            branch_identity: branch_identity_name(f.branch_identity),
        }
    }
}

#[derive(Serialize)]
struct InputJson<'a> {
    path: &'a str,
    format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fidelity: Option<FidelityJson>,
    files: u64,
    records: u64,
    diagnostics: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct FileJson<'a> {
    path: &'a str,
    lines: CounterJson,
    branches: CounterJson,
    functions: CounterJson,
    statements: CounterJson,
}

impl<'a> FileJson<'a> {
    fn new(path: &'a str, t: &Totals) -> Self {
        FileJson {
            path,
            lines: t.lines.into(),
            branches: t.branches.into(),
            functions: t.functions.into(),
            statements: t.statements.into(),
        }
    }
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    files: u64,
    lines: CounterJson,
    branches: CounterJson,
    functions: CounterJson,
    /// Go's unit (statements of coverprofile blocks); zeros for formats without statements.
    statements: CounterJson,
    fidelity: FidelityJson,
    inputs: Vec<InputJson<'a>>,
    skipped: u64,
    merge_diagnostics: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    per_file: Option<Vec<FileJson<'a>>>,
}

/// The summary as pretty-printed JSON with a final newline.
pub fn write(doc: &Document<'_>) -> String {
    let t = &doc.totals;
    let value = SummaryJson {
        files: doc.files,
        lines: t.lines.into(),
        branches: t.branches.into(),
        functions: t.functions.into(),
        statements: t.statements.into(),
        fidelity: doc.fidelity.into(),
        inputs: doc
            .inputs
            .iter()
            .map(|i| InputJson {
                path: i.path,
                format: i.format,
                fidelity: i.fidelity.map(FidelityJson::from),
                files: i.files,
                records: i.records,
                diagnostics: &i.diagnostics,
                error: i.error,
            })
            .collect(),
        skipped: doc.skipped,
        merge_diagnostics: &doc.merge_diagnostics,
        per_file: doc
            .per_file
            .as_ref()
            .map(|v| v.iter().map(|(p, t)| FileJson::new(p, t)).collect()),
    };
    let mut s = serde_json::to_string_pretty(&value).expect("summary JSON is plain data");
    s.push('\n');
    s
}
