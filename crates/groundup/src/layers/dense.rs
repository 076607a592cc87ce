//! Fully connected layer (paper §4.2.1).
//!
//! Forward, eq. (4) for a whole batch at once:
//!
//! ```text
//! a_j = Σ_i w_ji z_i (+ b_j)        Y = X·W (+ b)     X: (N, in), W: (in, out)
//! ```
//!
//! Backward, with `δ = ∂E/∂Y` from the layer above:
//!
//! ```text
//! ∂E/∂w_ji = δ_j z_i     (eq. 11)   ∂E/∂W = Xᵀ·δ        (in, out)
//! ∂E/∂b_j  = δ_j                    ∂E/∂b = Σ_n δ_n      (out)
//! ∂E/∂z_i  = Σ_j w_ji δ_j (eq. 14)  ∂E/∂X = δ·Wᵀ        (N, in)
//! ```
//!
//! Eq. 14 also multiplies by σ′(a_j); here that factor belongs to the
//! activation layer that follows, so each layer stays one step of the chain rule.
//! The batch sums in `Xᵀ·δ` are why a mini-batch costs one matrix product,
//! not N vector products.

use ndarray::{Array1, Array2, ArrayD, Axis, Ix2};
use rand::Rng;

use super::{Layer, Mode, Param, NO_CACHE};
use crate::kernels::matmul::{mat_mul_batch, mat_mul_into};
use crate::{Init, Real};

pub struct Dense<F: Real> {
    inputs: usize,
    units: usize,
    weight: Param<F>,       // (in, out)
    bias: Option<Param<F>>, // (out)
    /// The input of the last training forward pass: ∂E/∂W needs it.
    x: Option<Array2<F>>, // (N, in)
}

impl<F: Real> Dense<F> {
    pub fn new(inputs: usize, units: usize, bias: bool, init: Init, rng: &mut impl Rng) -> Self {
        let weight = Param::new("weight", init.sample(&[inputs, units], inputs, units, rng));
        let bias = bias.then(|| Param::new("bias", Array1::zeros(units).into_dyn()));
        Self { inputs, units, weight, bias, x: None }
    }

    /// ∂W += Xᵀ·δ and ∂b += Σ_n δ_n; returns δ as a matrix for ∂X.
    fn accumulate_param_grads(&mut self, dy: ArrayD<F>) -> Array2<F> {
        let dy = dy.into_dimensionality::<Ix2>().expect("dense gradient is (N, out)"); // (N, out)
        let x = self.x.take().expect(NO_CACHE); // (N, in)
        let mut dw = self.weight.grad.view_mut().into_dimensionality::<Ix2>().expect("2-D");
        mat_mul_into(F::one(), x.t(), dy.view(), F::one(), &mut dw);
        if let Some(b) = &mut self.bias {
            b.grad += &dy.sum_axis(Axis(0)).into_dyn();
        }
        dy
    }

    fn weight(&self) -> ndarray::ArrayView2<'_, F> {
        self.weight.value.view().into_dimensionality::<Ix2>().expect("weight is 2-D")
    }
}

impl<F: Real> Layer<F> for Dense<F> {
    fn describe(&self) -> String {
        let bias = if self.bias.is_some() { "" } else { ", no bias" };
        format!("dense {}→{}{bias}", self.inputs, self.units)
    }

    fn output_shape(&self) -> Vec<usize> {
        vec![self.units]
    }

    fn forward(&mut self, x: ArrayD<F>, mode: Mode) -> ArrayD<F> {
        let x = x.into_dimensionality::<Ix2>().expect("dense input is (N, in)"); // (N, in)
        assert_eq!(x.ncols(), self.inputs, "dense expects {} inputs", self.inputs);
        let mut y = mat_mul_batch(x.view(), self.weight()); // (N, out)
        if let Some(b) = &self.bias {
            y += &b.value;
        }
        if mode == Mode::Train {
            self.x = Some(x);
        }
        y.into_dyn()
    }

    fn backward(&mut self, dy: ArrayD<F>) -> ArrayD<F> {
        let dy = self.accumulate_param_grads(dy); // (N, out)
        mat_mul_batch(dy.view(), self.weight().t()).into_dyn() // dX = δ·Wᵀ, (N, in)
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
