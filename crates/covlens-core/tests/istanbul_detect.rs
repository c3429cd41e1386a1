//! Istanbul detection past the first 8 KiB: big Jest outputs and istanbul-reports wrappers whose first
//! file object is long, so `fnMap` / `branchMap` come late.

use covlens_core::detect::SNIFF_LEN;
use covlens_core::{detect, parse_bytes, Format, ParseOptions, Totals};

/// A coverage-final.json whose first file has `n` statements (its `statementMap` first, as nyc and Jest
/// write it), optionally wrapped as istanbul-reports' spec fixtures are (`{"map": {...}}`).
fn coverage_final(n: usize, wrapped: bool) -> String {
    let stmts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "\"{i}\": {{\"start\": {{\"line\": {l}, \"column\": 2}}, \"end\": {{\"line\": {l}, \"column\": 30}}}}",
                l = i + 1
            )
        })
        .collect();
    let s: Vec<String> = (0..n).map(|i| format!("\"{i}\": {}", i % 2)).collect();
    let file = format!(
        "{{\"path\": \"/src/big.js\", \"statementMap\": {{{}}}, \"fnMap\": {{}}, \"branchMap\": {{}}, \"s\": {{{}}}, \"f\": {{}}, \"b\": {{}}}}",
        stmts.join(", "),
        s.join(", ")
    );
    let map = format!("{{\"/src/big.js\": {file}}}");
    if wrapped {
        format!("{{\"map\": {map}, \"textSummaryExpected\": \"\"}}")
    } else {
        map
    }
}

#[test]
fn a_first_file_object_of_20_kib_is_still_istanbul() {
    for wrapped in [false, true] {
        let json = coverage_final(300, wrapped);
        let fn_map = json.find("\"fnMap\"").unwrap();
        assert!(fn_map > 20 << 10, "fnMap at {fn_map}");
        assert!(json.len() < SNIFF_LEN);
        // The first 8 KiB alone hold no key that tells.
        assert_eq!(detect(&json.as_bytes()[..8192]), None);
        assert_eq!(detect(json.as_bytes()), Some(Format::Istanbul));
        if !wrapped {
            let l = parse_bytes(json.as_bytes(), &ParseOptions::default()).unwrap();
            assert_eq!(l.format, Format::Istanbul);
            let t = Totals::of_report(&l.report);
            assert_eq!((t.lines.hit, t.lines.found), (150, 300));
        }
    }
}

#[test]
fn the_key_scan_is_bounded_and_needs_keys() {
    // Past SNIFF_LEN nothing is seen: the input's first SNIFF_LEN bytes decide.
    let json = coverage_final(3000, false);
    assert!(json.find("\"fnMap\"").unwrap() > SNIFF_LEN);
    assert_eq!(detect(json.as_bytes()), None);
    // Key names inside strings, not as keys of objects, do not count.
    let padding = "x".repeat(9000);
    let text =
        format!("{{\"a\": \"{padding}\", \"b\": \"\\\"statementMap\\\": {{ \\\"fnMap\\\": {{\"}}");
    assert_eq!(detect(text.as_bytes()), None);
}
