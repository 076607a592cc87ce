// The training panel's status: the state sentence (a live region), the
// progress line (epoch, step, speed, time) and the test accuracy line.

const number = (n) => Math.round(n).toLocaleString('en');
const percent1 = (p) => `${(p * 100).toFixed(1)}%`;
function clock(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// The progress line changes with every slice (~25 times a second): write it
// at most every PROGRESS_MS, and keep it out of the live region. Every write
// costs a layout, a paint and a compositor commit on the page's thread,
// which shares the cores with the training workers.
const PROGRESS_MS = 250;

/** The state sentence for a worker's `state` message (`text`: its message). */
export function stateText(reason, text) {
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
  return states[reason] ?? reason;
}

export class StatusLine {
  /** Elements: `state` (role=status), `progress`, `accuracy`. */
  constructor(el) {
    this.el = el;
    this.pending = null;
    this.shownAt = -Infinity;
  }

  setState(text) {
    this.el.state.textContent = text;
  }

  /** A `training` message's position and speed, written at most every PROGRESS_MS. */
  showProgress(p) {
    const first = this.pending === null;
    this.pending = p;
    if (!first) return;
    const wait = Math.max(0, this.shownAt + PROGRESS_MS - performance.now());
    setTimeout(() => requestAnimationFrame(() => this.flush()), wait);
  }

  /** Writes the progress waiting to be shown, now (training stopped). */
  flush() {
    this.shownAt = performance.now();
    const q = this.pending;
    this.pending = null;
    if (!q) return; // a new network came in the meantime
    const line = this.el.progress;
    line.textContent = `Epoch ${Math.min(q.epoch + 1, q.epochs)} of ${q.epochs} · step ${number(q.step)} · ${number(q.imagesPerSecond)} images/s · ${clock(q.elapsedMs)} elapsed`;
    line.dataset.step = String(q.step);
    line.dataset.imagesPerSecond = String(Math.round(q.imagesPerSecond));
  }

  /** An `evaluation` message. */
  showAccuracy(e) {
    const a = this.el.accuracy;
    a.textContent = `Test accuracy: ${percent1(e.accuracy)} (loss ${e.loss.toFixed(3)}, ${e.full ? 'all' : 'first'} ${number(e.examples)} test images, step ${number(e.step)})`;
    a.dataset.step = String(e.step);
    a.dataset.accuracy = String(e.accuracy);
  }

  /** A new network: nothing measured, no progress. */
  clear() {
    const { accuracy, progress } = this.el;
    accuracy.textContent = 'Test accuracy: not measured yet.';
    delete accuracy.dataset.step;
    delete accuracy.dataset.accuracy;
    this.pending = null;
    progress.textContent = '';
    delete progress.dataset.step;
  }
}
