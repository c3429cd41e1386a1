//! LCOV tracefile parser: one state machine over byte lines, fed by the slice entry and the reader entry.
//!
//! The grammar is lcov 2.x's (`geninfo(1)`, TRACEFILE FORMAT), read leniently:
//! - lines are split on `\n`; a trailing `\r` (CRLF), trailing blanks, leading blanks and a UTF-8 BOM on
//!   the first line are ignored; blank lines and `#` comments are skipped anywhere;
//! - summary records (`LF LH FNF FNH BRF BRH MCF MCH`) are recomputed from the data, never read, and
//!   `TN` is ignored (the model has no test names);
//! - a record runs from `SF` to `end_of_record`; one that reaches the next `SF` or the end of input first
//!   is still kept, with a warning;
//! - a malformed record line becomes a [`Diagnostic`] at its line and byte column and is skipped;
//! - counts: negative values are clamped to 0, values above `u64::MAX` saturate, non-integers (`1.5`,
//!   `1.0e+19`) skip the record; each with a warning (`-0` is 0 and says nothing);
//! - functions: `FN` defines a function (name is the key), `FNDA` adds hits to the `FN` of the same name in
//!   the same record (order does not matter; an `FNDA` with no `FN` is a warning and creates nothing);
//!   lcov 2.2 `FNL` leaders and `FNA` aliases give one function per alias, at its leader's lines;
//! - the `U` (unreachable) prefix of `MCDC` has no place in the model: it is dropped with one note.
//!
//! Hot path: plain `DA`, `BRDA`, `FN` and `FNDA` lines are parsed straight from the input bytes (`DA` and
//! `BRDA` without even finding the line end first); anything unusual on such a line falls back to the
//! general path, which reads it the same way (a test checks both agree). The only allocations are paths,
//! names and checksums, and each record's vectors, copied once at exact size out of buffers the parser
//! reuses.

use std::collections::BTreeMap;
use std::io::{BufRead, ErrorKind};

use memchr::{memchr, memrchr};

use crate::detect::Format;
use crate::diag::Diags;
use crate::diag::{Diagnostic, ParseError, Position, Severity};
use crate::formats::{ParseOptions, Sink};
use crate::model::{
    branch_flags, Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit,
    McdcCondition,
};

/// Parses a whole input held in memory: the lines are read in place.
pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let mut parser = Parser::new(options);
    parser.feed(input, sink);
    parser.finish(sink)
}

/// Parses a stream: complete lines are read in place from the reader's buffer; only a line split across
/// two fills is copied, into a reused buffer.
pub(crate) fn parse_reader<R: BufRead>(
    mut input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let mut parser = Parser::new(options);
    let mut carry: Vec<u8> = Vec::new();
    let mut offset: u64 = 0;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(ParseError::new(
                    Some(Format::Lcov),
                    Some(Position::Byte(offset)),
                    format!("cannot read input: {e}"),
                ))
            }
        };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        let mut rest = chunk;
        if !carry.is_empty() {
            match memchr(b'\n', rest) {
                Some(i) => {
                    carry.extend_from_slice(&rest[..=i]);
                    parser.feed(&carry, sink);
                    carry.clear();
                    rest = &rest[i + 1..];
                }
                None => {
                    carry.extend_from_slice(rest);
                    rest = &[];
                }
            }
        }
        if !rest.is_empty() {
            match memrchr(b'\n', rest) {
                Some(i) => {
                    parser.feed(&rest[..=i], sink);
                    carry.extend_from_slice(&rest[i + 1..]);
                }
                None => carry.extend_from_slice(rest),
            }
        }
        input.consume(n);
        offset += n as u64;
    }
    if !carry.is_empty() {
        parser.feed(&carry, sink);
    }
    parser.finish(sink)
}

/// An `FNDA` record: the name as bytes in [`Parser::fnda_names`], its hits and where it was.
struct Fnda {
    name: std::ops::Range<usize>,
    hits: u64,
    line_no: u64,
}

/// The outcome of reading a count field.
#[derive(Debug, PartialEq, Eq)]
enum Count {
    Value(u64),
    Missing,
    /// Below zero: clamped to 0.
    Negative,
    /// Above `u64::MAX`: saturated.
    Saturated,
    /// A number with a fraction or an exponent: the record is skipped.
    NotInteger,
    Invalid,
}

/// Why a line-number field was refused.
enum LineErr {
    Missing,
    Zero,
    NotNumber,
    OutOfRange,
}

/// The parser state: the open record (if any) and buffers reused from record to record.
struct Parser {
    diags: Diags,
    /// 1-based number of the line being read.
    line_no: u64,
    /// Whether any line held something other than blanks and comments, and where the first did.
    first_content: Option<u64>,
    /// Whether any LCOV record key was seen.
    saw_key: bool,
    unknown_keys: Vec<Vec<u8>>,
    noted_mcdc_unreachable: bool,

    in_record: bool,
    path: String,
    sf_line: u64,
    version: Option<String>,
    lines: Vec<LineHit>,
    branches: Vec<Branch>,
    mcdc: Vec<McdcCondition>,
    checksums: Vec<(Line, Box<str>)>,
    /// Functions of `FN` lines, with the hits of the `FNDA` lines matched so far.
    fn_defs: Vec<Function>,
    /// Where in `fn_defs` the next `FNDA` is expected.
    fnda_cursor: usize,
    fna_functions: Vec<Function>,
    fnda: Vec<Fnda>,
    fnda_names: Vec<u8>,
    fnl: BTreeMap<u64, (Line, Option<Line>)>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

/// Reads ASCII digits from the start of `s` (at most 19 so the value cannot overflow); returns the value
/// and how many digits were read. A plain loop: the numbers of LCOV are mostly one to four digits, for
/// which it beats eight-bytes-at-a-time conversion (measured).
#[inline(always)]
fn leading_digits(s: &[u8]) -> (u64, usize) {
    let mut v: u64 = 0;
    let mut i = 0;
    let n = s.len().min(19);
    while i < n {
        let d = s[i].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v * 10 + u64::from(d);
        i += 1;
    }
    (v, i)
}

/// The bytes of a line end at `s[i]`: `\n`, `\r\n` or the end of the input. Returns how many bytes the line
/// end takes.
#[inline(always)]
fn line_end_at(s: &[u8], i: usize) -> Option<usize> {
    match s.get(i) {
        None => Some(0),
        Some(b'\n') => Some(1),
        Some(b'\r') if s.get(i + 1) == Some(&b'\n') => Some(2),
        _ => None,
    }
}

/// A positive 1-based line number from a whole field.
fn parse_line_no(f: &[u8]) -> Result<Line, LineErr> {
    if f.is_empty() {
        return Err(LineErr::Missing);
    }
    if !f.iter().all(u8::is_ascii_digit) {
        return Err(LineErr::NotNumber);
    }
    let mut v: u32 = 0;
    for &b in f {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(b - b'0')))
            .ok_or(LineErr::OutOfRange)?;
    }
    Line::new(v).ok_or(LineErr::Zero)
}

/// A non-negative `u32` from a whole field (block, index, group size).
fn parse_u32(f: &[u8]) -> Option<u32> {
    if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u32 = 0;
    for &b in f {
        v = v.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(v)
}

/// A count from a whole field.
fn parse_count(f: &[u8]) -> Count {
    if f.is_empty() {
        return Count::Missing;
    }
    let (negative, digits) = match f.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, f),
    };
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        let mut v: u64 = 0;
        let mut overflow = false;
        for &b in digits {
            match v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
            {
                Some(n) => v = n,
                None => {
                    overflow = true;
                    break;
                }
            }
        }
        return match (negative, overflow) {
            (true, false) if v == 0 => Count::Value(0),
            (true, _) => Count::Negative,
            (false, true) => Count::Saturated,
            (false, false) => Count::Value(v),
        };
    }
    // Floats and float-like garbage (`1.5`, `1.0e+19`, `1.a0e+19`): a digit or a dot first, then a dot
    // or an exponent somewhere.
    let looks_float = matches!(digits.first(), Some(b'0'..=b'9' | b'.'))
        && digits.iter().any(|&b| matches!(b, b'.' | b'e' | b'E'));
    if looks_float {
        Count::NotInteger
    } else {
        Count::Invalid
    }
}

/// A branch name: a canonical decimal `u32` is an index (lcov's gcc/llvm ids), anything else an
/// expression, so that writing it back gives the same text.
fn branch_name(f: &[u8]) -> Option<BranchName> {
    let canonical =
        !f.is_empty() && f.iter().all(u8::is_ascii_digit) && (f.len() == 1 || f[0] != b'0');
    if canonical {
        if let Some(v) = parse_u32(f) {
            return Some(BranchName::Index(v));
        }
    }
    None
}

/// The contents of a reused buffer, moved into a vector of exact size (one `memcpy`); the buffer keeps
/// its capacity for the next record.
fn exact<T>(buf: &mut Vec<T>) -> Vec<T> {
    let mut v = Vec::with_capacity(buf.len());
    v.append(buf);
    v
}

/// `s` split at its first `sep`.
fn split_once(s: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    memchr(sep, s).map(|i| (&s[..i], &s[i + 1..]))
}

/// Shows a field in a message: lossy, and cut after 40 characters.
fn show(f: &[u8]) -> String {
    let s = String::from_utf8_lossy(f);
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}...")
    } else {
        s.into_owned()
    }
}

impl Parser {
    fn new(options: &ParseOptions) -> Parser {
        Parser {
            diags: Diags::new(options.max_diagnostics),
            line_no: 0,
            first_content: None,
            saw_key: false,
            unknown_keys: Vec::new(),
            noted_mcdc_unreachable: false,
            in_record: false,
            path: String::new(),
            sf_line: 0,
            version: None,
            lines: Vec::new(),
            branches: Vec::new(),
            mcdc: Vec::new(),
            checksums: Vec::new(),
            fn_defs: Vec::new(),
            fnda_cursor: 0,
            fna_functions: Vec::new(),
            fnda: Vec::new(),
            fnda_names: Vec::new(),
            fnl: BTreeMap::new(),
        }
    }

    /// Reads `region`, whole lines each ended by `\n` (the last one may lack it only at the end of the
    /// input).
    fn feed(&mut self, region: &[u8], sink: &mut Sink<'_>) {
        let mut pos = 0;
        while pos < region.len() {
            let rest = &region[pos..];
            self.line_no += 1;
            if self.in_record {
                // Byte compares, not slice compares: those become `memcmp` calls.
                let fast = match rest {
                    [b'D', b'A', b':', tail @ ..] => self.fast_da(tail).map(|n| n + 3),
                    [b'B', b'R', b'D', b'A', b':', tail @ ..] => {
                        self.fast_brda(tail).map(|n| n + 5)
                    }
                    [b'F', b'N', b'D', b'A', b':', tail @ ..] => {
                        self.fast_fnda(tail).map(|n| n + 5)
                    }
                    [b'F', b'N', b':', tail @ ..] => self.fast_fn(tail).map(|n| n + 3),
                    _ => None,
                };
                if let Some(used) = fast {
                    pos += used;
                    continue;
                }
            }
            let end = memchr(b'\n', rest).unwrap_or(rest.len());
            self.line(&rest[..end], sink);
            pos += end + 1;
        }
    }

    /// `DA:<line>,<count>` with plain digits and nothing after: returns the bytes used, line end
    /// included, or `None` to leave the line to [`Parser::line`].
    #[inline(always)]
    fn fast_da(&mut self, s: &[u8]) -> Option<usize> {
        let (line, n) = leading_digits(s);
        if n == 0 || n > 9 || s.get(n) != Some(&b',') {
            return None;
        }
        let line = Line::new(line as u32)?;
        let c = n + 1;
        let (hits, m) = leading_digits(&s[c..]);
        if m == 0 || m > 18 {
            return None;
        }
        let e = c + m;
        let used = line_end_at(s, e)?;
        self.lines.push(LineHit { line, hits });
        Some(e + used)
    }

    /// `BRDA:<line>,<block>,<branch>,<taken>` with plain digits (or `-`), no flags.
    #[inline(always)]
    fn fast_brda(&mut self, s: &[u8]) -> Option<usize> {
        let (line, n) = leading_digits(s);
        if n == 0 || n > 9 || s.get(n) != Some(&b',') {
            return None;
        }
        let line = Line::new(line as u32)?;
        let mut i = n + 1;
        let (block, n) = leading_digits(&s[i..]);
        if n == 0 || n > 9 || s.get(i + n) != Some(&b',') {
            return None;
        }
        i += n + 1;
        let (branch, n) = leading_digits(&s[i..]);
        // A leading zero makes the name an expression (`01`): the slow path keeps it as text.
        if n == 0 || n > 9 || (n > 1 && s[i] == b'0') || s.get(i + n) != Some(&b',') {
            return None;
        }
        i += n + 1;
        let taken = if s.get(i) == Some(&b'-') {
            i += 1;
            None
        } else {
            let (t, n) = leading_digits(&s[i..]);
            if n == 0 || n > 18 {
                return None;
            }
            i += n;
            Some(t)
        };
        let used = line_end_at(s, i)?;
        self.branches.push(Branch {
            line,
            id: BranchId {
                block: block as u32,
                branch: BranchName::Index(branch as u32),
                flags: 0,
            },
            taken,
        });
        Some(i + used)
    }

    /// The rest of a line that starts at `s[0]`: the text (without `\n` or `\r\n`) and the bytes used.
    /// `None` when the text is empty or ends with a blank (the slow path trims those).
    #[inline(always)]
    fn rest_of_line(s: &[u8]) -> Option<(&[u8], usize)> {
        let (mut text, used) = match memchr(b'\n', s) {
            Some(i) => (&s[..i], i + 1),
            None => (s, s.len()),
        };
        if let Some(t) = text.strip_suffix(b"\r") {
            text = t;
        }
        match text.last() {
            Some(&b) if !is_blank(b) => Some((text, used)),
            _ => None,
        }
    }

    /// `FNDA:<count>,<name>` naming the `FN` the parser expects next (the same order as the `FN` lines,
    /// or right after its `FN`); other forms go to the slow path.
    #[inline(always)]
    fn fast_fnda(&mut self, s: &[u8]) -> Option<usize> {
        let (hits, n) = leading_digits(s);
        if n == 0 || n > 18 || s.get(n) != Some(&b',') {
            return None;
        }
        let (name, used) = Self::rest_of_line(&s[n + 1..])?;
        let k = self.fnda_cursor;
        let k = if self
            .fn_defs
            .get(k)
            .is_some_and(|d| d.name.as_bytes() == name)
        {
            k
        } else {
            let last = self.fn_defs.len().checked_sub(1)?;
            if self.fn_defs[last].name.as_bytes() != name {
                return None;
            }
            last
        };
        let def = &mut self.fn_defs[k];
        def.hits = def.hits.checked_add(hits)?;
        self.fnda_cursor = k + 1;
        Some(n + 1 + used)
    }

    /// `FN:<start>,<name>` where the name does not start with a digit (so it cannot be an end line).
    #[inline(always)]
    fn fast_fn(&mut self, s: &[u8]) -> Option<usize> {
        let (start, n) = leading_digits(s);
        if n == 0 || n > 9 || s.get(n) != Some(&b',') {
            return None;
        }
        let start = Line::new(start as u32)?;
        let (name, used) = Self::rest_of_line(&s[n + 1..])?;
        if name[0].is_ascii_digit() {
            return None;
        }
        let name = std::str::from_utf8(name).ok()?.to_owned();
        self.fn_defs.push(Function {
            name,
            start,
            end: None,
            hits: 0,
        });
        Some(n + 1 + used)
    }

    fn at(&self, col0: usize) -> Option<Position> {
        Some(Position::LineCol {
            line: self.line_no,
            column: Some(col0 as u64 + 1),
        })
    }

    fn warn(&mut self, col0: usize, message: impl FnOnce() -> String) {
        let at = self.at(col0);
        self.diags.push(Severity::Warning, at, message);
    }

    fn malformed(&mut self, rec: &str, col0: usize, cause: impl FnOnce() -> String) {
        self.warn(col0, || format!("malformed {rec} record: {}", cause()));
    }

    /// Text from bytes, decoded lossily with a warning when not UTF-8.
    fn text(&mut self, b: &[u8], what: &str, col0: usize) -> String {
        match std::str::from_utf8(b) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                self.warn(col0, || {
                    format!("{what} is not valid UTF-8; invalid bytes replaced by U+FFFD")
                });
                String::from_utf8_lossy(b).into_owned()
            }
        }
    }

    /// A line number field; `None` (after a diagnostic) when it is not one.
    fn line_field(&mut self, rec: &str, f: &[u8], col0: usize) -> Option<Line> {
        match parse_line_no(f) {
            Ok(l) => Some(l),
            Err(e) => {
                self.malformed(rec, col0, || match e {
                    LineErr::Missing => "missing line number".to_string(),
                    LineErr::Zero => "line number 0 (lines are 1-based)".to_string(),
                    LineErr::NotNumber => format!("line number `{}` is not a number", show(f)),
                    LineErr::OutOfRange => format!("line number `{}` is out of range", show(f)),
                });
                None
            }
        }
    }

    /// A count field; `None` (after a diagnostic) when the record must be skipped.
    fn count_field(&mut self, rec: &str, what: &str, f: &[u8], col0: usize) -> Option<u64> {
        match parse_count(f) {
            Count::Value(v) => Some(v),
            Count::Missing => {
                self.malformed(rec, col0, || format!("missing {what}"));
                None
            }
            Count::Invalid => {
                self.malformed(rec, col0, || format!("invalid {what} `{}`", show(f)));
                None
            }
            Count::Negative => {
                self.warn(col0, || {
                    format!("{rec} record: negative {what} `{}` clamped to 0", show(f))
                });
                Some(0)
            }
            Count::Saturated => {
                self.warn(col0, || {
                    format!(
                        "{rec} record: {what} `{}` exceeds the u64 range; saturated at {}",
                        show(f),
                        u64::MAX
                    )
                });
                Some(u64::MAX)
            }
            Count::NotInteger => {
                self.warn(col0, || {
                    format!(
                        "{rec} record: {what} `{}` is not an integer; record skipped",
                        show(f)
                    )
                });
                None
            }
        }
    }

    /// One line, without its `\n`.
    fn line(&mut self, raw: &[u8], sink: &mut Sink<'_>) {
        let mut s = raw;
        // 0-based column of `s` in the raw line.
        let mut lead = 0;
        if self.line_no == 1 {
            if let Some(t) = s.strip_prefix(BOM) {
                s = t;
                lead = BOM.len();
            }
        }
        while let Some((&last, init)) = s.split_last() {
            if !is_blank(last) {
                break;
            }
            s = init;
        }
        while let Some((&first, tail)) = s.split_first() {
            if !is_blank(first) {
                break;
            }
            s = tail;
            lead += 1;
        }
        if s.is_empty() || s[0] == b'#' {
            return;
        }
        self.first_content.get_or_insert(self.line_no);
        let Some(colon) = memchr(b':', s) else {
            if s.starts_with(b"end_of_record") {
                self.saw_key = true;
                self.end_record(sink, lead);
            } else {
                self.unknown(s, lead);
            }
            return;
        };
        let key = &s[..colon];
        let value = &s[colon + 1..];
        let vcol = lead + colon + 1;
        match key {
            b"DA" => self.with_record(b"DA", lead, |p| p.da(value, vcol)),
            b"BRDA" => self.with_record(b"BRDA", lead, |p| p.brda(value, vcol)),
            b"FN" => self.with_record(b"FN", lead, |p| p.func(value, vcol)),
            b"FNDA" => self.with_record(b"FNDA", lead, |p| p.fnda(value, vcol)),
            b"FNL" => self.with_record(b"FNL", lead, |p| p.fnl(value, vcol)),
            b"FNA" => self.with_record(b"FNA", lead, |p| p.fna(value, vcol)),
            b"MCDC" => self.with_record(b"MCDC", lead, |p| p.mcdc(value, vcol)),
            b"VER" => self.with_record(b"VER", lead, |p| {
                let v = p.text(value, "source version", vcol);
                p.version = Some(v);
            }),
            b"SF" | b"KF" => {
                self.saw_key = true;
                self.start_record(value, vcol, sink);
            }
            b"TN" | b"LF" | b"LH" | b"FNF" | b"FNH" | b"BRF" | b"BRH" | b"MCF" | b"MCH" => {
                self.saw_key = true;
            }
            _ if s.starts_with(b"end_of_record") => {
                self.saw_key = true;
                self.end_record(sink, lead);
            }
            _ => self.unknown(key, lead),
        }
    }

    /// Runs `f` for a data record inside an `SF` record; outside one the line is a diagnostic.
    fn with_record(&mut self, key: &[u8], lead: usize, f: impl FnOnce(&mut Parser)) {
        self.saw_key = true;
        if self.in_record {
            f(self);
        } else {
            let key = show(key);
            self.warn(lead, || {
                format!("{key} record outside a file record (no SF line before it); skipped")
            });
        }
    }

    fn unknown(&mut self, key: &[u8], lead: usize) {
        if self.unknown_keys.iter().any(|k| k == key) {
            return;
        }
        self.unknown_keys.push(key.to_vec());
        let shown = show(key);
        let at = self.at(lead);
        self.diags.push(Severity::Note, at, || {
            format!("unknown LCOV record `{shown}` ignored (reported once)")
        });
    }

    fn start_record(&mut self, value: &[u8], vcol: usize, sink: &mut Sink<'_>) {
        if self.in_record {
            let (path, sf_line, at) = (self.path.clone(), self.sf_line, self.line_no);
            self.diags.push(
                Severity::Warning,
                Some(Position::LineCol {
                    line: sf_line,
                    column: None,
                }),
                || format!("record for `{path}` has no end_of_record before the SF at line {at}; kept what it had"),
            );
            self.emit(sink);
        }
        self.path = self.text(value, "source file path", vcol);
        self.sf_line = self.line_no;
        self.in_record = true;
    }

    fn end_record(&mut self, sink: &mut Sink<'_>, lead: usize) {
        if self.in_record {
            self.emit(sink);
        } else {
            let at = self.at(lead);
            self.diags.push(Severity::Note, at, || {
                "end_of_record without a file record (no SF line before it)".to_string()
            });
        }
    }

    /// Closes the open record and pushes it into the sink.
    fn emit(&mut self, sink: &mut Sink<'_>) {
        self.in_record = false;
        let functions = self.resolve_functions();
        let coverage = FileCoverage {
            lines: exact(&mut self.lines),
            branches: exact(&mut self.branches),
            functions,
            mcdc: exact(&mut self.mcdc),
            line_checksums: exact(&mut self.checksums),
            version: self.version.take(),
            statements: Vec::new(),
        };
        let record = FileRecord {
            path: std::mem::take(&mut self.path),
            coverage,
        };
        sink(record);
    }

    /// The record's functions: `FN` definitions with their `FNDA` hits, then `FNA` aliases.
    ///
    /// Hits that pass `u64::MAX` saturate, with one warning per function at the record's `SF` line
    /// (which `FNDA` overflowed depends on the order they are added in, so no line is named).
    fn resolve_functions(&mut self) -> Vec<Function> {
        self.fnda_cursor = 0;
        let mut saturated: Vec<String> = Vec::new();
        let defs = &mut self.fn_defs;
        if !defs.windows(2).all(|w| w[0].name < w[1].name) {
            defs.sort_unstable_by(|a, b| a.name.cmp(&b.name).then(a.start.cmp(&b.start)));
            // One function per name: the smallest start line, the largest known end line.
            defs.dedup_by(|later, kept| {
                if later.name != kept.name {
                    return false;
                }
                kept.hits = kept.hits.checked_add(later.hits).unwrap_or_else(|| {
                    saturated.push(kept.name.clone());
                    u64::MAX
                });
                kept.end = match (kept.end, later.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                true
            });
        }
        // `FNDA` lines the fast path could not place.
        let fnda = std::mem::take(&mut self.fnda);
        for f in &fnda {
            let name = &self.fnda_names[f.name.clone()];
            match self
                .fn_defs
                .binary_search_by(|g| g.name.as_bytes().cmp(name))
            {
                Ok(i) => {
                    let g = &mut self.fn_defs[i];
                    g.hits = g.hits.checked_add(f.hits).unwrap_or_else(|| {
                        saturated.push(g.name.clone());
                        u64::MAX
                    });
                }
                Err(_) => {
                    let name = show(name);
                    let path = self.path.clone();
                    let at = Some(Position::LineCol {
                        line: f.line_no,
                        column: None,
                    });
                    self.diags.push(Severity::Warning, at, || {
                        format!("FNDA record for `{name}` has no FN record in `{path}`; ignored")
                    });
                }
            }
        }
        saturated.sort_unstable();
        saturated.dedup();
        for name in saturated {
            let at = Some(Position::LineCol {
                line: self.sf_line,
                column: None,
            });
            self.diags.push(Severity::Warning, at, || {
                format!(
                    "hits of function `{name}` exceed the u64 range; saturated at {}",
                    u64::MAX
                )
            });
        }
        self.fnda = fnda;
        self.fnda.clear();
        self.fnda_names.clear();
        self.fnl.clear();
        let mut functions = Vec::with_capacity(self.fn_defs.len() + self.fna_functions.len());
        functions.append(&mut self.fn_defs);
        functions.append(&mut self.fna_functions);
        functions
    }

    /// `DA:<line>,<count>[,<checksum>]`
    fn da(&mut self, v: &[u8], c: usize) {
        let Some((line_f, rest)) = split_once(v, b',') else {
            if v.is_empty() {
                self.malformed("DA", c, || "missing line number".to_string());
            } else {
                self.malformed("DA", c + v.len(), || "missing execution count".to_string());
            }
            return;
        };
        let Some(line) = self.line_field("DA", line_f, c) else {
            return;
        };
        let cc = c + line_f.len() + 1;
        let (count_f, checksum) = match split_once(rest, b',') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        let Some(hits) = self.count_field("DA", "execution count", count_f, cc) else {
            return;
        };
        if let Some(sum) = checksum {
            // lcov reads the checksum up to the next comma or blank.
            let end = sum
                .iter()
                .position(|&b| b == b',' || is_blank(b))
                .unwrap_or(sum.len());
            let sum = &sum[..end];
            if !sum.is_empty() {
                let text = self.text(sum, "line checksum", cc + count_f.len() + 1);
                self.checksums.push((line, text.into_boxed_str()));
            }
        }
        self.lines.push(LineHit { line, hits });
    }

    /// `BRDA:<line>,[e|f][U]<block>,<branch>,<taken>`; `<branch>` may hold commas, `<taken>` is after the
    /// last one.
    fn brda(&mut self, v: &[u8], c: usize) {
        let Some((line_f, rest)) = split_once(v, b',') else {
            self.malformed("BRDA", c + v.len(), || "missing block number".to_string());
            return;
        };
        let Some(line) = self.line_field("BRDA", line_f, c) else {
            return;
        };
        let bc = c + line_f.len() + 1;
        let Some((block_f, rest)) = split_once(rest, b',') else {
            self.malformed("BRDA", bc + rest.len(), || "missing branch".to_string());
            return;
        };
        let mut flags = 0u8;
        let mut digits = block_f;
        while let Some((&b, tail)) = digits.split_first() {
            let flag = match b {
                b'e' => branch_flags::EXCEPTION,
                b'f' => branch_flags::FALLTHROUGH,
                b'U' => branch_flags::UNREACHABLE,
                _ => break,
            };
            flags |= flag;
            digits = tail;
        }
        let Some(block) = parse_u32(digits) else {
            self.malformed("BRDA", bc, || {
                format!("block `{}` is not a number", show(block_f))
            });
            return;
        };
        let nc = bc + block_f.len() + 1;
        let Some(last) = memrchr(b',', rest) else {
            self.malformed("BRDA", nc + rest.len(), || {
                "missing taken count".to_string()
            });
            return;
        };
        let (name_f, taken_f) = (&rest[..last], &rest[last + 1..]);
        if name_f.is_empty() {
            self.malformed("BRDA", nc, || "missing branch".to_string());
            return;
        }
        let tc = nc + last + 1;
        let taken = if taken_f == b"-" {
            None
        } else {
            match self.count_field("BRDA", "taken count", taken_f, tc) {
                Some(t) => Some(t),
                None => return,
            }
        };
        let branch = match branch_name(name_f) {
            Some(b) => b,
            None => BranchName::Expr(self.text(name_f, "branch expression", nc).into_boxed_str()),
        };
        self.branches.push(Branch {
            line,
            id: BranchId {
                block,
                branch,
                flags,
            },
            taken,
        });
    }

    /// `FN:<start>,[<end>,]<name>`: the second field is an end line when it is all digits and a name
    /// follows (lcov's `^FN:(\d+),((\d+),)?(.+)$`).
    fn func(&mut self, v: &[u8], c: usize) {
        let Some((start_f, rest)) = split_once(v, b',') else {
            self.malformed("FN", c + v.len(), || "missing function name".to_string());
            return;
        };
        let Some(start) = self.line_field("FN", start_f, c) else {
            return;
        };
        let mut nc = c + start_f.len() + 1;
        let mut name_f = rest;
        let mut end = None;
        if let Some((end_f, tail)) = split_once(rest, b',') {
            if !end_f.is_empty() && end_f.iter().all(u8::is_ascii_digit) && !tail.is_empty() {
                match self.line_field("FN", end_f, nc) {
                    Some(l) => end = Some(l),
                    None => return,
                }
                nc += end_f.len() + 1;
                name_f = tail;
            }
        }
        if name_f.is_empty() {
            self.malformed("FN", nc, || "missing function name".to_string());
            return;
        }
        let name = self.text(name_f, "function name", nc);
        self.fn_defs.push(Function {
            name,
            start,
            end,
            hits: 0,
        });
    }

    /// `FNDA:<count>,<name>`
    fn fnda(&mut self, v: &[u8], c: usize) {
        let Some((count_f, name_f)) = split_once(v, b',') else {
            self.malformed("FNDA", c + v.len(), || "missing function name".to_string());
            return;
        };
        if name_f.is_empty() {
            self.malformed("FNDA", c + v.len(), || "missing function name".to_string());
            return;
        }
        let Some(hits) = self.count_field("FNDA", "execution count", count_f, c) else {
            return;
        };
        let start = self.fnda_names.len();
        if std::str::from_utf8(name_f).is_ok() {
            self.fnda_names.extend_from_slice(name_f);
        } else {
            // Matched against the FN name, which was decoded the same way.
            let name = self.text(name_f, "function name", c + count_f.len() + 1);
            self.fnda_names.extend_from_slice(name.as_bytes());
        }
        let end = self.fnda_names.len();
        self.fnda.push(Fnda {
            name: start..end,
            hits,
            line_no: self.line_no,
        });
    }

    /// `FNL:<index>,<start>[,<end>]` (lcov 2.2 function leader).
    fn fnl(&mut self, v: &[u8], c: usize) {
        let Some((idx_f, rest)) = split_once(v, b',') else {
            self.malformed("FNL", c + v.len(), || "missing start line".to_string());
            return;
        };
        let Some(idx) = parse_u32(idx_f) else {
            self.malformed("FNL", c, || {
                format!("function index `{}` is not a number", show(idx_f))
            });
            return;
        };
        let sc = c + idx_f.len() + 1;
        let (start_f, end_f) = match split_once(rest, b',') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        let Some(start) = self.line_field("FNL", start_f, sc) else {
            return;
        };
        let end = match end_f {
            Some(f) => match self.line_field("FNL", f, sc + start_f.len() + 1) {
                Some(l) => Some(l),
                None => return,
            },
            None => None,
        };
        self.fnl.insert(u64::from(idx), (start, end));
    }

    /// `FNA:<index>,<count>,<name>` (lcov 2.2 function alias): a function at its leader's lines.
    fn fna(&mut self, v: &[u8], c: usize) {
        let Some((idx_f, rest)) = split_once(v, b',') else {
            self.malformed("FNA", c + v.len(), || "missing execution count".to_string());
            return;
        };
        let Some(idx) = parse_u32(idx_f) else {
            self.malformed("FNA", c, || {
                format!("function index `{}` is not a number", show(idx_f))
            });
            return;
        };
        let cc = c + idx_f.len() + 1;
        let Some((count_f, name_f)) = split_once(rest, b',') else {
            self.malformed("FNA", cc + rest.len(), || {
                "missing function name".to_string()
            });
            return;
        };
        let nc = cc + count_f.len() + 1;
        if name_f.is_empty() {
            self.malformed("FNA", nc, || "missing function name".to_string());
            return;
        }
        let Some(hits) = self.count_field("FNA", "execution count", count_f, cc) else {
            return;
        };
        let Some(&(start, end)) = self.fnl.get(&u64::from(idx)) else {
            self.warn(c, || {
                format!("FNA record refers to function index {idx}, which no FNL record defines; ignored")
            });
            return;
        };
        let name = self.text(name_f, "function name", nc);
        self.fna_functions.push(Function {
            name,
            start,
            end,
            hits,
        });
    }

    /// `MCDC:<line>,[U]<groupSize>,<t|f>,<taken>,<index>,<expression>`
    fn mcdc(&mut self, v: &[u8], c: usize) {
        let mut fields = [&[][..]; 5];
        let mut rest = v;
        let mut cols = [0usize; 6];
        let mut col = c;
        for (i, field) in fields.iter_mut().enumerate() {
            cols[i] = col;
            let Some((f, tail)) = split_once(rest, b',') else {
                let what = [
                    "group size",
                    "sense",
                    "taken count",
                    "condition index",
                    "expression",
                ][i];
                self.malformed("MCDC", c + v.len(), || format!("missing {what}"));
                return;
            };
            *field = f;
            col += f.len() + 1;
            rest = tail;
        }
        cols[5] = col;
        let [line_f, group_f, sense_f, taken_f, index_f] = fields;
        let expression_f = rest;
        let Some(line) = self.line_field("MCDC", line_f, cols[0]) else {
            return;
        };
        let group_digits = match group_f.strip_prefix(b"U") {
            Some(d) => {
                if !self.noted_mcdc_unreachable {
                    self.noted_mcdc_unreachable = true;
                    let at = self.at(cols[1]);
                    self.diags.push(Severity::Note, at, || {
                        "MCDC unreachable flag `U` is not kept (reported once)".to_string()
                    });
                }
                d
            }
            None => group_f,
        };
        let Some(group_size) = parse_u32(group_digits) else {
            self.malformed("MCDC", cols[1], || {
                format!("group size `{}` is not a number", show(group_f))
            });
            return;
        };
        let sense = match sense_f {
            b"t" => true,
            b"f" => false,
            _ => {
                self.malformed("MCDC", cols[2], || {
                    format!("sense `{}` is not `t` or `f`", show(sense_f))
                });
                return;
            }
        };
        let Some(index) = parse_u32(index_f) else {
            self.malformed("MCDC", cols[4], || {
                format!("condition index `{}` is not a number", show(index_f))
            });
            return;
        };
        let Some(taken) = self.count_field("MCDC", "taken count", taken_f, cols[3]) else {
            return;
        };
        let expression = self.text(expression_f, "MCDC expression", cols[5]);
        self.mcdc.push(McdcCondition {
            line,
            group_size,
            sense,
            index,
            expression,
            taken,
        });
    }

    /// Closes an unterminated record and decides whether the input was LCOV at all.
    fn finish(mut self, sink: &mut Sink<'_>) -> Result<Vec<Diagnostic>, ParseError> {
        if self.in_record {
            let path = self.path.clone();
            self.diags.push(
                Severity::Warning,
                Some(Position::LineCol {
                    line: self.sf_line,
                    column: None,
                }),
                || format!("record for `{path}` has no end_of_record before the end of input; kept what it had"),
            );
            self.emit(sink);
        }
        if let (Some(first), false) = (self.first_content, self.saw_key) {
            return Err(ParseError::new(
                Some(Format::Lcov),
                Some(Position::LineCol {
                    line: first,
                    column: None,
                }),
                "no LCOV record found (expected lines like `SF:<path>`, `DA:<line>,<count>`, `end_of_record`)",
            ));
        }
        Ok(self.diags.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count(b"0"), Count::Value(0));
        assert_eq!(parse_count(b"18446744073709551615"), Count::Value(u64::MAX));
        assert_eq!(parse_count(b"18446744073709551616"), Count::Saturated);
        assert_eq!(parse_count(b"-3"), Count::Negative);
        assert_eq!(parse_count(b"-0"), Count::Value(0));
        assert_eq!(parse_count(b"-"), Count::Invalid);
        assert_eq!(parse_count(b"1.5"), Count::NotInteger);
        assert_eq!(parse_count(b"1.a0e+19"), Count::NotInteger);
        assert_eq!(parse_count(b"1e5"), Count::NotInteger);
        assert_eq!(parse_count(b"abc"), Count::Invalid);
        assert_eq!(parse_count(b""), Count::Missing);
    }

    #[test]
    fn branch_names() {
        assert_eq!(branch_name(b"0"), Some(BranchName::Index(0)));
        assert_eq!(branch_name(b"17"), Some(BranchName::Index(17)));
        assert_eq!(branch_name(b"01"), None);
        assert_eq!(branch_name(b"4294967296"), None);
        assert_eq!(branch_name(b"!enable"), None);
    }

    #[test]
    fn leading_digits_long_runs() {
        assert_eq!(leading_digits(b"123456789012,"), (123456789012, 12));
        assert_eq!(
            leading_digits(b"18446744073709551615"),
            (1844674407370955161, 19)
        );
        assert_eq!(leading_digits(b"1234567"), (1234567, 7));
    }

    #[test]
    fn leading_digits_stop_at_19() {
        assert_eq!(leading_digits(b"123,4"), (123, 3));
        assert_eq!(leading_digits(b"x"), (0, 0));
        assert_eq!(leading_digits(b"99999999999999999999").1, 19);
    }

    #[test]
    fn line_numbers() {
        assert_eq!(parse_line_no(b"7").ok(), Line::new(7));
        assert!(matches!(parse_line_no(b"0"), Err(LineErr::Zero)));
        assert!(matches!(
            parse_line_no(b"4294967296"),
            Err(LineErr::OutOfRange)
        ));
        assert!(matches!(parse_line_no(b"x"), Err(LineErr::NotNumber)));
        assert!(matches!(parse_line_no(b""), Err(LineErr::Missing)));
    }
}
