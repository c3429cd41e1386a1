//! The compact summary (`covlens_core::compact`) against the full path: same totals, files and diagnostics, on random records and on the corpus.
//!
//! `covlens summary` folds inputs into a `Summary` instead of a `Report`; these tests hold it to the
//! totals (per file and overall) and merge diagnostics of `ReportBuilder` + `merge_reports`, whatever
//! the records, however they are split into records and shards, and to lossless packing.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus; the library itself does no IO"
)]

use std::io::BufReader;
use std::path::Path;

use covlens_core::compact::{self, Summary, SummaryBuilder};
use covlens_core::{
    merge_reports, parse_bytes, parse_read, Branch, BranchId, BranchName, Diagnostic, Fidelity,
    FileCoverage, FileRecord, Function, Line, LineHit, McdcCondition, ParseOptions, Report,
    ReportBuilder, StatementBlock, Totals,
};
use proptest::prelude::*;

fn line(n: u32) -> Line {
    Line::new(n).unwrap()
}

/// Counts mostly small, sometimes large or near u64::MAX so that saturation is exercised.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..5, 1 => 100u64..1_000_000_000_000, 1 => (u64::MAX - 3)..=u64::MAX]
}

fn branch_name() -> impl Strategy<Value = BranchName> {
    prop_oneof![
        4 => (0u32..3).prop_map(BranchName::Index),
        1 => Just(BranchName::Index(u32::MAX)),
        1 => prop::sample::select(vec!["a && b", "x", "ü > 0"]).prop_map(|e| BranchName::Expr(e.into())),
    ]
}

/// A record as a parser emits it: keys may repeat and come in any order (normalisation merges them).
fn raw_coverage() -> impl Strategy<Value = FileCoverage> {
    (
        prop::collection::vec((1u32..40, count()), 0..12),
        prop::collection::vec(
            (
                1u32..40,
                0u32..2,
                branch_name(),
                prop_oneof![4 => Just(0u8), 1 => 0u8..8],
                prop::option::of(count()),
            ),
            0..10,
        ),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "f",
                    "f2",
                    "_ZN3net4tcp4sendEv",
                    "_ZN3net4tcp4recvEv",
                    "ß",
                ]),
                1u32..40,
                prop::option::of(1u32..60),
                count(),
            ),
            0..5,
        ),
        prop::collection::vec((1u32..40, 0u8..3), 0..3),
        prop::collection::vec(
            (1u32..40, 1u32..3, 0u32..3, 1u32..3, 0u32..3, count()),
            0..4,
        ),
        prop::collection::vec((1u32..20, any::<bool>(), 0u32..2, count()), 0..3),
        prop::option::of(prop::sample::select(vec!["v1", "v2"])),
    )
        .prop_map(
            |(lines, branches, functions, sums, blocks, mcdc, version)| FileCoverage {
                lines: lines
                    .into_iter()
                    .map(|(l, hits)| LineHit {
                        line: line(l),
                        hits,
                    })
                    .collect(),
                branches: branches
                    .into_iter()
                    .map(|(l, block, branch, flags, taken)| Branch {
                        line: line(l),
                        id: BranchId {
                            block,
                            branch,
                            flags,
                        },
                        taken,
                    })
                    .collect(),
                functions: functions
                    .into_iter()
                    .map(|(name, start, end, hits)| Function {
                        name: name.to_string(),
                        start: line(start),
                        end: end.map(line),
                        hits,
                    })
                    .collect(),
                mcdc: mcdc
                    .into_iter()
                    .map(|(l, sense, index, taken)| McdcCondition {
                        line: line(l),
                        group_size: 2,
                        sense,
                        index,
                        expression: "a".to_string(),
                        taken,
                    })
                    .collect(),
                line_checksums: sums
                    .into_iter()
                    .map(|(l, s)| (line(l), format!("c{s}").into()))
                    .collect(),
                version: version.map(str::to_string),
                statements: blocks
                    .into_iter()
                    .map(|(l, c, span, ec, statements, hits)| StatementBlock {
                        start: line(l),
                        start_col: c,
                        end: line(l + span),
                        end_col: ec,
                        statements,
                        hits,
                    })
                    .collect(),
            },
        )
}

fn record() -> impl Strategy<Value = FileRecord> {
    (
        prop::sample::select(vec!["a.c", "b.c", "dir/c.c"]),
        raw_coverage(),
    )
        .prop_map(|(path, coverage)| FileRecord {
            path: path.to_string(),
            coverage,
        })
}

/// Shards (inputs), each a list of records; the same file may come in several records and shards.
fn shards() -> impl Strategy<Value = Vec<Vec<FileRecord>>> {
    prop::collection::vec(prop::collection::vec(record(), 0..6), 1..5)
}

/// The full path: a report per shard, folded by `merge_reports`; all diagnostics in order.
fn full(shards: &[Vec<FileRecord>]) -> (Report, Vec<Diagnostic>) {
    let mut out = Report::default();
    let mut diags = Vec::new();
    for shard in shards {
        let mut b = ReportBuilder::new(Fidelity::EMPTY);
        for r in shard {
            b.push(r.clone());
        }
        let (report, d) = b.finish();
        diags.extend(d);
        diags.extend(merge_reports(&mut out, &report));
    }
    (out, diags)
}

/// The summary path, shard by shard as the CLI folds them.
fn compact(shards: &[Vec<FileRecord>]) -> (Summary, Vec<Diagnostic>) {
    let mut out = Summary::default();
    let mut diags = Vec::new();
    for shard in shards {
        let mut b = SummaryBuilder::new(Fidelity::EMPTY);
        for r in shard {
            b.push(r.clone());
        }
        let (summary, d) = b.finish();
        diags.extend(d);
        diags.extend(out.merge_owned(summary));
    }
    (out, diags)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn summary_totals_equal_the_merged_reports_totals(shards in shards()) {
        let (report, report_diags) = full(&shards);
        let (summary, summary_diags) = compact(&shards);
        prop_assert_eq!(summary.files.keys().collect::<Vec<_>>(), report.files.keys().collect::<Vec<_>>());
        for (path, fc) in &report.files {
            let f = &summary.files[path];
            prop_assert_eq!(f.totals(), Totals::of_file(fc), "{}", path);
            // Lossless: the packed file is the merged file.
            prop_assert_eq!(&f.coverage(), fc, "{}", path);
        }
        prop_assert_eq!(summary.totals(), Totals::of_report(&report));
        prop_assert_eq!(summary_diags, report_diags);
    }

    #[test]
    fn a_summary_folded_in_any_split_has_the_same_totals(records in prop::collection::vec(record(), 0..12), cut in 0usize..12) {
        // One input of all records vs the same records cut into two inputs: only the diagnostics'
        // attribution may differ, the totals may not.
        let cut = cut.min(records.len());
        let (whole, _) = compact(std::slice::from_ref(&records));
        let (split, _) = compact(&[records[..cut].to_vec(), records[cut..].to_vec()]);
        prop_assert_eq!(whole.totals(), split.totals());
        for (path, f) in &whole.files {
            prop_assert_eq!(f.totals(), split.files[path].totals());
        }
    }
}

#[test]
fn saturation_and_conflicts_are_reported_as_the_full_path_reports_them() {
    let rec = |hits: u64, start: u32, sum: &str| FileRecord {
        path: "a.c".to_string(),
        coverage: FileCoverage {
            lines: vec![LineHit {
                line: line(3),
                hits,
            }],
            functions: vec![Function {
                name: "main".to_string(),
                start: line(start),
                end: None,
                hits: 1,
            }],
            line_checksums: vec![(line(3), sum.into())],
            ..FileCoverage::default()
        },
    };
    let shards = vec![
        vec![rec(u64::MAX, 2, "x")],
        vec![rec(1, 5, "y"), rec(0, 2, "x")],
    ];
    let (_, expected) = full(&shards);
    let (summary, diags) = compact(&shards);
    let rendered: Vec<String> = diags.iter().map(|d| d.render("")).collect();
    assert_eq!(diags, expected);
    assert_eq!(rendered.len(), 3, "{rendered:#?}");
    assert!(
        rendered.iter().any(|d| d.contains("1 count(s) saturated")),
        "{rendered:#?}"
    );
    assert!(
        rendered
            .iter()
            .any(|d| d.contains("function `main` starts at line 2 in one input and 5 in another")),
        "{rendered:#?}"
    );
    let t = summary.totals();
    assert_eq!(
        (
            t.lines.found,
            t.lines.hit,
            t.functions.found,
            t.functions.hit
        ),
        (1, 1, 1, 1)
    );
}

fn visit(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            visit(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_file_gives_the_same_totals_both_ways() {
    let corpus = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if !corpus.is_dir() {
        eprintln!(
            "notice: {} is absent; corpus checks skipped",
            corpus.display()
        );
        return;
    }
    let mut files = Vec::new();
    visit(corpus, &mut files);
    let opts = ParseOptions::default();
    let (mut parsed, mut compared_files) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.display();
        let full = parse_bytes(&bytes, &opts);
        let small = compact::parse_bytes(&bytes, &opts);
        match (full, small) {
            (Ok(full), Ok(small)) => {
                parsed += 1;
                assert_eq!(small.format, full.format, "{name}");
                assert_eq!(small.records, full.records, "{name}");
                assert_eq!(small.diagnostics, full.diagnostics, "{name}");
                assert_eq!(small.summary.fidelity, full.report.fidelity, "{name}");
                assert_eq!(
                    small.summary.files.keys().collect::<Vec<_>>(),
                    full.report.files.keys().collect::<Vec<_>>(),
                    "{name}"
                );
                for (p, fc) in &full.report.files {
                    let f = &small.summary.files[p];
                    assert_eq!(f.totals(), Totals::of_file(fc), "{name}: {p}");
                    assert_eq!(&f.coverage(), fc, "{name}: {p}");
                    compared_files += 1;
                }
                assert_eq!(
                    small.summary.totals(),
                    Totals::of_report(&full.report),
                    "{name}"
                );
                // The streaming front door, through a tiny buffer, agrees too.
                let streamed = compact::parse_read(
                    full.format,
                    BufReader::with_capacity(7, &bytes[..]),
                    &opts,
                )
                .unwrap_or_else(|e| panic!("{name}: {}", e.render("")));
                let full_streamed =
                    parse_read(full.format, BufReader::with_capacity(7, &bytes[..]), &opts)
                        .unwrap();
                assert_eq!(
                    streamed.summary,
                    Summary::from_report(full_streamed.report),
                    "{name}"
                );
                assert_eq!(streamed.diagnostics, full_streamed.diagnostics, "{name}");
            }
            (Err(a), Err(b)) => assert_eq!(a.render(""), b.render(""), "{name}"),
            (a, b) => panic!(
                "{name}: full path ok={}, summary path ok={}",
                a.is_ok(),
                b.is_ok()
            ),
        }
    }
    eprintln!("{parsed} corpus reports, {compared_files} source files compared");
    // The corpus holds reports of every format beside notes, specs and expected outputs.
    assert!(parsed >= 50, "only {parsed} corpus files parsed");
    assert!(
        compared_files >= 300,
        "only {compared_files} source files compared"
    );
}
