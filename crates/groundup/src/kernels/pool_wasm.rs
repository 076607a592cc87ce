//! The 2×2 max pool ([`super::pool`]) in wasm `v128`, f32: four windows per
//! step, even and odd columns split by one shuffle. LLVM does not vectorise
//! the portable loop's pairs of neighbours for wasm, and there it runs one
//! scalar select per comparison.
//!
//! A row's last windows, when fewer than four are left, are done as the
//! last four of the row again: the overlap recomputes (or rewrites) the
//! same values, which costs less than a scalar tail; the paper CNN's rows
//! are 14 and 7 windows long. Rows of fewer than four windows take the
//! portable loop.
//! Same tournament, same ties: left beats right, top beats bottom.

use core::arch::wasm32::{
    f32x4_gt, i16x8_narrow_i32x4, i32x4, i32x4_eq, i32x4_extract_lane, i32x4_shuffle, i32x4_splat, i32x4_sub,
    i8x16_narrow_i16x8, v128, v128_and, v128_bitselect,
};

use super::pool;
use super::simd::{load4, store4};

/// Where each group of four windows starts in a row of `wo` (≥ 4): every
/// fourth, then `wo − 4` if windows are left over.
fn groups(wo: usize) -> impl Iterator<Item = usize> {
    (0..wo / 4).map(|g| 4 * g).chain((!wo.is_multiple_of(4)).then_some(wo - 4))
}

/// 8 consecutive values → (even columns, odd columns).
#[inline(always)]
fn split_pairs(s: &[f32]) -> (v128, v128) {
    let lo = load4(s[..4].try_into().expect("4 values"));
    let hi = load4(s[4..8].try_into().expect("4 values"));
    (i32x4_shuffle::<0, 2, 4, 6>(lo, hi), i32x4_shuffle::<1, 3, 5, 7>(lo, hi))
}

/// [`pool::max_pool_2x2`] for f32.
pub fn max_pool_2x2(src: &[f32], (planes, h, w): (usize, usize, usize), out: &mut [f32], taps: &mut [u8]) {
    let (ho, wo) = (h / 2, w / 2);
    if wo < 4 {
        return pool::max_pool_2x2(src, (planes, h, w), out, taps);
    }
    let (zero, two) = (i32x4_splat(0), i32x4_splat(2));
    for band in 0..planes * ho {
        let top = (band / ho) * h * w + (band % ho) * 2 * w;
        let (top, bottom) = (&src[top..top + 2 * wo], &src[top + w..top + w + 2 * wo]);
        let (out, taps) = (&mut out[band * wo..][..wo], &mut taps[band * wo..][..wo]);
        for ox in groups(wo) {
            let (a, b) = split_pairs(&top[2 * ox..2 * ox + 8]);
            let (c, d) = split_pairs(&bottom[2 * ox..2 * ox + 8]);
            let top_right = f32x4_gt(b, a); // all ones where the right one wins
            let upper = v128_bitselect(b, a, top_right);
            let bottom_right = f32x4_gt(d, c);
            let lower = v128_bitselect(d, c, bottom_right);
            let down = f32x4_gt(lower, upper);
            store4(v128_bitselect(lower, upper, down), &mut out[ox..ox + 4]);
            // A true mask is −1: 0 − mask is 1, 2 − mask is 3.
            let tap4 = v128_bitselect(i32x4_sub(two, bottom_right), i32x4_sub(zero, top_right), down);
            let bytes = i8x16_narrow_i16x8(i16x8_narrow_i32x4(tap4, tap4), zero);
            taps[ox..ox + 4].copy_from_slice(&i32x4_extract_lane::<0>(bytes).to_le_bytes());
        }
    }
}

/// [`pool::max_unpool_2x2`] for f32 (into a zeroed `dx`).
pub fn max_unpool_2x2(dy: &[f32], taps: &[u8], (planes, h, w): (usize, usize, usize), dx: &mut [f32]) {
    let (ho, wo) = (h / 2, w / 2);
    if wo < 4 {
        return pool::max_unpool_2x2(dy, taps, (planes, h, w), dx);
    }
    for band in 0..planes * ho {
        let at = (band / ho) * h * w + (band % ho) * 2 * w;
        let (top, bottom) = dx[at..at + 2 * w].split_at_mut(w);
        let (grads, taps) = (&dy[band * wo..][..wo], &taps[band * wo..][..wo]);
        for ox in groups(wo) {
            let d = load4(grads[ox..ox + 4].try_into().expect("4 values"));
            let t = &taps[ox..ox + 4];
            let tap4 = i32x4(i32::from(t[0]), i32::from(t[1]), i32::from(t[2]), i32::from(t[3]));
            let at = |k: i32| v128_and(d, i32x4_eq(tap4, i32x4_splat(k)));
            // Interleave each window's left and right inputs back into columns.
            let (t0, t1, b0, b1) = (at(0), at(1), at(2), at(3));
            store4(i32x4_shuffle::<0, 4, 1, 5>(t0, t1), &mut top[2 * ox..]);
            store4(i32x4_shuffle::<2, 6, 3, 7>(t0, t1), &mut top[2 * ox + 4..]);
            store4(i32x4_shuffle::<0, 4, 1, 5>(b0, b1), &mut bottom[2 * ox..]);
            store4(i32x4_shuffle::<2, 6, 3, 7>(b0, b1), &mut bottom[2 * ox + 4..]);
        }
    }
}
