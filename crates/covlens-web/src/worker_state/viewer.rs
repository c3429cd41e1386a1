//! The worker's side of loading folders and source folders, and of sources inside zips: folder loads
//! skip (and count) files that are neither reports nor text, source folders feed only the
//! [`SourceIndex`](crate::source::SourceIndex), and the text entries of a zip that are not reports
//! become source files. Plain Rust, tested natively (a child module of [`super`], so it reaches the state).

use covlens_core::zip::{OtherEntry, SEPARATOR};
use covlens_core::{Diagnostic, Loaded, ParseError, ShardId, ShardSet};

use super::WorkerState;
use crate::protocol::LoadError;
use crate::source::{as_text, looks_like_report_name};

/// The largest entry of a zip kept as source text (larger ones are skipped): 4 MiB, as for a file of a
/// source folder (see [`crate::loading::SOURCE_FILE_MAX`]).
pub const ZIP_SOURCE_MAX: u64 = crate::loading::SOURCE_FILE_MAX;

/// How many names a notice lists.
const NAMES_SHOWN: usize = 5;

/// A folder being loaded: what it started from, and the files skipped so far.
#[derive(Debug, Default)]
pub(super) struct FolderLoad {
    name: String,
    shards_before: usize,
    sources_before: usize,
    errors_before: usize,
    skipped: Vec<String>,
}

/// `N files of NAME are ... : a, b, c, ...` (the first few names, relative to `name`).
fn notice(n_names: &[String], name: &str, one: &str, many: &str) -> String {
    let n = n_names.len();
    let prefix = format!("{name}/");
    let mut names: Vec<&str> = n_names
        .iter()
        .take(NAMES_SHOWN)
        .map(|s| s.strip_prefix(&prefix).unwrap_or(s))
        .collect();
    if n > NAMES_SHOWN {
        names.push("...");
    }
    let what = if n == 1 { one } else { many };
    format!("{n} {}: {}", what.replace("{name}", name), names.join(", "))
}

/// The source name of a zip entry: `artifact.zip!src/main.c` → `artifact.zip/src/main.c`, so its
/// path segments match report paths by suffix.
pub fn zip_source_name(entry: &str) -> String {
    entry.replace(SEPARATOR, "/")
}

fn unrecognised(e: &ParseError) -> bool {
    e.format.is_none() && e.message.starts_with("unrecognised content")
}

impl WorkerState {
    /// The loaded shards.
    pub fn shard_set(&self) -> &ShardSet {
        &self.shards
    }

    /// The inputs that failed, in load order.
    pub fn load_errors(&self) -> &[LoadError] {
        &self.errors
    }

    /// File records the input of `shard` held (a file repeated in it counts each time).
    pub fn records_of(&self, shard: ShardId) -> u64 {
        self.records
            .iter()
            .find(|(id, _)| *id == shard)
            .map_or(0, |(_, n)| *n)
    }

    /// Starts loading the files of folder `name`: until [`Self::end_folder`], a file that is neither a
    /// report nor text is skipped and counted rather than listed as a failed input.
    pub fn begin_folder(&mut self, name: &str) {
        self.folder = Some(FolderLoad {
            name: name.to_string(),
            shards_before: self.shards.shards().len(),
            sources_before: self.sources.len(),
            errors_before: self.errors.len(),
            skipped: Vec::new(),
        });
    }

    /// Whether a failed input is skipped as part of a folder load (it is recorded there).
    pub(super) fn skipped_in_folder(&mut self, name: &str, e: &ParseError) -> bool {
        match &mut self.folder {
            Some(f) if unrecognised(e) => {
                f.skipped.push(name.to_string());
                true
            }
            _ => false,
        }
    }

    /// Ends a folder load: notes on its first shard say which files were skipped and how many were kept
    /// as source text; a folder that gave nothing at all is a failed input naming the folder.
    pub fn end_folder(&mut self) {
        let Some(f) = self.folder.take() else {
            return;
        };
        let kept = self.sources.len().saturating_sub(f.sources_before);
        let mut notes = Vec::new();
        if !f.skipped.is_empty() {
            notes.push(notice(
                &f.skipped,
                &f.name,
                "file of {name} is neither a coverage report nor text, skipped",
                "files of {name} are neither coverage reports nor text, skipped",
            ));
        }
        if kept > 0 {
            notes.push(format!(
                "{kept} {} of {} kept as source text for the source view",
                if kept == 1 { "file" } else { "files" },
                f.name
            ));
        }
        let first = self.shards.shards().get(f.shards_before).map(|s| {
            (
                s.id,
                Loaded {
                    format: s.format,
                    report: s.report.clone(),
                    diagnostics: s
                        .diagnostics
                        .iter()
                        .cloned()
                        .chain(notes.iter().map(|n| Diagnostic::note(None, n.clone())))
                        .collect(),
                    records: 0,
                },
            )
        });
        match first {
            Some((id, loaded)) if !notes.is_empty() => {
                self.shards.replace(id, loaded);
            }
            Some(_) => {}
            None if kept == 0 && self.errors.len() == f.errors_before => {
                let why = if f.skipped.is_empty() {
                    "no coverage reports in the folder (it is empty)".to_string()
                } else {
                    format!("no coverage reports in the folder ({})", notes[0])
                };
                let bytes = 0;
                self.errors.push(LoadError {
                    name: f.name.clone(),
                    bytes,
                    message: ParseError::new(None, None, why).render(&f.name),
                });
            }
            None => {}
        }
    }

    /// Keeps a file of a source folder as source text (never as a report); false when it is not text.
    pub fn add_source(&mut self, name: &str, bytes: &[u8]) -> bool {
        // A source map in a source folder is a map (it may remap shards already loaded).
        if self.take_source_map(name, bytes) {
            return true;
        }
        let Some(text) = as_text(bytes) else {
            return false;
        };
        self.sources.add(name, text.to_string());
        self.reconvert_v8();
        self.remap_refresh(false);
        true
    }

    /// Keeps the entries of an archive that are text and not named like reports as source files (see
    /// [`zip_source_name`]); the others go to `skipped`. Gives the note naming the kept ones, if any.
    pub(super) fn keep_zip_sources(
        &mut self,
        archive: &str,
        others: Vec<OtherEntry>,
        skipped: &mut Vec<String>,
    ) -> Option<String> {
        let mut kept: Vec<String> = Vec::new();
        for o in others {
            let inner = o
                .name
                .rsplit_once(SEPARATOR)
                .map_or(o.name.as_str(), |(_, p)| p);
            if self.take_source_map(&zip_source_name(&o.name), &o.bytes) {
                kept.push(o.name.clone());
                continue;
            }
            match as_text(&o.bytes) {
                Some(text) if !looks_like_report_name(inner) => {
                    self.sources
                        .add(&zip_source_name(&o.name), text.to_string());
                    kept.push(o.name.clone());
                }
                _ => skipped.push(o.name),
            }
        }
        if kept.is_empty() {
            return None;
        }
        self.reconvert_v8();
        let prefix = format!("{archive}{SEPARATOR}");
        let shown: Vec<String> = kept
            .iter()
            .map(|k| k.strip_prefix(&prefix).unwrap_or(k).to_string())
            .collect();
        Some(notice(
            &shown,
            archive,
            "entry of {name} is not a coverage report, kept as source text",
            "entries of {name} are not coverage reports, kept as source text",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/zip/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn e2e_fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/e2e/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_folder_skips_what_is_neither_report_nor_text_and_keeps_sources() {
        let mut st = WorkerState::new();
        st.begin_folder("artifacts");
        st.load_bytes("artifacts/job1/unit.info", &e2e_fixture("unit.info"));
        st.load_bytes("artifacts/job1/main.gcda", b"adcg\0\0\x01\x02");
        st.load_bytes("artifacts/package.json", b"{\"name\": \"x\"}");
        st.load_bytes("artifacts/src/main.c", b"int main(void) { return 0; }\n");
        st.load_bytes(
            "artifacts/job2/broken.xml",
            &e2e_fixture("truncated-cobertura.xml"),
        );
        st.end_folder();
        let v = st.view();
        let names: Vec<&str> = v.shards.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["artifacts/job1/unit.info"]);
        // A report that is broken is still a failed input.
        assert_eq!(v.errors.len(), 1);
        assert_eq!(v.errors[0].name, "artifacts/job2/broken.xml");
        assert_eq!(st.source_files(), 1);
        assert_eq!(
            v.shards[0].diagnostics,
            [
                "artifacts/job1/unit.info: note: 2 files of artifacts are neither coverage reports nor text, skipped: job1/main.gcda, package.json",
                "artifacts/job1/unit.info: note: 1 file of artifacts kept as source text for the source view",
            ]
        );
        // The shard's numbers are unchanged by the note.
        assert_eq!(v.summary.lines.found, 13);
        assert_eq!(st.records_of(ShardId(v.shards[0].id)), 2);
        // Outside a folder load, an unrecognised file is a failed input again.
        st.load_bytes("x.bin", b"\0\x01");
        assert_eq!(st.view().errors.len(), 2);
    }

    #[test]
    fn a_folder_with_nothing_in_it_is_one_failed_input() {
        let mut st = WorkerState::new();
        st.begin_folder("empty");
        st.end_folder();
        st.begin_folder("pics");
        st.load_bytes("pics/a.png", b"\x89PNG\r\n\x1a\n\0\0");
        st.end_folder();
        // Sources only: nothing to complain about.
        st.begin_folder("src");
        st.load_bytes("src/a.c", b"int a;\n");
        st.end_folder();
        let v = st.view();
        let errors: Vec<&str> = v.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            errors,
            [
                "empty: failed to read: no coverage reports in the folder (it is empty)",
                "pics: failed to read: no coverage reports in the folder (1 file of pics is neither a coverage report nor text, skipped: a.png)",
            ]
        );
        assert_eq!(st.source_files(), 1);
    }

    #[test]
    fn a_source_folder_keeps_text_even_when_it_looks_like_a_report() {
        let mut st = WorkerState::new();
        assert!(st.add_source("repo/package.json", b"{\"name\": \"x\"}"));
        assert!(st.add_source("repo/src/parser.c", b"int parse(void);\n"));
        assert!(!st.add_source("repo/logo.png", b"\x89PNG\0"));
        assert_eq!(st.source_files(), 2);
        st.load_bytes("unit.info", &e2e_fixture("unit.info"));
        let d = st.file_detail("src/parser.c");
        assert_eq!(d.text.as_deref(), Some("int parse(void);\n"));
        assert_eq!(
            d.origin,
            crate::source::TextOrigin::Dropped {
                name: "repo/src/parser.c".into(),
                suffix: "src/parser.c".into()
            }
        );
    }

    /// tests/fixtures/zip/artifact.zip holds three reports and a README.md: the README is text, so it
    /// is kept as a source file, named by its path in the archive.
    #[test]
    fn text_entries_of_a_zip_become_source_files() {
        let mut st = WorkerState::new();
        st.load_bytes("artifact.zip", &zip_fixture("artifact.zip"));
        let v = st.view();
        assert_eq!(v.shards.len(), 3);
        assert_eq!(st.source_files(), 1);
        assert_eq!(
            v.shards[0].diagnostics,
            ["artifact.zip!job1/unit.info: note: 1 entry of artifact.zip is not a coverage report, kept as source text: README.md"]
        );
        assert_eq!(
            zip_source_name("a.zip!b.zip!src/x.c"),
            "a.zip/b.zip/src/x.c"
        );
    }

    #[test]
    fn a_zip_of_sources_matches_report_paths_by_suffix() {
        use std::io::Write;
        let mut out = Vec::new();
        let mut archive = rawzip::ZipArchiveWriter::new(&mut out);
        for (name, data) in [
            (
                "repo/src/parser.c",
                &b"int parse(void) {\n  return 1;\n}\n"[..],
            ),
            ("repo/coverage.json", &b"{}"[..]),
            ("repo/logo.png", &b"\x89PNG\0\0"[..]),
        ] {
            let (mut entry, config) = archive.new_file(name).start().unwrap();
            let mut w = config.wrap(&mut entry);
            w.write_all(data).unwrap();
            let (_, descriptor) = w.finish().unwrap();
            entry.finish(descriptor).unwrap();
        }
        archive.finish().unwrap();
        let mut st = WorkerState::new();
        st.load_bytes("unit.info", &e2e_fixture("unit.info"));
        st.load_bytes("sources.zip", &out);
        let v = st.view();
        // Only sources: no failed input for the zip.
        assert_eq!(v.errors, vec![]);
        assert_eq!(v.shards.len(), 1);
        assert_eq!(st.source_files(), 1);
        let d = st.file_detail("src/parser.c");
        assert_eq!(
            d.origin,
            crate::source::TextOrigin::Dropped {
                name: "sources.zip/repo/src/parser.c".into(),
                suffix: "src/parser.c".into()
            }
        );
    }
}
