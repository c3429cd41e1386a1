//! Fuzz target: the JaCoCo parser never panics, keeps the model invariants, and its two front doors agree.
#![no_main]

use std::io::BufReader;

use covlens_core::{parse_bytes_as, parse_read, Format, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let Ok(first) = parse_bytes_as(Format::Jacoco, data, &options) else {
        return;
    };
    for fc in first.report.files.values() {
        fc.check_invariants()
            .expect("parsed file breaks the model invariants");
    }
    let streamed = parse_read(Format::Jacoco, BufReader::with_capacity(7, data), &options)
        .expect("streaming entry failed where the slice entry succeeded");
    assert_eq!(
        streamed.report, first.report,
        "slice and streaming entries disagree"
    );
});
