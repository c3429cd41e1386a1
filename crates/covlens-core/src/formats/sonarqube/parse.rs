//! The SonarQube generic coverage reader: events → one record per `<file>`.
//!
//! Rules (FORMATS.md §8, `specs/sonar-generic-coverage.xsd`), and why:
//! - Path = the file's `path` (relative to the project base or absolute, kept as written).
//! - Lines: each `<lineToCover lineNumber covered>` is a coverable line, hit 1 when `covered` is
//!   `true`/`1`, else 0 (the format has no counts).
//! - Branches: `branchesToCover` positional branches on the line, the first `coveredBranches` of them
//!   taken once, the others not (SonarQube keeps only these two numbers). More covered than to cover is
//!   reported and clamped.
//! - The root must be `<coverage>`; a `version` other than `1` is noted (only version 1 exists).

use quick_xml::events::BytesStart;

use crate::formats::xml::{attr_str, count_attr, line_attr, pick_attrs, Cx, Handler};
use crate::model::{Branch, BranchId, BranchName, FileCoverage, FileRecord, LineHit};

/// Branches on one line beyond this are not believed.
const MAX_BRANCHES_PER_LINE: u64 = 1 << 16;

struct FileState {
    path: String,
    coverage: FileCoverage,
}

/// The SonarQube event handler.
#[derive(Default)]
pub(crate) struct Sonarqube {
    depth: u32,
    root_seen: bool,
    file: Option<FileState>,
}

impl Sonarqube {
    fn root(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        match pick_attrs(e, [b"version"]) {
            Ok([Some(v)]) if v.trim_ascii() != b"1" => cx.note(format!(
                "generic coverage version `{}` (only version 1 is known); read as version 1",
                String::from_utf8_lossy(v)
            )),
            Ok(_) => {}
            Err(err) => cx.warn(format!("malformed attribute in <coverage>: {err}")),
        }
    }

    fn start_file(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let path = match pick_attrs(e, [b"path"]) {
            Ok([Some(p)]) => attr_str(p, "path", cx).into_owned(),
            Ok([None]) => {
                cx.warn("<file> without a path attribute; file skipped");
                return;
            }
            Err(err) => {
                cx.warn(format!(
                    "malformed attribute in <file>: {err}; file skipped"
                ));
                return;
            }
        };
        self.file = Some(FileState {
            path,
            coverage: FileCoverage::default(),
        });
    }

    fn line(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) {
        let Some(file) = &mut self.file else { return };
        let [nr, covered, to_cover, covered_branches] = match pick_attrs(
            e,
            [
                b"lineNumber",
                b"covered",
                b"branchesToCover",
                b"coveredBranches",
            ],
        ) {
            Ok(v) => v,
            Err(err) => {
                cx.warn(format!(
                    "malformed attribute in <lineToCover>: {err}; line skipped"
                ));
                return;
            }
        };
        let Some(nr) = nr else {
            cx.warn("<lineToCover> without a lineNumber attribute; line skipped");
            return;
        };
        let Some(line) = line_attr(nr, "line number", cx) else {
            return;
        };
        let hit = match covered.map(<[u8]>::trim_ascii) {
            Some(b"true" | b"1") => 1,
            Some(b"false" | b"0") => 0,
            Some(other) => {
                cx.warn(format!(
                    "invalid covered value `{}` on line {line} (expected true or false); line skipped",
                    String::from_utf8_lossy(other)
                ));
                return;
            }
            None => {
                cx.warn(format!(
                    "line {line} without a covered attribute; line skipped"
                ));
                return;
            }
        };
        let mut ok = true;
        let mut get = |raw: Option<&[u8]>, what: &str, cx: &mut Cx<'_, '_>| {
            raw.map_or(0, |v| {
                let n = count_attr(v, what, cx);
                ok &= n.is_some();
                n.unwrap_or(0)
            })
        };
        let total = get(to_cover, "branchesToCover", cx);
        let mut hit_branches = get(covered_branches, "coveredBranches", cx);
        if !ok {
            return;
        }
        file.coverage.lines.push(LineHit { line, hits: hit });
        if total > MAX_BRANCHES_PER_LINE {
            cx.warn(format!(
                "implausibly many branches ({total}) on line {line}; its branches skipped"
            ));
            return;
        }
        if hit_branches > total {
            cx.warn(format!(
                "line {line} has {hit_branches} covered branches of {total}; clamped to {total}"
            ));
            hit_branches = total;
        }
        for i in 0..total as u32 {
            file.coverage.branches.push(Branch {
                line,
                id: BranchId {
                    block: 0,
                    branch: BranchName::Index(i),
                    flags: 0,
                },
                taken: Some(u64::from(u64::from(i) < hit_branches)),
            });
        }
    }

    fn end_file(&mut self, cx: &mut Cx<'_, '_>) {
        if let Some(file) = self.file.take() {
            cx.emit(FileRecord {
                path: file.path,
                coverage: file.coverage,
            });
        }
    }
}

impl Handler for Sonarqube {
    fn start(&mut self, e: &BytesStart<'_>, cx: &mut Cx<'_, '_>) -> Result<(), String> {
        let name = e.name();
        let name = name.as_ref();
        if self.depth == 0 {
            if name != b"coverage" {
                return Err(format!(
                    "root element is <{}>, expected <coverage>",
                    String::from_utf8_lossy(name)
                ));
            }
            self.root_seen = true;
            self.root(e, cx);
        }
        self.depth += 1;
        match name {
            b"lineToCover" => self.line(e, cx),
            b"file" => self.start_file(e, cx),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8], cx: &mut Cx<'_, '_>) -> Result<(), String> {
        self.depth = self.depth.saturating_sub(1);
        if name == b"file" {
            self.end_file(cx);
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &mut Cx<'_, '_>) -> Result<(), String> {
        if !self.root_seen {
            return Err("no <coverage> element".to_string());
        }
        Ok(())
    }
}
