// "Your own network": the architecture editor. Shows the current network's
// layers, lets the reader add (before the output layer), remove, reorder
// and edit them, with each layer's output shape and parameter count and
// the total, and trains the result from scratch ("Train this").
//
// Whether a stack can be trained, and its shapes and counts, are Rust's to
// say (crates/groundup/src/arch/): every edit goes to the worker as
// `describeArch {layers}` and comes back as `archDescription` (then it is
// written into the URL as `arch`) or `archRefused` (its reason, which names
// the layer, in the alert; the URL keeps the last valid stack). A URL's
// `arch` is checked the same way before it is used (`vetUrl`). The list
// operations are arch-layers.js's. DOM built from nodes, no innerHTML.

import { LAYER_FIELDS, LAYER_KINDS, OBJECTIVES, addLayer, moveLayer, readField, removeLayer, setField } from './arch-layers.js';

const number = (n) => Math.round(n).toLocaleString('en');
const shapeText = (shape) => shape.join('×');
// A hostile URL value can be long: the refusal quotes its start.
const MAX_QUOTED = 80;

export class ArchEditor {
  /**
   * `el`: {list (ol), total, alert (role=alert), kind (select), add, objective
   * (select), train (buttons), status (role=status)}. `send(type, fields)`
   * talks to the worker; `link` (page-link.js) and `inForce` (the settings
   * the URL is written from) carry the `arch` key; `train()` starts training.
   */
  constructor(el, { send, link, inForce, train }) {
    Object.assign(this, { el, send, link, inForce, train });
    this.layers = []; // the stack shown, each as in a spec
    this.names = []; // their names ("conv 2"), from Rust
    this.description = null; // Rust's description of `layers`, or null while refused or asked
    this.asked = 0; // the id of the last describeArch about the editor's stack
    this.nextId = 1; // 0 is the current network
    this.waiting = new Map(); // id → resolve, for vetUrl
    this.focusAfter = null; // the id of the element to focus after the next render
    this.error = null; // the refusal shown
    for (const [type, label] of LAYER_KINDS) el.kind.append(new Option(label, type));
    for (const [name, label] of OBJECTIVES) el.objective.append(new Option(label, name));
    el.add.addEventListener('click', () => {
      const { layers, index } = addLayer(this.layers, el.kind.value);
      this.focusAfter = `arch-${index}-remove`;
      this.edit(layers);
    });
    el.objective.addEventListener('change', () => this.edit(this.layers));
    el.train.addEventListener('click', () => this.trainThis());
    this.render();
  }

  /**
   * The URL's settings with its `arch` checked by Rust: kept (in its
   * canonical text) if the stack can be trained, else refused by key and
   * value and dropped, so the page starts from the default.
   */
  async vetUrl({ values, problems }) {
    if (values.arch === undefined) return { values, problems };
    const raw = values.arch;
    const answer = await this.ask({ arch: raw });
    if (answer.type === 'archDescription') {
      values.arch = answer.arch;
      this.inForce.arch = answer.arch;
    } else {
      delete values.arch;
      const quoted = raw.length > MAX_QUOTED ? `${raw.slice(0, MAX_QUOTED)}…` : raw;
      problems.push({ key: 'arch', raw: quoted, reason: `is refused: ${answer.message}`, name: 'arch' });
    }
    return { values, problems };
  }

  /** The worker's `archDescription`. */
  described(d) {
    if (this.answered(d)) return;
    if (d.id !== 0 && d.id !== this.asked) return; // an older edit's
    this.layers = d.layers.map((l) => l.spec);
    this.names = d.layers.map((l) => l.name);
    this.description = d;
    this.el.objective.value = d.objective;
    this.showError(null);
    if (d.id !== 0) {
      // A valid edit: the URL carries it.
      this.inForce.arch = d.arch;
      this.link.choose('arch');
      this.link.update(this.inForce);
      this.el.status.textContent = `Valid: ${number(d.totalParameters)} parameters. Press Train this to train it from scratch.`;
    } else {
      this.el.status.textContent = '';
    }
    this.render();
  }

  /** The worker's `archRefused`. */
  refused(r) {
    if (this.answered(r)) return;
    if (r.id !== 0 && r.id !== this.asked) return;
    if (r.layers) {
      this.layers = r.layers.map((l) => l.spec);
      this.names = r.layers.map((l) => l.name);
    }
    this.description = null;
    this.el.status.textContent = '';
    this.showError(r.id === 0 ? `The current network is beyond this editor: ${r.message}` : r.message);
    this.render();
  }

  // ---- inside ----------------------------------------------------------------

  /** An answer to vetUrl's question: true if it was one. */
  answered(answer) {
    const resolve = this.waiting.get(answer.id);
    if (!resolve) return false;
    this.waiting.delete(answer.id);
    resolve(answer);
    return true;
  }

  ask(fields) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.send('describeArch', { id, ...fields });
    });
  }

  /** A new stack: Rust is asked about it; it is shown with the answer. */
  edit(layers) {
    this.layers = layers;
    this.description = null;
    this.asked = this.nextId++;
    this.el.train.disabled = true;
    this.send('describeArch', { id: this.asked, layers, objective: this.el.objective.value });
  }

  trainThis() {
    if (!this.description) return;
    const { arch } = this.description;
    this.inForce.arch = arch;
    this.link.choose('arch');
    this.link.update(this.inForce);
    this.send('setArchitecture', { arch });
    this.train();
    this.el.status.textContent = `Training ${arch} from scratch.`;
  }

  showError(text) {
    this.error = text;
    this.el.alert.textContent = text ?? '';
  }

  render() {
    const focused = document.activeElement?.id;
    const d = this.description;
    this.el.list.replaceChildren(...this.layers.map((layer, i) => this.row(layer, i, d?.layers[i])));
    this.el.total.textContent = d ? `Total parameters: ${number(d.totalParameters)}` : 'Total parameters: not known until the stack is valid';
    this.el.train.disabled = !d;
    const target = document.getElementById(this.focusAfter ?? focused ?? '');
    this.focusAfter = null;
    if (target && !target.disabled) target.focus();
    else if (target) document.getElementById(target.id.replace(/-(up|down)$/, '-remove'))?.focus();
  }

  row(layer, i, described) {
    const name = this.names[i] ?? layer.type;
    const item = document.createElement('li');
    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = name;
    fieldset.append(legend);
    const fields = document.createElement('div');
    fields.className = 'arch-fields';
    for (const [key, label, kind] of LAYER_FIELDS[layer.type] ?? []) fields.append(this.field(layer, i, name, key, label, kind));
    const facts = document.createElement('p');
    facts.className = 'arch-facts';
    facts.textContent = described
      ? `Output ${shapeText(described.outputShape)} · ${number(described.parameters)} parameters`
      : 'Output and parameters: not known until the stack is valid';
    const buttons = document.createElement('div');
    buttons.className = 'arch-buttons';
    buttons.append(
      this.button(`arch-${i}-up`, '↑', `Move ${name} up`, i === 0, () => this.move(i, -1)),
      this.button(`arch-${i}-down`, '↓', `Move ${name} down`, i === this.layers.length - 1, () => this.move(i, 1)),
      this.button(`arch-${i}-remove`, 'Remove', `Remove ${name}`, this.layers.length === 1, () => this.remove(i)),
    );
    fieldset.append(fields, facts, buttons);
    item.append(fieldset);
    return item;
  }

  field(layer, i, name, key, label, kind) {
    const box = document.createElement('div');
    box.className = 'field';
    const id = `arch-${i}-${key}`;
    const text = document.createElement('label');
    text.htmlFor = id;
    text.textContent = label;
    let control;
    if (Array.isArray(kind)) {
      control = document.createElement('select');
      for (const choice of kind) control.append(new Option(choice, choice));
    } else {
      control = document.createElement('input');
      control.type = 'text';
      control.inputMode = kind === 'whole' ? 'numeric' : 'decimal';
      control.autocomplete = 'off';
      control.spellcheck = false;
    }
    control.id = id;
    control.value = String(layer[key]);
    control.addEventListener('change', () => {
      const read = readField(kind, control.value);
      if (read.error) {
        this.showError(`${name}: ${label.toLowerCase()} ${read.error}`);
        this.description = null;
        this.el.train.disabled = true;
        return;
      }
      this.focusAfter = id;
      this.edit(setField(this.layers, i, key, read.value));
    });
    box.append(text, control);
    return box;
  }

  button(id, text, label, disabled, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = id;
    b.textContent = text;
    b.setAttribute('aria-label', label);
    b.disabled = disabled;
    b.addEventListener('click', onClick);
    return b;
  }

  move(i, delta) {
    this.focusAfter = `arch-${i + delta}-${delta < 0 ? 'up' : 'down'}`;
    this.edit(moveLayer(this.layers, i, delta));
  }

  remove(i) {
    this.focusAfter = `arch-${Math.min(i, this.layers.length - 2)}-remove`;
    this.edit(removeLayer(this.layers, i));
  }
}
