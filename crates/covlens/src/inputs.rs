//! Turning command-line INPUT arguments (files, directories, `-`) into the list of inputs to load.
//!
//! A directory is searched recursively; every regular file in it is a candidate, and whether it is a
//! coverage report is decided later from its content (the loader sniffs its first bytes), so each file
//! is opened once; a zip archive is recognised the same way (its `PK\x03\x04` signature, whatever its
//! name) and every report inside it is read. Hidden directories (`.git`, `.cache`) and `node_modules`
//! are not entered.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

/// Where an input's bytes come from.
#[derive(Debug)]
pub enum Source {
    Stdin,
    File(PathBuf),
    /// The argument could not be expanded (missing file, unreadable directory): the message.
    Unreadable(String),
}

/// One input to load.
#[derive(Debug)]
pub struct Job {
    pub source: Source,
    /// The name used in messages and output: the path as given (joined below a directory), or `<stdin>`.
    pub display: String,
    /// Size in bytes when known (for progress and scheduling).
    pub size: Option<u64>,
    /// Index of the command-line argument this input came from.
    pub arg: usize,
    /// Found while searching a directory: content that is not a report is skipped, not an error.
    pub from_dir: bool,
}

/// The expansion of every argument.
#[derive(Debug)]
pub struct Expanded {
    /// In argument order; a directory's files in path order.
    pub jobs: Vec<Job>,
    /// Per argument: entries met in its directories that cannot be reports at all (sockets, broken links).
    pub skipped: Vec<u64>,
    /// Per argument: whether it was a directory.
    pub is_dir: Vec<bool>,
    /// Per argument: its display name.
    pub arg_names: Vec<String>,
}

/// The display name of stdin.
pub const STDIN_NAME: &str = "<stdin>";

/// `No such file or directory`, without Rust's ` (os error 2)` suffix.
pub fn io_message(err: &std::io::Error) -> String {
    let s = err.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Expands the arguments in order; `-` is stdin. A file found in a directory that is `exclude` (the
/// output of `merge`, so that re-running `merge cov/ -o cov/all.info` does not count its last output)
/// is left out; named explicitly, it is read.
pub fn expand(args: &[PathBuf], exclude: Option<&Path>) -> Expanded {
    let exclude =
        exclude.and_then(|p| Some((p.file_name()?.to_owned(), fs::canonicalize(p).ok()?)));
    let mut out = Expanded {
        jobs: Vec::new(),
        skipped: vec![0; args.len()],
        is_dir: vec![false; args.len()],
        arg_names: args
            .iter()
            .map(|a| {
                if a.as_os_str() == "-" {
                    STDIN_NAME.to_string()
                } else {
                    display(a)
                }
            })
            .collect(),
    };
    for (arg, path) in args.iter().enumerate() {
        if path.as_os_str() == "-" {
            out.jobs.push(Job {
                source: Source::Stdin,
                display: STDIN_NAME.to_string(),
                size: None,
                arg,
                from_dir: false,
            });
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                out.is_dir[arg] = true;
                walk(path, arg, &exclude, &mut out);
            }
            Ok(meta) => out.jobs.push(Job {
                source: Source::File(path.clone()),
                display: display(path),
                size: Some(meta.len()),
                arg,
                from_dir: false,
            }),
            Err(e) => out.jobs.push(Job {
                source: Source::Unreadable(format!(
                    "cannot read {}: {}",
                    display(path),
                    io_message(&e)
                )),
                display: display(path),
                size: None,
                arg,
                from_dir: false,
            }),
        }
    }
    out
}

fn skip_dir(name: &OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.starts_with(b".") || name == b"node_modules"
}

fn walk(dir: &Path, arg: usize, exclude: &Option<(OsString, PathBuf)>, out: &mut Expanded) {
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.jobs.push(Job {
                source: Source::Unreadable(format!(
                    "cannot read directory {}: {}",
                    display(dir),
                    io_message(&e)
                )),
                display: display(dir),
                size: None,
                arg,
                from_dir: false,
            });
            return;
        }
    };
    let mut entries: Vec<fs::DirEntry> = entries.filter_map(Result::ok).collect();
    // Deterministic order whatever the file system returns.
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(ty) = entry.file_type() else {
            out.skipped[arg] += 1;
            continue;
        };
        if ty.is_dir() {
            if !skip_dir(&entry.file_name()) {
                walk(&path, arg, exclude, out);
            }
            continue;
        }
        // Links to files are followed; links to directories are not (no cycles).
        let meta = if ty.is_symlink() {
            fs::metadata(&path).ok()
        } else {
            entry.metadata().ok()
        };
        if let Some((name, canonical)) = exclude {
            if entry.file_name() == *name
                && fs::canonicalize(&path).ok().as_ref() == Some(canonical)
            {
                continue;
            }
        }
        match meta {
            Some(m) if m.is_file() => out.jobs.push(Job {
                source: Source::File(path.clone()),
                display: display(&path),
                size: Some(m.len()),
                arg,
                from_dir: true,
            }),
            Some(m) if m.is_dir() => {}
            _ => out.skipped[arg] += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_message_drops_os_error_suffix() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e), "No such file or directory");
    }

    #[test]
    fn hidden_and_node_modules_are_skipped() {
        assert!(skip_dir(OsStr::new(".git")));
        assert!(skip_dir(OsStr::new("node_modules")));
        assert!(!skip_dir(OsStr::new("coverage")));
    }
}
