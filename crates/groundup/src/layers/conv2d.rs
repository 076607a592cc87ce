//! 2-D convolution, stride 1 (paper §4.3.1–4.3.2).
//!
//! ```text
//! y[n,o,y,x] = b[o] + Σ_c Σ_i Σ_j w[o,c,i,j] · x[n, c, y+i−p, x+j−p]
//! ```
//!
//! Backward, for δ = ∂E/∂y (§4.3.2): ∂W correlates the input with δ
//! (eq. 11), and ∂X convolves δ with the 180°-rotated filters (eq. 14).
//!
//! Two computations of the same sums, picked by the number type through
//! [`Real::conv2d_kernels`] (see [`crate::kernels::conv`]):
//!
//! ```text
//! im2col (f64: gradient checks)       direct (f32: training)
//! forward   Y  = W · cols              y[pos,o] = Σ x_pad[pos+tap]·W[tap,o]
//! backward  ∂W += δ · colsᵀ   eq. 11   ∂W[tap,o] += Σ_pos x_pad[pos+tap]·δ[pos,o]
//!           ∂X = col2im(Wᵀ·δ) eq. 14   ∂X = δ_pad correlated with rotated W
//! ```
//!
//! im2col copies every k×k patch into a column (k² times the input) so that
//! each step is one matrix product; [`crate::kernels::conv_direct`] reads the
//! taps straight from one zero-padded, channels-last copy of the input and
//! keeps register tiles over channels, which in wasm runs the paper CNN's
//! convolutions about twice as fast (bench/README.md, "After direct
//! convolution"). [`crate::kernels::conv_naive`] keeps the loop form as the
//! reference both are tested against.
//!
//! Padding "same" adds (k−1)/2 zeros on every side (k odd) so that the output
//! is as large as the input, as the paper did (footnote 10); "valid" adds none.

use ndarray::{Array1, ArrayD, Ix1, Ix4};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{Layer, Mode, Param, NO_CACHE};
use crate::kernels::conv::{ConvCache, ConvDims};
use crate::kernels::im2col::output_side;
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
    /// The last input in the form the kernels' backward reads (im2col
    /// columns, or the padded channels-last input): ∂E/∂W needs it. Its
    /// buffers are reused by every forward pass.
    cache: ConvCache<F>,
    /// Batch size of the last training forward pass, if backward may use `cache`.
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
            cache: ConvCache::default(),
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

    /// The shapes of a call with batch `n`.
    fn dims(&self, n: usize) -> ConvDims {
        let (c, h, w) = self.input_shape;
        ConvDims { n, c, h, w, o: self.filters, k: self.kernel, pad: self.pad() }
    }

    /// ∂W += (eq. 11), ∂b += Σ δ, and ∂X if `want_dx` (eq. 14).
    fn backward_with(&mut self, dy: ArrayD<F>, want_dx: bool) -> Option<ArrayD<F>> {
        let n = self.cached_batch.take().expect(NO_CACHE);
        let (ho, wo) = self.output_hw();
        let dy = dy.into_dimensionality::<Ix4>().expect("conv2d gradient is (N, O, Ho, Wo)");
        assert_eq!(dy.dim(), (n, self.filters, ho, wo), "conv2d gradient shape");
        let dims = self.dims(n);
        let w = self.weight.value.view().into_dimensionality::<Ix4>().expect("weight is (O, C, k, k)");
        let dw = self.weight.grad.view_mut().into_dimensionality::<Ix4>().expect("grad is (O, C, k, k)");
        let db = self.bias.as_mut().map(|b| b.grad.view_mut().into_dimensionality::<Ix1>().expect("1-D"));
        let dx = F::conv2d_kernels().backward(dims, &self.cache, w, dy.view(), dw, db, want_dx);
        dx.map(|dx| dx.into_dyn()) // (N, C, H, W)
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
        let dims = self.dims(n);
        let w = self.weight.value.view().into_dimensionality::<Ix4>().expect("weight is (O, C, k, k)");
        let b = self.bias.as_ref().map(|b| b.value.view().into_dimensionality::<Ix1>().expect("1-D"));
        let y = F::conv2d_kernels().forward(dims, x.view(), w, b, &mut self.cache);
        self.cached_batch = (mode == Mode::Train).then_some(n);
        y.into_dyn() // (N, O, Ho, Wo)
    }

    fn backward(&mut self, dy: ArrayD<F>) -> ArrayD<F> {
        self.backward_with(dy, true).expect("∂X was asked for")
    }

    fn backward_params_only(&mut self, dy: ArrayD<F>) {
        self.backward_with(dy, false);
    }

    fn params(&self) -> Vec<&Param<F>> {
        std::iter::once(&self.weight).chain(&self.bias).collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<F>> {
        std::iter::once(&mut self.weight).chain(&mut self.bias).collect()
    }
}
