// Loading chunks (www/js/data-loader.js) with a fake fetch and a fake cache.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadChunk, loadManifest, loadOrder, validateManifest } from '../../www/js/data-loader.js';

const CSV = Buffer.from('7,0,0,255\n2,1,2,3\n');
const GZ = gzipSync(CSV);
const chunk = { file: 'train-00.csv.gz', rows: 2, bytes: GZ.length, sha256: createHash('sha256').update(GZ).digest('hex') };
const BASE = 'http://127.0.0.1/sub/data/mnist/manifest.json';
const fast = { backoffMs: 1 };

// A fetch that answers from a list of responses, one per call.
function fakeFetch(...answers) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return new Response(answer.body ?? null, { status: answer.status ?? 200 });
  };
  return { fetchImpl, calls };
}

function fakeCache() {
  const store = new Map();
  return {
    store,
    match: async (key) => (store.has(key) ? new Response(store.get(key)) : undefined),
    put: async (key, response) => store.set(key, new Uint8Array(await response.arrayBuffer())),
    delete: async (key) => store.delete(key),
  };
}

test('a good chunk is fetched, checked, inflated, and cached only when kept', async () => {
  const { fetchImpl, calls } = fakeFetch({ body: GZ });
  const cache = fakeCache();
  const result = await loadChunk(BASE, chunk, { fetchImpl, cache, ...fast });
  assert.equal(calls[0].url, 'http://127.0.0.1/sub/data/mnist/train-00.csv.gz');
  assert.deepEqual(Buffer.from(result.csv), CSV);
  assert.equal(result.verified, true);
  assert.equal(cache.store.size, 0);
  await result.keep();
  assert.equal(cache.store.size, 1);
  // The next load is served from the cache.
  const again = await loadChunk(BASE, chunk, { fetchImpl: () => assert.fail('no download'), cache, ...fast });
  assert.equal(again.fromCache, true);
  assert.deepEqual(Buffer.from(again.csv), CSV);
});

test('failures are retried, then reported naming the chunk', async () => {
  const flaky = fakeFetch({ status: 503 }, new TypeError('network down'), { body: GZ });
  const ok = await loadChunk(BASE, chunk, { fetchImpl: flaky.fetchImpl, ...fast });
  assert.equal(flaky.calls.length, 3);
  assert.equal(flaky.calls[1].init.cache, 'reload'); // past the HTTP cache after a failure
  assert.deepEqual(Buffer.from(ok.csv), CSV);

  const missing = fakeFetch({ status: 404 });
  await assert.rejects(loadChunk(BASE, chunk, { fetchImpl: missing.fetchImpl, ...fast }), /^ChunkError: train-00\.csv\.gz: HTTP 404 \(after 4 attempts\)$/);
  assert.equal(missing.calls.length, 4);
});

test('a wrong size, a wrong checksum and a damaged gzip are named', async () => {
  const short = fakeFetch({ body: GZ.subarray(0, 10) });
  await assert.rejects(loadChunk(BASE, chunk, { fetchImpl: short.fetchImpl, ...fast }), /train-00\.csv\.gz: got 10 bytes, the manifest says/);
  const other = gzipSync(Buffer.from('1,2,3\n'));
  const tampered = { ...chunk, bytes: other.length };
  const wrong = fakeFetch({ body: other });
  const cache = fakeCache();
  await assert.rejects(loadChunk(BASE, tampered, { fetchImpl: wrong.fetchImpl, cache, ...fast }), /train-00\.csv\.gz: sha256 mismatch/);
  assert.equal(cache.store.size, 0, 'nothing unverified is cached');
  const cut = GZ.subarray(0, GZ.length - 12);
  const cutChunk = { ...chunk, bytes: cut.length, sha256: createHash('sha256').update(cut).digest('hex') };
  await assert.rejects(loadChunk(BASE, cutChunk, { fetchImpl: fakeFetch({ body: cut }).fetchImpl, ...fast }), /train-00\.csv\.gz: the gzip data is damaged or cut short/);
});

test('a chunk the host already inflated is passed on as CSV', async () => {
  const big = Buffer.concat(Array(20).fill(CSV));
  const result = await loadChunk(BASE, { ...chunk, bytes: 30 }, { fetchImpl: fakeFetch({ body: big }).fetchImpl, ...fast });
  assert.equal(result.verified, false);
  assert.deepEqual(Buffer.from(result.csv), big);
});

test('manifests are checked, and loaded training chunk first, then test', async () => {
  const manifest = {
    format_version: 1, image_shape: [28, 28],
    train: { rows: 4, chunks: [{ ...chunk, file: 'train-00.csv.gz' }, { ...chunk, file: 'train-01.csv.gz' }] },
    test: { rows: 2, chunks: [{ ...chunk, file: 'test-00.csv.gz' }] },
  };
  assert.deepEqual(loadOrder(validateManifest(manifest)).map((c) => c.chunk.file), ['train-00.csv.gz', 'test-00.csv.gz', 'train-01.csv.gz']);
  assert.throws(() => validateManifest({ ...manifest, format_version: 2 }), /format_version 2/);
  assert.throws(() => validateManifest({ ...manifest, train: { rows: 5, chunks: manifest.train.chunks } }), /train.rows is 5 but its chunks hold 4/);
  const badName = { ...manifest, test: { rows: 2, chunks: [{ ...chunk, file: '../x' }] } };
  assert.throws(() => validateManifest(badName), /test.chunks\[0\].file/);
  const served = fakeFetch({ body: JSON.stringify(manifest) });
  assert.equal((await loadManifest(BASE, { fetchImpl: served.fetchImpl })).train.rows, 4);
  await assert.rejects(loadManifest(BASE, { fetchImpl: fakeFetch({ status: 404 }).fetchImpl, ...fast }), /^Error: manifest.json: HTTP 404$/);
});
