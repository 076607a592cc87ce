//! Softmax and cross-entropy, fused (paper §3.5, eq. 17–18).
//!
//! ```text
//! y_k = e^{a_k} / Σ_c e^{a_c}               (17)
//! E   = −Σ_k t_k log y_k                     (18)
//! ∂E/∂a_k = y_k − t_k                        (12, for Σ t = 1)
//! ```
//!
//! Fusing them is what keeps this stable. Computed separately, `e^{a}`
//! overflows for a logit above ~88 (f32) and `log y` is `log 0 = −∞` once a
//! probability underflows — the NaNs that ended the paper's CNN (§5). In log
//! space with the log-sum-exp trick nothing overflows:
//!
//! ```text
//! log y_k = a_k − m − log Σ_c e^{a_c − m},   m = max_c a_c
//! ```
//!
//! every exponent is ≤ 0, the sum is ≥ 1, and the gradient `y − t` is the
//! difference of two numbers in [0, 1].

use ndarray::{Array2, Axis, Zip};

use super::LossOutput;
use crate::Real;

/// `log softmax` of each row, by log-sum-exp. (N, K) → (N, K)
pub fn log_softmax<F: Real>(logits: &Array2<F>) -> Array2<F> {
    let mut out = logits.clone();
    for mut row in out.rows_mut() {
        let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
        let log_sum = row.iter().map(|&v| (v - max).exp()).sum::<F>().ln();
        row.mapv_inplace(|v| v - max - log_sum);
    }
    out
}

/// Softmax of each row (eq. 17), computed stably. (N, K) → (N, K)
pub fn softmax<F: Real>(logits: &Array2<F>) -> Array2<F> {
    log_softmax(logits).mapv(F::exp)
}

/// `e^{log p}`, with a probability too small for a normal float (below
/// e^−87 in f32) flushed to 0. It is 0 for every purpose, but as a
/// subnormal it would make every multiply it enters downstream (∂W = Xᵀ·δ
/// and δ·Wᵀ of the last layer) take a microcode assist on x86, ~100× the
/// cost: the paper MLP's last ∂W product took 7.5 ms of a 29 ms batch-500
/// step (0.8 GFLOP/s) with subnormal δ's, 0.19 ms without (`groundup bench`).
fn probability<F: Real>(log_p: F) -> F {
    let p = log_p.exp();
    if p < F::min_positive_value() {
        F::zero()
    } else {
        p
    }
}

/// Mean cross-entropy of softmax(logits) against `targets`, and the summed
/// gradient `p − t`. (N, K), (N, K)
pub fn softmax_cross_entropy<F: Real>(logits: &Array2<F>, targets: &Array2<F>) -> LossOutput<F> {
    let log_p = log_softmax(logits); // (N, K)
    let n = F::of(logits.nrows().max(1) as f64);
    let total: F = Zip::from(&log_p).and(targets).fold(F::zero(), |acc, &lp, &t| {
        // 0·log 0 is 0 in the limit; skipping it keeps −∞·0 from making NaN.
        if t == F::zero() {
            acc
        } else {
            acc - t * lp
        }
    });
    let p = log_p.mapv(probability); // (N, K)
                                     // For targets that are distributions (Σ_k t_k = 1) this is p − t.
    let target_mass = targets.sum_axis(Axis(1)).insert_axis(Axis(1)); // (N, 1)
    let grad = &p * &target_mass - targets; // (N, K)
    LossOutput { loss: total / n, grad, prediction: p }
}
