//! Path normalization: one comparable key for the many spellings CI jobs give one source file.
//!
//! `/home/runner/work/app/app/src/x.c`, `C:\a\app\src\x.c`, `file:///C:/a/app/src/x.c`,
//! `webpack:///./src/x.ts`, vite's `/@fs/home/u/app/src/x.ts`, `./src/./lib/../x.c`: [`NormPath::new`]
//! turns each into a root ([`Root`]) and `/`-separated segments, and keeps the original for display.
//!
//! Rules (the table in the tests holds the exact keys):
//! - `\` and `/` are both separators (a `\` in a POSIX file name is too rare to be worth the ambiguity);
//! - repeated separators collapse, `.` segments vanish, `..` removes the segment before it (above an
//!   absolute root it is dropped, at the start of a relative path it is kept);
//! - a drive letter is lowercased (`C:` → `c:`); a path with a drive, a UNC root or a `\` is
//!   Windows-style, and Windows-style paths compare case-insensitively ([`NormPath::fold`]);
//! - URLs: `file://` (host → UNC), `webpack://namespace/`, any other `scheme://host` (the host is
//!   dropped); percent-escapes are decoded in URLs only (a literal `%` in a plain path is a file name);
//! - vite's `/@fs/` prefix marks an absolute file system path.

use std::fmt;

/// The root a path hangs from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Root {
    /// A relative path (`src/x.c`, a JaCoCo package path `com/acme/X.java`, `webpack:///./src/x.ts`).
    Relative,
    /// `/`.
    Posix,
    /// A Windows drive, lowercased: `c`.
    Drive(char),
    /// `\\server\share`, lowercased (Windows compares them case-insensitively).
    Unc { server: String, share: String },
}

/// A normalized path: its root, its segments and the original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormPath {
    /// The path as the report wrote it, for display.
    pub original: String,
    pub root: Root,
    /// The segments, `.` and `..` resolved (a relative path may start with `..`).
    pub segments: Vec<String>,
    /// Windows-style (a drive, a UNC root or a `\` separator): compared case-insensitively.
    pub fold: bool,
}

impl NormPath {
    /// Normalizes `path`; never fails (an empty path has no segments).
    pub fn new(path: &str) -> NormPath {
        let original = path.to_string();
        let (mut rest, url) = strip_scheme(path);
        let decoded;
        if url && rest.contains('%') {
            decoded = percent_decode(&rest);
            rest = decoded;
        }
        let mut fold = rest.contains('\\');
        let mut s = rest.as_str();
        // vite serves files outside its root as `/@fs/<absolute path>`.
        if let Some(after) = s.strip_prefix("/@fs/") {
            s = if has_drive(after) {
                after
            } else {
                &s["/@fs".len()..]
            };
        }
        let is_sep = |c: char| c == '/' || c == '\\';
        let root;
        let body: &str;
        if has_drive(s) {
            fold = true;
            root = Root::Drive(s.as_bytes()[0].to_ascii_lowercase() as char);
            body = &s[2..];
        } else if s.len() >= 2 && s.starts_with(is_sep) && s[1..].starts_with(is_sep) {
            // UNC `\\server\share\...` (or `//server/share/...`): the first two segments are the root.
            let mut parts = s.split(is_sep).filter(|p| !p.is_empty());
            let server = parts.next().unwrap_or("").to_lowercase();
            let share = parts.next().unwrap_or("").to_lowercase();
            let consumed = {
                // Byte offset just past the share segment.
                let mut seen = 0;
                let mut end = s.len();
                let mut in_seg = false;
                for (i, c) in s.char_indices() {
                    if is_sep(c) {
                        if in_seg {
                            seen += 1;
                            if seen == 2 {
                                end = i;
                                break;
                            }
                        }
                        in_seg = false;
                    } else {
                        in_seg = true;
                    }
                }
                end
            };
            fold = true;
            root = Root::Unc { server, share };
            body = &s[consumed..];
            // A `/@fs//server/share` or `file://server/share` lands here too.
        } else if s.starts_with(is_sep) {
            root = Root::Posix;
            body = s;
        } else {
            root = Root::Relative;
            body = s;
        }
        let absolute = root != Root::Relative;
        let mut segments: Vec<String> = Vec::new();
        for seg in body.split(is_sep) {
            match seg {
                "" | "." => {}
                ".." => {
                    if segments.last().is_some_and(|l| l != "..") {
                        segments.pop();
                    } else if !absolute {
                        segments.push("..".to_string());
                    }
                }
                _ => segments.push(seg.to_string()),
            }
        }
        NormPath {
            original,
            root,
            segments,
            fold,
        }
    }

    /// The normalized text: `src/x.c`, `/home/u/x.c`, `c:/a/x.c`, `//server/share/x.c`.
    pub fn key(&self) -> String {
        let mut out = self.root_text();
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            out.push_str(s);
        }
        out
    }

    /// The key compared across shards: [`NormPath::key`], lowercased for Windows-style paths.
    pub fn match_key(&self) -> String {
        if self.fold {
            self.key().to_lowercase()
        } else {
            self.key()
        }
    }

    /// The root as text, with a trailing `/` when absolute: `""`, `/`, `c:/`, `//server/share/`.
    pub fn root_text(&self) -> String {
        match &self.root {
            Root::Relative => String::new(),
            Root::Posix => "/".to_string(),
            Root::Drive(d) => format!("{d}:/"),
            Root::Unc { server, share } => format!("//{server}/{share}/"),
        }
    }

    pub fn is_absolute(&self) -> bool {
        self.root != Root::Relative
    }

    /// Whether `self` and `other` name the same file: equal keys, case-insensitively when either is
    /// Windows-style.
    pub fn same_file(&self, other: &NormPath) -> bool {
        if self.root != other.root || self.segments.len() != other.segments.len() {
            return false;
        }
        let fold = self.fold || other.fold;
        self.segments
            .iter()
            .zip(&other.segments)
            .all(|(a, b)| segment_eq(a, b, fold))
    }

    /// If `prefix` (normalized) is a leading part of `self` (same root, whole segments), the number of
    /// segments it covers.
    pub fn strip_len(&self, prefix: &NormPath) -> Option<usize> {
        if prefix.root != self.root || prefix.segments.len() > self.segments.len() {
            return None;
        }
        let fold = self.fold || prefix.fold;
        prefix
            .segments
            .iter()
            .zip(&self.segments)
            .all(|(a, b)| segment_eq(a, b, fold))
            .then_some(prefix.segments.len())
    }
}

impl fmt::Display for NormPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Equality of two segments, case-insensitive when `fold`.
pub fn segment_eq(a: &str, b: &str, fold: bool) -> bool {
    if fold {
        a == b || a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

/// `C:` at the start (then a separator or the end).
fn has_drive(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && (b.len() == 2 || b[2] == b'/' || b[2] == b'\\')
}

/// Removes a URL scheme and what the scheme puts before the path; says whether it was a URL.
fn strip_scheme(path: &str) -> (String, bool) {
    let Some(colon) = path.find("://") else {
        return (path.to_string(), false);
    };
    let scheme = &path[..colon];
    // Two letters at least, so a drive (`C://x`) is no scheme.
    if scheme.len() < 2
        || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return (path.to_string(), false);
    }
    let after = &path[colon + 3..];
    let rest = if scheme.eq_ignore_ascii_case("file") {
        if let Some(p) = after.strip_prefix('/') {
            // `file:///home/x` → `/home/x`; `file:///C:/x` → `C:/x`.
            if has_drive(p) {
                p.to_string()
            } else {
                format!("/{p}")
            }
        } else if after.to_ascii_lowercase().starts_with("localhost/") {
            after["localhost".len()..].to_string()
        } else if has_drive(after) {
            after.to_string()
        } else {
            // `file://server/share/x` → UNC.
            format!("//{after}")
        }
    } else {
        // `webpack://namespace/./src/x.ts`, `http://localhost:3000/src/x.ts`: drop the host part; what
        // follows is relative to the bundle's (or server's) root, unless it has a root of its own.
        let path_part = match after.find('/') {
            Some(i) => &after[i + 1..],
            None => "",
        };
        path_part.to_string()
    };
    (rest, true)
}

/// Decodes `%XX` escapes; malformed escapes and non-UTF-8 results stay as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, key, fold): the normalization table.
    const CASES: &[(&str, &str, bool)] = &[
        ("src/x.c", "src/x.c", false),
        ("./src/x.c", "src/x.c", false),
        ("src//lib/./x.c", "src/lib/x.c", false),
        ("src/lib/../x.c", "src/x.c", false),
        ("../x.c", "../x.c", false),
        ("../../a/../x.c", "../../x.c", false),
        (
            "/home/runner/work/app/app/src/x.c",
            "/home/runner/work/app/app/src/x.c",
            false,
        ),
        ("/a/../../x.c", "/x.c", false),
        ("/a/b/", "/a/b", false),
        ("C:\\a\\app\\src\\x.c", "c:/a/app/src/x.c", true),
        ("c:/a/App/Src/X.c", "c:/a/App/Src/X.c", true),
        ("D:", "d:/", true),
        ("src\\x.c", "src/x.c", true),
        (
            "\\\\Server\\Share\\dir\\x.c",
            "//server/share/dir/x.c",
            true,
        ),
        ("file:///home/u/app/src/x.c", "/home/u/app/src/x.c", false),
        ("file:///C:/a/app/src/x.c", "c:/a/app/src/x.c", true),
        ("file://localhost/home/u/x.c", "/home/u/x.c", false),
        ("file://server/share/x.c", "//server/share/x.c", true),
        ("file:///home/u/my%20app/x.c", "/home/u/my app/x.c", false),
        ("file:///home/u/bad%zzx.c", "/home/u/bad%zzx.c", false),
        ("/home/u/100%25/x.c", "/home/u/100%25/x.c", false),
        ("webpack:///./src/x.ts", "src/x.ts", false),
        ("webpack://app/./src/x.ts", "src/x.ts", false),
        (
            "webpack:///src/components/A.vue",
            "src/components/A.vue",
            false,
        ),
        (
            "webpack:////home/u/app/src/x.ts",
            "/home/u/app/src/x.ts",
            false,
        ),
        ("http://localhost:3000/src/x.ts", "src/x.ts", false),
        ("/@fs/home/u/app/src/x.ts", "/home/u/app/src/x.ts", false),
        ("/@fs/C:/a/app/src/x.ts", "c:/a/app/src/x.ts", true),
        ("com/acme/X.java", "com/acme/X.java", false),
        ("", "", false),
        (".", "", false),
    ];

    #[test]
    fn normalization_table() {
        for (input, key, fold) in CASES {
            let p = NormPath::new(input);
            assert_eq!(
                (p.key().as_str(), p.fold),
                (*key, *fold),
                "normalizing {input:?}"
            );
            assert_eq!(p.original, *input);
            // Normalizing a key again changes nothing.
            assert_eq!(
                NormPath::new(&p.key()).key(),
                p.key(),
                "idempotent on {input:?}"
            );
        }
    }

    #[test]
    fn windows_paths_compare_case_insensitively() {
        let a = NormPath::new("C:\\A\\App\\src\\X.c");
        let b = NormPath::new("c:/a/app/SRC/x.c");
        assert!(a.same_file(&b));
        assert_eq!(a.match_key(), "c:/a/app/src/x.c");
        let p = NormPath::new("/home/App/x.c");
        let q = NormPath::new("/home/app/x.c");
        assert!(!p.same_file(&q), "POSIX paths are case-sensitive");
    }

    #[test]
    fn strip_len_needs_whole_segments_and_the_same_root() {
        let p = NormPath::new("/home/runner/work/app/src/x.c");
        assert_eq!(p.strip_len(&NormPath::new("/home/runner/work/")), Some(3));
        assert_eq!(p.strip_len(&NormPath::new("/home/run")), None);
        assert_eq!(p.strip_len(&NormPath::new("home/runner")), None);
        let w = NormPath::new("C:\\A\\app\\x.c");
        assert_eq!(w.strip_len(&NormPath::new("c:/a")), Some(1));
    }
}
