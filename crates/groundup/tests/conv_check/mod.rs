//! The direct f32 convolution (`kernels::conv_direct::DirectConv`) against
//! the loops of the definition (`kernels::conv_naive`), shared by the native
//! test (`tests/conv_direct.rs`: the portable `[f32; 4]` tiles) and the wasm
//! one (`groundup-web/tests/conv.rs`: the `v128` tiles, simd128 and relaxed
//! builds), so both check the same shapes the same way. Only ndarray and
//! groundup: no random-number crate.

use groundup::kernels::conv::{ConvCache, ConvDims, ConvKernels};
use groundup::kernels::conv_direct::DirectConv;
use groundup::kernels::conv_naive::{conv2d_backward_naive, conv2d_forward_naive};
use ndarray::Array4;

/// (N, C, O, H, W, k, pad): channels and filters not multiples of 4, more
/// than one 16-wide chunk (O = 20, C = 18), odd and even k, "same" and
/// "valid", 1×1 outputs, batch 1 and > 1, the paper CNN's two layers (small N).
pub const SHAPES: [(usize, usize, usize, usize, usize, usize, usize); 14] = [
    (1, 1, 1, 1, 1, 1, 0),
    (2, 3, 5, 7, 9, 3, 1),
    (2, 1, 8, 28, 28, 5, 2),
    (3, 8, 16, 14, 14, 5, 2),
    (2, 5, 17, 6, 7, 3, 0),
    (1, 2, 3, 5, 5, 5, 0),
    (2, 13, 6, 4, 9, 1, 0),
    (2, 4, 20, 6, 5, 5, 2),
    (1, 18, 3, 5, 6, 3, 1),
    (2, 3, 4, 6, 6, 4, 1),
    (3, 2, 7, 5, 4, 2, 0),
    (1, 6, 12, 3, 11, 3, 1),
    (4, 1, 1, 9, 2, 1, 0),
    (1, 7, 9, 8, 8, 5, 2),
];

/// Uniform values in [-1, 1) from a xorshift stream.
pub fn random4(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Array4::from_shape_simple_fn(shape, || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    })
}

/// Each `fast[i]` within `rel · scale[i] + 1e-6` of `exact[i]` (scale: the
/// sum of |terms|, so cancellation cannot make a right answer look wrong).
fn assert_close(fast: &[f32], exact: &[f64], scale: &[f64], what: &str) {
    assert_eq!(fast.len(), exact.len(), "{what}: lengths");
    for (i, ((&f, &e), &s)) in fast.iter().zip(exact).zip(scale).enumerate() {
        let diff = (f64::from(f) - e).abs();
        assert!(diff <= 1e-5 * s + 1e-6, "{what}: element {i}: fast {f} vs exact {e}");
    }
}

fn wide(a: &Array4<f32>) -> Array4<f64> {
    a.mapv(f64::from)
}

fn flat64<D: ndarray::Dimension>(a: &ndarray::Array<f64, D>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// Forward (with and without bias), ∂W and ∂b added to what was there, and
/// ∂X, of [`DirectConv`] against the naive loops in f64 on the same f32
/// values, for one shape.
pub fn check_direct(shape: (usize, usize, usize, usize, usize, usize, usize), seed: u64) {
    let (n, c, o, h, w, k, pad) = shape;
    let dims = ConvDims { n, c, h, w, o, k, pad };
    let (ho, wo) = dims.out_hw();
    let x = random4((n, c, h, w), seed);
    let wt = random4((o, c, k, k), seed + 1);
    let b = random4((1, 1, 1, o), seed + 2).into_shape_with_order(o).expect("1-D");
    let dy = random4((n, o, ho, wo), seed + 3);
    let what = format!("{shape:?}");

    let mut cache = ConvCache::default();
    for bias in [false, true] {
        let bias_view = bias.then(|| b.view());
        let y = DirectConv.forward(dims, x.view(), wt.view(), bias_view, &mut cache);
        let b64 = b.mapv(f64::from);
        let b_abs = b64.mapv(f64::abs);
        let exact = conv2d_forward_naive(wide(&x).view(), wide(&wt).view(), bias.then(|| b64.view()), pad);
        let scale = conv2d_forward_naive(
            wide(&x).mapv(f64::abs).view(),
            wide(&wt).mapv(f64::abs).view(),
            bias.then(|| b_abs.view()),
            pad,
        );
        assert_eq!(y.dim(), (n, o, ho, wo), "{what}: y shape");
        let y: Vec<f32> = y.iter().copied().collect();
        assert_close(&y, &flat64(&exact), &flat64(&scale), &format!("forward bias {bias} {what}"));
    }

    let (dx_exact, dw_exact, db_exact) =
        conv2d_backward_naive(wide(&x).view(), wide(&wt).view(), wide(&dy).view(), pad);
    let (dx_scale, dw_scale, db_scale) = conv2d_backward_naive(
        wide(&x).mapv(f64::abs).view(),
        wide(&wt).mapv(f64::abs).view(),
        wide(&dy).mapv(f64::abs).view(),
        pad,
    );
    // Gradients are added to what is there.
    let dw0 = random4((o, c, k, k), seed + 4);
    let db0 = random4((1, 1, 1, o), seed + 5).into_shape_with_order(o).expect("1-D");
    let (mut dw, mut db) = (dw0.clone(), db0.clone());
    let dx =
        DirectConv.backward(dims, &cache, wt.view(), dy.view(), dw.view_mut(), Some(db.view_mut()), true);
    let dx = dx.expect("∂X was asked for");
    assert_eq!(dx.dim(), (n, c, h, w), "{what}: ∂X shape");
    let dx: Vec<f32> = dx.iter().copied().collect();
    assert_close(&dx, &flat64(&dx_exact), &flat64(&dx_scale), &format!("∂X {what}"));
    let added =
        |a: &Array4<f32>, a0: &Array4<f32>| a.iter().zip(a0).map(|(&v, &v0)| v - v0).collect::<Vec<f32>>();
    // The subtraction of what was there rounds too: its size joins the scale.
    let dw_scale_added: Vec<f64> = dw_scale.iter().zip(&dw0).map(|(&s, &v)| s + f64::from(v.abs())).collect();
    assert_close(&added(&dw, &dw0), &flat64(&dw_exact), &dw_scale_added, &format!("∂W {what}"));
    let db_added: Vec<f32> = db.iter().zip(&db0).map(|(&v, &v0)| v - v0).collect();
    let db_scale: Vec<f64> = db_scale.iter().zip(&db0).map(|(&s, &v)| s + f64::from(v.abs())).collect();
    assert_close(&db_added, &flat64(&db_exact), &db_scale, &format!("∂b {what}"));

    // A first layer's backward: ∂W only, the same sums.
    let mut dw_only = Array4::zeros((o, c, k, k));
    let none = DirectConv.backward(dims, &cache, wt.view(), dy.view(), dw_only.view_mut(), None, false);
    assert!(none.is_none(), "{what}: no ∂X unless asked");
    let dw_only: Vec<f32> = dw_only.iter().copied().collect();
    assert_close(&dw_only, &flat64(&dw_exact), &flat64(&dw_scale), &format!("∂W only {what}"));
}
