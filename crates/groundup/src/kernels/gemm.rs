//! Single-precision matrix product `C = α·A·B + β·C`, blocked and packed
//! (Goto & van de Geijn, "Anatomy of high-performance matrix
//! multiplication", 2008), with a wasm SIMD micro-kernel.
//!
//! Why not just `matrixmultiply` (ndarray's backend)? Natively it is better
//! than this (8-wide AVX2/FMA kernels) and stays in use. In wasm its simd128 kernel is
//! an 8×8 tile that splats A's lanes with shuffles and needs more than the 16
//! xmm registers V8 has on x86, so it spills: ~54 % of the SIMD multiply-add
//! peak on its own, 17–28 % in the paper CNN's convolutions. A 4×8 tile that
//! broadcasts A straight from memory (`v128.load32_splat`) reaches ~83 %
//! (`bench/kernels`, `microkernel_gflops`); this module builds the rest of a
//! product around that tile.
//!
//! ## The algorithm
//!
//! Every element of C is a length-K dot product, and a product of
//! M·K + K·N inputs does 2·M·K·N flops, so each input is reused M or N times.
//! The work is to have those reuses hit registers and L1 instead of memory:
//!
//! ```text
//! for jc in 0..N step NC            B block  B[pc.., jc..]  (KC, NC): packed, stays in L2/L3
//!   for pc in 0..K step KC          A block  A[ic.., pc..]  (MC, KC): packed, stays in L2
//!     pack B block into NR-column panels
//!     for ic in 0..M step MC
//!       pack A block into MR-row panels
//!       for jr in 0..NC step NR     one B panel (KC, NR): stays in L1 across the ir loop
//!         for ir in 0..MC step MR   one A panel (KC, MR), streamed from L2
//!           micro-kernel: C[ir.., jr..] (MR, NR) += A panel · B panel
//! ```
//!
//! - **The micro-kernel** keeps an MR×NR tile of C in registers for the
//!   whole K loop: per step of k it loads NR values of B (two `v128`) and MR
//!   values of A (each broadcast to a `v128`), and does MR·NR multiply-adds.
//!   4×8 is 8 accumulators + 2 B vectors + 1 broadcast = 11 of the 15
//!   vector registers V8 allocates on x86-64: no spills. Bigger tiles (5×8, 6×8, 8×8)
//!   need more registers than there are and measured at half the speed
//!   (`bench/kernels`: splat-4x8 45 GFLOP/s, 5x8 22, 6x8 26, matrixmultiply's
//!   8x8 29).
//! - **Packing** copies a block of A (or B) into the exact order the
//!   micro-kernel reads it: MR (NR) values per k, one panel after another.
//!   The kernel then reads both operands as two unit-stride streams,
//!   whatever the strides of the caller's views (`x.t()` included), with no
//!   index arithmetic and no edge cases: panels past the edge of A or B are
//!   padded with zeros, so the kernel always computes a full tile and only
//!   the write to C looks at the edge. Each packed value is reused MR or NR
//!   times per tile and across many tiles, so the copy *should* be a small
//!   cost — but the paper CNN's products are skinny (M = 8 or 16 rows, or
//!   K = 16 or 25), so each packed B value feeds only 16–32 flops, and how
//!   the copy is written decided more than the tile: fixed-size copies
//!   instead of `memcpy` calls, and 4×4 shuffle transposes for operands
//!   that are contiguous along K (see `pack_b`, `micro::interleave`).
//! - **Cache blocking** bounds what has to be resident: see [`KC`], [`MC`],
//!   [`NC`].
//!
//! Off wasm32 (and in native tests) the same blocking and packing run with a
//! portable micro-kernel on plain arrays, so the edge logic is tested
//! natively; only the wasm tile itself needs a browser test
//! (`crates/groundup-web/tests`).

use std::cell::RefCell;

use ndarray::{s, ArrayView2, ArrayViewMut2, Axis};

/// Rows of the register tile: see the module doc for why 4.
pub const MR: usize = 4;
/// Columns of the register tile: two f32x4 vectors.
pub const NR: usize = 8;

// Block sizes. The machine measured (bench/README.md) has 32 KiB L1d and
// 1 MiB L2 per core, 32 MiB L3; current x86 and ARM cores are within 2× of
// that. The paper CNN's products are insensitive to them (±5 % between
// KC 128–512, MC 128–256, NC 256–2048 in bench/kernels `--blockings`); the
// bigger MLP products gain a few % from these over smaller ones.

/// Depth of a block. A B panel (KC·NR·4 B = 8 KiB) stays in L1 while the
/// A panels (4 KiB each) stream past it; large KC amortises each tile's
/// load/store of C over more flops (2·MR·NR·KC per tile).
pub const KC: usize = 256;
/// Rows of an A block: MC·KC·4 B = 128 KiB, inside L2 beside the B block's
/// working part. Each B panel is reused MC/MR = 32 times from L1.
pub const MC: usize = 128;
/// Columns of a B block: KC·NC·4 B = 512 KiB, half of L2, so that the
/// packed block is still in L2 when the next A block (MC rows) reuses it.
pub const NC: usize = 512;

/// Block sizes, for benchmarks that try others; [`sgemm`] uses the constants.
#[derive(Clone, Copy, Debug)]
pub struct Blocking {
    pub kc: usize,
    pub mc: usize,
    /// 0: no B block; each B panel is packed right before its tiles use it
    /// (measured slower: 13–17 GFLOP/s vs 19–20 on the conv2/conv1
    /// forward products at the time, so only kept for benchmarks/tests).
    pub nc: usize,
}

impl Default for Blocking {
    fn default() -> Self {
        Self { kc: KC, mc: MC, nc: NC }
    }
}

thread_local! {
    /// Packing buffers (A, B), grown to the largest block seen and kept:
    /// a conv2 product packs ~2 MiB of B per call, and a fresh allocation
    /// every call would be one more memset-sized cost (plus page faults
    /// natively). One thread, one product at a time, so no contention.
    static PACK: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// `C = α·A·B + β·C` for f32 views of any strides. A (M, K), B (K, N),
/// C (M, N). `β = 0` overwrites C (NaN in C does not survive), as BLAS.
///
/// # Panics
/// If the shapes do not match.
pub fn sgemm(alpha: f32, a: ArrayView2<f32>, b: ArrayView2<f32>, beta: f32, c: &mut ArrayViewMut2<f32>) {
    sgemm_blocked(alpha, a, b, beta, c, Blocking::default());
}

/// [`sgemm`] with the given block sizes (each rounded up to a whole number of
/// tiles where that matters).
pub fn sgemm_blocked(
    alpha: f32,
    a: ArrayView2<f32>, // (M, K)
    b: ArrayView2<f32>, // (K, N)
    beta: f32,
    c: &mut ArrayViewMut2<f32>, // (M, N)
    blocking: Blocking,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert_eq!(k, k2, "sgemm: A is {m}×{k} but B is {k2}×{n}");
    assert_eq!(c.dim(), (m, n), "sgemm: C is {:?}, A·B is {m}×{n}", c.dim());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == 0.0 {
        scale(c, beta);
        return;
    }
    // The tile update writes rows of C as slices. A column-major C is the
    // transpose of a row-major one: Cᵀ = α·Bᵀ·Aᵀ + β·Cᵀ. Anything else (rare:
    // no layer makes one) goes through a row-major copy.
    if c.ncols() > 1 && c.strides()[1] != 1 {
        if c.nrows() == 1 || c.strides()[0] == 1 {
            let mut ct = c.view_mut().reversed_axes();
            return sgemm_blocked(alpha, b.reversed_axes(), a.reversed_axes(), beta, &mut ct, blocking);
        }
        let mut tmp = c.as_standard_layout().into_owned(); // (M, N)
        sgemm_blocked(alpha, a, b, beta, &mut tmp.view_mut(), blocking);
        c.assign(&tmp);
        return;
    }
    // Packing reads A and B as flat slices with (row, column) strides, so
    // that its loops are plain slice copies. Every operand the layers pass
    // is contiguous (an array, or its transpose `x.t()`); anything else is
    // copied to row-major first.
    let (a_copy, b_copy);
    let a = match Mat::of(&a) {
        Some(mat) => mat,
        None => {
            a_copy = a.as_standard_layout().into_owned();
            Mat::of(&a_copy.view()).expect("standard layout is contiguous")
        }
    };
    let b = match Mat::of(&b) {
        Some(mat) => mat,
        None => {
            b_copy = b.as_standard_layout().into_owned();
            Mat::of(&b_copy.view()).expect("standard layout is contiguous")
        }
    };
    let kc_max = blocking.kc.max(1);
    let mc_max = blocking.mc.div_ceil(MR).max(1) * MR;
    let nc_max = blocking.nc.div_ceil(NR).max(1) * NR;

    PACK.with(|pack| {
        // Re-entry cannot happen (nothing below calls back), but a fresh
        // pair of buffers is a correct answer if it ever did.
        let mut fresh = (Vec::new(), Vec::new());
        let mut guard = pack.try_borrow_mut();
        let (a_pack, b_pack) = match guard.as_deref_mut() {
            Ok(p) => (&mut p.0, &mut p.1),
            Err(_) => (&mut fresh.0, &mut fresh.1),
        };
        let a_len = mc_max.min(m.div_ceil(MR) * MR) * kc_max.min(k);
        let b_len = nc_max.min(n.div_ceil(NR) * NR) * kc_max.min(k);
        if a_pack.len() < a_len {
            a_pack.resize(a_len, 0.0);
        }
        if b_pack.len() < b_len {
            b_pack.resize(b_len, 0.0);
        }
        if blocking.nc == 0 {
            // B panels packed on the fly, one (KC, NR) panel at a time into
            // an L1-resident buffer, right before the MC/MR tiles that use it.
            let b_panel = &mut b_pack[..kc_max.min(k) * NR];
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc);
                let beta = if pc == 0 { beta } else { 1.0 };
                for ic in (0..m).step_by(mc_max) {
                    let mc = mc_max.min(m - ic);
                    let a_block = &mut a_pack[..mc.div_ceil(MR) * MR * kc]; // (MC/MR panels) × (KC, MR)
                    pack_a(&a, ic, mc, pc, kc, a_block);
                    let mut c_block = c.slice_mut(s![ic..ic + mc, ..]); // (MC, N)
                    let b_src = BPanels::OnTheFly { b: &b, p0: pc, buf: &mut b_panel[..kc * NR] };
                    block_product(kc, a_block, b_src, alpha, beta, &mut c_block);
                }
            }
            return;
        }
        for jc in (0..n).step_by(nc_max) {
            let nc = nc_max.min(n - jc);
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc);
                let b_block = &mut b_pack[..nc.div_ceil(NR) * NR * kc]; // (NC/NR panels) × (KC, NR)
                pack_b(&b, pc, kc, jc, nc, b_block);
                // C's earlier content is scaled by β once, on the first block of K.
                let beta = if pc == 0 { beta } else { 1.0 };
                for ic in (0..m).step_by(mc_max) {
                    let mc = mc_max.min(m - ic);
                    let a_block = &mut a_pack[..mc.div_ceil(MR) * MR * kc]; // (MC/MR panels) × (KC, MR)
                    pack_a(&a, ic, mc, pc, kc, a_block);
                    let mut c_block = c.slice_mut(s![ic..ic + mc, jc..jc + nc]); // (MC, NC)
                    block_product(kc, a_block, BPanels::Packed(b_block), alpha, beta, &mut c_block);
                }
            }
        }
    });
}

/// C ← β·C, with β = 0 writing zeros (BLAS semantics: 0·NaN is not kept).
fn scale(c: &mut ArrayViewMut2<f32>, beta: f32) {
    if beta == 0.0 {
        c.fill(0.0);
    } else if beta != 1.0 {
        c.map_inplace(|v| *v *= beta);
    }
}

/// A contiguous matrix as a slice: element (r, c) is `data[r·rs + c·cs]`,
/// and one of the strides is 1 (row- or column-major).
struct Mat<'a> {
    data: &'a [f32],
    rs: usize,
    cs: usize,
}

impl<'a> Mat<'a> {
    /// `None` unless the view is contiguous in memory with non-negative
    /// strides. Contiguous means row- or column-major, so one stride is 1 —
    /// except on an axis of length 1, whose stride is never used.
    fn of(v: &ArrayView2<'a, f32>) -> Option<Self> {
        let (rs, cs) = (v.strides()[0], v.strides()[1]);
        if rs < 0 || cs < 0 {
            return None;
        }
        // With non-negative strides the first element is the lowest address,
        // which is where the memory-order slice starts.
        let data = v.to_slice_memory_order()?;
        Some(Self { data, rs: rs as usize, cs: cs as usize })
    }
}

/// Packs A[i0..i0+mc, p0..p0+kc] into ⌈mc/MR⌉ panels, each (kc, MR)
/// row-major: `dst[panel·kc·MR + p·MR + i] = a[i0 + panel·MR + i, p0 + p]`,
/// rows past `mc` zero.
fn pack_a(a: &Mat, i0: usize, mc: usize, p0: usize, kc: usize, dst: &mut [f32]) {
    for (panel, d) in dst.chunks_exact_mut(kc * MR).enumerate() {
        let r0 = i0 + panel * MR;
        let mr = MR.min(i0 + mc - r0);
        if mr < MR {
            d.fill(0.0);
        }
        if a.rs == 1 {
            // Columns contiguous (A = xᵀ, conv ∂X's Wᵀ): MR-wide copies.
            for (p, d) in d.chunks_exact_mut(MR).enumerate() {
                let s = (p0 + p) * a.cs + r0;
                if mr == MR {
                    // Fixed size: no `memcpy` call (see pack_b).
                    let src: &[f32; MR] = a.data[s..s + MR].try_into().expect("MR wide");
                    let d: &mut [f32; MR] = d.try_into().expect("MR wide");
                    *d = *src;
                } else {
                    for (d, &v) in d.iter_mut().zip(&a.data[s..s + mr]) {
                        *d = v;
                    }
                }
            }
        } else {
            // Rows contiguous: interleave MR rows, one k step at a time.
            if mr == MR {
                let rows: [&[f32]; MR] = core::array::from_fn(|i| {
                    let s = (r0 + i) * a.rs + p0;
                    &a.data[s..s + kc]
                });
                micro::interleave(&rows, d);
            } else {
                for i in 0..mr {
                    let s = (r0 + i) * a.rs + p0;
                    let row = &a.data[s..s + kc];
                    for (d, &v) in d.chunks_exact_mut(MR).zip(row) {
                        d[i] = v;
                    }
                }
            }
        }
    }
}

/// Packs B[p0..p0+kc, j0..j0+nc] into ⌈nc/NR⌉ panels, each (kc, NR)
/// row-major: `dst[panel·kc·NR + p·NR + j] = b[p0 + p, j0 + panel·NR + j]`,
/// columns past `nc` zero.
fn pack_b(b: &Mat, p0: usize, kc: usize, j0: usize, nc: usize, dst: &mut [f32]) {
    if b.cs == 1 {
        // Rows contiguous (conv W·cols, dense x·W): each row of the block is
        // read once, front to back, and dealt out NR at a time to the panels.
        if !nc.is_multiple_of(NR) {
            dst[(nc / NR) * kc * NR..].fill(0.0);
        }
        // Fixed-size copies: a slice copy of run-time length is a `memcpy`
        // call in wasm, ~5× slower here than two v128 moves (bench/kernels:
        // conv2 W·cols 19 → 26 GFLOP/s).
        let full = nc / NR;
        for p in 0..kc {
            let s = (p0 + p) * b.rs + j0;
            let row = &b.data[s..s + nc];
            let chunks = row.chunks_exact(NR);
            let tail = chunks.remainder();
            for (chunk, panel) in chunks.zip(dst.chunks_exact_mut(kc * NR)) {
                let d: &mut [f32; NR] = (&mut panel[p * NR..p * NR + NR]).try_into().expect("NR wide");
                *d = chunk.try_into().expect("NR wide");
            }
            if !tail.is_empty() {
                let panel = &mut dst[full * kc * NR..(full + 1) * kc * NR];
                for (d, &v) in panel[p * NR..].iter_mut().zip(tail) {
                    *d = v;
                }
            }
        }
    } else {
        // Columns contiguous (B = xᵀ: conv ∂W's colsᵀ, dense δ·Wᵀ): NR
        // columns read side by side, one k step at a time.
        for (panel, d) in dst.chunks_exact_mut(kc * NR).enumerate() {
            let c0 = j0 + panel * NR;
            let nr = NR.min(j0 + nc - c0);
            if nr < NR {
                d.fill(0.0);
            }
            if nr == NR {
                let cols: [&[f32]; NR] = core::array::from_fn(|j| {
                    let s = (c0 + j) * b.cs + p0;
                    &b.data[s..s + kc]
                });
                micro::interleave(&cols, d);
            } else {
                for j in 0..nr {
                    let s = (c0 + j) * b.cs + p0;
                    let col = &b.data[s..s + kc];
                    for (d, &v) in d.chunks_exact_mut(NR).zip(col) {
                        d[j] = v;
                    }
                }
            }
        }
    }
}

/// Where [`block_product`] gets its B panels.
enum BPanels<'a> {
    /// A whole packed B block: ⌈nc/NR⌉ × (kc, NR).
    Packed(&'a [f32]),
    /// Packed one panel at a time from `b[p0.., ..]` into `buf` (kc, NR).
    OnTheFly { b: &'a Mat<'a>, p0: usize, buf: &'a mut [f32] },
}

/// C block (mc, nc) = α·(packed A block)·(B panels) + β·C block.
fn block_product(
    kc: usize,
    a_block: &[f32], // ⌈mc/MR⌉ × (kc, MR)
    mut b_src: BPanels,
    alpha: f32,
    beta: f32,
    c: &mut ArrayViewMut2<f32>, // (mc, nc), unit column stride
) {
    let (mc, nc) = c.dim();
    // Row slices of the C block, once per block rather than per tile: a
    // tile's write-back is then 4 bounds-checked subslices, which matters
    // when K is small (conv1's K = 25: ~1.6 kflop per tile).
    for (chunk_rows, mut c_chunk) in
        (0..mc).step_by(MC_ROWS_MAX).zip(c.axis_chunks_iter_mut(Axis(0), MC_ROWS_MAX))
    {
        let h = c_chunk.nrows();
        let mut rows: [&mut [f32]; MC_ROWS_MAX] = core::array::from_fn(|_| Default::default());
        for (slot, row) in rows.iter_mut().zip(c_chunk.rows_mut()) {
            *slot = row.into_slice().expect("C has a unit column stride");
        }
        let a_chunk = &a_block[chunk_rows * kc..(chunk_rows + h).div_ceil(MR) * MR * kc];
        for j0 in (0..nc).step_by(NR) {
            let nr = NR.min(nc - j0);
            let b_panel: &[f32] = match &mut b_src {
                BPanels::Packed(block) => &block[j0 * kc..(j0 + NR) * kc],
                BPanels::OnTheFly { b, p0, buf } => {
                    pack_b(b, *p0, kc, j0, nr, buf);
                    buf
                }
            };
            for (ir, a_panel) in a_chunk.chunks_exact(kc * MR).enumerate() {
                let i0 = ir * MR;
                let tile_rows = &mut rows[i0..h.min(i0 + MR)];
                micro::tile(kc, a_panel, b_panel, alpha, beta, tile_rows, j0, nr);
            }
        }
    }
}

/// Rows of C whose slices are held at once (a multiple of MR, ≤ any MC worth
/// using); a larger MC block is walked in chunks of this many rows.
const MC_ROWS_MAX: usize = 128;

/// The register tile: `C[rows, j0..j0+nr] = α·(A panel · B panel) + β·C[…]`,
/// where `rows.len() ≤ MR` and `nr ≤ NR` at the edges.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod micro {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, i32x4_shuffle, v128};

    use super::{MR, NR};
    use crate::kernels::simd::{load4, madd, store4};

    /// 4×4 transpose: lane q of the result i is lane i of input q.
    #[inline(always)]
    fn transpose4([v0, v1, v2, v3]: [v128; 4]) -> [v128; 4] {
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(v0, v1);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(v0, v1);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(v2, v3);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(v2, v3);
        [
            i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
            i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
            i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
            i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
        ]
    }

    /// Interleaves `L` equally long slices: `dst[p·L + l] = src[l][p]` (L = 4
    /// or 8), 4×4 blocks at a time through shuffles: the packing of a
    /// K-contiguous operand (A rows, Bᵀ's columns), element by element
    /// otherwise (bench/kernels: conv2 δ·colsᵀ 23.6 → 31.2 GFLOP/s,
    /// conv1's 14.1 → 22.6).
    pub(super) fn interleave<const L: usize>(src: &[&[f32]; L], dst: &mut [f32]) {
        let kc = src[0].len();
        let full = kc / 4 * 4;
        for p in (0..full).step_by(4) {
            for h in 0..L / 4 {
                let v: [v128; 4] =
                    core::array::from_fn(|l| load4(src[4 * h + l][p..p + 4].try_into().expect("4 lanes")));
                for (q, r) in transpose4(v).into_iter().enumerate() {
                    let at = (p + q) * L + 4 * h;
                    store4(r, &mut dst[at..at + 4]);
                }
            }
        }
        for p in full..kc {
            for (l, s) in src.iter().enumerate() {
                dst[p * L + l] = s[p];
            }
        }
    }

    /// The K loop: 8 accumulators, 2 B vectors and 1 broadcast A value live,
    /// 11 of the 16 vector registers V8 allocates on x86-64.
    #[inline(always)]
    fn kernel(a: &[f32], b: &[f32]) -> [[v128; 2]; MR] {
        let zero = f32x4_splat(0.0);
        let mut ab = [[zero; 2]; MR]; // (MR, NR) as 2 vectors per row
        for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
            let b0 = load4(bp[..4].try_into().expect("NR = 8"));
            let b1 = load4(bp[4..].try_into().expect("NR = 8"));
            for (row, &av) in ab.iter_mut().zip(ap) {
                // `f32x4_splat` of a loaded f32 compiles to `v128.load32_splat`.
                let s = f32x4_splat(av);
                row[0] = madd(s, b0, row[0]);
                row[1] = madd(s, b1, row[1]);
            }
        }
        ab
    }

    /// Out of line on purpose: inlined into the blocking loops, the K loop
    /// ran in a function too large for V8's register allocator to keep the
    /// accumulators in registers. bench/kernels, one run each: K loop
    /// inlined 20.3 GFLOP/s on 256³; K loop alone out of line 42.3 but
    /// with the tile returned through memory (conv2 Wᵀ·δ, K = 16: 29.1);
    /// the whole tile out of line 40.8 and 31.7.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tile(
        kc: usize,
        a: &[f32], // (kc, MR) packed
        b: &[f32], // (kc, NR) packed
        alpha: f32,
        beta: f32,
        rows: &mut [&mut [f32]],
        j0: usize,
        nr: usize,
    ) {
        let ab = kernel(&a[..kc * MR], &b[..kc * NR]);
        let va = f32x4_splat(alpha);
        let vb = f32x4_splat(beta);
        if nr == NR {
            for (c, acc) in rows.iter_mut().zip(&ab) {
                let c = &mut c[j0..j0 + NR];
                for (h, &v) in acc.iter().enumerate() {
                    let d = &mut c[4 * h..4 * h + 4];
                    let mut v = if alpha == 1.0 { v } else { f32x4_mul(va, v) };
                    if beta != 0.0 {
                        let old = load4((&*d).try_into().expect("4 lanes"));
                        v = f32x4_add(v, if beta == 1.0 { old } else { f32x4_mul(vb, old) });
                    }
                    store4(v, d);
                }
            }
        } else {
            // Right edge: the tile through memory, then element by element.
            let mut t = [[0.0f32; NR]; MR];
            for (t, acc) in t.iter_mut().zip(&ab) {
                store4(acc[0], &mut t[..4]);
                store4(acc[1], &mut t[4..]);
            }
            super::update_scalar(&t, alpha, beta, rows, j0, nr);
        }
    }
}

/// The same tile on plain arrays: what native builds (and native tests of the
/// blocking and packing) run. LLVM vectorises the inner `NR` loop.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod micro {
    use super::{MR, NR};

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tile(
        kc: usize,
        a: &[f32], // (kc, MR) packed
        b: &[f32], // (kc, NR) packed
        alpha: f32,
        beta: f32,
        rows: &mut [&mut [f32]],
        j0: usize,
        nr: usize,
    ) {
        let mut ab = [[0.0f32; NR]; MR]; // (MR, NR)
        for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)).take(kc) {
            for (row, &av) in ab.iter_mut().zip(ap) {
                for (acc, &bv) in row.iter_mut().zip(bp) {
                    *acc += av * bv;
                }
            }
        }
        super::update_scalar(&ab, alpha, beta, rows, j0, nr);
    }

    /// `dst[p·L + l] = src[l][p]`: packing of a K-contiguous operand.
    pub(super) fn interleave<const L: usize>(src: &[&[f32]; L], dst: &mut [f32]) {
        for (l, s) in src.iter().enumerate() {
            for (d, &v) in dst[l..].iter_mut().step_by(L).zip(*s) {
                *d = v;
            }
        }
    }
}

/// `C[rows, j0..j0+nr] = α·t + β·C[…]` one element at a time (edges, and
/// the portable kernel).
#[inline(always)]
fn update_scalar(t: &[[f32; NR]; MR], alpha: f32, beta: f32, rows: &mut [&mut [f32]], j0: usize, nr: usize) {
    for (c, t) in rows.iter_mut().zip(t) {
        for (c, &t) in c[j0..j0 + nr].iter_mut().zip(t) {
            *c = if beta == 0.0 { alpha * t } else { alpha * t + beta * *c };
        }
    }
}
