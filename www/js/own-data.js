// "Use your own data": one or two MNIST-format CSV files (.csv or .csv.gz)
// replace MNIST for training and testing, and "Back to MNIST" returns.
//
// The page reads the chosen files (a progress bar: bytes read of the total)
// and hands their bytes to the worker (`useOwnData`, buffers transferred);
// the session (Rust) parses them — rows parsed are reported as
// `ownDataProgress` — and either swaps the data in with a fresh network
// (`ownData`) or refuses, naming the file, line and column (`ownDataFailed`,
// shown in a role=alert), with nothing changed. MNIST stays in the worker,
// so going back downloads nothing (`backToMnist` → `backOnMnist`).

// Larger files are refused before they are read: the core refuses them too
// (MAX_OWN_FILE_BYTES in crates/groundup/src/data/own.rs, the same number).
const MAX_FILE_BYTES = 256 * 2 ** 20;
const MAX_FILES = 2;

const number = (n) => Math.round(n).toLocaleString('en');

/** Reads `files` whole, calling `onBytes(read, total)` as chunks arrive. */
async function readAll(files, onBytes) {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  let read = 0;
  const out = [];
  for (const file of files) {
    const bytes = new Uint8Array(file.size);
    let at = 0;
    const reader = file.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > bytes.length) throw new Error(`${file.name} grew while it was being read`);
      bytes.set(value, at);
      at += value.length;
      read += value.length;
      onBytes(read, total);
    }
    out.push({ name: file.name, bytes: at === bytes.length ? bytes : bytes.slice(0, at) });
  }
  return out;
}

export class OwnData {
  /**
   * Elements: `input` (type=file, multiple), `back` (Back to MNIST),
   * `progress` (role=progressbar) and `progressRow` around it, `status`
   * (role=status), `classes` (the class names), `error` (role=alert).
   * `send(type, fields, transfer)` talks to the worker; `onClassNames(names)`
   * tells the rest of the page the class names in use ([] on MNIST).
   */
  constructor(el, { send, onClassNames = () => {} }) {
    this.el = el;
    this.send = send;
    this.onClassNames = onClassNames;
    this.busy = false;
    el.input.addEventListener('change', () => this.chosen());
    el.back.addEventListener('click', () => {
      this.el.error.textContent = '';
      this.el.status.textContent = 'Going back to MNIST…';
      this.send('backToMnist');
    });
  }

  /** Enables the input once a worker is ready. */
  enable(on) {
    this.ready = on;
    this.el.input.disabled = !on || this.busy;
  }

  async chosen() {
    const files = [...(this.el.input.files ?? [])];
    this.el.input.value = ''; // choosing the same file again is a new change
    if (!files.length) return;
    this.el.error.textContent = '';
    if (files.length > MAX_FILES) {
      this.refused(`Choose one CSV file or two (training and test), not ${files.length}. Nothing changed.`);
      return;
    }
    const large = files.find((f) => f.size > MAX_FILE_BYTES);
    if (large) {
      this.refused(`${large.name}: ${number(large.size / 2 ** 20)} MB is more than the ${MAX_FILE_BYTES / 2 ** 20} MB a file may have here. Nothing changed.`);
      return;
    }
    this.setBusy(true);
    this.el.status.textContent = `Reading ${files.map((f) => f.name).join(' and ')}…`;
    this.showBytes(0, 1);
    let given;
    try {
      given = await readAll(files, (read, total) => this.showBytes(read, total));
    } catch (e) {
      this.refused(`${files[0].name}: could not be read (${e.message || e}). Nothing changed.`);
      return;
    }
    this.el.status.textContent = 'Checking the rows…';
    this.send('useOwnData', { files: given }, given.map((f) => f.bytes.buffer));
  }

  setBusy(on) {
    this.busy = on;
    this.el.input.disabled = on || !this.ready;
    this.el.progressRow.hidden = !on;
  }

  /** Bytes read of the chosen files, on the bar. */
  showBytes(read, total) {
    const value = total ? Math.round((read / total) * 100) : 0;
    const bar = this.el.progress;
    bar.setAttribute('aria-valuenow', String(value));
    bar.setAttribute('aria-valuetext', `${value}%: ${number(read / 1024)} of ${number(total / 1024)} KB read`);
    bar.querySelector('.progress-fill').style.width = `${value}%`;
  }

  refused(text) {
    this.setBusy(false);
    this.el.status.textContent = '';
    this.el.error.textContent = text;
  }

  /** The worker's `ownDataProgress`. */
  rowsRead({ file, rows }) {
    this.el.status.textContent = `Checking the rows: ${number(rows)} of ${file} read…`;
  }

  /** The worker's `ownDataFailed`: Rust's message names file, line and column. */
  failed({ message: text }) {
    this.refused(`${/[.!?]$/.test(text) ? text : `${text}.`} Nothing changed.`);
  }

  /** The worker's `ownData`: the reader's data is in use. */
  inUse({ trainSize, testSize, classNames, description }) {
    this.setBusy(false);
    this.el.error.textContent = '';
    this.el.status.textContent = `Your own data: ${number(trainSize)} training and ${number(testSize)} test images (${description}). Press Train.`;
    this.el.classes.textContent = classNames.length
      ? `Classes: ${classNames.map((name, i) => `${i} ${name}`).join(', ')}`
      : 'Classes: 0–9 (no "# classes:" line).';
    this.el.back.disabled = false;
    document.documentElement.dataset.data = 'own';
    this.onClassNames(classNames);
  }

  /** The worker's `backOnMnist`. */
  backOnMnist({ trainSize, testSize }) {
    this.el.status.textContent = `Back on MNIST: ${number(trainSize)} training and ${number(testSize)} test images, with the network you had before your own data.`;
    this.onMnist();
  }

  /** The page is on MNIST (back, or a new worker, which starts there). */
  onMnist() {
    this.setBusy(false);
    this.el.classes.textContent = '';
    this.el.back.disabled = true;
    document.documentElement.dataset.data = 'mnist';
    this.onClassNames([]);
  }

  /** The worker died: a new one starts on MNIST. */
  lost() {
    if (document.documentElement.dataset.data === 'own') {
      this.el.status.textContent = 'The training worker stopped; the new one is on MNIST. Choose your files again to use them.';
    }
    this.onMnist();
    this.enable(false);
  }

  /** Messages from the worker this module answers, for main.js's table. */
  handlers() {
    return {
      ownDataProgress: (p) => this.rowsRead(p),
      ownData: (d) => this.inUse(d),
      ownDataFailed: (f) => this.failed(f),
      backOnMnist: (b) => this.backOnMnist(b),
    };
  }
}
