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
input   format  files  diagnostics
a.info  lcov        2            0
b.info  lcov        1            0

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
            "Merge inputs into one report (LCOV or Cobertura XML)\n",
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
            {"path": "c.xml", "format": "cobertura", "files": 1, "records": 1, "diagnostics": []},
            {"path": "j.xml", "format": "jacoco", "files": 1, "records": 1, "diagnostics": []},
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
input    format  files  diagnostics
bad.xml  failed      0            0
a.info   lcov        2            0

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
