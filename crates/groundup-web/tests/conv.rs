//! The wasm `v128` tiles of the direct convolution
//! (`groundup::kernels::conv_direct`) against the naive loops, in headless
//! Chromium: native tests only reach the portable `[f32; 4]` tiles. The
//! checks are the native test's (`groundup/tests/conv_check`), so both
//! builds (simd128, and relaxed with `f32x4.relaxed_madd`) meet the same
//! shapes and tolerances. Run with `scripts/test-wasm.sh`.
#![cfg(target_arch = "wasm32")]

#[path = "../../groundup/tests/conv_check/mod.rs"]
mod conv_check;

use conv_check::{check_direct, random4, SHAPES};
use groundup::kernels::conv_naive::{conv2d_backward_naive, conv2d_forward_naive};
use groundup::layers::{Conv2d, Layer, Mode, Padding};
use groundup::presets::preset;
use groundup::train::Trainer;
use groundup::Init;
use ndarray::{Array4, ArrayD, Ix4};
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// Forward (± bias), ∂W and ∂b (added to what was there), ∂X and the ∂W-only backward, 14 shapes.
#[wasm_bindgen_test]
fn simd_direct_conv_matches_naive() {
    for (i, &shape) in SHAPES.iter().enumerate() {
        check_direct(shape, 10 * i as u64 + 1);
    }
}

// Conv2d<f32> in wasm (which takes the direct kernels) against the naive loops: the layer's wiring
// (weights, bias, cache, backward_params_only) on the paper CNN's conv2 shape with a bias.
#[wasm_bindgen_test]
fn conv2d_f32_layer_matches_naive() {
    let p = preset("paper-cnn").expect("paper-cnn preset");
    let mut trainer = Trainer::new(&p.spec, &p.train).expect("trainer");
    let (n, c, o, side, k) = (2, 8, 16, 9, 5);
    let mut layer = Conv2d::<f32>::new((c, side, side), o, k, Padding::Same, true, Init::He, trainer.rng());
    for (i, p) in layer.params_mut().into_iter().enumerate() {
        let len = p.value.len();
        let values = random4((1, 1, 1, len), 40 + i as u64);
        p.value = ArrayD::from_shape_vec(p.value.shape(), values.iter().copied().collect()).expect("shape");
    }
    let params = layer.params();
    let w = params[0].value.mapv(f64::from).into_dimensionality::<Ix4>().expect("4-D");
    let b = params[1].value.mapv(f64::from).into_dimensionality::<ndarray::Ix1>().expect("1-D");
    let x = random4((n, c, side, side), 50);
    let dy = random4((n, o, side, side), 51);
    let y = layer.forward(x.clone().into_dyn(), Mode::Train);
    let y_exact = conv2d_forward_naive(x.mapv(f64::from).view(), w.view(), Some(b.view()), 2);
    let dx = layer.backward(dy.clone().into_dyn());
    let (dx_exact, dw_exact, db_exact) =
        conv2d_backward_naive(x.mapv(f64::from).view(), w.view(), dy.mapv(f64::from).view(), 2);
    let close = |fast: &ArrayD<f32>, exact: &Array4<f64>, tol: f64, what: &str| {
        for (&f, &e) in fast.iter().zip(exact) {
            assert!((f64::from(f) - e).abs() <= tol * (1.0 + e.abs()), "{what}: {f} vs {e}");
        }
    };
    close(&y, &y_exact, 1e-5, "y");
    close(&dx, &dx_exact, 1e-5, "∂X");
    let params = layer.params();
    close(&params[0].grad, &dw_exact, 1e-4, "∂W");
    for (&f, &e) in params[1].grad.iter().zip(&db_exact) {
        assert!((f64::from(f) - e).abs() <= 1e-4 * (1.0 + e.abs()), "∂b: {f} vs {e}");
    }
    // backward_params_only adds the same ∂W again.
    let dw_once = params[0].grad.clone();
    layer.forward(x.into_dyn(), Mode::Train);
    layer.backward_params_only(dy.into_dyn());
    for (&twice, &once) in layer.params()[0].grad.iter().zip(&dw_once) {
        assert!(
            (twice - 2.0 * once).abs() <= 1e-4 * (1.0 + once.abs()),
            "∂W accumulates: {twice} vs 2·{once}"
        );
    }
}
