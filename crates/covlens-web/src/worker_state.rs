//! What the worker keeps between messages (the loaded shards, the failed inputs) and how it turns them
//! into the page's [`View`]; plain Rust, tested natively.

use std::io::{BufRead, BufReader, Cursor, Read};

use covlens_core::{
    detect::SNIFF_LEN, parse_bytes, parse_read, Diagnostic, Loaded, ParseError, ParseOptions,
    ShardId, ShardSet, Totals,
};

use crate::protocol::{FileRow, LoadError, ShardRow, View};
use crate::source::{FileDetail, SourceIndex};

/// How many diagnostics of one input the page gets to list (the count is always exact).
pub const DIAGNOSTICS_SHOWN: usize = 100;

/// Diagnostics collected per input before the parser stops counting them one by one.
pub const DIAGNOSTICS_COLLECTED: usize = 1000;

/// The loaded inputs and the ones that failed, in load order.
#[derive(Debug)]
pub struct WorkerState {
    shards: ShardSet,
    errors: Vec<LoadError>,
    options: ParseOptions,
    /// The merge rule the page chose.
    policy: covlens_core::Policy,
    /// Dropped files that are not reports but text: the source view's candidates (see [`crate::source`]).
    sources: SourceIndex,
    /// Script texts carried by reports (V8 / Playwright `source`), by shard, keyed by model path.
    report_texts: Vec<(ShardId, std::collections::BTreeMap<String, String>)>,
}

impl Default for WorkerState {
    fn default() -> Self {
        WorkerState::new()
    }
}

/// Reads a whole input: detects its format from the first bytes, then parses the stream.
pub fn parse_stream<R: BufRead>(
    mut input: R,
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut input)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| ParseError::new(None, None, format!("cannot read the file ({e})")))?;
    match covlens_core::detect(&head) {
        // Boxed as the core's zip reader boxes entries, so that both share one compiled copy of the
        // parsers in the worker wasm.
        Some(format) => {
            let reader: Box<dyn Read + '_> = Box::new(Cursor::new(head).chain(input));
            parse_read(format, BufReader::with_capacity(64 << 10, reader), options)
        }
        // parse_bytes says why nothing was recognised, in the core's words.
        None => parse_bytes(&head, options),
    }
}

impl WorkerState {
    pub fn new() -> WorkerState {
        WorkerState {
            shards: ShardSet::new(),
            errors: Vec::new(),
            options: ParseOptions {
                max_diagnostics: DIAGNOSTICS_COLLECTED,
            },
            sources: SourceIndex::new(),
            report_texts: Vec::new(),
            policy: covlens_core::Policy::Sum,
        }
    }

    pub fn options(&self) -> &ParseOptions {
        &self.options
    }

    /// Records the outcome of loading input `name` of `bytes` bytes.
    pub fn add(&mut self, name: &str, bytes: u64, result: Result<Loaded, ParseError>) {
        match result {
            Ok(loaded) => {
                self.shards.add(name, loaded, bytes);
            }
            Err(e) => self.errors.push(LoadError {
                name: name.to_string(),
                bytes,
                message: e.render(name),
            }),
        }
    }

    /// Loads an input held in memory; a zip archive gives one shard per report inside.
    pub fn load_bytes(&mut self, name: &str, input: &[u8]) {
        if covlens_core::zip::is_zip(input) {
            return self.load_archive(name, input);
        }
        if self.load_source_or_v8(name, input) {
            return;
        }
        let result = parse_bytes(input, &self.options);
        self.add(name, input.len() as u64, result);
    }

    /// Loads an input from a stream of `bytes` bytes. A zip archive is read into memory (its
    /// directory is at its end) and gives one shard per report inside.
    pub fn load_stream<R: BufRead>(&mut self, name: &str, bytes: u64, mut input: R) {
        let mut head = Vec::with_capacity(SNIFF_LEN);
        if let Err(e) = (&mut input).take(SNIFF_LEN as u64).read_to_end(&mut head) {
            let e = ParseError::new(None, None, format!("cannot read the file ({e})"));
            return self.add(name, bytes, Err(e));
        }
        if covlens_core::zip::is_zip(&head) {
            if let Err(e) = input.read_to_end(&mut head) {
                let e = ParseError::new(None, None, format!("cannot read the file ({e})"));
                return self.add(name, bytes, Err(e));
            }
            return self.load_archive(name, &head);
        }
        if crate::source::wants_whole_input(name, &head) {
            if let Err(e) = input.read_to_end(&mut head) {
                let e = ParseError::new(None, None, format!("cannot read the file ({e})"));
                return self.add(name, bytes, Err(e));
            }
            return self.load_bytes(name, &head);
        }
        let result = parse_stream(Cursor::new(head).chain(input), &self.options);
        self.add(name, bytes, result);
    }

    /// Loads every report inside a zip archive as its own shard named `name!path/inside`; an entry that
    /// fails is a load error of that name. Entries that are not reports are skipped, and a note on the
    /// archive's first shard names a few.
    pub fn load_archive(&mut self, name: &str, input: &[u8]) {
        let opening = covlens_core::open(name, input, &self.options);
        let mut notice = opening.skipped_notice(name);
        if opening.opened.is_empty() {
            let why = match notice {
                Some(n) => format!("no coverage reports in the zip archive ({n})"),
                None => "no coverage reports in the zip archive (it is empty)".to_string(),
            };
            let e = ParseError::new(None, None, why);
            return self.add(name, input.len() as u64, Err(e));
        }
        for opened in opening.opened {
            let result = opened.result.map(|mut loaded| {
                if let Some(n) = notice.take() {
                    loaded.diagnostics.push(Diagnostic::note(None, n));
                }
                loaded
            });
            self.add(&opened.name, opened.bytes, result);
        }
    }

    /// Removes a loaded input; false when there was none of that id.
    pub fn remove(&mut self, shard: u32) -> bool {
        self.report_texts.retain(|(id, _)| id.0 != shard);
        self.shards.remove(ShardId(shard))
    }

    /// Turns a shard off or on; false when there was none of that id.
    pub fn set_enabled(&mut self, shard: u32, enabled: bool) -> bool {
        self.shards.set_enabled(ShardId(shard), enabled)
    }

    /// Renames a shard (surrounding blanks dropped; an empty name is refused); false when there was
    /// none of that id or the name is empty.
    pub fn rename(&mut self, shard: u32, name: &str) -> bool {
        let name = name.trim();
        !name.is_empty() && self.shards.rename(ShardId(shard), name)
    }

    /// Merges under `policy` from now on.
    pub fn set_policy(&mut self, policy: &crate::merge_policy::MergePolicy) {
        self.policy = policy.to_core();
    }

    /// Forgets every input, loaded or failed.
    pub fn clear(&mut self) {
        *self = WorkerState {
            options: self.options.clone(),
            policy: self.policy.clone(),
            ..WorkerState::new()
        };
    }

    /// The page's view of the current inputs and their merge.
    pub fn view(&self) -> View {
        let shards = self
            .shards
            .shards()
            .iter()
            .map(|s| ShardRow {
                id: s.id.0,
                name: s.name.clone(),
                format: s.format.id().to_string(),
                format_name: s.format.display_name().to_string(),
                bytes: s.bytes,
                files: s.report.files.len() as u64,
                totals: Totals::of_report(&s.report).into(),
                diagnostic_count: s.diagnostics.len() as u64,
                diagnostics: s
                    .diagnostics
                    .iter()
                    .take(DIAGNOSTICS_SHOWN)
                    .map(|d| d.render(&s.name))
                    .collect(),
                enabled: s.enabled,
                fidelity: covlens_core::summary::describe_fidelity(s.report.fidelity),
                fidelity_attr: covlens_core::summary::fidelity_attr(s.report.fidelity),
            })
            .collect();
        let (merged, merge_diags) = self.shards.merged_by(&self.policy);
        let files: Vec<FileRow> = merged
            .files
            .iter()
            .map(|(path, fc)| FileRow {
                path: path.clone(),
                totals: Totals::of_file(fc).into(),
            })
            .collect();
        View {
            shards,
            errors: self.errors.clone(),
            summary: Totals::of_report(&merged).into(),
            files,
            merge_diagnostics: merge_diags
                .iter()
                .take(DIAGNOSTICS_SHOWN)
                .map(|d| d.render("merge"))
                .collect(),
        }
    }
}

/// The source view's side of the worker (logic in [`crate::source`]).
impl WorkerState {
    /// Keeps `input` as a source file when it is not a report but text and its name is not a report's,
    /// or loads a V8 report keeping its scripts' texts; false when neither (load it as usual).
    fn load_source_or_v8(&mut self, name: &str, input: &[u8]) -> bool {
        let format = covlens_core::detect(input);
        if format.is_none() && !crate::source::looks_like_report_name(name) {
            if let Some(text) = crate::source::as_text(input) {
                self.sources.add(name, text.to_string());
                return true;
            }
        }
        if format != Some(covlens_core::Format::V8) {
            return false;
        }
        let texts = crate::source::v8_texts(input, &self.options);
        self.add(name, input.len() as u64, parse_bytes(input, &self.options));
        if let Some(shard) = self.shards.shards().last().filter(|s| s.name == name) {
            if !texts.is_empty() {
                self.report_texts.push((shard.id, texts));
            }
        }
        true
    }

    /// How many dropped files are kept as source text.
    pub fn source_files(&self) -> usize {
        self.sources.len()
    }

    /// The source view's detail of `path` in the merge of the enabled shards.
    pub fn file_detail(&self, path: &str) -> FileDetail {
        let enabled: Vec<&covlens_core::Shard> =
            self.shards.shards().iter().filter(|s| s.enabled).collect();
        let texts: Vec<(&str, &str)> = enabled
            .iter()
            .filter_map(|s| {
                let (_, t) = self.report_texts.iter().find(|(id, _)| *id == s.id)?;
                Some((s.name.as_str(), t.get(path)?.as_str()))
            })
            .collect();
        // The sum merges file by file; other policies need every shard's report (see covlens_core::policy).
        let by_policy = (self.policy != covlens_core::Policy::Sum)
            .then(|| self.shards.merged_by(&self.policy).0.files.remove(path));
        let merged = by_policy.as_ref().map(Option::as_ref);
        crate::source::detail_from_shards(path, merged, &enabled, &texts, &self.sources)
    }
}

/// A reader that reports how many bytes have passed through it after each read.
pub struct ProgressRead<R, F> {
    inner: R,
    read: u64,
    on_read: F,
}

impl<R, F> std::fmt::Debug for ProgressRead<R, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressRead")
            .field("read", &self.read)
            .finish()
    }
}

impl<R: Read, F: FnMut(u64)> ProgressRead<R, F> {
    pub fn new(inner: R, on_read: F) -> Self {
        ProgressRead {
            inner,
            read: 0,
            on_read,
        }
    }
}

impl<R: Read, F: FnMut(u64)> Read for ProgressRead<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.read += n as u64;
            (self.on_read)(self.read);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shard_shows_the_fidelity_its_content_says() {
        // A Go profile's `mode:` line decides: `set` only says covered or not, `count` counts.
        let mut st = WorkerState::new();
        st.load_bytes("set.out", b"mode: set\nexample.com/m/a.go:3.14,5.2 2 1\n");
        st.load_bytes(
            "count.out",
            b"mode: count\nexample.com/m/a.go:3.14,5.2 2 7\n",
        );
        let v = st.view();
        let got: Vec<(&str, &str)> = v
            .shards
            .iter()
            .map(|s| (s.fidelity.as_str(), s.fidelity_attr.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "lines boolean, branches absent, functions absent",
                    "lines=boolean branches=absent functions=absent"
                ),
                (
                    "lines counted, branches absent, functions absent",
                    "lines=counted branches=absent functions=absent"
                ),
            ]
        );
    }

    #[test]
    fn unrecognised_input_is_a_load_error_named_after_the_input() {
        let mut st = WorkerState::new();
        st.load_bytes("notes.txt", b"hello, world\n");
        st.load_stream("empty.json", 2, Cursor::new(b"{}".to_vec()));
        let v = st.view();
        assert!(v.shards.is_empty());
        assert_eq!(v.errors.len(), 2);
        assert_eq!(v.errors[0].name, "notes.txt");
        assert_eq!(v.errors[0].bytes, 13);
        assert!(
            v.errors[0]
                .message
                .starts_with("notes.txt: failed to read: unrecognised content"),
            "{}",
            v.errors[0].message
        );
        assert!(v.errors[1].message.starts_with("empty.json: "));
        assert_eq!(v.files, vec![]);
        assert_eq!(v.summary, Default::default());
        st.clear();
        assert_eq!(st.view(), View::default());
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/e2e/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The browser test's inputs, loaded the way the worker loads them (streamed in small chunks), give
    /// the numbers the browser test expects; tests/e2e/app.test.mjs explains them line by line.
    #[test]
    fn e2e_fixtures_merge_to_the_numbers_the_browser_test_expects() {
        let mut st = WorkerState::new();
        for name in [
            "unit.info",
            "integration.info",
            "net-gcovr.xml",
            "truncated-cobertura.xml",
        ] {
            let bytes = fixture(name);
            let reader =
                std::io::BufReader::with_capacity(64, ProgressRead::new(&bytes[..], |_| {}));
            st.load_stream(name, bytes.len() as u64, reader);
        }
        let v = st.view();
        let shards: Vec<_> = v
            .shards
            .iter()
            .map(|s| (s.name.as_str(), s.format.as_str(), s.files))
            .collect();
        assert_eq!(
            shards,
            [
                ("unit.info", "lcov", 2),
                ("integration.info", "lcov", 2),
                ("net-gcovr.xml", "cobertura", 2)
            ]
        );
        // integration.info has one malformed `DA:12` (no count): a warning, the rest loads.
        assert_eq!(v.shards[0].diagnostic_count, 0);
        assert_eq!(
            v.shards[1].diagnostic_count, 1,
            "{:?}",
            v.shards[1].diagnostics
        );
        assert!(
            v.shards[1].diagnostics[0].starts_with("integration.info:"),
            "{:?}",
            v.shards[1].diagnostics
        );
        assert_eq!(v.errors.len(), 1);
        assert_eq!(v.errors[0].name, "truncated-cobertura.xml");
        assert!(
            v.errors[0]
                .message
                .starts_with("truncated-cobertura.xml: failed to parse Cobertura XML"),
            "{}",
            v.errors[0].message
        );
        let c = |hit, found| crate::protocol::Count { hit, found };
        let rows: Vec<_> = v
            .files
            .iter()
            .map(|r| {
                (
                    r.path.as_str(),
                    r.totals.lines,
                    r.totals.branches,
                    r.totals.functions,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("src/main.c", c(5, 6), c(1, 2), c(1, 1)),
                ("src/net/http.c", c(4, 6), c(1, 2), c(1, 2)),
                ("src/net/url.c", c(4, 4), c(2, 4), c(1, 1)),
                ("src/parser.c", c(8, 9), c(3, 4), c(2, 2)),
                ("src/util.c", c(4, 4), c(2, 2), c(1, 1)),
            ]
        );
        assert_eq!(
            v.summary,
            crate::protocol::Summary {
                lines: c(25, 29),
                branches: c(9, 14),
                functions: c(6, 7)
            }
        );
        // Removing the integration shard leaves unit + Cobertura.
        assert!(st.remove(v.shards[1].id));
        let v = st.view();
        assert_eq!(v.summary.lines, c(4 + 4 + 4 + 4, 9 + 4 + 6 + 4));
        assert!(!st.remove(99));
    }

    /// The JaCoCo input of the browser test's drop case: lines 3, 5, 6 of 3, 5, 6, 7, 10 ran (ci > 0);
    /// line 5 has one of two branches covered; `<init>` and `greet` ran, `unused` did not.
    #[test]
    fn e2e_jacoco_fixture_loads_as_the_browser_test_expects() {
        let mut st = WorkerState::new();
        st.load_bytes("app-jacoco.xml", &fixture("app-jacoco.xml"));
        let v = st.view();
        assert_eq!(v.errors, vec![]);
        assert_eq!(v.shards[0].format, "jacoco");
        assert_eq!(
            v.shards[0].diagnostic_count, 0,
            "{:?}",
            v.shards[0].diagnostics
        );
        let c = |hit, found| crate::protocol::Count { hit, found };
        assert_eq!(
            v.files,
            vec![FileRow {
                path: "com/example/App.java".into(),
                totals: crate::protocol::Summary {
                    lines: c(3, 5),
                    branches: c(1, 2),
                    functions: c(2, 3)
                }
            }]
        );
    }

    fn zip_fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/zip/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The zip of the browser test (tests/fixtures/zip/make.sh): one shard per report inside, named by
    /// its inner path, merging to what the three files give when loaded one by one.
    #[test]
    fn a_zip_gives_one_shard_per_report_inside() {
        let mut st = WorkerState::new();
        let archive = zip_fixture("artifact.zip");
        let reader = std::io::BufReader::with_capacity(64, ProgressRead::new(&archive[..], |_| {}));
        st.load_stream("artifact.zip", archive.len() as u64, reader);
        let v = st.view();
        assert_eq!(v.errors, vec![]);
        let shards: Vec<_> = v
            .shards
            .iter()
            .map(|s| (s.name.as_str(), s.format.as_str(), s.files))
            .collect();
        assert_eq!(
            shards,
            [
                ("artifact.zip!job1/unit.info", "lcov", 2),
                ("artifact.zip!job2/net-gcovr.xml.gz", "cobertura", 2),
                ("artifact.zip!job3/app-jacoco.xml", "jacoco", 1),
            ]
        );
        assert_eq!(
            v.shards[0].diagnostics,
            ["artifact.zip!job1/unit.info: note: 1 entry of artifact.zip is not a coverage report, skipped: README.md"]
        );
        let mut direct = WorkerState::new();
        for name in ["unit.info", "net-gcovr.xml", "app-jacoco.xml"] {
            direct.load_bytes(name, &fixture(name));
        }
        let d = direct.view();
        assert_eq!(v.summary, d.summary);
        assert_eq!(v.files, d.files);
        let c = |hit, found| crate::protocol::Count { hit, found };
        // The numbers tests/e2e/zip.test.mjs checks.
        assert_eq!(
            v.summary,
            crate::protocol::Summary {
                lines: c(19, 28),
                branches: c(8, 14),
                functions: c(6, 9)
            }
        );
        // Removing one report of the archive leaves the other two.
        assert!(st.remove(v.shards[2].id));
        assert_eq!(st.view().shards.len(), 2);
    }

    #[test]
    fn a_bomb_in_a_zip_is_a_load_error_naming_the_limit_and_the_rest_loads() {
        let mut st = WorkerState::new();
        st.load_bytes("bomb.zip", &zip_fixture("bomb.zip"));
        st.load_bytes("app-jacoco.xml", &fixture("app-jacoco.xml"));
        let v = st.view();
        let names: Vec<_> = v.shards.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["bomb.zip!ok/unit.info", "app-jacoco.xml"]);
        assert_eq!(v.errors.len(), 1);
        assert_eq!(v.errors[0].name, "bomb.zip!bomb/lcov.info");
        assert!(
            v.errors[0]
                .message
                .starts_with("bomb.zip!bomb/lcov.info: failed to read at byte ")
                && v.errors[0]
                    .message
                    .contains("zip entry expands more than 500:1, the per-entry ratio limit"),
            "{}",
            v.errors[0].message
        );
        // A zip of no reports is one error naming the archive.
        let mut st = WorkerState::new();
        let empty = zip_fixture("artifact.zip");
        let entries = covlens_core::zip::list(&empty).unwrap();
        assert_eq!(entries.len(), 4);
        st.load_bytes(
            "notes.zip",
            b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        );
        let v = st.view();
        assert_eq!(
            v.errors[0].message,
            "notes.zip: failed to read: no coverage reports in the zip archive (it is empty)"
        );
    }

    #[test]
    fn progress_read_reports_running_totals() {
        let mut seen = Vec::new();
        let data = vec![7u8; 10];
        let mut r =
            std::io::BufReader::with_capacity(4, ProgressRead::new(&data[..], |n| seen.push(n)));
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        drop(r);
        assert_eq!(out, data);
        assert_eq!(seen.last(), Some(&10));
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    }
}
