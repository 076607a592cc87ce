//! Inside the network: what a reader of the page sees of it besides its
//! answers.
//!
//! - [`summary`]: every layer with a human name ("conv 1", "pool 1",
//!   "dense 1"), its kind, output shape, weight count and the paper's
//!   section for that kind of layer; the objective and the total.
//! - [`feature_maps`]: for one image, the output of every conv2d and
//!   max_pool2d layer, taken from the network's own forward pass
//!   ([`Network::forward_visit`]), so no layer is computed twice over.
//! - [`weight_images`]: the weights that can be drawn as pictures of the
//!   input (see its docs for the rule).
//! - [`examples_where`]: the test images with a given label and a given
//!   answer, for a clicked cell of the confusion matrix.
//!
//! Every function returns an error, never panics, on any input.

use std::collections::HashMap;

use ndarray::{Array2, Axis};
use serde::Serialize;

use crate::data::{Dataset, IMAGE_PIXELS, IMAGE_SIDE};
use crate::layers::Mode;
use crate::loss::Objective;
use crate::metrics::argmax_rows;
use crate::train::{predict, Examples};
use crate::{ConfigError, Error, LayerSpec, ModelSpec, Network, Real, TrainError};

/// One layer as the network diagram shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSummary {
    /// Position in the spec, 0-based.
    pub index: usize,
    /// `conv 1`, `leaky ReLU 1`, `pool 1`, `flatten`, `dense 1`, … (see [`layer_names`]).
    pub name: String,
    /// The spec's type: `conv2d`, `max_pool2d`, `dense`, `relu`, `leaky_relu`, `sigmoid`, `flatten`.
    pub kind: &'static str,
    /// The output for one image, e.g. `[8, 28, 28]` or `[10]`.
    pub output_shape: Vec<usize>,
    /// Weights and biases.
    pub parameters: usize,
    /// Where the paper explains this kind of layer (see [`paper_section`]).
    pub section: &'static str,
}

/// The error function the last layer feeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveSummary {
    /// As in a spec: `softmax_cross_entropy` or `sigmoid_sum_of_squares`.
    pub name: &'static str,
    pub section: &'static str,
}

/// The whole network as the diagram shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkSummary {
    pub layers: Vec<LayerSummary>,
    pub objective: ObjectiveSummary,
    pub total_parameters: usize,
}

/// The paper's section for a kind of layer: where it is defined, or, for
/// ReLU, which the paper only defines in a footnote, the section of that
/// footnote.
///
/// | kind | section | |
/// |---|---|---|
/// | dense | §4.2.1 | the feed-forward net's forward pass, eq. 4 |
/// | conv2d, max_pool2d, leaky_relu, flatten | §4.3.1 | the CNN's forward pass |
/// | relu | §4.3 | footnote 8 |
/// | sigmoid | §3.1.1 | eq. 2–3 |
pub fn paper_section(layer: &LayerSpec) -> &'static str {
    match layer {
        LayerSpec::Dense { .. } => "§4.2.1",
        LayerSpec::Conv2d { .. }
        | LayerSpec::MaxPool2d { .. }
        | LayerSpec::LeakyRelu { .. }
        | LayerSpec::Flatten => "§4.3.1",
        LayerSpec::Relu => "§4.3",
        LayerSpec::Sigmoid => "§3.1.1",
    }
}

/// The objective's name in a spec and its section: softmax and
/// cross-entropy §3.5 (eq. 17–18), sum of squares §3.2 (eq. 7).
pub fn objective_summary(objective: Objective) -> ObjectiveSummary {
    match objective {
        Objective::SoftmaxCrossEntropy => {
            ObjectiveSummary { name: "softmax_cross_entropy", section: "§3.5" }
        }
        Objective::SigmoidSumOfSquares => {
            ObjectiveSummary { name: "sigmoid_sum_of_squares", section: "§3.2" }
        }
    }
}

fn base_name(layer: &LayerSpec) -> &'static str {
    match layer {
        LayerSpec::Conv2d { .. } => "conv",
        LayerSpec::MaxPool2d { .. } => "pool",
        LayerSpec::Dense { .. } => "dense",
        LayerSpec::Relu => "ReLU",
        LayerSpec::LeakyRelu { .. } => "leaky ReLU",
        LayerSpec::Sigmoid => "sigmoid",
        LayerSpec::Flatten => "flatten",
    }
}

/// Human names, numbered 1, 2, … per kind in layer order: `conv 1`,
/// `leaky ReLU 1`, `pool 1`, `conv 2`, …, `dense 1`, `ReLU 1`, `sigmoid 1`.
/// A network's one flatten is just `flatten` (`flatten 1`, `flatten 2`
/// if it has more).
pub fn layer_names(spec: &ModelSpec) -> Vec<String> {
    let flattens = spec.layers.iter().filter(|l| matches!(l, LayerSpec::Flatten)).count();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    spec.layers
        .iter()
        .map(|layer| {
            let base = base_name(layer);
            let n = counts.entry(base).or_insert(0);
            *n += 1;
            if matches!(layer, LayerSpec::Flatten) && flattens == 1 {
                base.to_owned()
            } else {
                format!("{base} {n}")
            }
        })
        .collect()
}

/// Every layer of `network`, the objective and the total weight count.
pub fn summary<F: Real>(network: &Network<F>) -> NetworkSummary {
    let spec = network.spec();
    let layers: Vec<LayerSummary> = spec
        .layers
        .iter()
        .zip(network.layers())
        .zip(layer_names(spec))
        .enumerate()
        .map(|(index, ((layer_spec, layer), name))| LayerSummary {
            index,
            name,
            kind: layer_spec.kind(),
            output_shape: layer.output_shape(),
            parameters: layer.params().iter().map(|p| p.value.len()).sum(),
            section: paper_section(layer_spec),
        })
        .collect();
    let total_parameters = layers.iter().map(|l| l.parameters).sum();
    NetworkSummary { layers, objective: objective_summary(spec.objective), total_parameters }
}

/// One image as a network input row (1, 784): exactly 784 values, each in
/// [0, 1] (so no NaN), row-major 28×28, 0 = background.
pub fn image_row(pixels: &[f32]) -> Result<Array2<f32>, ConfigError> {
    if pixels.len() != IMAGE_PIXELS {
        return Err(ConfigError::new(
            "pixels",
            format!("expected {IMAGE_PIXELS} pixels, got {}", pixels.len()),
        ));
    }
    if let Some(bad) = pixels.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(ConfigError::new("pixels", format!("pixel value {bad} is outside [0, 1]")));
    }
    Array2::from_shape_vec((1, IMAGE_PIXELS), pixels.to_vec())
        .map_err(|e| ConfigError::new("pixels", e.to_string()))
}

/// The output of one conv2d or max_pool2d layer for one image.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMap {
    /// The layer's position in the spec.
    pub index: usize,
    /// `conv 1`, `pool 1`, …
    pub name: String,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// `channels·height·width` values, map by map, each row-major.
    pub values: Vec<f32>,
}

/// For one image (see [`image_row`]), the output of every conv2d and
/// max_pool2d layer, in layer order. A conv layer's maps are its own
/// output: the sums of eq. 4 over the window (plus bias), *before* the
/// activation that follows it, so they can be negative. An MLP has none.
/// Non-finite values (weights grown too large for this image) are an error.
pub fn feature_maps(network: &mut Network<f32>, pixels: &[f32]) -> Result<Vec<FeatureMap>, Error> {
    let x = image_row(pixels)?;
    network.fits_data(IMAGE_PIXELS, network.spec().outputs()?)?;
    let names = layer_names(network.spec());
    let wanted: Vec<bool> = network
        .spec()
        .layers
        .iter()
        .map(|l| matches!(l, LayerSpec::Conv2d { .. } | LayerSpec::MaxPool2d { .. }))
        .collect();
    let mut maps = Vec::new();
    network.forward_visit(x, Mode::Infer, |i, output| {
        if let ([_, channels, height, width], true) = (output.shape(), wanted[i]) {
            maps.push(FeatureMap {
                index: i,
                name: names[i].clone(),
                channels: *channels,
                height: *height,
                width: *width,
                values: output.index_axis(Axis(0), 0).iter().copied().collect(),
            });
        }
    });
    if maps.iter().any(|m| m.values.iter().any(|v| !v.is_finite())) {
        return Err(TrainError::NonFiniteOutput { what: "this image".into() }.into());
    }
    Ok(maps)
}

/// Weights drawn as `count` pictures of `height × width`.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightImage {
    /// `Filters of conv 1`, `Weights of dense 1` or `Output weights per digit`.
    pub name: String,
    pub count: usize,
    pub height: usize,
    pub width: usize,
    /// `count·height·width` values, picture by picture, each row-major.
    pub values: Vec<f32>,
}

/// The weights that are pictures of the input. Only the first layer with
/// weights qualifies, and only if nothing but flatten layers stand between
/// it and the pixels:
///
/// - a conv2d layer on a one-channel image: `Filters of conv 1`, one
///   `kernel × kernel` picture per filter;
/// - a dense layer on the raw image that is also the last layer with
///   weights (a one-layer network): `Output weights per digit`, one
///   picture of the image's size per output unit (column `j` of the
///   `(784, units)` weight matrix);
/// - any other dense layer on the raw image (an MLP's first hidden layer):
///   `Weights of dense 1`, the same pictures of its first `max_units` units.
///
/// Any other network has none (an empty list). `max_units` must be at
/// least 1.
pub fn weight_images(network: &Network<f32>, max_units: usize) -> Result<Vec<WeightImage>, ConfigError> {
    if max_units == 0 {
        return Err(ConfigError::new("max_units", "asked for 0 units; ask for at least 1"));
    }
    let spec = network.spec();
    let layers: Vec<_> = network.layers().collect();
    let learnable: Vec<usize> = (0..layers.len()).filter(|&i| !layers[i].params().is_empty()).collect();
    let (Some(&first), Some(&last)) = (learnable.first(), learnable.last()) else { return Ok(Vec::new()) };
    if !spec.layers[..first].iter().all(|l| matches!(l, LayerSpec::Flatten)) {
        return Ok(Vec::new());
    }
    let Some(weight) = layers[first].params().into_iter().find(|p| p.name == "weight") else {
        return Ok(Vec::new());
    };
    let name = &layer_names(spec)[first];
    let image = match spec.input[..] {
        [1, h, w] | [h, w] => Some((h, w)),
        [n] if n == IMAGE_PIXELS => Some((IMAGE_SIDE, IMAGE_SIDE)),
        _ => None,
    };
    let picture = match (spec.layers[first], image, weight.value.shape()) {
        (LayerSpec::Conv2d { filters, kernel, .. }, _, &[_, 1, _, _]) => WeightImage {
            name: format!("Filters of {name}"),
            count: filters,
            height: kernel,
            width: kernel,
            values: weight.value.iter().copied().collect(),
        },
        (LayerSpec::Dense { units, .. }, Some((height, width)), &[inputs, _]) if inputs == height * width => {
            let (title, count) = if first == last {
                ("Output weights per digit".to_owned(), units)
            } else {
                (format!("Weights of {name}"), units.min(max_units))
            };
            // Column j of (inputs, units) is unit j's picture.
            let mut values = Vec::with_capacity(count * inputs);
            for j in 0..count {
                values.extend(weight.value.index_axis(Axis(1), j).iter().copied());
            }
            WeightImage { name: title, count, height, width, values }
        }
        _ => return Ok(Vec::new()),
    };
    Ok(vec![picture])
}

/// Test images with a given label and answer: their positions in the
/// test set, the images with their answers, and how far the scan went.
#[derive(Clone, Debug, PartialEq)]
pub struct ExamplesWhere {
    /// Positions in the test set, ascending.
    pub indices: Vec<usize>,
    pub examples: Examples,
    /// How many test images, from the first, were looked at: all of them,
    /// or up to the one that made `max`.
    pub scanned: usize,
}

/// Images predicted at once while scanning, as an evaluation does.
const SCAN_BATCH: usize = 128;

/// The images of `data` whose label is `label` and which `network` now
/// answers `predicted`, at most `max`, in order; the scan stops once `max`
/// are found. `label` and `predicted` must be classes of the network.
pub fn examples_where(
    network: &mut Network<f32>,
    data: &Dataset,
    label: usize,
    predicted: usize,
    max: usize,
) -> Result<ExamplesWhere, Error> {
    let classes = network.spec().outputs()?;
    network.fits_data(IMAGE_PIXELS, classes)?;
    for (field, value) in [("label", label), ("predicted", predicted)] {
        if value >= classes {
            let message = format!("{value} is not a class; the model has classes 0 to {}", classes - 1);
            return Err(ConfigError::new(field, message).into());
        }
    }
    let answer_byte = u8::try_from(predicted)
        .map_err(|_| ConfigError::new("predicted", format!("{predicted} does not fit a byte")))?;
    let mut found = ExamplesWhere {
        indices: Vec::new(),
        examples: Examples {
            images: Vec::new(),
            labels: Vec::new(),
            predictions: Vec::new(),
            confidences: Vec::new(),
        },
        scanned: 0,
    };
    if max == 0 {
        return Ok(found);
    }
    let candidates: Vec<usize> = (0..data.len()).filter(|&i| usize::from(data.labels[i]) == label).collect();
    for chunk in candidates.chunks(SCAN_BATCH) {
        let (x, _) = data.batch(chunk);
        let probabilities = predict(network, x); // (n, classes)
        if probabilities.iter().any(|p| !p.is_finite()) {
            let what = format!("test images {} to {}", chunk[0], chunk[chunk.len() - 1]);
            return Err(TrainError::NonFiniteOutput { what }.into());
        }
        for (row, (&i, answer)) in chunk.iter().zip(argmax_rows(&probabilities)).enumerate() {
            if answer != predicted {
                continue;
            }
            found.indices.push(i);
            let e = &mut found.examples;
            e.images.extend_from_slice(data.image(i));
            e.labels.push(data.labels[i]);
            e.predictions.push(answer_byte);
            e.confidences.push(probabilities[[row, answer]]);
            if found.indices.len() == max {
                found.scanned = i + 1;
                return Ok(found);
            }
        }
    }
    found.scanned = data.len();
    Ok(found)
}
