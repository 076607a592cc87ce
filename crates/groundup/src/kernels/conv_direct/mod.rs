//! Direct ("implicit GEMM") f32 convolution: the sums of
//! [`super::conv`]'s module doc computed straight from a zero-padded,
//! channels-last copy of the input, without im2col's columns.
//!
//! Why: with im2col, conv2 of the paper CNN (8→16, 14², k 5, batch 64)
//! builds a 10 MB column matrix every forward and scatters another back in
//! col2im (3.5 ms of a 13.6 ms layer in wasm, bench/README.md), and its three
//! products run on skinny shapes at ~50 % of the SIMD peak. Here every tap
//! is an offset into the padded input, so the only copies are one pass over
//! the input, δ and the output ([`layout`]), and the inner loops are
//! register tiles of the sgemm micro-kernel's shape ([`tiles`]).
//!
//! ```text
//! x_pad (N, H+2p, W+2p, C)       the input once, zero border, channels last
//! forward  y[pos, o]   = b[o] + Σ_{i,j,c} x_pad[pos + (i, j), c] · W[(i,j,c), o]
//!          (vectors over o; one x value broadcast per tap: correlate_tile)
//! ∂W       ∂W[(i,j,c), o] += Σ_pos x_pad[pos + (i, j), c] · δ[pos, o]
//!          (vectors over o; δ channels last: grad_w_tile)
//! ∂X       ∂x[pos, c]  = Σ_{i,j,o} δ_pad[pos + (i, j), o] · W'[(i,j,o), c]
//!          the same correlation as the forward, with δ zero-padded by
//!          k−1−p, C as the vector dimension and W'[c,o,i,j] = W[o,c,k−1−i,k−1−j]
//!          (the paper's "rotated kernel", §4.3.2)
//! ```
//!
//! The vector dimension is cut into chunks of ≤ 16 channels padded to
//! whole 4-lane vectors ([`layout::chunks`]), so any C and O work: the paper's
//! O = 16 is one chunk of 4 vectors, C = 8 (conv2's ∂X) one of 2. A tile
//! covers T output positions (T·OV ≤ 8 accumulators, see [`tiles`]);
//! a row's last positions take a smaller T.
//!
//! In wasm the lanes are `v128` ([`wasm`]); natively the same loops run on
//! `[f32; 4]` ([`portable`]), which LLVM compiles to SSE: natively this
//! still matches or beats im2col + `matrixmultiply`'s AVX2 products (the
//! measurement is beside `Real::conv2d_kernels`), so both targets use it.
//!
//! ∂W is computed image by image: one image's padded input and δ (conv2:
//! 10 KB + 12 KB) stay in L1 while every tile of ∂W passes over them; over
//! the whole batch at once (~1.5 MB, past L2) the same tiles ran at 6.4
//! instead of 10–14 GFLOP/s (bench/kernels `conv_breakdown`, one run each).

mod layout;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod portable;
mod tiles;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm;

use std::cell::RefCell;

use ndarray::{Array4, ArrayView1, ArrayView4, ArrayViewMut1, ArrayViewMut4};

use super::conv::{ConvCache, ConvDims, ConvKernels};
use layout::{chunked_len, chunks, CHUNK};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use portable::Vector;
use tiles::{correlate_tile, grad_w_tile, Positions, Window};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use wasm::Vector;

/// Scratch arrays, grown to the largest call and kept (one thread, one call
/// at a time): a fresh allocation per call would cost page faults natively
/// and memory growth in wasm.
#[derive(Default)]
struct Scratch {
    /// Packed weights (chunked, see [`layout`]).
    weights: Vec<f32>,
    /// A correlation's chunked channels-last output (y or ∂X).
    out: Vec<f32>,
    /// δ chunked channels-last (∂W) or zero-padded channels-last (∂X).
    delta: Vec<f32>,
    /// ∂W rows before they are added into the layer's gradient.
    dw: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` on this thread's scratch (a fresh one if it is in use, which
/// nothing here does: no kernel calls another).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// The direct f32 convolution (module doc).
pub struct DirectConv;

impl ConvKernels<f32> for DirectConv {
    fn forward(
        &self,
        d: ConvDims,
        x: ArrayView4<f32>,
        w: ArrayView4<f32>,
        b: Option<ArrayView1<f32>>,
        cache: &mut ConvCache<f32>,
    ) -> Array4<f32> {
        let x = x.as_standard_layout();
        let w = w.as_standard_layout();
        let b = b.map(|b| b.to_vec());
        pad_input(x.as_slice().expect("standard layout"), d, &mut cache.padded);
        let (ho, wo) = d.out_hw();
        let mut y = Array4::zeros((d.n, d.o, ho, wo)); // (N, O, Ho, Wo)
        with_scratch(|s| {
            let w = w.as_slice().expect("standard layout");
            forward_tiles(d, &cache.padded, w, b.as_deref(), &mut s.weights, &mut s.out);
            to_nchw(&s.out, (d.n, d.o, ho * wo), y.as_slice_mut().expect("fresh array"));
        });
        y
    }

    fn backward(
        &self,
        d: ConvDims,
        cache: &ConvCache<f32>,
        w: ArrayView4<f32>,
        dy: ArrayView4<f32>,
        mut dw: ArrayViewMut4<f32>,
        db: Option<ArrayViewMut1<f32>>,
        want_dx: bool,
    ) -> Option<Array4<f32>> {
        let dy = dy.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout"); // (N, O, Ho, Wo)
        if let Some(mut db) = db {
            let plane = dy.len() / (d.n * d.o).max(1);
            for (oi, g) in db.iter_mut().enumerate() {
                let planes = dy.chunks_exact(d.o * plane.max(1)).map(|img| &img[oi * plane..][..plane]);
                *g += planes.map(sum_lanes).sum::<f32>();
            }
        }
        let dw = dw.as_slice_mut().expect("the layer's gradient is contiguous"); // (O, C, k, k)
        with_scratch(|s| {
            delta_channels_last(dy, d, &mut s.delta);
            grad_w_tiles(d, &cache.padded, &s.delta, &mut s.dw, dw);
        });
        want_dx.then(|| {
            let w = w.as_standard_layout();
            let mut dx = Array4::zeros((d.n, d.c, d.h, d.w)); // (N, C, H, W)
            with_scratch(|s| {
                delta_padded(dy, d, &mut s.delta);
                grad_x_tiles(d, &s.delta, w.as_slice().expect("standard layout"), &mut s.weights, &mut s.out);
                to_nchw(&s.out, (d.n, d.c, d.h * d.w), dx.as_slice_mut().expect("fresh array"));
            });
            dx
        })
    }
}

/// Σ s, in 8 running sums: a single f32 sum is one long chain of dependent
/// adds (LLVM may not reorder them), 4 cycles each; eight independent
/// chains vectorise. The `cnn` preset's ∂b sums 600 k values a step at
/// batch 64; natively the cnn trained ~9 % faster with this and the other
/// changes of 2026-12-07 (`groundup bench --network cnn --batch 64`,
/// 5,171–5,189 → 5,600–5,708 img/s, two runs each).
fn sum_lanes(s: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = s.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc.iter().sum::<f32>() + tail
}

// ---- the stages, public so that the kernel benchmark can time each --------

/// x (N, C, H, W) → `padded` (N, H+2p, W+2p, C), zero border.
pub fn pad_input(x: &[f32], d: ConvDims, padded: &mut Vec<f32>) {
    layout::pad_channels_last(x, (d.n, d.c, d.h, d.w), d.pad, padded);
}

/// The forward's sums: weights (O, C, k, k) packed into `packed`, then
/// `out` = chunked channels-last y (+ bias) from the padded input.
pub fn forward_tiles(
    d: ConvDims,
    padded: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    packed: &mut Vec<f32>,
    out: &mut Vec<f32>,
) {
    layout::pack_forward(w, (d.o, d.c, d.k), packed);
    let input = Padded { n: d.n, hp: d.h + 2 * d.pad, wp: d.w + 2 * d.pad, c: d.c };
    correlate(input, d.k, packed, b, d.o, padded, out);
}

/// A chunked channels-last result of `c` channels → NCHW `dst` (N, C, H·W).
pub fn to_nchw(chunked: &[f32], (n, c, hw): (usize, usize, usize), dst: &mut [f32]) {
    layout::chunked_to_nchw(chunked, (n, c, hw), dst);
}

/// δ (N, O, Ho, Wo) → chunked channels-last, what [`grad_w_tiles`] reads.
pub fn delta_channels_last(dy: &[f32], d: ConvDims, dst: &mut Vec<f32>) {
    let (ho, wo) = d.out_hw();
    layout::nchw_to_chunked(dy, (d.n, d.o, ho * wo), dst);
}

/// ∂W: `dw` (O, C, k, k) += Σ_pos x_pad[pos + tap]·δ[pos], through the
/// chunked rows `rows`.
pub fn grad_w_tiles(d: ConvDims, padded: &[f32], delta: &[f32], rows: &mut Vec<f32>, dw: &mut [f32]) {
    let (ho, wo) = d.out_hw();
    let at = Positions { ho, wo, row: (d.w + 2 * d.pad) * d.c, c: d.c };
    grad_weights(at, d.n, d.k, d.o, padded, delta, rows);
    layout::add_unpacked(rows, (d.o, d.c, d.k), dw);
}

/// δ (N, O, Ho, Wo) → zero-padded by k−1−p, channels-last: what
/// [`grad_x_tiles`] reads (the "full" correlation, module doc).
pub fn delta_padded(dy: &[f32], d: ConvDims, dst: &mut Vec<f32>) {
    let (ho, wo) = d.out_hw();
    layout::pad_channels_last(dy, (d.n, d.o, ho, wo), d.k - 1 - d.pad, dst);
}

/// ∂X as chunked channels-last `out`: the padded δ correlated with the
/// rotated filters (packed into `packed`).
pub fn grad_x_tiles(d: ConvDims, delta_pad: &[f32], w: &[f32], packed: &mut Vec<f32>, out: &mut Vec<f32>) {
    let (ho, wo) = d.out_hw();
    let p = d.k - 1 - d.pad;
    layout::pack_flipped(w, (d.o, d.c, d.k), packed);
    let input = Padded { n: d.n, hp: ho + 2 * p, wp: wo + 2 * p, c: d.o };
    correlate(input, d.k, packed, None, d.c, delta_pad, out);
}

/// A zero-padded channels-last input (N, Hp, Wp, C).
#[derive(Clone, Copy)]
struct Padded {
    n: usize,
    hp: usize,
    wp: usize,
    c: usize,
}

/// The "valid" correlation of `x` with k×k filters packed by
/// [`layout::pack_forward`] (or `pack_flipped`) into `out` (chunked
/// channels-last, (N·Ho·Wo, width) per chunk of `co` channels), plus `bias`.
fn correlate(
    x: Padded,
    k: usize,
    w: &[f32],
    bias: Option<&[f32]>,
    co: usize,
    input: &[f32],
    out: &mut Vec<f32>,
) {
    let (ho, wo) = (x.hp + 1 - k, x.wp + 1 - k);
    let positions = x.n * ho * wo;
    out.clear();
    out.resize(chunked_len(positions, co), 0.0);
    if positions == 0 {
        return;
    }
    let rows = k * k * x.c;
    for (c0, count, width) in chunks(co) {
        let mut init = [0.0f32; CHUNK];
        if let Some(b) = bias {
            init[..count].copy_from_slice(&b[c0..c0 + count]);
        }
        let w = &w[rows * c0..][..rows * width];
        let out = &mut out[positions * c0..][..positions * width];
        // 2 vectors (conv1's forward, conv2's ∂X) take 4 positions: 8
        // accumulators, 4 broadcasts, a weight vector and (mul + add) a
        // product, 14 registers; with 3 positions they ran at 27 and 40
        // instead of 30 and 46 GFLOP/s (bench/kernels `conv_breakdown`,
        // relaxed build, one run each).
        let run = match width / 4 {
            1 => correlate_chunk::<1, 4>,
            2 => correlate_chunk::<2, 4>,
            3 => correlate_chunk::<3, 2>,
            _ => correlate_chunk::<4, 2>,
        };
        run(x, k, w, &init[..width], input, out);
    }
}

/// One chunk of [`correlate`] with OV vectors of output channels, T
/// positions per tile (fewer at a row's end).
fn correlate_chunk<const OV: usize, const T: usize>(
    x: Padded,
    k: usize,
    w: &[f32],
    init: &[f32],
    input: &[f32],
    out: &mut [f32],
) {
    let (ho, wo) = (x.hp + 1 - k, x.wp + 1 - k);
    let win = Window { row: x.wp * x.c, c: x.c, k };
    let width = 4 * OV;
    for (r, out_row) in out.chunks_exact_mut(wo * width).enumerate() {
        let (n, oy) = (r / ho, r % ho);
        let row_start = (n * x.hp + oy) * x.wp * x.c;
        let mut ox = 0;
        while ox < wo {
            let t = T.min(wo - ox);
            let xs = &input[row_start + ox * x.c..];
            let o = &mut out_row[ox * width..][..t * width];
            match t {
                1 => correlate_tile::<Vector, 1, OV>(win, xs, w, init, o),
                2 => correlate_tile::<Vector, 2, OV>(win, xs, w, init, o),
                3 => correlate_tile::<Vector, 3, OV>(win, xs, w, init, o),
                _ => correlate_tile::<Vector, 4, OV>(win, xs, w, init, o),
            }
            ox += t;
        }
    }
}

/// ∂W rows `(i·k + j)·C + c`, chunked over the `o` filters, of `x` (the
/// padded input of `n` images) against `delta` (δ chunked channels-last)
/// into `dw`.
fn grad_weights(at: Positions, n: usize, k: usize, o: usize, x: &[f32], delta: &[f32], dw: &mut Vec<f32>) {
    let rows = k * k * at.c;
    let positions = at.ho * at.wo;
    dw.clear();
    dw.resize(chunked_len(rows, o), 0.0);
    if positions * n == 0 {
        return; // no output position: ∂W gets nothing
    }
    let image_len = x.len() / n;
    for (o0, _, width) in chunks(o) {
        let delta = &delta[n * positions * o0..][..n * positions * width];
        let dw = &mut dw[rows * o0..][..rows * width];
        let run = match width / 4 {
            1 => grad_w_chunk::<1, 4>,
            2 => grad_w_chunk::<2, 4>,
            3 => grad_w_chunk::<3, 2>,
            _ => grad_w_chunk::<4, 2>,
        };
        // Image by image: each image's x and δ stay in L1 across all tiles.
        for (image, d) in x.chunks_exact(image_len).zip(delta.chunks_exact(positions * width)) {
            run(at, k, image, d, dw);
        }
    }
}

/// One image and one chunk of [`grad_weights`], T rows of ∂W per pass over δ.
fn grad_w_chunk<const OV: usize, const T: usize>(
    at: Positions,
    k: usize,
    x: &[f32],
    delta: &[f32],
    dw: &mut [f32],
) {
    let kc = k * at.c;
    // Offset of row r = (i, j) from a position's first float: i rows down, j floats right.
    let offset = |r: usize| (r / kc) * at.row + r % kc;
    let width = 4 * OV;
    let rows = k * kc;
    let mut r = 0;
    while r < rows {
        let t = T.min(rows - r);
        let out = &mut dw[r * width..][..t * width];
        match t {
            1 => grad_w_tile::<Vector, 1, OV>(at, x, delta, &[offset(r)], out),
            2 => grad_w_tile::<Vector, 2, OV>(at, x, delta, &[offset(r), offset(r + 1)], out),
            3 => grad_w_tile::<Vector, 3, OV>(at, x, delta, &core::array::from_fn(|i| offset(r + i)), out),
            _ => grad_w_tile::<Vector, 4, OV>(at, x, delta, &core::array::from_fn(|i| offset(r + i)), out),
        }
        r += t;
    }
}
