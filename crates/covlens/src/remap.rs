//! Source maps on the command line: the options, finding maps and original text on disk, and remapping V8 and Istanbul inputs while loading.
//!
//! Maps are taken, in this order: V8's `source-map-cache` (in the dump), Istanbul's `inputSourceMap`
//! (in the report), a map in `--source-map-dir` named `<script>.map` or whose `file` field names the
//! script, the script's own `sourceMappingURL` (a `data:` URL, or a file resolved against the
//! script), and `<script>.map` beside the script. The rules of the remapping are the core's
//! (`covlens_core::remap`). The options are set once by `main` before loading starts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::Args;
use covlens_core::formats::v8;
use covlens_core::remap::{self, RemapOptions, Remapped, V8Inputs};
use covlens_core::sourcemap::{self, DecodeOptions, MapLocation, SourceMap};
use covlens_core::{Diagnostic, ParseError, ParseOptions, Report};

use crate::load::{Merge, Parsed};

/// Source-map options shared by `merge` and `summary`.
#[derive(Args, Debug, Clone, Default)]
pub struct SourceMapArgs {
    /// Do not remap generated JavaScript through source maps (by default V8 and Istanbul inputs with
    /// maps are reported against the original sources)
    #[arg(long)]
    pub no_source_maps: bool,
    /// Look for source maps in DIR too: `<script>.map`, or a map whose `file` field names the script
    #[arg(long, value_name = "DIR")]
    pub source_map_dir: Option<PathBuf>,
    /// Keep original sources under node_modules or in a map's ignoreList (left out by default)
    #[arg(long)]
    pub keep_ignored_sources: bool,
}

static CONFIG: OnceLock<SourceMapArgs> = OnceLock::new();

/// Sets the options for this process (the first call wins; `main` calls it once).
pub fn configure(args: &SourceMapArgs) {
    let _ = CONFIG.set(args.clone());
}

fn config() -> &'static SourceMapArgs {
    CONFIG.get_or_init(SourceMapArgs::default)
}

/// Whether remapping is on.
pub fn enabled() -> bool {
    !config().no_source_maps
}

fn options() -> RemapOptions {
    RemapOptions {
        keep_ignored_sources: config().keep_ignored_sources,
    }
}

/// Maps in `--source-map-dir`, by the script file name they are for (`x.js.map` → `x.js`, and
/// their `file` field's file name).
fn dir_index() -> &'static BTreeMap<String, PathBuf> {
    static INDEX: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = BTreeMap::new();
        let Some(dir) = &config().source_map_dir else {
            return index;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return index;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(script) = name.strip_suffix(".map") else {
                continue;
            };
            index.entry(script.to_string()).or_insert_with(|| p.clone());
            let file = std::fs::read(&p).ok().and_then(|b| {
                let v: serde_json::Value = serde_json::from_slice(&b).ok()?;
                Some(v.get("file")?.as_str()?.rsplit('/').next()?.to_string())
            });
            if let Some(f) = file {
                index.entry(f).or_insert(p);
            }
        }
        index
    })
}

fn decode_file(path: &Path) -> Option<SourceMap> {
    let bytes = std::fs::read(path).ok()?;
    decode_bytes(&bytes)
}

fn decode_bytes(bytes: &[u8]) -> Option<SourceMap> {
    sourcemap::decode(bytes, &DecodeOptions { lenient: true })
        .ok()
        .map(|p| p.value)
}

/// A script path on disk for a URL or path (`file://` URLs and absolute or relative paths).
fn disk_path(url: &str) -> Option<PathBuf> {
    match v8::target_of(url) {
        v8::Target::Path(p) if !p.contains("://") => Some(PathBuf::from(p)),
        _ => None,
    }
}

/// The map of a generated script, from `--source-map-dir` or from disk (see the module doc).
pub fn find_map(url: &str) -> Option<SourceMap> {
    let path = disk_path(url);
    let name = url.rsplit(['/', '\\']).next().unwrap_or(url);
    if let Some(p) = dir_index().get(name) {
        if let Some(m) = decode_file(p) {
            return Some(m);
        }
    }
    let path = path?;
    if let Ok(text) = std::fs::read_to_string(&path) {
        match sourcemap::locate_source_map(&text, path.to_str()) {
            Some(Ok(MapLocation::Inline(bytes))) => return decode_bytes(&bytes),
            Some(Ok(MapLocation::External(loc))) => {
                if let Some(m) = disk_path(&loc).and_then(|p| decode_file(&p)) {
                    return Some(m);
                }
            }
            _ => {}
        }
    }
    let mut beside = path.into_os_string();
    beside.push(".map");
    decode_file(Path::new(&beside))
}

fn read_text(url_or_path: &str) -> Option<String> {
    std::fs::read_to_string(disk_path(url_or_path)?).ok()
}

/// Remaps a V8 input when any of its scripts has a map; `None` when none has (load it as usual).
pub fn v8(bytes: &[u8], options: &ParseOptions) -> Option<Result<Remapped, ParseError>> {
    if !enabled() {
        return None;
    }
    let parsed = match v8::parse(bytes, options) {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let coverage = parsed.value;
    let mut found: BTreeMap<String, SourceMap> = BTreeMap::new();
    for s in &coverage.scripts {
        if coverage.source_map_cache.contains_key(&s.url) || found.contains_key(&s.url) {
            continue;
        }
        if !matches!(v8::target_of(&s.url), v8::Target::Path(_)) {
            continue;
        }
        let map = match &s.source {
            // Playwright: the text is in the input; its sourceMappingURL may be inline.
            Some(text) => match sourcemap::locate_source_map(text, Some(&s.url)) {
                Some(Ok(MapLocation::Inline(b))) => decode_bytes(&b),
                _ => find_map(&s.url),
            },
            None => find_map(&s.url),
        };
        if let Some(m) = map {
            found.insert(s.url.clone(), m);
        }
    }
    // Scripts under node_modules are left out as c8 does, which the remap pass does.
    let library = !config().keep_ignored_sources
        && coverage
            .scripts
            .iter()
            .any(|s| match v8::target_of(&s.url) {
                v8::Target::Path(p) => remap::under_node_modules(&p),
                _ => false,
            });
    if coverage.source_map_cache.is_empty() && found.is_empty() && !library {
        return None;
    }
    let mut remapped = remap::remap_v8(
        &coverage,
        &mut V8Inputs {
            map_for: &mut |url| found.remove(url),
            text_for: &mut |u| read_text(u),
        },
        &self::options(),
        options,
    );
    let mut diagnostics = parsed.diagnostics;
    diagnostics.append(&mut remapped.diagnostics);
    diagnostics.extend(remapped.unmapped_diagnostics());
    diagnostics.extend(excluded_note(&remapped));
    remapped.diagnostics = diagnostics;
    Some(Ok(remapped))
}

/// Remaps an Istanbul input whose files carry `inputSourceMap`; `None` when none does.
pub fn istanbul(bytes: &[u8], options: &ParseOptions) -> Option<Result<Remapped, ParseError>> {
    if !enabled() || memchr::memmem::find(bytes, b"\"inputSourceMap\"").is_none() {
        return None;
    }
    Some(
        remap::remap_istanbul(bytes, &self::options(), options).map(|mut r| {
            let mut extra = r.unmapped_diagnostics();
            extra.extend(excluded_note(&r));
            r.diagnostics.extend(extra);
            r
        }),
    )
}

/// Whether a path in a line report names generated JavaScript (worth looking for a map).
fn is_script(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".js", ".mjs", ".cjs", ".jsx"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Remaps the JavaScript files of a line report (LCOV, Cobertura, ...) that have a map on disk or in
/// `--source-map-dir` (found as for V8 scripts), with the core's line rule; other files stay as they are.
pub fn lines<M: Merge>(mut parsed: Parsed<M>) -> Parsed<M> {
    if !enabled() {
        return parsed;
    }
    let mut maps: BTreeMap<String, SourceMap> = BTreeMap::new();
    for path in parsed.merged.paths().filter(|p| is_script(p)) {
        // A relative path in a line report is relative to where covlens runs.
        let url = match v8::target_of(path) {
            v8::Target::Path(p) => p,
            _ => match std::path::absolute(path) {
                Ok(abs) => abs.to_string_lossy().into_owned(),
                Err(_) => continue,
            },
        };
        if let Some(m) = find_map(&url) {
            maps.insert(path.to_string(), m);
        }
    }
    if maps.is_empty() {
        return parsed;
    }
    let mut generated = Report::new(parsed.merged.fidelity());
    for path in maps.keys() {
        if let Some(fc) = parsed.merged.take_file(path) {
            generated.files.insert(path.clone(), fc);
        }
    }
    let mut r = remap::remap_lines(&generated, &mut |p| maps.remove(p), &self::options());
    parsed.diagnostics.append(&mut r.diagnostics);
    parsed.diagnostics.extend(r.unmapped_diagnostics());
    parsed.diagnostics.extend(excluded_note(&r));
    parsed.records =
        parsed.records.saturating_sub(generated.files.len() as u64) + r.report.files.len() as u64;
    let merge_diags = parsed.merged.merge_owned(M::from_report(r.report));
    parsed.diagnostics.extend(merge_diags);
    parsed
}

fn excluded_note(r: &Remapped) -> Option<Diagnostic> {
    (!r.excluded.is_empty()).then(|| {
        Diagnostic::note(
            None,
            format!(
                "left out {} original source(s) under node_modules or in a map's ignoreList (--keep-ignored-sources keeps them): {}",
                r.excluded.len(),
                r.excluded.join(", ")
            ),
        )
    })
}
