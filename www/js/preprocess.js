// preprocess.js — turn a digit drawn on a canvas into a 28×28 MNIST-style image.
//
// The network only ever saw MNIST, so a drawing must be framed the way MNIST
// was made (LeCun, Cortes & Burges): the original NIST digit was
//
//   1. size-normalised to fit a 20×20 box, keeping its aspect ratio, with
//      anti-aliasing (hence MNIST's grey edges), then
//   2. placed in a 28×28 field so that its centre of mass is at the centre.
//
// `toMnist` does the same: crop to the ink's bounding box, scale the longer
// side to 20 px with an area-averaging (box) filter, and shift by whole
// pixels so the centre of mass lands on (14, 14). Measured on MNIST itself
// (data/sample): every digit's bounding box has its longer side exactly 20 px,
// and every centre of mass is within 0.5 px of (14, 14) in pixel-index
// coordinates — i.e. a whole-pixel shift, rounded. We copy both conventions.
//
// Pure functions only: no DOM, so everything here runs (and is tested) in Node.

/** Side of an MNIST image, in pixels. */
export const MNIST_SIZE = 28;

/** Side of the box MNIST digits were size-normalised into. */
export const DIGIT_BOX = 20;

/**
 * Ink fainter than this (on a 0–1 scale) does not count when finding the
 * digit's bounding box, so a stray speck of anti-aliasing or a barely-there
 * smudge can't shrink the digit. 0.05 ≈ 13/255: on MNIST itself it moves no
 * digit's longer side, so it never changes the scale of a real digit.
 */
export const INK_THRESHOLD = 0.05;

/**
 * The drawing pad's line width as a fraction of the pad's side.
 *
 * MNIST strokes are about 2–3 px wide in a digit 20 px tall (median 2.7 px
 * across the "1"s in data/sample, measured across the stroke): about 1/8 of
 * the digit's height. A digit drawn `h` (a fraction of the pad) tall with a
 * pen `f` of the pad wide has a bounding box h + f tall (the round caps stick
 * out), which toMnist scales to 20 px, so its strokes come out
 *
 *     thickness at 28×28 = 20 · f / (h + f)   pixels.
 *
 * With f = 0.1: a digit drawn at a natural 70 % of the pad → 2.5 px; one over
 * 90 % of it → 2.0 px; one at half size → 3.3 px — all within MNIST's own
 * spread (10th–90th percentile ≈ 1.8–4 px).
 */
export const PEN_FRACTION = 0.1;

/** Line width, in canvas pixels, for a drawing pad whose shorter side is `side` pixels. */
export function penWidth(side) {
  return side * PEN_FRACTION;
}

/**
 * The MNIST image of a drawing, or `null` if nothing is drawn.
 *
 * @param {ArrayLike<number>} alpha  ink coverage, row-major, `width × height`.
 *   Float32Array/Float64Array hold 0–1; anything else (Uint8ClampedArray,
 *   Uint8Array, plain arrays) holds 0–255. Raw RGBA from `getImageData`
 *   (4 values per pixel) is accepted too: its alpha channel is used.
 * @param {number} width
 * @param {number} height
 * @returns {Float32Array | null} 784 values in [0, 1], 0 = background, 1 = ink.
 */
export function toMnist(alpha, width, height) {
  const ink = toUnitInk(alpha, width, height);
  const box = boundingBox(ink, width, height, INK_THRESHOLD);
  if (box === null) return null;

  // 1. Scale so the longer side is DIGIT_BOX pixels, preserving aspect ratio.
  const boxWidth = box.x1 - box.x0 + 1;
  const boxHeight = box.y1 - box.y0 + 1;
  const scale = DIGIT_BOX / Math.max(boxWidth, boxHeight);
  const digitWidth = boxWidth * scale; // one of these is exactly 20,
  const digitHeight = boxHeight * scale; // the other may be fractional

  // Resample into the smallest whole-pixel image that holds the digit, the
  // digit centred in it: a fractional short side keeps its true width, with
  // partly covered edge pixels rather than a stretch to whole pixels.
  const smallWidth = Math.ceil(digitWidth - 1e-9);
  const smallHeight = Math.ceil(digitHeight - 1e-9);
  const source = {
    x: box.x0 - (smallWidth - digitWidth) / 2 / scale,
    y: box.y0 - (smallHeight - digitHeight) / 2 / scale,
    width: smallWidth / scale,
    height: smallHeight / scale,
  };
  const digit = resampleArea(ink, width, height, source, smallWidth, smallHeight);

  // 2. Shift by whole pixels so the centre of mass is at (14, 14), as MNIST did.
  //    Clamp so that an off-balance digit (a "7" with a heavy bar) stays whole.
  const centre = centreOfMass(digit, smallWidth, smallHeight);
  if (centre === null) return null;
  const half = MNIST_SIZE / 2;
  const left = clamp(Math.round(half - centre.x), 0, MNIST_SIZE - smallWidth);
  const top = clamp(Math.round(half - centre.y), 0, MNIST_SIZE - smallHeight);

  const image = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < smallHeight; y++) {
    for (let x = 0; x < smallWidth; x++) {
      // Averages of values in [0, 1] are in [0, 1]; the clamp only guards rounding.
      image[(top + y) * MNIST_SIZE + left + x] = clamp(digit[y * smallWidth + x], 0, 1);
    }
  }
  return image;
}

/**
 * The input as a Float32Array of ink in [0, 1], one value per pixel.
 * Float arrays are taken to be 0–1 already; integer arrays 0–255.
 */
export function toUnitInk(alpha, width, height) {
  const pixels = width * height;
  const isRgba = alpha.length === pixels * 4;
  if (!isRgba && alpha.length !== pixels) {
    throw new RangeError(`expected ${pixels} values (${width}×${height}), got ${alpha.length}`);
  }
  const isUnit = alpha instanceof Float32Array || alpha instanceof Float64Array;
  const stride = isRgba ? 4 : 1;
  const offset = isRgba ? 3 : 0;
  const unit = isUnit ? 1 : 1 / 255;
  const ink = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) ink[i] = alpha[i * stride + offset] * unit;
  return ink;
}

/**
 * The smallest box holding every pixel above `threshold`, as inclusive pixel
 * indices `{ x0, y0, x1, y1 }`, or `null` if there is none.
 */
export function boundingBox(values, width, height, threshold = 0) {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (values[row + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y; // rows are visited in order, so the last row with ink wins
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/**
 * The ink-weighted mean pixel position `{ x, y }` (pixel-index coordinates:
 * the first pixel's centre is 0), or `null` if the image is blank.
 */
export function centreOfMass(values, width, height) {
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      mass += v;
      sumX += v * x;
      sumY += v * y;
    }
  }
  return mass > 0 ? { x: sumX / mass, y: sumY / mass } : null;
}

/**
 * Resample the rectangle `rect` of a `width × height` image onto a
 * `targetWidth × targetHeight` grid with a box filter: each target pixel is the
 * mean of the source over the area it covers, counting partly covered source
 * pixels by the fraction covered. This is the anti-aliasing of a downscale —
 * every source pixel contributes, so thin strokes fade instead of vanishing,
 * and total ink is preserved (times the area scale factor).
 *
 * `rect` is `{ x, y, width, height }` in continuous source coordinates (pixel
 * `i` spans [i, i + 1)); it may reach past the image, which counts as empty.
 */
export function resampleArea(values, width, height, rect, targetWidth, targetHeight) {
  // A box filter is separable: filter the rows, then the columns.
  const columns = boxTaps(rect.x, rect.width, width, targetWidth);
  const rows = boxTaps(rect.y, rect.height, height, targetHeight);
  const firstRow = rows.length > 0 && rows[0].length > 0 ? rows[0][0].index : 0;
  const lastRowTaps = rows.at(-1) ?? [];
  const lastRow = lastRowTaps.length > 0 ? lastRowTaps.at(-1).index : -1;

  // Horizontal pass, only over the source rows some target row needs.
  const horizontal = new Float64Array(Math.max(0, lastRow - firstRow + 1) * targetWidth);
  for (let y = firstRow; y <= lastRow; y++) {
    const source = y * width;
    const out = (y - firstRow) * targetWidth;
    for (let tx = 0; tx < targetWidth; tx++) {
      let sum = 0;
      for (const { index, weight } of columns[tx]) sum += values[source + index] * weight;
      horizontal[out + tx] = sum;
    }
  }

  // Vertical pass.
  const result = new Float32Array(targetWidth * targetHeight);
  for (let ty = 0; ty < targetHeight; ty++) {
    for (let tx = 0; tx < targetWidth; tx++) {
      let sum = 0;
      for (const { index, weight } of rows[ty]) {
        sum += horizontal[(index - firstRow) * targetWidth + tx] * weight;
      }
      result[ty * targetWidth + tx] = sum;
    }
  }
  return result;
}

/**
 * For each of `targetLength` target pixels along one axis, the source pixels
 * it covers and their weights (covered length / target footprint, so a fully
 * covered footprint's weights sum to 1). The targets tile the source span
 * [start, start + span); source pixels outside [0, sourceLength) are skipped.
 */
function boxTaps(start, span, sourceLength, targetLength) {
  const footprint = span / targetLength; // source pixels per target pixel
  const taps = [];
  for (let t = 0; t < targetLength; t++) {
    const from = start + t * footprint;
    const to = from + footprint;
    const pixelTaps = [];
    const first = Math.max(0, Math.floor(from));
    const last = Math.min(sourceLength - 1, Math.ceil(to) - 1);
    for (let index = first; index <= last; index++) {
      const covered = Math.min(to, index + 1) - Math.max(from, index);
      if (covered > 0) pixelTaps.push({ index, weight: covered / footprint });
    }
    taps.push(pixelTaps);
  }
  return taps;
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}
