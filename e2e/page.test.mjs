// End-to-end: the release page, served under a sub-path, in headless
// Chromium. The tests share one tab and run in order (node:test runs a
// file's tests sequentially): load → draw → keyboard → settings → train
// from scratch → pause → speeds → divergence → second visit → screenshots.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, DIGITS, ellipse, openPage, readPrediction as readPredictionOn, setUp, shownAccuracy, shownStep, stroke as strokeOn, waitForData } from './harness.mjs';

let env;
let record;
let page;
const timings = {};

before(async () => {
  env = await setUp();
  record = await env.newPage();
  page = record.page;
});

after(async () => {
  writeFileSync(path.join(ARTIFACTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  await env?.close();
});

// Every test ends with: nothing went wrong in the console, and nothing was
// asked of any origin but the page's own.
function assertClean() {
  assert.deepEqual(record.errors, [], 'console errors or uncaught exceptions');
  const foreign = record.requests.filter((url) => !url.startsWith(env.origin) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests to another origin');
}

const button = (name) => page.getByRole('button', { name, exact: true });
const stateText = () => page.locator('#state').textContent();

const stroke = (points) => strokeOn(page, points);
const readPrediction = () => readPredictionOn(page);

async function medianSpeed(preset, seconds) {
  await page.selectOption('#preset', preset);
  await button('Reset').click();
  await page.waitForFunction((p) => document.getElementById('state').textContent.startsWith('Untrained'), preset);
  await button('Train').click();
  const samples = [];
  const t0 = Date.now();
  await page.waitForTimeout(1500); // warm-up: the first slices find their size
  while (Date.now() - t0 < seconds * 1000) {
    await page.waitForTimeout(500);
    samples.push(Number(await page.locator('#progress-line').getAttribute('data-images-per-second')));
  }
  await button('Pause').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

describe('the groundup page', () => {
  test('loads under a sub-path: worker ready, pretrained net, both data splits at 100%', async (t) => {
    const t0 = Date.now();
    await openPage(record, env.url);
    await page.waitForFunction(() => document.documentElement.dataset.modelReadyMs);
    timings.modelReadyMs = Number(await page.evaluate(() => document.documentElement.dataset.modelReadyMs));
    assert.match(await stateText(), /Pretrained CNN loaded/);
    // Draw at once, while the data is still arriving: the first answer.
    await stroke(DIGITS[1][0]);
    assert.equal((await readPrediction()).digit, 1);
    timings.firstPredictionMs = Number(await page.evaluate(() => document.documentElement.dataset.firstPredictionMs));
    await waitForData(page);
    timings.dataLoadedMs = Date.now() - t0;
    for (const split of ['train', 'test']) {
      const bar = page.locator(`#${split}-progress`);
      assert.equal(await bar.getAttribute('role'), 'progressbar');
      assert.equal(await bar.getAttribute('aria-valuenow'), '100');
      assert.match(await bar.getAttribute('aria-valuetext'), /100%: (\d+) of \1 chunks/);
    }
    // The pretrained net is evaluated once the test split is in.
    await page.waitForFunction(() => /Test accuracy: \d/.test(document.getElementById('accuracy').textContent));
    const accuracy = await shownAccuracy(page);
    assert.ok(accuracy.percent > 97, `pretrained accuracy ${accuracy.percent}%`);
    // Nothing outside the sub-path was asked for (absolute URLs would be).
    const outside = env.requests.filter((u) => !u.startsWith('/courses/ml/groundup/'));
    assert.deepEqual(outside, []);
    // All of that ran under the page's Content-Security-Policy (any
    // violation would be a console error): scripts from the page's origin
    // only, no inline script, no eval. An inline script is refused:
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.doesNotMatch(policy, /unsafe-inline/);
    const before = record.errors.length;
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true;';
      document.head.append(script);
      return window.inlineRan === true;
    });
    assert.equal(ran, false, 'an inline script ran');
    await page.waitForTimeout(100);
    const refusals = record.errors.splice(before);
    assert.ok(refusals.every((e) => /Content Security Policy/.test(e)), refusals.join('\n'));
    t.diagnostic(`after navigation: model ready ${timings.modelReadyMs} ms, first prediction of a drawn 1 ${timings.firstPredictionMs} ms, all data ${timings.dataLoadedMs} ms`);
    assertClean();
  });

  test('digits drawn with the mouse are read by the pretrained net', async (t) => {
    const pad = page.getByRole('application', { name: /Draw a digit/ }).or(page.locator('canvas[aria-label*="Draw a digit"]'));
    assert.equal(await pad.count(), 1, 'a canvas named "Draw a digit"');
    assert.equal(await page.locator('#prediction').getAttribute('aria-live'), 'polite');
    const results = [];
    for (const [digit, strokes] of Object.entries(DIGITS)) {
      await button('Clear').click();
      await page.waitForFunction(() => document.getElementById('prediction').textContent.includes('none'));
      for (const s of strokes) await stroke(s);
      const got = await readPrediction();
      results.push(`${digit} → ${got.text}`);
      assert.equal(got.digit, Number(digit), `drew a ${digit}, the page says "${got.text}"`);
    }
    t.diagnostic(results.join('; '));
    assertClean();
  });

  test('keyboard: Tab reaches Train, Enter starts it, Space on Pause stops it; focus is visible', async () => {
    await page.locator('body').focus();
    await page.evaluate(() => document.activeElement?.blur());
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'train');
    }
    assert.ok(reached, 'Tab reaches Train');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused button shows a focus outline');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Training'));
    // Focus moved to Pause, the next thing to do.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pause');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'train');
    // The pad draws with the keyboard too: a vertical stroke is a 1.
    await button('Clear').click(); // Clear leaves the focus on the pad
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pad');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Space');
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    assert.equal((await readPrediction()).digit, 1);
    // Every input has a label.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select')].filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id),
    );
    assert.deepEqual(unlabelled, []);
    assertClean();
  });

  test('invalid settings are refused next to their field (page checks and Rust)', async () => {
    const lr = page.getByLabel('Learning rate');
    const errorOf = (id) => page.locator(`#${id}-error`).textContent();
    await lr.fill('abc');
    await lr.press('Enter');
    assert.match(await errorOf('learningRate'), /not a number/);
    assert.equal(await lr.getAttribute('aria-invalid'), 'true');
    // Train refuses while a field is invalid, and says where.
    await button('Train').click();
    assert.match(await stateText(), /Fix the setting/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'learningRate');
    // Out of range: Rust's configure refuses it, naming the field.
    await lr.fill('1000');
    await lr.press('Enter');
    await page.waitForFunction(() => document.getElementById('learningRate-error').textContent.startsWith('learning rate'));
    assert.match(await errorOf('learningRate'), /^learning rate: 1000 is not a positive number/);
    const batch = page.getByLabel('Batch size');
    await batch.fill('0');
    await batch.press('Enter');
    await page.waitForFunction(() => document.getElementById('batchSize-error').textContent !== '');
    assert.match(await errorOf('batchSize'), /^batch size: 0 is not between 1 and/);
    // Fixing them (back to the cnn preset's own values) clears the refusals.
    await lr.fill('0.012');
    await lr.press('Enter');
    await batch.fill('128');
    await batch.press('Enter');
    await page.waitForFunction(() => !document.querySelector('[aria-invalid="true"]'));
    assertClean();
  });

  test('CNN from scratch: loss falls, test accuracy passes 90% within a minute, Pause stops it', async (t) => {
    await page.selectOption('#preset', 'cnn');
    await button('Reset').click();
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained CNN'));
    assert.match(await page.locator('#accuracy').textContent(), /not measured yet/);
    const t0 = Date.now();
    await button('Train').click();
    // The accuracy text comes from an evaluation after training steps.
    await page.waitForFunction(
      () => {
        const el = document.getElementById('accuracy');
        const m = /Test accuracy: (\d+(?:\.\d+)?)%/.exec(el.textContent);
        return m && Number(el.dataset.step) > 0 && Number(m[1]) >= 90;
      },
      null,
      { timeout: 60_000, polling: 250 },
    );
    timings.cnnTo90PercentMs = Date.now() - t0;
    const accuracy = await shownAccuracy(page);
    t.diagnostic(`cnn: ${accuracy.percent}% test accuracy at step ${accuracy.step}, ${timings.cnnTo90PercentMs} ms after Train`);

    const { training, evaluations } = await page.evaluate(() => globalThis.groundup.history);
    assert.ok(training.length >= 40, `${training.length} batches`);
    const mean = (xs) => xs.reduce((s, x) => s + x.loss, 0) / xs.length;
    const first = mean(training.slice(0, 10));
    const last = mean(training.slice(-20));
    assert.ok(last < first / 3, `training loss fell from ${first.toFixed(3)} to ${last.toFixed(3)}`);
    assert.ok(evaluations.every((e) => Number.isFinite(e.loss) && Number.isFinite(e.accuracy)));

    // Pause: the step count stops changing.
    await button('Pause').click();
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
    const paused = await shownStep(page);
    await page.waitForTimeout(1500);
    assert.equal(await shownStep(page), paused, 'the step count stops at Pause');
    // ...and the full test set is evaluated.
    await page.waitForFunction(() => /all 10,000 test images/.test(document.getElementById('accuracy').textContent), null, { timeout: 15_000 });
    const all = await page.evaluate(() => globalThis.groundup.history.evaluations);
    const full = all.filter((e) => e.full);
    timings.fullEvaluationMs = Math.round(full.at(-1).ms);
    // The 2,000-image evaluations come after 5 s of training without one; on
    // a fast machine the half epoch's full evaluation can come first, and the
    // one at Pause is full too: there may be none.
    const subset = all.filter((e) => !e.full);
    timings.subsetEvaluationMs = subset.length > 0 ? Math.round(subset.at(-1).ms) : null;
    t.diagnostic(`evaluation in the worker: 10,000 images ${timings.fullEvaluationMs} ms, 2,000 images ${timings.subsetEvaluationMs === null ? 'none made' : `${timings.subsetEvaluationMs} ms`}`);
    // The gallery shows right and wrong answers.
    assert.ok((await page.locator('#gallery-correct li').count()) > 0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-training.png'), fullPage: true });
    assertClean();
  });

  test('drawing is answered promptly while the worker trains', async (t) => {
    await page.evaluate(() => {
      globalThis.groundup.history.predictionMs.length = 0;
    });
    await button('Train').click();
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Training'));
    // The learning rate can change while training (sent at once, no refusal).
    const lr = page.getByLabel('Learning rate');
    await lr.fill('0.002');
    await lr.press('Enter');
    for (const digit of [1, 7, 0, 1, 7]) {
      await button('Clear').click();
      for (const s of DIGITS[digit]) await stroke(s);
      await readPrediction();
    }
    const stepBefore = await shownStep(page);
    await page.waitForFunction((s) => Number(document.getElementById('progress-line').dataset.step) > s, stepBefore);
    await button('Pause').click();
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
    const ms = (await page.evaluate(() => globalThis.groundup.history.predictionMs)).sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)];
    timings.predictWhileTrainingMs = { count: ms.length, median: Math.round(median), max: Math.round(ms.at(-1)) };
    t.diagnostic(`predict round trips while training: ${JSON.stringify(timings.predictWhileTrainingMs)}`);
    // How fast is for the benchmarks (bench/browser): here, that every
    // drawing was answered while training went on.
    assert.ok(ms.length >= 5, `${ms.length} predictions`);
    assert.equal(await page.locator('#learningRate-error').textContent(), '');
    assert.match(await stateText(), /^Paused/);
    assertClean();
  });

  test('training speed in the browser: paper-cnn and paper-mlp', async (t) => {
    timings.imagesPerSecond = {
      'paper-cnn': await medianSpeed('paper-cnn', 8),
      'paper-mlp': await medianSpeed('paper-mlp', 8),
    };
    t.diagnostic(`images/s (median of 0.5 s samples over 8 s): ${JSON.stringify(timings.imagesPerSecond)}`);
    // The figures are for reading (and bench/browser): here, that both trained.
    for (const [preset, v] of Object.entries(timings.imagesPerSecond)) assert.ok(v > 0, `${preset} trained`);
    assertClean();
  });

  // Data-parallel training (www/js/shards.js) must learn as one worker does: the same batches,
  // the same summed gradient, only grouped differently (f32 rounding is all that may differ).
  test('on two workers the cnn learns step for step as on one', async (t) => {
    const lossesOn = async (workers) => {
      await page.selectOption('#workers', String(workers));
      await page.waitForFunction((n) => document.documentElement.dataset.workers === String(n), workers);
      await page.selectOption('#preset', 'cnn');
      await button('Reset').click();
      await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained CNN'));
      await button('Train').click();
      await page.waitForFunction(() => Number(document.getElementById('progress-line').dataset.step) >= 120, null, { timeout: 60_000 });
      await button('Pause').click();
      await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
      return (await page.evaluate(() => globalThis.groundup.history.training)).slice(0, 120);
    };
    const one = await lossesOn(1);
    const requestsBefore = record.requests.length;
    const two = await lossesOn(2);
    assert.ok(record.requests.slice(requestsBefore).some((u) => u.endsWith('/js/shard-worker.js')), 'a shard worker was started');
    assert.equal(one.length, 120);
    assert.equal(two.length, 120);
    assert.deepEqual(two.map((b) => b.step), one.map((b) => b.step));
    const relative = one.map((b, i) => Math.abs(b.loss - two[i].loss) / b.loss);
    t.diagnostic(`relative loss difference: step 1 ${relative[0].toExponential(1)}, first 20 max ${Math.max(...relative.slice(0, 20)).toExponential(1)}, all 120 mean ${(relative.reduce((a, b) => a + b) / 120).toExponential(1)}`);
    // The first step sees the same weights and batch: only rounding apart.
    assert.ok(relative[0] < 1e-5, `step 1 losses ${one[0].loss} and ${two[0].loss}`);
    // Then rounding differences grow, but slowly: the curves stay on top of each other.
    assert.ok(Math.max(...relative.slice(0, 20)) < 1e-3, 'first 20 steps');
    assert.ok(relative.reduce((a, b) => a + b) / 120 < 0.02, 'mean over 120 steps');
    assertClean();
  });

  test('divergence stops training, says so, and keeps the page usable', async () => {
    // The paper's CNN under plain SGD at lr 10 diverges at step 5 for every
    // seed tried (its leaky ReLUs cannot all die, so the weights blow up
    // rather than freeze, as a ReLU net's may).
    await page.selectOption('#preset', 'paper-cnn');
    await button('Reset').click();
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained Paper CNN'));
    await page.selectOption('#optimizer', 'sgd');
    const lr = page.getByLabel('Learning rate');
    await lr.fill('10');
    await lr.press('Enter');
    await page.waitForTimeout(200);
    await button('Train').click();
    await page.waitForFunction(() => /diverged/.test(document.getElementById('state').textContent), null, { timeout: 30_000 });
    assert.equal(await button('Train').isEnabled(), true);
    assert.equal(await button('Pause').isEnabled(), false);
    const { training, evaluations } = await page.evaluate(() => globalThis.groundup.history);
    assert.ok([...training, ...evaluations].every((b) => Number.isFinite(b.loss)), 'no NaN reached a chart');
    // Still usable: a drawing is still answered.
    await button('Clear').click();
    await stroke(DIGITS[1][0]);
    await readPrediction();
    // Back to sane settings for the tests that follow.
    await button('Reset').click();
    await page.selectOption('#preset', 'paper-cnn');
    await page.selectOption('#preset', 'cnn');
    assertClean();
  });

  test('a second visit takes the chunks from the browser cache', async () => {
    const before = record.requests.length;
    await page.reload();
    await waitForData(page);
    const again = record.requests.slice(before).filter((u) => u.endsWith('.csv.gz'));
    assert.deepEqual(again, [], 'no chunk downloaded again');
    assert.match(await page.locator('#train-progress').getAttribute('aria-valuetext'), /from this browser's cache/);
    assertClean();
  });

  test('fits 1280 and 360 pixels wide (screenshots in target/e2e/)', async () => {
    await button('Clear').click();
    await stroke(DIGITS[7][0]);
    await readPrediction();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 360 px screen`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 1000 });
    // Dark mode follows prefers-color-scheme.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(background, 'rgb(17, 20, 24)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    assertClean();
  });

  test('works inside an iframe of someone else\'s page (course notes)', async () => {
    await page.setContent(
      `<h1>Course notes</h1><iframe src="${env.url}" title="groundup" width="100%" height="1800" style="border:0"></iframe>`,
    );
    const frame = page.frameLocator('iframe[title="groundup"]');
    await frame.getByText(/Pretrained CNN loaded/).waitFor({ timeout: 30_000 });
    await frame.locator('#test-progress[aria-valuenow="100"]').waitFor({ timeout: 30_000 });
    await frame.getByRole('button', { name: 'Train', exact: true }).waitFor();
    assertClean();
  });
});
