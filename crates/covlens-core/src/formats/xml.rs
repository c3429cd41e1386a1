//! XML plumbing shared by the XML parsers (Cobertura, JaCoCo): one event handler behind two front doors
//! (borrowed slice, streaming `BufRead`), positions, diagnostics, entity decoding and number parsing.
//!
//! Security: quick-xml never fetches or expands a DTD or external entity; a `<!DOCTYPE>` is skipped, and
//! an entity reference other than the five predefined ones and character references is kept as written
//! and reported (internal-subset entities are not expanded either, so no entity expansion blow-up).
//!
//! Positions: in the slice entry every position is an exact `line:column` (bytes, 1-based), found by
//! counting newlines from the last located offset. In the reader entry a counting adapter tracks
//! newlines as quick-xml consumes bytes, so the start of the current event is an exact `line:column`
//! too; an older offset falls back to a byte offset.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::detect::Format;
use crate::diag::Diags;
use crate::diag::{Diagnostic, ParseError, Position, Severity};
use crate::formats::{ParseOptions, Sink};
use crate::model::FileRecord;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What an XML format parser implements: callbacks per element; `Err(message)` stops the parse with a
/// [`ParseError`] at the current element.
pub(crate) trait Handler {
    /// A start tag (`<a ...>`) or the start of an empty element (`<a .../>`, followed by [`Handler::end`]).
    fn start(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) -> Result<(), String>;
    /// An end tag, or the end of an empty element.
    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String>;
    /// Whether character data is wanted right now (it is skipped otherwise, without decoding).
    fn wants_text(&self) -> bool {
        false
    }
    /// Decoded character data (entity references already resolved), possibly in several pieces.
    fn text(&mut self, _text: &str) {}
    /// After the last event: checks that the document had the expected root, flushes buffered records.
    fn finish(&mut self, cx: &mut Cx<'_, '_>) -> Result<(), String>;
}

/// Turns a byte offset into a position.
pub(crate) trait Locate {
    fn locate(&mut self, offset: u64) -> Position;
}

/// Exact line:column over the whole input; amortised O(1) when offsets grow, as they do while parsing.
struct SliceLocator<'i> {
    input: &'i [u8],
    scanned: usize,
    line: u64,
    line_start: usize,
}

impl<'i> SliceLocator<'i> {
    fn new(input: &'i [u8]) -> Self {
        SliceLocator {
            input,
            scanned: 0,
            line: 1,
            line_start: 0,
        }
    }
}

impl Locate for SliceLocator<'_> {
    fn locate(&mut self, offset: u64) -> Position {
        let off = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.input.len());
        if off < self.scanned {
            self.scanned = 0;
            self.line = 1;
            self.line_start = 0;
        }
        let chunk = &self.input[self.scanned..off];
        let newlines = memchr::memchr_iter(b'\n', chunk).count();
        if newlines > 0 {
            self.line += newlines as u64;
            if let Some(last) = memchr::memrchr(b'\n', chunk) {
                self.line_start = self.scanned + last + 1;
            }
        }
        self.scanned = off;
        Position::LineCol {
            line: self.line,
            column: Some((off - self.line_start) as u64 + 1),
        }
    }
}

/// A `BufRead` adapter that counts the lines quick-xml has consumed.
struct Counting<R> {
    inner: R,
    pos: u64,
    line: u64,
    line_start: u64,
}

impl<R> Counting<R> {
    fn count(pos: &mut u64, line: &mut u64, line_start: &mut u64, bytes: &[u8]) {
        // Markup holds no newline most of the time: one backwards search settles it.
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            *line += 1 + memchr::memchr_iter(b'\n', &bytes[..last]).count() as u64;
            *line_start = *pos + last as u64 + 1;
        }
        *pos += bytes.len() as u64;
    }
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        Self::count(
            &mut self.pos,
            &mut self.line,
            &mut self.line_start,
            &buf[..n],
        );
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        // `fill_buf` again returns the bytes already buffered (no IO): the ones about to be consumed.
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            Self::count(
                &mut self.pos,
                &mut self.line,
                &mut self.line_start,
                &buf[..n],
            );
        }
        self.inner.consume(amt);
    }
}

/// The line state when the current event started (reader entry).
#[derive(Clone, Copy)]
struct StreamLocator {
    start: u64,
    line: u64,
    line_start: u64,
}

impl Locate for StreamLocator {
    fn locate(&mut self, offset: u64) -> Position {
        // Only the bytes between the line start and the event start are known to hold no newline.
        if offset >= self.line_start && offset <= self.start.max(self.line_start) {
            Position::LineCol {
                line: self.line,
                column: Some(offset - self.line_start + 1),
            }
        } else {
            Position::Byte(offset)
        }
    }
}

/// What a handler sees besides the event: the sink, diagnostics and the event's position.
pub(crate) struct Cx<'a, 'b> {
    sink: &'a mut Sink<'b>,
    diags: &'a mut Diags,
    loc: &'a mut dyn Locate,
    start: u64,
}

impl Cx<'_, '_> {
    /// The position of the current event's start.
    pub(crate) fn here(&mut self) -> Position {
        self.loc.locate(self.start)
    }

    /// A warning at the current event.
    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        self.diag(Severity::Warning, message.into());
    }

    /// A note at the current event.
    pub(crate) fn note(&mut self, message: impl Into<String>) {
        self.diag(Severity::Note, message.into());
    }

    fn diag(&mut self, severity: Severity, message: String) {
        // Locating costs a scan, so only for diagnostics that are kept.
        let position = if self.diags.accepting() {
            Some(self.here())
        } else {
            None
        };
        self.diags.push(severity, position, || message);
    }

    /// A diagnostic about something seen earlier (no position: the reader entry cannot place it).
    pub(crate) fn diag_unplaced(&mut self, severity: Severity, message: impl Into<String>) {
        self.diags.push(severity, None, || message.into());
    }

    /// Hands a record to the sink.
    pub(crate) fn emit(&mut self, record: FileRecord) {
        (self.sink)(record);
    }
}

/// Open elements, for the "not closed" error at the end of a truncated input.
#[derive(Default)]
struct Stack {
    names: Vec<u8>,
    ends: Vec<usize>,
}

impl Stack {
    fn push(&mut self, name: &[u8]) {
        self.names.extend_from_slice(name);
        self.ends.push(self.names.len());
    }
    fn pop(&mut self) {
        self.ends.pop();
        self.names.truncate(self.ends.last().copied().unwrap_or(0));
    }
    fn top(&self) -> Option<String> {
        let end = *self.ends.last()?;
        let start = self.ends.len().checked_sub(2).map_or(0, |i| self.ends[i]);
        Some(String::from_utf8_lossy(&self.names[start..end]).into_owned())
    }
}

fn configure<R>(reader: &mut Reader<R>) {
    let config = reader.config_mut();
    // A stray `&` in a path is common in hand-made files; keep it as text rather than failing.
    config.allow_dangling_amp = true;
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);
}

fn check_encoding(format: Format, head: &[u8]) -> Result<(), ParseError> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(ParseError::new(
            Some(format),
            Some(Position::Byte(0)),
            "UTF-16 input is not supported (convert it to UTF-8)",
        ));
    }
    Ok(())
}

fn xml_error(format: Format, e: &quick_xml::Error, position: Position) -> ParseError {
    ParseError::new(Some(format), Some(position), e.to_string())
}

/// Dispatches one event; `Ok(false)` at the end of input.
fn dispatch<H: Handler>(
    h: &mut H,
    ev: Event<'_>,
    stack: &mut Stack,
    cx: &mut Cx<'_, '_>,
) -> Result<bool, String> {
    match ev {
        Event::Start(e) => {
            stack.push(e.name().as_ref());
            h.start(&e, cx)?;
        }
        Event::Empty(e) => {
            h.start(&e, cx)?;
            h.end(e.name().as_ref(), cx)?;
        }
        Event::End(e) => {
            stack.pop();
            h.end(e.name().as_ref(), cx)?;
        }
        Event::Text(t) => {
            if h.wants_text() {
                h.text(&String::from_utf8_lossy(&t));
            }
        }
        Event::CData(t) => {
            if h.wants_text() {
                h.text(&String::from_utf8_lossy(&t));
            }
        }
        Event::GeneralRef(r) => {
            if h.wants_text() {
                let name: &[u8] = &r;
                match resolve_entity(name) {
                    Some(c) => {
                        let mut b = [0u8; 4];
                        h.text(c.encode_utf8(&mut b));
                    }
                    None => {
                        let shown = String::from_utf8_lossy(name);
                        cx.warn(format!(
                            "unknown entity `&{shown};` kept as written (DTD entities are never expanded)"
                        ));
                        h.text(&format!("&{shown};"));
                    }
                }
            }
        }
        Event::Eof => return Ok(false),
        // Declarations, processing instructions, comments and doctypes carry nothing we use; a
        // doctype's system id is never fetched.
        Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
    }
    Ok(true)
}

/// Runs `h` over a whole input held in memory.
pub(crate) fn run_slice<H: Handler>(
    format: Format,
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
    h: &mut H,
) -> Result<Vec<Diagnostic>, ParseError> {
    check_encoding(format, input)?;
    // quick-xml skips a BOM without counting it; strip it here so offsets index `input`.
    let input = input.strip_prefix(UTF8_BOM).unwrap_or(input);
    let mut reader = Reader::from_reader(input);
    configure(&mut reader);
    let mut loc = SliceLocator::new(input);
    let mut diags = Diags::new(options.max_diagnostics);
    let mut stack = Stack::default();
    loop {
        let start = reader.buffer_position();
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = loc.locate(reader.error_position());
                return Err(xml_error(format, &e, at));
            }
        };
        let mut cx = Cx {
            sink: &mut *sink,
            diags: &mut diags,
            loc: &mut loc,
            start,
        };
        match dispatch(h, ev, &mut stack, &mut cx) {
            Ok(true) => {}
            Ok(false) => break,
            Err(message) => {
                let at = cx.here();
                return Err(ParseError::new(Some(format), Some(at), message));
            }
        }
    }
    let end = input.len() as u64;
    let mut cx = Cx {
        sink,
        diags: &mut diags,
        loc: &mut loc,
        start: end,
    };
    if let Some(open) = stack.top() {
        let at = cx.here();
        return Err(ParseError::new(
            Some(format),
            Some(at),
            format!("unexpected end of input (element `{open}` is not closed)"),
        ));
    }
    if let Err(message) = h.finish(&mut cx) {
        let at = cx.here();
        return Err(ParseError::new(Some(format), Some(at), message));
    }
    Ok(diags.finish())
}

/// Runs `h` over a stream through one reused buffer.
pub(crate) fn run_reader<R: BufRead, H: Handler>(
    format: Format,
    mut input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
    h: &mut H,
) -> Result<Vec<Diagnostic>, ParseError> {
    let io_error = |e: io::Error| ParseError::new(Some(format), None, format!("read error: {e}"));
    {
        let head = input.fill_buf().map_err(io_error)?;
        check_encoding(format, head)?;
        if head.starts_with(UTF8_BOM) {
            input.consume(UTF8_BOM.len());
        }
    }
    let counting = Counting {
        inner: input,
        pos: 0,
        line: 1,
        line_start: 0,
    };
    let mut reader = Reader::from_reader(counting);
    configure(&mut reader);
    let mut diags = Diags::new(options.max_diagnostics);
    let mut stack = Stack::default();
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        let start = reader.buffer_position();
        let counted = reader.get_ref();
        let mut loc = StreamLocator {
            start,
            line: counted.line,
            line_start: counted.line_start,
        };
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                let at = loc.locate(reader.error_position());
                return Err(xml_error(format, &e, at));
            }
        };
        let mut cx = Cx {
            sink: &mut *sink,
            diags: &mut diags,
            loc: &mut loc,
            start,
        };
        match dispatch(h, ev, &mut stack, &mut cx) {
            Ok(true) => {}
            Ok(false) => break,
            Err(message) => {
                let at = cx.here();
                return Err(ParseError::new(Some(format), Some(at), message));
            }
        }
    }
    let counted = reader.get_ref();
    let end = counted.pos;
    let mut loc = StreamLocator {
        start: end,
        line: counted.line,
        line_start: counted.line_start,
    };
    let mut cx = Cx {
        sink,
        diags: &mut diags,
        loc: &mut loc,
        start: end,
    };
    if let Some(open) = stack.top() {
        let at = cx.here();
        return Err(ParseError::new(
            Some(format),
            Some(at),
            format!("unexpected end of input (element `{open}` is not closed)"),
        ));
    }
    if let Err(message) = h.finish(&mut cx) {
        let at = cx.here();
        return Err(ParseError::new(Some(format), Some(at), message));
    }
    Ok(diags.finish())
}

/// Calls `f(key, raw value)` for each attribute of a start tag: the hot-path scanner for elements that
/// come by the million (`<line>`), borrowing everything and allocating nothing. `Err(())` on anything
/// unusual (no `=`, no quote, unterminated value): the caller then asks quick-xml's iterator, which
/// says precisely what is wrong.
pub(crate) fn scan_attrs<'a>(
    e: &'a BytesStart<'_>,
    mut f: impl FnMut(&'a [u8], &'a [u8]),
) -> Result<(), ()> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut rest = e.attributes_raw();
    loop {
        let Some(start) = rest.iter().position(|b| !ws(b)) else {
            return Ok(());
        };
        rest = &rest[start..];
        let eq = rest.iter().position(|&b| b == b'=').ok_or(())?;
        // A key with inner whitespace (`a b="1"`, malformed) just matches no wanted name.
        let key = rest[..eq].trim_ascii_end();
        if key.is_empty() {
            return Err(());
        }
        rest = &rest[eq + 1..];
        let q = rest.iter().position(|b| !ws(b)).ok_or(())?;
        let quote = rest[q];
        if quote != b'"' && quote != b'\'' {
            return Err(());
        }
        rest = &rest[q + 1..];
        let end = rest.iter().position(|&b| b == quote).ok_or(())?;
        f(key, &rest[..end]);
        rest = &rest[end + 1..];
    }
}

/// Byte-slice equality without a `memcmp` call (keys are a few bytes long).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The raw values of the attributes named `keys` (the last one wins when repeated), through
/// [`scan_attrs`], or quick-xml's iterator when the fast scan meets something unusual; `Err` carries
/// quick-xml's description of a malformed attribute.
pub(crate) fn pick_attrs<'a, const N: usize>(
    e: &'a BytesStart<'_>,
    keys: [&[u8]; N],
) -> Result<[Option<&'a [u8]>; N], String> {
    let mut out = [None; N];
    let fast = scan_attrs(e, |k, v| {
        if let Some(i) = keys.iter().position(|x| same(x, k)) {
            out[i] = Some(v);
        }
    });
    if fast.is_ok() {
        return Ok(out);
    }
    out = [None; N];
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        if let Some(i) = keys.iter().position(|x| *x == a.key.as_ref()) {
            if let Cow::Borrowed(v) = a.value {
                out[i] = Some(v);
            }
        }
    }
    Ok(out)
}

/// The attributes of `e`, a malformed one reported and left out.
pub(crate) fn attrs<'e>(
    e: &'e BytesStart<'_>,
    cx: &mut Cx<'_, '_>,
) -> Vec<quick_xml::events::attributes::Attribute<'e>> {
    let mut out = Vec::new();
    for a in e.attributes() {
        match a {
            Ok(a) => out.push(a),
            Err(err) => {
                cx.warn(format!(
                    "malformed attribute in <{}>: {err}",
                    String::from_utf8_lossy(e.name().as_ref())
                ));
                break;
            }
        }
    }
    out
}

/// The character an entity reference (`amp`, `#38`, `#x26`) stands for, if it is predefined or a
/// valid character reference.
fn resolve_entity(name: &[u8]) -> Option<char> {
    match name {
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"amp" => Some('&'),
        b"apos" => Some('\''),
        b"quot" => Some('"'),
        [b'#', b'x' | b'X', hex @ ..] => {
            let s = std::str::from_utf8(hex).ok()?;
            char::from_u32(u32::from_str_radix(s, 16).ok()?)
        }
        [b'#', dec @ ..] => {
            let s = std::str::from_utf8(dec).ok()?;
            char::from_u32(s.parse().ok()?)
        }
        _ => None,
    }
}

/// Decodes an attribute value: UTF-8, predefined entities and character references. An unknown
/// entity is kept as written and reported; invalid UTF-8 is replaced and reported.
pub(crate) fn attr_str<'v>(raw: &'v [u8], attr: &str, cx: &mut Cx<'_, '_>) -> Cow<'v, str> {
    if memchr::memchr(b'&', raw).is_none() {
        return match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                cx.warn(format!(
                    "attribute `{attr}` is not valid UTF-8; invalid bytes replaced"
                ));
                String::from_utf8_lossy(raw)
            }
        };
    }
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';') {
            Some(semi) => {
                let name = &after[..semi];
                match resolve_entity(name.as_bytes()) {
                    Some(c) => out.push(c),
                    None => {
                        cx.warn(format!(
                            "unknown entity `&{name};` in attribute `{attr}` kept as written (DTD entities are never expanded)"
                        ));
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                    }
                }
                rest = &after[semi + 1..];
            }
            None => {
                // A lone `&`: keep it.
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Why a number did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumError {
    Negative,
    Overflow,
    Invalid,
}

/// Parses an unsigned decimal count from bytes: surrounding whitespace and a `+` sign are allowed, and
/// so is a zero fraction (`3.0`), which some writers emit; anything else is an error.
pub(crate) fn parse_u64(raw: &[u8]) -> Result<u64, NumError> {
    // Fast path: plain digits that cannot overflow (19 digits < 2^64).
    if !raw.is_empty() && raw.len() <= 19 {
        let mut n = 0u64;
        let mut digits = true;
        for &c in raw {
            if !c.is_ascii_digit() {
                digits = false;
                break;
            }
            n = n * 10 + u64::from(c - b'0');
        }
        if digits {
            return Ok(n);
        }
    }
    let b = raw.trim_ascii();
    let b = b.strip_prefix(b"+").unwrap_or(b);
    if let Some(rest) = b.strip_prefix(b"-") {
        return if !rest.is_empty() && rest.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
            if rest.iter().all(|c| *c == b'0' || *c == b'.') {
                Ok(0)
            } else {
                Err(NumError::Negative)
            }
        } else {
            Err(NumError::Invalid)
        };
    }
    let (int, frac) = match memchr::memchr(b'.', b) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    if int.is_empty() {
        return Err(NumError::Invalid);
    }
    if let Some(f) = frac {
        if !f.iter().all(|c| *c == b'0') {
            return Err(NumError::Invalid);
        }
    }
    let mut n: u64 = 0;
    let mut overflow = false;
    for &c in int {
        if !c.is_ascii_digit() {
            return Err(NumError::Invalid);
        }
        match n
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
        {
            Some(v) => n = v,
            None => overflow = true,
        }
    }
    if overflow {
        Err(NumError::Overflow)
    } else {
        Ok(n)
    }
}

/// Parses a count; a malformed one is reported (saying what, and why) and `None` returned, except an
/// overflow, which is clamped to `u64::MAX` with a warning.
pub(crate) fn count_attr(raw: &[u8], what: &str, cx: &mut Cx<'_, '_>) -> Option<u64> {
    match parse_u64(raw) {
        Ok(n) => Some(n),
        Err(NumError::Overflow) => {
            cx.warn(format!(
                "{what} `{}` exceeds {}; clamped",
                String::from_utf8_lossy(raw),
                u64::MAX
            ));
            Some(u64::MAX)
        }
        Err(NumError::Negative) => {
            cx.warn(format!(
                "negative {what} `{}`; element skipped",
                String::from_utf8_lossy(raw)
            ));
            None
        }
        Err(NumError::Invalid) => {
            cx.warn(format!(
                "malformed {what} `{}`; element skipped",
                String::from_utf8_lossy(raw)
            ));
            None
        }
    }
}

/// Parses a 1-based line number; 0, negative and malformed numbers are reported and give `None`.
pub(crate) fn line_attr(raw: &[u8], what: &str, cx: &mut Cx<'_, '_>) -> Option<crate::model::Line> {
    match parse_u64(raw) {
        Ok(n) if n >= 1 && n <= u64::from(u32::MAX) => crate::model::Line::new(n as u32),
        _ => {
            cx.warn(format!(
                "invalid {what} `{}` (expected a line number from 1); element skipped",
                String::from_utf8_lossy(raw)
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"42"), Ok(42));
        assert_eq!(parse_u64(b" +7 "), Ok(7));
        assert_eq!(parse_u64(b"3.00"), Ok(3));
        assert_eq!(parse_u64(b"-0"), Ok(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), Err(NumError::Overflow));
        assert_eq!(parse_u64(b"-3"), Err(NumError::Negative));
        assert_eq!(parse_u64(b"1.5"), Err(NumError::Invalid));
        assert_eq!(parse_u64(b""), Err(NumError::Invalid));
        assert_eq!(parse_u64(b"12a"), Err(NumError::Invalid));
    }

    #[test]
    fn entities() {
        assert_eq!(resolve_entity(b"amp"), Some('&'));
        assert_eq!(resolve_entity(b"#x41"), Some('A'));
        assert_eq!(resolve_entity(b"#66"), Some('B'));
        assert_eq!(resolve_entity(b"#xD800"), None);
        assert_eq!(resolve_entity(b"nbsp"), None);
    }

    #[test]
    fn slice_locator_counts_lines_and_columns() {
        let input = b"ab\ncd\n\nefg";
        let mut loc = SliceLocator::new(input);
        assert_eq!(
            loc.locate(4),
            Position::LineCol {
                line: 2,
                column: Some(2)
            }
        );
        assert_eq!(
            loc.locate(9),
            Position::LineCol {
                line: 4,
                column: Some(3)
            }
        );
        // Going back rescans.
        assert_eq!(
            loc.locate(1),
            Position::LineCol {
                line: 1,
                column: Some(2)
            }
        );
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;

    fn scan(xml: &str) -> Result<Vec<(String, String)>, ()> {
        let mut r = Reader::from_str(xml);
        let ev = r.read_event().unwrap();
        let (Event::Start(e) | Event::Empty(e)) = ev else {
            panic!("not a start tag")
        };
        let mut out = Vec::new();
        scan_attrs(&e, |k, v| {
            out.push((
                String::from_utf8_lossy(k).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            ))
        })?;
        Ok(out)
    }

    #[test]
    fn scans_attributes() {
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            scan("<line number=\"19\" hits='3' branch=\"false\"/>"),
            Ok(vec![
                kv("number", "19"),
                kv("hits", "3"),
                kv("branch", "false")
            ])
        );
        assert_eq!(
            scan("<line\n  number = \"1\"\thits=\"a>b\">"),
            Ok(vec![kv("number", "1"), kv("hits", "a>b")])
        );
        assert_eq!(scan("<line number>"), Err(()));
        assert_eq!(scan("<line number=1>"), Err(()));
    }
}
