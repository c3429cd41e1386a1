//! Fuzz target: the gcov text parser never panics, keeps the model invariants, and its two front doors agree (reports and diagnostics).
#![no_main]

use covlens_core::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    covlens_fuzz::front_doors_agree(Format::GcovText, data);
});
