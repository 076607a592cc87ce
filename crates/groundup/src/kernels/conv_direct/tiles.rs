//! The register tiles of the direct convolution, written once over a 4-lane
//! vector type ([`Lanes`]: `v128` in wasm, plain `[f32; 4]` elsewhere).
//!
//! Both are the sgemm micro-kernel's shape (one operand broadcast from
//! memory, the other loaded as vectors, an accumulator tile in registers),
//! with the im2col columns replaced by offsets into the padded
//! channels-last input, so nothing is copied per tap:
//!
//! ```text
//! correlate_tile  acc[t][v] = init[v] + Σ_i Σ_j x[t·C + i·row + j] · w[i·kC + j][4v..4v+4]
//!                 (t: T output positions along a row; j = kx·C + c runs over
//!                 one row of the k×k window, kC = k·C floats contiguous in x)
//! grad_w_tile     acc[t][v] = Σ_pos x[pos·C + off[t]] · δ[pos][4v..4v+4]
//!                 (t: T rows (i, j) of ∂W; pos: every output position)
//! ```
//!
//! V8 allocates 15 xmm registers on x86-64, and a tile that needs more
//! spills on every step at half the speed (see `kernels::gemm`). The
//! forward broadcasts its T values first and then loads one weight vector
//! at a time: T·OV accumulators + T broadcasts + 1 vector (+ 1 product, for
//! mul + add) ≤ 14 live. Loading all OV weight vectors first, conv2's
//! forward tile (T 2, OV 4) needed 15 and spilled: 13.6 → 40.1 GFLOP/s
//! with the change and with the bounds checks gone from its inner loop
//! (bench/kernels `conv_breakdown`, relaxed build, one run each). ∂W's
//! tile measured the other way round (see there).
//! The tiles are out of line for the same reason as gemm's: inlined into the
//! loops around them, V8's register allocator keeps less in registers.

/// A vector of 4 f32 lanes and the operations the tiles use.
pub(super) trait Lanes: Copy {
    /// All lanes `v`: one `v128.load32_splat` when `v` comes from memory.
    fn splat(v: f32) -> Self;
    fn load(s: &[f32; 4]) -> Self;
    fn store(self, d: &mut [f32; 4]);
    /// `a·b + c` (fused in wasm's relaxed build).
    fn madd(a: Self, b: Self, c: Self) -> Self;
}

/// The correlation's geometry for [`correlate_tile`].
#[derive(Clone, Copy)]
pub(super) struct Window {
    /// Floats per padded input row: Wp·C.
    pub row: usize,
    /// Input channels (the broadcast dimension).
    pub c: usize,
    /// Filter side.
    pub k: usize,
}

/// T output positions × 4·OV output channels of a "valid" correlation:
/// `x` starts at the tile's first input position (its top-left tap), `w` is
/// one chunk of packed weights (k·k·C, 4·OV), `init` the 4·OV starting
/// values (bias or zeros), `out` the T·4·OV results, position-major.
#[inline(never)]
pub(super) fn correlate_tile<L: Lanes, const T: usize, const OV: usize>(
    win: Window,
    x: &[f32],
    w: &[f32],
    init: &[f32],
    out: &mut [f32],
) {
    let Window { row, c, k } = win;
    let kc = k * c;
    let start: [L; OV] = core::array::from_fn(|v| L::load(lanes(&init[4 * v..])));
    let mut acc = [start; T];
    for i in 0..k {
        // One row of the window: kc taps of OV weight vectors each. Both
        // operands are cut to exactly kc items, so LLVM proves every index
        // below in bounds (from `ws[j·4·OV..]` it could not: j·4·OV may
        // wrap), and no check is left in the loop to hold registers.
        let (wq, _) = w[i * kc * 4 * OV..].as_chunks::<4>();
        let (wj, _) = wq.as_chunks::<OV>();
        let wj = &wj[..kc];
        let xs: [&[f32]; T] = core::array::from_fn(|t| &x[i * row + t * c..][..kc]);
        for j in 0..kc {
            // The T broadcasts first, then one weight vector at a time:
            // T·OV accumulators + T broadcasts + 1 weight vector live, not
            // + OV weight vectors (conv2's 4×2 tile spilled with those).
            let s: [L; T] = core::array::from_fn(|t| L::splat(xs[t][j]));
            for v in 0..OV {
                let wv = L::load(&wj[j][v]);
                for t in 0..T {
                    acc[t][v] = L::madd(s[t], wv, acc[t][v]);
                }
            }
        }
    }
    for (acc_t, o) in acc.iter().zip(out.chunks_exact_mut(4 * OV)) {
        for (a, d) in acc_t.iter().zip(o.chunks_exact_mut(4)) {
            a.store(d.try_into().expect("4 lanes"));
        }
    }
}

/// Where [`grad_w_tile`] walks: every output position of one image.
#[derive(Clone, Copy)]
pub(super) struct Positions {
    /// Output height and width.
    pub ho: usize,
    pub wo: usize,
    /// Floats per padded input row (Wp·C).
    pub row: usize,
    /// Input channels.
    pub c: usize,
}

/// T rows of ∂W (each a tap (i, kx, c) at `off[t]` floats from a position's
/// first input float) × 4·OV filters, over one image:
/// `out[t] += Σ_pos x[pos + off[t]]·δ[pos]`, where `x` is the image's padded
/// input and `dy` its chunk of δ channels-last (Ho·Wo, 4·OV). One image at a
/// time keeps both in L1 while every tile of ∂W passes over them (conv2:
/// 10 KB of x, 12 KB of δ; the whole batch is ~1.5 MB, past L2).
#[inline(never)]
pub(super) fn grad_w_tile<L: Lanes, const T: usize, const OV: usize>(
    at: Positions,
    x: &[f32],
    dy: &[f32],
    off: &[usize; T],
    out: &mut [f32],
) {
    let mut acc: [[L; OV]; T] =
        core::array::from_fn(|t| core::array::from_fn(|v| L::load(lanes(&out[(t * OV + v) * 4..]))));
    // One position: all OV δ vectors first, then one broadcast at a time
    // (the order of `correlate_tile`, broadcasts first, measured at half the
    // speed here: conv2 15 against 31 GFLOP/s, bench/kernels
    // `conv_breakdown`, one run each).
    let position = |acc: &mut [[L; OV]; T], d: &[f32], xs: &[f32]| {
        let dv: [L; OV] = core::array::from_fn(|v| L::load(lanes(&d[4 * v..])));
        for (acc_t, &off_t) in acc.iter_mut().zip(off) {
            let s = L::splat(xs[off_t]);
            for (a, &dv) in acc_t.iter_mut().zip(&dv) {
                *a = L::madd(s, dv, *a);
            }
        }
    };
    for (oy, drow) in dy.chunks_exact(at.wo * 4 * OV).take(at.ho).enumerate() {
        let xrow = &x[oy * at.row..];
        if OV > 2 {
            // `position` inlined by hand: through the closure's slice of x,
            // conv2's ∂W ran at 36 instead of 41 GFLOP/s.
            for (ox, d) in drow.chunks_exact(4 * OV).enumerate() {
                let dv: [L; OV] = core::array::from_fn(|v| L::load(lanes(&d[4 * v..])));
                let base = ox * at.c;
                for (acc_t, &off_t) in acc.iter_mut().zip(off) {
                    let s = L::splat(xrow[base + off_t]);
                    for (a, &dv) in acc_t.iter_mut().zip(&dv) {
                        *a = L::madd(s, dv, *a);
                    }
                }
            }
            continue;
        }
        // Narrow tiles (conv1's 8 filters) take two positions per turn of
        // the loop: its counting and bounds checks are then paid once for
        // 2·T·OV multiply-adds instead of T·OV (conv1's ∂W 28 → 32
        // GFLOP/s). Wide ones (OV 4) spill so: conv2's fell 41 → 27; with
        // the broadcasts first and one δ vector at a time they kept 41.
        let pairs = drow.chunks_exact(8 * OV);
        let last = pairs.remainder();
        for (p, d) in pairs.enumerate() {
            let (d0, d1) = d.split_at(4 * OV);
            position(&mut acc, d0, &xrow[2 * p * at.c..]);
            position(&mut acc, d1, &xrow[(2 * p + 1) * at.c..]);
        }
        if !last.is_empty() {
            position(&mut acc, last, &xrow[(at.wo - 1) * at.c..]);
        }
    }
    for (acc_t, o) in acc.iter().zip(out.chunks_exact_mut(4 * OV)) {
        for (a, d) in acc_t.iter().zip(o.chunks_exact_mut(4)) {
            a.store(d.try_into().expect("4 lanes"));
        }
    }
}

/// The first 4 floats of `s` as an array.
#[inline(always)]
fn lanes(s: &[f32]) -> &[f32; 4] {
    s[..4].try_into().expect("4 lanes")
}
