// The architecture editor's list operations (www/js/arch-layers.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAYER_KINDS, addLayer, moveLayer, newLayer, outputIndex, readField, removeLayer, setField } from '../../www/js/arch-layers.js';

const CNN = [
  newLayer('conv2d'), newLayer('leaky_relu'), newLayer('max_pool2d'), { type: 'flatten' }, { type: 'dense', units: 10, bias: true, init: 'glorot' },
];

test('a new layer goes before the output layer', () => {
  const { layers, index } = addLayer(CNN, 'dense');
  assert.equal(index, 4);
  assert.deepEqual(layers.map((l) => l.type), ['conv2d', 'leaky_relu', 'max_pool2d', 'flatten', 'dense', 'dense']);
  assert.equal(layers[4].units, 32);
  assert.equal(layers[5].units, 10);
  const again = addLayer(layers, 'relu');
  assert.deepEqual(again.layers.map((l) => l.type).slice(-3), ['dense', 'relu', 'dense']);
  // An activation after the output layer stays after it; no dense at all: at the end.
  assert.equal(outputIndex([...CNN, { type: 'relu' }]), 4);
  assert.equal(addLayer([{ type: 'relu' }], 'sigmoid').index, 1);
  assert.deepEqual(CNN.map((l) => l.type), ['conv2d', 'leaky_relu', 'max_pool2d', 'flatten', 'dense'], 'the input is not changed');
});

test('remove, move and set return new stacks', () => {
  assert.deepEqual(removeLayer(CNN, 1).map((l) => l.type), ['conv2d', 'max_pool2d', 'flatten', 'dense']);
  assert.deepEqual(moveLayer(CNN, 1, -1).map((l) => l.type).slice(0, 2), ['leaky_relu', 'conv2d']);
  assert.deepEqual(moveLayer(CNN, 4, 1), CNN, 'the last layer cannot go down');
  assert.deepEqual(moveLayer(CNN, 0, -1), CNN, 'the first cannot go up');
  const set = setField(CNN, 0, 'kernel', 4);
  assert.equal(set[0].kernel, 4);
  assert.equal(CNN[0].kernel, 5);
});

test('every kind a reader can add has a new layer; fields are read as numbers only', () => {
  for (const [type] of LAYER_KINDS) assert.equal(newLayer(type).type, type);
  assert.throws(() => newLayer('flatten'));
  assert.deepEqual(readField('whole', ' 16 '), { value: 16 });
  assert.ok(readField('whole', '1.5').error.includes('not a whole number'));
  assert.ok(readField('whole', '-3').error);
  assert.deepEqual(readField('decimal', '0.2'), { value: 0.2 });
  assert.ok(readField('decimal', 'abc').error);
  assert.deepEqual(readField(['same', 'valid'], 'valid'), { value: 'valid' });
  assert.ok(readField(['same', 'valid'], 'full').error);
});
