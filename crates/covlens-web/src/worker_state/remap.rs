//! The worker's side of source maps: dropped `.map` files, remapping V8, Istanbul and line-report shards
//! to their original sources (on load, again in place when a map arrives, and when the page's "include
//! library sources" switch changes), the original texts of `sourcesContent`, and the mapping
//! inspector's answers. Plain Rust, tested natively (a child module of [`super`], so it reaches the state).
//!
//! Maps are found as the CLI finds them on disk (`crates/covlens/src/remap.rs`), among what was dropped:
//! V8's `source-map-cache` and Istanbul's `inputSourceMap` (in the report), then the script's own
//! `sourceMappingURL` (a `data:` URL, or a dropped map matched by the longest whole-segment suffix of
//! the URL), then a dropped map named `<script>.map`, then a dropped map whose `file` field names the
//! script (both by longest suffix; a tie is no match). The rules of the remapping are the core's
//! (`covlens_core::remap`).

use std::collections::BTreeMap;
use std::sync::Arc;

use covlens_core::formats::v8;
use covlens_core::paths::NormPath;
use covlens_core::remap::{self, GeneratedMap, RemapOptions, Remapped, V8Inputs};
use covlens_core::sourcemap::{self, DecodeOptions, MapLocation, SourceMap};
use covlens_core::{Diagnostic, Format, Loaded, ParseError, Report, ShardId};

use super::{PendingV8, WorkerState};
use crate::remap_view::{
    excerpt, Counterpart, Direction, MappingQuery, MappingView, RemapInfo, Span,
};
use crate::source::{SourceMatch, TextOrigin};

/// Whether a dropped file is taken as a source map: its name ends with `.map` and it is a JSON object.
pub fn is_map_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".map")
}

fn looks_like_map(input: &[u8]) -> bool {
    input.trim_ascii_start().starts_with(b"{")
}

/// Whether the worker should read an input whole before loading it, for source maps: a map, or an
/// Istanbul report (which may carry `inputSourceMap`).
pub fn wants_whole_input(name: &str, head: &[u8]) -> bool {
    (is_map_name(name) && looks_like_map(head))
        || covlens_core::detect(head) == Some(Format::Istanbul)
}

/// Generated files worth looking a map up for in a line report.
fn is_script_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".js", ".mjs", ".cjs", ".jsx"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// A dropped `.map` file, decoded.
#[derive(Debug)]
struct DroppedMap {
    name: String,
    norm: NormPath,
    /// The `file` field, resolved against the map's own folder.
    file: Option<NormPath>,
    map: Arc<SourceMap>,
}

/// How a script names its map in its own text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Link {
    None,
    Inline,
    External(String),
}

fn link_of(text: Option<&str>, url: &str) -> Link {
    match text.and_then(|t| sourcemap::locate_source_map(t, Some(url))) {
        Some(Ok(MapLocation::Inline(_))) => Link::Inline,
        Some(Ok(MapLocation::External(u))) => Link::External(u),
        _ => Link::None,
    }
}

/// Where a generated file's map was found.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Found {
    /// A `data:` URL in the script's text.
    Inline,
    /// A dropped map (index).
    Dropped(usize),
}

/// The dropped maps.
#[derive(Debug, Default)]
struct MapStore {
    maps: Vec<DroppedMap>,
}

impl MapStore {
    /// Adds a map under its dropped name; a later map of the same name replaces the earlier.
    fn add(&mut self, name: &str, map: SourceMap) {
        let dir = name.rfind(['/', '\\']).map_or("", |i| &name[..=i]);
        let file = map
            .file
            .as_deref()
            .filter(|f| !f.is_empty())
            .map(|f| NormPath::new(&format!("{dir}{f}")));
        let entry = DroppedMap {
            name: name.to_string(),
            norm: NormPath::new(name),
            file,
            map: Arc::new(map),
        };
        match self.maps.iter().position(|m| m.name == name) {
            Some(i) => self.maps[i] = entry,
            None => self.maps.push(entry),
        }
    }

    /// The map whose `key` path shares the longest whole-segment suffix with `target` (at least the
    /// file name); a tie is no match.
    fn best(&self, target: &str, key: impl Fn(&DroppedMap) -> Option<&NormPath>) -> Option<usize> {
        let target = NormPath::new(target);
        let candidates = self.maps.iter().enumerate();
        let (_, at) = crate::source::longest_suffix(
            &target,
            candidates.filter_map(|(i, m)| key(m).map(|k| (i, k))),
        );
        match at.as_slice() {
            [i] => Some(*i),
            _ => None,
        }
    }

    /// The map of generated file `path` (script URL `url`) that names its map by `link`.
    fn find(&self, path: &str, link: &Link) -> Option<Found> {
        match link {
            Link::Inline => return Some(Found::Inline),
            Link::External(u) => {
                if let Some(i) = self.best(u, |m| Some(&m.norm)) {
                    return Some(Found::Dropped(i));
                }
            }
            Link::None => {}
        }
        self.best(&format!("{path}.map"), |m| Some(&m.norm))
            .or_else(|| self.best(path, |m| m.file.as_ref()))
            .map(Found::Dropped)
    }

    fn label(&self, found: &Found) -> String {
        match found {
            Found::Inline => "inline sourceMappingURL".to_string(),
            Found::Dropped(i) => self.maps[*i].name.clone(),
        }
    }
}

/// What a shard's input is kept as, to convert it again.
#[derive(Debug)]
enum Kept {
    /// A V8 input (decompressed) and its scripts with a path and no `source-map-cache` entry (URL,
    /// model path, how its own `source` names its map).
    V8 {
        input: Arc<[u8]>,
        scripts: Vec<(String, String, Link)>,
    },
    /// An Istanbul input with `inputSourceMap`.
    Istanbul { input: Arc<[u8]> },
    /// A line report as loaded, before remapping (`None` while the shard itself still holds it).
    Lines { original: Option<Loaded> },
}

/// Per generated file, the dropped map chosen (its label), as last converted.
type Keys = Vec<Option<String>>;

/// One shard's source-map state.
#[derive(Debug)]
struct RemapShard {
    shard: ShardId,
    kept: Kept,
    keys: Keys,
    /// What the last remap gave; `None` when the shard was loaded without maps.
    outcome: Option<Outcome>,
}

/// What one remap gave, for the row, the source view and the inspector.
#[derive(Debug, Default)]
struct Outcome {
    info: RemapInfo,
    maps: BTreeMap<String, GeneratedMap>,
    /// Where each generated file's map came from (`source-map-cache`, `app.js.map`...).
    labels: BTreeMap<String, String>,
    source_text: BTreeMap<String, String>,
}

/// The worker's source-map state.
#[derive(Debug, Default)]
pub struct RemapState {
    options: RemapOptions,
    store: MapStore,
    shards: Vec<RemapShard>,
}

impl RemapState {
    /// A fresh state with these options (the page's switch survives a Clear).
    pub fn with_options(options: &RemapOptions) -> RemapState {
        RemapState {
            options: options.clone(),
            ..RemapState::default()
        }
    }

    pub fn options(&self) -> &RemapOptions {
        &self.options
    }

    /// How many source maps were dropped.
    #[cfg(test)]
    pub fn maps(&self) -> usize {
        self.store.maps.len()
    }

    /// Forgets a removed shard.
    pub fn forget(&mut self, shard: ShardId) {
        self.shards.retain(|s| s.shard != shard);
    }

    /// The row's note of a shard, when it was remapped.
    pub fn info(&self, shard: ShardId) -> Option<RemapInfo> {
        self.get(shard)?.outcome.as_ref().map(|o| o.info.clone())
    }

    fn get(&self, shard: ShardId) -> Option<&RemapShard> {
        self.shards.iter().find(|s| s.shard == shard)
    }

    fn set(&mut self, entry: RemapShard) {
        match self.shards.iter().position(|s| s.shard == entry.shard) {
            Some(i) => self.shards[i] = entry,
            None => self.shards.push(entry),
        }
    }
}

/// `10 ranges`, `18 statements, 5 functions, 9 branches`.
fn unmapped_words(r: &Remapped) -> (u64, String) {
    let mut sum = remap::Unmapped::default();
    for u in r.unmapped.values() {
        sum.ranges += u.ranges;
        sum.statements += u.statements;
        sum.functions += u.functions;
        sum.branches += u.branches;
        sum.lines += u.lines;
    }
    let parts: Vec<String> = [
        (sum.ranges, "range", "ranges"),
        (sum.statements, "statement", "statements"),
        (sum.functions, "function", "functions"),
        (sum.branches, "branch", "branches"),
        (sum.lines, "line", "lines"),
    ]
    .iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| crate::view::plural(*n, one, many))
    .collect();
    (sum.total(), parts.join(", "))
}

/// `labels`: the map's origin per generated file; a file not named has `via[0]`'s.
fn outcome(r: &mut Remapped, via: Vec<String>, mut labels: BTreeMap<String, String>) -> Outcome {
    for g in r.maps.keys() {
        if !labels.contains_key(g) {
            let default = via.first().cloned().unwrap_or_default();
            labels.insert(g.clone(), default);
        }
    }
    let (unmapped, unmapped_text) = unmapped_words(r);
    let mut originals: Vec<&String> = r
        .maps
        .values()
        .flat_map(|m| m.source_paths.iter().flatten())
        .filter(|p| r.report.files.contains_key(*p))
        .collect();
    originals.sort();
    originals.dedup();
    Outcome {
        info: RemapInfo {
            generated: r.maps.len() as u64,
            originals: originals.len() as u64,
            unmapped,
            unmapped_text,
            excluded: r.excluded.clone(),
            via,
        },
        maps: std::mem::take(&mut r.maps),
        labels,
        source_text: std::mem::take(&mut r.source_text),
    }
}

fn excluded_note(r: &Remapped) -> Option<Diagnostic> {
    (!r.excluded.is_empty()).then(|| {
        Diagnostic::note(
            None,
            format!(
                "left out {} original source(s) under node_modules or in a map's ignoreList (the page's \"include library sources\" switch keeps them): {}",
                r.excluded.len(),
                r.excluded.join(", ")
            ),
        )
    })
}

/// The result of converting a V8 input: the load, the scripts still lacking text, the remap (when a
/// map was used), the scripts a map may be dropped for later, and the maps chosen for them.
struct V8Conversion {
    result: Result<Loaded, ParseError>,
    missing: Vec<String>,
    outcome: Option<Outcome>,
    scripts: Vec<(String, String, Link)>,
    keys: Keys,
}

impl WorkerState {
    /// Keeps a dropped source map; true when `input` was one (a `.map` name and a JSON object). A map
    /// that cannot be decoded is a load error saying why. Shards whose generated files it is for are
    /// converted again in place.
    pub(super) fn take_source_map(&mut self, name: &str, input: &[u8]) -> bool {
        if !is_map_name(name) || !looks_like_map(input) {
            return false;
        }
        match sourcemap::decode(input, &DecodeOptions { lenient: true }) {
            Ok(parsed) => {
                self.remap.store.add(name, parsed.value);
                self.remap_refresh(false);
            }
            Err(e) => {
                let message = match e.position {
                    Some(p) => format!("{}: {}", p, e.message),
                    None => e.message.clone(),
                };
                let field = if e.path.is_empty() {
                    String::new()
                } else {
                    format!(" (`{}`)", e.path)
                };
                self.add(
                    name,
                    input.len() as u64,
                    Err(ParseError::new(
                        None,
                        None,
                        format!("not a usable source map{field}: {message}"),
                    )),
                );
            }
        }
        true
    }

    /// Loads an Istanbul input whose files carry `inputSourceMap` remapped to the original sources;
    /// false when it is not one (load it as usual).
    pub(super) fn load_istanbul_mapped(&mut self, name: &str, input: &[u8]) -> bool {
        if covlens_core::detect(input) != Some(Format::Istanbul)
            || covlens_core::container::is_gzip(input)
            || memchr_find(input, b"\"inputSourceMap\"").is_none()
        {
            return false;
        }
        let (result, outcome) = self.convert_istanbul(input);
        let ok = result.is_ok();
        self.add(name, input.len() as u64, result);
        if ok {
            if let Some(id) = self.shards.shards().last().map(|s| s.id) {
                self.remap.set(RemapShard {
                    shard: id,
                    kept: Kept::Istanbul {
                        input: Arc::from(input),
                    },
                    keys: Vec::new(),
                    outcome,
                });
            }
        }
        true
    }

    fn convert_istanbul(&self, input: &[u8]) -> (Result<Loaded, ParseError>, Option<Outcome>) {
        match remap::remap_istanbul(input, &self.remap.options, &self.options) {
            Ok(mut r) => {
                let mut diagnostics = std::mem::take(&mut r.diagnostics);
                diagnostics.extend(r.unmapped_diagnostics());
                diagnostics.extend(excluded_note(&r));
                let o = outcome(&mut r, vec!["inputSourceMap".to_string()], BTreeMap::new());
                let records = r.report.files.len() as u64;
                (
                    Ok(Loaded {
                        format: Format::Istanbul,
                        report: r.report,
                        diagnostics,
                        records,
                    }),
                    Some(o),
                )
            }
            Err(e) => (Err(e), None),
        }
    }

    /// Converts a V8 input (decompressed): remapped through the maps it carries (`source-map-cache`,
    /// a script's inline `sourceMappingURL`) or that were dropped, else as [`super::load_v8`] does.
    fn convert_v8(&self, input: &[u8]) -> V8Conversion {
        let parsed = match v8::parse(input, &self.options) {
            Ok(p) => p,
            Err(e) => {
                return V8Conversion {
                    result: Err(e),
                    missing: Vec::new(),
                    outcome: None,
                    scripts: Vec::new(),
                    keys: Vec::new(),
                }
            }
        };
        let coverage = parsed.value;
        let mut scripts: Vec<(String, String, Link)> = Vec::new();
        let mut found: BTreeMap<String, SourceMap> = BTreeMap::new();
        let mut via: Vec<String> = Vec::new();
        if !coverage.source_map_cache.is_empty() {
            via.push("source-map-cache".to_string());
        }
        let mut keys: Keys = Vec::new();
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        for s in &coverage.scripts {
            if coverage.source_map_cache.contains_key(&s.url)
                || scripts.iter().any(|(u, _, _)| *u == s.url)
            {
                continue;
            }
            let v8::Target::Path(path) = v8::target_of(&s.url) else {
                continue;
            };
            let own = link_of(s.source.as_deref(), &s.url);
            let link = match &own {
                Link::None => link_of(self.sources.script_text(&s.url), &s.url),
                l => l.clone(),
            };
            let f = self.remap.store.find(&path, &link);
            keys.push(f.as_ref().map(|f| self.remap.store.label(f)));
            let map = match &f {
                Some(Found::Inline) => {
                    let text = s
                        .source
                        .as_deref()
                        .or_else(|| self.sources.script_text(&s.url));
                    match text.and_then(|t| sourcemap::locate_source_map(t, Some(&s.url))) {
                        Some(Ok(MapLocation::Inline(b))) => {
                            sourcemap::decode(&b, &DecodeOptions { lenient: true })
                                .ok()
                                .map(|p| p.value)
                        }
                        _ => None,
                    }
                }
                Some(Found::Dropped(i)) => Some((*self.remap.store.maps[*i].map).clone()),
                None => None,
            };
            if let (Some(m), Some(f)) = (map, &f) {
                let label = self.remap.store.label(f);
                if !via.contains(&label) {
                    via.push(label.clone());
                }
                labels.insert(path.clone(), label);
                found.insert(s.url.clone(), m);
            }
            scripts.push((s.url.clone(), path, own));
        }
        if coverage.source_map_cache.is_empty() && found.is_empty() {
            let (result, missing) = super::load_v8(input, &self.options, &self.sources);
            return V8Conversion {
                result,
                missing,
                outcome: None,
                scripts,
                keys,
            };
        }
        let urls: Vec<&str> = coverage.scripts.iter().map(|s| s.url.as_str()).collect();
        let mut missing: Vec<String> = Vec::new();
        let sources = &self.sources;
        let mut r = remap::remap_v8(
            &coverage,
            &mut V8Inputs {
                map_for: &mut |url| found.remove(url),
                text_for: &mut |u| {
                    let text = sources.script_text(u);
                    if text.is_none() && urls.contains(&u) && !missing.iter().any(|m| m == u) {
                        missing.push(u.to_string());
                    }
                    text.map(str::to_string)
                },
            },
            &self.remap.options,
            &self.options,
        );
        let mut diagnostics = parsed.diagnostics;
        diagnostics.append(&mut r.diagnostics);
        diagnostics.extend(r.unmapped_diagnostics());
        diagnostics.extend(excluded_note(&r));
        if !missing.is_empty() {
            diagnostics.push(Diagnostic::note(
                None,
                format!(
                    "drop the source file of {} script(s) on the page to load their coverage; it is found by the longest path suffix of the script's URL",
                    missing.len()
                ),
            ));
        }
        let o = outcome(&mut r, via, labels);
        let records = r.report.files.len() as u64;
        V8Conversion {
            result: Ok(Loaded {
                format: Format::V8,
                report: r.report,
                diagnostics,
                records,
            }),
            missing,
            outcome: Some(o),
            scripts,
            keys,
        }
    }

    /// Loads a V8 input (decompressed) as [`super::load_v8`] does, remapping it when maps are found;
    /// gives the load and the scripts still lacking text. [`Self::remap_register_v8`] keeps it.
    pub(super) fn load_v8_mapped(
        &mut self,
        input: &[u8],
    ) -> (Result<Loaded, ParseError>, Vec<String>, PendingRemap) {
        let c = self.convert_v8(input);
        let pending = PendingRemap {
            kept: Kept::V8 {
                input: Arc::from(input),
                scripts: c.scripts,
            },
            keys: c.keys,
            outcome: c.outcome,
        };
        (c.result, c.missing, pending)
    }

    /// Keeps what [`Self::load_v8_mapped`] gave for shard `id`, to convert it again later.
    pub(super) fn remap_register(&mut self, id: ShardId, pending: PendingRemap) {
        self.remap.set(RemapShard {
            shard: id,
            kept: pending.kept,
            keys: pending.keys,
            outcome: pending.outcome,
        });
    }

    /// Converts V8 shard `id` again from its kept input (sources or maps arrived, or the options
    /// changed); false when it was not kept or did not load.
    pub(super) fn reconvert_v8_shard(&mut self, id: ShardId) -> bool {
        let Some(RemapShard {
            kept: Kept::V8 { input, .. },
            ..
        }) = self.remap.get(id)
        else {
            return false;
        };
        let input = Arc::clone(input);
        let c = self.convert_v8(&input);
        let Ok(loaded) = c.result else {
            return false;
        };
        if !self.shards.replace(id, loaded) {
            return false;
        }
        self.v8_pending.retain(|p| p.shard != id);
        if !c.missing.is_empty() {
            self.v8_pending.push(PendingV8 {
                shard: id,
                input: Arc::clone(&input),
                missing: c.missing,
            });
        }
        self.remap.set(RemapShard {
            shard: id,
            kept: Kept::V8 {
                input,
                scripts: c.scripts,
            },
            keys: c.keys,
            outcome: c.outcome,
        });
        true
    }

    /// The maps a line report's generated files find now, and the report to remap (the kept original,
    /// or the shard's own report while it was never remapped).
    fn line_keys(&self, report: &Report) -> Keys {
        report
            .files
            .keys()
            .filter(|p| is_script_path(p))
            .map(|p| {
                let link = link_of(self.dropped_text(p), p);
                self.remap
                    .store
                    .find(p, &link)
                    .map(|f| self.remap.store.label(&f))
            })
            .collect()
    }

    /// Remaps a line report through the dropped maps of its generated files; `None` when none has one.
    fn convert_lines(&self, original: &Loaded) -> Option<(Loaded, Outcome)> {
        let mut found: BTreeMap<String, SourceMap> = BTreeMap::new();
        let mut via: Vec<String> = Vec::new();
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        for p in original.report.files.keys().filter(|p| is_script_path(p)) {
            let text = self.dropped_text(p);
            let link = link_of(text, p);
            let Some(f) = self.remap.store.find(p, &link) else {
                continue;
            };
            let map = match f {
                Found::Inline => {
                    match text.and_then(|t| sourcemap::locate_source_map(t, Some(p))) {
                        Some(Ok(MapLocation::Inline(b))) => {
                            sourcemap::decode(&b, &DecodeOptions { lenient: true })
                                .ok()
                                .map(|p| p.value)
                        }
                        _ => None,
                    }
                }
                Found::Dropped(i) => Some((*self.remap.store.maps[i].map).clone()),
            };
            if let Some(m) = map {
                let label = self.remap.store.label(&f);
                if !via.contains(&label) {
                    via.push(label.clone());
                }
                labels.insert(p.clone(), label);
                found.insert(p.clone(), m);
            }
        }
        if found.is_empty() {
            return None;
        }
        let mut r = remap::remap_lines(
            &original.report,
            &mut |p| found.remove(p),
            &self.remap.options,
        );
        let mut diagnostics = original.diagnostics.clone();
        diagnostics.append(&mut r.diagnostics);
        diagnostics.extend(r.unmapped_diagnostics());
        diagnostics.extend(excluded_note(&r));
        let o = outcome(&mut r, via, labels);
        Some((
            Loaded {
                format: original.format,
                report: r.report,
                diagnostics,
                records: original.records,
            },
            o,
        ))
    }

    /// After shard `id` was added: a line report (not V8, which [`Self::load_v8_mapped`] handles, nor
    /// an Istanbul input remapped by its `inputSourceMap`) is remapped when dropped maps are for its
    /// generated files, and is watched for maps dropped later.
    pub(super) fn remap_after_add(&mut self, id: ShardId) {
        let Some(shard) = self.shards.get(id) else {
            return;
        };
        if shard.format == Format::V8 || self.remap.get(id).is_some() {
            return;
        }
        if !shard.report.files.keys().any(|p| is_script_path(p)) {
            return;
        }
        let keys = self.line_keys(&shard.report);
        let found = keys.iter().any(Option::is_some);
        self.remap.set(RemapShard {
            shard: id,
            kept: Kept::Lines { original: None },
            keys,
            outcome: None,
        });
        if found {
            self.reconvert_lines(id);
        }
    }

    fn reconvert_lines(&mut self, id: ShardId) {
        let Some(i) = self.remap.shards.iter().position(|s| s.shard == id) else {
            return;
        };
        let original = match &mut self.remap.shards[i].kept {
            Kept::Lines { original } => original.take(),
            _ => return,
        };
        let original = match original {
            Some(o) => o,
            None => {
                let Some(s) = self.shards.get(id) else { return };
                Loaded {
                    format: s.format,
                    report: s.report.clone(),
                    diagnostics: s.diagnostics.clone(),
                    records: s.report.files.len() as u64,
                }
            }
        };
        let keys = self.line_keys(&original.report);
        let converted = self.convert_lines(&original);
        let (loaded, outcome) = match converted {
            Some((l, o)) => (l, Some(o)),
            None => (original.clone(), None),
        };
        self.shards.replace(id, loaded);
        let entry = &mut self.remap.shards[i];
        entry.kept = Kept::Lines {
            original: outcome.is_some().then_some(original),
        };
        entry.keys = keys;
        entry.outcome = outcome;
    }

    /// Converts again every kept shard whose maps changed (a map or a script was dropped), or every
    /// remapped one when `all` (the options changed).
    pub(super) fn remap_refresh(&mut self, all: bool) {
        let ids: Vec<ShardId> = self.remap.shards.iter().map(|s| s.shard).collect();
        for id in ids {
            let Some(entry) = self.remap.get(id) else {
                continue;
            };
            let remapped = entry.outcome.is_some();
            match &entry.kept {
                Kept::V8 { scripts, .. } => {
                    let keys: Keys = scripts
                        .iter()
                        .map(|(url, path, own)| {
                            let link = match own {
                                Link::None => link_of(self.sources.script_text(url), url),
                                l => l.clone(),
                            };
                            self.remap
                                .store
                                .find(path, &link)
                                .map(|f| self.remap.store.label(&f))
                        })
                        .collect();
                    if (all && remapped) || keys != entry.keys {
                        self.reconvert_v8_shard(id);
                    }
                }
                Kept::Istanbul { input } => {
                    if all {
                        let input = Arc::clone(input);
                        let (result, outcome) = self.convert_istanbul(&input);
                        if let Ok(loaded) = result {
                            self.shards.replace(id, loaded);
                            if let Some(e) = self.remap.shards.iter_mut().find(|s| s.shard == id) {
                                e.outcome = outcome;
                            }
                        }
                    }
                }
                Kept::Lines { original } => {
                    let keys = match original {
                        Some(o) => self.line_keys(&o.report),
                        None => match self.shards.get(id) {
                            Some(s) => self.line_keys(&s.report),
                            None => continue,
                        },
                    };
                    if (all && remapped) || keys != entry.keys {
                        self.reconvert_lines(id);
                    }
                }
            }
        }
    }

    /// Keeps (`true`) or leaves out library sources (under `node_modules`, in a map's `ignoreList`)
    /// from now on, converting the remapped shards again; false when nothing changed.
    pub fn set_include_libraries(&mut self, include: bool) -> bool {
        if self.remap.options.keep_ignored_sources == include {
            return false;
        }
        self.remap.options.keep_ignored_sources = include;
        self.remap_refresh(true);
        true
    }

    /// Original texts from `sourcesContent` for `path`, by enabled shard (name, text).
    /// `originals[i]`: the paths `enabled[i]` has for the page's (reconciled) path.
    pub(super) fn map_texts<'a>(
        &'a self,
        enabled: &[&'a covlens_core::Shard],
        originals: &[Vec<String>],
    ) -> Vec<(&'a str, &'a str)> {
        enabled
            .iter()
            .zip(originals)
            .filter_map(|(s, originals)| {
                let o = self.remap.get(s.id)?.outcome.as_ref()?;
                let text = originals.iter().find_map(|p| o.source_text.get(p))?;
                Some((s.name.as_str(), text.as_str()))
            })
            .collect()
    }

    /// A dropped file's text for a report path (longest whole-segment suffix; a tie is none).
    fn dropped_text(&self, path: &str) -> Option<&str> {
        match self.sources.find(path) {
            SourceMatch::Found { index, .. } => Some(self.sources.text(index)),
            _ => None,
        }
    }

    /// The text of a generated file: carried by a report (Playwright `source`) or dropped.
    fn generated_text(&self, shard: ShardId, path: &str) -> Option<&str> {
        self.report_texts
            .iter()
            .find(|(id, _)| *id == shard)
            .and_then(|(_, t)| t.get(path))
            .map(String::as_str)
            .or_else(|| match self.sources.find(path) {
                SourceMatch::Found { index, .. } => Some(self.sources.text(index)),
                _ => None,
            })
    }

    fn original_text<'a>(&'a self, o: &'a Outcome, path: &str) -> Option<&'a str> {
        o.source_text
            .get(path)
            .map(String::as_str)
            .or_else(|| match self.sources.find(path) {
                SourceMatch::Found { index, .. } => Some(self.sources.text(index)),
                _ => None,
            })
    }

    /// The mapping inspector's answer: the generated code of lines of an original source, or the
    /// original code of lines of a generated file, through the maps of the enabled remapped shards.
    pub fn mapping(&self, q: &MappingQuery) -> MappingView {
        let (first, last) = (q.first.max(1), q.last.max(q.first).max(1));
        let query = MappingQuery {
            path: q.path.clone(),
            first,
            last,
        };
        let enabled = self
            .shards
            .shards()
            .iter()
            .filter(|s| s.enabled)
            .filter_map(|s| Some((s, self.remap.get(s.id)?.outcome.as_ref()?)));
        let mut to_generated: Vec<Counterpart> = Vec::new();
        let mut to_original: Vec<Counterpart> = Vec::new();
        for (shard, o) in enabled {
            for (generated, gm) in &o.maps {
                for (i, p) in gm.source_paths.iter().enumerate() {
                    if p.as_deref() != Some(q.path.as_str())
                        || to_generated.iter().any(|c| c.path == *generated)
                    {
                        continue;
                    }
                    let spans: Vec<Span> = gm
                        .map
                        .generated_ranges_for(i as u32, (first - 1, 0), (last, 0))
                        .into_iter()
                        .map(|r| Span {
                            line: r.line + 1,
                            start: r.start_column,
                            end: r.end_column,
                        })
                        .collect();
                    let text = self.generated_text(shard.id, generated);
                    let map = o.labels.get(generated).map_or("", String::as_str);
                    to_generated.push(counterpart(generated, &shard.name, map, spans, text));
                }
                if *generated == q.path {
                    for (i, p) in gm.source_paths.iter().enumerate() {
                        let Some(p) = p else { continue };
                        if to_original.iter().any(|c| c.path == *p) {
                            continue;
                        }
                        let spans = original_spans(&gm.map, i as u32, first, last);
                        if spans.is_empty() {
                            continue;
                        }
                        let text = self.original_text(o, p);
                        let map = o.labels.get(generated).map_or("", String::as_str);
                        to_original.push(counterpart(p, &shard.name, map, spans, text));
                    }
                }
            }
        }
        let known_generated = self.remap.shards.iter().any(|s| {
            s.outcome
                .as_ref()
                .is_some_and(|o| o.maps.contains_key(&q.path))
        });
        let (direction, counterparts) = if !to_generated.is_empty() {
            (Some(Direction::ToGenerated), to_generated)
        } else if known_generated {
            (Some(Direction::ToOriginal), to_original)
        } else {
            (None, Vec::new())
        };
        MappingView {
            query,
            direction,
            counterparts,
        }
    }

    /// The source view's text origin for `path` when its text came from a source map.
    /// `originals(id)`: the paths shard `id` has for the page's (reconciled) path.
    pub(super) fn map_origin(
        &self,
        detail_origin: &TextOrigin,
        originals: impl Fn(ShardId) -> Vec<String>,
    ) -> Option<TextOrigin> {
        let TextOrigin::Report { shard } = detail_origin else {
            return None;
        };
        let s = self.shards.shards().iter().find(|s| s.name == *shard)?;
        let paths = originals(s.id);
        let from_report = self
            .report_texts
            .iter()
            .any(|(id, t)| *id == s.id && paths.iter().any(|p| t.contains_key(p)));
        let o = self.remap.get(s.id)?.outcome.as_ref()?;
        let in_map = paths.iter().any(|p| o.source_text.contains_key(p));
        (!from_report && in_map).then(|| TextOrigin::Report {
            shard: format!("{} (sourcesContent of its source map)", s.name),
        })
    }
}

/// What [`WorkerState::load_v8_mapped`] hands to [`WorkerState::remap_register`] once the shard has
/// its id.
#[derive(Debug)]
pub(super) struct PendingRemap {
    kept: Kept,
    keys: Keys,
    outcome: Option<Outcome>,
}

impl PendingRemap {
    /// The kept input, shared (a V8 shard whose scripts lack text keeps it for the same reason).
    pub(super) fn input(&self) -> Arc<[u8]> {
        match &self.kept {
            Kept::V8 { input, .. } | Kept::Istanbul { input } => Arc::clone(input),
            Kept::Lines { .. } => Arc::from(&[][..]),
        }
    }
}

fn counterpart(
    path: &str,
    shard: &str,
    map: &str,
    spans: Vec<Span>,
    text: Option<&str>,
) -> Counterpart {
    let (excerpt, note) = match text {
        Some(t) => (excerpt(t, &spans), None),
        None if spans.is_empty() => (Vec::new(), None),
        None => (
            Vec::new(),
            Some(format!(
                "no text for {}: drop the file to see the code",
                crate::remap_view::file_name(path)
            )),
        ),
    };
    Counterpart {
        path: path.to_string(),
        shard: shard.to_string(),
        map: map.to_string(),
        spans,
        excerpt,
        note,
    }
}

/// Original spans of the mappings of generated lines `first..=last` (1-based) into source `source`:
/// each from its original column to the next original column of that line, or to its end.
fn original_spans(map: &SourceMap, source: u32, first: u32, last: u32) -> Vec<Span> {
    let mut points: Vec<(u32, u32)> = Vec::new();
    for l in first..=last {
        for m in map.mappings_on_line(l - 1) {
            if let Some(o) = m.original.filter(|o| o.source == source) {
                points.push((o.line, o.column));
            }
        }
    }
    points.sort_unstable();
    points.dedup();
    if points.is_empty() {
        return Vec::new();
    }
    // Every original column of the lines involved, to end each span.
    let mut columns: Vec<(u32, u32)> = map
        .mappings()
        .iter()
        .filter_map(|m| m.original)
        .filter(|o| o.source == source && points.iter().any(|p| p.0 == o.line))
        .map(|o| (o.line, o.column))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    points
        .into_iter()
        .map(|(line, column)| {
            let end = columns
                .iter()
                .find(|c| c.0 == line && c.1 > column)
                .map(|c| c.1);
            Span {
                line: line + 1,
                start: column,
                end,
            }
        })
        .collect()
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
