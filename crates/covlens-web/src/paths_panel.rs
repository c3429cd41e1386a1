//! The Paths panel (issue 6): a thin Leptos component over [`crate::paths_view`]. It lists the files
//! several paths became ("2 paths become 1", each original path with its input, the rule that joined
//! them, an Undo button), the paths left apart, each input's detected root, the user's rules (prefix
//! rewrites, stripped prefixes, undone joins: kept in the URL hash as [`UiState::paths`]) with a form
//! to add them, and the conflicts between inputs (a click opens the file at the line).
//!
//! Test hooks: `paths-panel` (with `data-joined`, `data-renamed`, `data-ambiguities`,
//! `data-conflicts`, `data-conflict-files`), `paths-headline`, `path-root` (`data-shard`,
//! `data-root`), `path-join` (`data-path`, `data-members`), `path-join-member` (`data-shard`,
//! `data-path`), `path-join-rule`, `path-undo`, `path-ambiguity` (`data-path`, `data-reason`),
//! `path-rule` (`data-kind`), `path-rule-remove`, `path-map-from`, `path-map-to`, `path-map-add`,
//! `path-strip-input`, `path-strip-add`, `conflict-row` (`data-path`, `data-kind`, `data-lines`,
//! `data-shards`), `conflict-open`, `conflict-more`.

use leptos::ev;
use leptos::prelude::*;

use crate::explore::{ShardActions, UiState};
use crate::paths_view::{ConflictRow, JoinGroup, PathsView, RuleRef};
use crate::protocol::{Request, ShardRow};
use crate::view::{and_more, group_digits};

/// The worker's latest [`PathsView`], shared with the file tree (which marks files with conflicts).
#[derive(Clone, Copy, Debug)]
pub struct PathsCtx {
    pub view: Signal<PathsView>,
}

/// Provides [`PathsCtx`] and tells the worker the path rules whenever they change (and at start when
/// the URL holds some). Call after [`crate::explore::provide`].
pub fn provide(view: Signal<PathsView>) {
    provide_context(PathsCtx { view });
    let Some(actions) = use_context::<ShardActions>() else {
        return;
    };
    let rules = actions.ui.paths;
    Effect::new(move |prev: Option<crate::paths_view::PathRules>| {
        let now = rules.get();
        let changed = match &prev {
            Some(p) => *p != now,
            // A fresh page with no rules has nothing to tell.
            None => !now.is_empty(),
        };
        if changed {
            actions.send.run(Request::SetPaths(now.clone()));
        }
        now
    });
}

/// Opens `path` at `line` in the source view.
fn open_at(ui: UiState, path: &str, line: Option<u32>) {
    ui.file.set(Some(path.to_string()));
    ui.line.set(line);
}

/// The Paths panel; shown once there are two inputs, a rule, or anything to say.
#[component]
pub fn PathsPanel(#[prop(into)] shards: Signal<Vec<ShardRow>>) -> impl IntoView {
    let (Some(ctx), Some(ui)) = (use_context::<PathsCtx>(), use_context::<UiState>()) else {
        return ().into_any();
    };
    let v = ctx.view;
    let shown = move || {
        let enabled = shards.with(|s| s.iter().filter(|s| s.enabled).count());
        enabled > 1
            || ui.paths.with(|r| !r.is_empty())
            || v.with(|p| {
                p.join_count > 0
                    || p.renamed_count > 0
                    || !p.ambiguities.is_empty()
                    || p.conflict_count > 0
            })
    };
    // Up to JOINS_SHOWN joins, a few lines each: drawn a step per task (crate::app::stepped_limit).
    let join_limit = crate::app::stepped_limit(
        Signal::derive(move || v.with(|p| p.joins.len())),
        Signal::stored(usize::MAX),
    );
    let joins = move || {
        let n = join_limit.get();
        v.with(|p| p.joins.iter().take(n).cloned().collect::<Vec<_>>())
    };
    let ambiguities = move || v.with(|p| p.ambiguities.clone());
    let roots = move || v.with(|p| p.roots.clone());
    let conflicts = move || v.with(|p| p.conflicts.clone());
    let more_joins = move || {
        v.with(|p| {
            let more = p.join_count.saturating_sub(p.joins.len() as u64);
            (more > 0).then(|| and_more(more, "joined file", "joined files"))
        })
    };
    let more_conflicts = move || {
        v.with(|p| {
            let more = p.conflict_count.saturating_sub(p.conflicts.len() as u64);
            (more > 0).then(|| view! {
                <li class="more" data-testid="conflict-more">{and_more(more, "conflict", "conflicts")}</li>
            })
        })
    };
    view! {
        <Show when=shown>
            <section
                class="panel paths"
                data-testid="paths-panel"
                aria-label="Paths and conflicts"
                data-joined=move || v.with(|p| p.join_count.to_string())
                data-renamed=move || v.with(|p| p.renamed_count.to_string())
                data-ambiguities=move || v.with(|p| p.ambiguities.len().to_string())
                data-conflicts=move || v.with(|p| p.conflict_count.to_string())
                data-conflicts-checked=move || v.with(|p| p.conflicts_checked.to_string())
                data-conflict-files=move || v.with(|p| p.conflict_files.len().to_string())
            >
                <div class="toolbar">
                    <h2 class="panel-title">"Paths"</h2>
                    <span class="count" data-testid="paths-headline">{move || v.with(PathsView::headline)}</span>
                </div>
                <div class="paths-body">
                    {move || {
                        let r = roots();
                        (!r.is_empty()).then(|| view! {
                            <p class="path-roots">
                                "Detected roots: "
                                {r.into_iter().map(|r| view! {
                                    <span class="path-root" data-testid="path-root" data-shard=r.shard_name.clone() data-root=r.root.clone()>
                                        <span class="join-shard">{r.shard_name.clone()}</span>" "<code>{r.root.clone()}</code>
                                    </span>
                                }).collect_view()}
                                {move || v.with(|p| {
                                    let more = p.root_count.saturating_sub(p.roots.len() as u64);
                                    (more > 0).then(|| view! {
                                        <span class="path-root more">{and_more(more, "root", "roots")}</span>
                                    })
                                })}
                            </p>
                        })
                    }}
                    <ul class="join-list" aria-label="Joined paths">
                        <For each=joins key=|g| g.clone() children=move |g: JoinGroup| view! { <JoinItem group=g /> } />
                        {move || more_joins().map(|t| view! { <li class="more">{t}</li> })}
                    </ul>
                    <ul class="ambiguity-list" aria-label="Paths left apart">
                        <For each=ambiguities key=|a| a.clone() children=move |a| view! {
                            <li class="path-ambiguity" data-testid="path-ambiguity" data-path=a.path.clone() data-reason=a.reason.clone()>
                                <span class="ambiguity-mark" aria-hidden="true">"\u{2260}"</span>" "{a.text.clone()}
                            </li>
                        } />
                    </ul>
                    <RulesEditor />
                    {move || {
                        let c = conflicts();
                        (!c.is_empty()).then(|| view! {
                            <h3 class="paths-sub">{move || v.with(|p| format!("Conflicts between inputs ({})", group_digits(p.conflict_count)))}</h3>
                        })
                    }}
                    <ul class="conflict-list" aria-label="Conflicts between inputs">
                        <For each=conflicts key=|c| c.clone() children=move |c: ConflictRow| view! { <ConflictItem conflict=c ui=ui /> } />
                        {more_conflicts}
                    </ul>
                </div>
            </section>
        </Show>
    }
    .into_any()
}

/// One joined file: "2 paths become 1", the originals with their inputs, the rule, Undo.
#[component]
fn JoinItem(group: JoinGroup) -> impl IntoView {
    let ui = expect_context::<UiState>();
    let canonical = group.canonical.clone();
    let headline = group.headline();
    let n = group.members.len();
    let rules = group.rules.join("; ");
    let members = group
        .members
        .iter()
        .map(|m| {
            view! {
                <li data-testid="path-join-member" data-shard=m.shard_name.clone() data-path=m.path.clone()>
                    <code>{m.path.clone()}</code>" "<span class="join-shard">{m.shard_name.clone()}</span>
                </li>
            }
        })
        .collect_view();
    let undo = group.clone();
    view! {
        <li class="path-join" data-testid="path-join" data-path=canonical.clone() data-members=n.to_string()>
            <div class="join-head">
                <span class="join-count">{headline}</span>
                <span aria-hidden="true">" \u{2192} "</span>
                <code class="join-canonical">{canonical.clone()}</code>
                <button
                    type="button"
                    class="button small"
                    data-testid="path-undo"
                    title="Show these paths as separate files again"
                    aria-label=format!("Undo the join of {canonical}")
                    on:click=move |_| ui.paths.update(|r| r.undo(&undo))
                >"Undo"</button>
            </div>
            <ul class="join-members">{members}</ul>
            <p class="join-rule" data-testid="path-join-rule">{rules}</p>
        </li>
    }
}

/// One conflict: file, lines, what the inputs disagree on and which say what.
#[component]
fn ConflictItem(conflict: ConflictRow, ui: UiState) -> impl IntoView {
    let c = conflict;
    let first = c.lines.first().copied();
    let path = c.path.clone();
    let lines = c.lines_text();
    let line_list: Vec<String> = c.lines.iter().map(u32::to_string).collect();
    let line_list = line_list.join(",");
    let label = match first {
        Some(l) => format!("Open {} at line {l}", c.path),
        None => format!("Open {}", c.path),
    };
    view! {
        <li
            class="conflict-row"
            data-testid="conflict-row"
            data-path=c.path.clone()
            data-kind=c.kind.clone()
            data-lines=line_list
            data-shards=c.shard_names().join(", ")
        >
            <span class="conflict-mark" aria-hidden="true">"\u{26a0}"</span>
            <button type="button" class="link" data-testid="conflict-open" aria-label=label
                on:click=move |_| open_at(ui, &path, first)>{c.path.clone()}</button>
            {(!lines.is_empty()).then(|| view! { <span class="conflict-lines">{lines}</span> })}
            <span class="conflict-what">{c.what.clone()}</span>
            <span class="conflict-sides">{c.sides_text()}</span>
        </li>
    }
}

/// The user's rules, each removable, and the forms that add a rewrite or a stripped prefix.
#[component]
fn RulesEditor() -> impl IntoView {
    let ui = expect_context::<UiState>();
    let rules = ui.paths;
    let (from, to, strip) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let listed = move || rules.with(|r| r.listed());
    let add_map = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let (f, t) = (from.get_untracked(), to.get_untracked());
        let mut next = rules.get_untracked();
        if next.add_map(&f, &t) {
            rules.set(next);
            from.set(String::new());
            to.set(String::new());
        }
    };
    let add_strip = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let mut next = rules.get_untracked();
        if next.add_strip(&strip.get_untracked()) {
            rules.set(next);
            strip.set(String::new());
        }
    };
    let remove = move |r: RuleRef| rules.update(|rs| *rs = rs.without(r));
    view! {
        <div class="path-rules">
            <ul class="rule-list" aria-label="Your path rules">
                <For each=listed key=|(r, t)| (*r, t.clone()) children=move |(r, text): (RuleRef, String)| view! {
                    <li class="path-rule" data-testid="path-rule" data-kind=r.kind()>
                        <span>{text.clone()}</span>
                        <button type="button" class="icon-button" data-testid="path-rule-remove"
                            title="Remove this rule" aria-label=format!("Remove the rule: {text}")
                            on:click=move |_| remove(r)>"\u{2715}"</button>
                    </li>
                } />
            </ul>
            <form class="path-form" on:submit=add_map aria-label="Rewrite a path prefix">
                <label>"Rewrite "
                    <input type="text" data-testid="path-map-from" aria-label="Path prefix to rewrite" placeholder="C:\\a\\app"
                        prop:value=move || from.get() on:input=move |e| from.set(event_target_value(&e)) />
                </label>
                <label>" to "
                    <input type="text" data-testid="path-map-to" aria-label="Prefix to write instead" placeholder="/home/runner/work/app/app"
                        prop:value=move || to.get() on:input=move |e| to.set(event_target_value(&e)) />
                </label>
                <button type="submit" class="button small" data-testid="path-map-add">"Add mapping"</button>
            </form>
            <form class="path-form" on:submit=add_strip aria-label="Strip a path prefix">
                <label>"Strip "
                    <input type="text" data-testid="path-strip-input" aria-label="Path prefix to strip" placeholder="/builds/project/"
                        prop:value=move || strip.get() on:input=move |e| strip.set(event_target_value(&e)) />
                </label>
                <button type="submit" class="button small" data-testid="path-strip-add">"Strip prefix"</button>
            </form>
        </div>
    }
}
