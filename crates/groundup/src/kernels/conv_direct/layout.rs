//! The copies around the direct convolution's tiles: each is one pass over
//! an array the size of the layer's input or output (the im2col path's
//! columns were k² times the input), or over the tiny weights.
//!
//! The vector dimension (output channels of a correlation) is cut into
//! **chunks** of at most [`CHUNK`] channels, each rounded up to whole
//! 4-lane vectors with zeros. A chunked array stores chunk after chunk,
//! each as (rows, width): chunk `q` starts at `rows · CHUNK · q` and
//! `width` = its channels rounded up to a multiple of 4.
//!
//! The NCHW ↔ channels-last copies move four channels at a time
//! (`interleave4`, `deinterleave4`): in wasm as 4×4 blocks transposed in
//! registers, which halved them (the paper CNN's five copies a step, 0.95 →
//! 0.5 ms at batch 64, bench/kernels `conv_breakdown`); natively as scalar
//! loops. Channels past the last four go one at a time.

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use super::portable::{deinterleave4, interleave4};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use super::wasm::{deinterleave4, interleave4};

/// Most channels one tile holds as vectors: 4 vectors of 4.
pub(super) const CHUNK: usize = 16;

/// The chunks of `channels`: (first channel, channels in it, padded width).
pub(super) fn chunks(channels: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..channels).step_by(CHUNK).map(move |c0| {
        let width = CHUNK.min(channels - c0);
        (c0, width, width.div_ceil(4) * 4)
    })
}

/// Length of a chunked array of `rows` rows of `channels` channels.
pub(super) fn chunked_len(rows: usize, channels: usize) -> usize {
    rows * channels.div_ceil(4) * 4
}

/// NCHW `src` (N, C, H, W) → `dst` (N, H+2p, W+2p, C), zero in the border.
/// `dst` is resized (kept between calls, so the same size costs no
/// allocation) and every element is written.
pub(super) fn pad_channels_last(
    src: &[f32],
    (n, c, h, w): (usize, usize, usize, usize),
    p: usize,
    dst: &mut Vec<f32>,
) {
    let (hp, wp) = (h + 2 * p, w + 2 * p);
    dst.clear();
    dst.resize(n * hp * wp * c, 0.0);
    if c * h * w == 0 {
        return;
    }
    let groups = c / 4 * 4; // channels copied four at a time
    for (image, out) in src.chunks_exact(c * h * w).zip(dst.chunks_exact_mut(hp * wp * c)) {
        for y in 0..h {
            let line = |ci: usize| &image[(ci * h + y) * w..][..w];
            let start = ((y + p) * wp + p) * c;
            for c0 in (0..groups).step_by(4) {
                interleave4(core::array::from_fn(|i| line(c0 + i)), &mut out[start + c0..], c);
            }
            for ci in groups..c {
                for (d, &v) in out[start + ci..].iter_mut().step_by(c).zip(line(ci)) {
                    *d = v;
                }
            }
        }
    }
}

/// NCHW `src` (N, C, H·W) → chunked channels-last `dst` (N·H·W, width) per
/// chunk of C; padding channels zero.
pub(super) fn nchw_to_chunked(src: &[f32], (n, c, hw): (usize, usize, usize), dst: &mut Vec<f32>) {
    dst.clear();
    dst.resize(chunked_len(n * hw, c), 0.0);
    if c * hw == 0 {
        return;
    }
    for (c0, count, width) in chunks(c) {
        let part = &mut dst[n * hw * c0..][..n * hw * width];
        let groups = count / 4 * 4;
        for (image, out) in src.chunks_exact(c * hw).zip(part.chunks_exact_mut(hw * width)) {
            let plane = |i: usize| &image[(c0 + i) * hw..][..hw];
            for i0 in (0..groups).step_by(4) {
                interleave4(core::array::from_fn(|i| plane(i0 + i)), &mut out[i0..], width);
            }
            for i in groups..count {
                for (d, &v) in out[i..].iter_mut().step_by(width).zip(plane(i)) {
                    *d = v;
                }
            }
        }
    }
}

/// Chunked channels-last `src` (N·H·W, width) per chunk → NCHW `dst`
/// (N, C, H·W), padding channels dropped.
pub(super) fn chunked_to_nchw(src: &[f32], (n, c, hw): (usize, usize, usize), dst: &mut [f32]) {
    if c * hw == 0 {
        return;
    }
    for (c0, count, width) in chunks(c) {
        let part = &src[n * hw * c0..][..n * hw * width];
        let groups = count / 4 * 4;
        for (image, out) in part.chunks_exact(hw * width).zip(dst.chunks_exact_mut(c * hw)) {
            let mut planes = out[c0 * hw..][..count * hw].chunks_exact_mut(hw);
            for i0 in (0..groups).step_by(4) {
                deinterleave4(
                    &image[i0..],
                    width,
                    core::array::from_fn(|_| planes.next().expect("4 planes")),
                );
            }
            for (i, plane) in (groups..count).zip(planes) {
                for (d, &v) in plane.iter_mut().zip(image[i..].iter().step_by(width)) {
                    *d = v;
                }
            }
        }
    }
}

/// Filters `w` (O, C, k, k) as chunked rows over the output channels:
/// row `(i·k + j)·C + c` of chunk `q` holds `w[q·16 .., c, i, j]`, the
/// operand [`super::tiles::correlate_tile`] loads as vectors.
pub(super) fn pack_forward(w: &[f32], (o, c, k): (usize, usize, usize), dst: &mut Vec<f32>) {
    dst.clear();
    dst.resize(chunked_len(k * k * c, o), 0.0);
    let rows = k * k * c;
    for (o0, count, width) in chunks(o) {
        let part = &mut dst[rows * o0..][..rows * width];
        for oi in 0..count {
            let filter = &w[(o0 + oi) * c * k * k..][..c * k * k];
            for (tap, &v) in filter.iter().enumerate() {
                let (ci, i, j) = (tap / (k * k), tap / k % k, tap % k);
                part[((i * k + j) * c + ci) * width + oi] = v;
            }
        }
    }
}

/// Filters `w` (O, C, k, k) turned for ∂X: the correlation of the padded δ
/// (O channels in) with `w'[c, o, i, j] = w[o, c, k−1−i, k−1−j]` (C channels
/// out), chunked over C: row `(i·k + j)·O + o` of chunk `q` holds
/// `w[o, q·16 .., k−1−i, k−1−j]`.
pub(super) fn pack_flipped(w: &[f32], (o, c, k): (usize, usize, usize), dst: &mut Vec<f32>) {
    dst.clear();
    dst.resize(chunked_len(k * k * o, c), 0.0);
    let rows = k * k * o;
    for (c0, count, width) in chunks(c) {
        let part = &mut dst[rows * c0..][..rows * width];
        for oi in 0..o {
            for ci in 0..count {
                let filter = &w[(oi * c + c0 + ci) * k * k..][..k * k];
                for (tap, &v) in filter.iter().enumerate() {
                    let (i, j) = (k - 1 - tap / k, k - 1 - tap % k);
                    part[((i * k + j) * o + oi) * width + ci] = v;
                }
            }
        }
    }
}

/// Adds the chunked ∂W rows `src` (row `(i·k + j)·C + c` of chunk `q`
/// holding filters `q·16 ..`) into `dw` (O, C, k, k).
pub(super) fn add_unpacked(src: &[f32], (o, c, k): (usize, usize, usize), dw: &mut [f32]) {
    let rows = k * k * c;
    for (o0, count, width) in chunks(o) {
        let part = &src[rows * o0..][..rows * width];
        for oi in 0..count {
            let filter = &mut dw[(o0 + oi) * c * k * k..][..c * k * k];
            for (tap, d) in filter.iter_mut().enumerate() {
                let (ci, i, j) = (tap / (k * k), tap / k % k, tap % k);
                *d += part[((i * k + j) * c + ci) * width + oi];
            }
        }
    }
}
