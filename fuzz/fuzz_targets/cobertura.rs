//! Fuzz target: the Cobertura parser never panics, its two front doors agree, and writing then re-reading keeps the totals.
#![no_main]

use std::io::BufReader;

use covlens_core::formats::cobertura::{self, WriteOptions};
use covlens_core::{parse_bytes_as, parse_read, Format, ParseOptions, Totals};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let Ok(first) = parse_bytes_as(Format::Cobertura, data, &options) else {
        return;
    };
    for fc in first.report.files.values() {
        fc.check_invariants()
            .expect("parsed file breaks the model invariants");
    }
    let streamed = parse_read(
        Format::Cobertura,
        BufReader::with_capacity(7, data),
        &options,
    )
    .expect("streaming entry failed where the slice entry succeeded");
    assert_eq!(
        streamed.report, first.report,
        "slice and streaming entries disagree"
    );
    let mut xml = Vec::new();
    cobertura::write(&first.report, &WriteOptions::default(), &mut xml).expect("writing to a Vec");
    let second = parse_bytes_as(Format::Cobertura, &xml, &options)
        .expect("written Cobertura does not parse");
    let (a, b) = (
        Totals::of_report(&first.report),
        Totals::of_report(&second.report),
    );
    assert_eq!(
        b.lines, a.lines,
        "Cobertura round trip changed the line totals"
    );
});
