//! The wasm simd128 sgemm (`groundup::kernels::gemm`) against the naive
//! product, in headless Chromium: native tests only reach the portable tile,
//! so this is where the `core::arch::wasm32` kernel and its transposing
//! packers are checked. Run with `scripts/test-wasm.sh`.
#![cfg(target_arch = "wasm32")]

use groundup::kernels::gemm::{sgemm, sgemm_blocked, Blocking, KC};
use groundup::kernels::matmul::{mat_mul_into, matmul_naive};
use ndarray::{s, Array2};
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Uniform values in [-1, 1) from a xorshift stream.
fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Array2::from_shape_simple_fn((rows, cols), || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    })
}

/// `fast ≈ α·A·B + β·C0`, each element within `1e-5 · (|α|·Σ|a||b| + |β|·|c0|)`.
fn assert_gemm(
    fast: &Array2<f32>,
    alpha: f32,
    a: &Array2<f32>,
    b: &Array2<f32>,
    beta: f32,
    c0: &Array2<f32>,
    what: &str,
) {
    let ab = matmul_naive(a.view(), b.view());
    let scale = matmul_naive(a.mapv(f32::abs).view(), b.mapv(f32::abs).view());
    for (((i, &f), &p), (&sc, &c)) in fast.indexed_iter().zip(&ab).zip(scale.iter().zip(c0)) {
        let c_term = if beta == 0.0 { 0.0 } else { beta * c };
        let expected = alpha * p + c_term;
        let tol = 1e-5 * (alpha.abs() * sc + c_term.abs()) + 1e-6;
        assert!((f - expected).abs() <= tol, "{what}: {i:?}: {f} vs {expected}");
    }
}

const SHAPES: [(usize, usize, usize); 10] = [
    (1, 1, 1),
    (3, 5, 4),
    (4, 8, 8),
    (5, 9, 9),
    (8, 25, 392),
    (16, 200, 196),
    (25, 8, 100),
    (33, 2 * KC + 3, 17),
    (64, 70, 65),
    (130, 20, 7),
];

// Every layout the layers pass (nn, nt, tn and tt), α/β ≠ 0/1, through the
// entry point the layers call (`mat_mul_into`, which is `sgemm` in wasm).
#[wasm_bindgen_test]
fn simd_gemm_matches_naive() {
    let mut seed = 1;
    for (m, k, n) in SHAPES {
        for (a_t, b_t) in [(false, false), (false, true), (true, false), (true, true)] {
            for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (-0.5, 2.0)] {
                seed += 3;
                let a_store = if a_t { matrix(k, m, seed) } else { matrix(m, k, seed) };
                let b_store = if b_t { matrix(n, k, seed + 1) } else { matrix(k, n, seed + 1) };
                let a = if a_t { a_store.t() } else { a_store.view() };
                let b = if b_t { b_store.t() } else { b_store.view() };
                let c0 = matrix(m, n, seed + 2);
                let mut c = c0.clone();
                mat_mul_into(alpha, a, b, beta, &mut c.view_mut());
                let what = format!("{m}×{k}·{k}×{n} a_t {a_t} b_t {b_t} α {alpha} β {beta}");
                assert_gemm(&c, alpha, &a.to_owned(), &b.to_owned(), beta, &c0, &what);
            }
        }
    }
}

// Small blocks (every edge inside blocks, β applied once), B packed on the
// fly, and a C that is a window of a wider array.
#[wasm_bindgen_test]
fn simd_gemm_blocks_and_windows() {
    let blockings =
        [Blocking { kc: 7, mc: 8, nc: 16 }, Blocking { kc: 16, mc: 5, nc: 0 }, Blocking::default()];
    let mut seed = 100;
    for blocking in blockings {
        for (m, k, n) in SHAPES {
            seed += 3;
            let (a, b_store) = (matrix(m, k, seed), matrix(n, k, seed + 1));
            let b = b_store.t();
            let c0 = matrix(m, n, seed + 2);
            let mut wide = Array2::<f32>::zeros((m, n + 5));
            wide.slice_mut(s![.., 2..n + 2]).assign(&c0);
            sgemm_blocked(0.75, a.view(), b, -1.0, &mut wide.slice_mut(s![.., 2..n + 2]), blocking);
            let what = format!("{m}×{k}·{k}×{n} {blocking:?}");
            assert_gemm(&wide.slice(s![.., 2..n + 2]).to_owned(), 0.75, &a, &b.to_owned(), -1.0, &c0, &what);
            assert!(wide.slice(s![.., ..2]).iter().chain(wide.slice(s![.., n + 2..])).all(|&v| v == 0.0));
        }
    }
    // β = 0 overwrites NaN.
    let mut c = Array2::from_elem((4, 8), f32::NAN);
    sgemm(1.0, matrix(4, 3, 7).view(), matrix(3, 8, 8).view(), 0.0, &mut c.view_mut());
    assert!(c.iter().all(|v| v.is_finite()));
}
