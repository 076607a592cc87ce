//! A run that teaches a network to reproduce its input (paper Fig. 7):
//! each step the target is the image itself, through the trainer's
//! guarded step ([`Trainer::accumulate_targets`]).

use ndarray::Array2;

use super::inputs::RunImages;
use super::results::{fmt_loss, Point, Reconstruction, Rollback, RunResult};
use crate::data::IMAGE_PIXELS;
use crate::train::{TrainConfig, Trainer};
use crate::{ConfigError, Error, ModelSpec, TrainError};

pub(super) struct ReconstructRun {
    trainer: Trainer,
    /// The image, (1, 784) in [0, 1]: input and target.
    x: Array2<f32>,
    steps: u64,
    before: Vec<f32>,
    error_before: f64,
    reconstruction: Option<Reconstruction>,
}

impl ReconstructRun {
    /// Fresh weights of `spec` (784 inputs, 784 outputs) from `config`'s
    /// seed, to reproduce the first image of `images` in `steps` steps.
    pub fn new(
        spec: &ModelSpec,
        config: &TrainConfig,
        images: &RunImages,
        steps: u64,
    ) -> Result<Self, Error> {
        spec.fits_data(IMAGE_PIXELS, IMAGE_PIXELS)?;
        let mut trainer = Trainer::new(spec, config)?;
        let first = images.train.take(1);
        if first.is_empty() {
            return Err(ConfigError::new("training_data", "this run needs a training image").into());
        }
        let (x, _) = first.all();
        let before = output(&mut trainer, &x);
        let error_before = half_squared_error(&before, &x);
        Ok(ReconstructRun { trainer, x, steps, before, error_before, reconstruction: None })
    }

    /// The image, and the network's output before and (once over) after.
    pub fn reconstruction(&self) -> Option<&Reconstruction> {
        self.reconstruction.as_ref()
    }

    /// As [`super::classify::ClassifyRun::advance`]: up to `budget` steps.
    pub fn advance(
        &mut self,
        budget: usize,
        result: &mut RunResult,
        points: &mut Vec<Point>,
        notes: &mut Vec<String>,
    ) -> Result<bool, Error> {
        for _ in 0..budget {
            if self.reconstruction.is_some() || result.steps_taken >= self.steps {
                break;
            }
            self.trainer.begin_step();
            if let Err(e) = self.trainer.accumulate_targets(self.x.clone(), &self.x) {
                self.trainer.abandon_step();
                return Err(e.into());
            }
            match self.trainer.finish_step(0) {
                Ok(m) => {
                    result.steps_taken += 1;
                    if m.loss.is_finite() {
                        let point = Point { step: m.step, loss: m.loss, accuracy: None };
                        result.points.push(point);
                        points.push(point);
                    }
                }
                Err(e @ TrainError::Diverged { .. }) => {
                    let rollback = Rollback::from_error(&e, None).expect("a divergence");
                    notes.push(rollback.explanation.clone());
                    result.rollback = Some(rollback);
                    self.finish(result);
                }
                Err(e) => return Err(e.into()),
            }
        }
        if self.reconstruction.is_none() && result.steps_taken >= self.steps {
            self.finish(result);
        }
        Ok(self.reconstruction.is_some())
    }

    fn finish(&mut self, result: &mut RunResult) {
        let after = output(&mut self.trainer, &self.x);
        let error_after = half_squared_error(&after, &self.x);
        result.notes.push(format!(
            "the error ½·Σ(y − t)² went from {} to {}",
            fmt_loss(self.error_before),
            fmt_loss(error_after)
        ));
        self.reconstruction = Some(Reconstruction {
            input: self.x.iter().copied().collect(),
            before: self.before.clone(),
            after,
            error_before: self.error_before,
            error_after,
        });
    }
}

/// The network's output for `x` (1, 784): the sigmoid of each output unit.
/// A value that is not finite (it cannot be, after the guard) shows as 0.
fn output(trainer: &mut Trainer, x: &Array2<f32>) -> Vec<f32> {
    trainer.predict(x.clone()).iter().map(|&v| if v.is_finite() { v } else { 0.0 }).collect()
}

/// ½·Σ(y − t)² (eq. 7) of one image.
fn half_squared_error(y: &[f32], x: &Array2<f32>) -> f64 {
    0.5 * y.iter().zip(x).map(|(&y, &t)| f64::from(y - t).powi(2)).sum::<f64>()
}
