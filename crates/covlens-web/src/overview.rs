//! The overview's view-model, pure and natively tested: the language of a path (a table of file
//! extensions), coverage per language, and a squarified treemap of directories sized by coverable lines.

use std::collections::BTreeMap;

use crate::protocol::{FileRow, Summary};
use crate::tree::Tree;

/// File extensions (lower case, no dot) and the language they name.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("c", "C"),
    ("h", "C"),
    ("cc", "C++"),
    ("cpp", "C++"),
    ("cxx", "C++"),
    ("hh", "C++"),
    ("hpp", "C++"),
    ("hxx", "C++"),
    ("ipp", "C++"),
    ("inl", "C++"),
    ("m", "Objective-C"),
    ("mm", "Objective-C++"),
    ("rs", "Rust"),
    ("go", "Go"),
    ("py", "Python"),
    ("pyx", "Python"),
    ("js", "JavaScript"),
    ("mjs", "JavaScript"),
    ("cjs", "JavaScript"),
    ("jsx", "JavaScript"),
    ("ts", "TypeScript"),
    ("mts", "TypeScript"),
    ("cts", "TypeScript"),
    ("tsx", "TypeScript"),
    ("vue", "Vue"),
    ("svelte", "Svelte"),
    ("java", "Java"),
    ("kt", "Kotlin"),
    ("kts", "Kotlin"),
    ("scala", "Scala"),
    ("groovy", "Groovy"),
    ("cs", "C#"),
    ("fs", "F#"),
    ("vb", "Visual Basic"),
    ("rb", "Ruby"),
    ("php", "PHP"),
    ("swift", "Swift"),
    ("dart", "Dart"),
    ("lua", "Lua"),
    ("pl", "Perl"),
    ("pm", "Perl"),
    ("sh", "Shell"),
    ("bash", "Shell"),
    ("ex", "Elixir"),
    ("exs", "Elixir"),
    ("erl", "Erlang"),
    ("hs", "Haskell"),
    ("ml", "OCaml"),
    ("zig", "Zig"),
    ("f90", "Fortran"),
    ("f", "Fortran"),
    ("for", "Fortran"),
    ("d", "D"),
    ("jl", "Julia"),
    ("r", "R"),
];

/// The language of `path` from its extension (any case); `Other` when unknown or absent.
pub fn language_of(path: &str) -> &'static str {
    let name = crate::view::split_path(path).1;
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return "Other";
    };
    if stem.is_empty() {
        return "Other";
    }
    let ext = ext.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(e, _)| *e == ext)
        .map_or("Other", |(_, l)| l)
}

/// One language's share of the report.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LanguageRow {
    pub language: &'static str,
    pub files: u64,
    pub totals: Summary,
}

/// Totals per language, largest (coverable lines) first, then by name.
pub fn by_language(rows: &[FileRow]) -> Vec<LanguageRow> {
    let mut map: BTreeMap<&'static str, (u64, Vec<FileRow>)> = BTreeMap::new();
    for r in rows {
        let e = map.entry(language_of(&r.path)).or_default();
        e.0 += 1;
        e.1.push(r.clone());
    }
    let mut out: Vec<LanguageRow> = map
        .into_iter()
        .map(|(language, (files, rs))| LanguageRow {
            language,
            files,
            totals: crate::view::sum_rows(&rs),
        })
        .collect();
    out.sort_by(|a, b| {
        b.totals
            .lines
            .found
            .cmp(&a.totals.lines.found)
            .then(a.language.cmp(b.language))
    });
    out
}

/// A rectangle: left, top, width, height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The squarified treemap layout (Bruls, Huizing, van Wijk 2000) of `values` in `rect`: one
/// rectangle per value, in the order given, of area proportional to it. `values` should be sorted
/// largest first (the algorithm's assumption); zero and negative values get empty rectangles.
pub fn squarify(values: &[f64], rect: Rect) -> Vec<Rect> {
    let mut out = vec![
        Rect {
            x: rect.x,
            y: rect.y,
            w: 0.0,
            h: 0.0
        };
        values.len()
    ];
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    if total <= 0.0 || rect.w <= 0.0 || rect.h <= 0.0 {
        return out;
    }
    let scale = rect.w * rect.h / total;
    let items: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(i, v)| (i, v * scale))
        .collect();
    let mut free = rect;
    let mut i = 0;
    while i < items.len() {
        let side = free.w.min(free.h);
        // Grow the row while the worst aspect ratio improves.
        let mut end = i + 1;
        while end < items.len() && worst(&items[i..=end], side) <= worst(&items[i..end], side) {
            end += 1;
        }
        let row = &items[i..end];
        let area: f64 = row.iter().map(|(_, a)| a).sum();
        if free.w >= free.h {
            // A column on the left, as wide as the row's area over the height.
            let w = if end == items.len() {
                free.w
            } else {
                area / free.h
            };
            let mut y = free.y;
            for (k, (idx, a)) in row.iter().enumerate() {
                let h = if k + 1 == row.len() {
                    free.y + free.h - y
                } else {
                    a / w
                };
                out[*idx] = Rect { x: free.x, y, w, h };
                y += h;
            }
            free = Rect {
                x: free.x + w,
                w: free.w - w,
                ..free
            };
        } else {
            // A row on top.
            let h = if end == items.len() {
                free.h
            } else {
                area / free.w
            };
            let mut x = free.x;
            for (k, (idx, a)) in row.iter().enumerate() {
                let w = if k + 1 == row.len() {
                    free.x + free.w - x
                } else {
                    a / h
                };
                out[*idx] = Rect { x, y: free.y, w, h };
                x += w;
            }
            free = Rect {
                y: free.y + h,
                h: free.h - h,
                ..free
            };
        }
        i = end;
    }
    out
}

/// The worst aspect ratio of a row of areas laid along a side of length `side`.
fn worst(row: &[(usize, f64)], side: f64) -> f64 {
    let sum: f64 = row.iter().map(|(_, a)| a).sum();
    let max = row.iter().map(|(_, a)| *a).fold(f64::MIN, f64::max);
    let min = row.iter().map(|(_, a)| *a).fold(f64::MAX, f64::min);
    let s2 = side * side;
    let sum2 = sum * sum;
    (s2 * max / sum2).max(sum2 / (s2 * min))
}

/// One rectangle of the treemap: a directory (clickable to zoom) or a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub name: String,
    /// The directory's or file's path.
    pub path: String,
    pub is_dir: bool,
    pub totals: Summary,
    pub rect: Rect,
}

/// The treemap of the children of directory `zoom` (`""`: the whole report) in a `w`×`h` box, sized
/// by coverable lines; children without coverable lines are left out. `None` when `zoom` is not a
/// directory of `tree`.
pub fn treemap(tree: &Tree, zoom: &str, w: f64, h: f64) -> Option<Vec<Cell>> {
    let node = tree.find_dir(zoom)?;
    let mut kids: Vec<usize> = tree.nodes[node]
        .children
        .iter()
        .copied()
        .filter(|&c| tree.nodes[c].row.totals.lines.found > 0)
        .collect();
    kids.sort_by(|&a, &b| {
        let (na, nb) = (&tree.nodes[a], &tree.nodes[b]);
        nb.row
            .totals
            .lines
            .found
            .cmp(&na.row.totals.lines.found)
            .then(na.row.path.cmp(&nb.row.path))
    });
    let values: Vec<f64> = kids
        .iter()
        .map(|&c| tree.nodes[c].row.totals.lines.found as f64)
        .collect();
    let rects = squarify(
        &values,
        Rect {
            x: 0.0,
            y: 0.0,
            w,
            h,
        },
    );
    Some(
        kids.iter()
            .zip(rects)
            .map(|(&c, rect)| {
                let n = &tree.nodes[c];
                Cell {
                    name: n.name.clone(),
                    path: n.row.path.clone(),
                    is_dir: n.is_dir,
                    totals: n.row.totals,
                    rect,
                }
            })
            .collect(),
    )
}

/// The cells to draw for `zoom` (the root when `zoom` is not a directory), going down while the
/// picture would be one directory filling the whole box: a single box says nothing, its children do.
pub fn treemap_shown(tree: &Tree, zoom: &str, w: f64, h: f64) -> Vec<Cell> {
    let mut cells = treemap(tree, zoom, w, h)
        .or_else(|| treemap(tree, "", w, h))
        .unwrap_or_default();
    while cells.len() == 1 && cells[0].is_dir {
        match treemap(tree, &cells[0].path, w, h) {
            Some(inner) if !inner.is_empty() => cells = inner,
            _ => break,
        }
    }
    cells
}

/// The zoom's way back up: (label, path) from the root to `zoom`, e.g. `[("all", ""), ("src/", "src")]`.
pub fn breadcrumbs(zoom: &str) -> Vec<(String, String)> {
    let mut out = vec![("all files".to_string(), String::new())];
    if zoom.is_empty() {
        return out;
    }
    let mut at = 0;
    for (i, ch) in zoom.char_indices() {
        if ch == '/' || ch == '\\' {
            out.push((format!("{}/", &zoom[at..i]), zoom[..i].to_string()));
            at = i + 1;
        }
    }
    out.push((format!("{}/", &zoom[at..]), zoom.to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Count;

    fn c(hit: u64, found: u64) -> Count {
        Count { hit, found }
    }

    fn row(path: &str, lines: Count) -> FileRow {
        FileRow {
            path: path.into(),
            totals: Summary {
                lines,
                ..Summary::default()
            },
        }
    }

    #[test]
    fn languages_come_from_extensions() {
        assert_eq!(language_of("src/a.rs"), "Rust");
        assert_eq!(language_of("SRC\\Main.CPP"), "C++");
        assert_eq!(language_of("x/y.h"), "C");
        assert_eq!(language_of("Makefile"), "Other");
        assert_eq!(language_of("x/.bashrc"), "Other");
        assert_eq!(language_of("a.tsx"), "TypeScript");
        let rows = vec![
            row("src/a.c", c(5, 6)),
            row("src/b.h", c(1, 4)),
            row("lib/x.rs", c(3, 3)),
            row("README", c(0, 0)),
        ];
        let langs: Vec<_> = by_language(&rows)
            .into_iter()
            .map(|l| (l.language, l.files, l.totals.lines))
            .collect();
        assert_eq!(
            langs,
            [
                ("C", 2, c(6, 10)),
                ("Rust", 1, c(3, 3)),
                ("Other", 1, c(0, 0))
            ]
        );
    }

    fn close(a: Rect, b: Rect) -> bool {
        (a.x - b.x).abs() < 1e-9
            && (a.y - b.y).abs() < 1e-9
            && (a.w - b.w).abs() < 1e-9
            && (a.h - b.h).abs() < 1e-9
    }

    #[test]
    fn squarify_lays_out_the_classic_example() {
        // Bruls et al.'s example: areas 6, 6, 4, 3, 2, 2, 1 in a 6×4 rectangle. A column of 6 and 6
        // (worst ratio 1.5; adding 4 would make it 4), 3 wide.
        let r = squarify(
            &[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0],
            Rect {
                x: 0.0,
                y: 0.0,
                w: 6.0,
                h: 4.0,
            },
        );
        let want = [
            Rect {
                x: 0.0,
                y: 0.0,
                w: 3.0,
                h: 2.0,
            },
            Rect {
                x: 0.0,
                y: 2.0,
                w: 3.0,
                h: 2.0,
            },
            // The 3×4 rest: a row of 4 and 3 on top, 7/3 high.
            Rect {
                x: 3.0,
                y: 0.0,
                w: 12.0 / 7.0,
                h: 7.0 / 3.0,
            },
            Rect {
                x: 3.0 + 12.0 / 7.0,
                y: 0.0,
                w: 3.0 - 12.0 / 7.0,
                h: 7.0 / 3.0,
            },
            // The 3×5/3 rest (width ≥ height: columns): [2] has worst ratio 1.39, [2, 2] 2.88, so
            // 2 alone, 1.2 wide; then 2 alone again (adding 1 worsens it), and 1 takes what is left.
            Rect {
                x: 3.0,
                y: 7.0 / 3.0,
                w: 1.2,
                h: 5.0 / 3.0,
            },
            Rect {
                x: 4.2,
                y: 7.0 / 3.0,
                w: 1.2,
                h: 5.0 / 3.0,
            },
            Rect {
                x: 5.4,
                y: 7.0 / 3.0,
                w: 0.6,
                h: 5.0 / 3.0,
            },
        ];
        for (i, (got, want)) in r.iter().zip(want).enumerate() {
            assert!(close(*got, want), "rect {i}: {got:?} != {want:?}");
        }
        let area: f64 = r.iter().map(|r| r.w * r.h).sum();
        assert!((area - 24.0).abs() < 1e-9);
        // Nothing to lay out, or a zero value: empty rectangles.
        let r = squarify(
            &[0.0, 2.0],
            Rect {
                x: 1.0,
                y: 1.0,
                w: 4.0,
                h: 2.0,
            },
        );
        assert_eq!(r[0].w * r[0].h, 0.0);
        assert!(close(
            r[1],
            Rect {
                x: 1.0,
                y: 1.0,
                w: 4.0,
                h: 2.0
            }
        ));
    }

    #[test]
    fn the_treemap_shows_a_directorys_children_and_zooms() {
        let rows = vec![
            row("src/main.c", c(5, 6)),
            row("src/net/http.c", c(4, 6)),
            row("src/net/url.c", c(4, 4)),
            row("src/parser.c", c(8, 9)),
            row("src/empty.c", c(0, 0)),
        ];
        let tree = Tree::build(&rows);
        let top = treemap(&tree, "", 100.0, 50.0).unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(
            (top[0].name.as_str(), top[0].path.as_str()),
            ("src/", "src")
        );
        assert!(close(
            top[0].rect,
            Rect {
                x: 0.0,
                y: 0.0,
                w: 100.0,
                h: 50.0
            }
        ));
        // Shown at the top: src/ alone would fill the box, so its children are drawn instead.
        let shown: Vec<_> = treemap_shown(&tree, "", 100.0, 50.0)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(shown, ["src/net", "src/parser.c", "src/main.c"]);
        assert_eq!(
            treemap_shown(&tree, "no/such/dir", 100.0, 50.0).len(),
            3,
            "an unknown zoom falls back to the top"
        );
        let src = treemap(&tree, "src", 100.0, 50.0).unwrap();
        let cells: Vec<_> = src
            .iter()
            .map(|c| (c.name.as_str(), c.is_dir, c.totals.lines))
            .collect();
        // Largest first; empty.c (no coverable lines) is left out.
        assert_eq!(
            cells,
            [
                ("net/", true, c(8, 10)),
                ("parser.c", false, c(8, 9)),
                ("main.c", false, c(5, 6))
            ]
        );
        let area: f64 = src.iter().map(|c| c.rect.w * c.rect.h).sum();
        assert!((area - 5000.0).abs() < 1e-6);
        // net/ gets 10/25 of the box.
        assert!((src[0].rect.w * src[0].rect.h - 2000.0).abs() < 1e-6);
        assert_eq!(treemap(&tree, "nowhere", 10.0, 10.0), None);
        assert_eq!(
            breadcrumbs("src/net"),
            [
                ("all files".to_string(), String::new()),
                ("src/".to_string(), "src".to_string()),
                ("net/".to_string(), "src/net".to_string())
            ]
        );
    }
}
