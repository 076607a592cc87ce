//! Whether a stack can be trained on MNIST here, layer by layer, with a
//! reason that names the layer: "conv 2 needs an odd kernel for same
//! padding (it has 4)", "dense 1 would have 784000001000 parameters; the
//! most is 5000000", "dense 2 is the output layer: it needs 10 units, one
//! per digit, not 5". The limits are checked before the spec's own walk
//! ([`ModelSpec::shapes`], which this then runs too), and with arithmetic
//! that cannot overflow, so nothing is sized by an unchecked count.

use serde::Serialize;

use super::{format, ArchError, MAX_FILTERS, MAX_KERNEL, MAX_LAYERS, MAX_PARAMETERS, MAX_POOL, MAX_UNITS};
use crate::data::{IMAGE_PIXELS, NUM_CLASSES};
use crate::inspect::layer_names;
use crate::layers::Padding;
use crate::spec::MAX_ACTIVATIONS;
use crate::{LayerSpec, ModelSpec};

/// One layer of a stack that can be trained.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerDescription {
    pub index: usize,
    /// `conv 1`, `leaky ReLU 1`, `pool 1`, `flatten`, `dense 1`, …
    pub name: String,
    /// The spec's type: `conv2d`, `dense`, …
    pub kind: &'static str,
    pub output_shape: Vec<usize>,
    /// Weights and biases.
    pub parameters: usize,
    /// The layer as in a spec, for an editor to change.
    pub spec: LayerSpec,
}

/// A stack that can be trained: its text, every layer and the total.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchDescription {
    /// The canonical text ([`format()`](super::format())).
    pub arch: String,
    pub input: Vec<usize>,
    pub layers: Vec<LayerDescription>,
    /// As in a spec: `softmax_cross_entropy` or `sigmoid_sum_of_squares`.
    pub objective: &'static str,
    pub total_parameters: usize,
    /// Flops of the products one training image costs ([`crate::cost`]).
    pub training_flops_per_image: u64,
}

/// Checks that `spec` can be trained on MNIST within the limits, and
/// describes it; or the first thing wrong, naming the layer.
pub fn describe(spec: &ModelSpec) -> Result<ArchDescription, ArchError> {
    if spec.layers.is_empty() || spec.layers.len() > MAX_LAYERS {
        return Err(ArchError::whole(
            "layers",
            format!("the network has {} layers; it needs 1 to {MAX_LAYERS}", spec.layers.len()),
        ));
    }
    if spec.input != [IMAGE_PIXELS] && spec.input != [1, 28, 28] {
        return Err(ArchError::whole("input", format!("the input {:?} is not MNIST's", spec.input)));
    }
    let names = layer_names(spec);
    let mut shape = spec.input.clone();
    let mut layers = Vec::with_capacity(spec.layers.len());
    let mut total = 0usize;
    for (index, (layer, name)) in spec.layers.iter().zip(&names).enumerate() {
        let refuse = |field: &str, message: String| ArchError::at(index, name, field, message);
        limits(layer, &shape, name).map_err(|(field, m)| refuse(field, m))?;
        let (next, parameters) =
            layer.infer(&shape).map_err(|m| refuse(field_of(layer), format!("{name}: {m}")))?;
        let size = next.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).unwrap_or(usize::MAX);
        if size == 0 || size > MAX_ACTIVATIONS {
            return Err(refuse("output", format!("{name}'s output {next:?} is empty or too large")));
        }
        total = total.saturating_add(parameters);
        if total > MAX_PARAMETERS {
            return Err(refuse(
                "parameters",
                format!(
                    "with {name} the network would have {total} parameters; the most is {MAX_PARAMETERS}"
                ),
            ));
        }
        layers.push(LayerDescription {
            index,
            name: name.clone(),
            kind: layer.kind(),
            output_shape: next.clone(),
            parameters,
            spec: *layer,
        });
        shape = next;
    }
    output_fits(spec, &names, &shape)?;
    // The spec's own walk, which the network is built by, must agree.
    spec.shapes().map_err(|e| ArchError::whole("arch", e.to_string()))?;
    let training_flops_per_image =
        crate::cost::training_flops_per_image(spec).map_err(|e| ArchError::whole("arch", e.to_string()))?;
    let objective = crate::inspect::objective_summary(spec.objective).name;
    Ok(ArchDescription {
        arch: format(spec),
        input: spec.input.clone(),
        layers,
        objective,
        total_parameters: total,
        training_flops_per_image,
    })
}

/// The editor's limits on one layer fed `input`, as (field, reason).
fn limits(layer: &LayerSpec, input: &[usize], name: &str) -> Result<(), (&'static str, String)> {
    let range = |field: &'static str, value: usize, max: usize| {
        if (1..=max).contains(&value) {
            Ok(())
        } else {
            Err((field, format!("{name} has {field} {value}; it needs 1 to {max}")))
        }
    };
    match *layer {
        LayerSpec::Conv2d { filters, kernel, padding, .. } => {
            range("filters", filters, MAX_FILTERS)?;
            range("kernel", kernel, MAX_KERNEL)?;
            if padding == Padding::Same && kernel % 2 == 0 {
                return Err((
                    "kernel",
                    format!("{name} needs an odd kernel for same padding (it has {kernel})"),
                ));
            }
            Ok(())
        }
        LayerSpec::Dense { units, bias, .. } => {
            if let [inputs] = *input {
                // In u128: 65 536 inputs × 10⁹ units does not overflow it.
                let weights = inputs as u128 * units as u128 + if bias { units as u128 } else { 0 };
                if weights > MAX_PARAMETERS as u128 {
                    return Err((
                        "units",
                        format!("{name} would have {weights} parameters; the most is {MAX_PARAMETERS}"),
                    ));
                }
            }
            range("units", units, MAX_UNITS)
        }
        LayerSpec::MaxPool2d { size } => range("size", size, MAX_POOL),
        _ => Ok(()),
    }
}

/// The field an error of the spec's own check of `layer` is about.
fn field_of(layer: &LayerSpec) -> &'static str {
    match layer {
        LayerSpec::Conv2d { .. } => "kernel",
        LayerSpec::Dense { .. } => "units",
        LayerSpec::MaxPool2d { .. } => "size",
        LayerSpec::LeakyRelu { .. } => "alpha",
        _ => "layers",
    }
}

/// The stack ends in one output per digit.
fn output_fits(spec: &ModelSpec, names: &[String], shape: &[usize]) -> Result<(), ArchError> {
    let last = spec.layers.len() - 1;
    let output = spec.layers.iter().rposition(|l| matches!(l, LayerSpec::Dense { .. }));
    let output_name = output.map_or_else(|| names[last].clone(), |i| names[i].clone());
    match *shape {
        [n] if n == NUM_CLASSES => Ok(()),
        [n] => Err(ArchError::at(
            output.unwrap_or(last),
            &output_name,
            "units",
            format!("{output_name} is the output layer: it needs {NUM_CLASSES} units, one per digit, not {n}"),
        )),
        _ => Err(ArchError::at(
            last,
            &names[last],
            "output",
            format!(
                "the network ends with {} and an image {shape:?}; it must end in a dense layer of {NUM_CLASSES} units",
                names[last]
            ),
        )),
    }
}
