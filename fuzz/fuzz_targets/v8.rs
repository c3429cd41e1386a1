//! Fuzz target: the V8 coverage reader never panics, its two front doors agree, and conversion with a
//! script text (the input itself, as text) keeps the model invariants.
#![no_main]

use covlens_core::formats::v8;
use covlens_core::{Format, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    covlens_fuzz::front_doors_agree(Format::V8, data);
    // The same input again, every script given the input's own bytes as its text: exercises line
    // splitting (UTF-16 offsets, CRLF), ignore comments and range normalisation on arbitrary text.
    let text = String::from_utf8_lossy(data).into_owned();
    let Ok(loaded) = v8::load(data, &ParseOptions::default(), &mut |_| Some(text.clone())) else {
        return;
    };
    for fc in loaded.report.files.values() {
        fc.check_invariants()
            .expect("parsed file breaks the model invariants");
        assert_eq!(fc.lines.len(), fc.statements.len());
    }
});
