// Tests for runs.js: the runs kept for the learning curves — labels, which
// runs are kept, the cap and the slots (colours), Clear — in Node, no DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_KEPT_RUNS, RunList, hasPoints, runLabel } from '../js/runs.js';

const settings = (seed, more = {}) => ({ preset: 'cnn', optimizer: 'adam', learningRate: 0.001, batchSize: 64, epochs: 2, seed, ...more });

/** Trains the current run for `steps` steps with `s` in force. */
function train(runs, s, steps = 3) {
  for (let step = 1; step <= steps; step++) {
    runs.add('loss', step, 2 / step, s);
    runs.add('accuracy', step, 10 * step, s);
  }
}

test('a run is labelled "preset · optimizer lr · batch B · seed S"', () => {
  assert.equal(runLabel(settings(1)), 'cnn · adam 0.001 · batch 64 · seed 1');
  assert.equal(runLabel({ preset: 'paper-mlp', optimizer: 'sgd', learningRate: 0.1 + 0.2, batchSize: 250, seed: 7 }), 'paper-mlp · sgd 0.3 · batch 250 · seed 7');
  assert.equal(runLabel({ preset: 'mlp', optimizer: 'momentum', learningRate: 1e-7, batchSize: 1, seed: 0 }), 'mlp · momentum 1e-7 · batch 1 · seed 0');
  assert.equal(runLabel({}), '? · ? ? · batch ? · seed ?');
});

test('the label is fixed by the settings at the first point; before, it follows the settings', () => {
  const runs = new RunList({ series: ['loss', 'accuracy'] });
  assert.equal(runs.started, false);
  assert.equal(runs.currentLabel(settings(1)), 'cnn · adam 0.001 · batch 64 · seed 1');
  assert.equal(runs.currentLabel(settings(2)), 'cnn · adam 0.001 · batch 64 · seed 2');
  const atStart = settings(2);
  runs.add('loss', 1, 0.5, atStart);
  atStart.learningRate = 0.01; // the object the page keeps up to date changes later
  assert.equal(runs.started, true);
  // A new learning rate mid-run does not rename it.
  runs.add('loss', 2, 0.4, settings(2, { learningRate: 0.01 }));
  assert.equal(runs.currentLabel(settings(2, { learningRate: 0.01 })), 'cnn · adam 0.001 · batch 64 · seed 2');
});

test('finished runs with points are kept with their points; empty ones are not', () => {
  const runs = new RunList({ series: ['loss', 'accuracy'], smoothing: 0.9 });
  assert.deepEqual(runs.finish(), []); // nothing trained: nothing kept
  assert.equal(runs.kept.length, 0);
  train(runs, settings(1), 5);
  runs.finish();
  train(runs, settings(2), 4);
  runs.finish();
  runs.finish(); // a network that never trained
  assert.deepEqual(runs.kept.map((r) => r.label), ['cnn · adam 0.001 · batch 64 · seed 1', 'cnn · adam 0.001 · batch 64 · seed 2']);
  assert.deepEqual(runs.kept.map((r) => r.series.get('loss').length), [5, 4]);
  assert.deepEqual(runs.kept.map((r) => r.slot), [0, 1]);
  // The kept points are the run's, smoothed like the live curve.
  const first = [];
  runs.kept[0].series.get('loss').forEach((x, y, s) => first.push([x, y, s]));
  assert.deepEqual(first.map(([x, y]) => [x, y]), [[1, 2], [2, 1], [3, 2 / 3], [4, 0.5], [5, 0.4]]);
  assert.equal(first[0][2], 2); // bias-corrected: the first smoothed value is the first value
  // The current run starts empty.
  assert.equal(runs.started, false);
  assert.equal(hasPoints(runs.current), false);
});

test('non-finite points are refused: nothing kept holds NaN, and they do not start a run', () => {
  const runs = new RunList({ series: ['loss'] });
  assert.equal(runs.add('loss', 1, NaN, settings(1)), false);
  assert.equal(runs.add('loss', Infinity, 1, settings(1)), false);
  assert.equal(runs.started, false);
  runs.finish();
  assert.equal(runs.kept.length, 0);
  runs.add('loss', 1, 0.7, settings(2));
  runs.add('loss', 2, -Infinity, settings(2));
  runs.add('loss', 3, 0.5, settings(2));
  runs.finish();
  const values = [];
  runs.kept[0].series.get('loss').forEach((x, y, s) => values.push(x, y, s));
  assert.ok(values.every(Number.isFinite), values.join(', '));
  assert.equal(runs.kept[0].series.get('loss').length, 2);
});

test(`at most ${MAX_KEPT_RUNS} runs are kept: the oldest go, are counted, and a new run takes a free slot`, () => {
  const runs = new RunList({ series: ['loss'] });
  for (let seed = 1; seed <= MAX_KEPT_RUNS; seed++) {
    train(runs, settings(seed), 2);
    assert.deepEqual(runs.finish(), []);
  }
  assert.equal(runs.kept.length, MAX_KEPT_RUNS);
  assert.deepEqual(runs.kept.map((r) => r.slot), [0, 1, 2, 3, 4, 5, 6, 7]);
  train(runs, settings(100), 2);
  const dropped = runs.finish();
  assert.deepEqual(dropped.map((r) => r.settings.seed), [1]);
  assert.equal(runs.dropped, 1);
  assert.equal(runs.kept.length, MAX_KEPT_RUNS);
  assert.equal(runs.kept.at(-1).settings.seed, 100);
  // The newest takes the dropped run's slot; the others keep theirs.
  assert.deepEqual(runs.kept.map((r) => r.slot), [1, 2, 3, 4, 5, 6, 7, 0]);
  assert.equal(new Set(runs.kept.map((r) => r.slot)).size, MAX_KEPT_RUNS);
  train(runs, settings(101), 2);
  runs.finish();
  assert.equal(runs.dropped, 2);
  assert.deepEqual(runs.kept.map((r) => r.settings.seed), [3, 4, 5, 6, 7, 8, 100, 101]);
});

test('a smaller cap, and long runs are decimated to bounded memory', () => {
  const runs = new RunList({ series: ['loss'], maxKept: 2, maxPoints: 50 });
  for (const seed of [1, 2, 3]) {
    for (let step = 0; step < 10_000; step++) runs.add('loss', step, 1 / (step + 1), settings(seed));
    runs.finish();
  }
  assert.deepEqual(runs.kept.map((r) => r.settings.seed), [2, 3]);
  for (const run of runs.kept) {
    const data = run.series.get('loss');
    assert.ok(data.length <= 51, `${data.length} points`);
    assert.equal(data.latest.x, 9_999); // still ends where the run ended
  }
  assert.throws(() => new RunList({ maxKept: 0 }), RangeError);
});

test('clear forgets the kept runs and the dropped count; the current run goes on', () => {
  const runs = new RunList({ series: ['loss'], maxKept: 1 });
  train(runs, settings(1), 2);
  runs.finish();
  train(runs, settings(2), 2);
  runs.finish();
  assert.equal(runs.dropped, 1);
  train(runs, settings(3), 2);
  runs.clear();
  assert.deepEqual(runs.kept, []);
  assert.equal(runs.dropped, 0);
  assert.equal(runs.currentLabel(settings(9)), 'cnn · adam 0.001 · batch 64 · seed 3');
  assert.equal(runs.current.series.get('loss').length, 2);
  runs.finish();
  assert.deepEqual(runs.kept.map((r) => [r.label, r.slot]), [['cnn · adam 0.001 · batch 64 · seed 3', 0]]);
});
