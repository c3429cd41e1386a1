// Browser tests of the viewer's tools: folders (picked, and dropped as a synthetic directory drop), `?report=` URLs, exports, the `?` shortcuts dialog, layout at two sizes, offline after one visit, requests made, MC/DC in the source view.
//
// Run after `trunk build --release --offline`:   node --test tests/e2e/viewer.test.mjs
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).
//
// Not feasible here: a real drag of a directory from the OS (Playwright cannot start one), so the drop test
// dispatches a `drop` whose DataTransfer items give FileSystemEntry-shaped objects over real File objects;
// the real `showDirectoryPicker` dialog (stubbed with an OPFS directory handle, which is a real
// FileSystemDirectoryHandle).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, dist, serve, launchChromium, settled, summary } from './harness.mjs';

const fixtures = path.join(root, 'tests/e2e/fixtures');
const screenshots = path.join(root, 'tests/e2e/screenshots');
const corpus = path.join(root, '../shared/corpus');

let server;
let origin;
let browser;
let tmp;
let site;

before(async () => {
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`no build at ${dist}: run \`trunk build --release --offline\` first`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-viewer-'));
  // The build, with the e2e fixtures beside it under fixtures/ (the `?report=` URLs).
  site = path.join(tmp, 'site');
  fs.cpSync(dist, site, { recursive: true });
  fs.cpSync(fixtures, path.join(site, 'fixtures'), { recursive: true });
  ({ server, origin } = await serve(site));
  browser = await launchChromium();
  fs.mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function openPage(url = '/', viewport = { width: 1280, height: 720 }, at = origin) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const problems = [];
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
    // Whether the loading bar ever said it was downloading a `?report=` URL.
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid=loading]');
      if (bar && bar.textContent.includes('downloading')) window.__sawDownloading = true;
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${at}${url}`);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  return { context, page, problems, requests };
}

const shardNames = (page) => page.$$eval('[data-testid=shard-row]', (r) => r.map((x) => x.dataset.name));
const errors = (page) => page.$$eval('[data-testid=load-error]', (r) => r.map((x) => x.textContent));

/** unit.info + integration.info + net-gcovr.xml (see worker_state's e2e test and app.test.mjs). */
const THREE = { lines: [25, 29], branches: [9, 14], functions: [6, 7] };

test('a picked folder loads every report inside, recursively; text files become sources', async () => {
  const dir = path.join(tmp, 'artifacts');
  fs.mkdirSync(path.join(dir, 'job1'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'job2/deep'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.copyFileSync(path.join(fixtures, 'unit.info'), path.join(dir, 'job1/unit.info'));
  fs.copyFileSync(path.join(fixtures, 'integration.info'), path.join(dir, 'job2/integration.info'));
  fs.copyFileSync(path.join(fixtures, 'net-gcovr.xml'), path.join(dir, 'job2/deep/net-gcovr.xml'));
  fs.writeFileSync(path.join(dir, 'src/parser.c'), 'int parse(void) {\n  return 1;\n}\n');
  fs.writeFileSync(path.join(dir, 'job1/main.gcda'), Buffer.from([0x61, 0x64, 0x63, 0x67, 0, 0, 1, 2]));
  const { context, page, problems } = await openPage();
  await page.setInputFiles('[data-testid=folder-input]', dir);
  await settled(page, 3);
  const names = (await shardNames(page)).slice().sort();
  assert.deepEqual(names, ['artifacts/job1/unit.info', 'artifacts/job2/deep/net-gcovr.xml', 'artifacts/job2/integration.info']);
  assert.deepEqual(await errors(page), []);
  assert.deepEqual(await summary(page), THREE);
  assert.equal(await page.getAttribute('[data-testid=source-count]', 'data-count'), '1');
  const notes = await page.$eval('[data-testid=shard-row]', (r) => r.textContent);
  assert.match(notes, /1 file of artifacts is neither a coverage report nor text, skipped: job1\/main\.gcda/);
  assert.match(notes, /1 file of artifacts kept as source text for the source view/);
  // The source dropped with the folder is matched to the report path src/parser.c.
  await page.click('[data-testid=file-row][data-path="src/parser.c"]');
  await page.waitForSelector('[data-testid=source-view][data-path="src/parser.c"] [data-testid=source-line]');
  assert.equal(await page.getAttribute('[data-testid=source-view]', 'data-origin'), 'dropped');
  assert.equal(await page.textContent('[data-testid=source-origin]'), 'source text from artifacts/src/parser.c (matched by src/parser.c)');
  await page.screenshot({ path: path.join(screenshots, 'viewer-folder-source.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a drop of 300 reports merges them all and lists the first 100 inputs until asked; a hidden one toggles', async () => {
  // 300 LCOV reports of one job each: report i covers src/m{i % 30}.c, line l hit when (i + l) % 4 == 0;
  // report 250 alone also hits src/m10.c:1.
  const hits = (i, l) => (i + l) % 4 === 0 || (i === 250 && l === 1);
  const dir = path.join(tmp, 'many');
  fs.mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < 300; i++) {
    let text = `TN:\nSF:src/m${i % 30}.c\n`;
    for (let l = 1; l <= 10; l++) text += `DA:${l},${hits(i, l) ? i + 1 : 0}\n`;
    const file = path.join(dir, `job-${String(i).padStart(3, '0')}.info`);
    fs.writeFileSync(file, text + 'end_of_record\n');
    files.push(file);
  }
  // The merged lines, counted here: a line is hit when any enabled report hits it.
  const lines = (skip) => {
    const hit = new Set();
    for (let i = 0; i < 300; i++) {
      for (let l = 1; l <= 10; l++) if (i !== skip && hits(i, l)) hit.add(`${i % 30}:${l}`);
    }
    return [hit.size, 300];
  };
  const { context, page, problems } = await openPage('/', { width: 1280, height: 900 });
  await page.setInputFiles('[data-testid=file-input]', files);
  await settled(page, 300);
  assert.deepEqual((await summary(page)).lines, lines(-1));
  assert.equal(await page.textContent('.inputs .panel-title'), '300 inputs merged');
  // The first 100 inputs are drawn, in drop order, here and in the per-input breakdown.
  const names = await shardNames(page);
  assert.equal(names.length, 100);
  assert.deepEqual([names[0], names[99]], ['job-000.info', 'job-099.info']);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=shard-breakdown-row]').length === 100);
  assert.equal(
    await page.textContent('.breakdown tr.more-inputs'),
    '\u2026 and 200 more inputs (the inputs list can show them all)',
  );
  assert.equal(await page.textContent('[data-testid=inputs-hidden]'), 'the first 100 are listed; the merge counts all');
  assert.equal(await page.textContent('[data-testid=inputs-show-all]'), 'List all 300');
  await page.screenshot({ path: path.join(screenshots, 'many-inputs.png') });
  // Asked, the list draws all 300 (a step per task) and the button goes.
  await page.click('[data-testid=inputs-show-all]');
  await settled(page, 300);
  assert.equal((await shardNames(page)).length, 300);
  assert.equal(await page.$('[data-testid=inputs-show-all]'), null);
  assert.equal(await page.$('[data-testid=inputs-hidden]'), null);
  // An input that was not drawn at first turns off, and the merged lines follow.
  await page.click('[data-testid=shard-row][data-name="job-250.info"] [data-testid=shard-toggle]');
  await page.waitForFunction(
    (hit) => !document.querySelector('[data-testid=loading]') && document.querySelector('[data-testid=summary-lines]').dataset.hit === String(hit),
    lines(250)[0],
  );
  assert.deepEqual((await summary(page)).lines, lines(250));
  assert.notDeepEqual(lines(250), lines(-1));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a dropped directory is walked recursively (synthetic drop of FileSystemEntry-shaped items)', async () => {
  const { context, page, problems } = await openPage();
  const read = (n) => fs.readFileSync(path.join(fixtures, n), 'utf8');
  await page.evaluate(
    ({ unit, integration, gcovr, jacoco }) => {
      const file = (name, text) => new File([text], name);
      const fileEntry = (fullPath, f) => ({
        isFile: true,
        isDirectory: false,
        name: fullPath.split('/').pop(),
        fullPath,
        file: (ok) => setTimeout(() => ok(f)),
      });
      // readEntries gives two entries per call, then an empty batch, as Chromium gives 100 at a time.
      const dirEntry = (fullPath, children) => ({
        isFile: false,
        isDirectory: true,
        name: fullPath.split('/').pop(),
        fullPath,
        createReader() {
          let at = 0;
          return {
            readEntries(ok) {
              const batch = children.slice(at, at + 2);
              at += 2;
              setTimeout(() => ok(batch));
            },
          };
        },
      });
      const rootDir = dirEntry('/ci', [
        dirEntry('/ci/job3', [fileEntry('/ci/job3/lcov.info', file('lcov.info', unit))]),
        dirEntry('/ci/.git', [fileEntry('/ci/.git/HEAD', file('HEAD', 'ref: refs/heads/main\n'))]),
        fileEntry('/ci/integration.info', file('integration.info', integration)),
        dirEntry('/ci/py', [dirEntry('/ci/py/deep', [fileEntry('/ci/py/deep/net.xml', file('net.xml', gcovr))])]),
        fileEntry('/ci/src/parser.c', file('parser.c', 'int parse(void);\n')),
      ]);
      const loose = file('app-jacoco.xml', jacoco);
      const items = [
        { kind: 'file', webkitGetAsEntry: () => rootDir, getAsFile: () => null },
        { kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => loose },
      ];
      const ev = new Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(ev, 'dataTransfer', { value: { items, files: [] } });
      document.body.dispatchEvent(ev);
    },
    { unit: read('unit.info'), integration: read('integration.info'), gcovr: read('net-gcovr.xml'), jacoco: read('app-jacoco.xml') },
  );
  await settled(page, 4);
  const names = (await shardNames(page)).slice().sort();
  assert.deepEqual(names, ['app-jacoco.xml', 'ci/integration.info', 'ci/job3/lcov.info', 'ci/py/deep/net.xml']);
  assert.equal(await page.getAttribute('[data-testid=source-count]', 'data-count'), '1');
  // The three reports of the walk plus the loose JaCoCo file (3/5 lines, 1/2 branches, 2/3 functions).
  assert.deepEqual(await summary(page), { lines: [28, 34], branches: [10, 16], functions: [8, 10] });
  assert.deepEqual(problems, []);
  await context.close();
});

test('?report= loads same-origin URLs with progress; other origins and failed fetches are named errors', async () => {
  const url =
    '/?report=fixtures/unit.info&report=./fixtures/integration.info&report=fixtures/net-gcovr.xml' +
    '&report=fixtures/missing.info&report=https://example.com/lcov.info';
  const { context, page, problems, requests } = await openPage(url);
  await settled(page, 5);
  assert.deepEqual(await shardNames(page), ['fixtures/unit.info', 'fixtures/integration.info', 'fixtures/net-gcovr.xml']);
  assert.deepEqual(await summary(page), THREE);
  const errs = await errors(page);
  assert.deepEqual(errs, [
    'fixtures/missing.info: failed to read: cannot fetch fixtures/missing.info: the server answered HTTP 404 (Not Found)',
    "https://example.com/lcov.info: failed to read: refused to fetch https://example.com/lcov.info: reports load only from this page's origin (" +
      origin +
      '), not from https://example.com',
  ]);
  assert.equal(await page.evaluate(() => window.__sawDownloading === true), true, 'the loading bar showed the downloads');
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin)), [], 'nothing fetched from another origin');
  await page.screenshot({ path: path.join(screenshots, 'viewer-report-urls.png') });
  // The refused URL and the 404 are not console errors of the page (a failed fetch is the page's own
  // answer); Chromium logs the 404 itself.
  assert.deepEqual(problems.filter((p) => !p.includes('404')), []);
  await context.close();
});

/** Sums an LCOV tracefile's summary records. */
function lcovTotals(text) {
  const t = { lines: [0, 0], branches: [0, 0], functions: [0, 0] };
  for (const line of text.split('\n')) {
    const [k, v] = line.split(':');
    const n = Number(v);
    if (k === 'LH') t.lines[0] += n;
    if (k === 'LF') t.lines[1] += n;
    if (k === 'BRH') t.branches[0] += n;
    if (k === 'BRF') t.branches[1] += n;
    if (k === 'FNH') t.functions[0] += n;
    if (k === 'FNF') t.functions[1] += n;
  }
  return t;
}

async function download(page, format) {
  await page.click('[data-testid=export-button]');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=export-${format}]`)]);
  return { name: dl.suggestedFilename(), text: fs.readFileSync(await dl.path(), 'utf8') };
}

test('export downloads the merged report as LCOV, Cobertura and a JSON summary', async () => {
  const { context, page, problems } = await openPage();
  await page.setInputFiles(
    '[data-testid=file-input]',
    ['unit.info', 'integration.info', 'net-gcovr.xml'].map((n) => path.join(fixtures, n)),
  );
  await settled(page, 3);
  assert.deepEqual(await summary(page), THREE);
  const lcov = await download(page, 'lcov');
  assert.equal(lcov.name, 'covlens-merged.info');
  assert.deepEqual(lcovTotals(lcov.text), THREE);
  assert.equal(lcov.text.split('end_of_record').length - 1, 5);
  const before = Math.floor(Date.now() / 1000);
  const cob = await download(page, 'cobertura');
  const after = Math.ceil(Date.now() / 1000);
  assert.equal(cob.name, 'covlens-merged-cobertura.xml');
  assert.match(cob.text, /lines-covered="25" lines-valid="29" branches-covered="9" branches-valid="14"/);
  const stamp = Number(/timestamp="(\d+)"/.exec(cob.text)[1]);
  assert.ok(stamp >= before - 1 && stamp <= after, `timestamp ${stamp} is the page's clock`);
  const json = await download(page, 'json');
  assert.equal(json.name, 'covlens-summary.json');
  const s = JSON.parse(json.text);
  assert.deepEqual(
    [s.files, s.lines, s.branches, s.functions, s.statements],
    [5, { found: 29, hit: 25 }, { found: 14, hit: 9 }, { found: 7, hit: 6 }, { found: 0, hit: 0 }],
  );
  assert.deepEqual(s.inputs.map((i) => [i.path, i.format, i.files]), [
    ['unit.info', 'lcov', 2],
    ['integration.info', 'lcov', 2],
    ['net-gcovr.xml', 'cobertura', 2],
  ]);
  // Turning a shard off changes what is exported: the export is always the current merge.
  await page.locator('[data-testid=shard-toggle]').nth(1).uncheck();
  await page.waitForFunction(() => document.querySelector('[data-testid=summary-lines]').dataset.found !== '29');
  const off = await download(page, 'lcov');
  const shown = await summary(page);
  assert.deepEqual(lcovTotals(off.text), shown);
  assert.notDeepEqual(shown, THREE);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Controls whose accessible name is empty (aria-label, labelledby, <label>, text, title, in that order). */
const unnamedControls = (page) =>
  page.$$eval('button, input, select, textarea, a[href], [role=button], [role=menuitem], summary', (els) =>
    els
      .filter((el) => {
        const by = el.getAttribute('aria-labelledby');
        const name =
          el.getAttribute('aria-label') ||
          (by && by.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ')) ||
          (el.labels && [...el.labels].map((l) => l.textContent).join(' ')) ||
          (el.tagName !== 'INPUT' && el.textContent) ||
          el.getAttribute('title') ||
          el.getAttribute('placeholder') ||
          '';
        return name.trim() === '';
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );

test('? shows every shortcut, Escape closes it; controls are named; the layout fits 1280x720 and 400 px', async () => {
  const { context, page, problems } = await openPage();
  await page.setInputFiles(
    '[data-testid=file-input]',
    ['unit.info', 'integration.info', 'net-gcovr.xml'].map((n) => path.join(fixtures, n)),
  );
  await settled(page, 3);
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=shortcuts-help]');
  assert.equal(await page.getAttribute('[data-testid=shortcuts-help]', 'data-count'), '13');
  assert.equal(await page.locator('[data-testid=shortcut]').count(), 13);
  const text = await page.textContent('[data-testid=shortcuts-help]');
  for (const words of ['Next uncovered line or partial branch', 'Open the file, or fold / unfold the folder', 'Show this list of shortcuts']) {
    assert.ok(text.includes(words), words);
  }
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'help-close');
  await page.screenshot({ path: path.join(screenshots, 'viewer-shortcuts-1280x720.png') });
  assert.deepEqual(await unnamedControls(page), []);
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=shortcuts-help]', { state: 'detached' });
  // With a file open, Escape closes the dialog only; the next Escape closes the file.
  await page.click('[data-testid=file-row][data-path="src/parser.c"]');
  await page.waitForSelector('[data-testid=source-view] [data-testid=source-line]');
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=shortcuts-help]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=shortcuts-help]', { state: 'detached' });
  assert.equal(await page.locator('[data-testid=source-view]').count(), 1);
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=source-view]', { state: 'detached' });
  // Typing ? in the filter does not open the dialog.
  await page.fill('[data-testid=filter]', '?');
  assert.equal(await page.locator('[data-testid=shortcuts-help]').count(), 0);
  await page.fill('[data-testid=filter]', '');
  // The export menu's items are named too.
  await page.click('[data-testid=export-button]');
  assert.deepEqual(await unnamedControls(page), []);
  await page.keyboard.press('Escape');
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.equal(await fits(), true, 'no sideways scroll at 1280x720');
  await page.screenshot({ path: path.join(screenshots, 'viewer-1280x720.png') });
  await page.setViewportSize({ width: 400, height: 800 });
  assert.equal(await fits(), true, 'no sideways scroll at 400 px');
  await page.screenshot({ path: path.join(screenshots, 'viewer-400.png'), fullPage: true });
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=shortcuts-help]');
  await page.screenshot({ path: path.join(screenshots, 'viewer-shortcuts-400.png') });
  await page.keyboard.press('Escape');
  await page.click('[data-testid=file-row][data-path="src/parser.c"]');
  await page.waitForSelector('[data-testid=source-view] [data-testid=source-line]');
  await page.screenshot({ path: path.join(screenshots, 'viewer-source-400.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('after one visit the page works offline (service worker), loading a dropped file', async () => {
  // Its own server, stopped after the first visit: nothing can come from the network then.
  const { server: own, origin: at } = await serve(site);
  const { context, page, problems, requests } = await openPage('/', undefined, at);
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return reg.active.state;
  });
  const cached = await page.evaluate(async () => (await (await caches.open('covlens-assets-v1')).keys()).map((r) => new URL(r.url).pathname));
  assert.ok(cached.some((p) => p.endsWith('.wasm')), cached.join(' '));
  assert.ok(cached.includes('/covlens-worker_bg.wasm'), cached.join(' '));
  assert.ok(!cached.some((p) => p.startsWith('/fixtures/')), 'nothing but the page is cached');
  own.closeAllConnections();
  await new Promise((r) => own.close(r));
  await context.setOffline(true);
  const before = requests.length;
  await page.reload();
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  await page.setInputFiles('[data-testid=file-input]', path.join(fixtures, 'app-jacoco.xml'));
  await settled(page, 1);
  assert.deepEqual(await summary(page), { lines: [3, 5], branches: [1, 2], functions: [2, 3] });
  assert.ok(requests.length > before, 'the reload requested the page again (answered by the service worker)');
  await page.screenshot({ path: path.join(screenshots, 'viewer-offline.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * A page whose `n`-th request for the worker file `file` (1 = the state worker's, 2 = its parse
 * helper's) is refused, as when the network goes away while the page starts. No service worker: it
 * would answer from its cache.
 */
async function refuseWorkerFile(file, n) {
  // Refused (503) by a server of its own: Playwright's routing does not see the requests of a worker
  // started by a worker.
  const { server: own, origin: at } = await serve(site);
  const [handler] = own.listeners('request');
  own.removeAllListeners('request');
  let seen = 0;
  own.on('request', (req, res) => {
    if (new URL(req.url, 'http://x').pathname === `/${file}` && ++seen === n) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      return res.end('offline');
    }
    handler(req, res);
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' });
  context.on('close', () => own.close());
  const problems = [];
  const warnings = [];
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(at);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  return { context, page, problems, warnings, seen: () => seen, at };
}

test("a worker that cannot be loaded is named on the page; without its helper, the state worker parses alone", async () => {
  // The state worker's script or wasm refused: the page says so instead of waiting for ever.
  const wasmRefused = (at) =>
    `cannot load covlens-worker_bg.wasm (failed to fetch Wasm: 503 Service Unavailable fetching '${at}/covlens-worker_bg.wasm')`;
  for (const [file, bannerAt] of [
    ['worker-loader.js', () => 'the worker stopped (it could not be loaded or it crashed)'],
    ['covlens-worker_bg.wasm', (at) => `the worker stopped: ${wasmRefused(at)}`],
  ]) {
    const { context, page, problems, seen, at } = await refuseWorkerFile(file, 1);
    const banner = bannerAt(at);
    await page.waitForSelector('[data-testid=worker-error]');
    assert.equal(await page.textContent('[data-testid=worker-error]'), `${banner} \u2014 reload the page to start again.`);
    assert.equal(seen(), 1, `${file}: the helper never started`);
    assert.deepEqual(problems, []);
    await context.close();
  }
  // The helper's refused: the same numbers, parsed by the state worker alone, and a warning in the console.
  for (const [file, whyAt] of [
    ['worker-loader.js', () => 'its script could not be loaded'],
    ['covlens-worker_bg.wasm', wasmRefused],
  ]) {
    const { context, page, problems, warnings, seen, at } = await refuseWorkerFile(file, 2);
    const why = whyAt(at);
    const warned = `covlens: the parse helper stopped (${why}); parsing goes on in one worker`;
    // The helper fails before it says it is ready: it is never given an input.
    for (let i = 0; i < 100 && !warnings.includes(warned); i++) await new Promise((r) => setTimeout(r, 50));
    await page.setInputFiles('[data-testid=file-input]', ['unit.info', 'integration.info', 'net-gcovr.xml'].map((f) => path.join(fixtures, f)));
    await settled(page, 3);
    assert.deepEqual(await summary(page), THREE);
    assert.deepEqual(await shardNames(page), ['unit.info', 'integration.info', 'net-gcovr.xml']);
    assert.equal(seen(), 2);
    assert.equal(await page.$('[data-testid=worker-error]'), null);
    assert.ok(warnings.includes(warned), `${file}: ${warnings.join('\n')}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('loading, merging, browsing and exporting request only the page and the ?report= URLs', async () => {
  const own = new Set(['/', '/index.html', ...fs.readdirSync(site).filter((f) => fs.statSync(path.join(site, f)).isFile()).map((f) => `/${f}`)]);
  const reports = [`${origin}/fixtures/unit.info`, `${origin}/fixtures/integration.info`];
  const { context, page, problems, requests } = await openPage('/?report=fixtures/unit.info&report=fixtures/integration.info');
  await settled(page, 2);
  await page.setInputFiles('[data-testid=file-input]', path.join(fixtures, 'net-gcovr.xml'));
  await settled(page, 3);
  assert.deepEqual(await summary(page), THREE);
  // Merging: a shard off and on, another policy.
  await page.locator('[data-testid=shard-toggle]').first().uncheck();
  await page.waitForFunction(() => document.querySelector('[data-testid=summary-lines]').dataset.found !== '29');
  await page.locator('[data-testid=shard-toggle]').first().check();
  await page.waitForFunction(() => document.querySelector('[data-testid=summary-lines]').dataset.found === '29');
  await page.selectOption('[data-testid=policy]', { index: 1 });
  // Browsing: a file's source view, a jump.
  await page.click('[data-testid=file-row][data-path="src/parser.c"]');
  await page.waitForSelector('[data-testid=source-view] [data-testid=source-line]');
  await page.keyboard.press('n');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=source-view]', { state: 'detached' });
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=shortcuts-help]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=shortcuts-help]', { state: 'detached' });
  // Exporting.
  await download(page, 'lcov');
  await download(page, 'json');
  const foreign = requests.filter((u) => {
    const url = new URL(u);
    if (u.startsWith('blob:')) return false; // not a network request
    if (reports.includes(u)) return false;
    return !(url.origin === origin && own.has(url.pathname));
  });
  assert.deepEqual(foreign, [], 'only the page\'s own assets and the ?report= URLs');
  for (const r of reports) assert.ok(requests.includes(r), r);
  assert.deepEqual(problems, []);
  await context.close();
});

test('MC/DC conditions of a real lcov 2.x tracefile show on their lines with exact numbers', async (t) => {
  const mcdc = path.join(corpus, 'lcov/lcov-tests-mcdc.info');
  const twoTests = path.join(corpus, 'lcov/lcov-tests-fnl-fna-mcdc-two-tests.info');
  if (!fs.existsSync(mcdc) || !fs.existsSync(twoTests)) {
    t.diagnostic(`notice: ${corpus} is absent; the MC/DC test is skipped`);
    return;
  }
  const { context, page, problems } = await openPage();
  await page.setInputFiles('[data-testid=file-input]', [mcdc, twoTests]);
  await settled(page, 2);
  const paths = await page.$$eval('[data-testid=file-row]', (r) => r.map((x) => x.dataset.path));
  const testC = paths.find((p) => p.endsWith('test.c'));
  assert.ok(testC, paths.join(' '));
  await page.click(`[data-testid=file-row][data-path="${testC}"]`);
  await page.waitForSelector('[data-testid=source-view] [data-testid=source-line]');
  // test.c line 3: one condition `a`, shown independent both ways in each of the two tests (1 + 1).
  assert.equal(await page.getAttribute('[data-testid=source-line][data-line="3"]', 'data-mcdc'), '1/1');
  assert.equal(await page.getAttribute('[data-testid=source-line][data-line="4"]', 'data-mcdc'), '');
  await page.click('[data-testid=source-line][data-line="3"]');
  const detail = await page.$$eval('[data-testid=line-detail] li', (li) => li.map((x) => x.textContent));
  assert.ok(
    detail.includes('MC/DC condition 1 of 1 (a): independent both ways (true shown 2\u00d7, false shown 2\u00d7)'),
    detail.join('\n'),
  );
  await page.screenshot({ path: path.join(screenshots, 'viewer-mcdc.png') });
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=source-view]', { state: 'detached' });
  // a.cpp: line 1 has a decision of two conditions never shown independent; line 6 has only MC/DC.
  await page.click('[data-testid=file-row][data-path="a.cpp"]');
  await page.waitForSelector('[data-testid=source-view][data-path="a.cpp"] [data-testid=source-line]');
  assert.equal(await page.getAttribute('[data-testid=source-line][data-line="1"]', 'data-mcdc'), '0/2');
  assert.equal(await page.getAttribute('[data-testid=source-line][data-line="6"]', 'data-mcdc'), '0/1');
  await page.click('[data-testid=source-line][data-line="1"]');
  const d1 = await page.$$eval('[data-testid=line-detail] li', (li) => li.map((x) => x.textContent));
  assert.deepEqual(
    d1.filter((x) => x.startsWith('MC/DC')),
    [
      'MC/DC condition 1 of 2 (0): never shown independent (true not shown, false not shown)',
      'MC/DC condition 2 of 2 (0): never shown independent (true not shown, false not shown)',
    ],
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('a source folder opened with the File System Access API feeds the source view (picker stubbed with OPFS)', async (t) => {
  const { context, page, problems } = await openPage();
  if ((await page.locator('[data-testid=source-folder]').count()) === 0) {
    t.diagnostic('notice: this Chromium has no showDirectoryPicker; the button is hidden and the test is skipped');
    await context.close();
    return;
  }
  await page.setInputFiles('[data-testid=file-input]', path.join(fixtures, 'unit.info'));
  await settled(page, 1);
  // A real FileSystemDirectoryHandle (the origin private file system) stands in for the picked folder.
  await page.evaluate(async () => {
    const opfs = await navigator.storage.getDirectory();
    const repo = await opfs.getDirectoryHandle('repo', { create: true });
    const write = async (dir, name, text) => {
      const h = await dir.getFileHandle(name, { create: true });
      const w = await h.createWritable();
      await w.write(text);
      await w.close();
    };
    const src = await repo.getDirectoryHandle('src', { create: true });
    await write(src, 'parser.c', 'int parse_header(void) {\n  return 1;\n}\n');
    await write(repo, 'package.json', '{"name": "x"}\n');
    await write(repo, 'logo.png', 'not really a png');
    const deps = await repo.getDirectoryHandle('node_modules', { create: true });
    await write(deps, 'dep.js', 'module.exports = 1;\n');
    window.showDirectoryPicker = async () => repo;
  });
  await page.click('[data-testid=source-folder]');
  // parser.c and package.json: the image is skipped by its name, node_modules is not entered.
  await page.waitForSelector('[data-testid=source-count][data-count="2"]');
  await page.click('[data-testid=file-row][data-path="src/parser.c"]');
  await page.waitForSelector('[data-testid=source-view][data-path="src/parser.c"] [data-testid=source-line]');
  assert.equal(await page.textContent('[data-testid=source-origin]'), 'source text from repo/src/parser.c (matched by src/parser.c)');
  assert.deepEqual(await errors(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});
