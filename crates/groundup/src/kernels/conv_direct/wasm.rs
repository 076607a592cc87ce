//! [`Lanes`] as wasm's `v128`, through [`crate::kernels::simd`]: `madd` is
//! `f32x4.relaxed_madd` in the relaxed build, mul + add in the simd128 one.

use core::arch::wasm32::{f32x4_splat, v128};

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
