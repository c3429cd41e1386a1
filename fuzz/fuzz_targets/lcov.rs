//! Fuzz target: the LCOV parser never panics, its two front doors agree, and `parse(write(parse(x))) == parse(x)`.
//!
//! The writer documents what LCOV cannot carry (a line break inside a path, name or expression is
//! written as a space; a function name that starts with digits and a comma and has no end line reads
//! back as an end line): for such reports the exact round trip is not asked, only that one more
//! write/parse round changes nothing.
#![no_main]

use std::io::BufReader;

use covlens_core::formats::lcov;
use covlens_core::{parse_bytes_as, parse_read, BranchName, Format, ParseOptions, Report};
use libfuzzer_sys::fuzz_target;

/// Whether LCOV can carry every text of `report` as it is (the writer's documented limits).
fn expressible(report: &Report) -> bool {
    let one_line = |s: &str| !s.contains(['\n', '\r']);
    let digits_comma = |s: &str| {
        let d = s.bytes().take_while(u8::is_ascii_digit).count();
        d > 0 && s.as_bytes().get(d) == Some(&b',')
    };
    report.files.iter().all(|(path, fc)| {
        one_line(path)
            && fc.version.as_deref().is_none_or(one_line)
            && fc
                .functions
                .iter()
                .all(|f| one_line(&f.name) && !(f.end.is_none() && digits_comma(&f.name)))
            && fc.branches.iter().all(|b| match &b.id.branch {
                BranchName::Expr(e) => one_line(e),
                BranchName::Index(_) => true,
            })
            && fc.mcdc.iter().all(|m| one_line(&m.expression))
            && fc.line_checksums.iter().all(|(_, c)| one_line(c))
    })
}

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let Ok(first) = parse_bytes_as(Format::Lcov, data, &options) else {
        return;
    };
    for fc in first.report.files.values() {
        fc.check_invariants()
            .expect("parsed file breaks the model invariants");
    }
    // The streaming entry, through a tiny buffer so records straddle refills, reads the same report.
    let streamed = parse_read(Format::Lcov, BufReader::with_capacity(7, data), &options)
        .expect("streaming entry failed where the slice entry succeeded");
    assert_eq!(
        streamed.report, first.report,
        "slice and streaming entries disagree"
    );
    assert_eq!(
        streamed.diagnostics, first.diagnostics,
        "slice and streaming diagnostics differ"
    );
    // Our own output reads back as the same report.
    let text = lcov::write_to_vec(&first.report);
    let second =
        parse_bytes_as(Format::Lcov, &text, &options).expect("written LCOV does not parse");
    if expressible(&first.report) {
        assert_eq!(
            second.report, first.report,
            "LCOV round trip changed the report"
        );
    }
    let again = lcov::write_to_vec(&second.report);
    let third =
        parse_bytes_as(Format::Lcov, &again, &options).expect("rewritten LCOV does not parse");
    assert_eq!(
        third.report, second.report,
        "second LCOV round trip changed the report"
    );
});
