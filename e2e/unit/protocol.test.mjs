// The page↔worker message table (www/js/protocol.js) refuses what does not fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FROM_SHARD_WORKER, MESSAGES, TO_PAGE, TO_SHARD_WORKER, TO_WORKER, check, message } from '../../www/js/protocol.js';

test('message() builds a message that fits its entry', () => {
  assert.deepEqual(message('setPreset', { preset: 'cnn' }), { type: 'setPreset', preset: 'cnn' });
  const pixels = new Float32Array(784);
  assert.equal(message('predict', { id: 3, pixels }).pixels, pixels);
  assert.deepEqual(message('predict', { id: 4 }), { type: 'predict', id: 4 }); // pixels optional
});

test('message() names what is wrong', () => {
  assert.throws(() => message('nope'), /unknown message type "nope"/);
  assert.throws(() => message('setPreset', {}), /needs field `preset`/);
  assert.throws(() => message('setPreset', { preset: 3 }), /preset should be string, got number/);
  assert.throws(() => message('predict', { id: 1, pixels: [0, 1] }), /pixels should be f32array, got an array/);
  assert.throws(() => message('predict', { id: 1.5 }), /id should be integer/);
  assert.throws(() => message('train', { extra: 1 }), /has no field `extra`/);
});

test('shard messages carry typed arrays and go one way each', () => {
  const shard = { id: 1, weights: new Float32Array(3), images: new Uint8Array(784), labels: new Uint8Array(1) };
  assert.equal(check(message('shard', shard), TO_SHARD_WORKER).id, 1);
  assert.throws(() => message('shard', { ...shard, weights: [0, 0, 0] }), /weights should be f32array/);
  assert.throws(() => check(message('shard', shard), FROM_SHARD_WORKER), /goes to-shard-worker, not from-shard-worker/);
  const answer = { id: 1, gradients: new Float32Array(3), examples: 1, loss: 2.3, correct: 0, ms: 4.5 };
  assert.equal(check(message('shardGradients', answer), FROM_SHARD_WORKER).examples, 1);
  assert.throws(() => message('shardGradients', { ...answer, examples: 0.5 }), /examples should be integer/);
  assert.throws(() => message('setWorkers', {}), /needs field `count`/);
});

test('check() enforces the direction', () => {
  assert.doesNotThrow(() => check({ type: 'train' }, TO_WORKER));
  assert.throws(() => check({ type: 'train' }, TO_PAGE), /goes to-worker, not to-page/);
  assert.throws(() => check('train', TO_WORKER), /not a message object/);
});

test('every entry is documented and has a direction', () => {
  for (const [type, entry] of Object.entries(MESSAGES)) {
    assert.ok([TO_PAGE, TO_WORKER, TO_SHARD_WORKER, FROM_SHARD_WORKER].includes(entry.dir), type);
    assert.ok(entry.doc.length > 20, `${type} has a doc`);
  }
});
