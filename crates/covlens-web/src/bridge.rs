//! The page's end of the worker: spawns it, posts requests (with `File` handles, never file bytes) and
//! hands every decoded response to a callback. Requests posted before the worker says `Ready` wait here.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, File, MessageEvent, Worker};

use crate::protocol::{Request, Response};

/// The worker's loader script (web/worker-loader.js, copied by Trunk), relative to the page.
pub const WORKER_URL: &str = "./worker-loader.js";

struct Inner {
    worker: Worker,
    ready: bool,
    queue: Vec<JsValue>,
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

impl Bridge {
    /// Starts the worker. `on_response` gets every message it sends; `on_failure` gets a description
    /// when the worker cannot start or stops.
    pub fn spawn(
        on_response: impl Fn(Response) + 'static,
        on_failure: impl Fn(String) + 'static,
    ) -> Result<Bridge, String> {
        let worker = Worker::new(WORKER_URL)
            .map_err(|e| format!("cannot start the worker ({})", js_error_text(&e)))?;
        let inner = Rc::new(RefCell::new(Inner {
            worker: worker.clone(),
            ready: false,
            queue: Vec::new(),
        }));
        let on_failure = Rc::new(on_failure);
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
                        let mut inner = inner.borrow_mut();
                        inner.ready = true;
                        for msg in std::mem::take(&mut inner.queue) {
                            if let Err(e) = inner.worker.post_message(&msg) {
                                failure(format!("cannot reach the worker ({})", js_error_text(&e)));
                            }
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
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |ev: ErrorEvent| {
            ev.prevent_default();
            let message = ev.message();
            on_failure(if message.is_empty() {
                "the worker stopped (it could not be loaded or it crashed)".to_string()
            } else {
                format!("the worker stopped: {message}")
            });
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Ok(Bridge { inner })
    }

    /// Posts `request`, with `files` attached for a load.
    pub fn send(&self, request: &Request, files: &[File]) -> Result<(), String> {
        let msg = Object::new();
        let set = |k: &str, v: &JsValue| {
            Reflect::set(&msg, &JsValue::from_str(k), v)
                .map(|_| ())
                .map_err(|e| js_error_text(&e))
        };
        set("request", &JsValue::from_str(&request.encode()))?;
        let list = Array::new();
        for f in files {
            list.push(f);
        }
        set("files", &list)?;
        let msg: JsValue = msg.into();
        let mut inner = self.inner.borrow_mut();
        if inner.ready {
            inner
                .worker
                .post_message(&msg)
                .map_err(|e| format!("cannot reach the worker ({})", js_error_text(&e)))
        } else {
            inner.queue.push(msg);
            Ok(())
        }
    }

    /// Asks the worker to load `files` (names taken from the files).
    pub fn load(&self, files: Vec<File>) -> Result<(), String> {
        let names = files.iter().map(File::name).collect();
        self.send(&Request::Load { names }, &files)
    }
}
