//! dotCover DetailedXml: corpus totals against the reports' own statement totals, statements and
//! lines, UTF-16 LE/BE against UTF-8, diagnostics.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus; the library itself does no IO"
)]

use covlens_core::{detect, Format, Loaded, Severity, StatementBlock, Totals};

mod common;
use common::{corpus, err_of, file, hits, line, totals};

const SINGLE: &str = "dotcover/reportgenerator-dotcover-2023.3.xml";
const MULTI: &str = "dotcover/reportgenerator-multi-dotcover.xml";

fn load(bytes: &[u8]) -> Loaded {
    common::load(Format::DotCover, bytes)
}

fn read(rel: &str) -> Option<Vec<u8>> {
    Some(std::fs::read(corpus()?.join(rel)).unwrap())
}

/// The first `<Root>`'s `CoveredStatements` / `TotalStatements`, read without the parser.
fn stated(xml: &str) -> (u64, u64) {
    let tag = xml.split("<Root ").nth(1).unwrap();
    let tag = &tag[..tag.find('>').unwrap()];
    let attr = |name: &str| -> u64 {
        let key = format!("{name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    (attr("CoveredStatements"), attr("TotalStatements"))
}

fn encode(text: &str, big: bool) -> Vec<u8> {
    let mut out = if big {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        out.extend_from_slice(&if big {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn corpus_statements_match_the_stated_totals() {
    let (Some(single), Some(multi)) = (read(SINGLE), read(MULTI)) else {
        return;
    };
    assert_eq!(detect(&single), Some(Format::DotCover));
    assert_eq!(detect(&multi), Some(Format::DotCover));
    let text = std::str::from_utf8(&single).unwrap();
    assert_eq!(stated(text), (163, 234));
    let l = load(&single);
    // Every element's CoveredStatements/TotalStatements equals its <Statement>s (else a note).
    assert_eq!(l.diagnostics, vec![]);
    let t = Totals::of_report(&l.report);
    // dotCover lists the field initializer at TestClass2.cs 11:9-11:78 under both constructors
    // (compiled into each): one statement of the source here, two in TotalStatements.
    assert_eq!((t.statements.hit, t.statements.found), (163, 234 - 1));
    assert_eq!(l.report.files.len(), 18);
    // [lines hit, found, branches hit, found, functions hit, found]
    assert_eq!(totals(&l), [158, 221, 0, 0, 40, 67]);
    let fc = file(&l, r"C:\temp\TestClass2.cs");
    let init: Vec<&StatementBlock> = fc
        .statements
        .iter()
        .filter(|s| s.start == line(11))
        .collect();
    assert_eq!(init.len(), 1);
    assert_eq!(
        (init[0].start_col, init[0].end_col, init[0].hits),
        (9, 78, 1)
    );

    // Two identical <Root>s in ReportGenerator's <root>: file indices per root, runs merged.
    let text = std::str::from_utf8(&multi).unwrap();
    assert_eq!(stated(text), (128, 204));
    let l = load(&multi);
    assert_eq!(l.diagnostics, vec![]);
    let t = Totals::of_report(&l.report);
    assert_eq!((t.statements.hit, t.statements.found), (128, 204 - 1));
    assert_eq!(totals(&l), [125, 194, 0, 0, 29, 57]);
}

#[test]
fn utf16_le_be_and_utf8_give_identical_reports() {
    let Some(single) = read(SINGLE) else { return };
    let text = std::str::from_utf8(&single)
        .unwrap()
        .trim_start_matches('\u{FEFF}');
    let utf8 = load(&single);
    for big in [false, true] {
        let bytes = encode(text, big);
        assert_eq!(detect(&bytes), Some(Format::DotCover));
        let l = load(&bytes);
        assert_eq!(l.report, utf8.report);
        assert_eq!(l.diagnostics, utf8.diagnostics);
    }
}

#[test]
fn statements_lines_and_members() {
    let xml = br#"<Root CoveredStatements="2" TotalStatements="3" ReportType="DetailedXml" DotCoverVersion="2023.3">
  <FileIndices><File Index="1" Name="/src/a.cs" /></FileIndices>
  <Assembly Name="A" CoveredStatements="2" TotalStatements="3">
    <Namespace Name="N" CoveredStatements="2" TotalStatements="3">
      <Type Name="C" CoveredStatements="2" TotalStatements="3">
        <Type Name="Inner" CoveredStatements="1" TotalStatements="2">
          <Method Name="M(System.Int32):System.Void" CoveredStatements="1" TotalStatements="2">
            <Statement FileIndex="1" Line="5" Column="9" EndLine="6" EndColumn="10" Covered="True" />
            <Statement FileIndex="1" Line="6" Column="12" EndLine="6" EndColumn="20" Covered="False" />
          </Method>
        </Type>
        <Property Name="get_P():System.Int32" CoveredStatements="1" TotalStatements="1">
          <Statement FileIndex="1" Line="9" Column="3" EndLine="9" EndColumn="8" Covered="True" />
        </Property>
      </Type>
    </Namespace>
  </Assembly>
</Root>"#;
    assert_eq!(detect(xml), Some(Format::DotCover));
    let l = load(xml);
    assert_eq!(l.diagnostics, vec![]);
    let fc = file(&l, "/src/a.cs");
    assert_eq!(hits(fc), [(5, 1), (6, 1), (9, 1)]);
    let s: Vec<_> = fc
        .statements
        .iter()
        .map(|s| {
            (
                s.start.get(),
                s.start_col,
                s.end.get(),
                s.end_col,
                s.statements,
                s.hits,
            )
        })
        .collect();
    assert_eq!(
        s,
        [
            (5, 9, 6, 10, 1, 1),
            (6, 12, 6, 20, 1, 0),
            (9, 3, 9, 8, 1, 1)
        ]
    );
    let f: Vec<_> = fc
        .functions
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.start.get(),
                f.end.map(|e| e.get()),
                f.hits,
            )
        })
        .collect();
    assert_eq!(
        f,
        [
            ("N.C.Inner.M(System.Int32):System.Void", 5, Some(6), 1),
            ("N.C.get_P():System.Int32", 9, Some(9), 1)
        ]
    );
}

#[test]
fn a_stated_total_that_disagrees_is_noted() {
    let xml = br#"<Root CoveredStatements="1" TotalStatements="2" DotCoverVersion="x"><FileIndices><File Index="1" Name="a.cs" /></FileIndices>
<Assembly Name="A" CoveredStatements="0" TotalStatements="1"><Type Name="T"><Method Name="M():V">
<Statement FileIndex="1" Line="1" Column="1" EndLine="1" EndColumn="2" Covered="True" />
</Method></Type></Assembly></Root>"#;
    let l = load(xml);
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            (
                Severity::Note,
                "<Assembly Name=\"A\"> states 0 of 1 statements covered, its statements give 1 of 1"
            ),
            (
                Severity::Note,
                "<Root> states 1 of 2 statements covered, its statements give 1 of 1"
            ),
        ]
    );
}

#[test]
fn malformed_input_is_positioned() {
    let e = err_of(
        Format::DotCover,
        b"<Root DotCoverVersion=\"1\">\n  <FileIndices>\n    <File Index=\"1\" Name=\"a\"",
    );
    assert_eq!(e.format, Some(Format::DotCover));
    assert!(e.position.is_some(), "{e:?}");
    let e = err_of(Format::DotCover, b"<Report/>");
    assert_eq!(e.message, "root element is <Report>, expected <Root>");
    assert_eq!(e.position, common::at(1, 1));
    let l = load(
        b"<Root><FileIndices><File Index=\"1\" Name=\"a.cs\" /></FileIndices><Type Name=\"T\"><Method Name=\"M\">\n<Statement FileIndex=\"2\" Line=\"1\" Covered=\"True\" /><Statement FileIndex=\"1\" Line=\"0\" Covered=\"True\" /><Statement FileIndex=\"1\" Line=\"4\" Covered=\"Yes\" /></Method></Type></Root>",
    );
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            (
                common::at(2, 1),
                "<Statement> refers to file index `2`, which <FileIndices> does not list; skipped"
            ),
            (
                common::at(2, 52),
                "invalid Line `0` (expected a line number from 1); element skipped"
            ),
            (
                common::at(2, 103),
                "Covered is `Yes`, expected True or False; statement skipped"
            ),
        ]
    );
    assert!(l.report.files.is_empty());
}
