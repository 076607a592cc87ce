//! How to train — everything but the architecture — and the schedule it
//! implies: the learning rate of each epoch, or of each step
//! ([`super::schedule`]).

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::schedule::{RunPosition, Schedule};
use crate::data::{shifted_subset, Dataset, MAX_SHIFT};
use crate::loss::Reduction;
use crate::optim::{validate_decay_schedule, OptimizerSpec};
use crate::ConfigError;

/// How to train: everything but the architecture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerSpec,
    /// Mean or summed batch gradient (the paper summed).
    pub reduction: Reduction,
    /// Multiply the learning rate by this after every epoch (1 = constant).
    #[serde(default = "one")]
    pub lr_decay: f64,
    /// Evaluate on the test set every this many steps (0: at each epoch's end only).
    pub eval_every: usize,
    /// Seeds the weights and the shuffling: same seed, same run, bit for bit.
    pub seed: u64,
    /// Move each training image by up to this many pixels each way, at
    /// random (0: never). See [`crate::data::shifted_subset`].
    #[serde(default)]
    pub shift: usize,
    /// How the learning rate moves over the run (see [`super::schedule`]);
    /// runs saved before schedules existed decay per epoch.
    #[serde(default)]
    pub schedule: Schedule,
}

fn one() -> f64 {
    1.0
}

/// Largest batch accepted: 10,000 MNIST images in f32 with a CNN's
/// activations already take ~1 GB.
pub const MAX_BATCH: usize = 10_000;
pub const MAX_EPOCHS: usize = 1_000;

impl TrainConfig {
    /// Refuses settings that cannot train, naming the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return Err(ConfigError::new(
                "epochs",
                format!("{} is not between 1 and {MAX_EPOCHS}", self.epochs),
            ));
        }
        if !(1..=MAX_BATCH).contains(&self.batch_size) {
            return Err(ConfigError::new(
                "batch_size",
                format!("{} is not between 1 and {MAX_BATCH}", self.batch_size),
            ));
        }
        if !(self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return Err(ConfigError::new("lr_decay", format!("{} is not in (0, 1]", self.lr_decay)));
        }
        if self.shift > MAX_SHIFT {
            return Err(ConfigError::new(
                "shift",
                format!("{} pixels is more than {MAX_SHIFT}: the digit would leave the image", self.shift),
            ));
        }
        self.optimizer.validate()?;
        self.schedule.validate()?;
        validate_decay_schedule(self.optimizer.learning_rate(), self.lr_decay, self.epochs)
    }

    /// The training images at `indices`, shifted as configured: what one
    /// step learns from (bytes; `.all()` makes them floats).
    pub fn training_batch(&self, data: &Dataset, indices: &[usize], rng: &mut impl Rng) -> Dataset {
        shifted_subset(data, indices, self.shift, rng)
    }

    /// The learning rate for `epoch` (0-based) after decay.
    pub fn learning_rate_at(&self, epoch: usize) -> f64 {
        self.optimizer.learning_rate() * self.lr_decay.powi(epoch.min(i32::MAX as usize) as i32)
    }

    /// The learning rate of the step at `at` under the configured schedule.
    pub fn learning_rate_of_step(&self, at: &RunPosition) -> f64 {
        self.schedule.learning_rate(self.optimizer.learning_rate(), self.lr_decay, at)
    }

    /// This configuration with the settings of `patch` applied, validated:
    /// all or nothing. A new optimizer takes the patch's learning rate, or
    /// else the current one, and its default hyperparameters; naming the
    /// optimizer already in force keeps its own (a preset's Adam betas
    /// survive a page that sends every field).
    pub fn patched(&self, patch: &SettingsPatch) -> Result<TrainConfig, ConfigError> {
        let mut config = self.clone();
        let lr = patch.learning_rate.unwrap_or(config.optimizer.learning_rate());
        config.optimizer = match &patch.optimizer {
            Some(name) if name != config.optimizer.name() => OptimizerSpec::from_name(name, lr)?,
            _ => config.optimizer.with_learning_rate(lr),
        };
        config.batch_size = patch.batch_size.unwrap_or(config.batch_size);
        config.epochs = patch.epochs.unwrap_or(config.epochs);
        config.seed = patch.seed.unwrap_or(config.seed);
        config.validate()?;
        Ok(config)
    }
}

/// The settings a reader can change between (or during) runs; every one
/// optional. The page and the CLI name them the same way; an unknown key is
/// refused rather than ignored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    pub optimizer: Option<String>,
    pub learning_rate: Option<f64>,
    pub batch_size: Option<usize>,
    pub epochs: Option<usize>,
    pub seed: Option<u64>,
}
