//! The number type a network computes in.
//!
//! Training runs in `f32` (fast, half the memory). Gradient checks (paper
//! §3.3) run the *same* layer code in `f64`, where central differences are
//! accurate to ~1e-9 instead of ~1e-3. So every layer is generic over `Real`.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, LinalgScalar, ScalarOperand};
use num_traits::{Float, FromPrimitive, ToPrimitive};

use crate::kernels::conv::{ConvKernels, Im2colConv};

/// `f32` or `f64`.
pub trait Real:
    Float
    + LinalgScalar
    + ScalarOperand
    + FromPrimitive
    + ToPrimitive
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// Converts a constant; exact for every constant this crate uses.
    fn of(x: f64) -> Self {
        Self::from_f64(x).expect("f64 converts to any Real")
    }

    /// Widens (or narrows) to f64 for reporting.
    fn as_f64(self) -> f64 {
        self.to_f64().expect("a Real converts to f64")
    }

    /// `C = α·A·B + β·C` by the fastest product for this type and target;
    /// callers use [`crate::kernels::matmul::mat_mul_into`]. By default
    /// ndarray's `general_mat_mul` (the `matrixmultiply` crate), which is
    /// what f64 runs in wasm; natively f32 and f64 override it with
    /// [`crate::kernels::matmul_native`], in wasm f32 with
    /// [`crate::kernels::gemm`].
    fn mat_mul_into(
        alpha: Self,
        a: ArrayView2<Self>,
        b: ArrayView2<Self>,
        beta: Self,
        c: &mut ArrayViewMut2<Self>,
    ) {
        general_mat_mul(alpha, &a, &b, beta, c);
    }

    /// `A·B` into a fresh array; callers use
    /// [`crate::kernels::matmul::mat_mul`]. By default ndarray's `dot`, which
    /// skips zeroing the result.
    fn mat_mul(a: ArrayView2<Self>, b: ArrayView2<Self>) -> Array2<Self> {
        a.dot(&b)
    }

    /// `A·B` for a batch's rows; callers use
    /// [`crate::kernels::matmul::mat_mul_batch`]. By default as [`Real::mat_mul`].
    fn mat_mul_batch(a: ArrayView2<Self>, b: ArrayView2<Self>) -> Array2<Self> {
        Self::mat_mul(a, b)
    }

    /// How [`crate::layers::Conv2d`] computes: by default im2col and matrix
    /// products ([`crate::kernels::conv::Im2colConv`]), the only path for
    /// f64, which gradient checks use.
    fn conv2d_kernels() -> &'static dyn ConvKernels<Self> {
        &Im2colConv
    }

    /// The 2×2 max pool ([`crate::kernels::pool::max_pool_2x2`]): the
    /// portable branch-free loop; in wasm f32 four windows per v128.
    fn max_pool_2x2(src: &[Self], dims: (usize, usize, usize), out: &mut [Self], taps: &mut [u8]) {
        crate::kernels::pool::max_pool_2x2(src, dims, out, taps);
    }

    /// 2×2 backpooling ([`crate::kernels::pool::max_unpool_2x2`]), likewise.
    fn max_unpool_2x2(dy: &[Self], taps: &[u8], dims: (usize, usize, usize), dx: &mut [Self]) {
        crate::kernels::pool::max_unpool_2x2(dy, taps, dims, dx);
    }
}

impl Real for f32 {
    /// In wasm, f32 (training) takes [`crate::kernels::gemm`]: its 4×8
    /// simd128 tile runs the paper CNN's products 1.3–1.6× and the MLP's
    /// 1.3–1.5× as fast as `matrixmultiply`'s wasm kernel (bench/kernels).
    /// Natively that kernel loses by far to AVX2/AVX-512 (`groundup bench`,
    /// images/s: paper-mlp 64: 4702 vs `matrixmultiply`'s 9189), so native
    /// code takes the `gemm` crate (below).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn mat_mul_into(
        alpha: f32,
        a: ArrayView2<f32>,
        b: ArrayView2<f32>,
        beta: f32,
        c: &mut ArrayViewMut2<f32>,
    ) {
        crate::kernels::gemm::sgemm(alpha, a, b, beta, c);
    }

    /// Zeroing the result first costs < 1 % here (bench/kernels: conv2
    /// Wᵀ·δ 2.98 ms with, 2.97 ms into a kept array), so no uninitialised
    /// memory and no `unsafe`.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn mat_mul(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
        let mut c = Array2::zeros((a.nrows(), b.ncols())); // (M, N)
        crate::kernels::gemm::sgemm(1.0, a, b, 0.0, &mut c.view_mut());
        c
    }

    /// f32 (training) convolves directly ([`crate::kernels::conv_direct`]):
    /// no im2col columns, register tiles over channels. In wasm the paper
    /// CNN's conv layers run ~2× as fast as im2col + `kernels::gemm`
    /// (bench/README.md, "After direct convolution"). Natively too, with
    /// the portable `[f32; 4]` tiles against im2col + `matrixmultiply`'s
    /// AVX2 kernels: `groundup bench` images/s, medians of 6 interleaved
    /// runs at load 1.0–2.6: paper-cnn 64: 2610 vs 2585, paper-cnn 500:
    /// 2236 vs 1637, cnn 64: 2947 vs 2769.
    fn conv2d_kernels() -> &'static dyn ConvKernels<f32> {
        &crate::kernels::conv_direct::DirectConv
    }

    /// In wasm, v128 ([`crate::kernels::pool_wasm`]): the paper CNN's two
    /// pools, forward and backward, 1.17 → 0.56 ms a batch of 64 together
    /// with the one-byte taps (bench/kernels `cnn_step_breakdown`, relaxed
    /// build, one run each).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn max_pool_2x2(src: &[f32], dims: (usize, usize, usize), out: &mut [f32], taps: &mut [u8]) {
        crate::kernels::pool_wasm::max_pool_2x2(src, dims, out, taps);
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn max_unpool_2x2(dy: &[f32], taps: &[u8], dims: (usize, usize, usize), dx: &mut [f32]) {
        crate::kernels::pool_wasm::max_unpool_2x2(dy, taps, dims, dx);
    }

    /// Natively the `gemm` crate: with its AVX-512 kernels the paper MLP
    /// trains 1.6–1.9× as fast as with `matrixmultiply`'s AVX2 ones, the
    /// paper CNN 1.1–1.2× (README, "Dependencies").
    #[cfg(not(target_arch = "wasm32"))]
    fn mat_mul_into(
        alpha: f32,
        a: ArrayView2<f32>,
        b: ArrayView2<f32>,
        beta: f32,
        c: &mut ArrayViewMut2<f32>,
    ) {
        crate::kernels::matmul_native::gemm_into(alpha, a, b, beta, c);
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn mat_mul(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
        crate::kernels::matmul_native::gemm_new(a, b)
    }

    /// Column-major: the paper MLP at batch 64 trains 1.15–1.3× as fast
    /// (`groundup bench`, 3 alternated runs: 15,717 / 16,877 / 17,739 →
    /// 19,340 / 19,987 / 20,246 img/s).
    #[cfg(not(target_arch = "wasm32"))]
    fn mat_mul_batch(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
        crate::kernels::matmul_native::gemm_new_column_major(a, b)
    }
}

impl Real for f64 {
    /// Natively as f32: the gradient checks run the same product path as
    /// training, in f64.
    #[cfg(not(target_arch = "wasm32"))]
    fn mat_mul_into(
        alpha: f64,
        a: ArrayView2<f64>,
        b: ArrayView2<f64>,
        beta: f64,
        c: &mut ArrayViewMut2<f64>,
    ) {
        crate::kernels::matmul_native::gemm_into(alpha, a, b, beta, c);
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn mat_mul(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        crate::kernels::matmul_native::gemm_new(a, b)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn mat_mul_batch(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        crate::kernels::matmul_native::gemm_new_column_major(a, b)
    }
}
