//! What the worker keeps between messages (the loaded shards, the failed inputs) and how it turns them
//! into the page's [`View`]; plain Rust, tested natively.

use std::io::{BufRead, BufReader, Cursor, Read};

use covlens_core::formats::v8;
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
    /// V8 shards some of whose scripts had no text: converted again when sources arrive.
    v8_pending: Vec<PendingV8>,
    /// File records each shard's input held (for the JSON summary export).
    records: Vec<(ShardId, u64)>,
    /// The folder being loaded, if any (see [`viewer`]).
    folder: Option<viewer::FolderLoad>,
    /// Dropped source maps and the remapped shards (see [`remap`]).
    remap: remap::RemapState,
    /// The page's path rules (mappings, stripped prefixes, undone joins; see [`paths`]).
    path_rules: crate::paths_view::PathRules,
    /// The reconciliation of the enabled shards' paths, kept until they or the rules change.
    reconciliation: paths::Cache,
}

mod paths;
mod remap;
mod viewer;
pub use viewer::{zip_source_name, ZIP_SOURCE_MAX};

/// A V8 input kept (decompressed) while some of its scripts still lack text.
#[derive(Debug)]
struct PendingV8 {
    shard: ShardId,
    /// Shared with [`remap`], which keeps every V8 input.
    input: std::sync::Arc<[u8]>,
    /// The URLs of the scripts that found no text, in input order.
    missing: Vec<String>,
}

/// Loads a V8 input (not compressed) taking the scripts' texts it lacks from the dropped sources; also
/// gives the URLs of the scripts that found none (each once). When some did not, a note says how to
/// supply them on the page (the core's warning for each names the script).
fn load_v8(
    input: &[u8],
    options: &ParseOptions,
    sources: &SourceIndex,
) -> (Result<Loaded, ParseError>, Vec<String>) {
    let mut missing: Vec<String> = Vec::new();
    let mut result = v8::load(input, options, &mut |url: &str| {
        let text = sources.script_text(url);
        if text.is_none() && !missing.iter().any(|m| m == url) {
            missing.push(url.to_string());
        }
        text.map(str::to_string)
    });
    if let (Ok(loaded), false) = (&mut result, missing.is_empty()) {
        loaded.diagnostics.push(Diagnostic::note(
            None,
            format!(
                "drop the source file of {} script(s) on the page to load their coverage; it is found by the longest path suffix of the script's URL",
                missing.len()
            ),
        ));
    }
    (result, missing)
}

impl Default for WorkerState {
    fn default() -> Self {
        WorkerState::new()
    }
}

/// The load error of an input that could not be read.
pub fn cannot_read(e: impl std::fmt::Display) -> ParseError {
    ParseError::new(None, None, format!("cannot read the file ({e})"))
}

/// The first bytes of `input` (up to [`SNIFF_LEN`]), from which its kind is told.
fn read_head<R: Read>(input: &mut R) -> Result<Vec<u8>, ParseError> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    input
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(cannot_read)?;
    Ok(head)
}

/// Reads a whole input: detects its format from the first bytes, then parses the stream.
pub fn parse_stream<R: BufRead>(
    mut input: R,
    options: &ParseOptions,
) -> Result<Loaded, ParseError> {
    let head = read_head(&mut input)?;
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

/// True when an input with this name and first bytes is a plain report, which parses the same
/// whatever else is loaded: not a zip, and not a V8 dump, source map, source file or Istanbul report
/// (which may carry its source map), which need the dropped sources and maps.
fn is_plain(name: &str, head: &[u8]) -> bool {
    !covlens_core::zip::is_zip(head)
        && !crate::source::wants_whole_input(name, head)
        && !remap::wants_whole_input(name, head)
}

/// Parses `input` as [`WorkerState::load_stream`] would when it is a plain report (see [`is_plain`]):
/// what the parse helper may do on its own. `None` when the state worker must load it itself.
pub fn parse_if_plain<R: BufRead>(
    name: &str,
    mut input: R,
    options: &ParseOptions,
) -> Option<Result<Loaded, ParseError>> {
    let head = match read_head(&mut input) {
        Ok(head) => head,
        Err(e) => return Some(Err(e)),
    };
    is_plain(name, &head).then(|| parse_stream(Cursor::new(head).chain(input), options))
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
            v8_pending: Vec::new(),
            policy: covlens_core::Policy::Sum,
            records: Vec::new(),
            folder: None,
            remap: remap::RemapState::default(),
            path_rules: Default::default(),
            reconciliation: Default::default(),
        }
    }

    pub fn options(&self) -> &ParseOptions {
        &self.options
    }

    /// Records the outcome of loading input `name` of `bytes` bytes.
    pub fn add(&mut self, name: &str, bytes: u64, result: Result<Loaded, ParseError>) {
        match result {
            Ok(loaded) => {
                let records = loaded.records;
                let id = self.shards.add(name, loaded, bytes);
                self.records.push((id, records));
                self.remap_after_add(id);
                // Counted now, while the other inputs of a drop are still being parsed, rather
                // than in the first view that waits for all of them.
                if let Some(s) = self.shards.get(id) {
                    s.totals();
                }
            }
            Err(e) if self.skipped_in_folder(name, &e) => {}
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
        if self.take_source_map(name, input) || self.load_source_or_v8(name, input) {
            return;
        }
        if self.load_istanbul_mapped(name, input) {
            return;
        }
        let result = parse_bytes(input, &self.options);
        self.add(name, input.len() as u64, result);
    }

    /// Loads an input from a stream of `bytes` bytes. A zip archive is read into memory (its
    /// directory is at its end) and gives one shard per report inside.
    pub fn load_stream<R: BufRead>(&mut self, name: &str, bytes: u64, mut input: R) {
        let mut head = match read_head(&mut input) {
            Ok(head) => head,
            Err(e) => return self.add(name, bytes, Err(e)),
        };
        // A zip, a V8 dump, a map, a source file or an Istanbul report: read whole (see load_bytes).
        if !is_plain(name, &head) {
            if let Err(e) = input.read_to_end(&mut head) {
                return self.add(name, bytes, Err(cannot_read(e)));
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
        let (mut opening, others) = covlens_core::zip::open_keeping(
            name,
            input,
            &self.options,
            &covlens_core::ZipLimits::DEFAULT,
            ZIP_SOURCE_MAX,
        );
        // Text entries that are not reports become source files (see `viewer`).
        let kept = self.keep_zip_sources(name, others, &mut opening.skipped);
        let mut notice = opening.skipped_notice(name);
        if opening.opened.is_empty() && kept.is_some() {
            return;
        }
        let mut notice = match (kept, notice.take()) {
            (Some(k), Some(n)) => Some(format!("{n}; {k}")),
            (k, n) => k.or(n),
        };
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
        self.v8_pending.retain(|p| p.shard.0 != shard);
        self.remap.forget(ShardId(shard));
        self.records.retain(|(id, _)| id.0 != shard);
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
            remap: remap::RemapState::with_options(self.remap.options()),
            path_rules: std::mem::take(&mut self.path_rules),
            ..WorkerState::new()
        };
    }

    /// The merge of the enabled shards under the page's policy, with its diagnostics: what the summary,
    /// the file list and exports show.
    /// Paths are reconciled first (see [`paths`]), then the policy applies to the renamed shards.
    pub fn merged(&self) -> (covlens_core::Report, Vec<Diagnostic>) {
        let (report, diags, _) = self.merge_reconciled(paths::PathsPart::None);
        (report, diags)
    }

    /// The page's view of the current inputs and their merge, conflicts included.
    pub fn view(&self) -> View {
        self.view_of(paths::PathsPart::Full)
    }

    /// The view for the worker to send, without looking for conflicts when that takes a while
    /// (several inputs); `true` when it left them for [`WorkerState::conflicts`], which the worker
    /// runs once the page has shown the view (so that the two do not compete for the machine).
    pub fn first_view(&self) -> (View, bool) {
        let later = self.conflicts_take_a_while();
        let part = if later {
            paths::PathsPart::WithoutConflicts
        } else {
            paths::PathsPart::Full
        };
        (self.view_of(part), later)
    }

    /// The Paths panel's view with the conflicts: what completes a [`WorkerState::first_view`] that
    /// left them out.
    pub fn conflicts(&self) -> crate::paths_view::PathsView {
        let (set, _, rec) = self.reconciled_shards();
        self.paths_of(&set, &rec, true)
    }

    fn view_of(&self, part: paths::PathsPart) -> View {
        let (set, diags, rec) = self.reconciled_shards();
        self.view_on(&set, diags, &rec, part)
    }

    fn view_on(
        &self,
        set: &ShardSet,
        diags: Vec<Diagnostic>,
        rec: &covlens_core::reconcile::Reconciliation,
        part: paths::PathsPart,
    ) -> View {
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
                totals: s.totals().into(),
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
                remap: self.remap.info(s.id),
            })
            .collect();
        let (merged, merge_diags, paths) = self.merge_on(set, diags, rec, part);
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
            source_files: self.sources.len() as u64,
            paths: paths.unwrap_or_default(),
        }
    }
}

/// The source view's side of the worker (logic in [`crate::source`]).
impl WorkerState {
    /// Keeps `input` as a source file when it is not a report but text and its name is not a report's
    /// (and converts again the V8 shards whose scripts it may be), or loads a V8 report keeping its
    /// scripts' texts and taking the texts it lacks from the dropped sources; false when neither (load
    /// it as usual).
    fn load_source_or_v8(&mut self, name: &str, input: &[u8]) -> bool {
        let format = covlens_core::detect(input);
        if format.is_none() && !crate::source::looks_like_report_name(name) {
            if let Some(text) = crate::source::as_text(input) {
                self.sources.add(name, text.to_string());
                self.reconvert_v8();
                self.remap_refresh(false);
                return true;
            }
        }
        if format != Some(covlens_core::Format::V8) {
            return false;
        }
        let bytes = input.len() as u64;
        let plain = if covlens_core::container::is_gzip(input) {
            match covlens_core::container::gunzip(input, &covlens_core::container::Limits::DEFAULT)
            {
                Ok(plain) => std::borrow::Cow::Owned(plain),
                Err(e) => {
                    self.add(name, bytes, Err(e));
                    return true;
                }
            }
        } else {
            std::borrow::Cow::Borrowed(input)
        };
        let texts = crate::source::v8_texts(&plain, &self.options);
        let (result, missing, remapping) = self.load_v8_mapped(&plain);
        let loaded = result.is_ok();
        self.add(name, bytes, result);
        if !loaded {
            return true;
        }
        let Some(id) = self.shards.shards().last().map(|s| s.id) else {
            return true;
        };
        if !texts.is_empty() {
            self.report_texts.push((id, texts));
        }
        let input = remapping.input();
        self.remap_register(id, remapping);
        if !missing.is_empty() {
            self.v8_pending.push(PendingV8 {
                shard: id,
                input,
                missing,
            });
        }
        true
    }

    /// Converts again each V8 shard of which a script without text now finds it among the dropped
    /// sources, replacing the shard's report in place (same id, name, enabled state); its input is
    /// dropped once no script lacks text.
    fn reconvert_v8(&mut self) {
        for p in std::mem::take(&mut self.v8_pending) {
            if !p
                .missing
                .iter()
                .any(|u| self.sources.script_text(u).is_some())
            {
                self.v8_pending.push(p);
                continue;
            }
            // Kept by `remap` (every V8 shard is): converted there, remapped when it has maps.
            if self.reconvert_v8_shard(p.shard) {
                continue;
            }
            let (result, missing) = load_v8(&p.input, &self.options, &self.sources);
            // It loaded before from the same bytes, so it loads again; if not, the shard stays as it was.
            let Ok(loaded) = result else {
                self.v8_pending.push(p);
                continue;
            };
            if self.shards.replace(p.shard, loaded) && !missing.is_empty() {
                self.v8_pending.push(PendingV8 { missing, ..p });
            }
        }
    }

    /// How many dropped files are kept as source text.
    pub fn source_files(&self) -> usize {
        self.sources.len()
    }

    /// The source view's detail of `path` in the merge of the enabled shards.
    /// `path` is a canonical path: each shard's file is found under its original path(s) (see [`paths`]).
    pub fn file_detail(&self, path: &str) -> FileDetail {
        let (renamed, originals) = self.shards_of_file(path);
        let enabled: Vec<&covlens_core::Shard> = renamed.iter().collect();
        let texts: Vec<(&str, &str)> = enabled
            .iter()
            .zip(&originals)
            .filter_map(|(s, originals)| {
                let (_, t) = self.report_texts.iter().find(|(id, _)| *id == s.id)?;
                let text = originals.iter().find_map(|o| t.get(o.as_str()))?;
                Some((s.name.as_str(), text.as_str()))
            })
            .chain(self.map_texts(&enabled, &originals))
            .collect();
        // The sum merges file by file; other policies need every shard's report (see covlens_core::policy).
        let by_policy =
            (self.policy != covlens_core::Policy::Sum).then(|| self.merged().0.files.remove(path));
        let merged = by_policy.as_ref().map(Option::as_ref);
        let mut detail =
            crate::source::detail_from_shards(path, merged, &enabled, &texts, &self.sources);
        let originals_of = |id: ShardId| {
            enabled
                .iter()
                .zip(&originals)
                .find(|(s, _)| s.id == id)
                .map(|(_, o)| o.clone())
                .unwrap_or_default()
        };
        if let Some(origin) = self.map_origin(&detail.origin, originals_of) {
            detail.origin = origin;
        }
        detail.conflicts = paths::conflicts_of_file(path, &enabled);
        detail
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
        let mut empty = View::default();
        // Looked for, and none (nothing is loaded).
        empty.paths.conflicts_checked = true;
        assert_eq!(st.view(), empty);
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/e2e/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// What the parse helper does (parse_if_plain, then the wire bytes, then `add`) gives the same view
    /// as the state worker loading the same inputs itself; inputs that need the state are declined.
    #[test]
    fn inputs_parsed_by_the_helper_give_the_view_the_state_worker_gives() {
        let names = [
            "unit.info",
            "integration.info",
            "net-gcovr.xml",
            "truncated-cobertura.xml",
            "app-jacoco.xml",
        ];
        let mut local = WorkerState::new();
        let mut helped = WorkerState::new();
        for name in names {
            let bytes = fixture(name);
            local.load_stream(name, bytes.len() as u64, &bytes[..]);
            let parsed = parse_if_plain(name, &bytes[..], helped.options())
                .unwrap_or_else(|| panic!("{name} is a plain report"));
            let back = covlens_core::wire::decode(&covlens_core::wire::encode(&parsed)).unwrap();
            helped.add(name, bytes.len() as u64, back);
        }
        let (a, b) = (local.view(), helped.view());
        assert_eq!(a, b);
        assert_eq!(a.shards.len(), 4, "the truncated Cobertura is a load error");
        assert_eq!(a.errors.len(), 1);
        assert!(a.errors[0].message.contains("truncated-cobertura.xml"));
        // A zip, a V8 dump and a source file are the state worker's to load.
        let zip = zip_fixture("artifact.zip");
        assert!(parse_if_plain("artifact.zip", &zip[..], helped.options()).is_none());
        let v8 = br#"{"result":[{"scriptId":"1","url":"file:///a.js","functions":[]}]}"#;
        assert!(parse_if_plain("coverage-1.json", &v8[..], helped.options()).is_none());
        assert!(parse_if_plain("main.c", &b"int main() {}\n"[..], helped.options()).is_none());
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
            ["artifact.zip!job1/unit.info: note: 1 entry of artifact.zip is not a coverage report, kept as source text: README.md"]
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

    /// A tiny `NODE_V8_COVERAGE` dump of one script without its text: the top level (0..65, run once)
    /// and `f` (0..58, called once) whose `if` block (25..44, lines 3-4) never ran.
    const DUMP: &[u8] = br#"{"result":[{"scriptId":"42","url":"file:///work/app/src/a.js","functions":[
        {"functionName":"","isBlockCoverage":true,"ranges":[{"startOffset":0,"endOffset":65,"count":1}]},
        {"functionName":"f","isBlockCoverage":true,"ranges":[{"startOffset":0,"endOffset":58,"count":1},{"startOffset":25,"endOffset":44,"count":0}]}
    ]}]}"#;

    /// The script's text: line starts at offsets 0, 16, 27, 41, 45, 57, 59; 65 UTF-16 units.
    const SCRIPT: &str = "function f(x) {\n  if (x) {\n    return 1;\n  }\n  return 2;\n}\nf(0);\n";

    /// The script's totals, by the rules of covlens_core::formats::v8 (c8's): 7 lines (trailing white
    /// space trimmed), all 1 but lines 3 and 4, which lie wholly inside the block of count 0: 5/7;
    /// branches, one per block range: the top level's (1), `f`'s root (1), the `if` block (0): 2/3;
    /// functions, named only: `f`, hit once: 1/1.
    fn script_totals() -> crate::protocol::Summary {
        let c = |hit, found| crate::protocol::Count { hit, found };
        crate::protocol::Summary {
            lines: c(5, 7),
            branches: c(2, 3),
            functions: c(1, 1),
        }
    }

    /// The same totals, computed by the core with the text given through its lookup.
    #[test]
    fn the_hand_computed_v8_totals_are_the_cores() {
        let loaded = v8::load(DUMP, &ParseOptions::default(), &mut |url: &str| {
            (url == "file:///work/app/src/a.js").then(|| SCRIPT.to_string())
        })
        .unwrap();
        assert_eq!(loaded.diagnostics, vec![]);
        let files: Vec<&str> = loaded.report.files.keys().map(String::as_str).collect();
        assert_eq!(files, ["/work/app/src/a.js"]);
        let t: crate::protocol::Summary = Totals::of_report(&loaded.report).into();
        assert_eq!(t, script_totals());
    }

    fn v8_rows(st: &WorkerState) -> Vec<(String, crate::protocol::Summary)> {
        st.view()
            .files
            .into_iter()
            .map(|r| (r.path, r.totals))
            .collect()
    }

    #[test]
    fn a_script_dropped_after_its_v8_dump_converts_the_dump_again_in_place() {
        let mut st = WorkerState::new();
        st.load_bytes("other.info", b"SF:b.c\nDA:1,1\nend_of_record\n");
        // Two files of the script's name in different folders: a tie, so neither is taken.
        st.load_bytes("x/a.js", b"x();\n");
        st.load_bytes("y/a.js", b"y();\n");
        st.load_stream("cov.json", DUMP.len() as u64, Cursor::new(DUMP.to_vec()));
        let v = st.view();
        assert_eq!(v.errors, vec![]);
        let dump = &v.shards[1];
        assert_eq!(
            (dump.name.as_str(), dump.format.as_str(), dump.files),
            ("cov.json", "v8", 0)
        );
        assert_eq!(dump.diagnostic_count, 2, "{:?}", dump.diagnostics);
        assert!(
            dump.diagnostics[0].starts_with("cov.json:1:12: warning: script `file:///work/app/src/a.js` has no source text: not loaded (its 1 function(s), 1 hit,"),
            "{:?}",
            dump.diagnostics
        );
        assert!(
            dump.diagnostics[1].starts_with("cov.json: note: drop the source file of 1 script(s)"),
            "{:?}",
            dump.diagnostics
        );
        let id = dump.id;
        assert!(st.rename(id, "node run"));
        assert!(st.set_enabled(id, false));
        assert_eq!(st.v8_pending.len(), 1);
        // A source that is not the script changes nothing.
        st.load_bytes("lib/b.js", b"b();\n");
        assert_eq!(st.view().shards[1].files, 0);
        assert_eq!(st.v8_pending.len(), 1);
        // `src/a.js` shares the longest suffix with /work/app/src/a.js.
        st.load_stream(
            "src/a.js",
            SCRIPT.len() as u64,
            Cursor::new(SCRIPT.as_bytes().to_vec()),
        );
        assert_eq!(st.source_files(), 4);
        assert!(
            st.v8_pending.is_empty(),
            "the dump's bytes are dropped once every script has text"
        );
        let v = st.view();
        let dump = &v.shards[1];
        assert_eq!(
            (
                dump.id,
                dump.name.as_str(),
                dump.enabled,
                dump.files,
                dump.bytes
            ),
            (id, "node run", false, 1, DUMP.len() as u64)
        );
        assert_eq!(dump.diagnostics, Vec::<String>::new());
        assert_eq!(dump.totals, script_totals());
        // Turned on again, it joins the merge with exactly its totals.
        assert!(st.set_enabled(id, true));
        let rows = v8_rows(&st);
        assert_eq!(rows[0].1, script_totals());
        assert_eq!(rows[0].0, "/work/app/src/a.js");
        assert_eq!(rows.len(), 2);
        let d = st.file_detail("/work/app/src/a.js");
        assert_eq!(d.text.as_deref(), Some(SCRIPT));
        assert_eq!(
            d.lines.iter().map(|l| l.hits).collect::<Vec<_>>(),
            [
                Some(1),
                Some(1),
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(1)
            ]
        );
    }

    #[test]
    fn a_script_dropped_before_its_v8_dump_gives_the_same_totals() {
        let mut st = WorkerState::new();
        st.load_bytes("app/src/a.js", SCRIPT.as_bytes());
        st.load_bytes("cov.json", DUMP);
        let v = st.view();
        assert_eq!(v.shards.len(), 1);
        assert_eq!(v.shards[0].diagnostics, Vec::<String>::new());
        assert_eq!(v.shards[0].totals, script_totals());
        assert_eq!(v.summary, script_totals());
        assert!(st.v8_pending.is_empty());
        // A gzipped dump is unpacked first and finds the text the same way.
        let mut st = WorkerState::new();
        st.load_bytes("a.js", SCRIPT.as_bytes());
        st.load_bytes("cov.json.gz", &gzip(DUMP));
        let v = st.view();
        assert_eq!((v.shards[0].format.as_str(), v.shards[0].files), ("v8", 1));
        assert_eq!(v.summary, script_totals());
    }

    /// A gzip member holding `data` in one stored (uncompressed) deflate block (RFC 1951 3.2.4,
    /// RFC 1952): enough for a test input without a compressor.
    fn gzip(data: &[u8]) -> Vec<u8> {
        assert!(data.len() <= 0xffff);
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1];
        let len = data.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(data);
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        out.extend((!crc).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out
    }

    #[test]
    fn a_v8_dump_whose_script_never_comes_keeps_its_warning_and_no_file() {
        let mut st = WorkerState::new();
        st.load_bytes("cov.json", DUMP);
        st.load_bytes("src/b.js", b"b();\n");
        let v = st.view();
        assert_eq!(v.errors, vec![]);
        assert_eq!((v.shards[0].format.as_str(), v.shards[0].files), ("v8", 0));
        assert_eq!(v.shards[0].diagnostic_count, 2);
        assert!(
            v.shards[0].diagnostics[0]
                .contains("script `file:///work/app/src/a.js` has no source text: not loaded"),
            "{:?}",
            v.shards[0].diagnostics
        );
        assert_eq!(v.files, vec![]);
        assert_eq!(v.summary, Default::default());
        assert_eq!(st.v8_pending.len(), 1);
        // Removing the shard forgets its bytes.
        assert!(st.remove(v.shards[0].id));
        assert!(st.v8_pending.is_empty());
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
