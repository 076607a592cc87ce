//! The direct f32 convolution (`kernels::conv_direct`, here with its
//! portable `[f32; 4]` tiles) against the naive loops on many shapes, and
//! `Conv2d<f32>` against `Conv2d<f64>` on the same weights. The wasm `v128`
//! tiles run the same checks in `groundup-web/tests/conv.rs`.

mod conv_check;

use conv_check::{check_direct, random4, SHAPES};
use groundup::kernels::conv::{ConvCache, ConvDims, ConvKernels, Im2colConv};
use groundup::layers::{Conv2d, Layer, Mode, Padding};
use groundup::Init;
use ndarray::{Array4, ArrayD};
use rand::SeedableRng;

// Forward (± bias), ∂W and ∂b (added to what was there), ∂X and the ∂W-only backward, 14 shapes.
#[test]
fn direct_conv_matches_naive() {
    for (i, &shape) in SHAPES.iter().enumerate() {
        check_direct(shape, 10 * i as u64 + 1);
    }
}

// The scratch buffers are reused: a big call, then a small one, then the big one again give the same answers.
#[test]
fn direct_conv_reuses_scratch_across_shapes() {
    for &i in &[3, 0, 7, 3, 1] {
        check_direct(SHAPES[i], 99);
    }
}

// The f32 im2col kernels (what f64 and native f32 run) agree with the direct ones.
#[test]
fn direct_and_im2col_f32_agree() {
    let (n, c, o, h, w, k, pad) = (3, 8, 16, 14, 14, 5, 2);
    let dims = ConvDims { n, c, h, w, o, k, pad };
    let (x, wt, dy) = (random4((n, c, h, w), 1), random4((o, c, k, k), 2), random4((n, o, h, w), 3));
    let b = random4((1, 1, 1, o), 4).into_shape_with_order(o).unwrap();
    let kernels: [&dyn ConvKernels<f32>; 2] = [&Im2colConv, &groundup::kernels::conv_direct::DirectConv];
    let results: Vec<_> = kernels
        .iter()
        .map(|kern| {
            let mut cache = ConvCache::default();
            let y = kern.forward(dims, x.view(), wt.view(), Some(b.view()), &mut cache);
            let (mut dw, mut db) = (Array4::zeros((o, c, k, k)), ndarray::Array1::zeros(o));
            let dx =
                kern.backward(dims, &cache, wt.view(), dy.view(), dw.view_mut(), Some(db.view_mut()), true);
            (y, dx.unwrap(), dw, db)
        })
        .collect();
    let close = |a: &[f32], b: &[f32], tol: f32, what: &str| {
        for (i, (&u, &v)) in a.iter().zip(b).enumerate() {
            assert!((u - v).abs() <= tol * (1.0 + v.abs()), "{what} {i}: {u} vs {v}");
        }
    };
    let (a, b) = (&results[0], &results[1]);
    close(a.0.as_slice().unwrap(), b.0.as_slice().unwrap(), 1e-4, "y");
    close(a.1.as_slice().unwrap(), b.1.as_slice().unwrap(), 1e-4, "∂X");
    close(a.2.as_slice().unwrap(), b.2.as_slice().unwrap(), 1e-3, "∂W");
    close(a.3.as_slice().unwrap(), b.3.as_slice().unwrap(), 1e-3, "∂b");
}

// Conv2d<f32> (the training path) equals Conv2d<f64> (the gradient checks' path) on the same weights:
// forward, ∂X, ∂W and ∂b, for "same" and "valid", with and without bias, through backward and backward_params_only.
#[test]
fn conv2d_f32_matches_f64() {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(5);
    for (c, o, k, padding, bias) in
        [(1, 8, 5, Padding::Same, false), (8, 16, 5, Padding::Same, true), (3, 5, 3, Padding::Valid, true)]
    {
        let (n, h, w) = (2, 9, 8);
        let mut l64 = Conv2d::<f64>::new((c, h, w), o, k, padding, bias, Init::He, &mut rng);
        let mut l32 = Conv2d::<f32>::new((c, h, w), o, k, padding, bias, Init::He, &mut rng);
        for (p32, p64) in l32.params_mut().into_iter().zip(l64.params_mut()) {
            let len = p64.value.len();
            let values = random4((1, 1, 1, len), p64.value.len() as u64);
            p32.value = ArrayD::from_shape_vec(p64.value.shape(), values.iter().copied().collect()).unwrap();
            p64.value = p32.value.mapv(f64::from);
        }
        let x = random4((n, c, h, w), 7).into_dyn();
        let y32 = l32.forward(x.clone(), Mode::Train);
        let y64 = l64.forward(x.mapv(f64::from), Mode::Train);
        let what = format!("c {c} o {o} k {k} {padding:?} bias {bias}");
        assert_eq!(y32.shape(), y64.shape(), "{what}");
        let close = |a: &ArrayD<f32>, b: &ArrayD<f64>, part: &str| {
            assert_eq!(a.shape(), b.shape(), "{what} {part}");
            for (&u, &v) in a.iter().zip(b) {
                assert!(
                    (f64::from(u) - v).abs() <= 1e-5 * (1.0 + v.abs()) * 10.0,
                    "{what} {part}: {u} vs {v}"
                );
            }
        };
        close(&y32, &y64, "y");
        let dy = random4((n, o, y32.shape()[2], y32.shape()[3]), 8).into_dyn();
        let dx32 = l32.backward(dy.clone());
        let dx64 = l64.backward(dy.mapv(f64::from));
        close(&dx32, &dx64, "∂X");
        l32.forward(x.clone(), Mode::Train);
        l32.backward_params_only(dy.clone());
        l64.forward(x.mapv(f64::from), Mode::Train);
        l64.backward_params_only(dy.mapv(f64::from));
        for (p32, p64) in l32.params().into_iter().zip(l64.params()) {
            close(&p32.grad, &p64.grad, p64.name);
        }
    }
}
