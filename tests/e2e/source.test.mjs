// Browser tests of the source view: open a file of a real two-job LCOV merge with its C source dropped alongside, check exact lines, branches, shards and jumps, and the bounded DOM of a 20,000-line file.
//
// Run after `trunk build --release --offline`:   node --test tests/e2e/
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPage as open, root, startApp } from './harness.mjs';

const screenshots = path.join(root, 'tests/e2e/screenshots');
const lcov = path.join(root, 'tests/fixtures/lcov');
const csrc = path.join(root, 'tests/fixtures/src/c');

let server;
let origin;
let browser;
let tmp;

before(async () => {
  ({ server, origin, browser } = await startApp());
  fs.mkdirSync(screenshots, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-source-'));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const openPage = () => open(browser, origin, '/', { viewport: { width: 1280, height: 800 } });

/** Loads `files`, waits for `shards` inputs, clicks the row of `file` and waits for its source view. */
async function openSource(page, files, shards, file) {
  await page.setInputFiles('[data-testid=file-input]', files);
  await page.waitForFunction(
    (n) => !document.querySelector('[data-testid=loading]') && document.querySelectorAll('[data-testid=shard-row]').length === n,
    shards,
  );
  const row = `[data-testid=file-row][data-path="${file}"]`;
  await page.waitForSelector(row);
  await page.click(row);
  await page.waitForSelector(`[data-testid=source-view][data-path="${file}"] [data-testid=source-line]`);
}

const line = (page, n) =>
  page.$eval(`[data-testid=source-line][data-line="${n}"]`, (r) => ({
    hits: r.dataset.hits,
    state: r.dataset.state,
    branches: r.dataset.branches,
    shards: r.dataset.shards,
    code: r.querySelector('.src-code').textContent,
    glyph: r.querySelector('.src-glyph').textContent,
  }));

test('the source view of a two-job LCOV merge: hits, states, branches, shards, jumps', async () => {
  const { context, page, problems } = await openPage();
  const file = '/tmp/covlens-fixtures/ci-a/c/calc.c';
  // The two jobs of the C sample, and its source (not a report: kept for the source view, matched to
  // the report path by its file name).
  await openSource(page, [path.join(lcov, 'job1.info'), path.join(lcov, 'job2.info'), path.join(csrc, 'calc.c')], 2, file);
  assert.deepEqual(await page.$$eval('[data-testid=load-error]', (e) => e.length), 0);
  const text = fs.readFileSync(path.join(csrc, 'calc.c'), 'utf8').split('\n');
  const view = await page.$eval('[data-testid=source-view]', (v) => ({ lines: v.dataset.lines, origin: v.dataset.origin }));
  assert.deepEqual(view, { lines: String(text.length - (text.at(-1) === '' ? 1 : 0)), origin: 'dropped' });
  assert.equal(await page.textContent('[data-testid=source-origin]'), 'source text from calc.c (matched by calc.c)');

  // Line 6: job1 `DA:6,2` + job2 `DA:6,1`; each job takes one of its two branches, together both.
  assert.deepEqual(await line(page, 6), {
    hits: '3',
    state: 'covered',
    branches: '2/2 taken',
    shards: 'job1.info, job2.info',
    code: text[5],
    glyph: '\u2713',
  });
  // Line 17: the switch; branches 0 and 4 taken in job1, 3 in job2.
  assert.deepEqual(await line(page, 17), {
    hits: '3',
    state: 'partial',
    branches: '3/5 taken; branches 1, 2 not taken',
    shards: 'job1.info, job2.info',
    code: text[16],
    glyph: '\u25d0',
  });
  // Line 20: never ran in either job.
  assert.deepEqual(await line(page, 20), { hits: '0', state: 'uncovered', branches: '', shards: '', code: text[19], glyph: '\u2717' });
  // Line 42: job1 never evaluated its branches (`-`), job2 took three of four.
  const l42 = await line(page, 42);
  assert.deepEqual([l42.state, l42.branches, l42.shards], ['partial', '3/4 taken; branch 3 not taken', 'job2.info']);
  // A line with nothing coverable has no hits and no state.
  const l1 = await line(page, 1);
  assert.deepEqual([l1.hits, l1.state, l1.code], ['', 'none', text[0]]);
  // Highlighting: `int` is a keyword on line 4 (`int classify(int x)` or similar C).
  assert.ok((await page.$$eval('[data-testid=source-line] .tok-kw', (k) => k.length)) > 0);

  // `n` jumps to the start of each gap (uncovered run or partial line): 17, 20, then `p` back to 17.
  const selected = () => page.$eval('[data-testid=line-detail]', (d) => d.dataset.line);
  await page.keyboard.press('n');
  await page.waitForSelector('[data-testid=line-detail][data-line="17"]');
  await page.keyboard.press('n');
  await page.waitForSelector('[data-testid=line-detail][data-line="20"]');
  await page.keyboard.press('p');
  await page.waitForSelector('[data-testid=line-detail][data-line="17"]');
  assert.equal(await selected(), '17');
  const detail = await page.$$eval('[data-testid=line-detail] li', (l) => l.map((x) => x.textContent));
  assert.deepEqual(detail, [
    'line 17: partly covered, 3 hits',
    'branch 0: taken 1\u00d7',
    'branch 1: not taken',
    'branch 2: not taken',
    'branch 3: taken 1\u00d7',
    'branch 4: taken 1\u00d7',
    'hit by job1.info \u00d72, job2.info \u00d71',
  ]);
  await page.screenshot({ path: path.join(screenshots, 'source-view.png') });

  // Escape goes back to the files.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('[data-testid=source-view]'));

  // Without the source the view still lists line numbers and counts, and says why there is no text.
  await page.click('[data-testid=file-row][data-path="/tmp/covlens-fixtures/ci-a/c/driver.c"]');
  await page.waitForSelector('[data-testid=source-view][data-origin=missing] [data-testid=source-line]');
  const first = await page.$eval('[data-testid=source-line][data-state=covered]', (r) => [r.dataset.line, r.querySelector('.src-code').textContent]);
  assert.equal(first[1], '');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a 20,000-line file opens and scrolls with a bounded DOM', async () => {
  const n = 20000;
  const info = ['SF:/gen/src/big.c'];
  const src = [];
  for (let i = 1; i <= n; i++) {
    src.push(`int v${i} = ${i}; /* line ${i} */`);
    info.push(`DA:${i},${i % 3 === 0 ? 0 : i}`);
  }
  info.push('end_of_record', '');
  fs.writeFileSync(path.join(tmp, 'big.info'), info.join('\n'));
  fs.writeFileSync(path.join(tmp, 'big.c'), src.join('\n') + '\n');
  const { context, page, problems } = await openPage();
  const t0 = Date.now();
  await openSource(page, [path.join(tmp, 'big.info'), path.join(tmp, 'big.c')], 1, '/gen/src/big.c');
  const opened = Date.now() - t0;
  assert.equal(await page.$eval('[data-testid=source-view]', (v) => v.dataset.lines), String(n));
  const rows = () => page.$$eval('[data-testid=source-line]', (r) => r.length);
  const bound = 120; // an 800px viewport holds 40 rows of 20px, plus 20 above and below
  const atTop = await rows();
  assert.ok(atTop <= bound, `${atTop} rows in the DOM`);
  // Scroll to the middle and to the end: the rows there are drawn, still bounded.
  for (const target of [10000, 19990]) {
    await page.$eval('.src-scroll', (el, t) => { el.scrollTop = (t - 1) * 20; }, target);
    await page.waitForSelector(`[data-testid=source-line][data-line="${target}"]`);
    assert.ok((await rows()) <= bound, `${await rows()} rows in the DOM at line ${target}`);
  }
  // Line i has i hits unless i is a multiple of 3 (19998 is: 0 hits), so 19997 is a covered line.
  assert.deepEqual(await line(page, 19997), {
    hits: '19997',
    state: 'covered',
    branches: '',
    shards: 'big.info',
    code: 'int v19997 = 19997; /* line 19997 */',
    glyph: '\u2713',
  });
  assert.deepEqual([(await line(page, 19998)).hits, (await line(page, 19998)).state], ['0', 'uncovered']);
  assert.equal((await line(page, 19995)).state, 'uncovered');
  console.log(`20,000-line file: loaded and opened in ${opened} ms; source rows in the DOM ${atTop} at the top, ${await rows()} at the end`);
  await page.screenshot({ path: path.join(screenshots, 'source-view-20k.png') });
  assert.deepEqual(problems, []);
  await context.close();
});
