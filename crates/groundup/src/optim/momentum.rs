//! SGD with momentum (heavy ball):
//!
//! ```text
//! v ← μ v + ∇E
//! W ← W − α v
//! ```
//!
//! The velocity `v` averages recent gradients, so steps along a consistent
//! direction grow (up to 1/(1−μ) times) while zig-zags across a valley cancel.

use ndarray::{ArrayD, Zip};

use crate::layers::Param;
use crate::Real;

#[derive(Clone, Debug)]
pub struct Momentum<F: Real> {
    pub learning_rate: F,
    pub momentum: F,
    /// One velocity per parameter tensor, created on the first step.
    velocity: Vec<ArrayD<F>>,
}

impl<F: Real> Momentum<F> {
    pub fn new(learning_rate: F, momentum: F) -> Self {
        Self { learning_rate, momentum, velocity: Vec::new() }
    }

    /// See [`Optimizer::step_into`](super::Optimizer::step_into).
    pub fn step_into(&mut self, params: &[&Param<F>], grad_scale: F, next: &mut [ArrayD<F>]) -> bool {
        if self.velocity.is_empty() {
            self.velocity = params.iter().map(|p| ArrayD::zeros(p.value.raw_dim())).collect();
        }
        let (lr, mu) = (self.learning_rate, self.momentum);
        let mut finite = true;
        for ((p, v), next) in params.iter().zip(&mut self.velocity).zip(next) {
            finite &=
                Zip::from(next).and(&p.value).and(v).and(&p.grad).fold(true, |finite, next, &w, v, &g| {
                    *v = mu * *v + g * grad_scale;
                    *next = w - lr * *v;
                    finite & next.is_finite()
                });
        }
        finite
    }
}
