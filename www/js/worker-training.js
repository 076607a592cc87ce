// Training in slices, for the training worker (worker.js): a slice of
// `trainStep(k)` here, or of steps shared with shard workers (shards.js),
// each reported to the page; the end of an epoch, of the run, or a
// divergence decide what comes next. The session (Rust) decides what a
// step is and when the epochs are done; this decides when to yield.

import { crash, errorText, isFatal, post, postState, reportError, schedule, settings, sharing, w } from './worker-context.js';
import { afterEvaluation, evaluate } from './worker-evaluation.js';
import { ShardPool } from './shards.js';

const SLICE_MS = 40;
const EVAL_EVERY_MS = 5000;
const SPEED_WINDOW_MS = 3000;
const SHARD_WORKER_URL = new URL('./shard-worker.js', import.meta.url);

const elapsedMs = () => w.run.elapsedBefore + (w.machine.is('training', 'pausing') ? performance.now() - w.run.startedAt : 0);

export function startTraining() {
  if (w.machine.is('training')) return;
  if (w.machine.is('loading')) throw new Error('the network is still loading');
  if (w.machine.is('experimenting') || w.lab.queued) {
    throw new Error('an experiment is running: press Stop in Experiments, or wait for it to end, then Train');
  }
  if (w.trainer.done) {
    postState('done', `all ${settings().epochs} epochs are trained: press Reset to start again, or raise the epochs`);
    return;
  }
  w.machine.go('training');
  w.run.startedAt = performance.now();
  postState('started');
  schedule();
}

/** Leaves training (or pausing) for `reason`; the state follows from it. */
export function stopTraining(reason, text) {
  if (w.machine.is('training', 'pausing')) w.run.elapsedBefore += performance.now() - w.run.startedAt;
  w.run.waitingForData = false;
  // An evaluation that overflows beside an experiment: the experiment keeps the state.
  if (!w.machine.is('experimenting')) w.machine.go(reason === 'diverged' ? 'diverged' : 'idle');
  postState(reason, text);
}

export function trainingSlice() {
  if (w.trainer.trainSize === 0) {
    // Train was pressed before the first chunk arrived: wait for it.
    if (!w.run.waitingForData) {
      w.run.waitingForData = true;
      postState('waiting', 'waiting for the first training chunk');
    }
    setTimeout(schedule, 100);
    return;
  }
  if (w.run.waitingForData) {
    w.run.waitingForData = false;
    postState('started');
  }
  if (sharing()) {
    sharedSlice();
    return;
  }
  const t0 = performance.now();
  let report;
  try {
    report = w.trainer.trainStep(w.run.stepsPerSlice);
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
    w.run.stepsPerSlice = Math.max(1, Math.min(1000, Math.round((w.run.stepsPerSlice + target) / 2)));
  }
  sliceDone(report, ms);
}

// A slice of shared steps: about SLICE_MS of them, each awaiting the shard
// workers (messages are served meanwhile; `w.busy` keeps other ticks out).
async function sharedSlice() {
  w.busy = 'slice';
  const forRun = w.run;
  const t0 = performance.now();
  let report = null;
  let failure = null;
  try {
    if (!w.pool) w.pool = new ShardPool(w.workers, SHARD_WORKER_URL, shardWorkerLost);
    await w.pool.ready;
    const batchSize = settings().batchSize;
    const batches = [];
    let stall = null;
    // `w.pool` turns null when setWorkers replaces it: the next slice starts the new one.
    while (w.machine.is('training') && w.pool && w.run === forRun && performance.now() - t0 < SLICE_MS) {
      const r = await w.pool.step(w.trainer, batchSize, () => w.run === forRun);
      if (!r) break;
      batches.push(...r.batches);
      stall = r.stall ?? stall;
      report = { ...r, batches, stall };
      if (r.done) break;
    }
  } catch (e) {
    failure = e;
  }
  w.busy = false;
  try {
    // A reset meanwhile made this slice history: the new run goes on.
    if (w.run !== forRun) return;
    if (failure) trainingFailed(failure);
    else if (report) sliceDone(report, performance.now() - t0);
  } catch (e) {
    reportError('train', e);
  } finally {
    schedule(); // a pause that waited for this slice is taken at the next tick
  }
}

export function shardWorkerLost(reason) {
  w.workers = w.pool ? w.pool.size : 1;
  post('workers', { count: w.workers, message: `a shard worker failed (${reason}): training goes on with ${w.workers} worker${w.workers > 1 ? 's' : ''}` });
}

/** Pauses now and evaluates on all test images; `text` says why, if not the Pause button. */
export function pauseNow(text) {
  stopTraining('paused', text);
  evaluate(true, () => afterEvaluation(true));
}

function trainingFailed(e) {
  if (isFatal(e)) {
    crash(e);
    return;
  }
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
  w.run.sinceEvalMs += ms;
  const window = w.run.speedWindow;
  window.push({ ms, images });
  let windowMs = window.reduce((s, x) => s + x.ms, 0);
  while (window.length > 1 && windowMs - window[0].ms >= SPEED_WINDOW_MS) windowMs -= window.shift().ms;
  const windowImages = window.reduce((s, x) => s + x.images, 0);
  post('training', {
    batches,
    step: report.step,
    epoch: report.epoch,
    epochs: settings().epochs,
    imagesPerSecond: windowMs > 0 ? (windowImages * 1000) / windowMs : 0,
    elapsedMs: elapsedMs(),
  });
  // The session noticed the loss has stopped moving (dead ReLUs, say):
  // training goes on, but the reader should know.
  if (report.stall) post('stalled', { step: report.stall.sinceStep + report.stall.steps, message: report.stall.message });

  if (report.done) {
    stopTraining('done', `finished ${settings().epochs} epochs`);
    evaluate(true, () => afterEvaluation(true));
    return;
  }
  if (report.halfEpochs !== w.run.lastHalfEpochs) {
    w.run.lastHalfEpochs = report.halfEpochs;
    evaluate(true, () => afterEvaluation(true));
  } else if (w.run.sinceEvalMs >= EVAL_EVERY_MS) {
    evaluate(false, () => afterEvaluation(false));
  }
  schedule();
}

