//! Shared by the gcov, gcovr, llvm-cov and Codecov parsers: positions inside JSON inputs, lenient JSON
//! numbers, and a capped diagnostics list.
//!
//! The JSON parsers read the document with `serde_json`, keeping each record (a file, a line, a
//! function) as a borrowed [`RawValue`]: the record's text is a slice of the input, so its byte offset
//! is known, and a malformed record can be named by `line:column` and skipped while the rest loads.
//! Offsets become positions only when a diagnostic is made ([`LineIndex`]).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::value::RawValue;

use crate::detect::Format;
pub(crate) use crate::diag::Diags;
use crate::diag::{ParseError, Position};

/// Turns byte offsets of one input into 1-based `line:column` positions (column in bytes). Offsets
/// asked in increasing order (the usual case) cost only the bytes between them.
pub(crate) struct LineIndex<'a> {
    input: &'a [u8],
    /// The last offset resolved, and its line and line start.
    at: usize,
    line: u64,
    line_start: usize,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(input: &'a [u8]) -> LineIndex<'a> {
        LineIndex {
            input,
            at: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The position of byte `offset` (clamped to the input's end).
    pub(crate) fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.input.len());
        if offset < self.at {
            self.at = 0;
            self.line = 1;
            self.line_start = 0;
        }
        let between = &self.input[self.at..offset];
        let newlines = memchr::memchr_iter(b'\n', between).count() as u64;
        if newlines > 0 {
            let last = memchr::memrchr(b'\n', between).expect("a newline was counted");
            self.line_start = self.at + last + 1;
            self.line += newlines;
        }
        self.at = offset;
        Position::LineCol {
            line: self.line,
            column: Some((offset - self.line_start) as u64 + 1),
        }
    }

    /// The position of the start of `raw`, a value borrowed from this input.
    pub(crate) fn of_raw(&mut self, raw: &RawValue) -> Position {
        let offset = offset_in(self.input, raw.get());
        self.position(offset)
    }

    /// The position a `serde_json` error points at inside `raw` (a value borrowed from this input).
    pub(crate) fn of_error_in(&mut self, raw: &RawValue, err: &serde_json::Error) -> Position {
        let base = offset_in(self.input, raw.get());
        self.position(base + offset_of_line_col(raw.get().as_bytes(), err.line(), err.column()))
    }
}

/// The byte offset of `part` inside `whole`, when `part` is a slice of it (0 otherwise).
fn offset_in(whole: &[u8], part: &str) -> usize {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    if p >= start && p <= start + whole.len() {
        p - start
    } else {
        0
    }
}

/// The byte offset of 1-based `line` and 1-based `column` (as `serde_json` counts them) in `text`.
fn offset_of_line_col(text: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match memchr::memchr(b'\n', &text[start..]) {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

/// The error for a document that is not JSON at all (or not the expected shape at the top).
pub(crate) fn document_error(format: Format, input: &[u8], err: &serde_json::Error) -> ParseError {
    let offset = offset_of_line_col(input, err.line(), err.column());
    let mut index = LineIndex::new(input);
    ParseError::new(
        Some(format),
        Some(index.position(offset)),
        json_message(err),
    )
}

/// `serde_json`'s message without its own ` at line L column C` suffix (the position is reported apart).
pub(crate) fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A JSON number read leniently: counts in coverage files are sometimes negative (gcov counter races)
/// or written as floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    U(u64),
    /// Below zero.
    Neg(i64),
    /// Not an integer, or beyond `u64` (serde_json reads those as floats).
    F(f64),
}

/// What a count became.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CountIs {
    Exact(u64),
    /// Below zero: 0.
    Clamped,
    /// Above `u64::MAX`: `u64::MAX`.
    Saturated,
    /// A fraction (or NaN): the value is dropped.
    NotInteger,
}

impl Num {
    pub(crate) fn count(self) -> CountIs {
        match self {
            Num::U(v) => CountIs::Exact(v),
            Num::Neg(_) => CountIs::Clamped,
            Num::F(f) if f.is_nan() || f.fract() != 0.0 => CountIs::NotInteger,
            Num::F(f) if f < 0.0 => CountIs::Clamped,
            Num::F(f) if f >= 18_446_744_073_709_551_616.0 => CountIs::Saturated,
            Num::F(f) => CountIs::Exact(f as u64),
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::U(v) => write!(f, "{v}"),
            Num::Neg(v) => write!(f, "{v}"),
            Num::F(v) => write!(f, "{v}"),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num::U(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(if v < 0 { Num::Neg(v) } else { Num::U(v as u64) })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num::F(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A line number field: 1-based, within `u32`.
pub(crate) fn line_number(n: Num) -> Option<u32> {
    match n {
        Num::U(v) if v >= 1 && v <= u64::from(u32::MAX) => Some(v as u32),
        _ => None,
    }
}

/// Reads all of a reader into memory (the JSON parsers' streaming entry: a JSON document is parsed as
/// a whole, so the reader entry collects the bytes and calls the slice entry).
pub(crate) fn read_all<R: std::io::BufRead>(
    format: Format,
    mut input: R,
) -> Result<Vec<u8>, ParseError> {
    let mut bytes = Vec::new();
    match std::io::Read::read_to_end(&mut input, &mut bytes) {
        Ok(_) => Ok(bytes),
        Err(e) => Err(ParseError::new(
            Some(format),
            Some(Position::Byte(bytes.len() as u64)),
            format!("cannot read input: {e}"),
        )),
    }
}

/// Strips a UTF-8 byte order mark.
pub(crate) fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_lines_and_columns() {
        let text = b"{\n  \"a\": 1,\n  \"b\": [2, 3]\n}";
        let mut index = LineIndex::new(text);
        assert_eq!(
            index.position(0),
            Position::LineCol {
                line: 1,
                column: Some(1)
            }
        );
        assert_eq!(
            index.position(4),
            Position::LineCol {
                line: 2,
                column: Some(3)
            }
        );
        assert_eq!(
            index.position(20),
            Position::LineCol {
                line: 3,
                column: Some(9)
            }
        );
        // Going back restarts from the beginning.
        assert_eq!(
            index.position(2),
            Position::LineCol {
                line: 2,
                column: Some(1)
            }
        );
        assert_eq!(offset_of_line_col(text, 3, 9), 20);
    }

    #[test]
    fn numbers_are_read_leniently() {
        let n: Vec<Num> = serde_json::from_str("[0, 5, -3, 1.5, 2.0, 1e30]").unwrap();
        let counts: Vec<CountIs> = n.iter().map(|n| n.count()).collect();
        assert_eq!(
            counts,
            vec![
                CountIs::Exact(0),
                CountIs::Exact(5),
                CountIs::Clamped,
                CountIs::NotInteger,
                CountIs::Exact(2),
                CountIs::Saturated
            ]
        );
        assert_eq!(line_number(Num::U(0)), None);
        assert_eq!(line_number(Num::U(7)), Some(7));
    }
}
