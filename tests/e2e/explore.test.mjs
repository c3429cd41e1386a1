// Browser tests of exploring a merged report: shard toggle and rename, merge policies, overview, URL hash state, theme toggle and the 50,000-file virtualized tree.
//
// Run after `trunk build --release --offline`:   node --test tests/e2e/
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPage as open, root, startApp, summary } from './harness.mjs';

const fixtures = path.join(root, 'tests/e2e/fixtures');
const screenshots = path.join(root, 'tests/e2e/screenshots');

let server, origin, browser;
before(async () => {
  ({ server, origin, browser } = await startApp());
  fs.mkdirSync(screenshots, { recursive: true });
});
after(async () => {
  await browser?.close();
  server?.close();
});

const openPage = (url = '/', colorScheme = 'light') => open(browser, origin, url, { colorScheme });

/** Waits for the summary to show `want` (the worker answers asynchronously). */
async function summaryIs(page, want) {
  await page.waitForFunction((w) => {
    const get = (id) => { const c = document.querySelector(`[data-testid=summary-${id}]`); return c && [Number(c.dataset.hit), Number(c.dataset.found)]; };
    return JSON.stringify({ lines: get('lines'), branches: get('branches'), functions: get('functions') }) === JSON.stringify(w);
  }, want, { timeout: 10000 }).catch(() => {});
  assert.deepEqual(await summary(page), want);
}

async function loadTwo(page) {
  await page.setInputFiles('[data-testid=file-input]', [path.join(fixtures, 'unit.info'), path.join(fixtures, 'integration.info')]);
  await page.waitForFunction(() => !document.querySelector('[data-testid=loading]') && document.querySelectorAll('[data-testid=shard-row]').length === 2);
}

const rowPaths = (page) => page.$$eval('[data-testid=file-row]', (rows) => rows.map((r) => r.dataset.path));

test('a shard toggles off and on, and renames; the merged numbers follow', async () => {
  const { context, page, problems } = await openPage();
  await loadTwo(page);
  // unit.info + integration.info (numbers explained in app.test.mjs): parser 8/9, util 4/4, main 5/6.
  await summaryIs(page, { lines: [17, 19], branches: [6, 8], functions: [4, 4] });
  // integration.info off: unit.info's own totals (parser.c 4/9 lines, 2/4 branches, 1/2 functions; util.c 4/4, 2/2, 1/1).
  await page.click('[data-testid=shard-row][data-name="integration.info"] [data-testid=shard-toggle]');
  await summaryIs(page, { lines: [8, 13], branches: [4, 6], functions: [2, 3] });
  assert.deepEqual(await rowPaths(page), ['src/parser.c', 'src/util.c']);
  assert.equal(await page.$eval('[data-testid=shard-row][data-name="integration.info"] [data-testid=shard-toggle]', (e) => e.checked), false);
  await page.click('[data-testid=shard-row][data-name="integration.info"] [data-testid=shard-toggle]');
  await summaryIs(page, { lines: [17, 19], branches: [6, 8], functions: [4, 4] });
  // Rename inline: the new name shows in the row and in the per-shard breakdown.
  await page.click('[data-testid=shard-row][data-name="unit.info"] [data-testid=shard-rename]');
  await page.fill('[data-testid=shard-name-input]', 'unit tests');
  await page.press('[data-testid=shard-name-input]', 'Enter');
  await page.waitForSelector('[data-testid=shard-row][data-name="unit tests"]');
  assert.equal(await page.textContent('[data-testid=shard-row][data-name="unit tests"] .input-name'), 'unit tests');
  assert.deepEqual(
    await page.$$eval('[data-testid=shard-breakdown-row]', (r) => r.map((x) => [x.dataset.name, Number(x.dataset.hit), Number(x.dataset.found)])),
    [['unit tests', 8, 13], ['integration.info', 12, 15]],
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('merge policies: sum, any, all and covered only by a group', async () => {
  const { context, page, problems } = await openPage();
  await loadTwo(page);
  await summaryIs(page, { lines: [17, 19], branches: [6, 8], functions: [4, 4] });
  // Any shard: what Sum covers.
  await page.selectOption('[data-testid=policy]', 'any');
  await summaryIs(page, { lines: [17, 19], branches: [6, 8], functions: [4, 4] });
  // All shards that measure an item: parser.c lines 3, 4, 6 only; util.c and main.c each have one shard.
  await page.selectOption('[data-testid=policy]', 'all');
  await summaryIs(page, { lines: [12, 19], branches: [4, 8], functions: [3, 4] });
  // Only by integration.info: parser.c 9, 10, 12, 13 and main.c's 5 lines; branches 12/0/0 and 7/0/0; parse_body, main.
  await page.selectOption('[data-testid=policy]', 'only');
  await summaryIs(page, { lines: [0, 19], branches: [0, 8], functions: [0, 4] });
  await page.click('[data-testid=shard-row][data-name="integration.info"] [data-testid=shard-group]');
  await summaryIs(page, { lines: [9, 19], branches: [2, 8], functions: [2, 4] });
  assert.match(new URL(page.url()).hash, /policy=only%3A1/);
  // Only by unit.info: parser.c line 5 and util.c; branch 4/0/0 and util's two; clamp.
  await page.click('[data-testid=shard-row][data-name="integration.info"] [data-testid=shard-group]');
  await page.click('[data-testid=shard-row][data-name="unit.info"] [data-testid=shard-group]');
  await summaryIs(page, { lines: [5, 19], branches: [3, 8], functions: [1, 4] });
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar at the top of the picture
  await page.screenshot({ path: path.join(screenshots, 'policy-only.png'), fullPage: true });
  await page.selectOption('[data-testid=policy]', 'sum');
  await summaryIs(page, { lines: [17, 19], branches: [6, 8], functions: [4, 4] });
  assert.deepEqual(problems, []);
  await context.close();
});

test('overview: languages, treemap zoom; tree folds, sorts, filters; the hash survives a reload; theme toggle', async () => {
  const { context, page, problems } = await openPage();
  await page.setInputFiles('[data-testid=file-input]', [
    path.join(fixtures, 'unit.info'), path.join(fixtures, 'integration.info'), path.join(fixtures, 'net-gcovr.xml'), path.join(fixtures, 'app-jacoco.xml'),
  ]);
  await page.waitForFunction(() => !document.querySelector('[data-testid=loading]') && document.querySelectorAll('[data-testid=shard-row]').length === 4);
  // C: 25/29 lines (app.test.mjs); Java: App.java 3/5.
  assert.deepEqual(
    await page.$$eval('[data-testid=lang-row]', (r) => r.map((x) => [x.dataset.lang, Number(x.dataset.hit), Number(x.dataset.found)])),
    [['C', 25, 29], ['Java', 3, 5]],
  );
  // Treemap: the top level is com/example/ (collapsed chain) and src/; src/ zooms to its children.
  assert.deepEqual(await page.$$eval('[data-testid=treemap-cell]', (c) => c.map((x) => x.dataset.path)), ['src', 'com/example']);
  await page.click('[data-testid=treemap-cell][data-path="src"]');
  await page.waitForSelector('[data-testid=treemap-cell][data-path="src/net"]');
  assert.deepEqual(await page.$$eval('[data-testid=treemap-cell]', (c) => c.map((x) => x.dataset.path)), ['src/net', 'src/parser.c', 'src/main.c', 'src/util.c']);
  // The tree: collapsed prefixes, folding.
  assert.deepEqual(await page.$$eval('[data-testid=dir-row]', (r) => r.map((x) => x.dataset.path)), ['com/example', 'src', 'src/net']);
  await page.click('[data-testid=dir-row][data-path="src/net"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=file-row][data-path="src/net/url.c"]'));
  // Sort by uncovered lines (most first), filter "has uncovered lines" and a range.
  await page.click('[data-testid=sort-uncovered]');
  await page.check('[data-testid=filter-uncovered]');
  await page.fill('[data-testid=filter-min]', '60');
  await page.press('[data-testid=filter-min]', 'Tab');
  // Uncovered: App.java 2 (60%), main.c 1 (83%), parser.c 1 (88%), http.c 2 (66%, folded under net/);
  // url.c and util.c (100%) are filtered out: 4 of the 6 files. Directories sort by their sums, so
  // src/ (4 uncovered: main 1, parser 1, net/ 2) comes before com/example/ (2).
  await page.waitForFunction(() => document.querySelector('[data-testid=file-count]').textContent === '4 of 6 files');
  assert.deepEqual(await rowPaths(page), ['src/main.c', 'src/parser.c', 'com/example/App.java']);
  // Keyboard: focus the tree, go to the end, Enter opens the last file.
  await page.focus('[data-testid=tree-scroll]');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /f=com\/example\/App\.java/.test(location.hash));
  const hash = new URL(page.url()).hash;
  assert.match(hash, /sort=-uncovered/);
  assert.match(hash, /min=60/);
  assert.match(hash, /uncovered=1/);
  assert.match(hash, /fold=src\/net/);
  assert.match(hash, /zoom=src/);
  // Reload: the state comes back from the hash (the inputs do not: load them again).
  await page.reload();
  await page.setInputFiles('[data-testid=file-input]', [
    path.join(fixtures, 'unit.info'), path.join(fixtures, 'integration.info'), path.join(fixtures, 'net-gcovr.xml'), path.join(fixtures, 'app-jacoco.xml'),
  ]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=shard-row]').length === 4);
  assert.equal(await page.getAttribute('th.col-uncovered', 'aria-sort'), 'descending');
  assert.equal(await page.inputValue('[data-testid=filter-min]'), '60');
  assert.equal(await page.isChecked('[data-testid=filter-uncovered]'), true);
  assert.deepEqual(await rowPaths(page), ['src/main.c', 'src/parser.c', 'com/example/App.java']);
  assert.equal(await page.getAttribute('[data-testid=file-row][data-path="com/example/App.java"]', 'class'), 'file-row selected');
  // Theme: the toggle switches a light system page to dark (the page's painted background, --bg:
  // #f6f7f9 light, #0e1116 dark) and is in the hash.
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(246, 247, 249)');
  await page.click('[data-testid=theme-toggle]');
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  assert.equal(await bg(), 'rgb(14, 17, 22)');
  assert.match(new URL(page.url()).hash, /theme=dark/);
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar at the top of the picture
  await page.screenshot({ path: path.join(screenshots, 'explore-dark.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a 50,000-file report: the tree keeps a bounded DOM and scrolls to the last file', async () => {
  const FILES = 50_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-tree-'));
  const big = path.join(dir, 'many.info');
  const parts = [];
  // pkg000..pkg099, 500 files each; line 1 hit, line 2 not: 50,000 of 100,000 lines.
  for (let i = 0; i < FILES; i++) {
    parts.push(`SF:pkg${String(Math.floor(i / 500)).padStart(3, '0')}/f${String(i).padStart(5, '0')}.c\nDA:1,1\nDA:2,0\nend_of_record\n`);
  }
  fs.writeFileSync(big, parts.join(''));
  const { context, page, problems } = await openPage();
  const started = Date.now();
  await page.setInputFiles('[data-testid=file-input]', big);
  await page.waitForSelector('[data-testid=file-row]');
  const firstRows = Date.now() - started;
  await summaryIs(page, { lines: [FILES, 2 * FILES], branches: [0, 0], functions: [0, 0] });
  assert.equal(await page.textContent('[data-testid=file-count]'), '50,000 files');
  const count = () => page.$$eval('[data-testid=file-row], [data-testid=dir-row]', (r) => r.length);
  const initial = await count();
  assert.ok(initial > 10 && initial <= 100, `rows in the DOM: ${initial}`);
  // Scroll to the end: the last file shows, still a bounded number of rows.
  const t0 = Date.now();
  await page.$eval('[data-testid=tree-scroll]', (el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForSelector('[data-testid=file-row][data-path="pkg099/f49999.c"]');
  const scrolled = Date.now() - t0;
  const atEnd = await count();
  assert.ok(atEnd <= 100, `rows in the DOM at the end: ${atEnd}`);
  // Scroll through in steps, timing the frames.
  const steps = await page.$eval('[data-testid=tree-scroll]', async (el) => {
    const gaps = [];
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      el.scrollTop = (el.scrollHeight * k) / 20;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      gaps.push(performance.now() - t);
    }
    return Math.max(...gaps);
  });
  console.log(`50,000 files: first rows after ${firstRows} ms; DOM rows ${initial} at top, ${atEnd} at end; scroll to end shown in ${scrolled} ms; slowest scroll step ${steps.toFixed(0)} ms`);
  await page.screenshot({ path: path.join(screenshots, 'tree-50000.png') });
  assert.deepEqual(problems, []);
  await context.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
