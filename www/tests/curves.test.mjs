// Tests for curves.js (the learning-curves panel) and legend.js in Node, on
// stand-ins for the few DOM objects they use: what the legend lists, which
// runs the charts draw, the note when old runs are dropped, Clear runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LearningCurves } from '../js/curves.js';
import { MAX_KEPT_RUNS } from '../js/runs.js';

/** A stand-in element: attributes, children, text, dataset, style, listeners. */
function element(tag) {
  const attributes = new Map();
  const listeners = new Map();
  const node = {
    tag,
    children: [],
    dataset: {},
    style: {},
    className: '',
    textContent: '',
    ownerDocument: null,
    setAttribute: (name, value) => attributes.set(name, String(value)),
    getAttribute: (name) => attributes.get(name) ?? null,
    hasAttribute: (name) => attributes.has(name),
    addEventListener: (type, listener) => listeners.set(type, listener),
    dispatch: (type) => listeners.get(type)?.(),
    append: (...nodes) => node.children.push(...nodes),
    replaceChildren: (...nodes) => {
      node.children = nodes;
    },
    getContext: () => ({}),
  };
  return node;
}

const doc = {
  createElement: (tag) => Object.assign(element(tag), { ownerDocument: doc }),
  createElementNS: (_ns, tag) => Object.assign(element(tag), { ownerDocument: doc }),
};

/** The panel on stand-ins, with the browser's timers stubbed (nothing is drawn in Node). */
function panel(settings) {
  const legend = Object.assign(element('ul'), { ownerDocument: doc });
  const elements = {
    lossCanvas: element('canvas'),
    accuracyCanvas: element('canvas'),
    legend,
    clearButton: element('button'),
    status: element('p'),
  };
  return { curves: new LearningCurves(elements, { settings }), ...elements };
}

/** The legend's entries as text: "label" or "label [current]". */
const entries = (legend) =>
  legend.children.map((li) => {
    const label = li.children.find((c) => c.className === 'run-label').textContent;
    return li.dataset.current === 'true' ? `${label} [current]` : label;
  });

const batches = (n) => Array.from({ length: n }, (_, i) => ({ step: i + 1, loss: 2 / (i + 1), accuracy: i / n }));

function withStubbedTimers(body) {
  const saved = { requestAnimationFrame: globalThis.requestAnimationFrame, setTimeout: globalThis.setTimeout };
  globalThis.requestAnimationFrame = () => 1;
  globalThis.setTimeout = () => 1;
  try {
    body();
  } finally {
    Object.assign(globalThis, saved);
  }
}

test('the legend names the current run from the settings, then keeps each run with the settings it started with', () => {
  withStubbedTimers(() => {
    const settings = {};
    const { curves, legend, clearButton } = panel(settings);
    assert.deepEqual(entries(legend), ['the network to come [current]']);
    assert.equal(clearButton.getAttribute('aria-disabled'), 'true');

    Object.assign(settings, { preset: 'cnn', optimizer: 'adam', learningRate: 0.001, batchSize: 64, seed: 1 });
    curves.settingsChanged();
    assert.deepEqual(entries(legend), ['cnn · adam 0.001 · batch 64 · seed 1 [current]']);
    curves.training(batches(5));
    settings.learningRate = 0.01; // changed mid-run: the run keeps its label
    curves.settingsChanged();
    curves.training(batches(3));
    assert.deepEqual(entries(legend), ['cnn · adam 0.001 · batch 64 · seed 1 [current]']);

    settings.seed = 2;
    curves.newRun();
    assert.deepEqual(entries(legend), ['cnn · adam 0.01 · batch 64 · seed 2 [current]', 'cnn · adam 0.001 · batch 64 · seed 1']);
    assert.equal(clearButton.getAttribute('aria-disabled'), 'false');
    // Both charts draw the kept run, with its points, in its own colour and dash.
    for (const chart of [curves.loss, curves.accuracy]) {
      assert.deepEqual(chart.describe().filter((s) => s.overlay), [{ name: 'cnn · adam 0.001 · batch 64 · seed 1', points: 8, overlay: true }]);
      assert.equal(chart.overlays[0].color, 'var(--run-1)');
      assert.equal(chart.describe().find((s) => s.name === 'training (per batch)').points, 0, 'the live series start over');
    }
    // The swatch is decoration; the current one is marked in words.
    const [current] = legend.children;
    assert.equal(current.children[0].getAttribute('aria-hidden'), 'true');
    assert.ok(current.children.some((c) => c.textContent === 'current'));
    // A network that never trained is not kept.
    curves.newRun();
    assert.equal(curves.runs.kept.length, 1);
  });
});

test(`beyond ${MAX_KEPT_RUNS} runs the oldest are dropped and the page says so; Clear runs keeps the current run`, () => {
  withStubbedTimers(() => {
    const settings = { preset: 'mlp', optimizer: 'sgd', learningRate: 0.05, batchSize: 16, seed: 0 };
    const { curves, legend, clearButton, status } = panel(settings);
    for (let seed = 1; seed <= MAX_KEPT_RUNS + 2; seed++) {
      settings.seed = seed;
      curves.training(batches(2));
      curves.newRun();
    }
    assert.equal(curves.runs.kept.length, MAX_KEPT_RUNS);
    assert.equal(status.textContent, `Showing the last ${MAX_KEPT_RUNS} runs: 2 older runs were dropped.`);
    assert.equal(legend.children.length, MAX_KEPT_RUNS + 1);
    assert.equal(entries(legend).at(-1), 'mlp · sgd 0.05 · batch 16 · seed 3', 'seeds 1 and 2 are gone');
    // Eight kept runs, eight colours.
    assert.equal(new Set(curves.loss.overlays.map((o) => o.color)).size, MAX_KEPT_RUNS);

    curves.training(batches(4));
    clearButton.dispatch('click');
    assert.deepEqual(entries(legend), ['mlp · sgd 0.05 · batch 16 · seed 10 [current]']);
    assert.deepEqual(curves.loss.overlays, []);
    assert.equal(curves.loss.describe().find((s) => s.name === 'training (per batch)').points, 4);
    assert.equal(status.textContent, 'Earlier runs cleared.');
    assert.equal(clearButton.getAttribute('aria-disabled'), 'true');
    clearButton.dispatch('click'); // nothing to clear: nothing happens
    assert.equal(legend.children.length, 1);
  });
});
