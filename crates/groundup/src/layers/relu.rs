//! Rectified linear unit, element-wise (paper footnote 8):
//!
//! ```text
//! y = max(0, x)          ∂y/∂x = 1 if x > 0, else 0
//! ```
//!
//! The derivative at exactly 0 is taken as 0 (a subgradient).

use ndarray::{ArrayD, Zip};

use super::{Layer, Mode, NO_CACHE};
use crate::Real;

pub struct Relu<F: Real> {
    shape: Vec<usize>,
    /// The last training output: y > 0 exactly where x > 0.
    y: Option<ArrayD<F>>, // (N, …)
}

impl<F: Real> Relu<F> {
    pub fn new(shape: Vec<usize>) -> Self {
        Self { shape, y: None }
    }
}

impl<F: Real> Layer<F> for Relu<F> {
    fn describe(&self) -> String {
        "relu".into()
    }

    fn output_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    fn forward(&mut self, mut x: ArrayD<F>, mode: Mode) -> ArrayD<F> {
        x.mapv_inplace(|v| v.max(F::zero()));
        if mode == Mode::Train {
            self.y = Some(x.clone());
        }
        x
    }

    fn backward(&mut self, mut dy: ArrayD<F>) -> ArrayD<F> {
        let y = self.y.take().expect(NO_CACHE);
        // A select, not a branch (see leaky_relu.rs).
        Zip::from(&mut dy).and(&y).for_each(|d, &y| *d = if y > F::zero() { *d } else { F::zero() });
        dy
    }
}
