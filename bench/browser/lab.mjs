// Lab benchmark: how long each of the paper's experiments (the Experiments
// panel, groundup::lab) takes in the page, from the button press to its
// result region saying "Done.", on the real MNIST in the release build.
// A student waits that long at a lecture's link, so it is worth knowing.
//
//   node bench/browser/lab.mjs [--repeats 3] [--timeout 600] [--out FILE]
//   (or bash bench/lab.sh, which checks dist/ and node_modules first)
//
// Needs dist/ (scripts/build-page.sh). It serves dist/ under a sub-path and
// starts the system Chromium the way soak.mjs does. One tab, the pretrained
// CNN as the current network (the page's default); each experiment is run
// `--repeats` times in turn and its median printed with the load average
// before and after. Prints a table to stderr, writes the JSON to --out and
// to the last stdout line. It never asserts anything.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../../scripts/chromium.mjs';
import { startServer } from '../../scripts/serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const DIST = path.join(REPO, 'dist');
const SUB_PATH = '/bench/lab/groundup/';
const log = (...a) => console.error(...a);
const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)));

// The buttons' names (the issue's contract), in the panel's order.
const EXPERIMENTS = [
  'Gradient check',
  'Overfit one image',
  'Overfit five images',
  'Reproduce the input',
  'Fig. 8: step size',
  'Sigmoid vs leaky ReLU',
  'SGD vs Adam',
  "The paper's CNN recipe vs the fix",
];

function parseArgs(argv) {
  const opts = { repeats: 3, timeout: 600, out: path.join(REPO, 'target/bench/lab.json') };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--out') {
      opts.out = path.resolve(value);
      continue;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${key} ${value}: a whole number of at least 1 is needed`);
    if (key === '--repeats') opts.repeats = n;
    else if (key === '--timeout') opts.timeout = n;
    else throw new Error(`unknown option ${key}`);
  }
  return opts;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Presses `name` and waits for its (new) region to say it is over; the seconds it took. */
async function runOnce(page, name, timeoutMs) {
  const label = `${name} result`;
  // A run replaces its region: mark the old one so that its "Done." does not count.
  await page.evaluate((l) => {
    for (const r of document.querySelectorAll('[role="region"]')) if (r.getAttribute('aria-label') === l) r.dataset.stale = '1';
  }, label);
  const started = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name, exact: true }).click();
  // Polled every animation frame: the time is the page's own clock, to a frame.
  const finished = await page.waitForFunction(
    (l) => {
      const r = [...document.querySelectorAll('[role="region"]')].find((e) => e.getAttribute('aria-label') === l && !e.dataset.stale);
      return r && /^(Done|Stopped)\.$/.test(r.querySelector('.lab-progress')?.textContent ?? '') && performance.now();
    },
    label,
    { timeout: timeoutMs, polling: 'raf' },
  );
  return ((await finished.jsonValue()) - started) / 1000;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const server = await startServer({ root: DIST, base: SUB_PATH });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const loadBefore = loadavg();
  const rows = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(server.url);
    await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 60_000 });
    // The experiments use the training and test images: wait for all of them.
    await page.waitForFunction(
      () => ['train', 'test'].every((s) => document.getElementById(`${s}-progress`)?.getAttribute('aria-valuenow') === '100'),
      null,
      { timeout: 300_000 },
    );
    for (const name of EXPERIMENTS) {
      const seconds = [];
      for (let i = 0; i < opts.repeats; i++) seconds.push(await runOnce(page, name, opts.timeout * 1000));
      const row = { experiment: name, seconds, median: median(seconds), load: loadavg() };
      rows.push(row);
      log(`${name.padEnd(36)} median ${row.median.toFixed(2).padStart(7)} s  (${seconds.map((s) => s.toFixed(2)).join(', ')})  load ${row.load.join(' ')}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const result = { date: new Date().toISOString(), cpus: os.cpus().length, repeats: opts.repeats, loadBefore, loadAfter: loadavg(), rows };
  log(`load before ${loadBefore.join(' ')}, after ${result.loadAfter.join(' ')} (1, 5, 15 min); ${result.cpus} logical CPUs`);
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  log(e?.stack ?? String(e));
  process.exit(1);
});
