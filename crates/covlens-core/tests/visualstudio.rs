//! Visual Studio coverage XML (`.coveragexml`, dotnet-coverage xml): corpus totals against the
//! reports' own module totals, UTF-16 LE/BE against UTF-8, reading rules and diagnostics.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus; the library itself does no IO"
)]

use covlens_core::{detect, Format, Loaded, Position, Severity};

mod common;
use common::{corpus, err_of, file, hits, totals};

const VS2022: &str = "visualstudio/reportgenerator-visualstudio2022.coveragexml";
const DYNAMIC: &str = "visualstudio/reportgenerator-dynamiccodecoverage-dotnet-coverage.xml";

fn load(bytes: &[u8]) -> Loaded {
    common::load(Format::VisualStudio, bytes)
}

fn read(rel: &str) -> Option<Vec<u8>> {
    Some(std::fs::read(corpus()?.join(rel)).unwrap())
}

/// UTF-16 (LE with BOM) bytes to text, independently of the library.
fn utf16le_text(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..2], b"\xFF\xFE");
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
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

/// Sum over modules of the numbers the report states, read without the parser: `.coveragexml`
/// `<Module>`'s direct `<LinesCovered>`… (the first ones after `<ModuleName>`), or dotnet-coverage's
/// `<module lines_covered=…>`: [covered, partially covered, not covered, blocks covered, not covered].
fn stated(xml: &str) -> [u64; 5] {
    let mut out = [0; 5];
    if xml.contains("<CoverageDSPriv>") {
        for module in xml.split("\t<Module>").skip(1) {
            let head = &module[..module.find("<NamespaceTable>").unwrap()];
            for (i, tag) in [
                "LinesCovered",
                "LinesPartiallyCovered",
                "LinesNotCovered",
                "BlocksCovered",
                "BlocksNotCovered",
            ]
            .iter()
            .enumerate()
            {
                let open = format!("<{tag}>");
                let at = head.find(&open).unwrap() + open.len();
                out[i] += head[at..at + head[at..].find('<').unwrap()]
                    .parse::<u64>()
                    .unwrap();
            }
        }
    } else {
        for module in xml.split("<module ").skip(1) {
            let tag = &module[..module.find('>').unwrap()];
            for (i, name) in [
                "lines_covered",
                "lines_partially_covered",
                "lines_not_covered",
                "blocks_covered",
                "blocks_not_covered",
            ]
            .iter()
            .enumerate()
            {
                let key = format!(" {name}=\"");
                let at = tag.find(&key).unwrap() + key.len();
                out[i] += tag[at..at + tag[at..].find('"').unwrap()]
                    .parse::<u64>()
                    .unwrap();
            }
        }
    }
    out
}

#[test]
fn corpus_is_detected_and_checks_against_its_own_module_totals() {
    let (Some(vs), Some(dynamic)) = (read(VS2022), read(DYNAMIC)) else {
        return;
    };
    assert_eq!(detect(&vs), Some(Format::VisualStudio));
    assert_eq!(detect(&dynamic), Some(Format::VisualStudio));
    // The report's own totals count a line once per method (its rule); the parser recomputes them
    // from the ranges by that rule and notes any disagreement: there is none.
    assert_eq!(stated(&utf16le_text(&vs)), [162, 1, 72, 184, 55]);
    assert_eq!(
        stated(std::str::from_utf8(&dynamic).unwrap()),
        [166, 1, 110, 190, 92]
    );
    for bytes in [&vs, &dynamic] {
        let l = load(bytes);
        assert_eq!(
            l.diagnostics,
            vec![],
            "no stated total disagrees with the detail"
        );
    }
    // covlens counts a source line once per file (ReportGenerator's view): an auto-property's
    // `{ get; set; }` line is one line here, two in the module totals. Partially covered lines
    // (8 in each report: a partial range, or covered and not-covered ranges on one line) are hit.
    // [lines hit, found, branches hit, found, functions hit, found]
    let l = load(&vs);
    assert_eq!(l.report.files.len(), 18);
    assert_eq!(totals(&l), [158, 221, 0, 0, 40, 67]);
    let l = load(&dynamic);
    assert_eq!(l.report.files.len(), 19);
    assert_eq!(totals(&l), [162, 261, 0, 0, 41, 84]);
}

#[test]
fn utf16_le_be_and_utf8_give_identical_reports() {
    let Some(vs) = read(VS2022) else { return };
    let text = utf16le_text(&vs);
    let le = load(&vs);
    let utf8 = load(text.as_bytes());
    let bom8 = load(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat());
    let be_bytes = encode(&text, true);
    assert_eq!(detect(&be_bytes), Some(Format::VisualStudio));
    let be = load(&be_bytes);
    for other in [&utf8, &bom8, &be] {
        assert_eq!(other.report, le.report);
        assert_eq!(other.diagnostics, le.diagnostics);
    }
    // And through the detecting front door.
    let auto = covlens_core::parse_bytes(&be_bytes, &Default::default()).unwrap();
    assert_eq!(auto.format, Format::VisualStudio);
    assert_eq!(auto.report, le.report);
}

#[test]
fn line_states_fold_every_range_on_the_line() {
    let xml = r#"<results><modules><module name="m.dll" lines_covered="1" lines_partially_covered="2" lines_not_covered="1" blocks_covered="2" blocks_not_covered="2">
<functions>
<function name="F(int)" namespace="N" type_name="C" blocks_covered="2" blocks_not_covered="1"><ranges>
<range source_id="0" start_line="3" end_line="4" start_column="1" end_column="2" covered="yes" />
<range source_id="0" start_line="4" end_line="4" start_column="5" end_column="9" covered="no" />
<range source_id="0" start_line="5" end_line="5" start_column="1" end_column="2" covered="partial" />
<range source_id="0" start_line="15732480" end_line="15732480" start_column="0" end_column="0" covered="no" />
</ranges></function>
<function name="G()" namespace="N" type_name="C.&lt;&gt;c" blocks_covered="0" blocks_not_covered="1"><ranges>
<range source_id="0" start_line="3" end_line="3" start_column="20" end_column="30" covered="no" />
</ranges></function>
</functions>
<source_files><source_file id="0" path="C:\src\c.cs" /></source_files>
</module></modules></results>"#;
    let l = load(xml.as_bytes());
    assert_eq!(l.diagnostics, vec![]);
    let fc = file(&l, r"C:\src\c.cs");
    // Line 3: covered in F, not covered in G (one line, hit); 4: covered + not = partial (hit);
    // 5: partial (hit). The hidden 0xF00F00 line is not a line.
    assert_eq!(hits(fc), [(3, 1), (4, 1), (5, 1)]);
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
            ("N.C.<>c.G()", 3, Some(3), 0),
            ("N.C.F(int)", 3, Some(5), 1)
        ]
    );
}

#[test]
fn a_stated_total_that_disagrees_is_noted() {
    let Some(dynamic) = read(DYNAMIC) else { return };
    let text = String::from_utf8(dynamic).unwrap();
    let tampered = text.replacen("lines_covered=\"160\"", "lines_covered=\"159\"", 1);
    assert_ne!(tampered, text);
    let l = load(tampered.as_bytes());
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].severity, Severity::Note);
    assert_eq!(
        l.diagnostics[0].message,
        "module `Test.dll` states 159/1/110 lines covered/partially covered/not covered, its ranges give 160/1/110 (counted per method)"
    );
}

#[test]
fn malformed_input_is_positioned() {
    // Truncated: the open element is named, at the end of input.
    let e = err_of(
        Format::VisualStudio,
        b"<results>\n<modules>\n<module name=\"m\">",
    );
    assert_eq!(
        e.message,
        "unexpected end of input (element `module` is not closed)"
    );
    assert_eq!(e.position, common::at(3, 18));
    // Truncated UTF-16: positions are in the transcoded UTF-8 text (lines are the same).
    let e = err_of(
        Format::VisualStudio,
        &encode(
            "<CoverageDSPriv>\r\n\t<Module>\r\n\t\t<ModuleName>a</Modu",
            false,
        ),
    );
    assert_eq!(e.format, Some(Format::VisualStudio));
    assert!(
        matches!(e.position, Some(Position::LineCol { line: 3, .. })),
        "{e:?}"
    );
    // A bad value is a positioned warning; the rest loads.
    let l = load(
        b"<results><modules><module name=\"m\"><functions><function name=\"F\">\n<ranges><range source_id=\"0\" start_line=\"2\" covered=\"maybe\" /><range source_id=\"0\" start_line=\"3\" covered=\"yes\" /></ranges></function></functions><source_files><source_file id=\"0\" path=\"a.cs\" /></source_files></module></modules></results>",
    );
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].position, common::at(2, 9));
    assert_eq!(
        l.diagnostics[0].message,
        "unknown covered value `maybe` (expected yes, no or partial); range skipped"
    );
    assert_eq!(hits(file(&l, "a.cs")), [(3, 1)]);
}

#[test]
fn a_lone_surrogate_is_a_diagnostic_at_its_byte_offset() {
    // `<CoverageDSPriv>` then a lone high surrogate in a file name.
    let text = "<CoverageDSPriv><SourceFileNames><SourceFileID>1</SourceFileID><SourceFileName>C:\\a\u{1}.cs</SourceFileName></SourceFileNames></CoverageDSPriv>";
    let mut bytes = encode(text, false);
    let at = bytes.windows(2).position(|w| w == [1, 0]).unwrap();
    bytes[at..at + 2].copy_from_slice(&0xD800u16.to_le_bytes());
    let l = load(&bytes);
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].position, Some(Position::Byte(at as u64)));
    assert_eq!(
        l.diagnostics[0].message,
        "invalid UTF-16: lone high surrogate 0xD800; replaced by U+FFFD"
    );
}

/// Every cut of the corpus inputs (UTF-16 ones cut mid code unit too) gives the same outcome through
/// both front doors: a report with the same diagnostics, or the same error.
#[test]
fn cut_inputs_agree_through_both_doors() {
    let dotcover = corpus()
        .map(|d| std::fs::read(d.join("dotcover/reportgenerator-dotcover-2023.3.xml")).unwrap());
    let (Some(vs), Some(dynamic), Some(dotcover)) = (read(VS2022), read(DYNAMIC), dotcover) else {
        return;
    };
    let opts = covlens_core::ParseOptions::default();
    for (format, bytes) in [
        (Format::VisualStudio, &vs),
        (Format::VisualStudio, &dynamic),
        (Format::DotCover, &dotcover),
    ] {
        for len in (0..bytes.len())
            .step_by(4999)
            .chain([1, 2, 3, bytes.len() - 1])
        {
            let cut = &bytes[..len];
            let a = covlens_core::parse_bytes_as(format, cut, &opts);
            let b =
                covlens_core::parse_read(format, std::io::BufReader::with_capacity(7, cut), &opts);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.report, b.report, "cut at {len}");
                    assert_eq!(a.diagnostics, b.diagnostics, "cut at {len}");
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "cut at {len}"),
                (a, b) => panic!("cut at {len}: {:?} vs {:?}", a.err(), b.err()),
            }
        }
    }
}
