//! coverage.py JSON: statements, arcs as branches, functions, diagnostics, and totals equal to coverage.py's own.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus and the fixtures; the library itself does no IO"
)]

use std::io::BufReader;
use std::path::{Path, PathBuf};

use covlens_core::formats::coveragepy;
use covlens_core::{
    detect, merge_reports, parse_bytes, parse_bytes_as, parse_read, BranchName, Counter,
    FileCoverage, Format, Loaded, Measure, ParseError, ParseOptions, Position, Severity, Totals,
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

/// Parses through both front doors and checks they agree.
fn load(bytes: &[u8]) -> Loaded {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(Format::CoveragepyJson, bytes, &opts).expect("slice parse");
    let b = parse_read(
        Format::CoveragepyJson,
        BufReader::with_capacity(7, bytes),
        &opts,
    )
    .expect("reader parse");
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
    let a =
        parse_bytes_as(Format::CoveragepyJson, bytes, &opts).expect_err("slice parse must fail");
    let b = parse_read(
        Format::CoveragepyJson,
        BufReader::with_capacity(5, bytes),
        &opts,
    )
    .expect_err("reader parse must fail");
    assert_eq!(a, b);
    a
}

fn lc(line: u64, column: u64) -> Option<Position> {
    Some(Position::LineCol {
        line,
        column: Some(column),
    })
}

fn counter(found: u64, hit: u64) -> Counter {
    Counter { found, hit }
}

fn file<'a>(l: &'a Loaded, path: &str) -> &'a FileCoverage {
    l.report
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no file {path} in {:?}", l.report.files.keys()))
}

fn lines(fc: &FileCoverage) -> Vec<(u32, u64)> {
    fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect()
}

/// (line, block, destination, taken)
fn branches(fc: &FileCoverage) -> Vec<(u32, u32, u32, Option<u64>)> {
    fc.branches
        .iter()
        .map(|b| {
            let BranchName::Index(d) = b.id.branch else {
                panic!("named branch {:?}", b.id)
            };
            (b.line.get(), b.id.block, d, b.taken)
        })
        .collect()
}

fn functions(fc: &FileCoverage) -> Vec<(&str, u32, u64)> {
    fc.functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect()
}

const SAMPLE: &str = r#"{"meta": {"format": 3, "version": "7.17.3", "timestamp": "2024-01-01T00:00:00.000000", "branch_coverage": true, "show_contexts": true},
 "files": {
  "pkg\\mod.py": {
   "executed_lines": [1, 2, 4, 5, 9],
   "missing_lines": [3, 10],
   "excluded_lines": [4, 12],
   "executed_branches": [[2, 3], [2, 5], [5, 9], [9, -1]],
   "missing_branches": [[5, 6], [9, 10]],
   "contexts": {"1": [""], "2": ["test_a", "test_b"]},
   "summary": {"covered_lines": 4, "num_statements": 6, "percent_covered": 62.5, "missing_lines": 2,
               "excluded_lines": 2, "num_branches": 6, "num_partial_branches": 2, "covered_branches": 4,
               "missing_branches": 2},
   "functions": {
     "f": {"executed_lines": [2, 5], "missing_lines": [3], "excluded_lines": [], "start_line": 1},
     "C.g": {"executed_lines": [], "missing_lines": [10], "excluded_lines": [], "start_line": 8},
     "skipped": {"executed_lines": [], "missing_lines": [], "excluded_lines": [12], "start_line": 11},
     "": {"executed_lines": [1, 9], "missing_lines": [], "excluded_lines": [], "start_line": 1}
   },
   "classes": {"C": {"executed_lines": [9], "missing_lines": [10], "start_line": 7}, "": {}}
  }
 },
 "totals": {"covered_lines": 4, "num_statements": 6}
}"#;

#[test]
fn statements_arcs_and_functions() {
    let l = load(SAMPLE.as_bytes());
    assert_eq!(l.format, Format::CoveragepyJson);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.report.fidelity, coveragepy::FIDELITY);
    assert_eq!(l.report.fidelity.lines, Measure::Boolean);
    // The path is kept as written (a Windows report's separators included).
    let fc = file(&l, "pkg\\mod.py");
    // 4 is excluded although listed as executed (old coverage.py): not a statement.
    assert_eq!(
        lines(fc),
        vec![(1, 1), (2, 1), (3, 0), (5, 1), (9, 1), (10, 0)]
    );
    assert_eq!(
        branches(fc),
        vec![
            (2, 0, 3, Some(1)),
            (2, 0, 5, Some(1)),
            (5, 0, 6, Some(0)),
            (5, 0, 9, Some(1)),
            (9, 0, 10, Some(0)),
            (9, 1, 1, Some(1)),
        ]
    );
    assert!(fc.branches.iter().all(|b| b.id.flags == 0));
    // "" is the module outside functions; "skipped" has no statements.
    assert_eq!(functions(fc), vec![("C.g", 8, 0), ("f", 1, 1)]);
    assert!(fc.functions.iter().all(|f| f.end.is_none()));
    let t = Totals::of_report(&l.report);
    assert_eq!(t.lines, counter(6, 4));
    assert_eq!(t.branches, counter(6, 4));
    assert_eq!(t.functions, counter(2, 1));
    assert_eq!(t.statements, counter(0, 0));
}

#[test]
fn reports_without_branches_or_functions() {
    let l = load(br#"{"files": {"a.py": {"executed_lines": [1], "missing_lines": [2], "excluded_lines": []}, "b.py": {}}}"#);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(lines(file(&l, "a.py")), vec![(1, 1), (2, 0)]);
    assert!(file(&l, "a.py").branches.is_empty() && file(&l, "a.py").functions.is_empty());
    assert!(file(&l, "b.py").is_empty());
    assert_eq!(l.report.files.len(), 2);
}

#[test]
fn merging_two_runs_unions_lines_and_arcs() {
    let a = load(br#"{"files": {"a.py": {"executed_lines": [1, 2], "missing_lines": [3], "executed_branches": [[2, 3]], "missing_branches": [[2, -1]]}}}"#);
    let b = load(br#"{"files": {"a.py": {"executed_lines": [1, 3], "missing_lines": [2], "executed_branches": [[2, -1]], "missing_branches": [[2, 3]]}}}"#);
    let mut m = a.report.clone();
    assert!(merge_reports(&mut m, &b.report).is_empty());
    let fc = &m.files["a.py"];
    assert_eq!(lines(fc), vec![(1, 2), (2, 1), (3, 1)]);
    assert_eq!(branches(fc), vec![(2, 0, 3, Some(1)), (2, 1, 1, Some(1))]);
    let t = Totals::of_report(&m);
    assert_eq!((t.lines, t.branches), (counter(3, 3), counter(2, 2)));
}

#[test]
fn json_that_does_not_parse_is_an_error_at_its_line_and_column() {
    let e = err_of(b"{\n \"files\": {\n  \"a.py\": {\"executed_lines\": [1,]}\n }\n}\n");
    assert_eq!(e.format, Some(Format::CoveragepyJson));
    assert_eq!(e.position, lc(3, 33));
    assert_eq!(
        e.render("coverage.json"),
        "coverage.json: failed to parse coverage.py JSON at 3:33: expected value"
    );
    // A BOM shifts the columns of the first line.
    let e = err_of(b"\xEF\xBB\xBF{\"files\": x}");
    assert_eq!(e.position, lc(1, 14));
    let e = err_of(br#"{"meta": {"format": 3}}"#);
    assert_eq!(e.position, None);
    assert_eq!(
        e.message,
        "no `files` object: not a coverage.py JSON report"
    );
    let e = err_of(b" \n [1, 2]");
    assert_eq!(e.position, lc(2, 2));
    assert_eq!(e.message, "expected a JSON object (a coverage.py report)");
    let e = err_of(b"");
    assert_eq!(e.message, "EOF while parsing a value");
}

#[test]
fn a_broken_file_entry_is_skipped_at_its_position() {
    let text = "{\"files\": {\n  \"a.py\": {\"executed_lines\": [1]},\n  \"b.py\": {\n    \"executed_lines\": \"1, 2\"},\n  \"c.py\": {\"missing_branches\": [[1]]}, \"d.py\": {\"missing_lines\": [2]}}}";
    let l = load(text.as_bytes());
    let got: Vec<(Option<Position>, Severity, &str)> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.severity, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                lc(4, 28),
                Severity::Warning,
                "file entry `b.py` is not a coverage.py file object (invalid type: string \"1, 2\", expected a sequence); skipped"
            ),
            (
                lc(5, 35),
                Severity::Warning,
                "file entry `c.py` is not a coverage.py file object (invalid length 1, expected a tuple of size 2); skipped"
            ),
        ]
    );
    let paths: Vec<&str> = l.report.files.keys().map(String::as_str).collect();
    assert_eq!(paths, ["a.py", "d.py"]);
}

#[test]
fn numbers_that_are_not_lines_are_skipped_with_a_warning() {
    let l = load(br#"{"files": {"a.py": {"executed_lines": [0, 1, 4294967296], "missing_lines": [-2, 3], "executed_branches": [[1, 0], [0, 2], [1, 2]], "missing_branches": [[3, -4294967296]]}}}"#);
    let got: Vec<(Option<Position>, &str)> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    let at = lc(1, 20);
    assert_eq!(
        got,
        vec![
            (at, "`a.py`: executed line 0 is not a line number; skipped"),
            (
                at,
                "`a.py`: executed line 4294967296 is not a line number; skipped"
            ),
            (at, "`a.py`: missing line -2 is not a line number; skipped"),
            (
                at,
                "`a.py`: executed branch [1, 0] has no valid destination; skipped"
            ),
            (
                at,
                "`a.py`: executed branch [0, 2]: from line 0 is not a line number; skipped"
            ),
            (
                at,
                "`a.py`: missing branch [3, -4294967296] has no valid destination; skipped"
            ),
        ]
    );
    let fc = file(&l, "a.py");
    assert_eq!(lines(fc), vec![(1, 1), (3, 0)]);
    assert_eq!(branches(fc), vec![(1, 0, 2, Some(1))]);
}

#[test]
fn a_summary_that_disagrees_with_the_lists_is_noted() {
    let l = load(br#"{"files": {"a.py": {"executed_lines": [1, 2], "missing_lines": [3], "summary": {"num_statements": 4, "covered_lines": 2, "num_branches": 2, "covered_branches": 0}}}}"#);
    let got: Vec<(Severity, &str)> = l
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Severity::Note,
                "`a.py`: summary says 4 statement(s), 2 covered; the line lists give 3, 2 covered"
            ),
            (
                Severity::Note,
                "`a.py`: summary says 2 branch(es), 0 covered; the branch lists give 0, 0 covered"
            ),
        ]
    );
    assert_eq!(l.diagnostics[0].position, lc(1, 20));
}

#[test]
fn detected_from_content() {
    assert_eq!(detect(SAMPLE.as_bytes()), Some(Format::CoveragepyJson));
    assert_eq!(
        detect(b"{\"meta\": {\"version\": \"7.1\", \"show_contexts\": false}, \"files\": {"),
        Some(Format::CoveragepyJson)
    );
    assert_eq!(
        detect(b"{\"files\": {\"a.py\": {\"executed_lines\": [1]}}}"),
        Some(Format::CoveragepyJson)
    );
    assert_eq!(detect(b"{\"a\": 1}"), None);
    let l = parse_bytes(SAMPLE.as_bytes(), &ParseOptions::default()).unwrap();
    assert_eq!(l.format, Format::CoveragepyJson);
    assert_eq!(
        Format::from_id("coveragepy-json"),
        Some(Format::CoveragepyJson)
    );
    assert_eq!(Format::CoveragepyJson.display_name(), "coverage.py JSON");
}

/// coverage.py's own totals: `num_statements`/`covered_lines`, `num_branches`/`covered_branches`.
fn own_totals(bytes: &[u8]) -> (Counter, Counter) {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let t = &v["totals"];
    let n = |k: &str| t[k].as_u64().unwrap_or(0);
    (
        counter(n("num_statements"), n("covered_lines")),
        counter(n("num_branches"), n("covered_branches")),
    )
}

#[test]
fn corpus_and_fixture_reports_give_coverage_py_s_own_totals() {
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(dir) = corpus() {
        for e in std::fs::read_dir(dir.join("coveragepy-json")).unwrap() {
            paths.push(e.unwrap().path());
        }
    }
    let fixtures = Path::new(FIXTURES).join("coveragepy");
    for e in std::fs::read_dir(&fixtures).expect("tests/fixtures/coveragepy") {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            paths.push(p);
        }
    }
    paths.sort();
    assert!(paths.len() >= 3, "{paths:?}");
    for p in &paths {
        let bytes = std::fs::read(p).unwrap();
        assert_eq!(
            detect(&bytes),
            Some(Format::CoveragepyJson),
            "{}",
            p.display()
        );
        let l = load(&bytes);
        assert!(
            l.diagnostics.is_empty(),
            "{}: {:?}",
            p.display(),
            l.diagnostics
        );
        let t = Totals::of_report(&l.report);
        assert_eq!((t.lines, t.branches), own_totals(&bytes), "{}", p.display());
    }
    // Exact values, and functions from the 7.17 regions.
    let read = |name: &str| load(&std::fs::read(fixtures.join(name)).unwrap());
    let job1 = read("job1.json");
    let t = Totals::of_report(&job1.report);
    assert_eq!(
        (t.lines, t.branches, t.functions),
        (counter(48, 27), counter(28, 11), counter(8, 5))
    );
    assert_eq!(
        functions(file(&job1, "minipkg/geometry.py")),
        vec![
            ("area", 21, 1),
            ("clamp", 13, 0),
            ("classify", 4, 1),
            ("never_called", 29, 0)
        ]
    );
    if let Some(dir) = corpus() {
        let l = load(
            &std::fs::read(dir.join("coveragepy-json/pytest-deck-tests-data.coverage.json"))
                .unwrap(),
        );
        let t = Totals::of_report(&l.report);
        assert_eq!(
            (t.lines, t.branches, t.functions),
            (counter(8, 6), counter(0, 0), counter(0, 0))
        );
        assert_eq!(
            lines(file(&l, "pkg/mathy.py")),
            vec![
                (1, 1),
                (2, 1),
                (5, 1),
                (6, 1),
                (7, 0),
                (8, 1),
                (11, 1),
                (12, 0)
            ]
        );
        assert!(file(&l, "pkg/__init__.py").is_empty());
    }
    // `coverage combine` of the two jobs equals the merge of their reports (arcs carry their identity).
    let mut m = job1.report.clone();
    merge_reports(&mut m, &read("job2.json").report);
    let (tm, tc) = (
        Totals::of_report(&m),
        Totals::of_report(&read("combined.json").report),
    );
    assert_eq!(
        (tm.lines, tm.branches, tm.functions),
        (tc.lines, tc.branches, tc.functions)
    );
    assert_eq!((tm.lines, tm.branches), (counter(48, 42), counter(28, 24)));
}
