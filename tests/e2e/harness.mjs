// Shared set-up of the browser tests and the browser bench: the repository root, the release build to
// serve, a static file server for it, and headless Chromium launched the way this machine needs.
//
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dist = path.resolve(process.env.COVLENS_DIST ?? path.join(root, 'dist'));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A static file server for `dir` on 127.0.0.1 (random port); `/` is index.html, nothing outside `dir`. */
export function serve(dir) {
  const server = http.createServer((req, res) => {
    let rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(dir, '.' + rel);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

/**
 * Headless Chromium with the flags this machine needs (its closed network refuses Chromium's background
 * connections); Playwright gives every launch a fresh temporary profile.
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Serves the release build and launches Chromium; fails with what to do when there is no build. */
export async function startApp() {
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`no build at ${dist}: run \`trunk build --release --offline\` first`);
  }
  const { server, origin } = await serve(dist);
  const browser = await launchChromium();
  return { server, origin, browser };
}

/**
 * A new page at `origin` + `url` (once the page is up), in a context of its own, that records console
 * errors and page errors in `problems` (tests assert it stays empty).
 */
export async function openPage(browser, origin, url = '/', { viewport = { width: 1280, height: 900 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  const problems = [];
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${origin}${url}`);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  return { context, page, problems };
}

/**
 * Waits until the worker has answered every request (nothing loading), `n` inputs (shards and load
 * errors) are listed, and the inputs panel has drawn every row it shows (the first 100 inputs of a
 * larger drop, see `data-shown`).
 */
export async function settled(page, n) {
  await page.waitForFunction((n) => {
    if (document.querySelector('[data-testid=loading]')) return false;
    const rows = document.querySelectorAll('[data-testid=shard-row], [data-testid=load-error]').length;
    const panel = document.querySelector('[data-testid=inputs]');
    if (!panel) return rows === n;
    const { loaded, failed, shown } = panel.dataset;
    return Number(loaded) + Number(failed) === n && rows === Number(shown) + Number(failed);
  }, n);
}

/** The summary cards as `{ lines: [hit, found], branches: [...], functions: [...] }`. */
export function summary(page) {
  return page.$$eval('[data-testid^=summary-]', (cards) =>
    Object.fromEntries(
      cards.map((c) => [c.dataset.testid.replace('summary-', ''), [Number(c.dataset.hit), Number(c.dataset.found)]]),
    ),
  );
}
