//! 2-D convolution, stride 1 (paper §4.3.1–4.3.2).
//!
//! ```text
//! y[n,o,y,x] = b[o] + Σ_c Σ_i Σ_j w[o,c,i,j] · x[n, c, y+i−p, x+j−p]
//! ```
//!
//! Computed as one matrix product per batch (see [`crate::kernels::im2col`]):
//!
//! ```text
//! forward   Y  = W · cols                (O, C·k·k)·(C·k·k, N·Ho·Wo)
//! backward  ∂W += δ · colsᵀ              (O, N·Ho·Wo)·(N·Ho·Wo, C·k·k)   eq. 11
//!           ∂cols = Wᵀ · δ, ∂X = col2im(∂cols)                           eq. 14
//! ```
//!
//! The paper's backward (§4.3.2) — convolve δ with the 180°-rotated filters
//! for ∂X, correlate the input with δ for ∂W — is exactly these two products
//! with the loops arranged differently; [`crate::kernels::conv_naive`] keeps
//! the loop form as the reference.
//!
//! Padding "same" adds (k−1)/2 zeros on every side (k odd) so that the output
//! is as large as the input, as the paper did (footnote 10); "valid" adds none.

use ndarray::{Array1, Array2, ArrayD, Axis, Ix4};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{into_standard_layout, Layer, Mode, Param, NO_CACHE};
use crate::kernels::im2col::{col2im, im2col_into, output_side};
use crate::kernels::matmul::{mat_mul, mat_mul_into};
use crate::{Init, Real};

/// Zero padding of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// (k−1)/2 zeros each side: output side = input side. Needs an odd k.
    Same,
    /// No padding: output side = input side − k + 1.
    Valid,
}

impl Padding {
    /// Zeros added on each side for a k×k kernel.
    pub fn amount(self, kernel: usize) -> usize {
        match self {
            Padding::Same => (kernel - 1) / 2,
            Padding::Valid => 0,
        }
    }
}

pub struct Conv2d<F: Real> {
    input_shape: (usize, usize, usize), // (C, H, W)
    filters: usize,
    kernel: usize,
    padding: Padding,
    weight: Param<F>,       // (O, C, k, k)
    bias: Option<Param<F>>, // (O)
    /// The last input as columns: ∂E/∂W needs them. The buffer is reused
    /// by every forward pass (see [`im2col_into`]).
    cols: Array2<F>, // (C·k·k, N·Ho·Wo)
    /// Batch size of the last training forward pass, if backward may use `cols`.
    cached_batch: Option<usize>,
}

impl<F: Real> Conv2d<F> {
    pub fn new(
        input_shape: (usize, usize, usize),
        filters: usize,
        kernel: usize,
        padding: Padding,
        bias: bool,
        init: Init,
        rng: &mut impl Rng,
    ) -> Self {
        let channels = input_shape.0;
        let area = kernel * kernel;
        let shape = [filters, channels, kernel, kernel];
        let weight = Param::new("weight", init.sample(&shape, channels * area, filters * area, rng));
        let bias = bias.then(|| Param::new("bias", Array1::zeros(filters).into_dyn()));
        Self {
            input_shape,
            filters,
            kernel,
            padding,
            weight,
            bias,
            cols: Array2::zeros((0, 0)),
            cached_batch: None,
        }
    }

    fn pad(&self) -> usize {
        self.padding.amount(self.kernel)
    }

    fn output_hw(&self) -> (usize, usize) {
        let (_, h, w) = self.input_shape;
        (output_side(h, self.kernel, self.pad()), output_side(w, self.kernel, self.pad()))
    }

    /// ∂W += δ·colsᵀ and ∂b += Σ δ; returns δ as (O, N·Ho·Wo) and N.
    fn accumulate_param_grads(&mut self, dy: ArrayD<F>) -> (Array2<F>, usize) {
        let n = self.cached_batch.take().expect(NO_CACHE);
        let (ho, wo) = self.output_hw();
        let dy = dy.into_dimensionality::<Ix4>().expect("conv2d gradient is (N, O, Ho, Wo)");
        assert_eq!(dy.dim(), (n, self.filters, ho, wo), "conv2d gradient shape");
        // δ channel-major, to line up with the columns: (O, N·Ho·Wo).
        let delta = into_standard_layout(dy.permuted_axes([1, 0, 2, 3]).into_dyn())
            .into_shape_with_order((self.filters, n * ho * wo))
            .expect("contiguous");
        let ckk = self.cols.nrows();
        let mut dw =
            self.weight.grad.view_mut().into_shape_with_order((self.filters, ckk)).expect("contiguous");
        mat_mul_into(F::one(), delta.view(), self.cols.t(), F::one(), &mut dw);
        if let Some(b) = &mut self.bias {
            b.grad += &delta.sum_axis(Axis(1)).into_dyn();
        }
        (delta, n)
    }

    /// The filters as rows of a matrix.
    fn weight_matrix(&self) -> ndarray::ArrayView2<'_, F> {
        let (o, ckk) = (self.filters, self.input_shape.0 * self.kernel * self.kernel);
        self.weight.value.view().into_shape_with_order((o, ckk)).expect("weight is contiguous")
    }
}

impl<F: Real> Layer<F> for Conv2d<F> {
    fn describe(&self) -> String {
        let bias = if self.bias.is_some() { "" } else { ", no bias" };
        let pad = match self.padding {
            Padding::Same => "same",
            Padding::Valid => "valid",
        };
        format!("conv2d {}@{k}×{k} {pad}{bias}", self.filters, k = self.kernel)
    }

    fn output_shape(&self) -> Vec<usize> {
        let (ho, wo) = self.output_hw();
        vec![self.filters, ho, wo]
    }

    fn forward(&mut self, x: ArrayD<F>, mode: Mode) -> ArrayD<F> {
        let x = x.into_dimensionality::<Ix4>().expect("conv2d input is (N, C, H, W)"); // (N, C, H, W)
        let (n, c, h, w) = x.dim();
        assert_eq!((c, h, w), self.input_shape, "conv2d input shape");
        let (ho, wo) = self.output_hw();
        let mut cols = std::mem::take(&mut self.cols);
        im2col_into(x.view(), self.kernel, self.pad(), &mut cols); // (C·k·k, N·Ho·Wo)
        let y = mat_mul(self.weight_matrix(), cols.view()); // (O, N·Ho·Wo)
        self.cols = cols;
        // The product is channel-major; the batch axis goes first again.
        let y = y.into_shape_with_order((self.filters, n, ho, wo)).expect("contiguous"); // (O, N, Ho, Wo)
        let mut y = into_standard_layout(y.permuted_axes([1, 0, 2, 3]).into_dyn()); // (N, O, Ho, Wo)
        if let Some(b) = &self.bias {
            let b = b.value.view().into_shape_with_order((1, self.filters, 1, 1)).expect("1-D");
            y += &b;
        }
        self.cached_batch = (mode == Mode::Train).then_some(n);
        y
    }

    fn backward(&mut self, dy: ArrayD<F>) -> ArrayD<F> {
        let (delta, n) = self.accumulate_param_grads(dy); // (O, N·Ho·Wo)
        let dcols = mat_mul(self.weight_matrix().t(), delta.view()); // (C·k·k, N·Ho·Wo)
        let (c, h, w) = self.input_shape;
        col2im(dcols.view(), (n, c, h, w), self.kernel, self.pad()).into_dyn() // (N, C, H, W)
    }

    fn backward_params_only(&mut self, dy: ArrayD<F>) {
        self.accumulate_param_grads(dy);
    }

    fn params(&self) -> Vec<&Param<F>> {
        std::iter::once(&self.weight).chain(&self.bias).collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<F>> {
        std::iter::once(&mut self.weight).chain(&mut self.bias).collect()
    }
}
