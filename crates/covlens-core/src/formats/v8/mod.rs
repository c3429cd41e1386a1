//! V8 JavaScript coverage (`NODE_V8_COVERAGE` dumps, Chrome DevTools / Playwright `page.coverage`): the
//! reader and the conversion to the model, with the totals c8 reports.
//!
//! **Inputs** (`FORMATS.md` section 10 of the shared corpus): a process dump
//! `{"result": [ScriptCoverage], "timestamp"?, "source-map-cache"?}`, a list of scripts
//! `[{url, scriptId, source?, functions}]` (Playwright), or one bare `ScriptCoverage`. Puppeteer's
//! `{url, text, ranges}` (covered ranges, no counts) is recognised and skipped with a warning.
//!
//! **Two steps.** [`parse`] reads the input into [`V8Coverage`] (wire-faithful: scripts, functions,
//! ranges, the `source-map-cache` entries with each map's raw JSON text); [`to_records`] converts it,
//! taking each script's text from the input (`source`) or else from the caller's lookup (the CLI reads
//! `file://` URLs from disk; the core does no IO). [`V8Coverage::scripts_needing_text`] lists what a
//! lookup will be asked for. [`load`] does both into one [`Loaded`]. The generic front doors
//! ([`parse_slice`], [`parse_reader`]) use no lookup.
//!
//! **Which scripts.** Like c8 (which maps `node:x` to `x.js` and then finds no such file), scripts of
//! Node itself are skipped and counted in one note: `node:*` URLs and the bare module names of Node <= 15
//! (`events.js`, `internal/...`: no scheme, not absolute, not `./` or `../`); so are scripts with an
//! empty URL (eval'd code). `file://` URLs become paths (percent-decoded, as `fileURLToPath`); other
//! URLs (`http://...`) and paths are kept as written.
//!
//! **Conversion rules**, those of c8 10.1.3, which first normalises each script with @bcoe/v8-coverage
//! 1.0.2 (`mergeProcessCovs` → `deepNormalizeScriptCov`, `src/lib/normalize.js`,
//! `src/lib/range-tree.js`) and then runs v8-to-istanbul 9.3.0 (`lib/v8-to-istanbul.js`
//! `applyCoverage` / `toIstanbul`, `lib/source.js`, `lib/line.js`, `lib/range.js`):
//! - *Normalisation*: a function's ranges are sorted (start ascending, end descending) into a tree; a
//!   range is a child of the innermost open range it starts inside; adjacent siblings with the same
//!   count are joined and a single child spanning its parent is folded into it. Functions are then
//!   sorted by their first (root) range, so outer code comes before the code nested in it.
//! - *Text*: trailing white space is trimmed (`trimEnd`), the text is split after each `\n` (so `\r\n`
//!   ends a line, a lone `\r` does not); offsets are UTF-16 code units, a line's end excludes its
//!   terminator. Every line is a statement and a line: found = the number of lines, blank or not.
//! - *Lines*: every line starts with count 1; for each range in order (functions, then ranges, as
//!   normalised) every line lying wholly inside the range (`start <= line.start && end >= line.end`,
//!   the end clamped to the text's length) takes the range's count: later, inner ranges override.
//! - *Branches*: one per range of a block-coverage function (its root range included) that touches a
//!   line (`start < line.end && end >= line.start`), on the first line it touches, taken = the range's
//!   count. Identity: block = the start column on that line, branch = the range's length (UTF-16).
//! - *Functions*: one per *named* function (`functionName` not empty; the top level and anonymous
//!   functions are not counted): its first range for block coverage, every range otherwise; at the
//!   first line the range touches, to the last; hits = the range's count. A name used twice in a file
//!   becomes `name@line:column`.
//! - *Ignore comments* (applied by default): `/* c8|v8|node:coverage ignore next [N] */` at the start of
//!   a line (only non-word characters before it) ignores that line and the next N (1 by default),
//!   elsewhere on a line only that line; `/* c8 ignore start|stop */` and
//!   `/* node:coverage disable|enable */` bracket ignored lines. An ignored line counts as covered
//!   (count 1), and so do the branches and functions starting on it.
//! - Not done: c8's wrapper length of Node < 10.16 (offsets taken as they are), `--all` placeholders,
//!   source maps (`source-map-cache` is kept in [`V8Coverage::source_map_cache`] for that), and c8's
//!   merge of the same URL from several processes (covlens merges the model instead: lines and
//!   branches sum by line and identity, so merged totals can differ from c8's on blocks that only one
//!   process reports). A URL repeated in one input is converted once per entry and merged the same way.
//!
//! **No text.** A script whose text is neither in the input nor given by the lookup is not loaded: its
//! functions, lines and branches all need the text to be placed on lines, and covlens never makes up a
//! position. A warning names the script, counts its named functions (and how many were hit) and says how
//! to supply the text.

use std::io::BufRead;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError, Parsed};
use crate::formats::{jsonpos, ParseOptions, Sink};
use crate::load::Loaded;
use crate::merge::ReportBuilder;
use crate::model::{BranchIdentity, Fidelity, FileRecord, Measure};

pub(crate) mod convert;
mod wire;

pub use wire::{
    CoverageRange, FunctionCoverage, ScriptCoverage, Shape, SourceMapCacheEntry, V8Coverage,
};

/// What this format carries: counted lines (from the script text), counted block ranges as branches,
/// counted named functions.
pub const FIDELITY: Fidelity = Fidelity {
    lines: Measure::Counted,
    branches: Measure::Counted,
    functions: Measure::Counted,
    branch_identity: BranchIdentity::Native,
};

/// A lookup of a script's text by its URL (as written in the input).
pub type TextLookup<'a> = dyn FnMut(&str) -> Option<String> + 'a;

/// Reads a V8 coverage document into its wire types (no conversion yet).
pub fn parse(input: &[u8], options: &ParseOptions) -> Result<Parsed<V8Coverage>, ParseError> {
    wire::parse(input, options)
}

/// Where a script goes: a path for the model, or why it is skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Path(String),
    /// A script of Node itself (`node:*`, or a bare module name of Node <= 15).
    NodeInternal,
    /// An empty URL (eval'd code).
    NoUrl,
}

/// The model path of a script URL, or why it is skipped (see the module doc).
pub fn target_of(url: &str) -> Target {
    if url.is_empty() {
        return Target::NoUrl;
    }
    if url.starts_with("node:") {
        return Target::NodeInternal;
    }
    if let Some(rest) = url.strip_prefix("file://") {
        return Target::Path(file_url_path(rest));
    }
    let windows_path = url.len() >= 3
        && url.as_bytes()[0].is_ascii_alphabetic()
        && url.as_bytes()[1] == b':'
        && matches!(url.as_bytes()[2], b'/' | b'\\');
    if windows_path
        || url.starts_with('/')
        || url.starts_with('\\')
        || url.starts_with("./")
        || url.starts_with("../")
        || has_scheme(url)
    {
        return Target::Path(url.to_string());
    }
    Target::NodeInternal
}

fn has_scheme(url: &str) -> bool {
    match url.find(':') {
        Some(i) if i > 1 => {
            let s = &url[..i];
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// `fileURLToPath` without the OS: `file:///a%20b/c.js` → `/a b/c.js`, `file:///C:/x` → `C:/x`,
/// `file://host/share/x` → `//host/share/x`. Invalid escapes stay as written.
fn file_url_path(rest: &str) -> String {
    let path = match rest.strip_prefix('/') {
        Some(p) => {
            let b = p.as_bytes();
            if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
                p.to_string()
            } else {
                format!("/{p}")
            }
        }
        None if rest.starts_with("localhost/") => rest["localhost".len()..].to_string(),
        None => format!("//{rest}"),
    };
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or(path)
}

impl V8Coverage {
    /// URLs of the scripts [`to_records`] will convert that carry no text (each once, in input order):
    /// what a lookup will be asked for.
    pub fn scripts_needing_text(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.scripts {
            if s.source.is_none()
                && matches!(target_of(&s.url), Target::Path(_))
                && !out.contains(&s.url.as_str())
            {
                out.push(&s.url);
            }
        }
        out
    }
}

/// Converts parsed V8 coverage into one record per script (rules in the module doc), taking each
/// script's text from the input or else from `lookup`.
pub fn to_records(
    coverage: &V8Coverage,
    lookup: &mut TextLookup<'_>,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Vec<Diagnostic> {
    let mut diags = jsonpos::Diags::new(options.max_diagnostics);
    let (mut internal, mut no_url) = (0u64, 0u64);
    for script in &coverage.scripts {
        let path = match target_of(&script.url) {
            Target::Path(p) => p,
            Target::NodeInternal => {
                internal += 1;
                continue;
            }
            Target::NoUrl => {
                no_url += 1;
                continue;
            }
        };
        let mut functions = script.functions.clone();
        let too_deep = convert::normalize_script(&mut functions);
        if too_deep > 0 {
            diags.warn(script.position, || {
                format!("script `{}`: {too_deep} function(s) nest ranges too deeply to normalise; their ranges are used as written", script.url)
            });
        }
        let looked_up;
        let text = match &script.source {
            Some(t) => Some(t.as_str()),
            None => {
                looked_up = lookup(&script.url);
                looked_up.as_deref()
            }
        };
        let coverage = match text {
            Some(text) => {
                let mut source = convert::CovSource::new(text);
                convert::with_text(&mut source, &functions)
            }
            None => {
                // Without text no line is known: the script is left out rather than given made-up
                // positions, and the warning says what was left out and how to supply the text.
                let (n, hit) = convert::named_functions(&functions);
                diags.warn(script.position, || {
                    format!(
                        "script `{}` has no source text: not loaded (its {n} function(s), {hit} hit, and its lines and branches need the text to be placed); supply the text: keep the file at `{path}` for the command line, or give it to `v8::to_records` through its lookup (Playwright's `page.coverage` output carries it as `source`)",
                        script.url
                    )
                });
                continue;
            }
        };
        sink(FileRecord { path, coverage });
    }
    if internal > 0 {
        diags.note(None, || {
            format!("skipped {internal} script(s) of Node.js itself (`node:*` and bare module names), as c8 does")
        });
    }
    if no_url > 0 {
        diags.note(None, || {
            format!("skipped {no_url} script(s) without a URL (evaluated code)")
        });
    }
    diags.finish()
}

/// Parses and converts a V8 input held in memory (a gzip input is not unpacked here), with a lookup
/// for script text; the V8 counterpart of [`crate::parse_bytes_as`].
pub fn load(
    input: &[u8],
    options: &ParseOptions,
    lookup: &mut TextLookup<'_>,
) -> Result<Loaded, ParseError> {
    let Parsed {
        value,
        mut diagnostics,
    } = parse(input, options)?;
    let mut builder = ReportBuilder::new(FIDELITY);
    diagnostics.extend(to_records(&value, lookup, options, &mut |r| {
        builder.push(r)
    }));
    let records = builder.records();
    let (report, merge_diags) = builder.finish();
    diagnostics.extend(merge_diags);
    Ok(Loaded {
        format: Format::V8,
        report,
        diagnostics,
        records,
    })
}

/// Parses a whole document held in memory, without a text lookup: scripts with `source` get lines and
/// branches, the others only functions (and a warning each).
pub fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let Parsed {
        value,
        mut diagnostics,
    } = parse(input, options)?;
    diagnostics.extend(to_records(&value, &mut |_| None, options, sink));
    Ok(diagnostics)
}

/// Parses a stream. A JSON document is parsed as a whole: the reader's bytes are collected into memory
/// and parsed as by [`parse_slice`].
pub fn parse_reader<R: BufRead>(
    input: R,
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let bytes = jsonpos::read_all(Format::V8, input)?;
    parse_slice(&bytes, options, sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_paths_or_are_skipped() {
        assert_eq!(
            target_of("file:///tmp/a%20b/c.js"),
            Target::Path("/tmp/a b/c.js".into())
        );
        assert_eq!(
            target_of("file:///C:/x/y.js"),
            Target::Path("C:/x/y.js".into())
        );
        assert_eq!(target_of("node:internal/main"), Target::NodeInternal);
        assert_eq!(
            target_of("internal/bootstrap/loaders.js"),
            Target::NodeInternal
        );
        assert_eq!(target_of("events.js"), Target::NodeInternal);
        assert_eq!(target_of(""), Target::NoUrl);
        assert_eq!(
            target_of("http://localhost:8080/app.js"),
            Target::Path("http://localhost:8080/app.js".into())
        );
        assert_eq!(target_of("/lib.js"), Target::Path("/lib.js".into()));
        assert_eq!(target_of("./t/x.js"), Target::Path("./t/x.js".into()));
    }
}
