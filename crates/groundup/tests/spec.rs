//! Tests of `groundup::spec`: a model spec that cannot run is refused with
//! the layer it is in, and the presets' specs have the paper's shapes
//! (§4.2 Fig. 6, §4.3 Fig. 9) and survive JSON unchanged.

use groundup::presets::{preset, PRESET_NAMES};
use groundup::spec::{MAX_LAYERS, MAX_PARAMETERS};
use groundup::{ConfigError, LayerSpec, ModelSpec};
use rand::SeedableRng;

/// A spec from `input` (a JSON array) and `layers` (a JSON list body), softmax objective.
fn spec_json(input: &str, layers: &str) -> String {
    format!(r#"{{"input": {input}, "objective": "softmax_cross_entropy", "layers": [{layers}]}}"#)
}

/// Parses a spec that must be refused, and checks its field and message.
fn refused(input: &str, layers: &str, field: &str, needles: &[&str]) -> ConfigError {
    let json = spec_json(input, layers);
    let error = ModelSpec::from_json(&json).expect_err(&format!("should be refused: {json}"));
    assert_eq!(error.field, field, "{json}: {error}");
    let message = error.to_string();
    // As a person reads the field (`ConfigError::label`).
    assert!(message.starts_with(&error.label()), "the message names the field first: {message}");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} should contain {needle:?}");
    }
    error
}

const FLAT_END: &str = r#"{"type": "flatten"}, {"type": "dense", "units": 10}"#;

// A dense layer fed an image (no flatten after a conv) is refused at that layer, suggesting flatten.
#[test]
fn dense_after_conv_without_flatten_is_refused() {
    refused(
        "[1, 28, 28]",
        r#"{"type": "conv2d", "filters": 4, "kernel": 3}, {"type": "dense", "units": 10}"#,
        "layer 1 (dense)",
        &["flat input", "[4, 28, 28]", "flatten"],
    );
}

// A conv (or pool) on a flat vector is refused: it needs (channels, height, width).
#[test]
fn conv_or_pool_on_flat_input_is_refused() {
    refused(
        "[784]",
        &format!(r#"{{"type": "conv2d", "filters": 4, "kernel": 3}}, {FLAT_END}"#),
        "layer 0 (conv2d)",
        &["image input", "[784]"],
    );
    refused(
        "[784]",
        r#"{"type": "dense", "units": 20}, {"type": "max_pool2d", "size": 2}"#,
        "layer 1 (max_pool2d)",
        &["image input", "[20]"],
    );
}

// A kernel larger than the image (here 7 on 5×6) is refused, naming the bound.
#[test]
fn kernel_larger_than_input_is_refused() {
    refused(
        "[1, 5, 6]",
        &format!(r#"{{"type": "conv2d", "filters": 2, "kernel": 7, "padding": "valid"}}, {FLAT_END}"#),
        "layer 0 (conv2d)",
        &["kernel is 7", "between 1 and 5"],
    );
}

// "same" padding with an even kernel has no symmetric (k−1)/2 padding and is refused.
#[test]
fn even_kernel_with_same_padding_is_refused() {
    refused(
        "[1, 28, 28]",
        &format!(r#"{{"type": "conv2d", "filters": 2, "kernel": 4, "padding": "same"}}, {FLAT_END}"#),
        "layer 0 (conv2d)",
        &["odd kernel", "4"],
    );
    // The same kernel with valid padding is fine: 28 − 4 + 1 = 25.
    let json = spec_json(
        "[1, 28, 28]",
        &format!(r#"{{"type": "conv2d", "filters": 2, "kernel": 4, "padding": "valid"}}, {FLAT_END}"#),
    );
    assert_eq!(ModelSpec::from_json(&json).unwrap().shapes().unwrap()[0], vec![2, 25, 25]);
}

// Zero units, zero filters and a zero kernel are refused at their layer.
#[test]
fn zero_sizes_are_refused() {
    refused("[784]", r#"{"type": "dense", "units": 0}"#, "layer 0 (dense)", &["units is 0"]);
    refused(
        "[1, 28, 28]",
        &format!(r#"{{"type": "relu"}}, {{"type": "conv2d", "filters": 0, "kernel": 3}}, {FLAT_END}"#),
        "layer 1 (conv2d)",
        &["filters is 0"],
    );
    refused(
        "[1, 28, 28]",
        &format!(r#"{{"type": "conv2d", "filters": 2, "kernel": 0}}, {FLAT_END}"#),
        "layer 0 (conv2d)",
        &["kernel is 0"],
    );
}

// Pool size 0, or larger than the image, is refused.
#[test]
fn bad_pool_sizes_are_refused() {
    refused(
        "[1, 28, 28]",
        &format!(r#"{{"type": "max_pool2d", "size": 0}}, {FLAT_END}"#),
        "layer 0 (max_pool2d)",
        &["size is 0"],
    );
    refused(
        "[2, 8, 6]",
        &format!(r#"{{"type": "max_pool2d", "size": 7}}, {FLAT_END}"#),
        "layer 0 (max_pool2d)",
        &["size is 7", "between 1 and 6"],
    );
}

// A leaky ReLU slope outside [0, 1) (1.5, or negative) is refused.
#[test]
fn leaky_alpha_out_of_range_is_refused() {
    for alpha in ["1.5", "-0.1", "1.0"] {
        refused(
            "[784]",
            &format!(r#"{{"type": "dense", "units": 10}}, {{"type": "leaky_relu", "alpha": {alpha}}}"#),
            "layer 1 (leaky_relu)",
            &["alpha", "outside [0, 1)"],
        );
    }
}

// A spec with no layers, or more than MAX_LAYERS, is refused.
#[test]
fn layer_count_is_bounded() {
    refused("[784]", "", "layers", &["0 layers"]);
    let many = vec![r#"{"type": "relu"}"#; MAX_LAYERS + 1].join(", ");
    refused("[784]", &many, "layers", &[&format!("{} layers", MAX_LAYERS + 1)]);
}

// The last layer must output a flat vector (the class scores), not an image.
#[test]
fn last_layer_not_flat_is_refused() {
    refused(
        "[1, 28, 28]",
        r#"{"type": "conv2d", "filters": 2, "kernel": 3}"#,
        "layers",
        &["flat vector", "[2, 28, 28]"],
    );
}

// Absurd sizes are refused before anything is allocated: 1e9 units, and a layer within the unit
// limit whose weights (784·65536 + 65536 > 50M) would exceed the model's budget.
#[test]
fn absurd_sizes_are_refused() {
    refused(
        "[784]",
        r#"{"type": "dense", "units": 1000000000}"#,
        "layer 0 (dense)",
        &["units is 1000000000"],
    );
    refused(
        "[784]",
        r#"{"type": "dense", "units": 65536}, {"type": "dense", "units": 10}"#,
        "layer 0 (dense)",
        &[&format!("exceed {MAX_PARAMETERS} weights")],
    );
    // Two layers that are each under the budget but not together: the count is cumulative.
    refused(
        "[784]",
        r#"{"type": "dense", "units": 30000}, {"type": "dense", "units": 1000}"#,
        "layer 1 (dense)",
        &["exceed"],
    );
    // Activations: 4096 filters on 100×100 is 41M numbers per example.
    refused(
        "[1, 100, 100]",
        &format!(r#"{{"type": "conv2d", "filters": 4096, "kernel": 1}}, {FLAT_END}"#),
        "layer 0 (conv2d)",
        &["too large"],
    );
    refused("[1, 3000, 3000]", FLAT_END, "input", &["too large"]);
}

// Sides whose product overflows usize are refused, not a panic (debug) or a wrapped product
// of 0 that slips through (release): 2^62 · 4 · 4 = 2^66 wraps to 0, and 4 filters · 2^62
// channels wraps the weight count to 0.
#[test]
fn overflowing_sizes_are_refused_without_panicking() {
    let huge = 1usize << 62;
    let json = spec_json(
        &format!("[{huge}, 4, 4]"),
        &format!(
            r#"{{"type": "conv2d", "filters": 4, "kernel": 1, "padding": "valid", "bias": false}}, {FLAT_END}"#
        ),
    );
    let result = std::panic::catch_unwind(|| ModelSpec::from_json(&json));
    let error = result.expect("from_json must not panic").expect_err("must be refused");
    assert_eq!(error.field, "input", "{error}");
}

// An unknown layer type is refused by the parser, naming the type and the known ones.
#[test]
fn unknown_layer_type_is_refused() {
    let error = refused("[784]", r#"{"type": "dropout", "rate": 0.5}"#, "model spec", &["dropout"]);
    assert!(error.message.contains("dense"), "lists the known types: {error}");
}

// An input shape with a zero side, no sides, or more than three is refused as the input.
#[test]
fn bad_input_shapes_are_refused() {
    for input in ["[0]", "[]", "[1, 0, 28]", "[1, 1, 28, 28]"] {
        refused(input, r#"{"type": "dense", "units": 10}"#, "input", &["shape"]);
    }
}

// Malformed JSON and a missing field are refused by the parser as "model spec".
#[test]
fn malformed_json_is_refused() {
    for json in [
        "",
        "{",
        "[]",
        r#"{"input": [784], "layers": []}"#,
        r#"{"input": [784], "objective": "mse", "layers": []}"#,
    ] {
        let error = ModelSpec::from_json(json).expect_err(json);
        assert_eq!(error.field, "model spec", "{json}: {error}");
    }
}

// Every preset's spec is valid and survives to_json → from_json unchanged.
#[test]
fn preset_specs_round_trip_through_json() {
    for name in PRESET_NAMES {
        let spec = preset(name).unwrap().spec;
        let json = spec.to_json();
        let back = ModelSpec::from_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, spec, "{name}");
        assert_eq!(back.to_json(), json, "{name}: serialising is stable");
    }
}

// Omitted fields take the documented defaults (bias on, glorot/he init, same padding, pool 2, α 0.01).
#[test]
fn defaults_fill_omitted_fields() {
    let json = spec_json(
        "[1, 28, 28]",
        r#"{"type": "conv2d", "filters": 8, "kernel": 5}, {"type": "leaky_relu"}, {"type": "max_pool2d"},
           {"type": "flatten"}, {"type": "dense", "units": 10}"#,
    );
    let spec = ModelSpec::from_json(&json).unwrap();
    let cnn = preset("cnn").unwrap().spec;
    assert_eq!(spec.layers[..], [cnn.layers[0], cnn.layers[1], cnn.layers[2], cnn.layers[6], cnn.layers[7]]);
}

// paper-cnn and cnn have the paper's Fig. 9 shapes: [8,28,28] → pool [8,14,14] → [16,14,14] →
// [16,7,7] → [784] → [10]; no biases in the paper's, one per layer in the modern one.
#[test]
fn cnn_presets_have_the_papers_shapes() {
    let expected: Vec<Vec<usize>> = vec![
        vec![8, 28, 28],
        vec![8, 28, 28],
        vec![8, 14, 14],
        vec![16, 14, 14],
        vec![16, 14, 14],
        vec![16, 7, 7],
        vec![784],
        vec![10],
    ];
    for name in ["cnn", "paper-cnn"] {
        let spec = preset(name).unwrap().spec;
        assert_eq!(spec.input, vec![1, 28, 28]);
        assert_eq!(spec.shapes().unwrap(), expected, "{name}");
        assert_eq!(spec.outputs().unwrap(), 10);
        let has_bias = spec
            .layers
            .iter()
            .any(|l| matches!(l, LayerSpec::Conv2d { bias: true, .. } | LayerSpec::Dense { bias: true, .. }));
        assert_eq!(has_bias, name == "cnn", "{name}");
    }
}

// paper-mlp and mlp are 784 → 625 → 625 → 10 (§4.2, Fig. 6); paper-mlp has the paper's sigmoids
// and 784·625 + 625·625 + 625·10 weights, no biases.
#[test]
fn mlp_presets_have_the_papers_shapes() {
    for name in ["mlp", "paper-mlp"] {
        let spec = preset(name).unwrap().spec;
        assert_eq!(spec.input, vec![784]);
        let shapes = spec.shapes().unwrap();
        assert_eq!(shapes, vec![vec![625], vec![625], vec![625], vec![625], vec![10]], "{name}");
    }
    let paper = preset("paper-mlp").unwrap().spec;
    assert!(matches!(paper.layers[1], LayerSpec::Sigmoid) && matches!(paper.layers[3], LayerSpec::Sigmoid));
    let mut rng = <rand::rngs::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(0);
    let network = groundup::Network::<f32>::new(&paper, &mut rng).unwrap();
    assert_eq!(network.num_params(), 784 * 625 + 625 * 625 + 625 * 10);
}

// ---------------------------------------------------------------------------
// fits_data: a model meets the data
// ---------------------------------------------------------------------------

fn dense(inputs: &str, units: usize) -> ModelSpec {
    ModelSpec::from_json(&spec_json(inputs, &format!(r#"{{"type": "dense", "units": {units}}}"#))).unwrap()
}

// Every preset fits MNIST: 784 inputs (flat or 1×28×28), 10 outputs.
#[test]
fn presets_fit_mnist() {
    for name in groundup::presets::PRESET_NAMES {
        let spec = groundup::presets::preset(name).unwrap().spec;
        spec.fits_data(784, 10).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

// A model whose input is not as wide as the images is refused, naming both
// (eval on such a model used to panic on "network input width").
#[test]
fn a_model_of_the_wrong_input_width_does_not_fit() {
    for (input, width) in [("[100]", 100), ("[1, 28, 27]", 756), ("[785]", 785)] {
        let spec =
            ModelSpec::from_json(&spec_json(input, r#"{"type": "flatten"}, {"type": "dense", "units": 10}"#))
                .unwrap();
        let error = spec.fits_data(784, 10).unwrap_err();
        assert_eq!(error.field, "spec");
        assert_eq!(error.message, format!("the model takes {width} inputs; the images have 784 pixels"));
    }
}

// A model without exactly one output per class is refused: 1 or 5 outputs
// used to panic in one_hot, 20 were accepted (answers 10–19 counted as 9).
#[test]
fn a_model_without_one_output_per_class_does_not_fit() {
    for units in [1, 5, 9, 11, 20] {
        let error = dense("[784]", units).fits_data(784, 10).unwrap_err();
        assert_eq!(error.field, "spec");
        assert_eq!(error.message, format!("the model has {units} outputs; the data has 10 classes"));
    }
    assert!(dense("[784]", 10).fits_data(784, 10).is_ok());
}

// The weight count a loader checks against a file's size.
#[test]
fn parameter_count_counts_weights_and_biases() {
    assert_eq!(dense("[784]", 10).parameter_count().unwrap(), 784 * 10 + 10);
    let cnn = groundup::presets::preset("cnn").unwrap();
    let network =
        groundup::Network::<f32>::new(&cnn.spec, &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1))
            .unwrap();
    assert_eq!(cnn.spec.parameter_count().unwrap(), network.num_params());
}

// Labels without an output are an error from check_labels, which one_hot's
// callers can use; one_hot itself is only ever given checked labels.
#[test]
fn labels_beyond_the_outputs_are_an_error() {
    assert!(groundup::loss::check_labels(&[0, 9, 3], 10).is_ok());
    let error = groundup::loss::check_labels(&[0, 9, 3], 5).unwrap_err();
    assert_eq!(error.to_string(), "labels: label 1 is 9, but the model has only 5 outputs");
}
