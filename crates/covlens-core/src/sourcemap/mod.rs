//! Source map v3 (ECMA-426): decoding regular and index maps, lookups both ways, and finding a script's map.
//!
//! Bytes → [`decode`] → [`SourceMap`] (sources with `sourceRoot` applied, contents, ignore flags,
//! names, and every mapping sorted by generated position; an index map is flattened into one).
//! Lookups: [`SourceMap::lookup`] (generated → original), [`SourceMap::generated_ranges_for`]
//! (original → generated ranges). Finding maps: [`extract_source_mapping_url`], [`locate_source_map`],
//! [`decode_data_url`], [`resolve_url`]: pure functions, the caller does any fetching or file reading.
//!
//! Positions here are 0-based lines and columns as in the spec (columns in UTF-16 code units of the
//! generated JavaScript), not the model's 1-based [`crate::Line`]: callers convert at the boundary.
//!
//! Validation follows the spec's "optionally report an error" points strictly by default (the tc39
//! conformance suite requires it); [`DecodeOptions::lenient`] instead takes the spec's "continue"
//! path for each of them and returns a diagnostic, for real-world maps with small defects.

mod decode;
mod link;
mod vlq;

use std::fmt;
use std::sync::OnceLock;

pub use decode::decode;
pub use link::{
    decode_data_url, extract_source_mapping_url, locate_source_map, resolve_url, MapLocation,
};
pub use vlq::{decode_vlq, VlqError};

use crate::diag::Position;

/// How strictly to decode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Where ECMA-426 says "optionally report an error", continue as the spec describes (drop the
    /// bad segment, field or section; treat a wrong-typed optional field as absent) and report a
    /// warning, instead of rejecting the map. Errors the spec always throws on (not JSON, `mappings`
    /// not a string, `sources` not an array, a VLQ beyond 32 bits...) still reject it.
    pub lenient: bool,
}

/// A source map that cannot be decoded: which field, where in `mappings` (or in the JSON text) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceMapError {
    /// JSON path of the offending field: `mappings`, `sources[2]`, `sections[1].map.names`; empty
    /// for the document as a whole.
    pub path: String,
    /// Byte offset inside the `mappings` string for mapping errors; line:column of the JSON text for
    /// syntax errors.
    pub position: Option<Position>,
    /// Lowercase cause, no trailing period.
    pub message: String,
}

impl SourceMapError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> SourceMapError {
        SourceMapError {
            path: path.into(),
            position: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SourceMapError {
    /// `invalid source map: mappings at byte 4: invalid character '.' in a base64 VLQ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid source map: ")?;
        match (self.path.is_empty(), self.position) {
            (false, Some(p)) => write!(f, "{} at {p}: ", self.path)?,
            (false, None) => write!(f, "{}: ", self.path)?,
            (true, Some(p)) => write!(f, "at {p}: ")?,
            (true, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for SourceMapError {}

/// One entry of `sources`, as the spec's Decoded Source Record (without URL resolution: see
/// [`SourceMap::resolved_source_url`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The `sources` entry with `sourceRoot` prepended (a `/` between them when the root lacks one;
    /// an empty root adds nothing), or `None` for a `null` entry.
    pub url: Option<String>,
    /// The matching `sourcesContent` entry, if any.
    pub content: Option<String>,
    /// Listed in `ignoreList` (or, when that is absent, the legacy `x_google_ignoreList`).
    pub ignored: bool,
}

/// An original position: index into [`SourceMap::sources`], 0-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OriginalPosition {
    pub source: u32,
    pub line: u32,
    pub column: u32,
}

/// One decoded segment of `mappings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// 0-based generated line.
    pub generated_line: u32,
    /// 0-based generated column.
    pub generated_column: u32,
    /// `None` for a 1-field segment: generated code with no original (or a segment whose source
    /// fields were dropped in lenient mode).
    pub original: Option<OriginalPosition>,
    /// Index into [`SourceMap::names`].
    pub name: Option<u32>,
}

/// A run of generated code: from `start` (line, column) up to `end_column` on the same line
/// (exclusive), or to the end of that line when `end_column` is `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GeneratedRange {
    pub line: u32,
    pub start_column: u32,
    pub end_column: Option<u32>,
}

/// Whether the input was a regular map or an index map (flattened on decoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    Regular,
    /// An index map with this many sections.
    Index {
        sections: u32,
    },
}

/// A decoded source map.
#[derive(Debug)]
pub struct SourceMap {
    /// The `file` field.
    pub file: Option<String>,
    /// `sources` with contents and ignore flags; for an index map, the sources of all sections, each
    /// distinct record once (the spec's "if the list does not contain it, append").
    pub sources: Vec<Source>,
    /// `names`; for an index map, the sections' lists one after the other.
    pub names: Vec<String>,
    pub kind: MapKind,
    /// Sorted by generated (line, column); stable, so equal positions keep their order in the map.
    mappings: Vec<Mapping>,
    /// Indices into `mappings` sorted by original position, built on the first original → generated
    /// query.
    by_original: OnceLock<Vec<u32>>,
}

impl Clone for SourceMap {
    fn clone(&self) -> SourceMap {
        SourceMap {
            file: self.file.clone(),
            sources: self.sources.clone(),
            names: self.names.clone(),
            kind: self.kind,
            mappings: self.mappings.clone(),
            by_original: OnceLock::new(),
        }
    }
}

impl PartialEq for SourceMap {
    fn eq(&self, other: &SourceMap) -> bool {
        self.file == other.file
            && self.sources == other.sources
            && self.names == other.names
            && self.kind == other.kind
            && self.mappings == other.mappings
    }
}

impl Eq for SourceMap {}

/// The answer of [`SourceMap::original_position_for`], with names resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Original<'a> {
    pub position: OriginalPosition,
    pub source: &'a Source,
    pub name: Option<&'a str>,
}

impl SourceMap {
    pub(crate) fn from_parts(
        file: Option<String>,
        sources: Vec<Source>,
        names: Vec<String>,
        kind: MapKind,
        mut mappings: Vec<Mapping>,
    ) -> SourceMap {
        // Columns within a line may go backwards (relative VLQs can be negative): sort, stably.
        if !mappings
            .windows(2)
            .all(|w| generated_key(&w[0]) <= generated_key(&w[1]))
        {
            mappings.sort_by_key(generated_key);
        }
        SourceMap {
            file,
            sources,
            names,
            kind,
            mappings,
            by_original: OnceLock::new(),
        }
    }

    /// Every mapping, sorted by generated position.
    pub fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    /// The mappings of one generated line, sorted by column.
    pub fn mappings_on_line(&self, line: u32) -> &[Mapping] {
        let start = self.mappings.partition_point(|m| m.generated_line < line);
        let end = start + self.mappings[start..].partition_point(|m| m.generated_line == line);
        &self.mappings[start..end]
    }

    /// The mapping that covers generated `(line, column)`, 0-based: the one with the greatest
    /// column ≤ `column` on that line (the first of several at that column), or `None` when the line
    /// has no mapping at or before the column. A mapping covers the code up to the next mapping on
    /// its line, or to the line's end; it never carries over to the next line. A 1-field mapping
    /// covers code with no original: the answer is then a mapping whose `original` is `None`.
    ///
    /// ECMA-426 leaves lookup between mappings to consumers; this is the rule of mozilla/source-map's
    /// default `GREATEST_LOWER_BOUND` bias, which the conformance suite's expectations follow.
    pub fn lookup(&self, line: u32, column: u32) -> Option<&Mapping> {
        let index = self.lookup_index(line, column)?;
        Some(&self.mappings[index])
    }

    /// Index into [`Self::mappings`] of the answer of [`Self::lookup`].
    pub fn lookup_index(&self, line: u32, column: u32) -> Option<usize> {
        let after = self
            .mappings
            .partition_point(|m| (m.generated_line, m.generated_column) <= (line, column));
        let last = after.checked_sub(1)?;
        let found = &self.mappings[last];
        if found.generated_line != line {
            return None;
        }
        // The first mapping at that exact column.
        let col = found.generated_column;
        let first = self.mappings[..last]
            .iter()
            .rev()
            .take_while(|m| m.generated_line == line && m.generated_column == col)
            .count();
        Some(last - first)
    }

    /// [`Self::lookup`], keeping only mappings with an original position, with source and name resolved.
    pub fn original_position_for(&self, line: u32, column: u32) -> Option<Original<'_>> {
        let mapping = self.lookup(line, column)?;
        let position = mapping.original?;
        Some(Original {
            position,
            source: self.sources.get(position.source as usize)?,
            name: mapping
                .name
                .and_then(|n| self.names.get(n as usize).map(String::as_str)),
        })
    }

    /// The generated code covered by mapping `index`: from its column to the next mapping with a
    /// greater column on its line (exclusive), or to the end of the line.
    pub fn generated_range(&self, index: usize) -> Option<GeneratedRange> {
        let m = self.mappings.get(index)?;
        let end_column = self.mappings[index + 1..]
            .iter()
            .take_while(|n| n.generated_line == m.generated_line)
            .find(|n| n.generated_column > m.generated_column)
            .map(|n| n.generated_column);
        Some(GeneratedRange {
            line: m.generated_line,
            start_column: m.generated_column,
            end_column,
        })
    }

    /// Original → generated, for the mapping inspector: the generated ranges (see
    /// [`Self::generated_range`]) of every mapping whose original position in `source` lies in
    /// `[start, end)` (0-based (line, column) pairs), sorted and without duplicates. A whole original
    /// line `l` is `start = (l, 0)`, `end = (l + 1, 0)`.
    pub fn generated_ranges_for(
        &self,
        source: u32,
        start: (u32, u32),
        end: (u32, u32),
    ) -> Vec<GeneratedRange> {
        let by_original = self.by_original.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.mappings.len() as u32)
                .filter(|&i| self.mappings[i as usize].original.is_some())
                .collect();
            order.sort_by_key(|&i| {
                let o = self.mappings[i as usize].original.expect("filtered above");
                (o.source, o.line, o.column, i)
            });
            order
        });
        let key = |i: &u32| {
            let o = self.mappings[*i as usize]
                .original
                .expect("only mapped segments are indexed");
            (o.source, o.line, o.column)
        };
        let from = by_original.partition_point(|i| key(i) < (source, start.0, start.1));
        let to = by_original.partition_point(|i| key(i) < (source, end.0, end.1));
        let mut ranges: Vec<GeneratedRange> = by_original[from..to.max(from)]
            .iter()
            .filter_map(|&i| self.generated_range(i as usize))
            .collect();
        ranges.sort();
        ranges.dedup();
        ranges
    }

    /// The index of the first source whose [`Source::url`] is `url`.
    pub fn source_index(&self, url: &str) -> Option<u32> {
        self.sources
            .iter()
            .position(|s| s.url.as_deref() == Some(url))
            .map(|i| i as u32)
    }

    /// Source `index`'s URL resolved against the map's own URL (or path), as the spec's
    /// DecodeSourceMapSources does: see [`resolve_url`]. `None` for a `null` source.
    pub fn resolved_source_url(&self, index: u32, map_url: &str) -> Option<String> {
        let url = self.sources.get(index as usize)?.url.as_deref()?;
        Some(resolve_url(map_url, url))
    }
}

fn generated_key(m: &Mapping) -> (u32, u32) {
    (m.generated_line, m.generated_column)
}
