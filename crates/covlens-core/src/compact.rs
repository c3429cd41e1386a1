//! Totals without holding the report: each file's coverage packed into compact bytes, merged by `merge.rs`'s own rules.
//!
//! `covlens summary` of a 197 MB tracefile does not need the model's 16-byte lines, 48-byte branches and
//! one allocation per function name; it needs per file only the totals and enough to merge a file that
//! comes again (in a later record, piece or input) exactly as [`crate::merge`] would. [`SummaryBuilder`]
//! is the sink parsers push into for that, like [`crate::ReportBuilder`]: it normalises each record,
//! and keeps each file as
//! - one byte string: its [`Totals`] (computed once from the normalised or merged coverage), then its
//!   lines, branches and functions packed: delta-coded line numbers, LEB128 counts, a one-byte head
//!   for the next branch of a line, front-coded function names;
//! - the rare parts (MC/DC, line checksums, `VER`, Go statement blocks) as they are.
//!
//! On the 197 MB benchmark tracefile (80,000 files; 8.0 M lines, 3.0 M branches, 1.1 M functions) that
//! is 40 MB of packed bytes where the model holds about 360 MB (16 bytes a line, 48 a branch, 40 plus
//! the name a function, 168 a file).
//!
//! The packing is lossless, and a repeated file is unpacked, merged by [`merge_file`] and packed again,
//! so totals and merge diagnostics (saturation, moved functions, checksum, version and statement
//! conflicts) are those of the full path by construction; `tests/compact_summary.rs` checks it.

use std::collections::BTreeMap;
use std::io::BufRead;

use crate::container::{self, Limits};
use crate::detect::{detect, Format};
use crate::diag::{Diagnostic, ParseError};
use crate::formats::{self, ParseOptions};
use crate::merge::{merge_file, normalize, MergeIssues};
use crate::model::{
    Branch, BranchId, BranchName, Fidelity, FileCoverage, FileRecord, Function, Line, LineHit,
    Report,
};
use crate::totals::Totals;

/// One file of a [`Summary`]: its totals and its coverage in packed form (24 bytes plus the packed
/// bytes, one allocation for most files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSummary {
    /// The totals, then lines, branches and functions; see [`pack`].
    packed: Box<[u8]>,
    /// The other vectors and the version, when the file has any (most have none).
    rest: Option<Box<FileCoverage>>,
}

impl FileSummary {
    /// Packs a normalised file (see [`normalize`]).
    pub fn new(fc: FileCoverage) -> FileSummary {
        PACK_BUF.with_borrow_mut(|buf| FileSummary::new_with(fc, buf))
    }

    /// Packs through `buf` (reused from file to file, so the packed bytes are one exact allocation).
    fn new_with(mut fc: FileCoverage, buf: &mut Vec<u8>) -> FileSummary {
        buf.clear();
        pack(&fc, buf);
        fc.lines = Vec::new();
        fc.branches = Vec::new();
        fc.functions = Vec::new();
        let rest = (fc != FileCoverage::default()).then(|| Box::new(fc));
        FileSummary {
            packed: Box::from(&buf[..]),
            rest,
        }
    }

    /// The file's totals, as [`Totals::of_file`] counts them.
    pub fn totals(&self) -> Totals {
        let mut u = Unpacker {
            data: &self.packed,
            pos: 0,
        };
        read_totals(&mut u)
    }

    /// The file's coverage, unpacked: equal to what was packed.
    pub fn coverage(&self) -> FileCoverage {
        let mut fc = self.rest.as_deref().cloned().unwrap_or_default();
        unpack(&self.packed, &mut fc);
        fc
    }

    /// The coverage, unpacked, without cloning the rare parts.
    pub fn into_coverage(self) -> FileCoverage {
        let mut fc = self.rest.map(|b| *b).unwrap_or_default();
        unpack(&self.packed, &mut fc);
        fc
    }

    /// Bytes held beyond the struct itself (for measurements).
    pub fn heap_bytes(&self) -> usize {
        self.packed.len() + self.rest.as_ref().map_or(0, |_| size_of::<FileCoverage>())
    }
}

std::thread_local! {
    /// The packing buffer of this thread.
    static PACK_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The merge of inputs reduced to what totals and merge diagnostics need: files by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub files: BTreeMap<String, FileSummary>,
    pub fidelity: Fidelity,
}

impl Default for Summary {
    fn default() -> Self {
        Summary::new(Fidelity::EMPTY)
    }
}

impl Summary {
    /// An empty summary of the given fidelity.
    pub fn new(fidelity: Fidelity) -> Summary {
        Summary {
            files: BTreeMap::new(),
            fidelity,
        }
    }

    /// The summary of a report (nothing is lost: [`FileSummary::coverage`] gives each file back).
    pub fn from_report(report: Report) -> Summary {
        Summary {
            files: report
                .files
                .into_iter()
                .map(|(path, fc)| (path, FileSummary::new(fc)))
                .collect(),
            fidelity: report.fidelity,
        }
    }

    /// The sum over every file, as [`Totals::of_report`] counts it.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for f in self.files.values() {
            t.add(&f.totals());
        }
        t
    }

    /// Merges `other` into `self` like [`crate::merge_reports_owned`], returning the same diagnostics.
    pub fn merge_owned(&mut self, other: Summary) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        self.fidelity = self.fidelity.combine(other.fidelity);
        for (path, fs) in other.files {
            match self.files.get_mut(&path) {
                Some(existing) => {
                    let mut issues = MergeIssues::default();
                    merge_into(existing, &fs.into_coverage(), &mut issues);
                    diags.extend(issues.to_diagnostics(&path));
                }
                None => {
                    self.files.insert(path, fs);
                }
            }
        }
        diags
    }
}

/// Merges `other` (normalised) into a packed file.
fn merge_into(existing: &mut FileSummary, other: &FileCoverage, issues: &mut MergeIssues) {
    let placeholder = FileSummary {
        packed: Box::default(),
        rest: None,
    };
    let mut fc = std::mem::replace(existing, placeholder).into_coverage();
    merge_file(&mut fc, other, issues);
    *existing = FileSummary::new(fc);
}

/// Folds a parser's records into a [`Summary`]: the sink `summary` parses into, the counterpart of
/// [`crate::ReportBuilder`] (same normalisation, same merging of repeated records, same diagnostics).
#[derive(Debug)]
pub struct SummaryBuilder {
    summary: Summary,
    diagnostics: Vec<Diagnostic>,
    records: u64,
}

impl SummaryBuilder {
    pub fn new(fidelity: Fidelity) -> SummaryBuilder {
        SummaryBuilder {
            summary: Summary::new(fidelity),
            diagnostics: Vec::new(),
            records: 0,
        }
    }

    /// Adds one record, merging it with an earlier record of the same path.
    pub fn push(&mut self, mut record: FileRecord) {
        self.records += 1;
        let mut issues = MergeIssues::default();
        normalize(&mut record.coverage, &mut issues);
        match self.summary.files.get_mut(&record.path) {
            Some(existing) => merge_into(existing, &record.coverage, &mut issues),
            None => {
                if !issues.is_empty() {
                    self.diagnostics.extend(issues.to_diagnostics(&record.path));
                }
                // The path moves into the map: no copy of it per file.
                self.summary
                    .files
                    .insert(record.path, FileSummary::new(record.coverage));
                return;
            }
        }
        if !issues.is_empty() {
            self.diagnostics.extend(issues.to_diagnostics(&record.path));
        }
    }

    /// How many records were pushed (a file repeated in the input counts each time).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The summary and the merge diagnostics.
    pub fn finish(self) -> (Summary, Vec<Diagnostic>) {
        (self.summary, self.diagnostics)
    }
}

/// One input parsed into a [`Summary`]: the counterpart of [`crate::Loaded`].
#[derive(Clone, Debug)]
pub struct Summarized {
    pub format: Format,
    pub summary: Summary,
    /// Parse diagnostics, then merge diagnostics (as [`crate::Loaded`] has them).
    pub diagnostics: Vec<Diagnostic>,
    /// File records read (a file repeated in the input counts each time).
    pub records: u64,
}

/// [`crate::parse_bytes`] into a summary: detects the format (inside gzip too) and parses.
pub fn parse_bytes(input: &[u8], options: &ParseOptions) -> Result<Summarized, ParseError> {
    let unknown = || {
        ParseError::new(
            None,
            None,
            "unrecognised content: not a coverage format covlens reads (formats are detected from content, not file names)",
        )
    };
    let inner;
    let input = if container::is_gzip(input) {
        inner = container::gunzip(input, &Limits::DEFAULT)?;
        &inner[..]
    } else {
        input
    };
    let format = detect(input).ok_or_else(unknown)?;
    let mut builder = SummaryBuilder::new(formats::fidelity_of_input(format, input));
    let diagnostics = formats::parse_slice(format, input, options, &mut |r| builder.push(r))?;
    Ok(finish(format, builder, diagnostics))
}

/// [`crate::parse_read`] into a summary: a stream of `format` (gzip is decompressed on the way), in
/// memory bounded by the summary, not by the report.
pub fn parse_read<R: BufRead>(
    format: Format,
    mut input: R,
    options: &ParseOptions,
) -> Result<Summarized, ParseError> {
    // As in `load::parse_read`: a read error here is met again, and reported, by the parser.
    if matches!(input.fill_buf(), Ok(head) if container::is_gzip(head)) {
        let reader = std::io::BufReader::with_capacity(
            64 << 10,
            container::GunzipReader::new(input, Limits::DEFAULT),
        );
        return parse_plain_read(format, reader, options);
    }
    parse_plain_read(format, input, options)
}

fn parse_plain_read<R: BufRead>(
    format: Format,
    mut input: R,
    options: &ParseOptions,
) -> Result<Summarized, ParseError> {
    let head = formats::read_fidelity_head(format, &mut input);
    let mut builder = SummaryBuilder::new(formats::fidelity_of_input(format, &head));
    let input = std::io::Read::chain(std::io::Cursor::new(head), input);
    let diagnostics = formats::parse_reader(format, input, options, &mut |r| builder.push(r))?;
    Ok(finish(format, builder, diagnostics))
}

fn finish(format: Format, builder: SummaryBuilder, mut diagnostics: Vec<Diagnostic>) -> Summarized {
    let records = builder.records();
    let (summary, merge_diags) = builder.finish();
    diagnostics.extend(merge_diags);
    Summarized {
        format,
        summary,
        diagnostics,
        records,
    }
}

// ---------------------------------------------------------------- packing
//
// Layout, all numbers LEB128: the totals (found and hit of lines, branches, functions, statements,
// computed by `Totals::of_file` when packing), n_lines, n_branches, n_functions, then
// - per line: (line - previous line) << 1 | (hits == 0), then hits when not 0;
// - per branch: a head = flags << 4 | next << 3 | taken kind << 1 | name is an expression (taken kind:
//   0 never evaluated, 1 zero, 2 a count that follows; `next`: same line, block and flags as the
//   previous branch and the index after its index, the common case, which is all the head says), then
//   unless `next`: line - previous line, block, the name (an index, or a length and the bytes); then
//   the count;
// - per function: bytes shared with the previous name, length and bytes of the rest, start line, end
//   line (0: none), hits.
// Every vector is sorted (normalised), so the line deltas are small and never negative for lines;
// branches and functions are packed whatever their order (wrapping deltas), so nothing is lost.

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn pack(fc: &FileCoverage, out: &mut Vec<u8>) {
    let t = Totals::of_file(fc);
    for c in [t.lines, t.branches, t.functions, t.statements] {
        put(out, c.found);
        put(out, c.hit);
    }
    put(out, fc.lines.len() as u64);
    put(out, fc.branches.len() as u64);
    put(out, fc.functions.len() as u64);
    let mut prev = 0u32;
    for l in &fc.lines {
        let delta = u64::from(l.line.get().wrapping_sub(prev));
        put(out, delta << 1 | u64::from(l.hits == 0));
        if l.hits != 0 {
            put(out, l.hits);
        }
        prev = l.line.get();
    }
    let mut prev: Option<&Branch> = None;
    for b in &fc.branches {
        let kind = match b.taken {
            None => 0,
            Some(0) => 1,
            Some(_) => 2,
        };
        let expr = matches!(b.id.branch, BranchName::Expr(_));
        let next = prev.is_some_and(|p| {
            p.line == b.line
                && p.id.block == b.id.block
                && p.id.flags == b.id.flags
                && matches!((&p.id.branch, &b.id.branch),
                    (BranchName::Index(i), BranchName::Index(j)) if i.checked_add(1) == Some(*j))
        });
        put(
            out,
            u64::from(b.id.flags) << 4 | u64::from(next) << 3 | kind << 1 | u64::from(expr),
        );
        if !next {
            let prev_line = prev.map_or(0, |p| p.line.get());
            put(out, u64::from(b.line.get().wrapping_sub(prev_line)));
            put(out, u64::from(b.id.block));
            match &b.id.branch {
                BranchName::Index(i) => put(out, u64::from(*i)),
                BranchName::Expr(e) => put_bytes(out, e.as_bytes()),
            }
        }
        if let Some(n @ 1..) = b.taken {
            put(out, n);
        }
        prev = Some(b);
    }
    let mut prev: &[u8] = &[];
    for f in &fc.functions {
        let name = f.name.as_bytes();
        let shared = name.iter().zip(prev).take_while(|(a, b)| a == b).count();
        put(out, shared as u64);
        put_bytes(out, &name[shared..]);
        put(out, u64::from(f.start.get()));
        put(out, f.end.map_or(0, |e| u64::from(e.get())));
        put(out, f.hits);
        prev = name;
    }
}

fn read_totals(u: &mut Unpacker<'_>) -> Totals {
    let mut c = || crate::totals::Counter {
        found: u.get(),
        hit: u.get(),
    };
    Totals {
        lines: c(),
        branches: c(),
        functions: c(),
        statements: c(),
    }
}

/// Reads what [`pack`] wrote. The bytes are our own, so they are never short; a short read would
/// give zeros, never a panic.
struct Unpacker<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Unpacker<'_> {
    fn get(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        while let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 || shift >= 63 {
                break;
            }
            shift += 7;
        }
        v
    }

    fn get_u32(&mut self) -> u32 {
        self.get() as u32
    }

    fn bytes(&mut self) -> &[u8] {
        let len = self.get() as usize;
        let start = self.pos.min(self.data.len());
        let end = start.saturating_add(len).min(self.data.len());
        self.pos = end;
        &self.data[start..end]
    }
}

/// A line number read back (never 0, as it was packed from a [`Line`]).
fn line_of(n: u32) -> Line {
    Line::new(n).unwrap_or(Line::from_zero_based(0))
}

fn string(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn unpack(data: &[u8], fc: &mut FileCoverage) {
    let mut u = Unpacker { data, pos: 0 };
    // Capacities are bounded by the data's length, so even bad bytes cannot ask for much.
    let cap = |n: u64| (n as usize).min(data.len());
    read_totals(&mut u);
    let (nl, nb, nf) = (u.get(), u.get(), u.get());
    let mut lines = Vec::with_capacity(cap(nl));
    let mut prev = 0u32;
    for _ in 0..nl {
        let head = u.get();
        let n = prev.wrapping_add((head >> 1) as u32);
        let hits = if head & 1 == 1 { 0 } else { u.get() };
        lines.push(LineHit {
            line: line_of(n),
            hits,
        });
        prev = n;
    }
    let mut branches: Vec<Branch> = Vec::with_capacity(cap(nb));
    for _ in 0..nb {
        let head = u.get();
        let prev = branches.last();
        let (line, block, branch) = match prev {
            Some(p) if head & 8 != 0 => {
                let i = match p.id.branch {
                    BranchName::Index(i) => i.wrapping_add(1),
                    BranchName::Expr(_) => 0,
                };
                (p.line, p.id.block, BranchName::Index(i))
            }
            _ => {
                let n = prev.map_or(0, |p| p.line.get()).wrapping_add(u.get_u32());
                let block = u.get_u32();
                let branch = if head & 1 == 1 {
                    BranchName::Expr(string(u.bytes().to_vec()).into_boxed_str())
                } else {
                    BranchName::Index(u.get_u32())
                };
                (line_of(n), block, branch)
            }
        };
        let taken = match (head >> 1) & 3 {
            0 => None,
            1 => Some(0),
            _ => Some(u.get()),
        };
        branches.push(Branch {
            line,
            id: BranchId {
                block,
                branch,
                flags: (head >> 4) as u8,
            },
            taken,
        });
    }
    let mut functions: Vec<Function> = Vec::with_capacity(cap(nf));
    for _ in 0..nf {
        let shared = u.get() as usize;
        let mut name = Vec::new();
        if let Some(p) = functions.last() {
            name.extend_from_slice(&p.name.as_bytes()[..shared.min(p.name.len())]);
        }
        name.extend_from_slice(u.bytes());
        let start = u.get_u32();
        let end = u.get_u32();
        let hits = u.get();
        functions.push(Function {
            name: string(name),
            start: line_of(start),
            end: Line::new(end),
            hits,
        });
    }
    fc.lines = lines;
    fc.branches = branches;
    fc.functions = functions;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u32) -> Line {
        Line::new(n).unwrap()
    }

    #[test]
    fn packing_keeps_every_value() {
        let fc = FileCoverage {
            lines: vec![
                LineHit {
                    line: line(1),
                    hits: 0,
                },
                LineHit {
                    line: line(200),
                    hits: u64::MAX,
                },
                LineHit {
                    line: line(u32::MAX),
                    hits: 7,
                },
            ],
            branches: vec![
                Branch {
                    line: line(3),
                    id: BranchId {
                        block: 0,
                        branch: BranchName::Index(1),
                        flags: 0,
                    },
                    taken: None,
                },
                // The common case: the next index on the same line and block (one head byte).
                Branch {
                    line: line(3),
                    id: BranchId {
                        block: 0,
                        branch: BranchName::Index(2),
                        flags: 0,
                    },
                    taken: Some(5),
                },
                Branch {
                    line: line(3),
                    id: BranchId {
                        block: u32::MAX,
                        branch: BranchName::Expr("a && ü".into()),
                        flags: 255,
                    },
                    taken: Some(0),
                },
                Branch {
                    line: line(9),
                    id: BranchId {
                        block: 2,
                        branch: BranchName::Index(u32::MAX),
                        flags: 1,
                    },
                    taken: Some(u64::MAX),
                },
            ],
            functions: vec![
                Function {
                    name: "_ZN3net4ßtcp".into(),
                    start: line(4),
                    end: None,
                    hits: 0,
                },
                Function {
                    name: "_ZN3net4ßudp".into(),
                    start: line(2),
                    end: Some(line(u32::MAX)),
                    hits: 12345678901,
                },
                Function {
                    name: "_ZN3net4ß".into(),
                    start: line(1),
                    end: Some(line(1)),
                    hits: 1,
                },
            ],
            version: Some("v1".into()),
            ..FileCoverage::default()
        };
        let fs = FileSummary::new(fc.clone());
        assert_eq!(fs.coverage(), fc);
        assert_eq!(fs.totals(), Totals::of_file(&fc));
        assert!(
            fs.rest.is_some(),
            "the version is kept beside the packed bytes"
        );
        // The model holds 3 x 16 + 4 x 48 + 3 x 40 bytes plus 5 allocations here; extreme values
        // (u64::MAX, u32::MAX) take the most room a number can, 10 and 5 bytes.
        assert_eq!(fs.packed.len(), 109);
        let empty = FileSummary::new(FileCoverage::default());
        assert_eq!(empty.coverage(), FileCoverage::default());
        assert_eq!(&*empty.packed, &[0; 11]);
        assert!(empty.rest.is_none());
    }
}
