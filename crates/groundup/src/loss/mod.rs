//! Error functions. A loss is not a layer: it turns the network's last
//! output and the targets into one number `E` and the δ's of the output
//! units, `∂E/∂output` — where backpropagation starts (paper eq. 12).

mod softmax_cross_entropy;
mod sum_of_squares;

pub use softmax_cross_entropy::{log_softmax, softmax, softmax_cross_entropy};
pub use sum_of_squares::sigmoid_sum_of_squares;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::Real;

/// What the network's last layer feeds, and so what its outputs mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Softmax over the outputs, cross-entropy against one-hot targets
    /// (eq. 17–18). Outputs are logits; probabilities come from `softmax`.
    SoftmaxCrossEntropy,
    /// A sigmoid on each output, sum-of-squares error (eq. 2, 7).
    SigmoidSumOfSquares,
}

/// How a mini-batch's per-example gradients are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduction {
    /// The mean: the step size does not depend on the batch size.
    Mean,
    /// The sum, as the paper did (§4.2.5: "summed up all of the gradients
    /// from the current batch"): a batch of 500 steps 500× as far.
    Sum,
}

/// A batch's error and where backpropagation starts.
#[derive(Clone, Debug)]
pub struct LossOutput<F: Real> {
    /// Mean error per example (whatever the [`Reduction`]), for reporting.
    pub loss: F,
    /// ∂E/∂output, reduced as asked. (N, K)
    pub grad: Array2<F>,
    /// The output mapped to what it means: probabilities for softmax, the
    /// sigmoid of each output for sum-of-squares. (N, K)
    pub prediction: Array2<F>,
}

impl Objective {
    /// The error of `output` (N, K) against `targets` (N, K).
    pub fn evaluate<F: Real>(
        self,
        output: &Array2<F>,
        targets: &Array2<F>,
        reduction: Reduction,
    ) -> LossOutput<F> {
        assert_eq!(output.dim(), targets.dim(), "output and targets differ in shape");
        let mut out = match self {
            Objective::SoftmaxCrossEntropy => softmax_cross_entropy(output, targets),
            Objective::SigmoidSumOfSquares => sigmoid_sum_of_squares(output, targets),
        };
        // Both kernels return the *summed* gradient; a mean divides by N.
        if reduction == Reduction::Mean {
            let n = F::of(output.nrows().max(1) as f64);
            out.grad.mapv_inplace(|g| g / n);
        }
        out
    }

    /// The output mapped to what it means (see [`LossOutput::prediction`]).
    pub fn predict<F: Real>(self, output: &Array2<F>) -> Array2<F> {
        match self {
            Objective::SoftmaxCrossEntropy => softmax(output),
            Objective::SigmoidSumOfSquares => output.mapv(crate::layers::sigmoid),
        }
    }
}

/// Labels 0–9 as one-hot rows (paper §4.1: 4 → `[0,0,0,0,1,0,0,0,0,0]`). (N, classes)
///
/// Every label must be below `classes`: [`check_labels`] says so as an
/// error, and [`ModelSpec::fits_data`](crate::ModelSpec::fits_data) where a
/// model meets data makes sure (data labels are digits, and the model has
/// one output per digit). A label that is not is a programmer error: a
/// debug build stops on it; a release build, where a panic would abort the
/// process (or the browser's worker), leaves that row all zeros — a target
/// that teaches nothing — rather than index out of bounds.
pub fn one_hot<F: Real>(labels: &[u8], classes: usize) -> Array2<F> {
    debug_assert!(check_labels(labels, classes).is_ok(), "{:?}", check_labels(labels, classes));
    let mut t = Array2::zeros((labels.len(), classes));
    for (mut row, &label) in t.rows_mut().into_iter().zip(labels) {
        if let Some(target) = row.get_mut(usize::from(label)) {
            *target = F::one();
        }
    }
    t
}

/// Checks that every label has an output to be the target of: each is
/// below `classes`.
pub fn check_labels(labels: &[u8], classes: usize) -> Result<(), crate::ConfigError> {
    match labels.iter().position(|&l| usize::from(l) >= classes) {
        None => Ok(()),
        Some(i) => Err(crate::ConfigError::new(
            "labels",
            format!("label {i} is {}, but the model has only {classes} outputs", labels[i]),
        )),
    }
}
