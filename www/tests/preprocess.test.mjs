// Tests for preprocess.js: a drawing must reach the network framed the way
// MNIST's digits were (longer side 20 px, centre of mass at the centre,
// anti-aliased), whatever the drawing's size, position or array type.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  DIGIT_BOX,
  INK_THRESHOLD,
  MNIST_SIZE,
  boundingBox,
  centreOfMass,
  penWidth,
  resampleArea,
  toMnist,
  toUnitInk,
} from '../js/preprocess.js';
import {
  SHAPES,
  drawStrokes,
  loadMnistSample,
  place,
  upscaleBilinear,
  upscaleNearest,
} from './fixtures/digits.mjs';

const PAD = 280;

/** A `width × height` Uint8ClampedArray with a filled rectangle of ink. */
function rectangle(width, height, left, top, rectWidth, rectHeight, value = 255) {
  const alpha = new Uint8ClampedArray(width * height);
  for (let y = top; y < top + rectHeight; y++) alpha.fill(value, y * width + left, y * width + left + rectWidth);
  return alpha;
}

const sum = (values) => values.reduce((total, v) => total + v, 0);

function maxAbsDifference(a, b) {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function meanAbsDifference(a, b) {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i] - b[i]);
  return total / a.length;
}

function boxSize(image, threshold = INK_THRESHOLD) {
  const box = boundingBox(image, MNIST_SIZE, MNIST_SIZE, threshold);
  return { width: box.x1 - box.x0 + 1, height: box.y1 - box.y0 + 1 };
}

function assertInUnitRange(image) {
  for (const v of image) assert.ok(v >= 0 && v <= 1, `value ${v} outside [0, 1]`);
}

describe('toMnist', () => {
  test('a blank drawing is null, whatever the array type', () => {
    assert.equal(toMnist(new Uint8ClampedArray(PAD * PAD), PAD, PAD), null);
    assert.equal(toMnist(new Uint8Array(PAD * PAD), PAD, PAD), null);
    assert.equal(toMnist(new Float32Array(PAD * PAD), PAD, PAD), null);
  });

  test('ink fainter than the threshold is noise, not a digit', () => {
    const faint = new Uint8ClampedArray(PAD * PAD).fill(Math.floor(INK_THRESHOLD * 255));
    assert.equal(toMnist(faint, PAD, PAD), null);
  });

  test('a filled rectangle: longer side 20 px, centred, ink preserved, values in [0, 1]', () => {
    const image = toMnist(rectangle(PAD, PAD, 40, 150, 120, 60), PAD, PAD);
    assert.equal(image.length, 784);
    assertInUnitRange(image);
    assert.deepEqual(boxSize(image), { width: 20, height: 10 });
    const centre = centreOfMass(image, MNIST_SIZE, MNIST_SIZE);
    assert.ok(Math.abs(centre.x - 14) <= 0.5 && Math.abs(centre.y - 14) <= 0.5, JSON.stringify(centre));
    // Area resampling keeps the total ink, times the area scale factor.
    const scale = DIGIT_BOX / 120;
    assert.ok(Math.abs(sum(image) - 120 * 60 * scale ** 2) < 1e-3);
    assert.equal(Math.max(...image), 1);
  });

  test('a rectangle with a fractional short side keeps its true width and its ink', () => {
    const image = toMnist(rectangle(PAD, PAD, 13, 77, 61, 137), PAD, PAD);
    assertInUnitRange(image);
    const scale = DIGIT_BOX / 137;
    assert.ok(Math.abs(sum(image) - 61 * 137 * scale ** 2) < 1e-3, `ink ${sum(image)}`);
    assert.equal(boxSize(image, 0).height, 20);
    // 61 · 20/137 = 8.9 px: 9 columns, the outer ones partly covered.
    const inkPerRow = sum(image) / 20;
    assert.ok(Math.abs(inkPerRow - 61 * scale) < 1e-3);
    const centre = centreOfMass(image, MNIST_SIZE, MNIST_SIZE);
    assert.ok(Math.abs(centre.x - 14) <= 0.5 && Math.abs(centre.y - 14) <= 0.5, JSON.stringify(centre));
  });

  test('a thin tall bar (a "1") stays tall and narrow: the aspect ratio is kept', () => {
    const image = toMnist(rectangle(PAD, PAD, 200, 30, 24, 220), PAD, PAD);
    const { width, height } = boxSize(image);
    assert.equal(height, 20);
    assert.ok(width <= 3, `width ${width}`);
    // Ink per row = the bar's width at 28×28: 24 · 20/220 ≈ 2.2 px.
    const row = Array.from({ length: 28 }, (_, x) => image[14 * 28 + x]);
    assert.ok(Math.abs(sum(row) - (24 * 20) / 220) < 1e-3, `row ink ${sum(row)}`);
  });

  test('a wide, flat drawing keeps its aspect ratio too', () => {
    const image = toMnist(rectangle(PAD, PAD, 20, 100, 240, 48), PAD, PAD);
    assert.deepEqual(boxSize(image), { width: 20, height: 4 });
  });

  test("strokes drawn with the pad's pen come out 2–3 px thick at 28×28", (t) => {
    // A "1" drawn at 70 % of the pad's height, the natural size.
    const pen = penWidth(PAD);
    const one = place(SHAPES.one, 0.7 * PAD, 40, 40);
    const image = toMnist(drawStrokes(PAD, PAD, one, pen), PAD, PAD);
    // Away from the caps, the ink in a row is the stroke's width.
    const widths = [];
    for (let y = 8; y <= 20; y++) widths.push(sum(image.subarray(y * 28, y * 28 + 28)));
    const thickness = sum(widths) / widths.length;
    t.diagnostic(`pen ${pen.toFixed(1)} px on a ${PAD} px pad → "1" ${thickness.toFixed(2)} px thick at 28×28`);
    assert.ok(thickness >= 2 && thickness <= 3, `thickness ${thickness}`);
    // And the relation documented in preprocess.js: 20 · f / (h + f).
    assert.ok(Math.abs(thickness - (20 * 0.1) / (0.7 + 0.1)) < 0.1);

    // The horizontal bar of a "7" (column sums under it) likewise.
    const seven = place(SHAPES.seven, 0.7 * PAD, 60, 50);
    const sevenImage = toMnist(drawStrokes(PAD, PAD, seven, pen), PAD, PAD);
    const top = boundingBox(sevenImage, 28, 28, INK_THRESHOLD).y0;
    const barColumn = sum(Array.from({ length: 5 }, (_, dy) => sevenImage[(top + dy) * 28 + 12]));
    t.diagnostic(`"7" bar ${barColumn.toFixed(2)} px thick`);
    assert.ok(barColumn >= 2 && barColumn <= 3, `bar ${barColumn}`);
  });

  test('the same digit drawn anywhere on the pad gives the same image', () => {
    const pen = penWidth(PAD);
    const at = (left, top) => toMnist(drawStrokes(PAD, PAD, place(SHAPES.seven, 150, left, top), pen), PAD, PAD);
    const reference = at(65, 65);
    for (const [left, top] of [
      [14, 14], // top left
      [115, 14], // top right
      [14, 115], // bottom left
      [115, 115], // bottom right
    ]) {
      assert.ok(maxAbsDifference(at(left, top), reference) < 1e-6, `at ${left},${top}`);
    }
    // A sub-pixel shift changes the anti-aliased edges, not the digit.
    assert.ok(meanAbsDifference(at(65.4, 64.7), reference) < 0.01);
  });

  test('the same digit drawn at another size gives nearly the same image', () => {
    // The pen scales with the drawing here, as it would on a bigger pad.
    const draw = (size) => toMnist(drawStrokes(PAD, PAD, place(SHAPES.zero, size, 20, 20), size / 7), PAD, PAD);
    assert.ok(meanAbsDifference(draw(140), draw(240)) < 0.02);
  });

  test('Uint8, Uint8Clamped, plain-array, RGBA and Float32 inputs agree', () => {
    const alpha = drawStrokes(PAD, PAD, place(SHAPES.zero, 180, 50, 40), penWidth(PAD));
    const expected = toMnist(alpha, PAD, PAD);
    const asFloat = Float32Array.from(alpha, (v) => v / 255);
    const rgba = new Uint8ClampedArray(alpha.length * 4);
    alpha.forEach((v, i) => {
      rgba[i * 4] = 255; // colour must not matter, only alpha
      rgba[i * 4 + 3] = v;
    });
    for (const input of [Uint8Array.from(alpha), Array.from(alpha), asFloat, Float64Array.from(asFloat), rgba]) {
      assert.ok(maxAbsDifference(toMnist(input, PAD, PAD), expected) < 1e-6, input.constructor.name);
    }
  });

  test('any canvas shape works (e.g. a HiDPI 560×420 backing store)', () => {
    const image = toMnist(rectangle(560, 420, 300, 10, 40, 400), 560, 420);
    assert.equal(boxSize(image).height, 20);
    assertInUnitRange(image);
  });

  test('a top-heavy digit is shifted only as far as the frame allows', () => {
    // A heavy slab on a thin stem: its centre of mass is 2.5 px below the top,
    // so centring it would push the stem out of the bottom of the frame. The
    // shift is clamped: the digit touches the bottom edge and stays whole.
    const alpha = rectangle(PAD, PAD, 40, 20, 200, 30);
    for (let y = 50; y < 220; y++) alpha.fill(255, y * PAD + 138, y * PAD + 142);
    const image = toMnist(alpha, PAD, PAD);
    const box = boundingBox(image, MNIST_SIZE, MNIST_SIZE, INK_THRESHOLD);
    assert.deepEqual([box.y0, box.y1], [8, 27]);
    const inkIn = sum(toUnitInk(alpha, PAD, PAD)) * (DIGIT_BOX / 200) ** 2;
    assert.ok(Math.abs(sum(image) - inkIn) < 1e-3);
  });

  test('rejects an array of the wrong size', () => {
    assert.throws(() => toMnist(new Uint8Array(100), PAD, PAD), RangeError);
  });
});

/** A 28×28 image moved one pixel to the right. */
function shiftRight(pixels) {
  return Array.from(pixels, (_, i) => (i % 28 === 0 ? 0 : pixels[i - 1]));
}

describe('toMnist reproduces real MNIST digits', () => {
  const sample = loadMnistSample();

  // Each MNIST digit, enlarged 10× to a 280×280 "drawing" and preprocessed
  // again, should come back as itself: same framing, scale and centring.
  function compare(upscale) {
    const results = sample.map(({ label, pixels }) => {
      const original = Float32Array.from(pixels, (v) => v / 255);
      const image = toMnist(upscale(pixels, 10), PAD, PAD);
      const a = centreOfMass(original, 28, 28);
      const b = centreOfMass(image, 28, 28);
      const boxA = boxSize(original);
      const boxB = boxSize(image);
      return {
        label,
        mad: meanAbsDifference(image, original),
        centreShift: Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)),
        boxChange: Math.max(Math.abs(boxA.width - boxB.width), Math.abs(boxA.height - boxB.height)),
        longerSide: Math.max(boxB.width, boxB.height),
        inRange: image.every((v) => v >= 0 && v <= 1),
      };
    });
    const mean = (key) => sum(results.map((r) => r[key])) / results.length;
    const max = (key) => Math.max(...results.map((r) => r[key]));
    return { results, mean, max };
  }

  test(`nearest-neighbour 10× enlargements come back (almost) exactly (${sample.length} test digits)`, (t) => {
    const { results, mean, max } = compare(upscaleNearest);
    t.diagnostic(
      `mean |Δ| ${mean('mad').toFixed(5)} (max ${max('mad').toFixed(5)}), ` +
        `centre of mass moved ≤ ${max('centreShift').toFixed(3)} px, bounding box changed ≤ ${max('boxChange')} px`,
    );
    assert.ok(results.length >= 100);
    assert.ok(results.every((r) => r.inRange));
    assert.ok(max('mad') < 0.001); // only pixels fainter than INK_THRESHOLD at the edge can go
    assert.ok(max('centreShift') < 0.05);
    assert.ok(max('boxChange') <= 1);
    assert.ok(results.every((r) => r.longerSide === 20));
  });

  test('bilinear (blurred) 10× enlargements come back close', (t) => {
    const { results, mean, max } = compare(upscaleBilinear);
    const centreWithinPixel = results.filter((r) => r.centreShift <= 1).length;
    t.diagnostic(
      `mean |Δ| ${mean('mad').toFixed(4)} (max ${max('mad').toFixed(4)}), ` +
        `centre of mass moved ${mean('centreShift').toFixed(3)} px on average (max ${max('centreShift').toFixed(3)}), ` +
        `bounding box changed ≤ ${max('boxChange')} px (by more than 1 px: ` +
        `${results.filter((r) => r.boxChange > 1).length} of ${results.length})`,
    );
    assert.ok(results.every((r) => r.inRange));
    assert.ok(mean('mad') < 0.05, `mean ${mean('mad')}`);
    // A yardstick: the same digits moved one pixel sideways differ by more.
    const shifted = sum(sample.map(({ pixels }) => meanAbsDifference(shiftRight(pixels), pixels))) / sample.length / 255;
    t.diagnostic(`(for scale: a digit against itself moved 1 px: mean |Δ| ${shifted.toFixed(4)})`);
    assert.ok(mean('mad') < shifted);
    assert.ok(max('mad') < 0.1, `max ${max('mad')}`);
    assert.ok(mean('centreShift') < 0.5);
    assert.ok(centreWithinPixel >= results.length * 0.95, `${centreWithinPixel} within a pixel`);
    // The blur adds a faint fringe, so a short side may grow by a pixel (once
    // in 200 digits, by two); the longer side is normalised to 20 every time.
    assert.ok(results.every((r) => r.longerSide === 20));
    const boxWithinPixel = results.filter((r) => r.boxChange <= 1).length;
    assert.ok(boxWithinPixel >= results.length * 0.95, `${boxWithinPixel} boxes within a pixel`);
    assert.ok(max('boxChange') <= 2);
  });
});

describe('helpers', () => {
  test('boundingBox finds the inked pixels, inclusive, above the threshold', () => {
    const values = new Float32Array(5 * 4);
    values[1 * 5 + 1] = 1;
    values[2 * 5 + 3] = 0.5;
    values[3 * 5 + 4] = 0.01; // faint
    assert.deepEqual(boundingBox(values, 5, 4, 0.05), { x0: 1, y0: 1, x1: 3, y1: 2 });
    assert.deepEqual(boundingBox(values, 5, 4), { x0: 1, y0: 1, x1: 4, y1: 3 });
    assert.equal(boundingBox(new Float32Array(20), 5, 4), null);
  });

  test('centreOfMass is the ink-weighted mean pixel index', () => {
    const values = new Float32Array(4 * 3);
    values[0] = 1; // (0, 0)
    values[1 * 4 + 3] = 3; // (3, 1)
    assert.deepEqual(centreOfMass(values, 4, 3), { x: 9 / 4, y: 3 / 4 });
    assert.equal(centreOfMass(new Float32Array(12), 4, 3), null);
  });

  test('resampleArea averages over each target pixel’s area', () => {
    // A 4×4 checkerboard halved: every 2×2 block averages to 0.5.
    const checker = Float32Array.from({ length: 16 }, (_, i) => ((i % 4) + Math.floor(i / 4)) % 2);
    const half = resampleArea(checker, 4, 4, { x: 0, y: 0, width: 4, height: 4 }, 2, 2);
    assert.deepEqual(Array.from(half), [0.5, 0.5, 0.5, 0.5]);

    // Same size, same place: the identity.
    const same = resampleArea(checker, 4, 4, { x: 0, y: 0, width: 4, height: 4 }, 4, 4);
    assert.deepEqual(Array.from(same), Array.from(checker));

    // A target pixel half over the image, half past its edge, is half as dark.
    const ones = new Float32Array(4).fill(1);
    const shifted = resampleArea(ones, 2, 2, { x: -1, y: 0, width: 2, height: 2 }, 1, 1);
    assert.ok(Math.abs(shifted[0] - 0.5) < 1e-7);
  });

  test('resampleArea is not nearest-neighbour: a 1 px line survives a 10× shrink', () => {
    const line = new Float32Array(100 * 100);
    for (let y = 0; y < 100; y++) line[y * 100 + 37] = 1;
    const small = resampleArea(line, 100, 100, { x: 0, y: 0, width: 100, height: 100 }, 10, 10);
    // Column 3 holds the line at a tenth of its strength; total ink × (1/10)².
    assert.ok(Math.abs(small[5 * 10 + 3] - 0.1) < 1e-6);
    assert.ok(Math.abs(sum(small) - 100 / 100) < 1e-5);
  });

  test('toUnitInk reads integers as 0–255 and floats as 0–1', () => {
    assert.deepEqual(Array.from(toUnitInk(Uint8Array.of(0, 51, 255), 3, 1)), [0, 0.20000000298023224, 1]);
    assert.deepEqual(Array.from(toUnitInk(Float32Array.of(0, 0.5, 1), 3, 1)), [0, 0.5, 1]);
  });

  test('the pen is a tenth of the pad', () => {
    assert.equal(penWidth(280), 28);
    assert.equal(penWidth(560), 56); // HiDPI: same proportion in device pixels
  });
});
