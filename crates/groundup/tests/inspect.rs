//! Inside the network: the layer summary of every preset, feature maps
//! checked against an independent computation, weight pictures against the
//! saved tensors, the images of a confusion-matrix cell against a
//! brute-force scan, and bad input refused without a panic.

mod common;

use common::{sample_test, sample_train};
use groundup::data::Dataset;
use groundup::inspect::{layer_names, summary};
use groundup::layers::Mode;
use groundup::presets::preset;
use groundup::train::{Session, TrainConfig};
use groundup::{Error, ModelSpec, Network};
use ndarray::{Array2, ArrayD};

/// A session of preset `name` on the sample data, trained `steps` steps.
fn session(name: &str, steps: usize) -> Session {
    let p = preset(name).unwrap();
    let mut s = Session::new(&p.spec, p.train.clone(), sample_train(), sample_test()).unwrap();
    s.train_steps(steps).unwrap();
    s
}

fn custom(spec_json: &str) -> Session {
    let spec = ModelSpec::from_json(spec_json).unwrap();
    let config: TrainConfig = preset("mlp").unwrap().train;
    Session::new(&spec, config, Dataset::new(), Dataset::new()).unwrap()
}

/// An image with some ink: a ramp, so every filter sees something.
fn image() -> Vec<f32> {
    (0..784).map(|i| ((i * 37) % 101) as f32 / 100.0).collect()
}

fn tensor<'a>(s: &'a Session, name: &str) -> &'a ArrayD<f32> {
    let params = s.network().named_params();
    let (_, p) = params.into_iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}"));
    &p.value
}

fn field_of(e: Error) -> String {
    match e {
        Error::Config(c) => c.field,
        other => panic!("expected a config error, got {other}"),
    }
}

#[test]
fn every_preset_is_summarised_layer_by_layer() {
    type Row = (&'static str, &'static str, Vec<usize>, usize, &'static str);
    let cnn = |bias: usize| -> Vec<Row> {
        vec![
            ("conv 1", "conv2d", vec![8, 28, 28], 200 + 8 * bias, "§4.3.1"),
            ("leaky ReLU 1", "leaky_relu", vec![8, 28, 28], 0, "§4.3.1"),
            ("pool 1", "max_pool2d", vec![8, 14, 14], 0, "§4.3.1"),
            ("conv 2", "conv2d", vec![16, 14, 14], 3200 + 16 * bias, "§4.3.1"),
            ("leaky ReLU 2", "leaky_relu", vec![16, 14, 14], 0, "§4.3.1"),
            ("pool 2", "max_pool2d", vec![16, 7, 7], 0, "§4.3.1"),
            ("flatten", "flatten", vec![784], 0, "§4.3.1"),
            ("dense 1", "dense", vec![10], 7840 + 10 * bias, "§4.2.1"),
        ]
    };
    type Activation = (&'static str, &'static str, &'static str, &'static str);
    let mlp = |(n1, n2, kind, section): Activation, bias: usize| -> Vec<Row> {
        vec![
            ("dense 1", "dense", vec![625], 784 * 625 + 625 * bias, "§4.2.1"),
            (n1, kind, vec![625], 0, section),
            ("dense 2", "dense", vec![625], 625 * 625 + 625 * bias, "§4.2.1"),
            (n2, kind, vec![625], 0, section),
            ("dense 3", "dense", vec![10], 6250 + 10 * bias, "§4.2.1"),
        ]
    };
    for (name, rows) in [
        ("cnn", cnn(1)),
        ("paper-cnn", cnn(0)),
        ("mlp", mlp(("ReLU 1", "ReLU 2", "relu", "§4.3"), 1)),
        ("paper-mlp", mlp(("sigmoid 1", "sigmoid 2", "sigmoid", "§3.1.1"), 0)),
    ] {
        let s = Session::from_preset(name).unwrap();
        let summary = s.layer_summary();
        let got: Vec<Row> = summary
            .layers
            .iter()
            .map(|l| {
                let expected: &'static str = rows[l.index].0;
                assert_eq!(l.name, expected, "{name}");
                (expected, l.kind, l.output_shape.clone(), l.parameters, l.section)
            })
            .collect();
        assert_eq!(got, rows, "{name}");
        assert_eq!(
            summary.layers.iter().map(|l| l.index).collect::<Vec<_>>(),
            (0..rows.len()).collect::<Vec<_>>()
        );
        assert_eq!(summary.total_parameters, s.network().num_params(), "{name}");
        assert_eq!((summary.objective.name, summary.objective.section), ("softmax_cross_entropy", "§3.5"));
    }
    assert_eq!(Session::from_preset("cnn").unwrap().layer_summary().total_parameters, 208 + 3216 + 7850);

    // As the page reads it: camelCase keys.
    let json = serde_json::to_value(Session::from_preset("cnn").unwrap().layer_summary()).unwrap();
    assert_eq!(json["totalParameters"], 11274);
    assert_eq!(json["layers"][0]["outputShape"], serde_json::json!([8, 28, 28]));
    assert_eq!(json["objective"]["name"], "softmax_cross_entropy");
}

#[test]
fn names_number_each_kind_and_a_lone_flatten_is_unnumbered() {
    let spec = ModelSpec::from_json(
        r#"{"input": [784], "objective": "sigmoid_sum_of_squares", "layers": [
        {"type": "flatten"}, {"type": "dense", "units": 20}, {"type": "leaky_relu"},
        {"type": "flatten"}, {"type": "dense", "units": 10}, {"type": "relu"}]}"#,
    )
    .unwrap();
    assert_eq!(
        layer_names(&spec),
        ["flatten 1", "dense 1", "leaky ReLU 1", "flatten 2", "dense 2", "ReLU 1"]
    );
    let network = Network::<f32>::new(&spec, &mut common::rng(1)).unwrap();
    let s = summary(&network);
    assert_eq!((s.objective.name, s.objective.section), ("sigmoid_sum_of_squares", "§3.2"));
    assert_eq!(s.layers[1].parameters, 784 * 20 + 20);
}

#[test]
fn forward_visit_sees_every_layer_and_ends_where_forward_does() {
    let p = preset("cnn").unwrap();
    let mut network = Network::<f32>::new(&p.spec, &mut common::rng(3)).unwrap();
    let x = Array2::from_shape_fn((3, 784), |(n, i)| ((n * 131 + i * 17) % 97) as f32 / 96.0);
    let mut seen: Vec<(usize, Vec<usize>, ArrayD<f32>)> = Vec::new();
    let visited =
        network.forward_visit(x.clone(), Mode::Infer, |i, a| seen.push((i, a.shape().to_vec(), a.clone())));
    let plain = network.forward(x, Mode::Infer);
    assert_eq!(visited, plain);
    let expected: Vec<(usize, Vec<usize>)> = summary(&network)
        .layers
        .iter()
        .map(|l| (l.index, [vec![3], l.output_shape.clone()].concat()))
        .collect();
    assert_eq!(seen.iter().map(|(i, s, _)| (*i, s.clone())).collect::<Vec<_>>(), expected);
    assert_eq!(seen.last().unwrap().2, plain.into_dyn(), "the last layer's output is the network's");
}

#[test]
fn feature_maps_are_the_conv_and_pool_outputs() {
    let mut s = session("cnn", 5);
    let pixels = image();
    let maps = s.feature_maps(&pixels).unwrap();
    let layout: Vec<_> =
        maps.iter().map(|m| (m.index, m.name.as_str(), m.channels, m.height, m.width)).collect();
    assert_eq!(
        layout,
        [
            (0, "conv 1", 8, 28, 28),
            (2, "pool 1", 8, 14, 14),
            (3, "conv 2", 16, 14, 14),
            (5, "pool 2", 16, 7, 7)
        ]
    );
    for m in &maps {
        assert_eq!(m.values.len(), m.channels * m.height * m.width);
    }

    // conv 1, computed here from its weights: the layer's own output, before the activation.
    let (w, b) = (tensor(&s, "layers.0.weight"), tensor(&s, "layers.0.bias"));
    let mut worst = 0f32;
    for o in 0..8 {
        for y in 0..28 {
            for x in 0..28 {
                let mut sum = b[[o]];
                for i in 0..5 {
                    for j in 0..5 {
                        let (yy, xx) = (y as isize + i as isize - 2, x as isize + j as isize - 2);
                        if (0..28).contains(&yy) && (0..28).contains(&xx) {
                            sum += w[[o, 0, i, j]] * pixels[yy as usize * 28 + xx as usize];
                        }
                    }
                }
                worst = worst.max((sum - maps[0].values[o * 784 + y * 28 + x]).abs());
            }
        }
    }
    assert!(worst < 1e-5, "conv 1 differs by {worst}");
    assert!(maps[0].values.iter().any(|&v| v < 0.0), "before the activation, some values are negative");

    // pool 1 = the 2×2 maxima of leaky ReLU(conv 1).
    let leaky = |v: f32| if v > 0.0 { v } else { 0.01 * v };
    for c in 0..8 {
        for y in 0..14 {
            for x in 0..14 {
                let window = [(0, 0), (0, 1), (1, 0), (1, 1)]
                    .map(|(i, j)| leaky(maps[0].values[c * 784 + (2 * y + i) * 28 + 2 * x + j]));
                let max = window.into_iter().fold(f32::NEG_INFINITY, f32::max);
                assert_eq!(maps[1].values[c * 196 + y * 14 + x], max);
            }
        }
    }

    // pool 2 through the dense layer and a softmax is what predict answers.
    let (w, b) = (tensor(&s, "layers.7.weight"), tensor(&s, "layers.7.bias"));
    let logits: Vec<f32> =
        (0..10).map(|k| b[[k]] + (0..784).map(|i| maps[3].values[i] * w[[i, k]]).sum::<f32>()).collect();
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let z: f32 = logits.iter().map(|l| (l - top).exp()).sum();
    let probabilities = s.predict(&pixels).unwrap();
    for k in 0..10 {
        let p = (logits[k] - top).exp() / z;
        assert!((p - probabilities[k]).abs() < 1e-5, "class {k}: {p} vs {}", probabilities[k]);
    }

    assert!(session("mlp", 0).feature_maps(&pixels).unwrap().is_empty(), "an MLP has no maps");
}

#[test]
fn weight_images_are_the_named_tensors() {
    let s = session("cnn", 3);
    let images = s.weight_images(16).unwrap();
    assert_eq!(images.len(), 1);
    let filters = &images[0];
    assert_eq!(
        (filters.name.as_str(), filters.count, filters.height, filters.width),
        ("Filters of conv 1", 8, 5, 5)
    );
    assert_eq!(filters.values, tensor(&s, "layers.0.weight").iter().copied().collect::<Vec<_>>());

    let s = session("mlp", 3);
    let w = tensor(&s, "layers.0.weight"); // (784, 625)
    let images = s.weight_images(16).unwrap();
    let units = &images[0];
    assert_eq!(
        (units.name.as_str(), units.count, units.height, units.width),
        ("Weights of dense 1", 16, 28, 28)
    );
    for j in 0..16 {
        for p in 0..784 {
            assert_eq!(units.values[j * 784 + p], w[[p, j]]);
        }
    }
    assert_eq!(s.weight_images(10_000).unwrap()[0].count, 625, "clamped to the layer's units");

    // A one-layer network, on the flat image or flattened: a picture per digit.
    for spec in [
        r#"{"input": [784], "objective": "softmax_cross_entropy", "layers": [{"type": "dense", "units": 10}]}"#,
        r#"{"input": [1, 28, 28], "objective": "softmax_cross_entropy",
            "layers": [{"type": "flatten"}, {"type": "dense", "units": 10}]}"#,
    ] {
        let s = custom(spec);
        let images = s.weight_images(3).unwrap();
        let digits = &images[0];
        let index = if spec.contains("flatten") { 1 } else { 0 };
        let w = tensor(&s, &format!("layers.{index}.weight"));
        assert_eq!(
            (digits.name.as_str(), digits.count, digits.height, digits.width),
            ("Output weights per digit", 10, 28, 28)
        );
        assert!((0..10).all(|k| (0..784).all(|p| digits.values[k * 784 + p] == w[[p, k]])));
    }

    // Weights behind an activation are not pictures of the pixels.
    let s = custom(
        r#"{"input": [784], "objective": "softmax_cross_entropy",
            "layers": [{"type": "sigmoid"}, {"type": "dense", "units": 10}]}"#,
    );
    assert!(s.weight_images(16).unwrap().is_empty());
    assert_eq!(field_of(s.weight_images(0).unwrap_err()), "max_units");
}

#[test]
fn examples_of_a_cell_agree_with_predict_and_a_full_scan() {
    let mut s = session("cnn", 8);
    let test = sample_test();
    let pixels = |i: usize| test.image(i).iter().map(|&v| f32::from(v) / 255.0).collect::<Vec<_>>();
    let answers: Vec<(usize, f32)> = (0..test.len())
        .map(|i| {
            let p = s.predict(&pixels(i)).unwrap();
            let best = (0..10).fold(0, |b, k| if p[k] > p[b] { k } else { b });
            (best, p[best])
        })
        .collect();
    let mut cells_seen = 0;
    for label in 0..10 {
        for predicted in 0..10 {
            let expected: Vec<usize> = (0..test.len())
                .filter(|&i| usize::from(test.labels[i]) == label && answers[i].0 == predicted)
                .collect();
            let found = s.test_examples_where(label, predicted, 10_000).unwrap();
            assert_eq!(found.indices, expected, "cell ({label}, {predicted})");
            assert_eq!(found.scanned, test.len());
            let e = &found.examples;
            assert_eq!(e.images, expected.iter().flat_map(|&i| test.image(i).to_vec()).collect::<Vec<_>>());
            assert!(e.labels.iter().all(|&l| usize::from(l) == label));
            assert!(e.predictions.iter().all(|&p| usize::from(p) == predicted));
            for (&i, &confidence) in expected.iter().zip(&e.confidences) {
                assert!((confidence - answers[i].1).abs() < 1e-5, "image {i}");
            }
            if expected.len() >= 3 {
                cells_seen += 1;
                let first_two = s.test_examples_where(label, predicted, 2).unwrap();
                assert_eq!(first_two.indices, expected[..2]);
                assert_eq!(first_two.scanned, expected[1] + 1, "the scan stops at the second");
                assert_eq!(first_two.examples.images.len(), 2 * 784);
            }
        }
    }
    assert!(cells_seen > 0, "some cell has three images");
    let none = s.test_examples_where(3, 3, 0).unwrap();
    assert_eq!((none.indices.len(), none.scanned), (0, 0));
}

#[test]
fn bad_inputs_are_refused_without_panic() {
    for name in ["cnn", "mlp"] {
        let mut s = session(name, 0);
        for bad in [
            vec![0.5; 783],
            vec![],
            vec![0.5; 785],
            vec![f32::NAN; 784],
            vec![1.5; 784],
            vec![-0.1; 784],
            vec![f32::INFINITY; 784],
        ] {
            assert_eq!(field_of(s.feature_maps(&bad).unwrap_err()), "pixels", "{name}");
        }
        for (label, predicted, field) in
            [(10, 0, "label"), (0, 10, "predicted"), (usize::MAX, 3, "label"), (3, usize::MAX, "predicted")]
        {
            let e = s.test_examples_where(label, predicted, 5).unwrap_err();
            assert!(e.to_string().contains("not a class"), "{e}");
            assert_eq!(field_of(e), field);
        }
        assert_eq!(field_of(s.weight_images(0).unwrap_err()), "max_units");
    }
    // No test data yet: nothing found, nothing scanned.
    let mut empty = Session::from_preset("cnn").unwrap();
    let found = empty.test_examples_where(1, 1, 5).unwrap();
    assert_eq!((found.indices.len(), found.scanned), (0, 0));
    assert_eq!(empty.feature_maps(&[0.0; 784]).unwrap().len(), 4, "all-blank pixels are fine");
}

#[test]
fn looking_inside_changes_nothing() {
    let mut s = session("cnn", 2);
    let before = s.weights();
    s.feature_maps(&image()).unwrap();
    s.test_examples_where(1, 1, 100).unwrap();
    s.weight_images(4).unwrap();
    assert_eq!(s.weights(), before);
    assert_eq!(s.step(), 2);
}
