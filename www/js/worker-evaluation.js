// Evaluations and answers, for the training worker (worker.js): an
// evaluation runs in pieces between yields (shared with the shard workers
// when there are some), and each finished one refreshes the gallery of test
// images and the answer to the last drawing. The session (Rust) adds the
// pieces up and goes back to the last finite weights if they overflow.

import { crash, errorText, isFatal, post, postCheckpoint, reportError, schedule, sharing, w } from './worker-context.js';
import { stopTraining } from './worker-training.js';
import { postFeatureMaps, postNetwork } from './worker-inside.js';

const EVAL_SUBSET = 2000;
const EVAL_PIECE = 500;
const GALLERY_EVERY_MS = 5000;
const GALLERY_SCAN = 1000;
const GALLERY_KEEP = 8;


/**
 * Starts an evaluation on all test images (`full`) or the first EVAL_SUBSET,
 * replacing one in progress; `then()` runs when it completes. Outside
 * training the worker is `evaluating` meanwhile.
 */
export function evaluate(full, then = () => {}) {
  if (w.trainer.beginEvaluation(full, EVAL_SUBSET) === 0) return; // no test data yet
  w.run.evaluations++;
  w.run.afterEvaluation = then;
  w.run.sinceEvalMs = 0;
  if (w.machine.is('idle')) w.machine.go('evaluating');
  schedule();
}

export async function evaluationPiece() {
  const t0 = performance.now();
  const forRun = w.run;
  const forEvaluation = w.run.evaluations;
  // Still the evaluation this piece belongs to? A reset, or a new
  // evaluation begun meanwhile, makes its answer history.
  const current = () => w.run === forRun && w.run.evaluations === forEvaluation;
  let report = null;
  let failure = null;
  try {
    if (sharing() && w.pool?.started && w.pool.size > 1) {
      w.busy = 'evaluation';
      report = await w.pool.evaluate(w.trainer, EVAL_PIECE * w.pool.size, current);
    } else {
      report = w.trainer.evaluateNext(EVAL_PIECE);
    }
  } catch (e) {
    failure = e;
  }
  w.busy = false;
  try {
    if (!current()) return;
    w.run.evaluationMs += performance.now() - t0;
    if (failure) evaluationFailed(failure);
    else if (report) evaluationDone(report);
  } catch (e) {
    reportError('evaluate', e);
  } finally {
    schedule(); // the next piece, or training: whatever happened here
  }
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
    ms: w.run.evaluationMs ?? 0,
  });
  w.run.evaluationMs = 0;
  w.run.sinceEvalMs = 0;
  postCheckpoint(); // these weights evaluated finite
  postNetwork(); // the weights as pictures follow them
  const then = w.run.afterEvaluation ?? (() => {});
  w.run.afterEvaluation = null;
  if (w.machine.is('evaluating')) w.machine.go('idle');
  then();
}

function evaluationFailed(e) {
  if (isFatal(e)) {
    crash(e);
    return;
  }
  w.run.afterEvaluation = null;
  w.trainer.abandonEvaluation(); // a lost piece: the rest can never add up
  if (e?.kind !== 'diverged') {
    if (w.machine.is('evaluating')) w.machine.go('idle');
    post('error', { request: 'evaluate', message: errorText(e), kind: e?.kind ?? 'internal' });
    return;
  }
  // The weights overflow on test images. If the session went back to the
  // last weights that evaluated finite (the error names that step), show
  // where it now stands.
  stopTraining('diverged', errorText(e));
  if (Number.isInteger(e.step)) evaluate(false, () => afterEvaluation(true));
}

export function gallery(force) {
  const now = performance.now();
  if (w.trainer.testSize === 0 || (!force && now - w.run.lastGalleryAt < GALLERY_EVERY_MS)) return;
  w.run.lastGalleryAt = now;
  const correct = [];
  const mistakes = [];
  const total = Math.min(GALLERY_SCAN, w.trainer.testSize);
  const block = 250;
  let scanned = 0;
  // Scan in blocks and stop once both lists are full: a trained net makes
  // ~1 mistake in 100, an untrained one ~9 in 10.
  for (let start = 0; start < total && (correct.length < GALLERY_KEEP || mistakes.length < GALLERY_KEEP); start += block) {
    const ex = w.trainer.testExamples(start, Math.min(block, total - start));
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
  post('gallery', { step: w.trainer.step, correct, mistakes, scanned });
}

export function predictDrawing(retrained) {
  if (!w.drawing.pixels) {
    post('prediction', { id: w.drawing.id, step: w.trainer.step, retrained });
    return;
  }
  try {
    post('prediction', { id: w.drawing.id, probabilities: Array.from(w.trainer.predict(w.drawing.pixels)), step: w.trainer.step, retrained });
    postFeatureMaps();
  } catch (e) {
    reportError('predict', e);
  }
}

// After any evaluation: the gallery and the drawn digit follow the new net.
export function afterEvaluation(forceGallery) {
  gallery(forceGallery);
  if (w.drawing.pixels) predictDrawing(true);
}
