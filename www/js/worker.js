// The training worker: owns the Rust training session (`Trainer`, wasm),
// runs it in slices, and answers the page. Messages: protocol.js; states:
// worker-machine.js; data: data-feed.js; shared steps: shards.js.
//
// Every decision about training — the schedule, when the epochs are done,
// how a batch is split, going back to the last finite weights — is the
// session's (Rust, tested natively). This file decides only *when*: it
// trains in slices of about SLICE_MS (`trainStep(k)`, k adapted to the time
// a step takes), yielding between slices so that a drawing's `predict`, a
// `pause` or a new learning rate is served within one slice; it evaluates
// every EVAL_EVERY_MS of training on a subset, and on all test images at
// each epoch's end and on Pause, in pieces of EVAL_PIECE images between
// yields. With more than one worker every step and evaluation is shared
// with shard workers, and a slice awaits them step by step.
//
// Messages are handled one at a time, in the order sent: the page may send
// setPreset, configure and reset back to back and get them in that order.

import init, { Trainer } from '../groundup-web.js';
import { TO_WORKER, check, message } from './protocol.js';
import { feedData } from './data-feed.js';
import { Machine } from './worker-machine.js';
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

const post = (type, fields) => self.postMessage(message(type, fields));
const errorText = (e) => (e && e.message) || String(e);

let trainer = null;
const machine = new Machine();
let workers = Math.min(cores, DEFAULT_WORKERS); // how many share each step
let pool = null; // the shard workers, started at the first shared slice
let busy = false; // a shared step or evaluation is awaiting shard workers
let drawing = { id: 0, pixels: null }; // the last drawn image, re-predicted as the net learns
let run = null; // everything about the current run: newRun() is the one reset
let generation = 0;

function newRun() {
  return {
    generation: ++generation, // a shared step in flight belongs to the run it started in
    stepsPerSlice: 1,
    sinceEvalMs: 0,
    lastEpoch: trainer.epoch,
    elapsedBefore: 0, // wall time trained (with evaluations) before the current stretch
    startedAt: 0, // performance.now() when Train was last pressed
    speedWindow: [], // [{ms, images}] of recent slices, for images/s
    lastGalleryAt: -Infinity,
    waitingForData: false,
    afterEvaluation: null, // what to do when the evaluation in progress completes
  };
}

/** A new network is in place: start a new run, nothing running. */
function startOver() {
  run = newRun();
  machine.reset();
}

const settings = () => trainer.settings();
const elapsedMs = () => run.elapsedBefore + (machine.is('training', 'pausing') ? performance.now() - run.startedAt : 0);

function postState(reason, text) {
  post('state', {
    state: machine.state,
    running: machine.is('training', 'pausing'),
    reason,
    step: trainer.step,
    epoch: trainer.epoch,
    ...(text ? { message: text } : {}),
  });
}

function announceModel(source, name) {
  post('model', { source, preset: settings().preset, settings: settings(), step: trainer.step, ...(name ? { name } : {}) });
}

// ---- the loop ------------------------------------------------------------

// Between slices the worker yields with a zero-delay message to itself
// through a MessageChannel (setTimeout would be clamped to 4 ms after a few
// nested calls). At most one tick is ever scheduled.
const channel = new MessageChannel();
let tickScheduled = false;
channel.port1.onmessage = () => {
  tickScheduled = false;
  tick();
};
function schedule() {
  if (tickScheduled) return;
  tickScheduled = true;
  channel.port2.postMessage(null);
}

function tick() {
  if (busy) return; // the shared step in flight schedules what comes next
  if (trainer.evaluating) {
    evaluationPiece();
  } else if (machine.is('training')) {
    trainingSlice();
  }
}

const sharing = () => workers > 1;

// ---- evaluation -------------------------------------------------------------

/**
 * Starts an evaluation on all test images (`full`) or the first EVAL_SUBSET,
 * replacing one in progress; `then()` runs when it completes. Outside
 * training the worker is `evaluating` meanwhile.
 */
function evaluate(full, then = () => {}) {
  if (trainer.beginEvaluation(full, EVAL_SUBSET) === 0) return; // no test data yet
  run.afterEvaluation = then;
  run.sinceEvalMs = 0;
  if (machine.is('idle')) machine.go('evaluating');
  schedule();
}

async function evaluationPiece() {
  const t0 = performance.now();
  const forRun = run;
  let report;
  try {
    if (sharing() && pool?.started && pool.size > 1) {
      busy = true;
      report = await pool.evaluate(trainer, EVAL_PIECE * pool.size, () => run === forRun && trainer.evaluating);
    } else {
      report = trainer.evaluateNext(EVAL_PIECE);
    }
  } catch (e) {
    busy = false;
    if (run === forRun) evaluationFailed(e);
    schedule();
    return;
  }
  busy = false;
  run.evaluationMs = (run.evaluationMs ?? 0) + (performance.now() - t0);
  if (report && run === forRun) evaluationDone(report);
  schedule();
}

function evaluationDone(report) {
  post('evaluation', {
    step: report.step,
    epoch: report.epoch,
    examples: report.examples,
    loss: report.loss,
    accuracy: report.accuracy,
    full: report.full,
    confusion: report.confusion.counts,
    ms: run.evaluationMs ?? 0,
  });
  run.evaluationMs = 0;
  run.sinceEvalMs = 0;
  const then = run.afterEvaluation ?? (() => {});
  run.afterEvaluation = null;
  if (machine.is('evaluating')) machine.go('idle');
  then();
}

function evaluationFailed(e) {
  run.afterEvaluation = null;
  if (e?.kind !== 'diverged') {
    if (machine.is('evaluating')) machine.go('idle');
    post('error', { request: 'evaluate', message: errorText(e), kind: e?.kind ?? 'internal' });
    return;
  }
  // The weights overflow on test images. If the session went back to the
  // last weights that evaluated finite (the error names that step), show
  // where it now stands.
  stopTraining('diverged', errorText(e));
  if (Number.isInteger(e.step)) evaluate(false, () => afterEvaluation(true));
}

function gallery(force) {
  const now = performance.now();
  if (trainer.testSize === 0 || (!force && now - run.lastGalleryAt < GALLERY_EVERY_MS)) return;
  run.lastGalleryAt = now;
  const correct = [];
  const mistakes = [];
  const total = Math.min(GALLERY_SCAN, trainer.testSize);
  const block = 250;
  let scanned = 0;
  // Scan in blocks and stop once both lists are full: a trained net makes
  // ~1 mistake in 100, an untrained one ~9 in 10.
  for (let start = 0; start < total && (correct.length < GALLERY_KEEP || mistakes.length < GALLERY_KEEP); start += block) {
    const ex = trainer.testExamples(start, Math.min(block, total - start));
    for (let i = 0; i < ex.labels.length; i++) {
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
    scanned += ex.labels.length;
  }
  post('gallery', { step: trainer.step, correct, mistakes, scanned });
}

function predictDrawing(retrained) {
  if (!drawing.pixels) {
    post('prediction', { id: drawing.id, step: trainer.step, retrained });
    return;
  }
  try {
    post('prediction', { id: drawing.id, probabilities: Array.from(trainer.predict(drawing.pixels)), step: trainer.step, retrained });
  } catch (e) {
    post('error', { request: 'predict', message: errorText(e), kind: e?.kind ?? 'internal' });
  }
}

// After any evaluation: the gallery and the drawn digit follow the new net.
function afterEvaluation(forceGallery) {
  gallery(forceGallery);
  if (drawing.pixels) predictDrawing(true);
}

// ---- training ---------------------------------------------------------------

function startTraining() {
  if (machine.is('training')) return;
  if (machine.is('loading')) throw new Error('the network is still loading');
  if (trainer.done) {
    postState('done', `all ${settings().epochs} epochs are trained: press Reset to start again, or raise the epochs`);
    return;
  }
  machine.go('training');
  run.startedAt = performance.now();
  postState('started');
  schedule();
}

/** Leaves training (or pausing) for `reason`; the state follows from it. */
function stopTraining(reason, text) {
  if (machine.is('training', 'pausing')) run.elapsedBefore += performance.now() - run.startedAt;
  run.waitingForData = false;
  machine.go(reason === 'diverged' ? 'diverged' : 'idle');
  postState(reason, text);
}

function trainingSlice() {
  if (trainer.trainSize === 0) {
    // Train was pressed before the first chunk arrived: wait for it.
    if (!run.waitingForData) {
      run.waitingForData = true;
      postState('waiting', 'waiting for the first training chunk');
    }
    setTimeout(schedule, 100);
    return;
  }
  if (run.waitingForData) {
    run.waitingForData = false;
    postState('started');
  }
  if (sharing()) {
    sharedSlice();
    return;
  }
  const t0 = performance.now();
  let report;
  try {
    report = trainer.trainStep(run.stepsPerSlice);
  } catch (e) {
    trainingFailed(e);
    return;
  }
  const ms = performance.now() - t0;
  const n = report.batches.length;
  // Aim the next slice at SLICE_MS; move halfway each time so one slow
  // slice (garbage collection, say) does not swing it far.
  if (n > 0) {
    const target = Math.max(1, Math.round((SLICE_MS * n) / Math.max(ms, 0.1)));
    run.stepsPerSlice = Math.max(1, Math.min(1000, Math.round((run.stepsPerSlice + target) / 2)));
  }
  sliceDone(report, ms);
}

// A slice of shared steps: about SLICE_MS of them, each awaiting the shard
// workers (messages are served meanwhile; `busy` keeps other ticks out).
async function sharedSlice() {
  busy = true;
  const forRun = run;
  const t0 = performance.now();
  let report = null;
  let failure = null;
  try {
    if (!pool) pool = new ShardPool(workers, SHARD_WORKER_URL, shardWorkerLost);
    await pool.ready;
    const batchSize = settings().batchSize;
    const batches = [];
    // `pool` turns null when setWorkers replaces it: the next slice starts the new one.
    while (machine.is('training') && pool && run === forRun && performance.now() - t0 < SLICE_MS) {
      const r = await pool.step(trainer, batchSize, () => run === forRun);
      if (!r) break;
      batches.push(...r.batches);
      report = { ...r, batches };
      if (r.done) break;
    }
  } catch (e) {
    failure = e;
  }
  busy = false;
  // A reset meanwhile made this slice's run history: drop it, go on with the new one.
  if (run !== forRun) {
    schedule();
    return;
  }
  if (failure) {
    trainingFailed(failure);
    return;
  }
  if (report) sliceDone(report, performance.now() - t0);
  else schedule();
  if (machine.is('pausing')) pauseNow();
}

function shardWorkerLost(reason) {
  workers = pool ? pool.size : 1;
  post('workers', { count: workers, message: `a shard worker failed (${reason}): training goes on with ${workers} worker${workers > 1 ? 's' : ''}` });
}

function pauseNow() {
  stopTraining('paused');
  evaluate(true, () => afterEvaluation(true));
}

function trainingFailed(e) {
  // Rust refused the step and kept the weights from before it.
  stopTraining(e?.kind === 'diverged' ? 'diverged' : 'error', errorText(e));
  evaluate(false, () => afterEvaluation(true));
}

// Reports a slice's batches and decides what comes next.
function sliceDone(report, ms) {
  let images = 0;
  const batches = [];
  for (const b of report.batches) {
    images += b.batchSize;
    batches.push({ step: b.step, loss: b.loss, accuracy: b.accuracy });
  }
  run.sinceEvalMs += ms;
  const w = run.speedWindow;
  w.push({ ms, images });
  let windowMs = w.reduce((s, x) => s + x.ms, 0);
  while (w.length > 1 && windowMs - w[0].ms >= SPEED_WINDOW_MS) windowMs -= w.shift().ms;
  const windowImages = w.reduce((s, x) => s + x.images, 0);
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
  if (report.epoch !== run.lastEpoch) {
    run.lastEpoch = report.epoch;
    evaluate(true, () => afterEvaluation(true));
  } else if (run.sinceEvalMs >= EVAL_EVERY_MS) {
    evaluate(false, () => afterEvaluation(false));
  }
  schedule();
}

// ---- messages -------------------------------------------------------------------

/** A new network (or a new run of the same one) is in place. */
function newNetwork(source, name) {
  startOver();
  if (source === 'fresh') postState('reset');
  announceModel(source, name);
  predictDrawing(true);
}

const handlers = {
  async loadModel({ url, name }) {
    machine.go('loading');
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${response.statusText}`.trim());
      trainer.importModel(new Uint8Array(await response.arrayBuffer()), name);
    } finally {
      machine.go('idle'); // with the new model, or the one before it
    }
    newNetwork('pretrained', name);
    evaluate(false, () => gallery(true));
  },
  loadData({ manifestUrl }) {
    // Not awaited: data keeps arriving while the worker serves other messages.
    feedData(trainer, manifestUrl, {
      post,
      // Once the test split is in, show how good the current net is (the
      // pretrained one at first), unless training will do so anyway. On
      // the subset: all 10,000 would hold up a first drawing's answer.
      onSplitComplete: (split) => {
        if (split === 'test' && machine.is('idle')) evaluate(false, () => afterEvaluation(true));
      },
    }).catch((e) => post('dataError', { split: '', chunk: '', message: errorText(e) }));
  },
  setPreset({ preset }) {
    trainer.setPreset(preset);
    newNetwork('fresh');
  },
  configure({ settings: wanted }) {
    try {
      trainer.configure(wanted);
      post('settings', { settings: settings() });
    } catch (e) {
      post('configError', { kind: e?.kind ?? 'internal', field: e?.field ?? '', message: errorText(e), settings: settings() });
    }
  },
  train() {
    startTraining();
  },
  pause() {
    if (!machine.is('training')) return;
    // A shared step in flight finishes first, so that "paused" follows the
    // last step's report.
    if (busy) machine.go('pausing');
    else pauseNow();
  },
  reset({ preset }) {
    if (settings().preset !== preset) trainer.setPreset(preset);
    else trainer.reset();
    newNetwork('fresh');
  },
  setWorkers({ count }) {
    if (!Number.isInteger(count) || count < 1 || count > cores) {
      const error = new Error(`workers: ${count} is not between 1 and ${cores} (the cores this browser reports)`);
      error.field = 'workers';
      throw error;
    }
    workers = count;
    pool?.terminate(); // a step in flight computes the rest of its batch here
    pool = null;
    post('workers', { count });
  },
  predict({ id, pixels }) {
    drawing = { id, pixels: pixels ?? null };
    predictDrawing(false);
  },
};

const inbox = [];
let draining = false;

async function drain() {
  draining = true;
  while (inbox.length) {
    const raw = inbox.shift();
    let data;
    try {
      data = check(raw, TO_WORKER);
      await handlers[data.type](data);
    } catch (e) {
      post('error', {
        request: (data && data.type) || String(raw && raw.type),
        message: errorText(e),
        kind: e?.kind ?? 'internal',
        ...(e?.field ? { field: e.field } : {}),
      });
    }
  }
  draining = false;
}

async function main() {
  await init();
  trainer = new Trainer(Trainer.presetNames()[0]);
  run = newRun();
  machine.go('idle');
  self.onmessage = (event) => {
    inbox.push(event.data);
    if (!draining) drain();
  };
  // Only now: anything the page posted before this line would have been lost.
  post('ready', { presets: Trainer.presetNames(), settings: settings(), cores, workers });
}

main().catch((e) => {
  // The page shows this; without wasm there is nothing else to do.
  post('error', { request: 'startup', message: `could not start the training worker: ${errorText(e)}`, kind: 'internal' });
});
