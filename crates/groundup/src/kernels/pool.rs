//! 2-D max pooling with a square window and a stride equal to its side
//! (paper §4.3.1, Fig. 10), and its backward pass, "backpooling" (§4.3.2,
//! Fig. 12): the gradient of each output goes to the one input that was the
//! maximum of its window; every other input gets zero.
//!
//! Ties go to the first maximum in row-major order, in both versions.
//! Rows and columns that do not fill a whole window are dropped (floor).

use ndarray::{Array4, ArrayView4};

use crate::Real;

/// x (N, C, H, W) → (y (N, C, H/s, W/s), for each y the tap `i·s + j` of its
/// window's maximum at (i, j)). A tap is one byte (s ≤ 16; specs allow
/// s ≤ 4): a quarter of a flat u32 index, and all backward needs.
pub fn max_pool_forward<F: Real>(x: ArrayView4<F>, s: usize) -> (Array4<F>, Vec<u8>) {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = (h / s, w / s);
    assert!((1..=16).contains(&s), "max pool window side {s} outside 1..=16");
    let x = x.as_standard_layout();
    let src = x.as_slice().expect("standard layout");
    let mut y = Array4::<F>::zeros((n, c, ho, wo)); // (N, C, Ho, Wo)
    let mut taps = vec![0u8; n * c * ho * wo];
    let out = y.as_slice_mut().expect("fresh array is contiguous");
    if ho * wo == 0 {
        return (y, taps);
    }
    if s == 2 {
        F::max_pool_2x2(src, (n * c, h, w), out, &mut taps);
        return (y, taps);
    }
    let bands = src.chunks_exact(h * w).flat_map(|plane| plane[..ho * s * w].chunks_exact(s * w));
    // One band of s input rows → one output row.
    for ((band, out), taps) in bands.zip(out.chunks_exact_mut(wo)).zip(taps.chunks_exact_mut(wo)) {
        for (ox, (y, tap)) in out.iter_mut().zip(taps.iter_mut()).enumerate() {
            let (mut best, mut best_tap) = (band[ox * s], 0);
            for i in 0..s {
                for (j, &v) in band[i * w + ox * s..][..s].iter().enumerate() {
                    if v > best {
                        (best, best_tap) = (v, i * s + j);
                    }
                }
            }
            *y = best;
            *tap = best_tap as u8;
        }
    }
    (y, taps)
}

/// The 2×2 pool of `planes` planes of h×w (`src`) into `out` and `taps`
/// (planes × h/2 × w/2 each): the portable loop, branch-free. A window's
/// maximum is random, so a branch per comparison mispredicts about half the
/// time; selects do not. `>` keeps the first of equal values (row-major) at
/// both levels of the little tournament: left beats right, top beats
/// bottom, as the naive scan does.
pub fn max_pool_2x2<F: Real>(
    src: &[F],
    (planes, h, w): (usize, usize, usize),
    out: &mut [F],
    taps: &mut [u8],
) {
    let (ho, wo) = (h / 2, w / 2);
    for band in 0..planes * ho {
        let top = (band / ho) * h * w + (band % ho) * 2 * w;
        let (top, bottom) = (&src[top..top + 2 * wo], &src[top + w..top + w + 2 * wo]);
        let windows = top.chunks_exact(2).zip(bottom.chunks_exact(2));
        let (out, taps) = (&mut out[band * wo..][..wo], &mut taps[band * wo..][..wo]);
        for ((y, tap), (t, b)) in out.iter_mut().zip(taps.iter_mut()).zip(windows) {
            let top_right = t[1] > t[0];
            let upper = if top_right { t[1] } else { t[0] };
            let bottom_right = b[1] > b[0];
            let lower = if bottom_right { b[1] } else { b[0] };
            let down = lower > upper;
            *y = if down { lower } else { upper };
            *tap = if down { 2 + u8::from(bottom_right) } else { u8::from(top_right) };
        }
    }
}

/// Backpooling: dy (N, C, Ho, Wo) and the forward's taps → dx shaped
/// `input_shape`, each gradient at its window's maximum, zero elsewhere.
pub fn max_pool_backward<F: Real>(
    dy: ArrayView4<F>,
    taps: &[u8],
    s: usize,
    input_shape: (usize, usize, usize, usize),
) -> Array4<F> {
    let (n, c, h, w) = input_shape;
    let (ho, wo) = (h / s, w / s);
    assert_eq!(dy.dim(), (n, c, ho, wo), "max pool gradient shape");
    assert_eq!(dy.len(), taps.len(), "one tap per pooled output");
    let dy = dy.as_standard_layout();
    let dy = dy.as_slice().expect("standard layout");
    let mut dx = Array4::<F>::zeros(input_shape); // (N, C, H, W)
    let dst = dx.as_slice_mut().expect("fresh array is contiguous");
    if s == 2 {
        F::max_unpool_2x2(dy, taps, (n * c, h, w), dst);
        return dx;
    }
    for (o, (&d, &tap)) in dy.iter().zip(taps).enumerate() {
        let (band, ox) = (o / wo, o % wo);
        let (plane, oy) = (band / ho, band % ho);
        let (i, j) = (usize::from(tap) / s, usize::from(tap) % s);
        dst[plane * h * w + (oy * s + i) * w + ox * s + j] = d;
    }
    dx
}

/// 2×2 backpooling into a zeroed `dx` (planes × h × w): each gradient of
/// `dy` to its window's tap, zero to the other three inputs.
pub fn max_unpool_2x2<F: Real>(dy: &[F], taps: &[u8], (planes, h, w): (usize, usize, usize), dx: &mut [F]) {
    let (ho, wo) = (h / 2, w / 2);
    for band in 0..planes * ho {
        let at = (band / ho) * h * w + (band % ho) * 2 * w;
        let (top, bottom) = dx[at..at + 2 * w].split_at_mut(w);
        let windows = top[..2 * wo].chunks_exact_mut(2).zip(bottom[..2 * wo].chunks_exact_mut(2));
        let (grads, taps) = (&dy[band * wo..][..wo], &taps[band * wo..][..wo]);
        for ((&d, &tap), (t, b)) in grads.iter().zip(taps).zip(windows) {
            let z = F::zero();
            t[0] = if tap == 0 { d } else { z };
            t[1] = if tap == 1 { d } else { z };
            b[0] = if tap == 2 { d } else { z };
            b[1] = if tap == 3 { d } else { z };
        }
    }
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
