// Soak benchmark: the page trains for 10 epochs on the real MNIST, and the
// memory of its training worker and of its shard workers is read before
// training and at the end of every epoch. It should stay flat: the data is
// reserved once, and every buffer a step, an evaluation or a message uses
// is either reused or freed.
//
//   node bench/browser/soak.mjs [--epochs 10] [--workers N] [--seed 1] [--timeout 1800] [--out FILE]
//   (or bash bench/soak.sh, which checks dist/ and node_modules first)
//
// Needs dist/ (scripts/build-page.sh). It serves dist/ under a sub-path and
// starts the system Chromium the way app.mjs does (scripts/serve.mjs,
// scripts/chromium.mjs). It opens the page at
// `#preset=cnn&epochs=N&seed=S[&workers=W]`, so the page starts a fresh
// network with those settings. It waits until both data splits are loaded,
// presses Train, and follows `groundup.history`. Each time a full-test-set
// evaluation arrives (the page runs one at the end of every epoch), it reads
// from every training and shard worker:
// - the wasm linear memory: `memory.buffer.byteLength` of the instance the
//   worker's own `js/wasm.js` loaded (relaxed or simd128 build; importing
//   the same URL in the worker gives the same module). Wasm memory never
//   shrinks, so this is a high-water mark.
// - the JS heap: CDP `Runtime.getHeapUsage` after `HeapProfiler.collectGarbage`.
// Both are read through a CDP session attached to the worker target from the
// browser session (`Target.attachToTarget`). It also reads the resident
// memory of the renderer processes (VmRSS; the workers live there).
// Training goes on while the readings are taken: nothing is paused.
// Prints the table to stderr, writes the JSON to --out and to the last
// stdout line. It never asserts anything.

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
const SUB_PATH = '/bench/soak/groundup/';
const log = (...a) => console.error(...a);
const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const MiB = 1024 * 1024;

function parseArgs(argv) {
  const opts = { epochs: 10, workers: null, seed: 1, timeout: 1800, out: path.join(REPO, 'target/bench/soak.json') };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    const whole = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (key === '--seed' ? 0 : 1)) throw new Error(`${key} ${value}: a whole number is needed`);
      return n;
    };
    if (key === '--epochs') opts.epochs = whole();
    else if (key === '--workers') opts.workers = whole();
    else if (key === '--seed') opts.seed = whole();
    else if (key === '--timeout') opts.timeout = whole();
    else if (key === '--out') opts.out = path.resolve(value);
    else throw new Error(`unknown option ${key} (options: --epochs N, --workers N, --seed N, --timeout S, --out FILE)`);
  }
  return opts;
}

// ---- the workers, through the browser's CDP session ------------------------

/**
 * The page's training and shard workers, each through its own CDP session
 * (attached from the browser session, not flattened, so that Playwright's
 * own sessions are left alone). A worker keeps its label ("train",
 * "shard 1", …) for the whole run, in the order it was first seen.
 */
function workerProbe(browserCdp, origin) {
  const sessions = new Map(); // targetId → {label, url, sessionId}
  const pending = new Map(); // `${sessionId}:${id}` → {resolve, reject, method}
  let nextId = 1;
  let shards = 0;
  browserCdp.on('Target.receivedMessageFromTarget', (e) => {
    const msg = JSON.parse(e.message);
    const waiter = pending.get(`${e.sessionId}:${msg.id}`);
    if (!waiter) return;
    pending.delete(`${e.sessionId}:${msg.id}`);
    if (msg.error) waiter.reject(new Error(`${waiter.method}: ${msg.error.message}`));
    else waiter.resolve(msg.result);
  });
  browserCdp.on('Target.detachedFromTarget', (e) => {
    for (const [key, waiter] of pending) {
      if (key.startsWith(`${e.sessionId}:`)) {
        pending.delete(key);
        waiter.reject(new Error(`${waiter.method}: the worker went away`));
      }
    }
  });

  const send = (sessionId, method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(`${sessionId}:${id}`, { resolve, reject, method });
      browserCdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e) => {
        pending.delete(`${sessionId}:${id}`);
        reject(e);
      });
    });

  /** The workers alive now, attached (once) and labelled. */
  async function workers() {
    const { targetInfos } = await browserCdp.send('Target.getTargets');
    const alive = targetInfos.filter((t) => t.type === 'worker' && t.url.startsWith(origin) && /\/(shard-)?worker\.js$/.test(t.url));
    for (const t of alive) {
      if (sessions.has(t.targetId)) continue;
      const { sessionId } = await browserCdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false });
      const label = /shard-worker\.js$/.test(t.url) ? `shard ${++shards}` : 'train';
      sessions.set(t.targetId, { label, url: t.url, sessionId });
    }
    const ids = new Set(alive.map((t) => t.targetId));
    return [...sessions.entries()].filter(([id]) => ids.has(id)).map(([, s]) => s);
  }

  /** One reading of one worker: wasm linear memory and JS heap (after a GC). */
  async function read(s) {
    // The worker's own wasm.js (same URL, so the same module instance), which
    // holds the memory of whichever build the worker loaded.
    const moduleUrl = new URL('wasm.js', s.url).href;
    const evaluated = await send(s.sessionId, 'Runtime.evaluate', {
      expression: `import(${JSON.stringify(moduleUrl)}).then((m) => m.wasm.memory.buffer.byteLength)`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (evaluated.exceptionDetails) throw new Error(`wasm memory of ${s.label}: ${evaluated.exceptionDetails.exception?.description ?? evaluated.exceptionDetails.text}`);
    await send(s.sessionId, 'HeapProfiler.collectGarbage');
    const heap = await send(s.sessionId, 'Runtime.getHeapUsage');
    return {
      label: s.label,
      wasmBytes: evaluated.result.value,
      jsHeapUsedBytes: heap.usedSize,
      jsHeapTotalBytes: heap.totalSize,
      ...(heap.backingStorageSize !== undefined ? { backingStorageBytes: heap.backingStorageSize } : {}),
      ...(heap.embedderHeapUsedSize !== undefined ? { embedderHeapUsedBytes: heap.embedderHeapUsedSize } : {}),
    };
  }

  return {
    async readAll() {
      const out = [];
      for (const s of await workers()) {
        try {
          out.push(await read(s));
        } catch (e) {
          out.push({ label: s.label, error: e.message });
        }
      }
      return out;
    },
    async detach() {
      for (const s of sessions.values()) await browserCdp.send('Target.detachFromTarget', { sessionId: s.sessionId }).catch(() => {});
    },
  };
}

/** Resident memory (VmRSS) of Chromium's renderer processes, from /proc. */
async function rendererRss(browserCdp) {
  const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
  const each = [];
  for (const p of processInfo.filter((p) => p.type === 'renderer')) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
      if (m) each.push({ pid: p.id, rssBytes: Number(m[1]) * 1024 });
    } catch {
      // the process ended meanwhile
    }
  }
  return { each, rssBytes: each.reduce((sum, r) => sum + r.rssBytes, 0) };
}

// ---- the run ---------------------------------------------------------------

/** What the page shows now, and the full evaluations so far. */
const pageNow = (page) =>
  page.evaluate(() => {
    const h = globalThis.groundup.history;
    const last = h.training.at(-1);
    return {
      state: document.getElementById('state').textContent,
      progress: document.getElementById('progress-line').textContent,
      accuracy: document.getElementById('accuracy').textContent,
      step: last ? last.step : 0,
      full: h.evaluations
        .filter((e) => e.full && e.step > 0)
        .map((e) => ({ step: e.step, epoch: e.epoch, accuracy: e.accuracy, loss: e.loss, examples: e.examples, seconds: (e.at - h.trainPressedAt) / 1000 })),
      speeds: h.speeds.length,
      sinceTrainS: h.trainPressedAt === null ? 0 : (performance.now() - h.trainPressedAt) / 1000,
    };
  });

const shownPercent = (text) => {
  const m = /Test accuracy: (\d+(?:\.\d+)?)%.*?(all|first) ([\d,]+) test images/.exec(text ?? '');
  return m ? `${m[1]}%${m[2] === 'first' ? ` (first ${m[3]})` : ''}` : '—';
};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(DIST, 'index.html'))) throw new Error('dist/ is missing: bash scripts/build-page.sh');
  const server = await startServer({ root: DIST, base: SUB_PATH });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && problems.push(`worker console: ${m.text()}`)));
  const browserCdp = await browser.newBrowserCDPSession();
  const probe = workerProbe(browserCdp, new URL(server.url).origin);

  const fragment = `#preset=cnn&epochs=${opts.epochs}&seed=${opts.seed}${opts.workers ? `&workers=${opts.workers}` : ''}`;
  const result = {
    kind: 'groundup-soak-bench',
    date: new Date().toISOString(),
    chromium: browser.version(),
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    url: `${SUB_PATH}${fragment}`,
    epochs: opts.epochs,
    loadStart: loadavg(),
    samples: [],
  };
  const sample = async (point, epoch, at) => {
    const load = loadavg();
    const takenAt = Date.now();
    const workers = await probe.readAll();
    const rss = await rendererRss(browserCdp);
    const now = await pageNow(page);
    const s = {
      point,
      epoch,
      step: at?.step ?? now.step,
      stepWhenRead: now.step,
      seconds: at?.seconds ?? null,
      fullTestAccuracy: at?.accuracy ?? null,
      accuracyShown: now.accuracy,
      progressLine: now.progress,
      workers,
      renderers: rss.each,
      rendererRssBytes: rss.rssBytes,
      readMs: Date.now() - takenAt,
      load,
    };
    result.samples.push(s);
    const w = workers.map((x) => (x.error ? `${x.label}: ${x.error}` : `${x.label} wasm ${(x.wasmBytes / MiB).toFixed(1)} MiB, JS ${(x.jsHeapUsedBytes / MiB).toFixed(2)} MiB`)).join('; ');
    log(`  ${point}: step ${s.step}${s.seconds !== null ? `, ${s.seconds.toFixed(1)} s` : ''}, ${shownPercent(now.accuracy)}; ${w}; renderers ${(rss.rssBytes / MiB).toFixed(0)} MiB RSS; load ${load[0]}`);
    return s;
  };

  try {
    log(`soak: ${opts.epochs} epochs of the cnn preset in the page (${fragment}), load ${result.loadStart.join(' ')}`);
    await page.goto(`${server.url}${fragment}`);
    await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 60_000 });
    await page.waitForFunction(
      () => ['train', 'test'].every((s) => document.getElementById(`${s}-progress`).getAttribute('aria-valuenow') === '100'),
      null,
      { timeout: 180_000 },
    );
    // The fragment's network is in place, with its settings in force.
    await page.waitForFunction((epochs) => globalThis.groundup.settings.epochs === epochs, opts.epochs, { timeout: 30_000 });
    if (opts.workers) await page.waitForFunction((n) => document.documentElement.dataset.workers === String(n), opts.workers, { timeout: 10_000 });
    result.workersTraining = Number(await page.evaluate(() => document.documentElement.dataset.workers));
    result.settings = await page.evaluate(() => ({ ...globalThis.groundup.settings }));
    result.stateBefore = await page.locator('#state').textContent();

    await sample('before', 0, null);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const deadline = Date.now() + opts.timeout * 1000;
    let seen = 0;
    let now;
    for (;;) {
      now = await pageNow(page);
      while (seen < now.full.length && seen < opts.epochs) {
        const e = now.full[seen++];
        await sample(`epoch ${seen}`, seen, e);
      }
      if (seen >= opts.epochs) break;
      if (/^(Training stopped|Error)/.test(now.state)) throw new Error(`training stopped: ${now.state}`);
      if (Date.now() > deadline) throw new Error(`not done after ${opts.timeout} s: ${now.state} (${now.progress})`);
      await page.waitForTimeout(200);
    }
    await page.waitForFunction(() => /^Done/.test(document.getElementById('state').textContent), null, { timeout: 30_000 }).catch(() => {});
    result.stateAfter = await page.locator('#state').textContent();
    result.progressAfter = await page.locator('#progress-line').textContent();
    result.speeds = await page.evaluate(() => {
      const v = globalThis.groundup.history.speeds.map((s) => s.imagesPerSecond).filter((x) => x > 0).sort((a, b) => a - b);
      return { reports: v.length, medianImagesPerSecond: v.length ? v[v.length >> 1] : null };
    });
  } finally {
    result.loadEnd = loadavg();
    result.problems = problems;
    await probe.detach().catch(() => {});
    await browserCdp.detach().catch(() => {});
    await context.close().catch(() => {});
    await browser.close().catch(() => {});
    await server.close();
  }

  report(result);
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  log(`JSON: ${path.relative(REPO, opts.out)}`);
  process.stdout.write(JSON.stringify(result) + '\n');
  if (problems.length) {
    log(`problems: ${problems.join(' | ')}`);
    process.exitCode = 1;
  }
}

/** The table, the growth from epoch 1 to the last epoch, and the load. */
function report(result) {
  const labels = [...new Set(result.samples.flatMap((s) => s.workers.map((w) => w.label)))];
  const cell = (s, label, key, digits) => {
    const w = s.workers.find((x) => x.label === label);
    return w && !w.error ? (w[key] / MiB).toFixed(digits) : '—';
  };
  const head = ['point', 'step', 'elapsed s', 'test accuracy shown', ...labels.flatMap((l) => [`${l} wasm MiB`, `${l} JS heap MiB`]), 'renderers RSS MiB', 'load 1m'];
  const rows = result.samples.map((s) => [
    s.point,
    String(s.step),
    s.seconds === null ? '—' : s.seconds.toFixed(1),
    shownPercent(s.accuracyShown),
    ...labels.flatMap((l) => [cell(s, l, 'wasmBytes', 1), cell(s, l, 'jsHeapUsedBytes', 2)]),
    (s.rendererRssBytes / MiB).toFixed(0),
    s.load[0].toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i < 4 && i !== 1 && i !== 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  log('');
  log(`soak, ${result.epochs} epochs, cnn preset, ${result.workersTraining} worker(s), Chromium ${result.chromium}, ${result.cpu} (${result.cores} cores)`);
  log(line(head));
  log(`|${widths.map((w, i) => (i < 4 && i !== 1 && i !== 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) log(line(r));

  // Growth from the end of epoch 1 to the end of the last epoch.
  const first = result.samples.find((s) => s.epoch === 1);
  const last = result.samples.filter((s) => s.epoch >= 1).at(-1);
  result.growth = {};
  if (first && last && last !== first) {
    log('');
    log(`growth from epoch 1 to epoch ${last.epoch}:`);
    const grow = (name, a, b) => {
      if (a === undefined || b === undefined) return;
      const mib = (b - a) / MiB;
      const pct = a > 0 ? (100 * (b - a)) / a : null;
      result.growth[name] = { fromBytes: a, toBytes: b, mib, percent: pct };
      log(`  ${name.padEnd(24)} ${(a / MiB).toFixed(2).padStart(8)} → ${(b / MiB).toFixed(2).padStart(8)} MiB: ${mib >= 0 ? '+' : ''}${mib.toFixed(2)} MiB (${pct === null ? '—' : `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`})`);
    };
    for (const l of labels) {
      const a = first.workers.find((w) => w.label === l && !w.error);
      const b = last.workers.find((w) => w.label === l && !w.error);
      grow(`${l} wasm`, a?.wasmBytes, b?.wasmBytes);
      grow(`${l} JS heap (used)`, a?.jsHeapUsedBytes, b?.jsHeapUsedBytes);
      if (a?.backingStorageBytes !== undefined) grow(`${l} JS array buffers`, a.backingStorageBytes, b?.backingStorageBytes);
    }
    grow('renderers RSS', first.rendererRssBytes, last.rendererRssBytes);
  }
  log('');
  log(`load average (1, 5, 15 min): ${result.loadStart.join(' ')} at the start, ${result.loadEnd.join(' ')} at the end`);
  if (result.speeds) log(`median training speed ${Math.round(result.speeds.medianImagesPerSecond)} img/s; final state: ${result.stateAfter}`);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
