//! Flatten: `(N, C, H, W)` → `(N, C·H·W)` (paper §4.3.1: "the activation maps
//! are chained together and stretched into a one-dimensional vector").
//!
//! Pure bookkeeping: the data does not move, and backward reshapes the
//! gradient back. Row-major order, so feature `c·H·W + h·W + w` is pixel
//! `(h, w)` of map `c`.

use ndarray::{ArrayD, IxDyn};

use super::{into_standard_layout, Layer, Mode};
use crate::Real;

pub struct Flatten {
    input_shape: Vec<usize>, // (C, H, W)
}

impl Flatten {
    pub fn new(input_shape: Vec<usize>) -> Self {
        Self { input_shape }
    }

    fn features(&self) -> usize {
        self.input_shape.iter().product()
    }
}

impl<F: Real> Layer<F> for Flatten {
    fn describe(&self) -> String {
        format!("flatten {:?}→{}", self.input_shape, self.features())
    }

    fn output_shape(&self) -> Vec<usize> {
        vec![self.features()]
    }

    fn forward(&mut self, x: ArrayD<F>, _mode: Mode) -> ArrayD<F> {
        let n = x.shape()[0];
        into_standard_layout(x)
            .into_shape_with_order(IxDyn(&[n, self.features()]))
            .expect("flatten input matches its declared shape")
    }

    fn backward(&mut self, dy: ArrayD<F>) -> ArrayD<F> {
        let n = dy.shape()[0];
        let shape: Vec<usize> = std::iter::once(n).chain(self.input_shape.iter().copied()).collect();
        into_standard_layout(dy)
            .into_shape_with_order(IxDyn(&shape))
            .expect("flatten gradient matches its output shape")
    }
}
