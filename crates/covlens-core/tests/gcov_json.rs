//! gcov JSON parser and the gzip container around it: exact values per rule, diagnostics with
//! positions, slice vs streaming entries, gzipped input through both front doors, real gcov 12 output
//! for a C++ template, and every corpus file with its totals.

// The ban on IO is for the library; its tests read the shared corpus.
#![allow(clippy::disallowed_methods)]

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use covlens_core::container::{self, Limits};
use covlens_core::{
    detect, parse_bytes, parse_bytes_as, parse_read, Diagnostic, FileCoverage, Format, Function,
    Loaded, ParseOptions,
};
use flate2::write::GzEncoder;
use flate2::Compression;

mod common;
use common::{at, branch, file, hits, line, totals};

const FORMAT: Format = Format::GcovJson;

fn load(input: &[u8]) -> Loaded {
    let slice = parse_bytes_as(FORMAT, input, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("slice entry failed: {}", e.render("input")));
    let read = parse_read(
        FORMAT,
        BufReader::with_capacity(7, input),
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

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Real output of `gcov --json-format --stdout -b t.cpp` (gcc 12.2, `current_working_directory`
/// shortened) for the template program of `tests/gcov_text.rs`: each instantiation lists its own lines.
const TEMPLATE_JSON: &str = r#"{"gcc_version": "12.2.0", "files": [{"lines": [{"branches": [], "count": 1, "line_number": 3, "unexecuted_block": false, "function_name": "_Z4pickIdET_S0_S0_"}, {"branches": [{"fallthrough": true, "count": 1, "throw": false}, {"fallthrough": false, "count": 0, "throw": false}], "count": 1, "line_number": 4, "unexecuted_block": false, "function_name": "_Z4pickIdET_S0_S0_"}, {"branches": [], "count": 1, "line_number": 5, "unexecuted_block": false, "function_name": "_Z4pickIdET_S0_S0_"}, {"branches": [], "count": 0, "line_number": 6, "unexecuted_block": true, "function_name": "_Z4pickIdET_S0_S0_"}, {"branches": [], "count": 1, "line_number": 3, "unexecuted_block": false, "function_name": "_Z4pickIiET_S0_S0_"}, {"branches": [{"fallthrough": true, "count": 0, "throw": false}, {"fallthrough": false, "count": 1, "throw": false}], "count": 1, "line_number": 4, "unexecuted_block": false, "function_name": "_Z4pickIiET_S0_S0_"}, {"branches": [], "count": 0, "line_number": 5, "unexecuted_block": true, "function_name": "_Z4pickIiET_S0_S0_"}, {"branches": [], "count": 1, "line_number": 6, "unexecuted_block": false, "function_name": "_Z4pickIiET_S0_S0_"}, {"branches": [], "count": 1, "line_number": 8, "unexecuted_block": false, "function_name": "main"}, {"branches": [], "count": 1, "line_number": 9, "unexecuted_block": false, "function_name": "main"}, {"branches": [], "count": 1, "line_number": 10, "unexecuted_block": false, "function_name": "main"}, {"branches": [{"fallthrough": true, "count": 0, "throw": false}, {"fallthrough": false, "count": 1, "throw": false}], "count": 1, "line_number": 11, "unexecuted_block": true, "function_name": "main"}, {"branches": [], "count": 1, "line_number": 12, "unexecuted_block": false, "function_name": "main"}, {"branches": [], "count": 1, "line_number": 13, "unexecuted_block": false, "function_name": "main"}], "functions": [{"blocks": 4, "end_column": 1, "start_line": 3, "name": "_Z4pickIdET_S0_S0_", "blocks_executed": 3, "execution_count": 1, "demangled_name": "double pick<double>(double, double)", "start_column": 3, "end_line": 7}, {"blocks": 4, "end_column": 1, "start_line": 3, "name": "_Z4pickIiET_S0_S0_", "blocks_executed": 3, "execution_count": 1, "demangled_name": "int pick<int>(int, int)", "start_column": 3, "end_line": 7}, {"blocks": 7, "end_column": 1, "start_line": 8, "name": "main", "blocks_executed": 6, "execution_count": 1, "demangled_name": "main", "start_column": 5, "end_line": 14}], "file": "t.cpp"}], "format_version": "1", "current_working_directory": "/tmp/t", "data_file": "t.cpp"}"#;

#[test]
fn template_lines_are_summed_per_line_and_instantiations_keep_their_branches() {
    let l = load(TEMPLATE_JSON.as_bytes());
    assert_eq!(detect(TEMPLATE_JSON.as_bytes()), Some(FORMAT));
    let fc = file(&l, "t.cpp");
    // The same numbers as gcov's text output of the run: line 5 is 1 + 0, line 6 is 0 + 1.
    assert_eq!(
        hits(fc),
        vec![
            (3, 2),
            (4, 2),
            (5, 1),
            (6, 1),
            (8, 1),
            (9, 1),
            (10, 1),
            (11, 1),
            (12, 1),
            (13, 1)
        ]
    );
    assert_eq!(
        fc.branches,
        vec![
            branch(4, 0, 0, Some(1)),
            branch(4, 0, 1, Some(0)),
            branch(4, 1, 0, Some(0)),
            branch(4, 1, 1, Some(1)),
            branch(11, 0, 0, Some(0)),
            branch(11, 0, 1, Some(1)),
        ]
    );
    assert_eq!(
        fc.functions[2],
        Function {
            name: "main".into(),
            start: line(8),
            end: Some(line(14)),
            hits: 1
        }
    );
    assert_eq!(totals(&l), [10, 10, 3, 6, 3, 3]);
    assert!(l.diagnostics.is_empty());
}

#[test]
fn branches_on_unexecuted_lines_were_never_evaluated() {
    let l = load(
        br#"{"format_version": "1", "gcc_version": "13.2.0", "files": [{"file": "a.c", "functions": [],
 "lines": [{"line_number": 7, "count": 0, "branches": [{"count": 0, "fallthrough": true, "throw": false},
   {"count": 0, "fallthrough": false, "throw": true}]},
  {"line_number": 9, "count": 4, "branches": [{"count": 0}, {"count": 4}]}]}]}"#,
    );
    assert_eq!(
        file(&l, "a.c").branches,
        vec![
            branch(7, 0, 0, None),
            branch(7, 0, 1, None),
            branch(9, 0, 0, Some(0)),
            branch(9, 0, 1, Some(4)),
        ]
    );
}

#[test]
fn bad_values_are_named_by_position_and_skipped() {
    let input = br#"{"gcc_version": "14.1.0", "format_version": "2", "files": [
{"file": "a.c", "functions": [
  {"name": "f", "start_line": 3, "end_line": 9, "execution_count": -1},
  {"name": "g", "execution_count": 2},
  {"name": "h", "start_line": 12, "end_line": 10, "execution_count": 1.5}],
 "lines": [
  {"line_number": 3, "count": -7, "branches": []},
  {"line_number": 0, "count": 1, "branches": []},
  {"line_number": 4, "count": "many", "branches": []},
  {"line_number": 5, "count": 2, "branches": [{"count": -1}], "conditions": [{"count": 2, "covered": 1}]}]},
{"file": 5}
]}"#;
    let l = load(input);
    let fc = file(&l, "a.c");
    assert_eq!(hits(fc), vec![(3, 0), (5, 2)]);
    assert_eq!(fc.branches, vec![branch(5, 0, 0, Some(0))]);
    assert_eq!(
        fc.functions,
        vec![Function {
            name: "f".into(),
            start: line(3),
            end: Some(line(9)),
            hits: 0
        }]
    );
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::warning(at(7, 3), "negative line count -7 clamped to 0"),
            Diagnostic::warning(
                at(8, 3),
                "line entry skipped: line_number 0 is not a line (1 or more)"
            ),
            Diagnostic::warning(
                at(9, 36),
                "line entry skipped: invalid type: string \"many\", expected a number"
            ),
            Diagnostic::warning(at(10, 3), "negative branch count -1 clamped to 0"),
            Diagnostic::warning(at(3, 3), "negative function count -1 clamped to 0"),
            Diagnostic::warning(at(4, 3), "function `g` skipped: no valid start line"),
            Diagnostic::warning(at(5, 3), "function count 1.5 is not an integer; skipped"),
            Diagnostic::warning(
                at(11, 10),
                "file record skipped: invalid type: integer `5`, expected a string"
            ),
        ]
    );
}

#[test]
fn unreadable_documents_are_errors_with_a_position() {
    let e = parse_bytes_as(
        FORMAT,
        b"{\"gcc_version\": \"12\",\n \"files\": [ {\"file\": ",
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.format, Some(FORMAT));
    assert_eq!(e.position, at(2, 21));
    assert_eq!(e.message, "EOF while parsing a value");
    let e = parse_bytes_as(
        FORMAT,
        b"{\"gcc_version\": \"12\"}",
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.message, "no `files` array at the top of the document");
}

#[test]
fn gzipped_documents_load_through_both_front_doors() {
    let packed = gz(TEMPLATE_JSON.as_bytes());
    assert!(container::is_gzip(&packed));
    // Detection looks through the gzip wrapper.
    assert_eq!(detect(&packed), Some(FORMAT));
    assert_eq!(
        detect(&container::gunzip_prefix(&packed, 8192)),
        Some(FORMAT)
    );
    let plain = parse_bytes(TEMPLATE_JSON.as_bytes(), &ParseOptions::default()).unwrap();
    let by_detection = parse_bytes(&packed, &ParseOptions::default()).unwrap();
    assert_eq!(by_detection.format, FORMAT);
    assert_eq!(by_detection.report, plain.report);
    let read = parse_read(
        FORMAT,
        BufReader::with_capacity(16, &packed[..]),
        &ParseOptions::default(),
    )
    .unwrap();
    assert_eq!(read.report, plain.report);
    let as_format = parse_bytes_as(FORMAT, &packed, &ParseOptions::default()).unwrap();
    assert_eq!(as_format.report, plain.report);
}

#[test]
fn gzip_bombs_and_corrupt_streams_fail_with_a_clear_message() {
    let bomb = gz(&vec![b' '; 8 << 20]);
    let e = container::gunzip(
        &bomb,
        &Limits {
            max_output_bytes: 1 << 20,
            ..Limits::DEFAULT
        },
    )
    .unwrap_err();
    assert_eq!(e.format, None);
    assert_eq!(
        e.message,
        "gzip data expands past the limit of 1048576 bytes (a decompression bomb, or raise the limit)"
    );
    // Where a limit trips depends on read sizes, so it has no position (the same through both doors).
    assert_eq!(
        e.render("x.gz"),
        "x.gz: failed to read: gzip data expands past the limit of 1048576 bytes (a decompression bomb, or raise the limit)"
    );
    let e = container::gunzip(
        &bomb,
        &Limits {
            max_ratio: 100,
            ratio_floor_bytes: 1 << 20,
            ..Limits::DEFAULT
        },
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "gzip data expands more than 100:1 past its first 1048576 bytes (a decompression bomb, or raise the limit)"
    );
    // A cut file through the front door: the error names the container, not the format.
    let packed = gz(TEMPLATE_JSON.as_bytes());
    let e = parse_bytes(&packed[..packed.len() / 2], &ParseOptions::default()).unwrap_err();
    assert_eq!(e.message, "gzip data is cut short (truncated file?)");
    // The streaming door words it the same (tests/gzip_errors.rs checks every case).
    let e = parse_read(
        FORMAT,
        BufReader::new(&packed[..packed.len() / 2]),
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.message, "gzip data is cut short (truncated file?)");
}

// ---------------------------------------------------------------------------------------- corpus

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/gcov-json"
    ))
    .to_path_buf();
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} is absent; corpus tests skipped", dir.display());
        None
    }
}

/// Lines, branches, functions (hit, found). gcc12-demo is the same run as `gcov-text`'s
/// gcc12-demo.c.gcov, whose gcov summary is `Lines executed:86.67% of 15`, `Taken at least once:
/// 90.00% of 10` (reproduced with gcc 12.2 here); mozillavpn (gcc 9.4, no branches) was counted by an
/// independent reading of the JSON (lines merged by number across the 38 files' entries).
const CORPUS: &[(&str, [u64; 6])] = &[
    (
        "generated-locally/gcc12-demo.gcov.json",
        [13, 15, 9, 10, 2, 3],
    ),
    (
        "generated-locally/gcc12-demo.gcov.json.gz",
        [13, 15, 9, 10, 2, 3],
    ),
    (
        "grcov-mozillavpn-gcc9.gcov.json.gz",
        [376, 647, 0, 0, 281, 391],
    ),
];

#[test]
fn corpus_totals() {
    let Some(dir) = corpus_dir() else { return };
    for (name, want) in CORPUS {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let l = parse_bytes(&bytes, &ParseOptions::default()).unwrap();
        assert_eq!(l.format, FORMAT, "{name}");
        // No corpus file gives a diagnostic.
        assert_eq!(l.diagnostics, vec![], "{name}");
        assert_eq!(totals(&l), *want, "{name}");
        let read = parse_read(
            FORMAT,
            BufReader::with_capacity(100, &bytes[..]),
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(read.report, l.report, "{name}");
    }
    let text = std::fs::read(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/gcov-text"
        ))
        .join("generated-locally/gcc12-demo.c.gcov"),
    );
    if let Ok(text) = text {
        // gcov's text and JSON of one run agree line for line, branch for branch.
        let t = parse_bytes(&text, &ParseOptions::default()).unwrap();
        let j = parse_bytes(
            &std::fs::read(dir.join("generated-locally/gcc12-demo.gcov.json")).unwrap(),
            &ParseOptions::default(),
        )
        .unwrap();
        let (tf, jf) = (&t.report.files["demo.c"], &j.report.files["demo.c"]);
        assert_eq!(tf.lines, jf.lines);
        let taken = |f: &FileCoverage| {
            f.branches
                .iter()
                .map(|b| (b.line, b.taken.unwrap_or(0)))
                .collect::<Vec<_>>()
        };
        assert_eq!(taken(tf), taken(jf));
        let names = |f: &FileCoverage| {
            f.functions
                .iter()
                .map(|f| (f.name.clone(), f.start, f.hits))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(tf), names(jf));
    }
}
