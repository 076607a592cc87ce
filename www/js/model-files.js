// Models in and out of the page: "Export model" downloads the current
// weights as a safetensors file (the format the command-line tool writes
// and reads), "Import model" loads one. The worker does the work
// (`exportModel` / `importModel`, protocol.js); the session (Rust) checks
// an imported file whole before it replaces anything, so a bad file leaves
// the current model as it was, and its reason is shown beside the input.

// Larger files are refused before they are read: the largest model the
// core accepts is far smaller, and reading a stray gigabyte video into the
// page's memory to be told so would be a poor way to learn it.
const MAX_IMPORT_BYTES = 256 << 20;

/** `groundup-<preset>-step<N>.safetensors`: N steps trained on this page. */
export function exportName(preset, step) {
  const safe = /^[a-z0-9-]+$/.test(preset) ? preset : 'custom';
  return `groundup-${safe}-step${Math.max(0, Math.round(step))}.safetensors`;
}

export class ModelFiles {
  /**
   * Elements: `exportButton`, `importInput` (type=file), `status`
   * (role=status), `error` (role=alert). `send(type, fields, transfer)`
   * talks to the worker.
   */
  constructor({ exportButton, importInput, status, error }, send) {
    this.el = { exportButton, importInput, status, error };
    this.send = send;
    this.importing = null; // the file name whose import is in flight
    exportButton.addEventListener('click', () => {
      this.el.status.textContent = 'Preparing the model file…';
      this.send('exportModel');
    });
    importInput.addEventListener('change', () => this.importChosen());
  }

  /** Enables the controls once a worker is ready. */
  enable(on) {
    this.el.exportButton.disabled = !on;
    this.el.importInput.disabled = !on;
  }

  async importChosen() {
    const file = this.el.importInput.files?.[0];
    this.el.importInput.value = ''; // choosing the same file again is a new change
    if (!file) return;
    this.el.error.textContent = '';
    if (file.size > MAX_IMPORT_BYTES) {
      this.refused(`${file.name}: ${Math.round(file.size / 2 ** 20)} MB is far larger than any model this page can load; the current model is unchanged.`);
      return;
    }
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      this.refused(`${file.name}: could not be read (${e.message || e}); the current model is unchanged.`);
      return;
    }
    this.importing = file.name;
    this.el.status.textContent = `Loading ${file.name}…`;
    this.send('importModel', { bytes, name: file.name }, [bytes.buffer]);
  }

  refused(text) {
    this.importing = null;
    this.el.status.textContent = '';
    this.el.error.textContent = text;
  }

  /** The worker's `model` message with source "imported". */
  imported(name) {
    this.importing = null;
    this.el.error.textContent = '';
    this.el.status.textContent = `Model loaded: ${name}`;
  }

  /** The worker's `error` for request "importModel": Rust's reason names the file. */
  importFailed(text) {
    this.refused(`${/[.!?]$/.test(text) ? text : `${text}.`} The current model is unchanged.`);
  }

  /** The worker's `modelFile`: hand it to the browser as a download. */
  download({ bytes, preset, step }) {
    const name = exportName(preset, step);
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    // The download has its own copy once it starts; a minute is plenty.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    this.el.status.textContent = `Exported ${name} (${Math.round(bytes.length / 1024).toLocaleString('en')} KB).`;
  }
}
