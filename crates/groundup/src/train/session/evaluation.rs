//! The session's evaluations, in pieces that add up wherever they are
//! computed, and the way back to the last weights that evaluated finite.

use std::ops::Range;

use super::{usage, Checkpoint, EvalReport, Evaluation, Session};
use crate::data::Dataset;
use crate::metrics::EvalMetrics;
use crate::train::evaluate::{evaluation_sums, EvalSums};
use crate::{Error, TrainError};

impl Session {
    // ---- evaluation --------------------------------------------------------

    /// Starts an evaluation on all test images (`full`) or the first
    /// `subset`, replacing one in progress. Returns how many images it
    /// covers (0: there are no test images yet, and nothing starts).
    pub fn begin_evaluation(&mut self, full: bool, subset: usize) -> usize {
        let total = if full { self.test.len() } else { subset.min(self.test.len()) };
        self.evaluation =
            (total > 0).then(|| Evaluation { full, total, claimed: 0, sums: EvalSums::default() });
        total
    }

    pub fn evaluating(&self) -> bool {
        self.evaluation.is_some()
    }

    /// Ends the evaluation in progress, if any, without a result (a piece
    /// was lost).
    pub fn abandon_evaluation(&mut self) {
        self.evaluation = None;
    }

    /// Hands out the next `count` images of the evaluation in progress (to
    /// compute here with [`evaluate_here`](Self::evaluate_here), or with
    /// [`test_images`](Self::test_images) elsewhere). Empty when all are out.
    pub fn claim_evaluation(&mut self, count: usize) -> Result<Range<usize>, Error> {
        let e = self.evaluation.as_mut().ok_or_else(|| usage("no evaluation is in progress"))?;
        let start = e.claimed;
        e.claimed = (start + count).min(e.total);
        Ok(start..e.claimed)
    }

    /// The sums of the current network over test images `range`.
    pub fn evaluate_here(&mut self, range: Range<usize>) -> EvalSums {
        evaluation_sums(self.trainer.network_mut(), &self.test, range)
    }

    /// Claims, computes and adds the next `count` images here.
    pub fn evaluate_next(&mut self, count: usize) -> Result<Option<EvalReport>, Error> {
        let range = self.claim_evaluation(count)?;
        let sums = self.evaluate_here(range);
        self.add_evaluation(&sums)
    }

    /// Adds a piece of the evaluation in progress; returns the result once
    /// every image is in. If the output was not finite the network goes
    /// back to the last weights that evaluated finite
    /// ([`TrainError::RolledBack`]), or, if it is there already,
    /// [`TrainError::NonFiniteOutput`]; the evaluation is over either way.
    pub fn add_evaluation(&mut self, piece: &EvalSums) -> Result<Option<EvalReport>, Error> {
        let e = self.evaluation.as_mut().ok_or_else(|| usage("no evaluation is in progress"))?;
        if piece.confusion.total() as usize > piece.examples || e.sums.examples + piece.examples > e.claimed {
            // The pieces can no longer add up: this evaluation is over.
            self.evaluation = None;
            return Err(usage("an evaluation piece covers more images than were handed out"));
        }
        e.sums.add(piece);
        if piece.loss_sum.is_finite() && e.sums.examples < e.total {
            return Ok(None);
        }
        let e = self.evaluation.take().expect("checked above");
        if !e.sums.is_consistent() {
            return Err(self.fall_back(e.sums.examples).into());
        }
        let metrics = e.sums.metrics(self.step());
        self.last_good = Checkpoint { weights: self.weights(), step: self.step() };
        Ok(Some(EvalReport { metrics, epoch: self.epoch(), full: e.full }))
    }

    /// Back to the last weights that evaluated finite, after an evaluation
    /// of the current ones overflowed.
    fn fall_back(&mut self, examples: usize) -> TrainError {
        let what = format!("{examples} test images");
        let step = self.step();
        let learning_rate = self.trainer.learning_rate();
        if self.last_good.step >= step {
            return TrainError::NonFiniteOutput { what };
        }
        self.abandon_batch();
        let optimizer = self.config.optimizer.with_learning_rate(learning_rate);
        if let Err(e) = self.trainer.restore_weights(&self.last_good.weights, self.last_good.step, &optimizer)
        {
            return e.into();
        }
        self.forget_stall();
        TrainError::RolledBack { step, what, weights_from_step: self.last_good.step, learning_rate }
    }

    /// Loss and accuracy on the whole training set, in one call.
    pub fn evaluate_training_set(&mut self) -> Result<EvalMetrics, Error> {
        let sums = evaluation_sums(self.trainer.network_mut(), &self.train, 0..self.train.len());
        if !sums.is_consistent() {
            return Err(
                TrainError::NonFiniteOutput { what: format!("{} training images", sums.examples) }.into()
            );
        }
        Ok(sums.metrics(self.step()))
    }

    /// Test images `range` (clamped), for a worker evaluating a piece.
    pub fn test_images(&self, range: Range<usize>) -> Dataset {
        let end = range.end.min(self.test.len());
        self.test.subset(&(range.start.min(end)..end).collect::<Vec<_>>())
    }
}
