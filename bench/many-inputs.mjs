#!/usr/bin/env node
// Times a drop of many small reports (a folder of CI job artifacts): to the merged summary and to the inputs listed, with the page's long main-thread tasks, next to the browser's own cost of picking as many files on a blank page and to the native CLI.
//
// Usage: node bench/many-inputs.mjs [--inputs N] [--runs N]
// Environment: COVLENS_DIST (the Trunk release build, default <repo>/dist), CHROMIUM, COVLENS_BIN (default
// $CARGO_TARGET_DIR/release/covlens or <repo>/target/release/covlens).
//
// N LCOV reports (default 1000) of 20 files each under 7 job roots (/ci/jobK/src/...) are written to a temporary
// folder. Per run: the native `covlens summary -q --json` on them, a blank page with an empty `change` listener
// given the same files (Chromium builds the FileList in one task when a page listens: the peer every page pays),
// then covlens in a fresh context. Long tasks come from the Long Tasks API (every task over 50 ms). Totals of
// page and CLI must agree; exit status 1 when they do not or the page fails.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root, serve, settled, startApp, summary } from '../tests/e2e/harness.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const inputs = arg('--inputs', 1000);
const runs = arg('--runs', 3);
const covlens =
  process.env.COVLENS_BIN ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'release', 'covlens');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-many-'));
const files = [];
for (let i = 0; i < inputs; i++) {
  let text = '';
  for (let s = 0; s < 20; s++) {
    text += `TN:\nSF:/ci/job${i % 7}/src/mod${s % 50}/file${(i * 3 + s) % 400}.c\n`;
    for (let l = 1; l < 30; l++) text += `DA:${l},${(i * 7 + s * 3 + l) % 4}\n`;
    text += 'end_of_record\n';
  }
  const file = path.join(tmp, `job-${String(i).padStart(4, '0')}.info`);
  fs.writeFileSync(file, text);
  files.push(file);
}
// A blank page that listens for `change`, as every page that takes files must.
const blank = path.join(tmp, 'blank');
fs.mkdirSync(blank);
fs.writeFileSync(path.join(blank, 'index.html'), '<!doctype html><input type=file multiple id=f><script src="b.js"></script>');
fs.writeFileSync(path.join(blank, 'b.js'), "document.getElementById('f').addEventListener('change', () => {});");

const observe = () => {
  window.__lt = [];
  window.__t0 = performance.now();
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__lt.push([Math.round(e.startTime - window.__t0), Math.round(e.duration)]);
  }).observe({ type: 'longtask' });
};
const longest = (lt) => Math.max(0, ...lt.map(([, d]) => d));

const { server, origin, browser } = await startApp();
const peer = await serve(blank);
let failed = false;
const rows = [];
try {
  for (let r = 1; r <= runs; r++) {
    let t = process.hrtime.bigint();
    const cli = spawnSync(covlens, ['summary', '-q', '--json', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const nativeS = Number(process.hrtime.bigint() - t) / 1e9;
    if (cli.status !== 0) throw new Error(`${covlens} summary failed: ${cli.error?.message ?? cli.stderr.slice(0, 300)}`);
    const json = JSON.parse(cli.stdout);

    const bctx = await browser.newContext();
    const bpage = await bctx.newPage();
    await bpage.goto(peer.origin + '/');
    await bpage.evaluate(observe);
    await bpage.setInputFiles('#f', files);
    await bpage.waitForTimeout(300);
    const blankLongest = longest(await bpage.evaluate(() => window.__lt));
    await bctx.close();

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(origin + '/');
    await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
    await page.evaluate(observe);
    t = process.hrtime.bigint();
    await page.setInputFiles('[data-testid=file-input]', files);
    await page.waitForFunction(
      () => !document.querySelector('[data-testid=loading]') && Number(document.querySelector('[data-testid=summary-lines]')?.dataset.found) > 0,
      null,
      { timeout: 300_000 },
    );
    const summaryS = Number(process.hrtime.bigint() - t) / 1e9;
    await settled(page, inputs);
    const listedS = Number(process.hrtime.bigint() - t) / 1e9;
    await page.waitForTimeout(500);
    const lt = await page.evaluate(() => window.__lt);
    const totals = await summary(page);
    await ctx.close();
    // The first long task is the browser building the FileList (the blank page's peer); the rest are the page's.
    const after = lt.slice(1);
    const same = totals.lines[0] === json.lines.hit && totals.lines[1] === json.lines.found;
    if (!same || problems.length) failed = true;
    rows.push({ r, nativeS, summaryS, listedS, blankLongest, first: lt[0]?.[1] ?? 0, after, totals, same, problems });
    console.error(
      `[many-inputs] run ${r}/${runs}: native ${nativeS.toFixed(2)} s; page summary ${summaryS.toFixed(2)} s, inputs listed ${listedS.toFixed(2)} s; ` +
        `file chooser task: blank page ${blankLongest} ms, covlens ${lt[0]?.[1] ?? 0} ms; later long tasks ${after.length} (longest ${longest(after)} ms); ` +
        `lines ${totals.lines.join('/')} (CLI ${json.lines.hit}/${json.lines.found})${problems.length ? `; page errors: ${problems.join('; ')}` : ''}`,
    );
  }
} finally {
  await browser.close();
  server.close();
  peer.server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const nat = median(rows.map((x) => x.nativeS));
const sum = median(rows.map((x) => x.summaryS));
console.log(`## many inputs: ${inputs} LCOV reports (${runs} runs, median)\n`);
console.log('| native CLI (s) | page: summary (s) | page: inputs listed (s) | page / native | file chooser task, blank page (ms) | same, covlens (ms) | longest later task (ms) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${nat.toFixed(2)} | ${sum.toFixed(2)} | ${median(rows.map((x) => x.listedS)).toFixed(2)} | ${(sum / nat).toFixed(2)}x | ` +
    `${median(rows.map((x) => x.blankLongest))} | ${median(rows.map((x) => x.first))} | ${Math.max(...rows.map((x) => longest(x.after)))} |`,
);
console.log(`\nTotals: page = CLI in every run: ${rows.every((x) => x.same)} (lines ${rows[0].totals.lines.join('/')})`);
process.exit(failed ? 1 : 0);
