// Browser tests of zip archives as inputs: each report inside a picked .zip becomes its own shard named by its inner path; a zip bomb is a load error naming the limit.
//
// Run after `trunk build --release --offline`:   node --test tests/e2e/
// Environment: COVLENS_DIST (default ./dist), CHROMIUM (default /usr/bin/chromium).
// The archives are built by tests/fixtures/zip/make.sh from tests/e2e/fixtures.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, openPage as open, settled, startApp, summary } from './harness.mjs';

const fixtures = path.join(root, 'tests/e2e/fixtures');
const zips = path.join(root, 'tests/fixtures/zip');

let server;
let origin;
let browser;

before(async () => {
  ({ server, origin, browser } = await startApp());
});

after(async () => {
  await browser?.close();
  server?.close();
});

const shardNames = (page) =>
  page.$$eval('[data-testid=shard-row]', (rows) => rows.map((r) => [r.dataset.name, r.dataset.format]));

test('a zip of three formats loads one shard per report, named by its path inside', async () => {
  const { context, page, problems } = await open(browser, origin);
  await page.setInputFiles('[data-testid=file-input]', [path.join(zips, 'artifact.zip')]);
  await settled(page, 3);

  assert.deepEqual(await shardNames(page), [
    ['artifact.zip!job1/unit.info', 'lcov'],
    ['artifact.zip!job2/net-gcovr.xml.gz', 'cobertura'],
    ['artifact.zip!job3/app-jacoco.xml', 'jacoco'],
  ]);
  // unit.info, net-gcovr.xml and app-jacoco.xml share no source file, so the totals add up
  // (tests/e2e/app.test.mjs explains each file's numbers):
  //   lines     src/parser.c 4/9 (unit.info alone), src/util.c 4/4, src/net/http.c 4/6, src/net/url.c 4/4,
  //             com/example/App.java 3/5                                   → 19 of 28
  //   branches  parser.c 2/4 (the line 12 pair never evaluated), util.c 2/2, http.c 1/2, url.c 2/4,
  //             App.java 1/2                                               →  8 of 14
  //   functions parser.c 1/2 (parse_body 0), util.c 1/1, http.c 1/2, url.c 1/1, App.java 2/3 → 6 of 9
  assert.deepEqual(await summary(page), { lines: [19, 28], branches: [8, 14], functions: [6, 9] });
  assert.equal(await page.locator('[data-testid=load-error]').count(), 0);
  // The README inside is text, so it is kept as a source file, and a note on the archive's first shard says so.
  const notes = await page.$$eval('[data-testid=shard-row]', (rows) => rows[0].textContent);
  assert.match(notes, /1 entry of artifact\.zip is not a coverage report, kept as source text: README\.md/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a zip bomb is a load error naming the limit, and the other inputs still load', async () => {
  const { context, page, problems } = await open(browser, origin);
  await page.setInputFiles('[data-testid=file-input]', [
    path.join(zips, 'bomb.zip'),
    path.join(fixtures, 'app-jacoco.xml'),
  ]);
  await settled(page, 3);
  assert.deepEqual(await shardNames(page), [
    ['bomb.zip!ok/unit.info', 'lcov'],
    ['app-jacoco.xml', 'jacoco'],
  ]);
  const errors = await page.$$eval('[data-testid=load-error]', (e) => e.map((x) => x.textContent));
  assert.equal(errors.length, 1);
  assert.match(
    errors[0],
    /^bomb\.zip!bomb\/lcov\.info: failed to read at byte \d+: zip entry expands more than 500:1, the per-entry ratio limit \(\d+ bytes from \d+; a decompression bomb\?\)$/,
  );
  // unit.info (lines 8/13, branches 4/6, functions 2/3) and App.java (3/5, 1/2, 2/3).
  assert.deepEqual(await summary(page), { lines: [11, 18], branches: [5, 8], functions: [4, 6] });
  assert.deepEqual(problems, []);
  await context.close();
});
