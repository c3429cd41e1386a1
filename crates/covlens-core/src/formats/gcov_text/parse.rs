//! The gcov text state machine: one input line at a time, the same for the slice and reader entries.

use std::collections::BTreeMap;
use std::io::{BufRead, ErrorKind};

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError, Position};
use crate::formats::jsonpos::Diags;
use crate::formats::{ParseOptions, Sink};
use crate::model::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
};

pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let mut p = Parser::new(options);
    for line in input.split(|&b| b == b'\n') {
        p.line(line, sink);
    }
    Ok(p.finish(sink))
}

pub(crate) fn parse_reader<R: BufRead>(
    mut input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let mut p = Parser::new(options);
    let mut buf = Vec::with_capacity(256);
    let mut offset = 0u64;
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                offset += n as u64;
                let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                p.line(line, sink);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(ParseError::new(
                    Some(Format::GcovText),
                    Some(Position::Byte(offset)),
                    format!("cannot read input: {e}"),
                ))
            }
        }
    }
    Ok(p.finish(sink))
}

/// Where the lines being read belong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The file's listing.
    Listing,
    /// Just after a `------------------` separator: a `name:` header opens a section, anything else
    /// is the listing again.
    AfterSeparator,
    /// The n-th (1-based) instantiation section of the record.
    Section(u32),
}

/// The file record being read.
#[derive(Default)]
struct Record {
    path: String,
    coverage: FileCoverage,
    sections: u32,
    /// Intermediate format: branches seen so far per line (the next branch's number).
    branch_seq: BTreeMap<u32, u32>,
}

/// A `function` line waiting for the source line it starts at.
struct PendingFunction {
    name: String,
    hits: u64,
    line_no: u64,
}

/// A count field, read.
enum Count {
    /// `-`: not executable.
    NotCode,
    Value(u64),
}

struct Parser {
    diags: Diags,
    line_no: u64,
    record: Option<Record>,
    mode: Mode,
    /// `function` lines waiting for the source line they start at (several functions can start on
    /// one line: `_GLOBAL__sub_I_...` and the static initialisation at a file's last brace).
    pending: Vec<PendingFunction>,
    /// The last source line read (listing or section), for the branch lines under it.
    last_line: Option<Line>,
    noted_percent: bool,
    noted_human: bool,
    noted_intermediate_taken: bool,
    outside: u64,
}

impl Parser {
    fn new(options: &ParseOptions) -> Parser {
        Parser {
            diags: Diags::new(options.max_diagnostics),
            line_no: 0,
            record: None,
            mode: Mode::Listing,
            pending: Vec::new(),
            last_line: None,
            noted_percent: false,
            noted_human: false,
            noted_intermediate_taken: false,
            outside: 0,
        }
    }

    fn at(&self, column: usize) -> Option<Position> {
        Some(Position::LineCol {
            line: self.line_no,
            column: Some(column as u64 + 1),
        })
    }

    fn warn(&mut self, column: usize, message: impl FnOnce() -> String) {
        let at = self.at(column);
        self.diags.warn(at, message);
    }

    fn line(&mut self, raw: &[u8], sink: &mut Sink<'_>) {
        self.line_no += 1;
        let mut line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if self.line_no == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let indent = line.len() - line.trim_ascii_start().len();
        let text = line.trim_ascii_start();
        if text.trim_ascii_end().is_empty() {
            return;
        }
        if text.len() >= 10 && text.trim_ascii_end().iter().all(|&b| b == b'-') {
            self.mode = Mode::AfterSeparator;
            return;
        }
        if let Some(rest) = text.strip_prefix(b"function ") {
            return self.function_line(rest, indent + 9);
        }
        if let Some(rest) = text.strip_prefix(b"branch ") {
            return self.branch_line(rest, indent + 7);
        }
        if text.starts_with(b"call ")
            || text.starts_with(b"unconditional ")
            || text.starts_with(b"condition ")
            || text.starts_with(b"condition outcomes")
        {
            return;
        }
        if indent == 0 {
            if let Some(done) = self.intermediate_line(text, sink) {
                return done;
            }
        }
        if self.count_line(line, sink) {
            return;
        }
        if self.mode == Mode::AfterSeparator && text.trim_ascii_end().ends_with(b":") {
            if let Some(r) = &mut self.record {
                r.sections += 1;
                self.mode = Mode::Section(r.sections);
            }
            return;
        }
        self.warn(indent, || {
            format!(
                "unrecognised gcov line `{}`; skipped",
                short(&String::from_utf8_lossy(text))
            )
        });
    }

    /// `<count>:<line>:<source>`; false when the line is not of that shape.
    fn count_line(&mut self, line: &[u8], sink: &mut Sink<'_>) -> bool {
        let Some(c1) = memchr::memchr(b':', line) else {
            return false;
        };
        let count_field = line[..c1].trim_ascii();
        let rest = &line[c1 + 1..];
        let digits_start = rest.len() - rest.trim_ascii_start().len();
        let digits = rest[digits_start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || count_field.is_empty() {
            return false;
        }
        let after = &rest[digits_start + digits..];
        if after.starts_with(b"-block") {
            return true;
        }
        if !after.starts_with(b":") {
            return false;
        }
        let number = &rest[digits_start..digits_start + digits];
        let line_number = std::str::from_utf8(number)
            .ok()
            .and_then(|s| s.parse::<u64>().ok());
        let source = &after[1..];
        if line_number == Some(0) {
            self.header(source, sink);
            return true;
        }
        let column = c1 + 1 + digits_start;
        let Some(n) = line_number
            .and_then(|n| u32::try_from(n).ok())
            .and_then(Line::new)
        else {
            self.warn(column, || {
                "line number out of range; line skipped".to_string()
            });
            return true;
        };
        if self.record.is_none() {
            self.outside += 1;
            if self.outside == 1 {
                self.warn(0, || {
                    "source line before any `Source:` header; lines up to the first header are skipped".to_string()
                });
            }
            return true;
        }
        if self.mode == Mode::AfterSeparator {
            self.mode = Mode::Listing;
        }
        self.last_line = Some(n);
        if let Some(r) = &mut self.record {
            for f in self.pending.drain(..) {
                r.coverage.functions.push(Function {
                    name: f.name,
                    start: n,
                    end: None,
                    hits: f.hits,
                });
            }
        }
        let count_col = line.len() - line.trim_ascii_start().len();
        let Some(count) = self.count_field(count_field, count_col) else {
            return true;
        };
        if let (Count::Value(hits), Mode::Listing, Some(r)) = (count, self.mode, &mut self.record) {
            r.coverage.lines.push(LineHit { line: n, hits });
        }
        true
    }

    /// A line-0 header: `Source:` starts a record.
    fn header(&mut self, source: &[u8], sink: &mut Sink<'_>) {
        if let Some(path) = source.strip_prefix(b"Source:") {
            let path = String::from_utf8_lossy(path.trim_ascii()).into_owned();
            self.start_record(path, sink);
        }
    }

    fn start_record(&mut self, path: String, sink: &mut Sink<'_>) {
        self.end_record(sink);
        self.record = Some(Record {
            path,
            ..Record::default()
        });
        self.mode = Mode::Listing;
        self.last_line = None;
    }

    fn end_record(&mut self, sink: &mut Sink<'_>) {
        for f in std::mem::take(&mut self.pending) {
            let at = Some(Position::LineCol {
                line: f.line_no,
                column: None,
            });
            self.diags.warn(at, || {
                format!(
                    "function `{}` is followed by no source line; skipped",
                    f.name
                )
            });
        }
        if let Some(r) = self.record.take() {
            sink(FileRecord {
                path: r.path,
                coverage: r.coverage,
            });
        }
    }

    fn finish(mut self, sink: &mut Sink<'_>) -> Vec<Diagnostic> {
        self.end_record(sink);
        if self.outside > 1 {
            let n = self.outside;
            self.diags.warn(None, || {
                format!("{n} source lines before any `Source:` header were skipped")
            });
        }
        self.diags.finish()
    }

    /// A count field: `-`, `#####`, `=====`, `N`, `N*`, `-N`, `1.2k`.
    fn count_field(&mut self, field: &[u8], column: usize) -> Option<Count> {
        let field = field.strip_suffix(b"*").unwrap_or(field);
        match field {
            b"-" => return Some(Count::NotCode),
            b"#####" | b"=====" | b"$$$$$" | b"%%%%%" => return Some(Count::Value(0)),
            _ => {}
        }
        let text = std::str::from_utf8(field).unwrap_or("");
        if let Some(digits) = text.strip_prefix('-') {
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                self.warn(column, || format!("negative count {text} clamped to 0"));
                return Some(Count::Value(0));
            }
        }
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return match text.parse::<u64>() {
                Ok(v) => Some(Count::Value(v)),
                Err(_) => {
                    self.warn(column, || format!("count {text} saturated at {}", u64::MAX));
                    Some(Count::Value(u64::MAX))
                }
            };
        }
        if let Some(v) = human_readable(text) {
            if !self.noted_human {
                self.noted_human = true;
                let at = self.at(column);
                self.diags.note(at, || {
                    "human-readable counts (gcov -H/-j, like `1.2k`) are rounded by gcov; read as the rounded numbers".to_string()
                });
            }
            return Some(Count::Value(v));
        }
        self.warn(column, || {
            format!("count `{}` is not a gcov count; line skipped", short(text))
        });
        None
    }

    /// `function NAME called N returned X% blocks executed Y%` (after `function `).
    fn function_line(&mut self, rest: &[u8], column: usize) {
        let text = String::from_utf8_lossy(rest);
        let Some(i) = text.rfind(" called ") else {
            self.warn(column, || {
                "function line without `called N`; skipped".to_string()
            });
            return;
        };
        let name = text[..i].trim().to_string();
        let count = text[i + 8..].split_whitespace().next().unwrap_or("");
        let hits = match count.parse::<u64>() {
            Ok(h) => h,
            Err(_) if count.starts_with('-') && count[1..].parse::<u64>().is_ok() => {
                self.warn(column, || {
                    format!("function `{name}`: negative count {count} clamped to 0")
                });
                0
            }
            Err(_) => {
                self.warn(column, || {
                    format!(
                        "function `{name}`: call count `{}` is not a number; skipped",
                        short(count)
                    )
                });
                return;
            }
        };
        if self.record.is_none() {
            self.outside += 1;
            return;
        }
        self.pending.push(PendingFunction {
            name,
            hits,
            line_no: self.line_no,
        });
    }

    /// `branch N taken X[%] [(fallthrough|throw)]` or `branch N never executed [...]` (after `branch `).
    fn branch_line(&mut self, rest: &[u8], column: usize) {
        let text = String::from_utf8_lossy(rest);
        let mut words = text.split_whitespace();
        let number = words.next().and_then(|w| w.parse::<u32>().ok());
        let Some(number) = number else {
            self.warn(column, || {
                "branch line without a branch number; skipped".to_string()
            });
            return;
        };
        let taken = match (words.next(), words.next()) {
            (Some("taken"), Some(v)) => match v.strip_suffix('%') {
                Some(pct) => match pct.parse::<f64>() {
                    Ok(p) => {
                        if !self.noted_percent {
                            self.noted_percent = true;
                            let at = self.at(column);
                            self.diags.note(at, || {
                                "branches as percentages (gcov without -c): a taken branch is stored as 1, not its count".to_string()
                            });
                        }
                        Some(u64::from(p > 0.0))
                    }
                    Err(_) => {
                        self.warn(column, || {
                            format!("branch {number}: `{v}` is not a percentage; skipped")
                        });
                        return;
                    }
                },
                None => match v.parse::<u64>() {
                    Ok(c) => Some(c),
                    Err(_) if v.starts_with('-') && v[1..].parse::<u64>().is_ok() => {
                        self.warn(column, || {
                            format!("branch {number}: negative count {v} clamped to 0")
                        });
                        Some(0)
                    }
                    Err(_) => {
                        self.warn(column, || {
                            format!(
                                "branch {number}: count `{}` is not a number; skipped",
                                short(v)
                            )
                        });
                        return;
                    }
                },
            },
            (Some("never"), Some("executed")) => None,
            _ => {
                self.warn(column, || {
                    format!("branch {number}: expected `taken` or `never executed`; skipped")
                });
                return;
            }
        };
        let block = match self.mode {
            Mode::Section(n) => n,
            _ => 0,
        };
        let (Some(r), Some(line)) = (&mut self.record, self.last_line) else {
            self.warn(column, || {
                "branch line before any source line; skipped".to_string()
            });
            return;
        };
        r.coverage.branches.push(Branch {
            line,
            id: BranchId {
                block,
                branch: BranchName::Index(number),
                flags: 0,
            },
            taken,
        });
    }

    /// The intermediate format's lines; `None` when `text` is not one of them.
    fn intermediate_line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> Option<()> {
        let colon = memchr::memchr(b':', text)?;
        let key = &text[..colon];
        let value = text[colon + 1..].trim_ascii_end();
        let column = colon + 1;
        match key {
            b"version" => {}
            b"file" => {
                let path = String::from_utf8_lossy(value).into_owned();
                self.start_record(path, sink);
            }
            b"lcount" => self.lcount(value, column),
            b"function" => self.intermediate_function(value, column),
            b"branch" => self.intermediate_branch(value, column),
            _ => return None,
        }
        Some(())
    }

    fn require_record(&mut self, column: usize) -> bool {
        if self.record.is_none() {
            self.outside += 1;
            if self.outside == 1 {
                self.warn(column, || {
                    "record line before any `file:` line; skipped".to_string()
                });
            }
            return false;
        }
        true
    }

    /// `lcount:<line>,<count>[,<has_unexecuted_block>]`.
    fn lcount(&mut self, value: &[u8], column: usize) {
        let text = String::from_utf8_lossy(value);
        let mut parts = text.split(',');
        let line = parts
            .next()
            .and_then(|l| l.trim().parse::<u32>().ok())
            .and_then(Line::new);
        let count = parts.next().map(str::trim).unwrap_or("");
        let Some(line) = line else {
            self.warn(column, || {
                format!("lcount `{}`: no valid line number; skipped", short(&text))
            });
            return;
        };
        let hits = match count.parse::<u64>() {
            Ok(h) => h,
            Err(_) if count.starts_with('-') && count[1..].parse::<u64>().is_ok() => {
                self.warn(column, || {
                    format!("negative count {count} on line {line} clamped to 0")
                });
                0
            }
            Err(_) => {
                self.warn(column, || {
                    format!("lcount `{}`: count is not a number; skipped", short(&text))
                });
                return;
            }
        };
        if !self.require_record(column) {
            return;
        }
        if let Some(r) = &mut self.record {
            r.coverage.lines.push(LineHit { line, hits });
        }
    }

    /// `function:<start>,<end>,<count>,<name>` (GCC 8) or `function:<line>,<count>,<name>`.
    fn intermediate_function(&mut self, value: &[u8], column: usize) {
        let text = String::from_utf8_lossy(value);
        let mut numbers: Vec<&str> = Vec::with_capacity(3);
        let mut rest: &str = &text;
        while numbers.len() < 3 {
            let Some((head, tail)) = rest.split_once(',') else {
                break;
            };
            let h = head.trim();
            let numeric = !h.is_empty()
                && h.trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && h != "-";
            if !numeric {
                break;
            }
            numbers.push(h);
            rest = tail;
        }
        let (start, count) = match numbers.as_slice() {
            [s, _, c] | [s, c] => (*s, *c),
            _ => {
                self.warn(column, || {
                    format!(
                        "function `{}`: expected <line>,<count>,<name>; skipped",
                        short(&text)
                    )
                });
                return;
            }
        };
        let end = (numbers.len() == 3).then(|| numbers[1]);
        let name = rest.to_string();
        let Some(start) = start.parse::<u32>().ok().and_then(Line::new) else {
            self.warn(column, || {
                format!("function `{name}`: start line `{start}` is not a line; skipped")
            });
            return;
        };
        let hits = match count.parse::<u64>() {
            Ok(h) => h,
            Err(_) => {
                self.warn(column, || {
                    format!("function `{name}`: negative count {count} clamped to 0")
                });
                0
            }
        };
        let end = end
            .and_then(|e| e.parse::<u32>().ok())
            .and_then(Line::new)
            .filter(|e| *e >= start);
        if !self.require_record(column) {
            return;
        }
        if let Some(r) = &mut self.record {
            r.coverage.functions.push(Function {
                name,
                start,
                end,
                hits,
            });
        }
    }

    /// `branch:<line>,taken|nottaken|notexec`.
    fn intermediate_branch(&mut self, value: &[u8], column: usize) {
        let text = String::from_utf8_lossy(value);
        let Some((l, state)) = text.split_once(',') else {
            self.warn(column, || {
                format!(
                    "branch `{}`: expected <line>,<state>; skipped",
                    short(&text)
                )
            });
            return;
        };
        let Some(line) = l.trim().parse::<u32>().ok().and_then(Line::new) else {
            self.warn(column, || {
                format!("branch `{}`: no valid line number; skipped", short(&text))
            });
            return;
        };
        let taken = match state.trim() {
            "taken" => {
                if !self.noted_intermediate_taken {
                    self.noted_intermediate_taken = true;
                    let at = self.at(column);
                    self.diags.note(at, || {
                        "intermediate format branches say taken or not, no count: a taken branch is stored as 1".to_string()
                    });
                }
                Some(1)
            }
            "nottaken" => Some(0),
            "notexec" => None,
            other => {
                let other = other.to_string();
                self.warn(column, || format!("branch on line {line}: state `{}` is not taken, nottaken or notexec; skipped", short(&other)));
                return;
            }
        };
        if !self.require_record(column) {
            return;
        }
        if let Some(r) = &mut self.record {
            let seq = r.branch_seq.entry(line.get()).or_insert(0);
            let number = *seq;
            *seq += 1;
            r.coverage.branches.push(Branch {
                line,
                id: BranchId {
                    block: 0,
                    branch: BranchName::Index(number),
                    flags: 0,
                },
                taken,
            });
        }
    }
}

/// `1.2k`, `15M`, `3.4G` (gcov's human-readable counts), as a whole number.
fn human_readable(text: &str) -> Option<u64> {
    let (number, unit) = text.split_at(text.len().checked_sub(1)?);
    let scale: f64 = match unit {
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        _ => return None,
    };
    let v: f64 = number.parse().ok()?;
    (v >= 0.0 && v.is_finite()).then(|| (v * scale).round().min(u64::MAX as f64) as u64)
}

/// At most 60 characters, for messages.
fn short(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_readable_counts() {
        assert_eq!(human_readable("1.2k"), Some(1200));
        assert_eq!(human_readable("15M"), Some(15_000_000));
        assert_eq!(human_readable("12"), None);
        assert_eq!(human_readable("k"), None);
    }
}
