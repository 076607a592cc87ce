// Page wiring: starts the training worker, connects the controls, drawing
// pad, charts and gallery to it, and shows what it reports. All training
// and prediction happen in the worker (worker.js); the messages are listed
// in protocol.js.

import { TO_PAGE, check, message } from './protocol.js';
import { DrawPad, KEYBOARD_HELP } from './drawpad.js';
import { LineChart, onColorSchemeChange } from './chart.js';
import { drawDigit, drawProbabilities } from './bars.js';
import { Controls } from './controls.js';
import { Gallery } from './gallery.js';

const $ = (id) => document.getElementById(id);
const MODEL_FILE = 'model/cnn.safetensors';
const MANIFEST = 'data/mnist/manifest.json';
const PRESET_TITLES = { 'paper-cnn': 'Paper CNN', 'paper-mlp': 'Paper MLP', cnn: 'CNN', mlp: 'MLP' };

const number = (n) => Math.round(n).toLocaleString('en');
const percent1 = (p) => `${(p * 100).toFixed(1)}%`;
function clock(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// ---- the worker ---------------------------------------------------------

// URLs are resolved against the page, so the page works under any path.
const absolute = (path) => new URL(path, document.baseURI).href;
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (type, fields) => worker.postMessage(message(type, fields));

// ---- page elements ------------------------------------------------------

const buttons = { train: $('train'), pause: $('pause'), reset: $('reset'), clear: $('clear') };
const stateText = $('state');
const progressLine = $('progress-line');
const accuracyText = $('accuracy');
const predictionText = $('prediction');
const seenCanvas = $('seen');
const probabilitiesCanvas = $('probabilities');

const lossChart = new LineChart($('loss-chart'), {
  title: 'Loss',
  yLabel: 'cross-entropy',
  yMin: 0,
  series: [
    { name: 'training (per batch)', color: 'var(--train-color)', smoothing: 0.95 },
    { name: 'test', color: 'var(--test-color)' },
  ],
});
const accuracyChart = new LineChart($('accuracy-chart'), {
  title: 'Accuracy (%)',
  yLabel: '%',
  yMin: 0,
  yMax: 100,
  series: [
    { name: 'training (per batch)', color: 'var(--train-color)', smoothing: 0.95 },
    { name: 'test', color: 'var(--test-color)' },
  ],
});

const gallery = new Gallery({
  correctList: $('gallery-correct'),
  mistakesList: $('gallery-mistakes'),
  note: $('gallery-note'),
});

const controls = new Controls($('controls'), {
  onChange: (name, value) => send('configure', { settings: { [name]: value } }),
  onPreset: (preset) => send('setPreset', { preset }),
  onWorkers: (count) => send('setWorkers', { count }),
});

// ---- state shown on the page --------------------------------------------

// What the charts received since the last new network, for the end-to-end
// tests and for the curious in the browser console (`groundup.history`).
// Times are the page's performance.now(): `trainPressedAt` is the last
// press of Train, `at` when a message arrived (bench/browser/app.mjs measures
// the time from Train to 99% with them).
const history = { training: [], evaluations: [], speeds: [], predictionMs: [], trainPressedAt: null };
globalThis.groundup = { history };

let running = false;
let modelName = '';

function setRunning(value) {
  running = value;
  // Focus follows the action: whoever pressed Train with the keyboard lands
  // on Pause, and back, instead of on a button that has just been disabled.
  const focused = document.activeElement;
  buttons.train.disabled = value;
  buttons.pause.disabled = !value;
  controls.setTraining(value);
  if (value && focused === buttons.train) buttons.pause.focus();
  if (!value && focused === buttons.pause) buttons.train.focus();
}

function setState(text) {
  stateText.textContent = text;
}

// The progress line changes with every slice (~25 times a second): write it
// at most every PROGRESS_MS, and keep it out of the live region. Every write
// costs a layout, a paint and a compositor commit on the page's thread,
// which shares the cores with the training workers.
const PROGRESS_MS = 250;
let pendingProgress = null;
let progressShownAt = -Infinity;
function showProgress(p) {
  const first = pendingProgress === null;
  pendingProgress = p;
  if (!first) return;
  const wait = Math.max(0, progressShownAt + PROGRESS_MS - performance.now());
  setTimeout(() => requestAnimationFrame(writeProgress), wait);
}
function writeProgress() {
  progressShownAt = performance.now();
  const q = pendingProgress;
  pendingProgress = null;
  if (!q) return; // a new network came in the meantime
  progressLine.textContent = `Epoch ${Math.min(q.epoch + 1, q.epochs)} of ${q.epochs} · step ${number(q.step)} · ${number(q.imagesPerSecond)} images/s · ${clock(q.elapsedMs)} elapsed`;
  progressLine.dataset.step = String(q.step);
  progressLine.dataset.imagesPerSecond = String(Math.round(q.imagesPerSecond));
}

function showAccuracy(e) {
  accuracyText.textContent = `Test accuracy: ${percent1(e.accuracy)} (loss ${e.loss.toFixed(3)}, ${e.full ? 'all' : 'first'} ${number(e.examples)} test images, step ${number(e.step)})`;
  accuracyText.dataset.step = String(e.step);
  accuracyText.dataset.accuracy = String(e.accuracy);
}

function startOver(text) {
  history.training.length = 0;
  history.evaluations.length = 0;
  history.speeds.length = 0;
  lossChart.reset();
  accuracyChart.reset();
  accuracyText.textContent = 'Test accuracy: not measured yet.';
  delete accuracyText.dataset.step;
  delete accuracyText.dataset.accuracy;
  pendingProgress = null;
  progressLine.textContent = '';
  delete progressLine.dataset.step;
  gallery.clear(text);
}

// ---- drawing and prediction ---------------------------------------------

let predictId = 0;
let predictSentAt = 0;
let shownDigit = -1;
let lastImage = null;
let lastProbabilities = null;

function onImage(image) {
  lastImage = image;
  drawDigit(seenCanvas, image);
  predictId++;
  // Which drawing the page last asked about, and (below) which one the text
  // answers: equal once the answer to the finished drawing is shown.
  document.documentElement.dataset.drawingId = String(predictId);
  predictSentAt = performance.now();
  send('predict', { id: predictId, ...(image ? { pixels: image } : {}) });
  // A cleared pad has no prediction: say so now, not when the worker
  // (perhaps busy evaluating) gets round to answering.
  if (!image) showPrediction({ id: predictId, retrained: false });
}

// The visible help says what the pad's own description says.
$('pad-help').textContent = `Draw one digit, large and centred. Keyboard: ${KEYBOARD_HELP}`;
const pad = new DrawPad($('pad'), { onChange: onImage });
buttons.clear.addEventListener('click', () => {
  pad.clear(); // calls onImage(null)
  $('pad').focus();
});

function showPrediction({ id, probabilities, retrained }) {
  if (id !== predictId) return; // an answer about an older drawing
  lastProbabilities = probabilities ?? null;
  if (probabilities && !retrained && history.predictionMs.length < 1000) {
    history.predictionMs.push(performance.now() - predictSentAt); // round trip through the worker
  }
  drawProbabilities(probabilitiesCanvas, probabilities ?? null);
  if (!probabilities) {
    shownDigit = -1;
    predictionText.textContent = 'Prediction: none yet — draw a digit.';
    return;
  }
  let best = 0;
  for (let i = 1; i < 10; i++) if (probabilities[i] > probabilities[best]) best = i;
  // Re-predictions while training arrive every few seconds; the live region
  // speaks only when the answer changes (the bars show the rest).
  document.documentElement.dataset.answeredId = String(id);
  if (retrained && best === shownDigit) return;
  shownDigit = best;
  predictionText.textContent = `Prediction: ${best} (${Math.round(probabilities[best] * 100)}%)`;
  if (!document.documentElement.dataset.firstPredictionMs) {
    document.documentElement.dataset.firstPredictionMs = String(Math.round(performance.now()));
  }
}

// ---- buttons ------------------------------------------------------------

buttons.train.addEventListener('click', () => {
  const invalid = controls.firstInvalid();
  if (invalid) {
    setState('Fix the setting marked next to its field first.');
    invalid.focus();
    return;
  }
  history.trainPressedAt = performance.now();
  send('train');
});
buttons.pause.addEventListener('click', () => send('pause'));
buttons.reset.addEventListener('click', () => send('reset', { preset: $('preset').value }));

// ---- data progress ------------------------------------------------------

function showDataProgress(p) {
  const bar = $(`${p.split}-progress`);
  const value = Math.round(p.fraction * 100);
  bar.setAttribute('aria-valuenow', String(value));
  const parts = [`${p.chunksDone} of ${p.chunks} chunks`, `${number(p.rows)} of ${number(p.totalRows)} images`];
  if (p.chunksFailed) parts.push(`${p.chunksFailed} failed`);
  if (p.fromCache) parts.push(`${p.fromCache} from this browser's cache`);
  bar.setAttribute('aria-valuetext', `${value}%: ${parts.join(', ')}`);
  bar.querySelector('.progress-fill').style.width = `${value}%`;
  bar.classList.toggle('failed', p.chunksFailed > 0);
  $(`${p.split}-progress-text`).textContent = `${value}%`;
  bar.title = parts.join(', ');
}

function showDataError({ message: text }) {
  const li = document.createElement('li');
  li.textContent = text;
  $('data-errors').append(li);
}

// ---- messages from the worker -------------------------------------------

const handlers = {
  ready({ settings, cores, workers }) {
    controls.show(settings);
    // ?workers=N in the page's URL (benchmarks, a teacher's iframe) picks the count.
    const asked = Number(new URLSearchParams(location.search).get('workers'));
    controls.showWorkers(workers, cores);
    document.documentElement.dataset.workers = String(workers);
    if (Number.isInteger(asked) && asked >= 1 && asked !== workers) {
      send('setWorkers', { count: Math.min(asked, cores) });
    }
    for (const b of [buttons.train, buttons.reset]) b.disabled = false;
    setState('Loading the pretrained network…');
    send('loadModel', { url: absolute(MODEL_FILE), name: MODEL_FILE.split('/').pop() });
    send('loadData', { manifestUrl: absolute(MANIFEST) });
  },
  model({ source, preset, settings, name }) {
    controls.show(settings);
    setRunning(false);
    const title = PRESET_TITLES[preset] ?? 'custom';
    if (source === 'pretrained') {
      modelName = name ?? '';
      document.documentElement.dataset.modelReadyMs = String(Math.round(performance.now()));
      setState(`Pretrained ${title} loaded (${modelName}): draw a digit, or press Reset for an untrained net.`);
      startOver('Loading the test images…');
    } else {
      setState(`Untrained ${title}, fresh weights from seed ${settings.seed}: press Train to watch it learn.`);
      startOver('Press Train: the test images and their predictions appear at the first evaluation.');
    }
  },
  settings({ settings }) {
    // Leave alone a field the reader is editing or that shows a refusal.
    for (const [name, value] of Object.entries(settings)) {
      const field = $(name);
      if (!field || field === document.activeElement || field.getAttribute('aria-invalid') === 'true') continue;
      controls.show({ [name]: value });
    }
  },
  configError({ field, message: text, settings }) {
    if (field) {
      controls.showError(field, text);
    } else {
      setState(`Setting refused: ${text}`);
    }
    if (field === 'optimizer') controls.show({ optimizer: settings.optimizer });
  },
  workers({ count, message: text }) {
    controls.showWorkers(count);
    document.documentElement.dataset.workers = String(count);
    if (text) setState(text);
  },
  dataManifest() {},
  dataProgress: showDataProgress,
  dataError: showDataError,
  state({ running: isRunning, reason, message: text }) {
    setRunning(isRunning);
    if (!isRunning && pendingProgress) writeProgress(); // the final step, now
    const states = {
      started: 'Training…',
      waiting: 'Waiting for the first training chunk…',
      paused: 'Paused. The test accuracy below is on all test images.',
      done: `Done: ${text}.`,
      // Rust's message says which step failed and which weights were kept.
      diverged: `Training stopped: it diverged. ${text}`,
      error: `Training stopped: ${text}`,
      reset: 'Reset.',
    };
    setState(states[reason] ?? reason);
  },
  training(t) {
    for (const b of t.batches) {
      lossChart.add('training (per batch)', b.step, b.loss);
      accuracyChart.add('training (per batch)', b.step, b.accuracy * 100);
    }
    if (history.training.length < 100_000) history.training.push(...t.batches);
    if (history.speeds.length < 100_000) {
      history.speeds.push({ step: t.step, imagesPerSecond: t.imagesPerSecond, elapsedMs: t.elapsedMs, at: performance.now() });
    }
    showProgress(t);
  },
  evaluation(e) {
    lossChart.add('test', e.step, e.loss);
    accuracyChart.add('test', e.step, e.accuracy * 100);
    showAccuracy(e);
    history.evaluations.push({ ...e, at: performance.now() });
  },
  prediction: showPrediction,
  gallery: (g) => gallery.show(g),
  error({ request, message: text }) {
    if (request === 'loadModel') {
      setState(`No pretrained network (${text}). Press Train to train one.`);
    } else {
      setState(`Error (${request}): ${text}`);
      if (request === 'setWorkers') controls.showError('workers', text);
    }
  },
};

worker.onmessage = (event) => {
  const data = check(event.data, TO_PAGE);
  handlers[data.type](data);
};
worker.onerror = (event) => {
  setState(`The training worker failed to start: ${event.message || 'see the browser console'}`);
};

drawProbabilities(probabilitiesCanvas, null);

// The canvases drawn once (not animated) take their colours from CSS when
// drawn: draw them again when the reader's light/dark preference changes.
onColorSchemeChange(() => {
  drawDigit(seenCanvas, lastImage);
  drawProbabilities(probabilitiesCanvas, lastProbabilities);
  gallery.redraw();
});
