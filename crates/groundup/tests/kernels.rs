//! Tests of `groundup::kernels`: every fast kernel against its naive twin.
//!
//! The twins are the loops of the definitions (paper §4.3.1–4.3.2); the fast
//! paths (ndarray's blocked matrix product, im2col + GEMM convolution, the
//! unrolled 2×2 pool) must agree with them on every shape that matters:
//! transposed views, padding, odd sides, ties.

mod common;

use common::{rng, uniform};
use groundup::kernels::conv_naive::{conv2d_backward_naive, conv2d_forward_naive};
use groundup::kernels::gemm::{sgemm, sgemm_blocked, Blocking, KC};
use groundup::kernels::im2col::{col2im, im2col, im2col_into, output_side};
use groundup::kernels::matmul::{mat_mul, mat_mul_into, matmul_naive};
use groundup::kernels::pool::{
    max_pool_backward, max_pool_backward_naive, max_pool_forward, max_pool_forward_naive,
};
use groundup::layers::{Conv2d, Layer, Mode, Padding};
use groundup::{Init, Real};
use ndarray::{s, Array2, Array4, ArrayD, Ix1, Ix4};
use rand::rngs::Xoshiro256PlusPlus;
use rand::RngExt;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn matrix<F: Real>(rows: usize, cols: usize, rng: &mut Xoshiro256PlusPlus) -> Array2<F> {
    Array2::from_shape_simple_fn((rows, cols), || F::of(rng.random_range(-1.0..1.0)))
}

fn image4(shape: (usize, usize, usize, usize), rng: &mut Xoshiro256PlusPlus) -> Array4<f64> {
    Array4::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

/// Asserts `fast ≈ naive` element-wise, where each element's tolerance is
/// `rel · scale[i]` (the sum of |terms| that made it, so cancellation cannot
/// make a correct result look wrong).
fn assert_close<F: Real>(fast: &[F], naive: &[F], scale: &[f64], rel: f64, what: &str) {
    assert_eq!(fast.len(), naive.len(), "{what}: lengths differ");
    for (i, ((&f, &n), &s)) in fast.iter().zip(naive).zip(scale).enumerate() {
        let diff = (f.as_f64() - n.as_f64()).abs();
        assert!(diff <= rel * s.max(1e-30), "{what}: element {i}: fast {f} vs naive {n} (|diff| {diff:e})");
    }
}

/// `Σ_k |a_ik|·|b_kj|` for every (i, j): the magnitude a product's rounding scales with.
fn abs_product_scale<F: Real>(a: &Array2<F>, b: &Array2<F>) -> Vec<f64> {
    let abs = |m: &Array2<F>| m.mapv(|v| v.as_f64().abs());
    matmul_naive(abs(a).view(), abs(b).view()).iter().copied().collect()
}

fn check_matmul<F: Real>(a: &Array2<F>, b: &Array2<F>, rel: f64, what: &str) {
    let fast = a.dot(b);
    let naive = matmul_naive(a.view(), b.view());
    assert_eq!(fast.dim(), naive.dim(), "{what}: shape");
    let fast: Vec<F> = fast.iter().copied().collect();
    let naive: Vec<F> = naive.iter().copied().collect();
    assert_close(&fast, &naive, &abs_product_scale(a, b), rel, what);
}

// ---------------------------------------------------------------------------
// Matrix product
// ---------------------------------------------------------------------------

const MATMUL_SHAPES: [(usize, usize, usize); 6] =
    [(1, 1, 1), (1, 7, 1), (3, 5, 4), (17, 33, 9), (64, 70, 65), (5, 128, 130)];

// ndarray's blocked `dot` equals the textbook triple loop in f64, row-major operands.
#[test]
fn matmul_matches_naive_f64() {
    let mut r = rng(1);
    for (m, k, n) in MATMUL_SHAPES {
        let (a, b) = (matrix::<f64>(m, k, &mut r), matrix::<f64>(k, n, &mut r));
        check_matmul(&a, &b, 1e-13, &format!("f64 {m}×{k}·{k}×{n}"));
    }
}

// The same in f32, where the blocked sum may round differently but only by ~k·u.
#[test]
fn matmul_matches_naive_f32() {
    let mut r = rng(2);
    for (m, k, n) in MATMUL_SHAPES {
        let (a, b) = (matrix::<f32>(m, k, &mut r), matrix::<f32>(k, n, &mut r));
        check_matmul(&a, &b, 1e-5, &format!("f32 {m}×{k}·{k}×{n}"));
    }
}

// Transposed (column-major) views, as the layers pass them (Xᵀ·δ, δ·Wᵀ), multiply correctly.
#[test]
fn matmul_of_transposed_views_matches_naive() {
    let mut r = rng(3);
    for (m, k, n) in MATMUL_SHAPES {
        let a_t = matrix::<f64>(k, m, &mut r); // stored transposed
        let b_t = matrix::<f64>(n, k, &mut r);
        let (a, b) = (a_t.t().to_owned(), b_t.t().to_owned());
        let naive = matmul_naive(a.view(), b.view());
        for (label, fast) in [
            ("Aᵀ view · B", a_t.t().dot(&b)),
            ("A · Bᵀ view", a.dot(&b_t.t())),
            ("Aᵀ view · Bᵀ view", a_t.t().dot(&b_t.t())),
        ] {
            let fast: Vec<f64> = fast.iter().copied().collect();
            let naive: Vec<f64> = naive.iter().copied().collect();
            assert_close(&fast, &naive, &abs_product_scale(&a, &b), 1e-13, &format!("{label} {m}×{k}×{n}"));
        }
        // The naive twin itself must read views by index, not by memory order.
        let naive_of_views = matmul_naive(a_t.t(), b_t.t());
        assert_eq!(naive_of_views, naive, "matmul_naive of views {m}×{k}×{n}");
    }
}

// A product the naive loop must get exactly: small integers, no rounding at all.
#[test]
fn matmul_naive_is_the_textbook_product() {
    let a = ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let b = ndarray::array![[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]];
    let c = matmul_naive(a.view(), b.view());
    assert_eq!(c, ndarray::array![[58.0, 64.0], [139.0, 154.0]]);
}

// ---------------------------------------------------------------------------
// The blocked sgemm (kernels::gemm): natively its portable tile, the same
// blocking, packing and edges as the wasm simd128 one (which
// crates/groundup-web/tests checks in the browser).
// ---------------------------------------------------------------------------

/// Shapes around every edge: 1×1, fewer rows than MR / columns than NR, sizes
/// one off a multiple of MR, NR, KC, K spanning several KC blocks, M several
/// MC blocks, N several NC blocks (with small blocks below), and the paper's
/// conv shapes scaled down.
const GEMM_SHAPES: [(usize, usize, usize); 14] = [
    (1, 1, 1),
    (1, 7, 1),
    (3, 5, 4),
    (4, 8, 8),
    (5, 9, 9),
    (7, 1, 15),
    (17, 33, 9),
    (8, 25, 392),
    (16, 200, 196),
    (33, 257, 17),
    (12, 600, 31),
    (64, 70, 65),
    (130, 20, 7),
    (5, 128, 130),
];

/// `α·A·B + β·C0` by the naive product, and each element's rounding scale.
fn gemm_reference(
    alpha: f32,
    a: &Array2<f32>,
    b: &Array2<f32>,
    beta: f32,
    c0: &Array2<f32>,
) -> (Vec<f32>, Vec<f64>) {
    let ab = matmul_naive(a.view(), b.view());
    let expected = ab.iter().zip(c0).map(|(&p, &c)| alpha * p + if beta == 0.0 { 0.0 } else { beta * c });
    let scale = abs_product_scale(a, b).into_iter().zip(c0).map(|(s, &c)| {
        let c = if beta == 0.0 { 0.0 } else { f64::from(beta.abs()) * f64::from(c.abs()) };
        f64::from(alpha.abs()) * s + c + 1e-6
    });
    (expected.collect(), scale.collect())
}

/// Runs `sgemm_blocked` with A, B given as they are stored (`a_t`: A is the
/// transpose of a row-major (K, M); `b_t`: B of a row-major (N, K)) into a C
/// of the given layout, and compares with the reference.
#[allow(clippy::too_many_arguments)]
fn check_gemm(
    (m, k, n): (usize, usize, usize),
    a_t: bool,
    b_t: bool,
    c_layout: &str,
    alpha: f32,
    beta: f32,
    blocking: Blocking,
    r: &mut Xoshiro256PlusPlus,
) {
    let a_store = if a_t { matrix::<f32>(k, m, r) } else { matrix::<f32>(m, k, r) };
    let b_store = if b_t { matrix::<f32>(n, k, r) } else { matrix::<f32>(k, n, r) };
    let a_view = if a_t { a_store.t() } else { a_store.view() }; // (M, K)
    let b_view = if b_t { b_store.t() } else { b_store.view() }; // (K, N)
    let mut c0 = matrix::<f32>(m, n, r);
    if beta == 0.0 && m * n > 0 {
        c0[[0, 0]] = f32::NAN; // β = 0 must overwrite, not multiply by 0
    }
    let (a, b) = (a_view.to_owned(), b_view.to_owned());
    let (expected, scale) = gemm_reference(alpha, &a, &b, beta, &c0);
    // C row-major, column-major, every other column of a wider array
    // (column stride 2), or a unit-column-stride window of a wider array
    // (row stride 2N + 3).
    let mut wide = Array2::<f32>::zeros((m, 2 * n + 3));
    let mut col_major = Array2::<f32>::zeros((n, m));
    let mut row_major = c0.clone();
    let got: Vec<f32> = match c_layout {
        "row-major" => {
            sgemm_blocked(alpha, a_view, b_view, beta, &mut row_major.view_mut(), blocking);
            row_major.iter().copied().collect()
        }
        "column-major" => {
            let mut c = col_major.view_mut().reversed_axes(); // (M, N), strides (1, M)
            c.assign(&c0);
            sgemm_blocked(alpha, a_view, b_view, beta, &mut c, blocking);
            c.iter().copied().collect()
        }
        "strided" => {
            let mut c = wide.slice_mut(s![.., 1..2 * n + 1;2]); // column stride 2
            c.assign(&c0);
            sgemm_blocked(alpha, a_view, b_view, beta, &mut c, blocking);
            c.iter().copied().collect()
        }
        "window" => {
            let mut c = wide.slice_mut(s![.., 3..n + 3]); // row stride 2N+3
            c.assign(&c0);
            sgemm_blocked(alpha, a_view, b_view, beta, &mut c, blocking);
            let got = c.iter().copied().collect();
            // Nothing outside the window was written.
            assert!(wide.slice(s![.., ..3]).iter().all(|&v| v == 0.0), "wrote left of the window");
            assert!(wide.slice(s![.., n + 3..]).iter().all(|&v| v == 0.0), "wrote right of the window");
            got
        }
        other => panic!("unknown layout {other}"),
    };
    let what = format!(
        "sgemm {m}×{k}·{k}×{n} A{} B{} C {c_layout} α {alpha} β {beta} {blocking:?}",
        if a_t { "ᵀ" } else { "" },
        if b_t { "ᵀ" } else { "" }
    );
    assert_close(&got, &expected, &scale, 1e-5, &what);
}

// Every shape × operand layout × C layout × (α, β), with the default blocks.
#[test]
fn sgemm_matches_naive() {
    let mut r = rng(21);
    for shape in GEMM_SHAPES {
        for (a_t, b_t) in [(false, false), (true, false), (false, true), (true, true)] {
            for c_layout in ["row-major", "column-major", "strided", "window"] {
                for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (-0.5, 2.0), (0.75, 0.0), (2.0, -1.0)] {
                    check_gemm(shape, a_t, b_t, c_layout, alpha, beta, Blocking::default(), &mut r);
                }
            }
        }
    }
}

// Small blocks, so that every shape crosses KC, MC and NC boundaries
// (β applied once, on the first K block; edges inside blocks).
#[test]
fn sgemm_matches_naive_across_blocks() {
    let mut r = rng(22);
    let blockings = [
        Blocking { kc: 1, mc: 4, nc: 8 },
        Blocking { kc: 7, mc: 8, nc: 16 },
        Blocking { kc: 16, mc: 5, nc: 9 },
        Blocking { kc: 64, mc: 12, nc: 40 },
        // nc = 0: B panels packed on the fly.
        Blocking { kc: 1, mc: 4, nc: 0 },
        Blocking { kc: 7, mc: 8, nc: 0 },
        Blocking { kc: 16, mc: 5, nc: 0 },
    ];
    for blocking in blockings {
        for shape in GEMM_SHAPES {
            for (a_t, b_t) in [(false, false), (true, true)] {
                for (alpha, beta) in [(1.0, 0.0), (-0.5, 2.0)] {
                    check_gemm(shape, a_t, b_t, "row-major", alpha, beta, blocking, &mut r);
                }
            }
        }
    }
}

// K = 0 scales C by β; M or N = 0 is a no-op; the KC default is crossed by a real size.
#[test]
fn sgemm_degenerate_shapes() {
    let a = Array2::<f32>::zeros((3, 0));
    let b = Array2::<f32>::zeros((0, 4));
    let mut c = Array2::<f32>::from_elem((3, 4), 2.0);
    sgemm(1.0, a.view(), b.view(), 0.5, &mut c.view_mut());
    assert!(c.iter().all(|&v| v == 1.0));
    c[[1, 1]] = f32::NAN;
    sgemm(1.0, a.view(), b.view(), 0.0, &mut c.view_mut());
    assert!(c.iter().all(|&v| v == 0.0), "β = 0 overwrites");
    let mut empty = Array2::<f32>::zeros((0, 4));
    sgemm(1.0, Array2::<f32>::zeros((0, 5)).view(), Array2::zeros((5, 4)).view(), 1.0, &mut empty.view_mut());
    let mut r = rng(23);
    check_gemm((9, 3 * KC + 5, 11), false, true, "row-major", 1.0, 1.0, Blocking::default(), &mut r);
}

// The dispatch the layers call agrees with the naive product in f32 and f64.
#[test]
fn mat_mul_into_matches_naive() {
    let mut r = rng(24);
    for (m, k, n) in MATMUL_SHAPES {
        let (a, b) = (matrix::<f64>(m, k, &mut r), matrix::<f64>(k, n, &mut r));
        let mut c = Array2::<f64>::zeros((m, n));
        mat_mul_into(1.0, a.view(), b.view(), 0.0, &mut c.view_mut());
        assert_eq!(c, mat_mul(a.view(), b.view()));
        let naive: Vec<f64> = matmul_naive(a.view(), b.view()).iter().copied().collect();
        let fast: Vec<f64> = c.iter().copied().collect();
        assert_close(&fast, &naive, &abs_product_scale(&a, &b), 1e-13, "mat_mul_into f64");
        let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
        let fast: Vec<f32> = mat_mul(a32.t().t(), b32.view()).iter().copied().collect();
        let naive: Vec<f32> = matmul_naive(a32.view(), b32.view()).iter().copied().collect();
        assert_close(&fast, &naive, &abs_product_scale(&a32, &b32), 1e-5, "mat_mul f32");
    }
}

// ---------------------------------------------------------------------------
// Convolution: the im2col layer against the direct loops
// ---------------------------------------------------------------------------

/// One convolution configuration.
#[derive(Clone, Copy, Debug)]
struct ConvCase {
    channels: usize,
    filters: usize,
    kernel: usize,
    padding: Padding,
    bias: bool,
}

/// Every combination the brief asks for: in 1/3, out 2/4, k 1/3/5, same/valid, bias on/off.
fn conv_cases() -> Vec<ConvCase> {
    let mut cases = Vec::new();
    for channels in [1, 3] {
        for filters in [2, 4] {
            for kernel in [1, 3, 5] {
                for padding in [Padding::Same, Padding::Valid] {
                    for bias in [true, false] {
                        cases.push(ConvCase { channels, filters, kernel, padding, bias });
                    }
                }
            }
        }
    }
    cases
}

/// A conv layer whose weights (and bias, non-zero) are set from `rng` through `params_mut`.
fn conv_layer(case: ConvCase, (h, w): (usize, usize), rng: &mut Xoshiro256PlusPlus) -> Conv2d<f64> {
    let mut layer = Conv2d::<f64>::new(
        (case.channels, h, w),
        case.filters,
        case.kernel,
        case.padding,
        case.bias,
        Init::He,
        rng,
    );
    for p in layer.params_mut() {
        let shape = p.value.shape().to_vec();
        p.value = uniform(&shape, -1.0, 1.0, rng);
    }
    layer
}

fn weight_and_bias(layer: &Conv2d<f64>) -> (Array4<f64>, Option<ndarray::Array1<f64>>) {
    let params = layer.params();
    let w = params[0].value.clone().into_dimensionality::<Ix4>().unwrap();
    let b = params.get(1).map(|p| p.value.clone().into_dimensionality::<Ix1>().unwrap());
    (w, b)
}

// Conv2d forward (im2col · GEMM) equals the 7-loop definition for 48 configs on a non-square 7×9 batch of 3.
#[test]
fn conv2d_forward_matches_naive() {
    let mut r = rng(10);
    let (n, h, w) = (3, 7, 9);
    for case in conv_cases() {
        let mut layer = conv_layer(case, (h, w), &mut r);
        let x = image4((n, case.channels, h, w), &mut r);
        let y = layer.forward(x.clone().into_dyn(), Mode::Infer);
        let (wt, b) = weight_and_bias(&layer);
        let pad = case.padding.amount(case.kernel);
        let naive = conv2d_forward_naive(x.view(), wt.view(), b.as_ref().map(|b| b.view()), pad);
        assert_eq!(y.shape(), naive.shape(), "{case:?}: output shape");
        let expected_side = |s| if case.padding == Padding::Same { s } else { s + 1 - case.kernel };
        assert_eq!(naive.dim(), (n, case.filters, expected_side(h), expected_side(w)), "{case:?}");
        let scale = vec![(case.channels * case.kernel * case.kernel + 1) as f64; y.len()];
        let y: Vec<f64> = y.iter().copied().collect();
        let naive: Vec<f64> = naive.iter().copied().collect();
        assert_close(&y, &naive, &scale, 1e-14, &format!("forward {case:?}"));
    }
}

// Conv2d backward (δ·colsᵀ, col2im(Wᵀ·δ)) equals the naive loops of §4.3.2 for dx, dW and db.
#[test]
fn conv2d_backward_matches_naive() {
    let mut r = rng(11);
    let (n, h, w) = (3, 7, 9);
    for case in conv_cases() {
        let mut layer = conv_layer(case, (h, w), &mut r);
        let x = image4((n, case.channels, h, w), &mut r);
        let y = layer.forward(x.clone().into_dyn(), Mode::Train);
        let dy = uniform(y.shape(), -1.0, 1.0, &mut r).into_dimensionality::<Ix4>().unwrap();
        for p in layer.params_mut() {
            p.zero_grad();
        }
        let dx = layer.backward(dy.clone().into_dyn());
        let (wt, _) = weight_and_bias(&layer);
        let pad = case.padding.amount(case.kernel);
        let (dx_naive, dw_naive, db_naive) = conv2d_backward_naive(x.view(), wt.view(), dy.view(), pad);

        let tol = 1e-12 * (n * h * w * case.filters) as f64;
        let flat = |a: &ArrayD<f64>| a.iter().copied().collect::<Vec<_>>();
        assert_eq!(dx.shape(), dx_naive.shape(), "{case:?}: dx shape");
        assert_close(&flat(&dx), &flat(&dx_naive.into_dyn()), &vec![1.0; dx.len()], tol, "dx");
        let params = layer.params();
        assert_close(&flat(&params[0].grad), &flat(&dw_naive.into_dyn()), &vec![1.0; wt.len()], tol, "dW");
        if case.bias {
            assert_eq!(params.len(), 2, "{case:?}: a bias tensor");
            assert_close(
                &flat(&params[1].grad),
                &flat(&db_naive.into_dyn()),
                &vec![1.0; case.filters],
                tol,
                "db",
            );
        } else {
            assert_eq!(params.len(), 1, "{case:?}: no bias tensor");
        }
    }
}

// Backward *adds* into grad (the layer contract): two passes leave twice the naive gradient,
// and backward_params_only accumulates the same parameter gradients as backward.
#[test]
fn conv2d_gradients_accumulate_and_params_only_agrees() {
    let mut r = rng(12);
    let case = ConvCase { channels: 3, filters: 4, kernel: 3, padding: Padding::Same, bias: true };
    let (n, h, w) = (2, 6, 5);
    let mut layer = conv_layer(case, (h, w), &mut r);
    let x = image4((n, 3, h, w), &mut r);
    let dy = image4((n, 4, h, w), &mut r);
    let (wt, _) = weight_and_bias(&layer);
    let (_, dw, db) = conv2d_backward_naive(x.view(), wt.view(), dy.view(), 1);

    for p in layer.params_mut() {
        p.zero_grad();
    }
    layer.forward(x.clone().into_dyn(), Mode::Train);
    layer.backward(dy.clone().into_dyn());
    layer.forward(x.clone().into_dyn(), Mode::Train);
    layer.backward_params_only(dy.clone().into_dyn());
    let params = layer.params();
    for (got, want) in params[0].grad.iter().zip(dw.iter()) {
        assert!((got - 2.0 * want).abs() < 1e-11, "dW accumulates: {got} vs 2·{want}");
    }
    for (got, want) in params[1].grad.iter().zip(db.iter()) {
        assert!((got - 2.0 * want).abs() < 1e-11, "db accumulates: {got} vs 2·{want}");
    }
}

// The layer also works in f32 (what training uses), agreeing with the f64 naive loops to f32 precision.
#[test]
fn conv2d_f32_forward_matches_naive() {
    let mut r = rng(13);
    let case = ConvCase { channels: 3, filters: 4, kernel: 5, padding: Padding::Same, bias: true };
    let (n, h, w) = (2, 9, 7);
    let reference = conv_layer(case, (h, w), &mut r);
    let (wt, b) = weight_and_bias(&reference);
    let mut layer = Conv2d::<f32>::new((3, h, w), 4, 5, Padding::Same, true, Init::He, &mut r);
    for (dst, src) in layer.params_mut().into_iter().zip(reference.params()) {
        dst.value = src.value.mapv(|v| v as f32);
    }
    let x = image4((n, 3, h, w), &mut r);
    let y = layer.forward(x.mapv(|v| v as f32).into_dyn(), Mode::Infer);
    // Reference from the f32-rounded inputs, in f64.
    let round = |a: &Array4<f64>| a.mapv(|v| f64::from(v as f32));
    let b = b.map(|b| b.mapv(|v| f64::from(v as f32)));
    let naive = conv2d_forward_naive(round(&x).view(), round(&wt).view(), b.as_ref().map(|b| b.view()), 2);
    let y: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
    let naive: Vec<f64> = naive.iter().copied().collect();
    assert_close(&y, &naive, &vec![76.0; y.len()], 1e-6, "f32 conv forward");
}

// ---------------------------------------------------------------------------
// im2col / col2im
// ---------------------------------------------------------------------------

/// (N, C, H, W, k, pad) cases for im2col, including pads of 0, (k−1)/2 and a non-square image.
const IM2COL_CASES: [(usize, usize, usize, usize, usize, usize); 7] = [
    (1, 1, 4, 4, 1, 0),
    (2, 1, 5, 5, 3, 1),
    (2, 3, 7, 9, 3, 0),
    (3, 2, 7, 9, 5, 2),
    (1, 3, 6, 5, 5, 0),
    (2, 2, 4, 6, 3, 2), // more padding than "same" would add
    (1, 1, 3, 3, 3, 1),
];

// Every element of im2col is the padded input pixel of the module docs' formula (zero in the padding).
#[test]
fn im2col_is_the_patch_matrix() {
    let mut r = rng(20);
    for (n, c, h, w, k, pad) in IM2COL_CASES {
        let x = image4((n, c, h, w), &mut r);
        let cols = im2col(x.view(), k, pad);
        let (ho, wo) = (output_side(h, k, pad), output_side(w, k, pad));
        assert_eq!(cols.dim(), (c * k * k, n * ho * wo));
        for ni in 0..n {
            for ci in 0..c {
                for i in 0..k {
                    for j in 0..k {
                        for y in 0..ho {
                            for xx in 0..wo {
                                let (py, px) =
                                    ((y + i) as isize - pad as isize, (xx + j) as isize - pad as isize);
                                let inside = py >= 0 && px >= 0 && (py as usize) < h && (px as usize) < w;
                                let want = if inside { x[[ni, ci, py as usize, px as usize]] } else { 0.0 };
                                let got = cols[[(ci * k + i) * k + j, (ni * ho + y) * wo + xx]];
                                assert_eq!(got, want, "case {:?}", (n, c, h, w, k, pad));
                            }
                        }
                    }
                }
            }
        }
    }
}

// col2im is the adjoint of im2col: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for random x and c.
#[test]
fn col2im_is_the_adjoint_of_im2col() {
    let mut r = rng(21);
    for (n, c, h, w, k, pad) in IM2COL_CASES {
        let x = image4((n, c, h, w), &mut r);
        let (ho, wo) = (output_side(h, k, pad), output_side(w, k, pad));
        let cols = Array2::from_shape_simple_fn((c * k * k, n * ho * wo), || r.random_range(-1.0..1.0));
        let lhs = (&im2col(x.view(), k, pad) * &cols).sum();
        let rhs = (&x * &col2im(cols.view(), (n, c, h, w), k, pad)).sum();
        let scale = (x.len() * k * k) as f64;
        assert!((lhs - rhs).abs() < 1e-13 * scale, "case {:?}: {lhs} vs {rhs}", (n, c, h, w, k, pad));
    }
}

// col2im reads a non-contiguous (transposed-storage) cols view the same as a contiguous copy.
#[test]
fn col2im_accepts_non_contiguous_views() {
    let mut r = rng(22);
    let (n, c, h, w, k, pad) = (2, 2, 5, 6, 3, 1);
    let rows = c * k * k;
    let cols_n = n * output_side(h, k, pad) * output_side(w, k, pad);
    let storage = Array2::from_shape_simple_fn((cols_n, rows), || r.random_range(-1.0..1.0));
    let view = storage.t(); // (rows, cols_n), column-major
    let owned = view.as_standard_layout().into_owned();
    assert_eq!(col2im(view, (n, c, h, w), k, pad), col2im(owned.view(), (n, c, h, w), k, pad));
}

// im2col of a non-standard-layout input (a permuted view) equals im2col of its row-major copy.
#[test]
fn im2col_accepts_permuted_input() {
    let mut r = rng(23);
    let storage = image4((3, 2, 6, 5), &mut r); // (H?, …): any storage order
    let view = storage.view().permuted_axes([1, 0, 3, 2]); // (2, 3, 5, 6)
    assert!(!view.is_standard_layout());
    let owned = view.as_standard_layout().into_owned();
    assert!(owned.is_standard_layout());
    assert_eq!(im2col(view, 3, 1), im2col(owned.view(), 3, 1));
}

// Reusing one buffer: the second call on a different input gives exactly a fresh im2col (no stale
// values, padding taps still zero), and a call with a different shape resizes it correctly.
#[test]
fn im2col_into_reuses_a_buffer_without_leaking_values() {
    let mut r = rng(24);
    let mut buffer = Array2::zeros((0, 0));
    let first = image4((2, 3, 7, 9), &mut r);
    im2col_into(first.view(), 5, 2, &mut buffer);
    assert_eq!(buffer, im2col(first.view(), 5, 2));

    let second = image4((2, 3, 7, 9), &mut r);
    im2col_into(second.view(), 5, 2, &mut buffer);
    assert_eq!(buffer, im2col(second.view(), 5, 2), "same shape, new values");

    let other_shape = image4((1, 2, 4, 6), &mut r);
    im2col_into(other_shape.view(), 3, 1, &mut buffer);
    assert_eq!(buffer, im2col(other_shape.view(), 3, 1), "different shape");

    let back = image4((2, 3, 7, 9), &mut r);
    im2col_into(back.view(), 5, 2, &mut buffer);
    assert_eq!(buffer, im2col(back.view(), 5, 2), "back to the first shape");
}

// A buffer whose *dimensions* match but that was filled for another geometry (here 7×7, k 3,
// no padding → (9, 25), the same as 5×5, k 3, pad 1) must not leak its values into the padding taps.
#[test]
fn im2col_into_with_same_dims_other_geometry_does_not_leak() {
    let mut r = rng(25);
    let mut buffer = Array2::zeros((0, 0));
    let unpadded = image4((1, 1, 7, 7), &mut r);
    im2col_into(unpadded.view(), 3, 0, &mut buffer); // (9, 25), every tap written
    let padded = image4((1, 1, 5, 5), &mut r);
    let fresh = im2col(padded.view(), 3, 1); // also (9, 25), with padding taps
    im2col_into(padded.view(), 3, 1, &mut buffer);
    assert_eq!(buffer.dim(), fresh.dim());
    assert_eq!(buffer, fresh, "padding taps must be zero, not left over from the last call");
}

// ---------------------------------------------------------------------------
// Max pooling
// ---------------------------------------------------------------------------

/// Small-integer values: with only `levels` distinct values, most windows have ties.
fn tied_image(shape: (usize, usize, usize, usize), levels: u32, rng: &mut Xoshiro256PlusPlus) -> Array4<f64> {
    Array4::from_shape_simple_fn(shape, || f64::from(rng.random_range(0..levels)))
}

fn check_pool_against_naive(x: &Array4<f64>, s: usize, dy_rng: &mut Xoshiro256PlusPlus, what: &str) {
    let (y, argmax) = max_pool_forward(x.view(), s);
    let y_naive = max_pool_forward_naive(x.view(), s);
    assert_eq!(y, y_naive, "{what}: forward");
    let (n, c, h, w) = x.dim();
    assert_eq!(y.dim(), (n, c, h / s, w / s), "{what}: floor of the sides");
    let dy = image4(y.dim(), dy_rng);
    let dx = max_pool_backward(dy.view(), &argmax, s, x.dim());
    let dx_naive = max_pool_backward_naive(x.view(), dy.view(), s);
    assert_eq!(dx, dx_naive, "{what}: backward");
    // Backpooling moves each gradient to one input, unchanged: the totals agree.
    assert!((dx.sum() - dy.sum()).abs() < 1e-12, "{what}: gradient mass");
}

// Pooling sizes 2 (the unrolled path) and 3 (the general loop), even and odd sides, equal the naive twin.
#[test]
fn max_pool_matches_naive_with_distinct_values() {
    let mut r = rng(30);
    for s in [2, 3, 4] {
        for (h, w) in [(6, 6), (7, 9), (9, 7), (5, 5), (3, 8), (4, 19), (2, 2)] {
            let x = image4((2, 3, h, w), &mut r);
            check_pool_against_naive(&x, s, &mut r, &format!("size {s}, {h}×{w}"));
        }
    }
}

// With ties everywhere (values from {0, 1, 2} and all-equal images), both versions pick the first
// maximum in row-major order, so forward, argmax and backward agree exactly.
#[test]
fn max_pool_matches_naive_with_ties() {
    let mut r = rng(31);
    for s in [2, 3] {
        for (h, w) in [(6, 6), (7, 9), (8, 5)] {
            let x = tied_image((2, 2, h, w), 3, &mut r);
            check_pool_against_naive(&x, s, &mut r, &format!("ties, size {s}, {h}×{w}"));
            let flat = Array4::from_elem((1, 2, h, w), 0.5);
            check_pool_against_naive(&flat, s, &mut r, &format!("all equal, size {s}, {h}×{w}"));
        }
    }
}

// The tie rule itself: in an all-equal window the gradient goes to the window's top-left input.
#[test]
fn max_pool_ties_go_to_the_first_in_row_major_order() {
    for s in [2, 3] {
        let x = Array4::from_elem((1, 1, s, s), 1.0f32);
        let (_, argmax) = max_pool_forward(x.view(), s);
        assert_eq!(argmax, vec![0], "size {s}");
        // Two equal maxima, the earlier one at (0, 1), a later one at (1, 0).
        let mut x = Array4::zeros((1, 1, s, s));
        x[[0, 0, 1, 0]] = 5.0f32;
        x[[0, 0, 0, 1]] = 5.0f32;
        let (_, argmax) = max_pool_forward(x.view(), s);
        assert_eq!(argmax, vec![1], "size {s}: (0, 1) precedes (1, 0)");
    }
}

// The rows and columns dropped by the floor get exactly zero gradient.
#[test]
fn max_pool_floor_drops_the_ragged_edge() {
    let mut r = rng(32);
    let mut x = image4((1, 1, 5, 7), &mut r);
    // Make the ragged edge hold the largest values: they still must not be picked.
    x.slice_mut(ndarray::s![.., .., 4, ..]).fill(100.0);
    x.slice_mut(ndarray::s![.., .., .., 6]).fill(100.0);
    let (y, argmax) = max_pool_forward(x.view(), 2);
    assert_eq!(y.dim(), (1, 1, 2, 3));
    assert!(y.iter().all(|&v| v < 100.0));
    let dx: Array4<f64> = max_pool_backward(Array4::ones(y.dim()).view(), &argmax, 2, x.dim());
    assert!(dx.slice(ndarray::s![.., .., 4, ..]).iter().all(|&v| v == 0.0));
    assert!(dx.slice(ndarray::s![.., .., .., 6]).iter().all(|&v| v == 0.0));
    assert_eq!(dx.sum(), 6.0);
}

// A permuted (non-standard-layout) input pools like its row-major copy, and argmax indexes that copy.
#[test]
fn max_pool_accepts_permuted_input() {
    let mut r = rng(33);
    let storage = image4((6, 2, 3, 8), &mut r);
    let view = storage.view().permuted_axes([2, 1, 3, 0]); // (3, 2, 8, 6)
    let owned = view.as_standard_layout().into_owned();
    let (y_view, arg_view) = max_pool_forward(view, 2);
    let (y_owned, arg_owned) = max_pool_forward(owned.view(), 2);
    assert_eq!(y_view, y_owned);
    assert_eq!(arg_view, arg_owned);
    for ((i, &v), &tap) in y_owned.indexed_iter().zip(&arg_owned) {
        let (n, c, oy, ox) = i;
        let (dy, dx) = (usize::from(tap) / 2, usize::from(tap) % 2);
        assert_eq!(owned[[n, c, 2 * oy + dy, 2 * ox + dx]], v, "the tap points at the maximum");
    }
}
