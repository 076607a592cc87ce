// End-to-end: the page's URL fragment carries its settings (www/js/settings.js,
// www/js/page-link.js). A link with all seven keys opens with them and trains
// with them; a change rewrites the fragment in place; a bad value is refused
// by key and value and the default used; Rust's refusal of a typed value
// lands beside its field; a pasted fragment applies; "Copy link" copies.
// Each test opens its own tab (a fresh load of its URL) in one browser, so
// the data comes from the browser's cache after the first.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { openPage, setUp } from './harness.mjs';

const ALL_SEVEN = 'preset=paper-mlp&optimizer=sgd&lr=0.05&batch=250&epochs=7&seed=7&workers=1';

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

/** A new tab opened at the page with `fragment`, once the worker is ready. */
async function openAt(fragment) {
  record = await env.newPage();
  await openPage(record, `${env.url}#${fragment}`);
  return record.page;
}

// Nothing went wrong in the console, and nothing was asked of another origin.
function assertClean() {
  assert.deepEqual(record.errors, [], 'console errors or uncaught exceptions');
  const foreign = record.requests.filter((url) => !url.startsWith(env.origin) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests to another origin');
}

const stateStartsWith = (page, text) =>
  page.waitForFunction((t) => document.getElementById('state').textContent.startsWith(t), text, { timeout: 30_000 });

/** The text of every settings control, by id. */
const formValues = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      ['preset', 'optimizer', 'learningRate', 'batchSize', 'epochs', 'seed', 'workers'].map((id) => [id, document.getElementById(id).value]),
    ),
  );

/** Waits until the worker reports `expected` (a subset of its settings) in force. */
const settingsInForce = (page, expected) =>
  page.waitForFunction(
    (e) => Object.entries(e).every(([k, v]) => globalThis.groundup.settings[k] === v),
    expected,
    { timeout: 30_000 },
  );

/** A vertical stroke on the pad, then the answer to it ("Prediction: d (p%)"). */
async function drawAndRead(page) {
  const box = await page.locator('#pad').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.18);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.82, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(250); // past the pad's 100 ms throttle: the last request is out
  await page.waitForFunction(
    () =>
      document.documentElement.dataset.answeredId === document.documentElement.dataset.drawingId &&
      /Prediction: \d \(\d+%\)/.test(document.getElementById('prediction').textContent),
    null,
    { timeout: 30_000 },
  );
  return page.locator('#prediction').textContent();
}

describe('the settings in the URL', () => {
  test('a link with all seven keys opens with them, and Train trains with them', async () => {
    const page = await openAt(ALL_SEVEN);
    // A preset and a seed in the URL: a fresh network from that seed, not the pretrained one.
    await stateStartsWith(page, 'Untrained Paper MLP, fresh weights from seed 7');
    const expected = { preset: 'paper-mlp', optimizer: 'sgd', learningRate: 0.05, batchSize: 250, epochs: 7, seed: 7, workers: 1 };
    await settingsInForce(page, expected);
    assert.deepEqual(await formValues(page), {
      preset: 'paper-mlp', optimizer: 'sgd', learningRate: '0.05', batchSize: '250', epochs: '7', seed: '7', workers: '1',
    });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.workers), '1');
    assert.equal(await page.locator('#url-errors').textContent(), '');
    assert.deepEqual(record.requests.filter((u) => u.endsWith('/model/cnn.safetensors')), [], 'the pretrained net was not loaded');

    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => document.getElementById('progress-line').textContent.startsWith('Epoch 1 of 7 · step'), null, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await stateStartsWith(page, 'Paused');
    // Training did not change them: the worker still reports the URL's settings.
    await settingsInForce(page, expected);
    assert.equal(await page.evaluate(() => location.hash), `#${ALL_SEVEN}`);
    assertClean();
  });

  test('a changed setting rewrites the fragment in place, without a new history entry', async () => {
    const page = await openAt(ALL_SEVEN);
    await stateStartsWith(page, 'Untrained Paper MLP, fresh weights from seed 7');
    await settingsInForce(page, { learningRate: 0.05, seed: 7, workers: 1 });
    const entries = await page.evaluate(() => history.length);
    const lr = page.getByLabel('Learning rate');
    await lr.fill('0.01');
    await lr.press('Enter');
    await page.waitForFunction(() => location.hash.includes('lr=0.01'));
    assert.equal(await page.evaluate(() => location.hash), '#preset=paper-mlp&optimizer=sgd&lr=0.01&batch=250&epochs=7&seed=7&workers=1');
    assert.equal(await page.evaluate(() => history.length), entries, 'history.length did not grow');
    // A new preset brings its own optimizer, rate, batch, epochs and seed: only it stays, with workers.
    await page.selectOption('#preset', 'mlp');
    await page.waitForFunction(() => location.hash === '#preset=mlp&workers=1');
    assert.equal(await page.evaluate(() => history.length), entries);
    assertClean();
  });

  test('keys the page does not own stay in the fragment; an unknown one is named', async () => {
    const page = await openAt('lr=0.01&experiment=fig8&colour=red');
    // No preset or seed: the pretrained net, then the URL's learning rate.
    await stateStartsWith(page, 'Pretrained CNN loaded');
    await settingsInForce(page, { learningRate: 0.01 });
    await page.waitForFunction(() => document.getElementById('url-errors').textContent !== '');
    assert.equal(await page.locator('#url-errors').textContent(), 'URL: colour=red is not a setting this page knows; ignored.');
    const batch = page.getByLabel('Batch size');
    await batch.fill('32');
    await batch.press('Enter');
    await page.waitForFunction(() => location.hash === '#lr=0.01&batch=32&experiment=fig8&colour=red');
    assertClean();
  });

  const BAD = [
    // [fragment, setting, control]
    ['lr=abc', 'learningRate'],
    ['batch=0', 'batchSize'],
    ['preset=nope', 'preset'],
    ['workers=1000', 'workers'],
    ['epochs=-1', 'epochs'],
    ['seed=1.5', 'seed'],
  ];
  for (const [fragment, name] of BAD) {
    test(`#${fragment} is refused by key and value, the default is used, and the page works`, async (t) => {
      const page = await openAt(fragment);
      await stateStartsWith(page, 'Pretrained CNN loaded');
      const alert = page.getByRole('alert').filter({ hasText: 'URL:' });
      await alert.waitFor({ timeout: 30_000 });
      const text = await alert.textContent();
      t.diagnostic(text);
      assert.ok(text.includes(`URL: ${fragment} `), `"${text}" names ${fragment}`);
      // The default is in the form and in force, and the message says which it is.
      const shown = await page.locator(`#${name}`).inputValue();
      const inForce = await page.evaluate((n) => String(globalThis.groundup.settings[n]), name);
      assert.equal(shown, name === 'learningRate' ? String(Number(inForce)) : inForce);
      if (name === 'preset') assert.equal(shown, 'cnn');
      assert.ok(text.endsWith(`using the default ${shown}.`), `"${text}" ends with the default ${shown}`);
      assert.equal(await page.locator(`#${name}`).getAttribute('aria-invalid'), null);
      // Still usable: a drawing is answered, Train is there to press.
      assert.match(await drawAndRead(page), /^Prediction: \d/);
      assert.equal(await page.getByRole('button', { name: 'Train', exact: true }).isEnabled(), true);
      assertClean();
    });
  }

  test('Rust refuses a typed value out of range: the refusal is beside its field, the URL keeps the value in force', async (t) => {
    const page = await openAt('batch=32');
    await stateStartsWith(page, 'Pretrained CNN loaded');
    await settingsInForce(page, { batchSize: 32 });
    const rateBefore = await page.evaluate(() => globalThis.groundup.settings.learningRate);
    // The page checks only the syntax of typed values; the range is Rust's.
    const lr = page.getByLabel('Learning rate');
    await lr.fill('1000');
    await lr.press('Enter');
    await page.waitForFunction(() => document.getElementById('learningRate-error').textContent !== '');
    assert.match(await page.locator('#learningRate-error').textContent(), /1000/);
    assert.equal(await lr.getAttribute('aria-invalid'), 'true');
    const batch = page.getByLabel('Batch size');
    await batch.fill('20000');
    await batch.press('Enter');
    await page.waitForFunction(() => document.getElementById('batchSize-error').textContent !== '');
    assert.match(await page.locator('#batchSize-error').textContent(), /20000/);
    assert.doesNotMatch(await page.locator('#state').textContent(), /Setting refused/);
    t.diagnostic(`beside the fields: "${await page.locator('#learningRate-error').textContent()}", "${await page.locator('#batchSize-error').textContent()}"`);
    // Nothing refused is in force, nor in the URL.
    assert.equal(await page.evaluate(() => globalThis.groundup.settings.learningRate), rateBefore);
    assert.equal(await page.evaluate(() => globalThis.groundup.settings.batchSize), 32);
    assert.equal(await page.evaluate(() => location.hash), '#batch=32');
    // Fixed, the refusals go.
    await lr.fill('0.002');
    await lr.press('Enter');
    await batch.fill('100');
    await batch.press('Enter');
    await page.waitForFunction(() => !document.querySelector('[aria-invalid="true"]'));
    await page.waitForFunction(() => location.hash === '#lr=0.002&batch=100');
    assertClean();
  });

  test('a pasted fragment applies like a new link', async () => {
    const page = await openAt('');
    await stateStartsWith(page, 'Pretrained CNN loaded');
    await page.evaluate(() => {
      location.hash = 'preset=mlp&seed=3&epochs=2';
    });
    await stateStartsWith(page, 'Untrained MLP, fresh weights from seed 3');
    await settingsInForce(page, { preset: 'mlp', seed: 3, epochs: 2 });
    const form = await formValues(page);
    assert.deepEqual([form.preset, form.seed, form.epochs], ['mlp', '3', '2']);
    assertClean();
  });

  test('"Copy link" copies the URL of the settings in force, or selects it when the clipboard refuses', async () => {
    const page = await openAt('epochs=9');
    await stateStartsWith(page, 'Pretrained CNN loaded');
    await settingsInForce(page, { epochs: 9 });
    await page.waitForFunction(() => location.hash === '#epochs=9');
    // Record what the page writes: the system clipboard of a headless browser is not the test's.
    await page.evaluate(() => {
      navigator.clipboard.writeText = async (text) => {
        globalThis.copied = text;
      };
    });
    const copy = page.getByRole('button', { name: 'Copy link', exact: true });
    await copy.click();
    await page.waitForFunction(() => document.getElementById('link-status').textContent === 'Link copied.');
    assert.equal(await page.evaluate(() => globalThis.copied), `${env.url}#epochs=9`);
    assert.equal(await page.locator('#link-field').isVisible(), false);

    await page.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    });
    await copy.click();
    await page.waitForFunction(() => document.getElementById('link-status').textContent.startsWith('Could not copy'));
    const field = page.getByLabel('Link to these settings');
    assert.equal(await field.isVisible(), true);
    assert.equal(await field.inputValue(), `${env.url}#epochs=9`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'link-field');
    assertClean();
  });
});
