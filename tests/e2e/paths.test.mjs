// Browser tests of path reconciliation and conflicts (issue 6) on the real reports of tests/fixtures/paths (make.sh): one C program measured under a Linux and a Windows root joins into one tree with lcov -a's totals; a join is undone, kept over a reload by the URL hash, and a prefix mapping joins by hand; two revisions are a conflict on a line named by input; two files sharing a suffix stay apart.
//
// Run after `trunk build --release --offline`:   node --test tests/e2e/paths.test.mjs
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openPage as open, root, startApp } from './harness.mjs';

const screenshots = path.join(root, 'tests/e2e/screenshots');
const fixtures = path.join(root, 'tests/fixtures/paths');
const fx = (n) => path.join(fixtures, n);

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

/** `lcov --summary` of a fixture: { lines, functions, branches } as { hit, found }. */
function lcovSummary(name) {
  const text = fs.readFileSync(fx(name), 'utf8');
  const out = {};
  for (const kind of ['lines', 'functions', 'branches']) {
    const m = text.match(new RegExp(`${kind}\\.+: [0-9.]+% \\((\\d+) of (\\d+) `));
    out[kind] = { hit: m[1], found: m[2] };
  }
  return out;
}

const openPage = (hash = '') => open(browser, origin, `/${hash}`, { viewport: { width: 1280, height: 1000 } });

/** Loads `names` from the fixtures and waits until the worker has answered for all of them. */
async function load(page, names) {
  await page.setInputFiles('[data-testid=file-input]', names.map(fx));
  await page.waitForFunction(
    (n) => !document.querySelector('[data-testid=loading]') && document.querySelectorAll('[data-testid=shard-row]').length === n,
    names.length,
  );
}

/** Waits until nothing is loading and the panel says `joined` joined files and the tree counts `files`. */
async function settled(page, joined, files) {
  await page.waitForFunction(
    ([j, f]) => {
      const p = document.querySelector('[data-testid=paths-panel]');
      const c = document.querySelector('[data-testid=file-count]');
      return (
        !document.querySelector('[data-testid=loading]') &&
        p &&
        p.dataset.joined === String(j) &&
        p.dataset.conflictsChecked === 'true' &&
        c &&
        c.textContent === f
      );
    },
    [joined, files],
  );
}

const summary = (page) =>
  page.$$eval('[data-testid^=summary-]', (cards) =>
    Object.fromEntries(cards.map((c) => [c.dataset.testid.slice('summary-'.length), { hit: c.dataset.hit, found: c.dataset.found }])),
  );

const joins = (page) =>
  page.$$eval('[data-testid=path-join]', (js) =>
    js.map((j) => ({
      path: j.dataset.path,
      headline: j.querySelector('.join-count').textContent,
      members: [...j.querySelectorAll('[data-testid=path-join-member]')].map((m) => `${m.dataset.shard}: ${m.dataset.path}`),
      rule: j.querySelector('[data-testid=path-join-rule]').textContent,
    })),
  );

const filePaths = (page) => page.$$eval('[data-testid=file-row]', (rs) => rs.map((r) => r.dataset.path).sort());

test('a Linux and a Windows job join into one tree with lcov -a totals; undo, reload, mapping', async () => {
  const { context, page, problems } = await openPage();
  await load(page, ['linux.info', 'windows.info']);
  await settled(page, 4, '4 files');
  assert.deepEqual(await page.$$eval('[data-testid=load-error]', (e) => e.length), 0);
  // The merged totals are lcov's own after `lcov --substitute` + `lcov -a` (lcov-merged.summary.txt).
  const expected = lcovSummary('lcov-merged.summary.txt');
  assert.deepEqual(await summary(page), expected);
  assert.deepEqual(expected.lines, { hit: '78', found: '104' });
  assert.deepEqual(await filePaths(page), ['app/src/calc.c', 'app/src/calc.h', 'app/src/driver.c', 'app/src/text.c']);
  const js = await joins(page);
  assert.equal(js.length, 4);
  for (const j of js) assert.equal(j.headline, '2 paths become 1');
  assert.deepEqual(js[0], {
    path: 'app/src/calc.c',
    headline: '2 paths become 1',
    members: ['linux.info: /home/runner/work/app/app/src/calc.c', 'windows.info: C:\\a\\app\\src\\calc.c'],
    rule: 'common suffix app/src/calc.c after stripping /home/runner/work/app/ and c:/a/',
  });
  assert.deepEqual(
    await page.$$eval('[data-testid=path-root]', (rs) => rs.map((r) => `${r.dataset.shard} ${r.dataset.root}`)),
    ['linux.info /home/runner/work/app/', 'windows.info c:/a/'],
  );
  assert.equal(await page.textContent('[data-testid=paths-headline]'), '4 files joined from 8 paths \u00b7 no conflicts');
  assert.equal(await page.$eval('[data-testid=paths-panel]', (p) => p.dataset.conflicts), '0');
  await page.locator('[data-testid=paths-panel]').screenshot({ path: path.join(screenshots, 'paths-joined.png') });

  // Undo the join of calc.c: the Linux and the Windows calc.c are two files again.
  await page.click('[data-testid=path-join][data-path="app/src/calc.c"] [data-testid=path-undo]');
  await settled(page, 3, '5 files');
  assert.deepEqual(await filePaths(page), [
    'app/src/calc.c',
    'app/src/calc.h',
    'app/src/driver.c',
    'app/src/text.c',
    'c:/a/app/src/calc.c',
  ]);
  // calc.c's 40 coverable lines now count once per job (and the 8 both jobs hit, twice).
  assert.deepEqual((await summary(page)).lines, { hit: '86', found: '144' });
  assert.deepEqual(
    await page.$$eval('[data-testid=path-rule]', (rs) => rs.map((r) => `${r.dataset.kind}: ${r.querySelector("span").textContent}`)),
    ['apart: keep apart /home/runner/work/app/app/src/calc.c and C:\\a\\app\\src\\calc.c'],
  );
  assert.deepEqual(
    await page.$$eval('[data-testid=path-ambiguity]', (as) => as.map((a) => a.dataset.reason)),
    ['kept-apart'],
  );
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /apart=/);

  // A reload (files dropped again) keeps the undo: it lives in the URL hash.
  await page.reload();
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  assert.equal(await page.evaluate(() => location.hash), hash);
  await load(page, ['linux.info', 'windows.info']);
  await settled(page, 3, '5 files');
  assert.ok((await filePaths(page)).includes('c:/a/app/src/calc.c'));

  // Removing the rule joins calc.c again; a prefix mapping then joins every file by hand.
  await page.click('[data-testid=path-rule-remove]');
  await settled(page, 4, '4 files');
  assert.equal(await page.evaluate(() => location.hash), '');
  await page.fill('[data-testid=path-map-from]', 'C:\\a\\app');
  await page.fill('[data-testid=path-map-to]', '/home/runner/work/app/app');
  await page.click('[data-testid=path-map-add]');
  await page.waitForFunction(() => document.querySelector('[data-testid=file-row][data-path="/home/runner/work/app/app/src/calc.c"]'));
  await settled(page, 4, '4 files');
  assert.deepEqual(await filePaths(page), [
    '/home/runner/work/app/app/src/calc.c',
    '/home/runner/work/app/app/src/calc.h',
    '/home/runner/work/app/app/src/driver.c',
    '/home/runner/work/app/app/src/text.c',
  ]);
  assert.deepEqual((await joins(page)).map((j) => j.rule), Array(4).fill('path-map C:\\a\\app=/home/runner/work/app/app'));
  assert.deepEqual(await summary(page), expected);
  assert.deepEqual(
    await page.$$eval('[data-testid=path-rule]', (rs) => rs.map((r) => `${r.dataset.kind}: ${r.querySelector("span").textContent}`)),
    ['map: rewrite C:\\a\\app \u2192 /home/runner/work/app/app'],
  );
  assert.match(await page.evaluate(() => location.hash), /map=/);
  await page.locator('[data-testid=paths-panel]').screenshot({ path: path.join(screenshots, 'paths-mapping.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('two revisions of a file: the conflict is listed, the file and the line marked with both inputs', async () => {
  const { context, page, problems } = await openPage();
  await load(page, ['linux.info', 'rev2.info']);
  const file = '/home/runner/work/app/app/src/calc.c';
  await settled(page, 0, '4 files');
  await page.waitForFunction(() => document.querySelector('[data-testid=paths-panel]').dataset.conflicts === '1');
  assert.deepEqual(
    await page.$$eval('[data-testid=conflict-row]', (rs) =>
      rs.map((r) => ({ path: r.dataset.path, kind: r.dataset.kind, lines: r.dataset.lines, shards: r.dataset.shards, text: r.textContent })),
    ),
    [
      {
        path: file,
        kind: 'checksum',
        lines: '27',
        shards: 'linux.info, rev2.info',
        text: `\u26a0${file}line 27source checksums (different revisions)5YYqaZgGCnlJbEr8P5rJ4g in linux.info; B922j+Nf5wSN6xobDzaqag in rev2.info`,
      },
    ],
  );
  assert.equal(await page.textContent('[data-testid=paths-headline]'), 'no paths joined \u00b7 1 conflict in 1 file');
  // The tree marks the file (attribute and a visible mark) and only it.
  assert.deepEqual(
    await page.$$eval('[data-testid=file-row][data-conflicts]', (rs) => rs.map((r) => [r.dataset.path, r.dataset.conflicts, !!r.querySelector('.conflict-mark')])),
    [[file, '1', true]],
  );
  await page.locator('[data-testid=paths-panel]').screenshot({ path: path.join(screenshots, 'paths-conflict.png') });

  // The conflict opens the file at its line; the line names both inputs and what they say.
  await page.click('[data-testid=conflict-open]');
  await page.waitForSelector(`[data-testid=source-view][data-path="${file}"] [data-testid=source-line][data-line="27"]`);
  const l27 = await page.$eval('[data-testid=source-line][data-line="27"]', (r) => ({
    conflict: r.dataset.conflict,
    shards: r.dataset.conflictShards,
    title: r.getAttribute('title'),
  }));
  assert.deepEqual(l27, {
    conflict: 'checksum',
    shards: 'linux.info, rev2.info',
    title: 'inputs disagree on source checksums (different revisions): 5YYqaZgGCnlJbEr8P5rJ4g in linux.info; B922j+Nf5wSN6xobDzaqag in rev2.info',
  });
  assert.equal(await page.$$eval('[data-testid=source-line][data-conflict]', (rs) => rs.length), 1);
  assert.equal(
    await page.textContent('[data-testid=source-conflicts]'),
    '\u26a0 line 27: inputs disagree on source checksums (different revisions): 5YYqaZgGCnlJbEr8P5rJ4g in linux.info; B922j+Nf5wSN6xobDzaqag in rev2.info',
  );
  await page.click('[data-testid=source-line][data-line="27"]');
  const detail = await page.$$eval('[data-testid=line-detail] li', (li) => li.map((l) => l.textContent));
  assert.ok(
    detail.includes('conflict: inputs disagree on source checksums (different revisions): 5YYqaZgGCnlJbEr8P5rJ4g in linux.info; B922j+Nf5wSN6xobDzaqag in rev2.info'),
    detail.join('\n'),
  );
  await page.locator('[data-testid=source-view]').screenshot({ path: path.join(screenshots, 'paths-conflict-line.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('two files sharing a suffix stay apart and the ambiguity is shown', async () => {
  const { context, page, problems } = await openPage();
  await load(page, ['twins-a.info', 'twins-b.gcovr.json']);
  await settled(page, 0, '5 files');
  assert.deepEqual(await filePaths(page), [
    '/ci/twins-a/a/util/x.c',
    '/ci/twins-a/b/util/x.c',
    '/ci/twins-a/main.c',
    'drive.c',
    'util/x.c',
  ]);
  assert.deepEqual(
    await page.$$eval('[data-testid=path-ambiguity]', (as) => as.map((a) => [a.dataset.path, a.dataset.reason, a.textContent])),
    [['util/x.c', 'several', '\u2260 not joined: util/x.c (twins-b.gcovr.json) with /ci/twins-a/a/util/x.c, /ci/twins-a/b/util/x.c: several files end with it']],
  );
  // twins-a.info: 7 of 10 lines (lcov --summary), twins-b: 5 of 6 (gcovr): nothing shared.
  assert.deepEqual((await summary(page)).lines, { hit: '12', found: '16' });
  await page.locator('[data-testid=paths-panel]').screenshot({ path: path.join(screenshots, 'paths-twins.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('2,000 files in 6 jobs under 6 roots join in the worker; a rule change reconciles and merges again quickly', async () => {
  const os = await import('node:os');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-paths-'));
  const files = [];
  for (let s = 0; s < 6; s++) {
    const rootDir = s % 2 === 0 ? `/home/runner/work/job${s}/repo/` : `C:\\agent\\_work\\${s}\\repo\\`;
    const sep = s % 2 === 0 ? '/' : '\\';
    let text = '';
    for (let f = 0; f < 2000; f++) {
      text += `SF:${rootDir}src${sep}m${f % 40}${sep}f${f}.c\n`;
      for (let l = 1; l <= 20; l++) text += `DA:${l},${(l + f + s) % 3 === 0 ? 1 : 0}\n`;
      text += 'end_of_record\n';
    }
    const file = path.join(tmp, `job${s}.info`);
    fs.writeFileSync(file, text);
    files.push(file);
  }
  const { context, page, problems } = await openPage();
  try {
    let t = Date.now();
    await page.setInputFiles('[data-testid=file-input]', files);
    await settled(page, 2000, '2,000 files');
    const load = Date.now() - t;
    assert.equal((await summary(page)).lines.found, '40000');
    // A rule: the worker reconciles the 12,000 paths again, merges and names: one round trip.
    t = Date.now();
    await page.fill('[data-testid=path-strip-input]', '/home/runner/work/job0/');
    await page.click('[data-testid=path-strip-add]');
    await page.waitForFunction(() => !document.querySelector('[data-testid=loading]')
      && document.querySelector('[data-testid=paths-panel]').dataset.conflictsChecked === 'true'
      && /strip-prefix \/home\/runner\/work\/job0\//.test(document.querySelector('[data-testid=path-join-rule]').textContent));
    const again = Date.now() - t;
    console.log(`paths: 2,000 files x 6 jobs: load, reconcile and merge ${load} ms; a rule change ${again} ms`);
    assert.ok(again < 3000, `${again} ms`);
    assert.equal(await page.textContent('[data-testid=paths-headline]'), '2,000 files joined from 12,000 paths \u00b7 no conflicts');
    assert.equal((await summary(page)).lines.found, '40000');
    // The DOM lists only the first joins of the panel, counted exactly.
    assert.equal(await page.$$eval('[data-testid=path-join]', (j) => j.length) <= 200, true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
