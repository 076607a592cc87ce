//! Finding a NaN or an infinity in a tensor, fast: what the divergence
//! guard asks of every gradient and every weight at every step.
//!
//! A search that stops at the first bad element tests one element at a
//! time (a branch per element, no SIMD). The guard almost never finds
//! anything, so it first ORs "is not finite" over the whole slice, which
//! the compiler vectorises, and searches element by element only when that
//! says there is something to find. For the paper MLP's 1.1 M weights (and
//! as many gradients) this took the checks from ~20 % of a batch-64
//! training step to ~7 %, what reading 9 MB costs (`groundup bench`, perf).

use ndarray::{ArrayRef, Dimension};

/// The exponent bits of an f32: all ones for NaN and ±∞ alone.
const EXPONENT: u32 = 0x7f80_0000;

/// Whether any element of `values` is NaN or ±∞. A branch-free OR over the
/// bits: integer OR is associative, so the compiler vectorises the loop
/// (a `bool` version, or one over fixed lane arrays, compiled to scalar
/// loads and shuffles).
pub fn any_non_finite(values: &[f32]) -> bool {
    values.iter().fold(0u32, |bad, v| bad | u32::from(v.to_bits() & EXPONENT == EXPONENT)) != 0
}

/// The first (in memory order) NaN or ±∞ in `values`, if any.
pub fn first_non_finite<D: Dimension>(values: &ArrayRef<f32, D>) -> Option<f32> {
    match values.as_slice_memory_order() {
        Some(slice) if !any_non_finite(slice) => None,
        Some(slice) => slice.iter().copied().find(|v| !v.is_finite()),
        None => values.iter().copied().find(|v| !v.is_finite()),
    }
}
