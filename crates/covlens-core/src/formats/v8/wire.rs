//! The V8 coverage wire types and their reader: Node process dumps, DevTools / Playwright script lists.
//!
//! Each script entry and each function entry is kept as a borrowed `RawValue` first, so that a
//! malformed one is named by its `line:column` and skipped while the rest loads.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::detect::Format;
use crate::diag::{ParseError, Parsed, Position};
use crate::formats::istanbul::parse::Members;
use crate::formats::jsonpos::{self, CountIs, Diags, LineIndex, Num};
use crate::formats::ParseOptions;

/// One V8 `CoverageRange`: a half-open span of UTF-16 code units of the script, run `count` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoverageRange {
    pub start_offset: u64,
    pub end_offset: u64,
    pub count: u64,
}

/// One V8 `FunctionCoverage`: the first range is the function's whole extent, the later ones nested
/// blocks (with `is_block_coverage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionCoverage {
    /// `""` for the script's top level and for anonymous functions.
    pub function_name: String,
    pub ranges: Vec<CoverageRange>,
    pub is_block_coverage: bool,
}

/// One V8 `ScriptCoverage`, with the script text where the input carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptCoverage {
    /// As written (a string in V8's output; a number is kept as its JSON text).
    pub script_id: String,
    pub url: String,
    /// The script text: Playwright's `source` (Puppeteer's `text`); `None` in Node dumps.
    pub source: Option<String>,
    pub functions: Vec<FunctionCoverage>,
    /// Where the entry starts in the input, for diagnostics.
    pub position: Option<Position>,
}

/// One `source-map-cache` entry of a Node dump (Node >= 13), kept for source-map support.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceMapCacheEntry {
    /// The map's own URL (`null` for an inline map).
    pub url: Option<String>,
    /// Lengths of the generated script's lines (UTF-16 code units, without line terminators).
    pub line_lengths: Vec<u64>,
    /// The source map itself, as its raw JSON text (`None` when `data` is absent or `null`).
    pub data: Option<String>,
}

/// The layout an input had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `{"result": [ScriptCoverage], "timestamp"?, "source-map-cache"?}`: `NODE_V8_COVERAGE` files,
    /// CDP `Profiler.takePreciseCoverage` results.
    Process,
    /// `[{url, scriptId, source?, functions}]`: Playwright `page.coverage.stopJSCoverage()`.
    ScriptList,
    /// One bare `ScriptCoverage` object.
    Script,
}

/// A parsed V8 coverage input, before conversion to the model.
#[derive(Clone, Debug, PartialEq)]
pub struct V8Coverage {
    pub shape: Shape,
    /// In input order.
    pub scripts: Vec<ScriptCoverage>,
    /// `source-map-cache`, keyed by the generated script's URL as written.
    pub source_map_cache: BTreeMap<String, SourceMapCacheEntry>,
    pub timestamp: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScriptWire<'a> {
    #[serde(default, borrow)]
    script_id: Option<&'a RawValue>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, borrow)]
    functions: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    ranges: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FunctionWire {
    #[serde(default)]
    function_name: Option<String>,
    ranges: Vec<RangeWire>,
    #[serde(default)]
    is_block_coverage: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RangeWire {
    start_offset: Num,
    end_offset: Num,
    count: Num,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CacheWire<'a> {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    line_lengths: Option<Vec<Num>>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

fn not_v8(input: &[u8], message: &str) -> ParseError {
    let mut index = LineIndex::new(input);
    let first = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    ParseError::new(Some(Format::V8), Some(index.position(first)), message)
}

/// Reads a whole V8 coverage document.
pub fn parse(input: &[u8], options: &ParseOptions) -> Result<Parsed<V8Coverage>, ParseError> {
    let body = jsonpos::strip_bom(input);
    let doc_err = |e: serde_json::Error| jsonpos::document_error(Format::V8, input, &e);
    let mut diags = Diags::new(options.max_diagnostics);
    let mut index = LineIndex::new(input);
    let mut out = V8Coverage {
        shape: Shape::Process,
        scripts: Vec::new(),
        source_map_cache: BTreeMap::new(),
        timestamp: None,
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        out.shape = Shape::ScriptList;
        let entries: Vec<&RawValue> = serde_json::from_slice(body).map_err(doc_err)?;
        for raw in entries {
            if let Some(s) = script(raw, &mut index, &mut diags) {
                out.scripts.push(s);
            }
        }
        return Ok(Parsed {
            value: out,
            diagnostics: diags.finish(),
        });
    }
    let Members(members) = serde_json::from_slice(body).map_err(doc_err)?;
    if !members.iter().any(|(k, _)| k == "result") {
        if members.iter().any(|(k, _)| k == "functions") {
            out.shape = Shape::Script;
            let raw: &RawValue = serde_json::from_slice(body).map_err(doc_err)?;
            if let Some(s) = script(raw, &mut index, &mut diags) {
                out.scripts.push(s);
            }
            return Ok(Parsed {
                value: out,
                diagnostics: diags.finish(),
            });
        }
        return Err(not_v8(
            input,
            "not V8 coverage: an object without a `result` array or a script's `functions`",
        ));
    }
    for (key, raw) in members {
        match key.as_ref() {
            "result" => {
                let entries: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|e| {
                    ParseError::new(
                        Some(Format::V8),
                        Some(index.of_error_in(raw, &e)),
                        format!("`result` is not an array ({})", jsonpos::json_message(&e)),
                    )
                })?;
                for raw in entries {
                    if let Some(s) = script(raw, &mut index, &mut diags) {
                        out.scripts.push(s);
                    }
                }
            }
            "timestamp" => out.timestamp = serde_json::from_str(raw.get()).ok(),
            "source-map-cache" => source_map_cache(raw, &mut index, &mut diags, &mut out),
            _ => {}
        }
    }
    Ok(Parsed {
        value: out,
        diagnostics: diags.finish(),
    })
}

fn source_map_cache(
    raw: &RawValue,
    index: &mut LineIndex<'_>,
    diags: &mut Diags,
    out: &mut V8Coverage,
) {
    let entries = match serde_json::from_str::<Members<'_>>(raw.get()) {
        Ok(Members(m)) => m,
        Err(e) => {
            let at = index.of_error_in(raw, &e);
            let message = jsonpos::json_message(&e);
            diags.warn(Some(at), || {
                format!("`source-map-cache` is not an object ({message}); ignored")
            });
            return;
        }
    };
    for (url, raw) in entries {
        match serde_json::from_str::<CacheWire<'_>>(raw.get()) {
            Ok(w) => {
                let line_lengths = w
                    .line_lengths
                    .unwrap_or_default()
                    .into_iter()
                    .map(|n| match n.count() {
                        CountIs::Exact(v) => v,
                        _ => 0,
                    })
                    .collect();
                let data = w
                    .data
                    .filter(|d| d.get() != "null")
                    .map(|d| d.get().to_string());
                out.source_map_cache.insert(
                    url.into_owned(),
                    SourceMapCacheEntry {
                        url: w.url,
                        line_lengths,
                        data,
                    },
                );
            }
            Err(e) => {
                let at = index.of_error_in(raw, &e);
                let message = jsonpos::json_message(&e);
                diags.warn(Some(at), || {
                    format!("`source-map-cache` entry `{url}` is malformed ({message}); ignored")
                });
            }
        }
    }
}

/// A count or offset: negative is 0 and too large saturates (with a warning), a fraction is dropped.
fn number(n: Num, what: &str, at: Position, diags: &mut Diags) -> Option<u64> {
    match n.count() {
        CountIs::Exact(v) => Some(v),
        CountIs::Clamped => {
            diags.warn(Some(at), || format!("{what} is negative ({n}); taken as 0"));
            Some(0)
        }
        CountIs::Saturated => {
            diags.warn(Some(at), || {
                format!("{what} is beyond 2^64-1 ({n}); saturated")
            });
            Some(u64::MAX)
        }
        CountIs::NotInteger => {
            diags.warn(Some(at), || {
                format!("{what} is not an integer ({n}); range skipped")
            });
            None
        }
    }
}

fn script(raw: &RawValue, index: &mut LineIndex<'_>, diags: &mut Diags) -> Option<ScriptCoverage> {
    let at = index.of_raw(raw);
    let wire: ScriptWire<'_> = match serde_json::from_str(raw.get()) {
        Ok(w) => w,
        Err(e) => {
            let pos = index.of_error_in(raw, &e);
            let message = jsonpos::json_message(&e);
            diags.warn(Some(pos), || {
                format!("script entry is not a V8 ScriptCoverage object ({message}); skipped")
            });
            return None;
        }
    };
    let url = wire.url.unwrap_or_default();
    let Some(function_raws) = wire.functions else {
        if wire.ranges.is_some() && wire.text.is_some() {
            diags.warn(Some(at), || {
                format!("script `{url}` is Puppeteer coverage (covered ranges only, no counts), which is not read yet; skipped")
            });
        } else {
            diags.warn(Some(at), || {
                format!("script entry `{url}` has no `functions` array; skipped")
            });
        }
        return None;
    };
    let script_id = match wire.script_id {
        Some(id) => {
            serde_json::from_str::<String>(id.get()).unwrap_or_else(|_| id.get().to_string())
        }
        None => String::new(),
    };
    let mut functions = Vec::with_capacity(function_raws.len());
    for fraw in function_raws {
        let fat = index.of_raw(fraw);
        let w: FunctionWire = match serde_json::from_str(fraw.get()) {
            Ok(w) => w,
            Err(e) => {
                let pos = index.of_error_in(fraw, &e);
                let message = jsonpos::json_message(&e);
                diags.warn(Some(pos), || {
                    format!("script `{url}`: function entry is not a V8 FunctionCoverage object ({message}); skipped")
                });
                continue;
            }
        };
        let name = w.function_name.unwrap_or_default();
        let mut ranges = Vec::with_capacity(w.ranges.len());
        for r in &w.ranges {
            let what = |f: &str| format!("script `{url}`: function `{name}`: a range's {f}");
            let (Some(start), Some(end), Some(count)) = (
                number(r.start_offset, &what("startOffset"), fat, diags),
                number(r.end_offset, &what("endOffset"), fat, diags),
                number(r.count, &what("count"), fat, diags),
            ) else {
                continue;
            };
            if start > end {
                diags.warn(Some(fat), || {
                    format!("script `{url}`: function `{name}`: range {start}..{end} ends before it starts; skipped")
                });
                continue;
            }
            ranges.push(CoverageRange {
                start_offset: start,
                end_offset: end,
                count,
            });
        }
        if ranges.is_empty() {
            diags.warn(Some(fat), || {
                format!("script `{url}`: function `{name}` has no valid range; skipped")
            });
            continue;
        }
        functions.push(FunctionCoverage {
            function_name: name,
            ranges,
            is_block_coverage: w.is_block_coverage.unwrap_or(false),
        });
    }
    Some(ScriptCoverage {
        script_id,
        url,
        source: wire.source.or(wire.text),
        functions,
        position: Some(at),
    })
}
