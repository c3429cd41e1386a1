//! The worker's event loop: reads posted `File`s in chunks (FileReaderSync), parses and merges them
//! with [`WorkerState`], and posts progress and the resulting view back to the page.

use std::cell::RefCell;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageEvent};

use crate::bridge::js_error_text;
use crate::protocol::{Progress, Request, Response};
use crate::worker_state::{ProgressRead, WorkerState};

/// Bytes read from a file per step; progress is reported after each.
pub const CHUNK: usize = 1 << 20;

/// A `File` as a byte stream, read synchronously slice by slice (workers may block; the page never does).
struct BlobRead {
    file: File,
    reader: FileReaderSync,
    pos: u64,
    size: u64,
}

impl BlobRead {
    fn new(file: File) -> Result<BlobRead, String> {
        let reader = FileReaderSync::new().map_err(|e| js_error_text(&e))?;
        let size = file.size() as u64;
        Ok(BlobRead {
            file,
            reader,
            pos: 0,
            size,
        })
    }
}

impl Read for BlobRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let end = (self.pos + buf.len() as u64).min(self.size);
        let js = |e: JsValue| io::Error::other(js_error_text(&e));
        let slice = self
            .file
            .slice_with_f64_and_f64(self.pos as f64, end as f64)
            .map_err(js)?;
        let buffer = self.reader.read_as_array_buffer(&slice).map_err(js)?;
        let bytes = Uint8Array::new(&buffer);
        let n = (bytes.length() as usize).min(buf.len());
        if n == 0 {
            // The file shrank while being read: stop here.
            self.pos = self.size;
            return Ok(0);
        }
        bytes.subarray(0, n as u32).copy_to(&mut buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

fn post(scope: &DedicatedWorkerGlobalScope, response: &Response) {
    if let Err(e) = scope.post_message(&JsValue::from_str(&response.encode())) {
        web_sys::console::error_1(&e);
    }
}

fn handle(scope: &DedicatedWorkerGlobalScope, state: &mut WorkerState, data: &JsValue) {
    let get = |k: &str| Reflect::get(data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let request = match get("request").as_string().map(|t| Request::decode(&t)) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return web_sys::console::error_1(&e.into()),
        None => return web_sys::console::error_1(&"a request without text".into()),
    };
    match request {
        Request::Load { names } => load_posted(scope, state, &get("files"), &names, Posted::Inputs),
        Request::Remove { shard } => {
            state.remove(shard);
        }
        Request::Clear => state.clear(),
        Request::SetEnabled { shard, enabled } => {
            state.set_enabled(shard, enabled);
        }
        Request::Rename { shard, name } => {
            state.rename(shard, &name);
        }
        Request::SetPolicy(policy) => state.set_policy(&policy),
        Request::SetPaths(rules) => state.set_path_rules(rules),
        // The source view's detail: its own answer, not a new view.
        Request::File { path } => return post(scope, &Response::File(state.file_detail(&path))),
        Request::SetIncludeLibraries { include } => {
            state.set_include_libraries(include);
        }
        // The mapping inspector's answer: its own message, not a new view.
        Request::Mapping(q) => return post(scope, &Response::Mapping(state.mapping(&q))),
        Request::LoadFolder { folder, names } => {
            state.begin_folder(&folder);
            load_posted(scope, state, &get("files"), &names, Posted::Inputs);
            state.end_folder();
        }
        Request::LoadSources { names } => {
            load_posted(scope, state, &get("files"), &names, Posted::Sources)
        }
        Request::LoadFailed { name, message } => {
            state.add(
                &name,
                0,
                Err(covlens_core::ParseError::new(None, None, message)),
            );
        }
        // The export: its own answer, not a new view.
        Request::Export { format, timestamp } => {
            return post(scope, &Response::Export(state.export(format, timestamp)))
        }
    }
    if let Some(paths) = state.view_in_two(|v| post(scope, &Response::View(v))) {
        post(scope, &Response::Paths(paths));
    }
}

/// What the files of a folder or source-folder request are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Posted {
    /// Reports (and source files among them), as dropped files are.
    Inputs,
    /// Source text only.
    Sources,
}

/// Reads the `File`s posted with a request (`files`, named by `names`) with progress, as inputs or as
/// source text.
fn load_posted(
    scope: &DedicatedWorkerGlobalScope,
    state: &mut WorkerState,
    files: &JsValue,
    names: &[String],
    what: Posted,
) {
    let files: Vec<File> = files
        .clone()
        .dyn_into::<Array>()
        .map(|a| a.iter().filter_map(|f| f.dyn_into::<File>().ok()).collect())
        .unwrap_or_default();
    let mut progress = Progress {
        files_done: 0,
        files_total: files.len() as u32,
        bytes_done: 0,
        bytes_total: files.iter().map(|f| f.size() as u64).sum(),
        current: String::new(),
    };
    for (i, file) in files.into_iter().enumerate() {
        let name = names.get(i).cloned().unwrap_or_else(|| file.name());
        let size = file.size() as u64;
        progress.current = name.clone();
        post(scope, &Response::Progress(progress.clone()));
        let read = BlobRead::new(file).map(|blob| {
            let base = progress.clone();
            let counted = ProgressRead::new(blob, move |read| {
                let p = Progress {
                    bytes_done: base.bytes_done + read,
                    ..base.clone()
                };
                post(scope, &Response::Progress(p));
            });
            BufReader::with_capacity(CHUNK, counted)
        });
        match (read, what) {
            (Ok(reader), Posted::Inputs) => state.load_stream(&name, size, reader),
            (Ok(mut reader), Posted::Sources) => {
                let mut bytes = Vec::new();
                // A file that cannot be read, or is not text, is left out of the sources.
                if reader.read_to_end(&mut bytes).is_ok() {
                    state.add_source(&name, &bytes);
                }
            }
            (Err(e), Posted::Inputs) => state.add(
                &name,
                size,
                Err(covlens_core::ParseError::new(
                    None,
                    None,
                    format!("cannot read the file ({e})"),
                )),
            ),
            (Err(_), Posted::Sources) => {}
        }
        progress.files_done += 1;
        progress.bytes_done += size;
    }
    post(scope, &Response::Progress(progress));
}

/// The worker's entry point: listens, then says it is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(WorkerState::new()));
    let scope2 = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        handle(&scope2, &mut state.borrow_mut(), &ev.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &Response::Ready);
}
