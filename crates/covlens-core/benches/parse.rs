//! Parse throughput (bytes/s) of the LCOV, Cobertura, JaCoCo, Go coverprofile, coverage.py JSON, gcov text and JSON, gcovr JSON, llvm-cov JSON and Codecov JSON parsers, slice and streaming entries, over generated inputs and, when `COVLENS_BENCH_DATA` names the shared dataset folder, over its files.
//!
//! `cargo bench -p covlens-core --bench parse` runs the generated inputs (a few MB each, about a
//! minute in all); `COVLENS_BENCH_DATA=/tmp/covbench cargo bench -p covlens-core --bench parse` adds
//! `lcov/{small,medium,large}.info` and `cobertura/{medium,shards/shard_00}.xml`.

mod common;

use std::hint::black_box;
use std::io::BufReader;
use std::time::Duration;

use covlens_core::{parse_bytes_as, parse_read, Format, ParseOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Size of each generated input.
const GENERATED_BYTES: usize = 4 << 20;

/// Both front doors over `bytes`, as one throughput group.
fn bench_input(c: &mut Criterion, format: Format, name: &str, bytes: &[u8]) {
    if !common::parser_ready(format, &format!("parse_{}/{name}", format.id()), bytes) {
        return;
    }
    let options = ParseOptions::default();
    let mut group = c.benchmark_group(format!("parse_{}", format.id()));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    if bytes.len() > 32 << 20 {
        // A 200 MB input takes a fraction of a second per pass: ten samples are plenty.
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(10));
    }
    group.bench_with_input(BenchmarkId::new("slice", name), bytes, |b, bytes| {
        b.iter(|| parse_bytes_as(format, black_box(bytes), &options))
    });
    group.bench_with_input(BenchmarkId::new("read", name), bytes, |b, bytes| {
        // The CLI's path: a reused 64 KiB buffer over a stream.
        b.iter(|| {
            parse_read(
                format,
                BufReader::with_capacity(64 << 10, black_box(bytes)),
                &options,
            )
        })
    });
    group.finish();
}

fn generated(c: &mut Criterion) {
    type Render = fn(&[common::GenFile]) -> Vec<u8>;
    let cases: [(Format, Render); 10] = [
        (Format::Lcov, common::lcov),
        (Format::Cobertura, common::cobertura),
        (Format::Jacoco, common::jacoco),
        (Format::Go, common::go),
        (Format::CoveragepyJson, common::coveragepy_json),
        (Format::GcovText, common::gcc_llvm::gcov_text),
        (Format::GcovJson, common::gcc_llvm::gcov_json),
        (Format::GcovrJson, common::gcc_llvm::gcovr_json),
        (Format::LlvmCovJson, common::gcc_llvm::llvm_cov_json),
        (Format::Codecov, common::gcc_llvm::codecov_json),
    ];
    for (format, render) in cases {
        let files = common::files_for_size(GENERATED_BYTES, render);
        let bytes = render(&common::gen_run(files, 1));
        bench_input(
            c,
            format,
            &format!("generated_{}MB", bytes.len() >> 20),
            &bytes,
        );
    }
}

fn dataset(c: &mut Criterion) {
    let Some(dir) = common::dataset_dir() else {
        return;
    };
    let cases = [
        (Format::Lcov, "lcov/small.info"),
        (Format::Lcov, "lcov/medium.info"),
        (Format::Lcov, "lcov/large.info"),
        (Format::Cobertura, "cobertura/medium.xml"),
        (Format::Cobertura, "cobertura-shards/shard_00.xml"),
    ];
    for (format, rel) in cases {
        if let Some(bytes) = common::dataset_file(&dir, rel) {
            bench_input(c, format, rel, &bytes);
        }
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = generated, dataset
}
criterion_main!(benches);
