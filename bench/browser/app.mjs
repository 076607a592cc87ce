// The page itself, on the real MNIST data: how long from pressing Train
// (the `cnn` preset, untrained) to ≥ 99.0% accuracy on all 10,000 test
// images, on every core (or --workers), for seeds 1–3; and the two parts of
// that time apart: speed (the page's median images/s) and convergence (the
// images seen until the first full evaluation at ≥ 99.0%). With two worker
// counts and one seed it also compares the runs' loss curves (data-parallel
// training must mean the same thing).
//
//   node bench/browser/app.mjs [--workers 2] [--seeds 1,2,3] [--target 0.99] [--timeout 300] [--out FILE]
//
// Needs dist/ (scripts/build-page.sh). Serves it under a sub-path, opens it
// in the system Chromium with ?workers=N#preset=cnn&seed=S, waits for the
// data, presses Reset and Train, and reads the page's `groundup.history`
// (main.js): per-batch loss and accuracy, images/s, and every evaluation with
// its arrival time. Full-test-set evaluations come at every half epoch; the
// time to 99% is from the press of Train to the first full evaluation at
// ≥ 99.0%. Writes the table to stderr, JSON to --out and the last stdout
// line, and the runs' loss curves to target/bench/convergence.svg.

import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../../scripts/chromium.mjs';
import { startServer } from '../../scripts/serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const DIST = path.join(REPO, 'dist');
const log = (...a) => console.error(...a);
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);

function parseArgs(argv) {
  const opts = { workers: null, seeds: [1, 2, 3], target: 0.99, timeout: 300, out: null, svg: path.join(REPO, 'target/bench/convergence.svg') };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--workers') opts.workers = value.split(',').map(Number);
    else if (key === '--seeds') opts.seeds = value.split(',').map(Number);
    else if (key === '--target') opts.target = Number(value);
    else if (key === '--timeout') opts.timeout = Number(value);
    else if (key === '--out') opts.out = value;
    else if (key === '--svg') opts.svg = value;
    else throw new Error(`unknown option ${key}`);
  }
  return opts;
}

/** One run: the cnn preset from Reset on `workers` workers with `seed`, until `target` or the epochs end. */
async function run(context, url, workers, seed, opts) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  try {
    await page.goto(`${url}?workers=${workers}#preset=cnn&seed=${seed}`);
    await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 60_000 });
    await page.waitForFunction(
      () => ['train', 'test'].every((s) => document.getElementById(`${s}-progress`).getAttribute('aria-valuenow') === '100'),
      null,
      { timeout: 120_000 },
    );
    await page.waitForFunction((n) => document.documentElement.dataset.workers === String(n), workers, { timeout: 10_000 });
    const shown = await page.evaluate(() => ({ preset: document.getElementById('preset').value, seed: Number(document.getElementById('seed').value), batch: Number(document.getElementById('batchSize').value), epochs: Number(document.getElementById('epochs').value) }));
    if (shown.preset !== 'cnn' || shown.seed !== seed) throw new Error(`the page shows preset ${shown.preset}, seed ${shown.seed}; asked for cnn, ${seed}`);
    const build = await page.evaluate(() => document.documentElement.dataset.wasm);
    await page.click('#reset');
    await page.waitForFunction(() => /Untrained/.test(document.getElementById('state').textContent), null, { timeout: 10_000 });
    const load = loadavg();
    await page.click('#train');
    const deadline = Date.now() + opts.timeout * 1000;
    let reached = null;
    let done = false;
    while (!reached && !done && Date.now() < deadline) {
      await page.waitForTimeout(250);
      ({ reached, done } = await page.evaluate((target) => {
        const h = globalThis.groundup.history;
        const hit = h.evaluations.find((e) => e.full && e.accuracy >= target);
        const state = document.getElementById('state').textContent;
        return { reached: hit ? { ...hit, afterTrainMs: hit.at - h.trainPressedAt } : null, done: /^(Done|Training stopped)/.test(state) };
      }, opts.target));
    }
    if (done && !reached) {
      // The last full evaluation comes just after "Done": wait for it.
      await page.waitForFunction(
        () => {
          const h = globalThis.groundup.history;
          const last = h.training.at(-1);
          return last && h.evaluations.some((e) => e.full && e.step === last.step);
        },
        null,
        { timeout: 30_000 },
      ).catch(() => {});
      reached = await page.evaluate((target) => {
        const h = globalThis.groundup.history;
        const hit = h.evaluations.find((e) => e.full && e.accuracy >= target);
        return hit ? { ...hit, afterTrainMs: hit.at - h.trainPressedAt } : null;
      }, opts.target);
    }
    const finalState = await page.locator('#state').textContent();
    const h = await page.evaluate(() => {
      const h = globalThis.groundup.history;
      return { training: h.training, evaluations: h.evaluations.map((e) => ({ ...e, afterTrainMs: e.at - h.trainPressedAt })), speeds: h.speeds };
    });
    const speeds = h.speeds.map((s) => s.imagesPerSecond).filter((v) => v > 0).sort((a, b) => a - b);
    return {
      workers,
      seed,
      build,
      reached: reached ? { seconds: reached.afterTrainMs / 1000, step: reached.step, epoch: reached.epoch, accuracy: reached.accuracy, images: reached.step * shown.batch } : null,
      batch: shown.batch,
      epochs: shown.epochs,
      fullEvaluations: h.evaluations.filter((e) => e.full).map((e) => ({ step: e.step, accuracy: e.accuracy, loss: e.loss, seconds: e.afterTrainMs / 1000, ms: e.ms })),
      medianImagesPerSecond: speeds.length ? speeds[speeds.length >> 1] : null,
      steps: h.training.length,
      finalState,
      losses: h.training.map((b) => b.loss),
      load,
      problems,
    };
  } finally {
    await page.close();
  }
}

/** Exponential moving average, as the page's chart smooths the training loss. */
function smooth(values, factor = 0.98) {
  const out = [];
  let s = null;
  for (const v of values) {
    s = s === null ? v : factor * s + (1 - factor) * v;
    out.push(s);
  }
  return out;
}

function svgOfCurves(runs) {
  const W = 720;
  const H = 360;
  const pad = { left: 56, right: 16, top: 34, bottom: 40 };
  const colors = ['#2563eb', '#ea580c', '#16a34a', '#9333ea'];
  const curves = runs.map((r) => smooth(r.losses));
  const maxStep = Math.max(...curves.map((c) => c.length));
  const yMax = 0.6;
  const x = (i) => pad.left + (i / Math.max(1, maxStep - 1)) * (W - pad.left - pad.right);
  const y = (v) => pad.top + (1 - Math.min(v, yMax) / yMax) * (H - pad.top - pad.bottom);
  const lines = curves.map((c, k) => {
    const stride = Math.max(1, Math.floor(c.length / 800));
    const pts = [];
    for (let i = 0; i < c.length; i += stride) pts.push(`${x(i).toFixed(1)},${y(c[i]).toFixed(1)}`);
    return `<polyline fill="none" stroke="${colors[k % colors.length]}" stroke-width="1.6" points="${pts.join(' ')}"/>`;
  });
  const ticks = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((t) => `<text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(1)}</text><line x1="${pad.left}" x2="${W - pad.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
  const legend = runs.map((r, k) => `<text x="${pad.left + 10 + (k % 3) * 230}" y="${14 + 12 * Math.floor(k / 3)}" fill="${colors[k % colors.length]}">${r.workers}w seed ${r.seed}: ${r.fullEvaluations.map((e) => (100 * e.accuracy).toFixed(2)).join(' → ')}%</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${ticks.join('\n')}
${lines.join('\n')}
${legend.join('\n')}
<text x="${(W + pad.left) / 2}" y="${H - 8}" text-anchor="middle">step (training loss per batch, smoothed as on the page)</text>
</svg>
`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(DIST, 'index.html'))) throw new Error('dist/ is missing: bash scripts/build-page.sh');
  const server = await startServer({ root: DIST, base: '/bench/groundup/' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const cores = await (async () => {
    const p = await context.newPage();
    const n = await p.evaluate(() => navigator.hardwareConcurrency);
    await p.close();
    return n;
  })();
  const workerCounts = opts.workers ?? [Math.min(cores, 4)];
  const result = { kind: 'groundup-app-bench', date: new Date().toISOString(), chromium: browser.version(), cores, cpu: os.cpus()[0]?.model, target: opts.target, runs: [] };
  try {
    for (const workers of workerCounts) {
      for (const seed of opts.seeds) {
        log(`cnn preset, seed ${seed}, from Reset to ${(100 * opts.target).toFixed(1)}% on ${workers} worker(s)…`);
        const r = await run(context, server.url, workers, seed, opts);
        result.runs.push(r);
        log(`  ${r.reached ? `${r.reached.seconds.toFixed(1)} s (step ${r.reached.step}, ${r.reached.images} images = ${(r.reached.images / 60000).toFixed(2)} epochs, ${(100 * r.reached.accuracy).toFixed(2)}%)` : `not reached (${r.finalState})`}; full evaluations ${r.fullEvaluations.map((e) => `${(100 * e.accuracy).toFixed(2)}% at ${e.seconds.toFixed(1)} s`).join(', ')}; ${Math.round(r.medianImagesPerSecond)} img/s (${r.build}); load ${r.load.join(' ')}`);
      }
    }
  } finally {
    await context.close().catch(() => {});
    await browser.close().catch(() => {});
    await server.close();
  }

  // Per worker count: the median and the worst seed, and the two parts of
  // the time — speed (img/s) and convergence (images to the target).
  result.summary = workerCounts.map((workers) => {
    const runs = result.runs.filter((r) => r.workers === workers);
    const seconds = runs.map((r) => (r.reached ? r.reached.seconds : Infinity));
    const images = runs.map((r) => (r.reached ? r.reached.images : Infinity));
    return {
      workers,
      seeds: runs.map((r) => r.seed),
      medianSeconds: median(seconds),
      worstSeconds: Math.max(...seconds),
      allReached: runs.every((r) => r.reached),
      medianImagesToTarget: median(images),
      medianImagesPerSecond: median(runs.map((r) => r.medianImagesPerSecond ?? 0)),
      load: runs.map((r) => r.load[0]),
    };
  });
  for (const s of result.summary) {
    log(`${s.workers} worker(s), seeds ${s.seeds.join(', ')}: ≥ ${(100 * opts.target).toFixed(1)}% after ${s.medianSeconds.toFixed(1)} s (median; worst ${s.worstSeconds.toFixed(1)} s${s.allReached ? '' : ', NOT every seed reached it'})` +
      ` = convergence ${Number.isFinite(s.medianImagesToTarget) ? `${s.medianImagesToTarget} images (${(s.medianImagesToTarget / 60000).toFixed(2)} epochs)` : '-'} at speed ${Math.round(s.medianImagesPerSecond)} img/s, plus evaluations; load ${s.load.join(', ')}`);
  }

  // Do the runs learn alike? With one seed on two worker counts, compare the
  // smoothed loss step by step.
  if (workerCounts.length === 2 && opts.seeds.length === 1) {
    const [a, b] = result.runs.map((r) => smooth(r.losses));
    const n = Math.min(a.length, b.length);
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(a[i] - b[i]);
      worst = Math.max(worst, d);
      sum += d;
    }
    result.agreement = { steps: n, meanAbsSmoothedLossDifference: sum / n, maxAbsSmoothedLossDifference: worst };
    log(`curves over ${n} common steps: smoothed training loss differs by ${(sum / n).toFixed(4)} on average, at most ${worst.toFixed(4)}`);
  }
  mkdirSync(path.dirname(opts.svg), { recursive: true });
  writeFileSync(opts.svg, svgOfCurves(result.runs));
  log(`loss curves: ${path.relative(REPO, opts.svg)}`);
  const out = JSON.stringify({ ...result, runs: result.runs.map(({ losses, ...r }) => r) });
  if (opts.out) writeFileSync(opts.out, JSON.stringify(JSON.parse(out), null, 2) + '\n');
  process.stdout.write(out + '\n');
  if (result.runs.some((r) => r.problems.length)) {
    log(`problems: ${result.runs.flatMap((r) => r.problems).join(' | ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
