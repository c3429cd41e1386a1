#!/usr/bin/env node
// Times the ways a worker can read dropped files in Chromium (the reason for worker::CHUNK): FileReaderSync in slices of 1, 4, 8 and 16 MiB, Blob.arrayBuffer() whole, and a stream.
//
// Usage: node bench/blob-read.mjs [FILE...]   (default: the first 8 shards of $COVBENCH/lcov-shards, 97 MB)
// Environment: CHROMIUM (default /usr/bin/chromium), COVBENCH (default /tmp/covbench).
// Prints, per round, milliseconds per way over all the files, read in one worker.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launchChromium } from '../tests/e2e/harness.mjs';

const PAGE = '<!doctype html><meta charset="utf-8"><input type="file" id="f" multiple><script src="page.js"></script>';
const PAGE_JS = `const w = new Worker('w.js');
w.onmessage = (e) => { window.results = e.data; };
document.getElementById('f').addEventListener('change', (e) => w.postMessage([...e.target.files]));`;
const WORKER_JS = `onmessage = async (e) => {
  const files = e.data;
  const out = {};
  const rs = new FileReaderSync();
  for (const mib of [1, 4, 8, 16]) {
    const chunk = mib << 20;
    const t = performance.now();
    for (const f of files) for (let p = 0; p < f.size; p += chunk) rs.readAsArrayBuffer(f.slice(p, Math.min(f.size, p + chunk)));
    out['FileReaderSync ' + mib + ' MiB'] = Math.round(performance.now() - t);
  }
  let t = performance.now();
  for (const f of files) await f.arrayBuffer();
  out['arrayBuffer() whole'] = Math.round(performance.now() - t);
  t = performance.now();
  for (const f of files) { const r = f.stream().getReader(); while (!(await r.read()).done); }
  out['stream()'] = Math.round(performance.now() - t);
  postMessage(out);
};`;

const bench = process.env.COVBENCH ?? '/tmp/covbench';
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : Array.from({ length: 8 }, (_, i) => path.join(bench, 'lcov-shards', `shard_${String(i).padStart(2, '0')}.info`));
for (const f of files) if (!fs.existsSync(f)) throw new Error(`${f}: no such file (see bench/run.sh for the shards)`);
const mb = files.reduce((s, f) => s + fs.statSync(f).size, 0) / 1e6;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlens-blob-read-'));
fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
fs.writeFileSync(path.join(dir, 'page.js'), PAGE_JS);
fs.writeFileSync(path.join(dir, 'w.js'), WORKER_JS);
const { server, origin } = await serve(dir);
const browser = await launchChromium();
try {
  console.log(`${files.length} files, ${mb.toFixed(0)} MB, read in one worker (ms)`);
  for (let round = 1; round <= 3; round++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.setInputFiles('#f', files);
    await page.waitForFunction(() => window.results, null, { timeout: 300000 });
    console.log(`round ${round}: ${Object.entries(await page.evaluate(() => window.results)).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
