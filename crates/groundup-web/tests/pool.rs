//! The wasm v128 rows of the 2×2 max pool (`groundup::kernels::pool_wasm`)
//! against the naive loops, in headless Chromium: native tests only reach
//! the portable rows. Run with `scripts/test-wasm.sh`.
#![cfg(target_arch = "wasm32")]

use groundup::kernels::pool::{
    max_pool_backward, max_pool_backward_naive, max_pool_forward, max_pool_forward_naive,
};
use ndarray::Array4;
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Values from {0, …, levels − 1} (ties in most windows when levels is small), from a xorshift stream.
fn image(shape: (usize, usize, usize, usize), levels: u64, seed: u64) -> Array4<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Array4::from_shape_simple_fn(shape, || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ((x >> 11) % levels) as f32 - (levels / 2) as f32
    })
}

// Forward values and backward gradients equal the naive twin's exactly, on every width from 2 to 21
// (whole groups of four windows, the scalar tail, odd sides), with ties everywhere and without.
#[wasm_bindgen_test]
fn simd_max_pool_matches_naive() {
    for levels in [3, 1 << 20] {
        for w in 2..=21 {
            for h in [2, 5] {
                let what = format!("{h}×{w}, {levels} levels");
                let x = image((2, 3, h, w), levels, (w * 31 + h) as u64 + levels);
                let (y, taps) = max_pool_forward(x.view(), 2);
                assert_eq!(y, max_pool_forward_naive(x.view(), 2), "{what}: forward");
                let dy = image(y.dim(), 1 << 20, w as u64 + 7);
                let dx = max_pool_backward(dy.view(), &taps, 2, x.dim());
                assert_eq!(dx, max_pool_backward_naive(x.view(), dy.view(), 2), "{what}: backward");
            }
        }
    }
}
