//! Gradient checking by numerical differentiation (paper §3.3).
//!
//! For each weight, the central difference of eq. 16,
//!
//! ```text
//! ∂E/∂w ≈ (E(w + ε) − E(w − ε)) / 2ε
//! ```
//!
//! is compared with what backpropagation computed. Everything runs in `f64`:
//! the truncation error of the central difference is O(ε²) and its rounding
//! error O(u/ε) with u ≈ 1e-16, so ε = 1e-6 puts both near 1e-10–1e-12. (The
//! paper's ε ≈ 1e-9 is on the rounding side of that trade-off.) In f32
//! (u ≈ 6e-8) no ε gets below ~1e-3, which would hide real bugs.
//!
//! The figure reported per tensor is the largest relative error
//! `|backprop − numeric| / max(|backprop|, |numeric|, floor)`: below ~1e-6 the
//! two agree to rounding; a wrong derivative gives errors near 1. The floor
//! is a thousandth of the tensor's largest gradient: a saturated sigmoid
//! leaves some weights with gradients of 1e-12, where the central
//! difference is all rounding noise, and "100% wrong" about a derivative a
//! billion times smaller than its neighbours' says nothing.

use ndarray::{Array2, ArrayD};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use crate::layers::{Layer, Mode};
use crate::loss::{Objective, Reduction};
use crate::{ConfigError, ModelSpec, Network};

/// Step of the central difference (see the module docs for why 1e-6).
pub const EPSILON: f64 = 1e-6;

/// The check of one tensor.
#[derive(Clone, Debug, Serialize)]
pub struct TensorCheck {
    /// `layers.3.weight`, or `input` for ∂E/∂x.
    pub name: String,
    pub max_relative_error: f64,
    /// Elements compared (large tensors are sampled).
    pub checked: usize,
    pub total: usize,
}

/// Relative error of two derivatives; `floor` keeps it finite when both are ~0.
pub fn relative_error(analytic: f64, numeric: f64, floor: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(floor)
}

/// The floor for a tensor's gradients `g`: 1e-3 · max |g|, at least 1e-10.
fn error_floor<'a>(g: impl IntoIterator<Item = &'a f64>) -> f64 {
    g.into_iter().fold(0.0f64, |m, v| m.max(v.abs())) * 1e-3 + 1e-10
}

/// Which elements of a tensor of `len` to check: all, or `max` spread evenly.
fn sample_indices(len: usize, max: usize) -> Vec<usize> {
    if len <= max {
        (0..len).collect()
    } else {
        (0..max).map(|i| i * len / max).collect()
    }
}

/// Checks every parameter of a network built from `spec` (seeded), on
/// inputs `x` (N, input size) against `targets` (N, K), with the spec's
/// objective and a mean-reduced loss. At most `max_per_tensor` elements of
/// each tensor are compared.
pub fn check_network(
    spec: &ModelSpec,
    x: &Array2<f64>,
    targets: &Array2<f64>,
    seed: u64,
    max_per_tensor: usize,
) -> Result<Vec<TensorCheck>, ConfigError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut net = Network::<f64>::new(spec, &mut rng)?;
    Ok(check_built_network(&mut net, x, targets, max_per_tensor))
}

/// As [`check_network`], for a network already built (e.g. a trained one cast to f64).
pub fn check_built_network(
    net: &mut Network<f64>,
    x: &Array2<f64>,
    targets: &Array2<f64>,
    max_per_tensor: usize,
) -> Vec<TensorCheck> {
    let objective = net.spec().objective;
    let loss_of = |net: &mut Network<f64>| {
        let out = net.forward(x.clone(), Mode::Infer);
        objective.evaluate(&out, targets, Reduction::Mean).loss
    };
    net.zero_grad();
    let out = net.forward(x.clone(), Mode::Train);
    let grad = objective.evaluate(&out, targets, Reduction::Mean).grad;
    net.backward(grad);
    let analytic: Vec<(String, ArrayD<f64>)> =
        net.named_params().into_iter().map(|(n, p)| (n, p.grad.clone())).collect();

    let mut checks = Vec::new();
    for (t, (name, grad)) in analytic.iter().enumerate() {
        let indices = sample_indices(grad.len(), max_per_tensor);
        let floor = error_floor(grad);
        let mut worst = 0.0f64;
        for &i in &indices {
            let nudge = |net: &mut Network<f64>, delta: f64| {
                let mut params = net.params_mut();
                let w = params[t].value.as_slice_mut().expect("params are contiguous");
                w[i] += delta;
            };
            nudge(net, EPSILON);
            let plus = loss_of(net);
            nudge(net, -2.0 * EPSILON);
            let minus = loss_of(net);
            nudge(net, EPSILON);
            let numeric = (plus - minus) / (2.0 * EPSILON); // eq. 16
            let analytic = grad.as_slice().expect("contiguous")[i];
            worst = worst.max(relative_error(analytic, numeric, floor));
        }
        checks.push(TensorCheck {
            name: name.clone(),
            max_relative_error: worst,
            checked: indices.len(),
            total: grad.len(),
        });
    }
    checks
}

/// Checks one layer alone: its input gradient and every parameter's, under
/// the loss `E = Σ r ⊙ y` for a fixed random `r` (so `∂E/∂y = r`, and every
/// output element is exercised with a different weight).
pub fn check_layer(layer: &mut dyn Layer<f64>, x: &ArrayD<f64>, seed: u64) -> Vec<TensorCheck> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let y = layer.forward(x.clone(), Mode::Train);
    let r = y.mapv(|_| rng.random_range(-1.0..1.0));
    let loss_of =
        |layer: &mut dyn Layer<f64>, x: &ArrayD<f64>| (layer.forward(x.clone(), Mode::Infer) * &r).sum();
    for p in layer.params_mut() {
        p.zero_grad();
    }
    let dx = layer.backward(r.clone());

    let mut checks = Vec::new();
    // ∂E/∂x: nudge the input.
    let mut worst = 0.0f64;
    let floor = error_floor(&dx);
    let mut xs = x.clone();
    for i in 0..x.len() {
        let numeric = central_difference(|d| {
            xs.as_slice_mut().expect("contiguous")[i] = x.as_slice().expect("contiguous")[i] + d;
            loss_of(layer, &xs)
        });
        xs.as_slice_mut().expect("contiguous")[i] = x.as_slice().expect("contiguous")[i];
        worst = worst.max(relative_error(dx.as_slice().expect("contiguous")[i], numeric, floor));
    }
    checks.push(TensorCheck {
        name: "input".into(),
        max_relative_error: worst,
        checked: x.len(),
        total: x.len(),
    });

    // ∂E/∂w: nudge each weight.
    let grads: Vec<(&'static str, ArrayD<f64>)> =
        layer.params().iter().map(|p| (p.name, p.grad.clone())).collect();
    for (t, (name, grad)) in grads.iter().enumerate() {
        let mut worst = 0.0f64;
        let floor = error_floor(grad);
        for i in 0..grad.len() {
            let original = layer.params()[t].value.as_slice().expect("contiguous")[i];
            let numeric = central_difference(|d| {
                layer.params_mut()[t].value.as_slice_mut().expect("contiguous")[i] = original + d;
                loss_of(layer, x)
            });
            layer.params_mut()[t].value.as_slice_mut().expect("contiguous")[i] = original;
            worst = worst.max(relative_error(grad.as_slice().expect("contiguous")[i], numeric, floor));
        }
        checks.push(TensorCheck {
            name: (*name).into(),
            max_relative_error: worst,
            checked: grad.len(),
            total: grad.len(),
        });
    }
    checks
}

/// Checks a loss's gradient with respect to the network output (N, K).
pub fn check_loss(
    objective: Objective,
    output: &Array2<f64>,
    targets: &Array2<f64>,
    reduction: Reduction,
) -> TensorCheck {
    let analytic = objective.evaluate(output, targets, reduction).grad;
    // The reported loss is a mean; a summed gradient is N times its derivative.
    let scale = match reduction {
        Reduction::Mean => 1.0,
        Reduction::Sum => output.nrows() as f64,
    };
    let mut o = output.clone();
    let floor = error_floor(&analytic);
    let mut worst = 0.0f64;
    for ((i, j), &a) in analytic.indexed_iter() {
        let numeric = central_difference(|d| {
            o[[i, j]] = output[[i, j]] + d;
            objective.evaluate(&o, targets, reduction).loss * scale
        });
        o[[i, j]] = output[[i, j]];
        worst = worst.max(relative_error(a, numeric, floor));
    }
    TensorCheck {
        name: format!("{objective:?}"),
        max_relative_error: worst,
        checked: output.len(),
        total: output.len(),
    }
}

/// `(f(ε) − f(−ε)) / 2ε`, eq. 16.
fn central_difference(mut f: impl FnMut(f64) -> f64) -> f64 {
    let plus = f(EPSILON);
    let minus = f(-EPSILON);
    (plus - minus) / (2.0 * EPSILON)
}
