//! Logistic sigmoid, element-wise (paper eq. 2 and 3):
//!
//! ```text
//! σ(x) = 1 / (1 + e^(−x))        σ′(x) = σ(x)·(1 − σ(x))
//! ```
//!
//! Backward needs only the output y = σ(x), which is why eq. 3 is written in
//! terms of it: `∂E/∂x = ∂E/∂y · y·(1 − y)`.
//!
//! In f32 the forward pass uses [`sigmoid_f32`], the same function in a
//! form that vectorises (`sigmoid_f32.rs`).

use std::any::Any;

use ndarray::{ArrayD, Zip};

use super::sigmoid_f32::sigmoid_f32;
use super::{Layer, Mode, NO_CACHE};
use crate::Real;

pub struct Sigmoid<F: Real> {
    shape: Vec<usize>,
    /// The output of the last training forward pass.
    y: Option<ArrayD<F>>, // (N, …)
}

impl<F: Real> Sigmoid<F> {
    pub fn new(shape: Vec<usize>) -> Self {
        Self { shape, y: None }
    }
}

/// σ(x) without overflow: for x < 0, e^(−x) could be +∞, so use the
/// equivalent e^x / (1 + e^x), whose exponential is at most 1.
pub fn sigmoid<F: Real>(x: F) -> F {
    if x >= F::zero() {
        F::one() / (F::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (F::one() + e)
    }
}

impl<F: Real> Layer<F> for Sigmoid<F> {
    fn describe(&self) -> String {
        "sigmoid".into()
    }

    fn output_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    fn forward(&mut self, mut x: ArrayD<F>, mode: Mode) -> ArrayD<F> {
        // Training (f32) takes the vectorised form; f64 (gradient checks) the exact one.
        match (&mut x as &mut dyn Any).downcast_mut::<ArrayD<f32>>() {
            Some(x) => x.mapv_inplace(sigmoid_f32),
            None => x.mapv_inplace(sigmoid),
        }
        if mode == Mode::Train {
            self.y = Some(x.clone());
        }
        x
    }

    fn backward(&mut self, mut dy: ArrayD<F>) -> ArrayD<F> {
        let y = self.y.take().expect(NO_CACHE);
        Zip::from(&mut dy).and(&y).for_each(|d, &y| *d *= y * (F::one() - y));
        dy
    }
}
