//! The paper's lab: its experiments, re-run on groundup's own pieces.
//!
//! Each experiment has a fixed id ([`EXPERIMENT_IDS`]), the place in the
//! paper it comes from and what the paper reported, and the runs it
//! consists of: a model, changes to its training settings, the images it
//! learns from and how many steps ([`catalog`]). An [`ExperimentRun`]
//! carries one out in slices — a few steps per call, so that a browser
//! worker can answer messages between calls and a Stop takes effect at the
//! next one — and gathers what each run showed ([`results`]).
//!
//! | module | what |
//! |---|---|
//! | [`catalog`] | the experiments as data: ids, paper references, runs, budgets |
//! | [`recipes`] | the models and settings the runs use (the paper's CNN recipe, the Fig. 7 autoencoder) |
//! | [`inputs`] | what the caller hands in: its network and settings, its data, options |
//! | [`results`] | points, a run's outcome, a rollback, a loss spike, the gradient check's rows |
//! | [`runner`] | [`ExperimentRun`]: one experiment, driven in slices |
//! | `classify`, `reconstruct`, `check` | the three kinds of run: training a classifier, reproducing an image, checking gradients |
//!
//! **Nothing of the caller's changes.** A run works on copies: fresh
//! weights of the caller's architecture (or of a preset), or a copy of the
//! caller's weights for the gradient check, and its own copy of the
//! images it uses. The training steps are the [`Session`](crate::train::Session)'s
//! and the [`Trainer`](crate::train::Trainer)'s, so the divergence guard
//! stands behind every one: a run that blows up is *caught* — the step is
//! refused and recorded as a [`Rollback`] — and no point is ever NaN.
//!
//! **Nothing panics.** An unknown id, data too small for a run, a model
//! that does not fit the images: each is an [`Error`](crate::Error) from
//! [`ExperimentRun::new`], before anything runs.

pub mod catalog;
mod check;
mod classify;
pub mod inputs;
pub mod recipes;
mod reconstruct;
pub mod results;
pub mod runner;

pub use catalog::{
    experiment, experiments, DataUse, Experiment, ModelChoice, RunDef, SettingsChanges, Work, EXPERIMENT_IDS,
    OVERFIT_THRESHOLD,
};
pub use inputs::{LabData, LabOptions, Source};
pub use results::{
    Crossing, ExperimentResult, GradcheckReport, GradcheckRow, Point, Progress, Reconstruction, Rollback,
    RunResult, Spike, TestFigures, Tolerance,
};
pub use runner::ExperimentRun;
