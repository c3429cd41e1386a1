//! V8 coverage: c8's own totals on real Node dumps, a Playwright capture, the corpus (values from
//! v8-to-istanbul 9.3.0 run through c8's pipeline), missing-text notices and malformed input.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::type_complexity,
    reason = "tests read the shared corpus and fixtures; the library itself does no IO"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{corpus, err_of, file, hits, load};
use covlens_core::formats::v8;
use covlens_core::{detect, Format, Loaded, ParseOptions, Position, Severity, Totals};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(FIXTURES).join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// found/hit of lines, branches, functions, statements.
fn counts(t: &Totals) -> [(u64, u64); 4] {
    [
        (t.lines.found, t.lines.hit),
        (t.branches.found, t.branches.hit),
        (t.functions.found, t.functions.hit),
        (t.statements.found, t.statements.hit),
    ]
}

/// The same from an istanbul-lib-coverage summary object (c8's json-summary).
fn summary_counts(v: &serde_json::Value) -> [(u64, u64); 4] {
    let c = |k: &str| {
        (
            v[k]["total"].as_u64().expect("total"),
            v[k]["covered"].as_u64().expect("covered"),
        )
    };
    [c("lines"), c("branches"), c("functions"), c("statements")]
}

/// Loads with a lookup that reads `file://` scripts from `dir` by their file name (the fixture's
/// sources are copies of `tests/fixtures/src/js`).
fn load_with_dir(bytes: &[u8], dir: &Path) -> Loaded {
    let mut lookup = |url: &str| {
        let name = url.rsplit('/').next()?;
        std::fs::read_to_string(dir.join(name)).ok()
    };
    v8::load(bytes, &ParseOptions::default(), &mut lookup).expect("v8 load")
}

#[test]
fn c8_fixtures_give_c8s_own_totals() {
    let src = PathBuf::from(FIXTURES).join("src/js");
    for job in ["job1", "job2"] {
        let bytes = fixture(&format!("v8/{job}.v8.json"));
        assert_eq!(detect(&bytes), Some(Format::V8));
        let loaded = load_with_dir(&bytes, &src);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let summary: serde_json::Value =
            serde_json::from_slice(&fixture(&format!("v8/{job}.c8-summary.json"))).unwrap();
        assert_eq!(
            counts(&Totals::of_report(&loaded.report)),
            summary_counts(&summary["total"]),
            "{job} total"
        );
        for (path, fc) in &loaded.report.files {
            fc.check_invariants().unwrap();
            assert_eq!(
                counts(&Totals::of_file(fc)),
                summary_counts(&summary[path.as_str()]),
                "{job} {path}"
            );
        }
        assert_eq!(loaded.report.files.len(), 2);
    }
}

#[test]
fn c8_job1_values_side_by_side() {
    // c8 10.1.3 json-summary of job 1: lines 39/56, branches 6/10, functions 3/6 (statements = lines).
    let loaded = load_with_dir(
        &fixture("v8/job1.v8.json"),
        &Path::new(FIXTURES).join("src/js"),
    );
    let t = Totals::of_report(&loaded.report);
    assert_eq!(counts(&t), [(56, 39), (10, 6), (6, 3), (56, 39)]);
    let calc = file(&loaded, "/tmp/covlens-fixtures/ci-a/js/calc.js");
    let names: Vec<(&str, u32, u64)> = calc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    // Two classes' constructors are both `functionName`d after their class by V8; `neverCalled` is 0.
    assert_eq!(
        names,
        vec![
            ("Adder", 5, 1),
            ("Scaler", 12, 0),
            ("add", 8, 1),
            ("classify", 20, 2),
            ("neverCalled", 36, 0),
            ("scale", 15, 0),
        ]
    );
}

#[test]
fn playwright_capture_gives_the_reference_totals() {
    let bytes = fixture("v8/playwright.coverage.json");
    assert_eq!(detect(&bytes), Some(Format::V8));
    // The text is in the input (`source`): both generic front doors give lines.
    let loaded = load(Format::V8, &bytes);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let summary: serde_json::Value =
        serde_json::from_slice(&fixture("v8/playwright.summary.json")).unwrap();
    assert_eq!(
        counts(&Totals::of_report(&loaded.report)),
        summary_counts(&summary["total"])
    );
    assert_eq!(
        counts(&Totals::of_report(&loaded.report)),
        [(26, 20), (7, 5), (3, 2), (26, 20)]
    );
    let app = file(&loaded, "http://covlens.test/app.js");
    // CRLF and astral characters: `neverCalled` (lines 16-18) is 0, the ignored helper (20-23) is 1.
    let h = hits(app);
    assert_eq!(&h[15..18], &[(16, 0), (17, 0), (18, 0)]);
    assert_eq!(&h[19..23], &[(20, 1), (21, 1), (22, 1), (23, 1)]);
    let f: Vec<(&str, u64)> = app
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.hits))
        .collect();
    assert_eq!(
        f,
        vec![("ignoredHelper", 1), ("label", 2), ("neverCalled", 0)]
    );
}

/// Corpus script coverage with its script text: (coverage, script, lines, branches, functions).
const CORPUS_CASES: [(&str, &str, [(u64, u64); 3]); 4] = [
    (
        "v8/v8-to-istanbul-branches.v8.json",
        "v8/v8-to-istanbul-branches.js",
        [(38, 36), (10, 4), (2, 2)],
    ),
    (
        "v8/v8-to-istanbul-functions.v8.json",
        "v8/v8-to-istanbul-functions.js",
        [(48, 39), (9, 6), (7, 4)],
    ),
    (
        "v8/demurgos-nested-if/cov.0.json",
        "v8/demurgos-nested-if/lib.js",
        [(15, 8), (5, 3), (1, 1)],
    ),
    (
        "v8/demurgos-nested-if/cov.all.json",
        "v8/demurgos-nested-if/lib.js",
        [(15, 15), (6, 6), (1, 1)],
    ),
];

#[test]
fn corpus_scripts_give_v8_to_istanbuls_totals() {
    let Some(dir) = corpus() else { return };
    for (cov, script, expected) in CORPUS_CASES {
        let bytes = std::fs::read(dir.join(cov)).unwrap();
        assert_eq!(detect(&bytes), Some(Format::V8), "{cov}");
        let text = std::fs::read_to_string(dir.join(script)).unwrap();
        let mut asked = Vec::new();
        let mut lookup = |url: &str| {
            asked.push(url.to_string());
            Some(text.clone())
        };
        let loaded = v8::load(&bytes, &ParseOptions::default(), &mut lookup).unwrap();
        assert_eq!(asked.len(), 1, "{cov}");
        assert!(
            loaded.diagnostics.is_empty(),
            "{cov}: {:?}",
            loaded.diagnostics
        );
        let t = Totals::of_report(&loaded.report);
        let c = counts(&t);
        assert_eq!([c[0], c[1], c[2]], expected, "{cov}");
    }
}

#[test]
fn corpus_branches_lines_and_repeated_names() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("v8/v8-to-istanbul-branches.js")).unwrap();
    let bytes = std::fs::read(dir.join("v8/v8-to-istanbul-branches.v8.json")).unwrap();
    let loaded = v8::load(&bytes, &ParseOptions::default(), &mut |_| {
        Some(text.clone())
    })
    .unwrap();
    let fc = file(&loaded, "./test/fixtures/scripts/branches.js");
    // v8-to-istanbul: lines 12 and 13 are 0, every other line 1.
    let zero: Vec<u32> = hits(fc)
        .into_iter()
        .filter(|&(_, h)| h == 0)
        .map(|(l, _)| l)
        .collect();
    assert_eq!(zero, vec![12, 13]);
    // Its branches as (line, start column, taken), in v8-to-istanbul's branchMap.
    let mut b: Vec<(u32, u32, u64)> = fc
        .branches
        .iter()
        .map(|b| (b.line.get(), b.id.block, b.taken.unwrap()))
        .collect();
    b.sort();
    let mut expected = vec![
        (1, 0, 1),
        (2, 13, 0),
        (5, 16, 0),
        (8, 26, 0),
        (11, 11, 0),
        (31, 5, 0),
        (22, 8, 1),
        (29, 31, 0),
        (33, 0, 1),
        // v8-to-istanbul's column is -1 here (the range starts at the previous line's `\n`).
        (35, 0, 1),
    ];
    expected.sort();
    assert_eq!(b, expected);

    let text = std::fs::read_to_string(dir.join("v8/v8-to-istanbul-functions.js")).unwrap();
    let bytes = std::fs::read(dir.join("v8/v8-to-istanbul-functions.v8.json")).unwrap();
    let loaded = v8::load(&bytes, &ParseOptions::default(), &mut |_| {
        Some(text.clone())
    })
    .unwrap();
    let fc = file(&loaded, "./test/fixtures/scripts/functions.js");
    let f: Vec<(&str, u32, u64)> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    // v8-to-istanbul fnMap (name, line, column, count): a 4:30 0, b 11:8 1, c 27:1 2, Foo 33:21 0,
    // hello 37:24 0, Bar 43:15 1, hello 47:5 1.
    assert_eq!(
        f,
        vec![
            ("Bar", 43, 1),
            ("Foo", 33, 0),
            ("a", 4, 0),
            ("b", 11, 1),
            ("c", 27, 2),
            ("hello@37:24", 37, 0),
            ("hello@47:5", 47, 1),
        ]
    );
}

#[test]
fn node_dumps_skip_node_internals_and_keep_the_source_map_cache() {
    let Some(dir) = corpus() else { return };
    // Node 10.11: 31 internal scripts (bare names) and one without a URL; nothing of the user's.
    let bytes = std::fs::read(dir.join("v8/demurgos-node10.11.0-coverage-28645.json")).unwrap();
    assert_eq!(detect(&bytes), Some(Format::V8));
    let loaded = load(Format::V8, &bytes);
    assert!(loaded.report.files.is_empty());
    let messages: Vec<&str> = loaded
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "skipped 31 script(s) of Node.js itself (`node:*` and bare module names), as c8 does",
            "skipped 1 script(s) without a URL (evaluated code)",
        ]
    );
    assert!(loaded
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Note));

    // Node 20: 63 `node:` scripts, one file script, its source-map-cache entry.
    let bytes =
        std::fs::read(dir.join("v8/generated-locally/node20-needs-compile.NODE_V8_COVERAGE.json"))
            .unwrap();
    let parsed = v8::parse(&bytes, &ParseOptions::default()).unwrap();
    assert!(parsed.diagnostics.is_empty());
    let cov = parsed.value;
    assert_eq!(cov.shape, v8::Shape::Process);
    assert_eq!(cov.scripts.len(), 64);
    assert_eq!(cov.timestamp, Some(740.790353));
    let url = "file:///home/dev/v8run/needs-compile.compiled.js";
    assert_eq!(cov.scripts_needing_text(), vec![url]);
    let entry = &cov.source_map_cache[url];
    assert!(!entry.line_lengths.is_empty());
    let map: serde_json::Value =
        serde_json::from_str(entry.data.as_deref().expect("map data")).unwrap();
    assert_eq!(map["version"], 3);
}

#[test]
fn a_script_without_text_is_left_out_with_a_notice() {
    let Some(dir) = corpus() else { return };
    let bytes =
        std::fs::read(dir.join("v8/generated-locally/node20-needs-compile.NODE_V8_COVERAGE.json"))
            .unwrap();
    let loaded = load(Format::V8, &bytes);
    // No position is made up: the script is not in the report at all.
    assert!(!loaded
        .report
        .files
        .contains_key("/home/dev/v8run/needs-compile.compiled.js"));
    let warning = loaded
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Warning)
        .expect("a warning");
    assert!(
        warning.message.starts_with(
            "script `file:///home/dev/v8run/needs-compile.compiled.js` has no source text: not loaded (its 6 function(s), 5 hit,"
        ),
        "{}",
        warning.message
    );
    assert!(warning
        .message
        .contains("keep the file at `/home/dev/v8run/needs-compile.compiled.js`"));
    assert!(matches!(
        warning.position,
        Some(Position::LineCol { line: 1, .. })
    ));
}

#[test]
fn malformed_entries_are_skipped_at_their_position() {
    let input = br#"{"result":[
 {"scriptId":"1","url":"file:///a.js","functions":[
  {"functionName":"f","ranges":[{"startOffset":0,"endOffset":5,"count":2}],"isBlockCoverage":true},
  {"functionName":"g","ranges":[{"startOffset":"x","endOffset":5,"count":1}],"isBlockCoverage":true},
  {"functionName":"h","ranges":[{"startOffset":4,"endOffset":1,"count":1}],"isBlockCoverage":true}]},
 {"scriptId":2}
]}"#;
    assert_eq!(detect(input), Some(Format::V8));
    // The script's text comes from the lookup (without it the script would not be loaded).
    let loaded = v8::load(input, &ParseOptions::default(), &mut |_| {
        Some("function f() {}\nfunction g() {}\n".to_string())
    })
    .unwrap();
    let rendered: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| d.render("cov.json"))
        .collect();
    assert_eq!(rendered[0], "cov.json:4:50: warning: script `file:///a.js`: function entry is not a V8 FunctionCoverage object (invalid type: string \"x\", expected a number); skipped");
    assert_eq!(rendered[1], "cov.json:5:3: warning: script `file:///a.js`: function `h`: range 4..1 ends before it starts; skipped");
    assert_eq!(
        rendered[2],
        "cov.json:5:3: warning: script `file:///a.js`: function `h` has no valid range; skipped"
    );
    assert_eq!(
        rendered[3],
        "cov.json:6:2: warning: script entry `` has no `functions` array; skipped"
    );
    let fc = file(&loaded, "/a.js");
    assert_eq!(fc.functions.len(), 1);
    assert_eq!(
        (fc.functions[0].name.as_str(), fc.functions[0].hits),
        ("f", 2)
    );

    let err = err_of(
        Format::V8,
        b"{\"result\": [\n  {\"scriptId\": \"1\",, }\n]}",
    );
    assert_eq!(
        err.render("cov.json"),
        "cov.json: failed to parse V8 JavaScript coverage at 2:20: key must be a string"
    );
}

#[test]
fn text_from_the_input_and_from_the_lookup_agree() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("v8/demurgos-nested-if/lib.js")).unwrap();
    let bytes = std::fs::read(dir.join("v8/demurgos-nested-if/cov.all.json")).unwrap();
    let from_lookup = v8::load(&bytes, &ParseOptions::default(), &mut |_| {
        Some(text.clone())
    })
    .unwrap();
    // The same script as a Playwright-style list with `source`.
    let mut script: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    script["source"] = serde_json::Value::String(text.clone());
    let list = serde_json::to_vec(&serde_json::Value::Array(vec![script])).unwrap();
    let from_input = load(Format::V8, &list);
    assert_eq!(from_lookup.report, from_input.report);
    assert!(from_input.diagnostics.is_empty());
}
