//! # groundup
//!
//! The two networks of "Building a Convolution Neural Network to Recognize
//! Handwritten Digits From the Ground Up" (Harriman, 2018) — a 784-625-625-10
//! feed-forward net and a small CNN — built from the ground up on `ndarray`:
//! layers with hand-derived backward passes, fused softmax + cross-entropy,
//! SGD/momentum/Adam, numerical gradient checks, a training loop that cannot
//! go NaN, the MNIST file formats, and the paper's experiments re-run
//! ([`lab`]). Equation numbers in the docs are the paper's.
//!
//! Pure computation: no I/O beyond `std::fs` in the data and model helpers,
//! nothing platform-specific, so it builds for the host and for
//! `wasm32-unknown-unknown` alike.
//!
//! ```
//! use groundup::{presets::preset, train::Trainer, data::Dataset};
//! let p = preset("cnn").unwrap();
//! let mut trainer = Trainer::new(&p.spec, &p.train).unwrap();
//! let mut data = Dataset::new();
//! data.push(&[0u8; 784], 3);
//! let (x, labels) = data.batch(&[0]);
//! let metrics = trainer.train_batch(x, &labels, 0).unwrap();
//! assert!(metrics.loss.is_finite());
//! ```

pub mod arch;
pub mod cost;
pub mod data;
mod error;
pub mod gradcheck;
mod init;
pub mod inspect;
pub mod kernels;
pub mod lab;
pub mod layers;
pub mod loss;
pub mod metrics;
pub mod model_io;
mod network;
pub mod optim;
pub mod presets;
mod real;
pub mod spec;
pub mod train;

pub use error::{ConfigError, Error, ErrorKind, ErrorReport, ModelError, TrainError};
pub use init::{standard_normal, Init};
pub use network::Network;
pub use real::Real;
pub use spec::{LayerSpec, ModelSpec};
