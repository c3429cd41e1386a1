//! UTF-16 (LE or BE, with a byte order mark) to UTF-8 transcoding for XML inputs: a streaming `BufRead`
//! adapter and a whole-slice function over one decoder, so both front doors see the same text and the
//! same diagnostics.
//!
//! Visual Studio writes `.coveragexml` in UTF-16LE with a BOM; the XML parsers read UTF-8 only. A lone
//! surrogate (or an odd trailing byte) is replaced by U+FFFD and reported once per occurrence, at its
//! byte offset in the original input (the first [`MAX_REPORTED`]; a final note counts the rest).
//! `encoding_rs` would do the same job but costs ~100 KiB of tables in the wasm build for one format;
//! `char::decode_utf16` is in `core`.

use std::io::{self, BufRead, Read};

use crate::diag::{Diagnostic, Position};

/// Lone surrogates reported one by one; more are counted in one note.
const MAX_REPORTED: usize = 16;

/// The byte order of a UTF-16 input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

/// The byte order announced by a UTF-16 byte order mark at the start of `head`, if any.
pub(crate) fn bom(head: &[u8]) -> Option<Endian> {
    match head {
        [0xFF, 0xFE, ..] => Some(Endian::Little),
        [0xFE, 0xFF, ..] => Some(Endian::Big),
        _ => None,
    }
}

/// The decoder state shared by both entries: a pending high surrogate, the input offset, diagnostics.
struct Decoder {
    endian: Endian,
    /// A high surrogate waiting for its low half, and the byte offset where it started.
    high: Option<(u16, u64)>,
    /// Byte offset in the original input of the next code unit.
    offset: u64,
    diags: Vec<Diagnostic>,
    unreported: u64,
}

impl Decoder {
    fn new(endian: Endian) -> Decoder {
        // The two BOM bytes come first and are not part of the text.
        Decoder {
            endian,
            high: None,
            offset: 2,
            diags: Vec::new(),
            unreported: 0,
        }
    }

    fn bad(&mut self, offset: u64, what: impl FnOnce() -> String, out: &mut Vec<u8>) {
        if self.diags.len() < MAX_REPORTED {
            self.diags.push(Diagnostic::warning(
                Some(Position::Byte(offset)),
                format!("invalid UTF-16: {}; replaced by U+FFFD", what()),
            ));
        } else {
            self.unreported += 1;
        }
        push_char(out, char::REPLACEMENT_CHARACTER);
    }

    /// Decodes whole code units of `bytes` (an even length) into `out`.
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        debug_assert!(bytes.len() % 2 == 0);
        out.reserve(bytes.len() / 2 + 4);
        for pair in bytes.chunks_exact(2) {
            let unit = match self.endian {
                Endian::Little => u16::from_le_bytes([pair[0], pair[1]]),
                Endian::Big => u16::from_be_bytes([pair[0], pair[1]]),
            };
            let at = self.offset;
            self.offset += 2;
            // ASCII, the bulk of an XML report, without the decoder.
            if unit < 0x80 && self.high.is_none() {
                out.push(unit as u8);
                continue;
            }
            match (self.high.take(), unit) {
                (None, 0xD800..=0xDBFF) => self.high = Some((unit, at)),
                (None, 0xDC00..=0xDFFF) => {
                    self.bad(at, || format!("lone low surrogate 0x{unit:04X}"), out)
                }
                (None, _) => push_unit(out, unit),
                (Some((h, h_at)), 0xDC00..=0xDFFF) => {
                    match char::decode_utf16([h, unit]).next() {
                        Some(Ok(c)) => push_char(out, c),
                        // Unreachable for a high then a low surrogate; kept total.
                        _ => self.bad(h_at, || format!("bad surrogate pair 0x{h:04X}"), out),
                    }
                }
                (Some((h, h_at)), _) => {
                    self.bad(h_at, || format!("lone high surrogate 0x{h:04X}"), out);
                    if (0xD800..=0xDBFF).contains(&unit) {
                        self.high = Some((unit, at));
                    } else {
                        push_unit(out, unit);
                    }
                }
            }
        }
    }

    /// The end of input: a pending high surrogate or an odd trailing byte is reported.
    fn finish(&mut self, odd_byte: bool, out: &mut Vec<u8>) {
        if let Some((h, at)) = self.high.take() {
            self.bad(
                at,
                || format!("lone high surrogate 0x{h:04X} at end of input"),
                out,
            );
        }
        if odd_byte {
            let at = self.offset;
            self.bad(
                at,
                || "odd number of bytes (a trailing half code unit)".to_string(),
                out,
            );
        }
    }

    fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        if self.unreported > 0 {
            self.diags.push(Diagnostic::note(
                None,
                format!(
                    "{} more invalid UTF-16 code unit(s) replaced",
                    self.unreported
                ),
            ));
        }
        self.diags
    }
}

/// A non-surrogate code unit as UTF-8.
fn push_unit(out: &mut Vec<u8>, unit: u16) {
    // Not a surrogate (the callers checked), so a valid scalar value.
    push_char(
        out,
        char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER),
    );
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Transcodes a whole UTF-16 input (with its BOM) to UTF-8; returns the text and the diagnostics.
pub(crate) fn transcode(input: &[u8], endian: Endian) -> (Vec<u8>, Vec<Diagnostic>) {
    let body = input.get(2..).unwrap_or_default();
    let mut d = Decoder::new(endian);
    let mut out = Vec::with_capacity(body.len() / 2 + 8);
    let even = body.len() & !1;
    d.feed(&body[..even], &mut out);
    d.finish(body.len() % 2 == 1, &mut out);
    (out, d.into_diagnostics())
}

/// A `BufRead` that reads UTF-16 bytes (starting at the BOM) from `inner` and yields UTF-8.
pub(crate) struct Utf16Reader<R> {
    inner: R,
    decoder: Decoder,
    out: Vec<u8>,
    pos: usize,
    /// A byte of a code unit split across two reads of `inner`.
    carry: Option<u8>,
    done: bool,
}

impl<R: BufRead> Utf16Reader<R> {
    /// Wraps `inner`, whose next two bytes are the BOM (they are skipped).
    pub(crate) fn new(mut inner: R, endian: Endian) -> io::Result<Utf16Reader<R>> {
        let mut bom = [0u8; 2];
        inner.read_exact(&mut bom)?;
        Ok(Utf16Reader {
            inner,
            decoder: Decoder::new(endian),
            out: Vec::with_capacity(16 << 10),
            pos: 0,
            carry: None,
            done: false,
        })
    }

    /// The transcoding diagnostics, once the input has been read to its end.
    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.decoder.into_diagnostics()
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() && !self.done {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                self.done = true;
                self.decoder
                    .finish(self.carry.take().is_some(), &mut self.out);
                break;
            }
            let n = chunk.len();
            let mut rest = chunk;
            if let Some(b) = self.carry.take() {
                self.decoder.feed(&[b, rest[0]], &mut self.out);
                rest = &rest[1..];
            }
            let even = rest.len() & !1;
            self.decoder.feed(&rest[..even], &mut self.out);
            if rest.len() % 2 == 1 {
                self.carry = Some(rest[even]);
            }
            self.inner.consume(n);
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Utf16Reader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.out.len() {
            self.refill()?;
        }
        Ok(&self.out[self.pos..])
    }
    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.out.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    fn stream(bytes: &[u8], cap: usize) -> (Vec<u8>, Vec<Diagnostic>) {
        let mut r = Utf16Reader::new(
            io::BufReader::with_capacity(cap, bytes),
            bom(bytes).unwrap(),
        )
        .unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        (out, r.into_diagnostics())
    }

    #[test]
    fn round_trips_text_with_pairs() {
        let text = "<a p=\"C:\\tëst\\😀.cs\"/>";
        let bytes = le(text);
        assert_eq!(transcode(&bytes, Endian::Little).0, text.as_bytes());
        for cap in [1, 2, 3, 7, 64] {
            assert_eq!(stream(&bytes, cap), (text.as_bytes().to_vec(), vec![]));
        }
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(transcode(&be, Endian::Big).0, text.as_bytes());
    }

    #[test]
    fn lone_surrogates_are_reported_at_their_byte_offset() {
        // `a`, lone high D800, `b`, lone low DC00, then a high surrogate at the very end, then an odd byte.
        let bytes = [
            0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0, 0x00, 0xDC, 0x3D, 0xD8, 0x41,
        ];
        let (text, diags) = transcode(&bytes, Endian::Little);
        assert_eq!(text, "a\u{FFFD}b\u{FFFD}\u{FFFD}\u{FFFD}".as_bytes());
        let at: Vec<_> = diags
            .iter()
            .map(|d| (d.position, d.message.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (Some(Position::Byte(4)), "invalid UTF-16: lone high surrogate 0xD800; replaced by U+FFFD"),
                (Some(Position::Byte(8)), "invalid UTF-16: lone low surrogate 0xDC00; replaced by U+FFFD"),
                (
                    Some(Position::Byte(10)),
                    "invalid UTF-16: lone high surrogate 0xD83D at end of input; replaced by U+FFFD"
                ),
                (
                    Some(Position::Byte(12)),
                    "invalid UTF-16: odd number of bytes (a trailing half code unit); replaced by U+FFFD"
                ),
            ]
        );
        for cap in [1, 2, 3, 5] {
            assert_eq!(stream(&bytes, cap), (text.clone(), diags.clone()));
        }
    }
}
