//! Plain gradient descent, paper eq. 15:
//!
//! ```text
//! W_new = W_old − α ∇E
//! ```
//!
//! Stateless. Whether ∇E is the batch's mean or sum gradient is decided by the
//! loss's [`Reduction`](crate::loss::Reduction), not here.

use ndarray::Zip;

use crate::layers::Param;
use crate::Real;

#[derive(Clone, Debug)]
pub struct Sgd<F: Real> {
    pub learning_rate: F,
}

impl<F: Real> Sgd<F> {
    pub fn new(learning_rate: F) -> Self {
        Self { learning_rate }
    }

    pub fn step(&mut self, params: &mut [&mut Param<F>]) {
        let lr = self.learning_rate;
        for p in params.iter_mut() {
            Zip::from(&mut p.value).and(&p.grad).for_each(|w, &g| *w -= lr * g);
        }
    }
}
