//! A training session: everything a run needs between two presses of
//! Reset — the network and its settings, the data, the schedule over
//! epochs, steps taken whole or assembled from shards, evaluations taken in
//! pieces, and a way back when weights blow up.
//!
//! The browser's worker and the command line both drive one: the worker in
//! slices of a few steps between its messages, the CLI ([`super::fit`]) in
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
//!   ([`TrainError::RolledBack`]).
//! - **A stall.** Every step's loss and accuracy go to a
//!   [`StallDetector`]: when the loss has stopped moving at chance accuracy
//!   (dead ReLUs), the [`StepReport`] of the step that shows it carries a
//!   [`Stall`], once. A new run, new weights or a rollback start it over.

use std::ops::Range;

use serde::Serialize;

use super::config::{SettingsPatch, TrainConfig};
use super::evaluate::{evaluation_sums, EvalSums};
use super::sampler::BatchSampler;
use super::stall::{Stall, StallDetector};
use super::trainer::{GradientSums, Trainer};
use crate::data::{Chunk, Dataset, Split, IMAGE_PIXELS, NUM_CLASSES};
use crate::inspect::{self, ExamplesWhere, FeatureMap, NetworkSummary, WeightImage};
use crate::metrics::{argmax_rows, BatchMetrics, EvalMetrics};
use crate::presets::{preset, Preset, PRESET_NAMES};
use crate::{model_io, ConfigError, Error, ModelError, ModelSpec, Network, TrainError};

/// A manifest promising more rows than this gets no room reserved up front
/// (196 MB of pixels; MNIST has 70,000 rows): a corrupt manifest must not
/// take the memory the data that really arrives will need.
pub const MAX_RESERVE_ROWS: usize = 250_000;

/// The network, its settings, the data and where training stands.
pub struct Session {
    /// The preset the network came from; `None` for any other architecture.
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
    /// The preset's name, or `custom`.
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
        }
    }

    /// Replaces the network and settings, keeping the data: the one place a
    /// new run starts (step 0, first epoch, nothing in progress).
    fn restart(&mut self, trainer: Trainer, config: TrainConfig, preset: Option<Preset>) {
        let train = std::mem::take(&mut self.train);
        let test = std::mem::take(&mut self.test);
        *self = Self::around(trainer, config, preset, train, test);
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

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn network(&self) -> &Network<f32> {
        self.trainer.network()
    }

    /// Replaces the network with one from a safetensors file; training
    /// restarts its step count from there, with the settings of the preset
    /// it matches (or the current ones). On error nothing changes.
    pub fn import_model(&mut self, bytes: &[u8], name: &str) -> Result<(), Error> {
        let (network, config, matching) = self.read_model(bytes, name)?;
        let trainer = Trainer::from_network(network, &config)?;
        self.restart(trainer, config, matching);
        Ok(())
    }

    /// Takes over a run that another session was making — a training worker
    /// that died and was started again: its weights (a safetensors file from
    /// [`export_model`](Self::export_model)), its settings, and where it
    /// stood: `step` steps taken, the next batch in epoch `epoch`. The rest
    /// of that epoch is a fresh shuffle, and the optimizer starts with fresh
    /// state (Adam's moments are not in the file): as after a pause and a
    /// reload. On error nothing changes.
    pub fn resume(
        &mut self,
        bytes: &[u8],
        name: &str,
        step: u64,
        epoch: usize,
        patch: &SettingsPatch,
    ) -> Result<(), Error> {
        let (network, config, matching) = self.read_model(bytes, name)?;
        let config = config.patched(patch)?;
        let mut trainer = Trainer::from_network(network, &config)?;
        trainer.set_steps(step);
        self.restart(trainer, config, matching);
        self.sampler = BatchSampler::starting_at(self.train.len(), epoch);
        Ok(())
    }

    /// A model file's network, checked to fit the data, with the settings
    /// of the preset it matches (or the current ones) and that preset.
    fn read_model(
        &self,
        bytes: &[u8],
        name: &str,
    ) -> Result<(Network<f32>, TrainConfig, Option<Preset>), Error> {
        let network = model_io::from_safetensors(bytes, name)?;
        network
            .spec()
            .fits_data(IMAGE_PIXELS, NUM_CLASSES)
            .map_err(|e| ModelError::Spec { source_name: name.to_owned(), detail: e.to_string() })?;
        let matching = PRESET_NAMES.iter().filter_map(|n| preset(n)).find(|p| &p.spec == network.spec());
        let config = matching.as_ref().map_or_else(|| self.config.clone(), |p| p.train.clone());
        Ok((network, config, matching))
    }

    /// The network as a safetensors file.
    pub fn export_model(&self) -> Vec<u8> {
        model_io::to_safetensors(self.trainer.network())
    }

    // ---- data -----------------------------------------------------------

    /// Makes room for `rows` more images of `split` (a manifest's count), so
    /// that loading grows the data once instead of by doubling. If the
    /// memory cannot be had, nothing changes.
    pub fn reserve(&mut self, split: &str, rows: usize) -> Result<(), Error> {
        if rows > MAX_RESERVE_ROWS {
            return Err(ConfigError::new(
                "rows",
                format!("{split}: not reserving room for {rows} rows (more than {MAX_RESERVE_ROWS}); they load as they come"),
            )
            .into());
        }
        let data = self.split_mut(split)?;
        data.try_reserve(rows)
            .map_err(|e| ConfigError::new("rows", format!("{split}: cannot reserve {rows} rows: {e}")).into())
    }

    /// Parses one CSV chunk (`label,p0,…,p783` rows; plain or gzip) of
    /// `rows` rows, as its manifest declares, into `split` and returns the
    /// rows added. Reading stops at the first row past `rows` and once the
    /// text is longer than `rows` rows can be: a chunk that inflates to a
    /// gigabyte costs no more memory than what it declared. On a malformed
    /// row, or a row count that is not `rows`, nothing is added; the error
    /// names `name`, and the line and the column.
    pub fn add_chunk(&mut self, split: &str, name: &str, csv: &[u8], rows: usize) -> Result<usize, Error> {
        let split = split_named(split)?;
        // The bytes were checked against the manifest already (or could not
        // be: a host that gunzips them): parse them as that chunk.
        let declared = Chunk { file: name.to_owned(), rows, bytes: csv.len() as u64, sha256: String::new() };
        let chunk = declared.parse_rows(csv, name)?;
        self.add_examples(split, &chunk);
        Ok(chunk.len())
    }

    /// Adds already parsed examples to `split`.
    pub fn add_examples(&mut self, split: Split, examples: &Dataset) {
        match split {
            Split::Train => self.train.extend(examples),
            Split::Test => self.test.extend(examples),
        }
        self.sampler.set_len(self.train.len());
    }

    fn split_mut(&mut self, name: &str) -> Result<&mut Dataset, Error> {
        Ok(match split_named(name)? {
            Split::Train => &mut self.train,
            Split::Test => &mut self.test,
        })
    }

    pub fn train_data(&self) -> &Dataset {
        &self.train
    }

    pub fn test_data(&self) -> &Dataset {
        &self.test
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

    fn report(&mut self, batches: Vec<BatchMetrics>) -> StepReport {
        let stall = self.unreported_stall.take();
        StepReport { batches, step: self.step(), epoch: self.epoch(), done: self.done(), stall }
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

    // ---- training ---------------------------------------------------------

    /// The next batch's `(epoch, indices)`, with the learning rate of its
    /// epoch set; `None` once the configured epochs are done.
    fn next_batch(&mut self) -> Result<Option<(usize, Vec<usize>)>, Error> {
        if self.train.is_empty() {
            return Err(ConfigError::new("training_data", "there are no training images yet").into());
        }
        let epoch = self.sampler.next_epoch();
        if epoch >= self.config.epochs {
            return Ok(None);
        }
        if epoch != self.sampler.epoch() || self.trainer.steps() == 0 {
            self.trainer.set_learning_rate(self.config.learning_rate_at(epoch))?;
        }
        Ok(Some(self.sampler.next_batch(self.config.batch_size, self.trainer.rng())))
    }

    /// Runs up to `max_steps` training steps, fewer when the epochs are
    /// done. A step that diverges is an error; the weights are those before
    /// it, and the steps before it in this call stand.
    pub fn train_steps(&mut self, max_steps: usize) -> Result<StepReport, Error> {
        self.abandon_batch();
        let mut batches = Vec::with_capacity(max_steps.min(1024));
        for _ in 0..max_steps {
            let Some((epoch, indices)) = self.next_batch()? else { break };
            let (x, labels) = self.config.training_batch(&self.train, &indices, self.trainer.rng()).all();
            let metrics = self.trainer.train_batch(x, &labels, epoch)?;
            self.watch(&metrics);
            batches.push(metrics);
        }
        Ok(self.report(batches))
    }

    /// Starts one data-parallel step: draws the next batch, splits it into
    /// `parts` shards of nearly equal size, keeps shard 0 here and returns
    /// the others for other workers, which compute with
    /// [`weights`](Self::weights). `None` when the epochs are done.
    pub fn begin_batch(&mut self, parts: usize) -> Result<Option<ShardPlan>, Error> {
        if parts == 0 {
            return Err(ConfigError::new("parts", "a batch splits into at least 1 part").into());
        }
        self.abandon_batch();
        let Some((epoch, indices)) = self.next_batch()? else { return Ok(None) };
        let per_shard = indices.len().div_ceil(parts).max(1);
        // Shifted (if configured) once, here, so every shard sees the batch one worker would.
        let batch = self.config.training_batch(&self.train, &indices, self.trainer.rng());
        let mut shards: Vec<Dataset> = (0..indices.len())
            .step_by(per_shard)
            .map(|start| batch.subset(&(start..(start + per_shard).min(indices.len())).collect::<Vec<_>>()))
            .collect();
        let others = shards.split_off(1.min(shards.len()));
        self.trainer.begin_step();
        let plan = ShardPlan { epoch, shards: others.clone() };
        shards.extend(others);
        self.pending = Some(PendingBatch { epoch, shards });
        Ok(Some(plan))
    }

    /// Computes shard `index` of the batch in progress here (shard 0, or a
    /// shard whose worker failed) and returns its sums.
    pub fn accumulate_shard(&mut self, index: usize) -> Result<GradientSums, Error> {
        let pending = self.pending.as_ref().ok_or_else(|| usage("no batch is in progress"))?;
        let shard = pending.shards.get(index).ok_or_else(|| {
            usage(&format!("the batch has {} shards, not {}", pending.shards.len(), index + 1))
        })?;
        let (x, labels) = shard.all();
        Ok(self.trainer.accumulate(x, &labels)?)
    }

    /// Adds the gradient sums another worker computed over its shard
    /// (`gradients` flat, in the order of [`Network::flat_grads`]).
    pub fn add_shard_gradients(&mut self, gradients: &[f32], sums: GradientSums) -> Result<(), Error> {
        if self.pending.is_none() {
            return Err(usage("no batch is in progress"));
        }
        self.trainer.add_gradients(gradients, sums)?;
        Ok(())
    }

    /// Applies the step in progress: the same step as
    /// [`train_steps(1)`](Self::train_steps). A step that diverges is an
    /// error; the weights are those before it.
    pub fn finish_batch(&mut self) -> Result<StepReport, Error> {
        let pending = self.pending.take().ok_or_else(|| usage("no batch is in progress"))?;
        let metrics = self.trainer.finish_step(pending.epoch)?;
        self.watch(&metrics);
        Ok(self.report(vec![metrics]))
    }

    /// Drops the batch in progress, if any (its examples are skipped).
    pub fn abandon_batch(&mut self) {
        if self.pending.take().is_some() {
            self.trainer.abandon_step();
        }
    }

    /// Every weight, flat, for the workers computing shards.
    pub fn weights(&self) -> Vec<f32> {
        self.trainer.network().flat_values()
    }

    /// Replaces every weight (flat, as [`weights`](Self::weights) gives
    /// them), keeping the step count and the optimizer's state: e.g. a
    /// checkpoint of this same run. A wrong length or a non-finite weight
    /// is refused and changes nothing.
    pub fn set_weights(&mut self, flat: &[f32]) -> Result<(), Error> {
        self.abandon_batch();
        self.trainer.load_weights(flat)?;
        self.forget_stall();
        Ok(())
    }

    /// The learning rate the next step uses (after the epoch's decay).
    pub fn learning_rate(&self) -> f64 {
        self.trainer.learning_rate()
    }

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

    // ---- answers --------------------------------------------------------------

    /// The class probabilities for one image of 784 values in [0, 1]
    /// (row-major 28×28, 0 = background).
    pub fn predict(&mut self, pixels: &[f32]) -> Result<Vec<f32>, Error> {
        let x = inspect::image_row(pixels)?;
        let probabilities = self.trainer.predict(x).into_raw_vec_and_offset().0;
        // The guard keeps weights finite, but finite weights can still
        // overflow on some input; never hand a NaN to a chart.
        if probabilities.iter().any(|p| !p.is_finite()) {
            return Err(TrainError::NonFiniteOutput { what: "this image".into() }.into());
        }
        Ok(probabilities)
    }

    /// Test images `start..start+count` (clamped) with the network's answers.
    pub fn test_examples(&mut self, start: usize, count: usize) -> Examples {
        let end = start.saturating_add(count).min(self.test.len());
        let indices: Vec<usize> = (start.min(end)..end).collect();
        let (x, labels) = self.test.batch(&indices);
        let probabilities = self.trainer.predict(x); // (n, classes)
        let predictions = argmax_rows(&probabilities);
        let confidences = predictions.iter().enumerate().map(|(i, &p)| probabilities[[i, p]]).collect();
        let images = indices.iter().flat_map(|&i| self.test.image(i).iter().copied()).collect();
        Examples { images, labels, predictions: predictions.iter().map(|&p| p as u8).collect(), confidences }
    }

    // ---- inside the network (see crate::inspect) ------------------------------

    /// Every layer with its name, kind, output shape, weights and the
    /// paper's section; the objective and the total weight count.
    pub fn layer_summary(&self) -> NetworkSummary {
        inspect::summary(self.trainer.network())
    }

    /// For one image of 784 values in [0, 1], the output of every conv2d
    /// and max_pool2d layer (none for an MLP).
    pub fn feature_maps(&mut self, pixels: &[f32]) -> Result<Vec<FeatureMap>, Error> {
        inspect::feature_maps(self.trainer.network_mut(), pixels)
    }

    /// The weights that are pictures of the input, at most `max_units`
    /// units of an MLP's first layer (see [`inspect::weight_images`]).
    pub fn weight_images(&self, max_units: usize) -> Result<Vec<WeightImage>, Error> {
        Ok(inspect::weight_images(self.trainer.network(), max_units)?)
    }

    /// The test images labelled `label` that the network now answers
    /// `predicted`, at most `max`, in test-set order (a confusion-matrix cell).
    pub fn test_examples_where(
        &mut self,
        label: usize,
        predicted: usize,
        max: usize,
    ) -> Result<ExamplesWhere, Error> {
        inspect::examples_where(self.trainer.network_mut(), &self.test, label, predicted, max)
    }
}
