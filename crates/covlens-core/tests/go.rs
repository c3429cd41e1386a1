//! Go coverprofiles: statements and lines from blocks, go tool cover's merging, diagnostics, corpus and fixture totals.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus and the fixtures; the library itself does no IO"
)]

use std::io::BufReader;
use std::path::{Path, PathBuf};

use covlens_core::formats::go;
use covlens_core::{
    detect, merge_reports, parse_bytes, parse_bytes_as, parse_read, Counter, FileCoverage, Format,
    Line, LineHit, Loaded, Measure, ParseError, ParseOptions, Position, Severity, StatementBlock,
    Totals,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn corpus() -> Option<PathBuf> {
    let p = Path::new(CORPUS);
    if p.is_dir() {
        Some(p.to_path_buf())
    } else {
        eprintln!("notice: {CORPUS} is absent; corpus checks skipped");
        None
    }
}

/// Parses through both front doors (the reader with a tiny buffer, so the `mode:` line straddles
/// refills) and checks they agree, fidelity included.
fn load(bytes: &[u8]) -> Loaded {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(Format::Go, bytes, &opts).expect("slice parse");
    let b =
        parse_read(Format::Go, BufReader::with_capacity(3, bytes), &opts).expect("reader parse");
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

fn err_of(bytes: &[u8]) -> ParseError {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(Format::Go, bytes, &opts).expect_err("slice parse must fail");
    let b = parse_read(Format::Go, BufReader::with_capacity(5, bytes), &opts)
        .expect_err("reader parse must fail");
    assert_eq!(a, b);
    a
}

fn line(n: u32) -> Line {
    Line::new(n).unwrap()
}

fn lc(line: u64, column: u64) -> Option<Position> {
    Some(Position::LineCol {
        line,
        column: Some(column),
    })
}

fn block(s: u32, sc: u32, e: u32, ec: u32, statements: u32, hits: u64) -> StatementBlock {
    StatementBlock {
        start: line(s),
        start_col: sc,
        end: line(e),
        end_col: ec,
        statements,
        hits,
    }
}

fn lines(fc: &FileCoverage) -> Vec<(u32, u64)> {
    fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect()
}

fn file<'a>(l: &'a Loaded, path: &str) -> &'a FileCoverage {
    l.report
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no file {path} in {:?}", l.report.files.keys()))
}

fn counter(found: u64, hit: u64) -> Counter {
    Counter { found, hit }
}

#[test]
fn count_blocks_become_statements_and_lines() {
    let l =
        load(b"mode: count\nexample.com/m/a.go:7.11,9.3 1 0\nexample.com/m/a.go:3.20,5.2 2 4\n");
    assert_eq!(l.format, Format::Go);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.report.fidelity, go::FIDELITY);
    assert_eq!(l.report.fidelity.lines, Measure::Counted);
    let fc = file(&l, "example.com/m/a.go");
    assert_eq!(
        fc.statements,
        vec![block(3, 20, 5, 2, 2, 4), block(7, 11, 9, 3, 1, 0)]
    );
    assert_eq!(
        lines(fc),
        vec![(3, 4), (4, 4), (5, 4), (7, 0), (8, 0), (9, 0)]
    );
    assert!(fc.branches.is_empty() && fc.functions.is_empty());
    let t = Totals::of_report(&l.report);
    assert_eq!(t.statements, counter(3, 2));
    assert_eq!(t.lines, counter(6, 3));
    assert_eq!(t.branches, counter(0, 0));
    assert_eq!(t.functions, counter(0, 0));
}

#[test]
fn repeated_blocks_add_in_count_and_atomic_mode() {
    for mode in ["count", "atomic"] {
        let text =
            format!("mode: {mode}\nm/a.go:1.10,2.3 2 3\nm/b.go:4.1,4.9 1 0\nm/a.go:1.10,2.3 2 4\n");
        let l = load(text.as_bytes());
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        assert_eq!(
            file(&l, "m/a.go").statements,
            vec![block(1, 10, 2, 3, 2, 7)]
        );
        assert_eq!(lines(file(&l, "m/a.go")), vec![(1, 7), (2, 7)]);
        assert_eq!(l.records, 2, "one record per file, pushed at the end");
    }
}

#[test]
fn repeated_blocks_or_in_set_mode_and_set_is_boolean() {
    let l = load(b"mode: set\nm/a.go:1.10,2.3 2 1\nm/a.go:5.1,6.2 1 0\nm/a.go:1.10,2.3 2 1\nm/a.go:5.1,6.2 1 1\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.report.fidelity, go::FIDELITY_SET);
    assert_eq!(l.report.fidelity.lines, Measure::Boolean);
    assert_eq!(l.report.fidelity.branches, Measure::Absent);
    assert_eq!(l.report.fidelity.functions, Measure::Absent);
    let fc = file(&l, "m/a.go");
    assert_eq!(
        fc.statements,
        vec![block(1, 10, 2, 3, 2, 1), block(5, 1, 6, 2, 1, 1)]
    );
    assert_eq!(lines(fc), vec![(1, 1), (2, 1), (5, 1), (6, 1)]);
    // parse_bytes (detection) gives the same fidelity.
    let d = parse_bytes(
        b"mode: set\nm/a.go:1.10,2.3 2 1\n",
        &ParseOptions::default(),
    )
    .unwrap();
    assert_eq!(d.report.fidelity, go::FIDELITY_SET);
    assert_eq!(go::fidelity_of(b"\n\nmode: set\n"), go::FIDELITY_SET);
    assert_eq!(go::fidelity_of(b"mode: atomic\n"), go::FIDELITY);
}

#[test]
fn a_line_where_blocks_meet_takes_the_larger_count() {
    // gocoverutil's package2: `if` ends the first block at 10.28 and its body starts there.
    let l = load(
        b"mode: count\nm/f.go:9.17,10.28 1 1\nm/f.go:10.28,13.10 3 0\nm/f.go:14.17,15.36 1 6\n",
    );
    assert_eq!(
        lines(file(&l, "m/f.go")),
        vec![(9, 1), (10, 1), (11, 0), (12, 0), (13, 0), (14, 6), (15, 6)]
    );
    assert_eq!(Totals::of_report(&l.report).statements, counter(5, 2));
}

#[test]
fn a_nested_block_wins_on_the_lines_strictly_inside_it() {
    // Not what go test writes (it ends a block where a function literal starts), but a profile may.
    let l = load(b"mode: count\nm/n.go:1.1,10.2 1 5\nm/n.go:3.10,6.3 1 0\nm/n.go:4.2,4.9 1 2\n");
    assert_eq!(
        lines(file(&l, "m/n.go")),
        vec![
            (1, 5),
            (2, 5),
            (3, 5),
            (4, 2),
            (5, 0),
            (6, 5),
            (7, 5),
            (8, 5),
            (9, 5),
            (10, 5)
        ]
    );
}

#[test]
fn a_different_statement_count_for_the_same_block_keeps_the_larger() {
    let l = load(b"mode: count\nm/a.go:1.1,2.2 2 1\nm/a.go:1.1,2.2 3 1\n");
    assert_eq!(file(&l, "m/a.go").statements, vec![block(1, 1, 2, 2, 3, 2)]);
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].severity, Severity::Warning);
    assert_eq!(
        l.diagnostics[0].position,
        Some(Position::LineCol {
            line: 3,
            column: None
        })
    );
    assert_eq!(
        l.diagnostics[0].message,
        "block 1.1,2.2 repeated with 3 statement(s) instead of 2; kept 3"
    );
}

#[test]
fn paths_are_kept_as_written_even_with_colons_and_spaces() {
    let l = load(b"mode: set\r\n\r\nC:/src/my dir/a.go:1.2,3.4 1 1\r\n_/abs/path/b.go:2.1,2.9 0 0");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let paths: Vec<&str> = l.report.files.keys().map(String::as_str).collect();
    assert_eq!(paths, ["C:/src/my dir/a.go", "_/abs/path/b.go"]);
    assert_eq!(
        file(&l, "_/abs/path/b.go").statements,
        vec![block(2, 1, 2, 9, 0, 0)]
    );
    assert_eq!(Totals::of_report(&l.report).statements, counter(1, 1));
}

#[test]
fn malformed_block_lines_are_skipped_with_their_position() {
    let text = concat!(
        "mode: count\n",
        "a.go:1.2,3.4 1 x\n",
        "a.go:1.2,3 1 1\n",
        "a.go:0.1,2.1 1 1\n",
        "a.go:5.1,6.1 1 -3\n",
        "a.go:7.1,7.5 1 99999999999999999999\n",
        "  a.go:8.1,8.5 z 1\n",
        "no position here\n",
        "a.go:9.1,9.4 1 2\n",
    );
    let l = load(text.as_bytes());
    let got: Vec<(Option<Position>, &str)> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (lc(2, 16), "count is not a number: `x`; block skipped"),
            (
                lc(3, 1),
                "malformed block position (missing end line); block skipped"
            ),
            (lc(4, 6), "start line 0 (lines are 1-based); block skipped"),
            (lc(5, 16), "negative count -3 clamped to 0"),
            (lc(6, 16), "count above 18446744073709551615 saturated"),
            (
                lc(7, 16),
                "statement count is not a number: `z`; block skipped"
            ),
            (
                lc(8, 1),
                "malformed block position (missing end column); block skipped"
            ),
        ]
    );
    assert!(l
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning));
    assert_eq!(
        file(&l, "a.go").statements,
        vec![
            block(5, 1, 6, 1, 1, 0),
            block(7, 1, 7, 5, 1, u64::MAX),
            block(9, 1, 9, 4, 1, 2)
        ]
    );
    let rendered = l.diagnostics[0].render("cover.out");
    assert_eq!(
        rendered,
        "cover.out:2:16: warning: count is not a number: `x`; block skipped"
    );
}

#[test]
fn a_profile_without_a_mode_line_is_an_error_at_its_first_line() {
    let e = err_of(b"\n  a.go:1.2,3.4 1 1\n");
    assert_eq!(e.format, Some(Format::Go));
    assert_eq!(e.position, lc(2, 3));
    assert_eq!(
        e.render("cover.out"),
        "cover.out: failed to parse Go coverprofile at 2:3: a Go coverage profile starts with a `mode:` line (set, count or atomic)"
    );
    // An empty input is an empty report.
    let l = load(b"");
    assert!(l.report.files.is_empty() && l.diagnostics.is_empty());
}

#[test]
fn unknown_and_mixed_modes_are_warned_about() {
    let l = load(b"mode: weird\na.go:1.1,1.5 1 2\nmode: count\nmode: set\na.go:1.1,1.5 1 3\n");
    let got: Vec<(Option<Position>, &str)> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (lc(1, 1), "unknown mode in `mode: weird` (expected set, count or atomic); read as count"),
            (lc(4, 1), "`mode: set` after `mode: count`: the profile mixes modes; its blocks are merged as count"),
        ]
    );
    assert_eq!(file(&l, "a.go").statements, vec![block(1, 1, 1, 5, 1, 5)]);
    assert_eq!(l.report.fidelity, go::FIDELITY);
}

#[test]
fn a_block_that_ends_before_it_starts_counts_its_statements_on_its_start_line() {
    let l = load(b"mode: count\na.go:5.3,4.1 2 1\n");
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].position, lc(2, 6));
    assert_eq!(lines(file(&l, "a.go")), vec![(5, 1)]);
    assert_eq!(Totals::of_report(&l.report).statements, counter(2, 2));
}

#[test]
fn detected_from_content() {
    assert_eq!(detect(b"mode: set\na.go:1.2,3.4 1 1\n"), Some(Format::Go));
    assert_eq!(detect(b"\xEF\xBB\xBF\n mode: atomic\r\n"), Some(Format::Go));
    assert_eq!(detect(b"mode: count"), Some(Format::Go));
    assert_eq!(detect(b"mode: other\n"), None);
    assert_eq!(Format::from_id("go"), Some(Format::Go));
    assert_eq!(Format::Go.display_name(), "Go coverprofile");
}

#[test]
fn merging_two_jobs_adds_block_hits() {
    let a = load(b"mode: count\nm/a.go:1.1,2.2 1 1\nm/a.go:3.1,4.2 2 0\n");
    let b = load(b"mode: count\nm/a.go:3.1,4.2 2 5\nm/a.go:6.1,6.9 1 0\n");
    let mut m = a.report.clone();
    assert!(merge_reports(&mut m, &b.report).is_empty());
    let fc = &m.files["m/a.go"];
    assert_eq!(
        fc.statements,
        vec![
            block(1, 1, 2, 2, 1, 1),
            block(3, 1, 4, 2, 2, 5),
            block(6, 1, 6, 9, 1, 0)
        ]
    );
    assert_eq!(
        fc.lines,
        vec![
            LineHit {
                line: line(1),
                hits: 1
            },
            LineHit {
                line: line(2),
                hits: 1
            },
            LineHit {
                line: line(3),
                hits: 5
            },
            LineHit {
                line: line(4),
                hits: 5
            },
            LineHit {
                line: line(6),
                hits: 0
            },
        ]
    );
    assert_eq!(Totals::of_report(&m).statements, counter(4, 3));
}

/// Statement totals of every corpus profile, computed by hand with `go tool cover`'s rules (blocks
/// merged by position, set: or, count/atomic: sum); the percentages are those `go tool cover -func`
/// prints for them.
#[test]
fn corpus_profiles_load_with_exact_totals() {
    let Some(dir) = corpus() else { return };
    let cases: [(&str, usize, Counter, Counter, Measure); 5] = [
        (
            "go/gocoverutil-merged-count.out",
            3,
            counter(12, 12),
            counter(25, 25),
            Measure::Counted,
        ),
        (
            "go/gocoverutil-package1-count.out",
            2,
            counter(3, 2),
            counter(9, 6),
            Measure::Counted,
        ),
        (
            "go/gocoverutil-package2-count.out",
            1,
            counter(9, 8),
            counter(16, 13),
            Measure::Counted,
        ),
        (
            "go/grcov-go-atomic.out",
            2,
            counter(299, 253),
            counter(503, 446),
            Measure::Counted,
        ),
        (
            "go/shlike-set.out",
            4,
            counter(216, 195),
            counter(366, 326),
            Measure::Boolean,
        ),
    ];
    let mut seen: Vec<String> = std::fs::read_dir(dir.join("go"))
        .expect("corpus/go")
        .map(|e| format!("go/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    seen.sort();
    let mut listed: Vec<String> = cases.iter().map(|c| c.0.to_string()).collect();
    listed.sort();
    assert_eq!(seen, listed, "every corpus Go profile has a case here");
    for (rel, files, statements, lines, measure) in cases {
        let bytes = std::fs::read(dir.join(rel)).unwrap();
        assert_eq!(detect(&bytes), Some(Format::Go), "{rel}");
        let l = load(&bytes);
        assert!(l.diagnostics.is_empty(), "{rel}: {:?}", l.diagnostics);
        assert_eq!(l.report.files.len(), files, "{rel}");
        let t = Totals::of_report(&l.report);
        assert_eq!(t.statements, statements, "{rel}");
        assert_eq!(t.lines, lines, "{rel}");
        assert_eq!(l.report.fidelity.lines, measure, "{rel}");
    }
    // The unsorted set profile: blocks come out sorted, a 0-statement block is kept.
    let l = load(&std::fs::read(dir.join("go/shlike-set.out")).unwrap());
    let fc = file(&l, "github.com/3ofcoins/shlike/helpers.go");
    assert_eq!(
        fc.statements[..4],
        [
            block(6, 32, 8, 74, 1, 1),
            block(8, 74, 10, 3, 1, 1),
            block(10, 4, 12, 3, 1, 1),
            block(17, 39, 19, 27, 2, 1)
        ]
    );
    let zero = file(&l, "github.com/3ofcoins/shlike/lexer.go")
        .statements
        .iter()
        .find(|b| b.start == line(120) && b.start_col == 4)
        .copied();
    assert_eq!(zero, Some(block(120, 4, 120, 19, 0, 1)));
}

/// The fixtures made by `go test` (tests/fixtures/go): statement totals equal expected.json's, which
/// regen.sh checked against go's own percentages.
#[test]
fn fixture_profiles_give_go_s_own_statement_totals() {
    let path = Path::new(FIXTURES).join("expected.json");
    let Ok(text) = std::fs::read(&path) else {
        eprintln!(
            "notice: {} is absent; fixture checks skipped",
            path.display()
        );
        return;
    };
    let expected: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let mut checked = 0;
    for e in expected["entries"].as_array().unwrap() {
        if e["format"] != "go" {
            continue;
        }
        let rel = e["path"].as_str().unwrap();
        let want = counter(
            e["statements"]["found"].as_u64().unwrap(),
            e["statements"]["hit"].as_u64().unwrap(),
        );
        let l = load(&std::fs::read(Path::new(FIXTURES).join(rel)).unwrap());
        assert!(l.diagnostics.is_empty(), "{rel}: {:?}", l.diagnostics);
        let t = Totals::of_report(&l.report);
        assert_eq!(t.statements, want, "{rel}");
        let percent = format!("{:.1}", t.statements.percent().unwrap());
        assert_eq!(percent, e["statements_percent"].as_str().unwrap(), "{rel}");
        checked += 1;
    }
    assert_eq!(checked, 7, "expected.json lists 7 Go profiles");
    // Merging the two job profiles gives go tool cover's merge of their concatenation.
    for mode in ["count", "set"] {
        let read = |name: &str| {
            load(&std::fs::read(Path::new(FIXTURES).join(format!("go/{name}.{mode}.out"))).unwrap())
        };
        let (a, b, merged) = (read("job1"), read("job2"), read("merged"));
        let mut m = a.report.clone();
        merge_reports(&mut m, &b.report);
        let (tm, tc) = (Totals::of_report(&m), Totals::of_report(&merged.report));
        assert_eq!(tm.statements, tc.statements, "{mode}");
        assert_eq!(tm.statements, counter(28, 24), "{mode}");
        // Same lines covered either way (counts may differ: a line takes the max of its blocks).
        assert_eq!(tm.lines, tc.lines, "{mode}");
    }
}

#[test]
fn a_hostile_block_span_is_cut_at_the_spread_budget() {
    // 4e9 lines from one short line: the statements count, the lines stop at the budget
    // (2^22 plus 64 per block of the input).
    let l = load(b"mode: count\na.go:1.1,4000000000.1 2 1\nb.go:3.1,4.1 1 1\n");
    assert_eq!(Totals::of_report(&l.report).statements, counter(3, 3));
    let a = file(&l, "a.go");
    assert_eq!(a.lines.len(), (1 << 22) + 128);
    assert_eq!(
        a.lines.last().map(|l| (l.line.get(), l.hits)),
        Some(((1 << 22) + 128, 1))
    );
    assert!(file(&l, "b.go").lines.is_empty());
    let got: Vec<&str> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        got,
        [
            "a.go: the profile's blocks span more lines than a profile of its size can hold; the rest are not shown as lines (statements are all counted)",
            "b.go: the profile's blocks span more lines than a profile of its size can hold; the rest are not shown as lines (statements are all counted)",
        ]
    );
}
