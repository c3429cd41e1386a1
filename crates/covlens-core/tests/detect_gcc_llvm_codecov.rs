//! Detection of gcov text, gcov JSON, llvm-cov export JSON, gcovr JSON and Codecov JSON over the whole
//! shared corpus: every file of those folders is detected as its format (gzip unwrapped first), and no
//! file of any other folder is taken for one of them.

// The ban on IO is for the library; its tests read the shared corpus.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

use covlens_core::container;
use covlens_core::detect::SNIFF_LEN;
use covlens_core::{detect, Format};

const MINE: [(&str, Format); 5] = [
    ("gcov-text", Format::GcovText),
    ("gcov-json", Format::GcovJson),
    ("llvm-cov-json", Format::LlvmCovJson),
    ("gcovr-json", Format::GcovrJson),
    ("codecov", Format::Codecov),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn corpus_detection() {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if !root.is_dir() {
        eprintln!("notice: {} is absent; skipped", root.display());
        return;
    }
    let mut all = Vec::new();
    files(root, &mut all);
    all.sort();
    let mut checked = 0;
    for path in all {
        let rel = path.strip_prefix(root).unwrap();
        let folder = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let head = if container::is_gzip(&bytes) {
            container::gunzip_prefix(&bytes, SNIFF_LEN)
        } else {
            bytes[..bytes.len().min(SNIFF_LEN)].to_vec()
        };
        let got = detect(&head);
        let name = rel.display().to_string();
        match MINE.iter().find(|(f, _)| *f == folder) {
            // The C source measured by the generated gcov files is no report.
            Some(_) if name.ends_with(".c") => assert_eq!(got, None, "{name}"),
            Some((_, want)) => {
                assert_eq!(got, Some(*want), "{name}");
                checked += 1;
            }
            None => assert!(
                !MINE.iter().any(|(_, f)| got == Some(*f)),
                "{name} (a {folder} file) detected as {got:?}"
            ),
        }
    }
    assert_eq!(checked, 13 + 3 + 4 + 1 + 3);
}
