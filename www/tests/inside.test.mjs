// The pictures of "Inside the network" (www/js/inside.js) and the
// confusion matrix's sum (www/js/confusion.js): pure functions, no DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { divergingScale, greyScale, gridColumns, tileImage } from '../js/inside.js';
import { total } from '../js/confusion.js';

test('tiles form a near-square grid, wider than tall', () => {
  assert.deepEqual([1, 2, 8, 9, 16, 17].map(gridColumns), [1, 2, 3, 3, 4, 5]);
});

test('each value is one pixel, tile after tile, with 1-pixel transparent gaps', () => {
  // Three 2×2 tiles → 2 columns × 2 rows of tiles: 5×5 pixels.
  const values = Float32Array.from({ length: 12 }, (_, i) => i);
  const image = tileImage(values, 3, 2, 2, (v) => [v, v, v]);
  assert.equal(image.width, 5);
  assert.equal(image.height, 5);
  const at = (x, y) => Array.from(image.data.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4));
  assert.deepEqual(at(0, 0), [0, 0, 0, 255]); // tile 0, top left
  assert.deepEqual(at(1, 1), [3, 3, 3, 255]); // tile 0, bottom right
  assert.deepEqual(at(2, 0), [0, 0, 0, 0]); // the gap
  assert.deepEqual(at(3, 0), [4, 4, 4, 255]); // tile 1
  assert.deepEqual(at(0, 3), [8, 8, 8, 255]); // tile 2, second row
  assert.deepEqual(at(3, 3), [0, 0, 0, 0]); // no fourth tile
});

test('grey levels span the values; weights are blue below zero and red above', () => {
  const grey = greyScale([-2, 0, 2]);
  assert.deepEqual(grey(-2), [0, 0, 0]);
  assert.deepEqual(grey(2), [255, 255, 255]);
  assert.deepEqual(greyScale([5, 5])(5), [0, 0, 0]); // flat: no division by zero
  const w = divergingScale([-0.5, 0.25, 1]);
  assert.deepEqual(w(1), [255, 0, 0]);
  assert.deepEqual(w(0), [255, 255, 255]);
  assert.deepEqual(w(-0.5), [128, 128, 255]);
});

test('a confusion matrix sums to the images evaluated', () => {
  const counts = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 90 : 1)));
  assert.equal(total(counts), 10 * 90 + 90 * 1);
});
