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

/// A learning rate must be a positive, finite number no larger than [`MAX_LEARNING_RATE`].
pub fn validate_learning_rate(lr: f64) -> Result<(), ConfigError> {
    if lr.is_finite() && lr > 0.0 && lr <= MAX_LEARNING_RATE {
        Ok(())
    } else {
        Err(ConfigError::new(
            "learning rate",
            format!("{lr} is not a positive number up to {MAX_LEARNING_RATE} (try 0.001–0.1)"),
        ))
    }
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
    /// Moves every parameter against its gradient. `params` must come in the
    /// same order on every call: state is kept per position.
    pub fn step(&mut self, params: &mut [&mut Param<F>]) {
        match self {
            Optimizer::Sgd(o) => o.step(params),
            Optimizer::Momentum(o) => o.step(params),
            Optimizer::Adam(o) => o.step(params),
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
