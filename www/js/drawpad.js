// drawpad.js — a canvas to draw a digit on, with a mouse, a finger, a pen or the keyboard.
//
//   const pad = new DrawPad(canvas, { onChange: (image) => predict(image) });
//
// `onChange` gets the drawing as a 28×28 MNIST-style Float32Array (see
// preprocess.js) when a stroke ends, every 100 ms while one is being drawn (so
// the prediction follows the pen), and `null` after `clear()`.
//
// The pen's width is a fixed fraction of the pad (preprocess.js `penWidth`),
// chosen so a digit drawn at a natural size comes out with MNIST's 2–3 px
// strokes once it is scaled to fit 20×20.
//
// Ink is drawn on a separate transparent canvas, and `image()` reads only its
// alpha (coverage): the ink's colour can follow light/dark mode (`--ink`)
// without changing what the network sees, and the keyboard cursor, drawn on
// the visible canvas only, never becomes ink.
//
// Keyboard: the canvas is focusable; arrow keys move a visible pen (Shift:
// three times as far), Space or Enter puts it down or lifts it (moving with
// it down draws), Escape lifts it, Delete or Backspace clears. The page names
// the canvas (aria-label); if it doesn't point `aria-describedby` at its own
// help text, the canvas gets `KEYBOARD_HELP` as its description.

import { penWidth, toMnist } from './preprocess.js';
import { applySize, cssColor, displaySize, onColorSchemeChange, prefersDark } from './canvas.js';

/** How to draw with the keyboard, in one sentence a screen reader can announce. */
export const KEYBOARD_HELP =
  'Arrow keys move the pen (hold Shift to move faster). Space or Enter puts the pen down or lifts it; ' +
  'moving with the pen down draws. Delete or Backspace clears.';

/** An arrow key moves the pen 1/40 of the pad: a digit is a dozen or so key presses tall. */
const KEY_STEPS_PER_SIDE = 40;
const SHIFT_STEP_FACTOR = 3;

export class DrawPad {
  /**
   * @param {HTMLCanvasElement} canvas  sized by the page's CSS; drawn on transparently
   * @param {object} [options]
   * @param {(image: Float32Array | null) => void} [options.onChange]
   * @param {number} [options.throttleMs=100]  interval of updates during a stroke; 0 for none
   */
  constructor(canvas, { onChange = () => {}, throttleMs = 100 } = {}) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.throttleMs = throttleMs;
    this.context = canvas.getContext('2d');
    this.ink = document.createElement('canvas');
    // image() reads the ink back often: ask for a canvas that is cheap to read.
    this.inkContext = this.ink.getContext('2d', { willReadFrequently: true });

    this.inked = false; // anything drawn since the last clear()
    this.stroke = null; // { last, middle, byKeyboard } while the pen is down
    this.pointerId = null; // the one pointer drawing (a second finger is ignored)
    this.cursor = null; // the keyboard pen's position, canvas pixels
    this.cursorVisible = false;
    this.lastNotified = -Infinity;
    this.inkColor = '';

    this.#prepareElement();
    this.#resize();

    const listeners = {
      pointerdown: (e) => this.#onPointerDown(e),
      pointermove: (e) => this.#onPointerMove(e),
      pointerup: (e) => this.#onPointerEnd(e),
      pointercancel: (e) => this.#onPointerEnd(e),
      lostpointercapture: (e) => this.#onPointerEnd(e),
      keydown: (e) => this.#onKeyDown(e),
      focus: () => this.#onFocus(),
      blur: () => this.#onBlur(),
    };
    for (const [type, listener] of Object.entries(listeners)) canvas.addEventListener(type, listener);
    this.removeListeners = () => {
      for (const [type, listener] of Object.entries(listeners)) canvas.removeEventListener(type, listener);
    };

    if (typeof ResizeObserver === 'function') {
      this.resizeObserver = new ResizeObserver(() => this.#resize());
      this.resizeObserver.observe(canvas);
    }
    this.stopSchemeListener = onColorSchemeChange(() => this.#refreshColor());
  }

  /** Erases the drawing and tells `onChange` (with `null`). */
  clear() {
    this.stroke = null;
    this.inked = false;
    this.inkContext.clearRect(0, 0, this.ink.width, this.ink.height);
    this.#render();
    this.lastNotified = performance.now();
    this.onChange(null);
  }

  /** True if anything has been drawn since the last clear. */
  hasInk() {
    return this.inked;
  }

  /** The drawing as a 28×28 MNIST-style Float32Array in [0, 1], or `null` if blank. */
  image() {
    if (!this.inked) return null;
    const { width, height } = this.ink;
    return toMnist(this.inkContext.getImageData(0, 0, width, height).data, width, height);
  }

  /** Stops listening to the canvas, its size and the colour scheme. */
  destroy() {
    this.removeListeners();
    this.resizeObserver?.disconnect();
    this.stopSchemeListener();
  }

  // -- setup -----------------------------------------------------------------

  #prepareElement() {
    const { canvas } = this;
    if (!canvas.hasAttribute('tabindex')) canvas.tabIndex = 0;
    // Drawing with a finger must not scroll or zoom the page, select text or
    // open the long-press menu.
    canvas.style.touchAction = 'none';
    canvas.style.userSelect = 'none';
    canvas.style.webkitUserSelect = 'none';
    canvas.style.webkitTouchCallout = 'none';
    // "application" tells screen readers to pass the arrow keys through to us.
    if (!canvas.hasAttribute('role')) canvas.setAttribute('role', 'application');
    if (!canvas.hasAttribute('aria-describedby') && !canvas.hasAttribute('aria-description')) {
      canvas.setAttribute('aria-description', KEYBOARD_HELP);
    }
  }

  // Match the backing store to the CSS size × devicePixelRatio, keeping the
  // drawing (scaled) when the pad changes size, e.g. when a phone is rotated.
  #resize() {
    const size = displaySize(this.canvas);
    if (size.width === this.ink.width && size.height === this.ink.height) return;
    const scaleX = size.width / this.ink.width;
    const scaleY = size.height / this.ink.height;

    let previous = null;
    if (this.inked) {
      previous = document.createElement('canvas');
      previous.width = this.ink.width;
      previous.height = this.ink.height;
      previous.getContext('2d').drawImage(this.ink, 0, 0);
    }
    applySize(this.canvas, size);
    this.ink.width = size.width; // resizing clears the canvas and its state
    this.ink.height = size.height;
    const g = this.inkContext;
    if (previous) g.drawImage(previous, 0, 0, size.width, size.height);
    this.inkColor = ''; // forces the colour (and the ink's styles) to be set again
    this.#refreshColor();
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.lineWidth = penWidth(Math.min(size.width, size.height));

    const scale = (point) => point && { x: point.x * scaleX, y: point.y * scaleY };
    if (Number.isFinite(scaleX) && Number.isFinite(scaleY)) {
      this.cursor = scale(this.cursor);
      if (this.stroke) {
        this.stroke.last = scale(this.stroke.last);
        this.stroke.middle = scale(this.stroke.middle);
      }
    }
    this.#render();
  }

  // The ink colour follows `--ink` (or black, white in dark mode). Existing
  // ink is recoloured in place: 'source-in' keeps each pixel's coverage and
  // replaces its colour.
  #refreshColor() {
    const color = cssColor(this.canvas, '--ink', prefersDark() ? '#fff' : '#000');
    if (color === this.inkColor) return;
    this.inkColor = color;
    const g = this.inkContext;
    g.save();
    g.globalCompositeOperation = 'source-in';
    g.fillStyle = color;
    g.fillRect(0, 0, this.ink.width, this.ink.height);
    g.restore();
    g.strokeStyle = color;
    g.fillStyle = color;
    this.#render();
  }

  // -- strokes ---------------------------------------------------------------

  #beginStroke(point, byKeyboard) {
    this.#refreshColor(); // the page may have switched themes since
    this.stroke = { last: point, middle: point, byKeyboard };
    this.inked = true;
    // A dot, so a tap (or Space without moving) leaves a mark.
    const g = this.inkContext;
    g.beginPath();
    g.arc(point.x, point.y, g.lineWidth / 2, 0, 2 * Math.PI);
    g.fill();
  }

  // Pointer strokes are smoothed: a quadratic curve from the middle of the
  // previous segment to the middle of this one, bending through the sampled
  // point, so fast strokes are curves rather than polygons. The keyboard
  // draws straight lines, so the line ends exactly under the visible pen.
  #extendStroke(point) {
    const stroke = this.stroke;
    if (!stroke) return;
    const { last, middle } = stroke;
    if (Math.hypot(point.x - last.x, point.y - last.y) < 0.5) return;
    const g = this.inkContext;
    g.beginPath();
    if (stroke.byKeyboard) {
      g.moveTo(last.x, last.y);
      g.lineTo(point.x, point.y);
      stroke.middle = point;
    } else {
      const nextMiddle = { x: (last.x + point.x) / 2, y: (last.y + point.y) / 2 };
      g.moveTo(middle.x, middle.y);
      g.quadraticCurveTo(last.x, last.y, nextMiddle.x, nextMiddle.y);
      stroke.middle = nextMiddle;
    }
    g.stroke();
    stroke.last = point;
  }

  #endStroke() {
    const stroke = this.stroke;
    if (!stroke) return;
    // Finish the smoothed curve: it stopped half a segment short of the pen.
    const g = this.inkContext;
    g.beginPath();
    g.moveTo(stroke.middle.x, stroke.middle.y);
    g.lineTo(stroke.last.x, stroke.last.y);
    g.stroke();
    this.stroke = null;
    this.#render();
    this.#notify();
  }

  #notify() {
    this.lastNotified = performance.now();
    this.onChange(this.image());
  }

  // While the pen moves, update at most every `throttleMs`: enough for the
  // prediction to follow the pen, without a forward pass per pointer event.
  #notifySometimes() {
    if (this.throttleMs <= 0) return;
    if (performance.now() - this.lastNotified >= this.throttleMs) this.#notify();
  }

  // -- pointer (mouse, touch, pen) --------------------------------------------

  #onPointerDown(event) {
    if (this.pointerId !== null) return;
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault(); // no text selection or drag; we focus ourselves
    this.canvas.focus({ preventScroll: true });
    if (this.stroke) this.#endStroke(); // a keyboard stroke in progress
    // Capture: the stroke continues (and ends) even if the pointer leaves the pad.
    try {
      this.canvas.setPointerCapture(event.pointerId);
    } catch {
      // A synthetic event (a test) has no real pointer to capture; draw anyway.
    }
    this.pointerId = event.pointerId;
    this.cursorVisible = false;
    this.#beginStroke(this.#pointFrom(event), false);
    this.#render();
  }

  #onPointerMove(event) {
    if (event.pointerId !== this.pointerId) return;
    // Browsers deliver one move per frame; the coalesced events are the
    // in-between samples, which keep fast strokes round.
    const samples = event.getCoalescedEvents?.() ?? [];
    for (const sample of samples.length > 0 ? samples : [event]) {
      this.#extendStroke(this.#pointFrom(sample));
    }
    this.#render();
    this.#notifySometimes();
  }

  #onPointerEnd(event) {
    if (event.pointerId !== this.pointerId) return;
    this.pointerId = null;
    this.#endStroke();
  }

  /** The event's position in canvas (backing-store) pixels. */
  #pointFrom(event) {
    const { canvas } = this;
    const rect = canvas.getBoundingClientRect();
    const cssWidth = canvas.clientWidth || rect.width || 1;
    const cssHeight = canvas.clientHeight || rect.height || 1;
    return {
      x: ((event.clientX - rect.left - canvas.clientLeft) * canvas.width) / cssWidth,
      y: ((event.clientY - rect.top - canvas.clientTop) * canvas.height) / cssHeight,
    };
  }

  // -- keyboard ----------------------------------------------------------------

  #onKeyDown(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return; // leave shortcuts to the browser
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (event.key in arrows) {
      const [dx, dy] = arrows[event.key];
      const step = (Math.min(this.canvas.width, this.canvas.height) / KEY_STEPS_PER_SIDE) *
        (event.shiftKey ? SHIFT_STEP_FACTOR : 1);
      this.#moveCursor(dx * step, dy * step);
    } else if (event.key === ' ' || event.key === 'Enter') {
      if (!event.repeat) this.#togglePen();
    } else if (event.key === 'Escape' && this.stroke) {
      this.#endStroke();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      this.clear();
    } else {
      return;
    }
    event.preventDefault(); // no page scroll on arrows or Space
    this.cursorVisible = true;
    this.#render();
  }

  #penPosition() {
    this.cursor ??= { x: this.canvas.width / 2, y: this.canvas.height / 2 };
    return this.cursor;
  }

  #moveCursor(dx, dy) {
    const { x, y } = this.#penPosition();
    this.cursor = {
      x: Math.min(this.canvas.width, Math.max(0, x + dx)),
      y: Math.min(this.canvas.height, Math.max(0, y + dy)),
    };
    if (this.stroke?.byKeyboard) {
      this.#extendStroke(this.cursor);
      this.#notifySometimes();
    }
  }

  #togglePen() {
    if (this.stroke) this.#endStroke();
    else this.#beginStroke(this.#penPosition(), true);
  }

  #onFocus() {
    // Show the pen when focus came from the keyboard (Tab), not from a click.
    let fromKeyboard = false;
    try {
      fromKeyboard = this.canvas.matches(':focus-visible');
    } catch {
      // A browser without :focus-visible: show the pen once a key is pressed.
    }
    if (fromKeyboard && this.pointerId === null) {
      this.cursorVisible = true;
      this.#render();
    }
  }

  #onBlur() {
    if (this.stroke?.byKeyboard) this.#endStroke();
    this.cursorVisible = false;
    this.#render();
  }

  // -- display -----------------------------------------------------------------

  #render() {
    const { canvas, context: g } = this;
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.drawImage(this.ink, 0, 0);
    if (this.cursorVisible) this.#drawCursor();
  }

  // The keyboard pen: a ring the size of the pen tip with a cross-hair,
  // filled while the pen is down.
  #drawCursor() {
    const g = this.context;
    const { x, y } = this.#penPosition();
    const radius = penWidth(Math.min(this.canvas.width, this.canvas.height)) / 2;
    const ratio = globalThis.devicePixelRatio || 1;
    g.save();
    g.strokeStyle = this.inkColor || '#000';
    g.fillStyle = this.inkColor || '#000';
    g.lineWidth = 1.5 * ratio;
    g.beginPath();
    g.arc(x, y, radius, 0, 2 * Math.PI);
    if (this.stroke?.byKeyboard) {
      g.globalAlpha = 0.5;
      g.fill();
      g.globalAlpha = 1;
    }
    g.stroke();
    const reach = radius + 6 * ratio;
    g.beginPath();
    g.moveTo(x - reach, y);
    g.lineTo(x - radius, y);
    g.moveTo(x + radius, y);
    g.lineTo(x + reach, y);
    g.moveTo(x, y - reach);
    g.lineTo(x, y - radius);
    g.moveTo(x, y + radius);
    g.lineTo(x, y + reach);
    g.stroke();
    g.restore();
  }
}
