// bars.js — what the network sees and what it thinks.
//
// `drawProbabilities` shows the network's output as ten bars, one per digit,
// the most likely one highlighted; `drawDigit` shows the 28×28 image the
// network was given (the preprocessed drawing), blown up with hard pixel
// edges so each of the 784 inputs is visible.
//
// Colours come from CSS custom properties, so both follow light/dark mode:
//   --ink          the digit's pixels        (default: black, white in dark mode)
//   --bar          the bars                  (default: a grey)
//   --accent       the most likely digit     (default: a blue)
//   --chart-text   labels                    (default: the canvas's `color`)
// The canvases stay transparent: the page's background shows through.

import { applySize, cssColor, displaySize, prefersDark } from './canvas.js';

const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';

/**
 * Ten vertical bars labelled 0–9 with their percentages, the argmax highlighted.
 * `probabilities` is any array-like of ten numbers (non-finite ones count as 0);
 * `null` (or nothing valid) draws the empty state: bare labels on a baseline.
 */
export function drawProbabilities(canvas, probabilities) {
  const g = canvas.getContext('2d');
  const size = displaySize(canvas);
  applySize(canvas, size);
  const width = canvas.width / size.ratio; // CSS pixels from here on
  const height = canvas.height / size.ratio;
  g.setTransform(size.ratio, 0, 0, size.ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  const values = probabilityValues(probabilities);
  const best = values ? argmax(values) : -1;
  const style = getComputedStyle(canvas);
  const textColor = cssColor(canvas, '--chart-text', style.color || '#000');
  const barColor = cssColor(canvas, '--bar', prefersDark() ? '#64748b' : '#94a3b8');
  const accent = cssColor(canvas, '--accent', prefersDark() ? '#60a5fa' : '#2563eb');

  const slot = width / 10;
  const narrow = slot < 30; // a 360 px phone: smaller percentages so "100%" fits
  const labelFont = `${narrow ? 12 : 14}px ${FONT}`;
  const percentFont = `${narrow ? 9 : 11}px ${FONT}`;
  const top = narrow ? 14 : 16; // room for the percentage above a full bar
  const baseline = height - (narrow ? 18 : 22); // room for the digit below
  const barWidth = Math.min(slot * 0.62, 36);

  // Baseline across all ten slots.
  g.strokeStyle = textColor;
  g.globalAlpha = 0.3;
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(0, Math.round(baseline) + 0.5);
  g.lineTo(width, Math.round(baseline) + 0.5);
  g.stroke();
  g.globalAlpha = 1;

  for (let digit = 0; digit < 10; digit++) {
    const centre = slot * (digit + 0.5);
    const isBest = digit === best;

    if (values) {
      const p = values[digit];
      // At least a hairline, so a 0% bar still reads as "a bar, at zero".
      const barHeight = Math.max(1, p * (baseline - top));
      g.fillStyle = isBest ? accent : barColor;
      g.fillRect(centre - barWidth / 2, baseline - barHeight, barWidth, barHeight);

      g.fillStyle = textColor;
      g.font = isBest ? `600 ${percentFont}` : percentFont;
      g.textAlign = 'center';
      g.textBaseline = 'bottom';
      g.fillText(formatPercent(p), centre, baseline - barHeight - 2);
    }

    g.fillStyle = isBest ? accent : textColor;
    g.globalAlpha = values ? 1 : 0.5;
    g.font = isBest ? `700 ${labelFont}` : labelFont;
    g.textAlign = 'center';
    g.textBaseline = 'top';
    g.fillText(String(digit), centre, baseline + 4);
    g.globalAlpha = 1;
  }

  labelCanvas(canvas, values ? describeProbabilities(values) : 'No prediction yet');
}

/**
 * A 28×28 image, scaled up with crisp square pixels. `pixels` holds 784
 * values: a Float32Array/Float64Array in [0, 1], or 0–255 (Uint8Array, plain
 * array). `null` clears the canvas. Ink is drawn as opacity of `--ink`.
 */
export function drawDigit(canvas, pixels) {
  const g = canvas.getContext('2d');
  const size = displaySize(canvas);
  applySize(canvas, size);
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!pixels) return;
  if (pixels.length !== 784) throw new RangeError(`drawDigit needs 784 pixels, got ${pixels.length}`);

  // Paint the 28×28 image at its own size, then let drawImage scale it up with
  // smoothing off: each MNIST pixel becomes a hard-edged square.
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const smallContext = small.getContext('2d');
  smallContext.fillStyle = cssColor(canvas, '--ink', prefersDark() ? '#fff' : '#000');
  smallContext.fillRect(0, 0, 28, 28);
  const image = smallContext.getImageData(0, 0, 28, 28);
  const unit = pixels instanceof Float32Array || pixels instanceof Float64Array ? 255 : 1;
  for (let i = 0; i < 784; i++) {
    const value = Number.isFinite(pixels[i]) ? pixels[i] : 0;
    image.data[i * 4 + 3] = Math.round(value * unit); // Uint8ClampedArray clamps to 0–255
  }
  smallContext.putImageData(image, 0, 0);

  // A square as large as the canvas allows, centred; nearest-neighbour
  // scaling (smoothing off) keeps every pixel's edges hard.
  g.imageSmoothingEnabled = false;
  const side = Math.min(canvas.width, canvas.height);
  g.drawImage(small, Math.floor((canvas.width - side) / 2), Math.floor((canvas.height - side) / 2), side, side);
}

/** Ten finite probabilities, or null if the input has none worth drawing. */
function probabilityValues(probabilities) {
  if (!probabilities || probabilities.length < 10) return null;
  const values = Array.from({ length: 10 }, (_, i) => {
    const p = Number(probabilities[i]);
    return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
  });
  return values.some((p) => p > 0) ? values : null;
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** "93%", or "<1%" for a sliver that rounding would show as 0. */
function formatPercent(p) {
  if (p > 0 && p < 0.005) return '<1%';
  return `${Math.round(p * 100)}%`;
}

/** "Most likely 7 (93%), then 1 (4%), 9 (2%)". */
function describeProbabilities(values) {
  const ranked = values
    .map((p, digit) => ({ digit, p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, 3)
    .map(({ digit, p }) => `${digit} (${formatPercent(p)})`);
  return `Most likely ${ranked[0]}, then ${ranked.slice(1).join(', ')}`;
}

// A canvas is opaque to assistive technology, so give it a text alternative —
// unless the page labelled it itself, in which case its words win.
function labelCanvas(canvas, text) {
  if (canvas.hasAttribute('aria-label') && !canvas.hasAttribute('data-auto-label')) return;
  if (!canvas.hasAttribute('role')) canvas.setAttribute('role', 'img');
  canvas.setAttribute('data-auto-label', '');
  canvas.setAttribute('aria-label', text);
}
