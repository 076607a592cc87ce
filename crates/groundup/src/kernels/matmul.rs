//! Matrix product.
//!
//! The fast path is ndarray's `dot` / `general_mat_mul`, which hands f32 and
//! f64 to the `matrixmultiply` crate: cache-blocked, with AVX/FMA
//! micro-kernels picked at run time on x86. Layers call it directly; this file
//! holds the reference it is tested against.

use ndarray::{Array2, ArrayView2};

use crate::Real;

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
