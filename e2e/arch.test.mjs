// End-to-end: "Your own network", the architecture editor.
//
//   - An MLP with a dense 32 + ReLU added before its output: every layer's
//     output shape and parameters and the total are right (computed here
//     from the layers' sizes); "Train this" trains it from scratch (steps
//     advance, finite losses, a test accuracy after a pause); the stack is
//     in the URL as `arch`, a reload rebuilds it, Reset keeps it and a
//     preset replaces it.
//   - An invalid stack (conv 2 with kernel 4) is refused in the alert,
//     naming the layer; "Train this" is disabled; the URL keeps the last
//     valid stack.
//   - A hostile `#arch=` is refused in the URL errors by key and value, and
//     the page starts from the default (the pretrained net).

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { openPage, setUp, shownAccuracy, waitForData } from './harness.mjs';

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

async function openAt(fragment) {
  record = await env.newPage();
  await openPage(record, `${env.url}#${fragment}`);
  return record.page;
}

function assertClean() {
  assert.deepEqual(record.errors, [], 'console errors or uncaught exceptions');
}

const editor = (page) => page.getByRole('region', { name: 'Architecture', exact: true });
const layer = (page, name) => editor(page).getByRole('group', { name, exact: true });
const urlArch = (page) => page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('arch'));

/** The editor's layers: [{name, facts}] in order, once it shows `count` of them. */
async function shownLayers(page) {
  return editor(page)
    .locator('fieldset')
    .evaluateAll((sets) => sets.map((s) => ({ name: s.querySelector('legend').textContent, facts: s.querySelector('.arch-facts').textContent })));
}

/** "Output 625 · 490,625 parameters" → {shape: '625', parameters: 490625}. */
function facts(text) {
  const m = /^Output ([\d×]+) · ([\d,]+) parameters$/.exec(text);
  assert.ok(m, `facts: ${text}`);
  return { shape: m[1], parameters: Number(m[2].replaceAll(',', '')) };
}

async function shownTotal(page) {
  const text = await page.locator('#arch-total').textContent();
  const m = /^Total parameters: ([\d,]+)$/.exec(text);
  return m ? Number(m[1].replaceAll(',', '')) : null;
}

const waitForNames = (page, names) =>
  page.waitForFunction(
    (wanted) => JSON.stringify(Array.from(document.querySelectorAll('#arch-layers legend'), (l) => l.textContent)) === JSON.stringify(wanted) &&
      /^Total parameters: [\d,]+$/.test(document.getElementById('arch-total').textContent),
    names,
    { timeout: 30_000 },
  );

const MLP_PLUS = ['dense 1', 'ReLU 1', 'dense 2', 'ReLU 2', 'dense 3', 'ReLU 3', 'dense 4'];
// 784 → 625 → 625 → 32 → 10, each with biases: (in × out + out).
const DENSE = [[784, 625], [625, 625], [625, 32], [32, 10]].map(([i, o]) => i * o + o);

async function checkMlpPlus(page) {
  await waitForNames(page, MLP_PLUS);
  const layers = await shownLayers(page);
  const counts = layers.map((l) => facts(l.facts));
  assert.deepEqual(counts.map((c) => c.shape), ['625', '625', '625', '625', '32', '32', '10']);
  assert.deepEqual([0, 2, 4, 6].map((i) => counts[i].parameters), DENSE);
  assert.deepEqual([1, 3, 5].map((i) => counts[i].parameters), [0, 0, 0]);
  const total = await shownTotal(page);
  assert.equal(total, counts.reduce((sum, c) => sum + c.parameters, 0));
  assert.equal(total, DENSE.reduce((a, b) => a + b, 0));
  // The editor's total is its own, apart from "Inside the network"'s.
  assert.equal(await editor(page).getByText(/^Total parameters:/).count(), 1);
}

test('add dense 32 + ReLU before the output, see its shapes and counts, train it, reload it', async () => {
  const page = await openAt('preset=mlp&batch=32');
  await waitForNames(page, ['dense 1', 'ReLU 1', 'dense 2', 'ReLU 2', 'dense 3']);
  await page.getByLabel('Layer kind').selectOption({ label: 'dense' });
  await page.getByRole('button', { name: 'Add layer', exact: true }).click();
  await waitForNames(page, ['dense 1', 'ReLU 1', 'dense 2', 'ReLU 2', 'dense 3', 'dense 4']);
  // Keyboard: the kind select, then Add layer with Enter.
  await page.getByLabel('Layer kind').selectOption({ label: 'ReLU' });
  await page.getByRole('button', { name: 'Add layer', exact: true }).focus();
  await page.keyboard.press('Enter');
  await checkMlpPlus(page);
  assert.equal(await urlArch(page), 'dense625_he-relu-dense625_he-relu-dense32-relu-dense10');
  assert.equal(await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('preset')), 'mlp');

  await page.getByRole('button', { name: 'Train this', exact: true }).click();
  await page.waitForFunction(() => globalThis.groundup.history.training.length >= 20, null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await waitForData(page);
  await page.waitForFunction(() => /Test accuracy: \d/.test(document.getElementById('accuracy').textContent), null, { timeout: 90_000 });
  const losses = await page.evaluate(() => globalThis.groundup.history.training.map((b) => b.loss));
  assert.ok(losses.every(Number.isFinite), 'finite losses');
  assert.ok((await shownAccuracy(page)) !== null);
  // The network trained is the edited one: "Inside the network" shows it.
  const insideTotal = await page.locator('#total-parameters').textContent();
  assert.equal(Number(insideTotal.replace(/\D/g, '')), DENSE.reduce((a, b) => a + b, 0));

  await page.reload();
  await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 30_000 });
  await checkMlpPlus(page);
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained network of your own'), null, { timeout: 30_000 });
  assert.equal(await urlArch(page), 'dense625_he-relu-dense625_he-relu-dense32-relu-dense10');
  assert.equal(await page.locator('#url-errors').textContent(), '');

  // Reset keeps the architecture; a preset brings its own layers, and the URL follows.
  // The editor shows the new network's layers afresh: the marked node goes.
  await page.evaluate(() => document.querySelector('#arch-layers li').setAttribute('data-before-reset', ''));
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await page.waitForFunction(() => !document.querySelector('#arch-layers [data-before-reset]'), null, { timeout: 30_000 });
  await checkMlpPlus(page);
  assert.equal(await urlArch(page), 'dense625_he-relu-dense625_he-relu-dense32-relu-dense10');
  await page.getByLabel('Model', { exact: true }).selectOption('cnn');
  await waitForNames(page, ['conv 1', 'leaky ReLU 1', 'pool 1', 'conv 2', 'leaky ReLU 2', 'pool 2', 'flatten', 'dense 1']);
  await page.waitForFunction(() => location.hash === '#preset=cnn', null, { timeout: 30_000 });
  assertClean();
});

test('an invalid stack is refused naming the layer; the URL keeps the last valid one', async () => {
  const page = await openAt('');
  await waitForNames(page, ['conv 1', 'leaky ReLU 1', 'pool 1', 'conv 2', 'leaky ReLU 2', 'pool 2', 'flatten', 'dense 1']);
  const filters = layer(page, 'conv 2').getByLabel('Filters', { exact: true });
  await filters.fill('12');
  await filters.press('Tab');
  await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('arch') === 'conv8k5-lrelu-pool-conv12k5-lrelu-pool-dense10', null, { timeout: 30_000 });
  const conv2 = facts((await shownLayers(page))[3].facts);
  assert.deepEqual(conv2, { shape: '12×14×14', parameters: 12 * 8 * 5 * 5 + 12 });

  const kernel = layer(page, 'conv 2').getByLabel('Kernel', { exact: true });
  await kernel.fill('4');
  await kernel.press('Tab');
  const alert = page.locator('#arch-alert[role="alert"]');
  await page.waitForFunction(() => document.getElementById('arch-alert').textContent !== '', null, { timeout: 30_000 });
  assert.match(await alert.textContent(), /^conv 2 needs an odd kernel for same padding/);
  assert.ok(await page.getByRole('button', { name: 'Train this', exact: true }).isDisabled());
  assert.equal(await urlArch(page), 'conv8k5-lrelu-pool-conv12k5-lrelu-pool-dense10');
  // The refused value stays in its field, for the reader to fix.
  assert.equal(await kernel.inputValue(), '4');
  // Fixed: accepted again.
  await kernel.fill('3');
  await kernel.press('Tab');
  await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('arch') === 'conv8k5-lrelu-pool-conv12k3-lrelu-pool-dense10', null, { timeout: 30_000 });
  assert.equal(await alert.textContent(), '');
  assert.ok(await page.getByRole('button', { name: 'Train this', exact: true }).isEnabled());
  // Remove and reorder by name.
  await page.getByRole('button', { name: 'Remove leaky ReLU 2', exact: true }).click();
  await waitForNames(page, ['conv 1', 'leaky ReLU 1', 'pool 1', 'conv 2', 'pool 2', 'flatten', 'dense 1']);
  await page.getByRole('button', { name: 'Move pool 1 up', exact: true }).click();
  await waitForNames(page, ['conv 1', 'pool 1', 'leaky ReLU 1', 'conv 2', 'pool 2', 'flatten', 'dense 1']);
  assert.equal(await urlArch(page), 'conv8k5-pool-lrelu-conv12k3-pool-dense10');
  assertClean();
});

test('a hostile arch in the URL is refused by key and value; the page starts from the default', async () => {
  const hostile = [
    ['garbage', 'garbage'],
    [Array(10_000).fill('relu').join('-'), 'characters long; the most is 1000'],
    ['dense1000000000-dense10', 'dense 1 would have 785000000000 parameters'],
    ['conv8k0-dense10', 'conv 1 has kernel 0'],
  ];
  for (const [arch, reason] of hostile) {
    const page = await openAt(`arch=${arch}`);
    await page.waitForFunction(() => document.getElementById('url-errors').textContent !== '', null, { timeout: 30_000 });
    const text = await page.locator('#url-errors').textContent();
    assert.ok(text.startsWith(`URL: arch=${arch.slice(0, 40)}`), text.slice(0, 200));
    assert.ok(text.includes(reason), `${text.slice(0, 300)} should include ${reason}`);
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Pretrained CNN loaded'), null, { timeout: 30_000 });
    assert.equal(await urlArch(page), null);
    await waitForNames(page, ['conv 1', 'leaky ReLU 1', 'pool 1', 'conv 2', 'leaky ReLU 2', 'pool 2', 'flatten', 'dense 1']);
    assertClean();
    await page.close();
    record = null;
  }
});
