//! Fuzz target: the gcov text parser never panics, keeps the model invariants, and its two front doors agree (reports and diagnostics).
#![no_main]

use std::io::BufReader;

use covlens_core::{parse_bytes_as, parse_read, Format, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let first = parse_bytes_as(Format::GcovText, data, &options);
    // Through a tiny buffer, so every record straddles refills.
    let streamed = parse_read(
        Format::GcovText,
        BufReader::with_capacity(7, data),
        &options,
    );
    let (first, streamed) = match (first, streamed) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(_), Err(_)) => return,
        (a, b) => panic!(
            "one front door failed: slice {:?}, stream {:?}",
            a.err(),
            b.err()
        ),
    };
    for fc in first.report.files.values() {
        fc.check_invariants()
            .expect("parsed file breaks the model invariants");
    }
    assert_eq!(
        streamed.report, first.report,
        "slice and streaming entries disagree"
    );
    assert_eq!(
        streamed.diagnostics, first.diagnostics,
        "slice and streaming diagnostics differ"
    );
});
