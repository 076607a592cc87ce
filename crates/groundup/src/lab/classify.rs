//! A run that trains a classifier: a [`Session`] of its own on the run's
//! images, one step per unit of work, then (for a shortened run) one
//! evaluation on its test images, a piece per unit.
//!
//! The session's steps are the ones the page trains with, so its
//! divergence guard stands behind each: a step it refuses ends the run as
//! a [`Rollback`], with the weights back at the last finite step.

use super::inputs::RunImages;
use super::results::{Crossing, Point, Rollback, RunResult, TestFigures};
use crate::data::{IMAGE_PIXELS, NUM_CLASSES};
use crate::train::{Session, TrainConfig, Trainer};
use crate::{Error, ModelSpec, TrainError};

/// Test images evaluated per unit of work.
const EVAL_PIECE: usize = 250;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Training,
    Evaluating,
    Over,
}

pub(super) struct ClassifyRun {
    session: Session,
    steps: u64,
    threshold: Option<f64>,
    stop_there: bool,
    /// What the paper's network did where this one is refused a step, and
    /// why it did not happen here if no step is.
    paper: Option<(&'static str, &'static str)>,
    phase: Phase,
}

impl ClassifyRun {
    /// Fresh weights of `spec` from `config`'s seed, to be trained for at
    /// most `steps` steps on `images`, noting the first step whose loss is
    /// below `threshold` (and ending there if `stop_there`).
    pub fn new(
        spec: &ModelSpec,
        config: TrainConfig,
        images: RunImages,
        steps: u64,
        threshold: Option<f64>,
        stop_there: bool,
        paper: Option<(&'static str, &'static str)>,
    ) -> Result<Self, Error> {
        spec.fits_data(IMAGE_PIXELS, NUM_CLASSES)?;
        let trainer = Trainer::new(spec, &config)?;
        let session = Session::from_trainer(trainer, config, images.train, images.test);
        Ok(ClassifyRun { session, steps, threshold, stop_there, paper, phase: Phase::Training })
    }

    /// Does up to `budget` units of work (a step, or a piece of the
    /// evaluation), recording them in `result` and, for this call, in
    /// `points` and `notes`. True once the run is over.
    pub fn advance(
        &mut self,
        budget: usize,
        result: &mut RunResult,
        points: &mut Vec<Point>,
        notes: &mut Vec<String>,
    ) -> Result<bool, Error> {
        let mut units = 0;
        while units < budget && self.phase != Phase::Over {
            match self.phase {
                Phase::Training if result.steps_taken >= self.steps || self.session.done() => {
                    self.begin_evaluation();
                }
                Phase::Training => {
                    units += 1;
                    self.train_one(result, points, notes)?;
                }
                Phase::Evaluating => {
                    units += 1;
                    self.evaluate_piece(result, notes)?;
                }
                Phase::Over => {}
            }
        }
        if self.phase == Phase::Training && (result.steps_taken >= self.steps || self.session.done()) {
            // The budget is spent exactly: say so now, not on an empty call.
            self.begin_evaluation();
        }
        if self.phase == Phase::Over && !result.finished {
            if let (Some((_, held)), None) = (self.paper, &result.rollback) {
                result.notes.push(held.to_owned());
                notes.push(held.to_owned());
            }
        }
        Ok(self.phase == Phase::Over)
    }

    fn train_one(
        &mut self,
        result: &mut RunResult,
        points: &mut Vec<Point>,
        notes: &mut Vec<String>,
    ) -> Result<(), Error> {
        match self.session.train_steps(1) {
            Ok(report) => {
                if report.batches.is_empty() {
                    self.begin_evaluation();
                }
                for b in report.batches {
                    result.steps_taken += 1;
                    if !(b.loss.is_finite() && b.accuracy.is_finite()) {
                        continue; // the guard refuses such steps; never plot one
                    }
                    let point = Point { step: b.step, loss: b.loss, accuracy: Some(b.accuracy) };
                    result.points.push(point);
                    points.push(point);
                    if let Some(threshold) = self.threshold {
                        if b.loss < threshold && result.below.is_none() {
                            result.below = Some(Crossing { step: b.step, loss: b.loss, threshold });
                            if self.stop_there {
                                self.begin_evaluation();
                            }
                        }
                    }
                }
                Ok(())
            }
            Err(Error::Train(e @ TrainError::Diverged { .. })) => {
                let rollback =
                    Rollback::from_error(&e, self.paper.map(|(broke, _)| broke)).expect("a divergence");
                notes.push(rollback.explanation.clone());
                result.rollback = Some(rollback);
                self.begin_evaluation();
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn begin_evaluation(&mut self) {
        self.phase = if self.session.begin_evaluation(true, 0) > 0 { Phase::Evaluating } else { Phase::Over };
    }

    fn evaluate_piece(&mut self, result: &mut RunResult, notes: &mut Vec<String>) -> Result<(), Error> {
        match self.session.evaluate_next(EVAL_PIECE) {
            Ok(None) => {}
            Ok(Some(report)) => {
                let m = report.metrics;
                if m.loss.is_finite() && m.accuracy.is_finite() {
                    result.test =
                        Some(TestFigures { images: m.examples, loss: m.loss, accuracy: m.accuracy });
                }
                self.phase = Phase::Over;
            }
            Err(Error::Train(e)) => {
                // The weights overflow on some test image: no figures, said why.
                let note = format!("no test figures: {e}");
                result.notes.push(note.clone());
                notes.push(note);
                self.phase = Phase::Over;
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }
}
