// End-to-end: runs kept side by side on the learning curves (www/js/curves.js,
// runs.js, legend.js). Five short runs of a small MLP, each a few batches:
// the four before the current one stay on both charts, muted, each labelled
// in the legend with the settings it started with; at 400 px the legend
// wraps without overlaps (screenshot target/e2e/runs-400.png); "Clear runs"
// removes them and keeps the current run (and runs-400-dark.png for a look). The tests share one tab, in order.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, openPage, setUp } from './harness.mjs';

let env;
let record;
let page;

before(async () => {
  env = await setUp();
  record = await env.newPage();
  page = record.page;
});

after(async () => {
  await env?.close();
});

function assertClean() {
  assert.deepEqual(record.errors, [], 'console errors or uncaught exceptions');
  const foreign = record.requests.filter((url) => !url.startsWith(env.origin) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests to another origin');
}

const button = (name) => page.getByRole('button', { name, exact: true });
const stateStartsWith = (text) =>
  page.waitForFunction((t) => document.getElementById('state').textContent.startsWith(t), text, { timeout: 60_000 });
const label = ({ lr, seed }) => `mlp · sgd ${lr} · batch 16 · seed ${seed}`;

/** Types `value` into the settings field labelled `name` and waits until the worker has it in force. */
async function setSetting(name, key, value) {
  const field = page.getByLabel(name, { exact: true });
  await field.fill(String(value));
  await field.press('Enter');
  await page.waitForFunction(([k, v]) => globalThis.groundup.settings[k] === v, [key, value], { timeout: 30_000 });
}

/** Train until the current run has at least `points` training points. */
async function trainSome(points = 5) {
  await button('Train').click();
  await morePoints(points);
}

/** Waits (while training) until the current run has at least `points` training points. */
async function morePoints(points) {
  await page.waitForFunction(
    (n) => globalThis.groundup.curves.runs.current.series.get('loss').length >= n,
    points,
    { timeout: 60_000 },
  );
}

async function pause() {
  await button('Pause').click();
  await stateStartsWith('Paused');
}

/** Settings for the next run, then Reset: a fresh network of the same preset with them. */
async function nextRun({ lr, seed }) {
  await setSetting('Learning rate', 'learningRate', lr);
  await setSetting('Seed', 'seed', seed);
  await button('Reset').click();
  await stateStartsWith(`Untrained MLP, fresh weights from seed ${seed}`);
}

/** The legend as the page shows it: [{label, current}], in its order. */
const legend = () =>
  page.locator('#runs-legend li').evaluateAll((items) =>
    items.map((li) => ({ label: li.querySelector('.run-label').textContent, current: li.dataset.current === 'true' })),
  );

/** What each chart holds: [{name, points, overlay, finite}], overlays oldest first. */
const chartSeries = (chart) =>
  page.evaluate((which) => {
    const c = globalThis.groundup.curves[which];
    const finite = (data) => {
      let ok = true;
      data.forEach((x, y, s) => {
        ok &&= Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(s);
      });
      return ok;
    };
    return [
      ...c.overlays.map((o) => ({ name: o.name, points: o.data.length, overlay: true, finite: finite(o.data) })),
      ...[...c.series.values()].map((s) => ({ name: s.name, points: s.data.length, overlay: false, finite: finite(s.data) })),
    ];
  }, chart);

// Run 1 from the URL; run 2's learning rate changes while it trains (its
// label keeps the rate it started with); runs 2 and 4 end by a Reset while
// paused, run 3 by a Reset while training.
const RUNS = [
  { lr: 0.05, seed: 1 },
  { lr: 0.02, seed: 2 },
  { lr: 0.03, seed: 3 },
  { lr: 0.04, seed: 4 },
];
const CURRENT = { lr: 0.05, seed: 5 };

describe('runs kept side by side', () => {
  test('four runs stay on both charts, labelled in the legend with their settings; the current one is marked', async (t) => {
    const t0 = Date.now();
    await openPage(record, `${env.url}#preset=mlp&optimizer=sgd&lr=0.05&batch=16&seed=1`);
    await stateStartsWith('Untrained MLP, fresh weights from seed 1');
    // The preset's network comes first, then the URL's other settings.
    await page.waitForFunction(
      () => Object.entries({ optimizer: 'sgd', learningRate: 0.05, batchSize: 16, seed: 1 }).every(([k, v]) => globalThis.groundup.settings[k] === v),
      null,
      { timeout: 30_000 },
    );
    const clear = button('Clear runs');
    assert.equal(await clear.getAttribute('aria-disabled'), 'true', 'nothing to clear yet');
    assert.deepEqual(await legend(), [{ label: label(RUNS[0]), current: true }]);

    await trainSome(); // run 1
    await pause();
    await nextRun(RUNS[1]);
    await trainSome(); // run 2: a new rate while it trains does not rename it
    const before = await page.evaluate(() => globalThis.groundup.curves.runs.current.series.get('loss').length);
    await setSetting('Learning rate', 'learningRate', 0.03);
    await morePoints(before + 5);
    await pause();
    await nextRun(RUNS[2]);
    await trainSome(); // run 3: Reset while training
    await nextRun(RUNS[3]);
    await trainSome(); // run 4
    await pause();
    await nextRun(CURRENT);
    assert.deepEqual(await legend(), [{ label: label(CURRENT), current: true }, ...[...RUNS].reverse().map((r) => ({ label: label(r), current: false }))]);
    await trainSome(); // run 5, the current one
    await pause();

    // The legend: the current run first, then the kept ones, newest first.
    const expected = [{ label: label(CURRENT), current: true }, ...[...RUNS].reverse().map((r) => ({ label: label(r), current: false }))];
    assert.deepEqual(await legend(), expected);
    assert.equal(await page.locator('#runs-legend .run-current').getByText('current', { exact: true }).count(), 1, 'the current run is marked in words');
    // Each run its own colour: the swatches' strokes differ, and come from the page's CSS variables.
    const strokes = await page.locator('#runs-legend line').evaluateAll((lines) => lines.map((l) => getComputedStyle(l).stroke));
    assert.equal(new Set(strokes).size, 5, strokes.join(', '));

    // Both charts: the four kept runs as overlays (oldest first) with points,
    // none non-finite, under the current run's live series.
    for (const chart of ['loss', 'accuracy']) {
      const series = await chartSeries(chart);
      t.diagnostic(`${chart}: ${series.map((s) => `${s.name} (${s.points})`).join('; ')}`);
      assert.deepEqual(series.filter((s) => s.overlay).map((s) => s.name), RUNS.map(label), chart);
      for (const s of series) assert.ok(s.finite, `${chart}: ${s.name} holds only finite points`);
      for (const s of series.filter((s) => s.overlay)) assert.ok(s.points >= 5, `${chart}: ${s.name} has ${s.points} points`);
      assert.ok(series.find((s) => s.name === 'training (per batch)').points >= 5, `${chart}: the current run's points`);
      assert.match(await page.locator(`#${chart}-chart`).getAttribute('aria-label'), /4 earlier runs drawn muted underneath/);
    }
    assert.equal(await clear.getAttribute('aria-disabled'), 'false');
    t.diagnostic(`five runs in ${Date.now() - t0} ms`);
    assertClean();
  });

  test('at 400 px the legend wraps: entries apart and inside the viewport (target/e2e/runs-400.png)', async (t) => {
    await page.setViewportSize({ width: 400, height: 900 });
    await page.waitForFunction(() => innerWidth === 400 && document.documentElement.scrollWidth <= 400);
    await page.locator('#runs').scrollIntoViewIfNeeded();
    // Let the charts redraw at their new size (ResizeObserver, then a frame).
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 250))));
    await page.locator('section.charts').screenshot({ path: path.join(ARTIFACTS, 'runs-400.png') });

    const boxes = await page.locator('#runs-legend li').evaluateAll((items) =>
      items.map((li) => {
        const r = li.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: li.textContent };
      }),
    );
    const viewport = await page.evaluate(() => ({ width: innerWidth, height: innerHeight }));
    assert.equal(boxes.length, 5);
    t.diagnostic(boxes.map((b) => `${b.text}: ${Math.round(b.left)}–${Math.round(b.right)} × ${Math.round(b.top)}–${Math.round(b.bottom)}`).join('\n'));
    for (const b of boxes) {
      assert.ok(b.right - b.left > 0 && b.bottom - b.top > 0, `${b.text} is laid out`);
      assert.ok(b.left >= 0 && b.right <= viewport.width, `${b.text} within the width`);
      assert.ok(b.top >= 0 && b.bottom <= viewport.height, `${b.text} within the height`);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        assert.ok(!overlap, `"${a.text}" and "${b.text}" overlap`);
      }
    }
    // Wrapped: five labels this long do not fit on one line at 400 px.
    assert.ok(new Set(boxes.map((b) => Math.round(b.top))).size > 1, 'the legend wraps');

    // The same in the dark scheme, for a look (target/e2e/runs-400-dark.png).
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => getComputedStyle(document.documentElement).backgroundColor === 'rgb(17, 20, 24)');
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 250))));
    await page.locator('section.charts').screenshot({ path: path.join(ARTIFACTS, 'runs-400-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    assertClean();
  });

  test('"Clear runs" (from the keyboard) removes the kept runs; the current run stays', async () => {
    const clear = button('Clear runs');
    await clear.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#runs-legend li').length === 1);
    assert.deepEqual(await legend(), [{ label: label(CURRENT), current: true }]);
    for (const chart of ['loss', 'accuracy']) {
      const series = await chartSeries(chart);
      assert.deepEqual(series.filter((s) => s.overlay), [], `${chart}: no kept runs`);
      assert.ok(series.find((s) => s.name === 'training (per batch)').points >= 5, `${chart}: the current run is still drawn`);
      assert.doesNotMatch(await page.locator(`#${chart}-chart`).getAttribute('aria-label'), /earlier run/);
    }
    assert.equal(await page.locator('#runs-status').textContent(), 'Earlier runs cleared.');
    // Still focusable, now with nothing to clear: the focus stays on it.
    assert.equal(await clear.getAttribute('aria-disabled'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'clear-runs');
    // The next new network keeps the current run.
    await nextRun({ lr: 0.05, seed: 6 });
    assert.deepEqual(await legend(), [
      { label: label({ lr: 0.05, seed: 6 }), current: true },
      { label: label(CURRENT), current: false },
    ]);
    await page.setViewportSize({ width: 1280, height: 1000 });
    assertClean();
  });
});
