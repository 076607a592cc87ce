//! The two ways [`crate::layers::Conv2d`] computes a stride-1 convolution,
//! behind one trait so that the layer picks per number type
//! ([`crate::Real::conv2d_kernels`]), as products are picked through
//! [`crate::Real::mat_mul_into`]:
//!
//! - [`Im2colConv`] (f64, gradient checks; and the reference layout): the
//!   convolution as matrix products over im2col columns
//!   ([`super::im2col`]), `Y = W·cols`, `∂W += δ·colsᵀ`,
//!   `∂X = col2im(Wᵀ·δ)`.
//! - [`super::conv_direct::DirectConv`] (f32, training): the same sums
//!   straight from a zero-padded channels-last copy of the input, no columns.
//!
//! Both compute, with zero padding `p` (paper §4.3, eqs. 11 and 14):
//!
//! ```text
//! y[n,o,y,x]    = b[o] + Σ_c Σ_i Σ_j w[o,c,i,j] · x[n, c, y+i−p, x+j−p]
//! ∂w[o,c,i,j]  += Σ_n Σ_y Σ_x δ[n,o,y,x] · x[n, c, y+i−p, x+j−p]
//! ∂b[o]        += Σ_n Σ_y Σ_x δ[n,o,y,x]
//! ∂x[n,c,y',x'] = Σ_o Σ_i Σ_j δ[n, o, y'−i+p, x'−j+p] · w[o,c,i,j]
//! ```

use ndarray::{Array2, Array4, ArrayView1, ArrayView2, ArrayView4, ArrayViewMut1, ArrayViewMut4, Axis};

use super::im2col::{col2im, im2col_into};
use super::matmul::{mat_mul, mat_mul_into};
use crate::Real;

/// What a forward pass keeps for backward, reused from call to call (a
/// training step's worth of columns is megabytes; reusing the memory saves
/// the page faults of a fresh allocation). Each kernel fills its own field.
#[derive(Debug, Default)]
pub struct ConvCache<F> {
    /// [`Im2colConv`]: the input as columns, (C·k·k, N·Ho·Wo).
    pub cols: Option<Array2<F>>,
    /// [`super::conv_direct::DirectConv`]: the input zero-padded,
    /// channels-last, (N, H+2p, W+2p, C) flattened.
    pub padded: Vec<F>,
}

/// Shapes of one call, all checked by the caller (the layer's own shapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvDims {
    /// Batch size N.
    pub n: usize,
    /// Input channels C, height H, width W.
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Filters O and their side k.
    pub o: usize,
    pub k: usize,
    /// Zeros added on each side.
    pub pad: usize,
}

impl ConvDims {
    /// Output height and width: `side + 2·pad − k + 1`.
    pub fn out_hw(&self) -> (usize, usize) {
        (self.h + 2 * self.pad + 1 - self.k, self.w + 2 * self.pad + 1 - self.k)
    }
}

/// One way of computing a convolution layer's forward and backward.
pub trait ConvKernels<F: Real>: Sync {
    /// x (N, C, H, W), w (O, C, k, k), b (O) → y (N, O, Ho, Wo); keeps in
    /// `cache` what [`backward`](Self::backward) needs.
    fn forward(
        &self,
        dims: ConvDims,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        b: Option<ArrayView1<F>>,
        cache: &mut ConvCache<F>,
    ) -> Array4<F>;

    /// Adds ∂E/∂w into `dw` (O, C, k, k) and ∂E/∂b into `db`, for δ = `dy`
    /// (N, O, Ho, Wo) and the input `cache` kept by the last forward; returns
    /// ∂E/∂x (N, C, H, W) if `want_dx`.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        dims: ConvDims,
        cache: &ConvCache<F>,
        w: ArrayView4<F>,
        dy: ArrayView4<F>,
        dw: ArrayViewMut4<F>,
        db: Option<ArrayViewMut1<F>>,
        want_dx: bool,
    ) -> Option<Array4<F>>;
}

/// The convolution as matrix products over im2col columns (module doc).
pub struct Im2colConv;

impl<F: Real> ConvKernels<F> for Im2colConv {
    fn forward(
        &self,
        dims: ConvDims,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        b: Option<ArrayView1<F>>,
        cache: &mut ConvCache<F>,
    ) -> Array4<F> {
        let (n, o) = (dims.n, dims.o);
        let (ho, wo) = dims.out_hw();
        let mut cols = cache.cols.take().unwrap_or_else(|| Array2::zeros((0, 0)));
        im2col_into(x, dims.k, dims.pad, &mut cols); // (C·k·k, N·Ho·Wo)
        let y = mat_mul(weight_matrix(w), cols.view()); // (O, N·Ho·Wo)
        cache.cols = Some(cols);
        // The product is channel-major; the batch axis goes first again.
        let y = y.into_shape_with_order((o, n, ho, wo)).expect("contiguous"); // (O, N, Ho, Wo)
        let mut y = y.permuted_axes([1, 0, 2, 3]).as_standard_layout().into_owned(); // (N, O, Ho, Wo)
        if let Some(b) = b {
            y += &b.into_shape_with_order((1, o, 1, 1)).expect("1-D");
        }
        y
    }

    fn backward(
        &self,
        dims: ConvDims,
        cache: &ConvCache<F>,
        w: ArrayView4<F>,
        dy: ArrayView4<F>,
        dw: ArrayViewMut4<F>,
        db: Option<ArrayViewMut1<F>>,
        want_dx: bool,
    ) -> Option<Array4<F>> {
        let cols = cache.cols.as_ref().expect("forward ran first");
        let (ho, wo) = dims.out_hw();
        // δ channel-major, to line up with the columns: (O, N·Ho·Wo).
        let delta = dy
            .permuted_axes([1, 0, 2, 3])
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((dims.o, dims.n * ho * wo))
            .expect("contiguous");
        let mut dw = dw.into_shape_with_order((dims.o, cols.nrows())).expect("contiguous");
        mat_mul_into(F::one(), delta.view(), cols.t(), F::one(), &mut dw);
        if let Some(mut db) = db {
            db += &delta.sum_axis(Axis(1));
        }
        want_dx.then(|| {
            let dcols = mat_mul(weight_matrix(w).t(), delta.view()); // (C·k·k, N·Ho·Wo)
            col2im(dcols.view(), (dims.n, dims.c, dims.h, dims.w), dims.k, dims.pad)
            // (N, C, H, W)
        })
    }
}

/// The filters as rows of a matrix: (O, C·k·k).
fn weight_matrix<F: Real>(w: ArrayView4<'_, F>) -> ArrayView2<'_, F> {
    let (o, c, k, _) = w.dim();
    w.into_shape_with_order((o, c * k * k)).expect("weight is contiguous")
}
