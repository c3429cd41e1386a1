//! End-to-end tests of the covlens binary: exact outputs and exit codes on small reports written here.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("covlens-cli")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs covlens in `dir` (so inputs are named relative to it) with `stdin`, and no SOURCE_DATE_EPOCH
/// unless `env` sets it.
fn run_env(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_covlens"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    Out {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Out {
    run_env(dir, args, b"", &[])
}

fn json_of(out: &Out) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr))
}

/// The stable part of `summary --json`.
fn totals(v: &Value) -> Value {
    json!({
        "files": v["files"],
        "lines": v["lines"],
        "branches": v["branches"],
        "functions": v["functions"],
    })
}

/// Two files; a.c: 4 lines (2 hit), 2 branches (1 taken, 1 never evaluated), 1 function (hit).
const A_INFO: &str = "TN:
SF:/src/a.c
FN:1,main
FNDA:1,main
DA:1,1
DA:2,0
DA:3,5
DA:5,0
BRDA:2,0,0,1
BRDA:2,0,1,-
LF:4
LH:2
end_of_record
SF:/src/b.c
DA:1,0
end_of_record
";

/// a.c again: line 2 now hit, a new line 4, the never-evaluated branch taken twice.
const B_INFO: &str = "SF:/src/a.c
DA:2,3
DA:4,0
BRDA:2,0,1,2
end_of_record
";

#[test]
fn summary_json_exact_lcov() {
    let dir = scratch("summary_json_exact_lcov");
    write(&dir, "a.info", A_INFO);
    let out = run(&dir, &["summary", "--json", "a.info"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        r#"{
  "files": 2,
  "lines": {
    "found": 5,
    "hit": 2
  },
  "branches": {
    "found": 2,
    "hit": 1
  },
  "functions": {
    "found": 1,
    "hit": 1
  },
  "statements": {
    "found": 0,
    "hit": 0
  },
  "fidelity": {
    "lines": "counted",
    "branches": "counted",
    "functions": "counted",
    "branch_identity": "native"
  },
  "inputs": [
    {
      "path": "a.info",
      "format": "lcov",
      "fidelity": {
        "lines": "counted",
        "branches": "counted",
        "functions": "counted",
        "branch_identity": "native"
      },
      "files": 2,
      "records": 2,
      "diagnostics": []
    }
  ],
  "skipped": 0,
  "merge_diagnostics": []
}
"#
    );
}

#[test]
fn summary_merges_inputs_and_lists_files() {
    let dir = scratch("summary_merges_inputs");
    write(&dir, "a.info", A_INFO);
    write(&dir, "b.info", B_INFO);
    let out = run(&dir, &["summary", "--json", "--files", "a.info", "b.info"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    // a.c: lines 1,2,3,4,5 with hits 1,3,5,0,0; branches 1 and 0+2; b.c: one line, not hit.
    assert_eq!(
        totals(&v),
        json!({
            "files": 2,
            "lines": {"found": 6, "hit": 3},
            "branches": {"found": 2, "hit": 2},
            "functions": {"found": 1, "hit": 1},
        })
    );
    assert_eq!(
        v["per_file"],
        json!([
            {"path": "/src/a.c", "lines": {"found": 5, "hit": 3}, "branches": {"found": 2, "hit": 2}, "functions": {"found": 1, "hit": 1}, "statements": {"found": 0, "hit": 0}},
            {"path": "/src/b.c", "lines": {"found": 1, "hit": 0}, "branches": {"found": 0, "hit": 0}, "functions": {"found": 0, "hit": 0}, "statements": {"found": 0, "hit": 0}},
        ])
    );
    let inputs: Vec<(&str, u64)> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].as_str().unwrap(), i["files"].as_u64().unwrap()))
        .collect();
    assert_eq!(inputs, [("a.info", 2), ("b.info", 1)]);
}

#[test]
fn summary_human_table() {
    let dir = scratch("summary_human_table");
    write(&dir, "a.info", A_INFO);
    write(&dir, "b.info", B_INFO);
    let out = run(&dir, &["summary", "--files", "a.info", "b.info"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
input   format  fidelity                                            files  diagnostics
a.info  lcov    lines counted, branches counted, functions counted      2            0
b.info  lcov    lines counted, branches counted, functions counted      1            0

file      lines       %  branches        %  functions        %
/src/a.c    3/5  60.00%       2/2  100.00%        1/1  100.00%
/src/b.c    0/1   0.00%       0/0        -        0/0        -

total      found  hit  percent
lines          6    3   50.00%
branches       2    2  100.00%
functions      1    1  100.00%
2 source files
"
    );
}

#[test]
fn summary_searches_directories() {
    let dir = scratch("summary_searches_directories");
    write(&dir, "cov/a.info", A_INFO);
    write(&dir, "cov/job2/b.info", B_INFO);
    write(&dir, "cov/README.md", "# not a report\n");
    write(&dir, "cov/empty.info", "");
    // Not entered: hidden directories and node_modules.
    write(&dir, "cov/.git/c.info", B_INFO);
    write(&dir, "cov/node_modules/pkg/lcov.info", B_INFO);
    let out = run(&dir, &["summary", "--json", "cov"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    assert_eq!(
        totals(&v),
        json!({
            "files": 2,
            "lines": {"found": 6, "hit": 3},
            "branches": {"found": 2, "hit": 2},
            "functions": {"found": 1, "hit": 1},
        })
    );
    let paths: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["cov/a.info", "cov/job2/b.info"]);
    assert_eq!(v["skipped"], 2);

    let human = run(&dir, &["summary", "cov"]);
    assert!(
        human
            .stdout
            .contains("\nskipped 2 files that are not coverage reports\n"),
        "{}",
        human.stdout
    );
}

#[test]
fn directory_without_reports_is_an_error() {
    let dir = scratch("directory_without_reports");
    write(&dir, "a.info", A_INFO);
    write(&dir, "docs/README.md", "# nothing here\n");
    let out = run(&dir, &["summary", "--json", "docs", "a.info"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "covlens: no coverage reports found in docs (1 other file skipped)\n"
    );
    assert_eq!(json_of(&out)["lines"], json!({"found": 5, "hit": 2}));
}

#[test]
fn summary_reads_stdin() {
    let dir = scratch("summary_reads_stdin");
    write(&dir, "b.info", B_INFO);
    let out = run_env(
        &dir,
        &["summary", "--json", "-", "b.info"],
        A_INFO.as_bytes(),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    assert_eq!(v["lines"], json!({"found": 6, "hit": 3}));
    assert_eq!(v["inputs"][0]["path"], "<stdin>");
    assert_eq!(v["inputs"][0]["format"], "lcov");

    let twice = run(&dir, &["summary", "-", "-"]);
    assert_eq!(twice.code, 2);
    assert_eq!(
        twice.stderr,
        "covlens: error: - (stdin) given more than once\nFor more information, try '--help'.\n"
    );
}

#[test]
fn merge_then_summary_equals_summary_of_inputs() {
    let dir = scratch("merge_then_summary");
    write(&dir, "a.info", A_INFO);
    write(&dir, "b.info", B_INFO);
    let direct = json_of(&run(
        &dir,
        &["summary", "--json", "--files", "a.info", "b.info"],
    ));

    let out = run(&dir, &["merge", "a.info", "b.info", "-o", "merged.info"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "covlens: merged 2 inputs (2 source files) into merged.info\n"
    );
    assert_eq!(out.stdout, "");
    let merged = json_of(&run(&dir, &["summary", "--json", "--files", "merged.info"]));
    assert_eq!(totals(&merged), totals(&direct));
    assert_eq!(merged["per_file"], direct["per_file"]);

    // To stdout, quietly: the same bytes.
    let stdout = run(&dir, &["merge", "-q", "a.info", "b.info", "-o", "-"]);
    assert_eq!(stdout.code, 0);
    assert_eq!(stdout.stderr, "");
    assert_eq!(
        stdout.stdout,
        fs::read_to_string(dir.join("merged.info")).unwrap()
    );
    // No temporary file is left behind.
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.info", "b.info", "merged.info"]);
}

#[test]
fn merge_order_does_not_change_output() {
    let dir = scratch("merge_order");
    write(&dir, "a.info", A_INFO);
    write(&dir, "b.info", B_INFO);
    let ab = run(&dir, &["merge", "-q", "a.info", "b.info", "-o", "-"]);
    let ba = run(&dir, &["merge", "-q", "b.info", "a.info", "-o", "-"]);
    assert_eq!(ab.code, 0);
    assert_eq!(ab.stdout, ba.stdout);
}

#[test]
fn missing_input_names_the_file_and_the_rest_is_summarised() {
    let dir = scratch("missing_input");
    write(&dir, "a.info", A_INFO);
    let out = run(&dir, &["summary", "--json", "missing.info", "a.info"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "covlens: cannot read missing.info: No such file or directory\n"
    );
    let v = json_of(&out);
    assert_eq!(v["lines"], json!({"found": 5, "hit": 2}));
    assert_eq!(
        v["inputs"][0],
        json!({"path": "missing.info", "format": null, "files": 0, "records": 0, "diagnostics": [],
               "error": "cannot read missing.info: No such file or directory"})
    );
}

#[test]
fn unrecognised_input_is_an_error() {
    let dir = scratch("unrecognised_input");
    write(&dir, "a.info", A_INFO);
    write(&dir, "notes.txt", "hello\n");
    write(&dir, "empty.info", "");
    let out = run(&dir, &["summary", "notes.txt", "empty.info", "a.info"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "covlens: notes.txt: failed to read: unrecognised content: not a coverage format covlens reads (formats are detected from content, not file names)\n\
         covlens: empty.info: failed to read: empty input, no coverage data\n"
    );
    assert!(
        out.stdout.contains("\nlines          5    2   40.00%\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn merge_writes_nothing_when_an_input_fails() {
    let dir = scratch("merge_writes_nothing");
    write(&dir, "a.info", A_INFO);
    let out = run(&dir, &["merge", "a.info", "missing.info", "-o", "m.info"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "covlens: cannot read missing.info: No such file or directory\ncovlens: nothing written to m.info\n"
    );
    assert!(!dir.join("m.info").exists());
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch("usage_errors");
    write(&dir, "a.info", A_INFO);
    for args in [
        &["summary"][..],
        &["merge", "a.info"],
        &["merge", "a.info", "-o", "x", "--format", "xml"],
        &["frobnicate"],
        &["summary", "--bogus", "a.info"],
    ] {
        let out = run(&dir, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(
            out.stderr.starts_with("error: "),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("--help"), "{args:?}: {}", out.stderr);
    }
    // No command at all: the overview, on stderr.
    let out = run(&dir, &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("Usage: covlens <COMMAND>"),
        "{}",
        out.stderr
    );
    let out = run_env(
        &dir,
        &["merge", "a.info", "-o", "-"],
        b"",
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "covlens: error: SOURCE_DATE_EPOCH must be a number of seconds since 1970, not `yesterday`\nFor more information, try '--help'.\n"
    );
}

#[test]
fn help_and_version() {
    let dir = scratch("help_and_version");
    let out = run(&dir, &["--version"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        format!("covlens {}\n", env!("CARGO_PKG_VERSION"))
    );
    for (cmd, about) in [
        ("summary", "Print coverage totals of the merged inputs\n"),
        (
            "merge",
            "Merge inputs into one report (LCOV, Cobertura XML, SonarQube generic XML or Codecov JSON)\n",
        ),
    ] {
        let long = run(&dir, &[cmd, "--help"]);
        assert_eq!(long.code, 0);
        assert!(long.stdout.contains("<INPUT>..."), "{}", long.stdout);
        assert!(long.stdout.contains("--strict"), "{}", long.stdout);
        assert!(
            long.stdout.contains("Exit status") || long.stdout.contains("written only when"),
            "{}",
            long.stdout
        );
        let short = run(&dir, &[cmd, "-h"]);
        assert_eq!(short.code, 0);
        assert!(short.stdout.starts_with(about), "{}", short.stdout);
        assert!(
            short.stdout.contains(&format!("Usage: covlens {cmd} ")),
            "{}",
            short.stdout
        );
    }
}

/// The same coverage as a.c of A_INFO, as gcovr writes Cobertura (branches as "1 of 2 covered").
const C_XML: &str = r#"<?xml version="1.0" ?>
<coverage line-rate="0.5" branch-rate="0.5" lines-covered="2" lines-valid="4" branches-covered="1" branches-valid="2" complexity="0" version="gcovr 7.0" timestamp="1">
  <sources><source>/src</source></sources>
  <packages>
    <package name="p" line-rate="0.5" branch-rate="0.5" complexity="0">
      <classes>
        <class name="a_c" filename="a.c" line-rate="0.5" branch-rate="0.5" complexity="0">
          <methods>
            <method name="main" signature="" line-rate="1" branch-rate="1" complexity="0">
              <lines><line number="1" hits="1"/></lines>
            </method>
          </methods>
          <lines>
            <line number="1" hits="1" branch="false"/>
            <line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/>
            <line number="3" hits="5" branch="false"/>
            <line number="5" hits="0" branch="false"/>
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
"#;

/// One Java class: 3 lines (2 covered), 2 branches (1 covered), 2 methods (1 covered).
const J_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="demo"><sessioninfo id="s" start="1" dump="2"/><package name="com/x"><class name="com/x/A" sourcefilename="A.java"><method name="run" desc="()V" line="3"><counter type="INSTRUCTION" missed="0" covered="3"/><counter type="LINE" missed="0" covered="1"/><counter type="METHOD" missed="0" covered="1"/></method><method name="idle" desc="()V" line="7"><counter type="LINE" missed="1" covered="0"/><counter type="METHOD" missed="1" covered="0"/></method><counter type="METHOD" missed="1" covered="1"/></class><sourcefile name="A.java"><line nr="3" mi="0" ci="3" mb="0" cb="0"/><line nr="4" mi="0" ci="2" mb="1" cb="1"/><line nr="7" mi="2" ci="0" mb="0" cb="0"/><counter type="LINE" missed="1" covered="2"/></sourcefile></package></report>
"#;

#[test]
fn summary_json_cobertura_and_jacoco() {
    let dir = scratch("summary_json_xml");
    write(&dir, "c.xml", C_XML);
    write(&dir, "j.xml", J_XML);
    let out = run(&dir, &["summary", "--json", "--files", "c.xml", "j.xml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    assert_eq!(
        totals(&v),
        json!({
            "files": 2,
            "lines": {"found": 7, "hit": 4},
            "branches": {"found": 4, "hit": 2},
            "functions": {"found": 3, "hit": 2},
        })
    );
    assert_eq!(
        v["per_file"],
        json!([
            {"path": "/src/a.c", "lines": {"found": 4, "hit": 2}, "branches": {"found": 2, "hit": 1}, "functions": {"found": 1, "hit": 1}, "statements": {"found": 0, "hit": 0}},
            {"path": "com/x/A.java", "lines": {"found": 3, "hit": 2}, "branches": {"found": 2, "hit": 1}, "functions": {"found": 2, "hit": 1}, "statements": {"found": 0, "hit": 0}},
        ])
    );
    assert_eq!(
        v["fidelity"],
        json!({"lines": "boolean", "branches": "boolean", "functions": "boolean", "branch_identity": "positional"})
    );
    assert_eq!(
        v["inputs"],
        json!([
            {"path": "c.xml", "format": "cobertura", "fidelity": {"lines": "counted", "branches": "boolean", "functions": "counted", "branch_identity": "positional"}, "files": 1, "records": 1, "diagnostics": []},
            {"path": "j.xml", "format": "jacoco", "fidelity": {"lines": "boolean", "branches": "boolean", "functions": "boolean", "branch_identity": "positional"}, "files": 1, "records": 1, "diagnostics": []},
        ])
    );
}

#[test]
fn lcov_and_cobertura_of_the_same_file_merge() {
    let dir = scratch("lcov_and_cobertura_merge");
    write(&dir, "a.info", A_INFO);
    write(&dir, "c.xml", C_XML);
    let v = json_of(&run(&dir, &["summary", "--json", "a.info", "c.xml"]));
    // a.c's lines and functions match by line and name; Cobertura's made-up branch ids are 0 and 1 of
    // block 0, LCOV's were (0,0) and (0,1): the same two branches.
    assert_eq!(
        totals(&v),
        json!({
            "files": 2,
            "lines": {"found": 5, "hit": 2},
            "branches": {"found": 2, "hit": 1},
            "functions": {"found": 1, "hit": 1},
        })
    );
    assert_eq!(v["fidelity"]["lines"], "counted");
    assert_eq!(v["fidelity"]["branches"], "boolean");
}

#[test]
fn a_bad_file_names_file_and_position_and_the_rest_is_summarised() {
    let dir = scratch("bad_file");
    write(&dir, "a.info", A_INFO);
    write(&dir, "bad.xml", &C_XML.replace("</classes>", "</clases>"));
    let out = run(&dir, &["summary", "bad.xml", "a.info"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "covlens: bad.xml: failed to parse Cobertura XML at 20:7: ill-formed document: expected `</classes>`, but `</clases>` was found\n"
    );
    assert_eq!(
        out.stdout,
        "\
input    format  fidelity                                            files  diagnostics
bad.xml  failed  -                                                       0            0
a.info   lcov    lines counted, branches counted, functions counted      2            0

total      found  hit  percent
lines          5    2   40.00%
branches       2    1   50.00%
functions      1    1  100.00%
2 source files
"
    );
    let v = json_of(&run(&dir, &["summary", "--json", "bad.xml", "a.info"]));
    assert_eq!(
        v["inputs"][0]["error"],
        "bad.xml: failed to parse Cobertura XML at 20:7: ill-formed document: expected `</classes>`, but `</clases>` was found"
    );
    assert_eq!(v["lines"], json!({"found": 5, "hit": 2}));
}

/// Two malformed DA lines (warnings) around a good one.
const WARN_INFO: &str = "SF:/w.c\nDA:1,1\nDA:oops\nDA:2,x\nend_of_record\n";
/// Only a note: lcov 2.x's unreachable MC/DC flag, which the model does not keep.
const NOTE_INFO: &str = "SF:/n.c\nDA:1,1\nMCDC:1,U2,t,1,0,a\nend_of_record\n";

#[test]
fn strict_fails_on_warnings_not_on_notes() {
    let dir = scratch("strict");
    write(&dir, "w.info", WARN_INFO);
    write(&dir, "n.info", NOTE_INFO);
    let warned = run(&dir, &["summary", "--json", "w.info"]);
    assert_eq!(warned.code, 0);
    assert_eq!(
        warned.stderr,
        "w.info:3:8: warning: malformed DA record: missing execution count\n\
         w.info:4:6: warning: malformed DA record: invalid execution count `x`\n"
    );
    assert_eq!(
        json_of(&warned)["inputs"][0]["diagnostics"],
        json!([
            "w.info:3:8: warning: malformed DA record: missing execution count",
            "w.info:4:6: warning: malformed DA record: invalid execution count `x`",
        ])
    );
    assert_eq!(json_of(&warned)["lines"], json!({"found": 1, "hit": 1}));

    let strict = run(&dir, &["summary", "--strict", "w.info"]);
    assert_eq!(strict.code, 1);
    assert!(strict
        .stderr
        .ends_with("covlens: warnings found and --strict given\n"));
    assert!(strict.stdout.contains("\nlines          1    1  100.00%\n"));

    let quiet = run(&dir, &["summary", "--strict", "--quiet", "w.info"]);
    assert_eq!(quiet.code, 1);
    assert_eq!(quiet.stderr, "covlens: warnings found and --strict given\n");

    let note = run(&dir, &["summary", "--strict", "n.info"]);
    assert_eq!(note.code, 0);
    assert_eq!(
        note.stderr,
        "n.info:3:8: note: MCDC unreachable flag `U` is not kept (reported once)\n"
    );

    // merge --strict with a warning writes nothing.
    let merge = run(&dir, &["merge", "--strict", "-q", "w.info", "-o", "m.info"]);
    assert_eq!(merge.code, 1);
    assert_eq!(
        merge.stderr,
        "covlens: warnings found and --strict given\ncovlens: nothing written to m.info\n"
    );
    assert!(!dir.join("m.info").exists());
}

#[test]
fn only_the_first_20_diagnostics_per_input_are_printed() {
    let dir = scratch("diagnostic_cap");
    let mut text = String::from("SF:/x.c\n");
    for i in 1..=25 {
        text.push_str(&format!("DA:{i},x\n"));
    }
    text.push_str("DA:1,1\nend_of_record\n");
    write(&dir, "x.info", &text);
    let out = run(&dir, &["summary", "--json", "x.info"]);
    assert_eq!(out.code, 0);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 21, "{}", out.stderr);
    assert_eq!(
        lines[0],
        "x.info:2:6: warning: malformed DA record: invalid execution count `x`"
    );
    assert_eq!(lines[20], "x.info: ... and 5 more diagnostics");
    // JSON keeps them all.
    assert_eq!(
        json_of(&out)["inputs"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
}

#[test]
fn merge_to_cobertura_is_reproducible_and_reads_back() {
    let dir = scratch("merge_cobertura");
    write(&dir, "a.info", A_INFO);
    write(&dir, "j.xml", J_XML);
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let args = [
        "merge",
        "-q",
        "a.info",
        "j.xml",
        "--format",
        "cobertura",
        "-o",
        "-",
    ];
    let first = run_env(&dir, &args, b"", &env);
    let second = run_env(&dir, &args, b"", &env);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.stdout, second.stdout);
    assert!(
        first.stdout.contains(r#"timestamp="1700000000""#),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains(r#"version="covlens "#));

    let direct = json_of(&run(
        &dir,
        &["summary", "--json", "--files", "a.info", "j.xml"],
    ));
    let back = json_of(&run_env(
        &dir,
        &["summary", "--json", "--files", "-"],
        first.stdout.as_bytes(),
        &[],
    ));
    assert_eq!(totals(&back), totals(&direct));
    assert_eq!(back["per_file"], direct["per_file"]);
}

#[test]
fn merge_conflicts_are_reported_and_strict_fails_on_them() {
    let dir = scratch("merge_conflicts");
    write(&dir, "a.info", A_INFO);
    write(
        &dir,
        "moved.info",
        "SF:/src/a.c\nFN:3,main\nFNDA:2,main\nDA:3,1\nend_of_record\n",
    );
    let out = run(&dir, &["summary", "--json", "a.info", "moved.info"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The message names the smaller line first, whichever worker read which file.
    let v = json_of(&out);
    let got = v["merge_diagnostics"][0].as_str().unwrap();
    assert_eq!(
        got,
        "warning: /src/a.c: function `main` starts at line 1 in one input and 3 in another; kept line 1"
    );
    assert_eq!(v["merge_diagnostics"].as_array().unwrap().len(), 1);
    assert_eq!(out.stderr, format!("covlens: {got}\n"));
    assert_eq!(v["functions"], json!({"found": 1, "hit": 1}));

    let strict = run(&dir, &["summary", "--strict", "-q", "a.info", "moved.info"]);
    assert_eq!(strict.code, 1);
    assert_eq!(
        strict.stderr,
        "covlens: warnings found and --strict given\n"
    );
}

#[test]
fn merging_a_directory_into_itself_does_not_read_its_last_output() {
    let dir = scratch("merge_into_dir");
    write(&dir, "cov/a.info", A_INFO);
    write(&dir, "cov/b.info", B_INFO);
    for _ in 0..2 {
        let out = run(&dir, &["merge", "cov", "-o", "cov/all.info"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(
            out.stderr,
            "covlens: merged 2 inputs (2 source files) into cov/all.info\n"
        );
    }
    let v = json_of(&run(&dir, &["summary", "--json", "cov/all.info"]));
    assert_eq!(v["lines"], json!({"found": 6, "hit": 3}));
    // Named explicitly, an earlier output is an input like any other (accumulating merges).
    let out = run(
        &dir,
        &[
            "merge",
            "-q",
            "cov/all.info",
            "cov/a.info",
            "-o",
            "cov/all.info",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&run(&dir, &["summary", "--json", "cov/all.info"]));
    assert_eq!(v["lines"], json!({"found": 6, "hit": 3}));
    assert_eq!(v["files"], 2);
}

#[test]
fn gzip_inputs_are_read_by_what_they_hold() {
    use std::io::Write as _;
    let dir = scratch("gzip");
    write(&dir, "a.info", A_INFO);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(A_INFO.as_bytes()).unwrap();
    fs::write(dir.join("a.info.gz"), gz.finish().unwrap()).unwrap();
    let plain = json_of(&run(&dir, &["summary", "--json", "a.info"]));
    let out = run(&dir, &["summary", "--json", "a.info.gz"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let zipped = json_of(&out);
    assert_eq!(zipped["inputs"][0]["format"], "lcov");
    for kind in ["lines", "branches", "functions"] {
        assert_eq!(zipped[kind], plain[kind], "{kind}");
    }
    assert_eq!(
        zipped["lines"]["found"].as_u64(),
        Some(plain["lines"]["found"].as_u64().unwrap())
    );
    assert!(plain["lines"]["found"].as_u64().unwrap() > 0);
}

// ------------------------------------------- writers (SonarQube, Codecov) and summary formats

/// The repository's real-tool fixtures (tests/fixtures), made by tests/fixtures/regen.sh.
fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Files, lines, branches, functions of `summary --json`, as found/hit pairs.
fn totals_tuple(v: &Value) -> (u64, [(u64, u64); 3]) {
    let c = |k: &str| {
        (
            v[k]["found"].as_u64().unwrap(),
            v[k]["hit"].as_u64().unwrap(),
        )
    };
    (
        v["files"].as_u64().unwrap(),
        [c("lines"), c("branches"), c("functions")],
    )
}

/// Every writer's output, read back by covlens, has the input's totals: all of them for LCOV and
/// Cobertura; for SonarQube and Codecov, which have no functions, the same files, lines and branches and
/// no functions (and a note on stderr says the functions were left out).
/// Files and [lines, branches, functions] as (found, hit).
type Expected = (u64, [(u64, u64); 3]);

#[test]
fn writers_read_back_with_the_same_totals() {
    let dir = fixtures_dir();
    // (inputs, files, [lines, branches, functions] as (found, hit)), from `summary --json` of the inputs;
    // the gcovr and lcov numbers are the tools' own (tests/fixtures/expected.json).
    let cases: [(&[&str], Expected); 5] = [
        (&["gcovr/job1.lcov"], (4, [(104, 48), (74, 26), (10, 7)])),
        (
            &["gcovr/merged.cobertura.xml"],
            (4, [(104, 78), (74, 49), (10, 9)]),
        ),
        (&["lcov/merged.info"], (4, [(104, 78), (74, 49), (10, 9)])),
        (&["jacoco/report.xml"], (3, [(64, 51), (59, 41), (11, 10)])),
        (
            &["lcov/job1.info", "jacoco/job1.xml", "jacoco/job2.xml"],
            (7, [(168, 99), (133, 63), (21, 17)]),
        ),
    ];
    for (inputs, want) in cases {
        let mut args = vec!["summary", "--json"];
        args.extend_from_slice(inputs);
        let direct = json_of(&run(&dir, &args));
        assert_eq!(totals_tuple(&direct), want, "{inputs:?}");
        for format in ["lcov", "cobertura", "sonarqube", "codecov"] {
            let mut args = vec!["merge", "--format", format, "-o", "-"];
            args.extend_from_slice(inputs);
            let out = run_env(&dir, &args, b"", &[("SOURCE_DATE_EPOCH", "0")]);
            assert_eq!(out.code, 0, "{inputs:?} {format}: {}", out.stderr);
            let back = run_env(
                &dir,
                &["summary", "--json", "-"],
                out.stdout.as_bytes(),
                &[],
            );
            assert_eq!(back.code, 0, "{inputs:?} {format}: {}", back.stderr);
            let back = json_of(&back);
            assert_eq!(back["inputs"][0]["format"], format);
            let (files, [lines, branches, functions]) = want;
            let carried = match format {
                "lcov" | "cobertura" => want,
                _ => (files, [lines, branches, (0, 0)]),
            };
            assert_eq!(totals_tuple(&back), carried, "{inputs:?} as {format}");
            let note = format!(
                "covlens: note: {} has no functions: {} function(s) not written\n",
                if format == "sonarqube" {
                    "SonarQube generic coverage"
                } else {
                    "Codecov JSON"
                },
                functions.0
            );
            assert_eq!(
                out.stderr.contains(&note),
                format == "sonarqube" || format == "codecov",
                "{inputs:?} {format}: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn merge_to_sonarqube_and_codecov_exact() {
    let dir = scratch("merge_sonar_codecov");
    write(&dir, "a.info", A_INFO);
    write(&dir, "b.info", B_INFO);
    let sonar = run(
        &dir,
        &[
            "merge",
            "a.info",
            "b.info",
            "--format",
            "sonarqube",
            "-o",
            "-",
        ],
    );
    assert_eq!(sonar.code, 0, "{}", sonar.stderr);
    // a.c line 2 (hit 0 + 3) has branch 0 taken once and branch 1 never evaluated + taken twice.
    assert_eq!(
        sonar.stdout,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<coverage version="1">
  <file path="/src/a.c">
    <lineToCover lineNumber="1" covered="true"/>
    <lineToCover lineNumber="2" covered="true" branchesToCover="2" coveredBranches="2"/>
    <lineToCover lineNumber="3" covered="true"/>
    <lineToCover lineNumber="4" covered="false"/>
    <lineToCover lineNumber="5" covered="false"/>
  </file>
  <file path="/src/b.c">
    <lineToCover lineNumber="1" covered="false"/>
  </file>
</coverage>
"#
    );
    // Other messages (the inputs disagree on coverable lines) may come before it.
    assert!(
        sonar.stderr.lines().any(|l| l
            == "covlens: note: SonarQube generic coverage has no functions: 1 function(s) not written"),
        "{}",
        sonar.stderr
    );
    let codecov = run(
        &dir,
        &[
            "merge", "-q", "a.info", "b.info", "--format", "codecov", "-o", "-",
        ],
    );
    assert_eq!(codecov.code, 0, "{}", codecov.stderr);
    assert_eq!(codecov.stderr, "");
    assert_eq!(
        codecov.stdout,
        "{\"coverage\": {\n\"/src/a.c\": {\"1\": 1, \"2\": \"2/2\", \"3\": 5, \"4\": 0, \"5\": 0},\n\"/src/b.c\": {\"1\": 0}\n}}\n"
    );
}

#[test]
fn summary_format_json_is_the_json_alias() {
    let dir = scratch("summary_format_json");
    write(&dir, "a.info", A_INFO);
    write(&dir, "j.xml", J_XML);
    let alias = run(&dir, &["summary", "--json", "--files", "a.info", "j.xml"]);
    let long = run(
        &dir,
        &["summary", "--format", "json", "--files", "a.info", "j.xml"],
    );
    assert_eq!(alias.code, 0, "{}", alias.stderr);
    assert_eq!(alias.stdout, long.stdout);
    let v = json_of(&long);
    assert_eq!(
        v["inputs"][1]["fidelity"],
        json!({"lines": "boolean", "branches": "boolean", "functions": "boolean", "branch_identity": "positional"})
    );
    // --json and --format together are a usage error.
    let both = run(&dir, &["summary", "--json", "--format", "text", "a.info"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn summary_text_shows_each_inputs_fidelity() {
    let dir = scratch("summary_text_fidelity");
    write(&dir, "a.info", A_INFO);
    write(&dir, "c.xml", C_XML);
    write(&dir, "j.xml", J_XML);
    let out = run(
        &dir,
        &["summary", "a.info", "c.xml", "j.xml", "missing.info"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let inputs: Vec<&str> = out.stdout.lines().take(5).collect();
    assert_eq!(
        inputs,
        [
            "input         format     fidelity                                            files  diagnostics",
            "a.info        lcov       lines counted, branches counted, functions counted      2            0",
            "c.xml         cobertura  lines counted, branches boolean, functions counted      1            0",
            "j.xml         jacoco     lines boolean, branches boolean, functions boolean      1            0",
            "missing.info  failed     -                                                       0            0",
        ]
    );
}

#[test]
fn summary_markdown_golden() {
    let dir = scratch("summary_markdown");
    write(&dir, "a.info", A_INFO);
    write(&dir, "b.info", B_INFO);
    write(&dir, "j.xml", J_XML);
    let out = run(
        &dir,
        &[
            "summary",
            "--format",
            "markdown",
            "--least-covered",
            "2",
            "a.info",
            "b.info",
            "j.xml",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // a.c 3/5 (60%), b.c 0/1, A.java 2/3: worst first.
    assert_eq!(
        out.stdout,
        "\
## Coverage

| | Found | Hit | Covered |
| :-- | --: | --: | --: |
| Lines | 9 | 5 | 55.56% |
| Branches | 4 | 3 | 75.00% |
| Functions | 3 | 2 | 66.67% |

3 source files; merged fidelity: lines boolean, branches boolean, functions boolean.
Boolean means covered or not: counts that involve a boolean input are lower bounds.

### Inputs

| Input | Format | Fidelity | Files |
| :-- | :-- | :-- | --: |
| `a.info` | lcov | lines counted, branches counted, functions counted | 2 |
| `b.info` | lcov | lines counted, branches counted, functions counted | 1 |
| `j.xml` | jacoco | lines boolean, branches boolean, functions boolean | 1 |

### Least covered files

| File | Lines | Covered |
| :-- | --: | --: |
| `/src/b.c` | 0/1 | 0.00% |
| `/src/a.c` | 3/5 | 60.00% |
"
    );
    // Deterministic: the inputs in another order give the same tables but for the input rows' order.
    let again = run(
        &dir,
        &[
            "summary",
            "--format",
            "markdown",
            "--least-covered",
            "2",
            "j.xml",
            "b.info",
            "a.info",
        ],
    );
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| {
                !l.starts_with("| `a.info`")
                    && !l.starts_with("| `b.info`")
                    && !l.starts_with("| `j.xml`")
            })
            .map(String::from)
            .collect()
    };
    assert_eq!(strip(&again.stdout), strip(&out.stdout));
}

// ---- zip archives (a CI artifact download) as inputs ----

/// The fixtures of the zip tests: three formats from real tools.
fn zip_fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How an entry of a test archive is written.
enum ZipData<'a> {
    Stored(&'a [u8]),
    Deflated(&'a [u8]),
    /// Deflated already, with the CRC and size of what it inflates to.
    Raw(&'a [u8], u32, u64),
}

fn zip_of(entries: &[(&str, ZipData<'_>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut archive = rawzip::ZipArchiveWriter::new(&mut out);
    for (name, data) in entries {
        let method = match data {
            ZipData::Stored(_) => rawzip::CompressionMethod::STORE,
            _ => rawzip::CompressionMethod::DEFLATE,
        };
        let (mut entry, config) = archive
            .new_file(*name)
            .compression_method(method)
            .start()
            .unwrap();
        match data {
            ZipData::Stored(bytes) => {
                let mut w = config.wrap(&mut entry);
                w.write_all(bytes).unwrap();
                let (_, descriptor) = w.finish().unwrap();
                entry.finish(descriptor).unwrap();
            }
            ZipData::Deflated(bytes) => {
                let enc =
                    flate2::write::DeflateEncoder::new(&mut entry, flate2::Compression::default());
                let mut w = config.wrap(enc);
                w.write_all(bytes).unwrap();
                let (enc, descriptor) = w.finish().unwrap();
                enc.finish().unwrap();
                entry.finish(descriptor).unwrap();
            }
            ZipData::Raw(deflated, crc, size) => {
                entry.write_all(deflated).unwrap();
                entry
                    .finish(rawzip::DataDescriptorOutput::new(*crc, *size))
                    .unwrap();
            }
        }
    }
    archive.finish().unwrap();
    out
}

/// A raw deflate stream of `head` then `mib` MiB of zeros (a decompression bomb that starts like an
/// LCOV file), built cheaply: each part deflated from a fresh state and ended by a full flush, so the
/// 1 MiB block of zeros can be repeated; then an empty final block. With its CRC and size.
fn zeros_bomb(head: &[u8], mib: usize) -> (Vec<u8>, u32, u64) {
    let deflate = |data: &[u8]| {
        let mut out = Vec::with_capacity(data.len() / 500 + 64);
        flate2::Compress::new(flate2::Compression::best(), false)
            .compress_vec(data, &mut out, flate2::FlushCompress::Full)
            .unwrap();
        out
    };
    let zeros = vec![0u8; 1 << 20];
    let block = deflate(&zeros);
    let mut stream = deflate(head);
    let mut crc = flate2::Crc::new();
    crc.update(head);
    for _ in 0..mib {
        stream.extend_from_slice(&block);
        crc.update(&zeros);
    }
    stream.extend_from_slice(&[0x03, 0x00]);
    (stream, crc.sum(), head.len() as u64 + ((mib as u64) << 20))
}

fn gzip_of(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_zip_of_three_formats_merges_like_the_three_files() {
    let dir = scratch("zip_three_formats");
    let lcov = zip_fixture("lcov/job1.info");
    let cobertura = zip_fixture("gcovr/job2.cobertura.xml");
    let jacoco = zip_fixture("jacoco/job1.xml");
    fs::write(dir.join("lcov.info"), &lcov).unwrap();
    fs::write(dir.join("cobertura.xml"), &cobertura).unwrap();
    fs::write(dir.join("jacoco.xml"), &jacoco).unwrap();
    let archive = zip_of(&[
        ("job1/lcov.info", ZipData::Deflated(&lcov)),
        ("README.md", ZipData::Deflated(b"# coverage artifacts\n")),
        // A gzip file inside the zip is unwrapped too.
        (
            "job2/cobertura.xml.gz",
            ZipData::Stored(&gzip_of(&cobertura)),
        ),
        ("job3/jacoco.xml", ZipData::Stored(&jacoco)),
    ]);
    fs::write(dir.join("artifact.zip"), &archive).unwrap();

    let direct = run(
        &dir,
        &[
            "summary",
            "--json",
            "--files",
            "lcov.info",
            "cobertura.xml",
            "jacoco.xml",
        ],
    );
    assert_eq!(direct.code, 0, "{}", direct.stderr);
    let zipped = run(&dir, &["summary", "--json", "--files", "artifact.zip"]);
    assert_eq!(zipped.code, 0, "{}", zipped.stderr);
    let (d, z) = (json_of(&direct), json_of(&zipped));
    assert_eq!(totals(&z), totals(&d));
    assert_eq!(z["per_file"], d["per_file"]);
    let inputs: Vec<(&str, &str)> = z["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].as_str().unwrap(), i["format"].as_str().unwrap()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("artifact.zip!job1/lcov.info", "lcov"),
            ("artifact.zip!job2/cobertura.xml.gz", "cobertura"),
            ("artifact.zip!job3/jacoco.xml", "jacoco"),
        ]
    );
    for (zi, di) in z["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(d["inputs"].as_array().unwrap())
    {
        assert_eq!(
            (&zi["files"], &zi["records"]),
            (&di["files"], &di["records"])
        );
    }
    // The README is skipped and counted, with a note naming it.
    assert_eq!(z["skipped"], 1);
    assert!(
        zipped.stderr.contains(
            "artifact.zip!job1/lcov.info: note: 1 entry of artifact.zip is not a coverage report, skipped: README.md\n"
        ),
        "{}",
        zipped.stderr
    );
    // The human table names each report inside.
    let table = run(&dir, &["summary", "artifact.zip"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    for name in [
        "artifact.zip!job1/lcov.info",
        "artifact.zip!job2/cobertura.xml.gz",
        "artifact.zip!job3/jacoco.xml",
    ] {
        assert!(table.stdout.contains(name), "{name} in\n{}", table.stdout);
    }
    // merge writes the same bytes from the archive as from the three files.
    let m1 = run(&dir, &["merge", "-q", "artifact.zip", "-o", "-"]);
    let m2 = run(
        &dir,
        &[
            "merge",
            "-q",
            "lcov.info",
            "cobertura.xml",
            "jacoco.xml",
            "-o",
            "-",
        ],
    );
    assert_eq!(m1.code, 0, "{}", m1.stderr);
    assert_eq!(m1.stdout, m2.stdout);
    assert!(
        m1.stdout.starts_with("TN:") || m1.stdout.starts_with("SF:"),
        "{}",
        &m1.stdout[..40]
    );

    // Found by content in a directory, whatever its name; a zip of no reports there is skipped.
    let search = scratch("zip_in_directory");
    fs::create_dir_all(search.join("artifacts")).unwrap();
    fs::write(search.join("artifacts/download"), &archive).unwrap();
    fs::write(
        search.join("artifacts/binaries.zip"),
        zip_of(&[("app.bin", ZipData::Stored(b"\x7fELF\x02\x01"))]),
    )
    .unwrap();
    let found = run(&search, &["summary", "--json", "--files", "artifacts"]);
    assert_eq!(found.code, 0, "{}", found.stderr);
    let f = json_of(&found);
    assert_eq!(totals(&f), totals(&d));
    assert_eq!(f["inputs"].as_array().unwrap().len(), 3);
    assert_eq!(f["inputs"][0]["path"], "artifacts/download!job1/lcov.info");
    // binaries.zip (1 file) and the README inside the download.
    assert_eq!(f["skipped"], 2);
}

#[test]
fn a_zip_bomb_is_rejected_by_name_and_limit_and_the_rest_loads() {
    let dir = scratch("zip_bomb");
    let (bomb, crc, size) = zeros_bomb(b"SF:/src/bomb.c\n", 200);
    let archive = zip_of(&[
        ("a.info", ZipData::Deflated(A_INFO.as_bytes())),
        ("bomb.info", ZipData::Raw(&bomb, crc, size)),
    ]);
    // 200 MiB of zeros in about 200 KiB.
    assert!(archive.len() < 400_000, "{}", archive.len());
    fs::write(dir.join("artifact.zip"), &archive).unwrap();
    let out = run(&dir, &["summary", "--json", "artifact.zip"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = out
        .stderr
        .lines()
        .find(|l| l.contains("bomb.info"))
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(
        error.starts_with("covlens: artifact.zip!bomb.info: failed to read at byte ")
            && error.contains(": zip entry expands more than 500:1, the per-entry ratio limit ("),
        "{error}"
    );
    let v = json_of(&out);
    assert_eq!(v["lines"], json!({"found": 5, "hit": 2}));
    assert_eq!(v["inputs"][0]["path"], "artifact.zip!a.info");
    assert_eq!(v["inputs"][0]["format"], "lcov");
    assert_eq!(v["inputs"][1]["path"], "artifact.zip!bomb.info");
    assert_eq!(v["inputs"][1]["format"], Value::Null);
}

#[test]
fn a_corrupt_zip_entry_is_reported_and_the_others_load() {
    let dir = scratch("zip_corrupt_entry");
    let mut archive = zip_of(&[
        ("a.info", ZipData::Stored(A_INFO.as_bytes())),
        ("b.info", ZipData::Deflated(B_INFO.repeat(20).as_bytes())),
        ("c.info", ZipData::Stored(B_INFO.as_bytes())),
    ]);
    // Damage the deflate data of b.info: past its local header (30 bytes and the name).
    let b_header = archive
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .map(|(i, _)| i)
        .nth(1)
        .unwrap();
    for k in 0..4 {
        archive[b_header + 30 + 6 + 4 + k] ^= 0xa5;
    }
    fs::write(dir.join("artifact.zip"), &archive).unwrap();
    let out = run(&dir, &["summary", "--json", "artifact.zip"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("failed"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(
        errors[0].starts_with("covlens: artifact.zip!b.info: failed to read at byte ")
            && (errors[0].contains("corrupt zip entry data")
                || errors[0].contains("integrity check")),
        "{}",
        errors[0]
    );
    let v = json_of(&out);
    let loaded: Vec<(&str, bool)> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].as_str().unwrap(), i["error"].is_null()))
        .collect();
    assert_eq!(
        loaded,
        [
            ("artifact.zip!a.info", true),
            ("artifact.zip!b.info", false),
            ("artifact.zip!c.info", true)
        ]
    );
    // a.info and c.info (= b.info): as in merge_then_summary_equals_summary_of_inputs.
    write(&dir, "a.info", A_INFO);
    write(&dir, "c.info", B_INFO);
    let direct = json_of(&run(&dir, &["summary", "--json", "a.info", "c.info"]));
    assert_eq!(totals(&v), totals(&direct));
}

/// The repository's `tests/fixtures`.
const V8_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

#[test]
fn v8_dump_reads_script_text_from_disk() {
    // c8's job 1 dump, its `file://` URLs moved to this test's directory, where the sources are.
    let dir = scratch("v8_dump_reads_script_text_from_disk");
    let fixtures = Path::new(V8_FIXTURES);
    for name in ["calc.js", "run_job.js"] {
        fs::copy(fixtures.join("src/js").join(name), dir.join(name)).unwrap();
    }
    let dump = fs::read_to_string(fixtures.join("v8/job1.v8.json"))
        .unwrap()
        .replace("/tmp/covlens-fixtures/ci-a/js", dir.to_str().unwrap());
    write(&dir, "job1.v8.json", &dump);
    let out = run(&dir, &["summary", "--json", "job1.v8.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    // c8 10.1.3's own json-summary of this run (tests/fixtures/v8/job1.c8-summary.json).
    assert_eq!(
        totals(&v),
        json!({
            "files": 2,
            "lines": {"found": 56, "hit": 39},
            "branches": {"found": 10, "hit": 6},
            "functions": {"found": 6, "hit": 3},
        })
    );
    assert_eq!(v["inputs"][0]["format"], "v8");
    assert_eq!(v["inputs"][0]["diagnostics"], json!([]));

    // Without run_job.js on disk: calc.js alone has lines (c8: 29/40); run_job.js has no named
    // function, so nothing of it counts, and a warning names it.
    fs::remove_file(dir.join("run_job.js")).unwrap();
    let out = run(&dir, &["summary", "--json", "job1.v8.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    assert_eq!(v["lines"], json!({"found": 40, "hit": 29}));
    let diags = v["inputs"][0]["diagnostics"].to_string();
    assert!(diags.contains("run_job.js` has no source text"), "{diags}");
}

// ---- Source maps (issue 5): the TypeScript fixtures of tests/fixtures/ts (make.sh there).

fn ts_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ts")
}

/// `per_file` of `summary --json` as (path, [lines hit, found, branches hit, found, functions hit, found]).
fn per_file_numbers(v: &Value) -> Vec<(String, [u64; 6])> {
    v["per_file"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = |d: &str, w: &str| f[d][w].as_u64().unwrap();
            (
                f["path"].as_str().unwrap().to_string(),
                [
                    n("lines", "hit"),
                    n("lines", "found"),
                    n("branches", "hit"),
                    n("branches", "found"),
                    n("functions", "hit"),
                    n("functions", "found"),
                ],
            )
        })
        .collect()
}

/// A V8 dump with Node's `source-map-cache` and a `.nyc_output` file with `inputSourceMap` are
/// reported against the .ts sources, with c8's and nyc's own numbers; `--no-source-maps` turns it
/// off; `node_modules` sources are left out unless `--keep-ignored-sources`.
#[test]
fn summary_remaps_v8_and_istanbul_through_source_maps() {
    let dir = ts_fixtures();
    let out = run(&dir, &["summary", "--json", "--files", "esb.job1.v8.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        per_file_numbers(&json_of(&out)),
        [
            (
                "/tmp/covlens-fixtures/ts/src/main.ts".to_string(),
                [22, 27, 2, 4, 1, 1]
            ),
            (
                "/tmp/covlens-fixtures/ts/src/shapes.ts".to_string(),
                [29, 36, 3, 7, 3, 5]
            ),
        ]
    );
    assert!(
        out.stderr
            .contains("10 range(s) of generated code have no original position"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("left out 1 original source(s) under node_modules"),
        "{}",
        out.stderr
    );
    let keep = run(
        &dir,
        &[
            "summary",
            "--json",
            "--files",
            "--keep-ignored-sources",
            "esb.job1.v8.json",
        ],
    );
    assert_eq!(
        per_file_numbers(&json_of(&keep))[0],
        (
            "/tmp/covlens-fixtures/ts/node_modules/tiny-pad/index.js".to_string(),
            [8, 10, 3, 3, 2, 3]
        )
    );
    let off = run(
        &dir,
        &[
            "summary",
            "--json",
            "--files",
            "--no-source-maps",
            "tsc.job1.nyc-raw.json",
        ],
    );
    let paths: Vec<String> = per_file_numbers(&json_of(&off))
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(
        paths,
        [
            "/tmp/covlens-fixtures/ts/dist-tsc/main.js",
            "/tmp/covlens-fixtures/ts/dist-tsc/shapes.js"
        ]
    );
    let nyc = run(
        &dir,
        &["summary", "--json", "--files", "tsc.job2.nyc-raw.json"],
    );
    assert_eq!(
        per_file_numbers(&json_of(&nyc)),
        [
            (
                "/tmp/covlens-fixtures/ts/src/main.ts".to_string(),
                [13, 14, 2, 3, 2, 3]
            ),
            (
                "/tmp/covlens-fixtures/ts/src/shapes.ts".to_string(),
                [15, 17, 6, 8, 6, 6]
            ),
        ]
    );
}

/// Maps found in `--source-map-dir` by file name (the scripts here carry their text, as Playwright's
/// `page.coverage` does, under a URL whose folder does not exist, so nothing is read beside them);
/// the same .ts reached from two inputs merges into one file.
#[test]
fn source_map_dir_and_merge_after_remap() {
    let fixtures = ts_fixtures();
    let dir = scratch("source_map_dir");
    let mut dump: Value =
        serde_json::from_slice(&fs::read(fixtures.join("tsc.job1.v8.json")).unwrap()).unwrap();
    dump.as_object_mut().unwrap().remove("source-map-cache");
    let mut scripts = Vec::new();
    for s in dump["result"].as_array().unwrap() {
        let url = s["url"].as_str().unwrap();
        for name in ["main", "shapes"] {
            if url.ends_with(&format!("dist-tsc/{name}.js")) {
                // Written by hand to keep Playwright's key order (detection reads the first keys).
                let source =
                    fs::read_to_string(fixtures.join(format!("dist-tsc/{name}.js"))).unwrap();
                scripts.push(format!(
                    "{{\"url\":{},\"scriptId\":{},\"source\":{},\"functions\":{}}}",
                    json!(format!("file:///nonexistent/covlens/dist-tsc/{name}.js")),
                    s["scriptId"],
                    json!(source),
                    s["functions"]
                ));
            }
        }
    }
    fs::write(dir.join("page.json"), format!("[{}]", scripts.join(","))).unwrap();
    let maps = fixtures.join("dist-tsc");
    let out = run(
        &dir,
        &[
            "summary",
            "--json",
            "--files",
            "--source-map-dir",
            maps.to_str().unwrap(),
            "page.json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        per_file_numbers(&json_of(&out)),
        [
            (
                "/nonexistent/covlens/src/main.ts".to_string(),
                [19, 27, 2, 4, 1, 2]
            ),
            (
                "/nonexistent/covlens/src/shapes.ts".to_string(),
                [29, 36, 3, 7, 3, 5]
            ),
        ]
    );
    // Without the folder no map is found: the generated files are reported as they are.
    let plain = run(&dir, &["summary", "--json", "--files", "page.json"]);
    let paths: Vec<String> = per_file_numbers(&json_of(&plain))
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(
        paths,
        [
            "/nonexistent/covlens/dist-tsc/main.js",
            "/nonexistent/covlens/dist-tsc/shapes.js"
        ]
    );
    // tsc build (job1) and esbuild bundle (job2) reach the same two .ts files: merged into two files.
    let v8a = fixtures.join("tsc.job1.v8.json");
    let v8b = fixtures.join("esb.job2.v8.json");
    let merged = run(
        &dir,
        &[
            "merge",
            "-o",
            "-",
            v8a.to_str().unwrap(),
            v8b.to_str().unwrap(),
        ],
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    // (tsc.job1 also holds `node_modules/tiny-pad/index.js`, required without a map: left out as c8
    // does; the filter below keeps the check independent of that.)
    let sf: Vec<&str> = merged
        .stdout
        .lines()
        .filter(|l| l.starts_with("SF:") && l.contains("/src/"))
        .collect();
    assert_eq!(
        sf,
        [
            "SF:/tmp/covlens-fixtures/ts/src/main.ts",
            "SF:/tmp/covlens-fixtures/ts/src/shapes.ts"
        ]
    );
    // main.ts line 14 (`out.push(classify(-1))`) runs in job2 only: hit once after the merge.
    assert!(merged.stdout.contains("\nDA:14,1\n"), "{}", merged.stdout);
}

/// LCOV over generated JavaScript is remapped through the maps beside the scripts (relative `SF:`
/// paths are relative to where covlens runs), with the core's line rule; `--no-source-maps` keeps
/// the .js files. A V8 dump whose scripts include an unmapped library under node_modules leaves it
/// out as c8 does, so the totals equal c8's own summary.
#[test]
fn lcov_of_generated_code_is_remapped_and_node_modules_scripts_are_left_out_as_c8_does() {
    let dir = ts_fixtures();
    let out = run(&dir, &["summary", "--json", "--files", "tsc.job1.gen.lcov"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The numbers of the core's `lcov_lines_remap_to_ts` (see there why shapes.ts is 12/19, not nyc's 10/17).
    assert_eq!(
        per_file_numbers(&json_of(&out)),
        [
            ("src/main.ts".to_string(), [9, 14, 2, 4, 2, 3]),
            ("src/shapes.ts".to_string(), [12, 19, 3, 10, 3, 6]),
        ]
    );
    assert!(
        out.stderr.contains(
            "`dist-tsc/shapes.js`: 2 line(s) of generated code have no original position"
        ),
        "{}",
        out.stderr
    );
    let off = run(
        &dir,
        &[
            "summary",
            "--json",
            "--files",
            "--no-source-maps",
            "tsc.job1.gen.lcov",
        ],
    );
    let paths: Vec<String> = per_file_numbers(&json_of(&off))
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(paths, ["dist-tsc/main.js", "dist-tsc/shapes.js"]);

    for case in ["tsc.job1", "tsc.job2"] {
        let out = run(&dir, &["summary", "--json", &format!("{case}.v8.json")]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let c8: Value =
            serde_json::from_slice(&fs::read(dir.join(format!("{case}.c8-summary.json"))).unwrap())
                .unwrap();
        let v = json_of(&out);
        for (ours, theirs) in [
            ("lines", "lines"),
            ("branches", "branches"),
            ("functions", "functions"),
        ] {
            assert_eq!(
                (v[ours]["hit"].as_u64(), v[ours]["found"].as_u64()),
                (
                    c8["total"][theirs]["covered"].as_u64(),
                    c8["total"][theirs]["total"].as_u64()
                ),
                "{case} {ours}"
            );
        }
        assert!(
            out.stderr.contains("left out 1 original source(s) under node_modules or in a map's ignoreList (--keep-ignored-sources keeps them): /tmp/covlens-fixtures/ts/node_modules/tiny-pad/index.js"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn each_input_shows_the_fidelity_its_content_says() {
    // A Go profile's `mode:` line decides: `set` only says covered or not, `count` counts.
    let dir = fixtures_dir().join("go");
    let out = run(
        &dir,
        &["summary", "--json", "job1.set.out", "job1.count.out"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    assert_eq!(v["inputs"][0]["fidelity"]["lines"], "boolean");
    assert_eq!(v["inputs"][1]["fidelity"]["lines"], "counted");
    // The merge of a boolean and a counting input is a lower bound, and says so.
    assert_eq!(v["fidelity"]["lines"], "boolean");
    let text = run(&dir, &["summary", "job1.set.out"]);
    assert!(
        text.stdout
            .contains("lines boolean, branches absent, functions absent"),
        "{}",
        text.stdout
    );
}
