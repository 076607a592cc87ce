// What the training worker's modules share: the session, the state machine,
// the shard workers, the current run, and how to talk to the page and to
// the loop. One object, `w`, so that every module reads the same state.

import { message } from './protocol.js';
import { Machine } from './worker-machine.js';

// More workers than this rarely pay: a batch of 64 split 8 ways leaves
// products too small for the cost of the messages.
const MAX_WORKERS = 8;
const DEFAULT_WORKERS = 4;
export const cores = Math.max(1, Math.min(MAX_WORKERS, self.navigator?.hardwareConcurrency || 1));

export const w = {
  trainer: null, // the wasm `Trainer`: the training session
  machine: new Machine(),
  workers: Math.min(cores, DEFAULT_WORKERS), // how many share each step
  pool: null, // the shard workers, started at the first shared slice
  busy: false, // 'slice' or 'evaluation' while one awaits shard workers
  drawing: { id: 0, pixels: null }, // the last drawn image, re-predicted as the net learns
  run: null, // everything about the current run: newRun() makes a fresh one
  // The paper's experiment (worker-lab.js): `queued` the id asked for while
  // training pauses, `experiment` the wasm `Experiment` under way.
  lab: { queued: null, pausedTraining: false, id: null, experiment: null, stepsPerSlice: 1 },
};

/** Everything about one run of a network, fresh: the one reset. */
export function newRun() {
  return {
    stepsPerSlice: 1,
    sinceEvalMs: 0,
    lastHalfEpochs: w.trainer.halfEpochs, // a full evaluation each time the session's count moves on
    elapsedBefore: 0, // wall time trained (with evaluations) before the current stretch
    startedAt: 0, // performance.now() when Train was last pressed
    speedWindow: [], // [{ms, images}] of recent slices, for images/s
    lastGalleryAt: -Infinity,
    waitingForData: false,
    afterEvaluation: null, // what to do when the evaluation in progress completes
    evaluations: 0, // evaluations begun: a piece in flight belongs to the one it counted
    evaluationMs: 0,
  };
}

/** Sends a message to the page; `transfer` hands over buffers instead of copying them. */
export const post = (type, fields, transfer = []) => self.postMessage(message(type, fields), transfer);
export const errorText = (e) => (e && e.message) || String(e);

/**
 * A wasm trap — a panic (release builds abort), memory that cannot grow, a
 * bug — leaves the module's memory in an unknown state: nothing this worker
 * computes afterwards can be trusted. It says so and closes; the page
 * starts a new worker from the last checkpoint (worker-keeper.js).
 */
export function isFatal(e) {
  return e instanceof WebAssembly.RuntimeError;
}

/** Reports an error from handling `request`: fatal ones end the worker. */
export function reportError(request, e) {
  if (isFatal(e)) {
    crash(e);
    return;
  }
  post('error', { request, message: errorText(e), kind: e?.kind ?? 'internal', ...(e?.field ? { field: e.field } : {}) });
}

let crashed = false;
export function crash(e) {
  if (crashed) return;
  crashed = true;
  post('crashed', { message: errorText(e) });
  self.close();
}

/** The last good weights to the page, to resume from should this worker die. */
export function postCheckpoint() {
  const bytes = w.trainer.exportModel();
  post('checkpoint', { bytes, step: w.trainer.step, epoch: w.trainer.epoch }, [bytes.buffer]);
}
export const settings = () => w.trainer.settings();
export const sharing = () => w.workers > 1;

export function postState(reason, text) {
  post('state', {
    state: w.machine.state,
    running: w.machine.is('training', 'pausing'),
    reason,
    step: w.trainer.step,
    epoch: w.trainer.epoch,
    ...(text ? { message: text } : {}),
  });
}

// Between slices the worker yields with a zero-delay message to itself
// through a MessageChannel (setTimeout would be clamped to 4 ms after a few
// nested calls). At most one tick is ever scheduled; worker.js says what a
// tick does.
const channel = new MessageChannel();
let tickScheduled = false;
let tick = () => {};
channel.port1.onmessage = () => {
  tickScheduled = false;
  tick();
};

export function onTick(fn) {
  tick = fn;
}

export function schedule() {
  if (tickScheduled) return;
  tickScheduled = true;
  channel.port2.postMessage(null);
}
