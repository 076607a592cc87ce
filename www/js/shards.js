// Data-parallel training on every core of a plain static host.
//
// Without cross-origin isolation there is no SharedArrayBuffer, so no wasm
// threads; what every browser does have is more workers. A step with N
// workers: the training worker draws the batch, splits it into N shards,
// sends shards 1..N−1 with the current weights to shard workers
// (shard-worker.js), computes shard 0 itself, adds the shard workers'
// gradient sums to its own and takes the step. Each shard worker's weights
// travel in a buffer that comes back holding its gradients and carries the
// next step's weights. The summed gradient is the same sum a single worker
// forms (paper eq. 15), grouped differently, so training means the same;
// only f32 rounding differs (bench/browser shows both loss curves).
//
// Shards are sized by speed: each worker's images per ms, measured on its
// last shards (its own clock, so a fast shard worker is not taken for as
// slow as the training worker it waited for), smoothed. A core that
// something else keeps busy then gets a smaller shard instead of holding up
// every step (the session splits by these shares: `beginBatch(parts, shares)`).
//
// Whether to share at all is measured as it goes (share-choice.js): beside a
// busy program, one worker alone can train faster than two.
//
// A shard worker that fails, dies or does not answer within SHARD_TIMEOUT_MS
// is dropped, and its shard computed here instead: the step still completes,
// on fewer workers. Messages: protocol.js.

import { FROM_SHARD_WORKER, check, message } from './protocol.js';
import { ShareChoice } from './share-choice.js';

const SHARD_TIMEOUT_MS = 20_000;
// Below this many images a shard's products get too small to pay for the
// messages, so small batches use fewer workers.
const MIN_SHARD = 8;
// Each shard worker costs a round trip of the weights (a copy out of wasm,
// into the other wasm, and the gradients back the same way: 4 passes over
// 4 bytes a weight, and the messages), which must stay small next to its
// share of the work. A dense
// layer does ~6 flops per weight per image, so the copies cost about as much
// as WEIGHTS_PER_SHARD_IMAGE images' worth of it. The paper's MLP (887k
// weights, all dense) thus shares only batches of ≥ 2×111; a CNN's
// convolutions do far more work per weight, and its 11k weights travel free.
const WEIGHTS_PER_SHARD_IMAGE = 8000;
// How much each new measurement of a worker's speed counts.
const SPEED_SMOOTHING = 0.3;

/** `old` moved toward a new speed of `examples` images in `ms`. */
function smoothed(old, examples, ms) {
  if (!(examples > 0 && ms > 0)) return old;
  const now = examples / ms;
  return old > 0 ? old + SPEED_SMOOTHING * (now - old) : now;
}

class ShardWorkerHandle {
  constructor(url, onDead) {
    this.worker = new Worker(url, { type: 'module' });
    this.spec = null; // the architecture it has built
    this.speed = 0; // images per ms on its last shards (0: not measured yet)
    this.waiting = new Map(); // shard id → {resolve, timer}
    this.alive = true;
    this.onDead = onDead;
    this.ready = new Promise((resolve) => {
      this.worker.onmessage = (event) => {
        let data;
        try {
          data = check(event.data, FROM_SHARD_WORKER);
        } catch (e) {
          this.fail(e.message);
          return;
        }
        if (data.type === 'shardReady') {
          resolve(true);
        } else if (data.type === 'shardGradients') {
          this.speed = smoothed(this.speed, data.examples, data.ms);
          this.settle(data.id, { gradients: data.gradients, sums: { examples: data.examples, loss: data.loss, correct: data.correct } });
        } else if (data.type === 'shardEvaluation') {
          this.settle(data.id, { sums: data.sums });
        } else if (data.id >= 0 && this.waiting.has(data.id)) {
          this.settle(data.id, { error: data.message });
        } else {
          this.fail(data.message);
          resolve(false);
        }
      };
      this.worker.onerror = (event) => {
        event.preventDefault?.();
        this.fail(event.message || 'the shard worker failed');
        resolve(false);
      };
    });
  }

  /**
   * Sends a `shard` (or `evaluateShard`) of images with the weights;
   * resolves to {gradients?, sums} or {error}.
   */
  compute(type, id, spec, weights, shard) {
    if (this.spec !== spec) {
      this.worker.postMessage(message('shardModel', { spec }));
      this.spec = spec;
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.fail(`no answer within ${SHARD_TIMEOUT_MS / 1000} s`);
      }, SHARD_TIMEOUT_MS);
      this.waiting.set(id, { resolve, timer });
      const { images, labels } = shard;
      // Transferred, not copied: the paper's MLP has 3.5 MB of weights.
      this.worker.postMessage(message(type, { id, weights, images, labels }), [weights.buffer, images.buffer, labels.buffer]);
    });
  }

  settle(id, result) {
    const entry = this.waiting.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.waiting.delete(id);
    entry.resolve(result);
  }

  fail(reason) {
    if (!this.alive) return;
    this.alive = false;
    this.worker.terminate();
    for (const id of [...this.waiting.keys()]) this.settle(id, { error: reason });
    this.onDead(reason);
  }

  terminate() {
    this.alive = false;
    this.worker.terminate();
    for (const id of [...this.waiting.keys()]) this.settle(id, { error: 'stopped' });
  }
}

export class ShardPool {
  /**
   * `count` workers in all: this one and `count − 1` shard workers started
   * from `url`. `onLost(reason)` is told when a shard worker is dropped.
   */
  constructor(count, url, onLost = () => {}) {
    this.nextId = 1;
    this.lastParts = 0; // workers that computed the last step
    this.speed = 0; // this worker's images per ms on its own shards
    this.choice = new ShareChoice();
    this.buffers = []; // Float32Arrays back from shard workers, for the next step's weights
    this.helpers = [];
    for (let i = 1; i < count; i++) {
      const handle = new ShardWorkerHandle(url, (reason) => onLost(reason));
      this.helpers.push(handle);
    }
    this.ready = Promise.all(this.helpers.map((h) => h.ready));
    this.started = false; // true once every shard worker has said shardReady (or failed)
    this.ready.then(() => {
      this.started = true;
    });
  }

  /** Workers computing each batch now: this one and the live shard workers. */
  get size() {
    return 1 + this.helpers.filter((h) => h.alive).length;
  }

  /**
   * One training step over the next batch of `trainer` (a wasm `Trainer`),
   * shared among the workers. Resolves to the report of `finishBatch`, or
   * null when the epochs are done. `stillWanted()` is asked after waiting:
   * if the model was replaced meanwhile the step is dropped (null).
   * Throws what the trainer throws (a divergence, say).
   */
  async step(trainer, batchSize, stillWanted = () => true) {
    const stepStarted = performance.now();
    const live = this.helpers.filter((h) => h.alive);
    const minShard = Math.max(MIN_SHARD, Math.ceil(trainer.weightCount / WEIGHTS_PER_SHARD_IMAGE));
    const helping = this.choice.share ? live.length : 0;
    const parts = Math.max(1, Math.min(helping + 1, Math.floor(batchSize / minShard)));
    // By speed once every worker's is known; equal shards until then.
    const speeds = [this.speed, ...live.slice(0, parts - 1).map((h) => h.speed)];
    const plan = trainer.beginBatch(parts, parts > 1 && speeds.every((v) => v > 0) ? Float64Array.from(speeds) : undefined);
    if (plan === null) return null;
    this.lastParts = parts; // workers that computed this step (bench/browser reports it)
    const spec = trainer.spec();
    // A copy of the weights for each shard worker, handed over without another copy.
    const answers = plan.shards.map((shard, i) => {
      const buffer = this.takeBuffer(trainer.weightCount);
      trainer.copyWeightsTo(buffer);
      return live[i].compute('shard', this.nextId++, spec, buffer, shard);
    });
    const started = performance.now();
    const own = trainer.accumulateShard(0);
    this.speed = smoothed(this.speed, own.examples, performance.now() - started);
    const results = await Promise.all(answers);
    if (!stillWanted()) {
      return null;
    }
    results.forEach((result, i) => {
      if (result.error) {
        trainer.accumulateShard(i + 1); // this worker does that part
      } else {
        trainer.addShardGradients(result.gradients, result.sums);
        this.buffers.push(result.gradients);
      }
    });
    const report = trainer.finishBatch();
    this.choice.record(report.batches.reduce((n, b) => n + b.batchSize, 0), performance.now() - stepStarted);
    return report;
  }

  /**
   * A `Float32Array` of `length` for a shard worker's weights: one that came
   * back with gradients if there is one (a buffer travels there with the
   * weights and back with the gradients, so a step allocates nothing the
   * size of the network: the paper MLP's 3.5 MB took ~2 ms a step to
   * allocate and fill), else a new one.
   */
  takeBuffer(length) {
    this.buffers = this.buffers.filter((b) => b.length === length); // another model's are dropped
    return this.buffers.pop() ?? new Float32Array(length);
  }

  /**
   * The next `count` images of `trainer`'s evaluation in progress, shared
   * like a training batch (a forward pass is a third of a step's work, so
   * shards need three times the images): each worker's sums are added to
   * the session's evaluation. Resolves to the finished evaluation's report,
   * or null while it goes on (or if `stillWanted()` says no after waiting).
   * Throws what the trainer throws (weights that overflow, say).
   */
  async evaluate(trainer, count, stillWanted = () => true) {
    const [start, end] = trainer.claimEvaluation(count);
    const live = this.helpers.filter((h) => h.alive);
    const minShard = Math.max(MIN_SHARD, Math.ceil((3 * trainer.weightCount) / WEIGHTS_PER_SHARD_IMAGE));
    const parts = Math.max(1, Math.min(live.length + 1, Math.floor((end - start) / minShard)));
    const per = Math.ceil((end - start) / parts);
    const spec = trainer.spec();
    const pieces = [];
    for (let i = 1; i < parts; i++) {
      const from = start + i * per;
      const to = Math.min(end, from + per);
      if (to <= from) break;
      const answer = live[i - 1].compute('evaluateShard', this.nextId++, spec, trainer.weights(), trainer.testShard(from, to - from));
      pieces.push({ from, to, answer });
    }
    const own = trainer.evaluateHere(start, Math.min(end, start + per));
    const results = await Promise.all(pieces.map((p) => p.answer));
    if (!stillWanted()) return null;
    let report = trainer.addEvaluation(own);
    results.forEach((result, i) => {
      // A failed shard worker's piece is computed here.
      const sums = result.error ? trainer.evaluateHere(pieces[i].from, pieces[i].to) : result.sums;
      report = trainer.addEvaluation(sums) ?? report;
    });
    return report;
  }

  terminate() {
    for (const h of this.helpers) h.terminate();
    this.helpers = [];
  }
}
