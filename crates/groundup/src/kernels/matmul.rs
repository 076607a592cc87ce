//! Matrix product.
//!
//! Layers call [`mat_mul_into`] / [`mat_mul`] / [`mat_mul_batch`], which
//! pick the fastest product for the number type and target
//! ([`Real::mat_mul_into`]): in wasm, f32 runs [`crate::kernels::gemm`]
//! (blocked, packed, a simd128 4×8 tile) and f64 ndarray's
//! `general_mat_mul` (the `matrixmultiply` crate); natively both run the
//! `gemm` crate ([`crate::kernels::matmul_native`]). [`matmul_naive`] is
//! the reference they are tested against.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use crate::Real;

/// `C = α·A·B + β·C`. A (M, K), B (K, N), C (M, N); views of any strides
/// (`x.t()` included). `β = 0` overwrites C.
pub fn mat_mul_into<F: Real>(
    alpha: F,
    a: ArrayView2<F>,
    b: ArrayView2<F>,
    beta: F,
    c: &mut ArrayViewMut2<F>,
) {
    F::mat_mul_into(alpha, a, b, beta, c);
}

/// `A·B` into a fresh (M, N) array, as ndarray's `dot`.
pub fn mat_mul<F: Real>(a: ArrayView2<F>, b: ArrayView2<F>) -> Array2<F> {
    F::mat_mul(a, b)
}

/// `A·B` into a fresh (M, N) array, for a product whose rows are a batch
/// (a dense layer's `X·W` and `δ·Wᵀ`), in the memory order the product
/// writes and reads back fastest: natively column-major (see
/// [`crate::kernels::matmul_native::gemm_new_column_major`]), in wasm as
/// [`mat_mul`]. Elementwise layers keep the order; every reader indexes.
pub fn mat_mul_batch<F: Real>(a: ArrayView2<F>, b: ArrayView2<F>) -> Array2<F> {
    F::mat_mul_batch(a, b)
}

/// `C = A·B` by the textbook triple loop: `c_ij = Σ_k a_ik b_kj`.
pub fn matmul_naive<F: Real>(a: ArrayView2<F>, b: ArrayView2<F>) -> Array2<F> {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert_eq!(k, k2, "matmul: A is {m}×{k} but B is {k2}×{n}");
    let mut c = Array2::zeros((m, n));
    for i in 0..m {
        for j in 0..n {
            let mut sum = F::zero();
            for p in 0..k {
                sum += a[[i, p]] * b[[p, j]];
            }
            c[[i, j]] = sum;
        }
    }
    c
}
