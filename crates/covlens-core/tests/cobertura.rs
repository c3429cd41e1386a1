//! Cobertura XML: corpus totals, reading rules, diagnostics, and the writer's round trip and DTD validity.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus (and time the benchmark); the library itself does no IO"
)]

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use covlens_core::formats::cobertura::{self, WriteOptions};
use covlens_core::{
    parse_bytes_as, parse_read, Counter, Format, Line, Loaded, ParseError, ParseOptions, Position,
    Report, Severity, Totals,
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

/// Parses through both front doors (the reader with a tiny buffer, to cross chunk boundaries
/// everywhere) and checks they agree, and that every file holds the model's invariants.
fn load_as(format: Format, bytes: &[u8]) -> Loaded {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(format, bytes, &opts).expect("slice parse");
    let b = parse_read(format, BufReader::with_capacity(7, bytes), &opts).expect("reader parse");
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

fn load(bytes: &[u8]) -> Loaded {
    load_as(Format::Cobertura, bytes)
}

fn err_of(bytes: &[u8]) -> ParseError {
    let opts = ParseOptions::default();
    let a = parse_bytes_as(Format::Cobertura, bytes, &opts).expect_err("slice parse must fail");
    let b = parse_read(Format::Cobertura, BufReader::with_capacity(5, bytes), &opts)
        .expect_err("reader parse must fail");
    assert_eq!(a, b, "slice and reader errors differ");
    a
}

fn c(found: u64, hit: u64) -> Counter {
    Counter { found, hit }
}

fn line(n: u32) -> Line {
    Line::new(n).unwrap()
}

fn lc(line: u64, column: u64) -> Option<Position> {
    Some(Position::LineCol {
        line,
        column: Some(column),
    })
}

/// (file, files, lines, branches, functions, the root attributes' (lines-valid, lines-covered,
/// branches-valid, branches-covered) where written, why the root attributes disagree if they do).
type Row = (
    &'static str,
    usize,
    Counter,
    Counter,
    Counter,
    Option<(u64, u64, u64, u64)>,
    Option<&'static str>,
);

const CORPUS_TOTALS: &[Row] = &[
    (
        "cobertura/gcovr-nested-clang10.xml",
        8,
        Counter { found: 47, hit: 28 },
        Counter { found: 14, hit: 4 },
        Counter { found: 10, hit: 6 },
        Some((47, 28, 14, 4)),
        None,
    ),
    (
        "cobertura/gcovr-windows-drive-subst.xml",
        1,
        Counter { found: 9, hit: 7 },
        Counter { found: 4, hit: 2 },
        Counter { found: 2, hit: 2 },
        Some((9, 7, 4, 2)),
        None,
    ),
    (
        "cobertura/gcovr-wspace-clang10.xml",
        1,
        Counter { found: 11, hit: 8 },
        Counter { found: 4, hit: 2 },
        Counter { found: 2, hit: 2 },
        Some((11, 8, 4, 2)),
        None,
    ),
    (
        "cobertura/lcov-tests-cobertura-2.0.3-uportal-large.xml",
        27,
        Counter { found: 756, hit: 79 },
        Counter { found: 184, hit: 7 },
        Counter { found: 193, hit: 30 },
        Some((51928, 11411, 17749, 2593)),
        // lcov's test keeps the original root attributes but only 40 of the report's classes.
        Some("lcov's test fixture is a 40-class excerpt of a larger report whose root attributes it kept"),
    ),
    (
        "cobertura/reportgenerator-cobertura-2.1.1-multisource.xml",
        7,
        Counter { found: 36, hit: 24 },
        Counter { found: 4, hit: 1 },
        Counter { found: 17, hit: 8 },
        Some((36, 24, 4, 1)),
        None,
    ),
    (
        "cobertura/reportgenerator-cobertura-2.1.1.xml",
        7,
        Counter { found: 36, hit: 24 },
        Counter { found: 4, hit: 1 },
        Counter { found: 17, hit: 8 },
        Some((36, 24, 4, 1)),
        None,
    ),
    (
        "cobertura/reportgenerator-coverlet.xml",
        18,
        Counter { found: 255, hit: 156 },
        Counter { found: 14, hit: 9 },
        Counter { found: 67, hit: 35 },
        Some((255, 156, 14, 9)),
        None,
    ),
    (
        "cobertura/reportgenerator-dotnet-coverage.xml",
        18,
        Counter { found: 221, hit: 158 },
        Counter { found: 18, hit: 15 },
        Counter { found: 67, hit: 40 },
        Some((235, 163, 18, 15)),
        // The <line> elements hold 225 lines in all (4 listed by two classes of one file, so 221
        // distinct); dotnet-coverage's summaries count lines it does not list: even its class rates
        // disagree with their own lines (ClassWithExcludes: line-rate 0.8 over 8 listed lines).
        Some("dotnet-coverage's summary attributes count lines it does not list as <line>"),
    ),
    (
        "cobertura/reportgenerator-opencppcoverage-minimal.xml",
        1,
        Counter { found: 2, hit: 0 },
        Counter { found: 0, hit: 0 },
        Counter { found: 0, hit: 0 },
        None,
        None,
    ),
    (
        "coveragepy-xml/coveragepy-gold-x_xml.xml",
        1,
        Counter { found: 3, hit: 2 },
        Counter { found: 0, hit: 0 },
        Counter { found: 0, hit: 0 },
        Some((3, 2, 0, 0)),
        None,
    ),
    (
        "coveragepy-xml/coveragepy-gold-y_xml_branch.xml",
        1,
        Counter { found: 5, hit: 4 },
        Counter { found: 2, hit: 1 },
        Counter { found: 0, hit: 0 },
        Some((5, 4, 2, 1)),
        None,
    ),
];

#[test]
fn corpus_totals_match_the_producers() {
    let Some(dir) = corpus() else { return };
    for &(file, files, lines, branches, functions, root, mismatch) in CORPUS_TOTALS {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let loaded = load(&bytes);
        assert!(
            loaded.diagnostics.is_empty(),
            "{file}: {:?}",
            loaded.diagnostics
        );
        let t = Totals::of_report(&loaded.report);
        assert_eq!(loaded.report.files.len(), files, "{file}: files");
        assert_eq!(t.lines, lines, "{file}: lines");
        assert_eq!(t.branches, branches, "{file}: branches");
        assert_eq!(t.functions, functions, "{file}: functions");
        if let Some((lv, lcov, bv, bc)) = root {
            let ours = (t.lines.found, t.lines.hit, t.branches.found, t.branches.hit);
            match mismatch {
                None => assert_eq!(ours, (lv, lcov, bv, bc), "{file}: root attributes"),
                Some(why) => assert_ne!(ours, (lv, lcov, bv, bc), "{file}: now agrees ({why})"),
            }
        }
    }
}

#[test]
fn corpus_paths_functions_and_merged_classes() {
    let Some(dir) = corpus() else { return };
    let read = |f: &str| load(&std::fs::read(dir.join(f)).unwrap()).report;

    // One source root with a space: joined.
    let r = read("cobertura/gcovr-wspace-clang10.xml");
    let fc = &r.files["tests/wspace/output/src code/main.cpp"];
    let f: Vec<_> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.end.map(Line::get), f.hits))
        .collect();
    // Method lines give the extent; gcovr's class name `main_cpp` restates the file: no qualifier.
    assert_eq!(f, [("_Z3fooi", 4, Some(10), 1), ("main", 13, Some(25), 1)]);

    // An empty <source>: the filename stays as written; name + signature make the function name.
    let r = read("cobertura/gcovr-windows-drive-subst.xml");
    assert_eq!(r.files.keys().collect::<Vec<_>>(), ["main.cpp"]);
    assert_eq!(r.files["main.cpp"].functions[0].name, "foo(int)");

    // `--dummy` is no root: the one usable root is joined. Java names match the JaCoCo reader's.
    let r = read("cobertura/reportgenerator-cobertura-2.1.1-multisource.xml");
    let fc = &r.files["C:/temp/test/TestClass.java"];
    let names: Vec<_> = fc.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "TestClass$NestedClass.<init>(Ltest/TestClass;)V",
            "TestClass$NestedClass.SampleFunction()V",
            "TestClass.<init>()V",
            "TestClass.SampleFunction()V",
        ]
    );

    // Three usable roots: paths stay relative. A line listed by the class and its anonymous class
    // is summed (4 + 8).
    let r = read("cobertura/lcov-tests-cobertura-2.0.3-uportal-large.xml");
    let fc = &r.files["org/jasig/portal/RDBMUserIdentityStore.java"];
    assert_eq!(fc.line_hits(line(389)), Some(12));

    // coverlet: BOM, `C:\temp\` root with its trailing backslash, `.ctor` of three classes of one file.
    let r = read("cobertura/reportgenerator-coverlet.xml");
    let fc = &r.files["C:\\temp\\AbstractClass.cs"];
    let ctors: Vec<_> = fc
        .functions
        .iter()
        .filter(|f| f.name.ends_with(".ctor()"))
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    assert_eq!(
        ctors,
        [
            ("AbstractClass..ctor()", 7, 4),
            ("AbstractClass_SampleImpl1..ctor()", 20, 2),
            ("AbstractClass_SampleImpl2..ctor()", 39, 2),
        ]
    );

    // No <sources>: absolute Windows filenames as written; a branch line listed by two classes.
    let r = read("cobertura/reportgenerator-dotnet-coverage.xml");
    let fc = &r.files["C:\\temp\\TestClass.cs"];
    assert_eq!(fc.line_hits(line(42)), Some(2));
    assert_eq!(fc.branches_on(line(42)).len(), 2);

    // coverage.py: absolute root joined to the relative filename.
    let r = read("coveragepy-xml/coveragepy-gold-y_xml_branch.xml");
    let (path, fc) = r.files.iter().next().unwrap();
    assert!(path.ends_with("tests_test_xml_XmlGoldTest_test_y_xml_branch_93378757/y.py"));
    let taken: Vec<_> = fc.branches.iter().map(|b| b.taken).collect();
    assert_eq!(taken, [Some(1), Some(0)]);
}

fn doc(sources: &str, classes: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<coverage line-rate=\"0\" branch-rate=\"0\" version=\"t\" timestamp=\"0\">\n<sources>{sources}</sources>\n<packages><package name=\"p\"><classes>\n{classes}\n</classes></package></packages>\n</coverage>\n"
    )
}

fn class(name: &str, filename: &str, body: &str) -> String {
    format!("<class name=\"{name}\" filename=\"{filename}\">{body}</class>")
}

#[test]
fn source_roots() {
    let one_line = "<methods/><lines><line number=\"1\" hits=\"1\"/></lines>";
    let paths = |sources: &str, filename: &str| -> Vec<String> {
        let xml = doc(sources, &class("x", filename, one_line));
        load(xml.as_bytes()).report.files.into_keys().collect()
    };
    // Several usable roots: which one holds the file is unknowable here, so the path stays relative.
    assert_eq!(
        paths("<source>/a</source><source>/b</source>", "x.c"),
        ["x.c"]
    );
    // One usable root beside a stray command-line flag.
    assert_eq!(
        paths("<source>--source</source><source>/b/</source>", "d/x.c"),
        ["/b/d/x.c"]
    );
    // Whitespace around the root is layout, not path.
    assert_eq!(paths("<source>\n  /r\n</source>", "x.c"), ["/r/x.c"]);
    // Absolute filenames are never joined.
    assert_eq!(paths("<source>/r</source>", "/abs/x.c"), ["/abs/x.c"]);
    assert_eq!(paths("<source>/r</source>", "D:/x.c"), ["D:/x.c"]);
    // Empty and missing roots.
    assert_eq!(paths("<source></source>", "x.c"), ["x.c"]);
    assert_eq!(paths("", "x.c"), ["x.c"]);
}

#[test]
fn classes_sharing_a_file_are_summed() {
    let a = class(
        "p.A",
        "A.java",
        "<methods><method name=\"&lt;init&gt;\" signature=\"()V\"><lines><line number=\"1\" hits=\"2\"/></lines></method></methods>\
         <lines><line number=\"1\" hits=\"2\"/><line number=\"2\" hits=\"0\" branch=\"true\" condition-coverage=\"50% (1/2)\"/></lines>",
    );
    let b = class(
        "p.A$1",
        "A.java",
        "<methods><method name=\"&lt;init&gt;\" signature=\"()V\"><lines><line number=\"2\" hits=\"3\"/></lines></method></methods>\
         <lines><line number=\"2\" hits=\"3\" branch=\"true\" condition-coverage=\"50% (1/2)\"/><line number=\"3\" hits=\"1\"/></lines>",
    );
    let loaded = load(doc("", &format!("{a}\n{b}")).as_bytes());
    assert_eq!(loaded.records, 2);
    let fc = &loaded.report.files["A.java"];
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(1, 2), (2, 3), (3, 1)]);
    // Positional branches: both classes say "branch 0 taken", so it is taken twice.
    let taken: Vec<_> = fc.branches.iter().map(|b| b.taken).collect();
    assert_eq!(taken, [Some(2), Some(0)]);
    let f: Vec<_> = fc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.start.get(), f.hits))
        .collect();
    assert_eq!(f, [("A$1.<init>()V", 2, 3), ("A.<init>()V", 1, 2)]);
}

#[test]
fn method_lines_are_not_counted_twice() {
    let body = "<methods><method name=\"run\" signature=\"\"><lines>\
                <line number=\"5\" hits=\"7\"/><line number=\"6\" hits=\"7\" branch=\"true\" condition-coverage=\"100% (2/2)\"/><line number=\"9\" hits=\"0\"/>\
                </lines></method></methods>\
                <lines><line number=\"5\" hits=\"7\"/><line number=\"6\" hits=\"7\" branch=\"true\" condition-coverage=\"100% (2/2)\"/><line number=\"9\" hits=\"0\"/></lines>";
    let r = load(doc("", &class("run_c", "run.c", body)).as_bytes()).report;
    let fc = &r.files["run.c"];
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(5, 7), (6, 7), (9, 0)]);
    assert_eq!(fc.branches.len(), 2);
    let f = &fc.functions[0];
    assert_eq!(
        (f.name.as_str(), f.start.get(), f.end.map(Line::get), f.hits),
        ("run", 5, Some(9), 7)
    );

    // Class lines are the truth: a method line the class does not list is no coverable line (the
    // writer puts a function's start there when no line starts it), but it gives the function.
    let only_methods = "<methods><method name=\"m\" signature=\"\"><lines><line number=\"2\" hits=\"1\"/></lines></method></methods><lines/>";
    let r = load(doc("", &class("m_c", "m.c", only_methods)).as_bytes()).report;
    assert!(r.files["m.c"].lines.is_empty());
    assert_eq!(r.files["m.c"].functions[0].start, line(2));
}

#[test]
fn istanbul_method_hits_attribute_wins() {
    let body = "<methods><method name=\"(anonymous_1)\" hits=\"12\" signature=\"()V\"><lines><line number=\"34\" hits=\"1\"/></lines></method></methods>\
                <lines><line number=\"34\" hits=\"1\"/></lines>";
    let r = load(doc("", &class("collector.ts", "src/collector.ts", body)).as_bytes()).report;
    let f = &r.files["src/collector.ts"].functions[0];
    assert_eq!((f.name.as_str(), f.hits), ("(anonymous_1)()V", 12));
}

#[test]
fn malformed_values_are_diagnosed_with_positions_and_skipped() {
    let xml = "<coverage>\n<packages><package name=\"\"><classes><class name=\"a\" filename=\"a.c\"><methods/>\n<lines>\n  <line number=\"3\" hits=\"1\" branch=\"true\" condition-coverage=\"50% (x/2)\"/>\n  <line number=\"4\" hits=\"-3\"/>\n  <line number=\"0\" hits=\"1\"/>\n  <line number=\"6\" hits=\"5000000000\" condition-coverage=\"75% (3/4)\"/>\n  <line number=\"7\" hits=\"99999999999999999999999\"/>\n  <line number=\"8\" hits=\"lots\"/>\n  <line hits=\"1\"/>\n  <line number=\"10\" hits=\"1\" condition-coverage=\"50% (3/2)\"/>\n</lines></class></classes></package></packages></coverage>\n";
    let loaded = load(xml.as_bytes());
    let got: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Severity::Warning,
                lc(4, 3),
                "malformed condition-coverage `50% (x/2)` on line 3 (covered count is not a number); its branches skipped"
            ),
            (Severity::Warning, lc(5, 3), "negative hit count `-3`; element skipped"),
            (
                Severity::Warning,
                lc(6, 3),
                "invalid line number `0` (expected a line number from 1); element skipped"
            ),
            (
                Severity::Warning,
                lc(8, 3),
                "hit count `99999999999999999999999` exceeds 18446744073709551615; clamped"
            ),
            (Severity::Warning, lc(9, 3), "malformed hit count `lots`; element skipped"),
            (
                Severity::Warning,
                lc(10, 3),
                "<line> without a number attribute; line skipped"
            ),
            (
                Severity::Warning,
                lc(11, 3),
                "malformed condition-coverage `50% (3/2)` on line 10 (more branches covered than exist); its branches skipped"
            ),
        ]
    );
    let fc = &loaded.report.files["a.c"];
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(3, 1), (6, 5_000_000_000), (7, u64::MAX), (10, 1)]);
    // Only line 6's branches survived.
    let t = Totals::of_file(fc);
    assert_eq!(t.branches, c(4, 3));
    assert_eq!(
        loaded.diagnostics[0].render("cov.xml"),
        "cov.xml:4:3: warning: malformed condition-coverage `50% (x/2)` on line 3 (covered count is not a number); its branches skipped"
    );
}

#[test]
fn diagnostics_are_capped() {
    let bad: String = (1..=5)
        .map(|i| format!("<line number=\"{i}\" hits=\"x\"/>"))
        .collect();
    let xml = doc(
        "",
        &class("a", "a.c", &format!("<methods/><lines>{bad}</lines>")),
    );
    let opts = ParseOptions { max_diagnostics: 2 };
    let loaded = parse_bytes_as(Format::Cobertura, xml.as_bytes(), &opts).unwrap();
    let msgs: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "malformed hit count `x`; element skipped",
            "malformed hit count `x`; element skipped",
            "3 more diagnostic(s) not shown (limit 2)"
        ]
    );
}

#[test]
fn entities_are_decoded_and_unknown_ones_kept() {
    let body = "<methods/><lines><line number=\"1\" hits=\"1\"/></lines>";
    let xml = doc(
        "<source>/r&amp;d</source>",
        &format!(
            "{}\n{}",
            class("x", "dir&amp;x/&#x41;&#66;&lt;.c", body),
            class("y", "&nbsp;y.c", body)
        ),
    );
    let loaded = load(xml.as_bytes());
    assert_eq!(
        loaded.report.files.keys().collect::<Vec<_>>(),
        ["/r&d/&nbsp;y.c", "/r&d/dir&x/AB<.c"]
    );
    let d: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [(
            lc(6, 1),
            "unknown entity `&nbsp;` in attribute `filename` kept as written (DTD entities are never expanded)"
        )]
    );
}

#[test]
fn doctype_with_external_system_id_is_not_fetched_or_expanded() {
    // A network system id, an external entity and an internal one: none is resolved. The parse is
    // pure (the core has no IO at all); the references stay literal and are reported.
    let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE coverage SYSTEM \"http://127.0.0.1:9/coverage-04.dtd\" [\n  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n  <!ENTITY lol \"lollollollol\">\n]>\n<coverage><sources><source>&xxe;</source></sources><packages><package name=\"\"><classes>\n<class name=\"c\" filename=\"&lol;.c\"><methods/><lines><line number=\"1\" hits=\"1\"/></lines></class>\n</classes></package></packages></coverage>\n";
    let loaded = load(xml.as_bytes());
    assert_eq!(
        loaded.report.files.keys().collect::<Vec<_>>(),
        ["&xxe;/&lol;.c"]
    );
    let d: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            (
                lc(6, 28),
                "unknown entity `&xxe;` kept as written (DTD entities are never expanded)"
            ),
            (
                lc(7, 1),
                "unknown entity `&lol;` in attribute `filename` kept as written (DTD entities are never expanded)"
            ),
        ]
    );
}

#[test]
fn bom_is_skipped_and_positions_ignore_it() {
    let xml = doc(
        "",
        &class(
            "a",
            "a.c",
            "<methods/><lines><line number=\"1\" hits=\"x\"/></lines>",
        ),
    );
    let plain = load(xml.as_bytes());
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(xml.as_bytes());
    let bom = load(&with_bom);
    assert_eq!(plain.report, bom.report);
    assert_eq!(plain.diagnostics, bom.diagnostics);
    assert_eq!(bom.diagnostics[0].position, lc(5, 49));
}

#[test]
fn truncated_input_is_a_parse_error_with_position() {
    // Cut inside a tag.
    let xml = "<coverage>\n<packages>\n  <package name=\"\"><classes><class name=\"a\" filename=\"a.c\"><lines>\n    <line number=\"1\" hi";
    let e = err_of(xml.as_bytes());
    assert_eq!(e.format, Some(Format::Cobertura));
    assert_eq!(e.position, lc(4, 5));
    assert_eq!(
        e.render("cov.xml"),
        "cov.xml: failed to parse Cobertura XML at 4:5: syntax error: tag not closed: `>` not found before end of input"
    );
    // Cut between elements: quick-xml is content, so the open element is named.
    let xml = "<coverage>\n<packages>\n  <package name=\"\"><classes><class name=\"a\" filename=\"a.c\"><lines>\n    <line number=\"1\" hits=\"1\"/>\n";
    let e = err_of(xml.as_bytes());
    assert_eq!(e.position, lc(5, 1));
    assert_eq!(
        e.message,
        "unexpected end of input (element `lines` is not closed)"
    );
    // A mismatched end tag.
    let e = err_of(b"<coverage>\n<packages></package>\n</coverage>");
    assert_eq!(e.position, lc(2, 11));
    assert!(
        e.message.contains("expected `</packages>`"),
        "{}",
        e.message
    );
}

#[test]
fn other_documents_are_rejected() {
    let e = err_of(b"<?xml version=\"1.0\"?>\n<report name=\"x\"></report>");
    assert_eq!(e.position, lc(2, 1));
    assert_eq!(e.message, "root element is <report>, expected <coverage>");
    let e = err_of(b"not xml at all");
    assert_eq!(e.message, "no <coverage> element");
    let e = err_of(b"\xFF\xFE<\x00c\x00");
    assert_eq!(
        e.message,
        "UTF-16 input is not supported (convert it to UTF-8)"
    );
}

// ----------------------------------------------------------------------------------------------
// Writer

fn write(report: &Report, options: &WriteOptions) -> Vec<u8> {
    let mut out = Vec::new();
    cobertura::write(report, options, &mut out).unwrap();
    out
}

fn opts() -> WriteOptions {
    WriteOptions {
        timestamp: 1_700_000_000,
        source_root: None,
        version: "covlens test".to_string(),
    }
}

/// Line-exact and totals-exact round trip through the writer and reader.
fn assert_round_trip(name: &str, report: &Report, options: &WriteOptions) {
    let xml = write(report, options);
    let back = load(&xml);
    assert!(
        back.diagnostics.is_empty(),
        "{name}: {:?}",
        back.diagnostics
    );
    assert_eq!(
        back.report.files.keys().collect::<Vec<_>>(),
        report.files.keys().collect::<Vec<_>>(),
        "{name}: paths"
    );
    for (path, fc) in &report.files {
        let got = &back.report.files[path];
        assert_eq!(got.lines, fc.lines, "{name}: {path}: lines");
        assert_eq!(
            Totals::of_file(got),
            Totals::of_file(fc),
            "{name}: {path}: totals"
        );
        for l in &fc.lines {
            let before = fc.branches_on(l.line);
            let after = got.branches_on(l.line);
            let hit =
                |b: &[covlens_core::Branch]| b.iter().filter(|b| b.taken.unwrap_or(0) > 0).count();
            assert_eq!(
                (after.len(), hit(after)),
                (before.len(), hit(before)),
                "{name}: {path}:{}: branches",
                l.line
            );
        }
        let f = |fc: &covlens_core::FileCoverage| -> Vec<(String, u32, bool)> {
            fc.functions
                .iter()
                .map(|f| (f.name.clone(), f.start.get(), f.hits > 0))
                .collect()
        };
        assert_eq!(f(got), f(fc), "{name}: {path}: functions");
    }
    // Writing what was read gives the same bytes.
    assert_eq!(
        write(&back.report, options),
        xml,
        "{name}: second write differs"
    );
}

fn synthetic() -> Report {
    use covlens_core::{Branch, BranchId, BranchName, FileCoverage, Function, LineHit};
    let mut r = Report::new(cobertura::FIDELITY);
    let b = |l: u32, i: u32, taken: Option<u64>| Branch {
        line: line(l),
        id: BranchId {
            block: 0,
            branch: BranchName::Index(i),
            flags: 0,
        },
        taken,
    };
    r.files.insert(
        "/src/app/main.c".to_string(),
        FileCoverage {
            lines: vec![
                LineHit {
                    line: line(3),
                    hits: 1,
                },
                LineHit {
                    line: line(4),
                    hits: 10_000_000_000,
                },
                LineHit {
                    line: line(7),
                    hits: 0,
                },
            ],
            branches: vec![b(4, 0, Some(3)), b(4, 1, None), b(4, 2, Some(0))],
            functions: vec![
                Function {
                    name: "main".to_string(),
                    start: line(2),
                    end: Some(line(7)),
                    hits: 1,
                },
                Function {
                    name: "unused(int)".to_string(),
                    start: line(9),
                    end: None,
                    hits: 0,
                },
            ],
            ..FileCoverage::default()
        },
    );
    r.files.insert(
        "/src/odd & <name>\t\"q\".c".to_string(),
        FileCoverage {
            lines: vec![LineHit {
                line: line(1),
                hits: 2,
            }],
            ..FileCoverage::default()
        },
    );
    r.files
        .insert("/src/empty.c".to_string(), FileCoverage::default());
    r
}

#[test]
fn writer_golden() {
    use covlens_core::{FileCoverage, Function, LineHit};
    let mut r = Report::new(cobertura::FIDELITY);
    r.files.insert(
        "/src/a/x.c".to_string(),
        FileCoverage {
            lines: vec![
                LineHit {
                    line: line(2),
                    hits: 3,
                },
                LineHit {
                    line: line(3),
                    hits: 0,
                },
            ],
            branches: synthetic().files["/src/app/main.c"]
                .branches
                .iter()
                .map(|b| covlens_core::Branch {
                    line: line(3),
                    ..b.clone()
                })
                .collect(),
            functions: vec![Function {
                name: "f".to_string(),
                start: line(1),
                end: Some(line(3)),
                hits: 3,
            }],
            ..FileCoverage::default()
        },
    );
    let o = WriteOptions {
        source_root: Some("/src".to_string()),
        ..opts()
    };
    let xml = String::from_utf8(write(&r, &o)).unwrap();
    let expected = r#"<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage line-rate="0.5" branch-rate="0.3333" lines-covered="1" lines-valid="2" branches-covered="1" branches-valid="3" complexity="0" version="covlens test" timestamp="1700000000">
  <sources>
    <source>/src</source>
  </sources>
  <packages>
    <package name="a" line-rate="0.5" branch-rate="0.3333" complexity="0">
      <classes>
        <class name="x.c" filename="a/x.c" line-rate="0.5" branch-rate="0.3333" complexity="0">
          <methods>
            <method name="f" signature="" line-rate="0.6667" branch-rate="0.3333" complexity="0">
              <lines>
                <line number="1" hits="3" branch="false"/>
                <line number="2" hits="3" branch="false"/>
                <line number="3" hits="0" branch="true" condition-coverage="33% (1/3)"/>
              </lines>
            </method>
          </methods>
          <lines>
            <line number="2" hits="3" branch="false"/>
            <line number="3" hits="0" branch="true" condition-coverage="33% (1/3)"/>
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
"#;
    assert_eq!(xml, expected);
    assert_eq!(
        covlens_core::detect(xml.as_bytes()),
        Some(Format::Cobertura)
    );
    assert_round_trip("golden", &r, &o);
}

#[test]
fn writer_round_trips() {
    let r = synthetic();
    assert_round_trip("synthetic", &r, &opts());
    assert_round_trip(
        "synthetic under a root",
        &r,
        &WriteOptions {
            source_root: Some("/src/".to_string()),
            ..opts()
        },
    );
    assert_round_trip("empty", &Report::default(), &opts());

    let Some(dir) = corpus() else { return };
    for &(file, ..) in CORPUS_TOTALS {
        let r = load(&std::fs::read(dir.join(file)).unwrap()).report;
        assert_round_trip(file, &r, &opts());
    }
    for file in [
        "jacoco/reportgenerator-jacoco-0.8.3.xml",
        "jacoco/grcov-multiple-top-level-classes.xml",
        "jacoco/gcovr-nested-clang10.xml",
    ] {
        let r = load_as(Format::Jacoco, &std::fs::read(dir.join(file)).unwrap()).report;
        assert_round_trip(file, &r, &opts());
    }
    // Every LCOV corpus file the LCOV parser reads (it has its own tests for the rest).
    let mut lcov: Vec<_> = std::fs::read_dir(dir.join("lcov"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    lcov.sort();
    let mut done = 0;
    for p in &lcov {
        let bytes = std::fs::read(p).unwrap();
        match parse_bytes_as(Format::Lcov, &bytes, &ParseOptions::default()) {
            Ok(l) => {
                assert_round_trip(&p.display().to_string(), &l.report, &opts());
                done += 1;
            }
            Err(e) => eprintln!("notice: {} not parsed as LCOV: {}", p.display(), e.message),
        }
    }
    eprintln!("round-tripped {done} of {} LCOV corpus files", lcov.len());
}

/// Validates with `xmllint --dtdvalid` against the published DTD.
fn assert_valid(name: &str, xml: &[u8]) {
    let Some(dir) = corpus() else { return };
    let dtd = dir.join("specs/cobertura-coverage-04.dtd");
    let path = std::env::temp_dir().join(format!(
        "covlens-cobertura-{}-{}.xml",
        std::process::id(),
        name.replace(['/', '.'], "_")
    ));
    std::fs::write(&path, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--dtdvalid"])
        .arg(&dtd)
        .arg(&path)
        .output()
        .expect("run xmllint");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{name}: xmllint rejected the output:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn writer_output_is_valid_against_the_dtd() {
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!(
            "notice: xmllint is not on PATH (Debian package libxml2-utils); DTD validation skipped"
        );
        return;
    }
    assert_valid("synthetic", &write(&synthetic(), &opts()));
    assert_valid(
        "synthetic-root",
        &write(
            &synthetic(),
            &WriteOptions {
                source_root: Some("/src & co".to_string()),
                ..opts()
            },
        ),
    );
    assert_valid("empty", &write(&Report::default(), &opts()));
    let Some(dir) = corpus() else { return };
    let inputs = [
        (Format::Cobertura, "cobertura/reportgenerator-coverlet.xml"),
        (
            Format::Cobertura,
            "cobertura/lcov-tests-cobertura-2.0.3-uportal-large.xml",
        ),
        (
            Format::Cobertura,
            "coveragepy-xml/coveragepy-gold-y_xml_branch.xml",
        ),
        (Format::Jacoco, "jacoco/reportgenerator-jacoco-0.8.3.xml"),
        (Format::Jacoco, "jacoco/gcovr-nested-clang10.xml"),
    ];
    for (format, file) in inputs {
        let r = load_as(format, &std::fs::read(dir.join(file)).unwrap()).report;
        assert_valid(file, &write(&r, &opts()));
    }
    // LCOV, once its parser is in: a notice until then.
    let lcov = dir.join("lcov");
    let mut names: Vec<_> = std::fs::read_dir(&lcov)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.sort();
    match names.first().map(|p| (p, std::fs::read(p).unwrap())) {
        Some((p, bytes)) => match parse_bytes_as(Format::Lcov, &bytes, &ParseOptions::default()) {
            Ok(l) => assert_valid("lcov", &write(&l.report, &opts())),
            Err(e) => eprintln!(
                "notice: LCOV input {} not parsed ({}); its DTD check skipped",
                p.display(),
                e.message
            ),
        },
        None => eprintln!("notice: no LCOV corpus file"),
    }
}

fn opts_for_bench() -> WriteOptions {
    opts()
}

/// Throughput on the benchmark shards: `COVLENS_BENCH_COBERTURA=/tmp/covbench/cobertura-shards
/// cargo test --release -p covlens-core --test cobertura bench -- --nocapture`.
#[test]
fn bench_shards_when_asked() {
    let Ok(dir) = std::env::var("COVLENS_BENCH_COBERTURA") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    let opts = ParseOptions::default();
    let mut merged = Report::default();
    let (mut bytes, mut parse_s, mut read_s) = (0u64, 0f64, 0f64);
    let all = std::time::Instant::now();
    for p in &files {
        let data = std::fs::read(p).unwrap();
        bytes += data.len() as u64;
        let t = std::time::Instant::now();
        let l = parse_bytes_as(Format::Cobertura, &data, &opts).unwrap();
        parse_s += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let f = std::fs::File::open(p).unwrap();
        let l2 = parse_read(
            Format::Cobertura,
            BufReader::with_capacity(64 * 1024, f),
            &opts,
        )
        .unwrap();
        read_s += t.elapsed().as_secs_f64();
        assert_eq!(l.report.files.len(), l2.report.files.len());
        covlens_core::merge_reports_owned(&mut merged, l.report);
    }
    let t = std::time::Instant::now();
    let mut out = Vec::new();
    cobertura::write(&merged, &opts_for_bench(), &mut out).unwrap();
    let write_s = t.elapsed().as_secs_f64();
    eprintln!(
        "wrote the merged report: {:.1} MB in {write_s:.2} s",
        out.len() as f64 / 1e6
    );
    let mb = bytes as f64 / 1e6;
    let t = Totals::of_report(&merged);
    eprintln!(
        "{} files, {mb:.1} MB: slice parse {parse_s:.2} s ({:.0} MB/s), reader parse {read_s:.2} s ({:.0} MB/s); whole loop {:.2} s; merged lines {:?} branches {:?}",
        files.len(),
        mb / parse_s,
        mb / read_s,
        all.elapsed().as_secs_f64(),
        t.lines,
        t.branches
    );
}

mod round_trip_property {
    use std::collections::{BTreeMap, BTreeSet};

    use covlens_core::{
        Branch, BranchId, BranchName, FileCoverage, Function, Line, LineHit, Report,
    };
    use proptest::prelude::*;

    use super::{assert_round_trip, cobertura, opts};

    /// Paths with the characters XML must escape, spaces and non-ASCII (control characters are out:
    /// XML 1.0 cannot carry them, the writer replaces them).
    fn path() -> impl Strategy<Value = String> {
        "(/[a-zA-Z0-9 &<>\"'é_.-]{1,8}){1,3}\\.c"
    }

    fn file() -> impl Strategy<Value = FileCoverage> {
        (
            prop::collection::btree_map(1u32..200, any::<u64>(), 0..20),
            prop::collection::vec(
                (any::<prop::sample::Index>(), 0u32..4, any::<Option<u64>>()),
                0..10,
            ),
            prop::collection::btree_map(
                "[a-zA-Z_][a-zA-Z0-9_:<>&(), ]{0,12}",
                (1u32..200, prop::option::of(1u32..220), any::<u64>()),
                0..5,
            ),
        )
            .prop_map(|(lines, branches, functions)| {
                let lines: Vec<LineHit> = lines
                    .into_iter()
                    .map(|(l, hits)| LineHit {
                        line: Line::new(l).unwrap(),
                        hits,
                    })
                    .collect();
                // Branches sit on coverable lines: Cobertura has no branch without its <line>.
                let mut keys = BTreeSet::new();
                let mut bs = BTreeMap::new();
                if !lines.is_empty() {
                    for (at, id, taken) in branches {
                        let line = lines[at.index(lines.len())].line;
                        if keys.insert((line, id)) {
                            bs.insert((line, id), taken);
                        }
                    }
                }
                FileCoverage {
                    lines,
                    branches: bs
                        .into_iter()
                        .map(|((line, id), taken)| Branch {
                            line,
                            id: BranchId {
                                block: 0,
                                branch: BranchName::Index(id),
                                flags: 0,
                            },
                            taken,
                        })
                        .collect(),
                    functions: functions
                        .into_iter()
                        .map(|(name, (start, end, hits))| Function {
                            name,
                            start: Line::new(start).unwrap(),
                            end: end.and_then(Line::new),
                            hits,
                        })
                        .collect(),
                    ..FileCoverage::default()
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn write_then_parse_keeps_lines_and_totals(files in prop::collection::btree_map(path(), file(), 0..5)) {
            let mut r = Report::new(cobertura::FIDELITY);
            r.files = files;
            assert_round_trip("proptest", &r, &opts());
        }
    }
}
