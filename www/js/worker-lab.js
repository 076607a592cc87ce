// The paper's experiments, for the training worker (worker.js): one
// `Experiment` (wasm, groundup::lab::ExperimentRun) at a time, stepped in
// slices of ~40 ms between yields like training, so the worker keeps
// answering (a drawing's prediction, Stop) while it runs.
//
// An experiment works on copies of the network and data, taken when it is
// made: nothing here touches `w.trainer`'s weights. Training is paused
// before one starts (a shared step in flight finishes first), Train is
// refused while one runs, and Reset or a new model leave it running on its
// copies. The states: worker-machine.js (`experimenting`).

import { wasm } from './wasm.js';
import { crash, errorText, isFatal, post, schedule, w } from './worker-context.js';
import { pauseNow } from './worker-training.js';

const SLICE_MS = 40;
export const PAUSED_FOR_EXPERIMENT = 'training paused for the experiment';

/** Experiment `id` is asked for: stop any running one, pause training, start it at the next tick. */
export function runExperiment(id) {
  if (w.machine.is('loading')) throw new Error('the network is still loading');
  if (w.lab.experiment) finish(true);
  w.lab.queued = id;
  w.lab.pausedTraining = w.machine.is('training', 'pausing');
  if (w.machine.is('training')) {
    // A shared step in flight finishes first; the tick then pauses.
    if (w.busy === 'slice') w.machine.go('pausing');
    else pauseNow(PAUSED_FOR_EXPERIMENT);
  }
  schedule();
}

/** Stop: the result so far, marked stopped. A queued experiment is dropped unanswered. */
export function stopExperiment() {
  w.lab.queued = null;
  if (w.lab.experiment) finish(true);
}

/** Whether the tick should start the queued experiment now (training has let go). */
export const experimentDue = () => w.lab.queued !== null && !w.machine.is('training', 'pausing');

/** Makes the queued experiment, on copies of the network and data as they are now. */
export function beginExperiment() {
  const id = w.lab.queued;
  w.lab.queued = null;
  try {
    w.lab.experiment = new wasm.Experiment(id, w.trainer);
  } catch (e) {
    failed(id, e);
    return;
  }
  w.lab.id = id;
  w.lab.stepsPerSlice = 1;
  w.machine.go('experimenting');
  post('experimentStarted', { id, pausedTraining: w.lab.pausedTraining });
  schedule();
}

/** One slice of the experiment under way. */
export function experimentSlice() {
  const { experiment, id } = w.lab;
  if (!experiment) return;
  const t0 = performance.now();
  let progress;
  try {
    progress = experiment.step(w.lab.stepsPerSlice);
  } catch (e) {
    drop();
    failed(id, e);
    return;
  }
  const ms = performance.now() - t0;
  // Aim the next slice at SLICE_MS, moving halfway (as training does).
  const work = Math.max(1, progress.points.length, w.lab.stepsPerSlice);
  const target = Math.max(1, Math.round((SLICE_MS * work) / Math.max(ms, 0.1)));
  w.lab.stepsPerSlice = Math.max(1, Math.min(1000, Math.round((w.lab.stepsPerSlice + target) / 2)));
  post('experimentProgress', { id, progress });
  if (progress.done) finish(false);
  else schedule();
}

/** Sends the result and lets the experiment go. */
function finish(stopped) {
  const { experiment, id } = w.lab;
  const result = experiment.result();
  drop();
  post('experimentResult', { id, result, stopped });
}

function drop() {
  w.lab.experiment?.free();
  w.lab.experiment = null;
  w.lab.id = null;
  if (w.machine.is('experimenting')) w.machine.go('idle');
  schedule(); // an evaluation that waited, say
}

function failed(id, e) {
  if (isFatal(e)) {
    crash(e);
    return;
  }
  post('experimentFailed', { id, error: { kind: e?.kind ?? 'internal', field: e?.field ?? '', message: errorText(e) } });
}
