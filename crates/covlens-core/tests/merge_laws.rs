//! Property tests of the merge laws: commutative, associative, empty report as identity, within-input
//! normalisation equal to cross-input merging, and exact values for the documented edge rules.

use std::collections::BTreeMap;

use covlens_core::merge::{merge_file, normalize, MergeIssues};
use covlens_core::{
    merge_reports, Branch, BranchId, BranchName, Fidelity, FileCoverage, FileRecord, Function,
    Line, LineHit, Measure, Report, ReportBuilder, StatementBlock, Totals,
};
use proptest::prelude::*;

fn line(n: u32) -> Line {
    Line::new(n).unwrap()
}

/// Counts mostly small, sometimes near u64::MAX so saturation is exercised.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..5, 1 => (u64::MAX - 3)..=u64::MAX]
}

fn file_coverage() -> impl Strategy<Value = FileCoverage> {
    (
        prop::collection::btree_map(1u32..40, count(), 0..12),
        prop::collection::btree_map(
            (1u32..40, 0u32..2, 0u32..3),
            prop::option::of(count()),
            0..8,
        ),
        prop::collection::btree_map(
            0u8..5,
            (1u32..40, prop::option::of(1u32..60), count()),
            0..4,
        ),
        prop::collection::btree_map(1u32..40, 0u8..3, 0..3),
        // Go statement blocks: (start line, start column, line span, end column) → (statements, hits);
        // statement counts differ between sides sometimes, so the conflict rule is exercised too.
        prop::collection::btree_map(
            (1u32..40, 1u32..3, 0u32..3, 1u32..3),
            (0u32..3, count()),
            0..4,
        ),
    )
        .prop_map(|(lines, branches, functions, sums, blocks)| FileCoverage {
            lines: lines
                .into_iter()
                .map(|(l, hits)| LineHit {
                    line: line(l),
                    hits,
                })
                .collect(),
            branches: branches
                .into_iter()
                .map(|((l, block, b), taken)| Branch {
                    line: line(l),
                    id: BranchId {
                        block,
                        branch: BranchName::Index(b),
                        flags: 0,
                    },
                    taken,
                })
                .collect(),
            functions: functions
                .into_iter()
                .map(|(n, (start, end, hits))| Function {
                    name: format!("f{n}"),
                    start: line(start),
                    end: end.map(line),
                    hits,
                })
                .collect(),
            mcdc: Vec::new(),
            line_checksums: sums
                .into_iter()
                .map(|(l, s)| (line(l), format!("c{s}").into()))
                .collect(),
            version: None,
            statements: blocks
                .into_iter()
                .map(|((l, c, span, ec), (statements, hits))| StatementBlock {
                    start: line(l),
                    start_col: c,
                    end: line(l + span),
                    end_col: ec,
                    statements,
                    hits,
                })
                .collect(),
        })
}

fn measure() -> impl Strategy<Value = Measure> {
    prop_oneof![
        Just(Measure::Absent),
        Just(Measure::Counted),
        Just(Measure::Boolean)
    ]
}

fn report() -> impl Strategy<Value = Report> {
    (
        prop::collection::btree_map(
            prop::sample::select(vec!["a.c", "b.c", "dir/c.c", "dir/d.c"]),
            file_coverage(),
            0..4,
        ),
        measure(),
        measure(),
    )
        .prop_map(|(files, lines, branches)| Report {
            files: files
                .into_iter()
                .map(|(p, f)| (p.to_string(), f))
                .collect::<BTreeMap<_, _>>(),
            fidelity: Fidelity {
                lines,
                branches,
                ..Fidelity::EMPTY
            },
        })
}

fn merged(a: &Report, b: &Report) -> Report {
    let mut out = a.clone();
    merge_reports(&mut out, b);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn generated_reports_hold_the_invariants(r in report()) {
        for fc in r.files.values() {
            prop_assert_eq!(fc.check_invariants(), Ok(()));
        }
    }

    #[test]
    fn merge_is_commutative(a in report(), b in report()) {
        prop_assert_eq!(merged(&a, &b), merged(&b, &a));
    }

    #[test]
    fn merge_is_associative(a in report(), b in report(), c in report()) {
        prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
    }

    #[test]
    fn empty_report_is_the_identity(a in report()) {
        prop_assert_eq!(merged(&Report::default(), &a), a.clone());
        prop_assert_eq!(merged(&a, &Report::default()), a);
    }

    #[test]
    fn merged_files_keep_the_invariants(a in report(), b in report()) {
        for fc in merged(&a, &b).files.values() {
            prop_assert_eq!(fc.check_invariants(), Ok(()));
        }
    }

    /// Repeated records of one file inside one input (a parser's raw output, unsorted) give the same
    /// result as merging the records as separate inputs.
    #[test]
    fn normalising_a_concatenation_equals_merging(a in file_coverage(), b in file_coverage()) {
        let mut raw = FileCoverage::default();
        for fc in [&b, &a] {
            raw.lines.extend(fc.lines.iter().rev().cloned());
            raw.branches.extend(fc.branches.iter().rev().cloned());
            raw.functions.extend(fc.functions.iter().cloned());
            raw.line_checksums.extend(fc.line_checksums.iter().cloned());
            raw.statements.extend(fc.statements.iter().rev().cloned());
        }
        normalize(&mut raw, &mut MergeIssues::default());
        let mut expected = a.clone();
        merge_file(&mut expected, &b, &mut MergeIssues::default());
        prop_assert_eq!(raw, expected);
    }

    /// Hits are never lost nor invented: merged line hits are the saturating sum of the inputs'.
    #[test]
    fn line_hits_are_saturating_sums(a in report(), b in report()) {
        let m = merged(&a, &b);
        for (path, fc) in &m.files {
            for l in &fc.lines {
                let ha = a.files.get(path).and_then(|f| f.line_hits(l.line));
                let hb = b.files.get(path).and_then(|f| f.line_hits(l.line));
                prop_assert!(ha.is_some() || hb.is_some(), "line {} of {} invented", l.line, path);
                prop_assert_eq!(l.hits, ha.unwrap_or(0).saturating_add(hb.unwrap_or(0)));
            }
        }
        let found = |r: &Report| Totals::of_report(r).lines.found;
        prop_assert!(found(&m) >= found(&a).max(found(&b)));
    }
}

fn branch(l: u32, taken: Option<u64>) -> Branch {
    Branch {
        line: line(l),
        id: BranchId {
            block: 0,
            branch: BranchName::Index(0),
            flags: 0,
        },
        taken,
    }
}

fn one_file(fc: FileCoverage) -> Report {
    let mut r = Report::default();
    r.files.insert("x.c".into(), fc);
    r
}

#[test]
fn never_evaluated_is_the_identity_of_branch_merging() {
    let cases = [
        (None, None, None),
        (None, Some(3), Some(3)),
        (Some(0), None, Some(0)),
        (Some(2), Some(5), Some(7)),
    ];
    for (a, b, want) in cases {
        let m = merged(
            &one_file(FileCoverage {
                branches: vec![branch(4, a)],
                ..Default::default()
            }),
            &one_file(FileCoverage {
                branches: vec![branch(4, b)],
                ..Default::default()
            }),
        );
        assert_eq!(m.files["x.c"].branches[0].taken, want, "{a:?} + {b:?}");
    }
}

#[test]
fn saturation_is_reported_not_silent() {
    let a = one_file(FileCoverage {
        lines: vec![LineHit {
            line: line(1),
            hits: u64::MAX - 1,
        }],
        ..Default::default()
    });
    let b = one_file(FileCoverage {
        lines: vec![LineHit {
            line: line(1),
            hits: 5,
        }],
        ..Default::default()
    });
    let mut m = a.clone();
    let diags = merge_reports(&mut m, &b);
    assert_eq!(m.files["x.c"].lines[0].hits, u64::MAX);
    assert_eq!(diags.len(), 1);
    assert_eq!(
        diags[0].render("merge"),
        "merge: warning: x.c: 1 count(s) saturated at 18446744073709551615 while merging"
    );
}

#[test]
fn differing_function_start_is_a_reported_conflict() {
    let f = |start| Function {
        name: "main".into(),
        start: line(start),
        end: None,
        hits: 1,
    };
    let mut m = one_file(FileCoverage {
        functions: vec![f(10)],
        ..Default::default()
    });
    let diags = merge_reports(
        &mut m,
        &one_file(FileCoverage {
            functions: vec![f(7)],
            ..Default::default()
        }),
    );
    assert_eq!(
        m.files["x.c"].functions,
        vec![Function {
            name: "main".into(),
            start: line(7),
            end: None,
            hits: 2
        }]
    );
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]
            .message
            .contains("function `main` starts at line 7 in one input and 10 in another"),
        "{}",
        diags[0].message
    );
}

#[test]
fn differing_line_checksums_are_reported() {
    let fc = |sum: &str| FileCoverage {
        lines: vec![LineHit {
            line: line(3),
            hits: 1,
        }],
        line_checksums: vec![(line(3), sum.into())],
        ..Default::default()
    };
    let mut m = one_file(fc("aaa"));
    let diags = merge_reports(&mut m, &one_file(fc("bbb")));
    assert_eq!(m.files["x.c"].lines[0].hits, 2);
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]
            .message
            .contains("source checksums differ on 1 line(s) (first: 3)"),
        "{}",
        diags[0].message
    );
}

#[test]
fn builder_merges_repeated_records_of_one_input() {
    let mut b = ReportBuilder::new(Fidelity::EMPTY);
    for hits in [2, 3] {
        b.push(FileRecord {
            path: "x.c".into(),
            coverage: FileCoverage {
                lines: vec![
                    LineHit {
                        line: line(9),
                        hits,
                    },
                    LineHit {
                        line: line(2),
                        hits: 0,
                    },
                ],
                ..Default::default()
            },
        });
    }
    assert_eq!(b.records(), 2);
    let (r, diags) = b.finish();
    assert!(diags.is_empty());
    assert_eq!(
        r.files["x.c"].lines,
        vec![
            LineHit {
                line: line(2),
                hits: 0
            },
            LineHit {
                line: line(9),
                hits: 5
            }
        ]
    );
}

#[test]
fn boolean_inputs_make_the_merge_boolean() {
    let counted = Fidelity {
        lines: Measure::Counted,
        ..Fidelity::EMPTY
    };
    let boolean = Fidelity {
        lines: Measure::Boolean,
        ..Fidelity::EMPTY
    };
    assert_eq!(counted.combine(boolean).lines, Measure::Boolean);
    assert_eq!(counted.combine(Fidelity::EMPTY).lines, Measure::Counted);
    assert_eq!(
        Fidelity::EMPTY.combine(Fidelity::EMPTY).lines,
        Measure::Absent
    );
}
