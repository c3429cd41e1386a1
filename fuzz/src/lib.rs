//! Checks shared by the fuzz targets: a parser never panics, keeps the model invariants, and its two front doors agree.

use std::io::BufReader;

use covlens_core::{parse_bytes_as, parse_read, Format, Loaded, ParseOptions};

/// Parses `data` as `format` through the slice entry and, through a 7-byte buffer so every record
/// straddles refills, the streaming entry; both must fail together or give the same report and
/// diagnostics, and every parsed file must hold the model invariants. Returns the slice entry's result.
pub fn front_doors_agree(format: Format, data: &[u8]) -> Option<Loaded> {
    let options = ParseOptions::default();
    let first = parse_bytes_as(format, data, &options);
    let streamed = parse_read(format, BufReader::with_capacity(7, data), &options);
    let (first, streamed) = match (first, streamed) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(_), Err(_)) => return None,
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
    Some(first)
}
