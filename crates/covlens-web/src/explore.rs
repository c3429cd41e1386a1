//! Thin components for exploring the merged report: the UI state kept in the URL hash, shard controls
//! (toggle, rename, "only by" group), the merge policy switch, the overview (languages, shards,
//! treemap), the virtualized file tree and the theme toggle. The logic lives in [`crate::tree`],
//! [`crate::overview`], [`crate::hash_state`] and [`crate::merge_policy`].
//!
//! Test hooks: `policy` (select), `shard-toggle`, `shard-rename`, `shard-name-input`, `shard-group`,
//! `lang-row` (`data-lang`, `data-hit`, `data-found`), `shard-breakdown-row`, `treemap`, `treemap-cell`
//! (`data-path`), `treemap-crumb`, `tree-scroll`, `dir-row` / `file-row` (`data-path`; a file row with
//! conflicts between inputs also `data-conflicts`, their count), `filter`,
//! `filter-min`, `filter-max`, `filter-uncovered`, `sort-{path,lines,branches,functions,uncovered,size}`,
//! `file-count`, `theme-toggle`.

use std::collections::BTreeSet;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::app::Meter;
use crate::hash_state::{HashState, Theme};
use crate::merge_policy::MergePolicy;
use crate::overview::{breadcrumbs, by_language, treemap_shown};
use crate::protocol::{Count, FileRow, Request, ShardRow};
use crate::tree::{key_action, visible_range, FileFilter, KeyAction, Tree, TreeKey, TreeSort};
use crate::view::{format_percent, group_digits, plural, Level};

/// Height of one tree row in pixels (CSS `.tree-table tbody tr` has the same).
pub const ROW_HEIGHT: f64 = 28.0;
/// Rows rendered above and below the visible ones.
pub const ROW_MARGIN: usize = 12;

/// The folder tree of every file of the merged report, built once per view (by the page, a task
/// before it sets the rows) and shared through context by the treemap and the (unfiltered) file tree.
#[derive(Clone, Copy, Debug)]
pub struct FullTree(pub RwSignal<Tree>);

impl FullTree {
    /// An empty tree, shared; the page sets it with each view's rows.
    pub fn provide() -> FullTree {
        let tree = FullTree(RwSignal::new(Tree::build(&[])));
        provide_context(tree);
        tree
    }

    pub fn set(self, tree: Tree) {
        self.0.set(tree);
    }
}

/// The tree the file tree shows: the filtered one, or the shared one when no filter is set.
#[derive(Clone, Copy)]
struct ShownTree {
    filtered: Memo<Option<Tree>>,
    full: Option<FullTree>,
}

impl ShownTree {
    fn with<R>(&self, f: impl FnOnce(&Tree) -> R) -> R {
        self.filtered.with(|o| match (o, self.full) {
            (Some(t), _) => f(t),
            (None, Some(full)) => full.0.with(f),
            (None, None) => f(&Tree::build(&[])),
        })
    }

    fn with_untracked<R>(&self, f: impl FnOnce(&Tree) -> R) -> R {
        self.filtered.with_untracked(|o| match (o, self.full) {
            (Some(t), _) => f(t),
            (None, Some(full)) => full.0.with_untracked(f),
            (None, None) => f(&Tree::build(&[])),
        })
    }
}

/// The page state that lives in the URL hash, as signals; `Copy`, shared through context.
#[derive(Clone, Copy, Debug)]
pub struct UiState {
    /// The opened file: set by a click or Enter on a file row; the source view reads it.
    pub file: RwSignal<Option<String>>,
    pub line: RwSignal<Option<u32>>,
    pub filter: RwSignal<FileFilter>,
    pub sort: RwSignal<TreeSort>,
    pub policy: RwSignal<MergePolicy>,
    pub collapsed: RwSignal<BTreeSet<String>>,
    pub zoom: RwSignal<String>,
    pub theme: RwSignal<Theme>,
    /// Keep library sources when remapping (see [`crate::remap_panel`]).
    pub include_libraries: RwSignal<bool>,
    /// Path rules (see [`crate::paths_panel`]).
    pub paths: RwSignal<crate::paths_view::PathRules>,
}

fn location_hash_and_search() -> (String, String) {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return (String::new(), String::new());
    };
    (
        loc.hash().unwrap_or_default(),
        loc.search().unwrap_or_default(),
    )
}

impl UiState {
    /// The state of the page's URL: its hash, or (old links) its query string's `sort` and `q`.
    pub fn from_url() -> UiState {
        let (hash, search) = location_hash_and_search();
        let st = if hash.len() > 1 {
            HashState::decode(&hash)
        } else {
            HashState::decode(&search)
        };
        UiState {
            file: RwSignal::new(st.file),
            line: RwSignal::new(st.line),
            filter: RwSignal::new(st.filter),
            sort: RwSignal::new(st.sort),
            policy: RwSignal::new(st.policy),
            collapsed: RwSignal::new(st.collapsed),
            zoom: RwSignal::new(st.zoom),
            theme: RwSignal::new(st.theme),
            include_libraries: RwSignal::new(st.include_libraries),
            paths: RwSignal::new(st.paths),
        }
    }

    pub fn snapshot(&self) -> HashState {
        HashState {
            file: self.file.get(),
            line: self.line.get(),
            filter: self.filter.get(),
            sort: self.sort.get(),
            policy: self.policy.get(),
            collapsed: self.collapsed.get(),
            zoom: self.zoom.get(),
            theme: self.theme.get(),
            include_libraries: self.include_libraries.get(),
            paths: self.paths.get(),
        }
    }

    /// Keeps the URL hash (replacing the history entry, dropping an old query string) and the
    /// document's theme in step with the state.
    pub fn sync_to_url(self) {
        Effect::new(move |_| {
            let hash = self.snapshot().encode();
            let Some(window) = web_sys::window() else {
                return;
            };
            let loc = window.location();
            let path = loc.pathname().unwrap_or_default();
            let current = format!(
                "{}{}",
                loc.search().unwrap_or_default(),
                loc.hash().unwrap_or_default()
            );
            // Keep `?report=` style parameters other than the old `sort` / `q`.
            let search = loc.search().unwrap_or_default();
            let kept: Vec<String> = crate::hash_state::pairs(&search)
                .into_iter()
                .filter(|(k, _)| k != "sort" && k != "q")
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        crate::hash_state::encode_component(&k),
                        crate::hash_state::encode_component(&v)
                    )
                })
                .collect();
            let query = if kept.is_empty() {
                String::new()
            } else {
                format!("?{}", kept.join("&"))
            };
            if format!("{query}{hash}") != current {
                if let Ok(history) = window.history() {
                    let url = format!("{path}{query}{hash}");
                    let _ = history.replace_state_with_url(
                        &wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&url),
                    );
                }
            }
        });
        Effect::new(move |_| {
            let theme = self.theme.get();
            let root = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element());
            if let Some(root) = root {
                let _ = match theme {
                    Theme::System => root.remove_attribute("data-theme"),
                    t => root.set_attribute("data-theme", t.id()),
                };
            }
        });
    }
}

/// What the shard rows can ask of the worker; provided by the page as context.
#[derive(Clone, Copy)]
pub struct ShardActions {
    pub send: Callback<Request>,
    pub ui: UiState,
}

/// Provides [`UiState`] and [`ShardActions`] to the components below, and tells the worker the
/// policy whenever it changes (also at start, so a policy from the URL applies).
pub fn provide(ui: UiState, send: Callback<Request>) {
    provide_context(ui);
    provide_context(ShardActions { send, ui });
    Effect::new(move |_| send.run(Request::SetPolicy(ui.policy.get())));
}

/// ✓ ◐ ✗: the level as a glyph, the cue besides colour (the source view's gutter uses the same).
pub fn level_glyph(level: Level) -> &'static str {
    match level {
        Level::High => "\u{2713}",
        Level::Medium => "\u{25d0}",
        Level::Low => "\u{2717}",
        Level::None => "\u{b7}",
    }
}

/// Toggle, rename and "only by" membership of one shard, inside its row.
#[component]
pub fn ShardControls(shard: ShardRow) -> impl IntoView {
    let Some(actions) = use_context::<ShardActions>() else {
        return ().into_any();
    };
    let id = shard.id;
    let editing = RwSignal::new(false);
    let name = shard.name.clone();
    let commit = move |value: String| {
        editing.set(false);
        let value = value.trim().to_string();
        if !value.is_empty() {
            actions.send.run(Request::Rename {
                shard: id,
                name: value,
            });
        }
    };
    let policy = actions.ui.policy;
    view! {
        <span class="shard-controls">
            <label class="switch" title="Include this input in the merge">
                <input
                    type="checkbox"
                    data-testid="shard-toggle"
                    aria-label=format!("Include {} in the merge", shard.name)
                    prop:checked=shard.enabled
                    on:change=move |e| actions.send.run(Request::SetEnabled { shard: id, enabled: event_target_checked(&e) })
                />
                <span>{if shard.enabled { "on" } else { "off" }}</span>
            </label>
            <Show when=move || matches!(policy.get(), MergePolicy::OnlyBy(_))>
                <label class="group-member" title="Part of the \u{201c}only by\u{201d} group">
                    <input
                        type="checkbox"
                        data-testid="shard-group"
                        prop:checked=move || policy.with(|p| p.group().contains(&id))
                        on:change=move |e| {
                            let on = event_target_checked(&e);
                            policy.update(|p| *p = p.with_member(id, on));
                        }
                    />
                    <span>"group"</span>
                </label>
            </Show>
            {move || if editing.get() {
                let name = name.clone();
                view! {
                    <input
                        class="rename"
                        data-testid="shard-name-input"
                        aria-label="New name"
                        value=name
                        autofocus
                        on:keydown=move |e: ev::KeyboardEvent| match e.key().as_str() {
                            "Enter" => commit(event_target_value(&e)),
                            "Escape" => editing.set(false),
                            _ => {}
                        }
                        on:blur=move |e| { if editing.get_untracked() { commit(event_target_value(&e)) } }
                    />
                }.into_any()
            } else {
                view! {
                    <button type="button" class="icon-button" data-testid="shard-rename"
                        title="Rename" aria-label="Rename" on:click=move |_| editing.set(true)>"\u{270e}"</button>
                }.into_any()
            }}
        </span>
    }
    .into_any()
}

/// The merge rule switch.
#[component]
pub fn PolicySwitch() -> impl IntoView {
    let ui = expect_context::<UiState>();
    let policy = ui.policy;
    view! {
        <label class="policy">
            <span class="policy-label">"Merge rule"</span>
            <select
                data-testid="policy"
                aria-label="Merge rule"
                on:change=move |e| {
                    let id = event_target_value(&e);
                    let group = policy.with_untracked(|p| p.group().to_vec());
                    if let Some(p) = MergePolicy::of_kind(&id, group) { policy.set(p) }
                }
            >
                {MergePolicy::KINDS.into_iter().map(|(id, label, _)| view! {
                    <option value=id selected=move || policy.with(|p| p.kind_id() == id)>{label}</option>
                }).collect_view()}
            </select>
            <span class="policy-help">{move || {
                let id = policy.with(|p| p.kind_id());
                MergePolicy::KINDS.iter().find(|k| k.0 == id).map(|k| k.2).unwrap_or("")
            }}</span>
        </label>
    }
}

fn count_attrs(c: Count) -> (String, String) {
    (c.hit.to_string(), c.found.to_string())
}

/// Breakdowns per language and per shard, and the treemap.
#[component]
pub fn Overview(
    #[prop(into)] rows: Signal<Vec<FileRow>>,
    #[prop(into)] shards: Signal<Vec<ShardRow>>,
) -> impl IntoView {
    let ui = expect_context::<UiState>();
    let langs = Memo::new(move |_| rows.with(|r| by_language(r)));
    // The first inputs, drawn a step per task like the inputs list (crate::app::INPUTS_SHOWN).
    let cap = crate::app::INPUTS_SHOWN;
    let limit = crate::app::stepped_limit(
        Signal::derive(move || shards.with(Vec::len)),
        Signal::stored(cap),
    );
    let shown_shards = move || {
        let n = limit.get();
        shards.with(|s| s.iter().take(n).cloned().collect::<Vec<_>>())
    };
    let hidden = move || shards.with(Vec::len).saturating_sub(cap);
    view! {
        <section class="panel overview" aria-label="Overview">
            <div class="toolbar">
                <h2 class="panel-title">"Overview"</h2>
                <PolicySwitch />
            </div>
            <div class="breakdowns">
                <table class="breakdown">
                    <caption>"By language"</caption>
                    <thead><tr><th scope="col">"Language"</th><th scope="col">"Files"</th><th scope="col">"Lines"</th><th scope="col">"Branches"</th><th scope="col">"Functions"</th></tr></thead>
                    <tbody>
                        <For each=move || langs.get() key=|l| l.clone() children=move |l| {
                            let (hit, found) = count_attrs(l.totals.lines);
                            view! {
                                <tr data-testid="lang-row" data-lang=l.language data-hit=hit data-found=found>
                                    <th scope="row">{l.language}</th>
                                    <td class="num">{group_digits(l.files)}</td>
                                    <td><Meter count=l.totals.lines what="lines" /></td>
                                    <td><Meter count=l.totals.branches what="branches" /></td>
                                    <td><Meter count=l.totals.functions what="functions" /></td>
                                </tr>
                            }
                        } />
                    </tbody>
                </table>
                <table class="breakdown">
                    <caption>"By input (each on its own)"</caption>
                    <thead><tr><th scope="col">"Input"</th><th scope="col">"Files"</th><th scope="col">"Lines"</th><th scope="col">"Branches"</th><th scope="col">"Functions"</th></tr></thead>
                    <tbody>
                        <For each=shown_shards key=|s| s.clone() children=move |s| {
                            let (hit, found) = count_attrs(s.totals.lines);
                            view! {
                                <tr data-testid="shard-breakdown-row" data-name=s.name.clone() data-hit=hit data-found=found class:off=!s.enabled>
                                    <th scope="row">{s.name.clone()}{(!s.enabled).then_some(" (off)")}</th>
                                    <td class="num">{group_digits(s.files)}</td>
                                    <td><Meter count=s.totals.lines what="lines" /></td>
                                    <td><Meter count=s.totals.branches what="branches" /></td>
                                    <td><Meter count=s.totals.functions what="functions" /></td>
                                </tr>
                            }
                        } />
                        {move || (hidden() > 0).then(|| view! {
                            <tr class="more-inputs"><td colspan="5">{format!("{} (the inputs list can show them all)", crate::view::and_more(hidden() as u64, "input", "inputs"))}</td></tr>
                        })}
                    </tbody>
                </table>
            </div>
            <Treemap rows=rows zoom=ui.zoom file=ui.file />
        </section>
    }
}

/// Directories sized by coverable lines and coloured (and patterned) by line coverage; a click on a
/// directory zooms in, on a file opens it.
#[component]
pub fn Treemap(
    #[prop(into)] rows: Signal<Vec<FileRow>>,
    zoom: RwSignal<String>,
    file: RwSignal<Option<String>>,
) -> impl IntoView {
    const W: f64 = 1000.0;
    const H: f64 = 320.0;
    let tree: Signal<Tree> = use_context::<FullTree>().map_or_else(
        || Memo::new(move |_| rows.with(|r| Tree::build(r))).into(),
        |t| t.0.into(),
    );
    // Drawn when `rows` change (the page sets them a task after the file tree's, which builds the
    // shared tree): the tree itself is read untracked.
    let cells = Memo::new(move |_| {
        let z = zoom.get();
        rows.track();
        tree.with_untracked(|t| treemap_shown(t, &z, W, H))
    });
    let pct = |v: f64, of: f64| format!("{:.3}%", v * 100.0 / of);
    let numbered_cells = move || -> Vec<(usize, crate::overview::Cell)> {
        cells.get().into_iter().enumerate().collect()
    };
    view! {
        <div class="treemap-wrap">
            <nav class="crumbs" aria-label="Treemap zoom">
                {move || breadcrumbs(&zoom.get()).into_iter().map(|(label, path)| view! {
                    <button type="button" class="crumb" data-testid="treemap-crumb" on:click=move |_| zoom.set(path.clone())>{label}</button>
                }).collect_view()}
            </nav>
            <div class="treemap" data-testid="treemap" role="list">
                <For each=numbered_cells
                    key=|(i, c)| (*i, c.path.clone(), c.totals, c.rect.w.to_bits(), c.rect.h.to_bits())
                    children=move |(_, c)| {
                        let level = Level::of(c.totals.lines);
                        let title = format!("{} \u{2014} {} of {} lines covered ({})", c.path, group_digits(c.totals.lines.hit), group_digits(c.totals.lines.found), format_percent(c.totals.lines));
                        let path = c.path.clone();
                        let is_dir = c.is_dir;
                        let small = c.rect.w < 60.0 || c.rect.h < 28.0;
                        view! {
                            <button type="button" role="listitem"
                                class=format!("tm-cell {}{}", level.class(), if is_dir { " dir" } else { " file" })
                                data-testid="treemap-cell" data-path=c.path.clone()
                                title=title.clone() aria-label=title
                                style:left=pct(c.rect.x, W) style:top=pct(c.rect.y, H)
                                style:width=pct(c.rect.w, W) style:height=pct(c.rect.h, H)
                                on:click=move |_| if is_dir { zoom.set(path.clone()) } else { file.set(Some(path.clone())) }
                            >
                                {(!small).then(|| view! {
                                    <span class="tm-label">{level_glyph(level)} " " {c.name.clone()}</span>
                                    <span class="tm-pct">{format_percent(c.totals.lines)}</span>
                                })}
                            </button>
                        }
                    } />
            </div>
        </div>
    }
}

/// One shown tree row: its position, its place in the tree, and what it shows (its key).
type ShownRow = (usize, crate::tree::FlatRow, FileRow, u64);

/// The merged report's files as a virtualized, sortable, filterable, keyboard-navigable tree.
#[component]
pub fn FileTree(#[prop(into)] rows: Signal<Vec<FileRow>>) -> impl IntoView {
    let ui = expect_context::<UiState>();
    let conflicts_ctx = use_context::<crate::paths_panel::PathsCtx>();
    let (filter, sort, collapsed) = (ui.filter, ui.sort, ui.collapsed);
    // Unfiltered, the shared tree of every file (built once for the treemap too).
    let full = use_context::<FullTree>();
    let filtered = Memo::new(move |_| {
        filter.with(|f| {
            if f.is_empty() && full.is_some() {
                None
            } else {
                Some(rows.with(|r| Tree::build(&f.apply(r))))
            }
        })
    });
    let tree = ShownTree { filtered, full };
    let flat = Memo::new(move |_| tree.with(|t| collapsed.with(|c| t.flatten(sort.get(), c))));
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = RwSignal::new(560.0f64);
    let cursor = RwSignal::new(0usize);
    let scroller = NodeRef::<html::Div>::new();
    let window = Memo::new(move |_| {
        visible_range(
            scroll_top.get(),
            viewport.get(),
            ROW_HEIGHT,
            flat.with(Vec::len),
            ROW_MARGIN,
        )
    });
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            scroll_top.set(f64::from(el.scroll_top()));
            viewport.set(f64::from(el.client_height()));
        }
    };
    let set_fold = move |path: String, open: bool| {
        collapsed.update(|c| {
            if open {
                c.remove(&path);
            } else {
                c.insert(path);
            }
        })
    };
    // Keeps the cursor's row in view.
    let reveal = move |i: usize| {
        if let Some(el) = scroller.get() {
            let top = i as f64 * ROW_HEIGHT;
            let (st, h) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
            // The sticky header covers the first row's height.
            if top < st {
                el.set_scroll_top(top as i32);
            } else if top + 2.0 * ROW_HEIGHT > st + h {
                el.set_scroll_top((top + 2.0 * ROW_HEIGHT - h) as i32);
            }
        }
    };
    let on_key = move |e: ev::KeyboardEvent| {
        let page = (viewport.get_untracked() / ROW_HEIGHT) as usize;
        let action = tree.with_untracked(|t| {
            flat.with_untracked(|f| key_action(t, f, cursor.get_untracked(), &e.key(), page))
        });
        match action {
            KeyAction::None => return,
            KeyAction::Move(i) => {
                cursor.set(i);
                reveal(i);
            }
            KeyAction::Open(p) => ui.file.set(Some(p)),
            KeyAction::Expand(p, open) => set_fold(p, open),
        }
        e.prevent_default();
    };
    let header = move |key: TreeKey| {
        let aria = move || {
            let s = sort.get();
            if s.key == key {
                s.dir.aria()
            } else {
                "none"
            }
        };
        view! {
            <th scope="col" class=format!("col-{}", key.id()) aria-sort=aria>
                <button type="button" class="sort" data-testid=format!("sort-{}", key.id())
                    on:click=move |_| sort.update(|s| *s = s.clicked(key))>
                    {key.label()}
                    <span class="arrow" aria-hidden="true">
                        {move || match aria() { "ascending" => "\u{25b2}", "descending" => "\u{25bc}", _ => "" }}
                    </span>
                </button>
            </th>
        }
    };
    // Keyed by what a row shows, not only by its node index: a rebuilt tree (shard toggled, policy or
    // filter changed) reuses indices for other files, and a row keyed by index alone would keep
    // showing the old file.
    let shown_rows = move || -> Vec<ShownRow> {
        let (start, end) = window.get();
        tree.with(|t| {
            flat.with(|f| {
                f[start..end]
                    .iter()
                    .enumerate()
                    .map(|(k, r)| {
                        let n = &t.nodes[r.node];
                        (start + k, *r, n.row.clone(), n.files)
                    })
                    .collect()
            })
        })
    };
    let num = |s: String| -> Option<u8> { s.trim().parse::<u8>().ok().filter(|n| *n <= 100) };
    view! {
        <section class="panel files">
            <div class="toolbar">
                <h2 class="panel-title">"Files"</h2>
                <input class="filter" type="search" placeholder="Filter paths\u{2026}" aria-label="Filter files by path"
                    data-testid="filter"
                    prop:value=move || filter.with(|f| f.text.clone())
                    on:input=move |e| filter.update(|f| f.text = event_target_value(&e)) />
                <label class="range">"Lines %"
                    <input type="number" min="0" max="100" placeholder="min" aria-label="Minimum line coverage %" data-testid="filter-min"
                        prop:value=move || filter.with(|f| f.min.map(|n| n.to_string()).unwrap_or_default())
                        on:change=move |e| filter.update(|f| f.min = num(event_target_value(&e))) />
                    "\u{2013}"
                    <input type="number" min="0" max="100" placeholder="max" aria-label="Maximum line coverage %" data-testid="filter-max"
                        prop:value=move || filter.with(|f| f.max.map(|n| n.to_string()).unwrap_or_default())
                        on:change=move |e| filter.update(|f| f.max = num(event_target_value(&e))) />
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="filter-uncovered"
                        prop:checked=move || filter.with(|f| f.uncovered_only)
                        on:change=move |e| filter.update(|f| f.uncovered_only = event_target_checked(&e)) />
                    "has uncovered lines"
                </label>
                <span class="count" data-testid="file-count">
                    {move || {
                        let n = tree.with(|t| t.nodes[0].files);
                        let total = rows.with(Vec::len) as u64;
                        if n == total { plural(total, "file", "files") } else { format!("{} of {}", group_digits(n), plural(total, "file", "files")) }
                    }}
                </span>
            </div>
            <div class="tree-scroll" data-testid="tree-scroll" node_ref=scroller tabindex="0"
                role="tree" aria-label="Files of the merged report (arrows move, Enter opens)"
                on:scroll=on_scroll on:keydown=on_key>
                <table class="file-table tree-table">
                    <thead><tr>{TreeKey::ALL.into_iter().map(header).collect_view()}</tr></thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", window.get().0 as f64 * ROW_HEIGHT)></tr>
                        <For
                            each=shown_rows
                            key=|row| row.clone()
                            children=move |(i, r, _, _)| tree.with_untracked(|t| {
                                let n = &t.nodes[r.node];
                                let totals = n.row.totals;
                                let level = Level::of(totals.lines);
                                let path = n.row.path.clone();
                                let indent = format!("{}px", 8 + 16 * u32::from(r.depth));
                                let unc = crate::tree::uncovered(totals.lines);
                                let cells = view! {
                                    <td><Meter count=totals.lines what="lines" /></td>
                                    <td><Meter count=totals.branches what="branches" /></td>
                                    <td><Meter count=totals.functions what="functions" /></td>
                                    <td class="num">{group_digits(unc)}</td>
                                    <td class="num">{group_digits(totals.lines.found)}</td>
                                };
                                if n.is_dir {
                                    let p2 = path.clone();
                                    let open = r.open;
                                    view! {
                                        <tr data-testid="dir-row" data-path=path.clone() class="dir-row" role="treeitem"
                                            aria-expanded=open.to_string() class:cursor=move || cursor.get() == i
                                            on:click=move |_| { cursor.set(i); set_fold(p2.clone(), !open) }>
                                            <td class="path" title=path.clone() style:padding-left=indent>
                                                <span class="twisty" aria-hidden="true">{if open { "\u{25be}" } else { "\u{25b8}" }}</span>
                                                <span class="dir">{n.name.clone()}</span>
                                                <span class="files-n">{plural(n.files, "file", "files")}</span>
                                            </td>
                                            {cells}
                                        </tr>
                                    }.into_any()
                                } else {
                                    let p2 = path.clone();
                                    let selected = move || ui.file.with(|f| f.as_deref() == Some(p2.as_str()));
                                    let p3 = path.clone();
                                    // Conflicts between inputs (crate::paths_panel): an attribute and a mark.
                                    let (p4, p5) = (path.clone(), path.clone());
                                    let conflicts = move || conflicts_ctx.map(|c| c.view.with(|v| v.conflicts_of(&p4))).filter(|n| *n > 0);
                                    let conflict_mark = move || conflicts_ctx.and_then(|c| c.view.with(|v| {
                                        let n = v.conflicts_of(&p5);
                                        let t = format!("{} between inputs", plural(u64::from(n), "conflict", "conflicts"));
                                        (n > 0).then(|| view! { <span class="conflict-mark" title=t.clone() aria-label=t>"\u{26a0}"</span> })
                                    }));
                                    view! {
                                        <tr data-testid="file-row" data-path=path.clone() class="file-row" role="treeitem"
                                            class:cursor=move || cursor.get() == i class:selected=selected
                                            data-conflicts=move || conflicts().map(|n| n.to_string())
                                            on:click=move |_| { cursor.set(i); ui.file.set(Some(p3.clone())) }>
                                            <td class="path" title=path.clone() style:padding-left=indent>
                                                <span class=format!("glyph {}", level.class()) aria-hidden="true">{level_glyph(level)}</span>
                                                <span class="file">{n.name.clone()}</span>
                                                {conflict_mark}
                                            </td>
                                            {cells}
                                        </tr>
                                    }.into_any()
                                }
                            })
                        />
                        <tr class="spacer" aria-hidden="true" style:height=move || {
                            let (_, end) = window.get();
                            format!("{}px", (flat.with(Vec::len) - end) as f64 * ROW_HEIGHT)
                        }></tr>
                    </tbody>
                </table>
            </div>
            <Show when=move || tree.with(|t| t.nodes[0].files == 0) && !rows.with(Vec::is_empty)>
                <p class="none">"No file matches the filter."</p>
            </Show>
        </section>
    }
}

/// Whether the system prefers dark colours (`matchMedia`, read through JS reflection).
fn system_prefers_dark() -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let f = js_sys::Reflect::get(&w, &"matchMedia".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(f) = f else { return false };
    f.call1(&w, &"(prefers-color-scheme: dark)".into())
        .ok()
        .and_then(|m| js_sys::Reflect::get(&m, &"matches".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Switches between light and dark (the first choice follows the system's opposite).
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let ui = expect_context::<UiState>();
    let label = move || {
        if ui.theme.get().is_dark(system_prefers_dark()) {
            "Light theme"
        } else {
            "Dark theme"
        }
    };
    view! {
        <button type="button" class="button" data-testid="theme-toggle" aria-label=label title=label
            on:click=move |_| ui.theme.update(|t| *t = t.toggled(system_prefers_dark()))>
            {move || if ui.theme.get().is_dark(system_prefers_dark()) { "\u{2600}" } else { "\u{263e}" }}
        </button>
    }
}
