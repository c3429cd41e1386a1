//! Conformance against the producing tools: for every report in tests/fixtures (made by real tools with
//! tests/fixtures/regen.sh), `covlens summary --json` must give exactly the totals the producer's own
//! summary gave (recorded in tests/fixtures/expected.json), and merging shards must give the producer's
//! own merge totals (`lcov -a`, `coverage combine`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn summary(paths: &[PathBuf]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_covlens"))
        .arg("summary")
        .arg("--json")
        .args(paths)
        .output()
        .expect("run covlens");
    assert!(
        out.status.success(),
        "covlens summary {paths:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("summary --json is JSON")
}

fn names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Compares the kinds listed in `exact` exactly; for the other kinds the producer counts, covlens must
/// find the same items and may only under-report hits (a merge of covered/not-covered inputs is a lower
/// bound, never an invention).
fn compare(
    what: &str,
    expected: &Value,
    exact: &[String],
    got: &Value,
    failures: &mut Vec<String>,
) {
    for kind in ["lines", "branches", "functions", "statements"] {
        let Some(want) = expected.get(kind).filter(|v| !v.is_null()) else {
            continue;
        };
        // `differs`: covlens reads this metric differently from the producer on purpose (the entry says why).
        if expected.get("differs").and_then(|d| d.get(kind)).is_some() {
            continue;
        }
        let (wf, wh) = (&want["found"], &want["hit"]);
        let (gf, gh) = (&got[kind]["found"], &got[kind]["hit"]);
        if exact.iter().any(|e| e == kind) {
            if (wf, wh) != (gf, gh) {
                failures.push(format!(
                    "{what}: {kind}: producer says {wh}/{wf} hit/found, covlens says {gh}/{gf}"
                ));
            }
        } else if wf == gf && gh.as_u64() > wh.as_u64() {
            failures.push(format!(
                "{what}: {kind}: covlens invents hits: {gh} > producer's {wh}"
            ));
        }
    }
}

#[test]
fn totals_equal_the_producers_own_summaries() {
    let expected_path = fixtures().join("expected.json");
    let expected: Value = serde_json::from_slice(
        &std::fs::read(&expected_path).expect("tests/fixtures/expected.json"),
    )
    .unwrap();
    let entries = expected["entries"]
        .as_array()
        .expect("expected.json has an entries array");
    assert!(
        entries.len() >= 6,
        "expected.json lists {} reports",
        entries.len()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut formats = std::collections::BTreeSet::new();
    for entry in entries {
        let path = entry["path"].as_str().expect("entry has a path");
        let format = entry["format"].as_str().unwrap_or_default();
        if covlens_core::Format::from_id(format).is_none() {
            eprintln!("conformance: skipping {path}: covlens does not read {format} yet");
            continue;
        }
        let comparable = names(entry.get("comparable"));
        let got = summary(&[fixtures().join(path)]);
        compare(path, entry, &comparable, &got, &mut failures);
        checked += 1;
        formats.insert(format.to_string());
        if let Some(parts) = entry.get("merge_of").and_then(Value::as_array) {
            let parts: Vec<PathBuf> = parts
                .iter()
                .map(|p| fixtures().join(p.as_str().unwrap()))
                .collect();
            let exact = entry
                .get("merge_exact_metrics")
                .map_or(comparable.clone(), |m| names(Some(m)));
            let merged = summary(&parts);
            compare(
                &format!("merge of {:?} (vs {path})", entry["merge_of"]),
                entry,
                &exact,
                &merged,
                &mut failures,
            );
            checked += 1;
        }
    }
    // Every producer with fixtures is checked (nyc's Istanbul fixtures: lines, branches, functions and
    // statements exactly, and the merge of the two jobs against nyc's own merge; gcovr's Clover and
    // SonarQube writers: lines, and Sonar's branches; SimpleCov's resultsets: lines and branches).
    for format in [
        "lcov",
        "cobertura",
        "coveragepy-json",
        "jacoco",
        "go",
        "istanbul",
        "clover",
        "sonarqube",
        "simplecov",
    ] {
        assert!(formats.contains(format), "no {format} fixture was checked");
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
