//! JSON → [`SourceMap`]: the spec's ParseSourceMap, DecodeSourceMap and DecodeIndexSourceMap, with every field checked.
//!
//! Fields are kept as borrowed [`RawValue`]s first, so a field can be told missing from `null`, its
//! JSON type named in the error, and a multi-megabyte `mappings` string read without a copy.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::vlq::{decode_mappings, MappingsProblem, ProblemKind};
use super::{DecodeOptions, MapKind, Mapping, Source, SourceMap, SourceMapError};
use crate::diag::{Diagnostic, Parsed, Position};

/// The top-level fields ECMA-426 names; others are ignored (§ "Extensions").
#[derive(Deserialize)]
struct RawMap<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    version: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    file: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present", rename = "sourceRoot")]
    source_root: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    sources: Option<&'a RawValue>,
    #[serde(
        default,
        borrow,
        deserialize_with = "present",
        rename = "sourcesContent"
    )]
    sources_content: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    names: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    mappings: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present", rename = "ignoreList")]
    ignore_list: Option<&'a RawValue>,
    #[serde(
        default,
        borrow,
        deserialize_with = "present",
        rename = "x_google_ignoreList"
    )]
    x_google_ignore_list: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    sections: Option<&'a RawValue>,
}

/// A present field, even `null`, is `Some` (plain `Option` would make `null` look missing).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Some)
}

/// Decodes a source map (regular or index) from its JSON bytes. A UTF-8 byte order mark and the
/// `)]}'` anti-XSSI first line some servers prepend are skipped.
///
/// Strict by default: every check the spec marks "optionally report an error" rejects the map, as
/// the tc39 conformance suite expects; see [`DecodeOptions::lenient`] for the other way. In strict
/// mode the diagnostics list is always empty.
pub fn decode(input: &[u8], options: &DecodeOptions) -> Result<Parsed<SourceMap>, SourceMapError> {
    let input = strip_prefixes(input);
    let mut cx = Cx {
        lenient: options.lenient,
        diagnostics: Vec::new(),
    };
    let raw = parse_object(input)?;
    let map = if raw.sections.is_some() {
        decode_index(&raw, &mut cx)?
    } else {
        let part = decode_regular(&raw, "", &mut cx)?;
        SourceMap::from_parts(
            part.file,
            part.sources,
            part.names,
            MapKind::Regular,
            part.mappings,
        )
    };
    Ok(Parsed {
        value: map,
        diagnostics: cx.diagnostics,
    })
}

fn strip_prefixes(mut input: &[u8]) -> &[u8] {
    if let Some(rest) = input.strip_prefix(b"\xEF\xBB\xBF") {
        input = rest;
    }
    if input.starts_with(b")]}'") {
        input = match memchr::memchr(b'\n', input) {
            Some(nl) => &input[nl + 1..],
            None => &[],
        };
    }
    input
}

fn parse_object(input: &[u8]) -> Result<RawMap<'_>, SourceMapError> {
    // serde would also read a struct from an array: only an object is a map.
    if let Some(at) = input.iter().position(|b| !b.is_ascii_whitespace()) {
        if input[at] != b'{' {
            let before = &input[..at];
            let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
            let column = (at - memchr::memrchr(b'\n', before).map_or(0, |nl| nl + 1)) as u64 + 1;
            return Err(SourceMapError {
                path: String::new(),
                position: Some(Position::LineCol {
                    line,
                    column: Some(column),
                }),
                message: "expected a JSON object at the top level".to_string(),
            });
        }
    }
    serde_json::from_slice::<RawMap<'_>>(input).map_err(|e| {
        let message = if e.is_eof() {
            "unexpected end of JSON".to_string()
        } else {
            json_cause(&e)
        };
        SourceMapError {
            path: String::new(),
            position: (e.line() > 0).then(|| Position::LineCol {
                line: e.line() as u64,
                column: Some(e.column() as u64),
            }),
            message,
        }
    })
}

/// serde_json's message without its " at line L column C" tail (the position is kept apart).
fn json_cause(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Decoding state: the mode and the warnings of lenient mode.
struct Cx {
    lenient: bool,
    diagnostics: Vec<Diagnostic>,
}

impl Cx {
    /// An "optionally report an error" point: an error in strict mode, a warning in lenient mode.
    fn optional(&mut self, error: SourceMapError) -> Result<(), SourceMapError> {
        if self.lenient {
            self.diagnostics
                .push(Diagnostic::warning(None, error.to_string()));
            Ok(())
        } else {
            Err(error)
        }
    }
}

/// `prefix` + `field`, for error paths: `sections[1].map.` + `names`.
fn join(prefix: &str, field: &str) -> String {
    format!("{prefix}{field}")
}

/// What kind of JSON value `v` is, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn value(raw: &RawValue, path: &str) -> Result<Value, SourceMapError> {
    serde_json::from_str(raw.get()).map_err(|e| SourceMapError::new(path, json_cause(&e)))
}

/// The map's fields before flattening.
struct Part {
    file: Option<String>,
    sources: Vec<Source>,
    names: Vec<String>,
    mappings: Vec<Mapping>,
}

fn check_version(raw: Option<&RawValue>, path: &str, cx: &mut Cx) -> Result<(), SourceMapError> {
    let problem = match raw {
        None => Some("missing (must be the number 3)".to_string()),
        Some(raw) => {
            let v = value(raw, path)?;
            match v.as_f64() {
                Some(3.0) => None,
                Some(_) => Some(format!("must be 3, found {}", raw.get().trim())),
                None => Some(format!("must be the number 3, found {}", kind(&v))),
            }
        }
    };
    match problem {
        Some(message) => cx.optional(SourceMapError::new(path, message)),
        None => Ok(()),
    }
}

/// GetOptionalString: a string, or `None` when missing (or, lenient, of another type).
fn optional_string(
    raw: Option<&RawValue>,
    path: &str,
    cx: &mut Cx,
) -> Result<Option<String>, SourceMapError> {
    let Some(raw) = raw else { return Ok(None) };
    match value(raw, path)? {
        Value::String(s) => Ok(Some(s)),
        other => {
            cx.optional(SourceMapError::new(
                path,
                format!("expected a string, found {}", kind(&other)),
            ))?;
            Ok(None)
        }
    }
}

/// GetOptionalListOfOptionalStrings (`nullable`) or GetOptionalListOfStrings.
fn optional_list(
    raw: Option<&RawValue>,
    path: &str,
    nullable: bool,
    cx: &mut Cx,
) -> Result<Vec<Option<String>>, SourceMapError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let items = match value(raw, path)? {
        Value::Array(items) => items,
        other => {
            cx.optional(SourceMapError::new(
                path,
                format!("expected an array, found {}", kind(&other)),
            ))?;
            return Ok(Vec::new());
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::String(s) => out.push(Some(s)),
            Value::Null if nullable => out.push(None),
            other => {
                let expected = if nullable {
                    "a string or null"
                } else {
                    "a string"
                };
                cx.optional(SourceMapError::new(
                    format!("{path}[{i}]"),
                    format!("expected {expected}, found {}", kind(&other)),
                ))?;
                out.push(if nullable { None } else { Some(String::new()) });
            }
        }
    }
    Ok(out)
}

/// GetOptionalListOfArrayIndexes, also checked against the number of sources.
fn ignore_list(
    raw: Option<&RawValue>,
    path: &str,
    sources: usize,
    cx: &mut Cx,
) -> Result<Vec<usize>, SourceMapError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let items = match value(raw, path)? {
        Value::Array(items) => items,
        other => {
            cx.optional(SourceMapError::new(
                path,
                format!(
                    "expected an array of source indices, found {}",
                    kind(&other)
                ),
            ))?;
            return Ok(Vec::new());
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match item.as_u64() {
            Some(n) if (n as u128) < sources as u128 => out.push(n as usize),
            Some(n) => cx.optional(SourceMapError::new(
                item_path,
                format!("source index {n} is out of bounds ({sources} sources)"),
            ))?,
            None => {
                let message = match item {
                    Value::Number(n) => format!("expected a source index, found {n}"),
                    other => format!("expected a source index, found {}", kind(other)),
                };
                cx.optional(SourceMapError::new(item_path, message))?
            }
        }
    }
    Ok(out)
}

/// DecodeSourceMap. `prefix` is the error path of the map (`""`, or `sections[2].map.`).
fn decode_regular(raw: &RawMap<'_>, prefix: &str, cx: &mut Cx) -> Result<Part, SourceMapError> {
    if raw.sections.is_some() && !prefix.is_empty() {
        return Err(SourceMapError::new(
            join(prefix, "sections"),
            "a section's map is an index map (ECMA-426 decodes section maps as regular maps: no nesting)",
        ));
    }
    check_version(raw.version, &join(prefix, "version"), cx)?;
    let mappings_path = join(prefix, "mappings");
    let mappings_raw = raw.mappings.ok_or_else(|| {
        SourceMapError::new(&mappings_path, "missing (a regular source map needs it)")
    })?;
    let mappings_text = raw_string(mappings_raw, &mappings_path)?;
    let sources_path = join(prefix, "sources");
    let sources_raw = raw.sources.ok_or_else(|| {
        SourceMapError::new(&sources_path, "missing (a regular source map needs it)")
    })?;
    if !raw_is_array(sources_raw) {
        let v = value(sources_raw, &sources_path)?;
        return Err(SourceMapError::new(
            &sources_path,
            format!("expected an array, found {}", kind(&v)),
        ));
    }
    let file = optional_string(raw.file, &join(prefix, "file"), cx)?;
    let source_root = optional_string(raw.source_root, &join(prefix, "sourceRoot"), cx)?;
    let sources = optional_list(Some(sources_raw), &sources_path, true, cx)?;
    let contents = optional_list(
        raw.sources_content,
        &join(prefix, "sourcesContent"),
        true,
        cx,
    )?;
    // The legacy field counts only when the standard one is absent (spec, `ignoreList` field).
    let ignored = match (raw.ignore_list, raw.x_google_ignore_list) {
        (Some(list), _) => ignore_list(Some(list), &join(prefix, "ignoreList"), sources.len(), cx)?,
        (None, legacy) => ignore_list(
            legacy,
            &join(prefix, "x_google_ignoreList"),
            sources.len(),
            cx,
        )?,
    };
    let names: Vec<String> = optional_list(raw.names, &join(prefix, "names"), false, cx)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();

    // DecodeSourceMapSources. An empty root adds nothing: the spec's literal text would turn
    // `"sourceRoot": ""` into a leading `/`, which no tool means (and the suite's transitive
    // test expects the plain name).
    let prefix_url = match source_root.as_deref() {
        None | Some("") => String::new(),
        Some(root) if root.ends_with('/') => root.to_string(),
        Some(root) => format!("{root}/"),
    };
    let mut contents = contents.into_iter();
    let decoded_sources: Vec<Source> = sources
        .into_iter()
        .enumerate()
        .map(|(i, url)| Source {
            url: url.map(|u| format!("{prefix_url}{u}")),
            content: contents.next().flatten(),
            ignored: ignored.contains(&i),
        })
        .collect();

    let mut mappings = Vec::new();
    let mut segment_problems: Vec<MappingsProblem> = Vec::new();
    let lenient = cx.lenient;
    let result = decode_mappings(
        mappings_text.as_bytes(),
        decoded_sources.len(),
        names.len(),
        &mut mappings,
        &mut |p| {
            if lenient {
                segment_problems.push(p);
                Ok(())
            } else {
                Err(p)
            }
        },
    );
    for p in segment_problems {
        cx.optional(mappings_error(&mappings_path, p))?;
    }
    if let Err(p) = result {
        if p.kind == ProblemKind::Grammar && cx.lenient {
            // The spec's "if parsing failed, optionally report an error, return" an empty list.
            cx.optional(mappings_error(&mappings_path, p))?;
            mappings.clear();
        } else {
            return Err(mappings_error(&mappings_path, p));
        }
    }
    Ok(Part {
        file,
        sources: decoded_sources,
        names,
        mappings,
    })
}

fn mappings_error(path: &str, p: MappingsProblem) -> SourceMapError {
    SourceMapError {
        path: path.to_string(),
        position: Some(Position::Byte(p.offset as u64)),
        message: p.message,
    }
}

fn raw_is_array(raw: &RawValue) -> bool {
    raw.get().trim_start().starts_with('[')
}

/// A JSON string field, borrowed from the input when it has no escapes.
fn raw_string<'a>(
    raw: &'a RawValue,
    path: &str,
) -> Result<std::borrow::Cow<'a, str>, SourceMapError> {
    let text = raw.get();
    if !text.starts_with('"') {
        let v = value(raw, path)?;
        return Err(SourceMapError::new(
            path,
            format!("expected a string, found {}", kind(&v)),
        ));
    }
    // serde_json already checked the string when it kept the raw value: without escapes its text
    // is the content, no second pass needed.
    if text.len() >= 2 && memchr::memchr(b'\\', text.as_bytes()).is_none() {
        return Ok(std::borrow::Cow::Borrowed(&text[1..text.len() - 1]));
    }
    serde_json::from_str::<String>(text)
        .map(std::borrow::Cow::Owned)
        .map_err(|e| SourceMapError::new(path, json_cause(&e)))
}

/// One section's `offset`.
#[derive(Deserialize)]
struct RawSection<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    offset: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    map: Option<&'a RawValue>,
}

/// DecodeIndexSourceMap, flattening the sections into one map.
fn decode_index(raw: &RawMap<'_>, cx: &mut Cx) -> Result<SourceMap, SourceMapError> {
    let sections_raw = raw.sections.expect("called for index maps");
    if !raw_is_array(sections_raw) {
        let v = value(sections_raw, "sections")?;
        return Err(SourceMapError::new(
            "sections",
            format!("expected an array, found {}", kind(&v)),
        ));
    }
    if raw.mappings.is_some() {
        cx.optional(SourceMapError::new(
            "mappings",
            "an index map (with `sections`) must not also have `mappings`",
        ))?;
    }
    check_version(raw.version, "version", cx)?;
    let file = optional_string(raw.file, "file", cx)?;
    let sections: Vec<&RawValue> = serde_json::from_str(sections_raw.get())
        .map_err(|e| SourceMapError::new("sections", json_cause(&e)))?;

    let mut sources: Vec<Source> = Vec::new();
    // Sources already in the list, by URL, for the spec's "if it does not contain it".
    let mut sources_by_url: BTreeMap<Option<String>, Vec<u32>> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut mappings: Vec<Mapping> = Vec::new();
    let mut previous_offset: Option<(u32, u32)> = None;
    let mut previous_last: Option<(u32, u32)> = None;
    let count = sections.len() as u32;

    for (i, section_raw) in sections.into_iter().enumerate() {
        let path = format!("sections[{i}]");
        if !section_raw.get().trim_start().starts_with('{') {
            let v = value(section_raw, &path)?;
            cx.optional(SourceMapError::new(
                &path,
                format!("expected an object, found {}", kind(&v)),
            ))?;
            continue;
        }
        let section: RawSection<'_> = serde_json::from_str(section_raw.get())
            .map_err(|e| SourceMapError::new(&path, json_cause(&e)))?;
        let offset_path = format!("{path}.offset");
        let offset = match section.offset.map(|o| value(o, &offset_path)).transpose()? {
            Some(Value::Object(o)) => o,
            Some(other) => {
                return Err(SourceMapError::new(
                    offset_path,
                    format!("expected an object, found {}", kind(&other)),
                ))
            }
            None => return Err(SourceMapError::new(offset_path, "missing")),
        };
        let mut coordinate = |field: &str| -> Result<u32, SourceMapError> {
            let at = format!("{offset_path}.{field}");
            let problem = match offset.get(field) {
                None => "missing".to_string(),
                Some(v) => match v.as_u64() {
                    Some(n) if n <= u64::from(u32::MAX) => return Ok(n as u32),
                    Some(n) => format!("{n} exceeds 32 bits"),
                    None if matches!(v, Value::Number(_)) => {
                        format!("expected a non-negative integer, found {v}")
                    }
                    None => format!("expected a non-negative integer, found {}", kind(v)),
                },
            };
            cx.optional(SourceMapError::new(at, problem))?;
            Ok(0)
        };
        let line = coordinate("line")?;
        let column = coordinate("column")?;
        let at = (line, column);
        if let Some(prev) = previous_offset {
            if at < prev {
                cx.optional(SourceMapError::new(
                    &offset_path,
                    format!(
                        "sections out of order: {line}:{column} comes before the previous section's offset {}:{}",
                        prev.0, prev.1
                    ),
                ))?;
            }
        }
        if let Some(last) = previous_last {
            // Stricter than the spec's literal "lesser" (the suite's overlap test needs it): a
            // previous mapping at exactly this offset would map the same position twice.
            if at <= last {
                cx.optional(SourceMapError::new(
                    &offset_path,
                    format!(
                        "sections overlap: offset {line}:{column} is not after the previous section's last mapping at {}:{}",
                        last.0, last.1
                    ),
                ))?;
            }
        }
        let map_path = format!("{path}.map");
        let map_raw = match section.map {
            Some(m) if m.get().trim_start().starts_with('{') => m,
            Some(other) => {
                let v = value(other, &map_path)?;
                return Err(SourceMapError::new(
                    map_path,
                    format!("expected an object, found {}", kind(&v)),
                ));
            }
            None => return Err(SourceMapError::new(
                map_path,
                "missing (each section embeds its map; `url` sections are not part of ECMA-426)",
            )),
        };
        let sub_raw = parse_object(map_raw.get().as_bytes()).map_err(|mut e| {
            e.path = map_path.clone();
            e
        })?;
        let part = match decode_regular(&sub_raw, &format!("{map_path}."), cx) {
            Ok(part) => part,
            Err(e) => {
                cx.optional(e)?;
                continue;
            }
        };
        // Sources: reuse an equal record already listed.
        let mut source_index = Vec::with_capacity(part.sources.len());
        for s in part.sources {
            let same = sources_by_url.get(&s.url).and_then(|candidates| {
                candidates
                    .iter()
                    .copied()
                    .find(|&c| sources[c as usize] == s)
            });
            let index = match same {
                Some(index) => index,
                None => {
                    let index = sources.len() as u32;
                    sources_by_url.entry(s.url.clone()).or_default().push(index);
                    sources.push(s);
                    index
                }
            };
            source_index.push(index);
        }
        let name_base = names.len() as u32;
        names.extend(part.names);
        let mut last: Option<(u32, u32)> = None;
        for mut m in part.mappings {
            let shifted_column = if m.generated_line == 0 {
                m.generated_column.checked_add(column)
            } else {
                Some(m.generated_column)
            };
            let (Some(gl), Some(gc)) = (m.generated_line.checked_add(line), shifted_column) else {
                cx.optional(SourceMapError::new(
                    &map_path,
                    "a mapping shifted by the section offset exceeds 32 bits",
                ))?;
                continue;
            };
            m.generated_line = gl;
            m.generated_column = gc;
            if let Some(o) = m.original.as_mut() {
                o.source = source_index[o.source as usize];
            }
            if let Some(n) = m.name.as_mut() {
                *n += name_base;
            }
            last = last.max(Some((gl, gc)));
            mappings.push(m);
        }
        previous_offset = Some(at);
        if last.is_some() {
            previous_last = last;
        }
    }
    Ok(SourceMap::from_parts(
        file,
        sources,
        names,
        MapKind::Index { sections: count },
        mappings,
    ))
}
