// Reading the settings fields (www/js/controls.js): syntax here, ranges in Rust.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldOfError, formatSetting, parseSetting } from '../../www/js/controls.js';

test('learning rates as people write them', () => {
  assert.deepEqual(parseSetting('learningRate', ' 0.01 '), { value: 0.01 });
  assert.deepEqual(parseSetting('learningRate', '1e-3'), { value: 0.001 });
  assert.deepEqual(parseSetting('learningRate', '.5'), { value: 0.5 });
  // Out of range goes to Rust, which names the field in its refusal.
  assert.deepEqual(parseSetting('learningRate', '1000'), { value: 1000 });
  assert.deepEqual(parseSetting('learningRate', '-1'), { value: -1 });
  for (const bad of ['abc', '0x10', 'Infinity', '1,5', '']) {
    assert.ok(parseSetting('learningRate', bad).error, bad);
  }
});

test('counts and seeds are whole numbers', () => {
  assert.deepEqual(parseSetting('batchSize', '10,000'), { value: 10000 });
  assert.deepEqual(parseSetting('epochs', '0'), { value: 0 }); // Rust says "between 1 and 1000"
  assert.match(parseSetting('batchSize', '6.5').error, /not a whole number/);
  assert.match(parseSetting('epochs', '-2').error, /negative/);
  assert.match(parseSetting('seed', '99999999999999999999').error, /too large/);
  assert.deepEqual(parseSetting('seed', '42'), { value: 42 });
  assert.deepEqual(parseSetting('optimizer', 'adam'), { value: 'adam' });
  assert.ok(parseSetting('optimizer', 'rmsprop').error);
});

test('a Rust configure error is placed by its field name', () => {
  assert.equal(fieldOfError('learning rate: 1000 is not a positive number up to 10'), 'learningRate');
  assert.equal(fieldOfError('batch size: 0 is not between 1 and 10000'), 'batchSize');
  assert.equal(fieldOfError('epochs: 0 is not between 1 and 1000'), 'epochs');
  assert.equal(fieldOfError('optimizer: unknown optimizer "x"'), 'optimizer');
  assert.equal(fieldOfError('invalid type: string'), '');
  assert.equal(formatSetting('learningRate', 0.1 + 0.2), '0.3');
});
