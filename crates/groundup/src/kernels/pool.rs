//! 2-D max pooling with a square window and a stride equal to its side
//! (paper §4.3.1, Fig. 10), and its backward pass, "backpooling" (§4.3.2,
//! Fig. 12): the gradient of each output goes to the one input that was the
//! maximum of its window; every other input gets zero.
//!
//! Ties go to the first maximum in row-major order, in both versions.
//! Rows and columns that do not fill a whole window are dropped (floor).

use ndarray::{Array4, ArrayView4};

use crate::Real;

/// x (N, C, H, W) → (y (N, C, H/s, W/s), for each y the flat index into x of
/// its maximum). Walks the contiguous input once; no per-element indexing.
pub fn max_pool_forward<F: Real>(x: ArrayView4<F>, s: usize) -> (Array4<F>, Vec<u32>) {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = (h / s, w / s);
    // u32 halves the cache's memory; no batch comes near 4·10⁹ activations.
    assert!(x.len() <= u32::MAX as usize, "max pool input too large for u32 indices");
    let x = x.as_standard_layout();
    let src = x.as_slice().expect("standard layout");
    let mut y = Array4::<F>::zeros((n, c, ho, wo)); // (N, C, Ho, Wo)
    let mut argmax = Vec::with_capacity(n * c * ho * wo);
    let out = y.as_slice_mut().expect("fresh array is contiguous");
    if s == 2 {
        max_pool_2x2(src, (n * c, h, w), out, &mut argmax);
        return (y, argmax);
    }
    let mut o = 0;
    for plane in 0..n * c {
        let base = plane * h * w;
        for oy in 0..ho {
            for ox in 0..wo {
                let first = base + oy * s * w + ox * s;
                let (mut best, mut best_at) = (src[first], first);
                for i in 0..s {
                    let row = first + i * w;
                    for (at, &v) in src[row..row + s].iter().enumerate() {
                        if v > best {
                            (best, best_at) = (v, row + at);
                        }
                    }
                }
                out[o] = best;
                argmax.push(best_at as u32);
                o += 1;
            }
        }
    }
    (y, argmax)
}

/// The common 2×2 case, two input rows at a time with the four taps named:
/// about 3× faster than the general loop.
fn max_pool_2x2<F: Real>(
    src: &[F],
    (planes, h, w): (usize, usize, usize),
    out: &mut [F],
    argmax: &mut Vec<u32>,
) {
    let (ho, wo) = (h / 2, w / 2);
    let mut o = 0;
    for plane in 0..planes {
        for oy in 0..ho {
            let top = plane * h * w + 2 * oy * w;
            let bottom = top + w;
            for ox in 0..wo {
                let (a, b) = (top + 2 * ox, bottom + 2 * ox);
                // Row-major tap order; `>` keeps the first of equal values.
                let mut best_at = a;
                for at in [a + 1, b, b + 1] {
                    if src[at] > src[best_at] {
                        best_at = at;
                    }
                }
                out[o] = src[best_at];
                argmax.push(best_at as u32);
                o += 1;
            }
        }
    }
}

/// Backpooling: dy (N, C, Ho, Wo) → dx shaped `input_shape`, routing each
/// gradient to the recorded maximum.
pub fn max_pool_backward<F: Real>(
    dy: ArrayView4<F>,
    argmax: &[u32],
    input_shape: (usize, usize, usize, usize),
) -> Array4<F> {
    assert_eq!(dy.len(), argmax.len(), "one argmax per pooled output");
    let mut dx = Array4::<F>::zeros(input_shape); // (N, C, H, W)
    let dst = dx.as_slice_mut().expect("fresh array is contiguous");
    for (&d, &at) in dy.iter().zip(argmax) {
        dst[at as usize] += d;
    }
    dx
}

/// The reference: index every window by its coordinates.
pub fn max_pool_forward_naive<F: Real>(x: ArrayView4<F>, s: usize) -> Array4<F> {
    let (n, c, h, w) = x.dim();
    Array4::from_shape_fn((n, c, h / s, w / s), |(ni, ci, oy, ox)| {
        let (iy, ix) = window_argmax_naive(x, (ni, ci, oy, ox), s);
        x[[ni, ci, iy, ix]]
    })
}

/// The reference backward: find each window's maximum again and add the
/// output gradient there.
pub fn max_pool_backward_naive<F: Real>(x: ArrayView4<F>, dy: ArrayView4<F>, s: usize) -> Array4<F> {
    let mut dx = Array4::zeros(x.raw_dim());
    for ((ni, ci, oy, ox), &d) in dy.indexed_iter() {
        let (iy, ix) = window_argmax_naive(x, (ni, ci, oy, ox), s);
        dx[[ni, ci, iy, ix]] += d;
    }
    dx
}

fn window_argmax_naive<F: Real>(
    x: ArrayView4<F>,
    (ni, ci, oy, ox): (usize, usize, usize, usize),
    s: usize,
) -> (usize, usize) {
    let mut best = (oy * s, ox * s);
    for iy in oy * s..oy * s + s {
        for ix in ox * s..ox * s + s {
            if x[[ni, ci, iy, ix]] > x[[ni, ci, best.0, best.1]] {
                best = (iy, ix);
            }
        }
    }
    best
}
