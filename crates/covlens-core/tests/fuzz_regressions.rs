//! Inputs the fuzz targets (`fuzz/fuzz_targets/*.rs`) found, kept inline with the behaviour they pin down.

use covlens_core::formats::{cobertura, lcov};
use covlens_core::{parse_bytes_as, Format, Line, ParseOptions, Report, Totals};

fn parse(format: Format, input: &[u8]) -> Report {
    parse_bytes_as(format, input, &ParseOptions::default())
        .expect("parses")
        .report
}

fn lcov_round_trip(report: &Report) -> Report {
    parse(Format::Lcov, &lcov::write_to_vec(report))
}

fn cobertura_round_trip(report: &Report) -> Report {
    let mut xml = Vec::new();
    cobertura::write(report, &cobertura::WriteOptions::default(), &mut xml)
        .expect("write to a Vec");
    parse(Format::Cobertura, &xml)
}

/// fuzz target `lcov`, minimized: a carriage return inside a path is kept by the parser (only a
/// trailing one ends a CRLF line) but LCOV cannot carry it, so the writer puts a space there, as
/// its documentation says; the exact round trip holds from the second round on.
#[test]
fn lcov_carriage_return_inside_a_path_is_written_as_a_space() {
    let first = parse(Format::Lcov, b"SF:\r\0");
    assert_eq!(first.files.keys().collect::<Vec<_>>(), ["\r\0"]);
    let second = lcov_round_trip(&first);
    assert_eq!(second.files.keys().collect::<Vec<_>>(), [" \0"]);
    assert_eq!(lcov_round_trip(&second), second);
}

/// fuzz target `lcov`: the same inside a function name (the found input had
/// `FN:3,3,noCommonAli\r\0\0\0\0\0\0\0as`).
#[test]
fn lcov_carriage_return_inside_a_function_name_is_written_as_a_space() {
    let first = parse(
        Format::Lcov,
        b"SF:a.cpp\nFN:3,3,noCommonAli\r\0as\nFNDA:1,noCommonAli\r\0as\nDA:3,1\nend_of_record\n",
    );
    let names: Vec<&str> = first.files["a.cpp"]
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["noCommonAli\r\0as"]);
    let second = lcov_round_trip(&first);
    let f = &second.files["a.cpp"].functions[0];
    assert_eq!(
        (f.name.as_str(), f.start, f.end, f.hits),
        ("noCommonAli \0as", Line::new(3).unwrap(), Line::new(3), 1)
    );
    assert_eq!(lcov_round_trip(&second), second);
}

/// fuzz target `cobertura`, minimized (found while the parser was being written: the line totals
/// changed from 0 to 1 over a write/read round): a method with a line, an unescaped `&`, attributes
/// without a space between them, and an empty `<class/>` nested in a class. The nested class is
/// skipped; the method's line gives the function's start and hits, not a coverable line.
#[test]
fn cobertura_method_line_with_nested_empty_class_keeps_line_totals() {
    let input = br#"<coverage><class filename="s"><method name="&"><line number="3"hits="2"/></method><class/></class></coverage>"#;
    let loaded =
        parse_bytes_as(Format::Cobertura, input, &ParseOptions::default()).expect("parses");
    let fc = &loaded.report.files["s"];
    assert!(fc.lines.is_empty());
    let f = &fc.functions[0];
    assert_eq!(
        (f.name.as_str(), f.start, f.hits),
        ("&", Line::new(3).unwrap(), 2)
    );
    assert_eq!(loaded.diagnostics.len(), 1);
    assert!(loaded.diagnostics[0].message.contains("without a filename"));
    let again = cobertura_round_trip(&loaded.report);
    assert_eq!(
        Totals::of_report(&again).lines,
        Totals::of_report(&loaded.report).lines
    );
    assert_eq!(again.files["s"].functions, fc.functions);
}
