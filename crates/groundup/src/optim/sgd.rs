//! Plain gradient descent, paper eq. 15:
//!
//! ```text
//! W_new = W_old − α ∇E
//! ```
//!
//! Stateless. Whether ∇E is the batch's mean or sum gradient is decided by the
//! loss's [`Reduction`](crate::loss::Reduction), not here.

use ndarray::{ArrayD, Zip};

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

    /// See [`Optimizer::step_into`](super::Optimizer::step_into).
    pub fn step_into(&mut self, params: &[&Param<F>], grad_scale: F, next: &mut [ArrayD<F>]) -> bool {
        let lr = self.learning_rate;
        let mut finite = true;
        for (p, next) in params.iter().zip(next) {
            finite &= Zip::from(next).and(&p.value).and(&p.grad).fold(true, |finite, next, &w, &g| {
                *next = w - lr * (g * grad_scale);
                finite & next.is_finite()
            });
        }
        finite
    }
}
