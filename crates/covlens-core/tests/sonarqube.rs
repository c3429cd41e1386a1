//! SonarQube generic coverage XML: corpus totals, reading rules and diagnostics.

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
    common::load(Format::Sonarqube, bytes)
}

fn err_of(bytes: &[u8]) -> ParseError {
    common::err_of(Format::Sonarqube, bytes)
}

/// The totals of a generic coverage file counted independently of the parser (by splitting on `<`):
/// (lines, branches) as (found, covered).
fn own_totals(xml: &str) -> (Counter, Counter) {
    let (mut lines, mut branches) = (Counter::default(), Counter::default());
    let attr = |tag: &str, name: &str| -> Option<u64> {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..at + tag[at..].find('"')?].parse().unwrap())
    };
    for tag in xml.split('<').skip(1) {
        if tag.starts_with("lineToCover ") {
            lines.found += 1;
            lines.hit += u64::from(tag.contains("covered=\"true\""));
            branches.found += attr(tag, "branchesToCover").unwrap_or(0);
            branches.hit += attr(tag, "coveredBranches").unwrap_or(0);
        }
    }
    (lines, branches)
}

#[test]
fn corpus_totals() {
    let Some(dir) = corpus() else { return };
    // (file, files, lines, branches), the numbers counted with a regex over the files' elements (the
    // format carries no summary of its own), and checked again against an independent count here.
    let files = [
        (
            "sonarqube/gcovr-nested-clang10.xml",
            8,
            Counter { found: 47, hit: 28 },
            Counter { found: 14, hit: 4 },
        ),
        (
            "sonarqube/gcovr-wspace-gcc5.xml",
            1,
            Counter { found: 9, hit: 7 },
            Counter { found: 4, hit: 2 },
        ),
        (
            "sonarqube/reportgenerator-sonarqube-generic.xml",
            5,
            Counter { found: 97, hit: 70 },
            Counter { found: 8, hit: 4 },
        ),
    ];
    for (file, nfiles, lines, branches) in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(detect(text.as_bytes()), Some(Format::Sonarqube), "{file}");
        let loaded = load(text.as_bytes());
        assert!(
            loaded.diagnostics.is_empty(),
            "{file}: {:?}",
            loaded.diagnostics
        );
        let t = Totals::of_report(&loaded.report);
        assert_eq!(loaded.report.files.len(), nfiles, "{file}: files");
        assert_eq!(own_totals(&text), (t.lines, t.branches), "{file}");
        assert_eq!((t.lines, t.branches), (lines, branches), "{file}");
        assert_eq!(t.functions, Counter::default(), "{file}");
    }
}

#[test]
fn booleans_and_branch_totals() {
    let xml = "<coverage version=\"1\">\n<file path=\"src/a b.c\">\
<lineToCover lineNumber=\"3\" covered=\"true\" branchesToCover=\"3\" coveredBranches=\"2\"/>\
<lineToCover lineNumber=\"1\" covered=\"false\"/><lineToCover lineNumber=\"2\" covered=\"1\"/>\
</file>\n<file path=\"C:\\x\\&#98;.cs\"><lineToCover lineNumber=\"9\" covered=\"0\" branchesToCover=\"2\" coveredBranches=\"0\"/></file>\n\
<file path=\"src/a b.c\"><lineToCover lineNumber=\"1\" covered=\"true\"/></file>\n</coverage>\n";
    assert_eq!(detect(xml.as_bytes()), Some(Format::Sonarqube));
    let l = load(xml.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(
        l.report.files.keys().collect::<Vec<_>>(),
        ["C:\\x\\b.cs", "src/a b.c"]
    );
    let fc = &l.report.files["src/a b.c"];
    // The file's second record makes line 1 covered.
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(1, 1), (2, 1), (3, 1)]);
    let br: Vec<_> = fc
        .branches
        .iter()
        .map(|b| (b.line.get(), b.id.branch.to_string(), b.taken))
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        br,
        [
            (3, s("0"), Some(1)),
            (3, s("1"), Some(1)),
            (3, s("2"), Some(0))
        ]
    );
    let t = Totals::of_report(&l.report);
    assert_eq!(t.lines, Counter { found: 4, hit: 3 });
    assert_eq!(t.branches, Counter { found: 5, hit: 2 });
}

#[test]
fn malformed_lines_are_diagnosed_with_positions() {
    let xml = "<coverage version=\"2\"><file path=\"a.c\">\n\
  <lineToCover lineNumber=\"0\" covered=\"true\"/>\n\
  <lineToCover lineNumber=\"2\" covered=\"yes\"/>\n\
  <lineToCover lineNumber=\"3\"/>\n\
  <lineToCover covered=\"true\"/>\n\
  <lineToCover lineNumber=\"5\" covered=\"true\" branchesToCover=\"2\" coveredBranches=\"3\"/>\n\
  <lineToCover lineNumber=\"6\" covered=\"true\" branchesToCover=\"-2\"/>\n\
</file><file/></coverage>\n";
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
                lc(1, 1),
                "generic coverage version `2` (only version 1 is known); read as version 1"
            ),
            (
                lc(2, 1),
                "invalid line number `0` (expected a line number from 1); element skipped"
            ),
            (
                lc(3, 1),
                "invalid covered value `yes` on line 2 (expected true or false); line skipped"
            ),
            (lc(4, 1), "line 3 without a covered attribute; line skipped"),
            (
                lc(5, 1),
                "<lineToCover> without a lineNumber attribute; line skipped"
            ),
            (lc(6, 1), "line 5 has 3 covered branches of 2; clamped to 2"),
            (lc(7, 1), "negative branchesToCover `-2`; element skipped"),
            (lc(8, 8), "<file> without a path attribute; file skipped"),
        ]
    );
    let fc = &l.report.files["a.c"];
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(5, 1)]);
    assert_eq!(fc.branches.len(), 2);
}

#[test]
fn errors() {
    let e =
        err_of(b"<coverage version=\"1\">\n<file path=\"a.c\"><lineToCover lineNumber=\"1\" cov");
    assert_eq!(e.position, lc(2, 18));
    assert_eq!(
        e.render("sonar.xml"),
        "sonar.xml: failed to parse SonarQube generic coverage XML at 2:18: syntax error: tag not closed: `>` not found before end of input"
    );
    let e = err_of(b"<coverage version=\"1\"><file path=\"a\">\n");
    assert_eq!(e.position, lc(2, 1));
    assert_eq!(
        e.message,
        "unexpected end of input (element `file` is not closed)"
    );
    let e = err_of(b"<CoverageSession/>");
    assert_eq!(
        e.message,
        "root element is <CoverageSession>, expected <coverage>"
    );
}
