// End-to-end: the page survives its faults.
//
//   - The training worker dies mid-training (a wasm trap, simulated by an
//     uncaught RuntimeError in the worker): the page starts a new one, which
//     takes over the last good weights and the settings, gets the data back
//     from the browser's cache, answers the next drawing and trains on from
//     the step it had reached.
//   - A corrupt cache entry is fetched again, and nothing else is.
//   - A full storage quota means no caching, and a page that works.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DIGITS, openPage, readPrediction, setUp, stroke, waitForData } from './harness.mjs';

const CACHE = 'groundup-mnist-v1';

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
const state = () => page.locator('#state').textContent();

/** The chunk files in the page's Cache API store. */
const cachedChunks = (p = page) =>
  p.evaluate(async (name) => {
    const cache = await caches.open(name);
    return (await cache.keys()).map((r) => new URL(r.url).pathname.split('/').pop()).sort();
  }, CACHE);

/** Chunk files the page (or its workers) asked the server for since `from`. */
const chunkRequests = (from) => record.requests.slice(from).filter((u) => /\.csv\.gz/.test(u)).map((u) => new URL(u).pathname.split('/').pop());

test('a training worker that dies mid-training is replaced: last good weights, data from the cache, the next drawing answered', async () => {
  await openPage(record, `${env.url}#preset=cnn&seed=5`);
  await waitForData(page);
  // Every chunk is kept in the cache once it has parsed (not awaited by the loader).
  await page.waitForFunction(async (name) => (await (await caches.open(name)).keys()).length === 7, CACHE, { timeout: 30_000 });

  await button('Train').click();
  await page.waitForFunction(() => Number(document.getElementById('accuracy').dataset.step) > 0, null, { timeout: 60_000 });
  const evaluatedBefore = Number(await page.locator('#accuracy').getAttribute('data-step'));
  assert.match(await state(), /^Training/);

  const training = page.workers().find((w) => new URL(w.url()).pathname.endsWith('/js/worker.js'));
  assert.ok(training, 'the training worker is running');
  const requestsBefore = record.requests.length;
  await training.evaluate(() => {
    // What a panic or an exhausted memory looks like from JavaScript.
    setTimeout(() => {
      throw new WebAssembly.RuntimeError('unreachable (a simulated trap)');
    }, 0);
  });

  await page.waitForFunction(() => /A new training worker took over/.test(document.getElementById('state').textContent), null, { timeout: 60_000 });
  const text = await state();
  const m = /^The training worker stopped \((.*unreachable \(a simulated trap\))\)\. A new training worker took over with the weights of step ([\d,]+);.*Press Train to go on\.$/.exec(text);
  assert.ok(m, text);
  const resumedAt = Number(m[2].replaceAll(',', ''));
  assert.ok(resumedAt >= evaluatedBefore, `resumed at step ${resumedAt}, the last evaluation before the trap was at ${evaluatedBefore}`);
  assert.equal(await button('Train').isEnabled(), true);
  assert.equal(await button('Pause').isEnabled(), false);
  // The settings in force before are in force again.
  assert.equal(await page.locator('#preset').inputValue(), 'cnn');
  assert.equal(await page.locator('#seed').inputValue(), '5');

  // The data came back from the cache: no chunk was downloaded again.
  await page.waitForFunction(
    () => /6 of 6 chunks, 60,000 of 60,000 images, 6 from this browser's cache/.test(document.getElementById('train-progress').getAttribute('aria-valuetext')) &&
      /1 of 1 chunks, 10,000 of 10,000 images, 1 from this browser's cache/.test(document.getElementById('test-progress').getAttribute('aria-valuetext')),
    null,
    { timeout: 60_000 },
  );
  assert.deepEqual(chunkRequests(requestsBefore), []);

  // The next drawing is answered, by the new worker.
  await stroke(page, DIGITS[1][0]);
  await readPrediction(page);

  // Training goes on from the step the checkpoint was taken at.
  const seen = await page.evaluate(() => globalThis.groundup.history.training.length);
  await button('Train').click();
  await page.waitForFunction((n) => globalThis.groundup.history.training.length > n + 5, seen, { timeout: 30_000 });
  const next = await page.evaluate((n) => globalThis.groundup.history.training[n].step, seen);
  assert.equal(next, resumedAt + 1);
  await button('Pause').click();
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));

  // The only error is the simulated trap itself.
  const unexpected = record.errors.filter((e) => !/simulated trap/.test(e));
  assert.deepEqual(unexpected, []);
});

test('a corrupt cache entry is fetched again; the others come from the cache', async () => {
  // Same size, gzip's magic number, wrong bytes: only the sha256 can tell.
  const damaged = await page.evaluate(async (name) => {
    const cache = await caches.open(name);
    const key = (await cache.keys()).find((r) => new URL(r.url).pathname.endsWith('/train-02.csv.gz'));
    const good = new Uint8Array(await (await cache.match(key)).arrayBuffer());
    const bad = new Uint8Array(good.length);
    bad.set([0x1f, 0x8b, 8, 0]);
    await cache.put(key, new Response(bad));
    return good.length;
  }, CACHE);
  assert.ok(damaged > 1000);

  const requestsBefore = record.requests.length;
  await page.reload();
  await waitForData(page);
  assert.deepEqual(chunkRequests(requestsBefore), ['train-02.csv.gz']);
  assert.deepEqual(await page.locator('#data-errors li').allTextContents(), []);
  assert.match(await page.locator('#train-progress').getAttribute('aria-valuetext'), /6 of 6 chunks, 60,000 of 60,000 images, 5 from this browser's cache/);
  // And the good copy is back in the cache.
  await page.waitForFunction(
    async ([name, size]) => {
      const cache = await caches.open(name);
      const key = (await cache.keys()).find((r) => new URL(r.url).pathname.endsWith('/train-02.csv.gz'));
      const bytes = key && new Uint8Array(await (await cache.match(key)).arrayBuffer());
      return bytes && bytes.length === size && bytes[4] !== 0;
    },
    [CACHE, damaged],
    { timeout: 30_000 },
  );
  const unexpected = record.errors.filter((e) => !/simulated trap/.test(e));
  assert.deepEqual(unexpected, []);
});

test('a full storage quota: nothing is cached, and the page works', async () => {
  // A new origin (a new server) with a new, empty profile.
  const full = await setUp();
  try {
    const r = await full.newPage();
    const cdp = await r.page.context().newCDPSession(r.page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: full.origin, quotaSize: 1000 });
    await openPage(r, full.url);
    await waitForData(r.page);
    assert.deepEqual(await r.page.locator('#data-errors li').allTextContents(), []);
    assert.match(await r.page.locator('#train-progress').getAttribute('aria-valuetext'), /^100%: 6 of 6 chunks, 60,000 of 60,000 images$/);
    await r.page.waitForFunction(() => document.getElementById('accuracy').dataset.step !== undefined, null, { timeout: 60_000 });
    await stroke(r.page, DIGITS[7][0]);
    await readPrediction(r.page);
    // Give the loader's (unawaited) cache writes time to fail.
    await r.page.waitForTimeout(1000);
    assert.deepEqual(await cachedChunks(r.page), []);
    assert.deepEqual(r.errors, []);
  } finally {
    await full.close();
  }
});
