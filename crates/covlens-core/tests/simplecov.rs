//! SimpleCov `.resultset.json` and `coverage.json`: lines, branches, methods, merging of command names, diagnostics, and totals equal to SimpleCov's own.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus; the library itself does no IO"
)]

use std::path::PathBuf;

use covlens_core::formats::simplecov;
use covlens_core::{
    detect, parse_bytes, BranchName, Counter, FileCoverage, Format, Loaded, ParseError,
    ParseOptions, Position, Severity, Totals,
};

mod common;

use common::lc;

fn corpus() -> Option<PathBuf> {
    common::corpus().map(|c| c.join("simplecov"))
}

/// Parses through both front doors and checks they agree and keep the model invariants.
fn load(bytes: &[u8]) -> Loaded {
    common::load(Format::Simplecov, bytes)
}

fn err_of(bytes: &[u8]) -> ParseError {
    common::err_of(Format::Simplecov, bytes)
}

fn counter(found: u64, hit: u64) -> Counter {
    Counter { found, hit }
}

fn totals(l: &Loaded) -> Totals {
    let mut t = Totals::default();
    for fc in l.report.files.values() {
        t.add(&Totals::of_file(fc));
    }
    t
}

fn lines(fc: &FileCoverage) -> Vec<(u32, u64)> {
    fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect()
}

/// (line, block, branch, taken)
fn branches(fc: &FileCoverage) -> Vec<(u32, u32, u32, Option<u64>)> {
    fc.branches
        .iter()
        .map(|b| {
            let BranchName::Index(i) = b.id.branch else {
                panic!("named branch {:?}", b.id)
            };
            (b.line.get(), b.id.block, i, b.taken)
        })
        .collect()
}

fn functions(fc: &FileCoverage) -> Vec<(&str, u32, Option<u32>, u64)> {
    fc.functions
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.start.get(),
                f.end.map(|e| e.get()),
                f.hits,
            )
        })
        .collect()
}

/// (corpus file, files, [lines, branches, methods] as (found, hit)).
type Expected = (&'static str, usize, [(u64, u64); 3]);

/// Every corpus file with SimpleCov's totals for it (`total_lines`/`covered_lines` and the branch and
/// method counterparts; for the resultsets, relevant and covered lines as SimpleCov counts them).
const EXPECTED: [Expected; 4] = [
    (
        "84codes-prometheus_parser.resultset.json",
        1,
        [(42, 9), (0, 0), (0, 0)],
    ),
    (
        "simplecov-json-formatter-sample_with_branch.json",
        1,
        [(10, 9), (2, 1), (0, 0)],
    ),
    (
        "simplecov-json-formatter-sample_with_method.json",
        1,
        [(10, 9), (0, 0), (3, 3)],
    ),
    (
        "simplecov-old-format.resultset.json",
        2,
        [(9, 8), (0, 0), (0, 0)],
    ),
];

#[test]
fn corpus_totals_equal_simplecovs() {
    let Some(dir) = corpus() else { return };
    let mut seen: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    seen.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|e| e.0.to_string()).collect();
    listed.sort();
    assert_eq!(seen, listed, "every corpus file has its expected totals");
    for (name, files, [l, b, m]) in EXPECTED {
        let bytes = std::fs::read(dir.join(name)).expect("corpus file");
        assert_eq!(detect(&bytes), Some(Format::Simplecov), "{name}");
        let via_detect = parse_bytes(&bytes, &ParseOptions::default()).expect("parse");
        assert_eq!(via_detect.format, Format::Simplecov);
        let loaded = load(&bytes);
        assert!(
            loaded.diagnostics.is_empty(),
            "{name}: {:?}",
            loaded.diagnostics
        );
        assert_eq!(loaded.report.files.len(), files, "{name}: files");
        let t = totals(&loaded);
        assert_eq!(t.lines, counter(l.0, l.1), "{name}: lines");
        assert_eq!(t.branches, counter(b.0, b.1), "{name}: branches");
        assert_eq!(t.functions, counter(m.0, m.1), "{name}: methods");
        assert_eq!(t.statements, counter(0, 0), "{name}: statements");
        assert_eq!(loaded.report.fidelity, simplecov::FIDELITY);
    }
    assert_eq!(Format::from_id("simplecov"), Some(Format::Simplecov));
}

#[test]
fn formatter_lines_branches_and_methods() {
    let Some(dir) = corpus() else { return };
    let bytes = std::fs::read(dir.join("simplecov-json-formatter-sample_with_branch.json"))
        .expect("corpus file");
    let loaded = load(&bytes);
    let fc = &loaded.report.files["spec/fixtures/json/sample.rb"];
    // `null` lines are not relevant, `"ignored"` ones (lines 20-24) are not counted.
    assert_eq!(
        lines(fc),
        vec![
            (2, 1),
            (3, 1),
            (4, 1),
            (5, 1),
            (8, 1),
            (9, 1),
            (12, 1),
            (13, 1),
            (14, 0),
            (16, 1)
        ]
    );
    // On their report line (the `if`), in list order.
    assert_eq!(branches(fc), vec![(13, 0, 0, Some(0)), (15, 0, 1, Some(1))]);
    let bytes = std::fs::read(dir.join("simplecov-json-formatter-sample_with_method.json"))
        .expect("corpus file");
    let loaded = load(&bytes);
    let fc = &loaded.report.files["spec/fixtures/json/sample.rb"];
    assert_eq!(
        functions(fc),
        vec![
            ("Foo#bar", 8, Some(10), 1),
            ("Foo#foo", 12, Some(18), 1),
            ("Foo#initialize", 3, Some(6), 1),
        ]
    );
}

/// Two command names (parallel runs) of SimpleCov 0.18+, with Ruby `Coverage` branches and methods.
const RESULTSET: &str = r#"{
  "RSpec": {
    "coverage": {
      "/app/lib/a.rb": {
        "lines": [1, null, 3, 0, null],
        "branches": {
          "[:if, 0, 3, 4, 5, 7]": {"[:then, 1, 4, 6, 4, 16]": 0, "[:else, 2, 3, 4, 5, 7]": 3}
        },
        "methods": {"[Foo, :bar, 3, 2, 5, 5]": 3, "[Foo, :baz, 6, 2, 6, 20]": 0}
      }
    },
    "timestamp": 1700000000
  },
  "Minitest": {
    "coverage": {
      "/app/lib/a.rb": {
        "lines": [1, null, 0, 2, null],
        "branches": {
          "[:if, 0, 3, 4, 5, 7]": {"[:then, 1, 4, 6, 4, 16]": 2, "[:else, 2, 3, 4, 5, 7]": 0}
        },
        "methods": {"[Foo, :bar, 3, 2, 5, 5]": 0, "[Foo, :baz, 6, 2, 6, 20]": 0}
      }
    },
    "timestamp": 1700000001
  }
}"#;

#[test]
fn command_names_merge_by_summing() {
    assert_eq!(detect(RESULTSET.as_bytes()), Some(Format::Simplecov));
    let loaded = load(RESULTSET.as_bytes());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(loaded.records, 2);
    let fc = &loaded.report.files["/app/lib/a.rb"];
    assert_eq!(lines(fc), vec![(1, 2), (3, 3), (4, 2)]);
    assert_eq!(branches(fc), vec![(3, 0, 1, Some(2)), (3, 0, 2, Some(3))]);
    assert_eq!(
        functions(fc),
        vec![("Foo#bar", 3, Some(5), 3), ("Foo#baz", 6, Some(6), 0)]
    );
    let t = totals(&loaded);
    assert_eq!(t.lines, counter(3, 3));
    assert_eq!(t.branches, counter(2, 2));
    assert_eq!(t.functions, counter(2, 1));
}

#[test]
fn malformed_entries_are_skipped_with_their_position() {
    let input = br#"{"RSpec": {"coverage": {
  "/a.rb": {"lines": [1, -2, "x", 0]},
  "/b.rb": {"lines": {"oops": 1}},
  "/c.rb": {"lines": [1], "branches": {"[:if, zero]": {"[:then, 1, 2, 3, 4, 5]": 1}}}
 }},
 "other": 3}"#;
    let loaded = load(input);
    let paths: Vec<&str> = loaded.report.files.keys().map(String::as_str).collect();
    assert_eq!(paths, vec!["/a.rb", "/c.rb"]);
    assert_eq!(
        lines(&loaded.report.files["/a.rb"]),
        vec![(1, 1), (2, 0), (4, 0)]
    );
    let d: Vec<(Severity, Option<Position>, &str)> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        vec![
            (
                Severity::Warning,
                lc(2, 12),
                "`/a.rb`: line 2 has a negative count -2; taken as 0"
            ),
            (
                Severity::Warning,
                lc(2, 12),
                "`/a.rb`: line 3 is `x`, not a count; skipped"
            ),
            (
                Severity::Warning,
                lc(3, 21),
                "file entry `/b.rb` is not a SimpleCov file result (invalid type: map, expected a sequence); skipped"
            ),
            (
                Severity::Warning,
                lc(4, 12),
                "`/c.rb`: branch condition `[:if, zero]` is not a Ruby `[type, id, line, column, end line, end column]`; skipped"
            ),
            (
                Severity::Warning,
                lc(6, 11),
                "command `other` has no `coverage` object: not a SimpleCov result; skipped"
            ),
        ]
    );
}

#[test]
fn a_formatter_file_that_disagrees_with_its_counts_is_noted() {
    let input = br#"{"meta": {"simplecov_version": "0.22.0"}, "coverage": {
  "lib/x.rb": {"lines": [1, 0, null], "covered_lines": 2, "total_lines": 2}}}"#;
    let loaded = load(input);
    assert_eq!(
        loaded.diagnostics[0].message,
        "`lib/x.rb`: the file says 2 line(s), 2 covered; its lists give 2, 1 covered"
    );
    assert_eq!(loaded.diagnostics[0].severity, Severity::Note);
    assert_eq!(loaded.diagnostics[0].position, lc(2, 15));
}

#[test]
fn json_that_does_not_parse_is_an_error_with_its_position() {
    let e = err_of(b"{\"RSpec\": {\"coverage\": {\"/a.rb\": [1, 2}}}");
    assert_eq!(e.format, Some(Format::Simplecov));
    assert_eq!(e.position, lc(1, 39));
    let e = err_of(b"\"just a string\"");
    assert_eq!(e.position, lc(1, 15));
    assert_eq!(
        e.message,
        "invalid type: string \"just a string\", expected a JSON object"
    );
}

#[test]
fn detection_tells_simplecov_from_its_schema_and_from_codecov() {
    // The JSON schema names the formatter's keys but is no report.
    let schema = br#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "properties": {"meta": {"properties": {"simplecov_version": {"type": "string"}}}, "lines_covered_percent": {"type": "number"}}}"#;
    assert_eq!(detect(schema), None);
    // Codecov's `{"coverage": {"<path>": [...]}}` stays Codecov.
    assert_eq!(
        detect(br#"{"coverage": {"a.rb": [null, 1, 0]}}"#),
        Some(Format::Codecov)
    );
    assert_eq!(
        detect(br#"{"RSpec": {"coverage": {"/a.rb": {"lines": [null, 1]}}, "timestamp": 1}}"#),
        Some(Format::Simplecov)
    );
    assert_eq!(
        detect(br#"{"A \"q\"": {"coverage": {"/a.rb": [null, 1]}, "timestamp": 1}}"#),
        Some(Format::Simplecov)
    );
    assert_eq!(
        detect(br#"{"meta": {"simplecov_version": "0.22.0"}, "coverage": {}}"#),
        Some(Format::Simplecov)
    );
}
