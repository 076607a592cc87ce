// The training settings form: reading and checking what the reader typed,
// showing a refusal next to its field, and filling the fields from the
// settings the worker reports.
//
// The checks here catch only what cannot even be sent: an empty field, text
// that is not a number, a fraction where a count is needed, a seed beyond
// what a JavaScript number holds exactly. Whether a number is in range is
// for Rust's `configure` to say (one rule, in one place); its error starts
// with the field's name and lands next to the same field.

export const OPTIMIZERS = ['sgd', 'momentum', 'adam'];

// Integers as people type them: digits, optionally grouped with commas,
// spaces or underscores ("10,000"); a leading minus is read so that the
// message can say "negative" rather than "not a number".
function parseWhole(text) {
  const clean = text.replace(/[,_\s]/g, '');
  return /^-?\d+$/.test(clean) ? Number(clean) : NaN;
}

/**
 * Parses one setting from the text of its field. Returns `{value}` or
 * `{error}` with a message meant to be shown next to the field.
 */
export function parseSetting(name, text) {
  const raw = String(text ?? '').trim();
  if (name === 'optimizer') {
    return OPTIMIZERS.includes(raw) ? { value: raw } : { error: `choose ${OPTIMIZERS.join(', ')}` };
  }
  if (raw === '') return { error: 'enter a value' };
  if (name === 'learningRate') {
    // Number() also takes "1e-3" and ".01"; "", "0x10" and "Infinity" are refused.
    const value = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw) ? Number(raw) : NaN;
    return Number.isFinite(value) ? { value } : { error: `"${raw}" is not a number (e.g. 0.01)` };
  }
  if (!['batchSize', 'epochs', 'seed'].includes(name)) return { error: `unknown setting ${name}` };
  const value = parseWhole(raw);
  if (!Number.isSafeInteger(value)) {
    return { error: Number.isNaN(value) ? `"${raw}" is not a whole number` : `${raw} is too large` };
  }
  // Rust reads these as unsigned integers: a negative one would fail in
  // serde with a message that names no field, so say it here instead.
  if (value < 0) return { error: 'cannot be negative' };
  return { value };
}

/** The settings key a Rust configure error is about ("learning rate: …" → learningRate). */
export function fieldOfError(message) {
  const prefixes = [
    ['learning rate', 'learningRate'],
    ['batch size', 'batchSize'],
    ['epochs', 'epochs'],
    ['seed', 'seed'],
    ['optimizer', 'optimizer'],
    ['momentum', 'optimizer'],
  ];
  const text = String(message).toLowerCase();
  for (const [prefix, key] of prefixes) if (text.startsWith(prefix)) return key;
  return '';
}

/** How a setting is written into its field ("0.004", "64"). */
export function formatSetting(name, value) {
  if (name === 'learningRate') return String(Number(value.toPrecision(6)));
  return String(value);
}

export const SETTING_NAMES = ['optimizer', 'learningRate', 'batchSize', 'epochs', 'seed'];

/**
 * Binds the form: calls `onChange(name, value)` when a field changes to a
 * valid value (on `change`, i.e. Enter or leaving the field), and shows a
 * refusal next to the field when it is not valid.
 */
export class Controls {
  constructor(form, { onChange, onPreset, onWorkers }) {
    this.form = form;
    this.fields = {};
    for (const name of [...SETTING_NAMES, 'preset']) {
      this.fields[name] = form.querySelector(`#${name}`);
    }
    for (const name of SETTING_NAMES) {
      this.fields[name].addEventListener('change', () => {
        const result = parseSetting(name, this.fields[name].value);
        if (result.error) {
          this.showError(name, result.error);
        } else {
          this.showError(name, '');
          onChange(name, result.value);
        }
      });
    }
    this.fields.preset.addEventListener('change', () => onPreset(this.fields.preset.value));
    this.fields.workers = form.querySelector('#workers');
    this.fields.workers.addEventListener('change', () => onWorkers(Number(this.fields.workers.value)));
    // Enter in a text field would submit the form (and reload the page).
    form.addEventListener('submit', (event) => event.preventDefault());
  }

  /** Fills every field from the worker's settings and clears the refusals. */
  show(settings) {
    if (settings.preset && settings.preset !== 'custom') this.fields.preset.value = settings.preset;
    for (const name of SETTING_NAMES) {
      if (settings[name] === undefined) continue;
      this.fields[name].value = formatSetting(name, settings[name]);
      this.showError(name, '');
    }
  }

  /**
   * Shows how many workers train; with `cores`, first offers 1..cores
   * (a one-core machine gets a single, disabled choice).
   */
  showWorkers(count, cores) {
    const select = this.fields.workers;
    if (cores !== undefined) {
      select.replaceChildren();
      for (let n = 1; n <= cores; n++) {
        select.append(new Option(n === 1 ? '1 (no helpers)' : String(n), String(n)));
      }
      select.disabled = cores <= 1;
    }
    select.value = String(count);
    this.showError('workers', '');
  }

  /** Shows (or, with '', clears) a refusal next to field `name`. */
  showError(name, text) {
    const field = this.fields[name] ?? this.fields.preset;
    const box = this.form.querySelector(`#${field.id}-error`);
    box.textContent = text;
    if (text) {
      field.setAttribute('aria-invalid', 'true');
    } else {
      field.removeAttribute('aria-invalid');
    }
  }

  /** The first field showing a refusal, or null. */
  firstInvalid() {
    return Object.values(this.fields).find((field) => field.getAttribute('aria-invalid') === 'true') ?? null;
  }

  /** While training, the network cannot change under the optimizer's feet. */
  setTraining(training) {
    this.fields.preset.disabled = training;
  }
}
