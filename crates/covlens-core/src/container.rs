//! Containers around reports: gzip (`.gz`, gcov's `.gcov.json.gz`), opened with limits against
//! decompression bombs. Format parsers never see compressed bytes: [`crate::load`] unwraps a gzip input
//! first, then detects the format of what is inside.
//!
//! Two limits hold, and each failure says which one tripped:
//! - `max_output_bytes`: the decompressed size, whatever the ratio;
//! - `max_ratio`: decompressed size over compressed size, checked once the output passes
//!   `ratio_floor_bytes` (a small file may expand a lot and harm no one; deflate tops out near 1032:1,
//!   coverage reports compress 5:1 to 100:1).

use std::io::{self, BufRead, Read};

use flate2::bufread::MultiGzDecoder;

use crate::diag::{ParseError, Position};

/// Limits on what a container may expand to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most decompressed bytes one input may produce.
    pub max_output_bytes: u64,
    /// The most decompressed bytes per compressed byte, once past `ratio_floor_bytes`.
    pub max_ratio: u64,
    /// Output size below which the ratio is not checked.
    pub ratio_floor_bytes: u64,
}

impl Limits {
    /// 4 GiB out, and at most 500:1 past the first 16 MiB.
    pub const DEFAULT: Limits = Limits {
        max_output_bytes: 4 << 30,
        max_ratio: 500,
        ratio_floor_bytes: 16 << 20,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// The two magic bytes of a gzip member (RFC 1952).
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `head` starts like a gzip stream.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&GZIP_MAGIC)
}

/// Why the limits stopped a decompression, or `None` while within them.
fn over_limit(out: u64, consumed: u64, limits: &Limits) -> Option<String> {
    if out > limits.max_output_bytes {
        return Some(format!(
            "gzip data expands past the limit of {} bytes (a decompression bomb, or raise the limit)",
            limits.max_output_bytes
        ));
    }
    // No sizes in the message: where a limit trips depends on read sizes, and both front doors must
    // word the same input the same way.
    if out > limits.ratio_floor_bytes && out > consumed.max(1).saturating_mul(limits.max_ratio) {
        return Some(format!(
            "gzip data expands more than {}:1 past its first {} bytes (a decompression bomb, or raise the limit)",
            limits.max_ratio, limits.ratio_floor_bytes
        ));
    }
    None
}

/// A `BufRead` that counts the bytes consumed from it.
struct Counted<R> {
    inner: R,
    consumed: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// Decompresses a whole gzip input (every member of a multi-member file) held in memory.
pub fn gunzip(input: &[u8], limits: &Limits) -> Result<Vec<u8>, ParseError> {
    let mut reader = GunzipReader::new(input, *limits);
    let mut out = Vec::with_capacity(input.len().saturating_mul(8).min(64 << 20));
    match reader.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) => Err(reader
            .failure()
            .cloned()
            .unwrap_or_else(|| reader.error(&e))),
    }
}

/// The first up to `max` decompressed bytes of a gzip input that may be cut short (for detecting the
/// format inside from the head of a stream); what could be decompressed before an error.
pub fn gunzip_prefix(head: &[u8], max: usize) -> Vec<u8> {
    let mut decoder = MultiGzDecoder::new(head);
    let mut out = vec![0u8; max];
    let mut filled = 0;
    while filled < max {
        match decoder.read(&mut out[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    out.truncate(filled);
    out
}

/// A streaming gzip decoder that enforces [`Limits`]: reading past them fails with an
/// `InvalidData` error whose message says which limit tripped. The first failure (limit, truncation,
/// corruption) is kept as a [`ParseError`] ([`GunzipReader::failure`]) and every later read fails
/// the same way, so a caller can report it as [`gunzip`] does, whatever a parser made of the read error.
pub struct GunzipReader<R: BufRead> {
    decoder: MultiGzDecoder<Counted<R>>,
    limits: Limits,
    out: u64,
    /// Why the last read failed, when it was the limits.
    limit_error: Option<String>,
    failure: Option<ParseError>,
}

impl<R: BufRead> std::fmt::Debug for GunzipReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GunzipReader")
            .field("limits", &self.limits)
            .field("out", &self.out)
            .finish_non_exhaustive()
    }
}

impl<R: BufRead> GunzipReader<R> {
    pub fn new(input: R, limits: Limits) -> GunzipReader<R> {
        GunzipReader {
            decoder: MultiGzDecoder::new(Counted {
                inner: input,
                consumed: 0,
            }),
            limits,
            out: 0,
            limit_error: None,
            failure: None,
        }
    }

    /// The first failure met, worded as [`gunzip`] words it.
    pub fn failure(&self) -> Option<&ParseError> {
        self.failure.as_ref()
    }

    /// Compressed bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.decoder.get_ref().consumed
    }

    /// Decompressed bytes produced so far.
    pub fn produced(&self) -> u64 {
        self.out
    }

    /// The error for a failed read: the limit that tripped, or the corruption, at the compressed
    /// byte offset reached.
    pub fn error(&self, e: &io::Error) -> ParseError {
        if let Some(f) = &self.failure {
            return f.clone();
        }
        match &self.limit_error {
            // Where a limit trips depends on read sizes: no position.
            Some(m) => ParseError::new(None, None, m.clone()),
            None if e.kind() == io::ErrorKind::UnexpectedEof => ParseError::new(
                None,
                Some(Position::Byte(self.consumed())),
                "gzip data is cut short (truncated file?)",
            ),
            None => ParseError::new(
                None,
                Some(Position::Byte(self.consumed())),
                format!("corrupt gzip data ({e})"),
            ),
        }
    }

    /// Records the first failure; `e` is what the decoder said.
    fn fail(&mut self, e: &io::Error) -> io::Error {
        if self.failure.is_none() {
            self.failure = Some(self.error(e));
        }
        let message = self
            .failure
            .as_ref()
            .map_or_else(String::new, |f| f.message.clone());
        io::Error::new(io::ErrorKind::InvalidData, message)
    }
}

impl<R: BufRead> Read for GunzipReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(f) = &self.failure {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                f.message.clone(),
            ));
        }
        // Never produce more than one byte past the output limit in one read.
        let room = self
            .limits
            .max_output_bytes
            .saturating_sub(self.out)
            .saturating_add(1);
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = match self.decoder.read(&mut buf[..take]) {
            Ok(n) => n,
            Err(e) => return Err(self.fail(&e)),
        };
        self.out += n as u64;
        if let Some(m) = over_limit(self.out, self.consumed(), &self.limits) {
            let e = io::Error::new(io::ErrorKind::InvalidData, m.clone());
            self.limit_error = Some(m);
            return Err(self.fail(&e));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn round_trip_and_multi_member() {
        let mut two = gz(b"TN:\nSF:a\n");
        two.extend(gz(b"DA:1,1\nend_of_record\n"));
        assert!(is_gzip(&two));
        assert_eq!(
            gunzip(&two, &Limits::DEFAULT).unwrap(),
            b"TN:\nSF:a\nDA:1,1\nend_of_record\n"
        );
        assert_eq!(gunzip_prefix(&two, 4), b"TN:\n");
    }

    #[test]
    fn limits_stop_bombs_with_a_clear_message() {
        let zeros = gz(&vec![0u8; 1 << 20]);
        let size = Limits {
            max_output_bytes: 1000,
            ..Limits::DEFAULT
        };
        let e = gunzip(&zeros, &size).unwrap_err();
        assert!(e.message.contains("limit of 1000 bytes"), "{}", e.message);
        let ratio = Limits {
            max_output_bytes: u64::MAX,
            max_ratio: 10,
            ratio_floor_bytes: 4096,
        };
        let e = gunzip(&zeros, &ratio).unwrap_err();
        assert!(e.message.contains("more than 10:1"), "{}", e.message);
        // Below the floor the ratio is not checked.
        let small = gz(&[b'a'; 3000]);
        assert_eq!(gunzip(&small, &ratio).unwrap().len(), 3000);
    }

    #[test]
    fn corrupt_and_truncated_inputs_are_errors() {
        let good = gz(b"hello hello hello hello");
        let cut = &good[..good.len() - 6];
        let e = gunzip(cut, &Limits::DEFAULT).unwrap_err();
        assert!(e.message.contains("cut short"), "{}", e.message);
        let mut bad = good.clone();
        bad[12] ^= 0xff;
        bad[13] ^= 0xff;
        assert!(gunzip(&bad, &Limits::DEFAULT).is_err());
    }
}
