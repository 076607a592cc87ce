//! A network's architecture as data: what is saved beside the weights, sent
//! to the browser, and built into a [`Network`](crate::Network).
//!
//! ```json
//! {"input": [1, 28, 28], "objective": "softmax_cross_entropy", "layers": [
//!   {"type": "conv2d", "filters": 8, "kernel": 5, "padding": "same", "bias": false, "init": "he"},
//!   {"type": "leaky_relu", "alpha": 0.01},
//!   {"type": "max_pool2d", "size": 2},
//!   {"type": "flatten"},
//!   {"type": "dense", "units": 10, "bias": false, "init": "glorot"}]}
//! ```
//!
//! [`ModelSpec::shapes`] walks the layers and works out every shape, so a
//! spec that cannot run (a dense layer fed an image, a kernel larger than
//! its input, a billion weights) is refused with the layer it is in.

use serde::{Deserialize, Serialize};

use crate::layers::Padding;
use crate::loss::Objective;
use crate::{ConfigError, Init};

/// Upper bounds that keep a hand-written or hostile spec from asking for
/// more memory than a browser tab has.
pub const MAX_PARAMETERS: usize = 50_000_000;
/// Per example, per layer.
pub const MAX_ACTIVATIONS: usize = 4_000_000;
pub const MAX_LAYERS: usize = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Shape of one example: `[784]` for an MLP, `[1, 28, 28]` for a CNN.
    pub input: Vec<usize>,
    pub layers: Vec<LayerSpec>,
    pub objective: Objective,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerSpec {
    Dense {
        units: usize,
        #[serde(default = "yes")]
        bias: bool,
        #[serde(default = "glorot")]
        init: Init,
    },
    Conv2d {
        filters: usize,
        kernel: usize,
        #[serde(default = "same")]
        padding: Padding,
        #[serde(default = "yes")]
        bias: bool,
        #[serde(default = "he")]
        init: Init,
    },
    MaxPool2d {
        #[serde(default = "two")]
        size: usize,
    },
    Flatten,
    Sigmoid,
    Relu,
    LeakyRelu {
        #[serde(default = "leak")]
        alpha: f64,
    },
}

fn yes() -> bool {
    true
}
fn glorot() -> Init {
    Init::Glorot
}
fn he() -> Init {
    Init::He
}
fn same() -> Padding {
    Padding::Same
}
fn two() -> usize {
    2
}
fn leak() -> f64 {
    0.01
}

impl LayerSpec {
    /// The layer's name in a spec: `dense`, `conv2d`, …
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::MaxPool2d { .. } => "max_pool2d",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Sigmoid => "sigmoid",
            LayerSpec::Relu => "relu",
            LayerSpec::LeakyRelu { .. } => "leaky_relu",
        }
    }

    /// The output shape for one example of shape `input`, and the number of
    /// learnable weights; or why this layer cannot take that input.
    pub(crate) fn infer(&self, input: &[usize]) -> Result<(Vec<usize>, usize), String> {
        match *self {
            LayerSpec::Dense { units, bias, .. } => {
                let [inputs] = *input else {
                    return Err(format!(
                        "needs a flat input, got shape {input:?}; put a flatten layer before it"
                    ));
                };
                check_range("units", units, 1, 65_536)?;
                let weights =
                    checked_product(&[inputs, units]).and_then(|w| w.checked_add(units * bias as usize));
                Ok((vec![units], weights.ok_or_else(too_many_weights)?))
            }
            LayerSpec::Conv2d { filters, kernel, padding, bias, .. } => {
                let [c, h, w] = *input else {
                    return Err(format!(
                        "needs an image input (channels, height, width), got shape {input:?}"
                    ));
                };
                check_range("filters", filters, 1, 4_096)?;
                check_range("kernel", kernel, 1, h.min(w))?;
                if padding == Padding::Same && kernel % 2 == 0 {
                    return Err(format!("\"same\" padding needs an odd kernel, got {kernel}"));
                }
                let pad = padding.amount(kernel);
                let (ho, wo) = (h + 2 * pad + 1 - kernel, w + 2 * pad + 1 - kernel);
                let weights = checked_product(&[filters, c, kernel, kernel])
                    .and_then(|w| w.checked_add(filters * bias as usize))
                    .ok_or_else(too_many_weights)?;
                Ok((vec![filters, ho, wo], weights))
            }
            LayerSpec::MaxPool2d { size } => {
                let [c, h, w] = *input else {
                    return Err(format!(
                        "needs an image input (channels, height, width), got shape {input:?}"
                    ));
                };
                check_range("size", size, 1, h.min(w))?;
                Ok((vec![c, h / size, w / size], 0))
            }
            LayerSpec::Flatten => Ok((vec![checked_product(input).ok_or("input too large")?], 0)),
            LayerSpec::Sigmoid | LayerSpec::Relu => Ok((input.to_vec(), 0)),
            LayerSpec::LeakyRelu { alpha } => {
                if !(0.0..1.0).contains(&alpha) {
                    return Err(format!("alpha {alpha} is outside [0, 1)"));
                }
                Ok((input.to_vec(), 0))
            }
        }
    }
}

/// The product of `dims`, or `None` if it does not fit a `usize` (on wasm32,
/// 4·10⁹): a hostile spec must be refused, not wrap around to a small size.
fn checked_product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

fn too_many_weights() -> String {
    format!("the layer would have more than {MAX_PARAMETERS} weights")
}

fn check_range(name: &str, value: usize, min: usize, max: usize) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!("{name} is {value}; it must be between {min} and {max}"))
    }
}

impl ModelSpec {
    /// Numbers in one example: 784 for MNIST.
    pub fn input_size(&self) -> usize {
        checked_product(&self.input).unwrap_or(usize::MAX)
    }

    /// The shape after each layer (so `shapes()[i]` is layer i's output), or
    /// the first layer that cannot work.
    pub fn shapes(&self) -> Result<Vec<Vec<usize>>, ConfigError> {
        self.walk().map(|(shapes, _)| shapes)
    }

    /// Learnable weights in the whole model (at most [`MAX_PARAMETERS`]), or
    /// the first layer that cannot work. What a loader checks against the
    /// bytes a file really has before building the network.
    pub fn parameter_count(&self) -> Result<usize, ConfigError> {
        self.walk().map(|(_, parameters)| parameters)
    }

    /// Checks that this model can run on data of `input_pixels` numbers per
    /// example with labels `0..classes`: the input is that wide and there is
    /// one output per class. Call it wherever a model meets data, before
    /// any forward pass: a network fed the wrong width, or asked about a
    /// label it has no output for, stops on an assertion (an abort in a
    /// release build), and a model with more outputs than classes would
    /// answer with classes that do not exist.
    ///
    /// ```
    /// let p = groundup::presets::preset("mlp").unwrap();
    /// assert!(p.spec.fits_data(784, 10).is_ok());
    /// let error = p.spec.fits_data(100, 10).unwrap_err();
    /// assert_eq!(error.to_string(), "spec: the model takes 784 inputs; the images have 100 pixels");
    /// ```
    pub fn fits_data(&self, input_pixels: usize, classes: usize) -> Result<(), ConfigError> {
        let inputs = self.input_size();
        if inputs != input_pixels {
            return Err(ConfigError::new(
                "spec",
                format!("the model takes {inputs} inputs; the images have {input_pixels} pixels"),
            ));
        }
        let outputs = self.outputs()?;
        if outputs != classes {
            return Err(ConfigError::new(
                "spec",
                format!("the model has {outputs} outputs; the data has {classes} classes"),
            ));
        }
        Ok(())
    }

    /// The shapes after each layer and the number of weights.
    fn walk(&self) -> Result<(Vec<Vec<usize>>, usize), ConfigError> {
        if self.input.is_empty() || self.input.len() > 3 || self.input.contains(&0) {
            return Err(ConfigError::new(
                "input",
                format!("shape {:?} is not 1 to 3 positive sides", self.input),
            ));
        }
        if self.input_size() > MAX_ACTIVATIONS {
            return Err(ConfigError::new("input", format!("shape {:?} is too large", self.input)));
        }
        if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
            return Err(ConfigError::new(
                "layers",
                format!("{} layers; a model has 1 to {MAX_LAYERS}", self.layers.len()),
            ));
        }
        let mut shape = self.input.clone();
        let mut shapes = Vec::with_capacity(self.layers.len());
        let mut parameters = 0usize;
        for (i, layer) in self.layers.iter().enumerate() {
            let field = || format!("layer {i} ({})", layer.kind());
            let (next, weights) = layer.infer(&shape).map_err(|m| ConfigError::new(field(), m))?;
            let size = checked_product(&next).unwrap_or(usize::MAX);
            if size == 0 || size > MAX_ACTIVATIONS {
                return Err(ConfigError::new(
                    field(),
                    format!("output shape {next:?} is empty or too large"),
                ));
            }
            parameters = parameters.saturating_add(weights);
            if parameters > MAX_PARAMETERS {
                return Err(ConfigError::new(
                    field(),
                    format!("the model would exceed {MAX_PARAMETERS} weights"),
                ));
            }
            shapes.push(next.clone());
            shape = next;
        }
        if shape.len() != 1 {
            return Err(ConfigError::new(
                "layers",
                format!("the last layer must output a flat vector, not shape {shape:?}"),
            ));
        }
        Ok((shapes, parameters))
    }

    /// Width of the last layer: the number of classes for a classifier.
    pub fn outputs(&self) -> Result<usize, ConfigError> {
        Ok(self.shapes()?.last().map_or(0, |s| s[0]))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a spec always serialises")
    }

    /// Parses and validates a spec.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let spec: ModelSpec =
            serde_json::from_str(json).map_err(|e| ConfigError::new("model spec", e.to_string()))?;
        spec.shapes()?;
        Ok(spec)
    }
}
