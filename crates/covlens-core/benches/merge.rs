//! Merge throughput: folding N shard reports of one build into one, in memory (no parsing), and parse-and-merge of LCOV shards end to end; over generated shards and, with `COVLENS_BENCH_DATA`, the dataset's 32 LCOV shards.
//!
//! Throughput is in bytes of the shards' LCOV text, so merge and parse figures compare directly.
//! `cargo bench -p covlens-core --bench merge`; `COVLENS_BENCH_DATA=/tmp/covbench cargo bench -p
//! covlens-core --bench merge` adds `lcov-shards/shard_00..31.info`.

mod common;

use std::hint::black_box;
use std::io::BufReader;
use std::time::Duration;

use covlens_core::{
    merge_reports, merge_reports_owned, parse_read, Format, ParseOptions, Report, ShardSet,
};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

/// Files per generated shard (about 0.5 MB of LCOV each).
const SHARD_FILES: usize = 250;

fn merge_all(reports: &[Report]) -> Report {
    let mut out = Report::default();
    for r in reports {
        black_box(merge_reports(&mut out, r));
    }
    out
}

fn merge_all_owned(reports: Vec<Report>) -> Report {
    let mut out = Report::default();
    for r in reports {
        black_box(merge_reports_owned(&mut out, r));
    }
    out
}

/// Parses every LCOV shard through the streaming entry and folds it in, as `covlens merge` does.
fn parse_and_merge(shards: &[Vec<u8>]) -> Option<Report> {
    let options = ParseOptions::default();
    let mut out = Report::default();
    for bytes in shards {
        let loaded = parse_read(
            Format::Lcov,
            BufReader::with_capacity(64 << 10, &bytes[..]),
            &options,
        )
        .ok()?;
        black_box(merge_reports_owned(&mut out, loaded.report));
    }
    Some(out)
}

fn bench_reports(c: &mut Criterion, name: &str, reports: &[Report], lcov_bytes: u64) {
    let mut group = c.benchmark_group("merge_reports");
    group.throughput(Throughput::Bytes(lcov_bytes));
    if lcov_bytes > 32 << 20 {
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(10));
    }
    group.bench_with_input(BenchmarkId::new("borrowed", name), reports, |b, r| {
        b.iter(|| merge_all(black_box(r)))
    });
    group.bench_with_input(BenchmarkId::new("owned", name), reports, |b, r| {
        b.iter_batched(|| r.to_vec(), merge_all_owned, BatchSize::LargeInput)
    });
    group.bench_with_input(BenchmarkId::new("shard_set", name), reports, |b, r| {
        let mut set = ShardSet::new();
        for (i, report) in r.iter().enumerate() {
            let loaded = covlens_core::Loaded {
                format: Format::Lcov,
                report: report.clone(),
                diagnostics: Vec::new(),
                records: report.files.len() as u64,
            };
            set.add(format!("shard_{i:02}"), loaded, 0);
        }
        // Toggling a shard re-merges the enabled ones: the viewer's hot path.
        b.iter(|| black_box(&set).merged())
    });
    group.finish();
}

fn bench_parse_and_merge(c: &mut Criterion, name: &str, shards: &[Vec<u8>]) {
    if !shards
        .first()
        .is_some_and(|s| common::parser_ready(Format::Lcov, &format!("parse_and_merge/{name}"), s))
    {
        return;
    }
    let bytes: usize = shards.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("parse_and_merge_lcov");
    group.throughput(Throughput::Bytes(bytes as u64));
    if bytes > 32 << 20 {
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(20));
    }
    group.bench_with_input(BenchmarkId::from_parameter(name), shards, |b, s| {
        b.iter(|| parse_and_merge(black_box(s)))
    });
    group.finish();
}

fn generated(c: &mut Criterion) {
    for n in [8, 32] {
        let runs: Vec<Vec<common::GenFile>> =
            (0..n).map(|s| common::gen_run(SHARD_FILES, s)).collect();
        let lcov: Vec<Vec<u8>> = runs.iter().map(|r| common::lcov(r)).collect();
        let lcov_bytes: usize = lcov.iter().map(Vec::len).sum();
        let reports: Vec<Report> = runs.iter().map(|r| common::report(r)).collect();
        let name = format!("generated_{n}x{SHARD_FILES}files");
        bench_reports(c, &name, &reports, lcov_bytes as u64);
        bench_parse_and_merge(c, &name, &lcov);
    }
}

fn dataset(c: &mut Criterion) {
    let Some(dir) = common::dataset_dir() else {
        return;
    };
    let shards: Option<Vec<Vec<u8>>> = (0..32)
        .map(|i| common::dataset_file(&dir, &format!("lcov-shards/shard_{i:02}.info")))
        .collect();
    let Some(shards) = shards else {
        return;
    };
    let name = "lcov-shards_32";
    bench_parse_and_merge(c, name, &shards);
    let options = ParseOptions::default();
    let reports: Option<Vec<Report>> = shards
        .iter()
        .map(|s| {
            covlens_core::parse_bytes_as(Format::Lcov, s, &options)
                .ok()
                .map(|l| l.report)
        })
        .collect();
    if let Some(reports) = reports {
        let bytes: usize = shards.iter().map(Vec::len).sum();
        drop(shards);
        bench_reports(c, name, &reports, bytes as u64);
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
