//! One training step of mini-batch gradient descent, with a guard against
//! divergence (paper §4.2.3 and §4.2.5).
//!
//! One step: forward a batch, measure the error, backpropagate, let the
//! optimizer move the weights. A step may also be assembled from shards —
//! some computed here, some by other workers — and applied at once
//! ([`Trainer::begin_step`]): data-parallel training.
//!
//! **The divergence guard.** The paper's CNN "suddenly spikes and the
//! gradient generates a lot of NaNs" (§5). Here no step can leave a NaN
//! behind. The optimizer writes each update's weights beside the current
//! ones, not over them; the current ones have just produced a finite loss,
//! so they are *known good*, and they are kept as the backup when the new
//! ones take their place. Then:
//!
//! - a non-finite **gradient** or **weight** in the update refuses the step;
//!   the weights and the optimizer stay as they were (they gave a finite
//!   loss);
//! - a non-finite **loss** means the current weights themselves have blown
//!   up (the last update made them overflow in the forward pass), so they are
//!   replaced by the backup — the weights before that update, the last ones
//!   that gave a finite loss.
//!
//! Each returns [`TrainError::Diverged`] naming the step and the step the
//! weights now belong to, and suggesting a smaller learning rate.

use ndarray::{Array2, ArrayD};
use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;

use super::config::TrainConfig;
use super::evaluate::evaluate_range;
use super::finite::first_non_finite;
use crate::data::Dataset;
use crate::layers::Mode;
use crate::loss::{one_hot, Reduction};
use crate::metrics::{argmax_rows, BatchMetrics, EvalMetrics};
use crate::optim::{validate_learning_rate, Optimizer, OptimizerSpec};
use crate::{ConfigError, ModelSpec, Network, TrainError};

/// A network with its optimizer and random stream: the unit that trains.
pub struct Trainer {
    network: Network<f32>,
    optimizer: Optimizer<f32>,
    reduction: Reduction,
    rng: Xoshiro256PlusPlus,
    steps: u64,
    /// Weights and optimizer as they were before the last update — the last
    /// weights known to give a finite loss — and the step count they belong to.
    backup: Option<Box<Snapshot>>,
    /// Where the next update is written; it trades places with `backup`
    /// when the update is accepted (two buffers, no copies).
    spare: Option<Box<Snapshot>>,
    /// The step in progress, between `begin_step` and `finish_step`.
    pending: Option<GradientSums>,
}

impl Trainer {
    /// A fresh network for `spec`, weights drawn from `seed`.
    pub fn new(spec: &ModelSpec, config: &TrainConfig) -> Result<Self, ConfigError> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
        let network = Network::new(spec, &mut rng)?;
        Self::with_network(network, config, rng)
    }

    /// Continues from an existing (e.g. loaded) network.
    pub fn from_network(network: Network<f32>, config: &TrainConfig) -> Result<Self, ConfigError> {
        let rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
        Self::with_network(network, config, rng)
    }

    fn with_network(
        network: Network<f32>,
        config: &TrainConfig,
        rng: Xoshiro256PlusPlus,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            network,
            optimizer: config.optimizer.build()?,
            reduction: config.reduction,
            rng,
            steps: 0,
            backup: None,
            spare: None,
            pending: None,
        })
    }

    pub fn network(&self) -> &Network<f32> {
        &self.network
    }

    pub(super) fn network_mut(&mut self) -> &mut Network<f32> {
        &mut self.network
    }

    pub fn into_network(self) -> Network<f32> {
        self.network
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Carries on the step count of a run resumed from its weights.
    pub(super) fn set_steps(&mut self, steps: u64) {
        self.steps = steps;
    }

    pub fn rng(&mut self) -> &mut Xoshiro256PlusPlus {
        &mut self.rng
    }

    pub fn learning_rate(&self) -> f64 {
        f64::from(self.optimizer.learning_rate())
    }

    /// Changes the learning rate between steps (the optimizer keeps its state).
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<(), ConfigError> {
        validate_learning_rate(lr)?;
        self.optimizer.set_learning_rate(lr as f32);
        Ok(())
    }

    /// Replaces the optimizer (its state starts afresh).
    pub fn set_optimizer(&mut self, spec: &OptimizerSpec) -> Result<(), ConfigError> {
        self.optimizer = spec.build()?;
        Ok(())
    }

    /// One step of gradient descent on images `x` (N, 784) in [0, 1] with
    /// their `labels`. On error nothing has changed.
    ///
    /// The same as [`begin_step`](Self::begin_step), one
    /// [`accumulate`](Self::accumulate) of the whole batch and
    /// [`finish_step`](Self::finish_step).
    pub fn train_batch(
        &mut self,
        x: Array2<f32>,
        labels: &[u8],
        epoch: usize,
    ) -> Result<BatchMetrics, TrainError> {
        self.begin_step();
        if let Err(e) = self.accumulate(x, labels) {
            self.abandon_step();
            return Err(e);
        }
        self.finish_step(epoch)
    }

    /// Starts a step whose batch arrives in shards — some computed here with
    /// [`accumulate`](Self::accumulate), some by other workers and added with
    /// [`add_gradients`](Self::add_gradients) — and is applied by
    /// [`finish_step`](Self::finish_step). Data-parallel training.
    ///
    /// Why this is the same step as one worker's: the batch gradient is a
    /// sum over examples (paper eq. 15 sums ∂e_i/∂w over the batch; the mean
    /// divides that sum by N), and a sum can be taken in any grouping. Only
    /// the rounding of f32 additions differs.
    pub fn begin_step(&mut self) {
        self.network.zero_grad();
        self.pending = Some(GradientSums::default());
    }

    /// Adds Σ ∂e_i/∂w over the shard `x` (n, 784), `labels` to the step in
    /// progress (forward and backward, no update) and returns the shard's sums.
    pub fn accumulate(&mut self, x: Array2<f32>, labels: &[u8]) -> Result<GradientSums, TrainError> {
        assert_eq!(x.nrows(), labels.len(), "one label per image");
        if self.pending.is_none() {
            return Err(no_step_in_progress().into());
        }
        if let Some(bad) = first_non_finite(&x) {
            // Bad input, not bad weights: refuse it and touch nothing.
            return Err(ConfigError::new("training_batch", format!("contains the pixel value {bad}")).into());
        }
        let sums = accumulate_gradients(&mut self.network, x, labels);
        self.pending.as_mut().expect("checked above").add(sums);
        Ok(sums)
    }

    /// As [`accumulate`](Self::accumulate), against `targets` (n, K) given
    /// whole rather than as labels: e.g. the input itself, for a network
    /// that learns to reproduce its input (paper Fig. 7). Nothing counts as
    /// correct. A batch that does not fit the network is refused.
    pub fn accumulate_targets(
        &mut self,
        x: Array2<f32>,
        targets: &Array2<f32>,
    ) -> Result<GradientSums, TrainError> {
        if self.pending.is_none() {
            return Err(no_step_in_progress().into());
        }
        let spec = self.network.spec();
        let outputs = spec.outputs()?;
        if x.ncols() != spec.input_size() || targets.dim() != (x.nrows(), outputs) {
            return Err(ConfigError::new(
                "training_batch",
                format!(
                    "inputs {:?} and targets {:?} do not fit a model of {} inputs and {outputs} outputs",
                    x.dim(),
                    targets.dim(),
                    spec.input_size()
                ),
            )
            .into());
        }
        if let Some(bad) = x.iter().chain(targets).find(|v| !v.is_finite()) {
            return Err(ConfigError::new("training_batch", format!("contains the value {bad}")).into());
        }
        let sums = accumulate_target_gradients(&mut self.network, x, targets);
        self.pending.as_mut().expect("checked above").add(sums);
        Ok(sums)
    }

    /// Adds a shard's gradient sums computed by another worker:
    /// `gradients` is flat, in the order of [`Network::flat_grads`].
    pub fn add_gradients(&mut self, gradients: &[f32], sums: GradientSums) -> Result<(), ConfigError> {
        if self.pending.is_none() {
            return Err(no_step_in_progress());
        }
        self.network.add_flat_grads(gradients)?;
        self.pending.as_mut().expect("checked above").add(sums);
        Ok(())
    }

    /// Drops the step in progress (its gradients are discarded).
    pub fn abandon_step(&mut self) {
        self.pending = None;
        self.network.zero_grad();
    }

    /// Applies the step in progress: the summed gradient (divided by the
    /// batch size for a mean, eq. 15), checked by the divergence guard,
    /// handed to the optimizer. On error nothing has changed but the step
    /// is over.
    pub fn finish_step(&mut self, epoch: usize) -> Result<BatchMetrics, TrainError> {
        let sums = self.pending.take().ok_or_else(no_step_in_progress)?;
        if sums.examples == 0 {
            return Err(ConfigError::new("training_batch", "has no examples").into());
        }
        let step = self.steps + 1;
        let n = sums.examples as f64;
        let loss = sums.loss / n;
        if !loss.is_finite() {
            // The current weights themselves overflow: back to the last good ones.
            if self.backup.is_some() {
                self.restore_backup();
            }
            return Err(self.diverged(step, "loss", loss as f32));
        }
        let grad_scale = match self.reduction {
            Reduction::Mean => (1.0 / n) as f32,
            Reduction::Sum => 1.0,
        };

        // The update goes to the spare buffers; the weights stay untouched
        // until every new one is known to be finite.
        let mut spare = self.spare.take().filter(|s| s.fits(&self.network)).unwrap_or_else(|| {
            Box::new(Snapshot {
                values: self.network.params().iter().map(|p| p.value.clone()).collect(),
                optimizer: self.optimizer.clone(),
                steps: 0,
            })
        });
        spare.optimizer.clone_from(&self.optimizer);
        spare.steps = self.steps;
        let finite = self.optimizer.step_into(&self.network.params(), grad_scale, &mut spare.values);
        if !finite {
            // Refused: the optimizer's state goes back to before the step;
            // the weights and the backup were never touched.
            std::mem::swap(&mut self.optimizer, &mut spare.optimizer);
            let (what, value) = self.what_is_not_finite(&spare.values);
            self.spare = Some(spare);
            return Err(self.diverged(step, &what, value));
        }
        // Accepted: the new weights take the place of the old, which become
        // the backup; the old backup's buffers are the next spare.
        for (p, next) in self.network.params_mut().into_iter().zip(&mut spare.values) {
            std::mem::swap(&mut p.value, next);
        }
        self.spare = self.backup.replace(spare);
        self.steps = step;
        Ok(BatchMetrics { step, epoch, batch_size: sums.examples, loss, accuracy: sums.correct as f64 / n })
    }

    /// Names what made an update non-finite (the rare path): the first
    /// non-finite gradient if there is one, else the first non-finite new
    /// weight in `next`.
    fn what_is_not_finite(&self, next: &[ArrayD<f32>]) -> (String, f32) {
        let named = self.network.named_params();
        if let Some((name, value)) =
            named.iter().find_map(|(name, p)| first_non_finite(&p.grad).map(|v| (name, v)))
        {
            return (format!("gradient of {name}"), value);
        }
        named
            .iter()
            .zip(next)
            .find_map(|((name, _), next)| first_non_finite(next).map(|v| (format!("weight {name}"), v)))
            .unwrap_or_else(|| ("update".to_string(), f32::NAN))
    }

    /// Puts back weights saved earlier (flat, as [`Network::flat_values`])
    /// with the step count they belong to, e.g. the last weights that
    /// evaluated finite when the rolled-back ones of a divergence still
    /// overflow. The optimizer starts afresh from `optimizer`: its state
    /// belonged to later weights. All or nothing.
    pub fn restore_weights(
        &mut self,
        flat: &[f32],
        steps: u64,
        optimizer: &OptimizerSpec,
    ) -> Result<(), ConfigError> {
        let fresh = optimizer.build()?;
        self.network.load_flat_values(flat)?;
        self.optimizer = fresh;
        self.steps = steps;
        self.backup = None;
        self.pending = None;
        Ok(())
    }

    /// Replaces the weights (flat, as [`Network::flat_values`]); the step
    /// count and optimizer state stay. All or nothing.
    pub fn load_weights(&mut self, flat: &[f32]) -> Result<(), ConfigError> {
        self.network.load_flat_values(flat)
    }

    /// Class probabilities (N, 10) for images (N, 784) in [0, 1].
    pub fn predict(&mut self, x: Array2<f32>) -> Array2<f32> {
        predict(&mut self.network, x)
    }

    /// Loss, accuracy and confusion matrix over all of `data`, without learning.
    ///
    /// If the output overflows (the weights grew too large for f32 — the
    /// last accepted step before a divergence can leave them so), this is a
    /// divergence at the next step: the error names it and the learning rate.
    pub fn evaluate(&mut self, data: &Dataset) -> Result<EvalMetrics, TrainError> {
        self.evaluate_range(data, 0..data.len())
    }

    /// As [`evaluate`](Self::evaluate), over the examples `range` of `data`.
    pub fn evaluate_range(
        &mut self,
        data: &Dataset,
        range: std::ops::Range<usize>,
    ) -> Result<EvalMetrics, TrainError> {
        match evaluate_range(&mut self.network, data, range) {
            Ok(metrics) => Ok(EvalMetrics { step: self.steps, ..metrics }),
            Err(TrainError::NonFiniteOutput { what }) => Err(TrainError::Diverged {
                step: self.steps + 1,
                what: format!("loss on {what}"),
                value: "NaN or infinite".into(),
                weights_from_step: self.steps,
                learning_rate: self.learning_rate(),
            }),
            Err(e) => Err(e),
        }
    }

    fn restore_backup(&mut self) {
        let backup = self.backup.as_ref().expect("restore follows a backup");
        for (p, v) in self.network.params_mut().into_iter().zip(&backup.values) {
            p.value.assign(v);
        }
        self.optimizer = backup.optimizer.clone();
        self.steps = backup.steps;
    }

    fn diverged(&mut self, step: u64, what: &str, value: f32) -> TrainError {
        self.network.zero_grad();
        TrainError::Diverged {
            step,
            what: what.to_string(),
            value: value.to_string(),
            weights_from_step: self.steps,
            learning_rate: self.learning_rate(),
        }
    }
}

/// Weights and optimizer state at one step: the divergence guard's backup,
/// or the buffers the next update is written to.
struct Snapshot {
    values: Vec<ArrayD<f32>>,
    optimizer: Optimizer<f32>,
    steps: u64,
}

impl Snapshot {
    /// Whether the buffers have the shapes of `network`'s parameters.
    fn fits(&self, network: &Network<f32>) -> bool {
        let params = network.params();
        params.len() == self.values.len()
            && params.iter().zip(&self.values).all(|(p, v)| p.value.shape() == v.shape())
    }
}

/// Fraction of rows whose largest score is at the label.
pub fn accuracy(scores: &Array2<f32>, labels: &[u8]) -> f64 {
    let correct = argmax_rows(scores).iter().zip(labels).filter(|(&p, &l)| p == l as usize).count();
    correct as f64 / labels.len().max(1) as f64
}

/// What a shard of a batch adds to a step, besides its gradients.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GradientSums {
    /// Examples whose gradients are in the sum.
    pub examples: usize,
    /// Σ of their losses.
    pub loss: f64,
    /// How many of them the network got right (before the step).
    pub correct: usize,
}

impl GradientSums {
    fn add(&mut self, other: GradientSums) {
        self.examples += other.examples;
        self.loss += other.loss;
        self.correct += other.correct;
    }
}

fn no_step_in_progress() -> ConfigError {
    ConfigError::new("training_step", "no step is in progress (begin_step first)")
}

/// Forward and backward over images `x` (n, 784) with `labels`, adding
/// Σ_i ∂e_i/∂w — the *summed* gradient, whatever the trainer's reduction —
/// to every parameter's `grad`; no update. The unit of work of one worker
/// in data-parallel training.
pub fn accumulate_gradients(network: &mut Network<f32>, x: Array2<f32>, labels: &[u8]) -> GradientSums {
    assert_eq!(x.nrows(), labels.len(), "one label per image");
    let objective = network.spec().objective;
    let output = network.forward(x, Mode::Train); // (n, K)
    let targets = one_hot(labels, output.ncols()); // (n, K)
    let loss = objective.evaluate(&output, &targets, Reduction::Sum);
    let correct = argmax_rows(&loss.prediction).iter().zip(labels).filter(|(&p, &l)| p == l as usize).count();
    let examples = labels.len();
    network.backward(loss.grad);
    GradientSums { examples, loss: f64::from(loss.loss) * examples as f64, correct }
}

/// As [`accumulate_gradients`], against whole `targets` (n, K) instead of
/// labels; `correct` stays 0.
pub fn accumulate_target_gradients(
    network: &mut Network<f32>,
    x: Array2<f32>,
    targets: &Array2<f32>,
) -> GradientSums {
    assert_eq!(x.nrows(), targets.nrows(), "one target row per input row");
    let objective = network.spec().objective;
    let output = network.forward(x, Mode::Train); // (n, K)
    let loss = objective.evaluate(&output, targets, Reduction::Sum);
    let examples = targets.nrows();
    network.backward(loss.grad);
    GradientSums { examples, loss: f64::from(loss.loss) * examples as f64, correct: 0 }
}

/// Class probabilities (N, K) for images (N, 784).
pub fn predict(network: &mut Network<f32>, x: Array2<f32>) -> Array2<f32> {
    let output = network.forward(x, Mode::Infer);
    network.spec().objective.predict(&output)
}
