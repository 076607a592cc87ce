//! The gradient check as a run: eq. 16 in f64 on a copy of the caller's
//! weights, one parameter tensor per unit of work
//! ([`crate::gradcheck::check_tensor`]), against the labels of a few test
//! images.

use ndarray::Array2;

use super::inputs::RunImages;
use super::results::{GradcheckReport, GradcheckRow, RunResult, Tolerance};
use crate::data::{IMAGE_PIXELS, NUM_CLASSES};
use crate::gradcheck::check_tensor;
use crate::loss::one_hot;
use crate::{Error, Network};

pub(super) struct CheckRun {
    network: Network<f64>,
    /// (N, 784) in [0, 1], and their one-hot labels (N, 10).
    x: Array2<f64>,
    targets: Array2<f64>,
    elements_per_tensor: usize,
    report: GradcheckReport,
}

impl CheckRun {
    /// Checks `network` (a copy, in f64) on the test images of `images`.
    pub fn new(
        network: &Network<f32>,
        images: &RunImages,
        elements_per_tensor: usize,
    ) -> Result<Self, Error> {
        network.fits_data(IMAGE_PIXELS, NUM_CLASSES)?;
        let (x, labels) = images.test.all();
        let report = GradcheckReport {
            images: labels.len(),
            tolerance: Tolerance::current(),
            rows: Vec::new(),
            passed: true,
        };
        Ok(CheckRun {
            network: network.cast(),
            x: x.mapv(f64::from),
            targets: one_hot(&labels, NUM_CLASSES),
            elements_per_tensor: elements_per_tensor.max(1),
            report,
        })
    }

    /// The parameter tensors to check: the run's steps.
    pub fn tensors(&self) -> u64 {
        self.network.params().len() as u64
    }

    pub fn report(&self) -> &GradcheckReport {
        &self.report
    }

    /// Checks up to `budget` more tensors. True once all are.
    pub fn advance(&mut self, budget: usize, result: &mut RunResult, notes: &mut Vec<String>) -> bool {
        for _ in 0..budget {
            let next = self.report.rows.len();
            let Some(check) =
                check_tensor(&mut self.network, &self.x, &self.targets, next, self.elements_per_tensor)
            else {
                break;
            };
            let row = GradcheckRow::from(check);
            let note = row.describe();
            result.notes.push(note.clone());
            notes.push(note);
            self.report.passed &= row.passed;
            self.report.rows.push(row);
            result.steps_taken += 1;
        }
        result.steps_taken >= self.tensors()
    }
}
