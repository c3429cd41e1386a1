//! gcov text parser (classic `.gcov` and the `gcov -i` intermediate format): exact values per grammar
//! rule, diagnostics with positions, slice vs streaming entries, real gcov 12 output for a C++ template,
//! and every corpus file with its totals (checked against gcov's own summary where gcov could be run).

// The ban on IO is for the library; its tests read the shared corpus.
#![allow(clippy::disallowed_methods)]

use std::io::BufReader;
use std::path::{Path, PathBuf};

use covlens_core::{
    detect, parse_bytes_as, parse_read, Diagnostic, Format, Function, LineHit, Loaded,
    ParseOptions, Position,
};

mod common;
use common::{at, branch, file, hits, line, totals};

const FORMAT: Format = Format::GcovText;

/// Both entries (the reader through a 7-byte buffer), which must agree; invariants checked.
fn load(input: &str) -> Loaded {
    common::load(FORMAT, input.as_bytes())
}

#[test]
fn count_markers_follow_gcovs_lines_executed() {
    let l = load(concat!(
        "        -:    0:Source:src/a.c\n",
        "        -:    0:Graph:a.gcno\n",
        "        -:    0:Runs:1\n",
        "        -:    1:#include <stdio.h>\n",
        "        5:    2:int x;\n",
        "    #####:    3:never();\n",
        "    =====:    4:catch_only();\n",
        "       3*:    5:partly();\n",
        "123456789012:    6:big();\n",
        "        -:    7:}\n",
    ));
    assert_eq!(l.format, FORMAT);
    // `-` is not code; `#####` and `=====` are code never run; `3*` is 3.
    assert_eq!(
        hits(file(&l, "src/a.c")),
        vec![(2, 5), (3, 0), (4, 0), (5, 3), (6, 123456789012)]
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(totals(&l)[..2], [3, 5]);
}

#[test]
fn negative_and_human_readable_counts() {
    let l = load(concat!(
        "        -:    0:Source:a.c\n",
        "    -2534:    1:racy();\n",
        "     1.2k:    2:hot();\n",
        "       3M:    3:hotter();\n",
    ));
    assert_eq!(
        hits(file(&l, "a.c")),
        vec![(1, 0), (2, 1200), (3, 3_000_000)]
    );
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::warning(at(2, 5), "negative count -2534 clamped to 0"),
            Diagnostic::note(
                at(3, 6),
                "human-readable counts (gcov -H/-j, like `1.2k`) are rounded by gcov; read as the rounded numbers"
            ),
        ]
    );
}

#[test]
fn branches_belong_to_the_line_above_and_calls_are_not_branches() {
    let l = load(concat!(
        "        -:    0:Source:a.c\n",
        "        7:    4:  if (x > 0 && y)\n",
        "branch  0 taken 4 (fallthrough)\n",
        "branch  1 taken 3\n",
        "branch  2 never executed\n",
        "branch  3 taken 0 (throw)\n",
        "call    4 returned 7\n",
        "unconditional  5 taken 7\n",
        "        1:    5:  f();\n",
        "call    0 never executed\n",
    ));
    let fc = file(&l, "a.c");
    // `(fallthrough)`/`(throw)` are not part of the id (gcov drops them on never-executed branches).
    assert_eq!(
        fc.branches,
        vec![
            branch(4, 0, 0, Some(4)),
            branch(4, 0, 1, Some(3)),
            branch(4, 0, 2, None),
            branch(4, 0, 3, Some(0)),
        ]
    );
    assert_eq!(totals(&l)[2..4], [2, 4]);
}

#[test]
fn branch_percentages_are_stored_as_taken_or_not() {
    let l = load(concat!(
        "        -:    0:Source:a.c\n",
        "        1:    4:  if (a > b)\n",
        "branch  0 taken 0% (fallthrough)\n",
        "branch  1 taken 100%\n",
    ));
    assert_eq!(
        file(&l, "a.c").branches,
        vec![branch(4, 0, 0, Some(0)), branch(4, 0, 1, Some(1))]
    );
    assert_eq!(
        l.diagnostics,
        vec![Diagnostic::note(
            at(3, 8),
            "branches as percentages (gcov without -c): a taken branch is stored as 1, not its count"
        )]
    );
}

#[test]
fn functions_start_at_the_next_source_line() {
    let l = load(concat!(
        "        -:    0:Source:main.cpp\n",
        "function main called 1 returned 0% blocks executed 44%\n",
        "        -:    3:int main(void)\n",
        "        1:    4:{\n",
        "function _GLOBAL__sub_I_main.cpp called 1 returned 100% blocks executed 100%\n",
        "function __static_initialization_and_destruction_0(int, int) called 2 returned 100% blocks executed 100%\n",
        "        3:   12:}\n",
        "function never called 0 returned 0% blocks executed 0%\n",
    ));
    let fc = file(&l, "main.cpp");
    let f = |name: &str, start: u32, hits: u64| Function {
        name: name.to_string(),
        start: line(start),
        end: None,
        hits,
    };
    assert_eq!(
        fc.functions,
        vec![
            f("_GLOBAL__sub_I_main.cpp", 12, 1),
            f("__static_initialization_and_destruction_0(int, int)", 12, 2),
            f("main", 3, 1),
        ]
    );
    assert_eq!(
        l.diagnostics,
        vec![Diagnostic::warning(
            Some(Position::LineCol {
                line: 8,
                column: None
            }),
            "function `never` is followed by no source line; skipped"
        )]
    );
}

/// Real output of gcov 12.2 (`g++ -O0 --coverage t.cpp && ./t && gcov -b -c t.cpp`) for a function
/// template used with `int` and `double`. gcov's own summary said `Lines executed:100.00% of 10`,
/// `Branches executed:100.00% of 2`, `Taken at least once:50.00% of 2`: it leaves the template's
/// per-instantiation branches out of its branch summary; covlens counts them (as lcov and gcovr do).
const TEMPLATE_GCOV: &str = "        -:    0:Source:t.cpp
        -:    0:Graph:t.gcno
        -:    0:Data:t.gcda
        -:    0:Runs:1
        -:    1:#include <cstdio>
        -:    2:template <typename T>
        2:    3:T pick(T a, T b) {
        2:    4:  if (a > b)
       1*:    5:    return a;
       1*:    6:  return b;
        -:    7:}
------------------
_Z4pickIdET_S0_S0_:
function _Z4pickIdET_S0_S0_ called 1 returned 100% blocks executed 75%
        1:    3:T pick(T a, T b) {
        1:    4:  if (a > b)
branch  0 taken 1 (fallthrough)
branch  1 taken 0
        1:    5:    return a;
    #####:    6:  return b;
        -:    7:}
------------------
_Z4pickIiET_S0_S0_:
function _Z4pickIiET_S0_S0_ called 1 returned 100% blocks executed 75%
        1:    3:T pick(T a, T b) {
        1:    4:  if (a > b)
branch  0 taken 0 (fallthrough)
branch  1 taken 1
    #####:    5:    return a;
        1:    6:  return b;
        -:    7:}
------------------
function main called 1 returned 100% blocks executed 86%
        1:    8:int main(int argc, char**) {
        1:    9:  int x = pick(1, 2);
call    0 returned 1
        1:   10:  double y = pick(3.0, 1.0);
call    0 returned 1
       1*:   11:  if (argc > 3) std::puts(\"many\");
branch  0 taken 0 (fallthrough)
branch  1 taken 1
call    2 never executed
        1:   12:  std::printf(\"%d %f\\n\", x, y);
call    0 returned 1
        1:   13:  return 0;
        -:   14:}
";

#[test]
fn template_sections_give_branches_and_functions_but_not_lines() {
    let l = load(TEMPLATE_GCOV);
    let fc = file(&l, "t.cpp");
    // Lines from the listing only, with the instantiations' summed counts.
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
    // Each instantiation's branches are its own block.
    assert_eq!(
        fc.branches,
        vec![
            branch(4, 1, 0, Some(1)),
            branch(4, 1, 1, Some(0)),
            branch(4, 2, 0, Some(0)),
            branch(4, 2, 1, Some(1)),
            branch(11, 0, 0, Some(0)),
            branch(11, 0, 1, Some(1)),
        ]
    );
    let names: Vec<(&str, u32, u64)> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    assert_eq!(
        names,
        vec![
            ("_Z4pickIdET_S0_S0_", 3, 1),
            ("_Z4pickIiET_S0_S0_", 3, 1),
            ("main", 8, 1)
        ]
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    // gcov: 10 of 10 lines; its 2 branches plus the 4 of the instantiations.
    assert_eq!(totals(&l), [10, 10, 3, 6, 3, 3]);
}

#[test]
fn all_blocks_lines_are_skipped_and_their_branches_kept() {
    let l = load(concat!(
        "        -:    0:Source:h.h\n",
        "        2:   84:    }\n",
        "        1:   84-block  0\n",
        "    $$$$$:   84-block  1\n",
        "branch  0 never executed (fallthrough)\n",
        "branch  1 taken 2\n",
        "    %%%%%:   84-block  2\n",
    ));
    let fc = file(&l, "h.h");
    assert_eq!(hits(fc), vec![(84, 2)]);
    assert_eq!(
        fc.branches,
        vec![branch(84, 0, 0, None), branch(84, 0, 1, Some(2))]
    );
}

#[test]
fn several_sources_in_one_input_and_repeated_files_merge() {
    let l = load(concat!(
        "        -:    0:Source:a.c\n",
        "        1:    1:a();\n",
        "        -:    0:Source:calc.h\n",
        "        2:    3:clamp();\n",
        "        -:    0:Source:calc.h\n",
        "    #####:    3:clamp();\n",
        "        4:    4:more();\n",
    ));
    assert_eq!(l.records, 3);
    assert_eq!(hits(file(&l, "a.c")), vec![(1, 1)]);
    assert_eq!(hits(file(&l, "calc.h")), vec![(3, 2), (4, 4)]);
}

#[test]
fn intermediate_format() {
    let l = load(concat!(
        "version:8.3.0\n",
        "file:/src/x.h\n",
        "function:393,397,7,_ZN1A7ReleaseEv\n",
        "function:10,0,_Z3oldv\n",
        "lcount:393,7\n",
        "lcount:397,0,1\n",
        "lcount:40,-2534\n",
        "branch:393,taken\n",
        "branch:393,nottaken\n",
        "branch:397,notexec\n",
        "file:/src/y.c\n",
        "lcount:1,1\n",
    ));
    let x = file(&l, "/src/x.h");
    assert_eq!(hits(x), vec![(40, 0), (393, 7), (397, 0)]);
    assert_eq!(
        x.branches,
        vec![
            branch(393, 0, 0, Some(1)),
            branch(393, 0, 1, Some(0)),
            branch(397, 0, 0, None),
        ]
    );
    assert_eq!(
        x.functions,
        vec![
            Function {
                name: "_Z3oldv".into(),
                start: line(10),
                end: None,
                hits: 0
            },
            Function {
                name: "_ZN1A7ReleaseEv".into(),
                start: line(393),
                end: Some(line(397)),
                hits: 7
            },
        ]
    );
    assert_eq!(hits(file(&l, "/src/y.c")), vec![(1, 1)]);
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::warning(at(7, 8), "negative count -2534 on line 40 clamped to 0"),
            Diagnostic::note(
                at(8, 8),
                "intermediate format branches say taken or not, no count: a taken branch is stored as 1"
            ),
        ]
    );
}

#[test]
fn malformed_lines_are_named_by_position_and_skipped() {
    let l = load(concat!(
        "        -:    0:Source:a.c\n",
        "        1:    1:ok();\n",
        "     abc:    2:bad count\n",
        "branch  x taken 1\n",
        "branch  0 taken lots\n",
        "this is not gcov\n",
        "        2:    9:fine();\n",
    ));
    assert_eq!(hits(file(&l, "a.c")), vec![(1, 1), (9, 2)]);
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::warning(at(3, 6), "count `abc` is not a gcov count; line skipped"),
            Diagnostic::warning(at(4, 8), "branch line without a branch number; skipped"),
            Diagnostic::warning(at(5, 8), "branch 0: count `lots` is not a number; skipped"),
            Diagnostic::warning(
                at(6, 1),
                "unrecognised gcov line `this is not gcov`; skipped"
            ),
        ]
    );
}

#[test]
fn lines_before_any_source_header_are_skipped_with_a_warning() {
    let l = load(concat!(
        "        1:    1:orphan();\n",
        "        1:    2:orphan();\n",
        "        -:    0:Source:a.c\n",
        "        1:    3:kept();\n",
    ));
    assert_eq!(hits(file(&l, "a.c")), vec![(3, 1)]);
    assert_eq!(
        l.diagnostics,
        vec![
            Diagnostic::warning(
                at(1, 1),
                "source line before any `Source:` header; lines up to the first header are skipped"
            ),
            Diagnostic::warning(
                None,
                "2 source lines before any `Source:` header were skipped"
            ),
        ]
    );
}

#[test]
fn crlf_bom_and_non_utf8_source_text() {
    let mut input = b"\xEF\xBB\xBF        -:    0:Source:w.c\r\n".to_vec();
    input.extend_from_slice(b"        -:    1:// Copyright \xA9 2017\r\n        2:    2:x();\r\n");
    let l = parse_bytes_as(FORMAT, &input, &ParseOptions::default()).unwrap();
    assert_eq!(hits(&l.report.files["w.c"]), vec![(2, 2)]);
    assert!(l.diagnostics.is_empty());
    assert_eq!(detect(&input), Some(FORMAT));
}

#[test]
fn detection() {
    assert_eq!(detect(b"        -:    0:Source:a.c\n"), Some(FORMAT));
    assert_eq!(detect(b"    #####:   11:x\n"), Some(FORMAT));
    assert_eq!(detect(b"       1*:    5:x\n"), Some(FORMAT));
    assert_eq!(
        detect(b"file:/a.h\nfunction:1,0,f\nlcount:1,0\n"),
        Some(FORMAT)
    );
    assert_eq!(detect(b"version:8.3.0\nfile:/a.h\n"), Some(FORMAT));
    assert_eq!(detect(b"file:/a.h\nsomething else\n"), None);
    assert_eq!(detect(b"SF:a.c\nDA:1,1\n"), Some(Format::Lcov));
}

// ---------------------------------------------------------------------------------------- corpus

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/gcov-text"
    ))
    .to_path_buf();
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} is absent; corpus tests skipped", dir.display());
        None
    }
}

/// Lines hit/found, branches hit/found, functions hit/found of every corpus file. Where gcov could be
/// run (gcc12-demo: `gcc -O0 --coverage demo.c && ./demo && gcov -b -c demo.c` with gcc 12.2 reproduces
/// the file byte for byte) gcov's summary agrees: `Lines executed:86.67% of 15`, `Taken at least
/// once:90.00% of 10`. The other files were counted by an independent reading (a script applying the
/// rules of the module docs) that gave the same numbers.
const CORPUS: &[(&str, [u64; 6])] = &[
    (
        "gcovr-use-existing-template-header.gcov",
        [133, 193, 197, 1334, 46, 122],
    ),
    ("gcovr-wrong-casing-1.gcov", [4, 5, 4, 10, 3, 3]),
    ("generated-locally/gcc12-demo.c.gcov", [13, 15, 9, 10, 2, 3]),
    (
        "grcov-intermediate-64bit-counts.gcov",
        [727, 863, 0, 0, 65, 70],
    ),
    (
        "grcov-intermediate-negative-counts.gcov",
        [4226, 9495, 0, 0, 471, 2410],
    ),
    ("grcov-intermediate-with-branches.gcov", [1, 7, 1, 4, 0, 1]),
    ("grcov-non-utf8.gcov", [4, 6, 0, 0, 2, 3]),
    ("grcov-old-branches.gcov", [7, 9, 5, 6, 1, 1]),
    ("reportgenerator-basic-main.cpp.gcov", [9, 11, 0, 0, 0, 0]),
    (
        "reportgenerator-branch-counts-calculator.cpp.gcov",
        [4, 4, 2, 2, 1, 1],
    ),
    (
        "reportgenerator-branch-counts-main.cpp.gcov",
        [9, 11, 2, 6, 2, 2],
    ),
    (
        "reportgenerator-branch-probabilities-main.cpp.gcov",
        [9, 11, 2, 6, 2, 2],
    ),
    (
        "reportgenerator-branch-unconditional-main.cpp.gcov",
        [9, 11, 2, 6, 2, 2],
    ),
];

/// Which corpus files give diagnostics, and why.
const CORPUS_DIAGNOSTICS: &[(&str, &[&str])] = &[
    // A gcov counter race: one line's count is negative in the intermediate output.
    (
        "grcov-intermediate-negative-counts.gcov",
        &["4401:8: warning: negative count -2534 on line 40 clamped to 0"],
    ),
    // Intermediate branches have no counts.
    (
        "grcov-intermediate-with-branches.gcov",
        &["9:8: note: intermediate format branches say taken or not, no count: a taken branch is stored as 1"],
    ),
    // gcov -b without -c: branch percentages.
    (
        "reportgenerator-branch-probabilities-main.cpp.gcov",
        &["11:8: note: branches as percentages (gcov without -c): a taken branch is stored as 1, not its count"],
    ),
];

#[test]
fn corpus_totals_and_diagnostics() {
    let Some(dir) = corpus_dir() else { return };
    let mut seen = 0;
    for (name, want) in CORPUS {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(detect(&bytes), Some(FORMAT), "{name}");
        let text = String::from_utf8_lossy(&bytes);
        // The reader entry must agree with the slice entry on the real files too.
        let slice = parse_bytes_as(FORMAT, &bytes, &ParseOptions::default()).unwrap();
        let read = parse_read(
            FORMAT,
            BufReader::with_capacity(64, &bytes[..]),
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(slice.report, read.report, "{name}");
        assert_eq!(slice.diagnostics, read.diagnostics, "{name}");
        assert_eq!(totals(&slice), *want, "{name}");
        let diags: Vec<String> = slice
            .diagnostics
            .iter()
            .map(|d| d.render("").trim_start_matches(':').to_string())
            .collect();
        let expected: Vec<String> = CORPUS_DIAGNOSTICS
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        assert_eq!(diags, expected, "{name}");
        assert!(!text.is_empty());
        seen += 1;
    }
    let on_disk = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_file())
        .count()
        + std::fs::read_dir(dir.join("generated-locally"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "gcov")
            })
            .count();
    assert_eq!(seen, on_disk, "the corpus changed: update CORPUS");
}

#[test]
fn corpus_exact_values() {
    let Some(dir) = corpus_dir() else { return };
    let l = parse_bytes_as(
        FORMAT,
        &std::fs::read(dir.join("generated-locally/gcc12-demo.c.gcov")).unwrap(),
        &ParseOptions::default(),
    )
    .unwrap();
    let fc = &l.report.files["demo.c"];
    assert_eq!(
        hits(fc),
        vec![
            (3, 7),
            (4, 7),
            (5, 2),
            (6, 5),
            (7, 2),
            (8, 3),
            (11, 0),
            (13, 1),
            (14, 1),
            (15, 8),
            (16, 7),
            (17, 1),
            (18, 0),
            (19, 1),
            (20, 1)
        ]
    );
    assert_eq!(
        fc.branches_on(line(4)),
        &[
            branch(4, 0, 0, Some(4)),
            branch(4, 0, 1, Some(3)),
            branch(4, 0, 2, Some(2)),
            branch(4, 0, 3, Some(2))
        ]
    );
    assert_eq!(
        fc.functions
            .iter()
            .map(|f| (f.name.as_str(), f.start.get(), f.hits))
            .collect::<Vec<_>>(),
        vec![("classify", 3, 7), ("main", 13, 1), ("never_called", 11, 0)]
    );
    // The intermediate format's 64-bit counts.
    let l = parse_bytes_as(
        FORMAT,
        &std::fs::read(dir.join("grcov-intermediate-64bit-counts.gcov")).unwrap(),
        &ParseOptions::default(),
    )
    .unwrap();
    let max = l
        .report
        .files
        .values()
        .flat_map(|f| f.lines.iter().map(|h| h.hits))
        .max()
        .unwrap();
    assert!(max > u64::from(u32::MAX), "{max}");
    let _ = LineHit {
        line: line(1),
        hits: 0,
    };
}
