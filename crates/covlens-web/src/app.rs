//! The page: thin Leptos components over the pure functions of [`crate::view`], fed by the worker.
//!
//! Test hooks (`data-testid`) are a stable interface for the browser tests: `file-input`,
//! `summary-{lines,branches,functions}` (with `data-hit` / `data-found`), `shard-row` (with
//! `data-name` / `data-format` / `data-fidelity`, e.g. `lines=counted branches=boolean functions=absent`), `load-error`, `file-row` (with `data-path`), `loading`, `filter`,
//! `sort-{path,lines,branches,functions}`, `diagnostics`, `worker-error`, `shard-remove`, `inputs`
//! (the inputs panel, with `data-loaded` / `data-failed` / `data-shown`: inputs loaded, failed, and
//! loaded ones it lists), `inputs-hidden` and `inputs-show-all` (a drop of more than
//! [`INPUTS_SHOWN`] inputs).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, HtmlInputElement};

use crate::bridge::Bridge;
use crate::protocol::{
    Count, FileRow, LoadError, Progress, Request, Response, ShardRow, Summary, View,
};
use crate::view::{
    bar_width, format_bytes, format_fraction, format_percent, formats_sentence, next_input_limit,
    plural, progress_fraction, progress_text, split_path, sum_rows, visible_rows, Level, Sort,
    SortKey,
};

/// Mounts the page on `<body>`.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("covlens: {info}").into());
    }));
    leptos::mount::mount_to_body(App);
}

fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The whole page: owns the worker and the state shared by the panels.
#[component]
pub fn App() -> impl IntoView {
    let view = RwSignal::new(View::default());
    // The source view's file, fetched from the worker per file (crate::source_view).
    let source_detail = RwSignal::new(None::<crate::source::FileDetail>);
    // The mapping inspector's latest answer (crate::remap_panel).
    let mapping_answer = RwSignal::new(None::<crate::remap_view::MappingView>);
    let progress = RwSignal::new(None::<Progress>);
    // The Paths panel's view: from each view, then its conflicts when they come apart (Response::Paths).
    let paths = RwSignal::new(crate::paths_view::PathsView::default());
    // The merged report's file rows, set just after the rest of each view (see Response::View).
    let files = RwSignal::new(Vec::<FileRow>::new());
    // How much of the page is mounted (see `Mounted`): a part a task, the first time inputs show.
    let mounted = RwSignal::new(Mounted::Nothing);
    // The rows the overview shows: the file rows, set a task after them.
    let overview_rows = RwSignal::new(Vec::<FileRow>::new());
    // The rows of the view being received (Response::Rows), until its last piece.
    let incoming = std::rc::Rc::new(std::cell::RefCell::new(Vec::<FileRow>::new()));
    // Requests sent and not yet answered with a view; the page is busy while this is above zero.
    let pending = RwSignal::new(0u32);
    let failure = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);
    // Sort and filter live in the URL (`?sort=-lines&q=src/net`), so a reload or a shared link keeps them.
    // Selected file, filters, sort, policy, folds, zoom and theme live in the URL hash (crate::hash_state).
    let ui = crate::explore::UiState::from_url();
    ui.sync_to_url();

    // The bridge is single-threaded (Rc); a local stored value makes a Copy handle for the closures,
    // the response handler's among them (it is filled in just below).
    let bridge = StoredValue::new_local(None::<Bridge>);
    let ask_conflicts = Callback::new(move |()| {
        bridge.with_value(|b| {
            if let Some(Err(e)) = b.as_ref().map(|b| b.send(&Request::Conflicts, &[])) {
                failure.set(Some(e));
            }
        })
    });
    // The folder tree of every file, built a task before the rows are set (see Response::Rows).
    let full_tree = crate::explore::FullTree::provide();
    // The last step of a view: the overview (languages, treemap) redraws in a task of its own, then
    // the page is done, and the worker may look for the conflicts it left out.
    let shown = move || {
        if overview_rows.with_untracked(|o| files.with_untracked(|f| o != f)) {
            overview_rows.set(files.get_untracked());
        }
        pending.update(|n| *n = n.saturating_sub(1));
        if pending.get_untracked() == 0 {
            progress.set(None);
        }
        if !paths.with_untracked(|p| p.conflicts_checked) {
            ask_conflicts.run(());
        }
    };
    let spawned = Bridge::spawn(
        move |resp| match resp {
            Response::Ready => {}
            Response::File(d) => source_detail.set(Some(d)),
            Response::Mapping(m) => mapping_answer.set(Some(m)),
            Response::Progress(p) => progress.set(Some(p)),
            // Applied in a task of its own: decoding the message and redrawing for it then never
            // add up to one long main-thread task (a report of thousands of files).
            // The Paths panel follows in a task of its own.
            Response::View(mut v) => {
                let p = std::mem::take(&mut v.paths);
                let empty = v.shards.is_empty() && v.errors.is_empty() && v.source_files == 0;
                set_timeout(
                    move || {
                        view.set(v);
                        if empty {
                            mounted.set(Mounted::Nothing);
                        }
                    },
                    std::time::Duration::ZERO,
                );
                set_timeout(move || paths.set(p), std::time::Duration::ZERO);
                // The page's parts mount a task each the first time (after a clear, again).
                if !empty && mounted.get_untracked() != Mounted::ALL {
                    mount_next(mounted);
                }
            }
            // The file rows (the tree, the treemap) come after the view in pieces, each decoded in a
            // task of its own. After the last, the folder tree is built in a task, the tree and the
            // rows are set in the next, and the overview redraws in a third: building and drawing
            // never add up to one long task.
            Response::Rows { rows, last } => {
                incoming.borrow_mut().extend(rows);
                if last {
                    let rows = std::mem::take(&mut *incoming.borrow_mut());
                    set_timeout(
                        move || {
                            // Unchanged rows (a rename, a policy that moves no count) redraw nothing.
                            if files.with_untracked(|f| *f == rows) {
                                return set_timeout(shown, std::time::Duration::ZERO);
                            }
                            let tree = crate::tree::Tree::build(&rows);
                            set_timeout(
                                move || {
                                    full_tree.set(tree);
                                    files.set(rows);
                                    set_timeout(shown, std::time::Duration::ZERO);
                                },
                                std::time::Duration::ZERO,
                            );
                        },
                        std::time::Duration::ZERO,
                    );
                }
            }
            // After the view it completes (also applied in a task of its own, so in order).
            Response::Paths(p) => set_timeout(move || paths.set(p), std::time::Duration::ZERO),
            // An export (crate::export): saved as a download.
            Response::Export(file) => {
                pending.update(|n| *n = n.saturating_sub(1));
                if pending.get_untracked() == 0 {
                    progress.set(None);
                }
                if let Err(e) = crate::loaders::download(&file) {
                    failure.set(Some(format!("cannot save the export ({e})")));
                }
            }
        },
        move |message| {
            pending.set(0);
            progress.set(None);
            failure.set(Some(message));
        },
    );
    match spawned {
        Ok(b) => bridge.update_value(|slot| *slot = Some(b)),
        Err(e) => failure.set(Some(e)),
    }
    let ask_mapping = Callback::new(move |q: crate::remap_view::MappingQuery| {
        bridge.with_value(|b| {
            if let Some(Err(e)) = b.as_ref().map(|b| b.send(&Request::Mapping(q), &[])) {
                failure.set(Some(e));
            }
        })
    });
    let fetch_file = Callback::new(move |path: String| {
        bridge.with_value(|b| {
            if let Some(Err(e)) = b.as_ref().map(|b| b.send(&Request::File { path }, &[])) {
                failure.set(Some(e));
            }
        })
    });
    let send = move |request: Request, files: Vec<File>| {
        if matches!(request, Request::Load { .. }) && files.is_empty() {
            return;
        }
        let sent = bridge.with_value(|b| {
            let Some(b) = b else {
                return Err("the worker is not running".to_string());
            };
            match request {
                Request::Load { names } if names.is_empty() => b.load(files),
                // Folder, source and URL loads name their files; exports and the rest post none.
                other => b.send(&other, &files),
            }
        });
        match sent {
            Ok(()) => pending.update(|n| *n += 1),
            Err(e) => failure.set(Some(e)),
        }
    };
    let load = move |files: Vec<File>| send(Request::Load { names: Vec::new() }, files);
    // Folders, source folders, `?report=` URLs and exports (crate::loaders).
    let loader = crate::loaders::Loader {
        send: Callback::new(move |(r, f)| send(r, f)),
        progress,
        pending,
    };
    provide_context(loader);
    loader.load_report_urls();

    // Dropping files anywhere on the page loads them; the overlay says so while dragging.
    let _ = window_event_listener(ev::dragover, move |e| {
        e.prevent_default();
        dragging.set(true);
    });
    let _ = window_event_listener(ev::dragleave, move |e| {
        // Leaving the window (not just moving between elements) has no related target.
        if e.related_target().is_none() {
            dragging.set(false);
        }
    });
    let _ = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        dragging.set(false);
        // Files, and folders walked recursively (crate::loaders).
        if let Some(dt) = e.data_transfer() {
            loader.drop_event(&dt);
        }
    });

    let on_pick = move |e: ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        load(files_of(input.files()));
        // Picking the same file again should load it again.
        input.set_value("");
    };
    let remove = Callback::new(move |shard: u32| send(Request::Remove { shard }, Vec::new()));
    let clear = move |_| send(Request::Clear, Vec::new());
    crate::explore::provide(ui, Callback::new(move |r| send(r, Vec::new())));
    // Path rules to the worker, and the joins and conflicts to the tree (crate::paths_panel).
    crate::paths_panel::provide(paths.into());
    crate::remap_panel::provide(
        ui,
        crate::remap_panel::Inspector {
            answer: mapping_answer,
            ask: ask_mapping,
        },
        Callback::new(move |r| send(r, Vec::new())),
    );

    // Memos, not derived signals: each part of the view is copied out once per view, not once per
    // reader (the file rows of a large report have many readers).
    let summary = Signal::derive(move || view.with(|v| v.summary));
    let rows: Signal<Vec<FileRow>> = files.into();
    let shards: Signal<Vec<ShardRow>> = Memo::new(move |_| view.with(|v| v.shards.clone())).into();
    let errors = Signal::derive(move || view.with(|v| v.errors.clone()));
    let merge_diagnostics = Signal::derive(move || view.with(|v| v.merge_diagnostics.clone()));
    let has_inputs =
        move || view.with(|v| !v.shards.is_empty() || !v.errors.is_empty() || v.source_files > 0);
    let has_shards = move || view.with(|v| !v.shards.is_empty());
    let source_files = Signal::derive(move || view.with(|v| v.source_files));
    let busy = move || pending.get() > 0;
    let mounted_at = move |part: Mounted| move || mounted.get() >= part;

    view! {
        <div class="app">
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true"></span>
                    <span class="name">"covlens"</span>
                    <span class="tagline">"coverage report viewer"</span>
                </div>
                <div class="actions">
                    <Show when=has_inputs>
                        <button type="button" class="button" on:click=clear>"Clear"</button>
                    </Show>
                    <Show when=has_shards>
                        <crate::viewer_ui::ExportMenu />
                    </Show>
                    <crate::explore::ThemeToggle />
                    <crate::viewer_ui::ShortcutsHelp />
                    <crate::viewer_ui::FolderControls />
                    <label class="button primary" for="file-input">"Open reports\u{2026}"</label>
                    <input
                        id="file-input"
                        class="visually-hidden"
                        type="file"
                        multiple
                        data-testid="file-input"
                        on:change=on_pick
                    />
                </div>
            </header>
            <main class="content">
                {move || failure.get().map(|m| view! {
                    <div class="banner error" role="alert" data-testid="worker-error">
                        {m} " \u{2014} reload the page to start again."
                    </div>
                })}
                <LoadingBar progress=progress busy=Signal::derive(busy) />
                <Show when=has_inputs fallback=|| view! { <EmptyState /> }>
                    <Show when=mounted_at(Mounted::Summary)>
                        <SummaryCards summary=summary />
                    </Show>
                    <Show when=mounted_at(Mounted::Inputs)>
                        <InputsPanel shards=shards errors=errors merge_diagnostics=merge_diagnostics on_remove=remove />
                    </Show>
                    <Show when=mounted_at(Mounted::Paths)>
                        <crate::viewer_ui::SourceCount count=source_files />
                        <crate::paths_panel::PathsPanel shards=shards />
                    </Show>
                    <Show when=mounted_at(Mounted::Explorer)>
                        <crate::explore::Overview rows=overview_rows shards=shards />
                        <crate::explore::FileTree rows=rows />
                        <crate::source_view::SourceView detail=source_detail fetch=fetch_file rows=rows />
                    </Show>
                </Show>
            </main>
            <div class="drop-overlay" class:visible=move || dragging.get() aria-hidden="true">
                <div class="drop-card">"Drop coverage reports to load them"</div>
            </div>
        </div>
    }
}

/// The parts of the page under the loaded inputs, in the order they mount: the first view mounts one
/// part a task (mounting them all at once made a main-thread task of 40 to 80 ms here). The order of
/// declaration is the order of mounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Mounted {
    Nothing,
    /// The summary cards.
    Summary,
    /// The overview, file tree and source view.
    Explorer,
    /// The inputs list.
    Inputs,
    /// The source count and the Paths panel.
    Paths,
}

impl Mounted {
    const ALL: Mounted = Mounted::Paths;

    /// The part that mounts after this one. The overview, file tree and source view come second,
    /// before the file rows are set, so that drawing the rows never adds their mount to its task.
    fn next(self) -> Option<Mounted> {
        match self {
            Mounted::Nothing => Some(Mounted::Summary),
            Mounted::Summary => Some(Mounted::Explorer),
            Mounted::Explorer => Some(Mounted::Inputs),
            Mounted::Inputs => Some(Mounted::Paths),
            Mounted::Paths => None,
        }
    }
}

/// Mounts the next part in a task of its own, then the one after it in the next task. (Waiting for a
/// frame between parts made the 32-shard bench 10-20% slower: frames come late while the workers
/// keep both cores busy.)
fn mount_next(mounted: RwSignal<Mounted>) {
    set_timeout(
        move || {
            let Some(next) = mounted.get_untracked().next() else {
                return;
            };
            mounted.set(next);
            if next != Mounted::ALL {
                mount_next(mounted);
            }
        },
        std::time::Duration::ZERO,
    );
}

/// What the page says before anything is loaded.
#[component]
pub fn EmptyState() -> impl IntoView {
    view! {
        <section class="empty">
            <label class="dropzone" for="file-input">
                <span class="dropzone-title">"Drop coverage reports anywhere on this page"</span>
                <span class="dropzone-sub">
                    {format!(
                        "or click to pick them. Formats are detected from content: {}. Several files are merged.",
                        formats_sentence(),
                    )}
                </span>
                <span class="dropzone-note">"Files are read in your browser; nothing is uploaded."</span>
            </label>
        </section>
    }
}

/// A progress bar with files and bytes while the worker is busy.
#[component]
pub fn LoadingBar(
    progress: RwSignal<Option<Progress>>,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    view! {
        <Show when=move || busy.get()>
            <div class="loading" data-testid="loading" role="status" aria-live="polite">
                <div class="loading-text">
                    <span class="loading-progress">
                        {move || progress.get().map(|p| progress_text(&p)).unwrap_or_else(|| "Working\u{2026}".to_string())}
                    </span>
                    <span class="loading-file">{move || progress.get().map(|p| p.current).unwrap_or_default()}</span>
                </div>
                <div class="track">
                    <div
                        class="fill"
                        style:width=move || format!("{:.1}%", progress.get().map(|p| progress_fraction(&p)).unwrap_or(0.0) * 100.0)
                    ></div>
                </div>
            </div>
        </Show>
    }
}

/// A percentage as a bar and a number (two cues besides colour), with the fraction in a tooltip.
#[component]
pub fn Meter(count: Count, #[prop(into)] what: String) -> impl IntoView {
    let level = Level::of(count);
    let title = if count.found == 0 {
        format!("no {what}")
    } else {
        format!("{} {what} covered", format_fraction(count))
    };
    view! {
        <span class=format!("meter {}", level.class()) title=title>
            <span class="bar"><span class="bar-fill" style:width=bar_width(count)></span></span>
            <span class="pct">{format_percent(count)}</span>
        </span>
    }
}

/// The three headline numbers of the merged report.
#[component]
pub fn SummaryCards(#[prop(into)] summary: Signal<Summary>) -> impl IntoView {
    let card = move |id: &'static str,
                     label: &'static str,
                     what: &'static str,
                     get: fn(&Summary) -> Count| {
        let count = move || get(&summary.get());
        view! {
            <div
                class=move || format!("card {}", Level::of(count()).class())
                data-testid=format!("summary-{id}")
                data-hit=move || count().hit.to_string()
                data-found=move || count().found.to_string()
            >
                <div class="card-label">{label}</div>
                <div class="card-pct">{move || format_percent(count())}</div>
                <div class="bar big"><div class="bar-fill" style:width=move || bar_width(count())></div></div>
                <div class="card-frac">{move || format!("{} {what}", format_fraction(count()))}</div>
            </div>
        }
    };
    view! {
        <section class="cards" aria-label="Summary of the merged report">
            {card("lines", "Lines", "lines", |s| s.lines)}
            {card("branches", "Branches", "branches", |s| s.branches)}
            {card("functions", "Functions", "functions", |s| s.functions)}
        </section>
    }
}

/// The loaded inputs (with diagnostics) and the ones that failed (with their error).
#[component]
pub fn InputsPanel(
    #[prop(into)] shards: Signal<Vec<ShardRow>>,
    #[prop(into)] errors: Signal<Vec<LoadError>>,
    #[prop(into)] merge_diagnostics: Signal<Vec<String>>,
    on_remove: Callback<u32>,
) -> impl IntoView {
    let title = move || {
        let (ok, bad) = (shards.with(Vec::len) as u64, errors.with(Vec::len) as u64);
        let mut t = plural(ok, "input", "inputs") + " merged";
        if bad > 0 {
            t += &format!(", {} failed", group(bad));
        }
        t
    };
    // Many inputs are drawn a step at a time, a task each, and only the first INPUTS_SHOWN until asked.
    let cap = RwSignal::new(INPUTS_SHOWN);
    // After a clear, a new drop shows its first inputs only again.
    Effect::new(move |_| {
        if shards.with(Vec::is_empty) && cap.get_untracked() != INPUTS_SHOWN {
            cap.set(INPUTS_SHOWN);
        }
    });
    let limit = stepped_limit(Signal::derive(move || shards.with(Vec::len)), cap.into());
    let shown = move || {
        let n = limit.get();
        shards.with(|s| s.iter().take(n).cloned().collect::<Vec<_>>())
    };
    let hidden = move || shards.with(Vec::len).saturating_sub(cap.get());
    view! {
        <section
            class="panel inputs"
            data-testid="inputs"
            data-loaded=move || shards.with(Vec::len).to_string()
            data-failed=move || errors.with(Vec::len).to_string()
            data-shown=move || shards.with(Vec::len).min(cap.get()).to_string()
        >
            <div class="toolbar inputs-head">
                <h2 class="panel-title">{title}</h2>
                {move || (hidden() > 0).then(|| view! {
                    <span class="count" data-testid="inputs-hidden">
                        {format!("the first {} are listed; the merge counts all", group(INPUTS_SHOWN as u64))}
                    </span>
                    <button type="button" class="button" data-testid="inputs-show-all" on:click=move |_| cap.set(usize::MAX)>
                        {format!("List all {}", group(shards.with(Vec::len) as u64))}
                    </button>
                })}
            </div>
            <ul class="input-list">
                <For
                    each=shown
                    key=|s| s.clone()
                    children=move |s: ShardRow| view! { <ShardItem shard=s on_remove=on_remove /> }
                />
                <For
                    each=move || numbered(errors.get())
                    key=|e| e.clone()
                    children=move |(_, e): (usize, LoadError)| view! {
                        <li class="input failed">
                            <span class="status" aria-hidden="true">"\u{2715}"</span>
                            <span class="input-name">{e.name.clone()}</span>
                            <span class="input-meta">{format_bytes(e.bytes)}</span>
                            <span class="input-error" data-testid="load-error">{e.message.clone()}</span>
                        </li>
                    }
                />
            </ul>
            <crate::remap_panel::LibrarySwitch shards=shards />
            {move || {
                let d = merge_diagnostics.get();
                (!d.is_empty()).then(|| view! {
                    <details class="diagnostics merge">
                        <summary>{plural(d.len() as u64, "merge diagnostic", "merge diagnostics")}</summary>
                        <ul>{d.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    </details>
                })
            }}
        </section>
    }
}

/// How many inputs the first task of a view draws, and each next one adds: a row costs about 1.5 ms
/// to draw, so 32 CI shards drawn at once made a long main-thread task.
const INPUTS_STEP: usize = 6;

/// How many inputs the inputs list draws until the user asks for all, and the per-input breakdown
/// always: a drop of 1,000 reports drawn whole kept the page's thread busy for seconds after its
/// summary.
pub const INPUTS_SHOWN: usize = 100;

/// How many of `count` items to draw now: [`INPUTS_STEP`] at first, one step more per task until
/// `count` (or `cap`) are drawn (see [`next_input_limit`]).
pub fn stepped_limit(count: Signal<usize>, cap: Signal<usize>) -> Signal<usize> {
    let limit = RwSignal::new(INPUTS_STEP);
    // One step at a time: a count that changes while a step waits does not start another chain.
    let waiting = StoredValue::new(false);
    Effect::new(move |_| {
        let (count, now) = (count.get().min(cap.get()), limit.get());
        if let Some(next) = next_input_limit(count, now, INPUTS_STEP) {
            if count == 0 {
                limit.set(next);
            } else if !waiting.get_value() {
                waiting.set_value(true);
                set_timeout(
                    move || {
                        waiting.set_value(false);
                        limit.set(next);
                    },
                    std::time::Duration::ZERO,
                );
            }
        }
    });
    Signal::derive(move || limit.get().min(cap.get()))
}

fn numbered<T>(v: Vec<T>) -> Vec<(usize, T)> {
    v.into_iter().enumerate().collect()
}

fn group(n: u64) -> String {
    crate::view::group_digits(n)
}

/// One loaded input.
#[component]
pub fn ShardItem(shard: ShardRow, on_remove: Callback<u32>) -> impl IntoView {
    let id = shard.id;
    let n = shard.diagnostic_count;
    let diagnostics = (n > 0).then(|| {
        let more = n.saturating_sub(shard.diagnostics.len() as u64);
        view! {
            <details class="diagnostics" data-testid="diagnostics" data-count=n.to_string()>
                <summary>{plural(n, "diagnostic", "diagnostics")}</summary>
                <ul>
                    {shard.diagnostics.iter().map(|m| view! { <li>{m.clone()}</li> }).collect_view()}
                    {(more > 0).then(|| view! { <li class="more">{format!("\u{2026} and {} more", group(more))}</li> })}
                </ul>
            </details>
        }
    });
    let (fidelity_text, fidelity_attr) = (shard.fidelity.clone(), shard.fidelity_attr.clone());
    view! {
        <li class="input loaded" class:off=!shard.enabled data-testid="shard-row" data-name=shard.name.clone() data-format=shard.format.clone() data-fidelity=fidelity_attr>
            <span class="status" aria-hidden="true">"\u{2713}"</span>
            <span class="input-name">{shard.name.clone()}</span>
            <span class="badge" title=fidelity_text>{shard.format_name.clone()}</span>
            <span class="input-meta">
                {format!("{} \u{b7} {}", plural(shard.files, "file", "files"), format_bytes(shard.bytes))}
            </span>
            <span class="input-measure">"lines"</span>
            <Meter count=shard.totals.lines what="lines" />
            <crate::explore::ShardControls shard=shard.clone() />
            <button
                type="button"
                class="icon-button"
                data-testid="shard-remove"
                title=format!("Remove {}", shard.name)
                aria-label=format!("Remove {}", shard.name)
                on:click=move |_| on_remove.run(id)
            >"\u{2715}"</button>
            {diagnostics}
            {crate::remap_panel::remap_note(&shard)}
        </li>
    }
}

/// The merged report's files: filterable by text, sortable by path and each percentage.
#[component]
pub fn FileTable(
    #[prop(into)] rows: Signal<Vec<FileRow>>,
    sort: RwSignal<Sort>,
    filter: RwSignal<String>,
) -> impl IntoView {
    let visible = Memo::new(move |_| rows.with(|r| visible_rows(r, &filter.get(), sort.get())));
    let shown = Signal::derive(move || visible.with(|v| sum_rows(v)));
    let header = move |key: SortKey| {
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
                <button
                    type="button"
                    class="sort"
                    data-testid=format!("sort-{}", key.id())
                    on:click=move |_| sort.update(|s| *s = s.clicked(key))
                >
                    {key.label()}
                    <span class="arrow" aria-hidden="true">
                        {move || match aria() { "ascending" => "\u{25b2}", "descending" => "\u{25bc}", _ => "" }}
                    </span>
                </button>
            </th>
        }
    };
    view! {
        <section class="panel files">
            <div class="toolbar">
                <h2 class="panel-title">"Files"</h2>
                <input
                    class="filter"
                    type="search"
                    placeholder="Filter paths\u{2026}"
                    aria-label="Filter files by path"
                    data-testid="filter"
                    prop:value=move || filter.get()
                    on:input=move |e| filter.set(event_target_value(&e))
                />
                <span class="count" data-testid="file-count">
                    {move || {
                        let (n, total) = (visible.with(Vec::len) as u64, rows.with(Vec::len) as u64);
                        if n == total { plural(total, "file", "files") } else { format!("{} of {}", group(n), plural(total, "file", "files")) }
                    }}
                </span>
            </div>
            <table class="file-table">
                <thead>
                    <tr>{SortKey::ALL.into_iter().map(header).collect_view()}</tr>
                </thead>
                <tbody>
                    <For
                        each=move || visible.get()
                        key=|r| r.clone()
                        children=move |r: FileRow| {
                            let (dir, name) = split_path(&r.path);
                            let (dir, name) = (dir.to_string(), name.to_string());
                            view! {
                                <tr data-testid="file-row" data-path=r.path.clone()>
                                    <td class="path" title=r.path.clone()>
                                        <span class="dir">{dir}</span>
                                        <span class="file">{name}</span>
                                    </td>
                                    <td><Meter count=r.totals.lines what="lines" /></td>
                                    <td><Meter count=r.totals.branches what="branches" /></td>
                                    <td><Meter count=r.totals.functions what="functions" /></td>
                                </tr>
                            }
                        }
                    />
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row" class="path">
                            {move || if filter.with(|f| f.trim().is_empty()) { "Total" } else { "Total shown" }}
                        </th>
                        {move || {
                            let s = shown.get();
                            view! {
                                <td><Meter count=s.lines what="lines" /></td>
                                <td><Meter count=s.branches what="branches" /></td>
                                <td><Meter count=s.functions what="functions" /></td>
                            }
                        }}
                    </tr>
                </tfoot>
            </table>
            <Show when=move || visible.with(Vec::is_empty) && !rows.with(Vec::is_empty)>
                <p class="none">"No file matches the filter."</p>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::Mounted;

    #[test]
    fn the_page_parts_mount_one_at_a_time_in_their_order_up_to_the_last() {
        // `mounted_at` compares parts by declaration order: it must be the order `next` mounts them in.
        let mut order = vec![Mounted::Nothing];
        while let Some(next) = order.last().and_then(|m| m.next()) {
            assert!(next > *order.last().unwrap());
            order.push(next);
        }
        assert_eq!(
            order,
            [
                Mounted::Nothing,
                Mounted::Summary,
                Mounted::Explorer,
                Mounted::Inputs,
                Mounted::Paths
            ]
        );
        assert_eq!(*order.last().unwrap(), Mounted::ALL);
    }
}
