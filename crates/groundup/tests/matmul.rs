//! The product the layers run (`kernels::matmul::mat_mul_into` /
//! `mat_mul` / `mat_mul_batch`: natively the `gemm` crate,
//! kernels/matmul_native.rs, the last into a column-major array) against
//! the textbook triple loop, in f32 and f64, on the layouts the layers pass
//! and on the ones they might: odd shapes around the micro-kernel's tile
//! sizes, transposed, reversed and strided views, an output that is itself a
//! transposed view, `α ≠ 1` and `β ≠ 0`, and empty dimensions.

mod common;

use common::rng;
use groundup::kernels::matmul::{mat_mul, mat_mul_batch, mat_mul_into, matmul_naive};
use groundup::Real;
use ndarray::{s, Array2, ArrayView2};
use rand::rngs::Xoshiro256PlusPlus;
use rand::RngExt;

/// Odd sizes on every side of the AVX-512 and AVX2 tiles (16 and 8 lanes,
/// several rows), one that crosses a cache block of K, and the MLP's.
const SHAPES: [(usize, usize, usize); 10] = [
    (1, 1, 1),
    (1, 9, 1),
    (2, 3, 17),
    (7, 1, 5),
    (17, 33, 9),
    (31, 15, 47),
    (48, 64, 49),
    (65, 300, 33),
    (129, 17, 257),
    (64, 784, 10),
];

fn matrix<F: Real>(rows: usize, cols: usize, rng: &mut Xoshiro256PlusPlus) -> Array2<F> {
    Array2::from_shape_simple_fn((rows, cols), || F::of(rng.random_range(-1.0..1.0)))
}

/// Relative tolerance per element, scaled by `Σ_k |a_ik|·|b_kj|` (see below).
fn tolerance<F: Real>() -> f64 {
    if std::mem::size_of::<F>() == 4 {
        1e-5
    } else {
        1e-13
    }
}

/// Asserts `fast ≈ α·A·B + β·C0` element-wise, each element within
/// `tolerance · (|α|·Σ_k |a_ik||b_kj| + |β|·|c0_ij|)`: the magnitude its
/// rounding scales with, so cancellation cannot make a right answer fail.
fn assert_product<F: Real>(
    fast: ArrayView2<F>,
    (alpha, a, b): (F, ArrayView2<F>, ArrayView2<F>),
    (beta, c0): (F, ArrayView2<F>),
    what: &str,
) {
    let naive = matmul_naive(a, b);
    let abs = |m: ArrayView2<F>| m.mapv(|v| v.as_f64().abs());
    let scale = matmul_naive(abs(a).view(), abs(b).view());
    assert_eq!(fast.dim(), naive.dim(), "{what}: shape");
    for ((i, j), &f) in fast.indexed_iter() {
        let want = alpha.as_f64() * naive[[i, j]].as_f64() + beta.as_f64() * c0[[i, j]].as_f64();
        let bound = tolerance::<F>()
            * (alpha.as_f64().abs() * scale[[i, j]] + beta.as_f64().abs() * c0[[i, j]].as_f64().abs())
                .max(1e-30);
        let diff = (f.as_f64() - want).abs();
        assert!(diff <= bound, "{what}: ({i}, {j}): fast {f} vs naive {want} (|diff| {diff:e} > {bound:e})");
    }
}

/// `mat_mul`, `mat_mul_batch` and `mat_mul_into` (β = 0) of A and B stored row-major, as
/// transposes (the layers pass Xᵀ and Wᵀ as `.t()` views), strided and
/// reversed, every pairing.
fn check_all_layouts<F: Real>(seed: u64) {
    let mut r = rng(seed);
    for (m, k, n) in SHAPES {
        let a = matrix::<F>(m, k, &mut r);
        let b = matrix::<F>(k, n, &mut r);
        let a_t = a.t().as_standard_layout().into_owned(); // (K, M)
        let b_t = b.t().as_standard_layout().into_owned(); // (N, K)
                                                           // Strided: every other column of a twice-as-wide array.
        let mut a_wide = Array2::<F>::zeros((m, 2 * k));
        a_wide.slice_mut(s![.., ..;2]).assign(&a);
        // Reversed: rows stored bottom-up (negative row stride).
        let b_rev_storage = b.slice(s![..;-1, ..]).to_owned();
        let a_views: [(&str, ArrayView2<F>); 3] =
            [("A", a.view()), ("Aᵀ view", a_t.t()), ("A strided", a_wide.slice(s![.., ..;2]))];
        let b_views: [(&str, ArrayView2<F>); 3] =
            [("B", b.view()), ("Bᵀ view", b_t.t()), ("B reversed", b_rev_storage.slice(s![..;-1, ..]))];
        for (a_name, av) in &a_views {
            for (b_name, bv) in &b_views {
                let what = format!("{a_name} · {b_name} {m}×{k}×{n}");
                let zero = Array2::<F>::zeros((m, n));
                let exact = (F::one(), a.view(), b.view());
                assert_product(
                    mat_mul(*av, *bv).view(),
                    exact,
                    (F::zero(), zero.view()),
                    &format!("mat_mul {what}"),
                );
                assert_product(
                    mat_mul_batch(*av, *bv).view(),
                    exact,
                    (F::zero(), zero.view()),
                    &format!("mat_mul_batch {what}"),
                );
                let mut c = Array2::<F>::ones((m, n));
                mat_mul_into(F::one(), *av, *bv, F::zero(), &mut c.view_mut());
                assert_product(c.view(), exact, (F::zero(), zero.view()), &format!("mat_mul_into {what}"));
            }
        }
    }
}

// Every layout of A and B, f64: the path gradient checks run.
#[test]
fn mat_mul_matches_naive_on_every_layout_f64() {
    check_all_layouts::<f64>(101);
}

// The same in f32, the path training runs.
#[test]
fn mat_mul_matches_naive_on_every_layout_f32() {
    check_all_layouts::<f32>(102);
}

// C = α·A·B + β·C accumulates (β = 1, as ∂W += Xᵀ·δ) and scales (α, β
// other than 0 and 1), into a row-major C and into a transposed view of a C
// stored column-major.
fn check_alpha_beta<F: Real>(seed: u64) {
    let mut r = rng(seed);
    for (m, k, n) in SHAPES {
        let (a, b) = (matrix::<F>(m, k, &mut r), matrix::<F>(k, n, &mut r));
        let c0 = matrix::<F>(m, n, &mut r);
        for (alpha, beta) in [(1.0, 1.0), (-0.5, 2.0), (0.25, -1.0)] {
            let (alpha, beta) = (F::of(alpha), F::of(beta));
            let mut c = c0.clone();
            mat_mul_into(alpha, a.view(), b.view(), beta, &mut c.view_mut());
            let what = format!("α {alpha} β {beta} {m}×{k}×{n}");
            assert_product(c.view(), (alpha, a.view(), b.view()), (beta, c0.view()), &what);
            let mut c_col = c0.t().as_standard_layout().into_owned(); // (N, M): C stored column-major
            mat_mul_into(alpha, a.view(), b.view(), beta, &mut c_col.view_mut().reversed_axes());
            assert_product(
                c_col.t(),
                (alpha, a.view(), b.view()),
                (beta, c0.view()),
                &format!("{what}, C column-major"),
            );
        }
    }
}

#[test]
fn mat_mul_into_scales_and_accumulates_f64() {
    check_alpha_beta::<f64>(103);
}

#[test]
fn mat_mul_into_scales_and_accumulates_f32() {
    check_alpha_beta::<f32>(104);
}

// β = 0 overwrites C without reading it: a NaN left there (an old,
// diverged result) must not leak into the product.
#[test]
fn beta_zero_ignores_nan_in_the_output() {
    let mut r = rng(105);
    for (m, k, n) in SHAPES {
        let (a, b) = (matrix::<f32>(m, k, &mut r), matrix::<f32>(k, n, &mut r));
        let mut c = Array2::from_elem((m, n), f32::NAN);
        mat_mul_into(1.0, a.view(), b.view(), 0.0, &mut c.view_mut());
        let zero = Array2::<f32>::zeros((m, n));
        assert_product(
            c.view(),
            (1.0, a.view(), b.view()),
            (0.0, zero.view()),
            &format!("NaN in C {m}×{k}×{n}"),
        );
    }
}

// Empty dimensions: an empty sum (K = 0) gives β·C; no rows or no columns
// give an empty result. None of them panics.
#[test]
fn empty_dimensions() {
    let a = Array2::<f64>::zeros((3, 0));
    let b = Array2::<f64>::zeros((0, 4));
    let mut c = Array2::from_elem((3, 4), 2.0);
    mat_mul_into(1.0, a.view(), b.view(), 0.5, &mut c.view_mut());
    assert_eq!(c, Array2::from_elem((3, 4), 1.0));
    mat_mul_into(1.0, a.view(), b.view(), 0.0, &mut c.view_mut());
    assert_eq!(c, Array2::<f64>::zeros((3, 4)));
    assert_eq!(mat_mul(a.view(), b.view()), Array2::<f64>::zeros((3, 4)));
    let rows = Array2::<f32>::zeros((0, 5));
    let cols = Array2::<f32>::ones((5, 0));
    assert_eq!(mat_mul(rows.view(), Array2::ones((5, 2)).view()).dim(), (0, 2));
    assert_eq!(mat_mul(Array2::ones((2, 5)).view(), cols.view()).dim(), (2, 0));
}

// A product with integer entries is exact in any summation order: the
// fast path must give exactly the textbook result, in both types.
#[test]
fn small_integer_products_are_exact() {
    let a = Array2::from_shape_fn((37, 23), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    let b = Array2::from_shape_fn((23, 41), |(i, j)| ((i * 5 + j) % 7) as f64 - 3.0);
    assert_eq!(mat_mul(a.view(), b.view()), matmul_naive(a.view(), b.view()));
    let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
    assert_eq!(mat_mul(a32.t().t(), b32.view()), matmul_naive(a32.view(), b32.view()));
}
