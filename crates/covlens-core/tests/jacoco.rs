//! JaCoCo XML: corpus totals against the reports' own counters, reading rules and diagnostics.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus (and time the benchmark); the library itself does no IO"
)]

use std::io::BufReader;
use std::path::{Path, PathBuf};

use covlens_core::{
    parse_bytes_as, parse_read, Counter, Format, Line, Loaded, ParseError, ParseOptions, Position,
    Severity, Totals,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn corpus() -> Option<PathBuf> {
    let p = Path::new(CORPUS);
    if p.is_dir() {
        Some(p.to_path_buf())
    } else {
        eprintln!("notice: {CORPUS} is absent; corpus checks skipped");
        None
    }
}

/// Parses through both front doors (the reader with a tiny buffer) and checks they agree.
fn load(bytes: &[u8]) -> Loaded {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(Format::Jacoco, bytes, &opts).expect("slice parse");
    let b = parse_read(Format::Jacoco, BufReader::with_capacity(7, bytes), &opts)
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
    let a = parse_bytes_as(Format::Jacoco, bytes, &opts).expect_err("slice parse must fail");
    let b = parse_read(Format::Jacoco, BufReader::with_capacity(5, bytes), &opts)
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

/// The report's own LINE, BRANCH and METHOD counters, read independently of the parser under test:
/// the last run of `<counter>` elements in the file (the report-level ones; for a file without
/// report-level counters, the last sourcefile's). Returns (found, covered) per type.
fn own_counters(xml: &str) -> [Counter; 3] {
    let mut group: Vec<&str> = Vec::new();
    let mut last: Vec<&str> = Vec::new();
    for tag in xml.split('<').skip(1) {
        if tag.starts_with("counter ") {
            group.push(tag);
        } else if !group.is_empty() {
            last = std::mem::take(&mut group);
        }
    }
    if !group.is_empty() {
        last = group;
    }
    let attr = |tag: &str, name: &str| -> u64 {
        let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    let get = |ty: &str| {
        last.iter()
            .find(|t| t.contains(&format!("type=\"{ty}\"")))
            .map_or(Counter::default(), |t| {
                let (missed, covered) = (attr(t, "missed"), attr(t, "covered"));
                Counter {
                    found: missed + covered,
                    hit: covered,
                }
            })
    };
    [get("LINE"), get("BRANCH"), get("METHOD")]
}

#[test]
fn corpus_totals_equal_the_reports_own_counters() {
    let Some(dir) = corpus() else { return };
    // (file, files, [lines, branches, functions] expected from our reading where it must differ
    // from the file's own counters, with the reason).
    type Known = (&'static str, usize, [Option<(Counter, &'static str)>; 3]);
    let files: &[Known] = &[
        (
            "jacoco/gcovr-nested-clang10.xml",
            8,
            [
                // gcovr writes `<line nr>` without mi/ci: which of its lines ran is not in the file
                // (only its summary counters know), so every line counts as not covered.
                Some((
                    Counter { found: 47, hit: 0 },
                    "gcovr's <line> elements carry no mi/ci",
                )),
                None,
                // gcovr writes no <class>/<method>, only the METHOD counters.
                Some((
                    Counter { found: 0, hit: 0 },
                    "gcovr writes no <method> elements",
                )),
            ],
        ),
        (
            "jacoco/grcov-inner-classes.xml",
            1,
            [
                None,
                None,
                // The package and report counters say 12, but the file lists 10 methods and its
                // class-level METHOD counters add up to 10 (grcov's fixture was edited by hand).
                Some((
                    Counter { found: 10, hit: 0 },
                    "the fixture lists 10 methods but counts 12",
                )),
            ],
        ),
        (
            "jacoco/grcov-kotlin-jacoco-report.xml",
            1,
            [None, None, None],
        ),
        (
            "jacoco/grcov-multiple-top-level-classes.xml",
            1,
            [None, None, None],
        ),
        (
            "jacoco/reportgenerator-jacoco-0.7.7.xml",
            7,
            [None, None, None],
        ),
        (
            "jacoco/reportgenerator-jacoco-0.8.3.xml",
            7,
            [None, None, None],
        ),
    ];
    for (file, nfiles, known) in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let loaded = load(text.as_bytes());
        let t = Totals::of_report(&loaded.report);
        assert_eq!(loaded.report.files.len(), *nfiles, "{file}: files");
        let ours = [t.lines, t.branches, t.functions];
        let theirs = own_counters(&text);
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
    let read = |f: &str| load(&std::fs::read(dir.join(f)).unwrap());

    // The JaCoCo numbers of the reportgenerator reports, recorded by hand from their report-level
    // counters: LINE 12 missed / 26 covered, BRANCH 3/1, METHOD 9/9.
    for f in [
        "jacoco/reportgenerator-jacoco-0.7.7.xml",
        "jacoco/reportgenerator-jacoco-0.8.3.xml",
    ] {
        let l = read(f);
        assert!(l.diagnostics.is_empty(), "{f}: {:?}", l.diagnostics);
        let t = Totals::of_report(&l.report);
        assert_eq!(t.lines, Counter { found: 38, hit: 26 }, "{f}");
        assert_eq!(t.branches, Counter { found: 4, hit: 1 }, "{f}");
        assert_eq!(t.functions, Counter { found: 18, hit: 9 }, "{f}");
        // DTD 1.0 (0.7.7) has no sourcefilename: inner classes are matched by top-level name.
        let fc = &l.report.files["test/TestClass.java"];
        let names: Vec<_> = fc
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.start.get(), f.hits))
            .collect();
        assert_eq!(
            names,
            [
                ("TestClass$NestedClass.<init>(Ltest/TestClass;)V", 28, 0),
                ("TestClass$NestedClass.SampleFunction()V", 30, 0),
                ("TestClass.<init>()V", 4, 1),
                ("TestClass.SampleFunction()V", 7, 1),
                (
                    "TestClass.lambda$SampleFunction$0(Ljava/lang/String;)V",
                    25,
                    1
                ),
            ]
        );
        assert_eq!(
            l.report.files.keys().collect::<Vec<_>>(),
            [
                "test/AbstractClass.java",
                "test/AbstractClass_SampleImpl1.java",
                "test/AbstractClass_SampleImpl2.java",
                "test/GenericClass.java",
                "test/Program.java",
                "test/TestClass.java",
                "test/sub/Sub.java",
            ]
        );
    }

    // A second top-level class without sourcefilename goes to the package's only sourcefile.
    let l = read("jacoco/grcov-multiple-top-level-classes.xml");
    let fc = &l.report.files["org/gradle/Person.java"];
    assert_eq!(fc.functions[0].name, "AnotherTopLevelClass.<init>()V");
    assert_eq!(fc.functions.len(), 12);

    // Kotlin: default package (bare file name), classes named apart from their file.
    let l = read("jacoco/grcov-kotlin-jacoco-report.xml");
    assert_eq!(
        l.report.files.keys().collect::<Vec<_>>(),
        ["BreakpointValue.kt"]
    );
    assert_eq!(
        l.report.files["BreakpointValue.kt"].functions[0].name,
        "Breakpoint.<clinit>()V"
    );

    // gcovr's dotted directories become paths; one note per file about the missing mi/ci.
    let l = read("jacoco/gcovr-nested-clang10.xml");
    assert!(l.report.files.contains_key("subdir/A/C/D/File6.cpp"));
    assert_eq!(l.diagnostics.len(), 8);
    assert_eq!(l.diagnostics[0].severity, Severity::Note);
    assert_eq!(
        l.diagnostics[0].message,
        "subdir/A/File2.cpp: 7 line(s) without mi/ci attributes (gcovr writes none); counted as not covered"
    );
    let fc = &l.report.files["subdir/A/File4.cpp"];
    let taken: Vec<_> = fc
        .branches
        .iter()
        .map(|b| (b.line.get(), b.taken))
        .collect();
    assert_eq!(taken, [(3, Some(1)), (3, Some(0))]);
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\">\n";

#[test]
fn lines_branches_and_methods() {
    let xml = format!(
        "{HEAD}<report name=\"r\">\n<sessioninfo id=\"a\" start=\"1\" dump=\"2\"/>\n<group name=\"mod\"><package name=\"com/ex\">\n\
<class name=\"com/ex/Foo\" sourcefilename=\"Foo.java\">\
<method name=\"&lt;init&gt;\" desc=\"()V\" line=\"3\"><counter type=\"INSTRUCTION\" missed=\"0\" covered=\"3\"/><counter type=\"METHOD\" missed=\"0\" covered=\"1\"/></method>\
<method name=\"run\" desc=\"(I)I\" line=\"5\"><counter type=\"METHOD\" missed=\"1\" covered=\"0\"/></method>\
<counter type=\"METHOD\" missed=\"1\" covered=\"1\"/></class>\n\
<class name=\"com/ex/Foo$1\" sourcefilename=\"Foo.java\"><method name=\"&lt;init&gt;\" desc=\"()V\" line=\"9\"><counter type=\"METHOD\" missed=\"0\" covered=\"1\"/></method></class>\n\
<sourcefile name=\"Foo.java\">\
<line nr=\"3\" mi=\"0\" ci=\"3\" mb=\"0\" cb=\"0\"/>\
<line nr=\"5\" mi=\"2\" ci=\"4\" mb=\"1\" cb=\"3\"/>\
<line nr=\"6\" mi=\"5\" ci=\"0\" mb=\"2\" cb=\"0\"/>\
<line nr=\"7\" mi=\"0\" ci=\"0\" mb=\"0\" cb=\"0\"/>\
<line nr=\"9\" mi=\"0\" ci=\"1\"/>\
<counter type=\"LINE\" missed=\"1\" covered=\"3\"/></sourcefile>\n\
</package></group>\n<package name=\"\"><sourcefile name=\"Top.java\"><line nr=\"1\" mi=\"1\" ci=\"0\"/></sourcefile></package>\n</report>\n"
    );
    let l = load(xml.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(
        l.report.files.keys().collect::<Vec<_>>(),
        ["Top.java", "com/ex/Foo.java"]
    );
    let fc = &l.report.files["com/ex/Foo.java"];
    // Line 7 has no instructions: not coverable. Hits are 1/0.
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(3, 1), (5, 1), (6, 0), (9, 1)]);
    let br: Vec<_> = fc
        .branches
        .iter()
        .map(|b| (b.line.get(), b.taken))
        .collect();
    assert_eq!(
        br,
        [
            (5, Some(1)),
            (5, Some(1)),
            (5, Some(1)),
            (5, Some(0)),
            (6, Some(0)),
            (6, Some(0))
        ]
    );
    let f: Vec<_> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    assert_eq!(
        f,
        [
            ("Foo$1.<init>()V", 9, 1),
            ("Foo.<init>()V", 3, 1),
            ("Foo.run(I)I", 5, 0)
        ]
    );
    assert_eq!(
        l.report.files["Top.java"].line_hits(Line::new(1).unwrap()),
        Some(0)
    );
}

#[test]
fn unattributable_and_lineless_methods_are_reported() {
    // DTD 1.0 style (no sourcefilename), two sourcefiles: class `Orphan` matches neither.
    let xml = format!(
        "{HEAD}<report name=\"r\"><package name=\"p\">\n\
<class name=\"p/Orphan\"><method name=\"m\" desc=\"()V\" line=\"4\"><counter type=\"METHOD\" missed=\"1\" covered=\"0\"/></method></class>\n\
<class name=\"p/A\"><method name=\"n\" desc=\"()V\"><counter type=\"METHOD\" missed=\"1\" covered=\"0\"/></method></class>\n\
<sourcefile name=\"A.java\"><line nr=\"1\" mi=\"1\" ci=\"0\"/></sourcefile>\
<sourcefile name=\"B.java\"><line nr=\"1\" mi=\"1\" ci=\"0\"/></sourcefile>\n\
</package></report>\n"
    );
    let l = load(xml.as_bytes());
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            (
                Severity::Warning,
                lc(5, 19),
                "method `A.n()V` has no line number (class compiled without debug information); not counted as a function"
            ),
            (
                Severity::Warning,
                None,
                "1 method(s) of class `Orphan` in package `p` belong to no known source file; dropped"
            ),
        ]
    );
    assert_eq!(Totals::of_report(&l.report).functions, Counter::default());
}

#[test]
fn malformed_lines_are_diagnosed_with_positions() {
    let xml = format!(
        "{HEAD}<report name=\"r\"><package name=\"p\"><sourcefile name=\"A.java\">\n\
  <line nr=\"x\" mi=\"1\" ci=\"0\"/>\n\
  <line nr=\"2\" mi=\"-1\" ci=\"0\"/>\n\
  <line nr=\"3\" mi=\"0\" ci=\"2\" mb=\"9999999\" cb=\"0\"/>\n\
  <line nr=\"4\" mi=\"0\" ci=\"2\"/>\n\
  <line mi=\"0\" ci=\"2\"/>\n\
</sourcefile></package></report>\n"
    );
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
                lc(4, 1),
                "invalid line number `x` (expected a line number from 1); element skipped"
            ),
            (
                lc(5, 1),
                "negative missed instructions `-1`; element skipped"
            ),
            (
                lc(6, 1),
                "implausibly many branches (9999999) on line 3; its branches skipped"
            ),
            (lc(8, 1), "<line> without an nr attribute; line skipped"),
        ]
    );
    let fc = &l.report.files["p/A.java"];
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(3, 1), (4, 1)]);
    assert!(fc.branches.is_empty());
}

#[test]
fn errors() {
    // Truncated inside a tag.
    let xml = format!("{HEAD}<report name=\"r\"><package name=\"p\">\n<sourcefile name=\"A.java\"><line nr=\"1\" mi=");
    let e = err_of(xml.as_bytes());
    assert_eq!(e.position, lc(4, 27));
    assert_eq!(
        e.render("jacoco.xml"),
        "jacoco.xml: failed to parse JaCoCo XML at 4:27: syntax error: tag not closed: `>` not found before end of input"
    );
    // Truncated between elements.
    let xml = format!("{HEAD}<report name=\"r\"><package name=\"p\">\n");
    let e = err_of(xml.as_bytes());
    assert_eq!(e.position, lc(4, 1));
    assert_eq!(
        e.message,
        "unexpected end of input (element `package` is not closed)"
    );
    // A Cobertura document is not JaCoCo.
    let e = err_of(b"<coverage line-rate=\"1\"></coverage>");
    assert_eq!(e.position, lc(1, 1));
    assert_eq!(e.message, "root element is <coverage>, expected <report>");
}

#[test]
fn bom_and_entities() {
    let xml = format!(
        "\u{FEFF}{HEAD}<report name=\"r\"><package name=\"p\"><sourcefile name=\"A&amp;B&#46;java\"><line nr=\"1\" mi=\"0\" ci=\"1\"/></sourcefile><sourcefile name=\"&ext;.java\"/></package></report>"
    );
    let l = load(xml.as_bytes());
    assert_eq!(
        l.report.files.keys().collect::<Vec<_>>(),
        ["p/&ext;.java", "p/A&B.java"]
    );
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [(
            lc(3, 113),
            "unknown entity `&ext;` in attribute `name` kept as written (DTD entities are never expanded)"
        )]
    );
}
