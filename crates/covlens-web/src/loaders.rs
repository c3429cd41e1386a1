//! The page's loaders beyond single files, as browser glue over [`crate::loading`]: folders dropped
//! anywhere on the page (`DataTransferItem.webkitGetAsEntry`, walked recursively) or picked
//! (`<input webkitdirectory>`), a source folder opened with the File System Access API
//! (`showDirectoryPicker`, where the browser has it), `?report=` URLs fetched from the page's origin
//! with progress, and the download of an export. Everything read is posted to the worker as `File`
//! handles; nothing leaves the browser.
//!
//! The entry and handle objects are reached through `Reflect` (by their standard property names), so
//! the walk needs no unstable web-sys bindings and works the same on a synthetic drop in the tests.

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File};

use crate::bridge::js_error_text;
use crate::loading::{
    check_report_origin, fetch_network_error, fetch_status_error, folder_of, relative_name,
    report_name, report_params, skip_dir, skip_source_dir, Admit, SourceBudget,
};
use crate::protocol::{Progress, Request};

/// What the loaders need of the page: a way to post requests with files (counted as pending, see
/// [`crate::app::App`]), and the progress bar's signal (for downloads, which happen on the page).
#[derive(Clone, Copy)]
pub struct Loader {
    pub send: Callback<(Request, Vec<File>)>,
    pub progress: RwSignal<Option<Progress>>,
    /// Work in flight; the page shows the loading bar while above zero.
    pub pending: RwSignal<u32>,
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn call0(obj: &JsValue, method: &str) -> Result<JsValue, JsValue> {
    get(obj, method)
        .dyn_into::<Function>()
        .map_err(|_| JsValue::from_str(&format!("no {method}()")))?
        .call0(obj)
}

/// Calls `obj.method(onSuccess, onError)` and waits for either.
async fn callback_call(obj: &JsValue, method: &str) -> Result<JsValue, JsValue> {
    let f = get(obj, method)
        .dyn_into::<Function>()
        .map_err(|_| JsValue::from_str(&format!("no {method}()")))?;
    let obj = obj.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(e) = f.call2(&obj, &resolve, &reject) {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        }
    });
    JsFuture::from(promise).await
}

/// A dropped folder: its name and its files, each named by its path (`artifacts/job3/lcov.info`).
pub struct DroppedFolder {
    pub name: String,
    pub files: Vec<(String, File)>,
}

/// The files of a drop: loose files, and folders walked recursively.
#[derive(Default)]
pub struct Dropped {
    pub files: Vec<File>,
    pub folders: Vec<DroppedFolder>,
}

/// Every file under a `FileSystemDirectoryEntry` (folders of [`skip_dir`] left out), named by its
/// `fullPath` made relative; `readEntries` gives a batch per call until it gives none.
async fn walk_entry(root: JsValue) -> Result<Vec<(String, File)>, JsValue> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let reader = call0(&dir, "createReader")?;
        let mut batch_entries = Vec::new();
        loop {
            let batch: Array = callback_call(&reader, "readEntries")
                .await?
                .unchecked_into();
            if batch.length() == 0 {
                break;
            }
            batch_entries.extend(batch.iter());
        }
        // Sorted by name, so the load order does not depend on the file system's.
        batch_entries.sort_by_key(|e| get(e, "name").as_string().unwrap_or_default());
        let mut subdirs = Vec::new();
        for entry in batch_entries {
            let name = get(&entry, "name").as_string().unwrap_or_default();
            if get(&entry, "isDirectory").as_bool() == Some(true) {
                if !skip_dir(&name) {
                    subdirs.push(entry);
                }
            } else if get(&entry, "isFile").as_bool() == Some(true) {
                let file: File = callback_call(&entry, "file").await?.unchecked_into();
                let path = get(&entry, "fullPath").as_string().unwrap_or(name);
                out.push((relative_name(&path), file));
            }
        }
        // Depth first, in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(out)
}

/// The entries of a drop, taken while the event is being dispatched (a `DataTransfer`'s items are
/// empty afterwards): folders as entries, the rest as files.
pub fn take_drop(dt: &DataTransfer) -> (Vec<File>, Vec<JsValue>) {
    let items = get(dt.as_ref(), "items");
    let n = get(&items, "length").as_f64().unwrap_or(0.0) as u32;
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for i in 0..n {
        let item = Reflect::get_u32(&items, i).unwrap_or(JsValue::UNDEFINED);
        if get(&item, "kind").as_string().as_deref() != Some("file") {
            continue;
        }
        let entry = call0(&item, "webkitGetAsEntry").unwrap_or(JsValue::NULL);
        if !entry.is_null() && get(&entry, "isDirectory").as_bool() == Some(true) {
            folders.push(entry);
        } else if let Ok(f) = call0(&item, "getAsFile") {
            if let Ok(f) = f.dyn_into::<File>() {
                files.push(f);
            }
        }
    }
    if n == 0 {
        if let Some(list) = dt.files() {
            files.extend((0..list.length()).filter_map(|i| list.get(i)));
        }
    }
    (files, folders)
}

impl Loader {
    fn fail(&self, name: &str, message: String) {
        self.send.run((
            Request::LoadFailed {
                name: name.to_string(),
                message,
            },
            Vec::new(),
        ));
    }

    /// Posts a folder's files as one folder load.
    pub fn load_folder(&self, folder: String, files: Vec<(String, File)>) {
        let (names, files): (Vec<String>, Vec<File>) = files.into_iter().unzip();
        if files.is_empty() {
            self.fail(
                &folder,
                "no coverage reports in the folder (it is empty)".to_string(),
            );
            return;
        }
        self.send
            .run((Request::LoadFolder { folder, names }, files));
    }

    /// Loads a drop: loose files as before, each dropped folder walked and loaded as a folder.
    pub fn drop_event(&self, dt: &DataTransfer) {
        let (files, folders) = take_drop(dt);
        if !files.is_empty() {
            self.send.run((Request::Load { names: Vec::new() }, files));
        }
        for entry in folders {
            let this = *self;
            let name = relative_name(&get(&entry, "fullPath").as_string().unwrap_or_default());
            this.pending.update(|n| *n += 1);
            leptos::task::spawn_local(async move {
                let walked = walk_entry(entry).await;
                this.pending.update(|n| *n = n.saturating_sub(1));
                match walked {
                    Ok(files) => this.load_folder(name, files),
                    Err(e) => this.fail(
                        &name,
                        format!("cannot read the folder ({})", js_error_text(&e)),
                    ),
                }
            });
        }
    }

    /// Loads the files of an `<input webkitdirectory>`: grouped by their top folder.
    pub fn picked_folder(&self, list: Option<web_sys::FileList>) {
        let Some(list) = list else { return };
        let files: Vec<(String, File)> = (0..list.length())
            .filter_map(|i| list.get(i))
            .map(|f| {
                let rel = get(f.as_ref(), "webkitRelativePath")
                    .as_string()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| f.name());
                (relative_name(&rel), f)
            })
            .filter(|(name, _)| !name.split('/').any(skip_dir))
            .collect();
        if files.is_empty() {
            return;
        }
        let folder = folder_of(files.iter().map(|(n, _)| n.as_str()));
        self.load_folder(folder, files);
    }

    /// Opens a source folder with `showDirectoryPicker` and posts its text files (within the limits of
    /// [`crate::loading`]) as sources. A cancelled picker does nothing.
    pub fn open_source_folder(&self) {
        let this = *self;
        leptos::task::spawn_local(async move {
            let Some(window) = web_sys::window() else {
                return;
            };
            let picked = match call0(window.as_ref(), "showDirectoryPicker") {
                Ok(p) => JsFuture::from(Promise::from(p)).await,
                Err(e) => Err(e),
            };
            let root = match picked {
                Ok(h) => h,
                // AbortError: the user closed the picker.
                Err(e) if get(&e, "name").as_string().as_deref() == Some("AbortError") => return,
                Err(e) => {
                    return this.fail(
                        "source folder",
                        format!("cannot open the folder ({})", js_error_text(&e)),
                    )
                }
            };
            let name = get(&root, "name").as_string().unwrap_or_default();
            this.pending.update(|n| *n += 1);
            let walked = walk_handle(root, &name).await;
            this.pending.update(|n| *n = n.saturating_sub(1));
            match walked {
                Ok((files, _budget)) if !files.is_empty() => {
                    let (names, files): (Vec<String>, Vec<File>) = files.into_iter().unzip();
                    this.send.run((Request::LoadSources { names }, files));
                }
                Ok(_) => {}
                Err(e) => this.fail(
                    &name,
                    format!("cannot read the folder ({})", js_error_text(&e)),
                ),
            }
        });
    }

    /// Fetches every `?report=` URL of the page, one after the other, and loads each as a dropped
    /// file; a URL of another origin is refused, a failed fetch is a failed input naming URL and status.
    pub fn load_report_urls(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let loc = window.location();
        let urls = report_params(&loc.search().unwrap_or_default());
        if urls.is_empty() {
            return;
        }
        let (href, origin) = (
            loc.href().unwrap_or_default(),
            loc.origin().unwrap_or_default(),
        );
        let this = *self;
        this.pending.update(|n| *n += 1);
        leptos::task::spawn_local(async move {
            let total = urls.len() as u32;
            for (i, url) in urls.iter().enumerate() {
                let name = report_name(url);
                let resolved = web_sys::Url::new_with_base(url, &href);
                let allowed = match &resolved {
                    Ok(u) => check_report_origin(url, &u.origin(), &origin),
                    Err(_) => Err(format!("refused to fetch {url}: not a URL")),
                };
                if let Err(m) = allowed {
                    this.fail(&name, m);
                    continue;
                }
                let target = resolved.map(|u| u.href()).unwrap_or_default();
                match fetch_file(this, &target, &name, i as u32, total).await {
                    Ok(file) => this
                        .send
                        .run((Request::Load { names: vec![name] }, vec![file])),
                    Err(m) => this.fail(&name, m),
                }
            }
            this.pending.update(|n| *n = n.saturating_sub(1));
        });
    }
}

/// Every file under a `FileSystemDirectoryHandle`, named `root/relative/path`, within the limits of a
/// source folder ([`SourceBudget`]); folders of [`skip_source_dir`] are not entered.
async fn walk_handle(
    root: JsValue,
    name: &str,
) -> Result<(Vec<(String, File)>, SourceBudget), JsValue> {
    let mut out = Vec::new();
    let mut budget = SourceBudget::default();
    let mut stack = vec![(root, name.to_string())];
    'walk: while let Some((dir, path)) = stack.pop() {
        let iter = call0(&dir, "values")?;
        let mut children = Vec::new();
        loop {
            let step = JsFuture::from(Promise::from(call0(&iter, "next")?)).await?;
            if get(&step, "done").as_bool() == Some(true) {
                break;
            }
            children.push(get(&step, "value"));
        }
        children.sort_by_key(|h| get(h, "name").as_string().unwrap_or_default());
        let mut subdirs = Vec::new();
        for handle in children {
            let child = get(&handle, "name").as_string().unwrap_or_default();
            let rel = format!("{path}/{child}");
            match get(&handle, "kind").as_string().as_deref() {
                Some("directory") if !skip_source_dir(&child) => subdirs.push((handle, rel)),
                Some("file") => {
                    let file: File = JsFuture::from(Promise::from(call0(&handle, "getFile")?))
                        .await?
                        .unchecked_into();
                    match budget.admit(&rel, file.size() as u64) {
                        Admit::Take => out.push((rel, file)),
                        Admit::Skip => {}
                        Admit::Full => break 'walk,
                    }
                }
                _ => {}
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    Ok((out, budget))
}

/// Fetches `url` (already checked to be of the page's origin) into a `File` named `name`, showing
/// bytes as they arrive (input `index` of `total`); the error is the failed input's message.
async fn fetch_file(
    loader: Loader,
    url: &str,
    name: &str,
    index: u32,
    total: u32,
) -> Result<File, String> {
    let window = web_sys::window().ok_or("no window")?;
    let shown = |bytes_done: u64, bytes_total: u64| {
        loader.progress.set(Some(Progress {
            files_done: index,
            files_total: total,
            bytes_done,
            bytes_total,
            current: format!("downloading {name}"),
        }))
    };
    shown(0, 0);
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| fetch_network_error(name, &js_error_text(&e)))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(fetch_status_error(
            name,
            response.status(),
            &response.status_text(),
        ));
    }
    let length = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.parse::<u64>().ok())
        .unwrap_or(0);
    let chunks = Array::new();
    let mut done = 0u64;
    let read_error = |e: JsValue| fetch_network_error(name, &js_error_text(&e));
    if let Some(body) = response.body() {
        let reader = call0(body.as_ref(), "getReader").map_err(read_error)?;
        loop {
            let step = JsFuture::from(Promise::from(call0(&reader, "read").map_err(read_error)?))
                .await
                .map_err(read_error)?;
            if get(&step, "done").as_bool() == Some(true) {
                break;
            }
            let chunk: Uint8Array = get(&step, "value").unchecked_into();
            done += u64::from(chunk.length());
            chunks.push(&chunk);
            shown(done, length.max(done));
        }
    }
    let blob = web_sys::Blob::new_with_u8_array_sequence(&chunks).map_err(read_error)?;
    let parts = Array::of1(&blob);
    // The worker names the input from the request; the File's own name is the last segment.
    let file_name = name.rsplit('/').next().unwrap_or(name);
    File::new_with_blob_sequence(&parts, file_name).map_err(read_error)
}

/// Whether the browser has the File System Access API's folder picker.
pub fn has_directory_picker() -> bool {
    web_sys::window()
        .map(|w| get(w.as_ref(), "showDirectoryPicker").is_function())
        .unwrap_or(false)
}

/// Saves an export: a `Blob` behind an `<a download>`, clicked, then its URL released.
pub fn download(file: &crate::export::ExportFile) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&file.mime);
    let parts = Array::of1(&JsValue::from_str(&file.text));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| js_error_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_error_text(&e))?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_error_text(&e))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(&file.name);
    a.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    body.append_child(&a).map_err(|e| js_error_text(&e))?;
    a.click();
    a.remove();
    // Released once the download has taken the blob.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}
