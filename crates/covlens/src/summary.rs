//! The `summary` output: tables for people, a stable JSON shape for scripts, Markdown for CI job summaries.
//!
//! The JSON (`--format json`, `--json`) has the stable shape of [`covlens_core::summary_json`], shared
//! with the page's JSON export; with `--files` it carries `per_file`.
//!
//! The Markdown (`--format markdown`) lives here, not in the core: it is a presentation choice of the
//! CLI (GitHub's job summary), built from the core's shared wording ([`covlens_core::summary`]).

use std::io::Write;

use covlens_core::compact::Summary;
use covlens_core::summary::{describe_fidelity, has_boolean, least_covered};
use covlens_core::Counter;

use crate::load::LoadResult;

/// `summary --json`, pretty-printed, with a final newline (the shape: [`covlens_core::summary_json`]).
pub fn json(result: &LoadResult<Summary>, per_file: bool) -> String {
    use covlens_core::summary_json::{write, Document, Input};
    write(&Document {
        files: result.report.files.len() as u64,
        totals: result.report.totals(),
        fidelity: result.report.fidelity,
        inputs: result
            .inputs
            .iter()
            .map(|i| Input {
                path: &i.display,
                format: i.format.map(|f| f.id()),
                fidelity: i.fidelity,
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
                .map(|(path, f)| (path.as_str(), f.totals()))
                .collect()
        }),
    })
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
pub fn human(result: &LoadResult<Summary>, per_file: bool) -> String {
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
                i.fidelity
                    .map_or_else(|| "-".to_string(), describe_fidelity),
                i.files.to_string(),
                i.diagnostics.len().to_string(),
            ]
        })
        .collect();
    table(
        &["input", "format", "fidelity", "files", "diagnostics"],
        3,
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
            .map(|(path, f)| {
                let t = f.totals();
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

    let totals = result.report.totals();
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

/// `text` as a Markdown code span (any backticks inside stay literal, `|` is escaped for tables, line
/// breaks become spaces).
fn md_code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.is_empty() || text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `summary --format markdown`: GitHub-flavoured Markdown for a CI job summary (`$GITHUB_STEP_SUMMARY`):
/// the totals, the inputs with their fidelity, and the `least` files with the lowest line coverage
/// (worst first; ties: more uncovered lines, then path). Deterministic: the same inputs give the same text.
pub fn markdown(result: &LoadResult<Summary>, least: usize) -> String {
    let mut out =
        String::from("## Coverage\n\n| | Found | Hit | Covered |\n| :-- | --: | --: | --: |\n");
    let totals = result.report.totals();
    let mut row = |name: &str, c: Counter| {
        out.push_str(&format!(
            "| {name} | {} | {} | {} |\n",
            c.found,
            c.hit,
            percent(c)
        ));
    };
    row("Lines", totals.lines);
    row("Branches", totals.branches);
    row("Functions", totals.functions);
    if totals.statements.found > 0 {
        row("Statements", totals.statements);
    }
    let files = result.report.files.len();
    let fidelity = result.report.fidelity;
    out.push_str(&format!(
        "\n{files} source file{}; merged fidelity: {}.\n",
        if files == 1 { "" } else { "s" },
        describe_fidelity(fidelity)
    ));
    if has_boolean(fidelity) {
        out.push_str(
            "Boolean means covered or not: counts that involve a boolean input are lower bounds.\n",
        );
    }

    out.push_str(
        "\n### Inputs\n\n| Input | Format | Fidelity | Files |\n| :-- | :-- | :-- | --: |\n",
    );
    for i in &result.inputs {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            md_code(&i.display),
            i.format.map_or("failed", |f| f.id()),
            i.fidelity
                .map_or_else(|| "-".to_string(), describe_fidelity),
            i.files
        ));
    }

    let worst = least_covered(
        result
            .report
            .files
            .iter()
            .map(|(p, f)| (p.as_str(), f.totals())),
        least,
    );
    if !worst.is_empty() {
        out.push_str(
            "\n### Least covered files\n\n| File | Lines | Covered |\n| :-- | --: | --: |\n",
        );
        for (path, t) in worst {
            out.push_str(&format!(
                "| {} | {}/{} | {} |\n",
                md_code(path),
                t.lines.hit,
                t.lines.found,
                percent(t.lines)
            ));
        }
    }
    out
}

/// Writes `text` to stdout in one go.
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}
