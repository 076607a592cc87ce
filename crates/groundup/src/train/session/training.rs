//! The session's training steps: whole, or assembled from shards that
//! other workers compute, each reported with its batch metrics.

use super::{usage, PendingBatch, Session, ShardPlan, StepReport};
use crate::data::Dataset;
use crate::train::schedule::RunPosition;
use crate::train::trainer::GradientSums;
use crate::{ConfigError, Error};

impl Session {
    // ---- training ---------------------------------------------------------

    /// The next batch's `(epoch, indices)`, with the learning rate of its
    /// epoch (or, for a per-step schedule, of its place in the run) set; `None` once the configured epochs are done.
    fn next_batch(&mut self) -> Result<Option<(usize, Vec<usize>)>, Error> {
        if self.train.is_empty() {
            return Err(ConfigError::new("training_data", "there are no training images yet").into());
        }
        let epoch = self.sampler.next_epoch();
        if epoch >= self.config.epochs {
            return Ok(None);
        }
        if self.config.schedule.per_step() {
            let (epoch, indices) = self.sampler.next_batch(self.config.batch_size, self.trainer.rng());
            let (drawn, epoch_len) = self.sampler.drawn();
            let at = RunPosition {
                epoch,
                before: drawn - indices.len(),
                batch: indices.len(),
                epoch_len,
                epochs: self.config.epochs,
            };
            self.trainer.set_learning_rate(self.config.learning_rate_of_step(&at))?;
            return Ok(Some((epoch, indices)));
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
    /// (`gradients` flat, in the order of [`Network::flat_grads`](crate::Network::flat_grads)).
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
}
