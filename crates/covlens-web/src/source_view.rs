//! The source view: a thin Leptos component over [`crate::source`] and [`crate::highlight`]. It opens
//! when the page's selected file (`UiState::file`, set by a click or Enter on a file row) is set, asks the
//! worker for that file's [`FileDetail`], and lists its lines in a virtual list (fixed row height; only
//! the visible rows and a margin are in the DOM).
//!
//! Test hooks: `source-view` (with `data-path`, `data-lines`, `data-origin`), `source-line` rows (with
//! `data-line`, `data-hits` (empty when not coverable), `data-state` (`covered`, `partial`,
//! `uncovered`, `none`), `data-branches` (the branch text), `data-shards` (names of the shards that hit
//! the line, `, `-separated), `data-mcdc` (MC/DC conditions shown independent both ways / conditions,
//! e.g. `1/2`; empty without MC/DC), and on a line where inputs disagree `data-conflict` (the
//! conflicts' kinds, e.g. `checksum`) and `data-conflict-shards` (the inputs named), with a tooltip
//! saying what each says), `source-origin`, `source-conflicts`, `line-detail`, `source-close`.
//! Keys: `n` / `p` next / previous gap (uncovered line or partial branch), Escape back to the files.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;

use crate::explore::UiState;
use crate::highlight::{carries, highlight_line, lang_of, Carry, Lang};
use crate::protocol::FileRow;
use crate::source::{
    branch_lines, branch_text, detail_of, hits_text, jump, line_starts, line_text, origin_text,
    shard_text, visible_range, FileDetail, LineState, TextOrigin,
};

/// Pixels per line; the CSS gives `.src-line` the same height.
pub const ROW_HEIGHT: f64 = 20.0;
/// Rows kept in the DOM above and below the viewport.
pub const MARGIN: u32 = 20;

static GENERATION: AtomicU32 = AtomicU32::new(0);

/// A fetched file, ready to draw: line starts and the highlighter's state at each line computed once.
#[derive(Debug, PartialEq)]
struct Prepared {
    /// Distinguishes one fetch from the next, so rows are redrawn when the file or its numbers change.
    generation: u32,
    detail: FileDetail,
    starts: Vec<u32>,
    carries: Vec<Carry>,
    lang: Lang,
}

impl Prepared {
    fn new(detail: FileDetail) -> Prepared {
        let lang = lang_of(&detail.path);
        let (starts, carries) = match &detail.text {
            Some(t) => {
                let s = line_starts(t);
                let c = carries(t, &s, lang);
                (s, c)
            }
            None => (Vec::new(), Vec::new()),
        };
        Prepared {
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            detail,
            starts,
            carries,
            lang,
        }
    }
}

fn origin_id(o: &TextOrigin) -> &'static str {
    match o {
        TextOrigin::Report { .. } => "report",
        TextOrigin::Dropped { .. } => "dropped",
        TextOrigin::Ambiguous { .. } => "ambiguous",
        TextOrigin::Missing => "missing",
    }
}

fn is_typing(e: &ev::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
        .unwrap_or(false)
}

/// One line of the list.
fn line_row(p: &Prepared, n: u32, selected: RwSignal<Option<u32>>) -> impl IntoView {
    let d = &p.detail;
    let info = detail_of(&d.lines, n);
    let state = info.map(|l| l.state).unwrap_or(LineState::NotCoverable);
    let hits = info.and_then(|l| l.hits);
    let branches = info.map(|l| branch_text(&l.branches)).unwrap_or_default();
    let branch_title = info
        .map(|l| branch_lines(&l.branches).join("\n"))
        .unwrap_or_default();
    let taken_short = info.filter(|l| !l.branches.is_empty()).map(|l| {
        let t = l
            .branches
            .iter()
            .filter(|b| b.taken.is_some_and(|t| t > 0))
            .count();
        format!("{t}/{}", l.branches.len())
    });
    let functions = info.filter(|l| !l.functions.is_empty()).map(|l| {
        l.functions
            .iter()
            .map(|f| {
                format!(
                    "function {}: {} hits",
                    f.name,
                    crate::view::group_digits(f.hits)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let fn_mark = functions.as_ref().map(|_| "\u{192}");
    // MC/DC (crate::mcdc): conditions shown independent both ways, of the line's conditions.
    let mcdc = info
        .map(|l| crate::mcdc::mcdc_short(&l.mcdc))
        .unwrap_or_default();
    let mcdc_title = info
        .map(|l| crate::mcdc::mcdc_lines(&l.mcdc).join("\n"))
        .unwrap_or_default();
    let shard_names: Vec<String> = info
        .map(|l| {
            l.shards
                .iter()
                .filter_map(|h| {
                    d.shards
                        .iter()
                        .find(|s| s.id == h.shard)
                        .map(|s| s.name.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let shard_title = info
        .map(|l| shard_text(&l.shards, &d.shards))
        .unwrap_or_default();
    let shard_count = shard_names.len();
    // Conflicts between inputs on this line (crate::paths_view): attributes, a tooltip, a CSS mark.
    let conflicts = crate::paths_view::line_conflicts(&d.conflicts, n);
    let conflict = (!conflicts.is_empty()).then(|| crate::paths_view::conflict_attr(&conflicts));
    let conflict_shards = (!conflicts.is_empty()).then(|| {
        let mut names: Vec<String> = conflicts.iter().flat_map(|c| c.shard_names()).collect();
        names.dedup();
        names.join(", ")
    });
    let conflict_title =
        (!conflicts.is_empty()).then(|| crate::paths_view::conflict_title(&conflicts));
    let code: Vec<AnyView> = match &d.text {
        Some(t) if (n as usize) <= p.starts.len() => {
            let line = line_text(t, &p.starts, n);
            let carry = p.carries.get(n as usize - 1).copied().unwrap_or_default();
            let (spans, _) = highlight_line(line, p.lang, carry);
            spans
                .into_iter()
                .map(|(tok, s, e)| {
                    let text = line[s..e].to_string();
                    match tok.class() {
                        Some(c) => view! { <span class=c>{text}</span> }.into_any(),
                        None => text.into_any(),
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let class = move || {
        let sel = if selected.get() == Some(n) {
            " selected"
        } else {
            ""
        };
        format!("src-line st-{}{sel}", state.id())
    };
    view! {
        <div
            class=class
            role="row"
            data-testid="source-line"
            data-line=n.to_string()
            data-hits=hits.map(|h| h.to_string()).unwrap_or_default()
            data-state=state.id()
            data-branches=branches.clone()
            data-shards=shard_names.join(", ")
            data-mcdc=mcdc.clone()
            data-conflict=conflict
            data-conflict-shards=conflict_shards
            title=conflict_title
            on:click=move |_| selected.set(Some(n))
        >
            <span class="src-glyph" title=state.label()>{state.glyph()}</span>
            <span class="src-no">{n.to_string()}</span>
            <span class="src-hits" title=hits.map(|h| format!("{} hits", crate::view::group_digits(h))).unwrap_or_default()>{hits_text(hits)}</span>
            <span class="src-br" title=if branches.is_empty() { String::new() } else { format!("{branches}\n{branch_title}") }>{taken_short}</span>
            <span class="src-mcdc" title=mcdc_title>{(!mcdc.is_empty()).then(|| format!("MC {mcdc}"))}</span>
            <span class="src-fn" title=functions.clone().unwrap_or_default()>{fn_mark}</span>
            <span class="src-sh" title=shard_title>{(shard_count > 0).then(|| shard_count.to_string())}</span>
            <code class="src-code">{code}</code>
        </div>
    }
}

/// The source view of the selected file; renders nothing while no file is selected.
#[component]
pub fn SourceView(
    /// The worker's latest answer to a file request.
    detail: RwSignal<Option<FileDetail>>,
    /// Asks the worker for a file's detail.
    fetch: Callback<String>,
    /// The merged report's files: a new view (shards toggled, policy changed) re-fetches the open file.
    #[prop(into)]
    rows: Signal<Vec<FileRow>>,
) -> impl IntoView {
    let Some(ui) = use_context::<UiState>() else {
        return ().into_any();
    };
    let scroll_top = RwSignal::new(0.0f64);
    let height = RwSignal::new(800.0f64);
    let scroller = NodeRef::<Div>::new();

    Effect::new(move |_| {
        rows.track();
        if let Some(path) = ui.file.get() {
            fetch.run(path);
        }
    });
    let prepared = Memo::new(move |_| {
        let want = ui.file.get()?;
        detail.with(|d| {
            d.as_ref()
                .filter(|d| d.path == want)
                .map(|d| Arc::new(Prepared::new(d.clone())))
        })
    });
    let open = move || prepared.with(Option::is_some);

    let scroll_to = move |n: u32| {
        if let Some(el) = scroller.get_untracked() {
            let h = f64::from(el.client_height());
            let top = ((f64::from(n) - 1.0) * ROW_HEIGHT - h / 3.0).max(0.0);
            el.set_scroll_top(top as i32);
            scroll_top.set(top);
            height.set(h);
        }
    };
    // A fetched file opens at the selected line (a link or reload restores it), else at the top.
    Effect::new(move |prev: Option<Option<u32>>| {
        let generation = prepared.with(|p| p.as_ref().map(|p| p.generation));
        if generation.is_some() && generation != prev.flatten() {
            request_animation_frame(move || match ui.line.get_untracked() {
                Some(n) => scroll_to(n),
                None => scroll_to(1),
            });
        }
        generation
    });

    let step = move |forward: bool| {
        prepared.with_untracked(|p| {
            let Some(p) = p else { return };
            let from = ui.line.get_untracked().unwrap_or_else(|| {
                let top = (scroll_top.get_untracked() / ROW_HEIGHT) as u32;
                if forward {
                    top
                } else {
                    top + 1
                }
            });
            if let Some(n) = jump(&p.detail.lines, from, forward) {
                ui.line.set(Some(n));
                scroll_to(n);
            }
        });
    };
    let close = move || {
        ui.file.set(None);
        ui.line.set(None);
    };
    let _ = window_event_listener(ev::keydown, move |e| {
        if ui.file.get_untracked().is_none()
            || is_typing(&e)
            || e.ctrl_key()
            || e.meta_key()
            || e.alt_key()
        {
            return;
        }
        match e.key().as_str() {
            "n" | "j" => step(true),
            "p" | "k" => step(false),
            "Escape" => close(),
            _ => return,
        }
        e.prevent_default();
    });
    let _ = window_event_listener(ev::resize, move |_| {
        if let Some(el) = scroller.get_untracked() {
            height.set(f64::from(el.client_height()));
        }
    });

    let range = Memo::new(move |_| {
        let total = prepared.with(|p| p.as_ref().map(|p| p.detail.line_count).unwrap_or(0));
        visible_range(scroll_top.get(), height.get(), ROW_HEIGHT, total, MARGIN)
    });
    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(f64::from(el.scroll_top()));
            height.set(f64::from(el.client_height()));
        }
    };
    let header = move || {
        prepared.get().map(|p| {
            let d = &p.detail;
            let found = d.lines.iter().filter(|l| l.hits.is_some()).count();
            let hit = d.lines.iter().filter(|l| l.hits.is_some_and(|h| h > 0)).count();
            let gaps = d.lines.iter().filter(|l| l.state.is_gap()).count();
            view! {
                <div class="src-head">
                    <button type="button" class="button" data-testid="source-close" title="Back to the files (Escape)" on:click=move |_| close()>"\u{2190} Files"</button>
                    <h2 class="src-path" title=d.path.clone()>{d.path.clone()}</h2>
                    <span class="src-stats">{format!("{hit} of {found} lines hit \u{b7} {gaps} lines to look at")}</span>
                    <span class="src-keys" aria-label="Keyboard shortcuts">
                        <kbd>"n"</kbd>" / "<kbd>"p"</kbd>" next / previous uncovered or partial \u{b7} "<kbd>"Esc"</kbd>" back"
                    </span>
                </div>
                <p class=format!("src-origin origin-{}", origin_id(&d.origin)) data-testid="source-origin">{origin_text(&d.origin)}</p>
                {(!d.conflicts.is_empty()).then(|| view! {
                    <ul class="src-conflicts" data-testid="source-conflicts" aria-label="Conflicts between inputs">
                        {d.conflicts.iter().map(|c| {
                            let where_ = c.lines_text();
                            let sep = if where_.is_empty() { "" } else { ": " };
                            view! { <li>"\u{26a0} "{where_}{sep}{c.text()}</li> }
                        }).collect_view()}
                    </ul>
                })}
            }
        })
    };
    let line_detail = move || {
        let n = ui.line.get()?;
        prepared.with(|p| {
            let p = p.as_ref()?;
            let l = detail_of(&p.detail.lines, n)?;
            let mut items: Vec<String> = vec![format!(
                "line {n}: {}{}",
                l.state.label(),
                l.hits
                    .map(|h| format!(", {} hits", crate::view::group_digits(h)))
                    .unwrap_or_default()
            )];
            items.extend(branch_lines(&l.branches));
            items.extend(crate::mcdc::mcdc_lines(&l.mcdc));
            items.extend(
                crate::paths_view::line_conflicts(&p.detail.conflicts, n)
                    .iter()
                    .map(|c| format!("conflict: {}", c.text())),
            );
            items.extend(l.functions.iter().map(|f| {
                format!(
                    "function {} starts here: {} hits",
                    f.name,
                    crate::view::group_digits(f.hits)
                )
            }));
            if !l.shards.is_empty() {
                items.push(format!(
                    "hit by {}",
                    shard_text(&l.shards, &p.detail.shards)
                ));
            }
            Some(view! {
                <ul class="line-detail" data-testid="line-detail" data-line=n.to_string()>
                    {items.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                </ul>
            })
        })
    };

    view! {
        <Show when=open>
            <section
                class="source-view"
                data-testid="source-view"
                data-path=move || prepared.with(|p| p.as_ref().map(|p| p.detail.path.clone()).unwrap_or_default())
                data-lines=move || prepared.with(|p| p.as_ref().map(|p| p.detail.line_count.to_string()).unwrap_or_default())
                data-origin=move || prepared.with(|p| p.as_ref().map(|p| origin_id(&p.detail.origin)).unwrap_or_default())
                aria-label="Source view"
            >
                {header}
                <div class="src-scroll" node_ref=scroller on:scroll=on_scroll role="table" aria-label="Lines with their coverage">
                    <div
                        class="src-body"
                        style:height=move || format!("{}px", prepared.with(|p| p.as_ref().map(|p| p.detail.line_count).unwrap_or(0)) as f64 * ROW_HEIGHT)
                    >
                        <div class="src-rows" style:transform=move || format!("translateY({}px)", range.get().0 as f64 * ROW_HEIGHT)>
                            <For
                                each=move || {
                                    let (a, b) = range.get();
                                    let g = prepared.with(|p| p.as_ref().map(|p| p.generation).unwrap_or(0));
                                    (a..b).map(move |i| (g, i + 1))
                                }
                                key=|k| *k
                                children=move |(_, n)| {
                                    prepared.with_untracked(|p| p.as_ref().map(|p| line_row(p, n, ui.line)))
                                }
                            />
                        </div>
                    </div>
                </div>
                {line_detail}
                <crate::remap_panel::MappingInspector />
            </section>
        </Show>
    }
    .into_any()
}
