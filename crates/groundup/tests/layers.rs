//! Tests of the layers and losses: gradient checks by central differences
//! (paper §3.3, eq. 16) in f64, backpooling (§4.3.2, Fig. 12), a checker
//! that must catch a wrong derivative, and the numerical stability of the
//! fused softmax + cross-entropy (§3.5).
//!
//! **Thresholds.** The figure checked is `gradcheck`'s max relative error,
//! `|a − n| / max(|a|, |n|, 1e-3·max|g|)`. With ε = 1e-6 the central
//! difference is off by O(ε²) truncation and O(u·|E|/ε) ≈ 2e-10·|E|
//! rounding, and the elements near the floor turn that rounding into
//! relative errors of 1e-9–1e-6 (measured: single layers and losses
//! ≤ 9e-7, whole networks ≤ 1e-5, see [`NETWORK_THRESHOLD`]). So single
//! layers must stay below 1e-5, whole networks below 1e-4; a wrong
//! derivative gives 0.1–1 (see `the_checker_catches_a_wrong_input_gradient`).
//! The paper's "differences on the order of 1e-11" (§3.3) were absolute, not
//! relative. Run with `--nocapture` to see each tensor's figure.

mod common;

use common::{rng, uniform, uniform_away_from_zero};
use groundup::gradcheck::{check_layer, check_loss, check_network, relative_error, TensorCheck};
use groundup::layers::{
    sigmoid, sigmoid_f32, Conv2d, Dense, Flatten, Layer, LeakyRelu, MaxPool2d, Mode, Padding, Param, Relu,
    Sigmoid,
};
use groundup::loss::{log_softmax, one_hot, softmax, softmax_cross_entropy, Objective, Reduction};
use groundup::presets::{preset, PRESET_NAMES};
use groundup::Init;
use ndarray::{array, Array2, ArrayD, IxDyn};
use rand::seq::SliceRandom;
use rand::RngExt;

/// Gradient checks must agree to this relative error (see the module docs).
const THRESHOLD: f64 = 1e-5;

/// Whole networks: paper-mlp's N(0, 1) sigmoids saturate, its logits reach ±20 and its loss ~30,
/// so rounding in E alone (u·|E|/ε ≈ 7e-9) is ~1e-5 of the 1e-3·max|g| floor. Still 1000× below
/// what a wrong derivative gives.
const NETWORK_THRESHOLD: f64 = 1e-4;

/// Prints every tensor's error (for `--nocapture`) and asserts each is below [`THRESHOLD`].
fn assert_checks_pass(what: &str, checks: &[TensorCheck]) {
    assert_checks_below(what, checks, THRESHOLD);
}

/// As [`assert_checks_pass`] with the given threshold.
fn assert_checks_below(what: &str, checks: &[TensorCheck], threshold: f64) {
    assert!(!checks.is_empty(), "{what}: nothing was checked");
    for c in checks {
        println!(
            "gradcheck {what:<44} {:<18} max rel err {:.2e} ({} of {})",
            c.name, c.max_relative_error, c.checked, c.total
        );
        assert!(c.checked > 0, "{what}: {} checked no element", c.name);
        assert!(
            c.max_relative_error < threshold,
            "{what}: {} has relative error {:e} (threshold {threshold:e})",
            c.name,
            c.max_relative_error
        );
    }
}

/// Sets every parameter of `layer` to uniform values in [−1, 1), so zero-initialised
/// biases are exercised too.
fn randomise_params(layer: &mut dyn Layer<f64>, seed: u64) {
    let mut r = rng(seed);
    for p in layer.params_mut() {
        let shape = p.value.shape().to_vec();
        p.value = uniform(&shape, -1.0, 1.0, &mut r);
    }
}

/// The names of a layer's checked tensors, in order.
fn names(checks: &[TensorCheck]) -> Vec<&str> {
    checks.iter().map(|c| c.name.as_str()).collect()
}

// ---------------------------------------------------------------------------
// Layer by layer (paper §3.3)
// ---------------------------------------------------------------------------

// §3.3: Dense backprop (eq. 11, 14) agrees with central differences for input, weight and bias.
#[test]
fn gradcheck_dense() {
    for bias in [true, false] {
        let mut r = rng(100);
        let mut layer = Dense::<f64>::new(7, 5, bias, Init::Glorot, &mut r);
        randomise_params(&mut layer, 101);
        let x = uniform(&[3, 7], -1.0, 1.0, &mut r);
        let checks = check_layer(&mut layer, &x, 102);
        let expected: &[&str] = if bias { &["input", "weight", "bias"] } else { &["input", "weight"] };
        assert_eq!(names(&checks), expected);
        assert_checks_pass(&format!("dense 7→5 bias={bias}"), &checks);
    }
}

// §3.3 for convolution (§4.3.2's two backward convolutions): several channel counts, kernels 3 and 5,
// same and valid padding, bias on and off, non-square input.
#[test]
fn gradcheck_conv2d() {
    let mut seed = 110;
    for (channels, filters) in [(1, 2), (3, 4), (2, 3)] {
        for kernel in [3, 5] {
            for padding in [Padding::Same, Padding::Valid] {
                for bias in [true, false] {
                    seed += 1;
                    let mut r = rng(seed);
                    let (h, w) = (6, 7);
                    let mut layer = Conv2d::<f64>::new(
                        (channels, h, w),
                        filters,
                        kernel,
                        padding,
                        bias,
                        Init::He,
                        &mut r,
                    );
                    randomise_params(&mut layer, seed + 1000);
                    let x = uniform(&[2, channels, h, w], -1.0, 1.0, &mut r);
                    let checks = check_layer(&mut layer, &x, seed);
                    assert_eq!(checks.len(), if bias { 3 } else { 2 });
                    let what = format!("conv2d {channels}→{filters} k{kernel} {padding:?} bias={bias}");
                    assert_checks_pass(&what, &checks);
                }
            }
        }
    }
}

/// Distinct values, at least 0.01 apart (≫ ε), in random order: no window has a tie or a
/// near-tie, so the max is differentiable at every input.
fn distinct_values(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let len: usize = shape.iter().product();
    let mut values: Vec<f64> = (0..len).map(|i| i as f64 * 0.01 - 1.0).collect();
    values.shuffle(&mut rng(seed));
    ArrayD::from_shape_vec(IxDyn(shape), values).unwrap()
}

// §3.3 for max pooling: the routed gradient is the derivative, including on an odd side (floor).
#[test]
fn gradcheck_max_pool() {
    for (h, w) in [(6, 6), (7, 5)] {
        let mut layer = MaxPool2d::new((3, h, w), 2);
        let x = distinct_values(&[2, 3, h, w], 120);
        let checks = check_layer(&mut layer, &x, 121);
        assert_eq!(names(&checks), ["input"]);
        assert_checks_pass(&format!("max pool 2×2 on {h}×{w}"), &checks);
    }
}

// §3.3 for flatten: pure reshaping, so the gradient is the reshaped δ.
#[test]
fn gradcheck_flatten() {
    let mut r = rng(130);
    let mut layer = Flatten::new(vec![3, 4, 5]);
    let x = uniform(&[2, 3, 4, 5], -1.0, 1.0, &mut r);
    let checks = check_layer(&mut layer, &x, 131);
    assert_checks_pass("flatten [3,4,5]", &checks);
    assert_eq!(Layer::<f64>::output_shape(&layer), vec![60]);
}

// §3.3 for the sigmoid (eq. 3: σ′ = σ(1 − σ)), over a range that includes saturation.
#[test]
fn gradcheck_sigmoid() {
    let mut r = rng(140);
    let mut layer = Sigmoid::<f64>::new(vec![4, 5]);
    let x = uniform(&[3, 4, 5], -6.0, 6.0, &mut r);
    assert_checks_pass("sigmoid", &check_layer(&mut layer, &x, 141));
}

// §3.3 for ReLU, inputs at least 1e-3 from the kink at 0.
#[test]
fn gradcheck_relu() {
    let mut r = rng(150);
    let mut layer = Relu::<f64>::new(vec![4, 3, 3]);
    let x = uniform_away_from_zero(&[2, 4, 3, 3], 2.0, 1e-3, &mut r);
    assert_checks_pass("relu", &check_layer(&mut layer, &x, 151));
}

// §3.3 for leaky ReLU (the paper's CNN activation, α = 0.01, and a larger α), away from the kink.
#[test]
fn gradcheck_leaky_relu() {
    for alpha in [0.01, 0.3] {
        let mut r = rng(160);
        let mut layer = LeakyRelu::<f64>::new(vec![20], alpha);
        let x = uniform_away_from_zero(&[3, 20], 2.0, 1e-3, &mut r);
        assert_checks_pass(&format!("leaky relu α={alpha}"), &check_layer(&mut layer, &x, 161));
    }
}

// The activations' backward is exactly the slope times δ: ReLU passes δ where x > 0 and zeroes it
// elsewhere, leaky ReLU scales it by α. (Exact values, not a numerical check.)
#[test]
fn relu_and_leaky_relu_slopes_are_exact() {
    let x = array![[-2.0, -0.5, 0.5, 3.0]].into_dyn();
    let dy = array![[1.0, 2.0, 3.0, 4.0]].into_dyn();
    let mut relu = Relu::<f64>::new(vec![4]);
    assert_eq!(relu.forward(x.clone(), Mode::Train), array![[0.0, 0.0, 0.5, 3.0]].into_dyn());
    assert_eq!(relu.backward(dy.clone()), array![[0.0, 0.0, 3.0, 4.0]].into_dyn());
    let mut leaky = LeakyRelu::<f64>::new(vec![4], 0.25);
    assert_eq!(leaky.forward(x, Mode::Train), array![[-0.5, -0.125, 0.5, 3.0]].into_dyn());
    assert_eq!(leaky.backward(dy), array![[0.25, 0.5, 3.0, 4.0]].into_dyn());
}

// ---------------------------------------------------------------------------
// Backpooling (paper §4.3.2, Fig. 12)
// ---------------------------------------------------------------------------

// Fig. 12: backpooling sends each output's δ to the one input that was its window's max, zero
// elsewhere; with a tie, to the first max in row-major order.
#[test]
fn backpooling_routes_gradient_only_to_the_max() {
    let x = array![
        // Channel 0: distinct maxima 5, 8, 9, 3.
        [[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 7.0], [9.0, 0.0, 1.0, 1.0], [2.0, 6.0, 1.0, 3.0]],
        // Channel 1: ties — an all-equal window, and maxima 4 at (0,2) and (1,3).
        [[7.0, 7.0, 4.0, 1.0], [7.0, 7.0, 2.0, 4.0], [0.0, 2.0, 6.0, 0.0], [2.0, 0.0, 0.0, 6.0]],
    ]
    .insert_axis(ndarray::Axis(0))
    .into_dyn(); // (1, 2, 4, 4)
    let mut pool = MaxPool2d::new((2, 4, 4), 2);
    let y = Layer::<f64>::forward(&mut pool, x, Mode::Train);
    let expected_y = array![[[5.0, 8.0], [9.0, 3.0]], [[7.0, 4.0], [2.0, 6.0]]];
    assert_eq!(y, expected_y.insert_axis(ndarray::Axis(0)).into_dyn());

    let dy = array![[[10.0, 20.0], [30.0, 40.0]], [[50.0, 60.0], [70.0, 80.0]]];
    let dx = Layer::<f64>::backward(&mut pool, dy.insert_axis(ndarray::Axis(0)).into_dyn());
    let expected_dx = array![
        [[0.0, 10.0, 0.0, 0.0], [0.0, 0.0, 20.0, 0.0], [30.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 40.0]],
        [[50.0, 0.0, 60.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 70.0, 80.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
    ];
    assert_eq!(dx, expected_dx.insert_axis(ndarray::Axis(0)).into_dyn());
}

// ---------------------------------------------------------------------------
// The checker can fail
// ---------------------------------------------------------------------------

/// `y = w ⊙ x` (one weight per feature) with deliberately wrong derivatives:
/// `dx` is doubled when `wrong_input`, and `∂E/∂w` forgets the factor `x` when `wrong_weight`.
struct Broken {
    weight: Param<f64>,
    x: Option<ArrayD<f64>>,
    wrong_input: bool,
    wrong_weight: bool,
}

impl Broken {
    fn new(features: usize, wrong_input: bool, wrong_weight: bool) -> Self {
        let w = uniform(&[features], 0.5, 1.5, &mut rng(170));
        Self { weight: Param::new("weight", w), x: None, wrong_input, wrong_weight }
    }
}

impl Layer<f64> for Broken {
    fn describe(&self) -> String {
        "broken".into()
    }

    fn output_shape(&self) -> Vec<usize> {
        self.weight.value.shape().to_vec()
    }

    fn forward(&mut self, x: ArrayD<f64>, mode: Mode) -> ArrayD<f64> {
        let y = &x * &self.weight.value;
        if mode == Mode::Train {
            self.x = Some(x);
        }
        y
    }

    fn backward(&mut self, dy: ArrayD<f64>) -> ArrayD<f64> {
        let x = self.x.take().expect("forward first");
        let dw = if self.wrong_weight { dy.clone() } else { &dy * &x };
        self.weight.grad += &dw.sum_axis(ndarray::Axis(0));
        let dx = &dy * &self.weight.value;
        if self.wrong_input {
            dx * 2.0
        } else {
            dx
        }
    }

    fn params(&self) -> Vec<&Param<f64>> {
        vec![&self.weight]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<f64>> {
        vec![&mut self.weight]
    }
}

// The gradient check is not a tautology: a layer whose backward returns 2·(true dx) is reported with
// a relative error of 1/2, far above the threshold, while its correct weight gradient passes.
#[test]
fn the_checker_catches_a_wrong_input_gradient() {
    let x = uniform(&[3, 6], 0.5, 1.5, &mut rng(171));
    let checks = check_layer(&mut Broken::new(6, true, false), &x, 172);
    assert_eq!(names(&checks), ["input", "weight"]);
    assert!((checks[0].max_relative_error - 0.5).abs() < 1e-6, "{checks:?}");
    assert!(checks[1].max_relative_error < THRESHOLD, "{checks:?}");
    // The correct twin passes everything: the failure above is the bug, not the setup.
    assert_checks_pass("broken layer, fixed", &check_layer(&mut Broken::new(6, false, false), &x, 172));
}

// A parameter gradient missing a factor (∂E/∂w = δ instead of δ·x) is caught on that tensor only.
#[test]
fn the_checker_catches_a_wrong_weight_gradient() {
    let x = uniform(&[3, 6], 0.5, 1.5, &mut rng(173));
    let checks = check_layer(&mut Broken::new(6, false, true), &x, 174);
    assert!(checks[0].max_relative_error < THRESHOLD, "{checks:?}");
    assert!(checks[1].max_relative_error > 0.1, "{checks:?}");
}

// relative_error is symmetric, scale-free, and its floor only matters for tiny derivatives.
#[test]
fn relative_error_behaves() {
    assert!((relative_error(1.0, 1.1, 1e-10) - 0.1 / 1.1).abs() < 1e-15);
    assert_eq!(relative_error(2.0, 1.0, 0.0), relative_error(1.0, 2.0, 0.0));
    assert!((relative_error(1e-8, 1.1e-8, 1e-10) - relative_error(1.0, 1.1, 1e-10)).abs() < 1e-12);
    assert!(relative_error(1e-14, 0.0, 1e-6) < 1e-7, "below the floor, noise is not an error");
    assert_eq!(relative_error(0.0, 0.0, 1e-10), 0.0);
}

// ---------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------

// §3.3 on the losses: softmax + cross-entropy (eq. 12, 17, 18) and sigmoid + sum of squares
// (eq. 2, 7), mean- and sum-reduced, match the derivative of the loss they report.
#[test]
fn gradcheck_losses() {
    let mut r = rng(180);
    let logits: Array2<f64> = Array2::from_shape_simple_fn((4, 10), || r.random_range(-3.0..3.0));
    let one_hot_targets: Array2<f64> = one_hot(&[3, 0, 9, 3], 10);
    let soft_targets: Array2<f64> = Array2::from_shape_simple_fn((4, 10), || r.random_range(0.0..1.0));
    for reduction in [Reduction::Mean, Reduction::Sum] {
        let c = check_loss(Objective::SoftmaxCrossEntropy, &logits, &one_hot_targets, reduction);
        assert_checks_pass(&format!("softmax cross-entropy {reduction:?}"), &[c]);
        let c = check_loss(Objective::SigmoidSumOfSquares, &logits, &soft_targets, reduction);
        assert_checks_pass(&format!("sigmoid sum of squares {reduction:?}"), &[c]);
    }
}

// Sum reduction is exactly N times the mean gradient; the reported loss is the mean either way.
#[test]
fn sum_reduction_is_n_times_mean() {
    let mut r = rng(181);
    let out: Array2<f64> = Array2::from_shape_simple_fn((5, 10), || r.random_range(-2.0..2.0));
    let t: Array2<f64> = one_hot(&[1, 2, 3, 4, 5], 10);
    for objective in [Objective::SoftmaxCrossEntropy, Objective::SigmoidSumOfSquares] {
        let mean = objective.evaluate(&out, &t, Reduction::Mean);
        let sum = objective.evaluate(&out, &t, Reduction::Sum);
        assert_eq!(mean.loss, sum.loss, "{objective:?}: reported loss is per example");
        for (m, s) in mean.grad.iter().zip(&sum.grad) {
            assert!((s - 5.0 * m).abs() < 1e-14, "{objective:?}");
        }
    }
}

// Softmax + cross-entropy by hand for one row: E = −log p_label, ∂E/∂a = p − t (eq. 12).
#[test]
fn softmax_cross_entropy_by_hand() {
    let logits = array![[1.0f64, 2.0, 3.0]];
    let z: f64 = [1.0f64, 2.0, 3.0].iter().map(|v| v.exp()).sum();
    let p = [1.0f64.exp() / z, 2.0f64.exp() / z, 3.0f64.exp() / z];
    let out = softmax_cross_entropy(&logits, &one_hot(&[0], 3));
    assert!((out.loss - (-p[0].ln())).abs() < 1e-14);
    let expected = [p[0] - 1.0, p[1], p[2]];
    for (g, e) in out.grad.iter().zip(expected) {
        assert!((g - e).abs() < 1e-15);
    }
}

/// Asserts a loss output is finite everywhere and its probabilities sum to 1 per row.
fn assert_stable(logits: &Array2<f64>, labels: &[u8]) -> f64 {
    let classes = logits.ncols();
    let out = softmax_cross_entropy(logits, &one_hot(labels, classes));
    assert!(out.loss.is_finite(), "loss {} for {logits:?}", out.loss);
    assert!(out.grad.iter().all(|g| g.is_finite()), "gradient {:?}", out.grad);
    for row in out.prediction.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12, "probabilities {row:?}");
        assert!(row.iter().all(|&p| (0.0..=1.0).contains(&p)));
    }
    out.loss
}

// §3.5 / §5: logits of ±1000 (e^1000 overflows f64) and −1e4 (e^−1e4 underflows to 0) still give
// finite losses and gradients and probabilities summing to 1 — the NaNs that ended the paper's CNN.
#[test]
fn softmax_cross_entropy_is_stable_for_extreme_logits() {
    let extreme = array![[1000.0, 0.0, -1000.0]];
    assert!(assert_stable(&extreme, &[0]) < 1e-300, "confidently right: loss ≈ 0");
    let wrong = assert_stable(&extreme, &[2]);
    assert!((wrong - 2000.0).abs() < 1e-9, "confidently wrong: loss is the logit gap, got {wrong}");
    let equal = assert_stable(&array![[-1e4, -1e4]], &[1]);
    assert!((equal - 2.0f64.ln()).abs() < 1e-12, "two equal logits: loss ln 2, got {equal}");
    let p = softmax(&array![[-1e4, -1e4]]);
    assert_eq!(p, array![[0.5, 0.5]]);
    // f32, where e^89 already overflows.
    let out = softmax_cross_entropy(&array![[1000.0f32, 0.0, -1000.0]], &one_hot(&[2], 3));
    assert!(out.loss.is_finite() && out.grad.iter().all(|g| g.is_finite()));
    assert_eq!(out.loss, 2000.0);
}

// The vectorised f32 sigmoid the layer trains with is the exact σ (in f64) to within 5e−7 (4 ulp)
// relative where σ > 1e−37 (within 1.2e−38 below), never subnormal, 0.5 at 0; the f32 layer uses it.
#[test]
fn sigmoid_f32_matches_the_exact_sigmoid() {
    let mut worst = 0.0f64;
    for i in -1_200_000..=1_200_000 {
        let x = i as f32 * 1e-4; // ±120 in steps of 1e-4
        let fast = f64::from(sigmoid_f32(x));
        assert!(fast == 1.0 || fast.abs() >= f64::from(f32::MIN_POSITIVE), "σ({x}) = {fast} is subnormal");
        let exact = sigmoid(f64::from(x));
        if exact >= 1e-37 {
            worst = worst.max((fast - exact).abs() / exact);
        } else {
            assert!((fast - exact).abs() <= 1.2e-38, "σ({x}) = {fast}, exact {exact}");
        }
    }
    assert!(worst < 5e-7, "worst relative error {worst:e}");
    assert_eq!(sigmoid_f32(0.0), 0.5);
    let mut layer = Sigmoid::<f32>::new(vec![3]);
    let y = layer.forward(array![[-3.0f32, 0.25, 40.0]].into_dyn(), Mode::Infer);
    assert_eq!(y, array![[sigmoid_f32(-3.0), sigmoid_f32(0.25), sigmoid_f32(40.0)]].into_dyn());
}

// A probability below the smallest normal float is flushed to 0 in the prediction and the
// gradient (a subnormal slows every product it enters), while normal ones are kept exactly.
#[test]
fn softmax_cross_entropy_flushes_subnormal_probabilities() {
    // e^−95 ≈ 5e−42 is subnormal in f32; e^−80 ≈ 1.8e−35 is normal.
    let out = softmax_cross_entropy(&array![[0.0f32, -95.0, -80.0]], &one_hot(&[0], 3));
    assert_eq!(out.prediction[[0, 1]], 0.0);
    assert_eq!(out.grad[[0, 1]], 0.0);
    assert!(out.prediction[[0, 2]].is_normal() && out.grad[[0, 2]].is_normal());
    assert!(out.grad.iter().chain(&out.prediction).all(|v| *v == 0.0 || v.is_normal()));
    // f64 keeps what f32 flushes: its normal range reaches e^−708.
    let out = softmax_cross_entropy(&array![[0.0f64, -95.0, -800.0]], &one_hot(&[0], 3));
    assert!(out.prediction[[0, 1]].is_normal());
    assert_eq!(out.prediction[[0, 2]], 0.0);
}

// log_softmax by log-sum-exp equals the naive log(e^a / Σ e^a) where the naive form is safe.
#[test]
fn log_softmax_matches_naive_on_moderate_values() {
    let mut r = rng(190);
    let logits: Array2<f64> = Array2::from_shape_simple_fn((6, 10), || r.random_range(-20.0..20.0));
    let fast = log_softmax(&logits);
    for (row, fast_row) in logits.rows().into_iter().zip(fast.rows()) {
        let z: f64 = row.iter().map(|v| v.exp()).sum();
        for (&a, &lp) in row.iter().zip(fast_row) {
            let naive = (a.exp() / z).ln();
            assert!((lp - naive).abs() < 1e-12 * naive.abs().max(1.0), "{lp} vs {naive}");
        }
    }
}

// ---------------------------------------------------------------------------
// Whole networks (paper §3.3 on every preset)
// ---------------------------------------------------------------------------

/// `n` inputs for a preset: sample images blended with noise so that no input is exactly 0
/// (an all-zero patch puts a conv output exactly on the leaky ReLU's kink), and their one-hot targets.
fn network_inputs(n: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let data = common::sample_train();
    let mut r = rng(seed);
    let (images, labels) = data.batch(&(0..n).collect::<Vec<_>>());
    let x = images.mapv(|v| 0.8 * f64::from(v) + 0.2 * r.random_range(0.01..1.0));
    (x, one_hot(&labels, 10))
}

// §3.3 on every preset's whole network (backprop through all layers, mean-reduced loss); the
// 886k-weight paper-mlp and the others sample 40 elements per tensor.
#[test]
fn gradcheck_every_preset_network() {
    let (x, t) = network_inputs(3, 200);
    for name in PRESET_NAMES {
        let p = preset(name).unwrap();
        let checks = check_network(&p.spec, &x, &t, 201, 40).unwrap();
        let tensors = p.spec.layers.iter().filter(|l| matches!(l.kind(), "dense" | "conv2d")).count();
        // The paper's networks have no biases; the modern presets have one per layer.
        let biases = if name.starts_with("paper") { 0 } else { tensors };
        assert_eq!(checks.len(), tensors + biases, "{name}: one check per weight and bias tensor");
        assert_checks_below(name, &checks, NETWORK_THRESHOLD);
    }
}

// The whole network's input gradient (`backward_to_input`, what a saliency
// map needs) matches central differences on the input pixels (§3.3), for
// the CNN (conv + pool + leaky ReLU) and the sigmoid MLP.
#[test]
fn network_input_gradient_matches_central_differences() {
    for name in ["cnn", "paper-mlp"] {
        let spec = preset(name).unwrap().spec;
        let mut r = rng(31);
        let mut net = groundup::Network::<f64>::new(&spec, &mut r).unwrap();
        // Away from 0, so no conv output sits on the leaky ReLU's kink.
        let x = uniform(&[2, 784], 0.2, 0.8, &mut r).into_dimensionality().unwrap(); // (N, 784)
        let targets = one_hot::<f64>(&[3, 8], 10);
        let loss_of = |net: &mut groundup::Network<f64>, x: &Array2<f64>| {
            let out = net.forward(x.clone(), groundup::layers::Mode::Infer);
            Objective::SoftmaxCrossEntropy.evaluate(&out, &targets, Reduction::Mean).loss
        };
        let out = net.forward(x.clone(), groundup::layers::Mode::Train);
        let grad = Objective::SoftmaxCrossEntropy.evaluate(&out, &targets, Reduction::Mean).grad;
        let dx = net.backward_to_input(grad); // (N, 784)
        assert_eq!(dx.dim(), (2, 784));
        let floor = dx.iter().fold(0.0f64, |m, v| m.max(v.abs())) * 1e-3 + 1e-10;
        let mut worst = 0.0f64;
        for &(n, i) in &[(0, 100), (0, 406), (1, 300), (1, 517), (0, 650), (1, 210)] {
            let eps = groundup::gradcheck::EPSILON;
            let mut xp = x.clone();
            xp[[n, i]] += eps;
            let plus = loss_of(&mut net, &xp);
            xp[[n, i]] -= 2.0 * eps;
            let minus = loss_of(&mut net, &xp);
            worst = worst.max(relative_error(dx[[n, i]], (plus - minus) / (2.0 * eps), floor));
        }
        assert!(worst < NETWORK_THRESHOLD, "{name}: input gradient relative error {worst:e}");
    }
}
