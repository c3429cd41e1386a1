//! The Cobertura XML writer: a report → `coverage-04.dtd`-valid XML (packages = directories, classes = files).
//!
//! Mapping, chosen so that this module's own reader gives back the same lines exactly and the same
//! branch and function totals:
//! - one `<package>` per directory (named with `.` between segments, `.` for the top level, as
//!   coverage.py names them), one `<class>` per file, named by the file's base name (so the reader sees
//!   a file-derived class name and leaves function names unqualified);
//! - `<line number hits branch condition-coverage>`: the covered/total of the line's branches, a branch
//!   counting as covered when taken at least once (Cobertura has no per-branch identity);
//! - one `<method name signature="">` per function; its `<lines>` start with the function's start line
//!   carrying the function's hits (the reader takes a function's hits from its first line), then the
//!   file's lines up to the function's end line;
//! - `line-rate`/`branch-rate` are covered/valid rounded to 4 decimals (1 when nothing is valid, as
//!   Cobertura does), `complexity` is 0 (not measured);
//! - the timestamp and version come from [`WriteOptions`]: the core reads no clock.
//!
//! Text that XML 1.0 cannot carry at all (control characters other than tab, newline and carriage
//! return) is replaced with U+FFFD; tab, newline and carriage return in attributes are written as
//! character references so that attribute normalisation does not turn them into spaces.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::model::{FileCoverage, Line, Report};
use crate::totals::{Counter, Totals};

/// Options of [`write()`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// The `timestamp` attribute (the caller's clock; Cobertura tools write seconds or milliseconds).
    pub timestamp: u64,
    /// Written as the one `<source>`; paths under it are written relative to it. Readers join relative
    /// filenames to it, so a relative path not under it would not read back as itself: give a root
    /// only for reports whose paths are absolute (or all under it).
    pub source_root: Option<String>,
    /// The `version` attribute.
    pub version: String,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            timestamp: 0,
            source_root: None,
            version: concat!("covlens ", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// Writes `report` as Cobertura XML.
pub fn write(report: &Report, options: &WriteOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(64 * 1024, out);
    let root = options
        .source_root
        .as_deref()
        .map(|r| r.trim_end_matches(['/', '\\']))
        .filter(|r| !r.is_empty());

    // Group files by directory of the written filename.
    let mut packages: BTreeMap<String, Vec<(String, &FileCoverage)>> = BTreeMap::new();
    for (path, fc) in &report.files {
        let written = match root {
            Some(r) => match path.strip_prefix(r) {
                Some(rest) if rest.starts_with(['/', '\\']) => rest[1..].to_string(),
                _ => path.clone(),
            },
            None => path.clone(),
        };
        packages
            .entry(package_name(&written))
            .or_default()
            .push((written, fc));
    }

    let total = Totals::of_report(report);
    w.write_all(b"<?xml version=\"1.0\" ?>\n")?;
    w.write_all(
        b"<!DOCTYPE coverage SYSTEM \"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n",
    )?;
    write!(
        w,
        "<coverage line-rate=\"{}\" branch-rate=\"{}\" lines-covered=\"{}\" lines-valid=\"{}\" branches-covered=\"{}\" branches-valid=\"{}\" complexity=\"0\" version=\"",
        Rate(total.lines),
        Rate(total.branches),
        total.lines.hit,
        total.lines.found,
        total.branches.hit,
        total.branches.found,
    )?;
    escape(&mut w, &options.version, true)?;
    writeln!(w, "\" timestamp=\"{}\">", options.timestamp)?;
    match options.source_root.as_deref() {
        Some(r) => {
            w.write_all(b"  <sources>\n    <source>")?;
            escape(&mut w, r, false)?;
            w.write_all(b"</source>\n  </sources>\n")?;
        }
        None => w.write_all(b"  <sources/>\n")?,
    }
    w.write_all(b"  <packages>\n")?;
    for (name, files) in &packages {
        let mut t = Totals::default();
        for (_, fc) in files {
            t.add(&Totals::of_file(fc));
        }
        w.write_all(b"    <package name=\"")?;
        escape(&mut w, name, true)?;
        writeln!(
            w,
            "\" line-rate=\"{}\" branch-rate=\"{}\" complexity=\"0\">",
            Rate(t.lines),
            Rate(t.branches)
        )?;
        w.write_all(b"      <classes>\n")?;
        for (path, fc) in files {
            write_class(&mut w, path, fc)?;
        }
        w.write_all(b"      </classes>\n    </package>\n")?;
    }
    w.write_all(b"  </packages>\n</coverage>\n")?;
    w.flush()
}

fn write_class(w: &mut impl Write, path: &str, fc: &FileCoverage) -> io::Result<()> {
    let t = Totals::of_file(fc);
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    w.write_all(b"        <class name=\"")?;
    escape(w, base, true)?;
    w.write_all(b"\" filename=\"")?;
    escape(w, path, true)?;
    writeln!(
        w,
        "\" line-rate=\"{}\" branch-rate=\"{}\" complexity=\"0\">",
        Rate(t.lines),
        Rate(t.branches)
    )?;
    if fc.functions.is_empty() {
        w.write_all(b"          <methods/>\n")?;
    } else {
        w.write_all(b"          <methods>\n")?;
        for f in &fc.functions {
            let end = f.end.unwrap_or(f.start).max(f.start);
            // The function's own first line, then the file's lines after it up to its end.
            let from = fc.lines.partition_point(|l| l.line <= f.start);
            let to = fc.lines.partition_point(|l| l.line <= end);
            let body = &fc.lines[from..to];
            let lines = Counter {
                found: 1 + body.len() as u64,
                hit: u64::from(f.hits > 0) + body.iter().filter(|l| l.hits > 0).count() as u64,
            };
            let mut branches = branch_counter(fc, f.start);
            for l in body {
                branches.add(branch_counter(fc, l.line));
            }
            w.write_all(b"            <method name=\"")?;
            escape(w, &f.name, true)?;
            writeln!(
                w,
                "\" signature=\"\" line-rate=\"{}\" branch-rate=\"{}\" complexity=\"0\">",
                Rate(lines),
                Rate(branches)
            )?;
            w.write_all(b"              <lines>\n")?;
            write_line(w, "                ", fc, f.start, f.hits)?;
            for l in body {
                write_line(w, "                ", fc, l.line, l.hits)?;
            }
            w.write_all(b"              </lines>\n            </method>\n")?;
        }
        w.write_all(b"          </methods>\n")?;
    }
    if fc.lines.is_empty() {
        w.write_all(b"          <lines/>\n")?;
    } else {
        w.write_all(b"          <lines>\n")?;
        for l in &fc.lines {
            write_line(w, "            ", fc, l.line, l.hits)?;
        }
        w.write_all(b"          </lines>\n")?;
    }
    w.write_all(b"        </class>\n")
}

fn branch_counter(fc: &FileCoverage, line: Line) -> Counter {
    let b = fc.branches_on(line);
    Counter {
        found: b.len() as u64,
        hit: b.iter().filter(|b| b.taken.unwrap_or(0) > 0).count() as u64,
    }
}

fn write_line(
    w: &mut impl Write,
    indent: &str,
    fc: &FileCoverage,
    line: Line,
    hits: u64,
) -> io::Result<()> {
    let b = branch_counter(fc, line);
    if b.found == 0 {
        writeln!(
            w,
            "{indent}<line number=\"{line}\" hits=\"{hits}\" branch=\"false\"/>"
        )
    } else {
        // Integer percent, rounded down like Cobertura's own reports.
        let percent = u128::from(b.hit) * 100 / u128::from(b.found);
        writeln!(
            w,
            "{indent}<line number=\"{line}\" hits=\"{hits}\" branch=\"true\" condition-coverage=\"{percent}% ({}/{})\"/>",
            b.hit, b.found
        )
    }
}

/// `src/a/b.c` → `src.a`; a top-level file → `.`.
fn package_name(path: &str) -> String {
    let dir = match path.rfind(['/', '\\']) {
        Some(i) => &path[..i],
        None => "",
    };
    let dir = dir.trim_start_matches(['/', '\\']);
    if dir.is_empty() {
        ".".to_string()
    } else {
        dir.replace(['/', '\\'], ".")
    }
}

/// A rate with at most 4 decimals, computed in integers (no float formatting differences).
struct Rate(Counter);

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Counter { found, hit } = self.0;
        if found == 0 {
            return f.write_str("1");
        }
        let hit = u128::from(hit.min(found));
        let found = u128::from(found);
        let scaled = (hit * 20_000 + found) / (2 * found); // round half up, in 1/10000
        let (int, mut frac) = (scaled / 10_000, scaled % 10_000);
        if frac == 0 {
            return write!(f, "{int}");
        }
        let mut digits = 4;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        write!(f, "{int}.{frac:0digits$}")
    }
}

/// Writes `s` escaped for an attribute (`attr`) or for character data.
fn escape(w: &mut impl Write, s: &str, attr: bool) -> io::Result<()> {
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let rep: &str = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' if attr => "&quot;",
            '\t' if attr => "&#9;",
            '\n' if attr => "&#10;",
            '\r' => "&#13;",
            '\t' | '\n' => continue,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => "\u{FFFD}",
            _ => continue,
        };
        w.write_all(&s.as_bytes()[last..i])?;
        w.write_all(rep.as_bytes())?;
        last = i + c.len_utf8();
    }
    w.write_all(&s.as_bytes()[last..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(hit: u64, found: u64) -> String {
        Rate(Counter { found, hit }).to_string()
    }

    #[test]
    fn rates() {
        assert_eq!(rate(0, 0), "1");
        assert_eq!(rate(0, 3), "0");
        assert_eq!(rate(3, 3), "1");
        assert_eq!(rate(1, 2), "0.5");
        assert_eq!(rate(2, 3), "0.6667");
        assert_eq!(rate(1, 3), "0.3333");
        assert_eq!(rate(1, 40000), "0");
        assert_eq!(rate(1, 8), "0.125");
    }

    #[test]
    fn packages() {
        assert_eq!(package_name("a.c"), ".");
        assert_eq!(package_name("src/a/b.c"), "src.a");
        assert_eq!(package_name("/home/x/b.c"), "home.x");
        assert_eq!(package_name("C:\\x\\b.c"), "C:.x");
    }

    #[test]
    fn escaping() {
        let mut v = Vec::new();
        escape(&mut v, "a&b<\"c\"\t\u{1}>", true).unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "a&amp;b&lt;&quot;c&quot;&#9;\u{FFFD}&gt;"
        );
    }
}
