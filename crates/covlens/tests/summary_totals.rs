//! `covlens summary` (which folds inputs into the compact summary, never into a report) against merge-then-summary on the real-tool fixtures: the same totals per file and overall.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn covlens(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covlens"))
        .args(args)
        .output()
        .expect("run covlens")
}

/// Overall and per-file (path → value) counters of lines, branches and functions: what an LCOV merge
/// keeps (Go's statements are not LCOV's, so they are compared in the core's tests only).
fn totals(v: &Value) -> (Vec<Value>, Vec<(String, Vec<Value>)>) {
    let kinds = ["lines", "branches", "functions"];
    let overall = std::iter::once(v["files"].clone())
        .chain(kinds.iter().map(|k| v[k].clone()))
        .collect();
    let per_file = v["per_file"]
        .as_array()
        .expect("--files gives per_file")
        .iter()
        .map(|f| {
            let path = f["path"].as_str().expect("a path").to_string();
            (path, kinds.iter().map(|k| f[k].clone()).collect())
        })
        .collect();
    (overall, per_file)
}

/// Summary of `inputs` and summary of their merge: equal totals, or both refuse the inputs.
fn check(name: &str, inputs: &[PathBuf], scratch: &Path) -> bool {
    let out = scratch.join(format!("{name}.info"));
    let mut args: Vec<&Path> = vec![
        Path::new("summary"),
        Path::new("--json"),
        Path::new("--files"),
    ];
    args.extend(inputs.iter().map(PathBuf::as_path));
    let direct = covlens(&args);
    let mut args: Vec<&Path> = vec![Path::new("merge"), Path::new("-q"), Path::new("-o"), &out];
    args.extend(inputs.iter().map(PathBuf::as_path));
    let merged = covlens(&args);
    if !direct.status.success() || !merged.status.success() {
        assert_eq!(
            direct.status.code(),
            merged.status.code(),
            "{name}: summary and merge disagree on loading: {} / {}",
            String::from_utf8_lossy(&direct.stderr),
            String::from_utf8_lossy(&merged.stderr)
        );
        return false;
    }
    let again = covlens(&[
        Path::new("summary"),
        Path::new("--json"),
        Path::new("--files"),
        &out,
    ]);
    assert!(
        again.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&again.stderr)
    );
    let a: Value = serde_json::from_slice(&direct.stdout).expect("JSON");
    let b: Value = serde_json::from_slice(&again.stdout).expect("JSON");
    let (ta, fa) = totals(&a);
    let (tb, fb) = totals(&b);
    assert_eq!(fa, fb, "{name}: per-file totals differ");
    assert_eq!(ta, tb, "{name}: totals differ");
    assert!(!fa.is_empty(), "{name}: no files");
    true
}

#[test]
fn summary_totals_equal_merge_then_summary_on_every_fixture_folder() {
    let root = fixtures();
    let scratch =
        std::env::temp_dir().join(format!("covlens-summary-totals-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "src"))
        .collect();
    folders.sort();
    let mut compared = Vec::new();
    for folder in &folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        if check(&name, std::slice::from_ref(folder), &scratch) {
            compared.push(name);
        }
    }
    // Every producer's reports at once: the same sources measured by gcov, lcov, gcovr and llvm-cov
    // merge into shared files, which exercises the merge rules too.
    let loadable: Vec<PathBuf> = folders
        .iter()
        .filter(|f| compared.iter().any(|c| f.ends_with(c)))
        .cloned()
        .collect();
    assert!(
        check("all", &loadable, &scratch),
        "the loadable folders together"
    );
    let _ = std::fs::remove_dir_all(&scratch);
    for must in [
        "lcov",
        "gcov",
        "gcovr",
        "go",
        "jacoco",
        "coveragepy",
        "istanbul",
    ] {
        assert!(
            compared.iter().any(|c| c == must),
            "{must} not compared: {compared:?}"
        );
    }
}
