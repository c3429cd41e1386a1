//! Deterministic benchmark inputs: a synthetic C++-monorepo-shaped codebase and its coverage as LCOV, Cobertura and JaCoCo bytes or as a model report.
//!
//! Every number derives from fixed seeds (SplitMix64), so a run is byte-identical to the last one and
//! shards of one "build" share their structure (file `i` always has the same lines, functions and
//! branches) while their hit counts differ, as real CI shards do. The shape follows
//! `shared/bench/gen_datasets.py` loosely: 200-1200-line files, a third of lines executable, some
//! 2- to 6-way branches, 10% of files never loaded, a few counts above 2^32.

#![allow(
    dead_code,
    reason = "each bench target uses a different part of the generator"
)]

use std::fmt::Write as _;

pub mod gcc_llvm;

use covlens_core::{
    Branch, BranchId, BranchName, FileCoverage, FileRecord, Function, Line, LineHit, Report,
    ReportBuilder,
};

/// SplitMix64: tiny, fast and good enough to shape benchmark data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True with probability `percent / 100`.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One function of a generated file.
pub struct GenFunction {
    pub name: String,
    pub start: u32,
    pub end: u32,
    pub hits: u64,
}

/// One generated source file and its hits in one run.
pub struct GenFile {
    /// Module index (a Cobertura package, a JaCoCo package).
    pub module: usize,
    /// File index within the codebase.
    pub index: usize,
    pub functions: Vec<GenFunction>,
    /// (line, hits), sorted by line.
    pub lines: Vec<(u32, u64)>,
    /// (line, taken per arm), sorted by line; `None`: never evaluated.
    pub branches: Vec<(u32, Vec<Option<u64>>)>,
}

const MODULES: usize = 40;

impl GenFile {
    /// The absolute path LCOV and the model use.
    pub fn path(&self) -> String {
        format!(
            "/home/runner/work/acme-engine/acme-engine/src/{}",
            self.relative_path()
        )
    }
    /// The path relative to the source root (Cobertura `filename`).
    pub fn relative_path(&self) -> String {
        format!("mod_{:02}/unit_{:05}.cpp", self.module, self.index)
    }
    /// The Java-style class name of JaCoCo output.
    pub fn class_name(&self) -> String {
        format!("Unit{:05}", self.index)
    }
}

fn mangled(file: usize, f: usize) -> String {
    let ns = format!("mod{:02}", file % MODULES);
    let cls = format!("Unit{file}");
    let func = format!("step{f}");
    format!(
        "_ZN4acme{}{}{}{}{}{}Ev",
        ns.len(),
        ns,
        cls.len(),
        cls,
        func.len(),
        func
    )
}

/// File `index` of the codebase, with the hits of run `run` (shards of one build share `index`
/// structure and differ by `run`).
pub fn gen_file(index: usize, run: u64) -> GenFile {
    let mut shape = Rng::new(index as u64);
    let mut hits = Rng::new((run << 32) ^ index as u64 ^ 0xC0DE);
    let unloaded = hits.chance(10);
    let scale = 1 + hits.below(4);
    let src_lines = 200 + shape.below(1000) as u32;
    let mut file = GenFile {
        module: index % MODULES,
        index,
        functions: Vec::new(),
        lines: Vec::new(),
        branches: Vec::new(),
    };
    let mut start = 1 + shape.below(20) as u32;
    let mut f = 0;
    while start + 5 < src_lines {
        let end = (start + 4 + shape.below(60) as u32).min(src_lines);
        let popular = shape.below(100);
        let entries = if unloaded || hits.chance(25 + popular / 3) {
            0
        } else if hits.chance(2) {
            // A hot function: counts past 2^32 exercise the u64 paths.
            (1u64 << 33) + hits.below(1 << 20)
        } else {
            let magnitude = hits.below(16);
            (1 + hits.below(1 << magnitude)) * scale
        };
        file.functions.push(GenFunction {
            name: mangled(index, f),
            start,
            end,
            hits: entries,
        });
        let mut skipped = false;
        for line in start..=end {
            if !shape.chance(35) && line != start {
                continue;
            }
            // The shape stream must not depend on hits, so shards keep one structure.
            let in_loop = shape.chance(10);
            let count = if entries == 0 || skipped {
                0
            } else if in_loop {
                entries.saturating_mul(2 + hits.below(300))
            } else {
                entries
            };
            file.lines.push((line, count));
            if line != start && shape.chance(15) {
                let arms = if shape.chance(80) {
                    2
                } else {
                    3 + shape.below(4) as usize
                };
                let taken: Vec<Option<u64>> = (0..arms)
                    .map(|_| {
                        if count == 0 {
                            if hits.chance(50) {
                                None
                            } else {
                                Some(0)
                            }
                        } else if hits.chance(30) {
                            Some(0)
                        } else {
                            Some(1 + hits.below(count.min(1 << 20)))
                        }
                    })
                    .collect();
                file.branches.push((line, taken));
                skipped = count > 0 && hits.chance(10);
            }
        }
        start = end + 1 + shape.below(8) as u32;
        f += 1;
    }
    file
}

/// Files `0..files` of run `run`.
pub fn gen_run(files: usize, run: u64) -> Vec<GenFile> {
    (0..files).map(|i| gen_file(i, run)).collect()
}

/// The run as an LCOV tracefile (lcov 1.x records, geninfo's order).
pub fn lcov(files: &[GenFile]) -> Vec<u8> {
    let mut s = String::new();
    for f in files {
        let _ = writeln!(s, "TN:\nSF:{}", f.path());
        for func in &f.functions {
            let _ = writeln!(s, "FN:{},{}", func.start, func.name);
        }
        for func in &f.functions {
            let _ = writeln!(s, "FNDA:{},{}", func.hits, func.name);
        }
        let fnh = f.functions.iter().filter(|x| x.hits > 0).count();
        let _ = writeln!(s, "FNF:{}\nFNH:{fnh}", f.functions.len());
        let (mut brf, mut brh) = (0, 0);
        for (line, arms) in &f.branches {
            for (i, t) in arms.iter().enumerate() {
                brf += 1;
                match t {
                    Some(n) => {
                        brh += usize::from(*n > 0);
                        let _ = writeln!(s, "BRDA:{line},0,{i},{n}");
                    }
                    None => {
                        let _ = writeln!(s, "BRDA:{line},0,{i},-");
                    }
                }
            }
        }
        let _ = writeln!(s, "BRF:{brf}\nBRH:{brh}");
        for (line, hits) in &f.lines {
            let _ = writeln!(s, "DA:{line},{hits}");
        }
        let lh = f.lines.iter().filter(|l| l.1 > 0).count();
        let _ = writeln!(s, "LF:{}\nLH:{lh}\nend_of_record", f.lines.len());
    }
    s.into_bytes()
}

fn rate(hit: usize, found: usize) -> String {
    if found == 0 {
        "1.0".to_string()
    } else {
        format!("{:.5}", hit as f64 / found as f64)
    }
}

fn line_counts(f: &GenFile) -> (usize, usize) {
    (f.lines.iter().filter(|l| l.1 > 0).count(), f.lines.len())
}

fn branch_counts(f: &GenFile) -> (usize, usize) {
    let found = f.branches.iter().map(|b| b.1.len()).sum();
    let hit = f
        .branches
        .iter()
        .flat_map(|b| b.1.iter())
        .filter(|t| t.unwrap_or(0) > 0)
        .count();
    (hit, found)
}

/// The run as Cobertura XML, shaped like gcovr's output (methods with their lines, then the
/// class's lines with `condition-coverage`).
pub fn cobertura(files: &[GenFile]) -> Vec<u8> {
    let mut by_module: Vec<Vec<&GenFile>> = vec![Vec::new(); MODULES];
    for f in files {
        by_module[f.module].push(f);
    }
    let (mut lh, mut lf, mut bh, mut bf) = (0, 0, 0, 0);
    for f in files {
        let (h, n) = line_counts(f);
        lh += h;
        lf += n;
        let (h, n) = branch_counts(f);
        bh += h;
        bf += n;
    }
    let mut s = String::new();
    s.push_str("<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE coverage SYSTEM 'http://cobertura.sourceforge.net/xml/coverage-04.dtd'>\n");
    let _ = writeln!(
        s,
        r#"<coverage line-rate="{}" branch-rate="{}" lines-covered="{lh}" lines-valid="{lf}" branches-covered="{bh}" branches-valid="{bf}" complexity="0.0" timestamp="1700000000" version="gcovr 8.8">"#,
        rate(lh, lf),
        rate(bh, bf)
    );
    s.push_str("  <sources>\n    <source>/home/runner/work/acme-engine/acme-engine/src</source>\n  </sources>\n  <packages>\n");
    for (m, module) in by_module.iter().enumerate().filter(|m| !m.1.is_empty()) {
        let _ = writeln!(
            s,
            r#"    <package name="mod_{m:02}" line-rate="0.5" branch-rate="0.5" complexity="0.0">"#
        );
        s.push_str("      <classes>\n");
        for f in module {
            let (h, n) = line_counts(f);
            let (bhit, bfound) = branch_counts(f);
            let _ = writeln!(
                s,
                r#"        <class name="unit_{:05}_cpp" filename="{}" line-rate="{}" branch-rate="{}" complexity="0.0">"#,
                f.index,
                f.relative_path(),
                rate(h, n),
                rate(bhit, bfound)
            );
            s.push_str("          <methods>\n");
            let mut li = 0;
            for func in &f.functions {
                let _ = writeln!(
                    s,
                    r#"            <method name="{}" signature="" line-rate="{}" branch-rate="1.0" complexity="0.0">"#,
                    func.name,
                    if func.hits > 0 { "1.0" } else { "0.0" }
                );
                s.push_str("              <lines>\n");
                while li < f.lines.len() && f.lines[li].0 <= func.end {
                    if f.lines[li].0 >= func.start {
                        let _ = writeln!(
                            s,
                            r#"                <line number="{}" hits="{}" branch="false"/>"#,
                            f.lines[li].0, f.lines[li].1
                        );
                    }
                    li += 1;
                }
                s.push_str("              </lines>\n            </method>\n");
            }
            s.push_str("          </methods>\n          <lines>\n");
            let mut bi = 0;
            for (line, hits) in &f.lines {
                while bi < f.branches.len() && f.branches[bi].0 < *line {
                    bi += 1;
                }
                match f.branches.get(bi).filter(|b| b.0 == *line) {
                    Some((_, arms)) => {
                        let covered = arms.iter().filter(|t| t.unwrap_or(0) > 0).count();
                        let pct = covered * 100 / arms.len();
                        let _ = writeln!(
                            s,
                            r#"            <line number="{line}" hits="{hits}" branch="true" condition-coverage="{pct}% ({covered}/{})">"#,
                            arms.len()
                        );
                        let _ = writeln!(
                            s,
                            "              <conditions>\n                <condition number=\"0\" type=\"jump\" coverage=\"{pct}%\"/>\n              </conditions>\n            </line>"
                        );
                    }
                    None => {
                        let _ = writeln!(
                            s,
                            r#"            <line number="{line}" hits="{hits}" branch="false"/>"#
                        );
                    }
                }
            }
            s.push_str("          </lines>\n        </class>\n");
        }
        s.push_str("      </classes>\n    </package>\n");
    }
    s.push_str("  </packages>\n</coverage>\n");
    s.into_bytes()
}

fn counter(s: &mut String, indent: &str, kind: &str, missed: usize, covered: usize) {
    let _ = writeln!(
        s,
        r#"{indent}<counter type="{kind}" missed="{missed}" covered="{covered}"/>"#
    );
}

/// The run as a JaCoCo XML report (classes with method counters, then source files with per-line
/// `mi`/`ci`/`mb`/`cb`).
pub fn jacoco(files: &[GenFile]) -> Vec<u8> {
    let mut by_module: Vec<Vec<&GenFile>> = vec![Vec::new(); MODULES];
    for f in files {
        by_module[f.module].push(f);
    }
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\">\n<report name=\"acme-engine\">\n  <sessioninfo id=\"ci-1\" start=\"1700000000000\" dump=\"1700000100000\"/>\n");
    for (m, module) in by_module.iter().enumerate().filter(|m| !m.1.is_empty()) {
        let _ = writeln!(s, r#"  <package name="com/acme/mod{m:02}">"#);
        for f in module {
            let cls = f.class_name();
            let _ = writeln!(
                s,
                r#"    <class name="com/acme/mod{m:02}/{cls}" sourcefilename="{cls}.java">"#
            );
            for func in &f.functions {
                let n_lines = f
                    .lines
                    .iter()
                    .filter(|l| l.0 >= func.start && l.0 <= func.end)
                    .count();
                let hit = func.hits > 0;
                let _ = writeln!(
                    s,
                    r#"      <method name="step{}" desc="()V" line="{}">"#,
                    func.start, func.start
                );
                let (mi, ci) = if hit {
                    (0, n_lines * 3)
                } else {
                    (n_lines * 3, 0)
                };
                counter(&mut s, "        ", "INSTRUCTION", mi, ci);
                let (ml, cl) = if hit { (0, n_lines) } else { (n_lines, 0) };
                counter(&mut s, "        ", "LINE", ml, cl);
                counter(
                    &mut s,
                    "        ",
                    "METHOD",
                    usize::from(!hit),
                    usize::from(hit),
                );
                s.push_str("      </method>\n");
            }
            s.push_str("    </class>\n");
            let _ = writeln!(s, r#"    <sourcefile name="{cls}.java">"#);
            let mut bi = 0;
            for (line, hits) in &f.lines {
                while bi < f.branches.len() && f.branches[bi].0 < *line {
                    bi += 1;
                }
                let (mb, cb) = match f.branches.get(bi).filter(|b| b.0 == *line) {
                    Some((_, arms)) => {
                        let c = arms.iter().filter(|t| t.unwrap_or(0) > 0).count();
                        (arms.len() - c, c)
                    }
                    None => (0, 0),
                };
                let (mi, ci) = if *hits > 0 { (0, 3) } else { (3, 0) };
                let _ = writeln!(
                    s,
                    r#"      <line nr="{line}" mi="{mi}" ci="{ci}" mb="{mb}" cb="{cb}"/>"#
                );
            }
            let (h, n) = line_counts(f);
            counter(&mut s, "      ", "LINE", n - h, h);
            s.push_str("    </sourcefile>\n");
        }
        s.push_str("  </package>\n");
    }
    s.push_str("</report>\n");
    s.into_bytes()
}

/// The run as a model report, built through the same sink the parsers push into (so merge benches
/// do not depend on any parser).
pub fn report(files: &[GenFile]) -> Report {
    let mut builder =
        ReportBuilder::new(covlens_core::formats::fidelity(covlens_core::Format::Lcov));
    for f in files {
        let line = |n: u32| Line::new(n).expect("generated lines are 1-based");
        let coverage = FileCoverage {
            lines: f
                .lines
                .iter()
                .map(|&(l, hits)| LineHit {
                    line: line(l),
                    hits,
                })
                .collect(),
            branches: f
                .branches
                .iter()
                .flat_map(|(l, arms)| {
                    arms.iter().enumerate().map(move |(i, &taken)| Branch {
                        line: line(*l),
                        id: BranchId {
                            block: 0,
                            branch: BranchName::Index(i as u32),
                            flags: 0,
                        },
                        taken,
                    })
                })
                .collect(),
            functions: f
                .functions
                .iter()
                .map(|func| Function {
                    name: func.name.clone(),
                    start: line(func.start),
                    end: Some(line(func.end)),
                    hits: func.hits,
                })
                .collect(),
            ..FileCoverage::default()
        };
        builder.push(FileRecord {
            path: f.path(),
            coverage,
        });
    }
    builder.finish().0
}

/// About how many files make `bytes` of `render`'s output (from the mean size of the first 20).
pub fn files_for_size(bytes: usize, render: fn(&[GenFile]) -> Vec<u8>) -> usize {
    let per_file = render(&gen_run(20, 0)).len() / 20;
    (bytes / per_file.max(1)).max(1)
}

/// The shared benchmark dataset folder (`gen_datasets.py --out DIR`) named by `COVLENS_BENCH_DATA`.
#[allow(
    clippy::disallowed_methods,
    reason = "benches are not the library: reading the environment here keeps the core sans-IO"
)]
pub fn dataset_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(std::env::var_os("COVLENS_BENCH_DATA")?);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "COVLENS_BENCH_DATA={} is not a folder: dataset benches skipped",
            dir.display()
        );
        None
    }
}

/// The bytes of `rel` under the dataset folder, or `None` (with a notice) when it is missing.
#[allow(
    clippy::disallowed_methods,
    reason = "benches are not the library: they read their inputs from disk"
)]
pub fn dataset_file(dir: &std::path::Path, rel: &str) -> Option<Vec<u8>> {
    match std::fs::read(dir.join(rel)) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("dataset file {rel} not read ({e}): its bench is skipped");
            None
        }
    }
}

/// Whether `format`'s parser accepts `bytes`; prints why a bench is skipped when it does not.
pub fn parser_ready(format: covlens_core::Format, what: &str, bytes: &[u8]) -> bool {
    match covlens_core::parse_bytes_as(format, bytes, &covlens_core::ParseOptions::default()) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("{what}: parser failed ({}), bench skipped", e.message);
            false
        }
    }
}

/// The run as a Go coverprofile (`mode: count`): one block per generated line, of 1 to 3
/// statements, in the order `go test` writes them (by file, blocks in source order).
pub fn go(files: &[GenFile]) -> Vec<u8> {
    let mut s = String::from("mode: count\n");
    for f in files {
        let path = format!(
            "github.com/acme/engine/mod_{:02}/unit_{:05}.go",
            f.module, f.index
        );
        for (line, hits) in &f.lines {
            let _ = writeln!(
                s,
                "{path}:{line}.2,{}.{} {} {hits}",
                line + 1,
                2 + line % 40,
                1 + line % 3
            );
        }
    }
    s.into_bytes()
}

/// The run as a coverage.py JSON report (format 3, one line as `coverage json` writes it): hit lines
/// executed, the others missing; each branch arm an arc to the following lines; functions as regions.
pub fn coveragepy_json(files: &[GenFile]) -> Vec<u8> {
    let list = |v: &mut String, items: &mut dyn Iterator<Item = String>| {
        v.push('[');
        for (i, x) in items.enumerate() {
            if i > 0 {
                v.push_str(", ");
            }
            v.push_str(&x);
        }
        v.push(']');
    };
    let mut s = String::from(
        r#"{"meta": {"format": 3, "version": "7.17.3", "timestamp": "2024-01-01T00:00:00.000000", "branch_coverage": true, "show_contexts": false}, "files": {"#,
    );
    for (n, f) in files.iter().enumerate() {
        if n > 0 {
            s.push_str(", ");
        }
        let _ = write!(
            s,
            r#""acme/mod_{:02}/unit_{:05}.py": {{"executed_lines": "#,
            f.module, f.index
        );
        list(
            &mut s,
            &mut f.lines.iter().filter(|l| l.1 > 0).map(|l| l.0.to_string()),
        );
        s.push_str(r#", "missing_lines": "#);
        list(
            &mut s,
            &mut f.lines.iter().filter(|l| l.1 == 0).map(|l| l.0.to_string()),
        );
        s.push_str(r#", "excluded_lines": [], "executed_branches": "#);
        let arcs = |taken: bool| {
            f.branches.iter().flat_map(move |(line, arms)| {
                arms.iter()
                    .enumerate()
                    .filter(move |(_, t)| (t.unwrap_or(0) > 0) == taken)
                    .map(move |(i, _)| format!("[{line}, {}]", line + 1 + i as u32))
            })
        };
        list(&mut s, &mut arcs(true));
        s.push_str(r#", "missing_branches": "#);
        list(&mut s, &mut arcs(false));
        let (hit, found) = line_counts(f);
        let _ = write!(
            s,
            r#", "summary": {{"covered_lines": {hit}, "num_statements": {found}}}, "functions": {{"#
        );
        for (i, func) in f.functions.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, r#""step{i}": {{"executed_lines": "#);
            let body = || {
                f.lines
                    .iter()
                    .filter(|l| l.0 > func.start && l.0 <= func.end)
            };
            list(
                &mut s,
                &mut body().filter(|l| l.1 > 0).map(|l| l.0.to_string()),
            );
            s.push_str(r#", "missing_lines": "#);
            list(
                &mut s,
                &mut body().filter(|l| l.1 == 0).map(|l| l.0.to_string()),
            );
            let _ = write!(s, r#", "start_line": {}}}"#, func.start);
        }
        s.push_str("}}");
    }
    s.push_str("}}\n");
    s.into_bytes()
}
