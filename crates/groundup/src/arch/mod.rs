//! A network's architecture as one short line of text, for a URL: the
//! page's `#arch=` key, what the architecture editor writes and reads.
//!
//! ```text
//! conv8k5-lrelu-pool-conv16k5-lrelu-pool-dense10
//! dense625-sigmoid-dense625-sigmoid-dense10_nobias_normal-squares
//! ```
//!
//! # Grammar
//!
//! ```text
//! arch      = layer *( "-" layer ) [ "-" objective ]
//! layer     = conv / pool / dense / "relu" / "sigmoid" / lrelu / "flatten"
//! conv      = "conv" filters "k" kernel *( "_" ( "valid" / "nobias" / init ) )
//! dense     = "dense" units *( "_" ( "nobias" / init ) )
//! pool      = "pool" [ size ]                ; max pooling, size 2 when omitted
//! lrelu     = "lrelu" [ alpha ]              ; leaky ReLU, alpha 0.01 when omitted
//! init      = "he" / "glorot" / "normal"     ; defaults: conv he, dense glorot
//! objective = "softmax" / "squares"          ; softmax + cross-entropy when omitted,
//!                                            ; or sigmoid + sum of squares
//! filters, kernel, units, size = 1*9DIGIT ;  alpha = decimal such as 0.2
//! ```
//!
//! Only letters, digits, `-`, `_` and `.`: `URLSearchParams` writes the text
//! as it is, with no percent signs. A conv is "same"-padded unless `valid`;
//! conv and dense layers have biases unless `nobias`.
//!
//! The input is MNIST's: an image `[1, 28, 28]` when the stack has a conv,
//! pool or flatten layer, else a flat `[784]`. A flatten need not be
//! written: when there is none, one goes before the first dense layer that
//! follows a conv or pool. [`format()`] leaves out exactly that flatten and
//! the default objective, so `parse(&format(spec)) == spec` for every spec
//! with that input.
//!
//! [`parse`] reads the text and then checks the stack with [`describe`]
//! (`check.rs`): hard limits on the text, the layer count, units, filters,
//! kernels and weights, so an absurd stack is refused before anything is
//! allocated for it, and every refusal names the layer ("conv 2", "dense 1",
//! as [`crate::inspect::layer_names`] names them) and the field.

mod check;
mod token;

pub use check::{describe, ArchDescription, LayerDescription};

use std::fmt;

use serde::Serialize;

use crate::layers::Padding;
use crate::loss::Objective;
use crate::{ConfigError, Init, LayerSpec, ModelSpec};

/// The longest text [`parse`] reads.
pub const MAX_TEXT: usize = 1_000;
/// The most layers a stack may have, an added flatten included.
pub const MAX_LAYERS: usize = 32;
pub const MAX_UNITS: usize = 65_536;
pub const MAX_FILTERS: usize = 256;
pub const MAX_KERNEL: usize = 15;
pub const MAX_POOL: usize = 4;
/// Weights and biases in the whole network (the paper's MLP has 0.9 million).
pub const MAX_PARAMETERS: usize = 5_000_000;

/// Why a text or a stack was refused.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArchError {
    /// The layer's position in the spec (0-based), when the error is about one.
    pub index: Option<usize>,
    /// Its name: `conv 2`, `dense 1`, `flatten`.
    pub layer: Option<String>,
    /// What is wrong in it: `filters`, `kernel`, `units`, `alpha`, `size`,
    /// `parameters`, `output`, `layers`, `objective` or `arch` (the text itself).
    pub field: String,
    /// The whole reason, naming the layer: "conv 2 needs an odd kernel for same padding (it has 4)".
    pub message: String,
}

impl ArchError {
    /// About the stack as a whole, such as layers a program sent that cannot be read.
    pub fn whole_stack(message: impl Into<String>) -> Self {
        Self::whole("layers", message)
    }

    pub(crate) fn whole(field: &str, message: impl Into<String>) -> Self {
        Self { index: None, layer: None, field: field.to_owned(), message: message.into() }
    }

    pub(crate) fn at(index: usize, layer: &str, field: &str, message: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            layer: Some(layer.to_owned()),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ArchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArchError {}

impl From<ArchError> for ConfigError {
    fn from(e: ArchError) -> Self {
        ConfigError::new("arch", e.message)
    }
}

/// Reads an architecture and checks it (see the module docs).
pub fn parse(text: &str) -> Result<ModelSpec, ArchError> {
    let (layers, objective) = token::read(text)?;
    let spec = from_layers(layers, objective);
    describe(&spec)?;
    Ok(spec)
}

/// A spec of MNIST's input for `layers`: an image input when there is a
/// conv, pool or flatten layer, and, when there is no flatten, one before
/// the first dense layer that follows a conv or pool. Not checked: see
/// [`describe`].
pub fn from_layers(mut layers: Vec<LayerSpec>, objective: Objective) -> ModelSpec {
    let image = |l: &LayerSpec| matches!(l, LayerSpec::Conv2d { .. } | LayerSpec::MaxPool2d { .. });
    if !layers.iter().any(|l| matches!(l, LayerSpec::Flatten)) {
        if let Some(first_dense) = layers.iter().position(|l| matches!(l, LayerSpec::Dense { .. })) {
            if layers[..first_dense].iter().any(image) {
                layers.insert(first_dense, LayerSpec::Flatten);
            }
        }
    }
    let input = if layers.iter().any(|l| image(l) || matches!(l, LayerSpec::Flatten)) {
        vec![1, 28, 28]
    } else {
        vec![784]
    };
    ModelSpec { input, layers, objective }
}

/// The text of `spec`'s layers and objective (its input is not written;
/// see the module docs).
pub fn format(spec: &ModelSpec) -> String {
    let implied = implied_flatten(spec);
    let mut tokens: Vec<String> = spec
        .layers
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != implied)
        .map(|(_, layer)| format_layer(layer))
        .collect();
    if spec.objective == Objective::SigmoidSumOfSquares {
        tokens.push("squares".to_owned());
    }
    tokens.join("-")
}

/// The flatten that [`from_layers`] would add by itself, if `spec` has it.
fn implied_flatten(spec: &ModelSpec) -> Option<usize> {
    let mut flattens = spec.layers.iter().enumerate().filter(|(_, l)| matches!(l, LayerSpec::Flatten));
    let (at, _) = flattens.next()?;
    if flattens.next().is_some() {
        return None;
    }
    let before = &spec.layers[..at];
    let follows_image =
        before.iter().any(|l| matches!(l, LayerSpec::Conv2d { .. } | LayerSpec::MaxPool2d { .. }));
    let no_dense_before = !before.iter().any(|l| matches!(l, LayerSpec::Dense { .. }));
    let dense_next = matches!(spec.layers.get(at + 1), Some(LayerSpec::Dense { .. }));
    (follows_image && no_dense_before && dense_next).then_some(at)
}

fn init_name(init: Init) -> &'static str {
    match init {
        Init::He => "he",
        Init::Glorot => "glorot",
        Init::StandardNormal => "normal",
    }
}

fn format_layer(layer: &LayerSpec) -> String {
    let mut text = match *layer {
        LayerSpec::Conv2d { filters, kernel, .. } => format!("conv{filters}k{kernel}"),
        LayerSpec::Dense { units, .. } => format!("dense{units}"),
        LayerSpec::MaxPool2d { size: 2 } => "pool".to_owned(),
        LayerSpec::MaxPool2d { size } => format!("pool{size}"),
        LayerSpec::Flatten => "flatten".to_owned(),
        LayerSpec::Sigmoid => "sigmoid".to_owned(),
        LayerSpec::Relu => "relu".to_owned(),
        // `{}` of an f64 never uses an exponent and reads back exactly.
        LayerSpec::LeakyRelu { alpha } if alpha == token::DEFAULT_ALPHA => "lrelu".to_owned(),
        LayerSpec::LeakyRelu { alpha } => format!("lrelu{alpha}"),
    };
    let (padding, bias, init, default_init) = match *layer {
        LayerSpec::Conv2d { padding, bias, init, .. } => (padding, bias, init, Init::He),
        LayerSpec::Dense { bias, init, .. } => (Padding::Same, bias, init, Init::Glorot),
        _ => return text,
    };
    if padding == Padding::Valid {
        text.push_str("_valid");
    }
    if !bias {
        text.push_str("_nobias");
    }
    if init != default_init {
        text.push('_');
        text.push_str(init_name(init));
    }
    text
}
