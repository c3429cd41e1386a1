//! The pure rules of the page's loaders (the browser glue is in [`crate::loaders`]): names of files in
//! dropped or picked folders, which folders and files a folder walk leaves out, the limits of a source
//! folder, and the `?report=` URLs (which are allowed, how they are named, how a failure is worded).
//! Plain Rust, tested natively.

/// The largest file of a source folder kept as text (larger ones are left out): 4 MiB.
pub const SOURCE_FILE_MAX: u64 = 4 << 20;
/// At most this many files of a source folder are read.
pub const SOURCE_FOLDER_MAX_FILES: usize = 20_000;
/// At most this many bytes of a source folder are read in all: 256 MiB.
pub const SOURCE_FOLDER_MAX_BYTES: u64 = 256 << 20;

/// A file's name under a dropped folder, from its entry's `fullPath` (`/artifacts/job3/lcov.info`) or
/// a picked folder's `webkitRelativePath` (`artifacts/job3/lcov.info`): the relative path, `/`-separated.
pub fn relative_name(path: &str) -> String {
    path.trim_start_matches('/').to_string()
}

/// The folder a set of relative names is under (their first segment, when they share it).
pub fn folder_of<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut first: Option<&str> = None;
    for n in names {
        let top = n.split('/').next().unwrap_or(n);
        match first {
            None => first = Some(top),
            Some(f) if f == top => {}
            Some(_) => return String::new(),
        }
    }
    first.unwrap_or_default().to_string()
}

/// Folders a walk of dropped folders does not enter: version control's own.
pub fn skip_dir(name: &str) -> bool {
    matches!(name, ".git" | ".hg" | ".svn" | ".jj")
}

/// Folders a source folder walk does not enter: version control's, dependencies and caches.
pub fn skip_source_dir(name: &str) -> bool {
    skip_dir(name)
        || matches!(
            name,
            "node_modules" | "__pycache__" | ".venv" | ".tox" | ".mypy_cache" | ".pytest_cache"
        )
}

/// Whether a file name says it is not text (images, archives, objects, fonts, media), so a source
/// folder walk does not read it.
pub fn binary_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some((_, ext)) = lower.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext,
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "bmp"
            | "ico"
            | "webp"
            | "pdf"
            | "zip"
            | "gz"
            | "tgz"
            | "bz2"
            | "xz"
            | "7z"
            | "tar"
            | "jar"
            | "war"
            | "class"
            | "o"
            | "obj"
            | "a"
            | "so"
            | "dylib"
            | "dll"
            | "exe"
            | "wasm"
            | "woff"
            | "woff2"
            | "ttf"
            | "otf"
            | "mp3"
            | "mp4"
            | "mov"
            | "gcda"
            | "gcno"
            | "profraw"
            | "profdata"
            | "pyc"
    )
}

/// What a source folder walk does with a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    Take,
    /// Over [`SOURCE_FILE_MAX`] or named like a binary file.
    Skip,
    /// The walk has read its limit of files or bytes: stop.
    Full,
}

/// The running count of a source folder walk against its limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceBudget {
    pub files: usize,
    pub bytes: u64,
    /// Files left out (too large, binary), and whether the walk stopped at a limit.
    pub skipped: usize,
    pub full: bool,
}

impl SourceBudget {
    /// Whether to read file `name` of `size` bytes; counts it.
    pub fn admit(&mut self, name: &str, size: u64) -> Admit {
        if self.full {
            return Admit::Full;
        }
        if size > SOURCE_FILE_MAX || binary_name(name) {
            self.skipped += 1;
            return Admit::Skip;
        }
        if self.files + 1 > SOURCE_FOLDER_MAX_FILES || self.bytes + size > SOURCE_FOLDER_MAX_BYTES {
            self.full = true;
            return Admit::Full;
        }
        self.files += 1;
        self.bytes += size;
        Admit::Take
    }
}

/// The `report` parameters of the page's query string (`?report=a.info&report=b.xml`), decoded, in
/// order, blanks dropped.
pub fn report_params(search: &str) -> Vec<String> {
    crate::hash_state::pairs(search)
        .into_iter()
        .filter(|(k, _)| k == "report")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Whether a `?report=` URL may be fetched: only from the page's own origin (`resolved_origin` is the
/// URL's origin once resolved against the page, `"null"` for `data:` and the like). The error names
/// the URL, as the failed input's message.
pub fn check_report_origin(
    url: &str,
    resolved_origin: &str,
    page_origin: &str,
) -> Result<(), String> {
    if resolved_origin == page_origin {
        return Ok(());
    }
    Err(format!(
        "refused to fetch {url}: reports load only from this page's origin ({page_origin}), not from {}",
        if resolved_origin == "null" {
            "a URL without an origin"
        } else {
            resolved_origin
        }
    ))
}

/// The name a `?report=` input is listed under: the URL as given, without a leading `./`.
pub fn report_name(url: &str) -> String {
    url.strip_prefix("./").unwrap_or(url).to_string()
}

/// The message of a `?report=` fetch that the server answered with an error status.
pub fn fetch_status_error(url: &str, status: u16, status_text: &str) -> String {
    let text = status_text.trim();
    if text.is_empty() {
        format!("cannot fetch {url}: the server answered HTTP {status}")
    } else {
        format!("cannot fetch {url}: the server answered HTTP {status} ({text})")
    }
}

/// The message of a `?report=` fetch that failed before any answer (offline, refused).
pub fn fetch_network_error(url: &str, why: &str) -> String {
    format!("cannot fetch {url}: {}", why.trim().trim_end_matches('.'))
}

/// The text of a worker's uncaught error as the browser gives it (`Uncaught Error: why`), as `why`.
pub fn uncaught_text(message: &str) -> &str {
    let message = message.trim();
    let message = message.strip_prefix("Uncaught ").unwrap_or(message);
    message.strip_prefix("Error: ").unwrap_or(message)
}

/// The message of a worker that stopped: the browser's text of its uncaught error without the
/// `Uncaught Error: ` it puts in front (web/worker-loader.js throws `cannot load ...` when the worker's
/// wasm does not load), or a generic one when the browser gives none (a script that did not load).
pub fn worker_stopped(message: &str) -> String {
    let message = uncaught_text(message);
    if message.is_empty() {
        "the worker stopped (it could not be loaded or it crashed)".to_string()
    } else {
        format!("the worker stopped: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_relative_paths() {
        assert_eq!(
            relative_name("/artifacts/job3/lcov.info"),
            "artifacts/job3/lcov.info"
        );
        assert_eq!(
            relative_name("artifacts/job3/lcov.info"),
            "artifacts/job3/lcov.info"
        );
        assert_eq!(
            folder_of(["artifacts/job3/lcov.info", "artifacts/src/a.c"]),
            "artifacts"
        );
        assert_eq!(folder_of(["a/x", "b/y"]), "");
        assert_eq!(folder_of(Vec::<&str>::new()), "");
        assert!(skip_dir(".git") && !skip_dir("node_modules") && !skip_dir("coverage"));
        assert!(
            skip_source_dir("node_modules") && skip_source_dir(".git") && !skip_source_dir("src")
        );
        assert!(binary_name("logo.PNG") && binary_name("a/b/main.gcda"));
        assert!(!binary_name("src/main.c") && !binary_name("Makefile") && !binary_name("a.json"));
    }

    #[test]
    fn a_source_walk_stops_at_its_limits() {
        let mut b = SourceBudget::default();
        assert_eq!(b.admit("a.c", 10), Admit::Take);
        assert_eq!(b.admit("big.c", SOURCE_FILE_MAX + 1), Admit::Skip);
        assert_eq!(b.admit("logo.png", 10), Admit::Skip);
        assert_eq!(b.admit("b.c", SOURCE_FILE_MAX), Admit::Take);
        assert_eq!((b.files, b.bytes, b.skipped), (2, 10 + SOURCE_FILE_MAX, 2));
        b.bytes = SOURCE_FOLDER_MAX_BYTES - 5;
        assert_eq!(b.admit("c.c", 6), Admit::Full);
        assert_eq!(b.admit("d.c", 1), Admit::Full, "a full walk stays full");
        let mut b = SourceBudget {
            files: SOURCE_FOLDER_MAX_FILES,
            ..SourceBudget::default()
        };
        assert_eq!(b.admit("e.c", 1), Admit::Full);
    }

    #[test]
    fn report_urls_are_same_origin_only_and_failures_name_the_url() {
        assert_eq!(
            report_params("?report=fixtures/unit.info&q=x&report=b%20c.xml&report="),
            ["fixtures/unit.info", "b c.xml"]
        );
        assert_eq!(report_params(""), Vec::<String>::new());
        let page = "http://127.0.0.1:8080";
        assert_eq!(check_report_origin("a.info", page, page), Ok(()));
        assert_eq!(
            check_report_origin("https://evil.example/a.info", "https://evil.example", page),
            Err("refused to fetch https://evil.example/a.info: reports load only from this page's origin (http://127.0.0.1:8080), not from https://evil.example".into())
        );
        assert_eq!(
            check_report_origin("data:text/plain,x", "null", page),
            Err("refused to fetch data:text/plain,x: reports load only from this page's origin (http://127.0.0.1:8080), not from a URL without an origin".into())
        );
        assert_eq!(report_name("./fixtures/unit.info"), "fixtures/unit.info");
        assert_eq!(
            fetch_status_error("fixtures/nope.info", 404, "Not Found"),
            "cannot fetch fixtures/nope.info: the server answered HTTP 404 (Not Found)"
        );
        assert_eq!(
            fetch_status_error("x", 500, ""),
            "cannot fetch x: the server answered HTTP 500"
        );
        assert_eq!(
            fetch_network_error("x.info", "Failed to fetch."),
            "cannot fetch x.info: Failed to fetch"
        );
    }

    #[test]
    fn a_stopped_worker_is_named_without_the_browsers_prefix() {
        assert_eq!(
            worker_stopped("Uncaught Error: cannot load covlens-worker_bg.wasm (Failed to fetch)"),
            "the worker stopped: cannot load covlens-worker_bg.wasm (Failed to fetch)"
        );
        assert_eq!(
            worker_stopped("Uncaught RangeError: Maximum call stack size exceeded"),
            "the worker stopped: RangeError: Maximum call stack size exceeded"
        );
        assert_eq!(
            worker_stopped(" "),
            "the worker stopped (it could not be loaded or it crashed)"
        );
    }
}
