#!/usr/bin/env node
// Times the page against the native CLI on the same LCOV shards: drop (set on the file input) to merged summary in headless Chromium vs `covlens summary -q --json`, with totals cross-checked.
//
// Usage: node bench/browser-merge.mjs [--shards DIR] [--sizes 32[,8]] [--runs N] [--covlens BIN] [--out FILE]
// Environment: COVLENS_DIST (the Trunk release build to serve, default <repo>/dist), CHROMIUM (default
// /usr/bin/chromium), COVLENS_BIN (default $CARGO_TARGET_DIR/release/covlens or <repo>/target/release/covlens),
// COVBENCH (default /tmp/covbench: the shards are $COVBENCH/lcov-shards/shard_NN.info), BROWSER_TIMEOUT_S
// (per browser run, default 600).
//
// Per size (the first N shards), RUNS rounds of: one native run, then one browser run in a fresh browser context
// (fresh page and worker). Native and browser runs alternate so that both see the same machine load. The browser
// time runs from the call that sets the files on `file-input` to the moment the page shows no loading bar, lists
// N shard rows and the summary cards carry the totals; the peak RSS of Chromium's processes is sampled meanwhile.
// The browser's totals must equal the CLI's, and for the full 32 shards also lcov's (lcov -a, measured once);
// no main-thread task (Long Tasks API) may exceed 100 ms while the batch loads.
// Exit status 1 when a check fails or the page fails (error banner, load error, crash, timeout).

import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { root, dist, startApp } from '../tests/e2e/harness.mjs';

// lcov 1.16 `lcov -a` over the 32 shards of ../shared/bench (see bench/run.sh --slow).
// The page must stay responsive while a batch loads: no main-thread task longer than this.
const LONG_TASK_LIMIT_MS = 100;

const LCOV_32 = { lines: [411980, 502587], functions: [55979, 67756], branches: [127621, 187978] };

function parseArgs(argv) {
  const o = {
    shards: path.join(process.env.COVBENCH ?? '/tmp/covbench', 'lcov-shards'),
    sizes: [32],
    runs: 3,
    covlens:
      process.env.COVLENS_BIN ??
      path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'release', 'covlens'),
    out: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--shards') o.shards = v();
    else if (a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--covlens') o.covlens = v();
    else if (a === '--out') o.out = v();
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!(o.runs >= 1) || o.sizes.some((n) => !(n >= 1 && n <= 32))) usage('--runs must be >= 1 and sizes in 1..32');
  return o;
}

function usage(err) {
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(3, 8);
  const msg = text.map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
  if (err) {
    console.error(`browser-merge: ${err}\n${msg}`);
    process.exit(2);
  }
  console.log(msg);
  process.exit(0);
}

const opts = parseArgs(process.argv.slice(2));
const timeoutMs = Number(process.env.BROWSER_TIMEOUT_S ?? 600) * 1000;
const log = (m) => console.error(`[browser-merge] ${m}`);

if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error(`browser-merge: no build at ${dist} (COVLENS_DIST): run \`trunk build --release --offline\` first`);
  process.exit(2);
}
if (!fs.existsSync(opts.covlens)) {
  console.error(`browser-merge: no covlens binary at ${opts.covlens} (--covlens, COVLENS_BIN)`);
  process.exit(2);
}
const shardPath = (i) => path.join(opts.shards, `shard_${String(i).padStart(2, '0')}.info`);
for (let i = 0; i < Math.max(...opts.sizes); i++) {
  if (!fs.existsSync(shardPath(i))) {
    console.error(`browser-merge: missing ${shardPath(i)} (bench/run.sh generates the shards)`);
    process.exit(2);
  }
}

// ------------------------------------------------------------------ static server (as tests/e2e do)

// ------------------------------------------------------------------ memory of Chromium's processes
/** Sum of VmRSS (KiB) over the descendants of this Node process (Chromium's browser, renderer, GPU, utility processes). */
function childrenRssKiB() {
  const parent = new Map();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!mine.has(pid) && mine.has(ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  mine.delete(process.pid);
  let kib = 0;
  for (const pid of mine) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kib;
}

// ------------------------------------------------------------------ one native run, one browser run
const fmt = (t) => `lines ${t.lines[0]}/${t.lines[1]}, functions ${t.functions[0]}/${t.functions[1]}, branches ${t.branches[0]}/${t.branches[1]}`;

function nativeRun(files) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(opts.covlens, ['summary', '-q', '--json', ...files], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`covlens summary failed (status ${r.status}): ${r.stderr.slice(0, 500)}`);
  const j = JSON.parse(r.stdout);
  const totals = Object.fromEntries(['lines', 'functions', 'branches'].map((k) => [k, [j[k].hit, j[k].found]]));
  return { secs, totals };
}

async function browserRun(browser, origin, files) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  let crashed;
  const crash = new Promise((resolve) => {
    crashed = resolve;
  });
  page.on('crash', () => crashed('the page crashed (renderer gone; out of memory?)'));
  context.on('weberror', (e) => problems.push(`web error: ${e.error().message}`));

  await page.goto(`${origin}/`);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  const rssBefore = childrenRssKiB();
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, childrenRssKiB());
  }, 250);

  // Long tasks of the page's main thread (Long Tasks API: every task over 50 ms) while the batch loads.
  // Each as [start in ms after the drop, duration].
  await page.evaluate(() => {
    window.__longTasks = [];
    window.__dropAt = performance.now();
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push([e.startTime - window.__dropAt, e.duration]);
    }).observe({ type: 'longtask' });
  });

  const n = files.length;
  const t0 = process.hrtime.bigint();
  let outcome;
  try {
    await page.setInputFiles('[data-testid=file-input]', files);
    const done = page.waitForFunction(
      (n) => {
        const err = document.querySelector('[data-testid=worker-error]');
        if (err) return { error: err.textContent };
        if (document.querySelector('[data-testid=loading]')) return false;
        const rows = document.querySelectorAll('[data-testid=shard-row]').length;
        const failed = [...document.querySelectorAll('[data-testid=load-error]')].map((e) => e.textContent);
        if (rows + failed.length < n) return false;
        if (failed.length) return { error: `load errors: ${failed.join('; ')}` };
        const card = document.querySelector('[data-testid=summary-lines]');
        if (!card || Number(card.dataset.found) === 0) return false;
        // The file tree too, not only the summary cards.
        if (!document.querySelector('[data-testid=file-row]')) return false;
        return { ok: true };
      },
      n,
      { timeout: timeoutMs, polling: 'raf' },
    );
    outcome = await Promise.race([done.then((h) => h.jsonValue()), crash.then((m) => ({ error: m }))]);
  } catch (e) {
    outcome = { error: e.message.split('\n')[0] };
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, childrenRssKiB());

  const longTasks = await page.evaluate(() => window.__longTasks ?? []).catch(() => []);
  const longestTaskMs = longTasks.length ? Math.max(...longTasks.map(([, d]) => d)) : 0;
  let totals = null;
  if (outcome.ok) {
    totals = await page.$$eval('[data-testid^=summary-]', (cards) =>
      Object.fromEntries(
        cards.map((c) => [c.dataset.testid.replace('summary-', ''), [Number(c.dataset.hit), Number(c.dataset.found)]]),
      ),
    );
  }
  await context.close().catch(() => {});
  return {
    secs,
    totals,
    error: outcome.error,
    problems,
    peakKiB: peak,
    baseKiB: rssBefore,
    longestTaskMs,
    longTasks: longTasks.length,
    // `duration@start` (ms; start after the drop) of each long task.
    longTaskList: longTasks.map(([t, d]) => `${d.toFixed(0)}@${t.toFixed(0)}`).join(' '),
  };
}

// ------------------------------------------------------------------ main
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { server, origin, browser } = await startApp();
log(`serving ${dist} at ${origin}; Chromium ${browser.version()}; covlens ${opts.covlens}`);

let failed = false;
const rows = [];
const notes = [];
try {
  for (const size of opts.sizes) {
    const files = Array.from({ length: size }, (_, i) => shardPath(i));
    const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
    const mb = bytes / 1e6;
    const native = [];
    const web = [];
    let nativeTotals;
    let webError;
    for (let r = 0; r < opts.runs; r++) {
      const nr = nativeRun(files);
      native.push(nr.secs);
      nativeTotals = nr.totals;
      log(`${size} shards (${mb.toFixed(0)} MB) run ${r + 1}/${opts.runs}: native ${nr.secs.toFixed(3)} s`);
      const br = await browserRun(browser, origin, files);
      log(
        `${size} shards run ${r + 1}/${opts.runs}: browser ${br.secs.toFixed(3)} s, Chromium RSS ` +
          `${(br.baseKiB / 1024).toFixed(0)} -> peak ${(br.peakKiB / 1024).toFixed(0)} MiB, ` +
          `longest main-thread task ${br.longestTaskMs.toFixed(0)} ms (${br.longTasks} over 50 ms` +
          (br.longTasks ? `: ${br.longTaskList}` : '') +
          ')' +
          (br.error ? `, FAILED: ${br.error}` : '') +
          (br.problems.length ? `; ${br.problems.slice(0, 3).join('; ')}` : ''),
      );
      if (br.error) {
        webError = `${br.error} (after ${br.secs.toFixed(1)} s, Chromium peak RSS ${(br.peakKiB / 1024).toFixed(0)} MiB)`;
        break;
      }
      web.push({ secs: br.secs, peakKiB: br.peakKiB, baseKiB: br.baseKiB, longestTaskMs: br.longestTaskMs });
      if (br.longestTaskMs > LONG_TASK_LIMIT_MS) {
        notes.push(
          `${size} shards, run ${r + 1}: a main-thread task took ${br.longestTaskMs.toFixed(0)} ms (limit ${LONG_TASK_LIMIT_MS} ms)`,
        );
        failed = true;
      }
      const got = fmt(br.totals);
      if (got !== fmt(nativeTotals)) {
        notes.push(`${size} shards, run ${r + 1}: DIFFER: browser ${got}, CLI ${fmt(nativeTotals)}`);
        failed = true;
      }
    }
    const nat = median(native);
    if (webError) {
      failed = true;
      notes.push(`${size} shards: browser FAILED: ${webError}`);
      rows.push([size, mb, nat, null, native.length, 0, null, null]);
      continue;
    }
    const wb = median(web.map((w) => w.secs));
    const peak = Math.max(...web.map((w) => w.peakKiB));
    rows.push([size, mb, nat, wb, native.length, web.length, wb / nat, peak]);
    notes.push(
      `${size} shards: longest main-thread task while loading ${Math.max(...web.map((w) => w.longestTaskMs)).toFixed(0)} ms ` +
        `over all browser runs (limit ${LONG_TASK_LIMIT_MS} ms; Long Tasks API)`,
    );
    notes.push(
      `${size} shards: browser runs ${web.map((w) => w.secs.toFixed(2)).join(', ')} s; native runs ` +
        `${native.map((s) => s.toFixed(2)).join(', ')} s; Chromium RSS before the drop ` +
        `${web.map((w) => (w.baseKiB / 1024).toFixed(0)).join(', ')} MiB`,
    );
    if (!notes.some((n) => n.startsWith(`${size} shards, run`))) notes.push(`${size} shards: browser totals = CLI totals (${fmt(nativeTotals)})`);
    if (size === 32) {
      if (fmt(nativeTotals) === fmt(LCOV_32)) notes.push(`32 shards: CLI totals = lcov -a's (${fmt(LCOV_32)})`);
      else {
        notes.push(`32 shards: DIFFER from lcov -a: CLI ${fmt(nativeTotals)}, lcov ${fmt(LCOV_32)}`);
        failed = true;
      }
    }
  }
} finally {
  await browser.close().catch(() => {});
  server.close();
}

const lines = [
  `## browser merge: drop to merged summary in Chromium vs covlens summary (${new Date().toISOString().slice(0, 10)}, ${os.hostname()}, ${os.cpus().length} cores; median of ${opts.runs} runs each, alternating)`,
  '',
  'Browser: from setting the files on the file input to the merged summary shown (fresh context per run, ' +
    'parsing in the page\'s two workers). Native: `covlens summary -q --json` on the same files (all cores). ' +
    'Peak RSS: all Chromium processes together. Target: browser / native at most 3x.',
  '',
  '| shards | MB | native median (s) | browser median (s) | runs (native/browser) | browser / native | Chromium peak RSS (MiB) |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    ([size, mb, nat, wb, nn, nb, ratio, peak]) =>
      `| ${size} | ${mb.toFixed(0)} | ${nat.toFixed(3)} | ${wb === null ? 'FAILED' : wb.toFixed(3)} | ${nn}/${nb} | ` +
      `${ratio === null ? 'n/a' : ratio.toFixed(2) + 'x'} | ${peak === null ? 'n/a' : (peak / 1024).toFixed(0)} |`,
  ),
  '',
  ...notes.map((n) => `- ${n}`),
  '',
];
const text = lines.join('\n');
console.log(text);
if (opts.out) fs.writeFileSync(opts.out, text);
process.exit(failed ? 1 : 0);
