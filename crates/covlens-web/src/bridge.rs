//! The page's end of the worker: spawns it, posts requests (with `File` handles, never file bytes) and
//! hands every decoded response to a callback. Requests posted before the worker says `Ready` wait here,
//! and the files of a large drop go a few per task.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, File, MessageEvent, Worker};

use crate::protocol::{Request, Response};

/// The worker's loader script (web/worker-loader.js, copied by Trunk), relative to the page.
pub const WORKER_URL: &str = "./worker-loader.js";

/// Files posted per message. The browser takes a snapshot of each file (a stat) on the page's thread
/// the first time it is posted, 0.3 to 2 ms a file here: the files of a drop go in messages of this
/// many, one task posting them until [`POST_BUDGET_MS`] have passed, so that hundreds of files never
/// make one long task. The worker puts the request back together (`count` in the first message,
/// `more` in the next ones).
pub const FILES_PER_MESSAGE: usize = 8;

/// How long one task goes on posting messages with files, in milliseconds: it posts another while
/// less than this has passed (so a task takes this and one message more, about 16 ms more at 2 ms a
/// file), and the rest wait for the next task. One message per task made 125 tasks of a drop of
/// 1,000 files, each also waiting out the browser's 4 ms minimum for nested timers.
pub const POST_BUDGET_MS: f64 = 16.0;

struct Inner {
    worker: Worker,
    ready: bool,
    /// Messages to post, in order; `true` for those that carry files.
    queue: VecDeque<(JsValue, bool)>,
    /// A task to post the rest of the queue is scheduled.
    scheduled: bool,
    on_failure: Rc<dyn Fn(String)>,
}

/// A handle to the worker; cheap to clone.
#[derive(Clone)]
pub struct Bridge {
    inner: Rc<RefCell<Inner>>,
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge")
            .field("ready", &self.inner.borrow().ready)
            .finish()
    }
}

/// A JS exception as text.
pub fn js_error_text(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    format!("{e:?}")
}

/// The message of a worker's `error` event: an `ErrorEvent`'s text (an uncaught error in it), or
/// empty for a plain `Event` (its script could not be fetched), which has no message.
pub fn error_event_text(ev: &web_sys::Event) -> String {
    ev.dyn_ref::<web_sys::ErrorEvent>()
        .map(|e| e.message())
        .unwrap_or_default()
}

impl Bridge {
    /// Starts the worker. `on_response` gets every message it sends; `on_failure` gets a description
    /// when the worker cannot start or stops.
    pub fn spawn(
        on_response: impl Fn(Response) + 'static,
        on_failure: impl Fn(String) + 'static,
    ) -> Result<Bridge, String> {
        let worker = Worker::new(WORKER_URL)
            .map_err(|e| format!("cannot start the worker ({})", js_error_text(&e)))?;
        let on_failure: Rc<dyn Fn(String)> = Rc::new(on_failure);
        let inner = Rc::new(RefCell::new(Inner {
            worker: worker.clone(),
            ready: false,
            queue: VecDeque::new(),
            scheduled: false,
            on_failure: on_failure.clone(),
        }));
        let weak = Rc::downgrade(&inner);
        let failure = on_failure.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                failure("the worker sent a message that is not text".to_string());
                return;
            };
            match Response::decode(&text) {
                Ok(Response::Ready) => {
                    if let Some(inner) = weak.upgrade() {
                        inner.borrow_mut().ready = true;
                        if let Err(e) = pump(&inner) {
                            failure(e);
                        }
                    }
                }
                Ok(resp) => on_response(resp),
                Err(e) => failure(e),
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The worker lives as long as the page, and so do its handlers.
        on_message.forget();
        // An `ErrorEvent` when the worker threw, a plain `Event` when its script did not load.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
            ev.prevent_default();
            on_failure(crate::loading::worker_stopped(&error_event_text(&ev)));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Ok(Bridge { inner })
    }

    /// Posts `request`, with `files` attached for a load (in messages of [`FILES_PER_MESSAGE`]).
    pub fn send(&self, request: &Request, files: &[File]) -> Result<(), String> {
        let message = |pairs: &[(&str, &JsValue)]| -> Result<JsValue, String> {
            let msg = Object::new();
            for (k, v) in pairs {
                Reflect::set(&msg, &JsValue::from_str(k), v).map_err(|e| js_error_text(&e))?;
            }
            Ok(msg.into())
        };
        let list = |files: &[File]| files.iter().collect::<Array>();
        let mut chunks = files.chunks(FILES_PER_MESSAGE);
        let first = chunks.next().unwrap_or_default();
        let request = message(&[
            ("request", &JsValue::from_str(&request.encode())),
            ("files", &list(first).into()),
            ("count", &JsValue::from(files.len() as u32)),
        ])?;
        let mut messages = vec![(request, !first.is_empty())];
        for chunk in chunks {
            messages.push((message(&[("more", &list(chunk).into())])?, true));
        }
        self.inner.borrow_mut().queue.extend(messages);
        pump(&self.inner)
    }

    /// Asks the worker to load `files` (names taken from the files).
    pub fn load(&self, files: Vec<File>) -> Result<(), String> {
        let names = files.iter().map(File::name).collect();
        self.send(&Request::Load { names }, &files)
    }
}

/// Posts the queued messages in order once the worker is ready; once a task has posted files for
/// [`POST_BUDGET_MS`], the rest wait for a task of their own (see [`FILES_PER_MESSAGE`]), and report a
/// failure to `on_failure`.
fn pump(inner: &Rc<RefCell<Inner>>) -> Result<(), String> {
    let start = js_sys::Date::now();
    loop {
        let mut i = inner.borrow_mut();
        if !i.ready || i.scheduled {
            return Ok(());
        }
        let Some((msg, with_files)) = i.queue.pop_front() else {
            return Ok(());
        };
        if let Err(e) = i.worker.post_message(&msg) {
            // The rest of a request whose first part failed goes nowhere either.
            i.queue.clear();
            return Err(format!("cannot reach the worker ({})", js_error_text(&e)));
        }
        if with_files && !i.queue.is_empty() && js_sys::Date::now() - start >= POST_BUDGET_MS {
            i.scheduled = true;
            let weak: Weak<RefCell<Inner>> = Rc::downgrade(inner);
            leptos::prelude::set_timeout(
                move || {
                    if let Some(inner) = weak.upgrade() {
                        inner.borrow_mut().scheduled = false;
                        if let Err(e) = pump(&inner) {
                            let failure = inner.borrow().on_failure.clone();
                            failure(e);
                        }
                    }
                },
                std::time::Duration::ZERO,
            );
            return Ok(());
        }
    }
}
