//! Thin components of the viewer's tools: the folder and source-folder pickers, the export menu, the
//! source file count and the keyboard shortcuts dialog. Logic lives in [`crate::loading`],
//! [`crate::loaders`], [`crate::export`] and [`crate::shortcuts`].
//!
//! Test hooks: `folder-input` (the `webkitdirectory` input), `source-folder` (the File System Access
//! button, absent where the browser has no `showDirectoryPicker`), `export-{lcov,cobertura,json}`,
//! `source-count` (with `data-count`), `help-button`, `shortcuts-help` (the dialog, with `data-count`:
//! shortcuts listed), `help-close`.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::export::ExportFormat;
use crate::loaders::{has_directory_picker, Loader};
use crate::protocol::Request;
use crate::shortcuts::{key_label, opens_help, GROUPS};

fn is_typing(e: &ev::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.has_attribute("contenteditable")
        })
        .unwrap_or(false)
}

/// "Open folder…" (a `webkitdirectory` input) and, where the browser has it, "Open source folder…".
#[component]
pub fn FolderControls() -> impl IntoView {
    let Some(loader) = use_context::<Loader>() else {
        return ().into_any();
    };
    let on_pick = move |e: ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        loader.picked_folder(input.files());
        input.set_value("");
    };
    let picker = has_directory_picker();
    view! {
        <label class="button" for="folder-input" title="Load every report in a folder and its subfolders; other text files become sources">"Open folder\u{2026}"</label>
        <input
            id="folder-input"
            class="visually-hidden"
            type="file"
            prop:webkitdirectory=true
            multiple
            data-testid="folder-input"
            on:change=on_pick
        />
        {picker.then(|| view! {
            <button
                type="button"
                class="button"
                data-testid="source-folder"
                title="Pick the folder of your sources: the source view shows their text (read in your browser, never uploaded)"
                on:click=move |_| loader.open_source_folder()
            >"Open source folder\u{2026}"</button>
        })}
    }
    .into_any()
}

/// Export of the merged report as LCOV, Cobertura or a JSON summary (a download).
#[component]
pub fn ExportMenu() -> impl IntoView {
    let Some(loader) = use_context::<Loader>() else {
        return ().into_any();
    };
    let open = RwSignal::new(false);
    let export = move |format: ExportFormat| {
        open.set(false);
        // Seconds since 1970 by the page's clock (the worker reads none).
        let timestamp = (js_sys::Date::now() / 1000.0).floor() as u64;
        loader
            .send
            .run((Request::Export { format, timestamp }, Vec::new()));
    };
    view! {
        <div class="export-menu" on:focusout=move |e: ev::FocusEvent| {
            // Closes when focus leaves the menu.
            let inside = e.related_target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .zip(e.current_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()))
                .is_some_and(|(to, menu)| menu.contains(Some(&to)));
            if !inside { open.set(false) }
        }>
            <button
                type="button"
                class="button"
                data-testid="export-button"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                title="Download the merged report"
                on:click=move |_| open.update(|o| *o = !*o)
            >"Export \u{25be}"</button>
            <Show when=move || open.get()>
                <div class="export-list" role="menu" aria-label="Export the merged report as">
                    {ExportFormat::ALL.into_iter().map(|f| view! {
                        <button
                            type="button"
                            role="menuitem"
                            class="export-item"
                            data-testid=format!("export-{}", f.id())
                            aria-label=format!("Download the merged report as {}", f.label())
                            on:click=move |_| export(f)
                        >{f.label()}</button>
                    }).collect_view()}
                </div>
            </Show>
        </div>
    }
    .into_any()
}

/// How many dropped files are kept as source text (shown when some are).
#[component]
pub fn SourceCount(#[prop(into)] count: Signal<u64>) -> impl IntoView {
    view! {
        <Show when=move || { count.get() > 0 }>
            <p class="source-count" data-testid="source-count" data-count=move || count.get().to_string()>
                {move || crate::view::plural(count.get(), "source file", "source files")}
                " kept for the source view"
            </p>
        </Show>
    }
}

/// The `?` button and the keyboard shortcuts dialog (opened by `?` anywhere, closed by Escape, the
/// close button or a click outside; focus returns where it was).
#[component]
pub fn ShortcutsHelp() -> impl IntoView {
    let open = RwSignal::new(false);
    let close_button = NodeRef::<html::Button>::new();
    let before = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let show = move || {
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        before.set_value(active);
        open.set(true);
        request_animation_frame(move || {
            if let Some(b) = close_button.get_untracked() {
                let _ = b.focus();
            }
        });
    };
    let hide = move || {
        open.set(false);
        if let Some(el) = before.get_value() {
            let _ = el.focus();
        }
    };
    let _ = window_event_listener(ev::keydown, move |e| {
        let modifier = e.ctrl_key() || e.meta_key() || e.alt_key();
        if !open.get_untracked() && opens_help(&e.key(), is_typing(&e), modifier) {
            e.prevent_default();
            show();
        }
    });
    let count: usize = GROUPS.iter().map(|g| g.items.len()).sum();
    view! {
        <button
            type="button"
            class="icon-button help-button"
            data-testid="help-button"
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
            on:click=move |_| show()
        >"?"</button>
        <Show when=move || open.get()>
            <div class="help-backdrop" on:click=move |_| hide()>
                <div
                    class="help-dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="help-title"
                    data-testid="shortcuts-help"
                    data-count=count.to_string()
                    on:click=|e| e.stop_propagation()
                    on:keydown=move |e: ev::KeyboardEvent| {
                        // Handled here, before the window's listeners (the source view's Escape).
                        if e.key() == "Escape" {
                            e.prevent_default();
                            e.stop_propagation();
                            hide();
                        }
                    }
                >
                    <div class="help-head">
                        <h2 id="help-title">"Keyboard shortcuts"</h2>
                        <button
                            type="button"
                            class="icon-button"
                            data-testid="help-close"
                            aria-label="Close the keyboard shortcuts"
                            node_ref=close_button
                            on:click=move |_| hide()
                        >"\u{2715}"</button>
                    </div>
                    {GROUPS.iter().map(|g| view! {
                        <section class="help-group">
                            <h3>{g.title}</h3>
                            <dl>
                                {g.items.iter().map(|s| view! {
                                    <div class="help-row" data-testid="shortcut">
                                        <dt>{s.keys.iter().enumerate().map(|(i, k)| view! {
                                            {(i > 0).then_some(" or ")}
                                            <kbd>{key_label(k).to_string()}</kbd>
                                        }).collect_view()}</dt>
                                        <dd>{s.action}</dd>
                                    </div>
                                }).collect_view()}
                            </dl>
                        </section>
                    }).collect_view()}
                </div>
            </div>
        </Show>
    }
}
