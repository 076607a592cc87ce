// chart-series.js — the points of one chart series: finite values only,
// smoothed as they arrive and decimated evenly once there are too many. Pure
// (no DOM): the live charts and the kept runs (runs.js) both hold them.

import { Smoother, isDrawable } from './chart-math.js';

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
