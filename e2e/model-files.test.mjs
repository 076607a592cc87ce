// End-to-end: models in and out of the page.
//
//   - "Export model" downloads groundup-<preset>-step<N>.safetensors; the
//     pretrained net comes out byte for byte as it went in.
//   - "Import model" with a bad file — cut short, NaN weights, not a model,
//     a network with 5 outputs — says why beside the input (role=alert)
//     and changes nothing: the next export is the same bytes.
//   - A model trained on the page and exported is read by the command-line
//     tool (`groundup eval`), with the test accuracy the page reported.
//   - An exported file imports back ("Model loaded: NAME").

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ARTIFACTS, DIST, DIGITS, REPO, openPage, readPrediction, setUp, stroke, waitForData } from './harness.mjs';

const FIXTURES = path.join(REPO, 'crates', 'groundup', 'tests', 'fixtures', 'bad');
const CLI = path.join(REPO, 'target', 'release', 'groundup');

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
const importInput = () => page.getByLabel('Import model', { exact: true });

async function exportModel() {
  const [download] = await Promise.all([page.waitForEvent('download'), button('Export model').click()]);
  const file = path.join(ARTIFACTS, download.suggestedFilename());
  await download.saveAs(file);
  return { name: download.suggestedFilename(), bytes: readFileSync(file), file };
}

/** A safetensors file's spec and tensors: {spec, name: {shape, hex of the bytes}}. */
function tensors(bytes) {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString());
  const data = bytes.subarray(8 + length);
  const out = { spec: JSON.parse(header.__metadata__.spec) };
  for (const [name, t] of Object.entries(header)) {
    if (name !== '__metadata__') out[name] = { shape: t.shape, bytes: data.subarray(...t.data_offsets).toString('hex') };
  }
  return out;
}

/** A groundup safetensors file of `spec` with all-zero weights (dense layers only). */
function zeroModel(spec) {
  const header = { __metadata__: { format: 'groundup-model', version: '1', spec: JSON.stringify(spec) } };
  let offset = 0;
  let inputs = spec.input.reduce((a, b) => a * b, 1);
  spec.layers.forEach((layer, i) => {
    if (layer.type !== 'dense') return;
    header[`layers.${i}.bias`] = { dtype: 'F32', shape: [layer.units], data_offsets: [offset, (offset += 4 * layer.units)] };
    header[`layers.${i}.weight`] = { dtype: 'F32', shape: [inputs, layer.units], data_offsets: [offset, (offset += 4 * inputs * layer.units)] };
    inputs = layer.units;
  });
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(offset)]);
}

test('the pretrained net exports as it came; bad imports are refused beside the input and change nothing', async (t) => {
  await openPage(record, env.url);
  await page.waitForFunction(() => document.documentElement.dataset.modelReadyMs);
  await waitForData(page);
  await page.waitForFunction(() => document.getElementById('accuracy').dataset.step === '0', null, { timeout: 60_000 });

  const first = await exportModel();
  assert.equal(first.name, 'groundup-cnn-step0.safetensors');
  assert.deepEqual(tensors(first.bytes), tensors(readFileSync(path.join(DIST, 'model', 'cnn.safetensors'))), 'the export holds the weights that were loaded');
  assert.match(await page.locator('#import-status').textContent(), /^Exported groundup-cnn-step0\.safetensors \(\d+ KB\)\.$/);

  await stroke(page, DIGITS[7][0]);
  const answer = await readPrediction(page);
  const stateBefore = await page.locator('#state').textContent();
  const accuracyBefore = await page.locator('#accuracy').textContent();

  const fiveOutputs = zeroModel({ input: [1, 28, 28], objective: 'softmax_cross_entropy', layers: [{ type: 'flatten' }, { type: 'dense', units: 5, bias: true, init: 'glorot' }] });
  const bad = [
    { name: 'cut.safetensors', buffer: first.bytes.subarray(0, first.bytes.length - 100), reason: /cut\.safetensors/ },
    { name: 'model-nan-weight.safetensors', buffer: readFileSync(path.join(FIXTURES, 'model-nan-weight.safetensors')), reason: /model-nan-weight\.safetensors.*NaN/ },
    { name: 'notes.safetensors', buffer: Buffer.from('these are my lecture notes, not a model\n'), reason: /notes\.safetensors/ },
    { name: 'five-classes.safetensors', buffer: fiveOutputs, reason: /five-classes\.safetensors.*\b5\b.*10|five-classes\.safetensors.*\b10\b.*5/ },
  ];
  assert.equal(await page.locator('#import-error').getAttribute('role'), 'alert');
  for (const file of bad) {
    await importInput().setInputFiles({ name: file.name, mimeType: 'application/octet-stream', buffer: file.buffer });
    await page.waitForFunction(() => document.getElementById('import-error').textContent !== '', null, { timeout: 30_000 });
    const error = await page.locator('#import-error').textContent();
    t.diagnostic(error);
    assert.match(error, file.reason);
    assert.match(error, /The current model is unchanged\.$/);
    assert.equal(await page.locator('#import-status').textContent(), '');
    // The next import clears the message; clear it for the next file.
    await page.evaluate(() => {
      document.getElementById('import-error').textContent = '';
    });
  }
  // Nothing changed: the same state, the same accuracy, the same answer, the same weights.
  assert.equal(await page.locator('#state').textContent(), stateBefore);
  assert.equal(await page.locator('#accuracy').textContent(), accuracyBefore);
  await page.locator('#pad').focus(); // a keyboard nudge redraws nothing; ask again by drawing the same
  await button('Clear').click();
  await stroke(page, DIGITS[7][0]);
  assert.deepEqual(await readPrediction(page), answer);
  const again = await exportModel();
  assert.ok(again.bytes.equals(first.bytes), 'the weights are as they were');
  assert.deepEqual(record.errors, []);
});

test('a model trained here is read by `groundup eval` with the accuracy the page reported, and imports back', async (t) => {
  await button('Reset').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained'));
  await button('Train').click();
  await page.waitForFunction(() => Number(document.getElementById('progress-line').dataset.step) >= 100, null, { timeout: 60_000 });
  await button('Pause').click();
  // Pausing evaluates on all 10,000 test images.
  await page.waitForFunction(() => /all 10,000 test images/.test(document.getElementById('accuracy').textContent), null, { timeout: 60_000 });
  const shown = await page.evaluate(() => ({
    accuracy: Number(document.getElementById('accuracy').dataset.accuracy),
    step: Number(document.getElementById('accuracy').dataset.step),
  }));
  const trained = await exportModel();
  assert.equal(trained.name, `groundup-cnn-step${shown.step}.safetensors`);

  if (!existsSync(CLI)) {
    t.skip(`no CLI at ${CLI}: build it with cargo build --release -p groundup-cli`);
  } else {
    // stdout ends with one JSON line: {examples, test_accuracy, confusion, …}.
    const out = execFileSync(CLI, ['eval', '--model', trained.file, '--data', path.join(DIST, 'data', 'mnist')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const cli = JSON.parse(out.trim().split('\n').pop());
    t.diagnostic(`page ${shown.accuracy}, groundup eval ${cli.test_accuracy} on ${cli.examples} images`);
    assert.equal(cli.examples, 10000);
    // Rust natively and in wasm: the same sums in the same order, so the
    // same answers; allow one image of 10,000 for a last-bit difference.
    assert.ok(Math.abs(cli.test_accuracy - shown.accuracy) <= 1e-4 + 1e-9, `CLI ${cli.test_accuracy} vs page ${shown.accuracy}`);

    // And by a reader that knows nothing of our code: safetensors.numpy and
    // scripts/numpy_forward.py's own NumPy forward pass, on the sample test
    // set, against `groundup eval` there (scripts/test.sh installs both
    // Python packages before the page's tests).
    const sample = path.join(REPO, 'data', 'sample');
    const ours = execFileSync(CLI, ['eval', '--model', trained.file, '--data', sample], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop();
    const numpy = execFileSync('python3', [path.join(REPO, 'scripts', 'numpy_forward.py'), trained.file, path.join(sample, 'test.csv.gz'), '--expect', ours], { encoding: 'utf8' });
    t.diagnostic(`numpy_forward.py: ${numpy.trim().split('\n').pop()}`);
  }

  // Back in: a fresh net, then the trained file.
  await button('Reset').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained'));
  await importInput().setInputFiles(trained.file);
  await page.waitForFunction((name) => document.getElementById('import-status').textContent === `Model loaded: ${name}`, trained.name, { timeout: 30_000 });
  assert.match(await page.locator('#state').textContent(), new RegExp(`^Model loaded: ${trained.name.replaceAll('.', '\\.')} \\(CNN\\)`));
  assert.equal(await page.locator('#import-error').textContent(), '');
  const back = await exportModel();
  assert.equal(back.name, 'groundup-cnn-step0.safetensors'); // not trained on this page (yet)
  assert.ok(back.bytes.equals(trained.bytes));
  writeFileSync(path.join(ARTIFACTS, 'model-files.json'), `${JSON.stringify({ shown, trained: trained.name }, null, 2)}\n`);
  assert.deepEqual(record.errors, []);
});

test('a network whose ReLUs are all dead: training says the loss has not changed, with what to try', async () => {
  // An untrained MLP from the page, its first layer's biases set to −100:
  // every unit of the first ReLU layer outputs 0 for every image, whatever
  // the weights, so the network answers the same for every digit.
  await page.selectOption('#preset', 'mlp');
  await button('Reset').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained MLP'));
  const fresh = await exportModel();
  const length = Number(fresh.bytes.readBigUInt64LE(0));
  const header = JSON.parse(fresh.bytes.subarray(8, 8 + length).toString());
  const dead = Buffer.from(fresh.bytes);
  const [start, end] = header['layers.0.bias'].data_offsets;
  for (let at = 8 + length + start; at < 8 + length + end; at += 4) dead.writeFloatLE(-100, at);
  await importInput().setInputFiles({ name: 'dead-relus.safetensors', mimeType: 'application/octet-stream', buffer: dead });
  await page.waitForFunction(() => document.getElementById('import-status').textContent === 'Model loaded: dead-relus.safetensors', null, { timeout: 30_000 });

  await button('Train').click();
  await page.waitForFunction(() => /not changed/.test(document.getElementById('state').textContent), null, { timeout: 90_000 });
  const text = await page.locator('#state').textContent();
  assert.match(text, /^Training, but the loss has not changed for \d+ steps: it stays near 2\.\d+ .*chance.*lower the learning rate\.$/);
  assert.match(await page.locator('#state').getAttribute('role'), /^status$/); // read out
  await button('Pause').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
  assert.deepEqual(record.errors, []);
});
