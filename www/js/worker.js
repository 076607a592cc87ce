// The training worker: owns the Rust training session (`Trainer`, wasm)
// and answers the page. Messages: protocol.js. The worker's modules:
//
//   worker-context.js     the state every module shares (`w`) and the loop's tick
//   worker-machine.js     the states and every legal move between them
//   worker-training.js    training in slices, alone or with shard workers (shards.js)
//   worker-evaluation.js  evaluations in pieces, the gallery, re-predicting the drawing
//   worker-lab.js         the paper's experiments, in slices, on copies
//   data-feed.js          the manifest and the chunks, into the session
//   worker-own-data.js    the reader's own CSV files in, MNIST back
//
// Every decision about training — the schedule, when the epochs are done,
// how a batch is split, going back to the last finite weights — is the
// session's (Rust, tested natively). The worker decides only *when*: it
// trains in slices of ~40 ms and yields between them, so that a drawing's
// `predict`, a `pause` or a new learning rate is served within one slice;
// evaluations run in pieces between yields too.
//
// Messages are handled one at a time, in the order sent: the page may send
// setPreset, configure and reset back to back and get them in that order.

import { loadWasm, wasm } from './wasm.js';
import { TO_WORKER, check } from './protocol.js';
import { feedData } from './data-feed.js';
import { cores, crash, errorText, isFatal, newRun, onTick, post, postCheckpoint, postState, reportError, settings, w } from './worker-context.js';
import { afterEvaluation, evaluate, evaluationPiece, gallery, predictDrawing } from './worker-evaluation.js';
import { pauseNow, startTraining, trainingSlice } from './worker-training.js';
import { ownDataHandlers } from './worker-own-data.js';
import { postArchAnswer, postNetwork, postTestImages } from './worker-inside.js';
import { PAUSED_FOR_EXPERIMENT, beginExperiment, experimentDue, experimentSlice, runExperiment, stopExperiment } from './worker-lab.js';

// What the worker does between messages: a pause that waited for a shared
// step, then an experiment waiting for that pause, then any evaluation in
// progress, then an experiment's slice or training.
onTick(() => {
  if (w.busy) return; // what is in flight schedules the next tick when it lands
  try {
    if (w.machine.is('pausing')) {
      pauseNow(w.lab.queued ? PAUSED_FOR_EXPERIMENT : undefined);
    }
    if (experimentDue()) {
      beginExperiment();
    } else if (w.trainer.evaluating) {
      evaluationPiece();
    } else if (w.machine.is('experimenting')) {
      experimentSlice();
    } else if (w.machine.is('training')) {
      trainingSlice();
    }
  } catch (e) {
    reportError('train', e);
  }
});

/** A new network is in place: a new run, nothing running. */
function startOver() {
  w.run = newRun();
  w.machine.reset();
}

function announceModel(source, name) {
  const custom = !w.trainer.presetNetwork;
  post('model', { source, preset: settings().preset, custom, settings: settings(), step: w.trainer.step, ...(name ? { name } : {}) });
}

/** A new network (or a new w.run of the same one) is in place. */
function newNetwork(source, name) {
  startOver();
  if (source === 'fresh' || source === 'own-data') postState('reset');
  announceModel(source, name);
  postCheckpoint();
  postNetwork();
  postArchAnswer(0, w.trainer.architecture());
  predictDrawing(true);
}

const handlers = {
  async loadModel({ url, name }) {
    w.machine.go('loading');
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${response.statusText}`.trim());
      w.trainer.importModel(new Uint8Array(await response.arrayBuffer()), name);
    } finally {
      w.machine.go('idle'); // with the new model, or the one before it
    }
    newNetwork('pretrained', name);
    evaluate(true, () => gallery(true));
  },
  loadData({ manifestUrl }) {
    // Not awaited: data keeps arriving while the worker serves other messages.
    feedData(w.trainer, manifestUrl, {
      post,
      // Once the test split is in, show how good the current net is (the
      // pretrained one at first), unless training will do so anyway: on all
      // of it, for the confusion matrix. It runs in pieces, so a drawing
      // is still answered at once.
      onSplitComplete: (split) => {
        if (split === 'test' && w.machine.is('idle')) evaluate(true, () => afterEvaluation(true));
      },
    }).catch((e) => (isFatal(e) ? crash(e) : post('dataError', { split: '', chunk: '', message: errorText(e) })));
  },
  importModel({ bytes, name }) {
    w.trainer.importModel(bytes, name); // on error the current model stays
    newNetwork('imported', name);
    evaluate(true, () => gallery(true));
  },
  exportModel() {
    const bytes = w.trainer.exportModel();
    // An architecture of the reader's is "custom", whatever preset's settings train it.
    const preset = w.trainer.presetNetwork ? settings().preset : 'custom';
    post('modelFile', { bytes, preset, step: w.trainer.step }, [bytes.buffer]);
  },
  resume({ bytes, name, step, epoch, settings: wanted }) {
    w.trainer.resume(bytes, name, step, epoch, wanted);
    newNetwork('resumed', name);
    evaluate(false, () => gallery(true));
  },
  setPreset({ preset }) {
    w.trainer.setPreset(preset);
    newNetwork('fresh');
  },
  // Like a new preset: a fresh, untrained net; the run before it stops.
  setArchitecture({ arch }) {
    w.trainer.setArchitecture(arch); // on error the current net stays
    newNetwork('fresh');
  },
  describeArch({ id, arch, layers, objective }) {
    const answer = arch !== undefined ? wasm.describeArch(arch) : wasm.describeLayers(layers ?? [], objective ?? 'softmax_cross_entropy');
    postArchAnswer(id, answer);
  },
  configure({ settings: wanted }) {
    try {
      w.trainer.configure(wanted);
      post('settings', { settings: settings() });
    } catch (e) {
      post('configError', { kind: e?.kind ?? 'internal', field: e?.field ?? '', message: errorText(e), settings: settings() });
    }
  },
  train() {
    startTraining();
  },
  pause() {
    if (!w.machine.is('training')) return;
    // A shared step in flight finishes first, so that "paused" follows the
    // last step's report; the next tick then pauses.
    if (w.busy === 'slice') w.machine.go('pausing');
    else pauseNow();
  },
  reset({ preset }) {
    if (settings().preset !== preset) w.trainer.setPreset(preset);
    else w.trainer.reset();
    newNetwork('fresh');
  },
  setWorkers({ count }) {
    if (!Number.isInteger(count) || count < 1 || count > cores) {
      const error = new Error(`workers: ${count} is not between 1 and ${cores} (the cores this browser reports)`);
      error.field = 'workers';
      throw error;
    }
    w.workers = count;
    w.pool?.terminate(); // a step in flight computes the rest of its batch here
    w.pool = null;
    post('workers', { count });
  },
  testImagesWhere(request) {
    postTestImages(request);
  },
  runExperiment({ id }) {
    runExperiment(id);
  },
  stopExperiment() {
    stopExperiment();
  },
  predict({ id, pixels }) {
    w.drawing = { id, pixels: pixels ?? null };
    predictDrawing(false);
  },
  ...ownDataHandlers({ newNetwork }),
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
      reportError((data && data.type) || String(raw && raw.type), e);
    }
  }
  draining = false;
}

// A trap in code that nobody awaits (a data chunk's parse, say) ends up
// here; the page sees other uncaught errors as the Worker's `error` event.
self.addEventListener('unhandledrejection', (event) => {
  if (isFatal(event.reason)) crash(event.reason);
});

async function main() {
  await loadWasm();
  w.trainer = new wasm.Trainer(wasm.Trainer.presetNames()[0]);
  w.run = newRun();
  w.machine.go('idle');
  self.onmessage = (event) => {
    inbox.push(event.data);
    if (!draining) drain();
  };
  // Only now: anything the page posted before this line would have been lost.
  post('ready', { presets: wasm.Trainer.presetNames(), settings: settings(), cores, workers: w.workers, experiments: wasm.experimentCatalog(), wasm: wasm.build });
}

main().catch((e) => {
  // The page shows this; without wasm there is nothing else to do.
  post('error', { request: 'startup', message: `could not start the training worker: ${errorText(e)}`, kind: 'internal' });
});
