//! The `summary` output: tables for people, a stable JSON shape for scripts.

use std::io::Write;

use covlens_core::{Counter, Measure, Totals};
use serde::Serialize;

use crate::load::LoadResult;

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

#[derive(Serialize)]
struct InputJson<'a> {
    path: &'a str,
    format: Option<&'static str>,
    files: u64,
    records: u64,
    diagnostics: Vec<String>,
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

/// The JSON of `summary --json`: the first five keys (files, lines, branches, functions, statements)
/// are the stable contract, the rest are extras.
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
    /// Files met in directories that are not coverage reports.
    skipped: u64,
    merge_diagnostics: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_file: Option<Vec<FileJson<'a>>>,
}

fn measure(m: Measure) -> &'static str {
    match m {
        Measure::Absent => "absent",
        Measure::Counted => "counted",
        Measure::Boolean => "boolean",
    }
}

/// `summary --json`, pretty-printed, with a final newline.
pub fn json(result: &LoadResult, per_file: bool) -> String {
    let totals = Totals::of_report(&result.report);
    let fidelity = result.report.fidelity;
    let value = SummaryJson {
        files: result.report.files.len() as u64,
        lines: totals.lines.into(),
        branches: totals.branches.into(),
        functions: totals.functions.into(),
        statements: totals.statements.into(),
        fidelity: FidelityJson {
            lines: measure(fidelity.lines),
            branches: measure(fidelity.branches),
            functions: measure(fidelity.functions),
            branch_identity: match fidelity.branch_identity {
                covlens_core::BranchIdentity::Native => "native",
                covlens_core::BranchIdentity::Positional => "positional",
            },
        },
        inputs: result
            .inputs
            .iter()
            .map(|i| InputJson {
                path: &i.display,
                format: i.format.map(|f| f.id()),
                files: i.files,
                records: i.records,
                diagnostics: i.diagnostics.iter().map(|d| d.render(&i.display)).collect(),
                error: i.error.as_deref(),
            })
            .collect(),
        skipped: result.skipped,
        merge_diagnostics: result
            .merge_diagnostics
            .iter()
            .map(crate::render_merge_diagnostic)
            .collect(),
        per_file: per_file.then(|| {
            result
                .report
                .files
                .iter()
                .map(|(path, fc)| {
                    let t = Totals::of_file(fc);
                    FileJson {
                        path,
                        lines: t.lines.into(),
                        branches: t.branches.into(),
                        functions: t.functions.into(),
                        statements: t.statements.into(),
                    }
                })
                .collect()
        }),
    };
    let mut s = serde_json::to_string_pretty(&value).expect("summary JSON is plain data");
    s.push('\n');
    s
}

fn percent(c: Counter) -> String {
    match c.percent() {
        Some(p) => format!("{p:.2}%"),
        None => "-".to_string(),
    }
}

/// A plain text table: the first `left` columns left-aligned (text), the others right-aligned (numbers).
fn table(header: &[&str], left: usize, rows: &[Vec<String>], out: &mut String) {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, cell) in cells.enumerate().take(cols) {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                l.push_str("  ");
            }
            if i < left {
                l.push_str(cell);
                l.extend(std::iter::repeat_n(' ', pad));
            } else {
                l.extend(std::iter::repeat_n(' ', pad));
                l.push_str(cell);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}

/// `summary` for people.
pub fn human(result: &LoadResult, per_file: bool) -> String {
    let mut out = String::new();
    let rows: Vec<Vec<String>> = result
        .inputs
        .iter()
        .map(|i| {
            vec![
                i.display.clone(),
                match (i.format, &i.error) {
                    (Some(f), _) => f.id().to_string(),
                    _ => "failed".to_string(),
                },
                i.files.to_string(),
                i.diagnostics.len().to_string(),
            ]
        })
        .collect();
    table(
        &["input", "format", "files", "diagnostics"],
        2,
        &rows,
        &mut out,
    );
    if result.skipped > 0 {
        out.push_str(&format!(
            "skipped {} file{} that {} not coverage reports\n",
            result.skipped,
            if result.skipped == 1 { "" } else { "s" },
            if result.skipped == 1 { "is" } else { "are" }
        ));
    }
    out.push('\n');

    if per_file && !result.report.files.is_empty() {
        let fmt = |c: Counter| format!("{}/{}", c.hit, c.found);
        let rows: Vec<Vec<String>> = result
            .report
            .files
            .iter()
            .map(|(path, fc)| {
                let t = Totals::of_file(fc);
                vec![
                    path.clone(),
                    fmt(t.lines),
                    percent(t.lines),
                    fmt(t.branches),
                    percent(t.branches),
                    fmt(t.functions),
                    percent(t.functions),
                ]
            })
            .collect();
        table(
            &["file", "lines", "%", "branches", "%", "functions", "%"],
            1,
            &rows,
            &mut out,
        );
        out.push('\n');
    }

    let totals = Totals::of_report(&result.report);
    let row = |name: &str, c: Counter| {
        vec![
            name.to_string(),
            c.found.to_string(),
            c.hit.to_string(),
            percent(c),
        ]
    };
    let mut rows = vec![
        row("lines", totals.lines),
        row("branches", totals.branches),
        row("functions", totals.functions),
    ];
    // Go's own unit, shown only for inputs that have it.
    if totals.statements.found > 0 {
        rows.push(row("statements", totals.statements));
    }
    table(&["total", "found", "hit", "percent"], 1, &rows, &mut out);
    out.push_str(&format!(
        "{} source file{}\n",
        result.report.files.len(),
        if result.report.files.len() == 1 {
            ""
        } else {
            "s"
        }
    ));
    out
}

/// Writes `text` to stdout in one go.
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}
