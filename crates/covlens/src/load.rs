//! Loading inputs in parallel: stream each through the core's parser and fold the reports as they finish.
//!
//! Workers (one per core) take units of work from a shared atomic index, largest first, parse each
//! through a 1 MiB read buffer (never the whole file in memory), and fold the report into their own
//! merged report straight away, so at most one unmerged input per worker is alive at a time. The main
//! thread merges the workers' reports at the end. Merging is commutative, so the result does not
//! depend on which worker read what.
//!
//! A unit is a whole input, or a piece of a large LCOV file cut at record boundaries, so that one big
//! tracefile keeps every core busy too; positions in a piece's diagnostics are moved back to the file's.
//!
//! What is folded is a [`Merge`]: the whole [`Report`] for `merge`, or for `summary` a
//! [`covlens_core::compact::Summary`] (totals plus each file's coverage packed in a few bytes per item,
//! merged by the same rules), so that a summary's memory is a fraction of the report's.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use covlens_core::compact::Summary;
use covlens_core::detect::SNIFF_LEN;
use covlens_core::{
    detect, merge_reports_owned, parse_read, Diagnostic, Fidelity, Format, ParseError,
    ParseOptions, Position, Report,
};

use crate::inputs::{io_message, Expanded, Job, Source};

/// Read buffer per input: large enough that the parser sees few chunk seams.
const BUF_CAP: usize = 1 << 20;

/// Diagnostics kept per input; the parser adds one final diagnostic saying how many more there were.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// What became of one input.
#[derive(Debug)]
pub struct InputInfo {
    pub display: String,
    pub format: Option<Format>,
    /// What the input measured, from its parsed content (a Go `set` profile is boolean); `None` when it
    /// failed.
    pub fidelity: Option<Fidelity>,
    /// Source files in the input.
    pub files: u64,
    /// File records read (a file repeated in the input counts each time).
    pub records: u64,
    pub diagnostics: Vec<Diagnostic>,
    /// Why the input could not be loaded (already rendered, naming the input).
    pub error: Option<String>,
    /// Index of the command-line argument it came from.
    pub arg: usize,
}

/// Everything loaded.
#[derive(Debug)]
pub struct LoadResult<M = Report> {
    /// Loaded and failed inputs, in argument order.
    pub inputs: Vec<InputInfo>,
    /// Files met in directories that are not coverage reports.
    pub skipped: u64,
    /// The merge of every loaded input (for `summary`, its compact form).
    pub report: M,
    /// Diagnostics of merging the inputs together, sorted.
    pub merge_diagnostics: Vec<Diagnostic>,
}

impl<M> LoadResult<M> {
    pub fn failed(&self) -> usize {
        self.inputs.iter().filter(|i| i.error.is_some()).count()
    }
}

/// What inputs are parsed and folded into: a [`Report`], or a [`Summary`] (same totals, same merge
/// diagnostics, a fraction of the memory).
pub trait Merge: Default + Send + Sized {
    /// Parses a stream of `format` (gzip is decompressed on the way) into this form.
    fn parse<R: BufRead>(
        format: Format,
        input: R,
        options: &ParseOptions,
    ) -> Result<Parsed<Self>, ParseError>;
    /// A report in this form.
    fn from_report(report: Report) -> Self;
    /// Merges `other` in; returns the merge diagnostics.
    fn merge_owned(&mut self, other: Self) -> Vec<Diagnostic>;
    /// The source files' paths, sorted.
    fn paths(&self) -> impl Iterator<Item = &str>;
    /// How many source files.
    fn files(&self) -> u64;
    /// What the merged inputs measured.
    fn fidelity(&self) -> Fidelity;
    /// Takes one file out (to remap it), in full.
    fn take_file(&mut self, path: &str) -> Option<covlens_core::FileCoverage>;
}

impl Merge for Report {
    fn parse<R: BufRead>(
        format: Format,
        input: R,
        options: &ParseOptions,
    ) -> Result<Parsed<Report>, ParseError> {
        parse_read(format, input, options).map(Parsed::from)
    }
    fn from_report(report: Report) -> Report {
        report
    }
    fn merge_owned(&mut self, other: Report) -> Vec<Diagnostic> {
        merge_reports_owned(self, other)
    }
    fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
    fn files(&self) -> u64 {
        self.files.len() as u64
    }
    fn fidelity(&self) -> Fidelity {
        self.fidelity
    }
    fn take_file(&mut self, path: &str) -> Option<covlens_core::FileCoverage> {
        self.files.remove(path)
    }
}

impl Merge for Summary {
    fn parse<R: BufRead>(
        format: Format,
        input: R,
        options: &ParseOptions,
    ) -> Result<Parsed<Summary>, ParseError> {
        let s = covlens_core::compact::parse_read(format, input, options)?;
        Ok(Parsed {
            format: s.format,
            merged: s.summary,
            diagnostics: s.diagnostics,
            records: s.records,
        })
    }
    fn from_report(report: Report) -> Summary {
        Summary::from_report(report)
    }
    fn merge_owned(&mut self, other: Summary) -> Vec<Diagnostic> {
        Summary::merge_owned(self, other)
    }
    fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
    fn files(&self) -> u64 {
        self.files.len() as u64
    }
    fn fidelity(&self) -> Fidelity {
        self.fidelity
    }
    fn take_file(&mut self, path: &str) -> Option<covlens_core::FileCoverage> {
        self.files.remove(path).map(|f| f.into_coverage())
    }
}

/// One parsed input (or piece): its records folded into `M`, as [`covlens_core::Loaded`] has them.
pub struct Parsed<M> {
    pub format: Format,
    pub merged: M,
    /// Parse diagnostics, then merge diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// File records read (a file repeated in the input counts each time).
    pub records: u64,
}

impl<M: Merge> From<covlens_core::Loaded> for Parsed<M> {
    fn from(l: covlens_core::Loaded) -> Parsed<M> {
        Parsed {
            format: l.format,
            merged: M::from_report(l.report),
            diagnostics: l.diagnostics,
            records: l.records,
        }
    }
}

enum Outcome<M> {
    Loaded(Parsed<M>),
    /// Found in a directory, and not a report.
    Skipped,
    Failed(String),
    /// A zip archive: the reports inside.
    Archive(ArchiveOut<M>),
}

/// The reports inside a zip archive, each named `archive.zip!path/inside` (errors already rendered).
struct ArchiveOut<M> {
    entries: Vec<(String, Result<Parsed<M>, String>)>,
    /// Entries that are not coverage reports.
    skipped: u64,
    /// A note naming a few of them.
    notice: Option<String>,
}

/// A zip archive is read whole into memory (its directory is at its end); each report inside is then
/// inflated as it streams into its parser, within the core's limits ([`covlens_core::ZipLimits`]).
fn load_archive<M: Merge, R: Read>(
    mut bytes: Vec<u8>,
    mut src: R,
    job: &Job,
    options: &ParseOptions,
) -> Outcome<M> {
    if let Err(e) = src.read_to_end(&mut bytes) {
        return Outcome::Failed(format!("cannot read {}: {}", job.display, io_message(&e)));
    }
    let opening = covlens_core::open(&job.display, &bytes, options);
    drop(bytes);
    let notice = opening.skipped_notice(&job.display);
    if opening.opened.is_empty() {
        // A zip of something else, met in a directory, is just another file that is not a report.
        if job.from_dir {
            return Outcome::Skipped;
        }
        let why = match &notice {
            Some(n) => format!("no coverage reports in the zip archive ({n})"),
            None => "no coverage reports in the zip archive (it is empty)".to_string(),
        };
        return Outcome::Failed(ParseError::new(None, None, why).render(&job.display));
    }
    Outcome::Archive(ArchiveOut {
        skipped: opening.skipped.len() as u64,
        notice,
        entries: opening
            .opened
            .into_iter()
            .map(|o| {
                let result = o.result.map(Parsed::from).map_err(|e| e.render(&o.name));
                (o.name, result)
            })
            .collect(),
    })
}

/// Counts bytes as they are read, for the progress line.
struct Counting<'a, R> {
    inner: R,
    bytes: &'a AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn load_stream<M: Merge, R: Read>(mut src: R, job: &Job, options: &ParseOptions) -> Outcome<M> {
    // The head is read into its own buffer (a pipe may deliver fewer bytes per read than detection
    // needs) and then chained in front of the rest, so nothing is read twice.
    let mut head = Vec::with_capacity(SNIFF_LEN);
    if let Err(e) = (&mut src).take(SNIFF_LEN as u64).read_to_end(&mut head) {
        return Outcome::Failed(format!("cannot read {}: {}", job.display, io_message(&e)));
    }
    if covlens_core::zip::is_zip(&head) {
        return load_archive(head, src, job, options);
    }
    let Some(format) = detect(&head) else {
        if job.from_dir {
            return Outcome::Skipped;
        }
        let why = if head.iter().all(u8::is_ascii_whitespace) {
            "empty input, no coverage data"
        } else {
            "unrecognised content: not a coverage format covlens reads (formats are detected from content, not file names)"
        };
        return Outcome::Failed(ParseError::new(None, None, why).render(&job.display));
    };
    if format == Format::V8 {
        return load_v8(head, src, job, options);
    }
    if format == Format::Istanbul && crate::remap::enabled() {
        return load_istanbul(head, src, job, options);
    }
    let reader = BufReader::with_capacity(BUF_CAP, Cursor::new(head).chain(src));
    match M::parse(format, reader, options) {
        Ok(loaded) => Outcome::Loaded(crate::remap::lines(loaded)),
        Err(e) => Outcome::Failed(e.render(&job.display)),
    }
}

/// A V8 input, read whole: V8 dumps carry no script text, so the text of a `file://` (or absolute
/// path) script is read from disk where the file exists; other scripts get the core's notice.
fn load_v8<M: Merge, R: Read>(
    head: Vec<u8>,
    mut src: R,
    job: &Job,
    options: &ParseOptions,
) -> Outcome<M> {
    use covlens_core::formats::v8;
    let mut bytes = head;
    if let Err(e) = src.read_to_end(&mut bytes) {
        return Outcome::Failed(format!("cannot read {}: {}", job.display, io_message(&e)));
    }
    if covlens_core::container::is_gzip(&bytes) {
        match covlens_core::container::gunzip(&bytes, &covlens_core::container::Limits::DEFAULT) {
            Ok(inner) => bytes = inner,
            Err(e) => return Outcome::Failed(e.render(&job.display)),
        }
    }
    let mut lookup = |url: &str| match v8::target_of(url) {
        v8::Target::Path(p) if url.starts_with("file://") || Path::new(&p).is_absolute() => {
            std::fs::read_to_string(p).ok()
        }
        _ => None,
    };
    if let Some(result) = crate::remap::v8(&bytes, options) {
        return remapped(Format::V8, result, job);
    }
    match v8::load(&bytes, options, &mut lookup) {
        Ok(loaded) => Outcome::Loaded(Parsed::from(loaded)),
        Err(e) => Outcome::Failed(e.render(&job.display)),
    }
}

/// An Istanbul input, read whole (its parser reads it whole anyway): remapped through the
/// `inputSourceMap` of its files when it has any (`crate::remap`), else parsed as usual.
fn load_istanbul<M: Merge, R: Read>(
    head: Vec<u8>,
    mut src: R,
    job: &Job,
    options: &ParseOptions,
) -> Outcome<M> {
    let mut bytes = head;
    if let Err(e) = src.read_to_end(&mut bytes) {
        return Outcome::Failed(format!("cannot read {}: {}", job.display, io_message(&e)));
    }
    if let Some(result) = crate::remap::istanbul(&bytes, options) {
        return remapped(Format::Istanbul, result, job);
    }
    match M::parse(Format::Istanbul, Cursor::new(bytes), options) {
        Ok(loaded) => Outcome::Loaded(loaded),
        Err(e) => Outcome::Failed(e.render(&job.display)),
    }
}

/// The outcome of an input remapped through source maps.
fn remapped<M: Merge>(
    format: Format,
    result: Result<covlens_core::remap::Remapped, ParseError>,
    job: &Job,
) -> Outcome<M> {
    match result {
        Ok(r) => Outcome::Loaded(Parsed {
            format,
            records: r.report.files.len() as u64,
            merged: M::from_report(r.report),
            diagnostics: r.diagnostics,
        }),
        Err(e) => Outcome::Failed(e.render(&job.display)),
    }
}

fn load_job<M: Merge>(job: &Job, options: &ParseOptions, bytes: &AtomicU64) -> Outcome<M> {
    match &job.source {
        Source::Unreadable(message) => Outcome::Failed(message.clone()),
        Source::Stdin => load_stream(
            Counting {
                inner: std::io::stdin(),
                bytes,
            },
            job,
            options,
        ),
        Source::File(path) => match File::open(path) {
            Ok(file) => load_stream(Counting { inner: file, bytes }, job, options),
            Err(e) => Outcome::Failed(format!("cannot read {}: {}", job.display, io_message(&e))),
        },
    }
}

/// When large LCOV inputs are cut into pieces that workers parse at the same time.
#[derive(Clone, Copy, Debug)]
pub struct SplitPolicy {
    /// Inputs at least this large are cut.
    pub min: u64,
    /// The size the pieces aim at.
    pub piece: u64,
}

impl SplitPolicy {
    /// Pieces large enough that their fixed costs vanish, small enough to balance two to eight cores.
    pub const DEFAULT: SplitPolicy = SplitPolicy {
        min: 48 << 20,
        piece: 24 << 20,
    };
}
/// How far past a planned cut to look for a record boundary.
const CUT_WINDOW: usize = 4 << 20;

/// One piece of work: a whole input, or a byte range of a large LCOV file.
struct Unit {
    job: usize,
    /// `start..end` in bytes, for a piece of a split input.
    range: Option<(u64, u64)>,
    size: u64,
}

/// The offset just past an `end_of_record` line that is followed by an `SF:` or `TN:` line, at or after
/// `from`; records never straddle such a cut, and LCOV records do not depend on each other (`TN` is
/// not kept), so the pieces parse to the same records as the whole.
fn find_cut(file: &mut File, from: u64, buf: &mut Vec<u8>) -> Option<u64> {
    file.seek(SeekFrom::Start(from)).ok()?;
    buf.clear();
    file.take(CUT_WINDOW as u64).read_to_end(buf).ok()?;
    for i in memchr::memmem::find_iter(buf, b"end_of_record") {
        // Only at a line start, so a path containing the word is no cut.
        if i > 0 && buf[i - 1] != b'\n' {
            continue;
        }
        let mut j = i + b"end_of_record".len();
        while j < buf.len() && (buf[j] == b' ' || buf[j] == b'\t' || buf[j] == b'\r') {
            j += 1;
        }
        if buf.get(j) != Some(&b'\n') {
            continue;
        }
        // geninfo writes `TN:` before every record; the test name is not kept, so a cut before it is
        // as good as one before `SF:`.
        let next = &buf[j + 1..];
        if next.starts_with(b"SF:") || next.starts_with(b"TN:") {
            return Some(from + j as u64 + 1);
        }
    }
    None
}

/// Cut points (including 0 and `size`) of a large LCOV file, or `None` when it is not cut.
fn plan_cuts(path: &Path, size: u64, policy: SplitPolicy) -> Option<Vec<u64>> {
    let mut file = File::open(path).ok()?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .ok()?;
    // Only plain LCOV is cut: a gzip stream has no record boundaries to seek to.
    if covlens_core::container::is_gzip(&head) || detect(&head) != Some(Format::Lcov) {
        return None;
    }
    let pieces = size.div_ceil(policy.piece.max(1));
    let mut cuts = vec![0];
    let mut buf = Vec::new();
    for k in 1..pieces {
        let target = size / pieces * k;
        if target <= *cuts.last()? {
            continue;
        }
        if let Some(cut) = find_cut(&mut file, target, &mut buf) {
            if cut > *cuts.last()? && cut < size {
                cuts.push(cut);
            }
        }
    }
    cuts.push(size);
    (cuts.len() > 2).then_some(cuts)
}

fn plan(jobs: &[Job], policy: SplitPolicy) -> Vec<Unit> {
    let mut units = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let cuts = match (&job.source, job.size) {
            (Source::File(path), Some(size)) if size >= policy.min => plan_cuts(path, size, policy),
            _ => None,
        };
        match cuts {
            Some(cuts) => units.extend(cuts.windows(2).map(|w| Unit {
                job: i,
                range: Some((w[0], w[1])),
                size: w[1] - w[0],
            })),
            None => units.push(Unit {
                job: i,
                range: None,
                // Stdin (size unknown) first: it may be long.
                size: job.size.unwrap_or(u64::MAX),
            }),
        }
    }
    units
}

/// Lines (`\n`) in the first `len` bytes of `path`.
fn count_lines(path: &Path, len: u64) -> std::io::Result<u64> {
    let mut file = File::open(path)?.take(len);
    let mut buf = vec![0u8; BUF_CAP];
    let mut lines = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
}

/// Moves a position inside a piece starting at byte `start` (line `lines + 1`) to one in the file.
fn shift(p: Option<Position>, start: u64, lines: u64) -> Option<Position> {
    p.map(|p| match p {
        Position::LineCol { line, column } => Position::LineCol {
            line: line + lines,
            column,
        },
        Position::Byte(b) => Position::Byte(b + start),
    })
}

/// Parses bytes `start..end` of an LCOV file; positions in diagnostics are those of the whole file.
fn load_piece<M: Merge>(
    job: &Job,
    path: &Path,
    (start, end): (u64, u64),
    options: &ParseOptions,
    bytes: &AtomicU64,
) -> Outcome<M> {
    let cannot_read = |e: std::io::Error| {
        Outcome::Failed(format!("cannot read {}: {}", job.display, io_message(&e)))
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return cannot_read(e),
    };
    if let Err(e) = file.seek(SeekFrom::Start(start)) {
        return cannot_read(e);
    }
    let reader = BufReader::with_capacity(
        BUF_CAP,
        Counting {
            inner: file.take(end - start),
            bytes,
        },
    );
    let result = M::parse(Format::Lcov, reader, options);
    if start == 0 {
        return match result {
            Ok(loaded) => Outcome::Loaded(loaded),
            Err(e) => Outcome::Failed(e.render(&job.display)),
        };
    }
    // Line numbers are counted only when a message needs them (rare), by reading the bytes before.
    let needs_lines = match &result {
        Ok(l) => l
            .diagnostics
            .iter()
            .any(|d| matches!(d.position, Some(Position::LineCol { .. }))),
        Err(e) => matches!(e.position, Some(Position::LineCol { .. })),
    };
    let lines = if needs_lines {
        match count_lines(path, start) {
            Ok(n) => n,
            Err(e) => return cannot_read(e),
        }
    } else {
        0
    };
    match result {
        Ok(mut loaded) => {
            for d in &mut loaded.diagnostics {
                d.position = shift(d.position, start, lines);
            }
            Outcome::Loaded(loaded)
        }
        Err(mut e) => {
            e.position = shift(e.position, start, lines);
            Outcome::Failed(e.render(&job.display))
        }
    }
}

/// Paths in one buffer: a piece's source files (80,000 separate strings would cost a tenth of a
/// summary's memory).
#[derive(Default)]
struct PathList {
    text: String,
    ends: Vec<usize>,
}

impl PathList {
    fn new<'a>(paths: impl Iterator<Item = &'a str>) -> PathList {
        let mut list = PathList::default();
        for p in paths {
            list.text.push_str(p);
            list.ends.push(list.text.len());
        }
        list
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.text[a..b])
    }
}

/// What became of one unit, without its report (folded already).
enum UnitOut {
    Skipped,
    Failed(String),
    Loaded {
        format: Format,
        fidelity: Fidelity,
        files: u64,
        /// The paths, for a piece of a split input: its file count is that of the union.
        paths: Option<PathList>,
        records: u64,
        diagnostics: Vec<Diagnostic>,
    },
    /// A zip archive: one line per report inside, and how many entries were not reports.
    Archive {
        inputs: Vec<InputInfo>,
        skipped: u64,
    },
}

/// What one worker hands back.
struct WorkerOut<M> {
    report: M,
    merge_diagnostics: Vec<Diagnostic>,
    units: Vec<(usize, UnitOut)>,
}

struct Shared<'a> {
    jobs: &'a [Job],
    units: Vec<Unit>,
    /// Unit indices, largest first (balances the workers).
    order: Vec<usize>,
    next: AtomicUsize,
    bytes: AtomicU64,
    done: AtomicUsize,
    options: ParseOptions,
}

fn worker<M: Merge>(shared: &Shared<'_>) -> WorkerOut<M> {
    let mut out = WorkerOut {
        report: M::default(),
        merge_diagnostics: Vec::new(),
        units: Vec::new(),
    };
    loop {
        let k = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(&u) = shared.order.get(k) else {
            break;
        };
        let unit = &shared.units[u];
        let job = &shared.jobs[unit.job];
        let outcome: Outcome<M> = match (&job.source, unit.range) {
            (Source::File(path), Some(range)) => {
                load_piece(job, path, range, &shared.options, &shared.bytes)
            }
            _ => load_job(job, &shared.options, &shared.bytes),
        };
        let result = match outcome {
            Outcome::Skipped => UnitOut::Skipped,
            Outcome::Failed(error) => UnitOut::Failed(error),
            Outcome::Archive(archive) => {
                let mut inputs = Vec::with_capacity(archive.entries.len());
                for (display, result) in archive.entries {
                    let mut info = InputInfo {
                        display,
                        format: None,
                        fidelity: None,
                        files: 0,
                        records: 0,
                        diagnostics: Vec::new(),
                        error: None,
                        arg: job.arg,
                    };
                    match result {
                        Ok(parsed) => {
                            info.format = Some(parsed.format);
                            info.fidelity = Some(parsed.merged.fidelity());
                            info.files = parsed.merged.files();
                            info.records = parsed.records;
                            info.diagnostics = parsed.diagnostics;
                            out.merge_diagnostics
                                .extend(out.report.merge_owned(parsed.merged));
                        }
                        Err(e) => info.error = Some(e),
                    }
                    inputs.push(info);
                }
                if let (Some(notice), Some(first)) = (archive.notice, inputs.first_mut()) {
                    first.diagnostics.push(Diagnostic::note(None, notice));
                }
                UnitOut::Archive {
                    inputs,
                    skipped: archive.skipped,
                }
            }
            Outcome::Loaded(loaded) => {
                let result = UnitOut::Loaded {
                    format: loaded.format,
                    fidelity: loaded.merged.fidelity(),
                    files: loaded.merged.files(),
                    paths: unit.range.map(|_| PathList::new(loaded.merged.paths())),
                    records: loaded.records,
                    diagnostics: loaded.diagnostics,
                };
                // Fold now and drop the input's report: memory stays at one merged report per worker.
                out.merge_diagnostics
                    .extend(out.report.merge_owned(loaded.merged));
                result
            }
        };
        out.units.push((u, result));
        if unit
            .range
            .is_none_or(|(_, end)| end == job.size.unwrap_or(0))
        {
            shared.done.fetch_add(1, Ordering::Relaxed);
        }
    }
    out
}

/// The per-input line of a job from its units' results, in piece order; `None` when skipped.
fn assemble(job: &Job, outs: Vec<UnitOut>) -> Option<InputInfo> {
    let mut info = InputInfo {
        display: job.display.clone(),
        format: None,
        fidelity: None,
        files: 0,
        records: 0,
        diagnostics: Vec::new(),
        error: None,
        arg: job.arg,
    };
    let pieces = outs.len();
    let mut lists: Vec<PathList> = Vec::new();
    for out in outs {
        match out {
            UnitOut::Skipped => return None,
            // Taken apart by the caller, which gives each report inside its own line.
            UnitOut::Archive { .. } => {}
            UnitOut::Failed(e) => {
                // The first failure names the input; pieces read before it still count (only a
                // read error mid-file can fail one piece of a file that parsed as LCOV).
                info.error.get_or_insert(e);
            }
            UnitOut::Loaded {
                format,
                fidelity,
                files,
                paths: p,
                records,
                diagnostics,
            } => {
                info.format = Some(format);
                info.fidelity = Some(info.fidelity.map_or(fidelity, |f| f.combine(fidelity)));
                info.files += files;
                info.records += records;
                info.diagnostics.extend(diagnostics);
                lists.extend(p);
            }
        }
    }
    if pieces > 1 {
        // A file whose records sit in several pieces counts once.
        let mut paths: Vec<&str> = lists.iter().flat_map(PathList::iter).collect();
        paths.sort_unstable();
        paths.dedup();
        info.files = paths.len() as u64;
    }
    if info.error.is_some() {
        info.format = None;
    }
    Some(info)
}

fn megabytes(b: u64) -> f64 {
    b as f64 / 1e6
}

/// Prints `bytes/files done` on stderr every 200 ms once a run has taken half a second, until `stop`
/// disconnects; clears its line at the end.
fn progress(shared: &Shared<'_>, total_bytes: u64, stop: mpsc::Receiver<()>) {
    let start = Instant::now();
    let mut shown = false;
    let mut stderr = std::io::stderr();
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(Duration::from_millis(200)) {
        if start.elapsed() < Duration::from_millis(500) {
            continue;
        }
        shown = true;
        let read = shared.bytes.load(Ordering::Relaxed);
        let done = shared.done.load(Ordering::Relaxed);
        let _ = write!(
            stderr,
            "\r\x1b[2Kcovlens: read {:.1} of {:.1} MB, {done} of {} inputs done",
            megabytes(read),
            megabytes(total_bytes.max(read)),
            shared.jobs.len()
        );
        let _ = stderr.flush();
    }
    if shown {
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}

/// Loads every input and merges them.
pub fn load_all(expanded: &Expanded, show_progress: bool) -> LoadResult {
    load_all_with(expanded, show_progress, SplitPolicy::DEFAULT)
}

/// Loads every input and merges them into a [`Summary`]: what `summary` prints, without the report.
pub fn load_summary(expanded: &Expanded, show_progress: bool) -> LoadResult<Summary> {
    load_all_with(expanded, show_progress, SplitPolicy::DEFAULT)
}

fn load_all_with<M: Merge>(
    expanded: &Expanded,
    show_progress: bool,
    policy: SplitPolicy,
) -> LoadResult<M> {
    let jobs = &expanded.jobs;
    let units = plan(jobs, policy);
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&u| std::cmp::Reverse(units[u].size));
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(units.len())
        .max(1);
    let shared = Shared {
        jobs,
        units,
        order,
        next: AtomicUsize::new(0),
        bytes: AtomicU64::new(0),
        done: AtomicUsize::new(0),
        options: ParseOptions {
            max_diagnostics: MAX_DIAGNOSTICS,
        },
    };
    let total_bytes: u64 = jobs.iter().filter_map(|j| j.size).sum();
    let show_progress = show_progress && std::io::stderr().is_terminal();

    let outs: Vec<WorkerOut<M>> = std::thread::scope(|s| {
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        if show_progress {
            let shared = &shared;
            s.spawn(move || progress(shared, total_bytes, stop_rx));
        }
        let handles: Vec<_> = (0..workers).map(|_| s.spawn(|| worker(&shared))).collect();
        let outs = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        drop(stop_tx);
        outs
    });

    let mut report = M::default();
    let mut merge_diagnostics = Vec::new();
    let mut by_unit: Vec<Option<UnitOut>> = (0..shared.units.len()).map(|_| None).collect();
    for out in outs {
        merge_diagnostics.extend(out.merge_diagnostics);
        merge_diagnostics.extend(report.merge_owned(out.report));
        for (u, result) in out.units {
            by_unit[u] = Some(result);
        }
    }
    // Which worker merged what varies from run to run; the order of the messages must not.
    merge_diagnostics.sort_by_cached_key(|d| d.render(""));

    // Units are in job order, pieces in file order.
    let mut by_job: Vec<Vec<UnitOut>> = (0..jobs.len()).map(|_| Vec::new()).collect();
    for (unit, result) in shared.units.iter().zip(by_unit) {
        by_job[unit.job].extend(result);
    }
    let mut skipped_by_arg = expanded.skipped.clone();
    let mut inputs: Vec<InputInfo> = Vec::with_capacity(jobs.len());
    for (job, mut outs) in jobs.iter().zip(by_job) {
        if let [UnitOut::Archive { .. }] = outs.as_slice() {
            if let Some(UnitOut::Archive {
                inputs: found,
                skipped,
            }) = outs.pop()
            {
                skipped_by_arg[job.arg] += skipped;
                inputs.extend(found);
            }
            continue;
        }
        match assemble(job, outs) {
            Some(info) => inputs.push(info),
            None => skipped_by_arg[job.arg] += 1,
        }
    }
    // A directory argument that held no report at all is an error: a CI step pointed at the wrong place.
    for (arg, is_dir) in expanded.is_dir.iter().enumerate() {
        if *is_dir && !inputs.iter().any(|i| i.arg == arg) {
            let dir = &expanded.arg_names[arg];
            let skipped = skipped_by_arg[arg];
            inputs.push(InputInfo {
                display: dir.clone(),
                format: None,
                fidelity: None,
                files: 0,
                records: 0,
                diagnostics: Vec::new(),
                error: Some(format!(
                    "no coverage reports found in {dir} ({skipped} other file{} skipped)",
                    if skipped == 1 { "" } else { "s" }
                )),
                arg,
            });
        }
    }
    inputs.sort_by_key(|i| i.arg);
    LoadResult {
        inputs,
        skipped: skipped_by_arg.iter().sum(),
        report,
        merge_diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::expand;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("covlens-load-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// 300 records of 3 files (each file repeated), a malformed line in record 250.
    fn tracefile() -> String {
        let mut s = String::from("TN:t\n");
        for r in 0..300u32 {
            // geninfo's layout on odd records (`TN:` before `SF:`), so cuts are found before both.
            if r % 2 == 1 {
                s.push_str("TN:t\n");
            }
            s.push_str(&format!(
                "SF:/src/f{}.c\nFN:{},fn{r}\nFNDA:{},fn{r}\n",
                r % 3,
                r + 1,
                r % 2
            ));
            for l in 1..=20u32 {
                s.push_str(&format!("DA:{},{}\n", r * 20 + l, (l + r) % 3));
            }
            if r == 250 {
                s.push_str("DA:oops\n");
            }
            s.push_str(&format!(
                "BRDA:{},0,0,{}\nBRDA:{},0,1,-\nend_of_record\n",
                r * 20 + 1,
                r % 4,
                r * 20 + 1
            ));
        }
        s
    }

    #[test]
    fn a_split_input_loads_like_a_whole_one() {
        let dir = scratch("split");
        let text = tracefile();
        std::fs::write(dir.join("t.info"), &text).unwrap();
        let expanded = expand(&[dir.join("t.info")], None);
        let whole: LoadResult = load_all_with(
            &expanded,
            false,
            SplitPolicy {
                min: u64::MAX,
                piece: 1,
            },
        );
        let policy = SplitPolicy {
            min: 1,
            piece: 4096,
        };
        let cuts = plan_cuts(&dir.join("t.info"), text.len() as u64, policy).unwrap();
        assert!(cuts.len() > 10, "{cuts:?}");
        let (mut before_sf, mut before_tn) = (0, 0);
        for c in &cuts[1..cuts.len() - 1] {
            assert!(text[..*c as usize].ends_with("end_of_record\n"));
            let rest = &text[*c as usize..];
            before_sf += usize::from(rest.starts_with("SF:"));
            before_tn += usize::from(rest.starts_with("TN:"));
        }
        assert_eq!(
            before_sf + before_tn,
            cuts.len() - 2,
            "every cut is before SF: or TN:"
        );
        assert!(
            before_sf > 0 && before_tn > 0,
            "{before_sf} before SF:, {before_tn} before TN:"
        );
        let split: LoadResult = load_all_with(&expanded, false, policy);
        assert_eq!(split.report, whole.report);
        assert_eq!(split.inputs.len(), 1);
        let (w, s) = (&whole.inputs[0], &split.inputs[0]);
        assert_eq!((s.files, s.records, s.format), (3, 300, Some(Format::Lcov)));
        assert_eq!((w.files, w.records), (s.files, s.records));
        assert_eq!(s.diagnostics, w.diagnostics);
        let line = text.lines().position(|l| l == "DA:oops").unwrap() as u64 + 1;
        assert_eq!(s.diagnostics.len(), 1);
        assert!(
            matches!(s.diagnostics[0].position, Some(Position::LineCol { line: l, .. }) if l == line)
        );
        // Loaded for `summary`, split or whole: the same files, totals, inputs and merge diagnostics.
        let summary: LoadResult<Summary> = load_all_with(&expanded, false, policy);
        assert_eq!(summary.report, Summary::from_report(whole.report.clone()));
        assert_eq!(
            summary.report.totals(),
            covlens_core::Totals::of_report(&whole.report)
        );
        let t = summary.report.totals();
        assert_eq!((t.lines.found, t.functions.found), (6000, 300));
        assert_eq!(summary.merge_diagnostics, split.merge_diagnostics);
        let (m, w) = (&summary.inputs[0], &split.inputs[0]);
        assert_eq!((m.files, m.records), (w.files, w.records));
        assert_eq!(m.diagnostics, w.diagnostics);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_cut_without_record_boundaries() {
        let dir = scratch("nocut");
        let mut text = String::from("SF:/a.c\n");
        for l in 1..2000 {
            text.push_str(&format!("DA:{l},1\n"));
        }
        text.push_str("end_of_record\n");
        std::fs::write(dir.join("a.info"), &text).unwrap();
        let policy = SplitPolicy {
            min: 1,
            piece: 1024,
        };
        assert_eq!(
            plan_cuts(&dir.join("a.info"), text.len() as u64, policy),
            None
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
