//! The parse helper: a second worker running the same wasm, which parses plain reports next to the
//! state worker and posts each back as [`covlens_core::wire`] bytes; and the state worker's handle on it.
//!
//! Messages, state worker → helper: `{generation, indices, names, files}` (one input, or a run of
//! small ones read in one go); helper → state worker: `{ready: true}` once, then one message per
//! input, `{generation, index, bytes}` (a transferred `Uint8Array`) or
//! `{generation, index, declined: true}` for an input only the state worker can load.

use std::rc::Rc;

use covlens_core::{wire, Loaded, ParseError, ParseOptions};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, Event, File, MessageEvent, Worker, WorkerOptions};

use super::{read_together, InputRead};
use crate::bridge::{js_error_text, WORKER_URL};
use crate::worker_state::{parse_if_plain, DIAGNOSTICS_COLLECTED};

/// The worker name the helper is started under; [`super::run`] serves as the helper under it.
pub const NAME: &str = "covlens-parse";

/// What the helper says.
pub enum Answer {
    /// It has loaded its wasm and takes inputs.
    Ready,
    /// Input `index` of batch `generation`: parsed, or `None` when the state worker must load it.
    Parsed {
        generation: u32,
        index: usize,
        parsed: Option<Result<Loaded, ParseError>>,
    },
    /// It stopped (its script did not load, or it failed); what it held must be parsed again.
    Failed(String),
}

/// The state worker's handle on its helper.
pub struct Helper {
    worker: Option<Worker>,
    ready: bool,
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property of a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn get(source: &JsValue, key: &str) -> JsValue {
    Reflect::get(source, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

impl Helper {
    /// No helper: the state worker parses everything itself.
    pub fn none() -> Helper {
        Helper {
            worker: None,
            ready: false,
        }
    }

    /// Starts the helper when the machine has a second core; `on_answer` gets what it says.
    pub fn start(on_answer: impl Fn(Answer) + 'static) -> Helper {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        if scope.navigator().hardware_concurrency() < 2.0 {
            return Helper::none();
        }
        let options = WorkerOptions::new();
        options.set_name(NAME);
        let worker = match Worker::new_with_options(WORKER_URL, &options) {
            Ok(w) => w,
            Err(e) => {
                let why = js_error_text(&e);
                web_sys::console::warn_1(
                    &format!("covlens: no parse helper ({why}); parsing in one worker").into(),
                );
                return Helper::none();
            }
        };
        let on_answer = Rc::new(on_answer);
        let answer = on_answer.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            if get(&data, "ready").is_truthy() {
                return answer(Answer::Ready);
            }
            let generation = get(&data, "generation").as_f64().unwrap_or(-1.0) as u32;
            let index = get(&data, "index").as_f64().unwrap_or(-1.0) as usize;
            let parsed = match get(&data, "bytes").dyn_into::<Uint8Array>() {
                Ok(bytes) => match wire::decode(&bytes.to_vec()) {
                    Ok(result) => Some(result),
                    Err(why) => {
                        // The state worker loads the input itself.
                        web_sys::console::warn_1(&why.into());
                        None
                    }
                },
                Err(_) => None,
            };
            answer(Answer::Parsed {
                generation,
                index,
                parsed,
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        // An `ErrorEvent` when the helper threw, a plain `Event` when its script did not load.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
            ev.prevent_default();
            let text = crate::bridge::error_event_text(&ev);
            let why = crate::loading::uncaught_text(&text);
            on_answer(Answer::Failed(if why.is_empty() {
                "its script could not be loaded".to_string()
            } else {
                why.to_string()
            }));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Helper {
            worker: Some(worker),
            ready: false,
        }
    }

    /// Records that the helper takes inputs now.
    pub fn set_ready(&mut self) {
        self.ready = self.worker.is_some();
    }

    /// Stops the helper for good (it failed).
    pub fn stop(&mut self) {
        if let Some(w) = self.worker.take() {
            w.terminate();
        }
        self.ready = false;
    }

    /// True when inputs may be given to the helper.
    pub fn is_ready(&self) -> bool {
        self.ready && self.worker.is_some()
    }

    /// Gives the helper `inputs` (index, name, file) of batch `generation`, a run of small ones
    /// it reads in one go or a single one; false when it cannot be reached.
    pub fn parse(&self, generation: u32, inputs: &[(usize, String, File)]) -> bool {
        let Some(worker) = &self.worker else {
            return false;
        };
        let message = Object::new();
        set(&message, "generation", &JsValue::from(generation));
        let (indices, names, files) = (Array::new(), Array::new(), Array::new());
        for (index, name, file) in inputs {
            indices.push(&JsValue::from(*index as u32));
            names.push(&JsValue::from_str(name));
            files.push(file);
        }
        set(&message, "indices", &indices);
        set(&message, "names", &names);
        set(&message, "files", &files);
        worker.post_message(&message).is_ok()
    }
}

/// Posts the helper's answer for input `index`: its wire bytes, or declined.
fn reply(
    scope: &DedicatedWorkerGlobalScope,
    generation: &JsValue,
    index: &JsValue,
    parsed: Option<Result<Loaded, ParseError>>,
) {
    let reply = Object::new();
    set(&reply, "generation", generation);
    set(&reply, "index", index);
    let transfer = Array::new();
    match parsed {
        Some(result) => {
            let encoded = wire::encode(&result);
            drop(result);
            let bytes = Uint8Array::new_with_length(encoded.len() as u32);
            bytes.copy_from(&encoded);
            transfer.push(&bytes.buffer());
            set(&reply, "bytes", &bytes);
        }
        None => set(&reply, "declined", &JsValue::TRUE),
    }
    if let Err(e) = scope.post_message_with_transfer(&reply, &transfer) {
        web_sys::console::error_1(&e);
    }
}

/// The helper's event loop: parses each input it gets and posts it back.
pub fn serve(scope: DedicatedWorkerGlobalScope) {
    let options = ParseOptions {
        max_diagnostics: DIAGNOSTICS_COLLECTED,
    };
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let generation = get(&data, "generation");
        let array = |key: &str| get(&data, key).dyn_into::<Array>().unwrap_or_default();
        let (indices, names) = (array("indices"), array("names"));
        let files: Vec<Option<File>> = array("files")
            .iter()
            .map(|f| f.dyn_into::<File>().ok())
            .collect();
        // A run of small inputs is read in one go (see crate::batch::Run), else each on its own.
        let together = match files.iter().cloned().collect::<Option<Vec<File>>>() {
            Some(all) if all.len() > 1 => read_together(&all),
            _ => None,
        };
        let mut bytes = together.map(|parts| parts.into_iter());
        for (i, file) in files.iter().enumerate() {
            let index = indices.get(i as u32);
            let name = names.get(i as u32).as_string().unwrap_or_default();
            let input = match (file, bytes.as_mut().and_then(Iterator::next)) {
                (Some(file), part) => InputRead::open(file, part).ok(),
                (None, _) => None,
            };
            // The state worker reads an input the helper cannot and says why.
            let parsed = input.and_then(|input| parse_if_plain(&name, input.buffered(), &options));
            reply(&reply_scope, &generation, &index, parsed);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ready = Object::new();
    set(&ready, "ready", &JsValue::TRUE);
    if let Err(e) = scope.post_message(&ready) {
        web_sys::console::error_1(&e);
    }
}
