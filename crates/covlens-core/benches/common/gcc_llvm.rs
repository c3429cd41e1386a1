//! Benchmark inputs in the gcov text, gcov JSON, gcovr JSON, llvm-cov export JSON and Codecov JSON formats, rendered from the same generated runs as the other formats.

use std::fmt::Write as _;

use super::GenFile;

/// A gcov count field (`#####` for 0), right-aligned in 9 columns as gcov writes it.
fn gcov_count(hits: u64) -> String {
    if hits == 0 {
        "#####".to_string()
    } else {
        hits.to_string()
    }
}

/// The run as classic gcov text (`gcov -b -c`), one `Source:` record per file, every source line
/// listed (`-` where there is no code), `function` lines before their first line, branch lines
/// after theirs.
pub fn gcov_text(files: &[GenFile]) -> Vec<u8> {
    let mut s = String::new();
    for f in files {
        let _ = writeln!(
            s,
            "        -:    0:Source:{}\n        -:    0:Graph:unit.gcno\n        -:    0:Data:unit.gcda\n        -:    0:Runs:1",
            f.path()
        );
        let last = f.lines.last().map_or(0, |l| l.0);
        let (mut li, mut bi, mut fi) = (0, 0, 0);
        for n in 1..=last {
            while fi < f.functions.len() && f.functions[fi].start <= n {
                let func = &f.functions[fi];
                let _ = writeln!(
                    s,
                    "function {} called {} returned 100% blocks executed 80%",
                    func.name, func.hits
                );
                fi += 1;
            }
            match f.lines.get(li) {
                Some(&(line, hits)) if line == n => {
                    let _ = writeln!(
                        s,
                        "{:>9}:{n:>5}:    total += step(x, {n});",
                        gcov_count(hits)
                    );
                    li += 1;
                }
                _ => {
                    let _ = writeln!(s, "        -:{n:>5}:    // line {n}");
                }
            }
            if let Some((line, arms)) = f.branches.get(bi) {
                if *line == n {
                    for (i, t) in arms.iter().enumerate() {
                        let _ = match t {
                            Some(c) => writeln!(s, "branch {i:>2} taken {c}"),
                            None => writeln!(s, "branch {i:>2} never executed"),
                        };
                    }
                    bi += 1;
                }
            }
        }
    }
    s.into_bytes()
}

/// The run as gcov JSON (`gcov --json-format`, format 1), one document for all files; with
/// `gcovr`, gcovr's JSON instead (its format version, `lineno`, no gcov header keys).
fn gcc_json(files: &[GenFile], gcovr: bool) -> Vec<u8> {
    let mut s = if gcovr {
        String::from(r#"{"gcovr/format_version": "0.15", "files": ["#)
    } else {
        String::from(
            r#"{"format_version": "1", "gcc_version": "12.2.0", "current_working_directory": "/home/runner/work/acme-engine/acme-engine/build", "data_file": "all.gcda", "files": ["#,
        )
    };
    for (n, f) in files.iter().enumerate() {
        if n > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, r#"{{"file": "{}", "functions": ["#, f.path());
        for (i, func) in f.functions.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            if gcovr {
                let _ = write!(
                    s,
                    r#"{{"name": "{}", "lineno": {}, "execution_count": {}, "blocks_percent": 80.0}}"#,
                    func.name, func.start, func.hits
                );
            } else {
                let _ = write!(
                    s,
                    r#"{{"blocks": 5, "end_column": 1, "start_line": {}, "name": "{}", "blocks_executed": 4, "execution_count": {}, "demangled_name": "acme::{}()", "start_column": 1, "end_line": {}}}"#,
                    func.start, func.name, func.hits, func.name, func.end
                );
            }
        }
        s.push_str(r#"], "lines": ["#);
        let mut bi = 0;
        for (i, (line, hits)) in f.lines.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(r#"{"branches": ["#);
            if let Some((bl, arms)) = f.branches.get(bi) {
                if bl == line {
                    for (k, t) in arms.iter().enumerate() {
                        if k > 0 {
                            s.push_str(", ");
                        }
                        if gcovr {
                            // gcovr 8 keys a line's branches by their blocks.
                            let _ = write!(
                                s,
                                r#"{{"branchno": {k}, "count": {}, "fallthrough": {}, "throw": false, "source_block_id": 2, "destination_block_id": {}}}"#,
                                t.unwrap_or(0),
                                k == 0,
                                k + 3
                            );
                        } else {
                            let _ = write!(
                                s,
                                r#"{{"count": {}, "fallthrough": {}, "throw": false}}"#,
                                t.unwrap_or(0),
                                k == 0
                            );
                        }
                    }
                    bi += 1;
                }
            }
            let _ = write!(
                s,
                r#"], "count": {hits}, "line_number": {line}, "unexecuted_block": {}, "function_name": "step"}}"#,
                *hits == 0
            );
        }
        s.push_str("]}");
    }
    s.push_str("]}");
    s.into_bytes()
}

pub fn gcov_json(files: &[GenFile]) -> Vec<u8> {
    gcc_json(files, false)
}

pub fn gcovr_json(files: &[GenFile]) -> Vec<u8> {
    gcc_json(files, true)
}

/// The run as an llvm-cov export (`llvm-cov export -format=text`, compact as llvm-cov writes it):
/// per file a region per line (a region-entry segment and an end segment), the first two arms of
/// each branch as a branch region; per function one record whose region spans its lines.
pub fn llvm_cov_json(files: &[GenFile]) -> Vec<u8> {
    let mut s = String::from(r#"{"data":[{"files":["#);
    for (n, f) in files.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        s.push_str(r#"{"branches":["#);
        for (i, (line, arms)) in f.branches.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let t = arms.first().copied().flatten().unwrap_or(0);
            let e = arms.get(1).copied().flatten().unwrap_or(0);
            let _ = write!(s, "[{line},5,{line},20,{t},{e},0,0,4]");
        }
        let _ = write!(
            s,
            r#"],"expansions":[],"filename":"{}","mcdc_records":[],"segments":["#,
            f.path()
        );
        for (i, (line, hits)) in f.lines.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "[{line},5,{hits},true,true,false],[{line},40,0,false,false,false]"
            );
        }
        s.push_str(r#"],"summary":{}}"#);
    }
    s.push_str(r#"],"functions":["#);
    let mut first = true;
    for f in files {
        for func in &f.functions {
            if !first {
                s.push(',');
            }
            first = false;
            let _ = write!(
                s,
                r#"{{"branches":[],"count":{},"filenames":["{}"],"mcdc_records":[],"name":"{}","regions":[[{},1,{},2,{},0,0,0]]}}"#,
                func.hits,
                f.path(),
                func.name,
                func.start,
                func.end,
                func.hits
            );
        }
    }
    s.push_str(r#"],"totals":{}}],"type":"llvm.coverage.json.export","version":"2.0.1"}"#);
    s.into_bytes()
}

/// The run as Codecov JSON: hits per line, `covered/total` on branch lines.
pub fn codecov_json(files: &[GenFile]) -> Vec<u8> {
    let mut s = String::from(r#"{"coverage":{"#);
    for (n, f) in files.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        let _ = write!(s, r#""{}":{{"#, f.path());
        let mut bi = 0;
        for (i, (line, hits)) in f.lines.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            match f.branches.get(bi) {
                Some((bl, arms)) if bl == line => {
                    let covered = arms.iter().filter(|t| t.unwrap_or(0) > 0).count();
                    let _ = write!(s, r#""{line}":"{covered}/{}""#, arms.len());
                    bi += 1;
                }
                _ => {
                    let _ = write!(s, r#""{line}":{hits}"#);
                }
            }
        }
        s.push('}');
    }
    s.push_str("}}");
    s.into_bytes()
}
