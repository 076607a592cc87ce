// End-to-end: the reader's own data.
//
//   - A CSV with a bad value is refused in a role=alert naming the file,
//     "line L, column C" (the classes line and the header counted), and
//     nothing changes: the page stays on MNIST.
//   - A generated 2,000-row CSV (ten classes of bars at different heights,
//     with noise; a `# classes:` line and a header) loads through "Use your
//     own data", is split 1,667/333, trains to well above chance, and the
//     test accuracy line counts its 333 test images. "Back to MNIST" returns
//     to MNIST and the network that was on it, without reloading the page
//     or fetching a data chunk again.
//   - "Save my drawings as CSV": two drawings kept with their labels come
//     out as two rows of 785 fields; loading that file back is refused as
//     too small ("needs at least 6").
//   - Two files are told apart by "train"/"test" in their names, not by the
//     order chosen, and the page says which was used for what.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ARTIFACTS, DIGITS, openPage, setUp, shownAccuracy, stroke, waitForData } from './harness.mjs';

let env;
let record;
let page;

before(async () => {
  env = await setUp();
  record = await env.newPage();
  page = record.page;
  await openPage(record, env.url);
  await page.waitForFunction(() => document.documentElement.dataset.modelReadyMs);
  await waitForData(page);
  // The pretrained net's evaluation on all of MNIST's test images.
  await page.waitForFunction(() => /all 10,000 test images/.test(document.getElementById('accuracy').textContent), null, { timeout: 60_000 });
});

after(async () => {
  await env?.close();
});

const button = (name) => page.getByRole('button', { name, exact: true });
const ownDataInput = () => page.getByLabel('Use your own data', { exact: true });
const alertText = () => page.locator('#own-data-error').textContent();
const chunkRequests = () => record.requests.filter((url) => url.includes('/data/mnist/') && !url.endsWith('manifest.json')).length;

// A small deterministic random stream (the test must not depend on Math.random).
function randomStream(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const HEADER = ['label', ...Array.from({ length: 784 }, (_, k) => `pixel${k}`)].join(',');

/** `n` rows: class k is a bright bar across rows 4 + 2k and 5 + 2k, on noise. */
function barRows(n, seed = 7) {
  const random = randomStream(seed);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const label = i % 10;
    const pixels = new Array(784);
    for (let p = 0; p < 784; p++) {
      const [y, x] = [Math.floor(p / 28), p % 28];
      const inBar = (y === 4 + 2 * label || y === 5 + 2 * label) && x >= 4 && x < 24;
      pixels[p] = inBar ? 180 + Math.floor(random() * 76) : Math.floor(random() * 60);
    }
    rows.push(`${label},${pixels.join(',')}`);
  }
  return rows;
}

const CLASSES = Array.from({ length: 10 }, (_, k) => `bar${k}`);
const csv = (rows) => Buffer.from(`# classes: ${CLASSES.join(',')}\n${HEADER}\n${rows.join('\n')}\n`);

test('a malformed row is named by file, line and column, and nothing changes', async () => {
  const rows = barRows(12);
  // Data row 4 is line 6 (after the classes line, the header and rows 1–3);
  // pixel 99 is column 101.
  const fields = rows[3].split(',');
  fields[100] = 'x7';
  rows[3] = fields.join(',');
  await ownDataInput().setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: csv(rows) });
  await page.waitForFunction(() => document.getElementById('own-data-error').textContent !== '', null, { timeout: 30_000 });
  const text = await alertText();
  assert.match(text, /broken\.csv/);
  assert.match(text, /line 6, column 101/);
  assert.match(text, /Nothing changed/);

  // A label outside 0–9 is column 1.
  const labelled = barRows(12);
  labelled[0] = `12${labelled[0].slice(1)}`;
  await ownDataInput().setInputFiles({ name: 'labels.csv.gz', mimeType: 'application/gzip', buffer: csv(labelled) });
  await page.waitForFunction(() => /labels\.csv\.gz, line 3, column 1/.test(document.getElementById('own-data-error').textContent), null, { timeout: 30_000 });

  // Still on MNIST with the pretrained net.
  assert.equal(await button('Back to MNIST').isDisabled(), true);
  assert.match(await page.locator('#accuracy').textContent(), /all 10,000 test images/);
  assert.equal(await page.locator('#own-data-status').textContent(), '');
  assert.equal(await page.getByRole('alert').filter({ hasText: 'line 3, column 1' }).count(), 1);
});

test('own data trains above chance; Back to MNIST returns without reloading anything', async (t) => {
  await page.evaluate(() => {
    globalThis.ownDataTestMarker = 'still this page';
  });
  const chunksBefore = chunkRequests();
  assert.ok(chunksBefore > 0, 'the MNIST chunks were fetched once');

  await ownDataInput().setInputFiles({ name: 'bars.csv', mimeType: 'text/csv', buffer: csv(barRows(2000)) });
  await page.waitForFunction(() => /^Your own data: 1,667 training and 333 test images/.test(document.getElementById('own-data-status').textContent), null, { timeout: 60_000 });
  assert.match(await page.locator('#own-data-status').textContent(), /bars\.csv: every 6th row is a test image/);
  assert.match(await page.locator('#own-data-classes').textContent(), /0 bar0, 1 bar1, .*9 bar9/);
  assert.equal(await alertText(), '');
  // A fresh network, measured on the own test images before any training.
  await page.waitForFunction(() => /all 333 test images, step 0\)/.test(document.getElementById('accuracy').textContent), null, { timeout: 30_000 });

  await button('Train').click();
  await page.waitForFunction(
    () => {
      const el = document.getElementById('accuracy');
      const m = /Test accuracy: (\d+(?:\.\d+)?)%.* 333 test images/.exec(el.textContent);
      return m && Number(el.dataset.step) > 0 && Number(m[1]) > 30;
    },
    null,
    { timeout: 60_000, polling: 250 },
  );
  // Pause, unless the (short) run has finished meanwhile: a disabled
  // button's click() does nothing, where a locator click would wait.
  await page.evaluate(() => document.getElementById('pause').click());
  await page.waitForFunction(() => /^(Paused|Done)/.test(document.getElementById('state').textContent), null, { timeout: 30_000 });
  await page.waitForFunction(() => /all 333 test images/.test(document.getElementById('accuracy').textContent), null, { timeout: 30_000 });
  // The class names show with the gallery's images and the drawing's answer.
  await page.waitForFunction(() => [...document.querySelectorAll('#gallery-correct li, #gallery-mistakes li')].some((li) => /\(bar\d\)/.test(li.title)), null, { timeout: 30_000 });
  for (const line of DIGITS[1]) await stroke(page, line);
  await page.waitForFunction(
    () => document.documentElement.dataset.answeredId === document.documentElement.dataset.drawingId && / — bar\d$/.test(document.getElementById('prediction').textContent),
    null,
    { timeout: 30_000 },
  );
  const own = await shownAccuracy(page);
  t.diagnostic(`own data: ${own.percent}% test accuracy at step ${own.step} (chance is 10%)`);
  assert.ok(own.percent > 30, `${own.percent}%`);

  await button('Back to MNIST').click();
  await page.waitForFunction(() => /^Back on MNIST: 60,000 training and 10,000 test images/.test(document.getElementById('own-data-status').textContent), null, { timeout: 30_000 });
  assert.match(await page.locator('#state').textContent(), /^Back on MNIST with the CNN you had before your own data \(step 0\)/);
  // The pretrained net is back: it reads MNIST's test images well.
  await page.waitForFunction(() => /all 10,000 test images, step 0\)/.test(document.getElementById('accuracy').textContent), null, { timeout: 60_000 });
  const back = await shownAccuracy(page);
  assert.ok(back.percent > 90, `${back.percent}% on MNIST after going back`);
  assert.equal(await button('Back to MNIST').isDisabled(), true);
  assert.equal(await page.locator('#own-data-classes').textContent(), '');
  await page.waitForFunction(() => /^Prediction: \d \(\d+%\)$/.test(document.getElementById('prediction').textContent), null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => globalThis.ownDataTestMarker), 'still this page', 'no reload');
  assert.equal(chunkRequests(), chunksBefore, 'no data chunk fetched again');
});

test('Save my drawings as CSV: kept drawings come out as rows; two rows are too few to train on', async () => {
  const keep = async (digit) => {
    await button('Clear').click();
    for (const line of DIGITS[digit]) await stroke(page, line);
    await page.waitForFunction(() => document.documentElement.dataset.answeredId === document.documentElement.dataset.drawingId);
    await page.getByLabel('Label', { exact: true }).selectOption(String(digit));
    await button('Keep this drawing').click();
    await page.waitForFunction((d) => document.getElementById('drawings-status').textContent.startsWith(`Kept a drawing labelled ${d}.`), digit);
  };
  assert.equal(await button('Save my drawings as CSV').isDisabled(), true);
  await keep(1);
  await keep(7);
  assert.match(await page.locator('#drawings-status').textContent(), /2 drawings kept \(1 × 1, 1 × 7\)/);

  const [download] = await Promise.all([page.waitForEvent('download'), button('Save my drawings as CSV').click()]);
  assert.equal(download.suggestedFilename(), 'my-drawings.csv');
  const file = path.join(ARTIFACTS, 'my-drawings.csv');
  await download.saveAs(file);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 2);
  const rows = lines.map((line) => line.split(',').map(Number));
  assert.deepEqual(rows.map((r) => r.length), [785, 785]);
  assert.deepEqual(rows.map((r) => r[0]), [1, 7]);
  for (const row of rows) {
    assert.ok(row.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
    assert.ok(row.slice(1).filter((v) => v > 128).length > 10, 'the drawing has ink');
  }

  await ownDataInput().setInputFiles(file);
  await page.waitForFunction(() => /needs at least 6/.test(document.getElementById('own-data-error').textContent), null, { timeout: 30_000 });
  assert.match(await alertText(), /my-drawings\.csv: has 2 rows/);
  assert.equal(await button('Back to MNIST').isDisabled(), true, 'still on MNIST');
  assert.deepEqual(record.errors, []);
});

test('two files: the names tell training from test, and the page says which was used for what', async () => {
  // Chosen test file first: the order does not decide, the names do.
  await ownDataInput().setInputFiles([
    { name: 'bars-test.csv', mimeType: 'text/csv', buffer: csv(barRows(12, 3)) },
    { name: 'bars-train.csv', mimeType: 'text/csv', buffer: csv(barRows(60, 5)) },
  ]);
  await page.waitForFunction(() => /^Your own data: 60 training and 12 test images/.test(document.getElementById('own-data-status').textContent), null, { timeout: 30_000 });
  assert.match(await page.locator('#own-data-status').textContent(), /training: bars-train\.csv, test: bars-test\.csv \(told by their names\)/);
  await page.waitForFunction(() => /all 12 test images, step 0\)/.test(document.getElementById('accuracy').textContent), null, { timeout: 30_000 });
  await button('Back to MNIST').click();
  await page.waitForFunction(() => /^Back on MNIST/.test(document.getElementById('own-data-status').textContent), null, { timeout: 30_000 });
  assert.deepEqual(record.errors, []);
});
