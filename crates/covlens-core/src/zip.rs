//! Zip archives as inputs (a CI artifact download): list the entries of an archive held in memory and
//! load every entry that is a coverage report, each under its own name (`artifact.zip!job1/lcov.info`).
//!
//! The archive structure is read by `rawzip` (central directory, zip64, local headers); entries are
//! inflated here with flate2 (stored and deflate, the two methods CI tools write). What an entry holds
//! is detected from its content like any input: a gzip file inside is unwrapped, a zip inside is opened
//! one level deep (a zip in a zip in a zip is skipped), anything else that is not a report is skipped
//! and counted. A corrupt entry is an error for that entry only; the others still load.
//!
//! Decompression bombs are stopped while inflating, never by trusting the sizes the headers claim:
//! - per entry ([`ZipLimits::entry`]): its output, and its output over the compressed bytes it consumed;
//! - per archive ([`ZipLimits::archive`]): the sum of what every entry gives the parsers, and that sum
//!   over the archive's size;
//! - entries whose data overlap (the "overlapping files" bomb) are refused.
//!
//! Entries are streamed into the parsers: only the head (for detection) and a nested zip are held.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use flate2::bufread::DeflateDecoder;
use rawzip::{CompressionMethod, ZipArchive, ZipArchiveEntryWayfinder, ZipSliceArchive};

use crate::container::{self, GunzipReader, Limits};
use crate::detect::{detect, Format, SNIFF_LEN};
use crate::diag::{ParseError, Position};
use crate::formats::ParseOptions;
use crate::load::{parse_read, Loaded};

/// The signature a zip archive starts with: a local file header (`PK\3\4`).
pub const ZIP_MAGIC: [u8; 4] = *b"PK\x03\x04";

/// The signature of an empty archive, which is only an end of central directory record (`PK\5\6`).
const EMPTY_ZIP_MAGIC: [u8; 4] = *b"PK\x05\x06";

/// Whether `head` starts like a zip archive.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(&ZIP_MAGIC) || head.starts_with(&EMPTY_ZIP_MAGIC)
}

/// The separator between an archive's name and an entry's path in display names.
pub const SEPARATOR: char = '!';

/// How many skipped entry names a notice lists.
const SKIPPED_NAMES_SHOWN: usize = 5;

/// Limits on what an archive may expand to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZipLimits {
    /// One entry: its inflated size, and its ratio to the compressed bytes consumed so far.
    pub entry: Limits,
    /// The whole archive: the bytes every entry gives the parsers (after a gzip inside is unwrapped),
    /// and their ratio to the archive's size.
    pub archive: Limits,
}

impl ZipLimits {
    /// Per entry as for a gzip input (4 GiB, 500:1 past 16 MiB); per archive 16 GiB, 500:1 past 64 MiB.
    pub const DEFAULT: ZipLimits = ZipLimits {
        entry: Limits::DEFAULT,
        archive: Limits {
            max_output_bytes: 16 << 30,
            max_ratio: 500,
            ratio_floor_bytes: 64 << 20,
        },
    };
}

impl Default for ZipLimits {
    fn default() -> ZipLimits {
        ZipLimits::DEFAULT
    }
}

/// How an entry is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Stored,
    Deflate,
    /// Any other method id (bzip2 is 12, zstd 93): listed, not read.
    Other(u16),
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Stored => f.write_str("stored"),
            Method::Deflate => f.write_str("deflate"),
            Method::Other(id) => match CompressionMethod::new(*id).name() {
                Some(name) => write!(f, "{} (method {id})", name.to_lowercase()),
                None => write!(f, "method {id}"),
            },
        }
    }
}

impl From<CompressionMethod> for Method {
    fn from(m: CompressionMethod) -> Method {
        match m {
            CompressionMethod::STORE => Method::Stored,
            CompressionMethod::DEFLATE => Method::Deflate,
            other => Method::Other(other.as_u16()),
        }
    }
}

/// One entry of an archive's central directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The path inside the archive, as stored (`/` separators; bytes that are not UTF-8 replaced).
    pub path: String,
    pub method: Method,
    /// Sizes as the central directory claims them (zip64 values when present); never trusted for limits.
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub is_dir: bool,
    pub encrypted: bool,
    /// Byte offset of the entry's local header in the archive.
    pub offset: u64,
}

/// The central directory as far as it could be read.
struct Directory<'a> {
    archive: ZipSliceArchive<&'a [u8]>,
    entries: Vec<(Entry, ZipArchiveEntryWayfinder)>,
    /// Why reading stopped early (the entries before it are good).
    error: Option<ParseError>,
}

fn zip_error(position: Option<u64>, what: &str, e: &rawzip::Error) -> ParseError {
    let why = match e.kind() {
        rawzip::ErrorKind::Eof => "cut short".to_string(),
        rawzip::ErrorKind::MissingEndOfCentralDirectory => {
            "no end of central directory record (not a zip archive, or a truncated one)".to_string()
        }
        _ => e.to_string().to_lowercase(),
    };
    ParseError::new(
        None,
        position.map(Position::Byte),
        format!("{what} ({why})"),
    )
}

fn read_directory(input: &[u8]) -> Result<Directory<'_>, ParseError> {
    let archive = ZipArchive::from_slice(input)
        .map_err(|e| zip_error(e.eocd_offset(), "corrupt zip archive", &e))?;
    let mut entries = Vec::new();
    let mut error = None;
    // Where the record being read starts, for the error's position.
    let mut offset = archive.directory_offset();
    let mut records = archive.entries();
    loop {
        match records.next_entry() {
            Ok(None) => break,
            Ok(Some(record)) => {
                let path = record.file_path();
                offset = record.central_directory_offset()
                    + 46
                    + path.len() as u64
                    + record.extra_fields().remaining_bytes().len() as u64
                    + record.comment().as_bytes().len() as u64;
                let entry = Entry {
                    path: String::from_utf8_lossy(path.as_bytes()).into_owned(),
                    method: record.compression_method().into(),
                    compressed_size: record.compressed_size_hint(),
                    uncompressed_size: record.uncompressed_size_hint(),
                    is_dir: record.is_dir(),
                    encrypted: record.flags().is_encrypted(),
                    offset: record.local_header_offset(),
                };
                entries.push((entry, record.wayfinder()));
            }
            Err(e) => {
                error = Some(zip_error(Some(offset), "corrupt zip central directory", &e));
                break;
            }
        }
    }
    if error.is_none() && (entries.len() as u64) < archive.entries_hint() {
        error = Some(ParseError::new(
            None,
            Some(Position::Byte(offset)),
            format!(
                "corrupt zip central directory (it lists {} entries, the end record claims {})",
                entries.len(),
                archive.entries_hint()
            ),
        ));
    }
    Ok(Directory {
        archive,
        entries,
        error,
    })
}

/// The entries of an archive held in memory, in central directory order; a corrupt or truncated
/// directory is an error at its byte offset.
pub fn list(input: &[u8]) -> Result<Vec<Entry>, ParseError> {
    let dir = read_directory(input)?;
    match dir.error {
        Some(e) => Err(e),
        None => Ok(dir.entries.into_iter().map(|(e, _)| e).collect()),
    }
}

/// One input found in an archive (or the input itself when it is not an archive).
#[derive(Debug)]
pub struct Opened {
    /// `artifact.zip!job1/lcov.info` (nested: `artifact.zip!inner.zip!lcov.info`); for an input that is
    /// not an archive, or an error about the whole archive, the input's own name.
    pub name: String,
    /// Bytes this input gave its parser (its decompressed size).
    pub bytes: u64,
    /// The detected format (also when parsing failed).
    pub format: Option<Format>,
    pub result: Result<Loaded, ParseError>,
}

/// What opening an input gave.
#[derive(Debug, Default)]
pub struct Opening {
    /// Whether the input was a zip archive.
    pub is_archive: bool,
    /// Every report found (and every entry or archive error), in archive order.
    pub opened: Vec<Opened>,
    /// Display names of the entries that are not coverage reports (directories are not counted).
    pub skipped: Vec<String>,
}

impl Opening {
    /// `2 entries of artifact.zip are not coverage reports, skipped: a.txt, b.png`, when any were.
    pub fn skipped_notice(&self, name: &str) -> Option<String> {
        let n = self.skipped.len();
        if n == 0 {
            return None;
        }
        let prefix = format!("{name}{SEPARATOR}");
        let mut names: Vec<&str> = self
            .skipped
            .iter()
            .take(SKIPPED_NAMES_SHOWN)
            .map(|s| s.strip_prefix(&prefix).unwrap_or(s))
            .collect();
        if n > SKIPPED_NAMES_SHOWN {
            names.push("...");
        }
        let what = if n == 1 {
            "entry of {name} is not a coverage report"
        } else {
            "entries of {name} are not coverage reports"
        };
        Some(format!(
            "{n} {}, skipped: {}",
            what.replace("{name}", name),
            names.join(", ")
        ))
    }

    /// Inputs that loaded.
    pub fn loaded(&self) -> usize {
        self.opened.iter().filter(|o| o.result.is_ok()).count()
    }
}

/// What every entry of one archive (and of a zip nested in it) shares: the archive-wide budget.
struct Budget {
    limits: ZipLimits,
    /// The outermost archive's size, the denominator of the archive ratio.
    archive_len: u64,
    /// Bytes given to the parsers so far, over every entry.
    out: Cell<u64>,
}

/// The first error met while reading one entry, kept because a parser reports a read error in its own
/// words (`cannot read input: ...`) where this one says what tripped and where.
#[derive(Default)]
struct EntryState {
    error: RefCell<Option<ParseError>>,
    /// Compressed bytes of the entry consumed so far.
    consumed: Cell<u64>,
    /// Inflated bytes of the entry so far.
    inflated: Cell<u64>,
}

impl EntryState {
    fn fail(&self, e: ParseError) -> io::Error {
        let message = e.message.clone();
        self.error.borrow_mut().get_or_insert(e);
        io::Error::new(io::ErrorKind::InvalidData, message)
    }
}

/// The compressed bytes of an entry, counting what the inflater consumes.
struct Counted<'a> {
    data: &'a [u8],
    state: &'a EntryState,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.data.read(buf)?;
        self.state
            .consumed
            .set(self.state.consumed.get() + n as u64);
        Ok(n)
    }
}

impl BufRead for Counted<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.data)
    }
    fn consume(&mut self, amt: usize) {
        self.data.consume(amt);
        self.state
            .consumed
            .set(self.state.consumed.get() + amt as u64);
    }
}

/// Why `out` bytes from `consumed` break `limits`, or `None` while within them; `what` is
/// `zip entry` or `zip archive`, `scope` says which limit (`per-entry`, `per-archive`).
fn over_limit(out: u64, consumed: u64, limits: &Limits, what: &str, scope: &str) -> Option<String> {
    if out > limits.max_output_bytes {
        return Some(format!(
            "{what} expands past the {scope} limit of {} bytes (a decompression bomb, or raise the limit)",
            limits.max_output_bytes
        ));
    }
    if out > limits.ratio_floor_bytes && out > consumed.max(1).saturating_mul(limits.max_ratio) {
        return Some(format!(
            "{what} expands more than {}:1, the {scope} ratio limit ({out} bytes from {consumed}; a decompression bomb?)",
            limits.max_ratio
        ));
    }
    None
}

/// The inflated entry, checked against the per-entry limits as it is read; a corrupt stream or a
/// failed CRC/size check is recorded with the entry's position.
struct EntryMeter<'a> {
    inner: Box<dyn Read + 'a>,
    state: &'a EntryState,
    limits: Limits,
    /// Byte offset of the entry's compressed data in the archive.
    data_start: u64,
}

impl Read for EntryMeter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = &*self.state.error.borrow() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                e.message.clone(),
            ));
        }
        // Never produce more than one byte past the output limit in one read.
        let room = self
            .limits
            .max_output_bytes
            .saturating_sub(self.state.inflated.get())
            .saturating_add(1);
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let position = || Some(Position::Byte(self.data_start + self.state.consumed.get()));
        let n = match self.inner.read(&mut buf[..take]) {
            Ok(n) => n,
            Err(e) => {
                let message = if e.kind() == io::ErrorKind::UnexpectedEof {
                    "zip entry data is cut short".to_string()
                } else if e.get_ref().is_some_and(|r| r.is::<rawzip::Error>()) {
                    format!(
                        "zip entry fails its integrity check ({})",
                        e.to_string().to_lowercase()
                    )
                } else {
                    format!("corrupt zip entry data ({e})")
                };
                return Err(self.state.fail(ParseError::new(None, position(), message)));
            }
        };
        let out = self.state.inflated.get() + n as u64;
        self.state.inflated.set(out);
        if let Some(m) = over_limit(
            out,
            self.state.consumed.get(),
            &self.limits,
            "zip entry",
            "per-entry",
        ) {
            return Err(self.state.fail(ParseError::new(None, position(), m)));
        }
        Ok(n)
    }
}

/// What the parser reads: the entry (a gzip inside unwrapped), checked against the per-archive limits.
struct ArchiveMeter<'a, R: BufRead> {
    inner: Plain<R>,
    state: &'a EntryState,
    budget: &'a Budget,
    /// Where errors of this entry point: its local header.
    offset: u64,
    /// Bytes given to the parser from this entry.
    out: u64,
}

enum Plain<R: BufRead> {
    Raw(R),
    Gzip(Box<GunzipReader<R>>),
}

impl<R: BufRead> Read for ArchiveMeter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match &mut self.inner {
            Plain::Raw(r) => r.read(buf)?,
            Plain::Gzip(g) => match g.read(buf) {
                Ok(n) => n,
                // A failure below (the entry's own) is already recorded; this keeps the first.
                Err(e) => return Err(self.state.fail(g.error(&e))),
            },
        };
        self.out += n as u64;
        let total = self.budget.out.get() + n as u64;
        self.budget.out.set(total);
        let limits = &self.budget.limits.archive;
        if let Some(m) = over_limit(
            total,
            self.budget.archive_len,
            limits,
            "zip archive",
            "per-archive",
        ) {
            let e = ParseError::new(None, Some(Position::Byte(self.offset)), m);
            return Err(self.state.fail(e));
        }
        Ok(n)
    }
}

/// Reads up to `max` bytes (fewer only at the end of the stream).
fn read_head(r: &mut impl Read, max: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(max);
    r.take(max as u64).read_to_end(&mut head)?;
    Ok(head)
}

struct Ctx<'a> {
    budget: &'a Budget,
    options: &'a ParseOptions,
    out: &'a mut Opening,
    /// Entries that are not reports, kept whole when at most `keep_other` bytes (0: none kept).
    keep_other: u64,
    others: Vec<OtherEntry>,
}

/// An entry of an archive that is not a coverage report, inflated whole (see [`open_keeping`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherEntry {
    /// `artifact.zip!src/main.c`, as [`Opened::name`] names reports.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Like [`open`], and also gives the entries that are not coverage reports (nor zips) and inflate to at
/// most `max_other` bytes, whole: a viewer takes source files from them. They are read within the same
/// per-entry and per-archive limits as reports; a larger one is only listed in [`Opening::skipped`], as
/// every other entry that is not a report, while the kept ones are not listed there.
pub fn open_keeping(
    name: &str,
    input: &[u8],
    options: &ParseOptions,
    limits: &ZipLimits,
    max_other: u64,
) -> (Opening, Vec<OtherEntry>) {
    if !is_zip(input) {
        return (open(name, input, options, limits), Vec::new());
    }
    open_zip(name, input, options, limits, max_other)
}

/// A zip archive's reports, and up to `max_other` of its other entries (see [`open_keeping`]).
fn open_zip(
    name: &str,
    input: &[u8],
    options: &ParseOptions,
    limits: &ZipLimits,
    max_other: u64,
) -> (Opening, Vec<OtherEntry>) {
    let budget = Budget {
        limits: *limits,
        archive_len: input.len() as u64,
        out: Cell::new(0),
    };
    let mut out = Opening {
        is_archive: true,
        ..Opening::default()
    };
    let mut ctx = Ctx {
        budget: &budget,
        options,
        out: &mut out,
        keep_other: max_other,
        others: Vec::new(),
    };
    open_archive(&mut ctx, name, input, 0);
    let others = std::mem::take(&mut ctx.others);
    (out, others)
}

/// Opens `input` named `name`: a zip archive gives one [`Opened`] per report inside (and per entry or
/// archive error), anything else one [`Opened`] parsed as by [`crate::load::parse_bytes`].
pub fn open(name: &str, input: &[u8], options: &ParseOptions, limits: &ZipLimits) -> Opening {
    if !is_zip(input) {
        let result = crate::load::parse_bytes(input, options);
        let format = match &result {
            Ok(l) => Some(l.format),
            Err(e) => e.format,
        };
        return Opening {
            is_archive: false,
            opened: vec![Opened {
                name: name.to_string(),
                bytes: input.len() as u64,
                format,
                result,
            }],
            skipped: Vec::new(),
        };
    }
    open_zip(name, input, options, limits, 0).0
}

fn archive_error(ctx: &mut Ctx<'_>, name: &str, bytes: u64, e: ParseError) {
    ctx.out.opened.push(Opened {
        name: name.to_string(),
        bytes,
        format: None,
        result: Err(e),
    });
}

fn open_archive(ctx: &mut Ctx<'_>, name: &str, input: &[u8], depth: u32) {
    let dir = match read_directory(input) {
        Ok(d) => d,
        Err(e) => return archive_error(ctx, name, input.len() as u64, e),
    };
    // Compressed data ranges taken so far, to refuse entries that share data (a zip bomb's trick).
    let mut ranges: Vec<(u64, u64)> = Vec::with_capacity(dir.entries.len());
    for (entry, wayfinder) in &dir.entries {
        if entry.is_dir {
            continue;
        }
        let display = format!("{name}{SEPARATOR}{}", entry.path);
        let fail = |ctx: &mut Ctx<'_>, message: String| {
            let e = ParseError::new(None, Some(Position::Byte(entry.offset)), message);
            archive_error(ctx, &display, entry.uncompressed_size, e);
        };
        if entry.encrypted {
            fail(ctx, "encrypted zip entry (not supported)".to_string());
            continue;
        }
        let local = match dir.archive.get_entry(*wayfinder) {
            Ok(l) => l,
            Err(e) => {
                let e = zip_error(Some(entry.offset), "corrupt zip entry header", &e);
                archive_error(ctx, &display, entry.uncompressed_size, e);
                continue;
            }
        };
        let (start, end) = local.compressed_data_range();
        if ranges.iter().any(|&(s, e)| start < e && s < end) {
            fail(
                ctx,
                "zip entry shares its data with another entry (a decompression bomb?)".to_string(),
            );
            continue;
        }
        ranges.push((start, end));
        let state = EntryState::default();
        let counted = Counted {
            data: local.data(),
            state: &state,
        };
        let inflater: Box<dyn Read + '_> = match entry.method {
            Method::Stored => Box::new(local.verifying_reader(counted)),
            Method::Deflate => Box::new(local.verifying_reader(DeflateDecoder::new(counted))),
            Method::Other(_) => {
                fail(
                    ctx,
                    format!(
                        "zip entry compressed with {} (covlens reads stored and deflate entries)",
                        entry.method
                    ),
                );
                continue;
            }
        };
        let meter = EntryMeter {
            inner: inflater,
            state: &state,
            limits: ctx.budget.limits.entry,
            data_start: start,
        };
        open_entry(ctx, &display, entry, meter, &state, depth);
    }
    if let Some(e) = dir.error {
        archive_error(ctx, name, input.len() as u64, e);
    }
}

/// Reads the rest of an entry that is not a report (the sizes its header claims are only a hint) and
/// keeps it when it holds at most `ctx.keep_other` bytes, counting it against the archive's limits.
fn keep_other(
    ctx: &mut Ctx<'_>,
    display: &str,
    entry: &Entry,
    mut head: Vec<u8>,
    mut meter: EntryMeter<'_>,
    error_of: &dyn Fn(io::Error) -> ParseError,
) {
    let room = (ctx.keep_other + 1).saturating_sub(head.len() as u64);
    if let Err(e) = (&mut meter).take(room).read_to_end(&mut head) {
        return archive_error(ctx, display, entry.uncompressed_size, error_of(e));
    }
    if head.len() as u64 > ctx.keep_other {
        ctx.out.skipped.push(display.to_string());
        return;
    }
    let total = ctx.budget.out.get() + head.len() as u64;
    ctx.budget.out.set(total);
    let limits = &ctx.budget.limits.archive;
    if let Some(m) = over_limit(
        total,
        ctx.budget.archive_len,
        limits,
        "zip archive",
        "per-archive",
    ) {
        let e = ParseError::new(None, Some(Position::Byte(entry.offset)), m);
        return archive_error(ctx, display, head.len() as u64, e);
    }
    ctx.others.push(OtherEntry {
        name: display.to_string(),
        bytes: head,
    });
}

fn open_entry(
    ctx: &mut Ctx<'_>,
    display: &str,
    entry: &Entry,
    mut meter: EntryMeter<'_>,
    state: &EntryState,
    depth: u32,
) {
    let error_of = |e: io::Error| {
        state.error.borrow_mut().take().unwrap_or_else(|| {
            ParseError::new(None, Some(Position::Byte(entry.offset)), e.to_string())
        })
    };
    let head = match read_head(&mut meter, SNIFF_LEN) {
        Ok(h) => h,
        Err(e) => return archive_error(ctx, display, entry.uncompressed_size, error_of(e)),
    };
    if is_zip(&head) {
        if depth > 0 {
            // One level is enough for CI artifacts (an artifact zip of zipped reports); deeper
            // nesting is more likely a zip quine than coverage.
            ctx.out.skipped.push(display.to_string());
            return;
        }
        let mut inner = head;
        if let Err(e) = meter.read_to_end(&mut inner) {
            return archive_error(ctx, display, inner.len() as u64, error_of(e));
        }
        return open_archive(ctx, display, &inner, depth + 1);
    }
    let Some(format) = detect(&head) else {
        if ctx.keep_other > 0 && entry.uncompressed_size <= ctx.keep_other {
            return keep_other(ctx, display, entry, head, meter, &error_of);
        }
        ctx.out.skipped.push(display.to_string());
        return;
    };
    let gzip = container::is_gzip(&head);
    let stream = BufReader::with_capacity(64 << 10, Cursor::new(head).chain(meter));
    let inner = if gzip {
        Plain::Gzip(Box::new(GunzipReader::new(stream, ctx.budget.limits.entry)))
    } else {
        Plain::Raw(stream)
    };
    let mut plain = ArchiveMeter {
        inner,
        state,
        budget: ctx.budget,
        offset: entry.offset,
        out: 0,
    };
    // Boxed: every parser is generic over its reader, and one more reader type would compile all of
    // them again (about 30 KB of gzipped worker wasm); the worker streams files through this same type.
    let reader: Box<dyn Read + '_> = Box::new(&mut plain);
    let result = parse_read(
        format,
        BufReader::with_capacity(64 << 10, reader),
        ctx.options,
    );
    // Read what the parser left (an XML parser stops at the root's end tag) so that the CRC and size
    // are checked and the limits cover the whole entry.
    let drained = io::copy(&mut plain, &mut io::sink());
    let recorded = state.error.borrow_mut().take();
    let result = match (result, recorded, drained) {
        (_, Some(e), _) => Err(e),
        (Err(e), None, _) => Err(e),
        (Ok(_), None, Err(e)) => Err(ParseError::new(
            None,
            Some(Position::Byte(entry.offset)),
            format!("cannot read zip entry ({e})"),
        )),
        (Ok(loaded), None, Ok(_)) => Ok(loaded),
    };
    ctx.out.opened.push(Opened {
        name: display.to_string(),
        bytes: plain.out,
        format: Some(format),
        result,
    });
}
