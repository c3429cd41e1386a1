// Starts the covlens worker (a classic worker): loads the no-modules wasm-bindgen script Trunk built for
// the covlens-worker binary and instantiates its wasm. File names are fixed: Trunk does not hash workers.
// When the wasm cannot be loaded (the network went away, a proxy refused it), the failure is thrown in a
// task of its own: an uncaught error reaches the Worker object's `error` handler, where the page names it
// (bridge.rs) or the state worker parses without its helper (worker/helper.rs). A rejected promise
// would reach nobody and leave the worker silent.
importScripts('./covlens-worker.js');
wasm_bindgen({ module_or_path: './covlens-worker_bg.wasm' }).catch((e) => {
  const why = e && e.message ? e.message : String(e);
  setTimeout(() => {
    throw new Error(`cannot load covlens-worker_bg.wasm (${why})`);
  });
});
