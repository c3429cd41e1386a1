//! What the worker keeps between messages (the loaded shards, the failed inputs) and how it turns them
//! into the page's [`View`]; plain Rust, tested natively.

use std::io::{BufRead, Cursor, Read};

use covlens_core::{
    detect::SNIFF_LEN, parse_bytes, parse_read, Loaded, ParseError, ParseOptions, ShardId,
    ShardSet, Totals,
};

use crate::protocol::{FileRow, LoadError, ShardRow, View};

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
        Some(format) => parse_read(format, Cursor::new(head).chain(input), options),
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

    /// Loads an input held in memory.
    pub fn load_bytes(&mut self, name: &str, input: &[u8]) {
        let result = parse_bytes(input, &self.options);
        self.add(name, input.len() as u64, result);
    }

    /// Loads an input from a stream of `bytes` bytes.
    pub fn load_stream<R: BufRead>(&mut self, name: &str, bytes: u64, input: R) {
        let result = parse_stream(input, &self.options);
        self.add(name, bytes, result);
    }

    /// Removes a loaded input; false when there was none of that id.
    pub fn remove(&mut self, shard: u32) -> bool {
        self.shards.remove(ShardId(shard))
    }

    /// Forgets every input, loaded or failed.
    pub fn clear(&mut self) {
        *self = WorkerState {
            options: self.options.clone(),
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
            })
            .collect();
        let (merged, merge_diags) = self.shards.merged();
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
