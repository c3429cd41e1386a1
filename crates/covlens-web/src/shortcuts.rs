//! The keyboard shortcuts of the page, listed once for the `?` help dialog, and when `?` opens it.
//! Every key handled somewhere (`tree::key_action`, the source view's window listener, the shard rename
//! field, the help dialog itself) is listed here; the tests check the tree's against its handler.

/// One shortcut: the keys (alternatives) and what they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortcut {
    pub keys: &'static [&'static str],
    pub action: &'static str,
}

/// Shortcuts of one part of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    pub title: &'static str,
    pub items: &'static [Shortcut],
}

const fn s(keys: &'static [&'static str], action: &'static str) -> Shortcut {
    Shortcut { keys, action }
}

/// Every shortcut, by part of the page. Keys are `KeyboardEvent.key` values.
pub const GROUPS: &[Group] = &[
    Group {
        title: "Anywhere",
        items: &[
            s(&["?"], "Show this list of shortcuts"),
            s(&["Escape"], "Close this list"),
        ],
    },
    Group {
        title: "File tree (when it has focus)",
        items: &[
            s(&["ArrowDown", "ArrowUp"], "Next / previous row"),
            s(&["PageDown", "PageUp"], "One page down / up"),
            s(&["Home", "End"], "First / last row"),
            s(
                &["Enter", " "],
                "Open the file, or fold / unfold the folder",
            ),
            s(&["ArrowRight"], "Unfold the folder, or go into it"),
            s(&["ArrowLeft"], "Fold the folder, or go to its parent"),
        ],
    },
    Group {
        title: "Source view",
        items: &[
            s(&["n", "j"], "Next uncovered line or partial branch"),
            s(&["p", "k"], "Previous uncovered line or partial branch"),
            s(&["Escape"], "Back to the files"),
        ],
    },
    Group {
        title: "Renaming an input",
        items: &[s(&["Enter"], "Keep the new name"), s(&["Escape"], "Cancel")],
    },
];

/// How a key is shown: arrows as arrows, the space bar as `Space`, `Escape` as `Esc`.
pub fn key_label(key: &str) -> &str {
    match key {
        "ArrowDown" => "\u{2193}",
        "ArrowUp" => "\u{2191}",
        "ArrowLeft" => "\u{2190}",
        "ArrowRight" => "\u{2192}",
        " " => "Space",
        "Escape" => "Esc",
        "PageDown" => "Page Down",
        "PageUp" => "Page Up",
        other => other,
    }
}

/// Whether a key press opens the help: `?` without Ctrl, Alt or Meta, outside a text field.
pub fn opens_help(key: &str, typing: bool, modifier: bool) -> bool {
    key == "?" && !typing && !modifier
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{FileRow, Summary};
    use crate::tree::{key_action, KeyAction, Tree, TreeSort};

    fn listed(group: &str) -> Vec<&'static str> {
        GROUPS
            .iter()
            .find(|g| g.title.starts_with(group))
            .unwrap()
            .items
            .iter()
            .flat_map(|s| s.keys.iter().copied())
            .collect()
    }

    /// Every key the tree handles is listed, and every listed tree key does something.
    #[test]
    fn the_tree_keys_listed_are_the_ones_it_handles() {
        let rows: Vec<FileRow> = ["src/a.c", "src/b.c", "lib/c.c"]
            .iter()
            .map(|p| FileRow {
                path: p.to_string(),
                totals: Summary::default(),
            })
            .collect();
        let tree = Tree::build(&rows);
        let flat = tree.flatten(TreeSort::default(), &Default::default());
        let tree_keys = listed("File tree");
        let candidates = [
            "ArrowDown",
            "ArrowUp",
            "ArrowLeft",
            "ArrowRight",
            "PageDown",
            "PageUp",
            "Home",
            "End",
            "Enter",
            " ",
            "Tab",
            "a",
            "Delete",
        ];
        for key in candidates {
            // Some row does something with the key (the first row cannot go up, a file cannot fold).
            let handled =
                (0..flat.len()).any(|c| key_action(&tree, &flat, c, key, 5) != KeyAction::None);
            assert_eq!(handled, tree_keys.contains(&key), "{key:?}");
        }
        assert_eq!(listed("Source view"), ["n", "j", "p", "k", "Escape"]);
    }

    #[test]
    fn question_mark_opens_the_help_outside_text_fields() {
        assert!(opens_help("?", false, false));
        assert!(!opens_help("?", true, false));
        assert!(!opens_help("?", false, true));
        assert!(!opens_help("/", false, false));
        assert_eq!(key_label("ArrowUp"), "\u{2191}");
        assert_eq!(key_label(" "), "Space");
        assert_eq!(key_label("n"), "n");
        let all: usize = GROUPS.iter().map(|g| g.items.len()).sum();
        assert_eq!(all, 13);
    }
}
