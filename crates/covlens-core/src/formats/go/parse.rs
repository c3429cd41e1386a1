//! Go coverprofile parser: one line-based state machine, fed by the slice entry and the reader entry.
//!
//! The grammar is `golang.org/x/tools/cover` `ParseProfiles`' (which `go tool cover` runs):
//! ```text
//! mode: set|count|atomic
//! <import path>/<file>.go:<startLine>.<startCol>,<endLine>.<endCol> <numStmt> <count>
//! ```
//! read the same way (fields are found from the right, so a path may hold `:`, `.`, `,` and spaces)
//! and more leniently:
//! - blank lines are skipped, a trailing `\r` and trailing blanks are ignored, a UTF-8 BOM too;
//! - the first line that is not blank must be `mode: …`, else the input is not a profile (an error);
//!   an unknown mode is read as `count` with a warning. Later `mode:` lines (profiles concatenated by
//!   scripts) are skipped, with a warning when they name another mode;
//! - a malformed block line becomes a diagnostic at its line and column and is skipped; line 0 is
//!   refused; a negative count is clamped to 0 and a count above `u64::MAX` saturates, each with a
//!   warning (`go tool cover` rejects the whole file in both cases);
//! - file paths are the import paths the profile names (`github.com/x/y/z.go`), kept as they are.
//!
//! Merging, as `ParseProfiles` does: blocks at the same position (start and end line and column) in
//! one input are one block: `set` profiles OR their counts (the larger is kept), `count` and `atomic`
//! profiles add them. A repeated block with another statement count (`go tool cover`: "inconsistent
//! NumStmt") keeps the larger count, with a warning. The blocks become [`StatementBlock`]s; the
//! statement totals (the sum of `numStmt`, and of `numStmt` of blocks that ran) are then exactly
//! `go test -cover`'s "coverage: X% of statements".
//!
//! Lines, for the source view (`go tool cover -html` colours spans, not lines, so a line needs a rule):
//! every line from a block's start line to its end line is coverable, and its count is the largest
//! count of the blocks that reach it. A line where two blocks meet (`if x {` ends one block and starts
//! the next) so shows as run when its condition was evaluated, even if the body was not. Lines in no
//! block (a closure's closing brace: `cmd/cover` ends a block where a function literal starts) are not
//! coverable. Blocks that `go test` writes never nest; should a profile nest them anyway, the inner
//! block hides its container on the lines strictly inside it (like the innermost span `-html` shows).
//! Merging two inputs adds their line counts; the covered / not covered status of each line is the
//! same as spreading the merged blocks.

use std::collections::BTreeMap;
use std::io::{BufRead, ErrorKind};

use memchr::{memchr, memrchr};

use crate::detect::Format;
use crate::diag::Diags;
use crate::diag::{Diagnostic, ParseError, Position, Severity};
use crate::formats::{ParseOptions, Sink};
use crate::model::{FileCoverage, FileRecord, Line, LineHit, StatementBlock};

/// How many (line, count) contributions spreading blocks to lines may make for a whole input: this
/// many, plus [`SPREAD_PER_BLOCK`] per block. Real blocks span a few lines each, so only a hostile
/// profile (`a.go:1.1,4000000000.1 1 1`) reaches it; its statements are still all counted.
const SPREAD_BASE: usize = 1 << 22;
const SPREAD_PER_BLOCK: usize = 64;

/// The profile's `mode:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Set,
    Count,
    Atomic,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Set => "set",
            Mode::Count => "count",
            Mode::Atomic => "atomic",
        }
    }
}

fn trim_end(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &b[..end]
}

/// The mode a `mode:` line names: `None` when the line is not a mode line, `Some(None)` for an
/// unknown mode.
fn mode_line(line: &[u8]) -> Option<Option<Mode>> {
    let rest = line.strip_prefix(b"mode:")?;
    Some(match trim_end(rest).trim_ascii_start() {
        b"set" => Some(Mode::Set),
        b"count" => Some(Mode::Count),
        b"atomic" => Some(Mode::Atomic),
        _ => None,
    })
}

/// The mode of the profile starting with `head` (its first line that is not blank), if known.
pub(crate) fn mode_of(head: &[u8]) -> Option<Mode> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let line = head
        .split(|&c| c == b'\n')
        .map(|l| trim_end(l).trim_ascii_start())
        .find(|l| !l.is_empty())?;
    mode_line(line).flatten()
}

/// Parses a whole input held in memory.
pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let mut parser = Parser::new(options);
    for line in input.split(|&c| c == b'\n') {
        parser.line(line)?;
    }
    Ok(parser.finish(sink))
}

/// Parses a stream: complete lines are read in place from the reader's buffer; only a line split
/// across two fills is copied, into a reused buffer.
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
                    Some(Format::Go),
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
        while let Some(i) = memchr(b'\n', rest) {
            if carry.is_empty() {
                parser.line(&rest[..i])?;
            } else {
                carry.extend_from_slice(&rest[..i]);
                parser.line(&carry)?;
                carry.clear();
            }
            rest = &rest[i + 1..];
        }
        carry.extend_from_slice(rest);
        input.consume(n);
        offset += n as u64;
    }
    // The last line, without a final newline (an empty one changes nothing).
    parser.line(&carry)?;
    Ok(parser.finish(sink))
}

/// A block as read, with the input line it came from (for diagnostics while merging).
struct RawBlock {
    block: StatementBlock,
    line_no: u64,
}

/// One file's blocks, in input order.
struct FileBlocks {
    path: String,
    blocks: Vec<RawBlock>,
}

/// A number field as read.
enum Num {
    Value(u64),
    Negative,
    Saturated,
    Invalid,
}

fn parse_num(field: &[u8]) -> Num {
    let (negative, digits) = match field.first() {
        Some(b'-') => (true, &field[1..]),
        Some(b'+') => (false, &field[1..]),
        _ => (false, field),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Num::Invalid;
    }
    let mut v: u64 = 0;
    let mut saturated = false;
    for &d in digits {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
        {
            Some(x) => v = x,
            None => {
                saturated = true;
                break;
            }
        }
    }
    match (negative, saturated) {
        (true, _) if saturated || v > 0 => Num::Negative,
        (true, _) => Num::Value(0),
        (false, true) => Num::Saturated,
        (false, false) => Num::Value(v),
    }
}

/// Why a block line was refused: the 1-based column of the bad field and what is wrong.
type LineError = (usize, String);

struct Parser {
    diags: Diags,
    mode: Option<Mode>,
    line_no: u64,
    /// Leading blanks of the current line (columns stay those of the input).
    indent: usize,
    files: Vec<FileBlocks>,
    by_path: BTreeMap<String, usize>,
    /// Index in `files` of the last block's file: consecutive lines usually share it.
    current: Option<usize>,
}

impl Parser {
    fn new(options: &ParseOptions) -> Parser {
        Parser {
            diags: Diags::new(options.max_diagnostics),
            mode: None,
            line_no: 0,
            indent: 0,
            files: Vec::new(),
            by_path: BTreeMap::new(),
            current: None,
        }
    }

    fn at(&self, column: usize) -> Option<Position> {
        Some(Position::LineCol {
            line: self.line_no,
            column: Some((self.indent + column) as u64),
        })
    }

    fn line(&mut self, raw: &[u8]) -> Result<(), ParseError> {
        self.line_no += 1;
        let mut line = trim_end(raw);
        if self.line_no == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let indent = line.len() - line.trim_ascii_start().len();
        self.indent = indent;
        let line = &line[indent..];
        if line.is_empty() {
            return Ok(());
        }
        if let Some(mode) = mode_line(line) {
            self.mode_line(mode, line);
            return Ok(());
        }
        if self.mode.is_none() {
            return Err(ParseError::new(
                Some(Format::Go),
                Some(Position::LineCol {
                    line: self.line_no,
                    column: Some(indent as u64 + 1),
                }),
                "a Go coverage profile starts with a `mode:` line (set, count or atomic)",
            ));
        }
        match self.block(line) {
            Ok(Some((path, block))) => self.add(path, block),
            Ok(None) => {}
            Err((col, message)) => {
                let position = self.at(col);
                self.diags.push(Severity::Warning, position, || {
                    format!("{message}; block skipped")
                });
            }
        }
        Ok(())
    }

    fn mode_line(&mut self, mode: Option<Mode>, line: &[u8]) {
        let position = self.at(1);
        match (self.mode, mode) {
            (None, Some(m)) => self.mode = Some(m),
            (None, None) => {
                self.mode = Some(Mode::Count);
                let text = String::from_utf8_lossy(line).into_owned();
                self.diags.push(Severity::Warning, position, || {
                    format!(
                        "unknown mode in `{text}` (expected set, count or atomic); read as count"
                    )
                });
            }
            (Some(a), Some(b)) if a == b => {}
            (Some(a), _) => {
                let text = String::from_utf8_lossy(line).into_owned();
                self.diags.push(Severity::Warning, position, || {
                    format!("`{text}` after `mode: {}`: the profile mixes modes; its blocks are merged as {}", a.name(), a.name())
                });
            }
        }
    }

    /// Reads one block line: `Ok(None)` when it was read but holds nothing to keep.
    fn block<'a>(
        &mut self,
        line: &'a [u8],
    ) -> Result<Option<(&'a [u8], StatementBlock)>, LineError> {
        // Fields from the right, as `seekBack` does: count, numStmt, endCol, endLine, startCol, startLine.
        let sp2 = memrchr(b' ', line).ok_or_else(|| {
            (
                1,
                "malformed block line (expected `file:line.col,line.col statements count`)"
                    .to_string(),
            )
        })?;
        let count_field = &line[sp2 + 1..];
        let head = trim_end(&line[..sp2]);
        let sp1 = memrchr(b' ', head).ok_or_else(|| {
            (
                1,
                "malformed block line (missing the statement count)".to_string(),
            )
        })?;
        let stmts_field = &head[sp1 + 1..];
        let pos = trim_end(&head[..sp1]);
        let dot2 = memrchr(b'.', pos).ok_or((
            1,
            "malformed block position (missing end column)".to_string(),
        ))?;
        let comma = memrchr(b',', &pos[..dot2])
            .ok_or((1, "malformed block position (missing end line)".to_string()))?;
        let dot1 = memrchr(b'.', &pos[..comma]).ok_or((
            1,
            "malformed block position (missing start column)".to_string(),
        ))?;
        let colon = memrchr(b':', &pos[..dot1]).ok_or((
            1,
            "malformed block position (missing `:` after the file name)".to_string(),
        ))?;
        let path = &pos[..colon];
        if path.is_empty() {
            return Err((1, "block without a file name".to_string()));
        }
        let u32_field = |start: usize, end: usize, what: &str| -> Result<u32, LineError> {
            match parse_num(&pos[start..end]) {
                Num::Value(v) => {
                    u32::try_from(v).map_err(|_| (start + 1, format!("{what} {v} is out of range")))
                }
                _ => Err((
                    start + 1,
                    format!(
                        "{what} is not a number: `{}`",
                        String::from_utf8_lossy(&pos[start..end])
                    ),
                )),
            }
        };
        let start_line = u32_field(colon + 1, dot1, "start line")?;
        let start_col = u32_field(dot1 + 1, comma, "start column")?;
        let end_line = u32_field(comma + 1, dot2, "end line")?;
        let end_col = u32_field(dot2 + 1, pos.len(), "end column")?;
        let start = Line::new(start_line)
            .ok_or((colon + 2, "start line 0 (lines are 1-based)".to_string()))?;
        let end =
            Line::new(end_line).ok_or((comma + 2, "end line 0 (lines are 1-based)".to_string()))?;
        let statements = match parse_num(stmts_field) {
            Num::Value(v) => u32::try_from(v)
                .map_err(|_| (sp1 + 2, format!("statement count {v} is out of range")))?,
            _ => {
                return Err((
                    sp1 + 2,
                    format!(
                        "statement count is not a number: `{}`",
                        String::from_utf8_lossy(stmts_field)
                    ),
                ))
            }
        };
        let count_col = sp2 + 2;
        let hits = match parse_num(count_field) {
            Num::Value(v) => v,
            Num::Negative => {
                let position = self.at(count_col);
                let text = String::from_utf8_lossy(count_field).into_owned();
                self.diags.push(Severity::Warning, position, || {
                    format!("negative count {text} clamped to 0")
                });
                0
            }
            Num::Saturated => {
                let position = self.at(count_col);
                self.diags.push(Severity::Warning, position, || {
                    format!("count above {} saturated", u64::MAX)
                });
                u64::MAX
            }
            Num::Invalid => {
                return Err((
                    count_col,
                    format!(
                        "count is not a number: `{}`",
                        String::from_utf8_lossy(count_field)
                    ),
                ))
            }
        };
        if (end, end_col) < (start, start_col) {
            let position = self.at(colon + 2);
            self.diags.push(Severity::Warning, position, || {
                format!("block ends ({end_line}.{end_col}) before it starts ({start_line}.{start_col}); its statements are counted, only its start line is spread")
            });
        }
        Ok(Some((
            path,
            StatementBlock {
                start,
                start_col,
                end,
                end_col,
                statements,
                hits,
            },
        )))
    }

    fn add(&mut self, path: &[u8], block: StatementBlock) {
        let index = match self.current {
            Some(i) if self.files[i].path.as_bytes() == path => i,
            _ => {
                let path = String::from_utf8_lossy(path);
                match self.by_path.get(path.as_ref()) {
                    Some(&i) => i,
                    None => {
                        let i = self.files.len();
                        self.files.push(FileBlocks {
                            path: path.clone().into_owned(),
                            blocks: Vec::new(),
                        });
                        self.by_path.insert(path.into_owned(), i);
                        i
                    }
                }
            }
        };
        self.current = Some(index);
        self.files[index].blocks.push(RawBlock {
            block,
            line_no: self.line_no,
        });
    }

    /// Merges each file's blocks, spreads them to lines and pushes one record per file, in path order.
    fn finish(mut self, sink: &mut Sink<'_>) -> Vec<Diagnostic> {
        let set = self.mode == Some(Mode::Set);
        let blocks: usize = self.files.iter().map(|f| f.blocks.len()).sum();
        let mut budget = SPREAD_BASE.saturating_add(blocks.saturating_mul(SPREAD_PER_BLOCK));
        let mut files: Vec<Option<FileBlocks>> = self.files.drain(..).map(Some).collect();
        for (_, &i) in self.by_path.iter() {
            let Some(file) = files[i].take() else {
                continue;
            };
            let statements = merge_blocks(file.blocks, set, &mut self.diags);
            let lines = spread(&statements, &file.path, &mut budget, &mut self.diags);
            sink(FileRecord {
                path: file.path,
                coverage: FileCoverage {
                    lines,
                    statements,
                    ..FileCoverage::default()
                },
            });
        }
        self.diags.finish()
    }
}

/// Sorts a file's blocks by position and merges those at the same position as `ParseProfiles` does.
fn merge_blocks(mut raw: Vec<RawBlock>, set: bool, diags: &mut Diags) -> Vec<StatementBlock> {
    // Stable: the first block read stays first, so a conflict is reported at the later line.
    raw.sort_by_key(|r| r.block.key());
    let mut out: Vec<StatementBlock> = Vec::with_capacity(raw.len());
    for r in raw {
        let b = r.block;
        match out.last_mut() {
            Some(last) if last.key() == b.key() => {
                last.hits = if set {
                    last.hits.max(b.hits)
                } else {
                    last.hits.saturating_add(b.hits)
                };
                if last.statements != b.statements {
                    let (a, n) = (last.statements, b.statements);
                    diags.push(
                        Severity::Warning,
                        Some(Position::LineCol {
                            line: r.line_no,
                            column: None,
                        }),
                        || format!("block {}.{},{}.{} repeated with {n} statement(s) instead of {a}; kept {}", b.start, b.start_col, b.end, b.end_col, a.max(n)),
                    );
                    last.statements = a.max(n);
                }
            }
            _ => out.push(b),
        }
    }
    out
}

/// Spreads blocks (sorted by key, each once) to line counts; see the module documentation for the rule.
/// Each (line, count) contribution takes one from `budget`; when none is left, spreading stops.
fn spread(
    blocks: &[StatementBlock],
    path: &str,
    budget: &mut usize,
    diags: &mut Diags,
) -> Vec<LineHit> {
    let pos_start = |b: &StatementBlock| (b.start, b.start_col);
    let pos_end = |b: &StatementBlock| (b.end, b.end_col);
    // Containers before what they contain: by start, then by end, the widest first.
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by(|&a, &b| {
        pos_start(&blocks[a])
            .cmp(&pos_start(&blocks[b]))
            .then(pos_end(&blocks[b]).cmp(&pos_end(&blocks[a])))
    });
    // The lines strictly inside each block's directly nested blocks: there the nested block wins.
    let mut holes: Vec<Vec<(u32, u32)>> = vec![Vec::new(); blocks.len()];
    let mut stack: Vec<usize> = Vec::new();
    for &i in &order {
        let b = &blocks[i];
        while let Some(&top) = stack.last() {
            if pos_end(b) <= pos_end(&blocks[top]) {
                break;
            }
            stack.pop();
        }
        if let Some(&parent) = stack.last() {
            let (s, e) = (b.start.get(), b.end.get());
            if e >= s.saturating_add(2) {
                holes[parent].push((s + 1, e - 1));
            }
        }
        stack.push(i);
    }
    let mut hits: Vec<(u32, u64)> = Vec::new();
    let mut capped = false;
    for (i, b) in blocks.iter().enumerate() {
        let (s, e) = (b.start.get(), b.end.get());
        // A block that ends before it starts (reported when read) shows on its start line.
        let e = e.max(s);
        let h = &mut holes[i];
        h.sort_unstable();
        let mut line = s;
        let mut hole = h.iter().peekable();
        loop {
            while let Some(&&(hs, he)) = hole.peek() {
                if he < line {
                    hole.next();
                } else if hs <= line {
                    line = he + 1;
                    hole.next();
                } else {
                    break;
                }
            }
            if line > e {
                break;
            }
            if *budget == 0 {
                capped = true;
                break;
            }
            *budget -= 1;
            hits.push((line, b.hits));
            if line == u32::MAX {
                break;
            }
            line += 1;
        }
        if capped {
            break;
        }
    }
    if capped {
        diags.push(Severity::Warning, None, || {
            format!("{path}: the profile's blocks span more lines than a profile of its size can hold; the rest are not shown as lines (statements are all counted)")
        });
    }
    hits.sort_unstable_by_key(|&(l, _)| l);
    let mut lines: Vec<LineHit> = Vec::new();
    for (l, h) in hits {
        match lines.last_mut() {
            Some(last) if last.line.get() == l => last.hits = last.hits.max(h),
            _ => lines.push(LineHit {
                line: Line::new(l).expect("block lines are >= 1"),
                hits: h,
            }),
        }
    }
    lines
}
