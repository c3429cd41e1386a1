//! The page's view-model as pure functions: sorting, filtering, percentage and size formatting, row
//! building. Components only call these; everything here is tested natively.

use std::cmp::Ordering;

use crate::protocol::{Count, FileRow, Progress, Summary};

/// The column a file list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    Path,
    Lines,
    Branches,
    Functions,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::Path,
        SortKey::Lines,
        SortKey::Branches,
        SortKey::Functions,
    ];

    /// The column header.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Path => "File",
            SortKey::Lines => "Lines",
            SortKey::Branches => "Branches",
            SortKey::Functions => "Functions",
        }
    }

    /// A stable id (test hooks, URL).
    pub fn id(self) -> &'static str {
        match self {
            SortKey::Path => "path",
            SortKey::Lines => "lines",
            SortKey::Branches => "branches",
            SortKey::Functions => "functions",
        }
    }

    /// The direction a first click on the column sorts in: paths A→Z, percentages worst first (the
    /// files that need attention).
    pub fn first_direction(self) -> SortDir {
        SortDir::Asc
    }
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    pub fn flip(self) -> SortDir {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
    /// The `aria-sort` value of a header sorted this way.
    pub fn aria(self) -> &'static str {
        match self {
            SortDir::Asc => "ascending",
            SortDir::Desc => "descending",
        }
    }
}

/// How the file list is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub dir: SortDir,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::Path,
            dir: SortDir::Asc,
        }
    }
}

impl Sort {
    /// The sort as a URL parameter value: the column id, `-` first when descending (`-lines`).
    pub fn to_param(self) -> String {
        match self.dir {
            SortDir::Asc => self.key.id().to_string(),
            SortDir::Desc => format!("-{}", self.key.id()),
        }
    }

    /// Reads [`Sort::to_param`]'s form; `None` for anything else.
    pub fn from_param(param: &str) -> Option<Sort> {
        let (dir, id) = match param.strip_prefix('-') {
            Some(id) => (SortDir::Desc, id),
            None => (SortDir::Asc, param),
        };
        let key = SortKey::ALL.into_iter().find(|k| k.id() == id)?;
        Some(Sort { key, dir })
    }

    /// The sort after a click on column `key`: the same column flips, another starts at its first direction.
    pub fn clicked(self, key: SortKey) -> Sort {
        if self.key == key {
            Sort {
                key,
                dir: self.dir.flip(),
            }
        } else {
            Sort {
                key,
                dir: key.first_direction(),
            }
        }
    }
}

/// Compares two coverage ratios exactly (no floats): `a.hit/a.found` against `b.hit/b.found`.
/// `None` when either has nothing to cover.
pub fn compare_ratio(a: Count, b: Count) -> Option<Ordering> {
    if a.found == 0 || b.found == 0 {
        return None;
    }
    let l = u128::from(a.hit) * u128::from(b.found);
    let r = u128::from(b.hit) * u128::from(a.found);
    Some(l.cmp(&r))
}

fn count_of(t: &Summary, key: SortKey) -> Count {
    match key {
        SortKey::Lines => t.lines,
        SortKey::Branches => t.branches,
        SortKey::Functions => t.functions,
        SortKey::Path => Count::default(),
    }
}

/// The order of two rows under `sort`. Rows with nothing to cover in the sorted column come last in
/// either direction; ties fall back to the path, A→Z, so the order is total and stable.
pub fn compare_rows(a: &FileRow, b: &FileRow, sort: Sort) -> Ordering {
    let by_path = a.path.cmp(&b.path);
    let primary = match sort.key {
        SortKey::Path => match sort.dir {
            SortDir::Asc => by_path,
            SortDir::Desc => by_path.reverse(),
        },
        key => {
            let (ca, cb) = (count_of(&a.totals, key), count_of(&b.totals, key));
            match (ca.found, cb.found) {
                (0, 0) => Ordering::Equal,
                (0, _) => Ordering::Greater,
                (_, 0) => Ordering::Less,
                _ => {
                    let o = compare_ratio(ca, cb).unwrap_or(Ordering::Equal);
                    // Same ratio: more found first, so 0/10 ranks worse than 0/1.
                    let o = o.then_with(|| cb.found.cmp(&ca.found));
                    match sort.dir {
                        SortDir::Asc => o,
                        SortDir::Desc => o.reverse(),
                    }
                }
            }
        }
    };
    primary.then(by_path)
}

/// A parsed text filter: every whitespace-separated term must occur in the path, ignoring case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<String>,
}

impl Filter {
    pub fn new(text: &str) -> Filter {
        Filter {
            terms: text.split_whitespace().map(str::to_lowercase).collect(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
    pub fn matches(&self, path: &str) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let path = path.to_lowercase();
        self.terms.iter().all(|t| path.contains(t.as_str()))
    }
}

/// The rows to show: those matching `filter`, in `sort` order.
pub fn visible_rows(rows: &[FileRow], filter: &str, sort: Sort) -> Vec<FileRow> {
    let filter = Filter::new(filter);
    let mut out: Vec<FileRow> = rows
        .iter()
        .filter(|r| filter.matches(&r.path))
        .cloned()
        .collect();
    out.sort_by(|a, b| compare_rows(a, b, sort));
    out
}

/// The sum of `rows`' totals (saturating, like the core's merges).
pub fn sum_rows(rows: &[FileRow]) -> Summary {
    fn add(a: &mut Count, b: Count) {
        a.hit = a.hit.saturating_add(b.hit);
        a.found = a.found.saturating_add(b.found);
    }
    let mut s = Summary::default();
    for r in rows {
        add(&mut s.lines, r.totals.lines);
        add(&mut s.branches, r.totals.branches);
        add(&mut s.functions, r.totals.functions);
    }
    s
}

/// The covered share in tenths of a percent, rounded down (so only a full count shows 100.0%), or
/// `None` when nothing is coverable.
pub fn percent_tenths(c: Count) -> Option<u64> {
    if c.found == 0 {
        return None;
    }
    let hit = u128::from(c.hit.min(c.found));
    Some((hit * 1000 / u128::from(c.found)) as u64)
}

/// `85.7%`, or an en dash when nothing is coverable.
pub fn format_percent(c: Count) -> String {
    match percent_tenths(c) {
        Some(t) => format!("{}.{}%", t / 10, t % 10),
        None => "\u{2013}".to_string(),
    }
}

/// The width of a percentage bar, as a CSS length (`0%`..`100%`).
pub fn bar_width(c: Count) -> String {
    match percent_tenths(c) {
        Some(t) => format!("{}.{}%", t / 10, t % 10),
        None => "0%".to_string(),
    }
}

/// The next number of inputs to draw when `count` are loaded and `limit` are drawn, `step` more per
/// task; `None` when all are drawn. After a clear the limit goes back to one step.
pub fn next_input_limit(count: usize, limit: usize, step: usize) -> Option<usize> {
    if count == 0 {
        return (limit != step).then_some(step);
    }
    (count > limit).then(|| limit.saturating_add(step.max(1)))
}

/// `1,234 / 5,678`.
pub fn format_fraction(c: Count) -> String {
    format!("{} / {}", group_digits(c.hit), group_digits(c.found))
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A coverage level, shown as colour and named in a class (`lvl-high`); the bar and number carry the
/// same information for those who can't tell the colours apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Nothing to cover.
    None,
    /// Below 75%.
    Low,
    /// 75% up to 90%.
    Medium,
    /// 90% and above (lcov's genhtml thresholds).
    High,
}

impl Level {
    pub fn of(c: Count) -> Level {
        match percent_tenths(c) {
            None => Level::None,
            Some(t) if t >= 900 => Level::High,
            Some(t) if t >= 750 => Level::Medium,
            Some(_) => Level::Low,
        }
    }
    pub fn class(self) -> &'static str {
        match self {
            Level::None => "lvl-none",
            Level::Low => "lvl-low",
            Level::Medium => "lvl-medium",
            Level::High => "lvl-high",
        }
    }
}

/// `1.5 MB`, decimal units.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 999.95 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `Reading 2 of 3 files · 12.3 MB of 50.0 MB`.
pub fn progress_text(p: &Progress) -> String {
    let file = (p.files_done + 1).min(p.files_total.max(1));
    format!(
        "Reading {file} of {} {} \u{b7} {} of {}",
        p.files_total,
        if p.files_total == 1 { "file" } else { "files" },
        format_bytes(p.bytes_done),
        format_bytes(p.bytes_total),
    )
}

/// Share of the bytes read, 0..=1.
pub fn progress_fraction(p: &Progress) -> f64 {
    if p.bytes_total == 0 {
        if p.files_total == 0 {
            0.0
        } else {
            f64::from(p.files_done) / f64::from(p.files_total)
        }
    } else {
        (p.bytes_done.min(p.bytes_total) as f64) / (p.bytes_total as f64)
    }
}

/// A path split for display: the directory part (with its trailing separator) and the file name.
pub fn split_path(path: &str) -> (&str, &str) {
    match path.rfind(['/', '\\']) {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    }
}

/// Every input format the core detects, for people: `LCOV, Cobertura XML and JaCoCo XML`.
pub fn formats_sentence() -> String {
    let names: Vec<&str> = covlens_core::Format::ALL
        .iter()
        .map(|f| f.display_name())
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `3 files`, `1 file`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_digits(n), if n == 1 { one } else { many })
}

/// The line under a list cut short: `… and 1,234 more conflicts`.
pub fn and_more(n: u64, one: &str, many: &str) -> String {
    format!(
        "\u{2026} and {} more {}",
        group_digits(n),
        if n == 1 { one } else { many }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_cut_short_says_how_many_more() {
        assert_eq!(and_more(1, "input", "inputs"), "\u{2026} and 1 more input");
        assert_eq!(
            and_more(1234, "conflict", "conflicts"),
            "\u{2026} and 1,234 more conflicts"
        );
    }

    fn c(hit: u64, found: u64) -> Count {
        Count { hit, found }
    }

    fn row(path: &str, lines: Count, branches: Count, functions: Count) -> FileRow {
        FileRow {
            path: path.into(),
            totals: Summary {
                lines,
                branches,
                functions,
            },
        }
    }

    #[test]
    fn many_inputs_are_drawn_a_step_at_a_time_and_a_clear_starts_over() {
        // 32 inputs, 12 a step: 12 drawn, then 24, then 36 (all); nothing more once all are drawn.
        assert_eq!(next_input_limit(32, 12, 12), Some(24));
        assert_eq!(next_input_limit(32, 24, 12), Some(36));
        assert_eq!(next_input_limit(32, 36, 12), None);
        assert_eq!(next_input_limit(12, 12, 12), None);
        assert_eq!(next_input_limit(5, 12, 12), None);
        // Removing inputs keeps the limit; a clear puts it back to one step.
        assert_eq!(next_input_limit(20, 36, 12), None);
        assert_eq!(next_input_limit(0, 36, 12), Some(12));
        assert_eq!(next_input_limit(0, 12, 12), None);
        // A zero step still moves on.
        assert_eq!(next_input_limit(3, 0, 0), Some(1));
    }

    fn paths(rows: &[FileRow]) -> Vec<&str> {
        rows.iter().map(|r| r.path.as_str()).collect()
    }

    fn sample() -> Vec<FileRow> {
        vec![
            row("src/b.rs", c(5, 10), c(0, 0), c(1, 1)),
            row("src/A.rs", c(9, 10), c(1, 4), c(0, 2)),
            row("lib/c.rs", c(1, 2), c(3, 4), c(0, 0)),
            row("lib/d.rs", c(0, 0), c(0, 0), c(0, 0)),
        ]
    }

    #[test]
    fn percentages_round_down_and_only_full_shows_100() {
        assert_eq!(format_percent(c(6, 7)), "85.7%");
        assert_eq!(format_percent(c(9999, 10000)), "99.9%");
        assert_eq!(format_percent(c(10, 10)), "100.0%");
        assert_eq!(format_percent(c(0, 3)), "0.0%");
        assert_eq!(format_percent(c(1, 3000)), "0.0%");
        assert_eq!(format_percent(c(0, 0)), "\u{2013}");
        assert_eq!(format_percent(c(u64::MAX, u64::MAX)), "100.0%");
        // A producer that claims more hits than items is clamped, never above 100%.
        assert_eq!(format_percent(c(5, 4)), "100.0%");
        assert_eq!(bar_width(c(1, 8)), "12.5%");
        assert_eq!(bar_width(c(0, 0)), "0%");
    }

    #[test]
    fn levels_follow_genhtml_thresholds() {
        assert_eq!(Level::of(c(0, 0)), Level::None);
        assert_eq!(Level::of(c(74, 100)), Level::Low);
        assert_eq!(Level::of(c(75, 100)), Level::Medium);
        assert_eq!(Level::of(c(8999, 10000)), Level::Medium);
        assert_eq!(Level::of(c(9, 10)), Level::High);
        assert_eq!(Level::High.class(), "lvl-high");
    }

    #[test]
    fn numbers_and_sizes_format_for_people() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(format_fraction(c(1234, 5678)), "1,234 / 5,678");
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(999), "999 B");
        assert_eq!(format_bytes(1500), "1.5 KB");
        assert_eq!(format_bytes(52_428_800), "52.4 MB");
        assert_eq!(format_bytes(999_999), "1.0 MB");
        assert_eq!(plural(1, "file", "files"), "1 file");
        assert_eq!(plural(2500, "file", "files"), "2,500 files");
    }

    #[test]
    fn ratios_compare_exactly() {
        assert_eq!(compare_ratio(c(1, 3), c(2, 6)), Some(Ordering::Equal));
        assert_eq!(compare_ratio(c(1, 3), c(1, 2)), Some(Ordering::Less));
        assert_eq!(compare_ratio(c(0, 0), c(1, 2)), None);
        // Would lose precision as f64; exact in u128.
        assert_eq!(
            compare_ratio(c(u64::MAX - 1, u64::MAX), c(u64::MAX - 2, u64::MAX - 1)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn sorts_by_path_and_by_each_percentage_with_empty_last() {
        let rows = sample();
        assert_eq!(
            paths(&visible_rows(&rows, "", Sort::default())),
            ["lib/c.rs", "lib/d.rs", "src/A.rs", "src/b.rs"]
        );
        let desc = Sort {
            key: SortKey::Path,
            dir: SortDir::Desc,
        };
        assert_eq!(
            paths(&visible_rows(&rows, "", desc)),
            ["src/b.rs", "src/A.rs", "lib/d.rs", "lib/c.rs"]
        );
        let lines = Sort::default().clicked(SortKey::Lines);
        assert_eq!(lines.dir, SortDir::Asc);
        // 50% (1/2) and 50% (5/10) tie on ratio: the one with more lines is worse; no lines comes last.
        assert_eq!(
            paths(&visible_rows(&rows, "", lines)),
            ["src/b.rs", "lib/c.rs", "src/A.rs", "lib/d.rs"]
        );
        assert_eq!(
            paths(&visible_rows(&rows, "", lines.clicked(SortKey::Lines))),
            ["src/A.rs", "lib/c.rs", "src/b.rs", "lib/d.rs"]
        );
        let branches = lines.clicked(SortKey::Branches);
        assert_eq!(branches.dir, SortDir::Asc);
        assert_eq!(
            paths(&visible_rows(&rows, "", branches)),
            ["src/A.rs", "lib/c.rs", "lib/d.rs", "src/b.rs"]
        );
        let functions = Sort {
            key: SortKey::Functions,
            dir: SortDir::Desc,
        };
        assert_eq!(
            paths(&visible_rows(&rows, "", functions)),
            ["src/b.rs", "src/A.rs", "lib/c.rs", "lib/d.rs"]
        );
    }

    #[test]
    fn sort_round_trips_through_a_url_parameter() {
        for key in SortKey::ALL {
            for dir in [SortDir::Asc, SortDir::Desc] {
                let sort = Sort { key, dir };
                assert_eq!(Sort::from_param(&sort.to_param()), Some(sort));
            }
        }
        assert_eq!(Sort::default().to_param(), "path");
        assert_eq!(
            Sort::from_param("-branches"),
            Some(Sort {
                key: SortKey::Branches,
                dir: SortDir::Desc
            })
        );
        assert_eq!(Sort::from_param("size"), None);
        assert_eq!(Sort::from_param("--lines"), None);
        assert_eq!(Sort::from_param(""), None);
    }

    #[test]
    fn filter_terms_all_match_ignoring_case() {
        let rows = sample();
        assert_eq!(
            paths(&visible_rows(&rows, "  SRC ", Sort::default())),
            ["src/A.rs", "src/b.rs"]
        );
        assert_eq!(
            paths(&visible_rows(&rows, "lib .rs", Sort::default())),
            ["lib/c.rs", "lib/d.rs"]
        );
        assert_eq!(
            paths(&visible_rows(&rows, "a.rs", Sort::default())),
            ["src/A.rs"]
        );
        assert!(visible_rows(&rows, "nomatch", Sort::default()).is_empty());
        assert!(Filter::new(" \t").is_empty());
        assert_eq!(
            sum_rows(&visible_rows(&rows, "lib", Sort::default())),
            Summary {
                lines: c(1, 2),
                branches: c(3, 4),
                functions: c(0, 0)
            }
        );
    }

    #[test]
    fn progress_reads_as_files_and_bytes() {
        let p = Progress {
            files_done: 1,
            files_total: 3,
            bytes_done: 12_300_000,
            bytes_total: 50_000_000,
            current: "b.info".into(),
        };
        assert_eq!(
            progress_text(&p),
            "Reading 2 of 3 files \u{b7} 12.3 MB of 50.0 MB"
        );
        assert!((progress_fraction(&p) - 0.246).abs() < 1e-9);
        let done = Progress {
            files_done: 1,
            files_total: 1,
            ..Progress::default()
        };
        assert_eq!(
            progress_text(&done),
            "Reading 1 of 1 file \u{b7} 0 B of 0 B"
        );
        assert_eq!(progress_fraction(&done), 1.0);
        assert_eq!(progress_fraction(&Progress::default()), 0.0);
    }

    #[test]
    fn formats_are_listed_from_the_core() {
        let s = formats_sentence();
        assert!(s.starts_with("LCOV, Cobertura XML, JaCoCo XML"), "{s}");
        let last = covlens_core::Format::ALL.last().unwrap().display_name();
        assert!(s.ends_with(&format!(" and {last}")), "{s}");
    }

    #[test]
    fn paths_split_into_directory_and_name() {
        assert_eq!(split_path("src/lib/a.rs"), ("src/lib/", "a.rs"));
        assert_eq!(split_path("C:\\x\\y.cs"), ("C:\\x\\", "y.cs"));
        assert_eq!(split_path("main.c"), ("", "main.c"));
        assert_eq!(split_path("dir/"), ("dir/", ""));
    }
}
