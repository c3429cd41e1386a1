//! gcovr JSON parser: exact values per rule (exclusions, noncode lines, functions by `lineno`),
//! diagnostics with positions, slice vs streaming entries, and the corpus and fixture files against
//! gcovr's own summaries.

// The ban on IO is for the library; its tests read the shared corpus.
#![allow(clippy::disallowed_methods)]

use std::io::BufReader;
use std::path::Path;

use covlens_core::{
    detect, parse_bytes, parse_bytes_as, parse_read, Branch, BranchId, BranchName, Diagnostic,
    Format, Function, Loaded, ParseOptions, Position,
};

mod common;
use common::{file, line, totals};

const FORMAT: Format = Format::GcovrJson;

fn load(input: &str) -> Loaded {
    let bytes = input.as_bytes();
    let slice = parse_bytes_as(FORMAT, bytes, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("slice entry failed: {}", e.render("input")));
    let read = parse_read(
        FORMAT,
        BufReader::with_capacity(7, bytes),
        &ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("reader entry failed: {}", e.render("input")));
    assert_eq!(slice.report, read.report);
    assert_eq!(slice.diagnostics, read.diagnostics);
    for (path, fc) in &slice.report.files {
        fc.check_invariants()
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    slice
}

fn branch(l: u32, n: u32, taken: Option<u64>) -> Branch {
    Branch {
        line: line(l),
        id: BranchId {
            block: 0,
            branch: BranchName::Index(n),
            flags: 0,
        },
        taken,
    }
}

#[test]
fn lines_branches_functions_and_exclusions() {
    let l = load(
        r#"{"gcovr/format_version": "0.15", "files": [{"file": "src/a.c",
  "lines": [
    {"line_number": 5, "function_name": "f", "count": 3, "branches": [
       {"branchno": 0, "count": 3, "fallthrough": true, "throw": false, "source_block_id": 2},
       {"branchno": 1, "count": 0, "fallthrough": false, "throw": false, "source_block_id": 2},
       {"branchno": 2, "count": 9, "gcovr/excluded": true}],
     "conditions": [{"conditionno": 0, "count": 2, "covered": 1}], "gcovr/decision": {"type": "conditional", "count_true": 3, "count_false": 0},
     "calls": [{"callno": 0, "source_block_id": 2, "returned": 1}], "gcovr/md5": "abc"},
    {"line_number": 6, "count": 0, "branches": [{"count": 0}, {"count": 0}]},
    {"line_number": 7, "count": 5, "branches": [], "gcovr/excluded": true},
    {"line_number": 8, "count": 0, "branches": [], "gcovr/noncode": true}],
  "functions": [
    {"name": "_Z1fv", "demangled_name": "f()", "lineno": 4, "execution_count": 3, "blocks_percent": 80.0, "pos": ["4:1", "9:1"]},
    {"name": "g", "lineno": 12, "execution_count": 0, "gcovr/excluded": true}]}]}"#,
    );
    assert_eq!(l.format, FORMAT);
    let fc = file(&l, "src/a.c");
    let hits: Vec<(u32, u64)> = fc.lines.iter().map(|h| (h.line.get(), h.hits)).collect();
    assert_eq!(hits, vec![(5, 3), (6, 0)]);
    assert_eq!(
        fc.branches,
        vec![
            branch(5, 0, Some(3)),
            branch(5, 1, Some(0)),
            branch(6, 0, None),
            branch(6, 1, None)
        ]
    );
    assert_eq!(
        fc.functions,
        vec![Function {
            name: "_Z1fv".into(),
            start: line(4),
            end: None,
            hits: 3
        }]
    );
    assert_eq!(
        l.diagnostics,
        vec![Diagnostic::note(
            None,
            "3 line(s), branch(es) or function(s) marked gcovr/excluded were skipped, as gcovr's totals skip them"
        )]
    );
    assert_eq!(totals(&l), [1, 2, 1, 4, 1, 1]);
}

#[test]
fn malformed_entries_and_versions() {
    let l = load(
        r#"{"gcovr/format_version": "1.0", "files": [{"file": "a.c",
  "lines": [{"line_number": 1, "count": 2}, {"line_number": 2}, {"line_number": 3, "count": -1}],
  "functions": [{"name": "f", "execution_count": 1}]}]}"#,
    );
    let hits: Vec<(u32, u64)> = file(&l, "a.c")
        .lines
        .iter()
        .map(|h| (h.line.get(), h.hits))
        .collect();
    assert_eq!(hits, vec![(1, 2), (3, 0)]);
    let at = |l: u64, c: u64| {
        Some(Position::LineCol {
            line: l,
            column: Some(c),
        })
    };
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::note(
                None,
                "format version 1.0 is newer than those covlens knows; unknown keys are skipped"
            ),
            Diagnostic::warning(at(2, 62), "line entry skipped: missing field `count`"),
            Diagnostic::warning(at(2, 65), "negative line count -1 clamped to 0"),
            Diagnostic::warning(at(3, 17), "function `f` skipped: no valid start line"),
        ]
    );
}

#[test]
fn detection() {
    assert_eq!(
        detect(b"{\n    \"gcovr/format_version\": \"0.15\",\n    \"files\": ["),
        Some(FORMAT)
    );
    // gcovr's summary is not a coverage report.
    assert_eq!(
        detect(b"{\"root\": \"..\", \"gcovr/summary_format_version\": \"0.6\", \"files\": []}"),
        None
    );
}

/// The corpus file and the fixtures, against gcovr's own numbers: the fixtures' `--json-summary`
/// (tests/fixtures/gcovr/jobN.summary.json); for the corpus file (gcovr's decisions test, gcc 14), a
/// reading of the file by gcovr's rules (9 lines all covered, 8 branches of which 5 taken, 2 functions).
const FILES: &[(&str, [u64; 6])] = &[
    (
        "../../../shared/corpus/gcovr-json/gcovr-decisions-neg-delta-gcc14.json",
        [9, 9, 5, 8, 2, 2],
    ),
    (
        "../../tests/fixtures/gcovr/job1.json",
        [48, 104, 26, 74, 7, 10],
    ),
    (
        "../../tests/fixtures/gcovr/job2.json",
        [47, 104, 27, 74, 7, 10],
    ),
];

#[test]
fn corpus_and_fixtures_give_gcovrs_totals() {
    for (rel, want) in FILES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("notice: {} is absent; skipped", path.display());
            continue;
        };
        let l = parse_bytes(&bytes, &ParseOptions::default()).unwrap();
        assert_eq!(l.format, FORMAT, "{rel}");
        // No diagnostics on any of them.
        assert_eq!(l.diagnostics, vec![], "{rel}");
        assert_eq!(totals(&l), *want, "{rel}");
    }
    // The fixtures' numbers are gcovr's --json-summary.
    let summary =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gcovr/job1.summary.json");
    if let Ok(s) = std::fs::read(summary) {
        let v: serde_json::Value = serde_json::from_slice(&s).unwrap();
        let n = |k: &str| v[k].as_u64().unwrap();
        assert_eq!(
            [
                n("line_covered"),
                n("line_total"),
                n("branch_covered"),
                n("branch_total"),
                n("function_covered"),
                n("function_total")
            ],
            FILES[1].1
        );
    }
}
