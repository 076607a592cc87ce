//! A training session: everything a run needs between two presses of
//! Reset — the network and its settings, the data, the schedule over
//! epochs, steps taken whole or assembled from shards, evaluations taken in
//! pieces, and a way back when weights blow up.
//!
//! The browser's worker and the command line both drive one: the worker in
//! slices of a few steps between its messages, the CLI ([`mod@super::fit`]) in
//! one loop. Every decision lives here, so it is tested natively:
//!
//! - **The schedule.** Epoch `e` trains at `lr · decay^e`
//!   ([`TrainConfig::learning_rate_at`]); the learning rate is set when the
//!   first batch of an epoch is drawn. The session is *done* when the
//!   configured epochs are trained. How the steps are grouped into calls
//!   changes nothing: pausing after any step and resuming gives the same
//!   weights as an uninterrupted run.
//! - **Shards.** [`begin_batch`](Session::begin_batch) draws the next batch
//!   and splits it; other workers compute Σ ∂e/∂w over their shards with
//!   [`accumulate_gradients`](super::accumulate_gradients), and the step
//!   applied by [`finish_batch`](Session::finish_batch) is the one a single
//!   worker would take (eq. 15), up to f32 rounding.
//! - **Evaluation in pieces.** [`begin_evaluation`](Session::begin_evaluation),
//!   then pieces computed here or elsewhere and added with
//!   [`add_evaluation`](Session::add_evaluation) (see [`EvalSums`]).
//! - **The last finite weights.** The trainer's guard rolls a diverging step
//!   back by one step, but weights grown huge can still give a finite loss
//!   on that batch and overflow on others. So the session keeps the weights
//!   of the last evaluation that came out finite (and the fresh ones), and
//!   an evaluation that overflows goes back to them
//!   ([`TrainError::RolledBack`](crate::TrainError::RolledBack)).
//! - **A stall.** Every step's loss and accuracy go to a
//!   [`StallDetector`]: when the loss has stopped moving at chance accuracy
//!   (dead ReLUs), the [`StepReport`] of the step that shows it carries a
//!   [`Stall`], once. A new run, new weights or a rollback start it over.
//!
//! The methods are grouped by concern: here the session's making, its
//! network and settings and where training stands; then `training.rs`
//! (steps, whole or from shards), `evaluation.rs` (pieces, the way back),
//! `data.rs` (chunks in), `own_data.rs` (the reader's own data in, MNIST
//! back), `model_files.rs` (a model file in, a run taken over, the network
//! out) and `answers.rs` (predictions, test images, what is inside the
//! network).

use serde::Serialize;

use super::config::{SettingsPatch, TrainConfig};
use super::evaluate::EvalSums;
use super::sampler::BatchSampler;
use super::stall::{Stall, StallDetector};
use super::trainer::Trainer;
use crate::data::{Dataset, Split, IMAGE_PIXELS, NUM_CLASSES};
use crate::metrics::{BatchMetrics, EvalMetrics};
use crate::presets::{preset, Preset, PRESET_NAMES};
use crate::{ConfigError, Error, ModelSpec, Network};

mod answers;
mod data;
mod evaluation;
mod model_files;
mod own_data;
mod training;

pub use own_data::OwnDataView;
use own_data::OwnState;
pub use training::{shard_sizes, MAX_PARTS};

/// A manifest promising more rows than this gets no room reserved up front
/// (196 MB of pixels; MNIST has 70,000 rows): a corrupt manifest must not
/// take the memory the data that really arrives will need.
pub const MAX_RESERVE_ROWS: usize = 250_000;

/// The network, its settings, the data and where training stands.
pub struct Session {
    /// The preset the network came from, or whose settings an architecture
    /// of the reader's ([`Session::set_architecture`]) is trained with;
    /// `None` for any other architecture.
    preset: Option<Preset>,
    config: TrainConfig,
    trainer: Trainer,
    sampler: BatchSampler,
    train: Dataset,
    test: Dataset,
    /// The batch of a data-parallel step in progress.
    pending: Option<PendingBatch>,
    /// The evaluation in progress.
    evaluation: Option<Evaluation>,
    /// The newest weights known to give finite outputs on test images, and
    /// their step: the fresh weights, then those of each finite evaluation.
    last_good: Checkpoint,
    /// Watches the steps for a loss that has stopped moving.
    stall: StallDetector,
    /// A stall detected and not yet on a report (the call that found it
    /// failed at a later step).
    unreported_stall: Option<Stall>,
    /// While the reader's own data is in use: MNIST and the network that
    /// was on it, set aside, and what the own data is (`own_data.rs`).
    own: Option<OwnState>,
}

struct Checkpoint {
    weights: Vec<f32>,
    step: u64,
}

/// A batch split into shards, some computed here and some elsewhere.
struct PendingBatch {
    epoch: usize,
    /// The batch's images (as trained on: shifted if so configured), shard by shard.
    shards: Vec<Dataset>,
}

struct Evaluation {
    full: bool,
    total: usize,
    /// Images handed out so far (to be computed here or by a shard worker).
    claimed: usize,
    sums: EvalSums,
}

/// What [`begin_batch`](Session::begin_batch) hands out: the batch's epoch
/// and the shards for other workers (all but shard 0, which stays here).
pub struct ShardPlan {
    pub epoch: usize,
    pub shards: Vec<Dataset>,
}

/// The steps of one call, and where training stands after them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    pub batches: Vec<BatchMetrics>,
    pub step: u64,
    /// The epoch the next batch belongs to (0-based).
    pub epoch: usize,
    /// All epochs asked for are trained.
    pub done: bool,
    /// [`Session::half_epochs`] after these steps.
    pub half_epochs: usize,
    /// Set on the report whose steps first show that the loss has stopped
    /// moving at chance accuracy (see [`super::stall`]); `null` otherwise.
    pub stall: Option<Stall>,
}

/// A finished evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvalReport {
    #[serde(flatten)]
    pub metrics: EvalMetrics,
    pub epoch: usize,
    /// It covered every test image (not the first few).
    pub full: bool,
}

/// The settings in force, as a reader sees them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The preset's name — for an architecture of the reader's
    /// ([`Session::set_architecture`]), the preset whose settings it is
    /// trained with — or `custom`.
    pub preset: String,
    pub optimizer: &'static str,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub epochs: usize,
    pub seed: u64,
}

/// Test images with the network's answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Examples {
    /// `n·784` pixel bytes.
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
    pub predictions: Vec<u8>,
    pub confidences: Vec<f32>,
}

/// The preset called `name`, or an error listing them.
pub fn find_preset(name: &str) -> Result<Preset, ConfigError> {
    preset(name).ok_or_else(|| {
        ConfigError::new(
            "preset",
            format!("unknown model {name:?}; choose one of {}", PRESET_NAMES.join(", ")),
        )
    })
}

fn split_named(name: &str) -> Result<Split, ConfigError> {
    Split::ALL
        .into_iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| ConfigError::new("split", format!("unknown split {name:?} (train or test)")))
}

fn usage(text: &str) -> Error {
    Error::Usage(text.to_owned())
}

impl Session {
    /// An untrained network of preset `name`, with its settings, no data.
    pub fn from_preset(name: &str) -> Result<Self, Error> {
        let p = find_preset(name)?;
        Self::build(&p.spec.clone(), p.train.clone(), Some(p), Dataset::new(), Dataset::new())
    }

    /// An untrained network of any architecture with the given settings.
    pub fn new(spec: &ModelSpec, config: TrainConfig, train: Dataset, test: Dataset) -> Result<Self, Error> {
        let matching = PRESET_NAMES.iter().filter_map(|n| preset(n)).find(|p| &p.spec == spec);
        Self::build(spec, config, matching, train, test)
    }

    /// A session around a trainer that may already have taken steps.
    pub fn from_trainer(trainer: Trainer, config: TrainConfig, train: Dataset, test: Dataset) -> Self {
        let spec = trainer.network().spec();
        let matching = PRESET_NAMES.iter().filter_map(|n| preset(n)).find(|p| &p.spec == spec);
        Self::around(trainer, config, matching, train, test)
    }

    pub fn into_trainer(self) -> Trainer {
        self.trainer
    }

    fn build(
        spec: &ModelSpec,
        config: TrainConfig,
        preset: Option<Preset>,
        train: Dataset,
        test: Dataset,
    ) -> Result<Self, Error> {
        spec.fits_data(IMAGE_PIXELS, NUM_CLASSES)?;
        let trainer = Trainer::new(spec, &config)?;
        Ok(Self::around(trainer, config, preset, train, test))
    }

    fn around(
        trainer: Trainer,
        config: TrainConfig,
        preset: Option<Preset>,
        train: Dataset,
        test: Dataset,
    ) -> Self {
        let last_good = Checkpoint { weights: trainer.network().flat_values(), step: trainer.steps() };
        Self {
            preset,
            config,
            trainer,
            sampler: BatchSampler::new(train.len()),
            train,
            test,
            pending: None,
            evaluation: None,
            last_good,
            stall: StallDetector::new(),
            unreported_stall: None,
            own: None,
        }
    }

    /// Replaces the network and settings, keeping the data (and the own
    /// data's state): the one place a new run starts (step 0, first epoch,
    /// nothing in progress).
    fn restart(&mut self, trainer: Trainer, config: TrainConfig, preset: Option<Preset>) {
        let train = std::mem::take(&mut self.train);
        let test = std::mem::take(&mut self.test);
        let own = self.own.take();
        *self = Self::around(trainer, config, preset, train, test);
        self.own = own;
    }

    // ---- the network and its settings ----------------------------------

    /// Switches to an untrained network of preset `name` with its default
    /// settings; the data stays. On error nothing changes.
    pub fn set_preset(&mut self, name: &str) -> Result<(), Error> {
        let p = find_preset(name)?;
        let trainer = Trainer::new(&p.spec, &p.train)?;
        self.restart(trainer, p.train.clone(), Some(p));
        Ok(())
    }

    /// Fresh, untrained weights from the seed; step and epochs start over.
    pub fn reset(&mut self) -> Result<(), Error> {
        let trainer = Trainer::new(self.trainer.network().spec(), &self.config)?;
        self.restart(trainer, self.config.clone(), self.preset.clone());
        Ok(())
    }

    /// Switches to an untrained network of `spec` (an architecture of the
    /// reader's, see [`crate::arch`]): fresh weights from the seed, step 0,
    /// with the settings in force and the preset they came from; the data
    /// stays. On error nothing changes.
    pub fn set_architecture(&mut self, spec: &ModelSpec) -> Result<(), Error> {
        spec.fits_data(IMAGE_PIXELS, NUM_CLASSES)?;
        let trainer = Trainer::new(spec, &self.config)?;
        self.restart(trainer, self.config.clone(), self.preset.clone());
        Ok(())
    }

    /// Changes settings, all or nothing, also between the steps of a run.
    /// The learning rate applies at the next step; a new optimizer starts
    /// with fresh state; the seed applies at the next [`reset`](Self::reset).
    pub fn configure(&mut self, patch: &SettingsPatch) -> Result<(), Error> {
        let config = self.config.patched(patch)?;
        if patch.optimizer.is_some() {
            self.trainer.set_optimizer(&config.optimizer)?;
        }
        self.trainer.set_learning_rate(config.learning_rate_at(self.sampler.epoch()))?;
        self.config = config;
        Ok(())
    }

    pub fn settings(&self) -> SettingsView {
        SettingsView {
            preset: self.preset.as_ref().map_or("custom", |p| p.name).to_owned(),
            optimizer: self.config.optimizer.name(),
            learning_rate: self.config.optimizer.learning_rate(),
            batch_size: self.config.batch_size,
            epochs: self.config.epochs,
            seed: self.config.seed,
        }
    }

    /// Whether the network is its preset's own (not an architecture of the
    /// reader's trained with the preset's settings, nor another model).
    pub fn network_is_preset(&self) -> bool {
        self.preset.as_ref().is_some_and(|p| &p.spec == self.trainer.network().spec())
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn network(&self) -> &Network<f32> {
        self.trainer.network()
    }

    // ---- where training stands -------------------------------------------

    /// Steps taken since the network was made or loaded.
    pub fn step(&self) -> u64 {
        self.trainer.steps()
    }

    /// The epoch the next batch belongs to (0-based).
    pub fn epoch(&self) -> usize {
        self.sampler.next_epoch()
    }

    /// True once the configured number of epochs has been trained.
    pub fn done(&self) -> bool {
        self.sampler.next_epoch() >= self.config.epochs
    }

    /// Half epochs trained: two per finished epoch, and one more once half
    /// of the epoch in progress is drawn. The page evaluates on every test
    /// image each time this changes: the `cnn` preset passes 99% in the
    /// middle of its last epoch, and an evaluation at epoch ends only
    /// would show it half an epoch late.
    pub fn half_epochs(&self) -> usize {
        let (drawn, len) = self.sampler.drawn();
        let halves =
            if len == 0 { 0 } else { usize::from(drawn >= len.div_ceil(2)) + usize::from(drawn >= len) };
        2 * self.sampler.epoch() + halves
    }

    fn report(&mut self, batches: Vec<BatchMetrics>) -> StepReport {
        let stall = self.unreported_stall.take();
        let (step, epoch, done, half_epochs) = (self.step(), self.epoch(), self.done(), self.half_epochs());
        StepReport { batches, step, epoch, done, half_epochs, stall }
    }

    /// Feeds a finished step to the stall detector.
    fn watch(&mut self, metrics: &BatchMetrics) {
        if let Some(stall) = self.stall.observe(metrics) {
            self.unreported_stall = Some(stall);
        }
    }

    /// Starts the stall detector over: the weights are not those whose
    /// losses it has seen.
    fn forget_stall(&mut self) {
        self.stall.reset();
        self.unreported_stall = None;
    }
}
