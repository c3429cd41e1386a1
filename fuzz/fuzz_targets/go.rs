//! Fuzz target: the Go coverprofile parser never panics, keeps the model invariants, and its two front doors agree (fidelity included).
#![no_main]

use std::io::BufReader;

use covlens_core::{parse_bytes_as, parse_read, Format, ParseOptions, Totals};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let Ok(first) = parse_bytes_as(Format::Go, data, &options) else {
        return;
    };
    for fc in first.report.files.values() {
        fc.check_invariants()
            .expect("parsed file breaks the model invariants");
    }
    // The reader entry reads the `mode:` line ahead: a tiny buffer must not change the fidelity.
    let streamed = parse_read(Format::Go, BufReader::with_capacity(7, data), &options)
        .expect("streaming entry failed where the slice entry succeeded");
    assert_eq!(
        streamed.report, first.report,
        "slice and streaming entries disagree"
    );
    assert_eq!(
        streamed.diagnostics, first.diagnostics,
        "slice and streaming diagnostics differ"
    );
    let t = Totals::of_report(&first.report);
    assert!(t.statements.hit <= t.statements.found);
});
