//! Sum-of-squares error on a sigmoid output (paper eq. 2, 3, 7).
//!
//! ```text
//! y_k = σ(a_k)                                      (2)
//! E   = ½ Σ_k (y_k − t_k)²                          (7)
//! ∂E/∂a_k = (y_k − t_k) · y_k (1 − y_k)             (12 × σ′ from 3)
//! ```
//!
//! Eq. 12, δ_k = y_k − t_k, is ∂E/∂y_k; the sigmoid on the output adds the
//! factor σ′(a_k) = y_k(1 − y_k) by the chain rule (eq. 1). The sigmoid lives
//! here, fused with the error, just as softmax lives with cross-entropy.

use ndarray::{Array2, Zip};

use super::LossOutput;
use crate::layers::sigmoid;
use crate::Real;

/// Mean ½‖σ(a) − t‖² per example and the summed gradient w.r.t. `a`. (N, K), (N, K)
pub fn sigmoid_sum_of_squares<F: Real>(output: &Array2<F>, targets: &Array2<F>) -> LossOutput<F> {
    let y = output.mapv(sigmoid); // (N, K)
    let half = F::of(0.5);
    let n = F::of(output.nrows().max(1) as f64);
    let total = Zip::from(&y).and(targets).fold(F::zero(), |acc, &y, &t| acc + half * (y - t) * (y - t));
    let mut grad = Array2::zeros(y.raw_dim()); // (N, K)
    Zip::from(&mut grad).and(&y).and(targets).for_each(|g, &y, &t| *g = (y - t) * y * (F::one() - y));
    LossOutput { loss: total / n, grad, prediction: y }
}
