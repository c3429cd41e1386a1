//! Path reconciliation and conflicts end to end (issue 6), on real reports made by
//! `tests/fixtures/paths/make.sh` (gcc/lcov, gcovr, coverage.py), checked against the tools' own merges.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/paths")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs covlens in the fixture folder (inputs named relative to it).
fn run(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_covlens"))
        .args(args)
        .current_dir(fixtures())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn summary_json(args: &[&str]) -> (Value, String) {
    let mut all = vec!["summary", "--json", "--files"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (serde_json::from_str(&out.stdout).unwrap(), out.stderr)
}

fn counter(v: &Value, kind: &str) -> (u64, u64) {
    (
        v[kind]["found"].as_u64().unwrap(),
        v[kind]["hit"].as_u64().unwrap(),
    )
}

fn files(v: &Value) -> Vec<String> {
    v["per_file"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// `lcov --summary` lines: `  lines......: 75.0% (78 of 104 lines)` → (found, hit).
fn lcov_summary(name: &str, kind: &str) -> (u64, u64) {
    let text = fs::read_to_string(fixtures().join(name)).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(kind))
        .unwrap_or_else(|| panic!("no {kind} in {name}"));
    let inner = &line[line.find('(').unwrap() + 1..line.find(')').unwrap()];
    let mut words = inner.split(' ');
    let hit = words.next().unwrap().parse().unwrap();
    let found = words.nth(1).unwrap().parse().unwrap();
    (found, hit)
}

#[test]
fn linux_and_windows_roots_merge_like_lcov_a_after_substitute() {
    let (v, stderr) = summary_json(&["linux.info", "windows.info", "--explain-paths"]);
    assert_eq!(
        files(&v),
        [
            "app/src/calc.c",
            "app/src/calc.h",
            "app/src/driver.c",
            "app/src/text.c"
        ]
    );
    for kind in ["lines", "functions", "branches"] {
        assert_eq!(
            counter(&v, kind),
            lcov_summary("lcov-merged.summary.txt", kind),
            "{kind}"
        );
    }
    assert_eq!(counter(&v, "lines"), (104, 78));
    assert!(
        stderr.contains("paths: root of windows.info: c:/a/\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "  <- C:\\a\\app\\src\\calc.c (windows.info): common suffix app/src/calc.c after stripping /home/runner/work/app/ and c:/a/\n"
        ),
        "{stderr}"
    );
    // Same builds of the same sources: nothing to report.
    assert!(!stderr.contains("disagree"), "{stderr}");

    // Without automatic joining the two jobs stay two sets of files.
    let (v, _) = summary_json(&["linux.info", "windows.info", "--no-reconcile"]);
    assert_eq!(v["files"], 8);
    // A user rule does the join by hand.
    let (v, _) = summary_json(&[
        "linux.info",
        "windows.info",
        "--no-reconcile",
        "--path-map",
        "C:\\a\\app=/home/runner/work/app/app",
    ]);
    assert_eq!(
        files(&v),
        [
            "/home/runner/work/app/app/src/calc.c",
            "/home/runner/work/app/app/src/calc.h",
            "/home/runner/work/app/app/src/driver.c",
            "/home/runner/work/app/app/src/text.c"
        ]
    );
    assert_eq!(counter(&v, "lines"), (104, 78));
}

#[test]
fn merge_writes_each_file_once() {
    let out_path = std::env::temp_dir().join(format!("covlens-paths-{}.info", std::process::id()));
    let out = run(&[
        "merge",
        "linux.info",
        "windows.info",
        "-o",
        out_path.to_str().unwrap(),
        "--strip-prefix",
        "/home/runner/work/app/app",
        "--strip-prefix",
        "C:\\a\\app",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(&out_path).unwrap();
    let sf: Vec<&str> = text.lines().filter(|l| l.starts_with("SF:")).collect();
    assert_eq!(
        sf,
        [
            "SF:src/calc.c",
            "SF:src/calc.h",
            "SF:src/driver.c",
            "SF:src/text.c"
        ]
    );
    let _ = fs::remove_file(&out_path);
}

#[test]
fn coverage_py_jobs_merge_like_coverage_combine_with_paths() {
    let combined: Value =
        serde_json::from_str(&fs::read_to_string(fixtures().join("py-combined.json")).unwrap())
            .unwrap();
    let t = &combined["totals"];
    let lines = (
        t["num_statements"].as_u64().unwrap(),
        t["covered_lines"].as_u64().unwrap(),
    );
    let branches = (
        t["num_branches"].as_u64().unwrap(),
        t["covered_branches"].as_u64().unwrap(),
    );
    assert_eq!((lines, branches), ((48, 42), (28, 24)));
    let (v, _) = summary_json(&["py-job1.json", "py-job2.json"]);
    assert_eq!(v["files"], 3);
    assert_eq!(counter(&v, "lines"), lines);
    assert_eq!(counter(&v, "branches"), branches);
    assert_eq!(
        files(&v),
        [
            "app/minipkg/__init__.py",
            "app/minipkg/geometry.py",
            "app/minipkg/words.py"
        ]
    );
    // The XML reports join the same way; their branches are only "n of m covered" per line, so a
    // merge keeps the larger covered number per line: a lower bound (22 of the 24).
    let (v, _) = summary_json(&["py-job1.xml", "py-job2.xml"]);
    assert_eq!(v["files"], 3);
    assert_eq!(counter(&v, "lines"), lines);
    assert_eq!(counter(&v, "branches"), (28, 22));
}

#[test]
fn package_paths_join_the_full_path() {
    let (v, stderr) = summary_json(&["pkg.jacoco.xml", "pkg-full.info", "--explain-paths"]);
    assert_eq!(
        files(&v),
        [
            "/builds/proj/src/main/c/com/acme/calc.c",
            "/builds/proj/src/main/c/com/acme/calc.h",
            "/builds/proj/src/main/c/com/acme/driver.c",
            "/builds/proj/src/main/c/com/acme/text.c"
        ]
    );
    assert!(
        stderr.contains("  <- com/acme/calc.c (pkg.jacoco.xml): the only longer path ending in it is /builds/proj/src/main/c/com/acme/calc.c\n"),
        "{stderr}"
    );
    // LCOV's lines are JaCoCo's: the join adds no line.
    assert_eq!(
        counter(&v, "lines").0,
        lcov_summary("pkg-full.summary.txt", "lines").0
    );

    // A source tree names them: the package path and the full path both become the tree's path.
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paths-source-tree");
    let _ = fs::remove_dir_all(&root);
    let pkg = root.join("src/main/c/com/acme");
    fs::create_dir_all(&pkg).unwrap();
    for f in ["calc.c", "calc.h", "driver.c", "text.c"] {
        fs::write(pkg.join(f), "").unwrap();
    }
    let (v, _) = summary_json(&[
        "pkg.jacoco.xml",
        "pkg-full.info",
        "--source-root",
        root.to_str().unwrap(),
    ]);
    assert_eq!(
        files(&v),
        [
            "src/main/c/com/acme/calc.c",
            "src/main/c/com/acme/calc.h",
            "src/main/c/com/acme/driver.c",
            "src/main/c/com/acme/text.c"
        ]
    );
}

#[test]
fn two_files_sharing_a_suffix_stay_apart_and_the_ambiguity_is_reported() {
    let (v, stderr) = summary_json(&["twins-a.info", "twins-b.gcovr.json"]);
    assert_eq!(
        files(&v),
        [
            "/ci/twins-a/a/util/x.c",
            "/ci/twins-a/b/util/x.c",
            "/ci/twins-a/main.c",
            "drive.c",
            "util/x.c"
        ]
    );
    assert!(
        stderr.contains("covlens: note: util/x.c: not joined with /ci/twins-a/a/util/x.c, /ci/twins-a/b/util/x.c (several files end with it)\n"),
        "{stderr}"
    );
}

#[test]
fn two_revisions_are_a_conflict_and_strict_merge_fails() {
    let expected = "covlens: warning: /home/runner/work/app/app/src/calc.c line 27: inputs disagree on \
source checksums (different revisions): 5YYqaZgGCnlJbEr8P5rJ4g in linux.info; B922j+Nf5wSN6xobDzaqag in rev2.info\n";
    let out = run(&["summary", "linux.info", "rev2.info"]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains(expected), "{}", out.stderr);

    let out_path =
        std::env::temp_dir().join(format!("covlens-paths-rev-{}.info", std::process::id()));
    let out = run(&[
        "merge",
        "linux.info",
        "rev2.info",
        "--strict",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains(expected), "{}", out.stderr);
    assert!(!out_path.exists(), "nothing written");
    // Without --strict the merge is written, the conflict still said.
    let out = run(&[
        "merge",
        "linux.info",
        "rev2.info",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains(expected), "{}", out.stderr);
    assert!(out_path.exists());
    let _ = fs::remove_file(&out_path);
}

#[test]
fn bad_path_map_is_a_usage_error() {
    let out = run(&["summary", "linux.info", "--path-map", "nothing"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("expected FROM=TO, got `nothing`"),
        "{}",
        out.stderr
    );
}

#[test]
fn coverability_conflicts_show_when_asked_and_fail_strict() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paths-coverability");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("a.info"),
        "SF:/src/a.c\nDA:1,1\nDA:2,0\nend_of_record\n",
    )
    .unwrap();
    fs::write(
        dir.join("b.info"),
        "SF:/src/a.c\nDA:1,1\nDA:3,2\nend_of_record\n",
    )
    .unwrap();
    let run_in = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_covlens"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // Two tools or builds often disagree on coverable lines: quiet by default.
    let (code, stderr) = run_in(&["summary", "a.info", "b.info"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let lines = "covlens: warning: /src/a.c line 2: inputs disagree on coverable lines: coverable in a.info; not coverable in b.info\n\
covlens: warning: /src/a.c line 3: inputs disagree on coverable lines: not coverable in a.info; coverable in b.info\n";
    let (code, stderr) = run_in(&["summary", "--conflicts", "a.info", "b.info"]);
    assert_eq!((code, stderr.as_str()), (0, lines));
    let (code, stderr) = run_in(&["merge", "--strict", "a.info", "b.info", "-o", "m.info"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        format!("{lines}covlens: warnings found and --strict given\ncovlens: nothing written to m.info\n")
    );
    assert!(!dir.join("m.info").exists());
}
