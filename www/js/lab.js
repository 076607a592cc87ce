// The Experiments panel: a button per experiment of the paper's lab
// (groundup::lab, run by the worker: worker-lab.js), one Stop, a status
// line, and a result region per experiment (lab-results.js).
//
// Pressing a button puts `#experiment=<id>` in the URL (in place, no
// reload), so the link can be copied; opening or pasting such a link runs
// it once the worker is ready and the data it needs is in, and scrolls its
// result into view. The experiment runs on copies in the worker: the
// network on the page is never changed. Training is paused for it (the
// status says so) and Train is refused while it runs.

import { EXPERIMENT_IDS, readFragment } from './settings.js';
import { ExperimentView } from './lab-results.js';

// Images an experiment may want before it starts: the shortened runs take
// the first 5,000 training and 1,000 test images (catalog.rs SUBSET_*).
const NEEDED = { train: 5000, test: 1000 };

export class LabPanel {
  /** `panel`: the section; `send(type, fields)`: to the worker; `cores()`: for reading the URL. */
  constructor(panel, { send, cores }) {
    Object.assign(this, { send, cores });
    this.buttons = new Map([...panel.querySelectorAll('button[data-experiment]')].map((b) => [b.dataset.experiment, b]));
    this.stopButton = panel.querySelector('#lab-stop');
    this.status = panel.querySelector('#lab-status');
    this.error = panel.querySelector('#lab-error');
    this.results = panel.querySelector('#lab-results');
    this.catalog = new Map();
    this.views = new Map(); // id → ExperimentView
    this.data = { train: { rows: 0, complete: false }, test: { rows: 0, complete: false } };
    this.workerReady = false;
    this.waiting = null; // an id asked for before the worker or the data was ready
    this.running = null; // the id the worker runs
    this.scrollTo = null; // an id from the URL, scrolled to once its region exists
    for (const [id, button] of this.buttons) button.addEventListener('click', () => this.start(id, { fromUrl: false }));
    this.stopButton.addEventListener('click', () => this.stop());
    addEventListener('hashchange', () => this.#fromUrl());
  }

  /** A worker message: handles the experiment ones (returns true), notes `ready` and `dataProgress`. */
  hear(data) {
    switch (data.type) {
      case 'ready':
        this.#ready(data.experiments);
        return false;
      case 'dataProgress':
        this.data[data.split] = { rows: data.rows, complete: data.chunks > 0 && data.chunksDone + data.chunksFailed >= data.chunks };
        this.#startWaiting();
        return false;
      case 'experimentStarted':
        this.#started(data);
        return true;
      case 'experimentProgress':
        this.views.get(data.id)?.showProgress(data.progress);
        return true;
      case 'experimentResult':
        this.#finished(data);
        return true;
      case 'experimentFailed':
        this.#failed(data);
        return true;
      default:
        return false;
    }
  }

  /** The worker died: whatever ran is lost (the page's model is not: it was never touched). */
  workerLost() {
    this.workerReady = false;
    if (this.running) this.views.get(this.running)?.showFailure('the training worker stopped; press the button again');
    this.running = null;
    this.data = { train: { rows: 0, complete: false }, test: { rows: 0, complete: false } };
    this.#setRunning(null);
    for (const b of this.buttons.values()) b.disabled = true;
  }

  #ready(experiments) {
    this.workerReady = true;
    // For the end-to-end tests and the curious (main.js made `groundup` by now): the result views by id.
    if (globalThis.groundup) globalThis.groundup.lab = { views: this.views };
    this.catalog = new Map(experiments.map((e) => [e.id, e]));
    for (const [id, button] of this.buttons) {
      button.disabled = !this.catalog.has(id);
      const entry = this.catalog.get(id);
      if (entry && entry.title !== button.textContent) console.warn(`lab: button "${button.textContent}" is "${entry.title}" in the catalog`);
    }
    this.#fromUrl();
  }

  // `#experiment=<id>` in the URL: run it (once), scrolled into view. A
  // refused value is listed in #url-errors by main.js (the settings table).
  #fromUrl() {
    if (!this.workerReady) return;
    const { values } = readFragment(location.hash, { cores: this.cores() });
    const id = values.experiment;
    if (id && id !== this.fromUrlDone) {
      this.fromUrlDone = id;
      this.start(id, { fromUrl: true });
    }
  }

  #dataReady() {
    return ['train', 'test'].every((s) => this.data[s].complete || this.data[s].rows >= NEEDED[s]);
  }

  /** Runs experiment `id` as soon as the worker and the data allow. */
  start(id, { fromUrl }) {
    if (!EXPERIMENT_IDS.includes(id)) return;
    if (!fromUrl) this.#putInUrl(id);
    else this.scrollTo = id;
    this.fromUrlDone = id; // the URL now names it: a hashchange to it is not a new request
    this.error.textContent = '';
    this.waiting = id;
    this.#setRunning(id);
    if (!this.workerReady || !this.#dataReady()) {
      this.status.textContent = `${this.#title(id)}: waiting for the ${this.workerReady ? 'data' : 'training worker'}…`;
      return;
    }
    this.#startWaiting();
  }

  #startWaiting() {
    if (!this.waiting || !this.workerReady || !this.#dataReady()) return;
    const id = this.waiting;
    this.waiting = null;
    this.status.textContent = `${this.#title(id)}: starting…`;
    this.send('runExperiment', { id });
  }

  stop() {
    if (this.waiting && !this.running) {
      this.waiting = null;
      this.#setRunning(null);
      this.status.textContent = 'Stopped before it started.';
      return;
    }
    this.waiting = null;
    this.send('stopExperiment');
  }

  #title(id) {
    return this.catalog.get(id)?.title ?? this.buttons.get(id)?.textContent ?? id;
  }

  #started({ id, pausedTraining }) {
    this.running = id;
    this.#setRunning(id);
    this.views.get(id)?.destroy();
    const view = new ExperimentView(this.catalog.get(id));
    this.views.set(id, view);
    const before = [...this.results.children].find((c) => EXPERIMENT_IDS.indexOf(c.dataset.id) > EXPERIMENT_IDS.indexOf(id));
    view.element.dataset.id = id;
    this.results.querySelector(`#lab-${id}`)?.remove();
    this.results.insertBefore(view.element, before ?? null);
    const paused = pausedTraining ? ' Training is paused for it; press Train to go on afterwards.' : '';
    this.status.textContent = `${this.#title(id)}: running on a copy of the network.${paused}`;
    if (this.scrollTo === id) {
      this.scrollTo = null;
      view.element.scrollIntoView({ block: 'start' });
    }
  }

  #finished({ id, result, stopped }) {
    const view = this.views.get(id);
    view?.showResult(result, stopped);
    if (this.running === id) {
      this.running = null;
      if (!this.waiting) this.#setRunning(null);
    }
    this.status.textContent = `${this.#title(id)}: ${stopped ? 'stopped' : 'done'}. The network above is as it was.`;
  }

  #failed({ id, error }) {
    this.views.get(id)?.showFailure(error.message);
    if (this.running === id || !this.running) {
      this.running = null;
      if (!this.waiting) this.#setRunning(null);
    }
    this.error.textContent = `${this.#title(id)} could not run: ${error.message}`;
    this.status.textContent = '';
  }

  // While one runs (or waits), its button is pressed and Stop is enabled.
  #setRunning(id) {
    for (const [other, button] of this.buttons) button.setAttribute('aria-pressed', String(other === id));
    const focused = document.activeElement === this.stopButton;
    this.stopButton.disabled = id === null;
    if (focused && id === null) this.buttons.get(EXPERIMENT_IDS[0])?.focus();
  }

  // The URL names the experiment, so the link can be copied (in place: no
  // reload, no history entry; a reload of it runs it again).
  #putInUrl(id) {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    params.set('experiment', id);
    const url = new URL(location.href);
    url.hash = params.toString().replace(/%2C/gi, ',');
    if (url.href !== location.href) history.replaceState(history.state, '', url.href);
  }
}
