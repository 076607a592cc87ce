//! Weight initialisers.
//!
//! The paper drew every weight from the standard normal N(0, 1) (§4.2). That
//! works for its 784-625-625-10 sigmoid net only because sigmoids saturate
//! instead of exploding; in a ReLU CNN, N(0, 1) makes activations grow by a
//! factor of ~√fan_in per layer, the softmax saturates, and the gradients are
//! either zero or enormous — one reason the paper's CNN died of NaNs (§5).
//! Scaling the variance by the fan-in keeps activations at unit scale:
//!
//! - **Glorot/Xavier** (uniform): `w ~ U(−a, a)`, `a = √(6 / (fan_in + fan_out))`,
//!   for sigmoid/tanh layers.
//! - **He** (normal): `w ~ N(0, 2 / fan_in)`, for ReLU-family layers.

use ndarray::{ArrayD, IxDyn};
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::Real;

/// How a weight tensor is filled before training. Biases always start at 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// N(0, 1), as in the paper.
    StandardNormal,
    /// U(−a, a) with a = √(6 / (fan_in + fan_out)).
    Glorot,
    /// N(0, 2 / fan_in).
    He,
}

impl Init {
    /// A tensor of `shape` drawn from this distribution.
    ///
    /// `fan_in` / `fan_out` count the connections into / out of one unit: for a
    /// dense layer the input and output widths, for a convolution those times
    /// the kernel area.
    pub fn sample<F: Real>(
        self,
        shape: &[usize],
        fan_in: usize,
        fan_out: usize,
        rng: &mut impl Rng,
    ) -> ArrayD<F> {
        let (fan_in, fan_out) = (fan_in as f64, fan_out as f64);
        ArrayD::from_shape_simple_fn(IxDyn(shape), || {
            let w = match self {
                Init::StandardNormal => standard_normal(rng),
                Init::Glorot => {
                    let a = (6.0 / (fan_in + fan_out)).sqrt();
                    rng.random_range(-a..a)
                }
                Init::He => (2.0 / fan_in).sqrt() * standard_normal(rng),
            };
            F::of(w)
        })
    }
}

/// One draw from N(0, 1) by the Box–Muller transform: two uniforms give a
/// point whose radius and angle make a Gaussian. Written out (rather than
/// taken from a distributions crate) so that the same seed gives the same
/// weights on every platform and crate version.
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    // u1 in (0, 1]: ln(0) would be −∞.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::SeedableRng;

    fn moments(x: &ArrayD<f64>) -> (f64, f64) {
        let n = x.len() as f64;
        let mean = x.sum() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, var)
    }

    #[test]
    fn initialisers_have_their_variances() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = [200, 500];
        let (m, v) = moments(&Init::StandardNormal.sample(&n, 200, 500, &mut rng));
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.02, "N(0,1): {m} {v}");
        let (m, v) = moments(&Init::He.sample(&n, 200, 500, &mut rng));
        assert!(m.abs() < 0.002 && (v / (2.0 / 200.0) - 1.0).abs() < 0.03, "He: {m} {v}");
        // U(−a, a) has variance a²/3 = 2 / (fan_in + fan_out).
        let (m, v) = moments(&Init::Glorot.sample(&n, 200, 500, &mut rng));
        assert!(m.abs() < 0.002 && (v / (2.0 / 700.0) - 1.0).abs() < 0.03, "Glorot: {m} {v}");
    }
}
