// Starts the covlens page: imports the wasm-bindgen module Trunk built and instantiates its wasm.
// The hashed file names come from this tag's data attributes (Trunk.toml pattern_script), so the page
// has no inline script and its Content-Security-Policy stays at script-src 'self'.
// The service worker (web/sw.js) keeps the page's own assets for offline use; nothing else goes through it.
// Where it cannot register (an insecure origin, a private window), the page works as before, online only.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js').catch((e) => console.info(`covlens: no offline copy (${e.message})`));
}
const tag = document.querySelector('script[data-wasm]');
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
