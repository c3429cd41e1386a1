//! Clover XML: corpus totals against the reports' own metrics, reading rules and diagnostics.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus; the library itself does no IO"
)]

use covlens_core::{detect, Counter, Format, Loaded, ParseError, Totals};

mod common;
use common::{corpus, lc};

/// Parses through both front doors (the reader with a tiny buffer) and checks they agree.
fn load(bytes: &[u8]) -> Loaded {
    common::load(Format::Clover, bytes)
}

fn err_of(bytes: &[u8]) -> ParseError {
    common::err_of(Format::Clover, bytes)
}

/// The sum of the file-level `<metrics>` (not the class-level ones), read independently of the
/// parser: [statements, conditionals, methods] as (found, covered).
fn own_metrics(xml: &str) -> [Counter; 3] {
    let mut out = [Counter::default(); 3];
    let (mut in_file, mut in_class) = (false, false);
    let attr = |tag: &str, name: &str| -> u64 {
        let key = format!(" {name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    for tag in xml.split('<').skip(1) {
        if tag.starts_with("file ") {
            in_file = !tag.trim_end().ends_with("/>");
        } else if tag.starts_with("/file") {
            in_file = false;
        } else if tag.starts_with("class ") {
            in_class = !tag.split('>').next().unwrap().ends_with('/');
        } else if tag.starts_with("/class") {
            in_class = false;
        } else if tag.starts_with("metrics ") && in_file && !in_class {
            for (i, (all, covered)) in [
                ("statements", "coveredstatements"),
                ("conditionals", "coveredconditionals"),
                ("methods", "coveredmethods"),
            ]
            .into_iter()
            .enumerate()
            {
                out[i].add(Counter {
                    found: attr(tag, all),
                    hit: attr(tag, covered),
                });
            }
        }
    }
    out
}

#[test]
fn corpus_totals_equal_the_reports_own_metrics() {
    let Some(dir) = corpus() else { return };
    // (file, files, [lines, branches, functions] expected where our reading must differ from the
    // file's own metrics, with the reason).
    type Known = (&'static str, usize, [Option<(Counter, &'static str)>; 3]);
    let files: &[Known] = &[
        ("clover/gcovr-nested-clang10.xml", 9, [None, None, None]),
        (
            "clover/gcovr-several-functions-on-same-line-gcc8.xml",
            3,
            [
                // gcovr writes one `stmt` per function on a line (two functions share every line of
                // function.hpp, and some of main.cpp): Clover counts 43 statements, 41 run; they sit
                // on 30 distinct lines (9 + 21), each run by at least one of its functions.
                Some((
                    Counter { found: 30, hit: 30 },
                    "several statements per line",
                )),
                None,
                None,
            ],
        ),
        (
            "clover/php-code-coverage-clover-namespaced-template.xml",
            1,
            [None, None, None],
        ),
        (
            "clover/php-code-coverage-openclover-path-template.xml",
            1,
            [
                None,
                // php-code-coverage's path-coverage writer counts 7 conditionals (paths and branches
                // of its own analysis) but writes no `cond` line: there is nothing to read them from.
                Some((Counter::default(), "no cond lines are written")),
                None,
            ],
        ),
        (
            "clover/reportgenerator-openclover-4.3.1.xml",
            7,
            [None, None, None],
        ),
    ];
    for (file, nfiles, known) in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(detect(text.as_bytes()), Some(Format::Clover), "{file}");
        let loaded = load(text.as_bytes());
        assert!(
            loaded.diagnostics.is_empty(),
            "{file}: {:?}",
            loaded.diagnostics
        );
        let t = Totals::of_report(&loaded.report);
        assert_eq!(loaded.report.files.len(), *nfiles, "{file}: files");
        let ours = [t.lines, t.branches, t.functions];
        let theirs = own_metrics(&text);
        for (i, what) in ["lines", "branches", "functions"].iter().enumerate() {
            match known[i] {
                None => assert_eq!(ours[i], theirs[i], "{file}: {what}"),
                Some((expected, why)) => {
                    assert_eq!(ours[i], expected, "{file}: {what} ({why})");
                    assert_ne!(ours[i], theirs[i], "{file}: {what} now agrees ({why})");
                }
            }
        }
    }
}

#[test]
fn corpus_exact_values() {
    let Some(dir) = corpus() else { return };
    let l = load(&std::fs::read(dir.join("clover/reportgenerator-openclover-4.3.1.xml")).unwrap());
    let fc = &l.report.files["C:\\temp\\test\\TestClass.java"];
    // Line 15 has a `stmt` (count 1) and a `cond` (true 1, false 0): one line, hit once, two branches.
    let line15 = covlens_core::Line::new(15).unwrap();
    assert_eq!(fc.line_hits(line15), Some(1));
    let br: Vec<_> = fc
        .branches_on(line15)
        .iter()
        .map(|b| (b.id.block, b.id.branch.to_string(), b.taken))
        .collect();
    assert_eq!(
        br,
        [(0, "0".to_string(), Some(1)), (0, "1".to_string(), Some(0))]
    );
    let f: Vec<_> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    // Two classes of the file have a `SampleFunction() : void`: the second is told apart by its line.
    assert_eq!(
        f,
        [
            ("SampleFunction() : void", 6, 1),
            ("SampleFunction() : void@29", 29, 0)
        ]
    );
}

#[test]
fn statements_conditions_and_methods() {
    let xml = "<?xml version=\"1.0\"?>\n<coverage generated=\"1\"><project timestamp=\"1\"><package name=\"p\">\n\
<file name=\"a.c\" path=\"src/a.c\">\
<line num=\"1\" type=\"method\" count=\"3\"/><line num=\"1\" type=\"method\" count=\"0\"/>\
<line num=\"2\" type=\"stmt\" count=\"4\"/><line num=\"2\" type=\"stmt\" count=\"1\"/>\
<line num=\"3\" type=\"cond\" truecount=\"2\" falsecount=\"0\"/>\
<line num=\"3\" type=\"cond\" truecount=\"0\" falsecount=\"0\"/>\
<line num=\"4\" type=\"stmt\" count=\"0\"/><line num=\"4\" type=\"cond\" truecount=\"0\" falsecount=\"0\"/>\
</file>\n<file name=\"b.php\"><line num=\"7\" type=\"stmt\" count=\"1\"/></file>\n\
</package></project></coverage>\n";
    assert_eq!(detect(xml.as_bytes()), Some(Format::Clover));
    let l = load(xml.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(
        l.report.files.keys().collect::<Vec<_>>(),
        ["b.php", "src/a.c"]
    );
    let fc = &l.report.files["src/a.c"];
    // Statements on one line sum; a lone condition's hits are its evaluations (2 + 0 + 0 + 0).
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(2, 5), (3, 2), (4, 0)]);
    let br: Vec<_> = fc
        .branches
        .iter()
        .map(|b| (b.line.get(), b.id.block, b.id.branch.to_string(), b.taken))
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        br,
        [
            (3, 0, s("0"), Some(2)),
            (3, 0, s("1"), Some(0)),
            (3, 1, s("0"), Some(0)),
            (3, 1, s("1"), Some(0)),
            (4, 0, s("0"), Some(0)),
            (4, 0, s("1"), Some(0)),
        ]
    );
    let f: Vec<_> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    assert_eq!(f, [("method@1", 1, 3), ("method@1#1", 1, 0)]);
    let t = Totals::of_report(&l.report);
    assert_eq!(t.lines, Counter { found: 4, hit: 3 });
    assert_eq!(t.branches, Counter { found: 6, hit: 1 });
    assert_eq!(t.functions, Counter { found: 2, hit: 1 });
}

#[test]
fn malformed_lines_are_diagnosed_with_positions() {
    let xml = "<coverage clover=\"4\"><project><package name=\"p\"><file path=\"a.c\">\n\
  <line num=\"x\" type=\"stmt\" count=\"1\"/>\n\
  <line num=\"2\" type=\"stmt\" count=\"-1\"/>\n\
  <line num=\"3\" type=\"cond\" truecount=\"1\"/>\n\
  <line num=\"4\" type=\"branch\" count=\"1\"/>\n\
  <line type=\"stmt\" count=\"1\"/>\n\
  <line num=\"6\" type=\"stmt\"/>\n\
  <line num=\"7\" type=\"stmt\" count=\"2\"/>\n\
</file></package></project></coverage>\n";
    let l = load(xml.as_bytes());
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            (
                lc(2, 1),
                "invalid line number `x` (expected a line number from 1); element skipped"
            ),
            (lc(3, 1), "negative count `-1`; element skipped"),
            (
                lc(4, 1),
                "condition line 3 without truecount and falsecount; line skipped"
            ),
            (
                lc(5, 1),
                "line 4 has unknown type `branch` (expected stmt, cond or method); skipped"
            ),
            (lc(6, 1), "<line> without a num attribute; line skipped"),
            (lc(7, 1), "statement line 6 without a count; line skipped"),
        ]
    );
    let fc = &l.report.files["a.c"];
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(7, 2)]);
}

#[test]
fn errors() {
    let e = err_of(b"<coverage clover=\"4\"><project>\n<package name=\"p\"><file path=\"a.c\"><line num=\"1\" ty");
    assert_eq!(e.position, lc(2, 36));
    assert_eq!(
        e.render("clover.xml"),
        "clover.xml: failed to parse Clover XML at 2:36: syntax error: tag not closed: `>` not found before end of input"
    );
    let e = err_of(b"<coverage clover=\"4\"><project>\n");
    assert_eq!(e.position, lc(2, 1));
    assert_eq!(
        e.message,
        "unexpected end of input (element `project` is not closed)"
    );
    let e = err_of(b"<report name=\"x\"></report>");
    assert_eq!(e.position, lc(1, 1));
    assert_eq!(e.message, "root element is <report>, expected <coverage>");
}
