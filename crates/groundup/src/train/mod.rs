//! Training: mini-batch gradient descent (paper §4.2) that cannot go NaN.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | the settings of a run and the learning rate of each epoch |
//! | [`sampler`] | which images each step learns from |
//! | [`schedule`] | the learning rate over a run: per epoch, or one cycle |
//! | [`trainer`] | one step, whole or from shards, and the divergence guard |
//! | [`finite`] | the guard's fast search for a NaN or an infinity |
//! | [`mod@evaluate`] | loss, accuracy and confusion matrix, in pieces that add |
//! | [`session`] | a run between two resets: data, schedule, shards, evaluations, the way back |
//! | [`stall`] | noticing that the loss has stopped moving at chance accuracy (dead ReLUs) |
//! | [`mod@fit`] | a whole run in one call (the command line) |

pub mod config;
pub mod evaluate;
pub mod finite;
pub mod fit;
pub mod sampler;
pub mod schedule;
pub mod session;
pub mod stall;
pub mod trainer;

pub use config::{SettingsPatch, TrainConfig, MAX_BATCH, MAX_EPOCHS};
pub use evaluate::{evaluate, evaluate_range, evaluation_sums, EvalSums};
pub use fit::{fit, Event, FitSummary};
pub use sampler::BatchSampler;
pub use schedule::{RunPosition, Schedule};
pub use session::{find_preset, EvalReport, Examples, Session, SettingsView, ShardPlan, StepReport};
pub use stall::{Stall, StallDetector, STALL_MAX_ACCURACY, STALL_RELATIVE_CHANGE, STALL_WINDOW};
pub use trainer::{
    accumulate_gradients, accumulate_target_gradients, accuracy, predict, GradientSums, Trainer,
};
