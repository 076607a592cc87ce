// Feeding MNIST to the training worker's `Trainer`: the manifest, then every
// chunk it lists (fetched, checked and cached by data-loader.js, parsed by
// Rust), with progress and per-chunk errors reported as messages. A failed
// chunk is named and skipped; the others stay usable.

import { ChunkError, loadChunk, loadManifest, loadOrder, openChunkCache } from './data-loader.js';

// Two downloads at a time: enough to keep the network busy while one parses.
const PARALLEL_DOWNLOADS = 2;

const errorText = (e) => (e && e.message) || String(e);

/**
 * Loads the data set at `manifestUrl` into `trainer`. `post(type, fields)`
 * sends a message to the page; `onSplitComplete(split)` is called once every
 * chunk of a split is in (or failed). Between chunks it yields, so queued
 * messages (a prediction, Train) are served while data arrives.
 */
export async function feedData(trainer, manifestUrl, { post, onSplitComplete = () => {} }) {
  let manifest;
  try {
    manifest = await loadManifest(manifestUrl);
  } catch (e) {
    post('dataError', { split: '', chunk: 'manifest.json', message: errorText(e) });
    return;
  }
  post('dataManifest', {
    train: { rows: manifest.train.rows, chunks: manifest.train.chunks.length },
    test: { rows: manifest.test.rows, chunks: manifest.test.chunks.length },
    licence: String(manifest.licence ?? ''),
    source: String(manifest.source ?? ''),
  });

  // Room for all rows at once: growing by doubling would briefly hold two
  // copies of the pixels. Only an optimisation, so a refusal is not fatal.
  for (const split of ['train', 'test']) {
    try {
      trainer.reserve(split, manifest[split].rows);
    } catch (e) {
      console.warn(errorText(e));
    }
  }
  const cache = await openChunkCache();
  const progress = {};
  for (const split of ['train', 'test']) {
    progress[split] = {
      chunks: manifest[split].chunks.length,
      totalRows: manifest[split].rows,
      done: 0,
      failed: 0,
      fromCache: 0,
      fractions: new Map(),
    };
  }
  const report = (split) => {
    const p = progress[split];
    let sum = 0;
    for (const f of p.fractions.values()) sum += f;
    post('dataProgress', {
      split,
      fraction: p.chunks ? Math.min(1, sum / p.chunks) : 1,
      chunksDone: p.done,
      chunksFailed: p.failed,
      chunks: p.chunks,
      rows: split === 'train' ? trainer.trainSize : trainer.testSize,
      totalRows: p.totalRows,
      fromCache: p.fromCache,
    });
  };
  report('train');
  report('test');

  // Chunks are added to Rust in load order, so the data (and so a seeded
  // run) is the same whichever download ends first.
  const order = loadOrder(manifest);
  const started = order.map(() => null);
  const start = (i) => {
    if (i >= order.length || started[i]) return;
    const { split, chunk } = order[i];
    const p = progress[split];
    p.fractions.set(chunk.file, 0);
    started[i] = loadChunk(manifestUrl, chunk, {
      cache,
      // Downloading is 90% of a chunk's bar, parsing the last 10%.
      onBytes: (bytes) => {
        p.fractions.set(chunk.file, 0.9 * (bytes / chunk.bytes));
        report(split);
      },
    }).then(
      (value) => ({ value }),
      (error) => ({ error }),
    );
  };
  for (let i = 0; i < PARALLEL_DOWNLOADS; i++) start(i);
  for (let i = 0; i < order.length; i++) {
    const { split, chunk } = order[i];
    const p = progress[split];
    const result = await started[i];
    start(i + PARALLEL_DOWNLOADS);
    if (result.error) {
      p.failed++;
      const text = result.error instanceof ChunkError ? result.error.message : `${chunk.file}: ${errorText(result.error)}`;
      post('dataError', { split, chunk: chunk.file, message: text });
    } else {
      addChunk(trainer, split, chunk, result.value, p, post);
    }
    report(split);
    if (p.done + p.failed === p.chunks) onSplitComplete(split);
    // Let queued messages (a prediction, Train) through between chunks.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function addChunk(trainer, split, chunk, loaded, p, post) {
  try {
    // Bounded by the rows the manifest declares: a chunk with more (or
    // fewer) is refused whole, and one that inflates to a gigabyte stops early.
    trainer.addChunk(split, chunk.file, loaded.csv, chunk.rows);
    loaded.keep(); // not awaited: storing must not hold up training
    p.done++;
    if (loaded.fromCache) p.fromCache++;
    p.fractions.set(chunk.file, 1);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw e; // a trap: the worker is done for
    // Rust's error (kind "data") names the chunk, the line and the column.
    p.failed++;
    post('dataError', { split, chunk: chunk.file, message: errorText(e), ...(Number.isInteger(e?.line) ? { line: e.line } : {}), ...(Number.isInteger(e?.column) ? { column: e.column } : {}) });
  }
}
