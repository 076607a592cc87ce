// Every setting the page knows, in one table: its name, how its text is read
// and written, its range, its form control, its key in the URL fragment, and
// how it reaches the worker. The form (controls.js), the messages to the
// worker and the URL (page-link.js) all derive from SETTINGS, so a new
// setting is one more entry. Nothing here touches the DOM: Node tests it.
//
// Two ways in, two levels of checking:
// - typed into the form (`parseSetting`): only what cannot even be sent is
//   refused here (not a number, a fraction where a count is needed);
//   whether a number is in range is for Rust's `configure` to say, and its
//   refusal (`configError`, with the field) lands next to the same field;
// - read from the URL (`readFragment`): also range-checked here, so that a
//   bad link is refused visibly, by key and value, before anything is sent,
//   and the page starts from the default instead.

import { WHOLE_PAGE, formatViewList, parseViewList } from './views.js';

export const PRESETS = ['paper-cnn', 'paper-mlp', 'cnn', 'mlp'];
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'];
/** The experiments of the lab (crates/groundup/src/lab/catalog.rs, EXPERIMENT_IDS), in page order. */
export const EXPERIMENT_IDS = [
  'gradcheck', 'overfit-one', 'overfit-five', 'reproduce', 'fig8', 'sigmoid-vs-leaky', 'sgd-vs-adam', 'paper-cnn-recipe',
];
/** The default of the `experiment` key: none runs. */
export const NO_EXPERIMENT = 'no experiment';
/** The network the page starts with when the URL names none (the pretrained one is a cnn). */
export const DEFAULT_PRESET = 'cnn';

// How a setting reaches the worker.
export const ROUTE = {
  network: 'network', // setPreset {preset} (a new, untrained net), or reset {preset} at a fresh start
  configure: 'configure', // configure {settings: {[name]: value}}
  workers: 'workers', // setWorkers {count}
  architecture: 'architecture', // setArchitecture {arch}: a fresh net of that stack (arch-editor.js)
  page: 'page', // not sent: the page alone uses it (the view); kept in the URL as given
  reserved: 'reserved', // a URL key that later versions will own: kept in the URL, not read
};

// `default: FROM_NETWORK`: the value comes with the network (the preset's own
// settings, or those of the pretrained file), so the page learns it from the
// worker. The worker's count comes with its `ready`.
export const FROM_NETWORK = 'from the network';
export const FROM_WORKER = 'from the worker';

// ---- reading text --------------------------------------------------------
// Each parser returns {value} or {error}, the error a phrase that follows the
// text it is about: `"abc" is not a number`, `lr=abc is not a number`.

function parseChoice(choices) {
  return (text) => (choices.includes(text) ? { value: text } : { error: `is not one of ${choices.join(', ')}` });
}

// Decimal numbers as people type them: "0.01", ".5", "1e-3". Number() alone
// would also take "0x10", "Infinity" and "" (as 0).
function parseDecimal(text) {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return { error: 'is not a number' };
  const value = Number(text);
  return Number.isFinite(value) ? { value } : { error: 'is not a number' };
}

// Integers as people type them: digits, optionally grouped with commas,
// spaces or underscores ("10,000"). A leading minus is read, so that the
// range check (or the form's "negative") can say what is wrong.
function parseWhole(text) {
  const clean = text.replace(/[,_\s]/g, '');
  if (!/^-?\d+$/.test(clean)) return { error: 'is not a whole number' };
  const value = Number(clean);
  return Number.isSafeInteger(value) ? { value } : { error: 'is too large' };
}

const formatPlain = (value) => String(value);
// Six significant digits: 0.1 + 0.2 is shown as "0.3".
const formatDecimal = (value) => String(Number(Number(value).toPrecision(6)));

// ---- ranges --------------------------------------------------------------
// `contains(value, context)`; `text(context)` completes "… is not ___".
// `context.cores` is the worker's count of logical processors.

const between = (min, max) => ({
  contains: (value, context) => value >= min && value <= resolve(max, context),
  text: (context) => `between ${min} and ${resolve(max, context)}`,
});
const resolve = (bound, context) => (typeof bound === 'function' ? bound(context) : bound);
const positiveUpTo = (max) => ({
  contains: (value) => value > 0 && value <= max,
  text: () => `a positive number up to ${max}`,
});
const coresText = (context) => `between 1 and ${context.cores} (the cores this browser reports)`;

// Rust's own limits (crates/groundup/src/train.rs: MAX_BATCH, MAX_EPOCHS,
// the optimizer's learning-rate check); Rust checks again on `configure`.
const MAX_LEARNING_RATE = 10;
const MAX_BATCH = 10_000;
const MAX_EPOCHS = 1_000;

// ---- the table -----------------------------------------------------------

/**
 * One entry per setting:
 * - name: the key in `configure` and in the worker's `settings`
 * - urlKey: its key in the URL fragment (a contract: links and tests use it)
 * - control: the id of its form control (its refusal goes in `#<control>-error`)
 * - route: how it reaches the worker (ROUTE)
 * - parse(text) → {value} | {error}, format(value) → text (form and URL)
 * - range: what a URL value must be in (typed values are checked by Rust)
 * - default: the value when neither the URL nor the reader gives one
 * - example: shown after a refusal of typed text
 */
export const SETTINGS = [
  {
    name: 'preset', urlKey: 'preset', control: 'preset', route: ROUTE.network,
    parse: parseChoice(PRESETS), format: formatPlain, default: DEFAULT_PRESET,
  },
  {
    name: 'optimizer', urlKey: 'optimizer', control: 'optimizer', route: ROUTE.configure,
    parse: parseChoice(OPTIMIZERS), format: formatPlain, default: FROM_NETWORK,
  },
  {
    name: 'learningRate', urlKey: 'lr', control: 'learningRate', route: ROUTE.configure,
    parse: parseDecimal, format: formatDecimal, range: positiveUpTo(MAX_LEARNING_RATE),
    default: FROM_NETWORK, example: '0.01',
  },
  {
    name: 'batchSize', urlKey: 'batch', control: 'batchSize', route: ROUTE.configure,
    parse: parseWhole, format: formatPlain, range: between(1, MAX_BATCH), default: FROM_NETWORK,
  },
  {
    name: 'epochs', urlKey: 'epochs', control: 'epochs', route: ROUTE.configure,
    parse: parseWhole, format: formatPlain, range: between(1, MAX_EPOCHS), default: FROM_NETWORK,
  },
  {
    name: 'seed', urlKey: 'seed', control: 'seed', route: ROUTE.configure,
    parse: parseWhole, format: formatPlain, range: between(0, Number.MAX_SAFE_INTEGER), default: FROM_NETWORK,
  },
  {
    name: 'workers', urlKey: 'workers', control: 'workers', route: ROUTE.workers,
    parse: parseWhole, format: formatPlain,
    range: { contains: (value, context) => value >= 1 && value <= context.cores, text: coresText },
    default: FROM_WORKER,
  },
  // The panels shown (views.js): "draw,train". Page-only: nothing is sent
  // and training is not affected; embed-page.js puts it in force. Unknown
  // panels are refused by name while the known ones apply (`parse` returns
  // both `value` and `error`).
  {
    name: 'view', urlKey: 'view', route: ROUTE.page,
    parse: parseViewList, format: formatViewList, default: WHOLE_PAGE,
  },
  // The paper's experiment to run as the page opens ("#experiment=fig8";
  // lab.js). Page-only: the experiment runs on copies, the network and its
  // training are not affected. The ids are the core's (groundup::lab).
  {
    name: 'experiment', urlKey: 'experiment', route: ROUTE.page,
    parse: parseChoice(EXPERIMENT_IDS), format: formatPlain, default: NO_EXPERIMENT,
  },
  // The architecture editor's stack, as one line of text
  // ("conv8k5-lrelu-pool-dense32-relu-dense10"; the grammar is Rust's,
  // crates/groundup/src/arch/mod.rs). Only Rust can say whether it can be
  // trained: the page asks the worker (`describeArch`) before using a URL's
  // (arch-editor.js `vetUrl`), and refuses it by key and value if not. Not in
  // the form: the editor writes it after every valid edit.
  {
    name: 'arch', urlKey: 'arch', route: ROUTE.architecture,
    parse: (text) => ({ value: text }), format: formatPlain,
  },
];

const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));
const BY_URL_KEY = new Map(SETTINGS.map((s) => [s.urlKey, s]));

/** The table entry of setting `name` (undefined if there is none). */
export const settingNamed = (name) => BY_NAME.get(name);

/** The settings that have a form control, in table order. */
export const FORM_SETTINGS = SETTINGS.filter((s) => s.control);

// ---- typed text ------------------------------------------------------------

/**
 * Reads setting `name` from the text of its field. Returns `{value}` or
 * `{error}`, a message meant for beside the field. No range check: Rust's
 * refusal names the range.
 */
export function parseSetting(name, text) {
  const entry = BY_NAME.get(name);
  if (!entry?.parse) return { error: `unknown setting ${name}` };
  const raw = String(text ?? '').trim();
  if (raw === '') return { error: 'enter a value' };
  const result = entry.parse(raw);
  if (result.error) {
    return { error: `"${raw}" ${result.error}${entry.example ? ` (e.g. ${entry.example})` : ''}` };
  }
  // Rust reads counts and seeds as unsigned integers: a negative one would
  // fail in serde with a message that names no field, so say it here.
  if (entry.parse === parseWhole && result.value < 0) return { error: 'cannot be negative' };
  return result;
}

/** How a setting is written into its field and the URL ("0.004", "64"). */
export function formatSetting(name, value) {
  const entry = BY_NAME.get(name);
  return entry?.format ? entry.format(value) : String(value);
}

// ---- the URL fragment --------------------------------------------------------

const fragmentParams = (hash) => new URLSearchParams(String(hash ?? '').replace(/^#/, ''));

/**
 * Reads the settings in a URL fragment ("#lr=0.05&batch=250"). `context`:
 * {cores}. Returns `{values, problems}`: `values` maps setting names to the
 * values accepted; each problem `{key, raw, reason, name?}` is a refused
 * value (`name` set: its default applies; `kept` set too: the part of the
 * value that could be read applies, e.g. the known panels of a view) or a key
 * this page does not know. Reserved keys are skipped silently.
 */
export function readFragment(hash, context) {
  const values = {};
  const problems = [];
  for (const [key, raw] of fragmentParams(hash)) {
    const entry = BY_URL_KEY.get(key);
    if (!entry) {
      problems.push({ key, raw, reason: 'is not a setting this page knows' });
      continue;
    }
    if (entry.route === ROUTE.reserved) continue;
    if (entry.name in values || problems.some((p) => p.name === entry.name)) {
      problems.push({ key, raw, reason: `repeats ${key}, which was already given` });
      continue;
    }
    const refuse = (reason) => problems.push({ key, raw, reason, name: entry.name });
    const text = raw.trim();
    if (text === '') {
      refuse('is empty');
      continue;
    }
    const parsed = entry.parse(text);
    if (parsed.error && parsed.value !== undefined) {
      // Partly readable ("view=draw,nonsense"): the readable part applies.
      values[entry.name] = parsed.value;
      problems.push({ key, raw, reason: parsed.error, name: entry.name, kept: parsed.value });
    } else if (parsed.error) {
      refuse(parsed.error);
    } else if (entry.range && !entry.range.contains(parsed.value, context)) {
      refuse(`is not ${entry.range.text(context)}`);
    } else {
      values[entry.name] = parsed.value;
    }
  }
  return { values, problems };
}

/**
 * The message for a problem of `readFragment`: it names the key and the raw
 * value, and what the page does instead. `defaults` maps setting names to the
 * values that apply when the URL's is refused.
 */
export function describeProblem({ key, raw, reason, name, kept }, defaults = {}) {
  const given = `URL: ${key}=${raw} ${reason}`;
  if (!name) return `${given}; ignored.`;
  if (kept !== undefined) return `${given}; using ${formatSetting(name, kept)}.`;
  const fallback = defaults[name];
  if (fallback === undefined || fallback === null) {
    // A default the table can name by itself ("the whole page"), not one that comes from the network.
    const own = BY_NAME.get(name)?.default;
    if (own === WHOLE_PAGE) return `${given}; showing ${own}.`;
    if (own === NO_EXPERIMENT) return `${given}; none runs.`;
    return `${given}; using the default.`;
  }
  return `${given}; using the default ${formatSetting(name, fallback)}.`;
}

/**
 * The fragment (without "#") for `values` (setting name → value, only the
 * settings the URL should carry), in table order, followed by every key of
 * `previousHash` this page does not own (reserved or unknown), unchanged.
 * A page setting (the view) that `values` does not give keeps its place and
 * text from `previousHash`: the worker never reports it.
 */
export function writeFragment(values, previousHash = '') {
  const params = new URLSearchParams();
  const previous = fragmentParams(previousHash);
  for (const entry of SETTINGS) {
    if (entry.route === ROUTE.reserved) continue;
    if (values[entry.name] !== undefined) {
      params.append(entry.urlKey, entry.format(values[entry.name]));
    } else if (entry.route === ROUTE.page) {
      for (const raw of previous.getAll(entry.urlKey)) params.append(entry.urlKey, raw);
    }
  }
  for (const [key, raw] of previous) {
    const entry = BY_URL_KEY.get(key);
    if (!entry || entry.route === ROUTE.reserved) params.append(key, raw);
  }
  // Commas as they were typed ("view=curves,train"): URLSearchParams writes
  // them as %2C, and reads both the same.
  return params.toString().replace(/%2C/gi, ',');
}

// ---- messages to the worker ------------------------------------------------------

/**
 * The worker messages `[type, fields]` that put `values` in force, in the
 * order the worker must see them. `fresh`: start over from untrained weights
 * of `values.preset` (or DEFAULT_PRESET): setPreset, then configure (the seed
 * applies at the reset), setWorkers, reset — or, with an `arch`,
 * setArchitecture, a fresh net of that stack with the preset's settings as
 * configured. Otherwise a preset is a setPreset and the rest configures the
 * network in place.
 */
export function workerMessages(values, { fresh = false } = {}) {
  const configure = {};
  const preset = fresh ? (values.preset ?? DEFAULT_PRESET) : values.preset;
  let workers;
  for (const entry of SETTINGS) {
    const value = values[entry.name];
    if (value === undefined) continue;
    if (entry.route === ROUTE.configure) configure[entry.name] = value;
    if (entry.route === ROUTE.workers) workers = value;
  }
  const messages = [];
  if (preset !== undefined) messages.push(['setPreset', { preset }]);
  if (Object.keys(configure).length) messages.push(['configure', { settings: configure }]);
  if (workers !== undefined) messages.push(['setWorkers', { count: workers }]);
  if (fresh && values.arch !== undefined) messages.push(['setArchitecture', { arch: values.arch }]);
  else if (fresh) messages.push(['reset', { preset }]);
  return messages;
}
