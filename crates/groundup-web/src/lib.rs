//! The browser's view of groundup: one stateful [`WebTrainer`] (`Trainer`
//! in JavaScript) over the core's [`Session`](groundup::train::Session),
//! which a Web Worker creates, feeds with data chunks, steps and asks for
//! predictions; and a [`ShardWorker`] for the helpers of data-parallel
//! training.
//!
//! Glue only: every method converts its arguments, calls the session and
//! converts the answer. The schedule, the sharding, "done", the way back to
//! the last finite weights: all the core's, tested natively.
//!
//! **Errors are data.** Every error thrown to JavaScript is an `Error` whose
//! `message` is the core's and which carries the core's
//! [`ErrorReport`](groundup::ErrorReport) as properties: `kind` (`config`,
//! `data`, `model`, `diverged`, `internal`), and where they apply `field`
//! (the setting, as the page names it: `learningRate`), `step`, `file`,
//! `line` and `column`. The page acts on those, never on the wording. A
//! call that fails changes nothing.
//!
//! See `www/js/protocol.js` for how the worker uses it. `trainer.rs` holds
//! the `Trainer`, `lab.rs` the paper's experiments (`Experiment`),
//! `shard.rs` the `ShardWorker`, `convert.rs` the conversions they use,
//! `arch.rs` the architecture editor's questions (`describeArch`,
//! `describeLayers`).

use wasm_bindgen::prelude::*;

mod arch;
mod convert;
mod lab;
mod own_data;
mod shard;
mod trainer;
mod trainer_shards;

pub use arch::{describe_arch, describe_layers};
pub use lab::{experiment_catalog, WebExperiment};
pub use shard::ShardWorker;
pub use trainer::WebTrainer;

#[cfg(feature = "kernel-bench")]
pub mod kernel_bench;

#[wasm_bindgen(start)]
fn start() {
    // Rust panics become readable console errors instead of "unreachable".
    console_error_panic_hook::set_once();
}
