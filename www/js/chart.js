// chart.js — live training curves (loss, accuracy) on a Canvas 2D line chart.
//
// The paper's Fig. 13 plots loss and accuracy per batch; here they grow while
// the network trains in the page. Per-batch values are noisy, so a series can
// be smoothed like TensorBoard does: the raw values drawn faint, an
// exponential moving average drawn bold on top.
//
// The top half of this file is pure (numbers in, numbers out) and tested in
// Node; `LineChart` at the bottom is the only part that touches the DOM.

// ---------------------------------------------------------------------------
// Pure chart math
// ---------------------------------------------------------------------------

/** The largest smoothing factor used: at 1 the average would never move. */
const MAX_SMOOTHING = 0.999;

/**
 * Exponential moving average with bias correction, like TensorBoard's
 * smoothing slider: `last = factor · last + (1 − factor) · value`, divided by
 * `1 − factor^n` so the early values aren't dragged towards the zero the
 * average starts from (the first output equals the first input).
 *
 * Non-finite inputs give NaN at their position and don't disturb the average.
 * `factor` is clamped to [0, 0.999]; 0 returns the values unchanged.
 */
export function ema(values, factor) {
  const smoothing = Math.min(MAX_SMOOTHING, Math.max(0, factor || 0));
  const smoother = new Smoother(smoothing);
  return Array.from(values, (value) => (Number.isFinite(value) ? smoother.next(value) : NaN));
}

/** The running form of `ema`, one value at a time. */
export class Smoother {
  constructor(factor) {
    this.factor = Math.min(MAX_SMOOTHING, Math.max(0, factor || 0));
    this.average = 0;
    this.count = 0;
  }

  next(value) {
    this.average = this.factor * this.average + (1 - this.factor) * value;
    this.count += 1;
    return this.average / (1 - this.factor ** this.count);
  }
}

/**
 * About `count` round tick values (steps of 1, 2 or 5 × 10ⁿ) covering
 * [min, max]: the first tick is ≤ min and the last ≥ max. A zero-width range
 * is widened so it still gets ticks; non-finite input gets none.
 */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep((max - min) / Math.max(1, count));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks = [];
  for (let i = first; i <= last; i++) {
    // i · step, rounded to the step's precision so 0.1 · 3 prints as 0.3.
    ticks.push(Number((i * step).toFixed(Math.min(20, decimals))));
  }
  return ticks;
}

/** The nearest of 1, 2, 5 × 10ⁿ to `rough`. */
function niceStep(rough) {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * power;
}

/**
 * `[min, max]` over the finite numbers in any number of arrays (or iterables),
 * or `null` if there are none.
 */
export function extent(...arrays) {
  let min = Infinity;
  let max = -Infinity;
  for (const array of arrays) {
    for (const value of array) {
      if (!Number.isFinite(value)) continue;
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return min <= max ? [min, max] : null;
}

/** True if both coordinates of a point can be drawn. */
export function isDrawable(x, y) {
  return Number.isFinite(x) && Number.isFinite(y);
}

/** A short human form of a number: 3 significant figures, "12.3k" from 10,000 up. */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${trimNumber(value / 1e6)}M`;
  if (magnitude >= 1e4) return `${trimNumber(value / 1e3)}k`;
  if (magnitude >= 100) return String(Math.round(value));
  return trimNumber(value);
}

/**
 * A formatter for one axis's ticks: all in the same unit ("k" or "M", from
 * the largest tick) with the decimals the step needs, so labels line up —
 * "9k, 10k, 11k" rather than "9000, 10k, 11k".
 */
export function tickFormatter(ticks) {
  const largest = Math.max(0, ...ticks.map(Math.abs).filter(Number.isFinite));
  const [unit, suffix] = largest >= 1e6 ? [1e6, 'M'] : largest >= 1e4 ? [1e3, 'k'] : [1, ''];
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) / unit : 1;
  // The fewest decimals that write the step exactly (2.5 needs one).
  let decimals = 0;
  while (decimals < 10 && step > 0 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) {
    decimals += 1;
  }
  return (value) => `${(value / unit).toFixed(decimals)}${value === 0 ? '' : suffix}`;
}

function trimNumber(value) {
  return String(Number(value.toPrecision(3)));
}

/**
 * The points of one series: finite values only, at most `maxPoints` of them.
 *
 * When the buffer is full, every other point is dropped and from then on only
 * every `stride`-th value is kept, so the kept points stay evenly spread over
 * the whole run. The smoothed value is computed from *every* value before
 * decimation, and the latest value is always kept (as `tail`), so the line
 * still ends where the training is.
 */
export class SeriesData {
  constructor({ smoothing = 0, maxPoints = 5000 } = {}) {
    this.smoothing = smoothing;
    this.maxPoints = Math.max(2, maxPoints);
    this.reset();
  }

  reset() {
    this.xs = [];
    this.ys = [];
    this.smoothed = [];
    this.tail = null; // the latest point, when decimation skipped it
    this.stride = 1;
    this.seen = 0;
    this.smoother = new Smoother(this.smoothing);
  }

  /** Adds a point; returns false (and keeps nothing) if it isn't finite. */
  add(x, y) {
    if (!isDrawable(x, y)) return false;
    const point = { x, y, smoothed: this.smoother.next(y) };
    if (this.seen % this.stride === 0) {
      this.xs.push(x);
      this.ys.push(y);
      this.smoothed.push(point.smoothed);
      this.tail = null;
      if (this.xs.length > this.maxPoints) this.halve();
    } else {
      this.tail = point;
    }
    this.seen += 1;
    return true;
  }

  /** Number of points that will be drawn. */
  get length() {
    return this.xs.length + (this.tail ? 1 : 0);
  }

  /** The latest point `{ x, y, smoothed }`, or null before the first. */
  get latest() {
    if (this.tail) return this.tail;
    const i = this.xs.length - 1;
    return i < 0 ? null : { x: this.xs[i], y: this.ys[i], smoothed: this.smoothed[i] };
  }

  /** Calls `visit(x, y, smoothed)` for every point to draw, in order. */
  forEach(visit) {
    for (let i = 0; i < this.xs.length; i++) visit(this.xs[i], this.ys[i], this.smoothed[i]);
    if (this.tail) visit(this.tail.x, this.tail.y, this.tail.smoothed);
  }

  halve() {
    const keep = (_, i) => i % 2 === 0;
    this.xs = this.xs.filter(keep);
    this.ys = this.ys.filter(keep);
    this.smoothed = this.smoothed.filter(keep);
    this.stride *= 2;
  }
}

// ---------------------------------------------------------------------------
// Canvas helpers shared by the chart, the bars and the drawing pad
// ---------------------------------------------------------------------------

const sizePinned = new WeakSet();

/**
 * The backing-store size `{ width, height, ratio }` a canvas needs to be sharp:
 * its CSS size times the device pixel ratio (`ratio` = device pixels per CSS
 * pixel). Returns the current size if the canvas isn't laid out.
 *
 * A canvas the page hasn't sized in CSS is laid out at its width attribute, so
 * growing the backing store would grow the canvas, and again on the next
 * resize. The first time a canvas is seen here, such a width is pinned to its
 * current CSS size (shrinking to fit narrow screens).
 */
export function displaySize(canvas) {
  if (!sizePinned.has(canvas)) {
    sizePinned.add(canvas);
    const before = canvas.getBoundingClientRect().width;
    if (before > 0) {
      canvas.width += 1;
      const sizedByAttribute = canvas.getBoundingClientRect().width !== before;
      canvas.width -= 1;
      if (sizedByAttribute) {
        canvas.style.width = `${before}px`;
        if (!canvas.style.maxWidth) canvas.style.maxWidth = '100%';
      }
    }
  }
  const rect = canvas.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) {
    return { width: canvas.width, height: canvas.height, ratio: 1 };
  }
  // clientWidth excludes borders, which the backing store doesn't cover.
  const cssWidth = canvas.clientWidth || rect.width;
  const cssHeight = canvas.clientHeight || rect.height;
  const ratio = globalThis.devicePixelRatio || 1;
  return {
    width: Math.max(1, Math.round(cssWidth * ratio)),
    height: Math.max(1, Math.round(cssHeight * ratio)),
    ratio,
  };
}

/** Resizes the backing store to `size` if needed; true if it changed (and was cleared). */
export function applySize(canvas, size) {
  if (canvas.width === size.width && canvas.height === size.height) return false;
  canvas.width = size.width;
  canvas.height = size.height;
  return true;
}

/**
 * A colour for drawing: `value` may be a colour, a custom property name
 * ("--accent") or "var(--accent, fallback)"; custom properties are read from
 * the element's computed style. Empty or unset gives `fallback`.
 */
export function cssColor(element, value, fallback) {
  if (!value) return fallback;
  const reference = /^var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)$/.exec(value.trim());
  const name = reference ? reference[1] : value.startsWith('--') ? value : null;
  if (name === null) return value;
  const resolved = getComputedStyle(element).getPropertyValue(name).trim();
  return resolved || (reference && reference[2]) || fallback;
}

/** True if the reader's system asks for a dark colour scheme. */
export function prefersDark() {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Calls `listener` when the reader's colour scheme changes; returns an unsubscribe function. */
export function onColorSchemeChange(listener) {
  if (typeof matchMedia !== 'function') return () => {};
  const query = matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

// ---------------------------------------------------------------------------
// LineChart — the DOM-facing part
// ---------------------------------------------------------------------------

/** Colours for series that don't name one: mid-tones readable on light and dark. */
const PALETTE = ['#3b82f6', '#f97316', '#22c55e', '#a855f7', '#ef4444'];

const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';
const ARIA_INTERVAL_MS = 1000;
// Fastest redraw while training: 5 frames a second still reads as live.
const MIN_DRAW_INTERVAL_MS = 200;

/**
 * A live line chart of training metrics.
 *
 *   const chart = new LineChart(canvas, {
 *     title: 'Training loss', yLabel: 'loss', yMin: 0,
 *     series: [{ name: 'loss', color: 'var(--accent)', smoothing: 0.9 }],
 *   });
 *   chart.add('loss', step, value);
 *
 * Colours may be CSS colours or custom properties; text and grid read
 * `--chart-text` / `--chart-grid` (falling back to the canvas's `color`), so
 * the chart follows the page's light and dark schemes.
 */
export class LineChart {
  constructor(canvas, { title = '', yLabel = '', xLabel = 'step', yMin, yMax, series = [], maxPoints = 5000 } = {}) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d');
    this.title = title;
    this.yLabel = yLabel;
    this.xLabel = xLabel;
    this.yMin = Number.isFinite(yMin) ? yMin : null;
    this.yMax = Number.isFinite(yMax) ? yMax : null;
    this.maxPoints = maxPoints;
    this.series = new Map();
    for (const options of series) this.#addSeries(options);

    this.frame = 0; // pending requestAnimationFrame, 0 if none
    this.drawTimer = 0; // pending wait before that frame, 0 if none
    this.drawnAt = -Infinity;
    this.ariaTimer = 0;
    this.ariaUpdatedAt = -Infinity;

    if (!canvas.hasAttribute('role')) canvas.setAttribute('role', 'img');
    this.#updateLabel();

    // Follow the canvas's CSS size and the colour scheme.
    if (typeof ResizeObserver === 'function') {
      this.resizeObserver = new ResizeObserver(() => this.#scheduleDraw());
      this.resizeObserver.observe(canvas);
    }
    this.stopSchemeListener = onColorSchemeChange(() => this.#scheduleDraw());
    this.#scheduleDraw();
  }

  /** Adds a point to a series (created on the fly if new); non-finite values are ignored. */
  add(seriesName, x, y) {
    const series = this.series.get(seriesName) ?? this.#addSeries({ name: seriesName });
    if (series.data.add(x, y)) {
      this.#scheduleDraw();
      this.#scheduleLabel();
    }
  }

  /** Forgets every point (for a new training run). */
  reset() {
    for (const series of this.series.values()) series.data.reset();
    this.#scheduleDraw();
    this.#updateLabel();
  }

  /** Stops observing the canvas and the colour scheme. */
  destroy() {
    this.resizeObserver?.disconnect();
    this.stopSchemeListener();
    cancelAnimationFrame(this.frame);
    clearTimeout(this.drawTimer);
    clearTimeout(this.ariaTimer);
  }

  #addSeries({ name, color, smoothing = 0 }) {
    const series = {
      name,
      color: color ?? PALETTE[this.series.size % PALETTE.length],
      smoothing,
      data: new SeriesData({ smoothing, maxPoints: this.maxPoints }),
    };
    this.series.set(name, series);
    return series;
  }

  #scheduleDraw() {
    // However many points arrive between two frames, draw once; and while
    // points stream in, at most every MIN_DRAW_INTERVAL_MS: on a two-core
    // laptop the page's drawing takes its time from the training workers.
    if (this.frame || this.drawTimer) return;
    const wait = this.drawnAt + MIN_DRAW_INTERVAL_MS - performance.now();
    if (wait > 0) {
      this.drawTimer = setTimeout(() => {
        this.drawTimer = 0;
        this.#scheduleDraw();
      }, wait);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawnAt = performance.now();
      this.draw();
    });
  }

  // The accessible name summarises the latest values, at most once a second
  // so a screen reader isn't flooded; the trailing update always happens.
  #scheduleLabel() {
    if (this.ariaTimer) return;
    const wait = Math.max(0, this.ariaUpdatedAt + ARIA_INTERVAL_MS - performance.now());
    this.ariaTimer = setTimeout(() => {
      this.ariaTimer = 0;
      this.#updateLabel();
    }, wait);
  }

  #updateLabel() {
    this.ariaUpdatedAt = performance.now();
    this.canvas.setAttribute('aria-label', this.summary());
  }

  /** A sentence describing the latest values, e.g. "Training loss: loss latest 0.12 at step 500". */
  summary() {
    const parts = [];
    for (const { name, smoothing, data } of this.series.values()) {
      const latest = data.latest;
      if (!latest) continue;
      const smoothed = smoothing > 0 ? ` (smoothed ${formatNumber(latest.smoothed)})` : '';
      parts.push(`${name} latest ${formatNumber(latest.y)} at ${this.xLabel} ${formatNumber(latest.x)}${smoothed}`);
    }
    const label = this.title || this.yLabel || 'Chart';
    return `${label}: ${parts.length > 0 ? parts.join('; ') : 'no data yet'}`;
  }

  /** Draws the chart now (normally called once per animation frame after `add`). */
  draw() {
    const { canvas, context: g } = this;
    const size = displaySize(canvas);
    applySize(canvas, size);
    const { ratio } = size;
    const width = canvas.width / ratio; // CSS pixels from here on
    const height = canvas.height / ratio;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);

    const textColor = cssColor(canvas, '--chart-text', getComputedStyle(canvas).color || '#000');
    const gridColor = cssColor(canvas, '--chart-grid', null);
    const small = width < 420; // phones: tighter type
    const tickFont = `${small ? 10 : 11}px ${FONT}`;

    // Header: title, then the legend (on the title's line if it fits).
    let top = 4;
    g.textBaseline = 'top';
    g.fillStyle = textColor;
    g.font = `600 ${small ? 13 : 14}px ${FONT}`;
    g.textAlign = 'left';
    if (this.title) g.fillText(this.title, 8, top);
    const titleWidth = this.title ? g.measureText(this.title).width + 16 : 0;
    g.font = tickFont;
    const legend = [...this.series.values()].map((series) => ({
      series,
      width: 14 + 4 + g.measureText(series.name).width,
    }));
    const legendWidth = legend.reduce((sum, item) => sum + item.width + 12, 0);
    let legendX = width - 8 - legendWidth + 12;
    if (legendX < 8 + titleWidth) {
      top += this.title ? 20 : 0;
      legendX = 8;
    }
    for (const { series, width: itemWidth } of legend) {
      g.strokeStyle = this.#color(series);
      g.lineWidth = 3;
      g.beginPath();
      g.moveTo(legendX, top + 7);
      g.lineTo(legendX + 14, top + 7);
      g.stroke();
      g.fillStyle = textColor;
      g.fillText(series.name, legendX + 18, top + 2);
      legendX += itemWidth + 12;
    }
    top += 22;

    // Ranges: x over the data, y fixed where given, else rounded out to ticks.
    const all = [...this.series.values()];
    const xs = [];
    const ys = [];
    for (const { data } of all) {
      data.forEach((x, y, smoothed) => {
        xs.push(x);
        ys.push(y, smoothed);
      });
    }
    const hasData = xs.length > 0;
    const xRange = extent(xs) ?? [0, 1];
    if (xRange[0] === xRange[1]) xRange[1] = xRange[0] + 1;

    // Plot area, top to bottom first: the height decides how many y ticks fit.
    const plot = { top: top + 4, bottom: height - 22, left: 0, right: width - 10 };
    const yTickCount = Math.max(2, Math.floor((plot.bottom - plot.top) / 36));
    const yData = extent(ys) ?? [0, 1];
    let yTicks = niceTicks(this.yMin ?? yData[0], this.yMax ?? yData[1], yTickCount);
    const yRange = [this.yMin ?? yTicks[0], this.yMax ?? yTicks.at(-1)];
    if (yRange[0] === yRange[1]) yRange[1] = yRange[0] + 1;
    yTicks = yTicks.filter((t) => t >= yRange[0] - 1e-9 && t <= yRange[1] + 1e-9);

    // Then left to right: room for the y tick labels (and the rotated y label).
    g.font = tickFont;
    const formatY = tickFormatter(yTicks);
    const yTickWidth = Math.max(...yTicks.map((t) => g.measureText(formatY(t)).width), 0);
    plot.left = 8 + (this.yLabel ? 16 : 0) + yTickWidth + 6;
    if (plot.right - plot.left < 20 || plot.bottom - plot.top < 20) return; // too small to draw
    const xToPixel = (x) => plot.left + ((x - xRange[0]) / (xRange[1] - xRange[0])) * (plot.right - plot.left);
    const yToPixel = (y) => plot.bottom - ((y - yRange[0]) / (yRange[1] - yRange[0])) * (plot.bottom - plot.top);

    // Grid and ticks.
    g.lineWidth = 1;
    g.strokeStyle = gridColor ?? textColor;
    g.globalAlpha = gridColor ? 1 : 0.15;
    g.beginPath();
    for (const t of yTicks) {
      const y = Math.round(yToPixel(t)) + 0.5; // half-pixel: a crisp 1 px line
      g.moveTo(plot.left, y);
      g.lineTo(plot.right, y);
    }
    g.stroke();
    g.globalAlpha = 1;

    g.fillStyle = textColor;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const t of yTicks) g.fillText(formatY(t), plot.left - 6, yToPixel(t));

    // The x axis is named at its right end ("step"); tick labels that would
    // run into that name (or off the canvas) are left out.
    g.textBaseline = 'top';
    g.textAlign = 'right';
    g.globalAlpha = 0.7;
    g.fillText(this.xLabel, plot.right, plot.bottom + 5);
    g.globalAlpha = 1;
    if (hasData) {
      const labelStart = plot.right - g.measureText(this.xLabel).width - 8;
      const xTicksAll = niceTicks(xRange[0], xRange[1], Math.max(2, Math.floor((plot.right - plot.left) / 70)));
      const formatX = tickFormatter(xTicksAll); // decimals from the whole step, before filtering
      g.textAlign = 'center';
      for (const t of xTicksAll) {
        if (t < xRange[0] || t > xRange[1]) continue;
        const text = formatX(t);
        const x = xToPixel(t);
        if (x + g.measureText(text).width / 2 > labelStart) continue;
        g.fillText(text, x, plot.bottom + 5);
      }
    }

    // Axes lines.
    g.strokeStyle = textColor;
    g.globalAlpha = 0.5;
    g.beginPath();
    g.moveTo(plot.left + 0.5, plot.top);
    g.lineTo(plot.left + 0.5, plot.bottom + 0.5);
    g.lineTo(plot.right, plot.bottom + 0.5);
    g.stroke();
    g.globalAlpha = 1;

    // The y axis's name, rotated along the left edge.
    if (this.yLabel) {
      g.save();
      g.translate(10, (plot.top + plot.bottom) / 2);
      g.rotate(-Math.PI / 2);
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(this.yLabel, 0, 0);
      g.restore();
    }

    if (!hasData) {
      g.globalAlpha = 0.6;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText('No data yet', (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2);
      g.globalAlpha = 1;
      return;
    }

    // The lines, clipped to the plot so a fixed y range can't spill over.
    g.save();
    g.beginPath();
    g.rect(plot.left - 4, plot.top - 4, plot.right - plot.left + 8, plot.bottom - plot.top + 8); // room for dots at the edges
    g.clip();
    g.lineJoin = 'round';
    g.lineCap = 'round';
    for (const series of all) {
      const { data, smoothing } = series;
      if (data.length === 0) continue;
      g.strokeStyle = this.#color(series);
      g.fillStyle = g.strokeStyle;
      const smoothed = smoothing > 0;
      // Raw values: faint under a smoothed line, bold on their own.
      this.#line(data, (x, y) => [xToPixel(x), yToPixel(y)], smoothed ? 1 : 2, smoothed ? 0.25 : 1);
      if (smoothed) this.#line(data, (x, _y, s) => [xToPixel(x), yToPixel(s)], 2, 1);
      // A few points (e.g. a test accuracy per epoch) would be invisible as a line alone.
      if (data.length < 40) {
        data.forEach((x, y) => {
          g.beginPath();
          g.arc(xToPixel(x), yToPixel(y), 2.5, 0, 2 * Math.PI);
          g.fill();
        });
      }
    }
    g.restore();
  }

  #line(data, project, lineWidth, alpha) {
    const g = this.context;
    g.lineWidth = lineWidth;
    g.globalAlpha = alpha;
    g.beginPath();
    // Thousands of steps land on a few hundred pixel columns: per column,
    // draw where the line enters, its lowest and highest point and where it
    // leaves. The picture is the same; the path is a fraction as long, and
    // the page's thread (which shares the cores with training) draws it in
    // a fraction of the time.
    let column = null;
    let enter = 0;
    let low = 0;
    let high = 0;
    let leave = 0;
    const flush = () => {
      g.lineTo(column, enter);
      if (low !== enter) g.lineTo(column, low);
      if (high !== low) g.lineTo(column, high);
      if (leave !== high) g.lineTo(column, leave);
    };
    data.forEach((x, y, smoothed) => {
      const [px, py] = project(x, y, smoothed);
      const c = Math.round(px);
      if (c !== column) {
        if (column === null) g.moveTo(c, py);
        else flush();
        column = c;
        enter = low = high = py;
      }
      low = Math.min(low, py);
      high = Math.max(high, py);
      leave = py;
    });
    if (column !== null) flush();
    g.stroke();
    g.globalAlpha = 1;
  }

  #color(series) {
    return cssColor(this.canvas, series.color, PALETTE[0]);
  }
}
