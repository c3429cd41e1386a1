//! Fuzz target: the Istanbul parser never panics, keeps the model invariants, and its two front doors agree.
#![no_main]

use std::io::BufReader;

use covlens_core::{parse_bytes_as, parse_read, Format, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let first = parse_bytes_as(Format::Istanbul, data, &options);
    let streamed = parse_read(
        Format::Istanbul,
        BufReader::with_capacity(7, data),
        &options,
    );
    let (first, streamed) = match (first, streamed) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            // A broken gzip stream fails in the container layer, which words it differently per entry.
            if !data.starts_with(b"\x1f\x8b") {
                assert_eq!(a, b, "slice and streaming errors differ");
            }
            return;
        }
        _ => panic!("one front door failed where the other succeeded"),
    };
    for fc in first.report.files.values() {
        fc.check_invariants()
            .expect("parsed file breaks the model invariants");
        assert!(fc
            .statements
            .iter()
            .all(|s| s.statements == 1 && s.end >= s.start));
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
