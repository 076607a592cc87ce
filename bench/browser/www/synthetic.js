// Synthetic MNIST-shaped data, shared by both benchmark workers. Training
// speed does not depend on what the pixels show, so random images stand in
// for MNIST; a seeded generator makes every run feed the same bytes.

/** A small, fast, seeded PRNG (mulberry32): returns floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `rows` random images with labels: `{pixels: Uint8Array(rows·784), labels: Uint8Array(rows)}`.
 * `inkFraction` is the share of non-zero pixels (1 = uniform noise; MNIST has ~0.19).
 */
export function images(rows, seed, inkFraction = 1) {
  const next = rng(seed);
  const pixels = new Uint8Array(rows * 784);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) labels[r] = Math.floor(next() * 10);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = next() < inkFraction ? Math.floor(next() * 256) : 0;
  }
  return { pixels, labels };
}

const DIGITS = Array.from({ length: 256 }, (_, v) => new TextEncoder().encode(String(v)));

/** The images as groundup's CSV chunk format: `label,p0,…,p783` rows, no header. */
export function csv({ pixels, labels }) {
  const rows = labels.length;
  let size = 0;
  for (let i = 0; i < pixels.length; i++) size += DIGITS[pixels[i]].length + 1;
  size += rows * 2; // the label digit and its comma; the last pixel's "," is the newline
  const out = new Uint8Array(size);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    out[o++] = 48 + labels[r];
    for (let p = 0; p < 784; p++) {
      out[o++] = 44; // ','
      const d = DIGITS[pixels[r * 784 + p]];
      for (let k = 0; k < d.length; k++) out[o++] = d[k];
    }
    out[o++] = 10; // '\n'
  }
  if (o !== size) throw new Error(`csv: wrote ${o} bytes, expected ${size}`);
  return out;
}
