//! The file tree's view-model, pure and natively tested: filtering the merged report's files, building
//! a directory tree with single-child chains collapsed to one row (`src/net/`), sorting siblings,
//! flattening the expanded part into rows, the visible window of the virtualized list and keyboard moves.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::protocol::{Count, FileRow, Summary};
use crate::view::{compare_rows, Filter, Sort, SortDir, SortKey};

/// A column the tree sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TreeKey {
    Path,
    Lines,
    Branches,
    Functions,
    /// Lines found and not hit.
    Uncovered,
    /// Coverable lines.
    Size,
}

impl TreeKey {
    pub const ALL: [TreeKey; 6] = [
        TreeKey::Path,
        TreeKey::Lines,
        TreeKey::Branches,
        TreeKey::Functions,
        TreeKey::Uncovered,
        TreeKey::Size,
    ];

    pub fn id(self) -> &'static str {
        match self {
            TreeKey::Path => "path",
            TreeKey::Lines => "lines",
            TreeKey::Branches => "branches",
            TreeKey::Functions => "functions",
            TreeKey::Uncovered => "uncovered",
            TreeKey::Size => "size",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TreeKey::Path => "File",
            TreeKey::Lines => "Lines",
            TreeKey::Branches => "Branches",
            TreeKey::Functions => "Functions",
            TreeKey::Uncovered => "Uncovered",
            TreeKey::Size => "Size",
        }
    }

    /// Names A→Z and percentages worst first; uncovered lines and sizes largest first.
    pub fn first_direction(self) -> SortDir {
        match self {
            TreeKey::Uncovered | TreeKey::Size => SortDir::Desc,
            _ => SortDir::Asc,
        }
    }

    fn percent_key(self) -> Option<SortKey> {
        match self {
            TreeKey::Path => Some(SortKey::Path),
            TreeKey::Lines => Some(SortKey::Lines),
            TreeKey::Branches => Some(SortKey::Branches),
            TreeKey::Functions => Some(SortKey::Functions),
            TreeKey::Uncovered | TreeKey::Size => None,
        }
    }
}

/// How the tree's siblings are sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TreeSort {
    pub key: TreeKey,
    pub dir: SortDir,
}

impl Default for TreeSort {
    fn default() -> Self {
        TreeSort {
            key: TreeKey::Path,
            dir: SortDir::Asc,
        }
    }
}

impl TreeSort {
    /// `lines`, `-size`: the column id, `-` first when descending.
    pub fn to_param(self) -> String {
        match self.dir {
            SortDir::Asc => self.key.id().to_string(),
            SortDir::Desc => format!("-{}", self.key.id()),
        }
    }

    pub fn from_param(p: &str) -> Option<TreeSort> {
        let (dir, id) = match p.strip_prefix('-') {
            Some(id) => (SortDir::Desc, id),
            None => (SortDir::Asc, p),
        };
        let key = TreeKey::ALL.into_iter().find(|k| k.id() == id)?;
        Some(TreeSort { key, dir })
    }

    /// After a click on `key`: the same column flips, another starts at its first direction.
    pub fn clicked(self, key: TreeKey) -> TreeSort {
        if self.key == key {
            TreeSort {
                key,
                dir: self.dir.flip(),
            }
        } else {
            TreeSort {
                key,
                dir: key.first_direction(),
            }
        }
    }

    /// The order of two rows (files or directories): ties fall back to the path, A→Z.
    pub fn compare(self, a: &FileRow, b: &FileRow) -> Ordering {
        if let Some(key) = self.key.percent_key() {
            return compare_rows(a, b, Sort { key, dir: self.dir });
        }
        let value = |r: &FileRow| match self.key {
            TreeKey::Uncovered => uncovered(r.totals.lines),
            _ => r.totals.lines.found,
        };
        let o = value(a).cmp(&value(b));
        let o = match self.dir {
            SortDir::Asc => o,
            SortDir::Desc => o.reverse(),
        };
        o.then_with(|| a.path.cmp(&b.path))
    }
}

/// Lines found and not hit.
pub fn uncovered(c: Count) -> u64 {
    c.found.saturating_sub(c.hit)
}

/// Which files to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileFilter {
    /// Whitespace-separated terms that must all occur in the path (any case).
    pub text: String,
    /// Line coverage at least this percentage (files without coverable lines then drop out).
    pub min: Option<u8>,
    /// Line coverage at most this percentage.
    pub max: Option<u8>,
    /// Only files with at least one line not hit.
    pub uncovered_only: bool,
}

impl FileFilter {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
            && self.min.is_none()
            && self.max.is_none()
            && !self.uncovered_only
    }

    /// The rows that pass, in their order.
    pub fn apply(&self, rows: &[FileRow]) -> Vec<FileRow> {
        let text = Filter::new(&self.text);
        rows.iter()
            .filter(|r| {
                let l = r.totals.lines;
                if self.uncovered_only && uncovered(l) == 0 {
                    return false;
                }
                // Exact: hit/found >= min/100 ⇔ 100·hit >= min·found.
                let pct100 = u128::from(l.hit.min(l.found)) * 100;
                let found = u128::from(l.found);
                if let Some(min) = self.min {
                    if found == 0 || pct100 < u128::from(min) * found {
                        return false;
                    }
                }
                if let Some(max) = self.max {
                    if found == 0 || pct100 > u128::from(max) * found {
                        return false;
                    }
                }
                text.matches(&r.path)
            })
            .cloned()
            .collect()
    }
}

/// One node of a [`Tree`]: a file, or a directory with its single-child chain collapsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// What the row shows: a file name, or directory segments with a trailing `/` (`src/net/`).
    pub name: String,
    /// `row.path`: the file's path, or the directory's path without a trailing separator (its id).
    /// `row.totals`: the file's, or the sum over the directory's files.
    pub row: FileRow,
    /// Files under this node (1 for a file).
    pub files: u64,
    /// Children (indices into [`Tree::nodes`]), unsorted; empty for a file.
    pub children: Vec<usize>,
    pub is_dir: bool,
}

/// The files of a report as a directory tree; node 0 is the (unshown) root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

fn add(a: &mut Summary, b: &Summary) {
    for (x, y) in [
        (&mut a.lines, b.lines),
        (&mut a.branches, b.branches),
        (&mut a.functions, b.functions),
    ] {
        x.hit = x.hit.saturating_add(y.hit);
        x.found = x.found.saturating_add(y.found);
    }
}

#[derive(Default)]
struct Trie {
    dirs: BTreeMap<String, Trie>,
    files: Vec<FileRow>,
}

impl Tree {
    /// Builds the tree of `rows` (paths split at `/` or `\`).
    pub fn build(rows: &[FileRow]) -> Tree {
        let mut trie = Trie::default();
        for r in rows {
            let mut t = &mut trie;
            let dirs = crate::view::split_path(&r.path).0;
            // Each folder once per file: looked up by `&str`, allocated only when new.
            for d in dirs.split_terminator(['/', '\\']) {
                if !t.dirs.contains_key(d) {
                    t.dirs.insert(d.to_string(), Trie::default());
                }
                t = t.dirs.get_mut(d).expect("inserted above");
            }
            t.files.push(r.clone());
        }
        let mut tree = Tree::default();
        tree.nodes.push(Node {
            name: String::new(),
            row: FileRow {
                path: String::new(),
                totals: Summary::default(),
            },
            files: 0,
            children: Vec::new(),
            is_dir: true,
        });
        tree.fill(0, String::new(), trie);
        tree
    }

    /// Adds the contents of `trie` (the directory at `prefix`, `""` or ending in `/`) under `parent`.
    fn fill(&mut self, parent: usize, prefix: String, trie: Trie) {
        for (seg, mut sub) in trie.dirs {
            let mut name = format!("{seg}/");
            // Collapse a chain of directories that hold one directory and nothing else.
            while sub.files.is_empty() && sub.dirs.len() == 1 {
                let (s, inner) = sub.dirs.pop_first().expect("one entry");
                name.push_str(&s);
                name.push('/');
                sub = inner;
            }
            let path = format!("{prefix}{name}");
            let id = self.nodes.len();
            self.nodes.push(Node {
                name,
                row: FileRow {
                    path: path.trim_end_matches('/').to_string(),
                    totals: Summary::default(),
                },
                files: 0,
                children: Vec::new(),
                is_dir: true,
            });
            self.nodes[parent].children.push(id);
            self.fill(id, path, sub);
            let (totals, files) = (self.nodes[id].row.totals, self.nodes[id].files);
            add(&mut self.nodes[parent].row.totals, &totals);
            self.nodes[parent].files += files;
        }
        for f in trie.files {
            let name = crate::view::split_path(&f.path).1.to_string();
            let id = self.nodes.len();
            add(&mut self.nodes[parent].row.totals, &f.totals);
            self.nodes[parent].files += 1;
            self.nodes.push(Node {
                name,
                row: f,
                files: 1,
                children: Vec::new(),
                is_dir: false,
            });
            self.nodes[parent].children.push(id);
        }
    }

    /// The directory node whose path is `path` (`""` is the root).
    pub fn find_dir(&self, path: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.is_dir && n.row.path == path)
    }

    /// The children of `node`, sorted.
    pub fn sorted_children(&self, node: usize, sort: TreeSort) -> Vec<usize> {
        let mut c = self.nodes[node].children.clone();
        c.sort_by(|&a, &b| sort.compare(&self.nodes[a].row, &self.nodes[b].row));
        c
    }

    /// The rows to show, depth first: every directory not in `collapsed` shows its children.
    pub fn flatten(&self, sort: TreeSort, collapsed: &BTreeSet<String>) -> Vec<FlatRow> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, u16)> = self
            .sorted_children(0, sort)
            .into_iter()
            .rev()
            .map(|c| (c, 0))
            .collect();
        while let Some((id, depth)) = stack.pop() {
            let n = &self.nodes[id];
            let open = n.is_dir && !collapsed.contains(&n.row.path);
            out.push(FlatRow {
                node: id,
                depth,
                open,
            });
            if open {
                for c in self.sorted_children(id, sort).into_iter().rev() {
                    stack.push((c, depth + 1));
                }
            }
        }
        out
    }
}

/// One shown row of the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlatRow {
    pub node: usize,
    pub depth: u16,
    /// A directory showing its children.
    pub open: bool,
}

/// The rows of a virtualized list to put in the DOM: `start..end` for a viewport of `height` pixels
/// scrolled by `scroll_top`, rows of `row_height` pixels, `margin` extra rows on each side.
pub fn visible_range(
    scroll_top: f64,
    height: f64,
    row_height: f64,
    total: usize,
    margin: usize,
) -> (usize, usize) {
    if total == 0 || row_height <= 0.0 {
        return (0, 0);
    }
    let first = (scroll_top.max(0.0) / row_height).floor() as usize;
    let shown = (height.max(0.0) / row_height).ceil() as usize + 1;
    let start = first.saturating_sub(margin).min(total);
    let end = (first + shown + margin).min(total);
    (start.min(end), end)
}

/// What a key does in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAction {
    /// Move the cursor to this row.
    Move(usize),
    /// Open the file of this row.
    Open(String),
    /// Collapse (`false`) or expand (`true`) the directory of this path.
    Expand(String, bool),
    None,
}

/// The action of `key` (a `KeyboardEvent.key`) with the cursor on row `cursor` of `rows`; `page` is
/// how many rows PageUp/PageDown move.
pub fn key_action(
    tree: &Tree,
    rows: &[FlatRow],
    cursor: usize,
    key: &str,
    page: usize,
) -> KeyAction {
    if rows.is_empty() {
        return KeyAction::None;
    }
    let cursor = cursor.min(rows.len() - 1);
    let last = rows.len() - 1;
    let row = rows[cursor];
    let node = &tree.nodes[row.node];
    match key {
        "ArrowDown" => KeyAction::Move((cursor + 1).min(last)),
        "ArrowUp" => KeyAction::Move(cursor.saturating_sub(1)),
        "PageDown" => KeyAction::Move((cursor + page.max(1)).min(last)),
        "PageUp" => KeyAction::Move(cursor.saturating_sub(page.max(1))),
        "Home" => KeyAction::Move(0),
        "End" => KeyAction::Move(last),
        "Enter" | " " if !node.is_dir => KeyAction::Open(node.row.path.clone()),
        "Enter" | " " => KeyAction::Expand(node.row.path.clone(), !row.open),
        "ArrowRight" if node.is_dir && !row.open => KeyAction::Expand(node.row.path.clone(), true),
        "ArrowRight" if node.is_dir => KeyAction::Move((cursor + 1).min(last)),
        "ArrowLeft" if node.is_dir && row.open => KeyAction::Expand(node.row.path.clone(), false),
        // Elsewhere, Left goes to the parent directory's row.
        "ArrowLeft" => (0..cursor)
            .rev()
            .find(|&i| rows[i].depth < row.depth)
            .map_or(KeyAction::None, KeyAction::Move),
        _ => KeyAction::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(hit: u64, found: u64) -> Count {
        Count { hit, found }
    }

    fn row(path: &str, lines: Count) -> FileRow {
        FileRow {
            path: path.into(),
            totals: Summary {
                lines,
                branches: Count::default(),
                functions: Count::default(),
            },
        }
    }

    /// The browser test's merged files (lines only).
    fn sample() -> Vec<FileRow> {
        vec![
            row("src/main.c", c(5, 6)),
            row("src/net/http.c", c(4, 6)),
            row("src/net/url.c", c(4, 4)),
            row("src/parser.c", c(8, 9)),
            row("src/util.c", c(4, 4)),
        ]
    }

    fn shown(tree: &Tree, rows: &[FlatRow]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{}{}",
                    "  ".repeat(r.depth as usize),
                    tree.nodes[r.node].name
                )
            })
            .collect()
    }

    #[test]
    fn single_child_chains_collapse_and_dirs_sum_their_files() {
        let mut rows = sample();
        rows.push(row("a/b/c/d.rs", c(1, 2)));
        rows.push(row("a/b/c/e.rs", c(0, 3)));
        rows.push(row("top.rs", c(0, 0)));
        let t = Tree::build(&rows);
        let flat = t.flatten(TreeSort::default(), &BTreeSet::new());
        assert_eq!(
            shown(&t, &flat),
            [
                "a/b/c/",
                "  d.rs",
                "  e.rs",
                "src/",
                "  main.c",
                "  net/",
                "    http.c",
                "    url.c",
                "  parser.c",
                "  util.c",
                "top.rs"
            ]
        );
        let src = t.find_dir("src").unwrap();
        assert_eq!(t.nodes[src].row.totals.lines, c(25, 29));
        assert_eq!(t.nodes[src].files, 5);
        assert_eq!(
            t.nodes[t.find_dir("a/b/c").unwrap()].row.totals.lines,
            c(1, 5)
        );
        assert_eq!(t.nodes[0].files, 8);
        // Collapsing a directory hides its rows.
        let collapsed: BTreeSet<String> = ["src/net".to_string(), "a/b/c".to_string()].into();
        let flat = t.flatten(TreeSort::default(), &collapsed);
        assert_eq!(
            shown(&t, &flat),
            [
                "a/b/c/",
                "src/",
                "  main.c",
                "  net/",
                "  parser.c",
                "  util.c",
                "top.rs"
            ]
        );
        assert!(!flat[0].open && flat[1].open);
    }

    #[test]
    fn siblings_sort_by_each_key() {
        let t = Tree::build(&sample());
        let none = BTreeSet::new();
        let files = |s: TreeSort| -> Vec<String> {
            t.flatten(s, &none)
                .iter()
                .map(|r| t.nodes[r.node].name.clone())
                .collect()
        };
        // Worst line coverage first within each directory: net/ 8/10 < main 5/6 < parser 8/9 < util 4/4;
        // inside net/, http 4/6 < url 4/4.
        let lines = TreeSort::default().clicked(TreeKey::Lines);
        assert_eq!(
            files(lines),
            ["src/", "net/", "http.c", "url.c", "main.c", "parser.c", "util.c"]
        );
        // Most uncovered first: net/ 2 (http 2, url 0), main 1, parser 1, util 0 (ties by path).
        let unc = TreeSort::default().clicked(TreeKey::Uncovered);
        assert_eq!(unc.dir, SortDir::Desc);
        assert_eq!(
            files(unc),
            ["src/", "net/", "http.c", "url.c", "main.c", "parser.c", "util.c"]
        );
        // Largest first: net/ 10, parser 9, main 6, util 4; then smallest first.
        let size = TreeSort::default().clicked(TreeKey::Size);
        assert_eq!(
            files(size),
            ["src/", "net/", "http.c", "url.c", "parser.c", "main.c", "util.c"]
        );
        assert_eq!(
            files(size.clicked(TreeKey::Size)),
            ["src/", "util.c", "main.c", "parser.c", "net/", "url.c", "http.c"]
        );
        for s in [lines, unc, size, TreeSort::default()] {
            assert_eq!(TreeSort::from_param(&s.to_param()), Some(s));
        }
        assert_eq!(TreeSort::from_param("-uncovered"), Some(unc));
        assert_eq!(TreeSort::from_param("bigness"), None);
    }

    #[test]
    fn filters_by_text_range_and_uncovered_lines() {
        let rows = sample();
        let paths =
            |f: FileFilter| -> Vec<String> { f.apply(&rows).into_iter().map(|r| r.path).collect() };
        assert_eq!(
            paths(FileFilter {
                text: "NET/".into(),
                ..Default::default()
            }),
            ["src/net/http.c", "src/net/url.c"]
        );
        assert_eq!(
            paths(FileFilter {
                uncovered_only: true,
                ..Default::default()
            }),
            ["src/main.c", "src/net/http.c", "src/parser.c"]
        );
        // 5/6 = 83.3%, 4/6 = 66.7%, 8/9 = 88.9%: [80, 90] keeps main and parser; bounds are inclusive.
        assert_eq!(
            paths(FileFilter {
                min: Some(80),
                max: Some(90),
                ..Default::default()
            }),
            ["src/main.c", "src/parser.c"]
        );
        assert_eq!(
            paths(FileFilter {
                min: Some(100),
                ..Default::default()
            }),
            ["src/net/url.c", "src/util.c"]
        );
        let t = Tree::build(
            &FileFilter {
                text: "net".into(),
                ..Default::default()
            }
            .apply(&rows),
        );
        // The filtered tree collapses src/net/ into one row.
        assert_eq!(
            shown(&t, &t.flatten(TreeSort::default(), &BTreeSet::new())),
            ["src/net/", "  http.c", "  url.c"]
        );
        assert!(FileFilter::default().is_empty());
    }

    #[test]
    fn the_virtual_window_is_bounded() {
        // 50,000 rows of 28 px, a 600 px viewport, 10 rows of margin.
        assert_eq!(visible_range(0.0, 600.0, 28.0, 50_000, 10), (0, 33));
        assert_eq!(
            visible_range(28.0 * 25_000.0, 600.0, 28.0, 50_000, 10),
            (24_990, 25_033)
        );
        assert_eq!(
            visible_range(28.0 * 50_000.0, 600.0, 28.0, 50_000, 10),
            (49_990, 50_000)
        );
        assert_eq!(visible_range(0.0, 600.0, 28.0, 0, 10), (0, 0));
        assert_eq!(visible_range(-5.0, 100.0, 28.0, 3, 10), (0, 3));
    }

    #[test]
    fn keys_move_open_and_fold() {
        let t = Tree::build(&sample());
        let rows = t.flatten(TreeSort::default(), &BTreeSet::new());
        // src/, main.c, net/, http.c, url.c, parser.c, util.c
        assert_eq!(key_action(&t, &rows, 0, "ArrowDown", 5), KeyAction::Move(1));
        assert_eq!(key_action(&t, &rows, 6, "ArrowDown", 5), KeyAction::Move(6));
        assert_eq!(key_action(&t, &rows, 0, "ArrowUp", 5), KeyAction::Move(0));
        assert_eq!(key_action(&t, &rows, 1, "PageDown", 5), KeyAction::Move(6));
        assert_eq!(key_action(&t, &rows, 3, "End", 5), KeyAction::Move(6));
        assert_eq!(
            key_action(&t, &rows, 1, "Enter", 5),
            KeyAction::Open("src/main.c".into())
        );
        assert_eq!(
            key_action(&t, &rows, 2, "Enter", 5),
            KeyAction::Expand("src/net".into(), false)
        );
        assert_eq!(
            key_action(&t, &rows, 2, "ArrowLeft", 5),
            KeyAction::Expand("src/net".into(), false)
        );
        // From http.c, Left goes up to net/.
        assert_eq!(key_action(&t, &rows, 3, "ArrowLeft", 5), KeyAction::Move(2));
        assert_eq!(
            key_action(&t, &rows, 2, "ArrowRight", 5),
            KeyAction::Move(3)
        );
        let folded = t.flatten(TreeSort::default(), &["src".to_string()].into());
        assert_eq!(
            key_action(&t, &folded, 0, "ArrowRight", 5),
            KeyAction::Expand("src".into(), true)
        );
        assert_eq!(key_action(&t, &[], 0, "ArrowDown", 5), KeyAction::None);
    }
}
