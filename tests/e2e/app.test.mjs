// Browser tests of the covlens page: serve the Trunk build (dist/) on 127.0.0.1, drive it in headless Chromium through playwright-core, check exact numbers.
//
// Run after `trunk build --release --offline`:   node --test tests/e2e/
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, settled, startApp, summary } from './harness.mjs';

const fixtures = path.join(root, 'tests/e2e/fixtures');
const screenshots = path.join(root, 'tests/e2e/screenshots');

let server;
let origin;
let browser;

before(async () => {
  ({ server, origin, browser } = await startApp());
  fs.mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A new page that records every request, console error and CSP violation. */
async function openPage(colorScheme = 'light', url = '/') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  const requests = [];
  const problems = [];
  // Context-level: also sees the worker's requests (its scripts and wasm).
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(`${origin}${url}`);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  return { context, page, requests, problems };
}

const rowPaths = (page) => page.$$eval('[data-testid=file-row]', (rows) => rows.map((r) => r.dataset.path));

function assertOwnOrigin(requests) {
  assert.ok(requests.length > 0);
  const foreign = requests.filter((u) => new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], 'the page must request nothing outside its own origin');
}

test('a drop of 20 reports goes to the worker 8 files a message and every input joins in drop order', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-many-'));
  // Report i covers src/f<i>.c: line 1 hit, lines 2..i+2 not hit.
  const files = [];
  for (let i = 0; i < 20; i++) {
    const lines = [`DA:1,${i + 1}`];
    for (let l = 2; l <= i + 2; l++) lines.push(`DA:${l},0`);
    const file = path.join(dir, `r${String(i).padStart(2, '0')}.info`);
    fs.writeFileSync(file, `TN:\nSF:src/f${i}.c\n${lines.join('\n')}\nLF:${i + 2}\nLH:1\nend_of_record\n`);
    files.push(file);
  }
  const { context, page, problems } = await openPage();
  await page.evaluate(() => {
    // Counts the files each message to the worker carries.
    window.__posted = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (msg, ...rest) {
      if (msg && typeof msg === 'object') window.__posted.push((msg.files ?? msg.more ?? []).length);
      return post.call(this, msg, ...rest);
    };
  });
  await page.setInputFiles('[data-testid=file-input]', files);
  await settled(page, 20);
  assert.deepEqual(await page.evaluate(() => window.__posted.filter((n) => n > 0)), [8, 8, 4]);
  const names = await page.$$eval('[data-testid=shard-row]', (rows) => rows.map((r) => r.dataset.name));
  assert.deepEqual(names, files.map((f) => path.basename(f)));
  // 20 lines hit (one per file) of 2 + 3 + ... + 21 = 230.
  assert.deepEqual((await summary(page)).lines, [20, 230]);
  assert.deepEqual(problems, []);
  await context.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('loads two LCOV shards and a Cobertura report, merges them, and reports a broken file', async () => {
  const { context, page, requests, problems } = await openPage();

  await page.setInputFiles('[data-testid=file-input]', [
    path.join(fixtures, 'unit.info'),
    path.join(fixtures, 'integration.info'),
    path.join(fixtures, 'net-gcovr.xml'),
    path.join(fixtures, 'truncated-cobertura.xml'),
  ]);
  await settled(page, 4);

  // Expected numbers, by hand from the fixtures (a line/branch/function is hit when its count > 0):
  //
  // src/parser.c is in both LCOV shards and merges by summing counts per line, branch and function:
  //   lines     3:4+1 4:4+1 5:3+0 6:1+1 9:0+2 10:0+2 12:0+2 13:0+2 14:0+0      → 8 of 9 hit
  //   branches  4/0/0: 3+0  4/0/1: 1+1  12/0/0: '-'+2  12/0/1: '-'+0          → 3 of 4 hit
  //             ('-' = never evaluated: found, not hit; '-' + 2 = 2, '-' + 0 = 0)
  //   functions parse_header 4+1, parse_body 0+2                               → 2 of 2 hit
  // src/util.c   (unit.info only)        lines 4/4, branches 2/2 (2,4), functions 1/1 (clamp 6)
  // src/main.c   (integration.info only) lines 5/6 (8 is 0; the malformed `DA:12` with no count is a
  //              warning and is skipped), branches 1/2 (1,0), functions 1/1 (main 1)
  // src/net/http.c (Cobertura, `<source>src/net</source>` + filename http.c)
  //              lines 4/6 (15, 16 are 0), branches 1/2 (condition-coverage "50% (1/2)"),
  //              functions 1/2 (http_get's first line has 3 hits, http_close's has 0)
  // src/net/url.c  lines 4/4, branches 2/4 ("100% (2/2)" + "0% (0/2)"), functions 1/1
  //
  // Totals: lines     8+4+5+4+4 = 25 of 9+4+6+6+4 = 29
  //         branches  3+2+1+1+2 =  9 of 4+2+2+2+4 = 14
  //         functions 2+1+1+1+1 =  6 of 2+1+1+2+1 =  7
  assert.deepEqual(await summary(page), { lines: [25, 29], branches: [9, 14], functions: [6, 7] });

  // One row per file of the merged report, sorted by path.
  assert.deepEqual(await rowPaths(page), [
    'src/main.c',
    'src/net/http.c',
    'src/net/url.c',
    'src/parser.c',
    'src/util.c',
  ]);
  const parserRow = await page.$$eval('[data-testid=file-row][data-path="src/parser.c"] .pct', (c) =>
    c.map((e) => e.textContent),
  );
  assert.deepEqual(parserRow, ['88.8%', '75.0%', '100.0%']); // 8/9 rounds down

  // Parsing ran in two workers (the state worker and its parse helper, which took half the bytes);
  // the inputs still joined in drop order.
  assert.deepEqual(
    page.workers().map((w) => new URL(w.url()).pathname),
    ['/worker-loader.js', '/worker-loader.js'],
  );

  // The inputs that loaded, with their detected format; the one that did not, with its error.
  const shards = await page.$$eval('[data-testid=shard-row]', (rows) =>
    rows.map((r) => [r.dataset.name, r.dataset.format]),
  );
  assert.deepEqual(shards, [
    ['unit.info', 'lcov'],
    ['integration.info', 'lcov'],
    ['net-gcovr.xml', 'cobertura'],
  ]);
  // What each input measured (Cobertura's branches are only "covered of total" per line).
  const fidelity = await page.$$eval('[data-testid=shard-row]', (rows) => rows.map((r) => r.dataset.fidelity));
  assert.deepEqual(fidelity, [
    'lines=counted branches=counted functions=counted',
    'lines=counted branches=counted functions=counted',
    'lines=counted branches=boolean functions=counted',
  ]);
  const errors = await page.$$eval('[data-testid=load-error]', (e) => e.map((x) => x.textContent));
  assert.equal(errors.length, 1);
  // ParseError::render("truncated-cobertura.xml"); the file stops inside the `<line number="4" ...` tag.
  assert.match(errors[0], /^truncated-cobertura\.xml: failed to parse Cobertura XML at 15:\d+: /);
  // The error sits next to its file's name.
  const errorName = await page.$eval('[data-testid=load-error]', (e) =>
    e.closest('li').querySelector('.input-name').textContent,
  );
  assert.equal(errorName, 'truncated-cobertura.xml');

  // integration.info's malformed `DA:12` is listed as a diagnostic of that input.
  const diags = await page.$$eval('[data-testid=shard-row]', (rows) =>
    rows.map((r) => {
      const d = r.querySelector('[data-testid=diagnostics]');
      return d ? [r.dataset.name, Number(d.dataset.count), [...d.querySelectorAll('li')].map((l) => l.textContent)] : null;
    }),
  );
  assert.deepEqual(diags[0], null);
  assert.equal(diags[1][0], 'integration.info');
  assert.equal(diags[1][1], 1);
  assert.match(diags[1][2][0], /^integration\.info:43:\d+: warning: malformed DA record/);

  // Sorting by line coverage, worst first, within each directory of the tree: under src/, net/ 8/10,
  // main 5/6, parser 8/9, util 4/4; under net/, http 4/6 then url 4/4.
  await page.click('[data-testid=sort-lines]');
  await page.waitForFunction(() => document.querySelector('[data-testid=file-row]').dataset.path === 'src/net/http.c');
  assert.deepEqual(await rowPaths(page), [
    'src/net/http.c',
    'src/net/url.c',
    'src/main.c',
    'src/parser.c',
    'src/util.c',
  ]);
  await page.fill('[data-testid=filter]', 'net/');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-row]').length === 2);
  assert.deepEqual(await rowPaths(page), ['src/net/http.c', 'src/net/url.c']);
  assert.equal(await page.textContent('[data-testid=file-count]'), '2 of 5 files');
  // Sort and filter are in the URL (no new history entry), for reloads and shared links.
  assert.equal(new URL(page.url()).hash, '#sort=lines&q=net/');
  await page.fill('[data-testid=filter]', '');
  await page.click('[data-testid=sort-path]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-row]').length === 5);

  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar at the top of the picture
  await page.screenshot({ path: path.join(screenshots, 'app.png'), fullPage: true });

  // Removing integration.info re-merges in the worker without it: src/main.c goes, and parser.c is
  // unit.info's alone (lines 3-6 hit: 4/9; branches 4/0/0 and 4/0/1 taken, 12/* never run: 2/4;
  // parse_header only: 1/2).
  //   lines     4+4+4+4 = 16 of 9+4+6+4 = 23;  branches 2+2+1+2 = 7 of 4+2+2+4 = 12;
  //   functions 1+1+1+1 =  4 of 2+1+2+1 =  6
  await page.click('[data-testid=shard-row][data-name="integration.info"] [data-testid=shard-remove]');
  await settled(page, 3);
  assert.deepEqual(await summary(page), { lines: [16, 23], branches: [7, 12], functions: [4, 6] });
  assert.deepEqual(await rowPaths(page), ['src/net/http.c', 'src/net/url.c', 'src/parser.c', 'src/util.c']);

  assertOwnOrigin(requests);
  assert.ok(requests.some((u) => u.endsWith('/covlens-worker_bg.wasm')), 'the worker loaded its wasm');
  assert.deepEqual(problems, []);
  await context.close();
});

test('dropping files anywhere on the page loads them, JaCoCo detected from content', async () => {
  const { context, page, requests, problems } = await openPage();
  const files = ['app-jacoco.xml', 'unit.info'].map((name) => ({
    name,
    text: fs.readFileSync(path.join(fixtures, name), 'utf8'),
  }));
  const dataTransfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([f.text], f.name));
    return dt;
  }, files);
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await page.waitForSelector('.drop-overlay.visible');
  await page.dispatchEvent('main', 'drop', { dataTransfer });
  await settled(page, 2);
  assert.equal(await page.$('.drop-overlay.visible'), null);

  // app-jacoco.xml: com/example/App.java, lines 3/5 (ci > 0 on 3, 5, 6; not on 7, 10), branches 1/2
  // (line 5: mb=1 cb=1), functions 2/3 (<init> and greet ran, unused did not).
  // unit.info alone: src/parser.c lines 4/9, branches 2/4 (12/* never evaluated), functions 1/2;
  // src/util.c 4/4, 2/2, 1/1.
  //   lines 3+4+4 = 11 of 5+9+4 = 18;  branches 1+2+2 = 5 of 2+4+2 = 8;  functions 2+1+1 = 4 of 3+2+1 = 6
  assert.deepEqual(await summary(page), { lines: [11, 18], branches: [5, 8], functions: [4, 6] });
  assert.deepEqual(await rowPaths(page), ['com/example/App.java', 'src/parser.c', 'src/util.c']);
  const shards = await page.$$eval('[data-testid=shard-row]', (rows) =>
    rows.map((r) => [r.dataset.name, r.dataset.format]),
  );
  assert.deepEqual(shards, [
    ['app-jacoco.xml', 'jacoco'],
    ['unit.info', 'lcov'],
  ]);
  assertOwnOrigin(requests);
  assert.deepEqual(problems, []);
  await context.close();
});

test('sort and filter are read from the URL', async () => {
  const { context, page, problems } = await openPage('light', '/?sort=-branches&q=src');
  await page.setInputFiles('[data-testid=file-input]', [
    path.join(fixtures, 'unit.info'),
    path.join(fixtures, 'integration.info'),
    path.join(fixtures, 'net-gcovr.xml'),
  ]);
  await settled(page, 3);
  assert.equal(await page.inputValue('[data-testid=filter]'), 'src');
  assert.equal(await page.getAttribute('th.col-branches', 'aria-sort'), 'descending');
  // Branches, best first: util 2/2, parser 3/4, then 50% three times: main 1/2 and http 1/2 (fewer
  // branches first when descending, then by path), url 2/4.
  assert.deepEqual(await rowPaths(page), [
    'src/util.c',
    'src/parser.c',
    'src/main.c',
    'src/net/http.c',
    'src/net/url.c',
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('looks right in dark mode', async () => {
  const { context, page, requests, problems } = await openPage('dark');
  await page.screenshot({ path: path.join(screenshots, 'empty-dark.png') });
  await page.setInputFiles('[data-testid=file-input]', [
    path.join(fixtures, 'unit.info'),
    path.join(fixtures, 'integration.info'),
    path.join(fixtures, 'net-gcovr.xml'),
    path.join(fixtures, 'truncated-cobertura.xml'),
  ]);
  await settled(page, 4);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(14, 17, 22)');
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar at the top of the picture
  await page.screenshot({ path: path.join(screenshots, 'app-dark.png'), fullPage: true });
  assertOwnOrigin(requests);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a 50 MB report loads in the worker with progress while the page stays responsive', async () => {
  // 1000 files of 5400 lines each; line l of file i has (i + l) % 4 hits, so every file has exactly
  // 5400 / 4 = 1350 lines with 0 hits: 4050 of 5400 hit. One function per file, hit in odd files.
  const FILES = 1000;
  const LINES = 5400;
  const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-e2e-')), 'big.info');
  const out = fs.openSync(big, 'w');
  for (let i = 0; i < FILES; i++) {
    const name = `pkg${String(i % 20).padStart(2, '0')}/file${String(i).padStart(4, '0')}.c`;
    let rec = `TN:\nSF:${name}\nFN:1,${LINES},fn_${i}\nFNDA:${i % 2},fn_${i}\n`;
    for (let l = 1; l <= LINES; l++) rec += `DA:${l},${(i + l) % 4}\n`;
    rec += `LF:${LINES}\nLH:${(LINES / 4) * 3}\nend_of_record\n`;
    fs.writeSync(out, rec);
  }
  fs.closeSync(out);
  const size = fs.statSync(big).size;
  assert.ok(size >= 50_000_000, `generated ${size} bytes`);

  const { context, page, requests, problems } = await openPage();
  // Longest gap between animation frames while the loading bar is up: a blocked main thread shows
  // up as one long gap (the whole parse), a free one as frames every ~16 ms.
  await page.evaluate(() => {
    window.__maxGap = 0;
    window.__progress = new Set();
    let last = performance.now();
    const frame = () => {
      const now = performance.now();
      const loading = document.querySelector('[data-testid=loading]');
      if (loading) {
        window.__maxGap = Math.max(window.__maxGap, now - last);
        const text = loading.querySelector('.loading-progress').textContent;
        if (/ MB of /.test(text)) window.__progress.add(text);
      }
      last = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const started = Date.now();
  await page.setInputFiles('[data-testid=file-input]', big);
  // Best effort (the load may finish first): a picture of the progress bar for people to look at.
  await page
    .waitForFunction(() => / MB of /.test(document.querySelector('.loading-progress')?.textContent ?? ''), null, {
      timeout: 2000,
    })
    .then(() => page.screenshot({ path: path.join(screenshots, 'loading.png') }))
    .catch(() => {});
  await settled(page, 1);
  const elapsed = Date.now() - started;
  const { maxGap, progress } = await page.evaluate(() => ({
    maxGap: window.__maxGap,
    progress: [...window.__progress],
  }));
  console.log(
    `50 MB: ${size} bytes loaded in ${elapsed} ms; longest frame gap while loading ${maxGap.toFixed(0)} ms; ` +
      `${progress.length} progress texts seen, e.g. ${progress[Math.floor(progress.length / 2)]}`,
  );

  assert.deepEqual(await summary(page), {
    lines: [FILES * (LINES / 4) * 3, FILES * LINES],
    branches: [0, 0],
    functions: [FILES / 2, FILES],
  });
  // The tree is virtualized: all files counted, a bounded number of rows in the DOM.
  assert.equal(await page.textContent('[data-testid=file-count]'), '1,000 files');
  const domRows = await page.$$eval('[data-testid=file-row]', (r) => r.length);
  assert.ok(domRows > 0 && domRows <= 100, `file rows in the DOM: ${domRows}`);
  // The bar moved through the file: several distinct byte counts were on screen.
  assert.ok(progress.length >= 2, `progress seen: ${JSON.stringify(progress)}`);
  for (const p of progress) assert.match(p, /^Reading 1 of 1 file · [\d.]+ MB of 53\.0 MB$/);
  assert.ok(maxGap < 1000, `main thread blocked for ${maxGap} ms while the worker parsed`);
  assertOwnOrigin(requests);
  assert.deepEqual(problems, []);
  await context.close();
  fs.rmSync(path.dirname(big), { recursive: true, force: true });
});
