// End-to-end: the Experiments panel (www/js/lab.js, lab-results.js;
// worker-lab.js; groundup::lab through the wasm glue).
//
//   - Gradient check: a table "Gradient check" with Parameter, Max relative
//     error and Result; every row passes, each error below the tolerance printed.
//   - Overfit one image, started while training runs: training is paused
//     for it, and its result ends with "loss X at step N", X < 0.01.
//   - Fig. 8: two curves, named in an HTML legend and on the chart.
//   - Stop ends a longer experiment, and the page's network is the same
//     before and after (the same drawing gets the same answer).
//   - #experiment=overfit-one runs it and scrolls its result into view;
//     #experiment=nonsense is refused in #url-errors by key and value.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { DIGITS, openPage, readPrediction, setUp, stroke, waitForData } from './harness.mjs';

let env;
let record;

before(async () => {
  env = await setUp();
});

after(async () => {
  await env?.close();
});

afterEach(async () => {
  await record?.page.close();
  record = null;
});

/** A new tab at the page with `fragment`, once the worker is ready and the data in. */
async function open(fragment = '') {
  record = await env.newPage();
  await openPage(record, `${env.url}${fragment ? `#${fragment}` : ''}`);
  await waitForData(record.page, 120_000);
  return record.page;
}

function assertClean() {
  assert.deepEqual(record.errors, [], 'console errors or uncaught exceptions');
}

const button = (page, name) => page.getByRole('button', { name, exact: true });
const region = (page, name) => page.getByRole('region', { name: `${name} result`, exact: true });

/** Waits until experiment `name`'s region says it is over ("Done." or "Stopped."). */
async function finished(page, name, timeout = 120_000) {
  await region(page, name).waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    (label) => {
      const r = [...document.querySelectorAll('[role="region"]')].find((e) => e.getAttribute('aria-label') === label);
      return r && /^(Done|Stopped)\.$/.test(r.querySelector('.lab-progress').textContent);
    },
    `${name} result`,
    { timeout },
  );
  return region(page, name);
}

const LAST_LOSS = /loss (\d+(?:\.\d+)?(?:e[-+]?\d+)?) at step (\d+)$/;

test('Gradient check: every parameter tensor passes, each within its printed tolerance', async () => {
  const page = await open();
  await button(page, 'Gradient check').click();
  await page.waitForFunction(() => location.hash.includes('experiment=gradcheck'));
  const result = await finished(page, 'Gradient check');
  const table = result.getByRole('table', { name: 'Gradient check' });
  assert.deepEqual(await table.locator('thead th').allTextContents(), ['Parameter', 'Max relative error', 'Result']);
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.ok(rows.length >= 4, `one row per parameter tensor: ${JSON.stringify(rows)}`);
  // The tolerance printed: its relative part, and the rounding part's formula.
  const tolerance = await result.locator('.lab-tolerance').textContent();
  const printed = tolerance.match(/^Tolerance: (\d(?:\.\d+)?e-\d+)\. A row passes when its max relative error is at most that/);
  assert.ok(printed, tolerance);
  const limit = Number(printed[1]);
  assert.ok(limit > 0 && limit <= 1e-3, `a tolerance that can tell a wrong derivative (errors of order 1): ${limit}`);
  for (const [parameter, error, verdict] of rows) {
    assert.match(parameter, /^layers\.\d+\.(weight|bias)$/);
    assert.equal(verdict, 'pass', parameter);
    // Every row below the tolerance printed beside the table.
    assert.ok(Number.isFinite(Number(error)) && Number(error) <= limit, `${parameter}: max relative error ${error} > ${limit}`);
  }
  // What the paper reported, with its equation, beside the result.
  assert.match(await result.locator('.lab-paper').textContent(), /^The paper \(§3\.3, eq\. 16\): /);
  assertClean();
});

test('Overfit one image, pressed while training: training pauses, the loss goes below 0.01', async () => {
  const page = await open();
  await button(page, 'Train').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Training'), null, { timeout: 30_000 });
  await button(page, 'Overfit one image').click();
  await page.waitForFunction(() => /Training is paused for it/.test(document.getElementById('lab-status').textContent), null, { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('pause').disabled); // paused
  const result = await finished(page, 'Overfit one image');
  const text = (await result.textContent()).trim();
  const [, loss, step] = LAST_LOSS.exec(text) ?? [];
  assert.ok(loss !== undefined, `ends with "loss X at step N": …${text.slice(-120)}`);
  assert.ok(Number(loss) < 0.01, `loss ${loss} at step ${step}`);
  // The chart has the run's curve, up to that step.
  const points = await page.evaluate(() => {
    const chart = globalThis.groundup.lab.views.get('overfit-one').chart;
    return [...chart.series.values()].map((s) => s.data.latest?.x ?? null);
  });
  assert.deepEqual(points, [Number(step)]);
  // Train is free again: training goes on from where it was paused.
  assert.equal(await button(page, 'Train').isEnabled(), true);
  assertClean();
});

test('Fig. 8: both runs as labelled curves, in the legend and on the chart', async () => {
  const page = await open();
  await button(page, 'Fig. 8: step size').click();
  const result = await finished(page, 'Fig. 8: step size');
  assert.deepEqual(await result.locator('.lab-legend li').allTextContents(), ['batch 250 · lr 0.05', 'batch 500 · lr 0.001']);
  const series = await page.evaluate(() => {
    const chart = globalThis.groundup.lab.views.get('fig8').chart;
    return [...chart.series.values()].map((s) => ({ name: s.name, last: s.data.latest?.x ?? null }));
  });
  assert.equal(series.length, 2);
  assert.deepEqual(series.map((s) => s.name), ['batch 250 · lr 0.05', 'batch 500 · lr 0.001']);
  for (const s of series) assert.ok(s.last > 1, `${s.name} has a curve (last step ${s.last})`);
  // It is shortened, and says so; the paper's figure is named.
  assert.match(await result.locator('.lab-shortened').textContent(), /^Shortened: .*30 steps/);
  assert.match(await result.locator('.lab-paper').textContent(), /Fig\. 8/);
  assertClean();
});

test('Overfit five images: the recipe pushed to lr 0.03 is caught by the guard, and no point is NaN', async () => {
  const page = await open();
  await button(page, 'Overfit five images').click();
  const result = await finished(page, 'Overfit five images');
  const labels = await result.locator('.lab-legend li').allTextContents();
  assert.equal(labels.length, 3, JSON.stringify(labels));
  assert.match(labels[2], /lr 0\.03/);
  // The refused step and the step the weights are back at, said in words…
  const rollbacks = await result.locator('.lab-rollback').allTextContents();
  assert.equal(rollbacks.length, 1, JSON.stringify(rollbacks));
  const [, refused, kept] = /^.*Step (\d+) would have made the .* refused it: the weights are those after step (\d+)/.exec(rollbacks[0]) ?? [];
  assert.ok(refused !== undefined && Number(kept) < Number(refused), rollbacks[0]);
  // …and the pushed run's curve stops before the refused step, every point finite.
  const curves = await page.evaluate(() => {
    const chart = globalThis.groundup.lab.views.get('overfit-five').chart;
    return [...chart.series.values()].map((s) => ({ name: s.name, last: s.data.latest?.x ?? null, finite: s.data.ys.every(Number.isFinite) }));
  });
  assert.equal(curves.length, 3);
  assert.ok(curves.every((c) => c.finite), JSON.stringify(curves));
  assert.ok(curves[2].last !== null && curves[2].last < Number(refused), JSON.stringify(curves[2]));
  assert.match(await result.locator('.lab-paper').textContent(), /Fig\. 16/);
  assertClean();
});

test('Stop ends a running experiment, and the network on the page is as it was', async () => {
  const page = await open();
  const draw = async () => {
    await button(page, 'Clear').click();
    for (const line of DIGITS[7]) await stroke(page, line);
    return readPrediction(page);
  };
  const before = await draw();
  const probabilitiesBefore = await page.locator('#probabilities').getAttribute('aria-label');
  await button(page, 'SGD vs Adam').click();
  // Some of its steps are taken, then Stop.
  await page.waitForFunction(() => /step [1-9]\d* of/.test(document.querySelector('#lab-sgd-vs-adam .lab-progress')?.textContent ?? ''), null, { timeout: 60_000 });
  // Train waits while an experiment runs: it is refused, and says why.
  await button(page, 'Train').click();
  await page.waitForFunction(() => /an experiment is running/.test(document.getElementById('state').textContent), null, { timeout: 30_000 });
  await button(page, 'Stop').click();
  const result = await finished(page, 'SGD vs Adam', 60_000);
  assert.match((await result.locator('.lab-outcome').textContent()), /^Stopped during /);
  assert.equal(await button(page, 'Stop').isDisabled(), true);
  const afterwards = await draw();
  assert.equal(afterwards.text, before.text);
  assert.equal(await page.locator('#probabilities').getAttribute('aria-label'), probabilitiesBefore);
  assertClean();
});

test('#experiment=overfit-one runs it as the page opens and scrolls its result into view', async () => {
  const page = await open('experiment=overfit-one');
  const result = await finished(page, 'Overfit one image');
  assert.match((await result.textContent()).trim(), LAST_LOSS);
  await page.waitForFunction(() => {
    const box = document.getElementById('lab-overfit-one').getBoundingClientRect();
    return box.top < innerHeight && box.bottom > 0;
  });
  assert.equal(await page.locator('#url-errors').textContent(), '');
  assertClean();
});

test('#experiment=nonsense is refused by key and value, and nothing runs', async () => {
  const page = await open('experiment=nonsense');
  await page.waitForFunction(() => document.getElementById('url-errors').textContent !== '', null, { timeout: 30_000 });
  assert.equal(
    await page.locator('#url-errors').textContent(),
    'URL: experiment=nonsense is not one of gradcheck, overfit-one, overfit-five, reproduce, fig8, sigmoid-vs-leaky, sgd-vs-adam, paper-cnn-recipe; none runs.',
  );
  assert.equal(await page.locator('#lab-results').evaluate((e) => e.children.length), 0);
  assertClean();
});
