//! The learning rate over a run: per epoch, or one cycle over the whole run.
//!
//! Two schedules, for a configured learning rate α (the *peak*):
//!
//! - **`epoch_decay`** (the default, and every run saved before schedules
//!   existed): epoch `e` (0-based) trains at `α · decay^e`, constant within
//!   the epoch.
//! - **`one_cycle`**: a triangle over the planned run (Smith's "1cycle",
//!   linear on both sides). Let `p ∈ (0, 1)` be the middle of the step in
//!   the run — the images trained on before it plus half its batch, over
//!   `epochs × images per epoch` — and `w` the warm-up fraction. Then
//!
//!   ```text
//!   lr(p) = α · min(p / w, (1 − p) / (1 − w))
//!   ```
//!
//!   rising linearly from ~0 to α at `p = w`, falling linearly to ~0 at the
//!   last step (half a batch's worth above 0, so no step is wasted), and
//!   never below [`MIN_LEARNING_RATE`] (smaller steps round away in f32).
//!
//! Why one cycle: a short run cannot afford a decay that is still far from
//! 0 when it stops — the last epoch's noise is what the test set sees — nor
//! Adam's first steps at the full rate, whose moment estimates are still
//! raw. Warming up lets a higher peak train stably; annealing to ~0 by the
//! last step averages away the noise of the final steps, so the run ends at
//! a minimum instead of bouncing around one. Its place in the run is what
//! matters, not the epoch: the same schedule fits 2 epochs or 20.

use serde::{Deserialize, Serialize};

use crate::optim::MIN_LEARNING_RATE;
use crate::ConfigError;

/// How the learning rate moves over a run (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// `α · decay^epoch`, with the configuration's `lr_decay`.
    #[default]
    EpochDecay,
    /// A linear rise over the first `warmup` fraction of the run, then a
    /// linear fall to ~0 by the last step.
    OneCycle { warmup: f64 },
}

/// Where a step sits in the run it belongs to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunPosition {
    /// 0-based epoch of the step.
    pub epoch: usize,
    /// Images of this epoch trained on before the step.
    pub before: usize,
    /// Images in the step's batch.
    pub batch: usize,
    /// Images per epoch.
    pub epoch_len: usize,
    /// Epochs planned for the run.
    pub epochs: usize,
}

impl RunPosition {
    /// The middle of the step as a fraction of the run, in (0, 1) for a
    /// step inside the run.
    pub fn fraction(&self) -> f64 {
        let total = (self.epochs.max(1) * self.epoch_len.max(1)) as f64;
        let middle = (self.epoch * self.epoch_len) as f64 + self.before as f64 + self.batch as f64 / 2.0;
        (middle / total).clamp(0.0, 1.0)
    }
}

impl Schedule {
    /// The name the command line uses: `epoch-decay` or `one-cycle`.
    pub fn name(&self) -> &'static str {
        match self {
            Schedule::EpochDecay => "epoch-decay",
            Schedule::OneCycle { .. } => "one-cycle",
        }
    }

    /// Refuses a warm-up that is not a fraction of the run in [0, 1).
    pub fn validate(&self) -> Result<(), ConfigError> {
        match *self {
            Schedule::EpochDecay => Ok(()),
            Schedule::OneCycle { warmup } if (0.0..1.0).contains(&warmup) => Ok(()),
            Schedule::OneCycle { warmup } => Err(ConfigError::new(
                "warmup",
                format!("{warmup} is not a fraction of the run in [0, 1) (try 0.1–0.3)"),
            )),
        }
    }

    /// Whether the rate changes within an epoch (so it is set every step).
    pub fn per_step(&self) -> bool {
        matches!(self, Schedule::OneCycle { .. })
    }

    /// The learning rate of the step at `at`, for peak (or starting) rate
    /// `peak` and per-epoch factor `decay` (used by `epoch_decay` only).
    pub fn learning_rate(&self, peak: f64, decay: f64, at: &RunPosition) -> f64 {
        match *self {
            Schedule::EpochDecay => peak * decay.powi(at.epoch.min(i32::MAX as usize) as i32),
            Schedule::OneCycle { warmup } => {
                let p = at.fraction();
                let rise = if warmup > 0.0 { p / warmup } else { f64::INFINITY };
                let fall = (1.0 - p) / (1.0 - warmup);
                (peak * rise.min(fall).min(1.0)).max(MIN_LEARNING_RATE.min(peak))
            }
        }
    }
}
