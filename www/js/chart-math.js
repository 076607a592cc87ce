// chart-math.js — the pure numbers behind the line charts: TensorBoard-style
// smoothing, round tick values, ranges and short number labels. Numbers in,
// numbers out: no DOM, tested in Node (www/tests/chart.test.mjs).

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
