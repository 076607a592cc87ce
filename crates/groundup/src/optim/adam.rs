//! Adam (Kingma & Ba, 2015): per-weight step sizes from running estimates of
//! the gradient's first and second moments.
//!
//! ```text
//! m ← β₁ m + (1 − β₁) g              mean of g
//! v ← β₂ v + (1 − β₂) g²             mean of g²
//! m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)     (both start at 0: undo the bias)
//! W ← W − α m̂ / (√v̂ + ε)
//! ```
//!
//! Each weight moves by about α per step whatever the scale of its gradient,
//! which is why one learning rate (0.001) suits most networks.

use ndarray::{ArrayD, Zip};

use crate::layers::Param;
use crate::Real;

#[derive(Clone, Debug)]
pub struct Adam<F: Real> {
    pub learning_rate: F,
    pub beta1: F,
    pub beta2: F,
    pub epsilon: F,
    /// Steps taken, for the bias correction.
    t: i32,
    /// First and second moment per parameter tensor, created on the first step.
    moments: Vec<(ArrayD<F>, ArrayD<F>)>,
}

impl<F: Real> Adam<F> {
    pub fn new(learning_rate: F, beta1: F, beta2: F, epsilon: F) -> Self {
        Self { learning_rate, beta1, beta2, epsilon, t: 0, moments: Vec::new() }
    }

    /// See [`Optimizer::step_into`](super::Optimizer::step_into).
    pub fn step_into(&mut self, params: &[&Param<F>], grad_scale: F, next: &mut [ArrayD<F>]) -> bool {
        if self.moments.is_empty() {
            let zeros = |p: &Param<F>| ArrayD::zeros(p.value.raw_dim());
            self.moments = params.iter().map(|p| (zeros(p), zeros(p))).collect();
        }
        self.t = self.t.saturating_add(1);
        let (b1, b2, eps) = (self.beta1, self.beta2, self.epsilon);
        let one = F::one();
        // Fold both bias corrections into the step size: α·√(1−β₂ᵗ)/(1−β₁ᵗ).
        let correction1 = one - b1.powi(self.t);
        let correction2 = one - b2.powi(self.t);
        let lr = self.learning_rate / correction1;
        let mut finite = true;
        for ((p, (m, v)), next) in params.iter().zip(&mut self.moments).zip(next) {
            finite &= Zip::from(next).and(&p.value).and(m).and(v).and(&p.grad).fold(
                true,
                |finite, next, &w, m, v, &g| {
                    let g = g * grad_scale;
                    *m = b1 * *m + (one - b1) * g;
                    *v = b2 * *v + (one - b2) * g * g;
                    *next = w - lr * *m / ((*v / correction2).sqrt() + eps);
                    finite & next.is_finite()
                },
            );
        }
        finite
    }
}
