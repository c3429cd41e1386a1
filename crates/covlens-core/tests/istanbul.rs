//! Istanbul `coverage-final.json`: lines by istanbul's own rule, branches, functions, statements, diagnostics, and totals equal to nyc's.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus; the library itself does no IO"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use covlens_core::formats::istanbul;
use covlens_core::{
    detect, merge_reports, parse_bytes, BranchName, Counter, FileCoverage, Format, Loaded,
    ParseError, ParseOptions, Position, Severity, Totals,
};

mod common;

use common::lc;

fn corpus() -> Option<PathBuf> {
    common::corpus().map(|c| c.join("istanbul"))
}

/// Parses through both front doors and checks they agree and keep the model invariants.
fn load(bytes: &[u8]) -> Loaded {
    common::load(Format::Istanbul, bytes)
}

fn err_of(bytes: &[u8]) -> ParseError {
    common::err_of(Format::Istanbul, bytes)
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

fn read(name: &str) -> Option<Vec<u8>> {
    let dir = corpus()?;
    Some(std::fs::read(dir.join(name)).expect("corpus file"))
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

/// Every corpus file, with the totals istanbul computes for it (lines, branches, functions,
/// statements, each found/hit: the numbers of `nyc report --reporter=text-summary`, worked out from
/// istanbul-lib-coverage's `toSummary`), and the number of files.
/// (corpus file, files, [lines, branches, functions, statements] as (found, hit)).
type Expected = (&'static str, usize, [(u64, u64); 4]);

const EXPECTED: [Expected; 10] = [
    (
        "istanbuljs-github-322.filecoverage.json",
        1,
        [(0, 0), (0, 0), (1, 0), (0, 0)],
    ),
    (
        "istanbuljs-github-649.filecoverage.json",
        1,
        [(5, 5), (2, 1), (1, 1), (5, 5)],
    ),
    (
        "istanbuljs-github-80c.filecoverage.json",
        1,
        [(0, 0), (1, 0), (0, 0), (0, 0)],
    ),
    (
        "istanbuljs-implicit-else-edge-case.filecoverage.json",
        1,
        [(16, 0), (18, 0), (6, 0), (19, 0)],
    ),
    (
        "istanbuljs-spec-different-path-files.json",
        4,
        [(0, 0), (0, 0), (0, 0), (0, 0)],
    ),
    (
        "istanbuljs-spec-empty-file.json",
        1,
        [(0, 0), (0, 0), (0, 0), (0, 0)],
    ),
    (
        "istanbuljs-spec-missing-decl.json",
        1,
        [(46, 46), (43, 41), (8, 8), (50, 50)],
    ),
    (
        "jest-ts-action-update-version.coverage-final.json",
        3,
        [(103, 65), (26, 8), (11, 8), (103, 65)],
    ),
    (
        "nyc-merge-input-a.json",
        1,
        [(6, 4), (2, 1), (3, 2), (6, 4)],
    ),
    (
        "nyc-merge-input-b.json",
        1,
        [(6, 4), (2, 1), (3, 2), (6, 4)],
    ),
];

#[test]
fn corpus_totals_equal_istanbuls() {
    let Some(dir) = corpus() else { return };
    let mut seen: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    seen.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|e| e.0.to_string()).collect();
    listed.sort();
    assert_eq!(seen, listed, "every corpus file has its expected totals");
    for (name, files, [l, b, f, s]) in EXPECTED {
        let bytes = std::fs::read(dir.join(name)).expect("corpus file");
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
        assert_eq!(t.functions, counter(f.0, f.1), "{name}: functions");
        assert_eq!(t.statements, counter(s.0, s.1), "{name}: statements");
        assert_eq!(loaded.report.fidelity, istanbul::FIDELITY);
    }
}

#[test]
fn coverage_maps_and_lone_file_objects_are_detected() {
    let Some(dir) = corpus() else { return };
    for name in [
        "istanbuljs-github-322.filecoverage.json",
        "istanbuljs-github-649.filecoverage.json",
        "istanbuljs-github-80c.filecoverage.json",
        "istanbuljs-implicit-else-edge-case.filecoverage.json",
        "jest-ts-action-update-version.coverage-final.json",
        "nyc-merge-input-a.json",
        "nyc-merge-input-b.json",
    ] {
        let bytes = std::fs::read(dir.join(name)).expect("corpus file");
        assert_eq!(detect(&bytes), Some(Format::Istanbul), "{name}");
        assert_eq!(
            parse_bytes(&bytes, &ParseOptions::default())
                .expect("parse")
                .format,
            Format::Istanbul
        );
    }
    assert_eq!(Format::from_id("istanbul"), Some(Format::Istanbul));
    assert_eq!(Format::Istanbul.display_name(), "Istanbul JSON");
}

/// `istanbuljs-spec-missing-decl.json` carries the `lcovonly` output istanbul-reports writes for its
/// map: every DA, FN, FNDA and BRDA record must match the model.
#[test]
fn missing_decl_matches_istanbuls_own_lcov() {
    let Some(bytes) = read("istanbuljs-spec-missing-decl.json") else {
        return;
    };
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let lcov = doc["lcovonlyExpected"].as_str().expect("lcovonlyExpected");
    let (mut da, mut fn_lines, mut fnda, mut brda) =
        (vec![], BTreeMap::new(), BTreeMap::new(), vec![]);
    let mut summary = BTreeMap::new();
    for rec in lcov.lines() {
        let Some((key, value)) = rec.split_once(':') else {
            continue;
        };
        let v: Vec<&str> = value.split(',').collect();
        match key {
            "DA" => da.push((v[0].parse::<u32>().unwrap(), v[1].parse::<u64>().unwrap())),
            "FN" => {
                fn_lines.insert(v[1].to_string(), v[0].parse::<u32>().unwrap());
            }
            "FNDA" => {
                fnda.insert(v[1].to_string(), v[0].parse::<u64>().unwrap());
            }
            "BRDA" => brda.push((
                v[0].parse::<u32>().unwrap(),
                v[1].parse::<u32>().unwrap(),
                v[2].parse::<u32>().unwrap(),
                Some(v[3].parse::<u64>().unwrap()),
            )),
            "LF" | "LH" | "BRF" | "BRH" | "FNF" | "FNH" => {
                summary.insert(key.to_string(), v[0].parse::<u64>().unwrap());
            }
            _ => {}
        }
    }
    let loaded = load(&bytes);
    let fc = &loaded.report.files["/Users/benjamincoe/oss/test-exclude/index.js"];
    assert_eq!(lines(fc), da);
    let mut got_brda = branches(fc);
    got_brda.sort();
    brda.sort();
    assert_eq!(got_brda, brda);
    let got_fn: BTreeMap<String, u32> = fc
        .functions
        .iter()
        .map(|f| (f.name.clone(), f.start.get()))
        .collect();
    let got_fnda: BTreeMap<String, u64> = fc
        .functions
        .iter()
        .map(|f| (f.name.clone(), f.hits))
        .collect();
    assert_eq!(got_fn, fn_lines);
    assert_eq!(got_fnda, fnda);
    let t = Totals::of_file(fc);
    assert_eq!(t.lines, counter(summary["LF"], summary["LH"]));
    assert_eq!(t.branches, counter(summary["BRF"], summary["BRH"]));
    assert_eq!(t.functions, counter(summary["FNF"], summary["FNH"]));
}

#[test]
fn nyc_merge_pair_merges_to_nycs_totals() {
    let (Some(a), Some(b)) = (
        read("nyc-merge-input-a.json"),
        read("nyc-merge-input-b.json"),
    ) else {
        return;
    };
    let mut merged = load(&a);
    let other = load(&b);
    assert!(merge_reports(&mut merged.report, &other.report).is_empty());
    let fc = &merged.report.files["/private/tmp/contrived/library.js"];
    // One statement per line here, so the per-line sums are istanbul's per-statement sums.
    assert_eq!(
        lines(fc),
        vec![(1, 2), (3, 1), (6, 1), (9, 2), (10, 1), (12, 1)]
    );
    assert_eq!(branches(fc), vec![(9, 0, 0, Some(1)), (9, 0, 1, Some(1))]);
    let t = totals(&merged);
    assert_eq!(t.lines, counter(6, 6));
    assert_eq!(t.branches, counter(2, 2));
    assert_eq!(t.functions, counter(3, 3));
    assert_eq!(t.statements, counter(6, 6));
}

#[test]
fn jest_layout_null_columns_and_one_location_ifs() {
    let Some(bytes) = read("jest-ts-action-update-version.coverage-final.json") else {
        return;
    };
    let loaded = load(&bytes);
    let paths: Vec<&str> = loaded.report.files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        vec![
            "/mnt/c/Users/dany1/Documents/Proyects/action-update-version/src/custom_fs.ts",
            "/mnt/c/Users/dany1/Documents/Proyects/action-update-version/src/github_helper.ts",
            "/mnt/c/Users/dany1/Documents/Proyects/action-update-version/src/proccess.ts",
        ]
    );
    let fc = &loaded.report.files[paths[1]];
    assert_eq!(Totals::of_file(fc).lines, counter(8, 6));
    assert_eq!(Totals::of_file(fc).branches, counter(1, 0));
}

/// A small coverage map: two statements on one line (the line takes the larger count), a repeated
/// function name, an `if` with an implicit else, a negative count.
const SAMPLE: &str = r#"{
 "/src/a.js": {"path": "/src/a.js",
  "statementMap": {
   "0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 10}},
   "1": {"start": {"line": 1, "column": 12}, "end": {"line": 1, "column": 20}},
   "2": {"start": {"line": 3, "column": 2}, "end": {"line": 3, "column": null}},
   "3": {"start": {"line": 7, "column": 2}, "end": {"line": 7, "column": 9}}},
  "fnMap": {
   "0": {"name": "constructor", "decl": {"start": {"line": 2, "column": 2}, "end": {"line": 2, "column": 13}},
         "loc": {"start": {"line": 2, "column": 16}, "end": {"line": 4, "column": 3}}, "line": 2},
   "1": {"name": "constructor", "decl": {"start": {"line": 6, "column": 2}, "end": {"line": 6, "column": 13}},
         "loc": {"start": {"line": 6, "column": 16}, "end": {"line": 8, "column": 3}}, "line": 6},
   "2": {"name": "run", "loc": {"start": {"line": 9, "column": 0}, "end": {"line": 9, "column": 5}}}},
  "branchMap": {
   "0": {"loc": {"start": {"line": 3, "column": 2}, "end": {"line": 3, "column": 30}}, "type": "if",
         "locations": [{"start": {"line": 3, "column": 2}, "end": {"line": 3, "column": 30}}, {"start": {}, "end": {}}],
         "line": 3}},
  "s": {"0": 4, "1": 9, "2": 0, "3": -2},
  "f": {"0": 1, "1": 0, "2": 3},
  "b": {"0": [0, 4]},
  "inputSourceMap": {"version": 3, "sources": ["a.ts"], "mappings": ""}
 }
}"#;

#[test]
fn lines_take_the_largest_statement_count() {
    let loaded = load(SAMPLE.as_bytes());
    assert_eq!(detect(SAMPLE.as_bytes()), Some(Format::Istanbul));
    let fc = &loaded.report.files["/src/a.js"];
    assert_eq!(lines(fc), vec![(1, 9), (3, 0), (7, 0)]);
    assert_eq!(branches(fc), vec![(3, 0, 0, Some(0)), (3, 0, 1, Some(4))]);
    let f: Vec<(&str, u32, Option<u32>, u64)> = fc
        .functions
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.start.get(),
                f.end.map(|e| e.get()),
                f.hits,
            )
        })
        .collect();
    assert_eq!(
        f,
        vec![
            ("constructor@2:2", 2, Some(4), 1),
            ("constructor@6:2", 6, Some(8), 0),
            ("run", 9, Some(9), 3),
        ]
    );
    let s: Vec<(u32, u32, u32, u32, u64)> = fc
        .statements
        .iter()
        .map(|s| (s.start.get(), s.start_col, s.end.get(), s.end_col, s.hits))
        .collect();
    assert_eq!(
        s,
        vec![
            (1, 0, 1, 10, 4),
            (1, 12, 1, 20, 9),
            (3, 2, 3, 0, 0),
            (7, 2, 7, 9, 0)
        ]
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
                Severity::Note,
                lc(2, 15),
                "`/src/a.js` carries an inputSourceMap, which is not applied: positions are those of the instrumented code"
            ),
            (
                Severity::Warning,
                lc(2, 15),
                "`/src/a.js`: statement 3 has a negative count -2; taken as 0"
            ),
        ]
    );
}

#[test]
fn a_broken_file_entry_is_skipped_at_its_position() {
    let input = br#"{"/a.js": {"statementMap": {"0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 3}}},
 "fnMap": {}, "branchMap": {}, "s": {"0": 1}, "f": {}, "b": {}},
 "/b.js": {"statementMap": {"0": {"start": {"line": "x"}}}, "fnMap": {}, "branchMap": {}, "s": {}, "f": {}, "b": {}},
 "/c.js": {"title": "not coverage"}}"#;
    let loaded = load(input);
    assert_eq!(
        loaded.report.files.keys().collect::<Vec<_>>(),
        vec!["/a.js"]
    );
    assert_eq!(loaded.diagnostics.len(), 2, "{:?}", loaded.diagnostics);
    assert_eq!(loaded.diagnostics[0].position, lc(3, 55));
    assert!(
        loaded.diagnostics[0]
            .message
            .starts_with("file entry `/b.js` is not an Istanbul file coverage object (invalid type: string \"x\""),
        "{}",
        loaded.diagnostics[0].message
    );
    assert_eq!(loaded.diagnostics[1].position, lc(4, 11));
    assert_eq!(
        loaded.diagnostics[1].message,
        "file entry `/c.js` has no statementMap, fnMap or branchMap: not an Istanbul file coverage object; skipped"
    );
}

#[test]
fn json_that_does_not_parse_is_an_error_with_its_position() {
    let e = err_of(b"{\"/a.js\": {\"s\": {\"0\": 1}\n  \"f\": {}}}");
    assert_eq!(e.format, Some(Format::Istanbul));
    assert_eq!(e.position, lc(2, 3));
    assert_eq!(e.message, "expected `,` or `}`");
    let e = err_of(b"[1, 2]");
    assert_eq!(e.position, lc(1, 1));
    assert_eq!(e.message, "invalid type: sequence, expected a JSON object");
}

#[test]
fn an_older_data_wrapper_is_unwrapped() {
    let input = br#"{"/a.js": {"data": {"path": "/a.js", "statementMap": {"0": {"start": {"line": 2, "column": 0}, "end": {"line": 2, "column": 3}}},
 "fnMap": {}, "branchMap": {}, "s": {"0": 5}, "f": {}, "b": {}}}}"#;
    let loaded = load(input);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(lines(&loaded.report.files["/a.js"]), vec![(2, 5)]);
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/istanbul");

/// nyc's own totals (`coverage-summary.json`, the json-summary reporter) as
/// [lines, branches, functions, statements] (found, hit).
fn nyc_totals(summary: &[u8]) -> [Counter; 4] {
    let doc: serde_json::Value = serde_json::from_slice(summary).expect("summary json");
    let c = |k: &str| {
        let t = &doc["total"][k];
        counter(
            t["total"].as_u64().expect("total"),
            t["covered"].as_u64().expect("covered"),
        )
    };
    [c("lines"), c("branches"), c("functions"), c("statements")]
}

/// Real nyc 18 output (`tests/fixtures/istanbul/make.sh`): each job's and the merged report's totals
/// equal nyc's, and merging the two jobs' reports gives nyc's merged totals and lines.
#[test]
fn nyc_fixtures_give_nycs_own_totals() {
    let dir = Path::new(FIXTURES);
    let mut loaded = BTreeMap::new();
    for name in ["job1", "job2", "merged"] {
        let report =
            std::fs::read(dir.join(format!("{name}.coverage-final.json"))).expect("fixture");
        let summary =
            std::fs::read(dir.join(format!("{name}.coverage-summary.json"))).expect("fixture");
        assert_eq!(detect(&report), Some(Format::Istanbul), "{name}");
        let l = load(&report);
        assert!(l.diagnostics.is_empty(), "{name}: {:?}", l.diagnostics);
        let t = totals(&l);
        assert_eq!(
            [t.lines, t.branches, t.functions, t.statements],
            nyc_totals(&summary),
            "{name}"
        );
        loaded.insert(name, l);
    }
    let path = "/tmp/covlens-fixtures/ci-a/js/calc.js";
    // nyc 18 names class members `(anonymous_N)`: every function stays apart, as nyc counts them.
    let names: Vec<(&str, u32, u64)> = loaded["merged"].report.files[path]
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    assert_eq!(
        names,
        vec![
            ("(anonymous_0)", 5, 1),
            ("(anonymous_1)", 8, 1),
            ("(anonymous_2)", 12, 2),
            ("(anonymous_3)", 15, 2),
            ("classify", 20, 5),
            ("neverCalled", 36, 0),
        ]
    );
    let mut merged = loaded["job1"].report.clone();
    assert!(merge_reports(&mut merged, &loaded["job2"].report).is_empty());
    let mut t = Totals::default();
    for fc in merged.files.values() {
        t.add(&Totals::of_file(fc));
    }
    let summary = std::fs::read(dir.join("merged.coverage-summary.json")).expect("fixture");
    assert_eq!(
        [t.lines, t.branches, t.functions, t.statements],
        nyc_totals(&summary)
    );
    assert_eq!(
        lines(&merged.files[path]),
        lines(&loaded["merged"].report.files[path])
    );
    assert_eq!(
        branches(&merged.files[path]),
        branches(&loaded["merged"].report.files[path])
    );
}
