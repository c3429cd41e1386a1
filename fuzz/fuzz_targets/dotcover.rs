//! Fuzz target: the dotCover parser (UTF-8 and UTF-16 input) never panics, keeps the model invariants, and its two front doors agree.
#![no_main]

use covlens_core::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    covlens_fuzz::front_doors_agree(Format::DotCover, data);
});
