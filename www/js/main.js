// Page wiring: starts the training worker, connects the controls, drawing
// pad, charts and gallery to it, and shows what it reports. All training
// and prediction happen in the worker (worker.js); the messages are listed
// in protocol.js.

// First: the URL's view (#view=draw) applies before the panels are set up,
// and a framed page reports its height (embed-page.js).
import './embed-page.js';
import { WorkerKeeper } from './worker-keeper.js';
import { ModelFiles } from './model-files.js';
import { Inside } from './inside.js';
import { ConfusionMatrix } from './confusion.js';
import { StatusLine, stateText } from './status-line.js';
import { onColorSchemeChange } from './canvas.js';
import { LearningCurves } from './curves.js';
import { Drawing } from './drawing.js';
import { clearDataProgress, showDataError, showDataProgress } from './data-progress.js';
import { Controls } from './controls.js';
import { Gallery } from './gallery.js';
import { PageLink } from './page-link.js';
import { OwnData } from './own-data.js';
import { MyDrawings } from './my-drawings.js';
import { ArchEditor } from './arch-editor.js';
import { LabPanel } from './lab.js';
import { DEFAULT_PRESET, ROUTE, settingNamed, workerMessages } from './settings.js';
import { buildNote } from './wasm.js';

const $ = (id) => document.getElementById(id);
const MODEL_FILE = 'model/cnn.safetensors';
const MANIFEST = 'data/mnist/manifest.json';
const PRESET_TITLES = { 'paper-cnn': 'Paper CNN', 'paper-mlp': 'Paper MLP', cnn: 'CNN', mlp: 'MLP' };

const number = (n) => Math.round(n).toLocaleString('en');

// ---- the worker ---------------------------------------------------------

// URLs are resolved against the page, so the page works under any path.
const absolute = (path) => new URL(path, document.baseURI).href;
// The keeper starts a new worker should this one die (worker-keeper.js);
// `handlers` below answer its messages, `workerLost` its death.
const keeper = new WorkerKeeper(new URL('./worker.js', import.meta.url), {
  onMessage: (data) => lab.hear(data) || handlers[data.type](data),
  onLost: (lost) => (lab.workerLost(), workerLost(lost)),
  onStartFailed: (reason) => setState(`The training worker failed to start: ${reason}`),
});
const send = (type, fields, transfer) => keeper.send(type, fields, transfer);
// The paper's experiments (lab.js): it answers the experiment messages.
const lab = new LabPanel($('lab-panel'), { send, cores: () => cores });

// ---- page elements ------------------------------------------------------

const buttons = { train: $('train'), pause: $('pause'), reset: $('reset'), clear: $('clear') };

const gallery = new Gallery({
  correctList: $('gallery-correct'),
  mistakesList: $('gallery-mistakes'),
  note: $('gallery-note'),
});

const inside = new Inside({
  maps: $('feature-maps'),
  mapsNote: $('maps-note'),
  weights: $('weight-images'),
  weightsNote: $('weights-note'),
  layers: $('layers-body'),
  total: $('total-parameters'),
});
const confusion = new ConfusionMatrix(
  { table: $('confusion'), note: $('confusion-note'), region: $('cell-images'), regionHeading: $('cell-images-heading'), regionNote: $('cell-images-note'), list: $('cell-images-list') },
  (label, predicted, max) => send('testImagesWhere', { label, predicted, max }),
);

const modelFiles = new ModelFiles(
  { exportButton: $('export-model'), importInput: $('import-model'), status: $('import-status'), error: $('import-error') },
  send,
);

const link = new PageLink({
  problems: $('url-errors'),
  copyButton: $('copy-link'),
  status: $('link-status'),
  fallback: $('link-fallback'),
  field: $('link-field'),
});

// A setting changed in the form: the settings table (settings.js) says how
// it reaches the worker; the URL follows once the worker confirms it.
const controls = new Controls($('controls'), {
  onChange(name, value) {
    link.choose(name);
    for (const [type, fields] of workerMessages({ [name]: value })) send(type, fields);
  },
});

// ---- state shown on the page --------------------------------------------

// What the charts received since the last new network, for the end-to-end
// tests and for the curious in the browser console (`groundup.history`).
// Times are the page's performance.now(): `trainPressedAt` is the last
// press of Train, `at` when a message arrived (bench/browser/app.mjs measures
// the time from Train to 99% with them).
const history = { training: [], evaluations: [], speeds: [], predictionMs: [], trainPressedAt: null };
// The settings in force as the worker last reported them, with `workers`.
const inForce = {};
// The loss and accuracy charts, with the runs kept side by side (curves.js);
// `groundup.curves` lets the end-to-end tests read the charts and the runs.
const curves = new LearningCurves(
  { lossCanvas: $('loss-chart'), accuracyCanvas: $('accuracy-chart'), legend: $('runs-legend'), clearButton: $('clear-runs'), status: $('runs-status') },
  { settings: inForce },
);
globalThis.groundup = { history, settings: inForce, curves };

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

const archEditor = new ArchEditor(
  { list: $('arch-layers'), total: $('arch-total'), alert: $('arch-alert'), kind: $('arch-kind'), add: $('arch-add'), objective: $('arch-objective'), train: $('arch-train'), status: $('arch-status') },
  {
    send, link, inForce,
    train: () => {
      history.trainPressedAt = performance.now();
      send('train');
    },
  },
);

const statusLine = new StatusLine({ state: $('state'), progress: $('progress-line'), accuracy: $('accuracy') });
const setState = (text) => statusLine.setState(text);

function startOver(text) {
  history.training.length = 0;
  history.evaluations.length = 0;
  history.speeds.length = 0;
  curves.newRun();
  statusLine.clear();
  gallery.clear(text);
  confusion.clear('The matrix appears after the first evaluation on all test images.');
}

// ---- drawing and prediction ---------------------------------------------

const drawing = new Drawing(
  { pad: $('pad'), help: $('pad-help'), clear: buttons.clear, seen: $('seen'), probabilities: $('probabilities'), text: $('prediction') },
  { send, predictionMs: history.predictionMs },
);

// Own data instead of MNIST (own-data.js), and drawings kept as CSV (my-drawings.js).
const myDrawings = new MyDrawings({ label: $('drawing-label'), keep: $('keep-drawing'), save: $('save-drawings'), status: $('drawings-status') }, { current: () => drawing.image });
const ownData = new OwnData(
  { input: $('own-data-input'), back: $('back-to-mnist'), progress: $('own-data-progress'), progressRow: $('own-data-progress-row'), status: $('own-data-status'), classes: $('own-data-classes'), error: $('own-data-error') },
  { send, onClassNames: (names) => [drawing, myDrawings, gallery].forEach((d) => d.setClassNames(names)) },
);

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

// ---- the settings in the URL --------------------------------------------

let workerReady = false;
let cores = 1; // from the worker's `ready`
let startWorkers = 1; // how many workers train when the URL does not say
// The URL's settings between reading them and the network they apply to:
// {problems, after}: refused values, and messages for the pretrained net.
let applying = null;

// The URL's settings, read when the worker is ready and when the fragment
// changes. A preset or a seed means a fresh network of that preset from
// that seed; otherwise the pretrained net, configured with the rest once it
// is in (a configure sent earlier would be replaced by the file's own).
async function applyUrl() {
  const { values, problems } = await archEditor.vetUrl(link.read({ cores }));
  appliedNetworkKey = networkKey(values);
  link.chooseOnly(Object.keys(values));
  if (values.preset !== undefined || values.seed !== undefined || values.arch !== undefined) {
    applying = { problems, after: [] };
    for (const [type, fields] of workerMessages(values, { fresh: true })) send(type, fields);
  } else {
    applying = { problems, after: workerMessages(values) };
    setState('Loading the pretrained network…');
    send('loadModel', { url: absolute(MODEL_FILE), name: MODEL_FILE.split('/').pop() });
  }
}

// The network the URL applies to is in place, with `settings`: these are the
// defaults that replace the refused URL values.
function urlApplied(settings) {
  if (!applying) return;
  const { problems, after } = applying;
  applying = null;
  link.showProblems(problems, { ...settings, preset: DEFAULT_PRESET, workers: startWorkers });
  for (const [type, fields] of after) send(type, fields);
}

// The URL's values that concern the network and its training (not the
// page's own, such as the view), to tell whether a new fragment changes them.
let appliedNetworkKey = null;
const networkKey = (values) =>
  JSON.stringify(Object.entries(values).filter(([name]) => settingNamed(name)?.route !== ROUTE.page).sort());

// Someone pasted a new fragment (history.replaceState fires no hashchange).
// One that changes only the view leaves the network and its training alone
// (embed-page.js shows the new view).
addEventListener('hashchange', () => {
  if (!workerReady) return;
  const { values, problems } = link.read({ cores });
  if (networkKey(values) === appliedNetworkKey) {
    link.chooseOnly(Object.keys(values));
    link.showProblems(problems, { ...inForce, preset: DEFAULT_PRESET, workers: startWorkers });
    return;
  }
  applyUrl();
});

// The settings the worker reports are in force: the form and URL show them.
function settingsInForce(settings) {
  Object.assign(inForce, settings);
  curves.settingsChanged();
  if (!applying) link.update(inForce);
}

// ---- messages from the worker -------------------------------------------

const handlers = {
  ready({ settings, cores: logical, workers, wasm }) {
    workerReady = true;
    document.documentElement.dataset.wasm = wasm;
    document.getElementById('wasm-build').textContent = buildNote(wasm);
    cores = logical;
    for (const b of [buttons.train, buttons.reset]) b.disabled = false;
    modelFiles.enable(true);
    ownData.enable(true);
    if (keeper.restarts > 0 && keeper.checkpoint) {
      resumeRun(workers); // with the settings in force before, not the new worker's defaults
    } else {
      startWorkers = workers;
      Object.assign(inForce, settings, { workers });
      controls.show(settings);
      controls.showWorkers(workers, cores);
      document.documentElement.dataset.workers = String(workers);
      applyUrl();
      // ?workers=N in the query (benchmarks, older links) when the fragment has no workers=.
      const asked = Number(new URLSearchParams(location.search).get('workers'));
      if (!link.chosen.has('workers') && Number.isInteger(asked) && asked >= 1 && asked !== workers) {
        send('setWorkers', { count: Math.min(asked, cores) });
      }
    }
    send('loadData', { manifestUrl: absolute(MANIFEST) });
  },
  model({ source, preset, custom, settings, name, step }) {
    controls.show(settings);
    urlApplied(settings);
    settingsInForce(settings);
    setRunning(false);
    // A reader's own architecture is trained with a preset's settings, but it is not that preset.
    const title = custom ? 'network of your own' : (PRESET_TITLES[preset] ?? 'custom');
    if (source === 'resumed') {
      // The charts go on; the drawing is asked about again.
      setState(`${lostNote} A new training worker took over with the weights of step ${number(keeper.checkpoint.step)}; the data came back from this browser's cache where it could. Press Train to go on.`);
      drawing.askAgain();
      return;
    }
    if (source === 'imported') {
      modelName = name ?? '';
      modelFiles.imported(modelName);
      setState(`Model loaded: ${modelName} (${title}). Draw a digit, or press Train to train it further.`);
      startOver('Loading the test images…');
    } else if (source === 'restored') {
      setState(`Back on MNIST with the ${title} you had before your own data (step ${number(step)}): draw a digit, or press Train.`);
      startOver('Loading the test images…');
    } else if (source === 'pretrained') {
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
    controls.show(settings, { keepEdits: true });
    settingsInForce(settings);
  },
  configError({ field, message: text, settings }) {
    // `field` is the configure key Rust's error is about ("" if none).
    if (!controls.refuse(field, text, settings)) setState(`Setting refused: ${text}`);
  },
  workers({ count, message: text }) {
    controls.showWorkers(count);
    document.documentElement.dataset.workers = String(count);
    settingsInForce({ workers: count });
    if (text) setState(text);
  },
  dataManifest() {},
  dataProgress: showDataProgress,
  dataError: showDataError,
  state({ running: isRunning, reason, message: text }) {
    setRunning(isRunning);
    if (!isRunning) statusLine.flush(); // the final step, now
    setState(stateText(reason, text));
  },
  training(t) {
    curves.training(t.batches);
    if (history.training.length < 100_000) history.training.push(...t.batches);
    if (history.speeds.length < 100_000) {
      history.speeds.push({ step: t.step, imagesPerSecond: t.imagesPerSecond, elapsedMs: t.elapsedMs, at: performance.now() });
    }
    statusLine.showProgress(t);
  },
  evaluation(e) {
    curves.evaluation(e);
    statusLine.showAccuracy(e);
    if (e.full) confusion.show(e.confusion, e);
    history.evaluations.push({ ...e, at: performance.now() });
  },
  prediction(p) {
    drawing.answer(p);
    if (!p.probabilities && p.id === drawing.id) inside.clearFeatureMaps();
  },
  featureMaps(f) {
    if (f.id === drawing.id) inside.showFeatureMaps(f);
  },
  network: (n) => inside.showNetwork(n),
  archDescription: (d) => archEditor.described(d),
  archRefused: (r) => archEditor.refused(r),
  testImages: (t) => confusion.showImages(t),
  stalled({ message: text }) {
    setState(`Training, but ${text}`);
  },
  modelFile: (file) => modelFiles.download(file),
  gallery: (g) => gallery.show(g),
  ...ownData.handlers(),
  error({ request, message: text, field }) {
    if (request === 'importModel') {
      modelFiles.importFailed(text);
    } else if (request === 'resume') {
      setState(`${lostNote} A new training worker could not take over the weights (${text}); press Reset for a fresh network.`);
    } else if (request === 'loadModel') {
      setState(`No pretrained network (${text}). Press Train to train one.`);
      urlApplied(inForce);
    } else {
      setState(`Error (${request}): ${text}`);
      // A refusal about one setting (setWorkers: field "workers") goes next to it.
      if (field) controls.showError(field, text);
    }
  },
};

// ---- a worker that died ---------------------------------------------------

// What happened, for the message once the new worker has taken over.
let lostNote = '';

function workerLost({ reason, restarting }) {
  workerReady = false;
  setRunning(false);
  for (const b of [buttons.train, buttons.reset]) b.disabled = true;
  modelFiles.enable(false);
  ownData.lost();
  clearDataProgress(); // the new worker loads the data again and reports afresh
  lostNote = `The training worker stopped (${reason}).`;
  setState(restarting ? `${lostNote} Starting a new one…` : `${lostNote} It stopped several times in a row, so no new one was started: reload the page.`);
}

// The new worker is ready: it takes over from the last good weights, with
// the settings in force and as many workers as before.
function resumeRun(workers) {
  const { bytes, step, epoch } = keeper.checkpoint;
  const { optimizer, learningRate, batchSize, epochs, seed } = inForce;
  if (inForce.workers && inForce.workers !== workers) send('setWorkers', { count: Math.min(inForce.workers, cores) });
  send('resume', { bytes, name: `the checkpoint of step ${step}`, step, epoch, settings: { optimizer, learningRate, batchSize, epochs, seed } });
}

// The canvases drawn once (not animated) take their colours from CSS when
// drawn: draw them again when the reader's light/dark preference changes.
onColorSchemeChange(() => {
  drawing.redraw();
  gallery.redraw();
  confusion.redraw();
});
