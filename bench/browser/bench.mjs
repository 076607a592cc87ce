// Drives the browser benchmark (run it through run.sh, which builds the wasm
// first): a static server on 127.0.0.1, the system Chromium through
// playwright-core, groundup's Trainer in one Web Worker and TensorFlow.js in
// one worker per backend, all in the same page and the same run.
//
//   node bench/browser/bench.mjs [--seconds 10] [--warmup 2] [--nets cnn,mlp]
//        [--batches 64,500] [--backends cpu,wasm,wasm-tuned,webgl] [--workers N]
//        [--build relaxed|simd128] [--out FILE]
//
// groundup is measured twice: in one worker, and data-parallel on N workers
// (default: every core the browser reports) as the page trains by default,
// both on the page's own release build (dist/). Every figure is also given
// as GFLOP/s (img/s × the products' flops per image, groundup::cost) and as
// a % of the SIMD peak (mul + add) measured in the same run, times the
// workers used.
//
// The table goes to stderr; the last stdout line is the JSON result.

import { createReadStream, existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../../scripts/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---- arguments -------------------------------------------------------------

function parseArgs(argv) {
  const opts = { seconds: 10, warmup: 2, nets: ['cnn', 'mlp'], batches: [64, 500], backends: ['cpu', 'wasm', 'wasm-tuned', 'webgl'], workers: 0, build: 'relaxed', out: null };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--seconds') opts.seconds = Number(value);
    else if (key === '--warmup') opts.warmup = Number(value);
    else if (key === '--nets') opts.nets = value.split(',');
    else if (key === '--batches') opts.batches = value.split(',').map(Number);
    else if (key === '--backends') opts.backends = value.split(',').filter(Boolean);
    else if (key === '--out') opts.out = value;
    else if (key === '--workers') opts.workers = Number(value);
    else if (key === '--build') opts.build = value;
    else throw new Error(`unknown option ${key}`);
  }
  if (!(opts.seconds > 0 && opts.warmup >= 0)) throw new Error('--seconds must be > 0 and --warmup >= 0');
  for (const n of opts.nets) if (!['cnn', 'mlp'].includes(n)) throw new Error(`--nets: unknown network ${n}`);
  for (const b of opts.backends) if (!['cpu', 'wasm', 'wasm-tuned', 'webgl'].includes(b)) throw new Error(`--backends: unknown backend ${b}`);
  if (!['relaxed', 'simd128'].includes(opts.build)) throw new Error(`--build: relaxed or simd128, not ${opts.build}`);
  return opts;
}

// ---- helpers ---------------------------------------------------------------

const log = (...a) => console.error(...a);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;

function fileSizes(file) {
  const bytes = readFileSync(file);
  return { file: path.relative(path.join(HERE, '..', '..'), file), bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

// ---- a static server for bench/browser, on 127.0.0.1 ------------------------

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json' };
// Only these folders are served: the bench page, TF.js, under /app/ the
// page's release build (dist/: both wasm builds, and js/ with wasm.js,
// shards.js and shard-worker.js, so that groundup is measured exactly as the
// page runs it), and under /kernels/ the peak loops (bench/kernels/pkg).
const SERVED = ['/www/', '/node_modules/@tensorflow/', '/app/', '/kernels/'];
const DIST = path.join(HERE, '..', '..', 'dist');
const KERNELS = path.join(HERE, '..', 'kernels', 'pkg');

function fileFor(pathname) {
  for (const [prefix, root] of [['/app/', DIST], ['/kernels/', KERNELS]]) {
    if (!pathname.startsWith(prefix)) continue;
    const file = path.join(root, path.normalize(pathname.slice(prefix.length)));
    return file.startsWith(root) ? file : null;
  }
  const file = path.join(HERE, path.normalize(pathname));
  return file.startsWith(HERE) ? file : null;
}

/** With `hideRelaxed`, the relaxed build answers 404 and every worker runs simd128. */
function startServer({ hideRelaxed = false } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(pathname);
    const file = fileFor(pathname);
    const hidden = hideRelaxed && pathname.startsWith('/app/groundup-web-relaxed');
    if (hidden || !SERVED.some((p) => pathname.startsWith(p)) || !file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ origin: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

// ---- memory of a worker and of the renderer, through CDP ---------------------

/** A CDP channel into the dedicated worker whose URL contains `urlPart` (via the page's session). */
async function workerSession(context, page, urlPart) {
  const cdp = await context.newCDPSession(page);
  const attached = [];
  cdp.on('Target.attachedToTarget', (e) => attached.push(e));
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const deadline = Date.now() + 5000;
  let target;
  while (!(target = attached.find((e) => e.targetInfo.url.includes(urlPart))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!target) throw new Error(`no worker target for ${urlPart}`);
  let nextId = 1;
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (e) => {
        if (e.sessionId !== target.sessionId) return;
        const msg = JSON.parse(e.message);
        if (msg.id !== id) return;
        cdp.off('Target.receivedMessageFromTarget', onMessage);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      };
      cdp.on('Target.receivedMessageFromTarget', onMessage);
      cdp.send('Target.sendMessageToTarget', { sessionId: target.sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  return { send, detach: () => cdp.detach().catch(() => {}) };
}

/** Resident memory (VmRSS) of Chromium's renderer processes, from /proc. */
async function rendererRss(browserCdp) {
  const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
  const renderers = processInfo.filter((p) => p.type === 'renderer');
  let total = 0;
  for (const p of renderers) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return { renderers: renderers.length, rssBytes: total };
}

// ---- the run -----------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const f of ['../../dist/groundup-web_bg.wasm', '../../dist/groundup-web-relaxed_bg.wasm', '../kernels/pkg/simd128/groundup_web.js', 'node_modules/@tensorflow/tfjs/package.json']) {
    if (!existsSync(path.join(HERE, f))) throw new Error(`${path.relative(path.join(HERE, '../..'), path.join(HERE, f))} is missing: run bash bench/browser/run.sh`);
  }
  const tfjsVersion = JSON.parse(readFileSync(path.join(HERE, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')).version;
  const tfjsWasmVersion = JSON.parse(readFileSync(path.join(HERE, 'node_modules/@tensorflow/tfjs-backend-wasm/package.json'), 'utf8')).version;
  const started = Date.now();
  const loadStart = loadavg();
  log(`load at start: ${loadStart.join(' ')}  (${os.cpus().length} cores)`);

  const server = await startServer({ hideRelaxed: opts.build === 'simd128' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  const browserRequests = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && problems.push(`worker console: ${m.text()}`)));
  context.on('request', (r) => browserRequests.push(r.url()));

  const result = {
    kind: 'groundup-browser-bench',
    date: new Date().toISOString(),
    chromium: browser.version(),
    tfjs: tfjsVersion,
    tfjsBackendWasm: tfjsWasmVersion,
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    settings: { seconds: opts.seconds, warmupSeconds: opts.warmup, windowMs: 1000, rows: 2000, optimizer: 'sgd' },
    load: { start: loadStart },
    backends: {},
    training: [],
  };

  try {
    await page.goto(`${server.origin}/www/index.html`);
    await page.waitForFunction(() => window.bench);
    const call = (name, cmd, args) => page.evaluate(([n, c, a]) => window.bench.call(n, c, a), [name, cmd, args]);

    // The reference: the single-thread SIMD peak, at the start and the end of
    // the run (the best of the two is used: the least disturbed).
    await page.evaluate(() => window.bench.start('peak', 'peak-worker.js', { type: 'module' }));
    const peaks = [await call('peak', 'peak', { ms: 600 })];
    await page.evaluate(() => window.bench.start('groundup', 'groundup-worker.js', { type: 'module' }));
    result.groundupWorker = await call('groundup', 'info');
    log(`groundup runs the ${result.groundupWorker.build} build; SIMD peak at start: mul+add ${peaks[0].mulAdd.gflops.toFixed(1)}, FMA ${peaks[0].fma.gflops.toFixed(1)} GFLOP/s`);
    // groundup on every core: the same worker with shard workers (www/js/shards.js).
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    result.groundupWorkers = Math.min(cores, opts.workers || cores);
    if (result.groundupWorkers > 1) {
      await page.evaluate(() => window.bench.start('groundup-all', 'groundup-worker.js', { type: 'module' }));
    }
    for (const backend of opts.backends) {
      const name = `tfjs-${backend}`;
      try {
        const query = backend === 'wasm-tuned' ? 'backend=wasm&tuned=1' : `backend=${backend}`;
        await page.evaluate(([n, q]) => window.bench.start(n, `tfjs-worker.js?${q}`), [name, query]);
        result.backends[backend] = await call(name, 'info');
      } catch (e) {
        result.backends[backend] = { backend, available: false, detail: e.message };
      }
      const info = result.backends[backend];
      log(`tfjs ${backend}: ${info.available ? 'available' : `UNAVAILABLE (${info.detail || 'setBackend failed'})`}` +
        (info.renderer ? `, renderer ${info.renderer}` : '') +
        (info.wasmThreads ? `, ${info.wasmThreads} thread(s), simd ${info.wasmSimd}; bench Conv2DBackpropFilter checked (max error ${info.filterGradCheckMaxError.toExponential(1)})` : '') +
        (info.tunedMatMulCheckMaxError !== undefined ? `; tuned BatchMatMul and Conv2DBackpropInput checked (max errors ${info.tunedMatMulCheckMaxError.toExponential(1)}, ${info.tunedConvInputCheckMaxError.toExponential(1)})` : ''));
    }
    const live = opts.backends.filter((b) => result.backends[b].available);

    // For each (network, batch): set up and warm up every contestant, then
    // alternate ~1 s windows between them — groundup, tfjs-cpu, tfjs-wasm, … —
    // until each has ≥ --seconds of windows and ≥ 3 of them. A change in the
    // machine's load (it is shared) then hits all contestants alike.
    for (const net of opts.nets) {
      for (const batch of opts.batches) {
        const contestants = [
          { label: 'groundup', worker: 'groundup', workers: 1 },
          ...(result.groundupWorkers > 1 ? [{ label: `groundup-${result.groundupWorkers}w`, worker: 'groundup-all', workers: result.groundupWorkers }] : []),
          ...live.map((b) => ({ label: `tfjs-${b}`, worker: `tfjs-${b}`, backend: b })),
        ];
        for (const c of contestants) {
          try {
            c.setup = await call(c.worker, 'setup', { net, batch, workers: c.workers });
            c.warmup = await call(c.worker, 'warmup', { ms: opts.warmup * 1000 });
            c.windows = [];
          } catch (e) {
            c.error = e.message.split('\n')[0];
            log(`  ${net} batch ${batch} ${c.label}: FAILED ${c.error}`);
          }
        }
        const pending = (c) => !c.error && (c.windows.length < 3 || c.windows.reduce((t, w) => t + w.ms, 0) < opts.seconds * 1000);
        while (contestants.some(pending)) {
          for (const c of contestants.filter(pending)) {
            const load = loadavg()[0];
            try {
              c.windows.push({ ...(await call(c.worker, 'window', { ms: 1000 })), load });
            } catch (e) {
              c.error = e.message.split('\n')[0];
              log(`  ${net} batch ${batch} ${c.label}: FAILED ${c.error}`);
            }
          }
        }
        const row = { network: net, batch, groundup: null, groundupAll: null, tfjs: {} };
        for (const c of contestants) {
          if (c.error) {
            if (c.worker === 'groundup') row.groundupError = c.error;
            else if (c.worker === 'groundup-all') row.groundupAllError = c.error;
            else row.tfjs[c.backend] = { error: c.error };
            continue;
          }
          const stats = await call(c.worker, 'stats');
          const loads = c.windows.map((w) => w.load);
          const out = {
            imagesPerSecond: median(c.windows.map((w) => w.imagesPerSecond)),
            meanImagesPerSecond: (c.windows.reduce((t, w) => t + w.images, 0) * 1000) / c.windows.reduce((t, w) => t + w.ms, 0),
            windows: c.windows.length,
            steps: c.windows.reduce((t, w) => t + w.steps, 0),
            seconds: c.windows.reduce((t, w) => t + w.ms, 0) / 1000,
            warmup: c.warmup,
            windowImagesPerSecond: c.windows.map((w) => Math.round(w.imagesPerSecond)),
            // groundup on N workers: of each window's steps, how many were shared (share-choice.js)
            ...(c.worker === 'groundup-all' ? { windowSharedSteps: c.windows.map((w) => `${w.sharedSteps}/${w.steps}`) } : {}),
            lastLoss: c.windows.at(-1).loss,
            load: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) },
          };
          if (stats.filterGrad) out.filterGradKernel = stats.filterGrad;
          if (stats.numTensors !== undefined) out.numTensors = { afterSetup: c.setup.numTensors, afterTraining: stats.numTensors }; // TF.js leak check
          if (c.setup.params) out.params = c.setup.params;
          if (c.setup.spec) out.spec = c.setup.spec;
          if (c.setup.flopsPerImage) row.flopsPerImage = c.setup.flopsPerImage;
          if (c.setup.settings) out.settings = c.setup.settings;
          if (c.worker === 'groundup') row.groundup = out;
          else if (c.worker === 'groundup-all') row.groundupAll = { ...out, workers: c.workers };
          else row.tfjs[c.backend] = out;
          const shared = c.worker === 'groundup-all' ? `, ${Math.round((100 * c.windows.reduce((t, w) => t + w.sharedSteps, 0)) / out.steps)} % of them shared` : '';
          log(`  ${net} batch ${batch} ${c.label}: ${out.imagesPerSecond.toFixed(0)} img/s (median of ${out.windows} windows, ${out.steps} steps${shared}, ${out.seconds.toFixed(1)} s; load ${out.load.min}–${out.load.max})`);
        }
        result.training.push(row);
      }
    }

    peaks.push(await call('peak', 'peak', { ms: 600 }));
    await page.evaluate(() => window.bench.stop('peak'));
    const best = (kind) => Math.max(...peaks.map((p) => p[kind].gflops));
    result.peak = { mulAddGflops: best('mulAdd'), fmaGflops: best('fma'), readings: peaks };
    addFlops(result);

    // TF.js workers are done: free their memory before the memory measurement.
    for (const backend of opts.backends) await page.evaluate((n) => window.bench.stop(n), `tfjs-${backend}`);
    if (result.groundupWorkers > 1) await page.evaluate(() => window.bench.stop('groundup-all'));

    // Latency of predict() and the time of evaluate() on 10,000 images, in the worker.
    result.predict = {};
    result.evaluate = {};
    for (const net of opts.nets) {
      const loadBefore = loadavg();
      await call('groundup', 'setup', { net, batch: 64 });
      await call('groundup', 'warmup', { ms: 1000 }); // trained weights, not the initial ones
      const p = await call('groundup', 'predict', { blocks: 200, block: 10 });
      const ev = await call('groundup', 'evaluate', { rows: 10000, runs: 3 });
      result.predict[net] = { medianMs: p.medianMs, minMs: p.minMs, calls: p.calls, block: p.block, load: loadBefore };
      result.evaluate[net] = { examples: ev.examples, medianMs: ev.medianMs, runsMs: ev.runs, load: loadBefore };
      log(`  ${net}: predict ${p.medianMs.toFixed(3)} ms, evaluate ${ev.examples} images ${(ev.medianMs / 1000).toFixed(2)} s (load ${loadBefore[0]})`);
    }

    // Memory with MNIST-sized data loaded, in a fresh groundup worker.
    {
      await page.evaluate(() => window.bench.stop('groundup'));
      await page.evaluate(() => window.bench.start('groundup', 'groundup-worker.js', { type: 'module' }));
      const browserCdp = await browser.newBrowserCDPSession();
      const worker = await workerSession(context, page, 'groundup-worker.js');
      const heap = async () => {
        await worker.send('HeapProfiler.collectGarbage');
        return worker.send('Runtime.getHeapUsage');
      };
      const loadBefore = loadavg();
      const heapBefore = await heap();
      const rssBefore = await rendererRss(browserCdp);
      const m = await call('groundup', 'memory', { train: 60000, test: 10000, chunk: 10000 });
      const heapAfter = await heap();
      const rssAfter = await rendererRss(browserCdp);
      await worker.detach();
      await browserCdp.detach();
      result.memory = {
        trainRows: m.trainSize,
        testRows: m.testSize,
        csvBytes: m.csvBytes,
        addChunkMs: m.parseMs,
        wasmMemoryEmptyBytes: m.wasmMemoryBeforeBytes,
        wasmMemoryLoadedBytes: m.wasmMemoryLoadedBytes,
        wasmMemoryAfterTrainingBytes: m.wasmMemoryAfterTrainingBytes,
        workerJsHeapUsedBytes: heapAfter.usedSize,
        workerJsHeapUsedEmptyBytes: heapBefore.usedSize,
        workerJsHeapTotalBytes: heapAfter.totalSize,
        workerBackingStoreBytes: heapAfter.backingStorageSize,
        rendererRssEmptyBytes: rssBefore.rssBytes,
        rendererRssLoadedBytes: rssAfter.rssBytes,
        rendererProcesses: rssAfter.renderers,
        load: loadBefore,
      };
      log(`  memory: wasm ${mb(m.wasmMemoryLoadedBytes)} with ${m.trainSize}+${m.testSize} rows; worker JS heap ${mb(heapAfter.usedSize)}; renderer RSS ${mb(rssBefore.rssBytes)} → ${mb(rssAfter.rssBytes)}`);
    }
  } finally {
    await context.close().catch(() => {});
    await browser.close().catch(() => {});
    await server.close();
  }

  // Sizes: what a browser downloads (one of the two builds).
  const tf = (p) => path.join(HERE, 'node_modules/@tensorflow', p);
  result.sizes = {
    groundupWasm: fileSizes(path.join(DIST, 'groundup-web_bg.wasm')),
    groundupRelaxedWasm: fileSizes(path.join(DIST, 'groundup-web-relaxed_bg.wasm')),
    groundupGlueJs: fileSizes(path.join(DIST, 'groundup-web.js')),
    tfjsJs: fileSizes(tf('tfjs/dist/tf.es2017.min.js')),
    tfjsWasmBackendJs: fileSizes(tf('tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js')),
    tfjsWasmSimd: fileSizes(tf('tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')),
  };

  const external = browserRequests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  result.requests = { served: server.requests.length, external, notFound: server.requests.filter((p) => !SERVED.some((s) => p.startsWith(s))) };
  result.problems = problems;
  result.load.end = loadavg();
  result.seconds = (Date.now() - started) / 1000;

  printTable(result, opts);
  const json = JSON.stringify(result);
  if (opts.out) {
    mkdirSync(path.dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  }
  process.stdout.write(json + '\n');
  if (external.length) {
    log(`ERROR: requests left localhost: ${external.join(', ')}`);
    process.exitCode = 1;
  }
}

/**
 * Adds `gflops` and `percentOfPeak` to every measured contestant: img/s ×
 * the products' flops per image (the same network on both sides), against
 * the run's mul+add peak times the workers it used.
 */
function addFlops(r) {
  for (const row of r.training) {
    if (!row.flopsPerImage) continue;
    const add = (x, workers) => {
      if (!x || x.error) return;
      x.gflops = (x.imagesPerSecond * row.flopsPerImage) / 1e9;
      x.percentOfPeak = (100 * x.gflops) / (r.peak.mulAddGflops * workers);
    };
    add(row.groundup, 1);
    add(row.groundupAll, row.groundupAll?.workers ?? 1);
    for (const t of Object.values(row.tfjs)) add(t, 1);
  }
}

function printFlopsTable(r, opts) {
  const pad = (s, n) => String(s).padStart(n);
  const cell = (x) => (x?.gflops !== undefined ? `${x.gflops.toFixed(1)} (${x.percentOfPeak.toFixed(0)}%)` : '-');
  const all = r.groundupWorkers > 1;
  log('');
  log(`GFLOP/s (% of peak): img/s × the products' flops per training image (groundup::cost; forward, ∂W, ∂X);`);
  log(`peak = this run's single-thread SIMD mul+add peak, ${r.peak.mulAddGflops.toFixed(1)} GFLOP/s per worker (relaxed FMA: ${r.peak.fmaGflops.toFixed(1)}), × the workers used`);
  let head = `${'network'.padEnd(8)}${pad('batch', 6)}${pad('MFLOP/img', 10)}${pad('groundup', 14)}${all ? pad(`×${r.groundupWorkers} workers`, 14) : ''}`;
  for (const b of opts.backends) head += pad(`tfjs-${b}`, 17);
  log(head);
  for (const row of r.training) {
    let line = `${row.network.padEnd(8)}${pad(row.batch, 6)}${pad(row.flopsPerImage ? (row.flopsPerImage / 1e6).toFixed(2) : '-', 10)}${pad(cell(row.groundup), 14)}${all ? pad(cell(row.groundupAll), 14) : ''}`;
    for (const b of opts.backends) line += pad(cell(row.tfjs[b]), 17);
    log(line);
  }
}

function printTable(r, opts) {
  const backends = opts.backends;
  const pad = (s, n) => String(s).padStart(n);
  log('');
  log(`Training speed, images/s: median of ~1 s windows (≥${r.settings.seconds} s and ≥3 windows each, after a ${r.settings.warmupSeconds} s warm-up),`);
  log('windows alternating between groundup and each TF.js backend; plain SGD, biases on, 2,000 synthetic images');
  log(`Chromium ${r.chromium} headless, ${r.cores} cores; groundup in a Web Worker; TF.js ${r.tfjs} in a Web Worker per backend`);
  const all = r.groundupWorkers > 1;
  let head = `${'network'.padEnd(8)}${pad('batch', 6)}${pad('groundup', 10)}${all ? pad(`×${r.groundupWorkers} workers`, 13) : ''}`;
  for (const b of backends) head += `${pad(`tfjs-${b}`, 17)}${pad('ratio', all ? 16 : 8)}`;
  head += `   load (1-min, median over the row's windows)`;
  log(head);
  const fmt = (x) => (x ? x.imagesPerSecond.toFixed(0) : 'failed');
  for (const row of r.training) {
    let line = `${row.network.padEnd(8)}${pad(row.batch, 6)}${pad(fmt(row.groundup), 10)}${all ? pad(fmt(row.groundupAll), 13) : ''}`;
    const loads = [row.groundup, row.groundupAll].filter(Boolean).map((g) => g.load);
    for (const b of backends) {
      const t = row.tfjs[b];
      if (!r.backends[b]?.available) line += `${pad('n/a', 17)}${pad('', all ? 16 : 8)}`;
      else if (!t || t.error || !row.groundup) line += `${pad(t && !t.error ? t.imagesPerSecond.toFixed(0) : 'failed', 17)}${pad('', all ? 16 : 8)}`;
      else {
        const ratio = (g) => (g ? `${(g.imagesPerSecond / t.imagesPerSecond).toFixed(2)}x` : '-');
        line += `${pad(t.imagesPerSecond.toFixed(0), 17)}${pad(all ? `${ratio(row.groundup)} ${ratio(row.groundupAll)}` : ratio(row.groundup), all ? 16 : 8)}`;
        loads.push(t.load);
      }
    }
    log(`${line}   ${median(loads.map((l) => l.median)).toFixed(2)} (${Math.min(...loads.map((l) => l.min))}–${Math.max(...loads.map((l) => l.max))})`);
  }
  log(all ? `ratio = groundup / TF.js, in one worker and on ${r.groundupWorkers} workers (above 1: groundup is faster).` : 'ratio = groundup / TF.js (above 1: groundup is faster).');
  log('cnn = conv 8@5x5 same, leaky ReLU 0.01, pool 2, conv 16@5x5 same, leaky ReLU, pool 2, dense 784->10 (groundup preset `cnn`);');
  log('mlp = 784-625-625-10 sigmoid (groundup `Trainer.fromSpec`, with the paper-mlp settings).');
  log(`groundup: the page's release build (dist/), ${r.groundupWorker?.build} (the build a worker picks: relaxed SIMD where the engine has it).`);
  if (r.peak) printFlopsTable(r, opts);
  for (const b of backends) {
    const info = r.backends[b];
    if (!info?.available) log(`tfjs-${b}: unavailable (${info?.detail || 'tf.setBackend returned false'})`);
  }
  for (const b of ['wasm', 'wasm-tuned']) {
    const w = r.backends[b];
    if (!w?.available) continue;
    log(`tfjs-${b}: ${w.wasmThreads} thread(s), SIMD ${w.wasmSimd}, page not cross-origin isolated${w.tuned ? '; BatchMatMul with transpose flags rerouted through an explicit Transpose, Conv2DBackpropInput through Conv2D' : ''}.`);
    const shares = r.training
      .filter((row) => row.tfjs[b]?.filterGradKernel)
      .map((row) => `batch ${row.batch}: ${row.tfjs[b].filterGradKernel.perStepMs.toFixed(1)} ms/step = ${(100 * row.tfjs[b].filterGradKernel.share).toFixed(0)}% of the time`);
    if (shares.length) log(`tfjs-${b} cnn: Conv2DBackpropFilter supplied by the bench (a wasm Conv2D of transposed x and dy): ${shares.join('; ')}`);
  }
  if (r.backends.webgl?.available) log(`tfjs-webgl renderer: ${r.backends.webgl.renderer}`);
  log('');
  for (const net of Object.keys(r.predict ?? {})) {
    const p = r.predict[net];
    const e = r.evaluate[net];
    log(`groundup ${net.padEnd(4)} predict(1 image): ${p.medianMs.toFixed(3)} ms (median of ${p.calls / p.block} blocks of ${p.block} calls)   evaluate(${e.examples} images): ${(e.medianMs / 1000).toFixed(2)} s (median of ${e.runsMs.length})   load ${p.load[0]}`);
  }
  if (r.memory) {
    const m = r.memory;
    log(`memory, ${m.trainRows}+${m.testRows} rows loaded (cnn trainer, 5 steps taken): wasm linear memory ${mb(m.wasmMemoryLoadedBytes)} (empty ${mb(m.wasmMemoryEmptyBytes)}, after training ${mb(m.wasmMemoryAfterTrainingBytes)});` +
      ` worker JS heap ${mb(m.workerJsHeapUsedBytes)} used (CDP Runtime.getHeapUsage);` +
      ` renderer RSS ${mb(m.rendererRssEmptyBytes)} → ${mb(m.rendererRssLoadedBytes)};` +
      ` ${mb(m.csvBytes)} of CSV parsed by addChunk in ${(m.addChunkMs / 1000).toFixed(2)} s   load ${m.load[0]}`);
  }
  const s = r.sizes;
  log(`size: groundup-web_bg.wasm ${kb(s.groundupWasm.bytes)}, gzip -9 ${kb(s.groundupWasm.gzipBytes)}; relaxed build ${kb(s.groundupRelaxedWasm.bytes)}, gzip ${kb(s.groundupRelaxedWasm.gzipBytes)} (a browser downloads one); glue JS gzip ${kb(s.groundupGlueJs.gzipBytes)}`);
  log(`      TF.js for comparison, gzip -9: tf.es2017.min.js ${kb(s.tfjsJs.gzipBytes)}, tf-backend-wasm.es2017.min.js ${kb(s.tfjsWasmBackendJs.gzipBytes)}, tfjs-backend-wasm-simd.wasm ${kb(s.tfjsWasmSimd.gzipBytes)}`);
  log(`load: start ${r.load.start.join(' ')}, end ${r.load.end.join(' ')} (1/5/15-min, ${r.cores} cores)   total ${r.seconds.toFixed(0)} s`);
  log(`requests: ${r.requests.served} served from 127.0.0.1, ${r.requests.external.length} elsewhere`);
  if (r.problems.length) log(`problems: ${r.problems.join(' | ')}`);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
