//! The worker's event loop: reads posted `File`s in chunks (FileReaderSync), parses them with its
//! parse helper (a second worker, see [`helper`]) in drop order ([`crate::batch`]), merges them with
//! [`WorkerState`], and posts progress and the resulting view back to the page.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use covlens_core::{Loaded, ParseError};
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageChannel, MessageEvent};

use crate::batch::{Batch, Outcome, Owner, Run};
use crate::bridge::js_error_text;
use crate::protocol::{Progress, ProgressPacer, Request, Response};
use crate::worker_state::{cannot_read, parse_if_plain, ProgressRead, WorkerState};

mod helper;

/// Bytes read from a file per `FileReaderSync` call; progress may be reported after each. Each call
/// costs milliseconds on top of the bytes in Chromium: reading 97 MB took 530-740 ms in 1 MiB
/// slices, 210-290 in 8 MiB and 130-200 in 16 MiB (`bench/blob-read.mjs`). A slice is held twice
/// at most (the reader's buffer and the `ArrayBuffer` it is copied from).
pub const CHUNK: usize = 16 << 20;

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

    /// The read buffer for this file: [`CHUNK`], or less for a smaller file. A buffer is zeroed
    /// before its first read, and a drop of 1,000 small reports would zero 16 MiB for each.
    fn buffer_size(&self) -> usize {
        usize::try_from(self.size).map_or(CHUNK, |n| n.clamp(1, CHUNK))
    }
}

impl Read for BlobRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let end = (self.pos + buf.len() as u64).min(self.size);
        let js = |e: JsValue| io::Error::other(js_error_text(&e));
        // A whole file is read as it is: `slice` costs about as much as the read itself (a
        // millisecond here), which adds up over a folder of small reports.
        let buffer = if self.pos == 0 && end == self.size {
            self.reader.read_as_array_buffer(&self.file)
        } else {
            let slice = self
                .file
                .slice_with_f64_and_f64(self.pos as f64, end as f64)
                .map_err(js)?;
            self.reader.read_as_array_buffer(&slice)
        }
        .map_err(js)?;
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

/// An input's bytes: read from its `File` as the parser asks, or already read with a run of small
/// inputs ([`read_together`]).
enum InputRead {
    File(BlobRead),
    Bytes(io::Cursor<Vec<u8>>),
}

impl InputRead {
    /// Input `file`, from `bytes` when they were read already.
    fn open(file: &File, bytes: Option<Vec<u8>>) -> Result<InputRead, String> {
        match bytes {
            Some(b) => Ok(InputRead::Bytes(io::Cursor::new(b))),
            None => BlobRead::new(file.clone()).map(InputRead::File),
        }
    }

    fn buffer_size(&self) -> usize {
        match self {
            InputRead::File(b) => b.buffer_size(),
            InputRead::Bytes(c) => c.get_ref().len().clamp(1, CHUNK),
        }
    }

    /// `self` behind a buffer of [`InputRead::buffer_size`].
    fn buffered(self) -> BufReader<InputRead> {
        BufReader::with_capacity(self.buffer_size(), self)
    }
}

impl Read for InputRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            InputRead::File(b) => b.read(buf),
            InputRead::Bytes(c) => c.read(buf),
        }
    }
}

/// Reads `files` with one `FileReaderSync` call over a `Blob` of them all (see
/// [`crate::batch::Run`]); `None` when that fails or a file changed size meanwhile, and each is
/// then read on its own.
fn read_together(files: &[File]) -> Option<Vec<Vec<u8>>> {
    let sizes: Vec<u32> = files
        .iter()
        .map(|f| u32::try_from(f.size() as u64).ok())
        .collect::<Option<_>>()?;
    let blob = web_sys::Blob::new_with_blob_sequence(&files.iter().collect::<Array>()).ok()?;
    let buffer = FileReaderSync::new()
        .ok()?
        .read_as_array_buffer(&blob)
        .ok()?;
    let bytes = Uint8Array::new(&buffer);
    if u64::from(bytes.length()) != sizes.iter().map(|&n| u64::from(n)).sum::<u64>() {
        return None;
    }
    let mut at = 0;
    Some(
        sizes
            .iter()
            .map(|&n| {
                let part = bytes.subarray(at, at + n).to_vec();
                at += n;
                part
            })
            .collect(),
    )
}

fn post(scope: &DedicatedWorkerGlobalScope, response: &Response) {
    if let Err(e) = scope.post_message(&JsValue::from_str(&response.encode())) {
        web_sys::console::error_1(&e);
    }
}

/// A batch of dropped inputs being loaded: the state worker and the helper take turns (see
/// [`crate::batch`]); requests that come meanwhile wait in [`Main::queued`].
struct Job {
    /// Tells this batch's helper answers from those of an earlier one.
    generation: u32,
    batch: Batch<Result<Loaded, ParseError>>,
    files: Vec<File>,
    names: Vec<String>,
    /// The batch's size in bytes.
    bytes_total: u64,
    /// A folder's files (see [`WorkerState::begin_folder`]).
    folder: bool,
    /// The input the next local step parses, taken before the helper was fed so that the state worker
    /// starts with the first input.
    next_local: Option<usize>,
    /// Inputs the state worker took with a run of small ones (in order), with their bytes when the
    /// run was read in one go; the next local steps parse them.
    read_ahead: VecDeque<(usize, Option<Vec<u8>>)>,
}

impl Job {
    /// The name input `i` loads under: the page's (a folder path), else the file's.
    fn name(&self, i: usize) -> String {
        self.names
            .get(i)
            .cloned()
            .unwrap_or_else(|| self.files[i].name())
    }

    /// The page's progress: inputs joined, bytes parsed by either worker, the input read now.
    fn progress(&self, current: String) -> Progress {
        Progress {
            files_done: self.batch.joined() as u32,
            files_total: self.batch.len() as u32,
            bytes_done: self.batch.bytes_done(),
            bytes_total: self.bytes_total,
            current,
        }
    }
}

/// Everything the worker's event handlers share.
struct Main {
    scope: DedicatedWorkerGlobalScope,
    state: WorkerState,
    job: Option<Job>,
    /// Page requests that came during a batch, handled in order after it.
    queued: VecDeque<JsValue>,
    helper: helper::Helper,
    /// The last view left its conflicts out; the page asks for them once it has shown it.
    conflicts_due: bool,
    /// Posting to it schedules a local step (a task of its own, so that helper answers come between).
    tick: web_sys::MessagePort,
    generation: u32,
    /// A request whose files are still coming (see [`crate::bridge::FILES_PER_MESSAGE`]).
    incoming: Option<Incoming>,
    /// Paces the progress messages of a batch.
    pacer: ProgressPacer,
}

/// A request posted with the first of its files; the rest come in `more` messages.
struct Incoming {
    data: JsValue,
    files: Array,
    count: u32,
}

/// The request of `data` with all its files, or `None` while files are still coming.
fn assemble(incoming: &mut Option<Incoming>, data: &JsValue) -> Option<JsValue> {
    let get = |k: &str| Reflect::get(data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let more = get("more");
    if !more.is_undefined() {
        let Some(inc) = incoming.as_mut() else {
            web_sys::console::error_1(&"covlens: files without their request".into());
            return None;
        };
        for f in Array::from(&more).iter() {
            inc.files.push(&f);
        }
        if inc.files.length() < inc.count {
            return None;
        }
        let inc = incoming.take()?;
        let _ = Reflect::set(&inc.data, &JsValue::from_str("files"), &inc.files);
        return Some(inc.data);
    }
    let files = get("files").dyn_into::<Array>().unwrap_or_default();
    let count = get("count").as_f64().map_or(0, |c| c as u32);
    if count > files.length() {
        *incoming = Some(Incoming {
            data: data.clone(),
            files,
            count,
        });
        return None;
    }
    Some(data.clone())
}

type Shared = Rc<RefCell<Main>>;

fn handle(main: &Shared, data: &JsValue) {
    let Some(data) = assemble(&mut main.borrow_mut().incoming, data) else {
        return;
    };
    let batch = handle_now(&mut main.borrow_mut(), &data);
    if let Some((files, names, folder)) = batch {
        start_job(main, &files, names, folder);
    }
}

/// Handles a page request, or queues it during a batch; gives back the batch a load request starts.
fn handle_now(m: &mut Main, data: &JsValue) -> Option<(JsValue, Vec<String>, bool)> {
    if m.job.is_some() {
        m.queued.push_back(data.clone());
        return None;
    }
    let get = |k: &str| Reflect::get(data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let request = match get("request").as_string().map(|t| Request::decode(&t)) {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            web_sys::console::error_1(&e.into());
            return None;
        }
        None => {
            web_sys::console::error_1(&"a request without text".into());
            return None;
        }
    };
    let (scope, state) = (&m.scope, &mut m.state);
    match request {
        Request::Load { names } => return Some((get("files"), names, false)),
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
        Request::File { path } => {
            post(scope, &Response::File(state.file_detail(&path)));
            return None;
        }
        Request::SetIncludeLibraries { include } => {
            state.set_include_libraries(include);
        }
        // The mapping inspector's answer: its own message, not a new view.
        Request::Mapping(q) => {
            post(scope, &Response::Mapping(state.mapping(&q)));
            return None;
        }
        Request::LoadFolder { folder, names } => {
            state.begin_folder(&folder);
            return Some((get("files"), names, true));
        }
        Request::LoadSources { names } => load_sources(scope, state, &get("files"), &names),
        Request::LoadFailed { name, message } => {
            state.add(
                &name,
                0,
                Err(covlens_core::ParseError::new(None, None, message)),
            );
        }
        // Looked for once the page has shown the view, not while it draws it.
        Request::Conflicts => {
            if std::mem::take(&mut m.conflicts_due) {
                post(scope, &Response::Paths(state.conflicts()));
            }
            return None;
        }
        // The export: its own answer, not a new view.
        Request::Export { format, timestamp } => {
            post(scope, &Response::Export(state.export(format, timestamp)));
            return None;
        }
    }
    m.conflicts_due = post_view(scope, state);
    None
}

/// Posts the view; true when it left its conflicts for the page's [`Request::Conflicts`].
fn post_view(scope: &DedicatedWorkerGlobalScope, state: &WorkerState) -> bool {
    let (view, later) = state.first_view();
    for message in crate::protocol::view_messages(view) {
        post(scope, &message);
    }
    later
}

/// The `File`s posted with a request.
fn posted_files(files: &JsValue) -> Vec<File> {
    files
        .clone()
        .dyn_into::<Array>()
        .map(|a| a.iter().filter_map(|f| f.dyn_into::<File>().ok()).collect())
        .unwrap_or_default()
}

/// Starts loading a batch of inputs: the first is the state worker's, the next go to the helper.
fn start_job(main: &Shared, files: &JsValue, names: Vec<String>, folder: bool) {
    let files = posted_files(files);
    let mut m = main.borrow_mut();
    m.generation += 1;
    let sizes: Vec<u64> = files.iter().map(|f| f.size() as u64).collect();
    let bytes_total = sizes.iter().sum();
    let mut batch = Batch::new(sizes);
    let next_local = batch.take(Owner::Local);
    // A new batch says how far it got at once, whenever the last one last did.
    m.pacer = ProgressPacer::default();
    m.job = Some(Job {
        generation: m.generation,
        batch,
        files,
        names,
        bytes_total,
        folder,
        next_local,
        read_ahead: VecDeque::new(),
    });
    post_progress(&m);
    feed_helper(&mut m);
    let _ = m.tick.post_message(&JsValue::NULL);
}

/// The page's progress between inputs: inputs joined, bytes parsed by either worker.
fn post_progress(m: &Main) {
    if let Some(job) = &m.job {
        if m.pacer.due(js_sys::Date::now()) {
            post(&m.scope, &Response::Progress(job.progress(String::new())));
        }
    }
}

/// Gives the idle helper its half of the waiting inputs (see [`Batch::split`]).
fn feed_helper(m: &mut Main) {
    let Main {
        helper, job, tick, ..
    } = m;
    let Some(job) = job else { return };
    if !helper.is_ready() || job.batch.held_by(Owner::Helper) > 0 {
        return;
    }
    let given = job.batch.split(Owner::Helper);
    for run in Run::DEFAULT.group(&given, |i| job.batch.size(i)) {
        let inputs: Vec<(usize, String, File)> = run
            .iter()
            .map(|&i| (i, job.name(i), job.files[i].clone()))
            .collect();
        if !helper.parse(job.generation, &inputs) {
            job.batch.give_back(Owner::Helper);
            let _ = tick.post_message(&JsValue::NULL);
            return;
        }
    }
}

/// One local step: parses the next input the state worker read ahead, else the next input nobody
/// holds (with the small ones after it, see [`Batch::take_run`]; straight into the shards when it is its
/// turn), lets the inputs whose turn has come join, and schedules the next step.
fn local_step(main: &Shared) {
    let mut guard = main.borrow_mut();
    let m = &mut *guard;
    let Some(job) = m.job.as_mut() else { return };
    let (i, bytes) = match job.read_ahead.pop_front() {
        Some(ahead) => ahead,
        None => {
            let Some(i) = job
                .next_local
                .take()
                .or_else(|| job.batch.take(Owner::Local))
            else {
                // Everything left is with the helper; its answers finish the batch.
                return;
            };
            // Small inputs after it are read with it, in one go.
            let run = job.batch.take_run(Owner::Local, i, Run::DEFAULT);
            let files: Vec<File> = run.iter().map(|&j| job.files[j].clone()).collect();
            let together = if run.len() > 1 {
                read_together(&files)
            } else {
                None
            };
            let mut parts = together
                .map_or_else(
                    || vec![None; run.len()],
                    |parts| parts.into_iter().map(Some).collect(),
                )
                .into_iter();
            let first = parts.next().flatten();
            job.read_ahead.extend(run[1..].iter().copied().zip(parts));
            (i, first)
        }
    };
    let name = job.name(i);
    let file = job.files[i].clone();
    let size = job.batch.size(i);
    let in_turn = job.batch.is_turn_of(i);
    let mut progress = job.progress(name.clone());
    let (scope, state, pacer) = (&m.scope, &mut m.state, &m.pacer);
    if pacer.due(js_sys::Date::now()) {
        post(scope, &Response::Progress(progress.clone()));
    }
    let base = progress.bytes_done;
    let on_read = move |read: u64| {
        if pacer.due(js_sys::Date::now()) {
            progress.bytes_done = base + read;
            post(scope, &Response::Progress(progress.clone()));
        }
    };
    let outcome = match InputRead::open(&file, bytes) {
        Ok(blob) => {
            let capacity = blob.buffer_size();
            let reader = BufReader::with_capacity(capacity, ProgressRead::new(blob, on_read));
            if in_turn {
                state.load_stream(&name, size, reader);
                Outcome::Joined
            } else {
                match parse_if_plain(&name, reader, state.options()) {
                    Some(result) => Outcome::Parsed(result),
                    None => Outcome::InOrder,
                }
            }
        }
        Err(e) => Outcome::Parsed(Err(cannot_read(e))),
    };
    if let Some(job) = m.job.as_mut() {
        job.batch.finish(i, Owner::Local, outcome);
    }
    after_step(m);
}

/// Lets the inputs whose turn has come join, feeds the helper, and finishes the batch when every
/// input has joined; otherwise schedules a local step while inputs wait.
fn after_step(m: &mut Main) {
    let Some(mut job) = m.job.take() else { return };
    while let Some((i, outcome)) = job.batch.next_ready() {
        let name = job.name(i);
        let size = job.batch.size(i);
        match outcome {
            Outcome::Parsed(result) => m.state.add(&name, size, result),
            Outcome::InOrder => match InputRead::open(&job.files[i], None) {
                Ok(input) => m.state.load_stream(&name, size, input.buffered()),
                Err(e) => m.state.add(&name, size, Err(cannot_read(e))),
            },
            Outcome::Joined => {}
        }
    }
    let complete = job.batch.is_complete();
    let waiting = job.batch.has_waiting() || !job.read_ahead.is_empty();
    let folder = job.folder;
    m.job = Some(job);
    if !complete {
        feed_helper(m);
        post_progress(m);
        if waiting {
            let _ = m.tick.post_message(&JsValue::NULL);
        }
        return;
    }
    post_progress(m);
    m.job = None;
    if folder {
        m.state.end_folder();
    }
    m.conflicts_due = post_view(&m.scope, &m.state);
}

/// Handles the requests that came during a batch, until one starts another batch.
fn handle_queued(main: &Shared) {
    loop {
        let next = {
            let mut m = main.borrow_mut();
            if m.job.is_some() {
                return;
            }
            m.queued.pop_front()
        };
        match next {
            Some(data) => handle(main, &data),
            None => return,
        }
    }
}

/// An answer of the helper: input `index` of batch `generation`, parsed (`Some`) or left to the
/// state worker (`None`).
fn helper_answer(
    main: &Shared,
    generation: u32,
    index: usize,
    parsed: Option<Result<Loaded, ParseError>>,
) {
    {
        let mut m = main.borrow_mut();
        let m = &mut *m;
        let Some(job) = m.job.as_mut().filter(|j| j.generation == generation) else {
            return;
        };
        let outcome = match parsed {
            Some(result) => Outcome::Parsed(result),
            None => Outcome::InOrder,
        };
        job.batch.finish(index, Owner::Helper, outcome);
        after_step(m);
    }
    handle_queued(main);
}

/// The helper stopped: what it held goes back to the state worker.
fn helper_failed(main: &Shared, why: &str) {
    let mut m = main.borrow_mut();
    let why = format!("covlens: the parse helper stopped ({why}); parsing goes on in one worker");
    web_sys::console::warn_1(&why.into());
    m.helper.stop();
    if let Some(job) = m.job.as_mut() {
        if job.batch.give_back(Owner::Helper) > 0 {
            let _ = m.tick.post_message(&JsValue::NULL);
        }
    }
}

/// Reads the source files posted with a request (`files`, named by `names`) with progress.
fn load_sources(
    scope: &DedicatedWorkerGlobalScope,
    state: &mut WorkerState,
    files: &JsValue,
    names: &[String],
) {
    let files = posted_files(files);
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
        let mut bytes = Vec::new();
        // A file that cannot be read, or is not text, is left out of the sources.
        if let Ok(mut blob) = BlobRead::new(file) {
            if blob.read_to_end(&mut bytes).is_ok() {
                state.add_source(&name, &bytes);
            }
        }
        progress.files_done += 1;
        progress.bytes_done += size;
    }
    post(scope, &Response::Progress(progress));
}

/// The worker's entry point: serves as the parse helper when started under [`helper::NAME`];
/// otherwise starts the helper, listens, and says it is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if scope.name() == helper::NAME {
        return helper::serve(scope);
    }
    let channel = match MessageChannel::new() {
        Ok(c) => c,
        Err(e) => return web_sys::console::error_1(&e),
    };
    let main: Shared = Rc::new(RefCell::new(Main {
        scope: scope.clone(),
        state: WorkerState::new(),
        job: None,
        queued: VecDeque::new(),
        helper: helper::Helper::none(),
        conflicts_due: false,
        tick: channel.port2(),
        generation: 0,
        incoming: None,
        pacer: ProgressPacer::default(),
    }));
    let weak = Rc::downgrade(&main);
    let helper = helper::Helper::start({
        let weak = weak.clone();
        move |answer| {
            let Some(main) = weak.upgrade() else { return };
            match answer {
                helper::Answer::Ready => {
                    let mut m = main.borrow_mut();
                    m.helper.set_ready();
                    feed_helper(&mut m);
                }
                helper::Answer::Parsed {
                    generation,
                    index,
                    parsed,
                } => helper_answer(&main, generation, index, parsed),
                helper::Answer::Failed(why) => helper_failed(&main, &why),
            }
        }
    });
    main.borrow_mut().helper = helper;
    let tick_main = main.clone();
    let on_tick = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| {
        local_step(&tick_main);
        handle_queued(&tick_main);
    });
    channel
        .port1()
        .set_onmessage(Some(on_tick.as_ref().unchecked_ref()));
    on_tick.forget();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        handle(&main, &ev.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &Response::Ready);
}
