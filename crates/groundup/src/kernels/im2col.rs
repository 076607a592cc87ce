//! im2col and col2im: a convolution rewritten as one matrix product.
//!
//! A k×k convolution with C input channels reads, for every output pixel, a
//! C·k·k patch of the input. im2col copies each patch into a column:
//!
//! ```text
//! cols[(c·k + i)·k + j, (n·Ho + y)·Wo + x] = x_pad[n, c, y + i, x + j]
//! ```
//!
//! so that the whole batch's convolution is `W (O, C·k·k) · cols (C·k·k, N·Ho·Wo)`,
//! one large, cache-friendly product instead of N·O·Ho·Wo small dot products.
//! col2im is its adjoint: it scatters-and-adds columns back into an image,
//! which is exactly what the input gradient of a convolution needs.
//!
//! Zero padding is never materialised: taps that fall outside the image are
//! left at zero in `cols` (im2col) or dropped (col2im).

use ndarray::{Array2, Array4, ArrayView2, ArrayView4};

use crate::Real;

/// Output side of a stride-1 convolution: `in + 2·pad − k + 1`.
pub fn output_side(input: usize, kernel: usize, pad: usize) -> usize {
    input + 2 * pad + 1 - kernel
}

/// The columns that an output pixel `x` reads in row `(·, i, j)` of the patch:
/// `x` in `[start, end)`, reading input column `x + j − pad`.
fn valid_range(out_w: usize, in_w: usize, j: usize, pad: usize) -> (usize, usize) {
    let start = pad.saturating_sub(j);
    let end = out_w.min((in_w + pad).saturating_sub(j));
    (start, end.max(start))
}

/// `x` (N, C, H, W) → cols (C·k·k, N·Ho·Wo).
pub fn im2col<F: Real>(x: ArrayView4<F>, k: usize, pad: usize) -> Array2<F> {
    let mut cols = Array2::zeros((0, 0));
    im2col_into(x, k, pad, &mut cols);
    cols
}

/// [`im2col`] into a buffer kept from the last call. A training step's
/// columns are megabytes; writing them into the same memory every step
/// saves the page faults of a fresh allocation. Every element is written,
/// padding taps included, so nothing from the last call survives.
pub fn im2col_into<F: Real>(x: ArrayView4<F>, k: usize, pad: usize, cols: &mut Array2<F>) {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = (output_side(h, k, pad), output_side(w, k, pad));
    let x = x.as_standard_layout();
    let src = x.as_slice().expect("standard layout");
    if cols.dim() != (c * k * k, n * ho * wo) || !cols.is_standard_layout() {
        *cols = Array2::zeros((c * k * k, n * ho * wo)); // (C·k·k, N·Ho·Wo)
    }
    for (row_index, mut row) in cols.rows_mut().into_iter().enumerate() {
        let (ci, i, j) = (row_index / (k * k), (row_index / k) % k, row_index % k);
        let dst = row.as_slice_mut().expect("rows of a standard array are contiguous");
        let (x0, x1) = valid_range(wo, w, j, pad);
        for ni in 0..n {
            for y in 0..ho {
                let d = (ni * ho + y) * wo;
                let out = &mut dst[d..d + wo];
                let Some(iy) = (y + i).checked_sub(pad).filter(|&iy| iy < h) else {
                    out.fill(F::zero()); // this row of taps is in the top/bottom padding
                    continue;
                };
                let s = ((ni * c + ci) * h + iy) * w + x0 + j - pad;
                out[..x0].fill(F::zero()); // left padding
                out[x0..x1].copy_from_slice(&src[s..s + (x1 - x0)]);
                out[x1..].fill(F::zero()); // right padding
            }
        }
    }
}

/// cols (C·k·k, N·Ho·Wo) → image (N, C, H, W), adding overlapping taps: the
/// adjoint of [`im2col`].
pub fn col2im<F: Real>(
    cols: ArrayView2<F>,
    (n, c, h, w): (usize, usize, usize, usize),
    k: usize,
    pad: usize,
) -> Array4<F> {
    let (ho, wo) = (output_side(h, k, pad), output_side(w, k, pad));
    assert_eq!(cols.dim(), (c * k * k, n * ho * wo), "col2im: cols shape");
    let mut x = Array4::<F>::zeros((n, c, h, w)); // (N, C, H, W)
    let dst = x.as_slice_mut().expect("fresh array is contiguous");
    for (row_index, row) in cols.rows().into_iter().enumerate() {
        let (ci, i, j) = (row_index / (k * k), (row_index / k) % k, row_index % k);
        let row = row.as_standard_layout();
        let src = row.as_slice().expect("standard layout");
        let (x0, x1) = valid_range(wo, w, j, pad);
        for ni in 0..n {
            for y in 0..ho {
                let Some(iy) = (y + i).checked_sub(pad).filter(|&iy| iy < h) else {
                    continue;
                };
                let s = (ni * ho + y) * wo;
                let d = ((ni * c + ci) * h + iy) * w + x0 + j - pad;
                for (acc, &v) in dst[d..d + (x1 - x0)].iter_mut().zip(&src[s + x0..s + x1]) {
                    *acc += v;
                }
            }
        }
    }
    x
}
