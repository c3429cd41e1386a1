//! Shared wording and orderings of summaries (CLI text, JSON and Markdown; the web page): fidelity names
//! and sentences, and the least-covered files, all deterministic.

use crate::model::{BranchIdentity, Fidelity, Measure, Report};
use crate::totals::Totals;

/// The stable name of a measure: `counted`, `boolean` or `absent` (JSON values, test hooks).
pub fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Absent => "absent",
        Measure::Counted => "counted",
        Measure::Boolean => "boolean",
    }
}

/// The stable name of a branch identity: `native` (ids from the producer) or `positional` (made up
/// from covered/total numbers).
pub fn branch_identity_name(b: BranchIdentity) -> &'static str {
    match b {
        BranchIdentity::Native => "native",
        BranchIdentity::Positional => "positional",
    }
}

/// What an input carries, for people: `lines counted, branches boolean, functions absent`.
pub fn describe_fidelity(f: Fidelity) -> String {
    format!(
        "lines {}, branches {}, functions {}",
        measure_name(f.lines),
        measure_name(f.branches),
        measure_name(f.functions)
    )
}

/// The same as a compact machine-readable hook: `lines=counted branches=boolean functions=absent`.
pub fn fidelity_attr(f: Fidelity) -> String {
    format!(
        "lines={} branches={} functions={}",
        measure_name(f.lines),
        measure_name(f.branches),
        measure_name(f.functions)
    )
}

/// Whether any dimension is boolean: then merged counts are lower bounds.
pub fn has_boolean(f: Fidelity) -> bool {
    [f.lines, f.branches, f.functions].contains(&Measure::Boolean)
}

/// The `n` files with the lowest line coverage, worst first, from `(path, totals)` pairs (a
/// [`Report`]'s with [`files_totals`]). Files without coverable lines are left out. Ties: more uncovered
/// lines first, then path order; ratios are compared exactly (in integers), so the order never depends
/// on float rounding or on the order of the pairs.
pub fn least_covered<'a>(
    files: impl IntoIterator<Item = (&'a str, Totals)>,
    n: usize,
) -> Vec<(&'a str, Totals)> {
    let mut files: Vec<(&str, Totals)> = files
        .into_iter()
        .filter(|(_, t)| t.lines.found > 0)
        .collect();
    files.sort_by(|(pa, a), (pb, b)| {
        // a.hit / a.found < b.hit / b.found  ⇔  a.hit * b.found < b.hit * a.found
        let lhs = u128::from(a.lines.hit) * u128::from(b.lines.found);
        let rhs = u128::from(b.lines.hit) * u128::from(a.lines.found);
        let missed = |t: &Totals| t.lines.found - t.lines.hit.min(t.lines.found);
        lhs.cmp(&rhs)
            .then_with(|| missed(b).cmp(&missed(a)))
            .then_with(|| pa.cmp(pb))
    });
    files.truncate(n);
    files
}

/// Each file of `report` with its totals, in path order.
pub fn files_totals(report: &Report) -> impl Iterator<Item = (&str, Totals)> {
    report
        .files
        .iter()
        .map(|(p, fc)| (p.as_str(), Totals::of_file(fc)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileCoverage, Line, LineHit};

    fn file(hits: &[u64]) -> FileCoverage {
        FileCoverage {
            lines: hits
                .iter()
                .enumerate()
                .map(|(i, &h)| LineHit {
                    line: Line::from_zero_based(i as u32),
                    hits: h,
                })
                .collect(),
            ..FileCoverage::default()
        }
    }

    #[test]
    fn fidelity_wording() {
        let f = Fidelity {
            lines: Measure::Counted,
            branches: Measure::Boolean,
            functions: Measure::Absent,
            branch_identity: BranchIdentity::Positional,
        };
        assert_eq!(
            describe_fidelity(f),
            "lines counted, branches boolean, functions absent"
        );
        assert_eq!(
            fidelity_attr(f),
            "lines=counted branches=boolean functions=absent"
        );
        assert!(has_boolean(f));
        assert!(!has_boolean(Fidelity::EMPTY));
        assert_eq!(branch_identity_name(f.branch_identity), "positional");
    }

    #[test]
    fn least_covered_order() {
        let mut r = Report::default();
        r.files.insert("c.c".into(), file(&[1, 0])); // 1/2
        r.files.insert("a.c".into(), file(&[1, 1, 0, 0])); // 2/4: same ratio, more missed
        r.files.insert("b.c".into(), file(&[0, 0, 0])); // 0/3
        r.files.insert("d.c".into(), file(&[])); // no lines: left out
        r.files.insert("e.c".into(), file(&[3])); // 1/1
        r.files.insert("f.c".into(), file(&[0, 1])); // 1/2, same as c.c: path order
        let got: Vec<&str> = least_covered(files_totals(&r), 10)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(got, ["b.c", "a.c", "c.c", "f.c", "e.c"]);
        // The order of the pairs does not matter.
        let mut rev: Vec<_> = files_totals(&r).collect();
        rev.reverse();
        let top: Vec<&str> = least_covered(rev, 2).into_iter().map(|(p, _)| p).collect();
        assert_eq!(top, ["b.c", "a.c"]);
    }
}
