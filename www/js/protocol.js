// Every message between the page (main.js) and the training worker
// (worker.js), and between the training worker and its shard workers
// (shard-worker.js, for data-parallel training: shards.js), in one place.
//
// A message is a plain object `{ type, ...fields }` sent with postMessage.
// Each entry of MESSAGES below names its direction, what it is for, and its
// fields with their types (a trailing "?" marks a field that may be absent).
// `message(type, fields)` builds one and throws if it does not fit its entry;
// `check(data, direction)` validates one that arrived. Both sides use them,
// so a typo or a missing field fails loudly at the sender instead of doing
// nothing silently at the receiver.
//
// Lifecycle: the page creates the worker and waits for `ready` (messages
// posted before the worker's handler is installed would be lost). It then
// sends `loadModel` (the pretrained net) and `loadData` (the manifest).
// Training runs in the worker in slices of ~40 ms; between slices the worker
// reads its message queue, so `predict`, `pause` and `configure` (e.g. a new
// learning rate) are served within one slice.
//
// Data-parallel training: with more than one worker (`setWorkers`), the
// training worker starts shard workers, waits for each one's `shardReady`,
// and then for every step sends each a `shard` (the current weights and its
// part of the batch) and awaits its `shardGradients`, while it computes the
// first part itself. A `shardModel` precedes the first shard of every new
// architecture. A shard worker that answers `shardError`, dies or times out
// is dropped and its part computed by the training worker instead.
// Evaluations are shared the same way: `evaluateShard` / `shardEvaluation`.

export const TO_WORKER = 'to-worker';
export const TO_PAGE = 'to-page';
export const TO_SHARD_WORKER = 'to-shard-worker';
export const FROM_SHARD_WORKER = 'from-shard-worker';

// Field types. Typed arrays are listed separately so that a plain array sent
// where the worker expects Float32Array is caught.
const TYPES = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  array: (v) => Array.isArray(v),
  f32array: (v) => v instanceof Float32Array,
  u8array: (v) => v instanceof Uint8Array,
};

export const MESSAGES = {
  // ---- page → worker ----------------------------------------------------
  loadModel: {
    dir: TO_WORKER,
    doc: 'Fetch a groundup safetensors model and import it (the pretrained net). Answer: `model` or `error`.',
    fields: { url: 'string', name: 'string' },
  },
  loadData: {
    dir: TO_WORKER,
    doc: 'Fetch the manifest and every chunk it lists (cached, checked, gunzipped, parsed in Rust). Answers: `dataManifest`, `dataProgress`…, `dataError` per failed chunk.',
    fields: { manifestUrl: 'string' },
  },
  setPreset: {
    dir: TO_WORKER,
    doc: 'Switch to an untrained net of another preset with its default settings. Answer: `model` (source "fresh") or `error`.',
    fields: { preset: 'string' },
  },
  setArchitecture: {
    dir: TO_WORKER,
    doc: 'Switch to an untrained net of architecture `arch` (its one-line text, crates/groundup/src/arch/mod.rs): fresh weights from the seed, the settings in force; the previous run stops, as with a new preset. Answer: `model` (source "fresh") and `archDescription` #0, or `error` (field "arch") with the current net untouched.',
    fields: { arch: 'string' },
  },
  describeArch: {
    dir: TO_WORKER,
    doc: 'Is this stack one that can be trained, and what are its shapes and weight counts? Either `arch` (a text, e.g. from the URL) or `layers` (the editor\'s, each as in a spec: {type: "conv2d", filters, kernel, …}) with `objective`. Rust decides. Answer: `archDescription` or `archRefused` with the same id (ids from 1; 0 is the current network).',
    fields: { id: 'integer', arch: 'string?', layers: 'array?', objective: 'string?' },
  },
  configure: {
    dir: TO_WORKER,
    doc: 'Change settings (all or nothing), also while training. `settings` holds any of optimizer, learningRate, batchSize, epochs, seed. Answer: `settings` or `configError`.',
    fields: { settings: 'object' },
  },
  train: {
    dir: TO_WORKER,
    doc: 'Start or resume training (waits for the first training chunk if none is in). Answer: `state` running, then `training`/`evaluation` until it stops.',
    fields: {},
  },
  pause: {
    dir: TO_WORKER,
    doc: 'Stop after the current slice, then evaluate on the full test set. Answer: `state` (reason "paused"), `evaluation`.',
    fields: {},
  },
  reset: {
    dir: TO_WORKER,
    doc: 'Stop and start over with fresh untrained weights of `preset` (current settings kept when the preset is unchanged). Answer: `model` (source "fresh").',
    fields: { preset: 'string' },
  },
  setWorkers: {
    dir: TO_WORKER,
    doc: 'Train on `count` workers (1 to `cores` of `ready`), data-parallel: each computes a part of every batch. Takes effect at the next step. Answer: `workers`.',
    fields: { count: 'integer' },
  },
  predict: {
    dir: TO_WORKER,
    doc: 'Class probabilities for a 28×28 image in [0, 1], or null to forget the last one. The worker keeps it and re-predicts after each evaluation. Answer: `prediction` with the same id.',
    fields: { id: 'integer', pixels: 'f32array?' },
  },

  importModel: {
    dir: TO_WORKER,
    doc: 'Replace the network with a safetensors model file the reader chose (for example one the CLI trained). Answer: `model` (source "imported"), or `error` (request "importModel") with the current model untouched.',
    fields: { bytes: 'u8array', name: 'string' },
  },
  exportModel: {
    dir: TO_WORKER,
    doc: 'The current weights as a safetensors file, the format the CLI writes. Answer: `modelFile`.',
    fields: {},
  },
  testImagesWhere: {
    dir: TO_WORKER,
    doc: 'The test images whose true digit is `label` and the network\'s current answer `predicted` (a confusion-matrix cell), at most `max`. Answer: `testImages`.',
    fields: { label: 'integer', predicted: 'integer', max: 'integer' },
  },
  resume: {
    dir: TO_WORKER,
    doc: 'Take over a run from a worker that died: its last `checkpoint` (weights, step, epoch) and the settings in force (as `configure` takes them). Answer: `model` (source "resumed") or `error`.',
    fields: { bytes: 'u8array', name: 'string', step: 'number', epoch: 'integer', settings: 'object' },
  },
  useOwnData: {
    dir: TO_WORKER,
    doc: 'Train and test on the reader\'s own MNIST-format CSV from now on: `files` [{name, bytes: Uint8Array}] (one, split every 6th row for test, or two, told apart by "train"/"test" in the names, else the larger trains), buffers transferred. Stops training; a fresh network of the current architecture and settings. Answers: `ownDataProgress`…, then `model` (source "own-data") and `ownData`, or `ownDataFailed` with nothing changed.',
    fields: { files: 'array' },
  },
  backToMnist: {
    dir: TO_WORKER,
    doc: 'Back to MNIST (kept in the worker: nothing is downloaded again) and the network that was on it when own data came in. Answers: `model` (source "restored"), `backOnMnist`; or `error` if MNIST is in use already.',
    fields: {},
  },
  runExperiment: {
    dir: TO_WORKER,
    doc: 'Run one of the paper\'s experiments (`id` from the `experiments` catalog of `ready`) on copies of the current network and data, in slices; training is paused first, and an experiment already running is stopped. Answers: `experimentStarted`, `experimentProgress`…, then `experimentResult` or `experimentFailed`.',
    fields: { id: 'string' },
  },
  stopExperiment: {
    dir: TO_WORKER,
    doc: 'Stop the running experiment after its current slice. Answer: `experimentResult` with `stopped: true` (nothing if none runs).',
    fields: {},
  },

  // ---- worker → page ----------------------------------------------------
  ready: {
    dir: TO_PAGE,
    doc: 'The wasm module is loaded and the handler installed: the page may send now. `cores`: the logical processors the browser reports; `workers`: how many train now. `wasm`: the build it runs, "relaxed" (relaxed SIMD, fused multiply-add) or "simd128" (wasm.js).',
    fields: { presets: 'array', settings: 'object', cores: 'integer', workers: 'integer', experiments: 'array', wasm: 'string' },
  },
  experimentStarted: {
    dir: TO_PAGE,
    doc: 'Experiment `id` is made (its copies taken) and runs. `pausedTraining`: training was running and was paused for it.',
    fields: { id: 'string', pausedTraining: 'boolean' },
  },
  experimentProgress: {
    dir: TO_PAGE,
    doc: 'One slice of experiment `id`: `progress` = {runIndex, runs, label, points: [{step, loss, accuracy}] (new ones only, finite), stepsTaken, stepsPlanned, runDone, done, notes}.',
    fields: { id: 'string', progress: 'object' },
  },
  experimentResult: {
    dir: TO_PAGE,
    doc: 'Experiment `id` is over: `result` = {id, title, paperRef, paperReported, shortened, runs: [{label, data, points, below, spike, rollback, test, summary, notes, …}], gradcheck, reconstruction, done}; `stopped`: Stop ended it early (the result holds what it showed until then).',
    fields: { id: 'string', result: 'object', stopped: 'boolean' },
  },
  experimentFailed: {
    dir: TO_PAGE,
    doc: 'Experiment `id` could not start or could not go on: `error` = {kind, field, message} from Rust (e.g. too few images loaded). The current network is untouched.',
    fields: { id: 'string', error: 'object' },
  },
  workers: {
    dir: TO_PAGE,
    doc: 'How many workers train (after `setWorkers`, or after a shard worker failed: then `message` says why there are fewer).',
    fields: { count: 'integer', message: 'string?' },
  },
  model: {
    dir: TO_PAGE,
    doc: 'A new network is in place: "pretrained" (the page\'s model file), "imported" (a file the reader chose), "fresh" (setPreset/reset), "own-data" (a fresh net for the reader\'s own data), "restored" (back to MNIST: the net that was on it), "resumed" (a restarted worker took over; the charts go on). Otherwise the charts restart. `custom`: the layers are a reader\'s own (setArchitecture, or a model file of another shape), trained with `preset`\'s settings.',
    fields: { source: 'string', preset: 'string', custom: 'boolean', settings: 'object', step: 'number', name: 'string?' },
  },
  checkpoint: {
    dir: TO_PAGE,
    doc: 'The last good weights — a new network, or one whose evaluation came out finite — as a safetensors file, with where the run stood. The page keeps the latest, to `resume` from if the worker dies.',
    fields: { bytes: 'u8array', step: 'number', epoch: 'integer' },
  },
  modelFile: {
    dir: TO_PAGE,
    doc: 'The answer to `exportModel`: the safetensors bytes, the preset ("custom" for any other architecture) and the steps trained on this page.',
    fields: { bytes: 'u8array', preset: 'string', step: 'number' },
  },
  crashed: {
    dir: TO_PAGE,
    doc: 'The wasm module trapped (a panic, memory exhausted, a bug): nothing in this worker can be trusted any more, and it closes itself. The page starts a new one and resumes from the last `checkpoint`.',
    fields: { message: 'string' },
  },
  settings: {
    dir: TO_PAGE,
    doc: 'The settings in force after a `configure`.',
    fields: { settings: 'object' },
  },
  configError: {
    dir: TO_PAGE,
    doc: 'A `configure` was refused, all of it. From the Rust error: `kind` ("config"), `field` the settings key it concerns as `configure` names it (learningRate, batchSize, epochs, seed, optimizer; "" if none), `message`. `settings`: those still in force.',
    fields: { kind: 'string', field: 'string', message: 'string', settings: 'object' },
  },
  dataManifest: {
    dir: TO_PAGE,
    doc: 'The manifest was read: rows and chunk count per split, and the data licence.',
    fields: { train: 'object', test: 'object', licence: 'string', source: 'string' },
  },
  dataProgress: {
    dir: TO_PAGE,
    doc: 'Loading progress of one split: `fraction` 0..1, chunks done/failed/total, rows in memory.',
    fields: {
      split: 'string', fraction: 'number', chunksDone: 'integer', chunksFailed: 'integer',
      chunks: 'integer', rows: 'integer', totalRows: 'integer', fromCache: 'integer',
    },
  },
  dataError: {
    dir: TO_PAGE,
    doc: 'One chunk (or the manifest) could not be used. `message` names the chunk, and the line and column for a malformed row (also as `line`, `column`). Chunks already loaded stay.',
    fields: { split: 'string', chunk: 'string', message: 'string', line: 'integer?', column: 'integer?' },
  },
  state: {
    dir: TO_PAGE,
    doc: 'Training started or stopped. `state`: the worker\'s state (worker-machine.js: loading, idle, training, pausing, evaluating, diverged, experimenting). `reason`: "started", "waiting" (no training data yet), "paused", "done", "diverged", "error", "reset"; `message` explains "done", "diverged" and "error" (the Rust error\'s message: the step, the weights kept, what to try).',
    fields: { state: 'string', running: 'boolean', reason: 'string', message: 'string?', step: 'number', epoch: 'integer' },
  },
  training: {
    dir: TO_PAGE,
    doc: 'One slice of training: per-batch `batches` [{step, loss, accuracy}] (finite values only), position, speed (images/s over the last ~3 s of training steps, evaluations not counted) and `elapsedMs`, the wall time spent training (evaluations included, pauses not) since the last reset.',
    fields: {
      batches: 'array', step: 'number', epoch: 'integer', epochs: 'integer',
      imagesPerSecond: 'number', elapsedMs: 'number',
    },
  },
  stalled: {
    dir: TO_PAGE,
    doc: 'The training loss has not moved for a while and the accuracy is near chance (the session\'s stall detector: dead ReLUs, say). `message` starts "the loss has not changed for N steps" and says what to try; `step` is where it was noticed. Training goes on.',
    fields: { step: 'number', message: 'string' },
  },
  network: {
    dir: TO_PAGE,
    doc: 'The network layer by layer, with a new network and after each evaluation: `input` shape, `layers` [{index, name ("conv 1", "pool 1", "dense 1"…), kind, outputShape, parameters, section (the paper\'s)}], `objective` {name, section}, `totalParameters`, and `weightImages` [{name ("Filters of conv 1"…), count, height, width, values: Float32Array}].',
    fields: { step: 'number', input: 'array', layers: 'array', objective: 'object', totalParameters: 'integer', weightImages: 'array' },
  },
  archDescription: {
    dir: TO_PAGE,
    doc: 'A stack that can be trained (the answer to `describeArch` #id; #0: the current network, sent with every new one): its canonical text `arch`, `input` shape, `layers` [{index, name ("conv 1", "flatten", "dense 1"…), kind, outputShape, parameters, spec (the layer as in a spec)}], `objective` and `totalParameters`.',
    fields: { id: 'integer', arch: 'string', input: 'array', layers: 'array', objective: 'string', totalParameters: 'integer' },
  },
  archRefused: {
    dir: TO_PAGE,
    doc: 'A stack that cannot be trained (the answer to `describeArch` #id; #0: the current network is beyond the editor\'s limits). `message` names the layer and what is wrong ("conv 2 needs an odd kernel for same padding (it has 4)"); `field` what is wrong (kernel, units, filters, alpha, size, parameters, output, layers, objective, arch); `layer` its name and `index` its position, when it is about one; `layers` [{name, spec}]: the stack as checked (a flatten added), for an answer about the editor\'s layers.',
    fields: { id: 'integer', field: 'string', message: 'string', layer: 'string?', index: 'integer?', layers: 'array?' },
  },
  featureMaps: {
    dir: TO_PAGE,
    doc: 'For the drawing of `predict` #id: the output of every conv and pool layer, [{index, name, channels, height, width, values: Float32Array}] (empty for an MLP). Follows each `prediction` with probabilities.',
    fields: { id: 'integer', step: 'number', maps: 'array' },
  },
  testImages: {
    dir: TO_PAGE,
    doc: 'The answer to `testImagesWhere`: test-set `indices`, their `images` (Uint8Array, 784 bytes each) and `confidences`, from the first `scanned` test images, with the weights of `step`.',
    fields: {
      label: 'integer', predicted: 'integer', indices: 'array', images: 'u8array', confidences: 'array', scanned: 'integer', step: 'number',
    },
  },
  evaluation: {
    dir: TO_PAGE,
    doc: 'Test loss and accuracy at `step` on `examples` test images (`full`: all of them), with the confusion matrix (`confusion[true][predicted]`, 10×10 counts summing to `examples`); `ms` is how long the worker spent on it.',
    fields: { step: 'number', epoch: 'integer', examples: 'integer', loss: 'number', accuracy: 'number', full: 'boolean', confusion: 'array', ms: 'number' },
  },
  prediction: {
    dir: TO_PAGE,
    doc: 'Probabilities for the image of `predict` #id (null if it was cleared); `retrained` when it is a re-prediction by a newer net.',
    fields: { id: 'integer', probabilities: 'array?', step: 'number', retrained: 'boolean' },
  },
  gallery: {
    dir: TO_PAGE,
    doc: 'Test images with the net\'s answers: some it gets right, some it gets wrong (each {index, label, prediction, confidence, pixels: Uint8Array(784)}), from the first `scanned` test images.',
    fields: { step: 'number', correct: 'array', mistakes: 'array', scanned: 'integer' },
  },
  ownDataProgress: {
    dir: TO_PAGE,
    doc: 'Reading own data: `rows` rows of `file` parsed so far (every few thousand rows, and at the end of each file).',
    fields: { file: 'string', rows: 'integer' },
  },
  ownData: {
    dir: TO_PAGE,
    doc: 'Own data is in use: sizes, `classNames` (from a `# classes:` first line; may be empty or fewer than ten), which file trains and which tests, `split` ("every-sixth-row", "by-name", "by-rows") and `description`, a sentence saying so.',
    fields: {
      trainSize: 'integer', testSize: 'integer', classNames: 'array', trainFile: 'string', testFile: 'string',
      split: 'string', description: 'string',
    },
  },
  ownDataFailed: {
    dir: TO_PAGE,
    doc: 'The own data was refused; nothing changed. `message` names the file, and for a bad row the line (1-based, the classes line and header counted) and column ("line 17, column 101"), also as `file`, `line`, `column`. `kind`: the Rust error\'s kind (data, config, internal).',
    fields: { message: 'string', kind: 'string', file: 'string?', line: 'integer?', column: 'integer?' },
  },
  backOnMnist: {
    dir: TO_PAGE,
    doc: 'MNIST is in use again (after `backToMnist`), with the images loaded so far.',
    fields: { trainSize: 'integer', testSize: 'integer' },
  },
  error: {
    dir: TO_PAGE,
    doc: 'A request failed (`request` is its type); the worker carries on. `kind` is the Rust error\'s kind (config, data, model, diverged, internal); `field`, when present, the setting it is about.',
    fields: { request: 'string', message: 'string', kind: 'string', field: 'string?' },
  },

  // ---- training worker → shard worker -----------------------------------
  shardModel: {
    dir: TO_SHARD_WORKER,
    doc: 'Build a network of this architecture (ModelSpec JSON); its weights come with each shard.',
    fields: { spec: 'string' },
  },
  shard: {
    dir: TO_SHARD_WORKER,
    doc: 'Compute Σ ∂e/∂w over `labels.length` images (784 bytes each) with the flat `weights`. Answer: `shardGradients` or `shardError` with the same id.',
    fields: { id: 'integer', weights: 'f32array', images: 'u8array', labels: 'u8array' },
  },

  evaluateShard: {
    dir: TO_SHARD_WORKER,
    doc: 'Test loss, answers and confusion matrix over `labels.length` images (784 bytes each) with the flat `weights`, for a piece of an evaluation. Answer: `shardEvaluation` or `shardError` with the same id.',
    fields: { id: 'integer', weights: 'f32array', images: 'u8array', labels: 'u8array' },
  },

  // ---- shard worker → training worker -----------------------------------
  shardReady: {
    dir: FROM_SHARD_WORKER,
    doc: 'The wasm module is loaded and the handler installed.',
    fields: {},
  },
  shardGradients: {
    dir: FROM_SHARD_WORKER,
    doc: 'Shard #id done: flat gradient sums (in the buffer the weights came in, handed back for the next step\'s), and the examples, Σ loss and correct answers they cover; `ms`: the wall time it took (shards.js sizes the next shards by each worker\'s speed).',
    fields: { id: 'integer', gradients: 'f32array', examples: 'integer', loss: 'number', correct: 'integer', ms: 'number' },
  },
  shardEvaluation: {
    dir: FROM_SHARD_WORKER,
    doc: 'Evaluation piece #id done: `sums` = {examples, lossSum, confusion: {counts}} (the core\'s EvalSums), added to the session\'s evaluation by `addEvaluation`.',
    fields: { id: 'integer', sums: 'object' },
  },
  shardError: {
    dir: FROM_SHARD_WORKER,
    doc: 'Shard #id (−1: none, e.g. at start-up) failed; `message` is the error.',
    fields: { id: 'integer', message: 'string' },
  },
};

// Returns a list of problems (empty when the message fits its entry).
function problems(data, direction) {
  if (!TYPES.object(data) || typeof data.type !== 'string') {
    return ['not a message object with a string `type`'];
  }
  const entry = MESSAGES[data.type];
  if (!entry) return [`unknown message type "${data.type}"`];
  if (direction && entry.dir !== direction) {
    return [`"${data.type}" goes ${entry.dir}, not ${direction}`];
  }
  const found = [];
  for (const [name, spec] of Object.entries(entry.fields)) {
    const optional = spec.endsWith('?');
    const type = optional ? spec.slice(0, -1) : spec;
    const value = data[name];
    if (value === undefined || value === null) {
      if (!optional) found.push(`"${data.type}" needs field \`${name}\` (${type})`);
    } else if (!TYPES[type](value)) {
      found.push(`"${data.type}".${name} should be ${type}, got ${describe(value)}`);
    }
  }
  for (const name of Object.keys(data)) {
    if (name !== 'type' && !(name in entry.fields)) {
      found.push(`"${data.type}" has no field \`${name}\``);
    }
  }
  return found;
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** Builds message `type` with `fields`; throws if it does not fit MESSAGES[type]. */
export function message(type, fields = {}) {
  const data = { type, ...fields };
  const found = problems(data);
  if (found.length) throw new Error(`protocol: ${found.join('; ')}`);
  return data;
}

/** Validates an incoming message; returns it or throws naming what is wrong. */
export function check(data, direction) {
  const found = problems(data, direction);
  if (found.length) throw new Error(`protocol: ${found.join('; ')}`);
  return data;
}
