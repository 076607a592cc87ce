//! Measuring a network without learning (paper §4.2.3, Fig. 14): loss,
//! accuracy and the confusion matrix over a data set.
//!
//! An evaluation is a sum over images, so it can be taken in pieces — by
//! a browser worker that must stay responsive between them, or by several
//! workers at once — and the pieces added: [`EvalSums`].

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::data::{Dataset, NUM_CLASSES};
use crate::layers::Mode;
use crate::loss::{one_hot, Reduction};
use crate::metrics::{argmax_rows, ConfusionMatrix, EvalMetrics};
use crate::{Network, TrainError};

/// Images per forward pass when evaluating: big enough for fast matrix
/// products (a CNN's second convolution is then a product 25,088 columns
/// wide), small enough that its im2col buffer stays ~20 MB — at 1,000
/// images it was 157 MB, more than all of MNIST.
const EVAL_BATCH: usize = 128;

/// What a piece of an evaluation adds up to. Pieces computed anywhere add
/// up to the evaluation of their union.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvalSums {
    pub examples: usize,
    /// Σ of the examples' losses; not finite if the output overflowed.
    /// (`null` reads as NaN: JSON, which carries these between workers'
    /// checks, has no NaN.)
    #[serde(deserialize_with = "nan_if_null")]
    pub loss_sum: f64,
    pub confusion: ConfusionMatrix,
}

/// A number, or NaN for `null`.
pub fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

impl EvalSums {
    pub fn add(&mut self, other: &EvalSums) {
        self.examples += other.examples;
        self.loss_sum += other.loss_sum;
        for (row, other_row) in self.confusion.counts.iter_mut().zip(&other.confusion.counts) {
            for (c, o) in row.iter_mut().zip(other_row) {
                *c = c.saturating_add(*o);
            }
        }
    }

    /// Whether the numbers hang together: a finite loss and one confusion
    /// count per example.
    pub fn is_consistent(&self) -> bool {
        self.loss_sum.is_finite() && self.confusion.total() as usize == self.examples
    }

    /// The mean loss and accuracy, at training step `step`.
    pub fn metrics(&self, step: u64) -> EvalMetrics {
        EvalMetrics {
            step,
            examples: self.examples,
            loss: self.loss_sum / self.examples.max(1) as f64,
            accuracy: self.confusion.accuracy(),
            confusion: self.confusion.clone(),
        }
    }
}

/// The sums of `network` over the examples `range` of `data` (clamped to
/// it). Never fails: if the output overflows, the loss sum is NaN and the
/// rest of the range is skipped (counted, so the pieces still add up).
pub fn evaluation_sums(network: &mut Network<f32>, data: &Dataset, range: Range<usize>) -> EvalSums {
    let objective = network.spec().objective;
    let end = range.end.min(data.len());
    let indices: Vec<usize> = (range.start.min(end)..end).collect();
    let mut sums = EvalSums { examples: indices.len(), ..EvalSums::default() };
    for chunk in indices.chunks(EVAL_BATCH) {
        let (x, labels) = data.batch(chunk);
        let output = network.forward(x, Mode::Infer);
        let targets = one_hot(&labels, output.ncols());
        let loss = objective.evaluate(&output, &targets, Reduction::Sum);
        if !loss.loss.is_finite() {
            sums.loss_sum = f64::NAN;
            return sums;
        }
        sums.loss_sum += f64::from(loss.loss) * labels.len() as f64;
        for (&p, &l) in argmax_rows(&loss.prediction).iter().zip(&labels) {
            sums.confusion.add(l, p.min(NUM_CLASSES - 1));
        }
    }
    sums
}

/// Loss, accuracy and confusion matrix of `network` over `data`.
pub fn evaluate(network: &mut Network<f32>, data: &Dataset) -> Result<EvalMetrics, TrainError> {
    evaluate_range(network, data, 0..data.len())
}

/// As [`evaluate`], over the examples `range` of `data` only (clamped to it).
/// An output that overflows is [`TrainError::NonFiniteOutput`].
pub fn evaluate_range(
    network: &mut Network<f32>,
    data: &Dataset,
    range: Range<usize>,
) -> Result<EvalMetrics, TrainError> {
    let sums = evaluation_sums(network, data, range);
    if !sums.loss_sum.is_finite() {
        return Err(TrainError::NonFiniteOutput { what: format!("{} evaluation images", sums.examples) });
    }
    Ok(sums.metrics(0))
}
