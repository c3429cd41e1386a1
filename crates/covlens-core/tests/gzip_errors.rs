//! gzip failures read the same through both front doors (slice `parse_bytes_as` and stream
//! `parse_read` through `GunzipReader`): truncated stream, bad header, corrupt data, limit exceeded.

use std::io::{BufReader, Write};

use covlens_core::{
    parse_bytes, parse_bytes_as, parse_read, Format, ParseError, ParseOptions, Position,
};
use flate2::write::GzEncoder;
use flate2::Compression;

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The error of both doors (the stream through several buffer sizes), checked equal.
fn both(format: Format, bytes: &[u8]) -> ParseError {
    both_with(format, bytes, &[7, 4096, 64 << 10])
}

fn both_with(format: Format, bytes: &[u8], caps: &[usize]) -> ParseError {
    let opts = ParseOptions::default();
    let slice = parse_bytes_as(format, bytes, &opts).expect_err("slice door must fail");
    for &cap in caps {
        let stream = parse_read(format, BufReader::with_capacity(cap, bytes), &opts)
            .expect_err("stream door must fail");
        assert_eq!(stream, slice, "buffer {cap}");
    }
    slice
}

fn lcov(n: usize) -> Vec<u8> {
    let mut s = String::from("TN:\nSF:/src/a.c\n");
    for i in 1..=n {
        s.push_str(&format!("DA:{i},{}\n", i % 3));
    }
    s.push_str("end_of_record\n");
    s.into_bytes()
}

#[test]
fn truncated_stream() {
    let good = gz(&lcov(2000));
    // Cut in the deflate data, in the 8-byte trailer, and in the 10-byte header.
    for len in [good.len() / 2, good.len() - 3, 6] {
        let cut = &good[..len];
        for format in [Format::Lcov, Format::Cobertura, Format::Istanbul] {
            let e = both(format, cut);
            assert_eq!(
                e.message, "gzip data is cut short (truncated file?)",
                "cut at {len}"
            );
            assert_eq!(e.position, Some(Position::Byte(len as u64)), "cut at {len}");
            assert_eq!(e.format, None);
        }
    }
}

#[test]
fn bad_header() {
    let mut bad = gz(&lcov(10));
    bad[2] = 7; // compression method: only 8 (deflate) exists
    let e = both(Format::Lcov, &bad);
    assert_eq!(e.message, "corrupt gzip data (invalid gzip header)");
    assert_eq!(e.position, Some(Position::Byte(10)));
}

#[test]
fn corrupt_data() {
    let mut bad = gz(&lcov(2000));
    let mid = bad.len() / 2;
    for b in &mut bad[mid..mid + 16] {
        *b ^= 0x5a;
    }
    let e = both(Format::Lcov, &bad);
    assert_eq!(
        e.message,
        "corrupt gzip data (corrupt gzip stream does not have a matching checksum)"
    );
    assert_eq!(e.position, Some(Position::Byte(bad.len() as u64)));
}

#[test]
fn limit_exceeded() {
    // 24 MiB of newlines compress past 500:1; past the 16 MiB floor the ratio limit trips.
    let bomb = gz(&vec![b'\n'; 24 << 20]);
    // One stream buffer size: each pass inflates 16 MiB (slow in debug builds).
    let e = both_with(Format::Lcov, &bomb, &[64 << 10]);
    assert_eq!(
        e,
        ParseError::new(
            None,
            None,
            "gzip data expands more than 500:1 past its first 16777216 bytes (a decompression bomb, or raise the limit)"
        )
    );
    assert_eq!(parse_bytes(&bomb, &ParseOptions::default()).unwrap_err(), e);
}
