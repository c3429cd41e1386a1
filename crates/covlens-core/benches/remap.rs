//! Benchmark: remapping a ~50 MB V8 dump through its source maps vs parsing and converting it without them.
//!
//! The dump is made from the esbuild fixture (tests/fixtures/ts/esb.job2.v8.json) by repeating its
//! bundle script (and its `source-map-cache` entry) under distinct URLs until it reaches ~50 MB.
//! Baseline: `v8::load` with the bundle text supplied (parse + c8's conversion on the generated code).
//! Remap: `v8::parse` + `remap::remap_v8`. Target: remap ≤ 2x the baseline.

use std::hint::black_box;

use covlens_core::formats::v8;
use covlens_core::remap::{self, RemapOptions, V8Inputs};
use covlens_core::ParseOptions;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ts");

#[allow(
    clippy::disallowed_methods,
    reason = "the bench reads the project's fixtures; the library itself does no IO"
)]
fn big_dump() -> (Vec<u8>, String) {
    let dump: Value = serde_json::from_slice(
        &std::fs::read(format!("{FIXTURES}/esb.job2.v8.json")).expect("fixture"),
    )
    .expect("json");
    let url = "file:///tmp/covlens-fixtures/ts/dist-esb/bundle.js";
    let script = dump["result"]
        .as_array()
        .expect("result")
        .iter()
        .find(|s| s["url"] == url)
        .expect("bundle script")
        .clone();
    let cache = dump["source-map-cache"][url].clone();
    let one = serde_json::to_vec(&script).expect("json").len()
        + serde_json::to_vec(&cache).expect("json").len();
    let n = (50 << 20) / one + 1;
    let mut result = Vec::with_capacity(n);
    let mut maps = serde_json::Map::new();
    for i in 0..n {
        let u = format!("file:///tmp/covlens-fixtures/ts/dist-esb/bundle{i}.js");
        let mut s = script.clone();
        s["url"] = Value::from(u.clone());
        s["scriptId"] = Value::from(i.to_string());
        result.push(s);
        maps.insert(u, cache.clone());
    }
    let doc = serde_json::json!({"result": result, "source-map-cache": maps});
    let text = std::fs::read_to_string(format!("{FIXTURES}/dist-esb/bundle.js")).expect("bundle");
    (serde_json::to_vec(&doc).expect("json"), text)
}

fn bench(c: &mut Criterion) {
    let (dump, text) = big_dump();
    let mut g = c.benchmark_group("remap_v8");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(dump.len() as u64));
    g.bench_function("parse_and_convert", |b| {
        b.iter(|| {
            let loaded = v8::load(&dump, &ParseOptions::default(), &mut |_| Some(text.clone()))
                .expect("loads");
            black_box(loaded.report.files.len())
        })
    });
    g.bench_function("parse_and_remap", |b| {
        b.iter(|| {
            let parsed = v8::parse(&dump, &ParseOptions::default()).expect("parses");
            let r = remap::remap_v8(
                &parsed.value,
                &mut V8Inputs {
                    map_for: &mut |_| None,
                    text_for: &mut |_| None,
                },
                &RemapOptions::default(),
                &ParseOptions::default(),
            );
            black_box(r.report.files.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
