//! SonarQube generic coverage and Codecov JSON writers: exact output, what they leave out, XSD validity,
//! and `parse(write(r))` equal to exactly what each format can carry of `r` (hand-made and corpus reports).

#![allow(
    clippy::disallowed_methods,
    reason = "tests and benches read fixtures and the corpus; the library itself does no IO"
)]

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{branch, corpus, line, load};
use covlens_core::formats::{codecov, sonarqube};
use covlens_core::{
    detect, Branch, BranchId, BranchName, FileCoverage, Format, Function, LineHit, McdcCondition,
    Report, Totals,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Out {
    Sonarqube,
    Codecov,
}

impl Out {
    fn write(self, r: &Report) -> Vec<u8> {
        match self {
            Out::Sonarqube => sonarqube::write_to_vec(r),
            Out::Codecov => codecov::write_to_vec(r),
        }
    }
    fn format(self) -> Format {
        match self {
            Out::Sonarqube => Format::Sonarqube,
            Out::Codecov => Format::Codecov,
        }
    }
}

/// src/a.c: line 1 hit 5 times with branches 2x/0x; line 2 not hit, both branches never evaluated;
/// line 3 hit once, no branches; line 4 hit 3 times with no branch taken (an exception branch, say);
/// a branch on line 9, which has no line record; a function and an MC/DC condition.
/// `src/b & c.c`: a function only.
fn sample() -> Report {
    let mut r = Report::default();
    r.files.insert(
        "src/a.c".into(),
        FileCoverage {
            lines: [(1, 5), (2, 0), (3, 1), (4, 3)]
                .map(|(l, hits)| LineHit {
                    line: line(l),
                    hits,
                })
                .to_vec(),
            branches: vec![
                branch(1, 0, 0, Some(2)),
                branch(1, 0, 1, Some(0)),
                branch(2, 0, 0, None),
                branch(2, 0, 1, None),
                branch(4, 0, 0, Some(0)),
                branch(4, 0, 1, None),
                branch(9, 0, 0, Some(1)),
            ],
            functions: vec![Function {
                name: "main".into(),
                start: line(1),
                end: Some(line(4)),
                hits: 1,
            }],
            mcdc: vec![McdcCondition {
                line: line(1),
                group_size: 2,
                sense: true,
                index: 0,
                expression: "a".into(),
                taken: 1,
            }],
            ..FileCoverage::default()
        },
    );
    r.files.insert(
        "src/b & c.c".into(),
        FileCoverage {
            functions: vec![Function {
                name: "f".into(),
                start: line(2),
                end: None,
                hits: 0,
            }],
            ..FileCoverage::default()
        },
    );
    r
}

#[test]
fn sonarqube_output_is_exact() {
    let text = String::from_utf8(sonarqube::write_to_vec(&sample())).unwrap();
    assert_eq!(
        text,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<coverage version="1">
  <file path="src/a.c">
    <lineToCover lineNumber="1" covered="true" branchesToCover="2" coveredBranches="1"/>
    <lineToCover lineNumber="2" covered="false" branchesToCover="2" coveredBranches="0"/>
    <lineToCover lineNumber="3" covered="true"/>
    <lineToCover lineNumber="4" covered="true" branchesToCover="2" coveredBranches="0"/>
  </file>
  <file path="src/b &amp; c.c"/>
</coverage>
"#
    );
    let mut streamed = Vec::new();
    sonarqube::write(&sample(), &mut streamed).unwrap();
    assert_eq!(streamed, text.as_bytes());
    assert_eq!(
        sonarqube::omissions(&sample()),
        [
            "SonarQube generic coverage has no functions: 2 function(s) not written",
            "SonarQube generic coverage has no MC/DC conditions: 1 condition(s) not written",
            "1 branch(es) on lines without a line record not written (SonarQube generic coverage puts branches on coverable lines)",
        ]
    );
    assert_eq!(
        String::from_utf8(sonarqube::write_to_vec(&Report::default())).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<coverage version=\"1\">\n</coverage>\n"
    );
}

#[test]
fn codecov_output_is_exact() {
    let text = String::from_utf8(codecov::write_to_vec(&sample())).unwrap();
    // Line 4 is hit but none of its branches was taken: "0/2" would read back as a missed line, so
    // the hits are written and its two branches are left out (and said so).
    assert_eq!(
        text,
        "{\"coverage\": {\n\"src/a.c\": {\"1\": \"1/2\", \"2\": \"0/2\", \"3\": 1, \"4\": 3},\n\"src/b & c.c\": {}\n}}\n"
    );
    assert_eq!(
        codecov::omissions(&sample()),
        [
            "Codecov JSON has no functions: 2 function(s) not written",
            "Codecov JSON has no MC/DC conditions: 1 condition(s) not written",
            "1 branch(es) on lines without a line record not written (Codecov JSON puts branches on coverable lines)",
            "2 branch(es) not written (on lines whose hits and taken branches disagree: Codecov's \"covered/total\" would change whether the line was hit)",
        ]
    );
    assert_eq!(
        String::from_utf8(codecov::write_to_vec(&Report::default())).unwrap(),
        "{\"coverage\": {\n}}\n"
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["coverage"]["src/a.c"]["1"], "1/2");
}

/// What `out` can carry of `r`, as its reader gives it back: lines (boolean for SonarQube; for Codecov
/// hits, or 1/0 on a `covered/total` line) and, per line, positional branches (covered first).
fn carried(r: &Report, out: Out) -> BTreeMap<String, FileCoverage> {
    let mut files = BTreeMap::new();
    for (path, fc) in &r.files {
        let mut c = FileCoverage::default();
        for l in &fc.lines {
            let b = fc.branches_on(l.line);
            let covered = b.iter().filter(|b| b.taken.unwrap_or(0) > 0).count();
            let agrees = (covered > 0) == (l.hits > 0);
            let (hits, write_branches) = match out {
                Out::Sonarqube => (u64::from(l.hits > 0), true),
                Out::Codecov if !b.is_empty() && agrees => (u64::from(covered > 0), true),
                Out::Codecov => (l.hits, false),
            };
            c.lines.push(LineHit { line: l.line, hits });
            if write_branches {
                for i in 0..b.len() {
                    c.branches.push(Branch {
                        line: l.line,
                        id: BranchId {
                            block: 0,
                            branch: BranchName::Index(i as u32),
                            flags: 0,
                        },
                        taken: Some(u64::from(i < covered)),
                    });
                }
            }
        }
        files.insert(path.clone(), c);
    }
    files
}

fn round_trip(name: &str, r: &Report, out: Out) {
    let bytes = out.write(r);
    // Detection sees the first 8 KiB: a report whose first path is longer (grcov's `data:` URLs) is
    // read fine but not recognised from its start.
    let short_first_path = r.files.keys().next().is_some_and(|p| p.len() < 2048);
    if short_first_path {
        assert_eq!(
            detect(&bytes),
            Some(out.format()),
            "{name}: {out:?} output not detected"
        );
    }
    let back = load(out.format(), &bytes);
    let want = carried(r, out);
    for (path, fc) in &want {
        assert_eq!(
            back.report.files.get(path),
            Some(fc),
            "{name}: {out:?} round trip of {path}"
        );
    }
    assert_eq!(
        back.report.files.len(),
        want.len(),
        "{name}: {out:?} file count"
    );
    // Writing what was read back gives the same bytes: the writer is a fixed point after one pass.
    assert_eq!(
        out.write(&back.report),
        bytes,
        "{name}: {out:?} second write differs"
    );
}

#[test]
fn round_trips_keep_what_the_format_carries() {
    for out in [Out::Sonarqube, Out::Codecov] {
        round_trip("sample", &sample(), out);
        round_trip("empty", &Report::default(), out);
    }
    // Exact totals of the sample: lines 3 of 4 either way; SonarQube keeps the 6 branches on coverable
    // lines (1 taken), Codecov the 4 on lines 1 and 2.
    let t = |out: Out| Totals::of_report(&load(out.format(), &out.write(&sample())).report);
    let s = t(Out::Sonarqube);
    assert_eq!((s.lines.hit, s.lines.found), (3, 4));
    assert_eq!((s.branches.hit, s.branches.found), (1, 6));
    assert_eq!((s.functions.hit, s.functions.found), (0, 0));
    let c = t(Out::Codecov);
    assert_eq!((c.lines.hit, c.lines.found), (3, 4));
    assert_eq!((c.branches.hit, c.branches.found), (1, 4));
}

/// Corpus reports of several formats through both writers.
#[test]
fn corpus_round_trips() {
    let Some(dir) = corpus() else { return };
    let mut done = 0;
    for sub in [
        "lcov",
        "cobertura",
        "jacoco",
        "sonarqube",
        "codecov",
        "clover",
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).unwrap();
            let Ok(l) = covlens_core::parse_bytes(&bytes, &Default::default()) else {
                continue;
            };
            let name = p.display().to_string();
            for out in [Out::Sonarqube, Out::Codecov] {
                round_trip(&name, &l.report, out);
            }
            done += 1;
        }
    }
    eprintln!("round-tripped {done} corpus reports through both writers");
    assert!(done >= 10, "only {done} corpus reports read");
}

/// Validates with `xmllint --schema` against SonarSource's published XSD.
fn assert_valid(name: &str, xml: &[u8]) {
    let Some(dir) = corpus() else { return };
    let xsd = dir.join("specs/sonar-generic-coverage.xsd");
    let path = std::env::temp_dir().join(format!(
        "covlens-sonar-{}-{}.xml",
        std::process::id(),
        name.replace(['/', '.'], "_")
    ));
    std::fs::write(&path, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&xsd)
        .arg(&path)
        .output()
        .expect("run xmllint");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{name}: xmllint rejected the output:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sonarqube_output_is_valid_against_the_xsd() {
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!(
            "notice: xmllint is not on PATH (Debian package libxml2-utils); XSD validation skipped"
        );
        return;
    }
    assert_valid("sample", &sonarqube::write_to_vec(&sample()));
    assert_valid("empty", &sonarqube::write_to_vec(&Report::default()));
    let Some(dir) = corpus() else { return };
    for file in [
        "lcov/lcov-tests-sf-leading-space-long-cpp-name.info",
        "jacoco/gcovr-nested-clang10.xml",
        "sonarqube/reportgenerator-sonarqube-generic.xml",
        "cobertura/reportgenerator-coverlet.xml",
    ] {
        let Ok(bytes) = std::fs::read(dir.join(file)) else {
            eprintln!("notice: {file} is absent; its XSD check skipped");
            continue;
        };
        let r = covlens_core::parse_bytes(&bytes, &Default::default())
            .unwrap()
            .report;
        assert!(!r.files.is_empty(), "{file}");
        assert_valid(file, &sonarqube::write_to_vec(&r));
    }
}
