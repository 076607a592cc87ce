// Drives the kernel microbenchmark (run it through run.sh, which builds the
// wasm first): a static server on 127.0.0.1 (cross-origin isolated, for a
// fine-grained performance.now()), the system Chromium through
// playwright-core, and one dedicated Web Worker per wasm build running
// groundup-web's `kernel_bench` functions one at a time.
//
//   node bench/kernels/bench.mjs [--ms 600] [--rounds 2] [--builds simd128,relaxed]
//                                [--blockings 'KC,MC,NC;…'] [--only micro,matmul,conv,breakdown,step] [--out FILE]
//
// --ms: timed milliseconds per measurement (after its warm-up).
// --rounds: passes over the list; each kernel reports its best round (the
//   machine is shared: other work slows some rounds down).
// --builds: which builds in bench/kernels/pkg/ to run (run.sh makes them).
// --blockings: extra matrix-product rows with kernels::gemm at these block
//   sizes (each row also runs `groundup`, the layers' path, and
//   `matrixmultiply`, the baseline, in the same run).
// --only: run only these sections (the peaks always run); all by default.
// The tables go to stderr; the last stdout line is the JSON result.

import { createReadStream, existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../../scripts/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// What --only can pick (all by default); the peaks always run.
const SECTIONS = ['micro', 'matmul', 'conv', 'breakdown', 'step'];

function parseArgs(argv) {
  const opts = { ms: 600, rounds: 2, builds: ['simd128', 'relaxed'], blockings: [], only: SECTIONS, out: null };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--ms') opts.ms = Number(value);
    else if (key === '--rounds') opts.rounds = Number(value);
    else if (key === '--builds') opts.builds = value.split(',').filter(Boolean);
    else if (key === '--out') opts.out = value;
    else if (key === '--blockings') opts.blockings = value.split(';').filter(Boolean);
    else if (key === '--only') opts.only = value.split(',').filter(Boolean);
    else throw new Error(`unknown option ${key}`);
  }
  if (!(opts.ms >= 50 && opts.ms <= 60000)) throw new Error('--ms must be in [50, 60000]');
  if (!(Number.isInteger(opts.rounds) && opts.rounds >= 1)) throw new Error('--rounds must be a whole number ≥ 1');
  for (const b of opts.builds) if (!['simd128', 'relaxed'].includes(b)) throw new Error(`--builds: unknown build ${b}`);
  for (const o of opts.only) if (!SECTIONS.includes(o)) throw new Error(`--only: unknown section ${o} (${SECTIONS.join(', ')})`);
  return opts;
}

const log = (...a) => console.error(...a);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
const cpuModel = () => (/model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8')) ?? [])[1] ?? 'unknown';

// ---- a static server for bench/kernels, on 127.0.0.1 ---------------------------

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };
const SERVED = ['/www/', '/pkg/'];

function startServer() {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(HERE, path.normalize(pathname));
    if (!SERVED.some((p) => pathname.startsWith(p)) || !file.startsWith(HERE) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
      // Cross-origin isolation: performance.now() in 5 µs steps instead of 100 µs.
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

// ---- what to measure ----------------------------------------------------------

// The paper CNN's products at batch 64 (conv "same" 5×5: conv1 1→8 on 28²,
// conv2 8→16 on 14²), stored as the layers store them, then the MLP's.
const MATMULS = [
  { what: 'conv1 fwd W·cols', m: 8, k: 25, n: 50176, layout: 'nn' },
  { what: 'conv1 ∂W δ·colsᵀ', m: 8, k: 50176, n: 25, layout: 'nt' },
  { what: 'conv2 fwd W·cols', m: 16, k: 200, n: 12544, layout: 'nn' },
  { what: 'conv2 ∂W δ·colsᵀ', m: 16, k: 12544, n: 200, layout: 'nt' },
  { what: 'conv2 ∂X Wᵀ·δ', m: 200, k: 16, n: 12544, layout: 'tn' },
  { what: 'MLP x·W batch 64', m: 64, k: 784, n: 625, layout: 'nn' },
  { what: 'MLP x·W batch 500', m: 500, k: 784, n: 625, layout: 'nn' },
  { what: 'square 256³', m: 256, k: 256, n: 256, layout: 'nn' },
];
const CONVS = [
  { what: 'conv1 1→8 28² k5, fwd+∂W (first layer)', args: [64, 1, 8, 28, 5], paramsOnly: true },
  { what: 'conv1 1→8 28² k5, fwd+∂W+∂X', args: [64, 1, 8, 28, 5], paramsOnly: false },
  { what: 'conv2 8→16 14² k5, fwd+∂W+∂X', args: [64, 8, 16, 14, 5], paramsOnly: false },
];
const BREAKDOWNS = [
  { what: 'conv1 1→8 28² k5, batch 64', args: [64, 1, 8, 28, 5] },
  { what: 'conv2 8→16 14² k5, batch 64', args: [64, 8, 16, 14, 5] },
];

// The sgemm micro-kernel alone, panels in L1 (run in the first build only:
// each variant is compiled the same way in both).
const MICROKERNELS = ['mm-8x8-shuffle', 'mm-8x8-shuffle-fma', 'splat-4x8', 'splat-5x8', 'splat-6x8', 'splat-4x8-fma', 'splat-5x8-fma', 'splat-6x8-fma'];

const shapeOf = ({ m, k, n }) => `(${m}×${k})·(${k}×${n})`;

// ---- output -------------------------------------------------------------------

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => (align[i] === 'r' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (align[i] === 'r' ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(headers), sep, ...rows.map(line)].join('\n');
}
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const pct = (x) => `${(100 * x).toFixed(0)} %`;

// ---- main ---------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const wants = (section) => opts.only.includes(section);
  for (const b of opts.builds) {
    if (!existsSync(path.join(HERE, 'pkg', b, 'groundup_web_bg.wasm'))) throw new Error(`no build in pkg/${b}: run bench/kernels/run.sh`);
  }
  const started = Date.now();
  const loadBefore = loadavg();
  log(`==> load average before: ${loadBefore.join(' ')} (${cpuModel()}, ${os.cpus().length} cores shared with whatever else runs)`);

  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const result = {
    date: new Date().toISOString(),
    cpu: cpuModel(),
    chromium: browser.version(),
    msPerMeasurement: opts.ms,
    rounds: opts.rounds,
    loadavg: { before: loadBefore, after: null },
    builds: {},
    peaks: [],
    rows: [],
    breakdowns: [],
    steps: [],
  };
  // Every measurement of every round, by build and kernel; the report keeps
  // each kernel's best round (least disturbed by the machine's other work).
  const samples = new Map();
  const keep = (key, base, value) => {
    if (!samples.has(key)) samples.set(key, { ...base, rounds: [] });
    samples.get(key).rounds.push(value);
  };
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(`${server.origin}/www/index.html`);
    await page.waitForFunction(() => window.kernelsReady === true);

    const ms = opts.ms;
    log(`==> ${ms} ms timed per measurement after a warm-up of ≥ 150 ms; ${opts.rounds} round(s) over builds ${opts.builds.join(', ')}`);
    for (const build of opts.builds) {
      const facts = await page.evaluate((b) => window.kernels.start(b), build);
      result.builds[build] = facts;
      log(`==> worker for build ${build}: relaxed SIMD for all code: ${facts.relaxedSimd}; crossOriginIsolated: ${facts.crossOriginIsolated}`);
    }
    for (let round = 1; round <= opts.rounds; round++) {
      for (const build of opts.builds) {
        const call = async (label, fn, args) => {
          const t = Date.now();
          const value = await page.evaluate(([b, f, a]) => window.kernels.call(b, f, a), [build, fn, args]);
          const g = value.gflops !== undefined ? `${f2(value.gflops)} (best ${f2(value.bestGflops)}) GFLOP/s` : '';
          log(`    ${round} ${build.padEnd(7)} ${label.padEnd(44)} ${g.padStart(30)}   ${((Date.now() - t) / 1000).toFixed(1)} s`);
          return value;
        };
        const peak = async (when) => {
          keep(`${build} peak mul+add ${when}`, { build, kind: 'mul+add', when }, await call(`peak mul+add (${when})`, 'peak_simd_gflops', [ms]));
          keep(`${build} peak fma ${when}`, { build, kind: 'fma', when }, await call(`peak relaxed_madd, FMA (${when})`, 'peak_fma_gflops', [ms]));
        };
        await peak('start');
        if (build === opts.builds[0] && wants('micro')) {
          for (const v of MICROKERNELS) {
            const r = await call(`micro-kernel ${v}`, 'microkernel_gflops', [v, ms / 2]);
            keep(`${build} micro ${v}`, { build, kernel: `sgemm micro-kernel ${v}`, shape: r.detail }, r);
          }
        }
        for (const mm of wants('matmul') ? MATMULS : []) {
          for (const kernel of ['groundup', 'matrixmultiply', ...opts.blockings.map((b) => `gemm:${b}`)]) {
            const r = await call(`matmul ${mm.what} ${kernel}`, 'matmul_gflops', [mm.m, mm.k, mm.n, ms, mm.layout, kernel]);
            keep(`${build} mm ${mm.what} ${kernel}`, { build, kernel: `matmul ${mm.what}, ${kernel}`, shape: `${shapeOf(mm)} ${mm.layout}` }, r);
          }
        }
        if (wants('matmul')) {
          const naive = await call('matmul naive 128³', 'naive_matmul_gflops', [128, ms]);
          keep(`${build} naive`, { build, kernel: 'matmul naive triple loop', shape: shapeOf({ m: 128, k: 128, n: 128 }) }, naive);
        }
        if (wants('conv')) {
          for (const c of CONVS) {
            // The layer (direct kernels in wasm) and its former im2col computation, back to back.
            for (const path of ['layer', 'im2col']) {
              const r = await call(`conv ${c.what} ${path}`, 'conv_gflops', [...c.args, ms, c.paramsOnly, path]);
              const kernel = path === 'layer' ? `Conv2d ${c.what}` : `im2col ${c.what}`;
              keep(`${build} conv ${c.what} ${path}`, { build, kernel, shape: `N=${c.args[0]}` }, r);
            }
          }
        }
        if (round === 1) {
          if (wants('breakdown')) {
            for (const b of BREAKDOWNS) {
              const stages = await call(`conv breakdown ${b.what}`, 'conv_breakdown', [...b.args, ms * 1.5]);
              result.breakdowns.push({ build, what: b.what, stages });
            }
          }
          if (wants('step')) {
            const step = await call('paper CNN step, batch 64, by layer', 'cnn_step_breakdown', [64, ms * 2]);
            result.steps.push({ build, ...step });
          }
        }
        await peak('end');
      }
    }
    for (const build of opts.builds) await page.evaluate((b) => window.kernels.stop(b), build);
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
  result.loadavg.after = loadavg();
  result.seconds = (Date.now() - started) / 1000;

  // Each kernel: its best round by median; best repetition over all rounds.
  for (const entry of samples.values()) {
    const bestRound = entry.rounds.reduce((a, b) => (b.gflops > a.gflops ? b : a));
    const row = { ...entry, ...bestRound, bestGflops: Math.max(...entry.rounds.map((r) => r.bestGflops)), roundGflops: entry.rounds.map((r) => r.gflops) };
    delete row.rounds;
    (entry.kind ? result.peaks : result.rows).push(row);
  }
  // Same-run references: the best peak of each kind seen anywhere in this run.
  const best = (kind, field) => Math.max(...result.peaks.filter((p) => p.kind === kind).map((p) => p[field]));
  result.peakSimd = { gflops: best('mul+add', 'gflops'), bestGflops: best('mul+add', 'bestGflops') };
  result.peakFma = { gflops: best('fma', 'gflops'), bestGflops: best('fma', 'bestGflops') };
  for (const r of result.rows) {
    r.pctOfSimdPeak = r.bestGflops / result.peakSimd.bestGflops;
    r.pctOfFmaPeak = r.bestGflops / result.peakFma.bestGflops;
  }

  log('');
  log(`Peaks (single thread, f32x4; best chain count): ${result.cpu}, Chromium ${result.chromium}; median / best repetition, best round`);
  log(
    table(
      ['build', 'loop', 'when', 'GFLOP/s median', 'best rep', 'best variant', 'median per round'],
      result.peaks.map((p) => [p.build, p.kind, p.when, f1(p.gflops), f1(p.bestGflops), p.detail, p.roundGflops.map(f1).join(', ')]),
      ['l', 'l', 'l', 'r', 'r', 'l', 'l'],
    ),
  );
  log('');
  log(
    `Kernels: useful GFLOP/s (median repetition of the best round; fastest repetition) and % of this run's peak (fastest repetitions): ` +
      `mul+add ${f1(result.peakSimd.bestGflops)}, FMA ${f1(result.peakFma.bestGflops)} GFLOP/s`,
  );
  log(
    table(
      ['build', 'kernel', 'shape', 'GFLOP/s median', 'best rep', '% mul+add peak', '% FMA peak', 'ms/call'],
      result.rows.map((r) => [r.build, r.kernel, r.shape, f2(r.gflops), f2(r.bestGflops), pct(r.pctOfSimdPeak), pct(r.pctOfFmaPeak), f2(r.medianMs)]),
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  for (const b of result.breakdowns) {
    log('');
    log(`Conv2d ${b.what}, build ${b.build}: each stage alone (median ms)`);
    const total = b.stages.reduce((s, x) => s + x.medianMs, 0);
    log(
      table(
        ['stage', 'what', 'ms', 'share', 'GFLOP/s'],
        [...b.stages.map((s) => [s.stage, s.detail, f2(s.medianMs), pct(s.medianMs / total), s.flops ? f2(s.gflops) : '—']), ['sum', '', f2(total), '', '']],
        ['l', 'l', 'r', 'r', 'r'],
      ),
    );
  }
  for (const s of result.steps) {
    log('');
    log(`Paper CNN training step, batch ${s.batch}, build ${s.build}: layers alone (mean of ${s.steps} steps); Trainer::train_batch ${f2(s.trainBatch.medianMs)} ms (median)`);
    log(
      table(
        ['layer', 'forward ms', 'backward ms', 'share'],
        [
          ...s.layers.map((l) => [l.layer, f2(l.forwardMs), f2(l.backwardMs), pct((l.forwardMs + l.backwardMs) / s.layersTotalMs)]),
          ['softmax cross-entropy', f2(s.lossMs), '', pct(s.lossMs / s.layersTotalMs)],
          ['sum', f2(s.layersTotalMs), '', ''],
        ],
        ['l', 'r', 'r', 'r'],
      ),
    );
  }
  log('');
  log(`==> load average before: ${result.loadavg.before.join(' ')}, after: ${result.loadavg.after.join(' ')}; ${result.seconds.toFixed(0)} s`);

  if (opts.out) {
    mkdirSync(path.dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
    log(`==> wrote ${opts.out}`);
  }
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
