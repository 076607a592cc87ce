//! Errors for what a user can get wrong: a hyperparameter, a model spec, a
//! model file, a training run that diverged. (Data files have their own,
//! [`crate::data::DataError`].) Programmer errors — shapes that cannot
//! disagree if the code is right — are assertions instead.

use thiserror::Error;

/// A setting that cannot work, named by the field it is in.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{field}: {message}")]
pub struct ConfigError {
    /// What was set, e.g. `learning rate` or `layer 3 (conv2d)`.
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// A model file that cannot be loaded.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("{source_name}: not a safetensors file ({detail})")]
    NotSafetensors { source_name: String, detail: String },
    #[error("{source_name}: a safetensors file, but not a groundup model (no \"groundup\" metadata); was it saved by another program?")]
    NotGroundup { source_name: String },
    #[error("{source_name}: groundup model format version {found}, this build reads version {expected}")]
    Version { source_name: String, found: String, expected: String },
    #[error("{source_name}: the model spec in the metadata is invalid: {detail}")]
    Spec { source_name: String, detail: String },
    #[error("{source_name}: tensor {tensor:?}: {detail}")]
    Tensor { source_name: String, tensor: String, detail: String },
    #[error("{source_name}: {detail}")]
    Io { source_name: String, detail: String },
}

/// A training step that was refused. The weights are as they were before it.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TrainError {
    #[error(
        "training diverged at step {step}: the {what} became {value}. \
         The step was refused; the weights are those after step {weights_from_step}, the last \
         known to give a finite loss. Try a smaller learning rate (now {learning_rate})."
    )]
    Diverged { step: u64, what: String, value: String, weights_from_step: u64, learning_rate: f64 },
    /// The network's output was not finite on some input it was evaluated on.
    #[error(
        "the model's output for {what} is not a finite number: its weights have grown too large. \
         Reset it, or train with a smaller learning rate."
    )]
    NonFiniteOutput { what: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
}
