//! Tests of the worker's source maps: the real c8 / nyc fixtures of tests/fixtures/ts (c8's and nyc's own
//! remapped summaries are the expected numbers) and the bundled page of tests/e2e/sourcemap.test.mjs.

use super::*;
use crate::protocol::{Count, Summary};
use crate::worker_state::ProgressRead;
use std::io::BufReader;

fn ts_fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/ts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bundled(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/e2e/fixtures/bundled/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Loads as the worker does: streamed in small chunks.
fn load(st: &mut WorkerState, name: &str, bytes: &[u8]) {
    let reader = BufReader::with_capacity(4096, ProgressRead::new(bytes, |_| {}));
    st.load_stream(name, bytes.len() as u64, reader);
}

fn c(hit: u64, found: u64) -> Count {
    Count { hit, found }
}

fn s(l: (u64, u64), b: (u64, u64), f: (u64, u64)) -> Summary {
    Summary {
        lines: c(l.0, l.1),
        branches: c(b.0, b.1),
        functions: c(f.0, f.1),
    }
}

const TS: &str = "/tmp/covlens-fixtures/ts/";

fn rows(st: &WorkerState) -> Vec<(String, Summary)> {
    st.view()
        .files
        .into_iter()
        .map(|r| (r.path.trim_start_matches(TS).to_string(), r.totals))
        .collect()
}

/// c8 10.1.3's own remapped json-summary per .ts file (tests/fixtures/ts/*.c8-summary.json, checked
/// against the files by covlens-core's tests/remap.rs): the page gives the same numbers from the dumps
/// alone (their `source-map-cache` carries the maps with `sourcesContent` and Node's line lengths).
#[test]
fn c8_dumps_remap_on_load_to_c8s_own_numbers() {
    let expected = [
        (
            "tsc.job1",
            s((19, 27), (2, 4), (1, 2)),
            s((29, 36), (3, 7), (3, 5)),
        ),
        (
            "tsc.job2",
            s((24, 27), (2, 3), (1, 2)),
            s((33, 36), (10, 13), (5, 5)),
        ),
        (
            "esb.job1",
            s((22, 27), (2, 4), (1, 1)),
            s((29, 36), (3, 7), (3, 5)),
        ),
        (
            "esb.job2",
            s((27, 27), (2, 3), (1, 1)),
            s((34, 36), (10, 13), (5, 5)),
        ),
    ];
    for (case, main, shapes) in expected {
        let mut st = WorkerState::new();
        let name = format!("{case}.v8.json");
        load(&mut st, &name, &ts_fixture(&name));
        assert_eq!(
            rows(&st),
            [
                ("src/main.ts".to_string(), main),
                ("src/shapes.ts".to_string(), shapes)
            ],
            "{case}"
        );
        let v = st.view();
        assert_eq!(v.errors, vec![]);
        let info = v.shards[0].remap.clone().expect("remapped");
        assert_eq!(info.via, ["source-map-cache"]);
        assert_eq!(info.originals, 2, "{case}");
        // tiny-pad: a script under node_modules (tsc) or a source of the bundle (esbuild), left out.
        assert_eq!(
            info.excluded,
            [format!("{TS}node_modules/tiny-pad/index.js")],
            "{case}"
        );
    }
}

/// The esbuild bundle: one generated file, 10 V8 ranges of esbuild's runtime helpers with no original,
/// tiny-pad left out; the switch brings it back with c8's numbers (8/10 lines, 3/3 branches, 2/3
/// functions in job2) and counts it out again when turned off.
#[test]
fn unmapped_and_excluded_are_counted_and_the_switch_keeps_libraries() {
    let mut st = WorkerState::new();
    load(&mut st, "esb.job2.v8.json", &ts_fixture("esb.job2.v8.json"));
    let row = &st.view().shards[0];
    let info = row.remap.clone().unwrap();
    assert_eq!((info.generated, info.originals, info.unmapped), (1, 2, 10));
    assert_eq!(info.unmapped_text, "10 ranges");
    assert_eq!(
        info.note(),
        "remapped 1 generated file to 2 original files through source-map-cache; 10 ranges of generated code have no original (not counted); 1 library source left out (under node_modules or ignored by the map)"
    );
    assert!(
        row.diagnostics.iter().any(|d| d.ends_with(
            "note: `/tmp/covlens-fixtures/ts/dist-esb/bundle.js`: 10 range(s) of generated code have no original position in its source map and are not attributed"
        )),
        "{:?}",
        row.diagnostics
    );
    let id = row.id;
    assert!(st.rename(id, "esbuild job2"));
    assert!(st.set_include_libraries(true));
    assert!(!st.set_include_libraries(true), "no change, nothing to do");
    let r = rows(&st);
    assert_eq!(r.len(), 3);
    assert_eq!(
        r[0],
        (
            "node_modules/tiny-pad/index.js".to_string(),
            s((8, 10), (3, 3), (2, 3))
        )
    );
    let v = st.view();
    assert_eq!(
        (v.shards[0].id, v.shards[0].name.as_str()),
        (id, "esbuild job2")
    );
    assert_eq!(
        v.shards[0].remap.as_ref().unwrap().excluded,
        Vec::<String>::new()
    );
    assert!(st.set_include_libraries(false));
    assert_eq!(rows(&st).len(), 2);
    // Clear keeps the switch (it is the page's), and forgets the rest.
    st.set_include_libraries(true);
    st.clear();
    assert!(st.remap.options().keep_ignored_sources);
    assert_eq!(st.remap.maps(), 0);
}

/// The TypeScript text comes from the map's `sourcesContent`, with c8's line hits.
#[test]
fn an_original_file_shows_its_typescript_from_sources_content() {
    let mut st = WorkerState::new();
    load(&mut st, "tsc.job1.v8.json", &ts_fixture("tsc.job1.v8.json"));
    let d = st.file_detail(&format!("{TS}src/shapes.ts"));
    let text = d.text.as_deref().unwrap();
    assert!(text.starts_with("// shapes.ts: a class, a branchy function"));
    assert_eq!(d.line_count, 36);
    assert_eq!(
        crate::source::origin_text(&d.origin),
        "source text from the report tsc.job1.v8.json (sourcesContent of its source map)"
    );
    // Per-line hits as c8's coverage-final.json has them (the core checks every line of it).
    let hits = |n: u32| crate::source::detail_of(&d.lines, n).and_then(|l| l.hits);
    let lines: Vec<(u32, Option<u64>)> = (1..=36).map(|n| (n, hits(n))).collect();
    let uncovered: Vec<u32> = lines
        .iter()
        .filter(|(_, h)| *h == Some(0))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(uncovered.len(), 7, "{lines:?}");
}

/// A Playwright `page.coverage` JSON of the bundled page (tests/e2e/fixtures/bundled, recorded once as
/// the browser test records it: two clicks on Count). Its script names `app.js.map`, which is not in
/// the JSON: loaded alone it is the bundle; the map dropped afterwards converts the same shard again in
/// place to the TypeScript sources.
#[test]
fn a_map_dropped_after_its_report_converts_the_shard_in_place() {
    let cov = bundled("coverage.sample.json");
    let origin = "http://127.0.0.1:33151";
    let mut st = WorkerState::new();
    load(&mut st, "coverage.json", &cov);
    let v = st.view();
    assert_eq!(v.errors, vec![]);
    let paths: Vec<&str> = v.files.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, [format!("{origin}/dist/app.js")]);
    assert_eq!(v.shards[0].remap, None);
    let id = v.shards[0].id;
    assert!(st.set_enabled(id, false));
    load(&mut st, "dist/app.js.map", &bundled("dist/app.js.map"));
    let v = st.view();
    assert_eq!(v.errors, vec![]);
    assert_eq!(v.shards.len(), 1);
    assert_eq!((v.shards[0].id, v.shards[0].enabled), (id, false));
    let info = v.shards[0].remap.clone().unwrap();
    assert_eq!(info.via, ["dist/app.js.map"]);
    assert!(st.set_enabled(id, true));
    let paths: Vec<String> = st.view().files.into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            format!("{origin}/src/counter.ts"),
            format!("{origin}/src/main.ts")
        ]
    );
    let hits = |path: &str| -> Vec<(u32, u64)> {
        st.file_detail(&format!("{origin}/src/{path}"))
            .lines
            .iter()
            .filter_map(|l| Some((l.line, l.hits?)))
            .collect()
    };
    // counter.ts: `increment` ran twice and never reached its limit (lines 9-10 never ran), `reset`'s
    // body (16-17) never ran (its first line 15 keeps the class's count, as in c8); `label` ran twice,
    // never with 0 (22-23).
    let counter = hits("counter.ts");
    let zero: Vec<u32> = counter.iter().filter(|h| h.1 == 0).map(|h| h.0).collect();
    assert_eq!(zero, [9, 10, 16, 17, 22, 23], "{counter:?}");
    assert!(
        counter.contains(&(8, 2)) && counter.contains(&(11, 2)) && counter.contains(&(25, 2)),
        "{counter:?}"
    );
    // main.ts: the Count handler (10) ran twice, the Reset handler (14-15) never.
    let main = hits("main.ts");
    let zero: Vec<u32> = main.iter().filter(|h| h.1 == 0).map(|h| h.0).collect();
    assert_eq!(zero, [14, 15], "{main:?}");
    assert!(main.contains(&(10, 2)), "{main:?}");
    // The TypeScript text is the map's.
    let d = st.file_detail(&format!("{origin}/src/main.ts"));
    assert!(d
        .text
        .unwrap()
        .contains("button.addEventListener('click', () => {"));
}

/// The inspector both ways on the bundled page: main.ts line 10 is generated line 36 of app.js, and
/// generated line 36 goes back to main.ts line 10.
#[test]
fn the_mapping_inspector_answers_both_ways() {
    let origin = "http://127.0.0.1:33151";
    let mut st = WorkerState::new();
    load(&mut st, "app.js.map", &bundled("dist/app.js.map"));
    load(&mut st, "coverage.json", &bundled("coverage.sample.json"));
    let main = format!("{origin}/src/main.ts");
    let app = format!("{origin}/dist/app.js");
    let v = st.mapping(&MappingQuery {
        path: main.clone(),
        first: 10,
        last: 10,
    });
    assert_eq!(v.direction, Some(Direction::ToGenerated));
    assert_eq!(v.counterparts.len(), 1);
    let c = &v.counterparts[0];
    assert_eq!(c.path, app);
    assert_eq!(
        (c.map.as_str(), c.shard.as_str()),
        ("app.js.map", "coverage.json")
    );
    let marked: Vec<(u32, String)> = c
        .excerpt
        .iter()
        .filter(|l| l.marked())
        .map(|l| (l.line, l.marked_text()))
        .collect();
    // esbuild maps generated 36:0 to 10:2 and 37:0 (the indentation before `});`) to 10:48.
    assert_eq!(
        marked,
        [
            (
                36,
                "    output.textContent = label(counter.increment());".to_string()
            ),
            (37, "  ".to_string())
        ]
    );
    let lines: Vec<u32> = c.excerpt.iter().map(|l| l.line).collect();
    assert_eq!(lines, [34, 35, 36, 37, 38, 39]);
    // Back from the generated line.
    let r = st.mapping(&MappingQuery {
        path: app.clone(),
        first: 36,
        last: 36,
    });
    assert_eq!(r.direction, Some(Direction::ToOriginal));
    let marked: Vec<(String, u32, String)> = r
        .counterparts
        .iter()
        .flat_map(|c| {
            c.excerpt
                .iter()
                .filter(|l| l.marked())
                .map(move |l| (c.path.clone(), l.line, l.marked_text()))
        })
        .collect();
    assert_eq!(
        marked,
        [(
            main.clone(),
            10,
            "output.textContent = label(counter.increment());".to_string()
        )]
    );
    // A type-only line has no generated code; a file no map knows has no direction.
    let t = st.mapping(&MappingQuery {
        path: main.clone(),
        first: 2,
        last: 2,
    });
    assert_eq!(t.direction, Some(Direction::ToGenerated));
    assert!(t.empty_text().is_some());
    let none = st.mapping(&MappingQuery {
        path: "src/other.c".into(),
        first: 1,
        last: 1,
    });
    assert_eq!(none.direction, None);
}

/// An LCOV of the generated JavaScript (nyc without source maps) and the tsc maps, in either order: the
/// line rule of covlens-core's `remap_lines` (main.ts 9/14 as nyc's own remapped report).
#[test]
fn an_lcov_of_generated_files_remaps_with_dropped_maps_in_either_order() {
    let maps = ["dist-tsc/main.js.map", "dist-tsc/shapes.js.map"];
    let expected = vec![
        ("src/main.ts".to_string(), s((9, 14), (2, 4), (2, 3))),
        ("src/shapes.ts".to_string(), s((12, 19), (3, 10), (3, 6))),
    ];
    let mut st = WorkerState::new();
    for m in maps {
        load(&mut st, m, &ts_fixture(m));
    }
    load(
        &mut st,
        "tsc.job1.gen.lcov",
        &ts_fixture("tsc.job1.gen.lcov"),
    );
    assert_eq!(rows(&st), expected);
    let info = st.view().shards[0].remap.clone().unwrap();
    assert_eq!((info.unmapped, info.unmapped_text.as_str()), (3, "3 lines"));
    let mut st = WorkerState::new();
    load(
        &mut st,
        "tsc.job1.gen.lcov",
        &ts_fixture("tsc.job1.gen.lcov"),
    );
    assert_eq!(rows(&st)[0].0, "dist-tsc/main.js");
    load(&mut st, maps[0], &ts_fixture(maps[0]));
    let r = rows(&st);
    assert_eq!(
        r.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["dist-tsc/shapes.js", "src/main.ts"]
    );
    load(&mut st, maps[1], &ts_fixture(maps[1]));
    assert_eq!(rows(&st), expected);
    assert_eq!(st.view().shards[0].remap.as_ref().unwrap().via, maps);
}

/// nyc's `.nyc_output` file (with `inputSourceMap`) remaps to nyc's own numbers.
#[test]
fn an_istanbul_input_with_input_source_map_remaps_on_load() {
    let mut st = WorkerState::new();
    load(
        &mut st,
        "esb.job1.nyc-raw.json",
        &ts_fixture("esb.job1.nyc-raw.json"),
    );
    assert_eq!(
        rows(&st),
        [
            ("src/main.ts".to_string(), s((8, 12), (1, 3), (2, 2))),
            ("src/shapes.ts".to_string(), s((9, 16), (3, 8), (3, 6))),
        ]
    );
    let info = st.view().shards[0].remap.clone().unwrap();
    assert_eq!(info.unmapped_text, "18 statements, 5 functions, 9 branches");
    assert_eq!(info.via, ["inputSourceMap"]);
}

/// A `.map` that is not a source map is a load error saying why; a `.map` that is not JSON (a linker
/// map) stays a source file.
#[test]
fn a_broken_map_is_a_load_error() {
    let mut st = WorkerState::new();
    load(
        &mut st,
        "bad.js.map",
        br#"{"version":3,"sources":"x","mappings":""}"#,
    );
    load(&mut st, "linker.map", b"Memory Configuration\n");
    let v = st.view();
    assert_eq!(v.errors.len(), 1);
    assert!(
        v.errors[0]
            .message
            .starts_with("bad.js.map: failed to read: not a usable source map (`sources`)"),
        "{}",
        v.errors[0].message
    );
    assert_eq!(st.source_files(), 1);
    assert_eq!(st.remap.maps(), 0);
}
