//! The page's state in the URL hash (`#f=src/a.c&l=12&sort=-lines&q=net&policy=all&theme=dark`), so a
//! reload or a shared link restores the view: pure encoding and decoding, natively tested. Defaults
//! are left out, so a fresh page has an empty hash.

use std::collections::BTreeSet;

use crate::merge_policy::MergePolicy;
use crate::tree::{FileFilter, TreeSort};

/// The colour theme: the system's (`prefers-color-scheme`) unless the user picked one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn id(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
    pub fn from_id(id: &str) -> Option<Theme> {
        [Theme::System, Theme::Light, Theme::Dark]
            .into_iter()
            .find(|t| t.id() == id)
    }
    /// The theme after the toggle, given whether the system prefers dark: always the opposite of
    /// what shows now.
    pub fn toggled(self, system_dark: bool) -> Theme {
        if self.is_dark(system_dark) {
            Theme::Light
        } else {
            Theme::Dark
        }
    }
    pub fn is_dark(self, system_dark: bool) -> bool {
        match self {
            Theme::System => system_dark,
            Theme::Light => false,
            Theme::Dark => true,
        }
    }
}

/// Everything the hash holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HashState {
    /// The selected (opened) file.
    pub file: Option<String>,
    /// The selected line of that file.
    pub line: Option<u32>,
    pub filter: FileFilter,
    pub sort: TreeSort,
    pub policy: MergePolicy,
    /// Directories folded in the file tree (every other directory is open).
    pub collapsed: BTreeSet<String>,
    /// The treemap's zoom (a directory path; `""` is everything).
    pub zoom: String,
    pub theme: Theme,
    /// Keep library sources (`node_modules`, a map's `ignoreList`) when remapping through source maps.
    pub include_libraries: bool,
    /// Path rules: mappings, stripped prefixes, undone joins (`map=`, `strip=`, `apart=`; see
    /// [`crate::paths_view::PathRules::hash_pairs`]).
    pub paths: crate::paths_view::PathRules,
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space, as query strings have it); a malformed escape is kept
/// as it is, invalid UTF-8 replaced.
pub fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `key=value` pairs of a hash or query string (with or without its leading `#` / `?`), decoded.
pub fn pairs(s: &str) -> Vec<(String, String)> {
    let s = s.strip_prefix(['#', '?']).unwrap_or(s);
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(p), String::new()),
        })
        .collect()
}

impl HashState {
    /// The hash for this state, `#` included, or `""` when everything is default.
    pub fn encode(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut put = |k: &str, v: &str| parts.push(format!("{k}={}", encode_component(v)));
        if let Some(f) = &self.file {
            put("f", f);
        }
        if let Some(l) = self.line {
            put("l", &l.to_string());
        }
        if self.sort != TreeSort::default() {
            put("sort", &self.sort.to_param());
        }
        if !self.filter.text.is_empty() {
            put("q", &self.filter.text);
        }
        if let Some(m) = self.filter.min {
            put("min", &m.to_string());
        }
        if let Some(m) = self.filter.max {
            put("max", &m.to_string());
        }
        if self.filter.uncovered_only {
            put("uncovered", "1");
        }
        if self.policy != MergePolicy::default() {
            put("policy", &self.policy.to_param());
        }
        for c in &self.collapsed {
            put("fold", c);
        }
        if !self.zoom.is_empty() {
            put("zoom", &self.zoom);
        }
        if self.theme != Theme::default() {
            put("theme", self.theme.id());
        }
        if self.include_libraries {
            put("libs", "1");
        }
        for (k, v) in self.paths.hash_pairs() {
            put(k, &v);
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("#{}", parts.join("&"))
        }
    }

    /// Reads a hash (or, for links from before the hash, a query string with `sort` and `q`);
    /// unknown keys and malformed values are ignored.
    pub fn decode(s: &str) -> HashState {
        let mut st = HashState::default();
        for (k, v) in pairs(s) {
            match k.as_str() {
                "f" if !v.is_empty() => st.file = Some(v),
                "l" => st.line = v.parse().ok().filter(|&n| n > 0),
                "sort" => st.sort = TreeSort::from_param(&v).unwrap_or_default(),
                "q" => st.filter.text = v,
                "min" => st.filter.min = v.parse().ok().filter(|&n| n <= 100),
                "max" => st.filter.max = v.parse().ok().filter(|&n| n <= 100),
                "uncovered" => st.filter.uncovered_only = v == "1",
                "policy" => st.policy = MergePolicy::from_param(&v).unwrap_or_default(),
                "fold" if !v.is_empty() => {
                    st.collapsed.insert(v);
                }
                "zoom" => st.zoom = v,
                "theme" => st.theme = Theme::from_id(&v).unwrap_or_default(),
                "libs" => st.include_libraries = v == "1",
                k if st.paths.read_hash_pair(k, &v) => {}
                _ => {}
            }
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::TreeKey;
    use crate::view::SortDir;

    #[test]
    fn the_default_state_is_an_empty_hash() {
        assert_eq!(HashState::default().encode(), "");
        assert_eq!(HashState::decode(""), HashState::default());
        assert_eq!(HashState::decode("#"), HashState::default());
    }

    #[test]
    fn every_field_round_trips() {
        let st = HashState {
            file: Some("src/net/a b&c=d%.c".into()),
            line: Some(12),
            filter: FileFilter {
                text: "net/ util".into(),
                min: Some(0),
                max: Some(90),
                uncovered_only: true,
            },
            sort: TreeSort {
                key: TreeKey::Uncovered,
                dir: SortDir::Desc,
            },
            policy: MergePolicy::OnlyBy(vec![0, 3]),
            collapsed: ["src/net".to_string(), "lib".to_string()].into(),
            zoom: "src".into(),
            theme: Theme::Dark,
            include_libraries: true,
            paths: Default::default(),
        };
        let h = st.encode();
        assert_eq!(
            h,
            "#f=src/net/a%20b%26c%3Dd%25.c&l=12&sort=-uncovered&q=net/%20util&min=0&max=90&uncovered=1\
             &policy=only%3A0%2C3&fold=lib&fold=src/net&zoom=src&theme=dark&libs=1"
        );
        assert_eq!(HashState::decode(&h), st);
    }

    #[test]
    fn old_query_links_and_junk_still_read() {
        let st = HashState::decode("?sort=-branches&q=src");
        assert_eq!(st.sort.to_param(), "-branches");
        assert_eq!(st.filter.text, "src");
        let st = HashState::decode("#sort=nope&l=0&min=101&theme=pink&x=1&%zz=%4");
        assert_eq!(st, HashState::default());
        assert_eq!(decode_component("a+b%2Fc%"), "a b/c%");
        assert_eq!(decode_component("%E2%9C%93"), "\u{2713}");
    }

    #[test]
    fn the_theme_toggle_flips_what_shows() {
        assert_eq!(Theme::System.toggled(true), Theme::Light);
        assert_eq!(Theme::System.toggled(false), Theme::Dark);
        assert_eq!(Theme::Dark.toggled(false), Theme::Light);
        assert!(Theme::System.is_dark(true) && !Theme::Light.is_dark(true));
    }
}
