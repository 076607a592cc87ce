//! [`Lanes`] as wasm's `v128`, through [`crate::kernels::simd`]: `madd` is
//! `f32x4.relaxed_madd` in the relaxed build, mul + add in the simd128 one.

use core::arch::wasm32::{f32x4_splat, i32x4_shuffle, v128};

use super::tiles::Lanes;
use crate::kernels::simd::{load4, madd, store4};

impl Lanes for v128 {
    #[inline(always)]
    fn splat(v: f32) -> Self {
        f32x4_splat(v)
    }
    #[inline(always)]
    fn load(s: &[f32; 4]) -> Self {
        load4(s)
    }
    #[inline(always)]
    fn store(self, d: &mut [f32; 4]) {
        store4(self, d);
    }
    #[inline(always)]
    fn madd(a: Self, b: Self, c: Self) -> Self {
        madd(a, b, c)
    }
}

/// The lanes the wasm build computes with.
pub(super) type Vector = v128;

/// Four vectors as the rows of a 4×4 block → its columns.
#[inline(always)]
fn transpose4([a, b, c, d]: [v128; 4]) -> [v128; 4] {
    let (ab_lo, ab_hi) = (i32x4_shuffle::<0, 4, 1, 5>(a, b), i32x4_shuffle::<2, 6, 3, 7>(a, b));
    let (cd_lo, cd_hi) = (i32x4_shuffle::<0, 4, 1, 5>(c, d), i32x4_shuffle::<2, 6, 3, 7>(c, d));
    [
        i32x4_shuffle::<0, 1, 4, 5>(ab_lo, cd_lo),
        i32x4_shuffle::<2, 3, 6, 7>(ab_lo, cd_lo),
        i32x4_shuffle::<0, 1, 4, 5>(ab_hi, cd_hi),
        i32x4_shuffle::<2, 3, 6, 7>(ab_hi, cd_hi),
    ]
}

/// `dst[p·stride + i] = planes[i][p]`: four channels' planes into
/// channels-last rows, 4×4 blocks at a time (4 loads, 8 shuffles, 4 stores
/// where the scalar copy makes 16 of each), the tail one by one.
pub(super) fn interleave4(planes: [&[f32]; 4], dst: &mut [f32], stride: usize) {
    let len = planes[0].len();
    let whole = len / 4 * 4;
    for p in (0..whole).step_by(4) {
        let columns = transpose4(planes.map(|s| load4(s[p..p + 4].try_into().expect("4 values"))));
        for (q, v) in columns.into_iter().enumerate() {
            store4(v, &mut dst[(p + q) * stride..]);
        }
    }
    for p in whole..len {
        for (i, plane) in planes.iter().enumerate() {
            dst[p * stride + i] = plane[p];
        }
    }
}

/// `planes[i][p] = src[p·stride + i]`: the inverse of [`interleave4`].
pub(super) fn deinterleave4(src: &[f32], stride: usize, planes: [&mut [f32]; 4]) {
    let len = planes[0].len();
    let whole = len / 4 * 4;
    let [a, b, c, d] = planes;
    for p in (0..whole).step_by(4) {
        let rows: [v128; 4] =
            core::array::from_fn(|q| load4(src[(p + q) * stride..][..4].try_into().expect("4 values")));
        let [ra, rb, rc, rd] = transpose4(rows);
        store4(ra, &mut a[p..]);
        store4(rb, &mut b[p..]);
        store4(rc, &mut c[p..]);
        store4(rd, &mut d[p..]);
    }
    for p in whole..len {
        let at = &src[p * stride..][..4];
        (a[p], b[p], c[p], d[p]) = (at[0], at[1], at[2], at[3]);
    }
}
