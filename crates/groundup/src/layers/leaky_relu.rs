//! Leaky ReLU, element-wise (paper §4.3.1, footnote 8):
//!
//! ```text
//! y = x if x > 0, else α·x       ∂y/∂x = 1 if x > 0, else α
//! ```
//!
//! The small slope α (the paper's CNN: 0.01) keeps a gradient flowing through
//! units that a plain ReLU would switch off for good.

use ndarray::{ArrayD, Zip};

use super::{Layer, Mode, NO_CACHE};
use crate::Real;

pub struct LeakyRelu<F: Real> {
    shape: Vec<usize>,
    alpha: F,
    /// The last training output. For α ≥ 0 its sign is the input's, which
    /// picks the slope. (Copying y is a memcpy; mapping x into a new array
    /// would be a slower element-wise pass.)
    y: Option<ArrayD<F>>, // (N, …)
}

impl<F: Real> LeakyRelu<F> {
    pub fn new(shape: Vec<usize>, alpha: F) -> Self {
        Self { shape, alpha, y: None }
    }
}

impl<F: Real> Layer<F> for LeakyRelu<F> {
    fn describe(&self) -> String {
        format!("leaky relu α={}", self.alpha)
    }

    fn output_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    fn forward(&mut self, mut x: ArrayD<F>, mode: Mode) -> ArrayD<F> {
        let alpha = self.alpha;
        x.mapv_inplace(|v| if v > F::zero() { v } else { alpha * v });
        if mode == Mode::Train {
            self.y = Some(x.clone());
        }
        x
    }

    fn backward(&mut self, mut dy: ArrayD<F>) -> ArrayD<F> {
        let y = self.y.take().expect(NO_CACHE);
        let alpha = self.alpha;
        // A select, not a branch: the signs of a layer's outputs are random,
        // and a mispredicted branch per element made this 10× slower than
        // forward (measured in bench/kernels).
        Zip::from(&mut dy).and(&y).for_each(|d, &y| *d *= if y > F::zero() { F::one() } else { alpha });
        dy
    }
}
