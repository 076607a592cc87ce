// The training worker: owns the Rust `Trainer` (wasm), the data, and the
// training loop, so the page never blocks on math. Messages: protocol.js.
//
// Training runs in slices of about SLICE_MS: `trainStep(k)` with k adapted
// to the measured time per step, then a yield to the event loop so that
// queued messages (predict, pause, a new learning rate) are handled before
// the next slice. Evaluation happens every EVAL_EVERY_MS of training on a
// test subset, and on the full test set at each epoch's end and on pause.
// An evaluation also runs in pieces (EVAL_PIECE images between yields), so
// that a drawing is answered within a piece even during a full evaluation;
// training waits until it is complete, so all pieces see the same weights.
//
// With more than one worker (`setWorkers`; all cores up to DEFAULT_WORKERS
// at start), every step is shared with shard workers (shards.js): a slice
// then awaits them step by step, and messages are handled while it waits.

import init, { Trainer } from '../groundup-web.js';
import { TO_WORKER, check, message } from './protocol.js';
import { fieldOfError } from './controls.js';
import { ChunkError, loadChunk, loadManifest, loadOrder, openChunkCache } from './data-loader.js';
import { ShardPool } from './shards.js';

const SLICE_MS = 40;
const EVAL_EVERY_MS = 5000;
const EVAL_SUBSET = 2000;
const EVAL_PIECE = 500;
const GALLERY_EVERY_MS = 5000;
const GALLERY_SCAN = 1000;
const GALLERY_KEEP = 8;
const SPEED_WINDOW_MS = 3000;
// More workers than this rarely pay: a batch of 64 split 8 ways leaves
// products too small for the cost of the messages.
const MAX_WORKERS = 8;
const DEFAULT_WORKERS = 4;
const SHARD_WORKER_URL = new URL('./shard-worker.js', import.meta.url);
const cores = Math.max(1, Math.min(MAX_WORKERS, self.navigator?.hardwareConcurrency || 1));

let trainer = null;
let running = false;
let waitingForData = false;
let steps = 1; // batches per slice, adapted to the time they take
let lastPixels = null; // the last drawn image, re-predicted as the net learns
let lastPredictId = 0;
let sinceEvalMs = 0;
let lastGalleryAt = -Infinity;
let lastEpoch = 0;
let elapsedBefore = 0; // wall time trained (with evaluations) before this run, since the last reset
let runStartedAt = 0; // performance.now() when Train was last pressed
let speedWindow = []; // [{ms, images}] of recent slices, for images/s
let workers = Math.min(cores, DEFAULT_WORKERS); // how many share each step
let pool = null; // the shard workers, started at the first parallel slice
let sliceBusy = false; // a parallel slice is awaiting its shard workers
let pauseRequested = false; // Pause came while that slice was in flight
let modelGeneration = 0; // changes when the network is replaced
// The newest weights known to give finite outputs on the test images (at
// Train, and after each finite evaluation), and their step: where to go
// back to if the weights a divergence rolled back to still overflow.
let lastGood = null;

const post = (type, fields) => self.postMessage(message(type, fields));
const errorText = (e) => (e && e.message) || String(e);

function settings() {
  return trainer.settings();
}

function announceModel(source, name) {
  post('model', {
    source,
    preset: settings().preset,
    settings: settings(),
    step: trainer.step,
    ...(name ? { name } : {}),
  });
}

function restartCounters() {
  modelGeneration++; // a parallel step in flight belongs to the old network
  lastGood = null;
  pauseRequested = false;
  evaluation = null; // it measured weights that are gone
  running = false;
  waitingForData = false;
  steps = 1;
  sinceEvalMs = 0;
  lastEpoch = 0;
  elapsedBefore = 0;
  speedWindow = [];
  lastGalleryAt = -Infinity;
}

function postState(reason, text) {
  post('state', {
    running,
    reason,
    step: trainer.step,
    epoch: trainer.epoch,
    ...(text ? { message: text } : {}),
  });
}

// ---- evaluation, gallery, re-prediction ---------------------------------

// Evaluation, gallery and re-prediction run between training slices; an
// error in one of them (Rust refuses a non-finite output, say) is reported
// and must not end the training loop, so each catches its own.

let evaluation = null; // the evaluation in progress, advanced piece by piece

// Starts an evaluation on the full test set or the subset (replacing one in
// progress); `then` runs when it completes.
function evaluate(full, then = () => {}) {
  if (trainer.testSize === 0) return;
  const total = full ? trainer.testSize : Math.min(EVAL_SUBSET, trainer.testSize);
  evaluation = { total, done: 0, lossSum: 0, correct: 0, ms: 0, then };
  sinceEvalMs = 0;
  scheduleSlice();
}

// One piece of the evaluation in progress, here.
function evaluatePiece() {
  const e = evaluation;
  const t0 = performance.now();
  let m;
  try {
    m = trainer.evaluateRange(e.done, Math.min(EVAL_PIECE, e.total - e.done));
  } catch (error) {
    evaluationFailed(error);
    return;
  }
  pieceDone(e, { examples: m.examples, lossSum: m.loss * m.examples, correct: Math.round(m.accuracy * m.examples) }, performance.now() - t0);
}

// One piece per worker, shared with the shard workers (shards.js): an
// evaluation of all 10,000 test images takes about 1/N of the time.
async function parallelEvaluatePiece() {
  sliceBusy = true;
  const e = evaluation;
  const generation = modelGeneration;
  const t0 = performance.now();
  let m = null;
  try {
    const count = Math.min(EVAL_PIECE * pool.size, e.total - e.done);
    m = await pool.evaluate(trainer, e.done, count, () => generation === modelGeneration && evaluation === e);
  } catch (error) {
    if (evaluation === e) evaluationFailed(error);
  }
  sliceBusy = false;
  if (m && evaluation === e) pieceDone(e, m, performance.now() - t0);
  scheduleSlice();
}

function evaluationFailed(error) {
  const e = evaluation;
  evaluation = null;
  const text = errorText(error);
  // The divergence guard rolls back one step; weights grown huge can still
  // give a finite loss on that step's batch and overflow on other images.
  // Then go back to the last weights that evaluated finite, and say so.
  if (/diverge/i.test(text) && lastGood && lastGood.step < trainer.step) {
    try {
      trainer.restoreWeights(lastGood.weights, lastGood.step);
    } catch (restoreError) {
      post('error', { request: 'evaluate', message: `${text} (and going back failed: ${errorText(restoreError)})` });
      return;
    }
    postState('diverged', `${text} Those weights overflow on the test images too, so the network is back at step ${lastGood.step}, the last one that evaluated finite (the optimizer starts afresh).`);
    evaluate(false, e ? e.then : () => {});
    return;
  }
  post('error', { request: 'evaluate', message: text });
}

// Adds a piece's sums; posts the result after the last piece.
function pieceDone(e, m, ms) {
  e.ms += ms;
  e.lossSum += m.lossSum;
  e.correct += m.correct;
  e.done += m.examples;
  if (m.examples > 0 && e.done < e.total) return;
  evaluation = null;
  sinceEvalMs = 0;
  const loss = e.lossSum / Math.max(1, e.done);
  const accuracy = e.correct / Math.max(1, e.done);
  // A non-finite loss cannot happen after the divergence guard, but a
  // chart must never see one: send it only when finite.
  if (Number.isFinite(loss) && Number.isFinite(accuracy)) {
    lastGood = { weights: trainer.weights(), step: trainer.step };
    post('evaluation', {
      step: trainer.step,
      epoch: trainer.epoch,
      examples: e.done,
      loss,
      accuracy,
      full: e.done === trainer.testSize,
      ms: e.ms,
    });
  }
  e.then();
}

function gallery(force) {
  const now = performance.now();
  if (trainer.testSize === 0 || (!force && now - lastGalleryAt < GALLERY_EVERY_MS)) return;
  lastGalleryAt = now;
  try {
    scanGallery();
  } catch (e) {
    post('error', { request: 'gallery', message: errorText(e) });
  }
}

function scanGallery() {
  const correct = [];
  const mistakes = [];
  const total = Math.min(GALLERY_SCAN, trainer.testSize);
  const block = 250;
  let scanned = 0;
  // Scan in blocks and stop once both lists are full: a trained net makes
  // ~1 mistake in 100, an untrained one ~9 in 10.
  for (let start = 0; start < total && (correct.length < GALLERY_KEEP || mistakes.length < GALLERY_KEEP); start += block) {
    const ex = trainer.testExamples(start, Math.min(block, total - start));
    const n = ex.labels.length;
    for (let i = 0; i < n; i++) {
      const list = ex.predictions[i] === ex.labels[i] ? correct : mistakes;
      if (list.length >= GALLERY_KEEP) continue;
      list.push({
        index: start + i,
        label: ex.labels[i],
        prediction: ex.predictions[i],
        confidence: ex.confidences[i],
        pixels: ex.images.slice(i * 784, (i + 1) * 784),
      });
    }
    scanned += n;
  }
  post('gallery', { step: trainer.step, correct, mistakes, scanned });
}

function predictLast(retrained) {
  if (!lastPixels) return;
  let probabilities;
  try {
    probabilities = Array.from(trainer.predict(lastPixels));
  } catch (e) {
    post('error', { request: 'predict', message: errorText(e) });
    return;
  }
  post('prediction', { id: lastPredictId, probabilities, step: trainer.step, retrained });
}

// After any evaluation: the gallery and the drawn digit follow the new net.
function afterEvaluation(forceGallery) {
  gallery(forceGallery);
  predictLast(true);
}

// ---- the training loop --------------------------------------------------

// Between slices the worker yields with a zero-delay message to itself
// through a MessageChannel (setTimeout would be clamped to 4 ms after a few
// nested calls). At most one slice is ever scheduled, so pressing Pause and
// Train quickly cannot start a second training loop.
const channel = new MessageChannel();
let sliceScheduled = false;
let waitTimer = 0;
channel.port1.onmessage = () => {
  sliceScheduled = false;
  slice();
};
function scheduleSlice() {
  if (sliceScheduled) return;
  sliceScheduled = true;
  channel.port2.postMessage(null);
}

const elapsedMs = () => elapsedBefore + (running ? performance.now() - runStartedAt : 0);

function startTraining() {
  if (running) return;
  if (trainer.done) {
    postState('done', `all ${settings().epochs} epochs are trained: press Reset to start again, or raise the epochs`);
    return;
  }
  running = true;
  runStartedAt = performance.now();
  lastGood ??= { weights: trainer.weights(), step: trainer.step };
  postState('started');
  scheduleSlice();
}

function stopTraining(reason, text) {
  if (running) elapsedBefore += performance.now() - runStartedAt;
  running = false;
  waitingForData = false;
  postState(reason, text);
}

function slice() {
  if (sliceBusy) return; // the parallel slice in flight schedules the next
  if (evaluation) {
    if (pool?.started && pool.size > 1) {
      parallelEvaluatePiece(); // schedules what comes next itself
      return;
    }
    evaluatePiece();
    scheduleSlice(); // the next piece, or training, after queued messages
    return;
  }
  if (!running) return;
  if (trainer.trainSize === 0) {
    // Train was pressed before the first chunk arrived: wait for it.
    if (!waitingForData) {
      waitingForData = true;
      postState('waiting', 'waiting for the first training chunk');
    }
    if (!waitTimer) {
      waitTimer = setTimeout(() => {
        waitTimer = 0;
        scheduleSlice();
      }, 100);
    }
    return;
  }
  if (waitingForData) {
    waitingForData = false;
    postState('started');
  }
  if (workers > 1) {
    parallelSlice();
    return;
  }

  const t0 = performance.now();
  let report;
  try {
    report = trainer.trainStep(steps);
  } catch (e) {
    trainingFailed(e);
    return;
  }
  const ms = performance.now() - t0;
  const n = report.batches.length;
  // Aim the next slice at SLICE_MS; move halfway each time so one slow
  // slice (an evaluation, garbage collection) does not swing it far.
  if (n > 0) {
    const target = Math.max(1, Math.round((SLICE_MS * n) / Math.max(ms, 0.1)));
    steps = Math.max(1, Math.min(1000, Math.round((steps + target) / 2)));
  }
  sliceDone(report, ms);
}

// A slice of data-parallel steps: about SLICE_MS of them, each awaiting the
// shard workers (messages are handled meanwhile; `sliceBusy` keeps any
// other slice from starting until this one is over).
async function parallelSlice() {
  sliceBusy = true;
  const generation = modelGeneration;
  const t0 = performance.now();
  let report = null;
  try {
    if (!pool) pool = new ShardPool(workers, SHARD_WORKER_URL, shardWorkerLost);
    await pool.ready;
    const batchSize = settings().batchSize;
    const batches = [];
    // `pool` turns null when setWorkers replaces it: the next slice starts the new one.
    while (running && !pauseRequested && pool && generation === modelGeneration && performance.now() - t0 < SLICE_MS) {
      const r = await pool.step(trainer, batchSize, () => generation === modelGeneration);
      if (!r) break;
      batches.push(...r.batches);
      report = { ...r, batches };
      if (r.done) break;
    }
  } catch (e) {
    sliceBusy = false;
    pauseRequested = false;
    if (generation === modelGeneration) trainingFailed(e);
    return;
  }
  sliceBusy = false;
  if (report && generation === modelGeneration) {
    sliceDone(report, performance.now() - t0);
  } else {
    scheduleSlice(); // an evaluation asked for meanwhile, say
  }
  if (pauseRequested) pauseNow();
}

function shardWorkerLost(reason) {
  workers = pool ? pool.size : 1;
  post('workers', { count: workers, message: `a shard worker failed (${reason}): training goes on with ${workers} worker${workers > 1 ? 's' : ''}` });
}

function pauseNow() {
  pauseRequested = false;
  if (!running) return;
  stopTraining('paused');
  evaluate(true, () => afterEvaluation(true));
}

function trainingFailed(e) {
  const text = errorText(e);
  // Rust rolled the weights back to before the failing step.
  stopTraining(/diverge/i.test(text) ? 'diverged' : 'error', text);
  evaluate(false, () => afterEvaluation(true));
}

// Reports a slice's batches and decides what comes next.
function sliceDone(report, ms) {
  let images = 0;
  const batches = [];
  for (const b of report.batches) {
    images += b.batchSize;
    if (Number.isFinite(b.loss) && Number.isFinite(b.accuracy)) {
      batches.push({ step: b.step, loss: b.loss, accuracy: b.accuracy });
    }
  }
  sinceEvalMs += ms;
  speedWindow.push({ ms, images });
  let windowMs = speedWindow.reduce((s, w) => s + w.ms, 0);
  while (speedWindow.length > 1 && windowMs - speedWindow[0].ms >= SPEED_WINDOW_MS) {
    windowMs -= speedWindow.shift().ms;
  }
  const windowImages = speedWindow.reduce((s, w) => s + w.images, 0);
  post('training', {
    batches,
    step: report.step,
    epoch: report.epoch,
    epochs: settings().epochs,
    imagesPerSecond: windowMs > 0 ? (windowImages * 1000) / windowMs : 0,
    elapsedMs: elapsedMs(),
  });

  if (report.done) {
    stopTraining('done', `finished ${settings().epochs} epochs`);
    evaluate(true, () => afterEvaluation(true));
    return;
  }
  if (report.epoch !== lastEpoch) {
    lastEpoch = report.epoch;
    evaluate(true, () => afterEvaluation(true));
  } else if (sinceEvalMs >= EVAL_EVERY_MS) {
    evaluate(false, () => afterEvaluation(false));
  }
  scheduleSlice();
}

// ---- data ---------------------------------------------------------------

async function loadData(manifestUrl) {
  let manifest;
  try {
    manifest = await loadManifest(manifestUrl);
  } catch (e) {
    post('dataError', { split: '', chunk: 'manifest.json', message: errorText(e) });
    return;
  }
  post('dataManifest', {
    train: { rows: manifest.train.rows, chunks: manifest.train.chunks.length },
    test: { rows: manifest.test.rows, chunks: manifest.test.chunks.length },
    licence: String(manifest.licence ?? ''),
    source: String(manifest.source ?? ''),
  });

  // Room for all rows at once: growing by doubling would briefly hold two
  // copies of the pixels. Only an optimisation, so a refusal is not fatal.
  for (const split of ['train', 'test']) {
    try {
      trainer.reserve(split, manifest[split].rows);
    } catch (e) {
      console.warn(errorText(e));
    }
  }
  const cache = await openChunkCache();
  const progress = {};
  for (const split of ['train', 'test']) {
    progress[split] = {
      chunks: manifest[split].chunks.length,
      totalRows: manifest[split].rows,
      done: 0,
      failed: 0,
      fromCache: 0,
      fractions: new Map(),
    };
  }
  const report = (split) => {
    const p = progress[split];
    let sum = 0;
    for (const f of p.fractions.values()) sum += f;
    post('dataProgress', {
      split,
      fraction: p.chunks ? Math.min(1, sum / p.chunks) : 1,
      chunksDone: p.done,
      chunksFailed: p.failed,
      chunks: p.chunks,
      rows: split === 'train' ? trainer.trainSize : trainer.testSize,
      totalRows: p.totalRows,
      fromCache: p.fromCache,
    });
  };
  report('train');
  report('test');

  // Two downloads at a time; chunks are added to Rust in load order, so the
  // data (and so a seeded run) is the same whichever download ends first.
  const order = loadOrder(manifest);
  const started = order.map(() => null);
  const start = (i) => {
    if (i >= order.length || started[i]) return;
    const { split, chunk } = order[i];
    const p = progress[split];
    p.fractions.set(chunk.file, 0);
    started[i] = loadChunk(manifestUrl, chunk, {
      cache,
      // Downloading is 90% of a chunk's bar, parsing the last 10%.
      onBytes: (bytes) => {
        p.fractions.set(chunk.file, 0.9 * (bytes / chunk.bytes));
        report(split);
      },
    }).then(
      (value) => ({ value }),
      (error) => ({ error }),
    );
  };
  start(0);
  start(1);
  for (let i = 0; i < order.length; i++) {
    start(i + 1);
    const { split, chunk } = order[i];
    const p = progress[split];
    const result = await started[i];
    start(i + 2);
    if (result.error) {
      p.failed++;
      const text = result.error instanceof ChunkError ? result.error.message : `${chunk.file}: ${errorText(result.error)}`;
      post('dataError', { split, chunk: chunk.file, message: text });
      report(split);
      continue;
    }
    try {
      const rows = trainer.addChunk(split, chunk.file, result.value.csv);
      result.value.keep(); // not awaited: storing must not hold up training
      p.done++;
      if (result.value.fromCache) p.fromCache++;
      p.fractions.set(chunk.file, 1);
      if (rows !== chunk.rows) {
        post('dataError', { split, chunk: chunk.file, message: `${chunk.file}: ${rows} rows, the manifest says ${chunk.rows} (the rows that were read are used)` });
      }
    } catch (e) {
      // Rust's message names the chunk, the line and the column.
      p.failed++;
      post('dataError', { split, chunk: chunk.file, message: errorText(e) });
    }
    report(split);
    // Once the test split is complete, show how good the current net is
    // (the pretrained one at first) unless training will do so anyway. On
    // the 2,000-image subset: the full set would hold up a first drawing's
    // prediction for seconds.
    if (split === 'test' && p.done + p.failed === p.chunks && !running) {
      evaluate(false, () => afterEvaluation(true));
    }
    // Let queued messages (a prediction, Train) through between chunks.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

// ---- message handling ---------------------------------------------------

async function loadModel(url, name) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${response.statusText}`.trim());
  const bytes = new Uint8Array(await response.arrayBuffer());
  running = false;
  trainer.importModel(bytes, name);
  restartCounters();
  announceModel('pretrained', name);
  predictLast(true);
  evaluate(false, () => gallery(true));
}

const handlers = {
  async loadModel({ url, name }) {
    await loadModel(url, name);
  },
  loadData({ manifestUrl }) {
    // Not awaited: data keeps arriving while the worker serves other messages.
    loadData(manifestUrl).catch((e) => post('dataError', { split: '', chunk: '', message: errorText(e) }));
  },
  setPreset({ preset }) {
    trainer.setPreset(preset);
    restartCounters();
    announceModel('fresh');
    predictLast(true);
  },
  configure({ settings: wanted }) {
    try {
      trainer.configure(wanted);
      post('settings', { settings: settings() });
    } catch (e) {
      const text = errorText(e);
      post('configError', { field: fieldOfError(text), message: text, settings: settings() });
    }
  },
  train() {
    startTraining();
  },
  pause() {
    if (!running) return;
    // A parallel step in flight finishes first, so that "paused" follows
    // the last step's report.
    if (sliceBusy) pauseRequested = true;
    else pauseNow();
  },
  reset({ preset }) {
    if (settings().preset !== preset) {
      trainer.setPreset(preset);
    } else {
      trainer.reset();
    }
    restartCounters();
    postState('reset');
    announceModel('fresh');
    predictLast(true);
  },
  setWorkers({ count }) {
    if (count < 1 || count > cores) {
      throw new Error(`workers: ${count} is not between 1 and ${cores} (the cores this browser reports)`);
    }
    workers = count;
    pool?.terminate(); // a step in flight computes the rest of its batch here
    pool = null;
    post('workers', { count });
  },
  predict({ id, pixels }) {
    lastPredictId = id;
    lastPixels = pixels ?? null;
    if (!lastPixels) {
      post('prediction', { id, step: trainer.step, retrained: false });
      return;
    }
    post('prediction', { id, probabilities: Array.from(trainer.predict(lastPixels)), step: trainer.step, retrained: false });
  },
};

async function handle(event) {
  let data;
  try {
    data = check(event.data, TO_WORKER);
    await handlers[data.type](data);
  } catch (e) {
    post('error', { request: (data && data.type) || String(event.data && event.data.type), message: errorText(e) });
  }
}

async function main() {
  await init();
  trainer = new Trainer(Trainer.presetNames()[0]);
  self.onmessage = handle;
  // Only now: anything the page posted before this line would have been lost.
  post('ready', { presets: Trainer.presetNames(), settings: settings(), cores, workers });
}

main().catch((e) => {
  // The page shows this; without wasm there is nothing else to do.
  post('error', { request: 'startup', message: `could not start the training worker: ${errorText(e)}` });
});
