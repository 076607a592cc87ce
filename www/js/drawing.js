// The drawing panel: the pad, the 28×28 image the network sees, and its
// answer (text and probability bars). Every finished stroke asks the worker
// (`predict`); answers about an older drawing are dropped.

import { DrawPad, KEYBOARD_HELP } from './drawpad.js';
import { drawDigit, drawProbabilities } from './bars.js';

// Read in the browser only when used: the module imports without a DOM.
const root = () => document.documentElement;

export class Drawing {
  /**
   * Elements: `pad`, `help`, `clear`, `seen`, `probabilities` (canvases and
   * the Clear button), `text` (the answer's live region).
   * `send(type, fields)` talks to the worker; `predictionMs` collects
   * round-trip times (groundup.history).
   */
  constructor(el, { send, predictionMs }) {
    this.el = el;
    this.send = send;
    this.predictionMs = predictionMs;
    this.id = 0;
    this.sentAt = 0;
    this.shownDigit = -1;
    this.image = null;
    this.probabilities = null;
    // Names of classes 0, 1, … while the reader's own data is in use (own-data.js).
    this.classNames = [];
    // The visible help says what the pad's own description says.
    el.help.textContent = `Draw one digit, large and centred. Keyboard: ${KEYBOARD_HELP}`;
    this.pad = new DrawPad(el.pad, { onChange: (image) => this.ask(image) });
    el.clear.addEventListener('click', () => {
      this.pad.clear(); // calls ask(null)
      el.pad.focus();
    });
    drawProbabilities(el.probabilities, null);
  }

  /** Asks the worker about `image` (784 values in [0, 1]), or forgets the last one (null). */
  ask(image) {
    this.image = image;
    drawDigit(this.el.seen, image);
    this.id++;
    // Which drawing the page last asked about, and (in answer) which one the
    // text answers: equal once the answer to the finished drawing is shown.
    root().dataset.drawingId = String(this.id);
    this.sentAt = performance.now();
    this.send('predict', { id: this.id, ...(image ? { pixels: image } : {}) });
    // A cleared pad has no prediction: say so now, not when the worker
    // (perhaps busy evaluating) gets round to answering.
    if (!image) this.answer({ id: this.id, retrained: false });
  }

  /** Asks again about the current drawing (a new worker knows none). */
  askAgain() {
    if (this.image) this.ask(this.image);
  }

  /** The worker's `prediction`. */
  answer({ id, probabilities, retrained }) {
    if (id !== this.id) return; // an answer about an older drawing
    this.probabilities = probabilities ?? null;
    if (probabilities && !retrained && this.predictionMs.length < 1000) {
      this.predictionMs.push(performance.now() - this.sentAt); // round trip through the worker
    }
    drawProbabilities(this.el.probabilities, probabilities ?? null);
    if (!probabilities) {
      this.shownDigit = -1;
      this.el.text.textContent = 'Prediction: none yet — draw a digit.';
      return;
    }
    let best = 0;
    for (let i = 1; i < 10; i++) if (probabilities[i] > probabilities[best]) best = i;
    // Re-predictions while training arrive every few seconds; the live
    // region speaks only when the answer changes (the bars show the rest).
    root().dataset.answeredId = String(id);
    if (retrained && best === this.shownDigit) return;
    this.shownDigit = best;
    this.say(best);
    if (!root().dataset.firstPredictionMs) root().dataset.firstPredictionMs = String(Math.round(performance.now()));
  }

  /** The answer's text: the digit, its probability, and its class name if any. */
  say(best) {
    const name = this.classNames[best] ? ` — ${this.classNames[best]}` : '';
    this.el.text.textContent = `Prediction: ${best} (${Math.round(this.probabilities[best] * 100)}%)${name}`;
  }

  /** The class names in use ([]: digits), in the answer shown now and later. */
  setClassNames(names) {
    this.classNames = names;
    if (this.probabilities && this.shownDigit >= 0) this.say(this.shownDigit);
  }

  /** Draws the canvases again (the colour scheme changed). */
  redraw() {
    drawDigit(this.el.seen, this.image);
    drawProbabilities(this.el.probabilities, this.probabilities);
  }
}
