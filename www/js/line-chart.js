// line-chart.js — a live line chart of training metrics on a canvas.
//
// The paper's Fig. 13 plots loss and accuracy per batch; here they grow while
// the network trains in the page. Per-batch values are noisy, so a series can
// be smoothed like TensorBoard does: the raw values drawn faint, an
// exponential moving average drawn bold on top. Earlier runs can be laid
// underneath as muted "overlays" (runs.js keeps them, curves.js passes them).
//
// This class holds the series and decides when to draw (at most 5 times a
// second while points stream in) and what the canvas's accessible name says;
// chart-paint.js draws.

import { onColorSchemeChange } from './canvas.js';
import { formatNumber } from './chart-math.js';
import { PALETTE, paintChart } from './chart-paint.js';
import { SeriesData } from './chart-series.js';

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
    this.overlays = [];

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

  /** Forgets every point of the live series (for a new training run); overlays stay. */
  reset() {
    for (const series of this.series.values()) series.data.reset();
    this.#scheduleDraw();
    this.#updateLabel();
  }

  /**
   * Replaces the muted curves drawn under the live series: earlier runs,
   * `[{ name, color, dash, data }]`, `data` a SeriesData (drawn as its
   * smoothed line; it already holds finite points only). Oldest first: the
   * last is drawn last, nearest the live series.
   */
  setOverlays(overlays) {
    this.overlays = overlays.map(({ name, color, dash = [], data }) => ({ name, color, dash, data }));
    this.#scheduleDraw();
    this.#updateLabel();
  }

  /** What the chart holds, for tests and the console: `[{ name, points, overlay }]`, overlays first. */
  describe() {
    return [
      ...this.overlays.map(({ name, data }) => ({ name, points: data.length, overlay: true })),
      ...[...this.series.values()].map(({ name, data }) => ({ name, points: data.length, overlay: false })),
    ];
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

  /**
   * A sentence describing the latest values, e.g. "Training loss: loss latest
   * 0.12 at step 500", and how many earlier runs are drawn under them.
   */
  summary() {
    const parts = [];
    for (const { name, smoothing, data } of this.series.values()) {
      const latest = data.latest;
      if (!latest) continue;
      const smoothed = smoothing > 0 ? ` (smoothed ${formatNumber(latest.smoothed)})` : '';
      parts.push(`${name} latest ${formatNumber(latest.y)} at ${this.xLabel} ${formatNumber(latest.x)}${smoothed}`);
    }
    const label = this.title || this.yLabel || 'Chart';
    const kept = this.overlays.length;
    const earlier = kept === 0 ? '' : `; ${kept} earlier ${kept === 1 ? 'run' : 'runs'} drawn muted underneath`;
    return `${label}: ${parts.length > 0 ? parts.join('; ') : 'no data yet'}${earlier}`;
  }

  /** Draws the chart now (normally called once per animation frame after `add`). */
  draw() {
    paintChart(this.canvas, this.context, {
      title: this.title,
      yLabel: this.yLabel,
      xLabel: this.xLabel,
      yMin: this.yMin,
      yMax: this.yMax,
      series: [...this.series.values()],
      overlays: this.overlays,
    });
  }
}
