//! σ(x) = 1 / (1 + e^(−x)) for f32, in a form the compiler vectorises.
//!
//! The sigmoid layer's forward pass calls `exp` once per element; the C
//! library's `expf` is a call per element that no loop vectorises, and it
//! was ~15 % of a paper-MLP training step (perf, batch 500). This computes
//! e^t with plain arithmetic — no calls, no branches — so a whole
//! activation array runs in SIMD lanes:
//!
//! ```text
//! t = −|x| ≥ −87.33                  (below, e^t is not a normal f32)
//! n = round(t / ln 2),  r = t − n·ln 2 ∈ [−ln2/2, ln2/2]
//! e^t = 2^n · e^r,      e^r by its Taylor series to r⁶/720 (error < 2e−7 relative)
//! σ(x) = 1/(1 + e^t) for x ≥ 0,  e^t/(1 + e^t) for x < 0
//! ```
//!
//! Working with −|x| keeps e^t in (0, 1], so nothing overflows, as in
//! [`super::sigmoid`]. Clamping t at −87.33 makes σ(x) for x < −87.33 come
//! out as ~1.18e−38 instead of a subnormal or 0: off by at most 1.2e−38, and a
//! subnormal activation would slow every product it enters (see
//! `loss::softmax_cross_entropy`). Within 5e−7 (4 ulp) of the exact σ
//! wherever that is above 1e−37 (tests/layers.rs checks it against f64
//! over ±120). f64, which the
//! gradient checks use, keeps the exact [`super::sigmoid`].

/// `x` rounded to the nearest integer, without a call: adding 1.5·2²³
/// pushes the fraction bits out in round-to-nearest, and subtracting it
/// back leaves the integer (exact for |x| < 2²²).
fn round_to_integer(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23
    (x + SHIFT) - SHIFT
}

/// e^t for t in [−87.33, 0]; smaller t as −87.33, the smallest whose e^t
/// is a normal f32.
fn exp_non_positive(t: f32) -> f32 {
    // ln 2 split in two so that n·LN2_HI is exact for |n| < 2^11.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let t = t.max(-87.33);
    let n = round_to_integer(t * std::f32::consts::LOG2_E);
    let r = (t - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // 2^n from its exponent bits: n ∈ [−126, 0], so the biased exponent is ≥ 1.
    let two_to_n = f32::from_bits(((n as i32 + 127) as u32) << 23);
    p * two_to_n
}

/// σ(x), vectorisable; see the module docs.
pub fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_non_positive(-x.abs());
    let s = 1.0 / (1.0 + e);
    if x >= 0.0 {
        s
    } else {
        e * s
    }
}
