// The training settings form: one control per entry of the settings table
// (settings.js) that has one, read with the table's parser, a refusal shown
// next to its field, and the fields filled from the settings the worker
// reports.
//
// Typed values are checked here only for what cannot even be sent (empty,
// not a number, a fraction where a count is needed); whether a number is in
// range is for Rust's `configure` to say, and its `configError` names the
// field it is about, so the refusal lands next to the same field.

import { FORM_SETTINGS, formatSetting, parseSetting } from './settings.js';

export class Controls {
  /**
   * Binds the form: calls `onChange(name, value)` when a control changes to
   * a valid value (on `change`: Enter, leaving the field, a new choice), and
   * shows a refusal next to the control when it is not valid.
   */
  constructor(form, { onChange }) {
    this.form = form;
    this.fields = {};
    for (const entry of FORM_SETTINGS) {
      const field = form.querySelector(`#${entry.control}`);
      this.fields[entry.name] = field;
      field.addEventListener('change', () => {
        const result = parseSetting(entry.name, field.value);
        this.showError(entry.name, result.error ?? '');
        if (!result.error) onChange(entry.name, result.value);
      });
    }
    // Enter in a text field would submit the form (and reload the page).
    form.addEventListener('submit', (event) => event.preventDefault());
  }

  /**
   * Fills the fields of the settings given and clears their refusals. With
   * `keepEdits`, leaves alone a field the reader is editing or that shows a
   * refusal (a report that crosses the reader's typing must not undo it).
   */
  show(settings, { keepEdits = false } = {}) {
    for (const [name, field] of Object.entries(this.fields)) {
      const value = settings[name];
      if (value === undefined || value === null) continue;
      if (keepEdits && (field === document.activeElement || field.getAttribute('aria-invalid') === 'true')) continue;
      const text = formatSetting(name, value);
      // A choice the list does not offer (the preset of an imported file is "custom").
      if (field.tagName === 'SELECT' && ![...field.options].some((option) => option.value === text)) continue;
      field.value = text;
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
    this.show({ workers: count });
  }

  /**
   * Shows (or, with '', clears) a refusal next to the control of setting
   * `name`. Returns false when no control has that name.
   */
  showError(name, text) {
    const field = this.fields[name];
    if (!field) return false;
    this.form.querySelector(`#${field.id}-error`).textContent = text;
    if (text) {
      field.setAttribute('aria-invalid', 'true');
    } else {
      field.removeAttribute('aria-invalid');
    }
    return true;
  }

  /**
   * A refusal from the worker: the message next to the field; a list goes
   * back to the choice in force (`settings`), since it cannot show the one
   * that was refused. Returns false when no control has that name.
   */
  refuse(name, text, settings) {
    const field = this.fields[name];
    if (!field) return false;
    if (field.tagName === 'SELECT') this.show({ [name]: settings[name] });
    return this.showError(name, text);
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
