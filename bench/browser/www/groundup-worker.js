// groundup's wasm Trainer in a dedicated module worker, as the page runs it:
// the page's own build from dist/ (served under /app/), loaded by the page's
// own js/wasm.js, which picks the relaxed-SIMD build where the engine has it
// (bench.mjs --build simd128 hides that build, so every worker falls back).
// Commands (see rpc.js): info, setup, warmup, window, stats, predict,
// evaluate, memory, free.

import { loadWasm } from '../app/js/wasm.js';
// The page's own data-parallel training (served from www/js by bench.mjs).
import { ShardPool } from '../app/js/shards.js';
import { serve, runFor, median } from './rpc.js';
import { images, csv } from './synthetic.js';

const wasm = await loadWasm();
const { Trainer } = wasm;
let trainer = null;
let trainerNet = null;
let pool = null; // shard workers, when set up with workers > 1
let batchSize = 0;
let lostWorker = null;

const memoryBytes = () => wasm.memory.buffer.byteLength;

/**
 * The network to measure. `cnn`: the paper's CNN with biases = the `cnn`
 * preset. `mlp`: the paper's MLP (784-625-625-10 sigmoid) with biases, built
 * from its spec; the settings start as `paper-mlp`'s.
 */
const PAPER_MLP_WITH_BIASES = JSON.stringify({
  input: [784],
  objective: 'softmax_cross_entropy',
  layers: [
    { type: 'dense', units: 625, bias: true, init: 'standard_normal' },
    { type: 'sigmoid' },
    { type: 'dense', units: 625, bias: true, init: 'standard_normal' },
    { type: 'sigmoid' },
    { type: 'dense', units: 10, bias: true, init: 'standard_normal' },
  ],
});

function makeTrainer(net) {
  if (net === 'cnn') return new Trainer('cnn');
  if (net !== 'mlp') throw new Error(`unknown network ${net}`);
  return Trainer.fromSpec(PAPER_MLP_WITH_BIASES, 'paper-mlp');
}

let lastLoss = NaN;
let sharedSteps = 0; // steps of the current window that the pool shared

/** One training step of the current batch size; returns the images it took. */
async function trainOne() {
  if (lostWorker) throw new Error(`a shard worker failed: ${lostWorker}`);
  if (trainer.done) trainer.reset();
  const b = pool ? (await pool.step(trainer, batchSize)).batches[0] : trainer.trainStep(1).batches[0];
  if (pool?.lastParts > 1) sharedSteps++;
  lastLoss = b.loss;
  return b.batchSize;
}

const handlers = {
  info() {
    return { memoryBytes: memoryBytes(), presets: Trainer.presetNames(), build: wasm.build };
  },

  /**
   * A fresh trainer for `net` with plain SGD at `batch`, fed `rows`
   * synthetic rows; with `workers` > 1, each step shared with shard workers.
   */
  async setup({ net, batch, rows = 2000, seed = 1, learningRate, workers = 1 }) {
    trainer?.free();
    trainer = makeTrainer(net);
    trainerNet = net;
    batchSize = batch;
    pool?.terminate();
    pool = null;
    if (workers > 1) {
      pool = new ShardPool(workers, new URL('../app/js/shard-worker.js', import.meta.url), (reason) => {
        lostWorker = reason; // the pool carries on; the measurement must not
      });
      if (!(await pool.ready).every(Boolean)) throw new Error('a shard worker did not start');
    }
    // Plain SGD on both sides. The MLP keeps paper-mlp's summed-batch
    // gradient (lr 0.001); the cnn preset averages the batch (lr 0.01).
    const lr = learningRate ?? (net === 'cnn' ? 0.01 : 0.001);
    trainer.configure({ optimizer: 'sgd', learningRate: lr, batchSize: batch, epochs: 10, seed });
    trainer.reset();
    const t0 = performance.now();
    const added = trainer.addChunk('train', 'synthetic-train.csv', csv(images(rows, seed)), rows);
    const spec = JSON.parse(trainer.spec());
    // The products one training image costs (groundup::cost), for GFLOP/s.
    const described = wasm.describeLayers(spec.layers, spec.objective);
    if (!described.ok) throw new Error(`describeLayers: ${described.error.message}`);
    return {
      net,
      spec,
      flopsPerImage: described.description.trainingFlopsPerImage,
      settings: trainer.settings(),
      workers: pool ? pool.size : 1,
      rows: added,
      addChunkMs: performance.now() - t0,
    };
  },

  /** Trains for `ms` (at least one step) without measuring: JIT, caches, allocations. */
  async warmup({ ms = 2000 }) {
    const r = await runFor(trainOne, ms);
    return { steps: r.steps, ms: r.ms };
  },

  /** One measured window of training: `{images, steps, ms, imagesPerSecond, loss}`. */
  async window({ ms = 1000 }) {
    sharedSteps = 0;
    const r = await runFor(trainOne, ms);
    return { ...r, loss: lastLoss, sharedSteps };
  },

  stats() {
    return { step: trainer.step, memoryBytes: memoryBytes() };
  },

  /** Time per predict(one image): median over blocks of `block` calls. */
  predict({ blocks = 200, block = 10 }) {
    const { pixels } = images(block, 7);
    const inputs = Array.from({ length: block }, (_, i) => Float32Array.from(pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
    for (let i = 0; i < 50; i++) trainer.predict(inputs[i % block]);
    const perCall = [];
    for (let b = 0; b < blocks; b++) {
      const t0 = performance.now();
      for (let i = 0; i < block; i++) trainer.predict(inputs[i]);
      perCall.push((performance.now() - t0) / block);
    }
    return { net: trainerNet, calls: blocks * block, block, medianMs: median(perCall), minMs: Math.min(...perCall) };
  },

  /** Time of evaluate() over `rows` synthetic test images: median of `runs`. */
  evaluate({ rows = 10000, runs = 3 }) {
    if (trainer.testSize < rows) trainer.addChunk('test', 'synthetic-test.csv', csv(images(rows - trainer.testSize, 11)), rows - trainer.testSize);
    trainer.beginEvaluation(false, 500);
    trainer.evaluateNext(500); // warm-up
    const ms = [];
    let examples = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      trainer.beginEvaluation(true, 0);
      examples = trainer.evaluateNext(rows).examples;
      ms.push(performance.now() - t0);
    }
    return { net: trainerNet, examples, runs: ms, medianMs: median(ms) };
  },

  /**
   * Loads MNIST-sized data (60,000 train + 10,000 test rows in chunks of
   * 10,000, ~19% non-zero pixels like MNIST) into a fresh `cnn` trainer.
   */
  memory({ train = 60000, test = 10000, chunk = 10000 }) {
    trainer?.free();
    trainer = null;
    const before = memoryBytes();
    const t = new Trainer('cnn');
    // As the page's worker does from the manifest: room for every row at once.
    t.reserve('train', train);
    t.reserve('test', test);
    let csvBytes = 0;
    let parseMs = 0;
    let seed = 100;
    for (const [split, total] of [['train', train], ['test', test]]) {
      for (let done = 0; done < total; done += chunk) {
        const n = Math.min(chunk, total - done);
        const bytes = csv(images(n, seed++, 0.19));
        csvBytes += bytes.length;
        const t0 = performance.now();
        t.addChunk(split, `${split}-${done}.csv`, bytes, n);
        parseMs += performance.now() - t0;
      }
    }
    const loaded = memoryBytes();
    t.configure({ optimizer: 'sgd', learningRate: 0.01, batchSize: 64 });
    t.trainStep(5); // working memory for a few batches, as training would use
    trainer = t;
    trainerNet = 'cnn';
    return {
      trainSize: t.trainSize,
      testSize: t.testSize,
      csvBytes,
      parseMs,
      wasmMemoryBeforeBytes: before,
      wasmMemoryLoadedBytes: loaded,
      wasmMemoryAfterTrainingBytes: memoryBytes(),
    };
  },

  /** Drops the trainer (and the data) so the worker holds nothing big. */
  free() {
    pool?.terminate();
    pool = null;
    trainer?.free();
    trainer = null;
    return { memoryBytes: memoryBytes() };
  },
};

serve(handlers);
