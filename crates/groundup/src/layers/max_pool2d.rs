//! Max pooling, s×s window, stride s (paper §4.3.1, Fig. 10; backward
//! "backpooling", §4.3.2, Fig. 12):
//!
//! ```text
//! y[n,c,y,x] = max over (i, j) in the window of x[n, c, s·y+i, s·x+j]
//! ∂E/∂x = ∂E/∂y at the window's maximum, 0 elsewhere
//! ```
//!
//! Forward remembers *where* in its window each maximum was (one byte per
//! output); that is all backward needs.

use ndarray::{ArrayD, Ix4};

use super::{Layer, Mode, NO_CACHE};
use crate::kernels::pool::{max_pool_backward, max_pool_forward};
use crate::Real;

pub struct MaxPool2d {
    input_shape: (usize, usize, usize), // (C, H, W)
    size: usize,
    /// The window tap of each output's maximum in the last training input.
    taps: Option<(Vec<u8>, usize)>, // ((N·C·Ho·Wo), N)
}

impl MaxPool2d {
    pub fn new(input_shape: (usize, usize, usize), size: usize) -> Self {
        Self { input_shape, size, taps: None }
    }
}

impl<F: Real> Layer<F> for MaxPool2d {
    fn describe(&self) -> String {
        format!("max pool {s}×{s}", s = self.size)
    }

    fn output_shape(&self) -> Vec<usize> {
        let (c, h, w) = self.input_shape;
        vec![c, h / self.size, w / self.size]
    }

    fn forward(&mut self, x: ArrayD<F>, mode: Mode) -> ArrayD<F> {
        let x = x.into_dimensionality::<Ix4>().expect("max pool input is (N, C, H, W)"); // (N, C, H, W)
        let n = x.dim().0;
        let (y, taps) = max_pool_forward(x.view(), self.size); // (N, C, H/s, W/s)
        if mode == Mode::Train {
            self.taps = Some((taps, n));
        }
        y.into_dyn()
    }

    fn backward(&mut self, dy: ArrayD<F>) -> ArrayD<F> {
        let (taps, n) = self.taps.take().expect(NO_CACHE);
        let dy = dy.into_dimensionality::<Ix4>().expect("max pool gradient is (N, C, Ho, Wo)");
        let (c, h, w) = self.input_shape;
        max_pool_backward(dy.view(), &taps, self.size, (n, c, h, w)).into_dyn() // (N, C, H, W)
    }
}
