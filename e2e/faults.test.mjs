// End-to-end: broken data. The test server damages four training chunks in
// four ways; the page must name each one (and the row, for a malformed
// row), keep the chunks that did load, and still train.
//
//   train-01  a malformed row (manifest patched to match, so it reaches Rust)
//   train-02  cut short (manifest as it is: the size check catches it)
//   train-03  404, every time (retried, then reported)
//   train-04  a gzip stream cut short (manifest patched: only gunzip can tell)
//
// train-00 (good) is held back for two seconds, so that Train is pressed
// before any training data is in: the worker must wait, then train.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DIST, openPage, setUp, shownStep } from './harness.mjs';

const MNIST = path.join(DIST, 'data', 'mnist');
const original = (file) => readFileSync(path.join(MNIST, file));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// Row 3, column 5 (pixel 3) becomes "abc".
function malformed(gz) {
  const lines = gunzipSync(gz).toString('latin1').split('\n');
  const cells = lines[2].split(',');
  cells[4] = 'abc';
  lines[2] = cells.join(',');
  return gzipSync(Buffer.from(lines.join('\n'), 'latin1'));
}

const broken = {
  'train-01.csv.gz': { bytes: malformed(original('train-01.csv.gz')), patchManifest: true },
  'train-02.csv.gz': { bytes: original('train-02.csv.gz').subarray(0, 1_000_000), patchManifest: false },
  'train-03.csv.gz': { status: 404 },
  'train-04.csv.gz': { bytes: original('train-04.csv.gz').subarray(0, 1_200_000), patchManifest: true },
};

function patchedManifest() {
  const manifest = JSON.parse(original('manifest.json'));
  for (const chunk of manifest.train.chunks) {
    const fault = broken[chunk.file];
    if (fault?.patchManifest) {
      chunk.bytes = fault.bytes.length;
      chunk.sha256 = sha256(fault.bytes);
    }
  }
  return JSON.stringify(manifest);
}

let env;
let record;
let page;
let shardWorkerMissing = false;

before(async () => {
  const manifest = patchedManifest();
  env = await setUp({
    intercept: async (relative, req, res) => {
      const file = relative.replace(/^data\/mnist\//, '');
      if (relative === 'data/mnist/manifest.json') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(manifest);
        return true;
      }
      if (relative === 'js/shard-worker.js' && shardWorkerMissing) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found\n');
        return true;
      }
      if (relative === 'data/mnist/train-00.csv.gz') {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        return false; // then served as usual
      }
      const fault = relative.startsWith('data/mnist/') && broken[file];
      if (!fault) return false;
      if (fault.status) {
        res.writeHead(fault.status, { 'Content-Type': 'text/plain' });
        res.end('not found\n');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': fault.bytes.length });
        res.end(fault.bytes);
      }
      return true;
    },
  });
  record = await env.newPage();
  page = record.page;
});

after(async () => {
  await env?.close();
});

test('Train before any data waits for it; broken chunks are named (with the row); the rest train', async (t) => {
  const button = (name) => page.getByRole('button', { name, exact: true });
  await openPage(record, env.url);
  await page.waitForFunction(() => document.documentElement.dataset.modelReadyMs);
  await button('Reset').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained'));
  await button('Train').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Waiting for the first training chunk'));
  // train-00 arrives: training starts by itself and is evaluated.
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Training'), null, { timeout: 30_000 });
  await page.waitForFunction(() => Number(document.getElementById('accuracy').dataset.step) > 0, null, { timeout: 30_000 });
  assert.ok((await shownStep(page)) > 0);

  // Wait until every chunk has either loaded or failed.
  await page.waitForFunction(
    () => document.querySelectorAll('#data-errors li').length >= 4 &&
      document.getElementById('test-progress').getAttribute('aria-valuenow') === '100' &&
      /2 of 6 chunks/.test(document.getElementById('train-progress').getAttribute('aria-valuetext')),
    null,
    { timeout: 60_000 },
  );
  const errors = await page.locator('#data-errors li').allTextContents();
  t.diagnostic(errors.join('\n'));
  const find = (file) => errors.find((e) => e.startsWith(file)) ?? '';
  assert.match(find('train-01.csv.gz'), /^train-01\.csv\.gz, line 3, column 5: .*abc/);
  assert.match(find('train-02.csv.gz'), /^train-02\.csv\.gz: got 1000000 bytes, the manifest says \d+/);
  assert.match(find('train-03.csv.gz'), /^train-03\.csv\.gz: HTTP 404.*after 4 attempts/);
  assert.match(find('train-04.csv.gz'), /^train-04\.csv\.gz: the gzip data is damaged or cut short/);
  assert.match(await page.locator('#train-progress').getAttribute('aria-valuetext'), /2 of 6 chunks, 20,000 of 60,000 images, 4 failed/);
  // The error list is announced (role=alert).
  assert.equal(await page.locator('#data-alert').getAttribute('role'), 'alert'); // read out as they come

  // Training carried on through all of it.
  const step = await shownStep(page);
  await page.waitForFunction((s) => Number(document.getElementById('progress-line').dataset.step) > s, step);
  assert.match(await page.locator('#state').textContent(), /^Training/);
  await button('Pause').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));

  // The only console errors are the browser's own notes on the 404s.
  const unexpected = record.errors.filter((e) => !/Failed to load resource: .*404.* @ .*train-03\.csv\.gz$/.test(e));
  assert.deepEqual(unexpected, []);
  const foreign = record.requests.filter((url) => !url.startsWith(env.origin));
  assert.deepEqual(foreign, []);
  // Nothing broken was cached: a reload asks for the broken chunks again.
  const before = record.requests.length;
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#data-errors li').length >= 4, null, { timeout: 60_000 });
  const again = record.requests.slice(before).filter((u) => u.endsWith('.csv.gz')).map((u) => u.split('/').pop());
  for (const file of Object.keys(broken)) assert.ok(again.includes(file), `${file} fetched again`);
  assert.ok(!again.includes('train-00.csv.gz'), 'good chunks come from the cache');
});

test('a shard worker that cannot start is dropped: its part of each batch is computed by the training worker', async () => {
  shardWorkerMissing = true;
  const button = (name) => page.getByRole('button', { name, exact: true });
  await page.goto(`${env.url}?workers=2`);
  await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('train-progress').getAttribute('aria-valuenow') !== '0', null, { timeout: 60_000 });
  await button('Reset').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained'));
  const errorsBefore = record.errors.length;
  await button('Train').click();
  await page.waitForFunction(() => document.documentElement.dataset.workers === '1', null, { timeout: 30_000 });
  assert.match(await page.locator('#workers').inputValue(), /^1$/);
  const step = await shownStep(page);
  await page.waitForFunction((s) => Number(document.getElementById('progress-line').dataset.step) > s + 20, step, { timeout: 30_000 });
  assert.match(await page.locator('#state').textContent(), /a shard worker failed .*training goes on with 1 worker|Training/);
  await button('Pause').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
  const { training } = await page.evaluate(() => globalThis.groundup.history);
  assert.ok(training.length > 20 && training.every((b) => Number.isFinite(b.loss)));
  const unexpected = record.errors.slice(errorsBefore).filter((e) => !/shard-worker\.js|404/.test(e));
  assert.deepEqual(unexpected, []);
  shardWorkerMissing = false;
});
