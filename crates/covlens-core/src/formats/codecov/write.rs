//! The Codecov JSON writer: a report → Codecov's "custom coverage format", one file per output line, files
//! in path order, lines in number order.
//!
//! Shape (docs.codecov.com, "Codecov Custom Coverage Format"; `FORMATS.md` section 16):
//! `{"coverage": {"<path>": {"<line>": <hits> | "<covered>/<total>"}}}`, line keys as decimal strings.
//!
//! Mapping, chosen so this module's reader gives back the same line and branch totals:
//! - a line without branches: its hits, as an integer. A boolean input's line is written as the model
//!   stores it (1 covered, 0 not): a lower bound, which Codecov only uses as hit / missed;
//! - a line with branches: `"covered/total"`, a branch counting as covered when taken at least once; a
//!   never-evaluated branch (`taken: None`) is to cover and not covered, as [`crate::Totals`] counts it.
//!   Codecov (and the reader) take such a line as hit when `covered > 0`, so its hit count is not kept;
//! - a line whose hits and branches disagree (hit with no branch taken, as a line with only exception
//!   branches; or not hit with branches taken) cannot be a `"covered/total"` without turning a hit line
//!   into a missed one or back: it is written as its hits and its branches are left out (listed by
//!   [`omissions`]);
//! - not written, because the format has no place for them (listed by [`omissions`]): functions, MC/DC
//!   conditions, Go statement blocks, line checksums, and branches on a line that has no line record.

use std::io::{self, Write};

use crate::formats::sonarqube::{branches_without_line, Omitted};
use crate::model::{FileCoverage, Report};

/// Writes `report` as Codecov JSON.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 << 10);
    buf.extend_from_slice(b"{\"coverage\": {");
    let mut first = true;
    for (path, fc) in &report.files {
        buf.extend_from_slice(if first { b"\n" } else { b",\n" });
        first = false;
        write_file(&mut buf, path, fc);
        if buf.len() >= 60 << 10 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n}}\n");
    out.write_all(&buf)
}

/// The JSON text of `report`.
pub fn write_to_vec(report: &Report) -> Vec<u8> {
    let mut v = Vec::new();
    write(report, &mut v).expect("writing to a Vec does not fail");
    v
}

/// What [`write`] leaves out of `report`, one message per kind (empty when the output is complete).
pub fn omissions(report: &Report) -> Vec<String> {
    let mut o = Omitted::default();
    let mut disagreeing = 0u64;
    for fc in report.files.values() {
        o.functions += fc.functions.len() as u64;
        o.mcdc += fc.mcdc.len() as u64;
        o.statements += fc.statements.len() as u64;
        o.orphan_branches += branches_without_line(fc);
        for l in &fc.lines {
            let b = fc.branches_on(l.line);
            if !b.is_empty() && !agrees(l.hits, b) {
                disagreeing += b.len() as u64;
            }
        }
    }
    o.other_branches = Some((
        disagreeing,
        "on lines whose hits and taken branches disagree: Codecov's \"covered/total\" would change whether the line was hit",
    ));
    o.messages("Codecov JSON")
}

/// Whether `"covered/total"` says the truth about the line: hit exactly when a branch was taken.
fn agrees(hits: u64, branches: &[crate::model::Branch]) -> bool {
    let covered = branches.iter().any(|b| b.taken.unwrap_or(0) > 0);
    covered == (hits > 0)
}

fn write_file(buf: &mut Vec<u8>, path: &str, fc: &FileCoverage) {
    buf.extend_from_slice(
        serde_json::to_string(path)
            .expect("a string serializes")
            .as_bytes(),
    );
    buf.extend_from_slice(b": {");
    for (i, l) in fc.lines.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b", ");
        }
        buf.push(b'"');
        buf.extend_from_slice(l.line.get().to_string().as_bytes());
        buf.extend_from_slice(b"\": ");
        let branches = fc.branches_on(l.line);
        if !branches.is_empty() && agrees(l.hits, branches) {
            let hit = branches.iter().filter(|b| b.taken.unwrap_or(0) > 0).count();
            buf.extend_from_slice(format!("\"{hit}/{}\"", branches.len()).as_bytes());
        } else {
            buf.extend_from_slice(l.hits.to_string().as_bytes());
        }
    }
    buf.push(b'}');
}
