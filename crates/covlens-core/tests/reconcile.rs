//! Path reconciliation across shards and conflict detection (issue 6): the core API the CLI and the
//! viewer use (`ShardSet::reconcile`, `ShardSet::merged_reconciled`, `merge::find_conflicts`), and its
//! speed at scale (COVLENS_SLOW_TESTS=1 runs 50,000 files x 30 shards).

use std::time::Instant;

use covlens_core::merge::{find_conflicts, ConflictKind, ConflictSide};
use covlens_core::reconcile::{reconcile, AmbiguityReason, Rules, ShardPaths};
use covlens_core::{
    parse_bytes_as, Branch, BranchId, BranchName, FileCoverage, Format, Function, Line, LineHit,
    ShardId, ShardSet, Totals,
};

fn line(n: u32) -> Line {
    Line::new(n).unwrap()
}

fn fc(lines: &[u32]) -> FileCoverage {
    FileCoverage {
        lines: lines
            .iter()
            .map(|&l| LineHit {
                line: line(l),
                hits: 1,
            })
            .collect(),
        ..FileCoverage::default()
    }
}

fn sides(v: &[(&str, &[u32])]) -> Vec<ConflictSide> {
    v.iter()
        .map(|(value, ids)| ConflictSide {
            value: value.to_string(),
            shards: ids.iter().map(|&i| ShardId(i)).collect(),
        })
        .collect()
}

#[test]
fn coverability_conflicts_group_lines_by_the_shards_that_disagree() {
    let a = fc(&[1, 2, 3, 4]);
    let b = fc(&[1, 2, 3, 4]);
    let c = fc(&[1, 3, 5]);
    let found = find_conflicts(
        "x.c",
        &[(ShardId(0), &a), (ShardId(1), &b), (ShardId(2), &c)],
    );
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].kind, ConflictKind::Coverability);
    assert_eq!(found[0].lines, [line(2), line(4)]);
    assert_eq!(
        found[0].sides,
        sides(&[("coverable", &[0, 1]), ("not coverable", &[2])])
    );
    assert_eq!(found[1].lines, [line(5)]);
    assert_eq!(
        found[1].sides,
        sides(&[("not coverable", &[0, 1]), ("coverable", &[2])])
    );
    let d = found[0].to_diagnostic(|id| format!("job{}", id.0));
    assert_eq!(
        d.message,
        "x.c lines 2, 4: inputs disagree on coverable lines: coverable in job0, job1; not coverable in job2"
    );
    // Equal line sets: nothing.
    assert!(find_conflicts("x.c", &[(ShardId(0), &a), (ShardId(1), &b)]).is_empty());
}

#[test]
fn branch_sets_function_starts_checksums_and_versions_conflict() {
    let br = |l: u32, block: u32, n: u32| Branch {
        line: line(l),
        id: BranchId {
            block,
            branch: BranchName::Index(n),
            flags: 0,
        },
        taken: Some(1),
    };
    let mut a = fc(&[1, 2]);
    a.branches = vec![br(2, 0, 0), br(2, 0, 1)];
    a.functions = vec![Function {
        name: "f".into(),
        start: line(1),
        end: None,
        hits: 1,
    }];
    a.line_checksums = vec![(line(1), "aaa".into()), (line(2), "bbb".into())];
    a.version = Some("v1".into());
    let mut b = a.clone();
    b.branches = vec![br(2, 0, 0), br(2, 0, 1), br(2, 1, 0)];
    b.functions[0].start = line(2);
    b.line_checksums[1].1 = "ccc".into();
    b.version = Some("v2".into());
    let found = find_conflicts("x.c", &[(ShardId(3), &a), (ShardId(7), &b)]);
    let kinds: Vec<ConflictKind> = found.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ConflictKind::BranchSet,
            ConflictKind::FunctionStart,
            ConflictKind::Checksum,
            ConflictKind::Version
        ]
    );
    assert_eq!(
        found[0].sides,
        sides(&[
            ("2 branches (0.0 0.1)", &[3]),
            ("3 branches (0.0 0.1 1.0)", &[7])
        ])
    );
    assert_eq!(found[1].function.as_deref(), Some("f"));
    assert_eq!(found[1].lines, [line(1), line(2)]);
    assert_eq!(found[2].lines, [line(2)]);
    assert_eq!(found[2].sides, sides(&[("bbb", &[3]), ("ccc", &[7])]));
    assert_eq!(found[3].sides, sides(&[("v1", &[3]), ("v2", &[7])]));
    assert_eq!(found[3].shards(), [ShardId(3), ShardId(7)]);
}

fn lcov(text: &str) -> covlens_core::Loaded {
    parse_bytes_as(Format::Lcov, text.as_bytes(), &Default::default()).unwrap()
}

#[test]
fn a_shard_set_reconciles_then_merges_and_names_conflicts() {
    let mut set = ShardSet::new();
    let linux = set.add(
        "linux",
        lcov("SF:/home/runner/work/app/app/src/x.c\nDA:1,1,aa\nDA:2,0,bb\nend_of_record\nSF:/home/runner/work/app/app/src/y.c\nDA:1,1\nend_of_record\n"),
        0,
    );
    let windows = set.add(
        "windows",
        lcov("SF:C:\\a\\app\\src\\x.c\nDA:1,0,aa\nDA:2,3,zz\nend_of_record\nSF:C:\\a\\app\\src\\y.c\nDA:1,1\nend_of_record\n"),
        0,
    );
    let rec = set.reconcile(&[], &Rules::default());
    assert_eq!(
        rec.canonical(windows, "C:\\a\\app\\src\\x.c"),
        "app/src/x.c"
    );
    assert_eq!(
        rec.canonical(linux, "/home/runner/work/app/app/src/x.c"),
        "app/src/x.c"
    );
    let (report, diags, conflicts) = set.merged_reconciled(&rec);
    assert_eq!(
        report.files.keys().collect::<Vec<_>>(),
        ["app/src/x.c", "app/src/y.c"]
    );
    let t = Totals::of_report(&report);
    assert_eq!((t.lines.found, t.lines.hit), (3, 3));
    // The checksum disagreement is a conflict naming both shards, not a second, anonymous warning.
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::Checksum);
    assert_eq!(conflicts[0].shards(), [linux, windows]);
    // The viewer's "these N paths become 1".
    let paths: Vec<ShardPaths<'_>> = set
        .shards()
        .iter()
        .map(|s| ShardPaths {
            shard: s.id,
            paths: s.report.files.keys().map(String::as_str).collect(),
        })
        .collect();
    let groups = rec.groups(&paths);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].canonical, "app/src/x.c");
    assert_eq!(
        groups[0].members,
        [
            (linux, "/home/runner/work/app/app/src/x.c".to_string()),
            (windows, "C:\\a\\app\\src\\x.c".to_string())
        ]
    );
    // Undo: the user keeps the two x.c apart; y.c still joins.
    let undo = Rules {
        keep_apart: vec![(
            "/home/runner/work/app/app/src/x.c".into(),
            "C:\\a\\app\\src\\x.c".into(),
        )],
        ..Rules::default()
    };
    let rec = set.reconcile(&[], &undo);
    let (report, _, conflicts) = set.merged_reconciled(&rec);
    assert_eq!(report.files.len(), 3, "{:?}", report.files.keys());
    assert!(conflicts.is_empty());
    assert_eq!(rec.ambiguities()[0].reason, AmbiguityReason::KeptApart);
}

/// `n` files under three roots, shards round-robin over the roots; each shard has every file.
fn synthetic(files: usize, shards: usize) -> Vec<Vec<String>> {
    let roots = [
        "/home/runner/work/app/app/",
        "C:\\a\\app\\",
        "/builds/group/app/",
    ];
    (0..shards)
        .map(|s| {
            let root = roots[s % roots.len()];
            let sep = if root.contains('\\') { "\\" } else { "/" };
            (0..files)
                .map(|i| {
                    format!(
                        "{root}src{sep}mod{}{sep}sub{}{sep}file{i}.c",
                        i % 500,
                        i % 7
                    )
                })
                .collect()
        })
        .collect()
}

#[allow(
    clippy::disallowed_methods,
    reason = "the test times the core from outside; the core itself reads no clock"
)]
fn check_scale(files: usize, shards: usize) -> std::time::Duration {
    let data = synthetic(files, shards);
    let paths: Vec<ShardPaths<'_>> = data
        .iter()
        .enumerate()
        .map(|(i, p)| ShardPaths {
            shard: ShardId(i as u32),
            paths: p.iter().map(String::as_str).collect(),
        })
        .collect();
    let start = Instant::now();
    let rec = reconcile(&paths, &[], &Rules::default());
    let took = start.elapsed();
    // Every path of every root became `app/src/...`, one name per file.
    assert_eq!(rec.joins().len(), files * 3);
    assert_eq!(rec.joins()[0].shards.len(), shards / 3);
    assert!(rec.ambiguities().is_empty());
    let mut names: Vec<&str> = rec.joins().iter().map(|j| j.canonical.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), files);
    assert_eq!(
        rec.canonical(ShardId(1), &data[1][7]),
        "app/src/mod7/sub0/file7.c"
    );
    took
}

#[test]
fn many_shards_and_files_reconcile() {
    let took = check_scale(2_000, 6);
    eprintln!("reconcile 2000 files x 6 shards: {took:?}");
    if std::env::var_os("COVLENS_SLOW_TESTS").is_some() {
        let took = check_scale(50_000, 30);
        eprintln!("reconcile 50000 files x 30 shards: {took:?}");
    }
}
