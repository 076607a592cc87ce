//! Gradient checking by numerical differentiation (paper §3.3).
//!
//! For each weight, the central difference of eq. 16,
//!
//! ```text
//! ∂E/∂w ≈ n(h) = (E(w + h) − E(w − h)) / 2h
//! ```
//!
//! is compared with what backpropagation computed, `a`. Everything runs in
//! `f64`. (The paper's h ≈ 1e-9 is on the rounding side of the trade-off
//! below; in f32 no h gets the error below ~1e-3, which would hide real
//! bugs.)
//!
//! ## When do the two agree "enough"? (a derived tolerance)
//!
//! `n(h)` differs from the true derivative by two errors:
//!
//! - **truncation**, from Taylor's theorem: `h²/6 · |E‴|`. With h = 1e-6
//!   that is 1.7e-13 · |E‴|: negligible next to |E′| unless the third
//!   derivative is 10⁶ times the first.
//! - **rounding**: E is computed with a relative error of a few units of
//!   f64's ε = 2.2e-16, on numbers as large as the largest term in it — the
//!   loss itself or the largest logit (S = max(|E|, max |output|, 1)). The
//!   difference of two such values divided by 2h carries an absolute error
//!   of about κ·ε·S/h, however small the derivative is.
//!
//! A relative error alone therefore fails by chance wherever a derivative
//! is small next to the loss: the paper's MLP has a loss near 30 (saturated
//! sigmoids, logits of ±25), so its central differences carry ~1e-8 of
//! rounding, and a weight whose gradient is 6e-6 shows a "relative error"
//! of 1e-4 with nothing wrong (seed 4, batch 64 did exactly that). The
//! criterion is instead absolute + relative:
//!
//! ```text
//! |a − n(h)| ≤ RELATIVE_TOLERANCE · max(|a|, |n|)  +  ROUNDING_SAFETY · ε · S / h
//! ```
//!
//! κ, measured on all four presets (seeds 1–6, batches 1, 4 and 64, every
//! tensor), is at most 2.2; `ROUNDING_SAFETY` = 50 leaves a margin of 20.
//! The relative part, 1e-4, is far above truncation and far below what a
//! wrong derivative gives (a wrong sign, a missing term, an index off by
//! one: errors of order 1).
//!
//! ## Kinks
//!
//! ReLU, leaky ReLU and max pooling are not differentiable everywhere. When
//! a unit's input lies within h of its kink, `E(w ± h)` straddles it and
//! `n(h)` mixes two slopes — a real disagreement with backprop that says
//! nothing about backprop (the `cnn` at seed 3, batch 64 hit one: 2.7e-3).
//! So when an element fails, two more looks tell which it is (see
//! `is_smooth`): the one-sided differences either side of w, and the
//! central difference over 2h. On a smooth stretch they agree within the
//! tolerance, and the failure is reported as it is; next to a kink one of
//! them disagrees, and the element is measured again with a step 16 times
//! smaller, until it is smooth at that scale. An element
//! whose kink is closer than [`MIN_STEP`] is skipped and counted
//! ([`TensorCheck::skipped`]). This never excuses a wrong backward pass on
//! a smooth stretch: whether E is smooth is decided from forward passes
//! only.
//!
//! The figure reported per tensor for comparison with other tools is the
//! largest relative error `|a − n| / max(|a|, |n|, floor)` (with a floor of
//! a thousandth of the tensor's largest gradient); pass or fail is
//! [`TensorCheck::worst_ratio`] ≤ 1, the worst error as a fraction of its
//! tolerance.

use ndarray::{Array2, ArrayD};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use crate::layers::{into_standard_layout, Layer, Mode};
use crate::loss::{Objective, Reduction};
use crate::{ConfigError, ModelSpec, Network};

/// Step of the central difference (see the module docs for why 1e-6).
pub const EPSILON: f64 = 1e-6;

/// The relative part of the tolerance (see the module docs).
pub const RELATIVE_TOLERANCE: f64 = 1e-4;

/// How many times the measured rounding error of a central difference the
/// absolute part of the tolerance allows (see the module docs).
pub const ROUNDING_SAFETY: f64 = 50.0;

/// The smallest step tried near a kink: at 1e-10 the rounding term of the
/// tolerance is 1e4 times that at [`EPSILON`], and smaller steps say little.
pub const MIN_STEP: f64 = 1e-10;

/// How much smaller each retry's step is near a kink.
const STEP_SHRINK: f64 = 16.0;

/// The check of one tensor.
#[derive(Clone, Debug, Serialize)]
pub struct TensorCheck {
    /// `layers.3.weight`, or `input` for ∂E/∂x.
    pub name: String,
    /// The largest relative error (with a floor; see the module docs).
    pub max_relative_error: f64,
    /// The largest `|a − n| / tolerance`: the check passes if it is ≤ 1.
    pub worst_ratio: f64,
    /// Elements compared (large tensors are sampled).
    pub checked: usize,
    pub total: usize,
    /// Elements next to a kink, measured again with a smaller step.
    pub near_kink: usize,
    /// Elements so close to a kink that no step could measure them.
    pub skipped: usize,
}

impl TensorCheck {
    /// Whether backprop and the central differences agree within the tolerance.
    pub fn passed(&self) -> bool {
        self.worst_ratio <= 1.0
    }
}

/// Relative error of two derivatives; `floor` keeps it finite when both are ~0.
pub fn relative_error(analytic: f64, numeric: f64, floor: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(floor)
}

/// How far apart an analytic and a numeric derivative may be, for a
/// function whose evaluation involves numbers up to `scale` and a central
/// difference with step `step` (see the module docs).
pub fn tolerance(analytic: f64, numeric: f64, scale: f64, step: f64) -> f64 {
    RELATIVE_TOLERANCE * analytic.abs().max(numeric.abs()) + ROUNDING_SAFETY * f64::EPSILON * scale / step
}

/// One element's comparison.
#[derive(Clone, Copy, Debug)]
struct Comparison {
    numeric: f64,
    /// `|a − n| / tolerance`.
    ratio: f64,
    near_kink: bool,
    skipped: bool,
}

/// Compares `analytic` with central differences of `loss_at`, the loss with
/// the element set to a given value (`origin` is its value now, where the
/// loss is `base`), shrinking the step past kinks (see the module docs).
/// `scale` is S.
fn compare(
    analytic: f64,
    origin: f64,
    base: f64,
    scale: f64,
    mut loss_at: impl FnMut(f64) -> f64,
) -> Comparison {
    let mut step = EPSILON;
    let mut near_kink = false;
    loop {
        // The steps as they are in floating point, not as asked for.
        let (plus, minus) = (origin + step, origin - step);
        let (above, below) = (loss_at(plus), loss_at(minus));
        let numeric = (above - below) / (plus - minus); // eq. 16
        let tol = tolerance(analytic, numeric, scale, step);
        let ratio = (analytic - numeric).abs() / tol;
        if ratio <= 1.0 {
            return Comparison { numeric, ratio, near_kink, skipped: false };
        }
        if is_smooth(numeric, base, (plus, above), (minus, below), origin, scale, step, &mut loss_at) {
            return Comparison { numeric, ratio, near_kink, skipped: false };
        }
        near_kink = true;
        step /= STEP_SHRINK;
        if step < MIN_STEP {
            return Comparison { numeric, ratio: 0.0, near_kink, skipped: true };
        }
    }
}

/// Whether the loss is smooth over `[origin − 2·step, origin + 2·step]` as
/// far as the tolerance can tell, given the central difference `numeric`
/// and the two points it came from. Two tests, each blind where the other
/// sees (a kink at distance d < step, whose slope jump is Δ, gives the
/// central difference an error of Δ(step − d)/2step):
///
/// - the one-sided differences `(E(w+h) − E(w))/h` and `(E(w) − E(w−h))/h`
///   differ by Δ(step − d)/step — twice that error — plus `h·E″`;
/// - the central differences over h and 2h differ by Δ·d/4step: they see
///   a kink away from w, the first test one right at it.
///
/// On a smooth stretch both differences are within twice the tolerance
/// (one-sided differences carry twice the rounding; `h·E″` shrinks with
/// the step). A kink makes at least one exceed it.
#[allow(clippy::too_many_arguments)]
fn is_smooth(
    numeric: f64,
    base: f64,
    (plus, above): (f64, f64),
    (minus, below): (f64, f64),
    origin: f64,
    scale: f64,
    step: f64,
    loss_at: &mut impl FnMut(f64) -> f64,
) -> bool {
    let forward = (above - base) / (plus - origin);
    let backward = (base - below) / (origin - minus);
    if (forward - backward).abs() > 2.0 * tolerance(forward, backward, scale, step) {
        return false;
    }
    let (plus2, minus2) = (origin + 2.0 * step, origin - 2.0 * step);
    let wider = (loss_at(plus2) - loss_at(minus2)) / (plus2 - minus2);
    (numeric - wider).abs() <= 2.0 * tolerance(numeric, wider, scale, step)
}

/// The results of [`compare`] over a tensor, summed up.
struct Tally {
    name: String,
    floor: f64,
    max_relative_error: f64,
    worst_ratio: f64,
    checked: usize,
    near_kink: usize,
    skipped: usize,
}

impl Tally {
    fn new(name: impl Into<String>, floor: f64) -> Self {
        Tally {
            name: name.into(),
            floor,
            max_relative_error: 0.0,
            worst_ratio: 0.0,
            checked: 0,
            near_kink: 0,
            skipped: 0,
        }
    }

    fn add(&mut self, analytic: f64, c: Comparison) {
        self.checked += 1;
        self.near_kink += usize::from(c.near_kink);
        if c.skipped {
            self.skipped += 1;
            return;
        }
        self.worst_ratio = self.worst_ratio.max(c.ratio);
        self.max_relative_error =
            self.max_relative_error.max(relative_error(analytic, c.numeric, self.floor));
    }

    fn finish(self, total: usize) -> TensorCheck {
        TensorCheck {
            name: self.name,
            max_relative_error: self.max_relative_error,
            worst_ratio: self.worst_ratio,
            checked: self.checked,
            total,
            near_kink: self.near_kink,
            skipped: self.skipped,
        }
    }
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
///
/// Panics if `x` or `targets` do not fit the network (see
/// [`ModelSpec::fits_data`]).
pub fn check_built_network(
    net: &mut Network<f64>,
    x: &Array2<f64>,
    targets: &Array2<f64>,
    max_per_tensor: usize,
) -> Vec<TensorCheck> {
    let analytic = Analytic::new(net, x, targets);
    (0..analytic.grads.len()).map(|t| analytic.check(net, x, targets, t, max_per_tensor)).collect()
}

/// The check of parameter tensor `tensor` alone (in [`Network::params`]
/// order; `None` past the last): one piece of [`check_built_network`], for
/// a caller that must stay responsive between tensors. Every element is
/// put back exactly as it was.
///
/// Panics if `x` or `targets` do not fit the network (see
/// [`ModelSpec::fits_data`]).
pub fn check_tensor(
    net: &mut Network<f64>,
    x: &Array2<f64>,
    targets: &Array2<f64>,
    tensor: usize,
    max_per_tensor: usize,
) -> Option<TensorCheck> {
    if tensor >= net.params().len() {
        return None;
    }
    Some(Analytic::new(net, x, targets).check(net, x, targets, tensor, max_per_tensor))
}

/// Backpropagation's gradients at the network's weights, and what the
/// central differences are compared at: the loss there and its scale S.
struct Analytic {
    grads: Vec<(String, ArrayD<f64>)>,
    base: f64,
    scale: f64,
}

impl Analytic {
    fn new(net: &mut Network<f64>, x: &Array2<f64>, targets: &Array2<f64>) -> Self {
        let objective = net.spec().objective;
        net.zero_grad();
        let out = net.forward(x.clone(), Mode::Train);
        let evaluated = objective.evaluate(&out, targets, Reduction::Mean);
        let scale = evaluated.loss.abs().max(max_abs(&out)).max(1.0);
        net.backward(evaluated.grad);
        let base = objective.evaluate(&net.forward(x.clone(), Mode::Infer), targets, Reduction::Mean).loss;
        let grads = net.named_params().into_iter().map(|(n, p)| (n, p.grad.clone())).collect();
        Analytic { grads, base, scale }
    }

    /// Compares tensor `t`'s gradient with central differences.
    fn check(
        &self,
        net: &mut Network<f64>,
        x: &Array2<f64>,
        targets: &Array2<f64>,
        t: usize,
        max_per_tensor: usize,
    ) -> TensorCheck {
        let objective = net.spec().objective;
        let (name, grad) = &self.grads[t];
        let indices = sample_indices(grad.len(), max_per_tensor);
        let mut tally = Tally::new(name.clone(), error_floor(grad));
        for &i in &indices {
            let origin = net.params()[t].value.as_slice().expect("params are contiguous")[i];
            let loss_at = |value: f64| {
                net.params_mut()[t].value.as_slice_mut().expect("params are contiguous")[i] = value;
                let out = net.forward(x.clone(), Mode::Infer);
                objective.evaluate(&out, targets, Reduction::Mean).loss
            };
            let a = grad.as_slice().expect("contiguous")[i];
            let comparison = compare(a, origin, self.base, self.scale, loss_at);
            // Exactly as it was: the next element is measured at the same point.
            net.params_mut()[t].value.as_slice_mut().expect("params are contiguous")[i] = origin;
            tally.add(a, comparison);
        }
        tally.finish(grad.len())
    }
}

/// Checks one layer alone: its input gradient and every parameter's, under
/// the loss `E = Σ r ⊙ y` for a fixed random `r` (so `∂E/∂y = r`, and every
/// output element is exercised with a different weight).
pub fn check_layer(layer: &mut dyn Layer<f64>, x: &ArrayD<f64>, seed: u64) -> Vec<TensorCheck> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let y = layer.forward(x.clone(), Mode::Train);
    let r = y.mapv(|_| rng.random_range(-1.0..1.0));
    // E is a sum of many terms: its rounding scales with their sizes.
    let scale = (&y * &r).mapv(f64::abs).sum().max(1.0);
    let loss_of =
        |layer: &mut dyn Layer<f64>, x: &ArrayD<f64>| (layer.forward(x.clone(), Mode::Infer) * &r).sum();
    for p in layer.params_mut() {
        p.zero_grad();
    }
    // Indexed as the flat input is below, whatever order the layer wrote it in.
    let dx = into_standard_layout(layer.backward(r.clone()));
    let base = loss_of(layer, x);

    let mut checks = Vec::new();
    // ∂E/∂x: nudge the input.
    let mut tally = Tally::new("input", error_floor(&dx));
    let mut xs = x.clone();
    for i in 0..x.len() {
        let origin = x.as_slice().expect("contiguous")[i];
        let a = dx.as_slice().expect("contiguous")[i];
        let comparison = compare(a, origin, base, scale, |value| {
            xs.as_slice_mut().expect("contiguous")[i] = value;
            loss_of(layer, &xs)
        });
        xs.as_slice_mut().expect("contiguous")[i] = origin;
        tally.add(a, comparison);
    }
    checks.push(tally.finish(x.len()));

    // ∂E/∂w: nudge each weight.
    let grads: Vec<(&'static str, ArrayD<f64>)> =
        layer.params().iter().map(|p| (p.name, p.grad.clone())).collect();
    for (t, (name, grad)) in grads.iter().enumerate() {
        let mut tally = Tally::new(*name, error_floor(grad));
        for i in 0..grad.len() {
            let origin = layer.params()[t].value.as_slice().expect("contiguous")[i];
            let a = grad.as_slice().expect("contiguous")[i];
            let comparison = compare(a, origin, base, scale, |value| {
                layer.params_mut()[t].value.as_slice_mut().expect("contiguous")[i] = value;
                loss_of(layer, x)
            });
            layer.params_mut()[t].value.as_slice_mut().expect("contiguous")[i] = origin;
            tally.add(a, comparison);
        }
        checks.push(tally.finish(grad.len()));
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
    let evaluated = objective.evaluate(output, targets, reduction);
    let analytic = evaluated.grad;
    // The reported loss is a mean; a summed gradient is N times its derivative.
    let n = match reduction {
        Reduction::Mean => 1.0,
        Reduction::Sum => output.nrows() as f64,
    };
    let base = evaluated.loss * n;
    let scale = base.abs().max(max_abs(output)).max(1.0);
    let mut o = output.clone();
    let mut tally = Tally::new(format!("{objective:?}"), error_floor(&analytic));
    for ((i, j), &a) in analytic.indexed_iter() {
        let comparison = compare(a, output[[i, j]], base, scale, |value| {
            o[[i, j]] = value;
            objective.evaluate(&o, targets, reduction).loss * n
        });
        o[[i, j]] = output[[i, j]];
        tally.add(a, comparison);
    }
    tally.finish(output.len())
}

/// The largest magnitude in `a` (0 if empty).
fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}
