//! Errors for what a user can get wrong: a hyperparameter, a model spec, a
//! model file, a training run that diverged. (Data files have their own,
//! [`crate::data::DataError`].) Programmer errors — shapes that cannot
//! disagree if the code is right — are assertions instead.

use serde::Serialize;
use thiserror::Error;

use crate::data::DataError;

/// A setting that cannot work, named by the field it is in.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{}: {message}", self.label())]
pub struct ConfigError {
    /// What was set, as a key a program can act on: `learning_rate`,
    /// `batch_size`, `layer 3 (conv2d)`. Messages show it with spaces.
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The field as a person reads it: `learning_rate` → `learning rate`.
    /// A field that is already words (`layer 0 (max_pool2d)`) stays as it is.
    pub fn label(&self) -> String {
        if self.field.contains(' ') {
            self.field.clone()
        } else {
            self.field.replace('_', " ")
        }
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
    /// The weights of `step` overflow on images they were evaluated on, so
    /// the session went back to the last weights that evaluated finite.
    #[error(
        "the weights after step {step} overflow on {what}: the network is back at step \
         {weights_from_step}, the last weights that evaluated finite (the optimizer starts afresh). \
         Try a smaller learning rate (now {learning_rate})."
    )]
    RolledBack { step: u64, what: String, weights_from_step: u64, learning_rate: f64 },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Anything a training session can refuse: the one error type of
/// [`crate::train::Session`], and what crosses to the page as data
/// ([`ErrorReport`]).
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Train(TrainError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A call out of order, e.g. finishing a step that was never begun: a
    /// bug in the caller, reported rather than panicking.
    #[error("{0}")]
    Usage(String),
}

impl From<TrainError> for Error {
    fn from(e: TrainError) -> Self {
        match e {
            TrainError::Config(c) => Error::Config(c),
            other => Error::Train(other),
        }
    }
}

/// What kind of thing went wrong, for a program to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// A setting or a model spec that cannot work; `field` names it.
    Config,
    /// A data file or chunk; `file`, and `line`/`column` for a bad row.
    Data,
    /// A model file that cannot be loaded.
    Model,
    /// Training blew up; `step` is the step refused.
    Diverged,
    /// A call out of order: a bug, not the reader's doing.
    Internal,
}

/// An error as data: its kind, its message, and where it is — the setting,
/// the step, the file, line and column — each present where it applies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl ErrorReport {
    fn new(kind: ErrorKind, message: String) -> Self {
        Self { kind, message, field: None, step: None, file: None, line: None, column: None }
    }
}

impl From<&Error> for ErrorReport {
    fn from(e: &Error) -> Self {
        let message = e.to_string();
        match e {
            Error::Config(c) => {
                ErrorReport { field: Some(c.field.clone()), ..Self::new(ErrorKind::Config, message) }
            }
            Error::Train(TrainError::Diverged { step, .. }) => {
                ErrorReport { step: Some(*step), ..Self::new(ErrorKind::Diverged, message) }
            }
            Error::Train(TrainError::RolledBack { step, .. }) => {
                ErrorReport { step: Some(*step), ..Self::new(ErrorKind::Diverged, message) }
            }
            Error::Train(TrainError::NonFiniteOutput { .. }) => Self::new(ErrorKind::Diverged, message),
            Error::Train(TrainError::Config(c)) => {
                ErrorReport { field: Some(c.field.clone()), ..Self::new(ErrorKind::Config, message) }
            }
            Error::Data(d) => {
                let (line, column) = d.position();
                ErrorReport {
                    file: Some(d.file().to_owned()),
                    line,
                    column,
                    ..Self::new(ErrorKind::Data, message)
                }
            }
            Error::Model(m) => {
                ErrorReport { file: Some(m.source_name().to_owned()), ..Self::new(ErrorKind::Model, message) }
            }
            Error::Usage(_) => Self::new(ErrorKind::Internal, message),
        }
    }
}

impl ModelError {
    /// The file (or other source) the model came from.
    pub fn source_name(&self) -> &str {
        match self {
            ModelError::NotSafetensors { source_name, .. }
            | ModelError::NotGroundup { source_name }
            | ModelError::Version { source_name, .. }
            | ModelError::Spec { source_name, .. }
            | ModelError::Tensor { source_name, .. }
            | ModelError::Io { source_name, .. } => source_name,
        }
    }
}

impl DataError {
    /// The 1-based line and column a CSV error is at, where it has them.
    pub fn position(&self) -> (Option<usize>, Option<usize>) {
        match self {
            DataError::NotANumber { line, column, .. } | DataError::PixelOutOfRange { line, column, .. } => {
                (Some(*line), Some(*column))
            }
            DataError::LabelOutOfRange { line, .. } => (Some(*line), Some(1)),
            DataError::WrongFieldCount { line, .. }
            | DataError::BlankLine { line, .. }
            | DataError::LineTooLong { line, .. }
            | DataError::ClassesLine { line, .. } => (Some(*line), None),
            _ => (None, None),
        }
    }
}
