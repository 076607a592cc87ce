//! Optimizers, in order of increasing complexity. Each owns the state it
//! carries between steps (velocities, moment estimates) and applies
//! gradients that backpropagation left in each [`Param::grad`].
//!
//! - [`Sgd`] — `w ← w − α ∇E`, the paper's eq. 15.
//! - [`Momentum`] — SGD that keeps a running velocity of past gradients.
//! - [`Adam`] — per-weight step sizes from running moments of the gradient.

mod adam;
mod momentum;
mod sgd;

pub use adam::Adam;
pub use momentum::Momentum;
pub use sgd::Sgd;

use ndarray::ArrayD;
use serde::{Deserialize, Serialize};

use crate::layers::Param;
use crate::{ConfigError, Real};

/// Which optimizer, with its hyperparameters. Serialises as e.g.
/// `{"kind": "adam", "learning_rate": 0.001}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerSpec {
    Sgd {
        learning_rate: f64,
    },
    Momentum {
        learning_rate: f64,
        #[serde(default = "default_momentum")]
        momentum: f64,
    },
    Adam {
        learning_rate: f64,
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_epsilon")]
        epsilon: f64,
    },
}

fn default_momentum() -> f64 {
    0.9
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_epsilon() -> f64 {
    1e-8
}

/// Learning rates above this are refused: no network here trains with one,
/// and they overflow f32 weights within a few steps.
pub const MAX_LEARNING_RATE: f64 = 10.0;

/// Learning rates below this are refused: they train nothing, silently.
///
/// Why 1e-7: weights are f32, whose spacing near a weight w is
/// 2⁻²³·|w| ≈ 1.2e-7·|w|, and a step of less than half that spacing rounds
/// away — `w − Δ == w`. Adam's steps are about the learning rate itself
/// (the gradient divided by its own running size), momentum's and SGD's
/// the rate times gradients that are mostly below 1. So below
/// 2⁻²³ ≈ 1.2e-7 no step of Adam moves a weight of magnitude 1 or more,
/// and the weights that do move, move by an ulp or two: 1e-7 is that
/// bound, rounded. (The presets use 1e-3 to 5e-2.)
pub const MIN_LEARNING_RATE: f64 = 1e-7;

impl OptimizerSpec {
    /// The name used on the command line and in the page: `sgd`, `momentum`, `adam`.
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerSpec::Sgd { .. } => "sgd",
            OptimizerSpec::Momentum { .. } => "momentum",
            OptimizerSpec::Adam { .. } => "adam",
        }
    }

    /// `name` with default hyperparameters and the given learning rate.
    pub fn from_name(name: &str, learning_rate: f64) -> Result<Self, ConfigError> {
        let spec = match name {
            "sgd" => OptimizerSpec::Sgd { learning_rate },
            "momentum" => OptimizerSpec::Momentum { learning_rate, momentum: default_momentum() },
            "adam" => OptimizerSpec::Adam {
                learning_rate,
                beta1: default_beta1(),
                beta2: default_beta2(),
                epsilon: default_epsilon(),
            },
            other => {
                return Err(ConfigError::new(
                    "optimizer",
                    format!("unknown optimizer {other:?}; choose sgd, momentum or adam"),
                ))
            }
        };
        spec.validate()?;
        Ok(spec)
    }

    pub fn learning_rate(&self) -> f64 {
        match *self {
            OptimizerSpec::Sgd { learning_rate }
            | OptimizerSpec::Momentum { learning_rate, .. }
            | OptimizerSpec::Adam { learning_rate, .. } => learning_rate,
        }
    }

    pub fn with_learning_rate(mut self, lr: f64) -> Self {
        match &mut self {
            OptimizerSpec::Sgd { learning_rate }
            | OptimizerSpec::Momentum { learning_rate, .. }
            | OptimizerSpec::Adam { learning_rate, .. } => *learning_rate = lr,
        }
        self
    }

    /// Refuses hyperparameters that cannot train: a learning rate that is
    /// not a positive number up to [`MAX_LEARNING_RATE`], a momentum or beta
    /// outside [0, 1), a non-positive epsilon.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate_learning_rate(self.learning_rate())?;
        let unit = |name: &'static str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(ConfigError::new(name, format!("{v} is outside [0, 1)")))
            }
        };
        match *self {
            OptimizerSpec::Sgd { .. } => Ok(()),
            OptimizerSpec::Momentum { momentum, .. } => unit("momentum", momentum),
            OptimizerSpec::Adam { beta1, beta2, epsilon, .. } => {
                unit("beta1", beta1)?;
                unit("beta2", beta2)?;
                if epsilon > 0.0 && epsilon.is_finite() {
                    Ok(())
                } else {
                    Err(ConfigError::new("epsilon", format!("{epsilon} is not a small positive number")))
                }
            }
        }
    }

    pub fn build<F: Real>(&self) -> Result<Optimizer<F>, ConfigError> {
        self.validate()?;
        let lr = F::of(self.learning_rate());
        Ok(match *self {
            OptimizerSpec::Sgd { .. } => Optimizer::Sgd(Sgd::new(lr)),
            OptimizerSpec::Momentum { momentum, .. } => {
                Optimizer::Momentum(Momentum::new(lr, F::of(momentum)))
            }
            OptimizerSpec::Adam { beta1, beta2, epsilon, .. } => {
                Optimizer::Adam(Adam::new(lr, F::of(beta1), F::of(beta2), F::of(epsilon)))
            }
        })
    }
}

/// A learning rate must be a positive, finite number no larger than
/// [`MAX_LEARNING_RATE`] and no smaller than [`MIN_LEARNING_RATE`].
pub fn validate_learning_rate(lr: f64) -> Result<(), ConfigError> {
    if !(lr.is_finite() && lr > 0.0 && lr <= MAX_LEARNING_RATE) {
        return Err(ConfigError::new(
            "learning_rate",
            format!("{lr} is not a positive number up to {MAX_LEARNING_RATE} (try 0.001–0.1)"),
        ));
    }
    if lr < MIN_LEARNING_RATE {
        return Err(ConfigError::new(
            "learning_rate",
            format!(
                "{lr} is below {MIN_LEARNING_RATE:e}: steps that small are lost to the rounding of f32 \
                 weights, and training would do nothing (try 0.001–0.1)"
            ),
        ));
    }
    Ok(())
}

/// Checks a schedule that multiplies the learning rate by `decay` after each
/// of `epochs` epochs: the last epoch's rate must still be at least
/// [`MIN_LEARNING_RATE`], or the end of the run silently trains nothing
/// (and [`validate_learning_rate`] refuses it when that epoch comes). Says
/// how many epochs the schedule can take.
pub fn validate_decay_schedule(learning_rate: f64, decay: f64, epochs: usize) -> Result<(), ConfigError> {
    let last_epoch = epochs.saturating_sub(1).min(i32::MAX as usize) as i32;
    let last = learning_rate * decay.powi(last_epoch);
    let checked_elsewhere = validate_learning_rate(learning_rate).is_err() || !(decay > 0.0 && decay < 1.0);
    if last >= MIN_LEARNING_RATE || checked_elsewhere {
        // Still large enough; or a constant rate, or settings the other
        // checks refuse with a better message.
        return Ok(());
    }
    // The last epoch e (1-based) with learning_rate · decay^(e − 1) ≥ MIN_LEARNING_RATE.
    let most = ((MIN_LEARNING_RATE / learning_rate).ln() / decay.ln()).floor() as usize + 1;
    Err(ConfigError::new(
        "epochs",
        format!(
            "{decay} per epoch takes the learning rate from {learning_rate} to {last:.1e} by epoch {epochs}, \
             below {MIN_LEARNING_RATE:e}, where steps no longer change the weights: train at most {most} \
             epochs, or decay less"
        ),
    ))
}

/// A built optimizer with its state. An enum rather than a trait object so
/// that it can be cloned: the trainer keeps a copy to roll back a step that
/// diverged.
#[derive(Clone, Debug)]
pub enum Optimizer<F: Real> {
    Sgd(Sgd<F>),
    Momentum(Momentum<F>),
    Adam(Adam<F>),
}

impl<F: Real> Optimizer<F> {
    /// Moves every parameter against its gradient, in place. `params` must
    /// come in the same order on every call: state is kept per position.
    pub fn step(&mut self, params: &mut [&mut Param<F>]) {
        let mut next: Vec<ArrayD<F>> = params.iter().map(|p| p.value.clone()).collect();
        let shared: Vec<&Param<F>> = params.iter().map(|p| &**p).collect();
        self.step_into(&shared, F::one(), &mut next);
        for (p, next) in params.iter_mut().zip(next) {
            p.value = next;
        }
    }

    /// One step against the gradients × `grad_scale` (1/N turns a batch's
    /// summed gradient into its mean, eq. 15), writing the new weights to
    /// `next` (one array per parameter, of its shape) and leaving `params`
    /// as they were. Returns whether every new weight is finite.
    ///
    /// Why out of place and with the scale folded in: the divergence guard
    /// needs the old weights until it has seen the new ones, and keeping
    /// them where they are, rather than copying them aside before an update
    /// in place, saves the copy; scaling the gradient inside the update and
    /// checking the weights as they are written saves two more passes. For
    /// the paper MLP's 1.1 M weights, scaling, checking, copying and
    /// updating took ~14 % of a batch-64 step; the update that does all of
    /// it now takes ~9 % (`groundup bench`, perf; it is bound by memory).
    /// The arithmetic is the same, operation for operation, as scaling
    /// first and updating in place.
    pub fn step_into(&mut self, params: &[&Param<F>], grad_scale: F, next: &mut [ArrayD<F>]) -> bool {
        debug_assert_eq!(params.len(), next.len(), "one array of new weights per parameter");
        match self {
            Optimizer::Sgd(o) => o.step_into(params, grad_scale, next),
            Optimizer::Momentum(o) => o.step_into(params, grad_scale, next),
            Optimizer::Adam(o) => o.step_into(params, grad_scale, next),
        }
    }

    pub fn learning_rate(&self) -> F {
        match self {
            Optimizer::Sgd(o) => o.learning_rate,
            Optimizer::Momentum(o) => o.learning_rate,
            Optimizer::Adam(o) => o.learning_rate,
        }
    }

    /// Changes the step size and keeps the state (a running Adam stays warm).
    pub fn set_learning_rate(&mut self, lr: F) {
        match self {
            Optimizer::Sgd(o) => o.learning_rate = lr,
            Optimizer::Momentum(o) => o.learning_rate = lr,
            Optimizer::Adam(o) => o.learning_rate = lr,
        }
    }
}
