// Tests for the chart modules (through chart.js, which re-exports them): the pure part: smoothing, ticks, ranges, and the series
// buffer that drops non-finite values and decimates long runs. Plus the
// LineChart's accessible summary, with the browser bits stubbed out.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  LineChart,
  SeriesData,
  Smoother,
  ema,
  extent,
  formatNumber,
  isDrawable,
  niceTicks,
  tickFormatter,
} from '../js/chart.js';

const close = (a, b, tolerance = 1e-9) => Math.abs(a - b) <= tolerance;

describe('ema (TensorBoard-style smoothing)', () => {
  test('factor 0 is the identity', () => {
    assert.deepEqual(ema([3, -1, 4, 1.5, 9], 0), [3, -1, 4, 1.5, 9]);
  });

  test('a constant stays constant, from the first value on', () => {
    for (const factor of [0.3, 0.9, 0.99]) {
      for (const v of ema(new Array(50).fill(2.5), factor)) assert.ok(close(v, 2.5, 1e-12), `${factor}: ${v}`);
    }
  });

  test('bias correction: the first output is the first input', () => {
    assert.equal(ema([7, 0, 0], 0.9)[0], 7);
    // Uncorrected, the second value would be 0.9·0.7 = 0.63; corrected it is
    // 0.63 / (1 − 0.9²) = 3.3158.
    assert.ok(close(ema([7, 0], 0.9)[1], (0.9 * 0.1 * 7) / (1 - 0.81)));
  });

  test('smooths: stays within the data and varies less than it', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => 1 / (1 + i / 20) + (i % 2 ? 0.2 : -0.2));
    const smooth = ema(noisy, 0.9);
    const [low, high] = extent(noisy);
    assert.ok(smooth.every((v) => v >= low && v <= high));
    const wiggle = (values) => values.slice(1).reduce((total, v, i) => total + Math.abs(v - values[i]), 0);
    assert.ok(wiggle(smooth) < wiggle(noisy) / 5);
  });

  test('non-finite values give NaN in place and leave the average alone', () => {
    const smooth = ema([1, NaN, Infinity, 1, 3], 0.5);
    assert.ok(Number.isNaN(smooth[1]) && Number.isNaN(smooth[2]));
    assert.deepEqual([smooth[0], smooth[3]], [1, 1]);
    assert.ok(close(smooth[4], ema([1, 1, 3], 0.5)[2]));
  });

  test('factor 1 is clamped, so the average still moves', () => {
    const smooth = ema([0, 10, 10], 1);
    assert.ok(smooth.every(Number.isFinite));
    assert.ok(smooth[2] > 0);
  });

  test('the running Smoother gives the same values', () => {
    const values = [0.5, 2, 1.25, 8, 3];
    const smoother = new Smoother(0.6);
    assert.deepEqual(
      values.map((v) => smoother.next(v)),
      ema(values, 0.6),
    );
  });
});

describe('niceTicks', () => {
  test('0–1 in fifths', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  test('round numbers covering an awkward range', () => {
    for (const [min, max, count] of [
      [0.13, 2.37, 5],
      [-3.3, 17.2, 4],
      [0, 6000, 6],
      [0.0012, 0.0097, 5],
      [95.2, 99.1, 4],
      [1, 123456, 5],
    ]) {
      const ticks = niceTicks(min, max, count);
      assert.ok(ticks[0] <= min && ticks.at(-1) >= max, `${min}–${max}: ${ticks}`);
      assert.ok(ticks.length >= 2 && ticks.length <= 2 * count + 2, `${min}–${max}: ${ticks.length} ticks`);
      const step = ticks[1] - ticks[0];
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      assert.ok([1, 2, 5].some((m) => close(mantissa, m, 1e-6)), `step ${step}`);
      for (let i = 1; i < ticks.length; i++) assert.ok(close(ticks[i] - ticks[i - 1], step, step * 1e-9));
      // Round numbers print short: no 0.30000000000000004.
      for (const t of ticks) assert.ok(String(t).length <= 8, `tick ${t}`);
    }
  });

  test('a zero-width range still gets ticks around the value', () => {
    const ticks = niceTicks(5, 5, 4);
    assert.ok(ticks.length >= 2 && ticks[0] < 5 && ticks.at(-1) > 5, `${ticks}`);
    assert.ok(niceTicks(0, 0, 4).includes(0));
  });

  test('reversed bounds work; non-finite bounds give no ticks', () => {
    assert.deepEqual(niceTicks(1, 0, 5), niceTicks(0, 1, 5));
    assert.deepEqual(niceTicks(NaN, 1, 5), []);
    assert.deepEqual(niceTicks(0, Infinity, 5), []);
  });
});

describe('extent and isDrawable skip what cannot be drawn', () => {
  test('extent over several arrays, ignoring NaN and ±Infinity', () => {
    assert.deepEqual(extent([3, NaN, 1], [Infinity, 7, -Infinity], []), [1, 7]);
    assert.equal(extent([NaN], []), null);
    assert.equal(extent(), null);
  });

  test('isDrawable', () => {
    assert.equal(isDrawable(1, 0.5), true);
    for (const [x, y] of [
      [1, NaN],
      [NaN, 1],
      [1, Infinity],
      [1, -Infinity],
      [1, undefined],
      [1, null],
    ]) {
      assert.equal(isDrawable(x, y), false, `${x}, ${y}`);
    }
  });
});

describe('SeriesData', () => {
  test('keeps finite points only', () => {
    const series = new SeriesData();
    const added = [
      [0, 1],
      [1, NaN],
      [2, Infinity],
      [NaN, 3],
      [3, 0.5],
    ].map(([x, y]) => series.add(x, y));
    assert.deepEqual(added, [true, false, false, false, true]);
    assert.deepEqual(series.xs, [0, 3]);
    assert.deepEqual(series.ys, [1, 0.5]);
  });

  test('smoothed values follow ema of the finite values', () => {
    const series = new SeriesData({ smoothing: 0.8 });
    const ys = [2, NaN, 1, 4, 3];
    ys.forEach((y, x) => series.add(x, y));
    assert.deepEqual(series.smoothed, ema([2, 1, 4, 3], 0.8));
  });

  test('a long run is decimated to at most maxPoints, evenly, ending at the latest point', () => {
    const maxPoints = 5000;
    const series = new SeriesData({ smoothing: 0.9, maxPoints });
    const total = 123_457;
    for (let step = 0; step < total; step++) series.add(step, Math.sin(step / 100));
    assert.ok(series.length <= maxPoints + 1, `${series.length} points`);
    assert.ok(series.length > maxPoints / 2, `${series.length} points`);
    // The kept points are evenly spaced (every stride-th step) ...
    const gaps = new Set(series.xs.slice(1).map((x, i) => x - series.xs[i]));
    assert.deepEqual([...gaps], [series.stride]);
    // ... start at the start and end at the latest value.
    assert.equal(series.xs[0], 0);
    assert.equal(series.latest.x, total - 1);
    let last = null;
    series.forEach((x) => (last = x));
    assert.equal(last, total - 1);
    // Smoothing saw every value, not just the kept ones.
    const all = ema(
      Array.from({ length: total }, (_, step) => Math.sin(step / 100)),
      0.9,
    );
    assert.ok(close(series.latest.smoothed, all.at(-1), 1e-9));
  });

  test('reset empties it', () => {
    const series = new SeriesData({ maxPoints: 10 });
    for (let i = 0; i < 100; i++) series.add(i, i);
    series.reset();
    assert.equal(series.length, 0);
    assert.equal(series.latest, null);
    assert.equal(series.stride, 1);
  });
});

test('formatNumber keeps labels short', () => {
  assert.equal(formatNumber(0.123456), '0.123');
  assert.equal(formatNumber(2.5), '2.5');
  assert.equal(formatNumber(97.123), '97.1');
  assert.equal(formatNumber(500), '500');
  assert.equal(formatNumber(60000), '60k');
  assert.equal(formatNumber(1234567), '1.23M');
  assert.equal(formatNumber(0), '0');
});

test('tickFormatter gives one axis one unit and just enough decimals', () => {
  const label = (ticks) => ticks.map(tickFormatter(ticks));
  assert.deepEqual(label([0, 2000, 4000, 6000, 8000, 10000, 12000]), ['0', '2k', '4k', '6k', '8k', '10k', '12k']);
  assert.deepEqual(label([0, 500, 1000, 1500]), ['0', '500', '1000', '1500']);
  assert.deepEqual(label([0, 0.2, 0.4, 0.6, 0.8, 1]), ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  assert.deepEqual(label([0, 0.5, 1, 1.5, 2, 2.5]), ['0.0', '0.5', '1.0', '1.5', '2.0', '2.5']);
  assert.deepEqual(label([10000, 15000, 20000]), ['10k', '15k', '20k']);
  assert.deepEqual(label([0, 2500000, 5000000]), ['0.0', '2.5M', '5.0M']);
  assert.deepEqual(label([0.001, 0.002]), ['0.001', '0.002']);
});

test("LineChart's accessible summary describes the latest values and ignores NaN", () => {
  // Just enough of a browser for the constructor; nothing is drawn in Node.
  const attributes = new Map();
  const canvas = {
    getContext: () => ({}),
    hasAttribute: (name) => attributes.has(name),
    setAttribute: (name, value) => attributes.set(name, value),
  };
  const saved = { requestAnimationFrame: globalThis.requestAnimationFrame, setTimeout: globalThis.setTimeout };
  globalThis.requestAnimationFrame = () => 1;
  globalThis.setTimeout = () => 1;
  try {
    const chart = new LineChart(canvas, {
      title: 'Training loss',
      series: [{ name: 'loss', smoothing: 0.6 }, { name: 'test' }],
    });
    assert.equal(attributes.get('role'), 'img');
    assert.equal(attributes.get('aria-label'), 'Training loss: no data yet');
    chart.add('loss', 499, 0.2);
    chart.add('loss', 500, 0.12);
    chart.add('loss', 501, NaN);
    chart.add('test', 500, Infinity);
    // Smoothed: (0.6 · 0.4 · 0.2 + 0.4 · 0.12) / (1 − 0.6²) = 0.15.
    assert.equal(chart.summary(), 'Training loss: loss latest 0.12 at step 500 (smoothed 0.15)');
    chart.reset();
    assert.equal(attributes.get('aria-label'), 'Training loss: no data yet');

    // Earlier runs laid underneath: listed by describe(), counted in the name, kept by reset().
    const earlier = new SeriesData({ smoothing: 0.9 });
    earlier.add(1, 0.5);
    earlier.add(2, NaN);
    earlier.add(3, 0.3);
    chart.setOverlays([{ name: 'cnn · adam 0.001 · batch 64 · seed 1', color: 'var(--run-1)', dash: [6, 4], data: earlier }]);
    assert.equal(attributes.get('aria-label'), 'Training loss: no data yet; 1 earlier run drawn muted underneath');
    chart.add('loss', 1, 0.4);
    chart.reset();
    assert.deepEqual(chart.describe(), [
      { name: 'cnn · adam 0.001 · batch 64 · seed 1', points: 2, overlay: true },
      { name: 'loss', points: 0, overlay: false },
      { name: 'test', points: 0, overlay: false },
    ]);
    chart.setOverlays([]);
    assert.equal(chart.describe().filter((s) => s.overlay).length, 0);
  } finally {
    Object.assign(globalThis, saved);
  }
});
