//! Helpers shared by the per-format tests: the corpus folder, both front doors checked against each other.

#![allow(dead_code, reason = "each test crate uses a different subset")]

use std::io::BufReader;
use std::path::{Path, PathBuf};

use covlens_core::{
    parse_bytes_as, parse_read, Branch, BranchId, BranchName, FileCoverage, Format, Line, Loaded,
    ParseError, ParseOptions, Position, Totals,
};

pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(CORPUS);
    if p.is_dir() {
        Some(p.to_path_buf())
    } else {
        eprintln!("notice: {CORPUS} is absent; corpus checks skipped");
        None
    }
}

/// Parses through both front doors (the reader with a tiny buffer) and checks they agree.
pub fn load(format: Format, bytes: &[u8]) -> Loaded {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(format, bytes, &opts).expect("slice parse");
    let b = parse_read(format, BufReader::with_capacity(7, bytes), &opts).expect("reader parse");
    assert_eq!(a.report, b.report, "slice and reader entries disagree");
    assert_eq!(
        a.diagnostics, b.diagnostics,
        "slice and reader diagnostics differ"
    );
    for (path, fc) in &a.report.files {
        fc.check_invariants()
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    a
}

pub fn err_of(format: Format, bytes: &[u8]) -> ParseError {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(format, bytes, &opts).expect_err("slice parse must fail");
    let b = parse_read(format, BufReader::with_capacity(5, bytes), &opts)
        .expect_err("reader parse must fail");
    assert_eq!(a, b);
    a
}

pub fn lc(line: u64, column: u64) -> Option<Position> {
    Some(Position::LineCol {
        line,
        column: Some(column),
    })
}

pub fn line(n: u32) -> Line {
    Line::new(n).unwrap()
}

pub fn at(l: u64, c: u64) -> Option<Position> {
    Some(Position::LineCol {
        line: l,
        column: Some(c),
    })
}

pub fn file<'a>(l: &'a Loaded, path: &str) -> &'a FileCoverage {
    l.report
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no `{path}` in {:?}", l.report.files.keys()))
}

pub fn hits(fc: &FileCoverage) -> Vec<(u32, u64)> {
    fc.lines.iter().map(|h| (h.line.get(), h.hits)).collect()
}

pub fn branch(l: u32, block: u32, n: u32, taken: Option<u64>) -> Branch {
    Branch {
        line: line(l),
        id: BranchId {
            block,
            branch: BranchName::Index(n),
            flags: 0,
        },
        taken,
    }
}

pub fn totals(l: &Loaded) -> [u64; 6] {
    let t = Totals::of_report(&l.report);
    [
        t.lines.hit,
        t.lines.found,
        t.branches.hit,
        t.branches.found,
        t.functions.hit,
        t.functions.found,
    ]
}
