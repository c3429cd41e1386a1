//! Parse throughput (bytes/s) of every format's parser, slice and streaming entries: generated inputs (LCOV, Cobertura, JaCoCo, Go, coverage.py, gcov text/JSON, gcovr, llvm-cov, Codecov, Clover, SonarQube, SimpleCov, V8), real corpus files (every format, OpenCover, Visual Studio, dotCover and Istanbul included) and, when `COVLENS_BENCH_DATA` names the shared dataset folder, its files.
//!
//! `cargo bench -p covlens-core --bench parse` runs the generated inputs (a few MB each) and the
//! corpus files (`../shared/corpus`, skipped when absent: they are small, so their MB/s includes the
//! fixed cost per document); `COVLENS_BENCH_DATA=/tmp/covbench cargo bench -p covlens-core --bench parse`
//! adds `lcov/{small,medium,large}.info`, `cobertura/{medium,shards/shard_00}.xml` and
//! `istanbul-shards/shard_00.json`. `-- --quick` (criterion's short mode) gives a figure per format in
//! a few minutes.

mod common;

use std::fmt::Write as _;
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
    let cases: [(Format, Render); 14] = [
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
        (Format::Clover, clover),
        (Format::Sonarqube, sonarqube),
        (Format::Simplecov, simplecov),
        (Format::V8, v8_playwright),
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
        (Format::Istanbul, "istanbul-shards/shard_00.json"),
    ];
    for (format, rel) in cases {
        if let Some(bytes) = common::dataset_file(&dir, rel) {
            bench_input(c, format, rel, &bytes);
        }
    }
}

/// The largest real report of each format in the shared corpus (a few KB to a few hundred KB): the
/// only inputs of the formats without a generator (Istanbul without the dataset, OpenCover, Visual
/// Studio, dotCover), and a check of the generated figures on real producers' layouts for the others.
const CORPUS_CASES: [(Format, &str); 18] = [
    (Format::Lcov, "lcov/grcov-firefox-spidermonkey-js.info"),
    (
        Format::Cobertura,
        "cobertura/lcov-tests-cobertura-2.0.3-uportal-large.xml",
    ),
    (Format::Jacoco, "jacoco/reportgenerator-jacoco-0.8.3.xml"),
    (
        Format::CoveragepyJson,
        "coveragepy-json/pytest-deck-tests-data.coverage.json",
    ),
    (Format::Go, "go/shlike-set.out"),
    (
        Format::GcovText,
        "gcov-text/grcov-intermediate-negative-counts.gcov",
    ),
    (
        Format::GcovJson,
        "gcov-json/grcov-mozillavpn-gcc9.gcov.json.gz",
    ),
    (
        Format::LlvmCovJson,
        "llvm-cov-json/cargo-llvm-cov-virtual1-workspace.full.json",
    ),
    (
        Format::GcovrJson,
        "gcovr-json/gcovr-decisions-neg-delta-gcc14.json",
    ),
    (
        Format::Codecov,
        "codecov/cargo-llvm-cov-virtual1-workspace.codecov.json",
    ),
    (
        Format::Istanbul,
        "istanbul/istanbuljs-spec-missing-decl.json",
    ),
    (
        Format::Simplecov,
        "simplecov/simplecov-json-formatter-sample_with_method.json",
    ),
    (
        Format::Clover,
        "clover/reportgenerator-openclover-4.3.1.xml",
    ),
    (
        Format::Sonarqube,
        "sonarqube/reportgenerator-sonarqube-generic.xml",
    ),
    (
        Format::Opencover,
        "opencover/reportgenerator-opencover-tracked-methods.xml",
    ),
    (
        Format::VisualStudio,
        "visualstudio/reportgenerator-visualstudio2022.coveragexml",
    ),
    (
        Format::DotCover,
        "dotcover/reportgenerator-multi-dotcover.xml",
    ),
    (Format::V8, "v8/demurgos-node10.11.0-coverage-28645.json"),
];

#[allow(
    clippy::disallowed_methods,
    reason = "the bench reads the shared corpus; the library itself does no IO"
)]
fn corpus(c: &mut Criterion) {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if !dir.is_dir() {
        eprintln!(
            "notice: {} is absent; corpus benches skipped",
            dir.display()
        );
        return;
    }
    for (format, rel) in CORPUS_CASES {
        match std::fs::read(dir.join(rel)) {
            Ok(bytes) => bench_input(c, format, &format!("corpus/{rel}"), &bytes),
            Err(e) => eprintln!("corpus file {rel} not read ({e}): its bench is skipped"),
        }
    }
}

/// The run as Clover XML (OpenClover's layout): a `stmt` line per line, a `cond` line per branch line
/// (arms taken above zero count as true, the others as false), a `method` line per function.
fn clover(files: &[common::GenFile]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<coverage generated=\"1704067200\" clover=\"4.4.1\">\n<project timestamp=\"1704067200\">\n<package name=\"acme\">\n",
    );
    for f in files {
        let _ = writeln!(s, "<file name=\"{0}\" path=\"{0}\">", f.path());
        for func in &f.functions {
            let _ = writeln!(
                s,
                "<line num=\"{}\" type=\"method\" signature=\"{}()\" count=\"{}\"/>",
                func.start, func.name, func.hits
            );
        }
        for &(line, hits) in &f.lines {
            let _ = writeln!(s, "<line num=\"{line}\" type=\"stmt\" count=\"{hits}\"/>");
        }
        for (line, arms) in &f.branches {
            let taken = arms.iter().filter(|a| a.unwrap_or(0) > 0).count();
            let _ = writeln!(
                s,
                "<line num=\"{line}\" type=\"cond\" truecount=\"{taken}\" falsecount=\"{}\"/>",
                arms.len() - taken
            );
        }
        s.push_str("</file>\n");
    }
    s.push_str("</package>\n</project>\n</coverage>\n");
    s.into_bytes()
}

/// The run as SonarQube generic coverage XML: `lineToCover` per line, branch lines with
/// `branchesToCover`/`coveredBranches`.
fn sonarqube(files: &[common::GenFile]) -> Vec<u8> {
    let mut s = String::from("<coverage version=\"1\">\n");
    for f in files {
        let _ = writeln!(s, "  <file path=\"{}\">", f.relative_path());
        let mut branches = f.branches.iter().peekable();
        for &(line, hits) in &f.lines {
            let _ = write!(
                s,
                "    <lineToCover lineNumber=\"{line}\" covered=\"{}\"",
                hits > 0
            );
            while branches.peek().is_some_and(|(l, _)| *l < line) {
                branches.next();
            }
            if let Some((_, arms)) = branches.next_if(|(l, _)| *l == line) {
                let covered = arms.iter().filter(|a| a.unwrap_or(0) > 0).count();
                let _ = write!(
                    s,
                    " branchesToCover=\"{}\" coveredBranches=\"{covered}\"",
                    arms.len()
                );
            }
            s.push_str("/>\n");
        }
        s.push_str("  </file>\n");
    }
    s.push_str("</coverage>\n");
    s.into_bytes()
}

/// The run as a SimpleCov `.resultset.json` (one command name): Ruby's `lines` array (null for lines
/// without code) and `branches` (one `:if` condition per branch line, one arm per generated arm).
fn simplecov(files: &[common::GenFile]) -> Vec<u8> {
    let mut s = String::from("{\"RSpec\":{\"coverage\":{");
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "\"{}\":{{\"lines\":[", f.path());
        let last = f.lines.last().map_or(0, |l| l.0);
        let mut lines = f.lines.iter().peekable();
        for n in 1..=last {
            if n > 1 {
                s.push(',');
            }
            match lines.next_if(|l| l.0 == n) {
                Some(&(_, hits)) => {
                    let _ = write!(s, "{hits}");
                }
                None => s.push_str("null"),
            }
        }
        s.push_str("],\"branches\":{");
        let mut id = 0;
        for (k, (line, arms)) in f.branches.iter().enumerate() {
            if k > 0 {
                s.push(',');
            }
            let _ = write!(s, "\"[:if, {id}, {line}, 4, {line}, 40]\":{{");
            id += 1;
            for (a, taken) in arms.iter().enumerate() {
                if a > 0 {
                    s.push(',');
                }
                let _ = write!(
                    s,
                    "\"[:then, {id}, {line}, 8, {line}, 20]\":{}",
                    taken.unwrap_or(0)
                );
                id += 1;
            }
            s.push('}');
        }
        s.push_str("}}");
    }
    s.push_str("},\"timestamp\":1704067200}}");
    s.into_bytes()
}

/// The run as Playwright's `page.coverage.stopJSCoverage()` output: each file is a script with its
/// `source` (one 24-byte statement per line) and V8 block ranges, a function per generated function
/// spanning to the next one, and a nested block range per not-executed line.
fn v8_playwright(files: &[common::GenFile]) -> Vec<u8> {
    const LINE: usize = 24;
    let mut s = String::from("[");
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let last = f.lines.last().map_or(1, |l| l.0) as usize;
        let source: String = (1..=last)
            .map(|n| format!("var v{n:07} = {n:07};\\n"))
            .collect();
        let _ = write!(
            s,
            "{{\"url\":\"http://localhost:8080/{}.js\",\"scriptId\":\"{i}\",\"source\":\"{source}\",\"functions\":[",
            f.relative_path()
        );
        let _ = write!(
            s,
            "{{\"functionName\":\"\",\"isBlockCoverage\":true,\"ranges\":[{{\"startOffset\":0,\"endOffset\":{},\"count\":1}}]}}",
            last * LINE
        );
        let mut funcs = f.functions.iter().peekable();
        while let Some(func) = funcs.next() {
            let start = (func.start as usize - 1) * LINE;
            let end = funcs
                .peek()
                .map_or(last * LINE, |n| (n.start as usize - 1) * LINE);
            let _ = write!(
                s,
                ",{{\"functionName\":\"{}\",\"isBlockCoverage\":true,\"ranges\":[{{\"startOffset\":{start},\"endOffset\":{end},\"count\":{}}}",
                func.name, func.hits
            );
            if func.hits > 0 {
                for &(line, hits) in &f.lines {
                    let off = (line as usize - 1) * LINE;
                    if hits == 0 && off > start && off < end {
                        let _ = write!(
                            s,
                            ",{{\"startOffset\":{off},\"endOffset\":{},\"count\":0}}",
                            off + LINE
                        );
                    }
                }
            }
            s.push_str("]}");
        }
        s.push_str("]}");
    }
    s.push(']');
    s.into_bytes()
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
    targets = generated, corpus, dataset
}
criterion_main!(benches);
