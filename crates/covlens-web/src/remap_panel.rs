//! Source maps on the page, the thin components over [`crate::remap_view`]: a shard row's remap note,
//! the "include library sources" switch (kept in the URL hash as `libs=1`), and the mapping inspector
//! under the source view.
//!
//! Test hooks: `shard-remap` (with `data-generated`, `data-originals`, `data-unmapped`,
//! `data-excluded`), `include-libraries` (a checkbox with the switch role), `mapping-inspector` (with
//! `data-path`, `data-first`, `data-last`, `data-direction`: `to-generated` / `to-original`),
//! `mapping-counterpart` (with `data-path`, `data-spans`), `mapping-line` (with `data-line`,
//! `data-marked`), `mapping-mark`, `mapping-prev`, `mapping-next`, `mapping-reverse` (with
//! `data-line`), `mapping-back`.
//! Keys: the source view's `n` / `p` (and a click on a line) set the line inspected; the panel's buttons
//! are in the tab order.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::explore::UiState;
use crate::protocol::{Request, ShardRow};
use crate::remap_view::{Direction, MappingQuery, MappingView};

/// The inspector's handles: the worker's latest answer, and how to ask.
#[derive(Clone, Copy)]
pub struct Inspector {
    pub answer: RwSignal<Option<MappingView>>,
    pub ask: Callback<MappingQuery>,
}

/// Provides the inspector to the source view, and tells the worker the library switch's state
/// whenever it changes (at start only when it is on: off is the worker's default).
pub fn provide(ui: UiState, inspector: Inspector, send: Callback<Request>) {
    provide_context(inspector);
    Effect::new(move |prev: Option<bool>| {
        let include = ui.include_libraries.get();
        if prev.is_some() || include {
            send.run(Request::SetIncludeLibraries { include });
        }
        include
    });
}

/// A shard row's note on its remapping, when it was remapped.
pub fn remap_note(shard: &ShardRow) -> Option<impl IntoView> {
    let info = shard.remap.clone()?;
    let excluded = (!info.excluded.is_empty()).then(|| {
        let list = info.excluded.clone();
        view! {
            <details class="remap-excluded">
                <summary>"library sources left out"</summary>
                <ul>{list.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            </details>
        }
    });
    Some(view! {
        <div
            class="remap-note"
            data-testid="shard-remap"
            data-generated=info.generated.to_string()
            data-originals=info.originals.to_string()
            data-unmapped=info.unmapped.to_string()
            data-excluded=info.excluded.len().to_string()
        >
            <span class="remap-text">{info.note()}</span>
            {excluded}
        </div>
    })
}

/// The page's switch for library sources; shown once an input was remapped (or while it is on).
#[component]
pub fn LibrarySwitch(#[prop(into)] shards: Signal<Vec<ShardRow>>) -> impl IntoView {
    let Some(ui) = use_context::<UiState>() else {
        return ().into_any();
    };
    let shown =
        move || ui.include_libraries.get() || shards.with(|s| s.iter().any(|s| s.remap.is_some()));
    view! {
        <Show when=shown>
            <label class="remap-switch">
                <input
                    type="checkbox"
                    role="switch"
                    data-testid="include-libraries"
                    prop:checked=move || ui.include_libraries.get()
                    on:change=move |e| ui.include_libraries.set(event_target_checked(&e))
                />
                " Include library sources (node_modules and sources a source map marks as ignored)"
            </label>
        </Show>
    }
    .into_any()
}

/// The source view's line (`data-line`) of a DOM node, if it lies in one.
fn line_of(node: &wasm_bindgen::JsValue) -> Option<u32> {
    let node: web_sys::Node = node.clone().dyn_into().ok()?;
    let el = match node.clone().dyn_into::<web_sys::Element>() {
        Ok(e) => e,
        Err(_) => node.parent_element()?,
    };
    let row = el.closest("[data-testid=source-line]").ok()??;
    row.get_attribute("data-line")?.parse().ok()
}

/// The lines a non-empty text selection spans in the source view, first to last.
fn selected_lines() -> Option<(u32, u32)> {
    use js_sys::{Function, Reflect};
    let window = web_sys::window()?;
    let get: Function = Reflect::get(&window, &"getSelection".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let sel = get.call0(&window).ok()?;
    if Reflect::get(&sel, &"isCollapsed".into()).ok()?.as_bool() != Some(false) {
        return None;
    }
    let a = line_of(&Reflect::get(&sel, &"anchorNode".into()).ok()?)?;
    let b = line_of(&Reflect::get(&sel, &"focusNode".into()).ok()?)?;
    Some((a.min(b), a.max(b)))
}

/// The mapping inspector: for the open file's selected line (or selected lines), the code on the other
/// side of its source map, marked; hidden when no map knows the file.
#[component]
pub fn MappingInspector() -> impl IntoView {
    let (Some(ui), Some(inspector)) = (use_context::<UiState>(), use_context::<Inspector>()) else {
        return ().into_any();
    };
    // A text selection's lines; cleared by a click on a line.
    let range = RwSignal::new(None::<(u32, u32)>);
    // A reverse lookup from the panel (generated → original), shown instead until Back.
    let reverse = RwSignal::new(None::<MappingQuery>);
    let query = Memo::new(move |_| {
        if let Some(q) = reverse.get() {
            return Some(q);
        }
        let path = ui.file.get()?;
        let (first, last) = match range.get() {
            Some(r) => r,
            None => {
                let n = ui.line.get()?;
                (n, n)
            }
        };
        Some(MappingQuery { path, first, last })
    });
    Effect::new(move |_| {
        if let Some(q) = query.get() {
            inspector.ask.run(q);
        }
    });
    // A click on a line (ui.line changes) drops the selection's range and any reverse lookup.
    Effect::new(move |prev: Option<Option<u32>>| {
        let line = ui.line.get();
        if prev.is_some() {
            range.set(None);
            reverse.set(None);
        }
        line
    });
    Effect::new(move |_| {
        ui.file.track();
        reverse.set(None);
        range.set(None);
    });
    let _ = window_event_listener(ev::mouseup, move |_| {
        if ui.file.get_untracked().is_none() {
            return;
        }
        if let Some(r) = selected_lines() {
            if r.0 != r.1 || range.get_untracked().is_some() {
                reverse.set(None);
                range.set(Some(r));
            }
        }
    });
    let answer = Memo::new(move |_| {
        let q = query.get()?;
        inspector.answer.with(|a| {
            a.as_ref()
                .filter(|a| a.query == q && a.direction.is_some())
                .cloned()
        })
    });
    let step = move |delta: i64| {
        let (first, last) = query
            .get_untracked()
            .map(|q| (q.first, q.last))
            .unwrap_or((1, 1));
        let from = if delta < 0 { first } else { last };
        let n = (i64::from(from) + delta).max(1) as u32;
        reverse.set(None);
        range.set(None);
        ui.line.set(Some(n));
    };
    (move || {
        answer.get().map(|a| {
            let direction = a.direction.unwrap_or(Direction::ToGenerated);
            let empty = a.empty_text();
            let reversed = reverse.with(Option::is_some);
            let parts = a.counterparts.iter().filter(|c| !c.spans.is_empty()).map(|c| {
                let lines = c.excerpt.iter().map(|l| {
                    let n = l.line;
                    let marked = l.marked();
                    let pieces = l.parts.iter().map(|p| {
                        if p.mark {
                            view! { <mark data-testid="mapping-mark">{p.text.clone()}</mark> }.into_any()
                        } else {
                            p.text.clone().into_any()
                        }
                    }).collect_view();
                    let generated = c.path.clone();
                    let back = (marked && direction == Direction::ToGenerated).then(|| view! {
                        <button
                            type="button"
                            class="mi-reverse"
                            data-testid="mapping-reverse"
                            data-line=n.to_string()
                            aria-label=format!("Show the original of generated line {n}")
                            title=format!("Show the original of generated line {n}")
                            on:click=move |_| reverse.set(Some(MappingQuery { path: generated.clone(), first: n, last: n }))
                        >"\u{21a9}"</button>
                    });
                    view! {
                        <div class="mi-line" class:marked=marked data-testid="mapping-line" data-line=n.to_string() data-marked=marked.to_string()>
                            <span class="mi-no">{n.to_string()}</span>
                            <code class="mi-code">
                                {l.cut_before.then_some("\u{2026}")}
                                {pieces}
                                {l.cut_after.then_some("\u{2026}")}
                            </code>
                            {back}
                        </div>
                    }
                }).collect_view();
                view! {
                    <div class="mi-part" data-testid="mapping-counterpart" data-path=c.path.clone() data-spans=c.spans.len().to_string()>
                        <div class="mi-path" title=c.path.clone()>{c.path.clone()}<span class="mi-via">{format!(" \u{b7} through {} ({})", c.map, c.shard)}</span></div>
                        <div class="mi-excerpt" role="group" aria-label=format!("Code of {}", c.path)>{lines}</div>
                        {c.note.clone().map(|n| view! { <p class="mi-note">{n}</p> })}
                    </div>
                }
            }).collect_view();
            view! {
                <section
                    class="mapping-inspector"
                    data-testid="mapping-inspector"
                    data-path=a.query.path.clone()
                    data-first=a.query.first.to_string()
                    data-last=a.query.last.to_string()
                    data-direction=direction.id()
                    aria-label="Mapping inspector"
                    aria-live="polite"
                >
                    <div class="mi-head">
                        <h3 class="mi-title">{a.title()}</h3>
                        {(!reversed).then(|| view! {
                            <button type="button" class="button" data-testid="mapping-prev" aria-label="Inspect the previous line" on:click=move |_| step(-1)>"\u{2191} Previous line"</button>
                            <button type="button" class="button" data-testid="mapping-next" aria-label="Inspect the next line" on:click=move |_| step(1)>"\u{2193} Next line"</button>
                        })}
                        {reversed.then(|| view! {
                            <button type="button" class="button" data-testid="mapping-back" aria-label="Back to the generated code" on:click=move |_| reverse.set(None)>"\u{2190} Back"</button>
                        })}
                    </div>
                    {empty.map(|t| view! { <p class="mi-empty">{t}</p> })}
                    {parts}
                </section>
            }
        })
    })
    .into_any()
}
