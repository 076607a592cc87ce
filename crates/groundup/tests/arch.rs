//! Tests of `groundup::arch`: the one-line text of an architecture reads
//! back to the same spec (property test), every preset has one, a stack
//! that cannot be trained is refused naming the layer and the field, and a
//! hostile text is refused before anything is sized by it.
#![cfg(not(target_arch = "wasm32"))]

use groundup::arch::{self, describe, from_layers, ArchError, MAX_LAYERS, MAX_PARAMETERS};
use groundup::layers::Padding;
use groundup::loss::Objective;
use groundup::presets::{preset, PRESET_NAMES};
use groundup::train::{Session, SettingsPatch};
use groundup::{Init, LayerSpec, ModelSpec};
use proptest::prelude::*;

fn refused(text: &str) -> ArchError {
    arch::parse(text).expect_err(&format!("{text} should be refused"))
}

#[test]
fn the_presets_have_a_text_that_reads_back() {
    let texts: Vec<String> = PRESET_NAMES.iter().map(|n| arch::format(&preset(n).unwrap().spec)).collect();
    assert_eq!(texts[0], "conv8k5-lrelu-pool-conv16k5-lrelu-pool-dense10");
    assert_eq!(texts[1], "dense625_he-relu-dense625_he-relu-dense10");
    assert_eq!(texts[2], "conv8k5_nobias-lrelu-pool-conv16k5_nobias-lrelu-pool-dense10_nobias");
    assert_eq!(
        texts[3],
        "dense625_nobias_normal-sigmoid-dense625_nobias_normal-sigmoid-dense10_nobias_normal"
    );
    for (name, text) in PRESET_NAMES.iter().zip(&texts) {
        assert_eq!(arch::parse(text).unwrap(), preset(name).unwrap().spec, "{text}");
        // Nothing URLSearchParams would percent-encode.
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{text}");
    }
}

#[test]
fn describe_gives_shapes_counts_and_the_total() {
    let spec = arch::parse("conv8k5-lrelu-pool-conv16k5-lrelu-pool-dense32-relu-dense10").unwrap();
    let d = describe(&spec).unwrap();
    let names: Vec<&str> = d.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "conv 1",
            "leaky ReLU 1",
            "pool 1",
            "conv 2",
            "leaky ReLU 2",
            "pool 2",
            "flatten",
            "dense 1",
            "ReLU 1",
            "dense 2"
        ]
    );
    assert_eq!(d.layers[0].output_shape, [8, 28, 28]);
    assert_eq!(d.layers[0].parameters, 8 * 25 + 8);
    assert_eq!(d.layers[3].parameters, 16 * 8 * 25 + 16);
    assert_eq!(d.layers[6].output_shape, [16 * 7 * 7]);
    assert_eq!(d.layers[7].parameters, 784 * 32 + 32);
    assert_eq!(d.layers[9].parameters, 32 * 10 + 10);
    assert_eq!(d.total_parameters, d.layers.iter().map(|l| l.parameters).sum::<usize>());
    assert_eq!(d.total_parameters, spec.parameter_count().unwrap());
    assert_eq!(d.arch, "conv8k5-lrelu-pool-conv16k5-lrelu-pool-dense32-relu-dense10");
    assert_eq!(d.objective, "softmax_cross_entropy");
    // Products per training image: conv 1 forward + ∂W (first layer: no ∂X),
    // the rest forward + ∂W + ∂X.
    let conv1 = 2 * 8 * 25 * 28 * 28;
    let conv2 = 2 * 16 * 8 * 25 * 14 * 14;
    assert_eq!(d.training_flops_per_image, 2 * conv1 + 3 * (conv2 + 2 * 784 * 32 + 2 * 32 * 10));
}

#[test]
fn options_objective_and_an_explicit_flatten_are_read() {
    let spec = arch::parse("conv4k3_valid_nobias_glorot-pool3-flatten-relu-dense10_normal-squares").unwrap();
    assert_eq!(spec.input, [1, 28, 28]);
    assert_eq!(
        spec.layers,
        [
            LayerSpec::Conv2d {
                filters: 4,
                kernel: 3,
                padding: Padding::Valid,
                bias: false,
                init: Init::Glorot
            },
            LayerSpec::MaxPool2d { size: 3 },
            LayerSpec::Flatten,
            LayerSpec::Relu,
            LayerSpec::Dense { units: 10, bias: true, init: Init::StandardNormal },
        ]
    );
    assert_eq!(spec.objective, Objective::SigmoidSumOfSquares);
    assert_eq!(arch::format(&spec), "conv4k3_valid_nobias_glorot-pool3-flatten-relu-dense10_normal-squares");
    assert_eq!(arch::parse("lrelu0.2-dense10").unwrap().layers[0], LayerSpec::LeakyRelu { alpha: 0.2 });
    assert_eq!(arch::parse("dense10").unwrap().input, [784]);
}

#[test]
fn an_invalid_stack_is_refused_naming_the_layer_and_field() {
    let e = refused("conv8k5-relu-conv16k4-relu-pool-dense10");
    assert_eq!(e.message, "conv 2 needs an odd kernel for same padding (it has 4)");
    assert_eq!((e.index, e.layer.as_deref(), e.field.as_str()), (Some(2), Some("conv 2"), "kernel"));

    let e = refused("dense32-relu-dense5");
    assert_eq!(e.message, "dense 2 is the output layer: it needs 10 units, one per digit, not 5");
    assert_eq!(e.field, "units");

    let e = refused("dense1000000000-dense10");
    assert_eq!(
        e.message,
        format!("dense 1 would have 785000000000 parameters; the most is {MAX_PARAMETERS}")
    );
    assert_eq!((e.layer.as_deref(), e.field.as_str()), (Some("dense 1"), "units"));

    let e = refused("conv0k5-dense10");
    assert_eq!((e.layer.as_deref(), e.field.as_str()), (Some("conv 1"), "filters"), "{e}");
    let e = refused("conv8k0-dense10");
    assert_eq!((e.layer.as_deref(), e.field.as_str()), (Some("conv 1"), "kernel"), "{e}");
    assert!(e.message.starts_with("conv 1 has kernel 0"), "{e}");

    // A conv makes the input an image, which a dense layer before it cannot take.
    let e = refused("dense10-conv8k5");
    assert_eq!(e.layer.as_deref(), Some("dense 1"), "{e}");
    assert!(e.message.starts_with("dense 1: needs a flat input"), "{e}");

    let e = refused("conv8k5-pool");
    assert_eq!(e.field, "output", "{e}");
    assert!(e.message.contains("must end in a dense layer of 10 units"), "{e}");

    let e = refused("pool-pool-pool-pool-pool-dense10");
    assert_eq!(e.layer.as_deref(), Some("pool 5"), "{e}");

    let e = refused("lrelu1.5-dense10");
    assert_eq!((e.layer.as_deref(), e.field.as_str()), (Some("leaky ReLU 1"), "alpha"), "{e}");
}

#[test]
fn hostile_texts_are_refused_before_anything_is_sized() {
    let many = vec!["relu"; 10_000].join("-") + "-dense10";
    let e = arch::parse(&many[..1_000]).unwrap_err();
    assert_eq!(e.field, "layers", "{e}");
    assert!(refused(&many).message.contains("characters long"));
    let e = refused(&(vec!["relu"; MAX_LAYERS + 5].join("-")));
    assert!(e.message.contains(&format!("at most {MAX_LAYERS} layers")), "{e}");
    for text in [
        "",
        "garbage",
        "conv8-dense10",
        "dense-dense10",
        "dense10_valid",
        "relu_nobias-dense10",
        "dense1e3",
        "dense10-softmax-relu",
        "dense99999999999999999999999",
        "dense%20",
        "dense10 ",
        "lrelu.-dense10",
        "lreluNaN-dense10",
    ] {
        let e = refused(text);
        assert!(!e.message.is_empty(), "{text}");
    }
    let e = refused("dense99999999999999999999999");
    assert_eq!((e.layer.as_deref(), e.field.as_str()), (Some("dense 1"), "units"), "{e}");
    let e = refused("garbage");
    assert_eq!((e.index, e.field.as_str()), (None, "arch"), "{e}");
    assert!(e.message.contains("(\"garbage\") is not a layer"), "{e}");
}

#[test]
fn a_session_switches_to_an_architecture_with_its_settings() {
    let mut session = Session::from_preset("mlp").unwrap();
    session.configure(&SettingsPatch { seed: Some(7), batch_size: Some(16), ..Default::default() }).unwrap();
    assert!(session.network_is_preset());
    let spec = arch::parse("dense32-relu-dense10").unwrap();
    session.set_architecture(&spec).unwrap();
    assert!(!session.network_is_preset(), "the preset's settings, not its layers");
    assert_eq!(session.network().spec(), &spec);
    assert_eq!(session.step(), 0);
    let settings = session.settings();
    assert_eq!((settings.preset.as_str(), settings.seed, settings.batch_size), ("mlp", 7, 16));
    // Reset keeps the architecture; the same seed gives the same weights.
    let weights = session.weights();
    session.reset().unwrap();
    assert_eq!(session.network().spec(), &spec);
    assert_eq!(session.weights(), weights);
    // A spec that does not fit MNIST changes nothing.
    let wrong = ModelSpec {
        input: vec![784],
        layers: vec![LayerSpec::Dense { units: 3, bias: true, init: Init::Glorot }],
        objective: Objective::SoftmaxCrossEntropy,
    };
    assert!(session.set_architecture(&wrong).is_err());
    assert_eq!(session.network().spec(), &spec);
}

fn layer() -> impl Strategy<Value = LayerSpec> {
    let init = prop_oneof![Just(Init::He), Just(Init::Glorot), Just(Init::StandardNormal)];
    let padding = prop_oneof![Just(Padding::Same), Just(Padding::Valid)];
    prop_oneof![
        (1usize..300, any::<bool>(), init.clone()).prop_map(|(units, bias, init)| LayerSpec::Dense {
            units,
            bias,
            init
        }),
        (1usize..300, 1usize..16, padding, any::<bool>(), init).prop_map(
            |(filters, kernel, padding, bias, init)| LayerSpec::Conv2d {
                filters,
                kernel,
                padding,
                bias,
                init
            }
        ),
        (1usize..5).prop_map(|size| LayerSpec::MaxPool2d { size }),
        Just(LayerSpec::Flatten),
        Just(LayerSpec::Relu),
        Just(LayerSpec::Sigmoid),
        (0.0f64..1.0).prop_map(|alpha| LayerSpec::LeakyRelu { alpha }),
    ]
}

proptest! {
    /// Any stack, valid or not, whose input is the one its layers imply:
    /// its text reads back to it (without the checks, which `parse` adds).
    #[test]
    fn format_then_read_gives_the_same_spec(layers in proptest::collection::vec(layer(), 1..12), squares in any::<bool>()) {
        let objective = if squares { Objective::SigmoidSumOfSquares } else { Objective::SoftmaxCrossEntropy };
        let spec = from_layers(layers, objective);
        let text = arch::format(&spec);
        prop_assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{}", text);
        let again = arch::parse(&text);
        match describe(&spec) {
            Ok(d) => {
                prop_assert_eq!(again.unwrap(), spec.clone());
                prop_assert_eq!(d.arch, text);
            }
            Err(e) => prop_assert_eq!(again.unwrap_err(), e),
        }
    }

    /// Stacks that can be trained (convs with odd kernels and pools, then
    /// dense layers and activations, ending in 10 units): each reads back
    /// from its text, and its description adds up.
    #[test]
    fn valid_stacks_round_trip(
        convs in proptest::collection::vec((1usize..17, prop_oneof![Just(1usize), Just(3), Just(5)], any::<bool>(), any::<bool>()), 0..3),
        hidden in proptest::collection::vec((1usize..100, 0usize..4, any::<bool>()), 0..3),
        alpha in 0.0f64..1.0,
        squares in any::<bool>(),
    ) {
        let activation = |k: usize| [LayerSpec::Relu, LayerSpec::Sigmoid, LayerSpec::LeakyRelu { alpha }, LayerSpec::Relu][k];
        let mut layers = Vec::new();
        for (filters, kernel, pool, bias) in convs {
            layers.push(LayerSpec::Conv2d { filters, kernel, padding: Padding::Same, bias, init: Init::He });
            layers.push(activation(filters % 4));
            if pool {
                layers.push(LayerSpec::MaxPool2d { size: 2 });
            }
        }
        for (units, k, bias) in hidden {
            layers.push(LayerSpec::Dense { units, bias, init: Init::Glorot });
            layers.push(activation(k));
        }
        layers.push(LayerSpec::Dense { units: 10, bias: true, init: Init::StandardNormal });
        let objective = if squares { Objective::SigmoidSumOfSquares } else { Objective::SoftmaxCrossEntropy };
        let spec = from_layers(layers, objective);
        let d = describe(&spec).expect("a valid stack");
        prop_assert_eq!(arch::parse(&d.arch).unwrap(), spec.clone());
        prop_assert_eq!(d.total_parameters, d.layers.iter().map(|l| l.parameters).sum::<usize>());
        prop_assert_eq!(d.total_parameters, spec.parameter_count().unwrap());
        prop_assert!(!d.arch.contains("flatten"), "{}", d.arch);
    }

    /// Random text is refused or read, never a panic.
    #[test]
    fn any_text_is_read_or_refused(text in "[a-z0-9._-]{0,60}") {
        if let Ok(spec) = arch::parse(&text) {
            prop_assert!(describe(&spec).is_ok());
        }
    }
}
