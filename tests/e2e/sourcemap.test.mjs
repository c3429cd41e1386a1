// Browser tests of source maps: c8's V8 dumps remapped to TypeScript on the page with c8's own numbers, a bundled page's Playwright coverage remapped through its dropped .map, and the mapping inspector.
//
// Run after `trunk build --release --offline`:   node --test tests/e2e/sourcemap.test.mjs
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).
// Fixtures: tests/fixtures/ts (tests/fixtures/ts/make.sh: tsc + esbuild under c8 and nyc) and
// tests/e2e/fixtures/bundled (a two-button TypeScript page bundled by esbuild; build.sh rebuilds dist/).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPage as open, root, serve, startApp } from './harness.mjs';

const screenshots = path.join(root, 'tests/e2e/screenshots');
const ts = path.join(root, 'tests/fixtures/ts');
const bundled = path.join(root, 'tests/e2e/fixtures/bundled');
const TS = '/tmp/covlens-fixtures/ts/';

let server;
let origin;
let browser;
let tmp;

before(async () => {
  ({ server, origin, browser } = await startApp());
  fs.mkdirSync(screenshots, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-sourcemap-'));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const openPage = (hash = '') => open(browser, origin, `/${hash}`);

const idle = (page) => page.waitForFunction(() => !document.querySelector('[data-testid=loading]'));

/** Loads `files` and waits for `shards` inputs and `rows` file rows. */
async function load(page, files, shards, rows) {
  await page.setInputFiles('[data-testid=file-input]', files);
  await page.waitForFunction(
    ([s, r]) =>
      !document.querySelector('[data-testid=loading]') &&
      document.querySelectorAll('[data-testid=shard-row]').length === s &&
      document.querySelectorAll('[data-testid=file-row]').length === r,
    [shards, rows],
  );
}

/** Each file row: path → "hit / found" of lines, branches, functions (the meters' titles). */
const fileRows = (page) =>
  page.$$eval('[data-testid=file-row]', (rows) =>
    Object.fromEntries(
      rows.map((r) => [r.dataset.path, [...r.querySelectorAll('.meter')].slice(0, 3).map((m) => m.title)]),
    ),
  );

/** c8's json-summary as the rows show it. */
function c8Rows(name, keep = (p) => !p.includes('/node_modules/')) {
  const summary = JSON.parse(fs.readFileSync(path.join(ts, name), 'utf8'));
  const out = {};
  for (const [file, s] of Object.entries(summary)) {
    if (file === 'total' || !keep(file)) continue;
    const m = (k, what) => (s[k].total === 0 ? `no ${what}` : `${s[k].covered} / ${s[k].total} ${what} covered`);
    out[file] = [m('lines', 'lines'), m('branches', 'branches'), m('functions', 'functions')];
  }
  return out;
}

/** c8's per-line hits of one file from its coverage-final.json (one statement per line, as c8 writes them). */
function c8Lines(name, file) {
  const f = JSON.parse(fs.readFileSync(path.join(ts, name), 'utf8'))[file];
  const out = {};
  for (const [id, loc] of Object.entries(f.statementMap)) out[loc.start.line] = String(f.s[id]);
  return out;
}

async function openFile(page, file) {
  await page.click(`[data-testid=file-row][data-path="${file}"]`);
  await page.waitForSelector(`[data-testid=source-view][data-path="${file}"] [data-testid=source-line]`);
}

/** Every source line in the DOM (the view is virtual: scroll to have them all) as n → [hits, code]. */
async function sourceLines(page) {
  const out = {};
  const total = Number(await page.getAttribute('[data-testid=source-view]', 'data-lines'));
  for (let top = 0; ; top += 400) {
    await page.$eval('.src-scroll', (el, t) => {
      el.scrollTop = t;
      el.dispatchEvent(new Event('scroll'));
    }, top);
    await page.waitForTimeout(50);
    const rows = await page.$$eval('[data-testid=source-line]', (rs) =>
      rs.map((r) => [r.dataset.line, r.dataset.hits, r.querySelector('.src-code').textContent]),
    );
    for (const [n, hits, code] of rows) out[n] = [hits, code];
    if (Object.keys(out).length >= total || top > total * 20) break;
  }
  return out;
}

test('c8 dumps of TypeScript: the .ts files with c8 numbers, TypeScript text, and the library switch', async () => {
  for (const run of ['tsc.job1', 'tsc.job2', 'esb.job1', 'esb.job2']) {
    const { context, page, problems } = await openPage();
    await load(page, [path.join(ts, `${run}.v8.json`)], 1, 2);
    assert.deepEqual(await fileRows(page), c8Rows(`${run}.c8-summary.json`), run);
    assert.deepEqual(await page.$$eval('[data-testid=load-error]', (e) => e.length), 0);
    const note = await page.$eval('[data-testid=shard-remap]', (n) => ({ ...n.dataset, text: n.querySelector('.remap-text').textContent }));
    // tsc: 1 range of `"use strict"`/exports prologue per file; esbuild: 10 ranges of its runtime helpers.
    const unmapped = run.startsWith('tsc') ? '2' : '10';
    assert.deepEqual(
      [note.generated, note.originals, note.unmapped, note.excluded],
      [run.startsWith('tsc') ? '2' : '1', '2', unmapped, '1'],
      run,
    );
    assert.match(note.text, new RegExp(`through source-map-cache; ${unmapped} ranges of generated code have no original \\(not counted\\); 1 library source left out`));
    if (run === 'esb.job2') {
      // The TypeScript of main.ts from sourcesContent, with c8's per-line hits.
      const file = `${TS}src/main.ts`;
      await openFile(page, file);
      assert.equal(
        await page.textContent('[data-testid=source-origin]'),
        'source text from the report esb.job2.v8.json (sourcesContent of its source map)',
      );
      const lines = await sourceLines(page);
      const text = fs.readFileSync(path.join(ts, 'src/main.ts'), 'utf8').split('\n');
      assert.equal(Object.keys(lines).length, 27);
      for (const [n, [, code]] of Object.entries(lines)) assert.equal(code, text[n - 1], `main.ts:${n}`);
      const hits = Object.fromEntries(Object.entries(lines).map(([n, [h]]) => [n, h]));
      assert.deepEqual(hits, c8Lines('esb.job2.c8-final.json', file));
      // TypeScript, not the bundle: a type annotation is in the text.
      assert.ok(Object.values(lines).some(([, code]) => /: (string|number)\b/.test(code)));
      await page.screenshot({ path: path.join(screenshots, 'sourcemap-typescript.png') });
      await page.keyboard.press('Escape');
      // The switch keeps library sources: tiny-pad (a source of the bundle) with c8's own numbers.
      const sw = page.getByRole('switch', { name: /Include library sources/ });
      assert.equal(await sw.isChecked(), false);
      await sw.check();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-row]').length === 3);
      await idle(page);
      assert.deepEqual(await fileRows(page), c8Rows('esb.job2.c8-summary.json', () => true));
      assert.match(await page.evaluate(() => location.hash), /(^#|&)libs=1(&|$)/);
      assert.equal(await page.getAttribute('[data-testid=shard-remap]', 'data-excluded'), '0');
      await page.screenshot({ path: path.join(screenshots, 'sourcemap-libraries.png') });
      // Off again: left out.
      await sw.uncheck();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-row]').length === 2);
    }
    assert.deepEqual(problems, [], run);
    await context.close();
  }
  // A link with `libs=1` restores the switch: the worker keeps library sources from the first load.
  const { context, page, problems } = await openPage('#libs=1');
  await load(page, [path.join(ts, 'esb.job2.v8.json')], 1, 3);
  assert.equal(await page.getByRole('switch', { name: /Include library sources/ }).isChecked(), true);
  assert.deepEqual(await fileRows(page), c8Rows('esb.job2.c8-summary.json', () => true));
  assert.deepEqual(problems, []);
  await context.close();
});

/** Serves the bundled page, clicks Count twice under V8 coverage, and writes Playwright's JSON to a file. */
async function recordBundled() {
  const app = await serve(bundled);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.coverage.startJSCoverage();
  await page.goto(`${app.origin}/index.html`);
  await page.click('#count');
  await page.click('#count');
  assert.equal(await page.textContent('#out'), '2 clicks');
  const coverage = await page.coverage.stopJSCoverage();
  await context.close();
  app.server.close();
  assert.deepEqual(coverage.map((c) => c.url), [`${app.origin}/dist/app.js`]);
  const file = path.join(tmp, 'page-coverage.json');
  fs.writeFileSync(file, JSON.stringify(coverage));
  return { file, appOrigin: app.origin };
}

const hitsOf = (lines) => Object.fromEntries(Object.entries(lines).map(([n, [h]]) => [n, h]));

/** Hits of lines 1..n: '2' for `twice`, '0' for `never`, else '1'. */
function expectedHits(n, twice, never) {
  const out = {};
  for (let i = 1; i <= n; i++) out[i] = twice.includes(i) ? '2' : never.includes(i) ? '0' : '1';
  return out;
}

test('a bundled page: Playwright coverage and its dropped .map give the TypeScript lines that ran', async () => {
  const { file, appOrigin } = await recordBundled();
  const { context, page, problems } = await openPage();
  // The coverage first: its script names app.js.map, which is not there yet, so the bundle shows.
  await load(page, [file], 1, 1);
  assert.deepEqual(Object.keys(await fileRows(page)), [`${appOrigin}/dist/app.js`]);
  // The map dropped afterwards converts the same input again in place.
  await page.setInputFiles('[data-testid=file-input]', [path.join(bundled, 'dist/app.js.map')]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-row]').length === 2);
  await idle(page);
  const main = `${appOrigin}/src/main.ts`;
  const counter = `${appOrigin}/src/counter.ts`;
  assert.deepEqual(Object.keys(await fileRows(page)).sort(), [counter, main]);
  assert.equal(await page.$$eval('[data-testid=shard-row]', (r) => r.length), 1);
  const note = await page.$eval('[data-testid=shard-remap]', (n) => n.querySelector('.remap-text').textContent);
  assert.match(note, /^remapped 1 generated file to 2 original files through app\.js\.map; /);

  // counter.ts: `increment` ran twice and never hit its limit (9-10), `reset`'s body never ran
  // (16-17), `label` ran twice and never with 0 (22-23); the ternary's line ran twice.
  await openFile(page, counter);
  const c = await sourceLines(page);
  const text = fs.readFileSync(path.join(bundled, 'src/counter.ts'), 'utf8').split('\n');
  for (const [n, [, code]] of Object.entries(c)) assert.equal(code, text[n - 1], `counter.ts:${n}`);
  // Lines with no range of their own keep the count of the range around them (1: the module ran
  // once; c8's rule), as does the first line of each method (its range starts after the indentation).
  assert.deepEqual(hitsOf(c), expectedHits(25, [8, 11, 12, 13, 21, 24, 25], [9, 10, 16, 17, 22, 23]));
  await page.keyboard.press('Escape');

  // main.ts: the Count handler (10) ran twice, the Reset handler (14-15) never.
  await openFile(page, main);
  const m = await sourceLines(page);
  assert.deepEqual(hitsOf(m), expectedHits(16, [10], [14, 15]));
  assert.equal(m[10][1], '  output.textContent = label(counter.increment());');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the mapping inspector: an original line shows its generated code, and back; keys and a selection', async () => {
  const { file, appOrigin } = await recordBundled();
  const { context, page, problems } = await openPage();
  await load(page, [file, path.join(bundled, 'dist/app.js.map')], 1, 2);
  const main = `${appOrigin}/src/main.ts`;
  await openFile(page, main);
  // A click on line 10 selects it; the inspector shows the bundle's code for it, marked.
  await page.click('[data-testid=source-line][data-line="10"] .src-no');
  const panel = '[data-testid=mapping-inspector][data-first="10"][data-last="10"][data-direction=to-generated]';
  await page.waitForSelector(panel);
  assert.equal(await page.textContent('.mi-title'), 'Generated code of line 10 of main.ts');
  assert.equal(await page.getAttribute('[data-testid=mapping-counterpart]', 'data-path'), `${appOrigin}/dist/app.js`);
  assert.equal(await page.textContent('.mi-via'), ' \u00b7 through app.js.map (page-coverage.json)');
  const marks = () => page.$$eval('[data-testid=mapping-mark]', (m) => m.map((x) => x.textContent));
  // esbuild maps generated 36:0 to main.ts 10:2, and 37:0 (the indentation of `});`) to 10:48.
  assert.deepEqual(await marks(), ['    output.textContent = label(counter.increment());', '  ']);
  const lines = await page.$$eval('[data-testid=mapping-line]', (l) => l.map((x) => [x.dataset.line, x.dataset.marked]));
  assert.deepEqual(lines, [['34', 'false'], ['35', 'false'], ['36', 'true'], ['37', 'true'], ['38', 'false'], ['39', 'false']]);
  await page.screenshot({ path: path.join(screenshots, 'sourcemap-inspector.png') });

  // The reverse: generated line 36 back to the original, by keyboard.
  await page.focus('[data-testid=mapping-reverse][data-line="36"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=mapping-inspector][data-direction=to-original][data-first="36"]');
  assert.equal(await page.textContent('.mi-title'), 'Original source of line 36 of app.js');
  assert.equal(await page.getAttribute('[data-testid=mapping-counterpart]', 'data-path'), main);
  assert.deepEqual(await marks(), ['output.textContent = label(counter.increment());']);
  await page.focus('[data-testid=mapping-back]');
  await page.keyboard.press('Enter');
  await page.waitForSelector(panel);

  // Next line by keyboard: line 11 (`});`) is generated 37.
  await page.focus('[data-testid=mapping-next]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=mapping-inspector][data-first="11"][data-direction=to-generated]');
  assert.deepEqual(await marks(), ['});']);

  // A text selection over lines 14-15 asks for both.
  const box = async (n) => (await page.$(`[data-testid=source-line][data-line="${n}"] .src-code`)).boundingBox();
  const a = await box(14);
  const b = await box(15);
  await page.mouse.move(a.x + 4, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + 40, b.y + b.height / 2, { steps: 4 });
  await page.mouse.up();
  await page.waitForSelector('[data-testid=mapping-inspector][data-first="14"][data-last="15"]');
  assert.equal(await page.textContent('.mi-title'), 'Generated code of lines 14\u201315 of main.ts');
  const marked = await page.$$eval('[data-testid=mapping-line][data-marked=true]', (l) => l.map((x) => x.dataset.line));
  // 41 (`});`) starts with a mapping to the end of line 15, as 37 does for line 10.
  assert.deepEqual(marked, ['39', '40', '41']);
  assert.deepEqual(problems, []);
  await context.close();
});
