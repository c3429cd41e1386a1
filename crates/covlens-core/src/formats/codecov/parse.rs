//! Codecov JSON to file records: each file's line values read one by one, so a bad value is reported
//! at its position and skipped.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize as DeriveDeserialize;
use serde_json::value::RawValue;

use crate::detect::Format;
use crate::diag::{Diagnostic, ParseError};
use crate::formats::jsonpos::{self, CountIs, Diags, LineIndex, Num};
use crate::formats::{ParseOptions, Sink};
use crate::model::{Branch, BranchId, BranchName, FileCoverage, FileRecord, Line, LineHit};

const FORMAT: Format = Format::Codecov;
/// More branches than this on one line is no real report (and would cost memory per branch).
const MAX_BRANCHES_PER_LINE: u32 = 100_000;

#[derive(DeriveDeserialize)]
struct Document<'a> {
    #[serde(borrow)]
    coverage: &'a RawValue,
}

/// A JSON object read as its entries in order, values kept raw (keys borrowed when unescaped).
struct RawMap<'a>(Vec<(Key<'a>, &'a RawValue)>);

/// An object key, borrowed from the input unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl std::fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'a>, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawMap<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawMap<'a>, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawMap<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMap<'a>, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<Key<'a>, &'a RawValue>()? {
                    entries.push((k, v));
                }
                Ok(RawMap(entries))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// A JSON array read as its elements, kept raw.
struct RawList<'a>(Vec<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for RawList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawList<'a>, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawList<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element::<&'a RawValue>()? {
                    items.push(v);
                }
                Ok(RawList(items))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

pub(crate) fn parse_slice(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let input = jsonpos::strip_bom(input);
    let doc: Document<'_> =
        serde_json::from_slice(input).map_err(|e| jsonpos::document_error(FORMAT, input, &e))?;
    let mut index = LineIndex::new(input);
    let files: RawMap<'_> = serde_json::from_str(doc.coverage.get()).map_err(|e| {
        ParseError::new(
            Some(FORMAT),
            Some(index.of_error_in(doc.coverage, &e)),
            format!(
                "`coverage` is not an object of files: {}",
                jsonpos::json_message(&e)
            ),
        )
    })?;
    let mut cx = Cx {
        diags: Diags::new(options.max_diagnostics),
        index,
        partial_lines: 0,
    };
    for (path, raw) in files.0 {
        let path = path.0.into_owned();
        let mut coverage = FileCoverage::default();
        let text = raw.get().trim_start();
        if text.starts_with('{') {
            match serde_json::from_str::<RawMap<'_>>(raw.get()) {
                Ok(lines) => {
                    for (key, value) in lines.0 {
                        match key.0.trim().parse::<u32>().ok().and_then(Line::new) {
                            Some(line) => cx.value(line, value, &mut coverage),
                            None => cx.warn(value, || {
                                format!("{path}: line key `{key}` is not a line number (1 or more); skipped")
                            }),
                        }
                    }
                }
                Err(e) => {
                    let at = cx.index.of_error_in(raw, &e);
                    cx.diags.warn(Some(at), || {
                        format!("{path}: file skipped: {}", jsonpos::json_message(&e))
                    });
                    continue;
                }
            }
        } else if text.starts_with('[') {
            // The list form: the value at index i is line i (index 0 is no line).
            match serde_json::from_str::<RawList<'_>>(raw.get()) {
                Ok(values) => {
                    for (i, value) in values.0.into_iter().enumerate() {
                        if value.get() == "null" {
                            continue;
                        }
                        match u32::try_from(i).ok().and_then(Line::new) {
                            Some(line) => cx.value(line, value, &mut coverage),
                            None => cx.warn(value, || {
                                format!("{path}: index {i} of the line list is not a line; skipped")
                            }),
                        }
                    }
                }
                Err(e) => {
                    let at = cx.index.of_error_in(raw, &e);
                    cx.diags.warn(Some(at), || {
                        format!("{path}: file skipped: {}", jsonpos::json_message(&e))
                    });
                    continue;
                }
            }
        } else {
            cx.warn(raw, || {
                format!("{path}: file skipped: expected an object of lines or a list")
            });
            continue;
        }
        sink(FileRecord { path, coverage });
    }
    if cx.partial_lines > 0 {
        let n = cx.partial_lines;
        cx.diags.note(None, || {
            format!("{n} line(s) give only covered/total, no hit count: each is stored as 1 hit when anything on it ran (a lower bound), its total as positional branches")
        });
    }
    Ok(cx.diags.finish())
}

struct Cx<'a> {
    diags: Diags,
    index: LineIndex<'a>,
    partial_lines: u64,
}

impl Cx<'_> {
    /// A warning at `raw`'s position (computed only here: most values never need one).
    fn warn(&mut self, raw: &RawValue, message: impl FnOnce() -> String) {
        let at = self.index.of_raw(raw);
        self.diags.warn(Some(at), message);
    }

    fn value(&mut self, line: Line, raw: &RawValue, fc: &mut FileCoverage) {
        let text = raw.get();
        if text == "null" {
            return;
        }
        // The common case, a plain count, without the JSON number parser.
        if !text.is_empty() && text.len() < 20 && text.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(hits) = text.parse::<u64>() {
                fc.lines.push(LineHit { line, hits });
                return;
            }
        }
        if text.starts_with('"') {
            let Ok(s) = serde_json::from_str::<String>(text) else {
                self.warn(raw, || format!("line {line}: unreadable string; skipped"));
                return;
            };
            self.string_value(line, s.trim(), raw, fc);
            return;
        }
        match serde_json::from_str::<Num>(text) {
            Ok(n) => self.hits(line, n, raw, fc),
            Err(_) => self.warn(raw, || {
                format!(
                    "line {line}: expected hits, \"covered/total\" or null, found `{}`; skipped",
                    short(text)
                )
            }),
        }
    }

    fn hits(&mut self, line: Line, n: Num, raw: &RawValue, fc: &mut FileCoverage) {
        let hits = match n.count() {
            CountIs::Exact(v) => v,
            CountIs::Clamped => {
                self.warn(raw, || {
                    format!("line {line}: negative hits {n} clamped to 0")
                });
                0
            }
            CountIs::Saturated => {
                self.warn(raw, || {
                    format!("line {line}: hits {n} saturated at {}", u64::MAX)
                });
                u64::MAX
            }
            CountIs::NotInteger => {
                self.warn(raw, || {
                    format!("line {line}: hits {n} is not an integer; skipped")
                });
                return;
            }
        };
        fc.lines.push(LineHit { line, hits });
    }

    fn string_value(&mut self, line: Line, s: &str, raw: &RawValue, fc: &mut FileCoverage) {
        let Some((c, t)) = s.split_once('/') else {
            // Some writers quote plain hit counts.
            match s.parse::<u64>() {
                Ok(h) => fc.lines.push(LineHit { line, hits: h }),
                Err(_) => self.warn(raw, || {
                    format!(
                        "line {line}: expected hits or \"covered/total\", found \"{}\"; skipped",
                        short(s)
                    )
                }),
            }
            return;
        };
        let (Ok(mut covered), Ok(total)) = (c.trim().parse::<u32>(), t.trim().parse::<u32>())
        else {
            self.warn(raw, || {
                format!(
                    "line {line}: \"{}\" is not covered/total; skipped",
                    short(s)
                )
            });
            return;
        };
        if covered > total {
            self.warn(raw, || {
                format!("line {line}: {covered} of {total} covered; read as {total} of {total}")
            });
            covered = total;
        }
        self.partial_lines += 1;
        fc.lines.push(LineHit {
            line,
            hits: u64::from(covered > 0),
        });
        if total > MAX_BRANCHES_PER_LINE {
            self.warn(raw, || {
                format!("line {line}: {total} branches is more than {MAX_BRANCHES_PER_LINE} on one line; its branches are skipped")
            });
            return;
        }
        for i in 0..total {
            fc.branches.push(Branch {
                line,
                id: BranchId {
                    block: 0,
                    branch: BranchName::Index(i),
                    flags: 0,
                },
                taken: Some(u64::from(i < covered)),
            });
        }
    }
}

/// At most 40 characters of a value, for messages.
fn short(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
