//! llvm-cov export JSON parser: segments to lines as LLVM's `LineCoverageStats`, function records to
//! instantiation groups, branch regions (with macro expansions) to outcomes, MC/DC records, diagnostics
//! with positions, and every corpus and fixture export against the export's own `totals` (llvm-cov
//! report's numbers): equal where llvm-cov report counts each line once, and where it does not, the
//! difference is asserted and explained.

// The ban on IO is for the library; its tests read the shared corpus.
#![allow(clippy::disallowed_methods)]

use std::io::BufReader;
use std::path::{Path, PathBuf};

use covlens_core::{
    detect, parse_bytes, parse_bytes_as, parse_read, Diagnostic, Format, Function, Loaded,
    McdcCondition, ParseOptions,
};

mod common;
use common::{at, branch, file, hits, line, totals};

const FORMAT: Format = Format::LlvmCovJson;

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

/// An export of one file with these segments, file branches and function records.
fn export(segments: &str, branches: &str, functions: &str) -> String {
    format!(
        r#"{{"data":[{{"files":[{{"branches":[{branches}],"expansions":[],"filename":"src/a.rs","mcdc_records":[],"segments":[{segments}],"summary":{{}}}}],"functions":[{functions}],"totals":{{}}}}],"type":"llvm.coverage.json.export","version":"3.0.1"}}"#
    )
}

#[test]
fn segments_become_lines_as_llvm_cov_counts_them() {
    // fn 1:1..4:2 (count 5); an `if` body 2:10..3:6 never run; 6:1 starts a skipped region (#[cfg]
    // code) up to 8:1; 9:1..9:9 runs 2 times, then a gap region (count 2) wraps line 10.
    let l = load(&export(
        "[1,1,5,true,true,false],[2,10,0,true,true,false],[3,6,5,true,false,false],[4,2,0,false,false,false],\
         [6,1,0,false,true,false],[8,1,0,false,false,false],\
         [9,1,2,true,true,false],[9,9,2,true,false,true],[11,1,0,false,false,false]",
        "",
        "",
    ));
    assert_eq!(l.format, FORMAT);
    // Line 2: max(wrapped 5, region 0); line 3: wrapped by the `if` body (0), no region starts there;
    // lines 6 to 8: skipped; line 10: wrapped by the gap segment's count; line 11: wrapped too.
    assert_eq!(
        hits(file(&l, "src/a.rs")),
        vec![(1, 5), (2, 5), (3, 0), (4, 5), (9, 2), (10, 2), (11, 2)]
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    // Older exports have 5-element segments (no gap flag).
    let l = load(&export("[1,1,3,true,true],[2,1,0,false,false]", "", ""));
    assert_eq!(hits(file(&l, "src/a.rs")), vec![(1, 3), (2, 3)]);
}

#[test]
fn instantiations_are_one_function_named_without_generic_arguments() {
    let functions = r#"
{"name":"_RINvCsl0uWq4S81NN_9minicrate6largerdEB2_","count":1,"regions":[[6,1,6,46,1,0,0,0],[8,9,8,10,0,0,0,0]],"branches":[],"mcdc_records":[],"filenames":["src/a.rs"]},
{"name":"_RINvCsl0uWq4S81NN_9minicrate6largerlEB2_","count":2,"regions":[[6,1,6,46,2,0,0,0],[12,1,12,2,2,0,0,0]],"branches":[],"mcdc_records":[],"filenames":["src/a.rs"]},
{"name":"_RNCNvCsl0uWq4S81NN_9minicrate16sum_even_doubled0B3_","count":0,"regions":[[16,26,16,32,0,0,0,0]],"branches":[],"mcdc_records":[],"filenames":["src/a.rs"]},
{"name":"from_a_macro","count":3,"regions":[[20,1,22,2,3,1,0,0],[21,5,21,20,3,1,0,1]],"branches":[],"mcdc_records":[],"filenames":["src/macros.rs","src/a.rs"]},
{"name":"elsewhere","count":1,"regions":[[1,1,2,2,1,0,0,0]],"branches":[],"mcdc_records":[],"filenames":["src/other.rs"]}"#;
    let l = load(&export(
        "[1,1,1,true,true,false],[30,1,0,false,false,false]",
        "",
        functions,
    ));
    let fns = &file(&l, "src/a.rs").functions;
    let f = |name: &str, start: u32, end: u32, hits: u64| Function {
        name: name.to_string(),
        start: line(start),
        end: Some(line(end)),
        hits,
    };
    assert_eq!(
        *fns,
        vec![
            // `src/macros.rs` is expanded into the function: its main file is `src/a.rs`, file id 1.
            f("from_a_macro", 20, 22, 3),
            // Two instantiations starting at 6:1, hits summed, the generic argument dropped.
            f("minicrate::larger", 6, 12, 3),
            f("minicrate::sum_even_doubled::{closure#0}", 16, 16, 0),
        ]
    );
    assert_eq!(
        l.diagnostics,
        vec![Diagnostic::note(
            None,
            "1 function record(s) belong to files the export does not list (filtered out); skipped"
        )]
    );
    assert_eq!(totals(&l)[4..], [2, 3]);
}

#[test]
fn branch_regions_give_two_outcomes_and_instantiations_are_summed() {
    let expansions = r#"[{"filenames":["src/a.rs","src/m.rs"],"source_region":[9,5,9,20,1,0,1,1],"target_regions":[],
        "branches":[[3,8,3,15,2,0,1,0,4]]}]"#;
    let input = export(
        "[1,1,1,true,true,false],[12,1,0,false,false,false]",
        // The same region in two instantiations, a region never evaluated, one more on line 5.
        "[5,8,5,13,1,0,0,0,4],[5,8,5,13,0,1,0,0,4],[7,3,7,9,0,0,0,0,4],[5,20,5,24,3,0,0,0,4]",
        "",
    )
    .replace(
        r#""expansions":[]"#,
        &format!(r#""expansions":{expansions}"#),
    );
    let l = load(&input);
    assert_eq!(
        file(&l, "src/a.rs").branches,
        vec![
            branch(5, 0, 0, Some(1)),
            branch(5, 0, 1, Some(1)),
            branch(5, 1, 0, Some(3)),
            branch(5, 1, 1, Some(0)),
            branch(7, 0, 0, None),
            branch(7, 0, 1, None),
            // The macro's branch, on the line where the macro is used.
            branch(9, 0, 0, Some(2)),
            branch(9, 0, 1, Some(0)),
        ]
    );
    assert_eq!(totals(&l)[2..4], [4, 8]);
}

#[test]
fn mcdc_records_become_conditions_covered_by_both_senses() {
    // LLVM 19+ layout: [l1, c1, l2, c2, trueDecisions, falseDecisions, fileId, expandedFileId, kind, [...]].
    let input = export("[1,1,1,true,true,false],[13,1,0,false,false,false]", "", "").replace(
        r#""mcdc_records":[]"#,
        r#""mcdc_records":[[12,8,12,30,1,2,0,0,5,[true,false]]]"#,
    );
    let l = load(&input);
    let c = |sense: bool, index: u32, taken: u64| McdcCondition {
        line: line(12),
        group_size: 2,
        sense,
        index,
        expression: format!("12:8 C{}", index + 1),
        taken,
    };
    assert_eq!(
        file(&l, "src/a.rs").mcdc,
        vec![c(false, 0, 1), c(true, 0, 1), c(false, 1, 0), c(true, 1, 0)]
    );
}

#[test]
fn summary_only_exports_load_nothing_and_say_why() {
    let l = load(
        r#"{"data":[{"files":[{"filename":"src/lib.rs","summary":{"lines":{"count":7,"covered":7}}}],"totals":{}}],
            "type":"llvm.coverage.json.export","version":"3.1.0"}"#,
    );
    assert!(l.report.files.is_empty());
    assert_eq!(
        l.diagnostics,
        vec![Diagnostic::warning(
            None,
            "1 file record(s) have no segments (an export made with -summary-only): only their totals are there, and covlens reads no totals; export without -summary-only"
        )]
    );
}

#[test]
fn malformed_records_are_named_by_position_and_skipped() {
    let input = r#"{"type":"other.export","version":"4.0.0","data":[{"files":[
{"filename":"a.rs","segments":[[1,1,2,true,true,false],[2,"x"],[3,1,-4,true,true,false],[5,1,0,false,false,false]]},
{"filename":"b.rs","segments":"oops"}],
"functions":[
{"name":"f","count":1,"regions":[],"filenames":["a.rs"]},
{"name":"g","count":1}]}]}"#;
    let l = load(input);
    // Line 3: a region starts with 0, but line 1's region still wraps into it (count 2).
    assert_eq!(
        hits(file(&l, "a.rs")),
        vec![(1, 2), (2, 2), (3, 2), (4, 0), (5, 0)]
    );
    assert_eq!(l.report.files.len(), 1);
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::warning(
                None,
                "export type is `other.export`, not `llvm.coverage.json.export`; read as an llvm-cov export"
            ),
            Diagnostic::note(
                None,
                "export version 4.0.0 is newer than 3.x; read as 3.x (unknown keys are skipped)"
            ),
            Diagnostic::warning(
                at(2, 1),
                "a.rs: segment 1 skipped: expected [line, column, count, hasCount, isRegionEntry, isGapRegion]"
            ),
            Diagnostic::warning(at(2, 1), "negative segment count -4 clamped to 0"),
            Diagnostic::warning(
                at(3, 36),
                "file record skipped: invalid type: string \"oops\", expected a sequence"
            ),
            Diagnostic::warning(at(5, 1), "function `f` has no region in its own file; skipped"),
            Diagnostic::warning(at(6, 22), "function record skipped: missing field `regions`"),
        ]
    );
    let e = parse_bytes_as(
        FORMAT,
        b"{\"data\": [ {\"files\": [}",
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!((e.format, e.position), (Some(FORMAT), at(1, 23)));
    assert_eq!(e.message, "expected value");
}

#[test]
fn detection() {
    assert_eq!(detect(export("", "", "").as_bytes()), Some(FORMAT));
    assert_eq!(
        detect(b"{\n  \"data\": [\n    {\n      \"files\": [\n        {\n          \"branches\": [],\n          \"filename\": \"a.rs\""),
        Some(FORMAT)
    );
    assert_eq!(detect(b"{\"data\":[1,2,3]}"), None);
}

// -------------------------------------------------------------------------------- corpus, fixtures

fn dir(rel: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} is absent; its tests skipped", dir.display());
        None
    }
}

/// The export's own `totals`: lines, branches, functions (covered, count).
fn export_totals(bytes: &[u8]) -> [u64; 6] {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let t = &v["data"][0]["totals"];
    let n = |k: &str, f: &str| t[k][f].as_u64().unwrap();
    [
        n("lines", "covered"),
        n("lines", "count"),
        n("branches", "covered"),
        n("branches", "count"),
        n("functions", "covered"),
        n("functions", "count"),
    ]
}

/// covlens' totals and the export's (llvm-cov report's), per file, with the reason where they differ.
/// Lines count once in covlens however many functions hold code on them; llvm-cov report counts a line
/// once per function and keeps the best instantiation of a generic function (see the `llvm_cov` module
/// docs).
const EXPORTS: &[(&str, [u64; 6], [u64; 6], &str)] = &[
    (
        "../../../shared/corpus/llvm-cov-json/cargo-llvm-cov-instantiations.full.json",
        [11, 11, 0, 0, 4, 4],
        [10, 11, 0, 0, 4, 4],
        "func::<f32> runs line 7 but not 5, func::<i32> line 5 but not 7: llvm-cov report keeps one \
         instantiation (4 of 5 lines), covlens the union (5 of 5)",
    ),
    (
        "../../../shared/corpus/llvm-cov-json/cargo-llvm-cov-no-cfg-coverage.full.json",
        [22, 30, 0, 0, 8, 8],
        [22, 30, 0, 0, 8, 8],
        "",
    ),
    (
        "../../../shared/corpus/llvm-cov-json/cargo-llvm-cov-virtual1-workspace.full.json",
        [35, 48, 0, 0, 13, 13],
        [39, 52, 0, 0, 13, 13],
        "each of the 4 files has the test harness' `main` stub at 1:0 and `func` at 1:1: llvm-cov report \
         counts line 1 twice per file",
    ),
    ("../../tests/fixtures/llvm-cov/plain.json", [33, 40, 5, 6, 6, 7], [33, 40, 5, 6, 6, 7], ""),
    (
        "../../tests/fixtures/llvm-cov/generics.json",
        [13, 16, 2, 2, 5, 7],
        [14, 19, 1, 2, 5, 7],
        "sum_even_doubled's line holds it and two closures (llvm-cov report: 3 lines), and larger::<i32> \
         and larger::<f64> each run one arm (llvm-cov report: the best one, 1 of 2 branches)",
    ),
];

#[test]
fn exports_against_llvm_cov_reports_own_totals() {
    for (rel, mine, llvm, why) in EXPORTS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("notice: {} is absent; skipped", path.display());
            continue;
        };
        assert_eq!(detect(&bytes), Some(FORMAT), "{rel}");
        let l = parse_bytes(&bytes, &ParseOptions::default()).unwrap();
        assert_eq!(l.diagnostics, vec![], "{rel}");
        assert_eq!(totals(&l), *mine, "{rel}");
        assert_eq!(export_totals(&bytes), *llvm, "{rel}");
        // Functions always agree; lines and branches wherever llvm-cov report counts each line once.
        assert_eq!(mine[4..], llvm[4..], "{rel}");
        assert_eq!(mine == llvm, why.is_empty(), "{rel}: {why}");
        let read = parse_read(
            FORMAT,
            BufReader::with_capacity(128, &bytes[..]),
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(read.report, l.report, "{rel}");
    }
}

#[test]
fn corpus_is_all_covered_and_summary_only_is_the_one_diagnostic() {
    let Some(dir) = dir("../../../shared/corpus/llvm-cov-json") else {
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let l = parse_bytes(&bytes, &ParseOptions::default()).unwrap();
        if name.ends_with(".summary-only.json") {
            // The only corpus file with a diagnostic: `-summary-only` exports carry no per-line data.
            assert!(l.report.files.is_empty());
            assert_eq!(l.diagnostics.len(), 1, "{name}");
            assert!(l.diagnostics[0].message.contains("-summary-only"), "{name}");
        } else {
            assert!(
                EXPORTS.iter().any(|(rel, ..)| rel.ends_with(name.as_str())),
                "{name} is not in EXPORTS"
            );
        }
    }
    assert_eq!(names.len(), 4, "the corpus changed: {names:?}");
}

#[test]
fn corpus_exact_values() {
    let Some(dir) = dir("../../../shared/corpus/llvm-cov-json") else {
        return;
    };
    let bytes = std::fs::read(dir.join("cargo-llvm-cov-instantiations.full.json")).unwrap();
    let l = parse_bytes(&bytes, &ParseOptions::default()).unwrap();
    let fc = &l.report.files["src/lib.rs"];
    assert_eq!(
        hits(fc),
        vec![
            (1, 1),
            (3, 2),
            (4, 2),
            (5, 1),
            (7, 1),
            (9, 2),
            (11, 1),
            (12, 1),
            (13, 1),
            (14, 1),
            (15, 1)
        ]
    );
    let fns: Vec<(&str, u32, u64)> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    assert_eq!(
        fns,
        vec![
            ("instantiations::func", 3, 2),
            ("instantiations::main", 1, 1),
            ("instantiations::test", 12, 1),
            ("instantiations::test::{closure#0}", 11, 1),
        ]
    );
}
