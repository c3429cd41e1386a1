//! Fuzz target: the LCOV parser never panics, its two front doors agree, and `parse(write(parse(x))) == parse(x)`.
#![no_main]

use std::io::BufReader;

use covlens_core::formats::lcov;
use covlens_core::{parse_bytes_as, parse_read, Format, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let Ok(first) = parse_bytes_as(Format::Lcov, data, &options) else {
        return;
    };
    for fc in first.report.files.values() {
        fc.check_invariants().expect("parsed file breaks the model invariants");
    }
    // The streaming entry, through a tiny buffer so records straddle refills, reads the same report.
    let streamed = parse_read(Format::Lcov, BufReader::with_capacity(7, data), &options)
        .expect("streaming entry failed where the slice entry succeeded");
    assert_eq!(streamed.report, first.report, "slice and streaming entries disagree");
    assert_eq!(streamed.diagnostics, first.diagnostics, "slice and streaming diagnostics differ");
    // Our own output reads back as the same report.
    let text = lcov::write_to_vec(&first.report);
    let second = parse_bytes_as(Format::Lcov, &text, &options).expect("written LCOV does not parse");
    assert_eq!(second.report, first.report, "LCOV round trip changed the report");
});
