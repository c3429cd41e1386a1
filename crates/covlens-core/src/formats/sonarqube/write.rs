//! The SonarQube generic coverage writer: a report → `sonar-generic-coverage.xsd`-valid XML, files in path order.
//!
//! Mapping (SonarQube keeps, per line, only "covered?" and two branch numbers):
//! - one `<file path>` per file of the report, paths as the report has them (a file with no lines is
//!   written empty, so the file count reads back);
//! - one `<lineToCover lineNumber covered>` per coverable line, `covered="true"` when its hits are above
//!   zero. Counts are not written: a counted line of 5 hits and a boolean line both read back as 1, so
//!   nothing is invented and nothing but the count is lost;
//! - `branchesToCover` / `coveredBranches` on a line with branches: how many branches the line has and
//!   how many were taken at least once. A never-evaluated branch (`taken: None`) counts as to cover and
//!   not covered, as [`crate::Totals`] counts it; branch identities (block, id, flags) are not written,
//!   this module's reader makes them positional again;
//! - not written, because the format has no place for them (each is listed by [`omissions`]): functions,
//!   MC/DC conditions, Go statement blocks, line checksums, and branches on a line that has no line
//!   record (writing such a line would invent a coverable line).
//!
//! The writer is pure: it takes a `Write` and reads no clock.

use std::io::{self, Write};

use crate::model::{FileCoverage, Report};

/// Writes `report` as SonarQube generic coverage XML.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 << 10);
    buf.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<coverage version=\"1\">\n",
    );
    for (path, fc) in &report.files {
        write_file(&mut buf, path, fc);
        if buf.len() >= 60 << 10 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"</coverage>\n");
    out.write_all(&buf)
}

/// The XML text of `report`.
pub fn write_to_vec(report: &Report) -> Vec<u8> {
    let mut v = Vec::new();
    write(report, &mut v).expect("writing to a Vec does not fail");
    v
}

/// What [`write`] leaves out of `report`, one message per kind (empty when the output is complete).
pub fn omissions(report: &Report) -> Vec<String> {
    let mut o = Omitted::default();
    for fc in report.files.values() {
        o.functions += fc.functions.len() as u64;
        o.mcdc += fc.mcdc.len() as u64;
        o.statements += fc.statements.len() as u64;
        o.orphan_branches += branches_without_line(fc);
    }
    o.messages("SonarQube generic coverage")
}

/// Kinds a writer could not carry, counted over a report.
#[derive(Default)]
pub(crate) struct Omitted {
    pub functions: u64,
    pub mcdc: u64,
    pub statements: u64,
    /// Branches on lines that have no line record.
    pub orphan_branches: u64,
    /// Branches dropped for another reason, with the reason.
    pub other_branches: Option<(u64, &'static str)>,
}

impl Omitted {
    pub fn messages(&self, format: &str) -> Vec<String> {
        let mut v = Vec::new();
        if self.functions > 0 {
            v.push(format!(
                "{format} has no functions: {} function(s) not written",
                self.functions
            ));
        }
        if self.mcdc > 0 {
            v.push(format!(
                "{format} has no MC/DC conditions: {} condition(s) not written",
                self.mcdc
            ));
        }
        if self.statements > 0 {
            v.push(format!(
                "{format} has no statement blocks: {} Go block(s) not written (their lines are)",
                self.statements
            ));
        }
        if self.orphan_branches > 0 {
            v.push(format!(
                "{} branch(es) on lines without a line record not written ({format} puts branches on coverable lines)",
                self.orphan_branches
            ));
        }
        if let Some((n, why)) = self.other_branches.filter(|(n, _)| *n > 0) {
            v.push(format!("{n} branch(es) not written ({why})"));
        }
        v
    }
}

/// Branches of `fc` on lines that are not coverable lines.
pub(crate) fn branches_without_line(fc: &FileCoverage) -> u64 {
    fc.branches
        .iter()
        .filter(|b| fc.line_hits(b.line).is_none())
        .count() as u64
}

fn write_file(buf: &mut Vec<u8>, path: &str, fc: &FileCoverage) {
    buf.extend_from_slice(b"  <file path=\"");
    escape_attr(buf, path);
    if fc.lines.is_empty() {
        buf.extend_from_slice(b"\"/>\n");
        return;
    }
    buf.extend_from_slice(b"\">\n");
    for l in &fc.lines {
        buf.extend_from_slice(b"    <lineToCover lineNumber=\"");
        buf.extend_from_slice(l.line.get().to_string().as_bytes());
        buf.extend_from_slice(if l.hits > 0 {
            b"\" covered=\"true\""
        } else {
            b"\" covered=\"false\""
        });
        let branches = fc.branches_on(l.line);
        if !branches.is_empty() {
            let hit = branches.iter().filter(|b| b.taken.unwrap_or(0) > 0).count();
            buf.extend_from_slice(
                format!(
                    " branchesToCover=\"{}\" coveredBranches=\"{hit}\"",
                    branches.len()
                )
                .as_bytes(),
            );
        }
        buf.extend_from_slice(b"/>\n");
    }
    buf.extend_from_slice(b"  </file>\n");
}

/// `s` escaped for a double-quoted attribute. Characters XML 1.0 cannot carry become U+FFFD; tab, line
/// feed and carriage return are character references so attribute normalisation keeps them.
fn escape_attr(buf: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => buf.extend_from_slice(b"&amp;"),
            '<' => buf.extend_from_slice(b"&lt;"),
            '>' => buf.extend_from_slice(b"&gt;"),
            '"' => buf.extend_from_slice(b"&quot;"),
            '\t' => buf.extend_from_slice(b"&#9;"),
            '\n' => buf.extend_from_slice(b"&#10;"),
            '\r' => buf.extend_from_slice(b"&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                buf.extend_from_slice("\u{FFFD}".as_bytes())
            }
            c => {
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_escaping() {
        let mut b = Vec::new();
        escape_attr(&mut b, "a&b<\"c\"\t\u{1}>é");
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "a&amp;b&lt;&quot;c&quot;&#9;\u{FFFD}&gt;é"
        );
    }
}
