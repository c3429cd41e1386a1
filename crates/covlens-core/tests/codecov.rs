//! Codecov JSON parser: hits, `covered/total` partial lines as positional branches, `null`, the list
//! form, diagnostics with positions, slice vs streaming entries, and every corpus and fixture file.

// The ban on IO is for the library; its tests read the shared corpus.
#![allow(clippy::disallowed_methods)]

use std::io::BufReader;
use std::path::Path;

use covlens_core::{
    detect, parse_bytes, parse_bytes_as, parse_read, Branch, BranchId, BranchName, Diagnostic,
    Format, Line, Loaded, ParseOptions,
};

mod common;
use common::{at, file, hits, totals};

const FORMAT: Format = Format::Codecov;

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

fn branch(l: u32, n: u32, taken: u64) -> Branch {
    Branch {
        line: Line::new(l).unwrap(),
        id: BranchId {
            block: 0,
            branch: BranchName::Index(n),
            flags: 0,
        },
        taken: Some(taken),
    }
}

#[test]
fn hits_partials_and_nulls() {
    let l = load(
        r#"{"coverage": {"src/a.py": {"1": 3, "2": 0, "3": "1/2", "4": "0/3", "5": null, "7": "2/2", "8": "4"}}}"#,
    );
    assert_eq!(l.format, FORMAT);
    let fc = file(&l, "src/a.py");
    // "c/t": hit (as 1) when c > 0; its t branches positional, the first c taken.
    assert_eq!(
        hits(fc),
        vec![(1, 3), (2, 0), (3, 1), (4, 0), (7, 1), (8, 4)]
    );
    assert_eq!(
        fc.branches,
        vec![
            branch(3, 0, 1),
            branch(3, 1, 0),
            branch(4, 0, 0),
            branch(4, 1, 0),
            branch(4, 2, 0),
            branch(7, 0, 1),
            branch(7, 1, 1),
        ]
    );
    assert_eq!(totals(&l), [4, 6, 3, 7, 0, 0]);
    assert_eq!(
        l.diagnostics,
        vec![Diagnostic::note(
            None,
            "3 line(s) give only covered/total, no hit count: each is stored as 1 hit when anything on it ran (a lower bound), its total as positional branches"
        )]
    );
}

#[test]
fn the_list_form_gives_line_i_at_index_i() {
    let l = load(r#"{"coverage": {"b.rb": [null, 1, 0, null, "1/2"], "c.rb": []}}"#);
    assert_eq!(hits(file(&l, "b.rb")), vec![(1, 1), (2, 0), (4, 1)]);
    assert!(file(&l, "c.rb").is_empty());
}

#[test]
fn bad_values_are_named_by_position_and_skipped() {
    let l = load(
        "{\"coverage\": {\n \"a.c\": {\"0\": 1, \"x\": 2, \"3\": -4, \"4\": \"3/2\", \"5\": \"a/b\", \"6\": true, \"7\": 1.5},\n \"b.c\": 7,\n \"c.c\": [0, 1]\n}}",
    );
    assert_eq!(hits(file(&l, "a.c")), vec![(3, 0), (4, 1)]);
    assert_eq!(hits(file(&l, "c.c")), vec![(1, 1)]);
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::warning(at(2, 15), "a.c: line key `0` is not a line number (1 or more); skipped"),
            Diagnostic::warning(at(2, 23), "a.c: line key `x` is not a line number (1 or more); skipped"),
            Diagnostic::warning(at(2, 31), "line 3: negative hits -4 clamped to 0"),
            Diagnostic::warning(at(2, 40), "line 4: 3 of 2 covered; read as 2 of 2"),
            Diagnostic::warning(at(2, 52), "line 5: \"a/b\" is not covered/total; skipped"),
            Diagnostic::warning(
                at(2, 64),
                "line 6: expected hits, \"covered/total\" or null, found `true`; skipped"
            ),
            Diagnostic::warning(at(2, 75), "line 7: hits 1.5 is not an integer; skipped"),
            Diagnostic::warning(at(3, 9), "b.c: file skipped: expected an object of lines or a list"),
            Diagnostic::warning(at(4, 10), "c.c: index 0 of the line list is not a line; skipped"),
            Diagnostic::note(
                None,
                "1 line(s) give only covered/total, no hit count: each is stored as 1 hit when anything on it ran (a lower bound), its total as positional branches"
            ),
        ]
    );
    let e = parse_bytes_as(FORMAT, b"{\"coverage\": [1]}", &ParseOptions::default()).unwrap_err();
    assert_eq!(e.position, at(1, 14));
    assert_eq!(
        e.message,
        "`coverage` is not an object of files: invalid type: sequence, expected an object"
    );
    let e = parse_bytes_as(FORMAT, b"{\"files\": {}}", &ParseOptions::default()).unwrap_err();
    assert_eq!(e.message, "missing field `coverage`");
}

#[test]
fn detection() {
    assert_eq!(
        detect(br#"{"coverage":{"src/lib.rs":{"1":"1/1"}}}"#),
        Some(FORMAT)
    );
    assert_eq!(
        detect(b"{ \"coverage\" : { \"a \\\"q\\\".py\" : [ null, 1 ] } }"),
        Some(FORMAT)
    );
    // SimpleCov's coverage.json has objects of `lines`, not line numbers.
    assert_eq!(
        detect(br#"{"coverage":{"/a.rb":{"lines":[null,1]}}}"#),
        None
    );
}

/// Corpus and fixture files: covlens' totals. The cargo-llvm-cov files count regions per line
/// (`"3/4"`), which Codecov, and covlens, read as branches; their line numbers equal the union reading
/// of the same run's llvm-cov export (tests/fixtures: plain 33/40, generics 13/16).
const FILES: &[(&str, [u64; 6])] = &[
    (
        "../../../shared/corpus/codecov/cargo-llvm-cov-merge.codecov.json",
        [7, 7, 11, 11, 0, 0],
    ),
    (
        "../../../shared/corpus/codecov/cargo-llvm-cov-no-cfg-coverage.codecov.json",
        [17, 25, 17, 31, 0, 0],
    ),
    (
        "../../../shared/corpus/codecov/cargo-llvm-cov-virtual1-workspace.codecov.json",
        [33, 46, 33, 46, 0, 0],
    ),
    (
        "../../tests/fixtures/codecov/plain.codecov.json",
        [33, 40, 47, 57, 0, 0],
    ),
    (
        "../../tests/fixtures/codecov/generics.codecov.json",
        [13, 16, 23, 30, 0, 0],
    ),
];

#[test]
fn corpus_and_fixtures() {
    for (rel, want) in FILES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("notice: {} is absent; skipped", path.display());
            continue;
        };
        let l = parse_bytes(&bytes, &ParseOptions::default()).unwrap();
        assert_eq!(l.format, FORMAT, "{rel}");
        assert_eq!(totals(&l), *want, "{rel}");
        // Every file of these gives the one note about covered/total lines, nothing else.
        assert_eq!(l.diagnostics.len(), 1, "{rel}: {:?}", l.diagnostics);
        assert!(
            l.diagnostics[0].message.contains("give only covered/total"),
            "{rel}"
        );
    }
}
