//! Direct 2-D convolution, straight from the definition — the reference the
//! im2col path is tested against (and the loops the paper's §4.3 describes).
//!
//! Like every deep-learning library this is strictly a *cross-correlation*
//! (the kernel is not flipped); learning makes the distinction moot. With
//! zero padding `p` and stride 1:
//!
//! ```text
//! y[n,o,y,x] = b[o] + Σ_c Σ_i Σ_j w[o,c,i,j] · x[n, c, y+i−p, x+j−p]
//! ```
//!
//! Backward, for `δ = ∂E/∂y` (paper §4.3.2 — both steps are convolutions):
//!
//! ```text
//! ∂E/∂w[o,c,i,j]       = Σ_n Σ_y Σ_x δ[n,o,y,x] · x[n, c, y+i−p, x+j−p]
//! ∂E/∂b[o]             = Σ_n Σ_y Σ_x δ[n,o,y,x]
//! ∂E/∂x[n,c,y+i−p,x+j−p] += δ[n,o,y,x] · w[o,c,i,j]   (the "rotated kernel")
//! ```

use ndarray::{Array1, Array4, ArrayView1, ArrayView4};

use super::im2col::output_side;
use crate::Real;

/// The input pixel a tap reads, or `None` in the zero padding.
fn tap(pos: usize, offset: usize, pad: usize, side: usize) -> Option<usize> {
    (pos + offset).checked_sub(pad).filter(|&p| p < side)
}

/// x (N, C, H, W), w (O, C, k, k), b (O) → y (N, O, Ho, Wo).
pub fn conv2d_forward_naive<F: Real>(
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    b: Option<ArrayView1<F>>,
    pad: usize,
) -> Array4<F> {
    let (n, c, h, wd) = x.dim();
    let (o, c2, k, _) = w.dim();
    assert_eq!(c, c2, "channels");
    let (ho, wo) = (output_side(h, k, pad), output_side(wd, k, pad));
    let mut y = Array4::zeros((n, o, ho, wo));
    for ni in 0..n {
        for oi in 0..o {
            for yy in 0..ho {
                for xx in 0..wo {
                    let mut sum = b.map_or(F::zero(), |b| b[oi]);
                    for ci in 0..c {
                        for i in 0..k {
                            for j in 0..k {
                                if let (Some(iy), Some(ix)) = (tap(yy, i, pad, h), tap(xx, j, pad, wd)) {
                                    sum += w[[oi, ci, i, j]] * x[[ni, ci, iy, ix]];
                                }
                            }
                        }
                    }
                    y[[ni, oi, yy, xx]] = sum;
                }
            }
        }
    }
    y
}

/// Gradients of [`conv2d_forward_naive`]: returns (∂E/∂x, ∂E/∂w, ∂E/∂b).
pub fn conv2d_backward_naive<F: Real>(
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    dy: ArrayView4<F>,
    pad: usize,
) -> (Array4<F>, Array4<F>, Array1<F>) {
    let (n, c, h, wd) = x.dim();
    let (o, _, k, _) = w.dim();
    let (_, _, ho, wo) = dy.dim();
    let mut dx = Array4::zeros(x.raw_dim());
    let mut dw = Array4::zeros(w.raw_dim());
    let mut db = Array1::zeros(o);
    for ni in 0..n {
        for oi in 0..o {
            for yy in 0..ho {
                for xx in 0..wo {
                    let d = dy[[ni, oi, yy, xx]];
                    db[oi] += d;
                    for ci in 0..c {
                        for i in 0..k {
                            for j in 0..k {
                                if let (Some(iy), Some(ix)) = (tap(yy, i, pad, h), tap(xx, j, pad, wd)) {
                                    dw[[oi, ci, i, j]] += d * x[[ni, ci, iy, ix]];
                                    dx[[ni, ci, iy, ix]] += d * w[[oi, ci, i, j]];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    (dx, dw, db)
}
