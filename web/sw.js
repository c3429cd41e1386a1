// The covlens service worker: keeps the page's own assets so the hosted page opens offline after one visit.
//
// What it caches: the page (index.html) and the files index.html names (Trunk's hashed wasm, JS and CSS,
// the icon, boot.js) plus the worker's fixed names. It answers only GET requests for exactly those
// paths under its scope; every other request (a `?report=` URL, anything else) is not intercepted at all,
// so it goes to the network as if there were no service worker, and is never stored.
// Strategy: network first (a new build is picked up at once), the cache when the network fails.

const CACHE = 'covlens-assets-v1';
const scope = new URL(self.registration.scope);
// Files not named by index.html: the worker's loader, script and wasm (fixed names), and the page.
const FIXED = ['', 'index.html', 'worker-loader.js', 'covlens-worker.js', 'covlens-worker_bg.wasm'];

/** The paths (under the scope) of the assets `html` names: `href`, `src` and `data-*` URLs that are relative or own. */
function assetsOf(html) {
  const found = new Set(FIXED.map((f) => new URL(f, scope).pathname));
  for (const m of html.matchAll(/(?:href|src|data-js|data-wasm)="([^"]+)"/g)) {
    const url = new URL(m[1], scope);
    if (url.origin === scope.origin && url.pathname.startsWith(scope.pathname)) found.add(url.pathname);
  }
  return found;
}

/** Fetches the page and its assets into a fresh cache, dropping entries no longer named. */
async function refresh() {
  const page = await fetch(new URL('index.html', scope), { cache: 'no-store' });
  if (!page.ok) throw new Error(`index.html: HTTP ${page.status}`);
  const html = await page.clone().text();
  const wanted = assetsOf(html);
  const cache = await caches.open(CACHE);
  await cache.put(new URL('index.html', scope), page);
  await Promise.all(
    [...wanted]
      .filter((p) => p !== scope.pathname && !p.endsWith('/index.html'))
      .map(async (p) => {
        const r = await fetch(p, { cache: 'no-store' });
        if (r.ok) await cache.put(p, r);
      }),
  );
  for (const req of await cache.keys()) {
    if (!wanted.has(new URL(req.url).pathname)) await cache.delete(req);
  }
  return wanted;
}

let assets = null;

async function knownAssets() {
  if (assets) return assets;
  const cache = await caches.open(CACHE);
  const page = await cache.match(new URL('index.html', scope));
  assets = page ? assetsOf(await page.text()) : new Set(FIXED.map((f) => new URL(f, scope).pathname));
  return assets;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    refresh().then((a) => {
      assets = a;
      return self.skipWaiting();
    }),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** Whether a request is for one of the page's own assets (the page itself included, whatever its query). */
function isPage(url) {
  return url.pathname === scope.pathname || url.pathname === new URL('index.html', scope).pathname;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== scope.origin) return;
  // Decided synchronously for the page and the fixed names; other own assets need the list.
  const page = isPage(url) && (req.mode === 'navigate' || url.search === '');
  if (!page && !FIXED.some((f) => url.pathname === new URL(f, scope).pathname) && !(assets && assets.has(url.pathname))) {
    // Not known to be an asset yet (the list loads lazily after a restart): only asset-like paths
    // wait for it; anything else, a report URL, is left alone.
    if (assets || url.search !== '' || !/\.(js|wasm|css|svg)$/.test(url.pathname)) return;
  }
  event.respondWith(
    (async () => {
      const known = await knownAssets();
      const key = page ? new URL('index.html', scope).href : url.pathname;
      if (!page && !known.has(url.pathname)) return fetch(req);
      try {
        // A navigation request cannot be re-made with options: fetched as it is.
        const fresh = await fetch(req);
        if (fresh.ok) {
          const cache = await caches.open(CACHE);
          await cache.put(key, fresh.clone());
        }
        return fresh;
      } catch (err) {
        const cached = await caches.match(key);
        if (cached) return cached;
        throw err;
      }
    })(),
  );
});
