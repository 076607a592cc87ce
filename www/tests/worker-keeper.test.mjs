// The page's worker keeper (www/js/worker-keeper.js), with a stand-in for
// the browser's Worker: a worker that traps or throws is replaced, the
// latest checkpoint is kept for the new one, a worker that fails before it
// is ready is not restarted, and one that dies over and over is given up.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RESTARTS, RESTART_WINDOW_MS, WorkerKeeper } from '../js/worker-keeper.js';
import { message } from '../js/protocol.js';

class FakeWorker {
  constructor() {
    this.sent = [];
    this.terminated = false;
  }
  postMessage(data) {
    this.sent.push(data);
  }
  terminate() {
    this.terminated = true;
  }
  // What the worker says, as the browser delivers it.
  says(type, fields) {
    this.onmessage({ data: message(type, fields) });
  }
  throws(text) {
    this.onerror({ message: text, preventDefault() {} });
  }
}

function keeper({ now = () => 0 } = {}) {
  const workers = [];
  const got = { messages: [], lost: [], startFailed: [] };
  const k = new WorkerKeeper('worker.js', {
    create: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    now,
    onMessage: (data) => got.messages.push(data.type),
    onLost: (lost) => got.lost.push(lost),
    onStartFailed: (reason) => got.startFailed.push(reason),
  });
  return { k, workers, got };
}

const ready = (w) => w.says('ready', { presets: ['cnn'], settings: {}, cores: 2, workers: 2, experiments: [], wasm: 'simd128' });
const checkpoint = (w, step) => w.says('checkpoint', { bytes: new Uint8Array([step]), step, epoch: 0 });

test('a worker that traps is replaced, and the latest checkpoint is kept for the new one', () => {
  const { k, workers, got } = keeper();
  ready(workers[0]);
  checkpoint(workers[0], 10);
  checkpoint(workers[0], 20);
  workers[0].says('training', { batches: [], step: 21, epoch: 0, epochs: 1, imagesPerSecond: 1, elapsedMs: 1 });
  workers[0].says('crashed', { message: 'RuntimeError: unreachable' });
  assert.ok(workers[0].terminated);
  assert.equal(workers.length, 2);
  assert.deepEqual(got.lost, [{ reason: 'RuntimeError: unreachable', restarting: true }]);
  assert.equal(k.checkpoint.step, 20);
  assert.equal(k.restarts, 1);
  // Checkpoints and crashes are the keeper's; the page sees the rest.
  assert.deepEqual(got.messages, ['ready', 'training']);
  // Sending goes to the new worker only.
  k.send('train');
  assert.equal(workers[0].sent.length, 0);
  assert.deepEqual(workers[1].sent, [{ type: 'train' }]);
  // The dead worker's late messages are ignored.
  workers[0].says('training', { batches: [], step: 22, epoch: 0, epochs: 1, imagesPerSecond: 1, elapsedMs: 1 });
  assert.deepEqual(got.messages, ['ready', 'training']);
});

test('an uncaught error in a ready worker replaces it; before ready, it is a failed start', () => {
  const { workers, got } = keeper();
  workers[0].throws('Uncaught SyntaxError');
  assert.deepEqual(got.startFailed, ['Uncaught SyntaxError']);
  assert.equal(workers.length, 1); // a worker that cannot start would not start the next time either
  const second = keeper();
  ready(second.workers[0]);
  second.workers[0].throws('Uncaught RuntimeError: memory access out of bounds');
  assert.equal(second.workers.length, 2);
  assert.equal(second.got.lost[0].restarting, true);
});

test(`more than ${MAX_RESTARTS} deaths within a minute: no more restarts`, () => {
  let t = 0;
  const { workers, got } = keeper({ now: () => t });
  for (let i = 0; i <= MAX_RESTARTS; i++) {
    ready(workers[i]);
    workers[i].says('crashed', { message: `trap ${i}` });
    t += 1000;
  }
  assert.equal(workers.length, MAX_RESTARTS + 1);
  assert.deepEqual(got.lost.map((l) => l.restarting), [...Array(MAX_RESTARTS).fill(true), false]);
  // Spread out over time, deaths are each restarted.
  t = 0;
  const spread = keeper({ now: () => t });
  for (let i = 0; i < MAX_RESTARTS + 2; i++) {
    ready(spread.workers[i]);
    spread.workers[i].says('crashed', { message: 'trap' });
    t += RESTART_WINDOW_MS;
  }
  assert.ok(spread.got.lost.every((l) => l.restarting));
});

test('a message that breaks the protocol is refused, not passed on', () => {
  const { workers, got } = keeper();
  assert.throws(() => workers[0].onmessage({ data: { type: 'ready' } }), /needs field/);
  assert.deepEqual(got.messages, []);
});
