// End-to-end: "Inside the network".
//
//   - The pretrained net is evaluated on all 10,000 test images once they
//     are in: its confusion matrix sums to 10,000, and a cell lists exactly
//     its images in a region "Test images: true D, read as P".
//   - A drawn digit's feature maps: one picture per conv and pool layer,
//     with as many maps as the spec's filters, at the spec's sizes.
//   - The conv 1 filters, the layer table and its total; an MLP's first
//     weights as 28×28 pictures. Maps follow the weights as they train.
//   - Screenshots of every panel in target/e2e/.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ARTIFACTS, DIGITS, DIST, openPage, readPrediction, setUp, stroke, waitForData } from './harness.mjs';

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

const button = (name) => page.getByRole('button', { name, exact: true });
const picture = (name) => page.getByRole('img', { name, exact: true });

/** The spec in a model file's metadata. */
function specOf(file) {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(JSON.parse(bytes.subarray(8, 8 + length).toString()).__metadata__.spec);
}

/** What a spec says the feature maps are: [{name, channels, size}] per conv and pool layer. */
function expectedMaps(spec) {
  let [channels, size] = [spec.input[0], spec.input[1]];
  const maps = [];
  let convs = 0;
  let pools = 0;
  for (const layer of spec.layers) {
    if (layer.type === 'conv2d') {
      channels = layer.filters;
      if (layer.padding !== 'same') size = size - layer.kernel + 1;
      maps.push({ name: `conv ${++convs}`, channels, size });
    } else if (layer.type === 'max_pool2d') {
      size = Math.floor(size / layer.size);
      maps.push({ name: `pool ${++pools}`, channels, size });
    }
  }
  return maps;
}

async function tilesOf(name) {
  const img = picture(name);
  await img.waitFor();
  return {
    tiles: Number(await img.getAttribute('data-tiles')),
    height: Number(await img.getAttribute('data-tile-height')),
    width: Number(await img.getAttribute('data-tile-width')),
  };
}

test('the pretrained net: a confusion matrix of all 10,000 test images, and each cell lists its images', async (t) => {
  await openPage(record, env.url);
  await waitForData(page);
  await page.waitForFunction(() => document.getElementById('confusion').dataset.total === '10000', null, { timeout: 90_000 });
  const table = page.getByRole('table', { name: 'Confusion matrix' });
  const counts = await table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => Array.from(row.querySelectorAll('td'), (td) => Number(td.textContent.replaceAll(',', '')))),
  );
  assert.equal(counts.length, 10);
  assert.ok(counts.every((row) => row.length === 10));
  assert.equal(counts.flat().reduce((a, b) => a + b, 0), 10_000);
  assert.deepEqual(await table.locator('thead th').allTextContents(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(await table.locator('tbody th').allTextContents(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const diagonal = counts.reduce((s, row, i) => s + row[i], 0);
  const accuracy = Number(await page.locator('#accuracy').getAttribute('data-accuracy'));
  assert.equal(diagonal / 10_000, accuracy, 'the diagonal is the accuracy shown');

  // The largest mistake: pressing it lists exactly those images.
  let worst = { count: 0 };
  counts.forEach((row, label) => row.forEach((count, predicted) => {
    if (label !== predicted && count > worst.count) worst = { label, predicted, count };
  }));
  t.diagnostic(`most common mistake: ${worst.label} read as ${worst.predicted}, ${worst.count} times`);
  await table.getByRole('button', { name: `${worst.count}: true ${worst.label}, read as ${worst.predicted}`, exact: true }).click();
  const region = page.getByRole('region', { name: `Test images: true ${worst.label}, read as ${worst.predicted}`, exact: true });
  await region.waitFor();
  await page.waitForFunction(() => !/Finding/.test(document.getElementById('cell-images-note').textContent), null, { timeout: 30_000 });
  assert.equal(await region.locator('li').count(), Math.min(worst.count, 48));
  assert.match(await region.locator('li').first().getAttribute('title'), new RegExp(`a ${worst.label}, read as ${worst.predicted}`));
  // The keyboard reaches the cells: they are buttons.
  await table.getByRole('button').first().focus();
  assert.equal(await page.evaluate(() => document.activeElement.closest('table')?.id), 'confusion');
  await page.locator('#inside-panel').screenshot({ path: path.join(ARTIFACTS, 'panel-inside.png') });
  assert.deepEqual(record.errors, []);
});

test('a drawn digit: feature maps per conv and pool layer as the spec says; the filters and the layer table', async () => {
  await stroke(page, DIGITS[7][0]);
  await readPrediction(page);
  const spec = specOf(path.join(DIST, 'model', 'cnn.safetensors'));
  const expected = expectedMaps(spec);
  assert.equal(expected.length, 4);
  for (const m of expected) {
    assert.deepEqual(await tilesOf(`Feature maps after ${m.name}`), { tiles: m.channels, height: m.size, width: m.size }, m.name);
  }
  assert.equal(await page.locator('#feature-maps canvas').count(), expected.length);
  const conv1 = spec.layers.find((l) => l.type === 'conv2d');
  assert.deepEqual(await tilesOf('Filters of conv 1'), { tiles: conv1.filters, height: conv1.kernel, width: conv1.kernel });

  // The layer table: input, each layer, the objective; the total.
  const rows = await page.locator('#layers-body tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent)));
  assert.equal(rows.length, spec.layers.length + 2);
  assert.deepEqual(rows[1].slice(0, 3), ['conv 1', '8×28×28', '208']);
  assert.match(rows[1][3], /^§\d/);
  assert.deepEqual(rows.at(-2).slice(0, 3), ['dense 1', '10', '7,850']);
  assert.equal(await page.locator('#total-parameters').textContent(), 'Total parameters: 11,274');
  await page.locator('#draw-panel').screenshot({ path: path.join(ARTIFACTS, 'panel-draw.png') });
  await page.locator('#feature-maps-block').screenshot({ path: path.join(ARTIFACTS, 'panel-feature-maps.png') });
  // The whole page with a drawing read, its maps and its matrix (docs/page.png is a copy).
  await page.screenshot({ path: path.join(ARTIFACTS, 'page.png'), fullPage: true });
});

test('the feature maps follow the weights as they train; an MLP shows its first weights as digits', async () => {
  await button('Reset').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained'));
  // A new network: the drawing is answered again, with its maps at step 0.
  await page.waitForFunction(() => /at step 0:/.test(document.getElementById('maps-note').textContent));
  await button('Train').click();
  await page.waitForFunction(() => /at step [1-9][\d,]*:/.test(document.getElementById('maps-note').textContent), null, { timeout: 60_000 });
  await button('Pause').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
  await page.waitForFunction(() => document.getElementById('confusion').dataset.total === '10000', null, { timeout: 60_000 });
  await page.locator('#train-panel').screenshot({ path: path.join(ARTIFACTS, 'panel-train.png') });
  await page.locator('section.charts').screenshot({ path: path.join(ARTIFACTS, 'panel-curves.png') });
  await page.locator('section.gallery').screenshot({ path: path.join(ARTIFACTS, 'panel-gallery.png') });

  await page.selectOption('#preset', 'mlp');
  await button('Reset').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained MLP'));
  assert.deepEqual(await tilesOf('Weights of dense 1'), { tiles: 16, height: 28, width: 28 });
  await page.waitForFunction(() => /no conv or pool layers/.test(document.getElementById('maps-note').textContent));
  assert.equal(await page.locator('#feature-maps canvas').count(), 0);
  assert.equal(await page.locator('#total-parameters').textContent(), 'Total parameters: 888,135'); // 784·625+625 + 625·625+625 + 625·10+10
  assert.deepEqual(record.errors, []);
});
