// A shard worker: computes the gradient sums of one shard of another
// worker's batch and sends them back (data-parallel training, shards.js),
// and evaluates pieces of the test set the same way.
// It holds a network of the trainer's spec but no data and no optimizer:
// weights, images and labels arrive with every shard. Messages: protocol.js.

import { loadWasm, wasm } from './wasm.js';
import { TO_SHARD_WORKER, check, message } from './protocol.js';

let network = null;

const post = (type, fields, transfer = []) => self.postMessage(message(type, fields), transfer);

const handlers = {
  shardModel({ spec }) {
    network?.free();
    network = null;
    network = new wasm.ShardWorker(spec);
  },
  shard({ id, weights, images, labels }) {
    if (!network) throw new Error('no model yet (shardModel comes first)');
    const started = performance.now();
    // The gradients overwrite the weights in the same buffer, which goes back.
    const out = network.gradients(weights, images, labels);
    const ms = performance.now() - started;
    post('shardGradients', { id, gradients: weights, examples: out.examples, loss: out.loss, correct: out.correct, ms }, [weights.buffer]);
  },
  evaluateShard({ id, weights, images, labels }) {
    if (!network) throw new Error('no model yet (shardModel comes first)');
    post('shardEvaluation', { id, sums: network.evaluate(weights, images, labels) });
  },
};

function handle(event) {
  let data;
  try {
    data = check(event.data, TO_SHARD_WORKER);
    handlers[data.type](data);
  } catch (e) {
    post('shardError', { id: Number.isInteger(data?.id) ? data.id : -1, message: (e && e.message) || String(e) });
  }
}

loadWasm().then(
  () => {
    self.onmessage = handle;
    post('shardReady', {});
  },
  (e) => post('shardError', { id: -1, message: `could not start: ${(e && e.message) || e}` }),
);
