// Starts the covlens worker (a classic worker): loads the no-modules wasm-bindgen script Trunk built for
// the covlens-worker binary and instantiates its wasm. File names are fixed: Trunk does not hash workers.
importScripts('./covlens-worker.js');
wasm_bindgen({ module_or_path: './covlens-worker_bg.wasm' });
