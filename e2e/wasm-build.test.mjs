// End-to-end: the page's two wasm builds (www/js/wasm.js). Chromium runs
// relaxed SIMD, so every worker — the training worker and its shard
// worker — loads groundup-web-relaxed*, never the simd128 files, and trains.
// With the relaxed files missing (a host that did not copy them, or
// `trunk serve`'s debug build), every worker falls back to simd128.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openPage, setUp, shownStep, waitForData } from './harness.mjs';

/** The page's files the server was asked for, by name. */
const asked = (requests, name) => requests.filter((url) => url.split('?')[0].endsWith(`/${name}`)).length;

/** Trains two-worker batches until the step count passes 10, then pauses. */
async function trainBriefly(page) {
  await waitForData(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => Number(document.getElementById('progress-line').dataset.step ?? 0) > 10, null, { timeout: 90_000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'), null, { timeout: 30_000 });
}

describe('relaxed SIMD supported', () => {
  let env;
  let record;
  before(async () => {
    env = await setUp();
    record = await env.newPage();
  });
  after(() => env.close());

  test('every worker runs the relaxed build, and says so', async () => {
    const { page } = record;
    await openPage(record, `${env.url}#preset=cnn&batch=64&workers=2&seed=3`);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.wasm), 'relaxed');
    await trainBriefly(page);
    assert.ok((await shownStep(page)) > 10);
    // The training worker and the shard worker, each its own instance.
    assert.ok(asked(env.requests, 'groundup-web-relaxed_bg.wasm') >= 2, 'both workers fetched the relaxed wasm');
    assert.equal(asked(env.requests, 'groundup-web_bg.wasm'), 0, 'the simd128 wasm is never fetched');
    assert.equal(asked(env.requests, 'groundup-web.js'), 0, 'nor its glue');
    await assert.doesNotReject(page.getByText('relaxed SIMD (fused multiply-add)').waitFor());
    assert.deepEqual(record.errors, []);
  });
});

describe('relaxed build missing', () => {
  let env;
  let record;
  before(async () => {
    env = await setUp({
      intercept: async (relative, req, res) => {
        if (!relative.startsWith('groundup-web-relaxed')) return false;
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found\n');
        return true;
      },
    });
    record = await env.newPage();
  });
  after(() => env.close());

  test('every worker falls back to simd128 and trains', async () => {
    const { page } = record;
    await openPage(record, `${env.url}#preset=cnn&batch=64&workers=2&seed=3`);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.wasm), 'simd128');
    await trainBriefly(page);
    assert.ok(asked(env.requests, 'groundup-web_bg.wasm') >= 2, 'both workers fetched the simd128 wasm');
    await assert.doesNotReject(page.getByText('Computed in WebAssembly with SIMD.').waitFor());
    // The only problems: the refused relaxed glue, once per worker.
    assert.ok(record.errors.every((e) => /groundup-web-relaxed|404|Failed to fetch/.test(e)), record.errors.join('\n'));
  });
});
