//! Source map decoding throughput (bytes/s) of covlens' decoder against getsentry's `sourcemap` crate on the same synthetic map, plus lookups.
//!
//! `cargo bench -p covlens-core --bench sourcemap`. The map is generated here (deterministic): about
//! 5 MB of `mappings` over 40 sources with names, shaped like a bundler's output (many segments per
//! line, small deltas, some 1-field segments).

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use covlens_core::sourcemap::{decode, DecodeOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Target size of the `mappings` string.
const MAPPINGS_BYTES: usize = 5 << 20;

fn encode_vlq(out: &mut String, value: i64) {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut v = if value < 0 {
        ((-value) << 1) | 1
    } else {
        value << 1
    } as u64;
    loop {
        let mut digit = (v & 31) as usize;
        v >>= 5;
        if v > 0 {
            digit |= 32;
        }
        out.push(B64[digit] as char);
        if v == 0 {
            break;
        }
    }
}

/// A deterministic bundler-like map: (JSON text, number of segments).
fn synthetic_map() -> (String, usize) {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let sources = 40i64;
    let names = 500i64;
    let mut mappings = String::with_capacity(MAPPINGS_BYTES + 1024);
    let (mut src, mut line, mut col, mut name) = (0i64, 0i64, 0i64, 0i64);
    let mut segments = 0;
    while mappings.len() < MAPPINGS_BYTES {
        let per_line = 20 + next(120);
        for i in 0..per_line {
            if i > 0 {
                mappings.push(',');
            }
            encode_vlq(&mut mappings, if i == 0 { 0 } else { 1 + next(12) as i64 });
            segments += 1;
            if next(20) == 0 {
                continue; // a 1-field segment
            }
            let new_src = if next(50) == 0 {
                next(sources as u64) as i64
            } else {
                src
            };
            encode_vlq(&mut mappings, new_src - src);
            src = new_src;
            let dl = next(3) as i64 - if next(4) == 0 { 1 } else { 0 };
            let new_line = (line + dl).max(0);
            encode_vlq(&mut mappings, new_line - line);
            line = new_line;
            let new_col = next(80) as i64;
            encode_vlq(&mut mappings, new_col - col);
            col = new_col;
            if next(3) == 0 {
                let new_name = next(names as u64) as i64;
                encode_vlq(&mut mappings, new_name - name);
                name = new_name;
            }
        }
        mappings.push(';');
    }
    let mut json = String::with_capacity(mappings.len() + 64 * 1024);
    json.push_str("{\"version\":3,\"file\":\"bundle.js\",\"sourceRoot\":\"\",\"sources\":[");
    for s in 0..sources {
        if s > 0 {
            json.push(',');
        }
        write!(json, "\"webpack:///./src/module{s}.ts\"").unwrap();
    }
    json.push_str("],\"names\":[");
    for n in 0..names {
        if n > 0 {
            json.push(',');
        }
        write!(json, "\"name{n}\"").unwrap();
    }
    json.push_str("],\"mappings\":\"");
    json.push_str(&mappings);
    json.push_str("\"}");
    (json, segments)
}

fn bench(c: &mut Criterion) {
    let (json, segments) = synthetic_map();
    let bytes = json.as_bytes();
    // Both decoders must agree on what they read before their speed means anything.
    let ours = decode(bytes, &DecodeOptions::default()).expect("synthetic map decodes");
    assert_eq!(ours.value.mappings().len(), segments);
    match sourcemap::decode_slice(bytes).expect("the sourcemap crate decodes it") {
        sourcemap::DecodedMap::Regular(sm) => assert_eq!(sm.get_token_count() as usize, segments),
        _ => panic!("a regular map"),
    }
    eprintln!("synthetic map: {} bytes, {segments} segments", bytes.len());

    let mut group = c.benchmark_group("sourcemap_decode");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_with_input(BenchmarkId::new("covlens", "5MB"), bytes, |b, bytes| {
        b.iter(|| decode(black_box(bytes), &DecodeOptions::default()))
    });
    group.bench_with_input(
        BenchmarkId::new("sourcemap_crate", "5MB"),
        bytes,
        |b, bytes| b.iter(|| sourcemap::decode_slice(black_box(bytes))),
    );
    group.finish();

    // 100k lookups spread over the map.
    let map = ours.value;
    let last_line = map.mappings().last().map_or(0, |m| m.generated_line);
    let queries: Vec<(u32, u32)> = (0..100_000u32)
        .map(|i| ((i.wrapping_mul(7919)) % (last_line + 1), (i * 31) % 600))
        .collect();
    let theirs = match sourcemap::decode_slice(bytes).unwrap() {
        sourcemap::DecodedMap::Regular(sm) => sm,
        _ => unreachable!("checked above"),
    };
    let mut group = c.benchmark_group("sourcemap_lookup_100k");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.bench_function("covlens", |b| {
        b.iter(|| {
            queries
                .iter()
                .filter(|&&(l, c)| map.lookup(l, c).is_some())
                .count()
        })
    });
    group.bench_function("sourcemap_crate", |b| {
        b.iter(|| {
            queries
                .iter()
                .filter(|&&(l, c)| theirs.lookup_token(l, c).is_some())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
