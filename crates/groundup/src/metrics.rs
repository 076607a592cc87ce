//! What training reports: per-batch and per-evaluation figures (paper
//! Fig. 13–14) and the confusion matrix.

use serde::{Deserialize, Serialize};

use crate::data::NUM_CLASSES;
use crate::Real;

/// One training step, as plotted per batch in the paper's Fig. 13.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchMetrics {
    /// 1-based count of steps taken.
    pub step: u64,
    /// 0-based epoch the batch belongs to.
    pub epoch: usize,
    pub batch_size: usize,
    /// Mean loss per example of this batch.
    pub loss: f64,
    /// Fraction of this batch classified correctly (before the step).
    pub accuracy: f64,
}

/// A pass over a whole data set without learning (paper Fig. 14).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalMetrics {
    /// Training steps taken when it ran.
    pub step: u64,
    pub examples: usize,
    pub loss: f64,
    pub accuracy: f64,
    pub confusion: ConfusionMatrix,
}

/// `counts[true][predicted]`: row = the digit it was, column = what the net said.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub counts: [[u32; NUM_CLASSES]; NUM_CLASSES],
}

impl ConfusionMatrix {
    pub fn add(&mut self, truth: u8, predicted: usize) {
        self.counts[truth as usize][predicted] += 1;
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    pub fn correct(&self) -> u32 {
        (0..NUM_CLASSES).map(|i| self.counts[i][i]).sum()
    }

    pub fn accuracy(&self) -> f64 {
        f64::from(self.correct()) / f64::from(self.total().max(1))
    }

    /// A fixed-width table for a terminal.
    pub fn to_table(&self) -> String {
        let mut s = String::from("true\\pred");
        for p in 0..NUM_CLASSES {
            s += &format!("{p:>6}");
        }
        s += "\n";
        for (t, row) in self.counts.iter().enumerate() {
            s += &format!("{t:>9}");
            for c in row {
                s += &format!("{c:>6}");
            }
            s += "\n";
        }
        s
    }
}

/// Index of the largest value in each row: the predicted class.
pub fn argmax_rows<F: Real>(scores: &ndarray::Array2<F>) -> Vec<usize> {
    scores
        .rows()
        .into_iter()
        .map(|row| {
            let mut best = 0;
            for (i, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}
