//! Corpus sweep: every file of ../shared/corpus goes through `open` (the zip/gzip-aware front door) and
//! `parse_read` with the detected format; nothing panics, both doors agree, and the list of files that
//! yield a diagnostic, an error or no format at all is exactly `corpus_sweep.expected` beside this test.
//!
//! The expectation table is data: one line per input that is not clean, `path<TAB>severity<TAB>first
//! message`, where severity is the first diagnostic's (`note`, `warning`), `error` (the input could not
//! be read as its format) or `undetected` (no format matched: sample sources, not reports). A change in
//! any parser's diagnostics on real inputs shows up here as a diff. Regenerate after a deliberate change
//! with `COVLENS_BLESS=1 cargo test -p covlens-core --test corpus_sweep`, and review the diff.

#![allow(
    clippy::disallowed_methods,
    reason = "the test reads the shared corpus and its expectation file; the library itself does no IO"
)]

mod common;

use std::io::BufReader;
use std::path::{Path, PathBuf};

use covlens_core::{open, parse_read, Loaded, ParseOptions, Totals};

const EXPECTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus_sweep.expected");

/// Folders and extensions that are not coverage reports: the schemas, source maps (another task's
/// input), and the corpus' own documentation.
fn skipped(rel: &str) -> bool {
    rel.starts_with("specs/")
        || rel.starts_with("sourcemaps/")
        || rel.ends_with(".md")
        || rel.ends_with(".tsv")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// One line of the table, or None for a clean input; also checks the loaded report.
fn line_of(name: &str, loaded: &Loaded) -> Option<String> {
    for (path, fc) in &loaded.report.files {
        fc.check_invariants()
            .unwrap_or_else(|e| panic!("{name}: {path}: {e}"));
    }
    // totals are computable and bounded (hit <= found) for every metric
    let t = Totals::of_report(&loaded.report);
    for (kind, c) in [
        ("lines", t.lines),
        ("branches", t.branches),
        ("functions", t.functions),
    ] {
        assert!(
            c.hit <= c.found,
            "{name}: {kind} hit {} > found {}",
            c.hit,
            c.found
        );
    }
    let first = loaded.diagnostics.first()?;
    let at = first.position.map(|p| format!("{p}: ")).unwrap_or_default();
    let more = match loaded.diagnostics.len() {
        1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    Some(format!(
        "{name}\t{}\t{} {at}{}{more}",
        first.severity,
        loaded.format.id(),
        first.message
    ))
}

#[test]
fn every_corpus_file_loads_and_its_diagnostics_are_the_listed_ones() {
    let Some(root) = common::corpus() else {
        return;
    };
    let mut files = Vec::new();
    walk(&root, &mut files);
    let opts = ParseOptions::default();
    let mut table = Vec::new();
    let mut swept = 0;
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if skipped(&rel) {
            continue;
        }
        swept += 1;
        let bytes = std::fs::read(path).unwrap();
        let opening = open(&rel, &bytes, &opts);
        assert!(!opening.opened.is_empty(), "{rel}: open gave nothing");
        for o in &opening.opened {
            match (&o.result, o.format) {
                (Ok(loaded), _) => {
                    if let Some(l) = line_of(&o.name, loaded) {
                        table.push(l);
                    }
                }
                (Err(e), Some(f)) => table.push(format!(
                    "{}\terror\t{} {}",
                    o.name,
                    f.id(),
                    e.render("input")
                )),
                (Err(e), None) => table.push(format!("{}\tundetected\t{}", o.name, e.message)),
            }
        }
        // The streaming door with the detected format (gzip is decompressed on the way) must give what
        // the slice door gave. An archive's entries have no stream of their own: the archive is the input.
        if !opening.is_archive {
            let o = &opening.opened[0];
            if let Some(format) = o.format {
                let streamed = parse_read(format, BufReader::with_capacity(61, &bytes[..]), &opts);
                match (&o.result, &streamed) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a.report, b.report, "{rel}: open and parse_read disagree");
                        assert_eq!(
                            a.diagnostics, b.diagnostics,
                            "{rel}: open and parse_read diagnostics differ"
                        );
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{rel}: the two doors fail differently"),
                    (a, b) => panic!(
                        "{rel}: one door failed: open {:?}, parse_read {:?}",
                        a.as_ref().err(),
                        b.as_ref().err()
                    ),
                }
            }
        }
    }
    assert!(swept >= 100, "only {swept} corpus files swept");
    let got = table.join("\n") + "\n";
    if std::env::var_os("COVLENS_BLESS").is_some() {
        std::fs::write(EXPECTED, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(EXPECTED).unwrap_or_default();
    if got != want {
        let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
        let added: Vec<&&str> = g.iter().filter(|l| !w.contains(l)).collect();
        let gone: Vec<&&str> = w.iter().filter(|l| !g.contains(l)).collect();
        panic!(
            "corpus diagnostics changed (COVLENS_BLESS=1 rewrites {EXPECTED} after review)\nnew:\n{}\ngone:\n{}",
            added.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"),
            gone.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"),
        );
    }
}
