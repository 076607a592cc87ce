//! [`Lanes`] as a plain `[f32; 4]`: what native builds (and native tests of
//! the tiles, packing and edges) run. LLVM turns the lane loops into SSE
//! instructions; multiply and add stay two roundings, as in wasm's simd128
//! build.

use super::tiles::Lanes;

/// Four f32 lanes on plain arrays.
#[derive(Clone, Copy, Debug)]
pub(super) struct Vector([f32; 4]);

impl Lanes for Vector {
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Self([v; 4])
    }
    #[inline(always)]
    fn load(s: &[f32; 4]) -> Self {
        Self(*s)
    }
    #[inline(always)]
    fn store(self, d: &mut [f32; 4]) {
        *d = self.0;
    }
    #[inline(always)]
    fn madd(a: Self, b: Self, c: Self) -> Self {
        Self(core::array::from_fn(|l| a.0[l] * b.0[l] + c.0[l]))
    }
}

/// `dst[p·stride + i] = planes[i][p]`: four channels' planes into
/// channels-last rows (the [`super::layout`] copies; in wasm, 4×4 blocks).
pub(super) fn interleave4(planes: [&[f32]; 4], dst: &mut [f32], stride: usize) {
    for (p, row) in dst.chunks_mut(stride).take(planes[0].len()).enumerate() {
        for (d, plane) in row.iter_mut().zip(planes) {
            *d = plane[p];
        }
    }
}

/// `planes[i][p] = src[p·stride + i]`: the inverse of [`interleave4`].
pub(super) fn deinterleave4(src: &[f32], stride: usize, planes: [&mut [f32]; 4]) {
    for (i, plane) in planes.into_iter().enumerate() {
        for (d, &v) in plane.iter_mut().zip(src[i..].iter().step_by(stride)) {
            *d = v;
        }
    }
}
