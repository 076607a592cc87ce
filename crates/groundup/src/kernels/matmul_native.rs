//! The native (not wasm) f32 and f64 matrix product: the `gemm` crate.
//!
//! `C = α·A·B + β·C` for ndarray views of any strides, handed to
//! `gemm::gemm`, which packs both operands into cache-sized panels and runs
//! a register-tiled micro-kernel picked at run time for the CPU: AVX-512F
//! where the CPU has it, else AVX2 + FMA, else SSE / scalar. ndarray's
//! `general_mat_mul` (the `matrixmultiply` crate) stops at AVX2; with the
//! 512-bit kernels the paper MLP, whose products are ~75 % of its training
//! step, trains 1.6–1.9× as fast (README, "Dependencies").
//!
//! One thread: the crate is built without its `rayon` feature and asked
//! for [`gemm::Parallelism::None`]; the data-parallel workers of the page
//! are the only parallelism this project uses.
//!
//! [`crate::kernels::matmul::matmul_naive`] is the twin this path is tested
//! against (tests/matmul.rs): odd shapes, transposed views, β ≠ 0.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, ShapeBuilder};

/// The two number types `gemm` multiplies for us.
pub trait NativeGemm: num_traits::Float + std::ops::MulAssign + 'static {}
impl NativeGemm for f32 {}
impl NativeGemm for f64 {}

/// `C = α·A·B + β·C`. A (M, K), B (K, N), C (M, N), any strides (`x.t()`
/// included, negative too). `β = 0` overwrites C without reading it, so a
/// NaN left in C does not leak into the result (as `general_mat_mul`).
pub fn gemm_into<T: NativeGemm>(
    alpha: T,
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    beta: T,
    c: &mut ArrayViewMut2<T>,
) {
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(k == k2 && c.dim() == (m, n), "matmul: A {m}×{k} · B {k2}×{n} into C {:?}", c.dim());
    if m == 0 || n == 0 {
        return;
    }
    let overwrite = beta == T::zero();
    if k == 0 {
        // An empty sum: C = β·C. (gemm would do the same; this keeps the
        // pointer arithmetic below away from zero-length operands.)
        if overwrite {
            c.fill(T::zero());
        } else {
            c.map_inplace(|v| *v *= beta);
        }
        return;
    }
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    // SAFETY: `gemm` reads A at a_ptr + i·a_rs + p·a_cs for i < M, p < K,
    // B likewise for p < K, j < N, and writes C at c_ptr + i·c_rs + j·c_cs
    // for i < M, j < N (reading it too unless `read_dst` is false). Each
    // view guarantees exactly those elements are valid, initialised memory
    // of its array, with the strides it reports (negative ones included:
    // `as_ptr` is the (0, 0) element). C is a unique mutable borrow, so it
    // overlaps neither A nor B, and a mutable view has no repeated
    // elements (stride 0 is only possible where its length is ≤ 1). The
    // call is the crate's only API: what justifies it is the speed
    // measured in README's "Dependencies".
    unsafe {
        ::gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            !overwrite,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            // gemm computes dst = alpha·dst + beta·(lhs·rhs): the names swap.
            beta,
            alpha,
            false,
            false,
            false,
            ::gemm::Parallelism::None,
        );
    }
}

/// `A·B` into a fresh (M, N) array.
pub fn gemm_new<T: NativeGemm>(a: ArrayView2<T>, b: ArrayView2<T>) -> Array2<T> {
    let mut c = Array2::zeros((a.nrows(), b.ncols())); // (M, N)
    gemm_into(T::one(), a, b, T::zero(), &mut c.view_mut());
    c
}

/// `A·B` into a fresh (M, N) array stored column-major. For products whose
/// M is a batch and whose other operand is a weight matrix (a dense layer's
/// `X·W` and `δ·Wᵀ`): with C column-major `gemm` keeps the problem as it
/// is instead of transposing it, and then leaves a weight operand of ≤ 128
/// rows' use unpacked, reading it where it lies; only the batch-sized
/// operand is packed. Row-major, the 625×784 weights of the paper MLP were
/// repacked by every product, 17 % of its step at batch 64.
pub fn gemm_new_column_major<T: NativeGemm>(a: ArrayView2<T>, b: ArrayView2<T>) -> Array2<T> {
    let mut c = Array2::zeros((a.nrows(), b.ncols()).f()); // (M, N), columns contiguous
    gemm_into(T::one(), a, b, T::zero(), &mut c.view_mut());
    c
}
