//! Messages between the page and the worker: small, serde-encoded, 1-based, never the whole report.
//!
//! The page posts a [`Request`] (JSON text) with the `File` handles of a load alongside it (a `File` is a
//! cheap handle; the worker reads the bytes itself, so no file content crosses threads). The worker
//! keeps the loaded shards and answers with [`Response::Progress`] while it reads and one
//! [`Response::View`] when done: the summary and one row per file, which the page sorts and filters
//! without asking again.

use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Load the files posted with this message (in this order) as new shards; `names[i]` names file `i`.
    Load { names: Vec<String> },
    /// Forget the shard of this id.
    Remove { shard: u32 },
    /// Forget every input, loaded or failed.
    Clear,
    /// Turn a shard off (out of the merge) or on again.
    SetEnabled { shard: u32, enabled: bool },
    /// Give a shard a display name.
    Rename { shard: u32, name: String },
    /// Merge the enabled shards under this rule from now on.
    SetPolicy(crate::merge_policy::MergePolicy),
    /// The source view's detail of one file of the merged report: answered with [`Response::File`].
    File { path: String },
    /// Keep (or leave out) library sources when remapping through source maps: sources under
    /// `node_modules` or in a map's `ignoreList`; remapped inputs are converted again.
    SetIncludeLibraries { include: bool },
    /// The mapping inspector: what lines of a file correspond to through the source maps, answered
    /// with [`Response::Mapping`].
    Mapping(crate::remap_view::MappingQuery),
    /// Load the files posted with this message, the files of a dropped or picked folder (`names[i]` is
    /// file `i`'s path under it, `folder/sub/lcov.info`): files neither reports nor text are skipped and
    /// counted in a note instead of failing.
    LoadFolder { folder: String, names: Vec<String> },
    /// Keep the files posted with this message as source text only (a source folder).
    LoadSources { names: Vec<String> },
    /// Record an input the page could not get (a `?report=` URL refused or failed), listed with the
    /// failed inputs.
    LoadFailed { name: String, message: String },
    /// The page has shown a view that left its conflicts out ([`crate::paths_view::PathsView::conflicts_checked`]
    /// false): look for them now, answered with [`Response::Paths`].
    Conflicts,
    /// The merged report as a download: answered with [`Response::Export`]. `timestamp`: seconds since
    /// 1970 by the page's clock (Cobertura's `timestamp`).
    Export {
        format: crate::export::ExportFormat,
        timestamp: u64,
    },
    /// Reconcile paths under these user rules from now on (mappings, stripped prefixes, undone joins).
    SetPaths(crate::paths_view::PathRules),
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// The worker is listening; messages posted before this may be lost, so the page waits for it.
    Ready,
    Progress(Progress),
    /// A view, sent without its file rows ([`View::files`] empty): they follow in
    /// [`Response::Rows`] messages, so that the page decodes a large report in short tasks.
    View(View),
    /// The next rows of the view just sent (in order); `last` on the final one (sent even when the
    /// view has no files).
    Rows {
        rows: Vec<FileRow>,
        last: bool,
    },
    /// The paths and conflicts of the view just sent (conflicts included), which was sent without
    /// them when looking for them takes a while (see [`crate::paths_view::PathsView::conflicts_checked`]).
    Paths(crate::paths_view::PathsView),
    /// The answer to [`Request::File`].
    File(crate::source::FileDetail),
    /// The answer to [`Request::Mapping`].
    Mapping(crate::remap_view::MappingView),
    /// The answer to [`Request::Export`].
    Export(crate::export::ExportFile),
}

/// How far a load has got.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub files_done: u32,
    pub files_total: u32,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// The file being read now.
    pub current: String,
}

/// While a batch loads, the worker says how far it got at most this often, in milliseconds: each
/// message costs the page a decode and a repaint, on the same cores that parse (a message per
/// slice read was 200 repaints for 390 MB in 1 MiB slices).
pub const PROGRESS_EVERY_MS: f64 = 100.0;

/// Paces the progress messages of a batch ([`PROGRESS_EVERY_MS`]).
#[derive(Debug, Default)]
pub struct ProgressPacer {
    last: std::cell::Cell<Option<f64>>,
}

impl ProgressPacer {
    /// Whether a progress message may go at `now` (ms); true for the first one, then once the last
    /// one that went is [`PROGRESS_EVERY_MS`] old.
    pub fn due(&self, now: f64) -> bool {
        if self
            .last
            .get()
            .is_some_and(|last| now - last < PROGRESS_EVERY_MS)
        {
            return false;
        }
        self.last.set(Some(now));
        true
    }
}

/// Found and hit items of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Count {
    pub hit: u64,
    pub found: u64,
}

impl From<covlens_core::Counter> for Count {
    fn from(c: covlens_core::Counter) -> Count {
        Count {
            hit: c.hit,
            found: c.found,
        }
    }
}

/// Lines, branches and functions of one file or of everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Summary {
    pub lines: Count,
    pub branches: Count,
    pub functions: Count,
}

impl From<covlens_core::Totals> for Summary {
    fn from(t: covlens_core::Totals) -> Summary {
        Summary {
            lines: t.lines.into(),
            branches: t.branches.into(),
            functions: t.functions.into(),
        }
    }
}

/// One file of the merged report. On the wire a bare array `[path, lines found, lines hit, branches
/// found, branches hit, functions found, functions hit]`: a view carries one per file (thousands), and
/// the page decodes them on its own thread.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileRow {
    pub path: String,
    pub totals: Summary,
}

impl Serialize for FileRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let t = &self.totals;
        let mut tuple = s.serialize_tuple(7)?;
        tuple.serialize_element(&self.path)?;
        for n in [
            t.lines.found,
            t.lines.hit,
            t.branches.found,
            t.branches.hit,
            t.functions.found,
            t.functions.hit,
        ] {
            tuple.serialize_element(&n)?;
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for FileRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FileRow, D::Error> {
        let (path, lf, lh, bf, bh, ff, fh) =
            <(String, u64, u64, u64, u64, u64, u64)>::deserialize(d)?;
        let count = |found, hit| Count { hit, found };
        Ok(FileRow {
            path,
            totals: Summary {
                lines: count(lf, lh),
                branches: count(bf, bh),
                functions: count(ff, fh),
            },
        })
    }
}

/// One loaded input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShardRow {
    pub id: u32,
    pub name: String,
    /// [`covlens_core::Format::id`].
    pub format: String,
    /// [`covlens_core::Format::display_name`].
    pub format_name: String,
    pub bytes: u64,
    /// Source files in this input.
    pub files: u64,
    pub totals: Summary,
    /// How many diagnostics the input produced.
    pub diagnostic_count: u64,
    /// The first of them, rendered `name:line:col: severity: message`.
    pub diagnostics: Vec<String>,
    /// Part of the merge (false: toggled off).
    #[serde(default = "enabled_default")]
    pub enabled: bool,
    /// What the input measured, from its parsed content (a Go `set` profile is boolean), in words
    /// (`lines counted, branches boolean, functions absent`) and as the `data-fidelity` hook
    /// (`lines=counted branches=boolean functions=absent`).
    #[serde(default)]
    pub fidelity: String,
    #[serde(default)]
    pub fidelity_attr: String,
    /// What remapping through source maps did to this input, when it was remapped.
    #[serde(default)]
    pub remap: Option<crate::remap_view::RemapInfo>,
}

fn enabled_default() -> bool {
    true
}

/// An input that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoadError {
    pub name: String,
    pub bytes: u64,
    /// [`covlens_core::ParseError::render`] with the input's name.
    pub message: String,
}

/// File rows per [`Response::Rows`] message: about 20 ms of decoding on the page each.
pub const ROWS_PER_MESSAGE: usize = 2000;

/// The messages that carry `view`: the view without its rows, then the rows in pieces of
/// [`ROWS_PER_MESSAGE`] (at least one piece, the last marked).
pub fn view_messages(mut view: View) -> Vec<Response> {
    let rows = std::mem::take(&mut view.files);
    let mut out = vec![Response::View(view)];
    let mut pieces = rows.chunks(ROWS_PER_MESSAGE).peekable();
    if pieces.peek().is_none() {
        out.push(Response::Rows {
            rows: Vec::new(),
            last: true,
        });
    }
    while let Some(piece) = pieces.next() {
        out.push(Response::Rows {
            rows: piece.to_vec(),
            last: pieces.peek().is_none(),
        });
    }
    out
}

/// Everything the page shows about the loaded inputs and their merge.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub shards: Vec<ShardRow>,
    pub errors: Vec<LoadError>,
    pub summary: Summary,
    /// Sorted by path.
    pub files: Vec<FileRow>,
    /// Diagnostics of merging the shards with each other, rendered.
    pub merge_diagnostics: Vec<String>,
    /// Dropped files kept as source text for the source view.
    #[serde(default)]
    pub source_files: u64,
    /// How paths were reconciled across the shards, and where the shards disagree.
    #[serde(default)]
    pub paths: crate::paths_view::PathsView,
}

impl Request {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("requests always serialize")
    }
    pub fn decode(text: &str) -> Result<Request, String> {
        serde_json::from_str(text).map_err(|e| format!("malformed request from the page: {e}"))
    }
}

impl Response {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("responses always serialize")
    }
    pub fn decode(text: &str) -> Result<Response, String> {
        serde_json::from_str(text).map_err(|e| format!("malformed response from the worker: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_json() {
        let req = Request::Load {
            names: vec!["a.info".into(), "b.xml".into()],
        };
        assert_eq!(Request::decode(&req.encode()).unwrap(), req);
        assert_eq!(
            Request::decode(&Request::Clear.encode()).unwrap(),
            Request::Clear
        );
        let resp = Response::View(View {
            files: vec![FileRow {
                path: "src/a.rs".into(),
                totals: Summary {
                    lines: Count {
                        hit: u64::MAX,
                        found: u64::MAX,
                    },
                    ..Summary::default()
                },
            }],
            ..View::default()
        });
        // u64 counts survive exactly: JSON is parsed by serde on both ends, never by JS numbers.
        assert_eq!(Response::decode(&resp.encode()).unwrap(), resp);
        assert!(Request::decode("{")
            .unwrap_err()
            .starts_with("malformed request"));
    }

    #[test]
    fn a_view_goes_out_without_its_rows_then_the_rows_in_order_in_pieces() {
        let row = |i: usize| FileRow {
            path: format!("f{i}"),
            totals: Summary::default(),
        };
        let view = View {
            files: (0..ROWS_PER_MESSAGE * 2 + 1).map(row).collect(),
            source_files: 7,
            ..View::default()
        };
        let messages = view_messages(view.clone());
        assert_eq!(messages.len(), 4);
        let Response::View(first) = &messages[0] else {
            panic!("the view comes first")
        };
        assert!(first.files.is_empty());
        assert_eq!(first.source_files, 7);
        let mut rows = Vec::new();
        let mut lasts = Vec::new();
        for m in &messages[1..] {
            let Response::Rows { rows: r, last } = m else {
                panic!("rows follow")
            };
            rows.extend(r.iter().cloned());
            lasts.push(*last);
        }
        assert_eq!(rows, view.files);
        assert_eq!(lasts, [false, false, true]);
        // No files: still one last piece, so the page knows the view is complete.
        let empty = view_messages(View::default());
        assert_eq!(
            empty[1],
            Response::Rows {
                rows: Vec::new(),
                last: true
            }
        );
    }

    #[test]
    fn a_file_row_is_a_bare_array_on_the_wire() {
        let row = FileRow {
            path: "src/a \"b\".rs".into(),
            totals: Summary {
                lines: Count { hit: 3, found: 4 },
                branches: Count { hit: 1, found: 2 },
                functions: Count { hit: 0, found: 5 },
            },
        };
        let text = serde_json::to_string(&row).unwrap();
        assert_eq!(text, r#"["src/a \"b\".rs",4,3,2,1,5,0]"#);
        assert_eq!(serde_json::from_str::<FileRow>(&text).unwrap(), row);
        assert!(serde_json::from_str::<FileRow>(r#"["a",1,2]"#).is_err());
    }

    #[test]
    fn progress_goes_at_most_every_100_ms() {
        let pacer = ProgressPacer::default();
        let sent: Vec<f64> = [0.0, 50.0, 99.9, 100.0, 150.0, 230.0, 1000.0]
            .into_iter()
            .filter(|&t| pacer.due(t))
            .collect();
        assert_eq!(sent, [0.0, 100.0, 230.0, 1000.0]);
    }
}
