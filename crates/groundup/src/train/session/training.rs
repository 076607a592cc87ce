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
        self.begin_batch_shared(&vec![1.0; parts.min(MAX_PARTS)])
    }

    /// As [`begin_batch`](Self::begin_batch), with shard i's size
    /// proportional to `shares[i]` (see [`shard_sizes`]): a worker that has
    /// been computing twice as fast gets twice the images, so that no worker
    /// waits for a slow one (a core busy with something else).
    pub fn begin_batch_shared(&mut self, shares: &[f64]) -> Result<Option<ShardPlan>, Error> {
        check_shares(shares)?;
        self.abandon_batch();
        let Some((epoch, indices)) = self.next_batch()? else { return Ok(None) };
        // Shifted (if configured) once, here, so every shard sees the batch one worker would.
        let batch = self.config.training_batch(&self.train, &indices, self.trainer.rng());
        let mut start = 0;
        let mut shards: Vec<Dataset> = shard_sizes(indices.len(), shares)
            .into_iter()
            .map(|size| {
                start += size;
                batch.subset(&(start - size..start).collect::<Vec<_>>())
            })
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

/// The most shards a batch splits into: more workers than that would spend
/// their time on messages.
pub const MAX_PARTS: usize = 64;

fn check_shares(shares: &[f64]) -> Result<(), ConfigError> {
    if shares.is_empty() || shares.len() > MAX_PARTS {
        return Err(ConfigError::new(
            "parts",
            format!("a batch splits into 1 to {MAX_PARTS} parts, not {}", shares.len()),
        ));
    }
    if let Some(bad) = shares.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
        return Err(ConfigError::new(
            "shares",
            format!("a shard's share must be a positive number, not {bad}"),
        ));
    }
    Ok(())
}

/// Splits `batch` images into shards proportional to `shares` (positive,
/// finite): each gets the floor of its exact share, and the images left over
/// go to the largest remainders, so the sizes add up to `batch` and each is
/// within one image of its share. Every shard gets at least one image while
/// there are enough (taken from the largest); with fewer images than shares,
/// the first `batch` shards get one each. Shards of size 0 are left out.
///
/// ```
/// use groundup::train::session::shard_sizes;
/// assert_eq!(shard_sizes(64, &[1.0, 1.0]), [32, 32]);
/// assert_eq!(shard_sizes(64, &[1.0, 1.0, 1.0]), [22, 21, 21]);
/// assert_eq!(shard_sizes(64, &[3.0, 1.0]), [48, 16]);
/// assert_eq!(shard_sizes(10, &[1000.0, 1.0]), [9, 1]);
/// assert_eq!(shard_sizes(2, &[1.0, 1.0, 1.0]), [1, 1]);
/// ```
pub fn shard_sizes(batch: usize, shares: &[f64]) -> Vec<usize> {
    let parts = shares.len().min(batch);
    if parts == 0 {
        return Vec::new();
    }
    let shares = &shares[..parts];
    let total: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| batch as f64 * s / total).collect();
    let mut sizes: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..parts).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let assigned: usize = sizes.iter().sum();
    for &i in order.iter().cycle().take(batch.saturating_sub(assigned)) {
        sizes[i] += 1;
    }
    // No empty shard while there are images to spare: one from the largest.
    while let Some(empty) = sizes.iter().position(|&s| s == 0) {
        let largest = (0..parts).max_by_key(|&i| sizes[i]).expect("parts ≥ 1");
        sizes[largest] -= 1;
        sizes[empty] += 1;
    }
    sizes
}
