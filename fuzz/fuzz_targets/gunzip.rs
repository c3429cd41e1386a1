//! Fuzz target: gzip unwrapping never panics and keeps its limits, in memory and streaming alike.
#![no_main]

use std::io::{BufReader, Read};

use covlens_core::container::{gunzip, gunzip_prefix, GunzipReader, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_output_bytes: 1 << 20,
        max_ratio: 50,
        ratio_floor_bytes: 4096,
    };
    let whole = gunzip(data, &limits);
    let mut streamed = Vec::new();
    let mut reader = GunzipReader::new(BufReader::with_capacity(7, data), limits);
    let stream = reader.read_to_end(&mut streamed);
    match (&whole, &stream) {
        (Ok(out), Ok(_)) => {
            assert_eq!(out, &streamed, "in-memory and streaming gunzip disagree");
            assert!(out.len() as u64 <= limits.max_output_bytes);
            assert_eq!(
                gunzip_prefix(data, 100).as_slice(),
                &out[..out.len().min(100)]
            );
        }
        (Err(_), Err(_)) => {}
        // The ratio is checked after each read, and the two read in different steps: at the limit one
        // may stop where the other does not. Anything else is a disagreement.
        (Ok(_), Err(e)) => assert!(
            e.to_string().contains("expands"),
            "streaming failed alone: {e}"
        ),
        (Err(e), Ok(_)) => assert!(e.message.contains("expands"), "in-memory failed alone: {e}"),
    }
});
