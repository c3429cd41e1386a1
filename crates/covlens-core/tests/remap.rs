//! Source-map remapping against c8's and nyc's own remapped reports of the TypeScript fixtures (tests/fixtures/ts).

#![allow(
    clippy::disallowed_methods,
    reason = "tests read the project's fixtures; the library itself does no IO"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use covlens_core::formats::v8;
use covlens_core::remap::{self, RemapOptions, V8Inputs};
use covlens_core::{ParseOptions, Totals};

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/ts"
    ))
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Per file (path relative to the fixture root): [lines hit, found, branches hit, found, functions hit, found].
type PerFile = BTreeMap<String, [u64; 6]>;

fn short(path: &str) -> String {
    path.trim_start_matches("/tmp/covlens-fixtures/ts/")
        .to_string()
}

/// The tool's own per-file numbers from its json-summary.
fn tool_summary(name: &str) -> PerFile {
    let v: serde_json::Value = serde_json::from_slice(&read(name)).expect("summary is JSON");
    let mut out = PerFile::new();
    for (k, f) in v.as_object().expect("object") {
        if k == "total" {
            continue;
        }
        let n = |m: &str, w: &str| f[m][w].as_u64().expect("count");
        out.insert(
            short(k),
            [
                n("lines", "covered"),
                n("lines", "total"),
                n("branches", "covered"),
                n("branches", "total"),
                n("functions", "covered"),
                n("functions", "total"),
            ],
        );
    }
    out
}

fn per_file(report: &covlens_core::Report) -> PerFile {
    report
        .files
        .iter()
        .map(|(p, fc)| {
            let t = Totals::of_file(fc);
            (
                short(p),
                [
                    t.lines.hit,
                    t.lines.found,
                    t.branches.hit,
                    t.branches.found,
                    t.functions.hit,
                    t.functions.found,
                ],
            )
        })
        .collect()
}

fn remap_v8(name: &str, options: &RemapOptions) -> remap::Remapped {
    let parsed = v8::parse(&read(name), &ParseOptions::default()).expect("v8 dump parses");
    remap::remap_v8(
        &parsed.value,
        &mut V8Inputs {
            map_for: &mut |_| None,
            text_for: &mut |_| None,
        },
        options,
        &ParseOptions::default(),
    )
}

/// Lines (path, line, hits) of a report read by the ordinary Istanbul parser.
fn istanbul_lines(name: &str) -> Vec<(String, u32, u64)> {
    let mut out = Vec::new();
    covlens_core::formats::istanbul::parse_slice(&read(name), &ParseOptions::default(), &mut |r| {
        for l in r.coverage.lines {
            out.push((short(&r.path), l.line.get(), l.hits));
        }
    })
    .expect("istanbul parses");
    out.sort();
    out
}

fn report_lines(report: &covlens_core::Report) -> Vec<(String, u32, u64)> {
    let mut out: Vec<_> = report
        .files
        .iter()
        .flat_map(|(p, fc)| {
            fc.lines
                .iter()
                .map(move |l| (short(p), l.line.get(), l.hits))
        })
        .collect();
    out.sort();
    out
}

const CASES: [&str; 4] = ["tsc.job1", "tsc.job2", "esb.job1", "esb.job2"];

/// c8 10.1.3's own remapped json-summary, per .ts file, [lines hit, found, branches hit, found,
/// functions hit, found], written out so the numbers are in the test; covlens gives the same.
#[test]
fn v8_remap_equals_c8_per_file() {
    let expected: [(&str, &str, [u64; 6]); 8] = [
        ("tsc.job1", "src/main.ts", [19, 27, 2, 4, 1, 2]),
        ("tsc.job1", "src/shapes.ts", [29, 36, 3, 7, 3, 5]),
        ("tsc.job2", "src/main.ts", [24, 27, 2, 3, 1, 2]),
        ("tsc.job2", "src/shapes.ts", [33, 36, 10, 13, 5, 5]),
        ("esb.job1", "src/main.ts", [22, 27, 2, 4, 1, 1]),
        ("esb.job1", "src/shapes.ts", [29, 36, 3, 7, 3, 5]),
        ("esb.job2", "src/main.ts", [27, 27, 2, 3, 1, 1]),
        ("esb.job2", "src/shapes.ts", [34, 36, 10, 13, 5, 5]),
    ];
    for (case, file, numbers) in expected {
        let c8 = tool_summary(&format!("{case}.c8-summary.json"));
        assert_eq!(c8[file], numbers, "{case} {file}: c8's own summary");
        let r = remap_v8(&format!("{case}.v8.json"), &RemapOptions::default());
        assert_eq!(per_file(&r.report)[file], numbers, "{case} {file}: covlens");
    }
    // Every case, every file, line by line against c8's remapped coverage-final.json (node_modules kept,
    // as c8 keeps sources of a bundle that sit under node_modules).
    for case in CASES {
        let keep = RemapOptions {
            keep_ignored_sources: true,
        };
        let r = remap_v8(&format!("{case}.v8.json"), &keep);
        assert_eq!(
            per_file(&r.report),
            tool_summary(&format!("{case}.c8-summary.json")),
            "{case}"
        );
        assert_eq!(
            report_lines(&r.report),
            istanbul_lines(&format!("{case}.c8-final.json")),
            "{case}: line hits"
        );
    }
}

/// nyc 18's own remapped json-summary per .ts file; covlens remaps `.nyc_output` (with
/// `inputSourceMap`) to the same numbers and the same line hits as nyc's coverage-final.json.
#[test]
fn istanbul_remap_equals_nyc_per_file() {
    let expected: [(&str, &str, [u64; 6]); 8] = [
        ("tsc.job1", "src/main.ts", [9, 14, 1, 3, 2, 3]),
        ("tsc.job1", "src/shapes.ts", [10, 17, 3, 8, 3, 6]),
        ("tsc.job2", "src/main.ts", [13, 14, 2, 3, 2, 3]),
        ("tsc.job2", "src/shapes.ts", [15, 17, 6, 8, 6, 6]),
        ("esb.job1", "src/main.ts", [8, 12, 1, 3, 2, 2]),
        ("esb.job1", "src/shapes.ts", [9, 16, 3, 8, 3, 6]),
        ("esb.job2", "src/main.ts", [12, 12, 2, 3, 2, 2]),
        ("esb.job2", "src/shapes.ts", [14, 16, 6, 8, 6, 6]),
    ];
    for (case, file, numbers) in expected {
        assert_eq!(
            tool_summary(&format!("{case}.nyc-summary.json"))[file],
            numbers
        );
    }
    for case in CASES {
        let r = remap::remap_istanbul(
            &read(&format!("{case}.nyc-raw.json")),
            &RemapOptions::default(),
            &ParseOptions::default(),
        )
        .expect("remaps");
        assert_eq!(
            per_file(&r.report),
            tool_summary(&format!("{case}.nyc-summary.json")),
            "{case}"
        );
        assert_eq!(
            report_lines(&r.report),
            istanbul_lines(&format!("{case}.nyc-final.json")),
            "{case}: line hits"
        );
        for (file, numbers) in expected.iter().filter(|e| e.0 == case).map(|e| (e.1, e.2)) {
            assert_eq!(per_file(&r.report)[file], numbers, "{case} {file}");
        }
    }
}

/// Generated code with no original is counted per generated file, not attributed: the esbuild
/// bundle's runtime helpers (`__commonJS`, `__toESM`...) are 10 V8 ranges and, for nyc, 18 statements,
/// 5 functions and 9 branches; tsc's `"use strict"`/`exports` prologue, 1 range per file.
#[test]
fn unmapped_code_is_counted() {
    let r = remap_v8("esb.job1.v8.json", &RemapOptions::default());
    let bundle = "/tmp/covlens-fixtures/ts/dist-esb/bundle.js";
    assert_eq!(r.unmapped[bundle].ranges, 10);
    let warnings = r.unmapped_diagnostics();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0].message,
        "`/tmp/covlens-fixtures/ts/dist-esb/bundle.js`: 10 range(s) of generated code have no original position in its source map and are not attributed"
    );
    let r = remap_v8("tsc.job1.v8.json", &RemapOptions::default());
    assert_eq!(
        r.unmapped["/tmp/covlens-fixtures/ts/dist-tsc/main.js"].ranges,
        1
    );
    let r = remap::remap_istanbul(
        &read("esb.job1.nyc-raw.json"),
        &RemapOptions::default(),
        &ParseOptions::default(),
    )
    .expect("remaps");
    let u = r.unmapped[bundle];
    assert_eq!((u.statements, u.functions, u.branches), (18, 5, 9));
}

/// `node_modules` sources of a bundle are left out by default and listed; the switch keeps them
/// (then covlens equals c8, which keeps them: 8/10 lines, 3/3 branches, 2/3 functions).
#[test]
fn node_modules_excluded_by_default() {
    let r = remap_v8("esb.job2.v8.json", &RemapOptions::default());
    let files: Vec<String> = r.report.files.keys().map(|p| short(p)).collect();
    assert_eq!(files, ["src/main.ts", "src/shapes.ts"]);
    assert_eq!(
        r.excluded,
        ["/tmp/covlens-fixtures/ts/node_modules/tiny-pad/index.js"]
    );
    let keep = remap_v8(
        "esb.job2.v8.json",
        &RemapOptions {
            keep_ignored_sources: true,
        },
    );
    assert_eq!(
        per_file(&keep.report)["node_modules/tiny-pad/index.js"],
        [8, 10, 3, 3, 2, 3]
    );
    assert!(keep.excluded.is_empty());
}

/// A script with no map under node_modules (the tsc build `require`s the library's own JavaScript) is
/// left out as c8 leaves it out (test-exclude's default), and listed; the switch keeps it.
#[test]
fn unmapped_node_modules_scripts_are_left_out_as_c8_does() {
    let r = remap_v8("tsc.job1.v8.json", &RemapOptions::default());
    let files: Vec<String> = r.report.files.keys().map(|p| short(p)).collect();
    assert_eq!(files, ["src/main.ts", "src/shapes.ts"]);
    assert_eq!(
        r.excluded,
        ["/tmp/covlens-fixtures/ts/node_modules/tiny-pad/index.js"]
    );
    let keep = remap_v8(
        "tsc.job1.v8.json",
        &RemapOptions {
            keep_ignored_sources: true,
        },
    );
    assert!(keep.excluded.is_empty());
    assert!(keep
        .diagnostics
        .iter()
        .any(|d| d.message.contains("node_modules/tiny-pad/index.js")));
}

/// The original TypeScript text comes from `sourcesContent`; the map of each generated file is kept.
#[test]
fn source_text_and_maps_are_kept() {
    let r = remap_v8("esb.job1.v8.json", &RemapOptions::default());
    let text = &r.source_text["/tmp/covlens-fixtures/ts/src/shapes.ts"];
    assert!(text.starts_with("// shapes.ts: a class, a branchy function"));
    assert_eq!(text.lines().count(), 36);
    let m = &r.maps["/tmp/covlens-fixtures/ts/dist-esb/bundle.js"];
    assert_eq!(
        m.source_paths,
        [
            Some("/tmp/covlens-fixtures/ts/node_modules/tiny-pad/index.js".to_string()),
            Some("/tmp/covlens-fixtures/ts/src/shapes.ts".to_string()),
            Some("/tmp/covlens-fixtures/ts/src/main.ts".to_string()),
        ]
    );
}

/// The same .ts reached from the tsc build and the esbuild bundle merges into one file (ordinary merge).
#[test]
fn same_original_from_two_builds_merges() {
    let a = remap_v8("tsc.job1.v8.json", &RemapOptions::default()).report;
    let b = remap_v8("esb.job2.v8.json", &RemapOptions::default()).report;
    let mut merged = a.clone();
    covlens_core::merge_reports(&mut merged, &b);
    assert_eq!(merged.files.len(), 2);
    let main = &merged.files["/tmp/covlens-fixtures/ts/src/main.ts"];
    // Line 14 (`out.push(classify(-1))`, job2 only) is hit once after the merge.
    assert_eq!(
        main.line_hits(covlens_core::Line::new(14).unwrap()),
        Some(1)
    );
    assert_eq!(
        a.files["/tmp/covlens-fixtures/ts/src/main.ts"]
            .line_hits(covlens_core::Line::new(14).unwrap()),
        Some(0)
    );
}

/// LCOV of the generated JavaScript (nyc without source maps), remapped line by line.
#[test]
fn lcov_lines_remap_to_ts() {
    // SF paths are relative (`dist-tsc/main.js`): sources resolve against them (`src/main.ts`).
    let loaded = covlens_core::parse_bytes_as(
        covlens_core::Format::Lcov,
        &read("tsc.job1.gen.lcov"),
        &ParseOptions::default(),
    )
    .expect("lcov parses");
    let maps: BTreeMap<String, Vec<u8>> = ["main", "shapes"]
        .iter()
        .map(|n| {
            (
                format!("dist-tsc/{n}.js"),
                read(&format!("dist-tsc/{n}.js.map")),
            )
        })
        .collect();
    let r = remap::remap_lines(
        &loaded.report,
        &mut |p| {
            let bytes = maps.get(p)?;
            Some(
                covlens_core::sourcemap::decode(bytes, &Default::default())
                    .ok()?
                    .value,
            )
        },
        &RemapOptions::default(),
    );
    let files: Vec<String> = r.report.files.keys().map(|p| short(p)).collect();
    assert_eq!(files, ["src/main.ts", "src/shapes.ts"]);
    let t = per_file(&r.report);
    // main.ts: 9 of 14 lines hit, as nyc's own remapped report. shapes.ts: 12 of 19 here, nyc 10 of
    // 17 (branches 3/10 vs 3/8, functions 3/6 equal): an LCOV line only says "this generated line ran",
    // so the documented rule gives it to every original line its mappings point to, including lines
    // where nyc has no statement (it counts statement start lines); that is all an LCOV line carries.
    assert_eq!(t["src/main.ts"], [9, 14, 2, 4, 2, 3]);
    assert_eq!(t["src/shapes.ts"], [12, 19, 3, 10, 3, 6]);
    assert_eq!(r.unmapped["dist-tsc/main.js"].lines, 1);
    assert_eq!(r.unmapped["dist-tsc/shapes.js"].lines, 2);
}
