//! Convolution benchmarks: the layer (or its former im2col computation) as
//! a whole, and the direct kernels' stages one at a time.

use std::hint::black_box;

use groundup::kernels::conv::{ConvCache, ConvDims, ConvKernels, Im2colConv};
use groundup::kernels::conv_direct;
use groundup::kernels::im2col::output_side;
use groundup::layers::{Conv2d, Layer, Mode, Padding};
use groundup::train::Trainer;
use groundup::Init;
use ndarray::Array4;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{check_ms, measure, paper_cnn_trainer, random_4d, random_vec, to_js, Measurement};

// ---- the convolution layer ------------------------------------------------------

struct ConvCase {
    n: usize,
    c: usize,
    o: usize,
    side: usize,
    k: usize,
    pad: usize,
    out: usize,
}

impl ConvCase {
    fn new(
        batch: usize,
        channels: usize,
        filters: usize,
        side: usize,
        kernel: usize,
    ) -> Result<Self, JsError> {
        if batch == 0 || channels == 0 || filters == 0 || kernel == 0 || kernel % 2 == 0 || side < kernel {
            return Err(JsError::new("need batch, channels, filters ≥ 1, an odd kernel and side ≥ kernel"));
        }
        let pad = Padding::Same.amount(kernel);
        let out = output_side(side, kernel, pad);
        Ok(Self { n: batch, c: channels, o: filters, side, k: kernel, pad, out })
    }

    /// Useful flops of the forward product: 2·N·O·C·k²·Ho·Wo.
    fn forward_flops(&self) -> f64 {
        2.0 * (self.n * self.o * self.c * self.k * self.k * self.out * self.out) as f64
    }

    fn dims(&self) -> ConvDims {
        ConvDims { n: self.n, c: self.c, h: self.side, w: self.side, o: self.o, k: self.k, pad: self.pad }
    }

    fn layer(&self, trainer: &mut Trainer) -> Conv2d<f32> {
        // Paper CNN: "same" padding, no bias, He initialisation.
        Conv2d::new(
            (self.c, self.side, self.side),
            self.o,
            self.k,
            Padding::Same,
            false,
            Init::He,
            trainer.rng(),
        )
    }
}

/// Forward + backward of a convolution ("same" padding, no bias: the paper
/// CNN's) on a random batch (N, C, side, side) and a random output gradient.
/// `path` picks what runs: `"layer"` (default) is `groundup::layers::Conv2d`
/// through the `Layer` trait in `Mode::Train`, what training runs (in wasm:
/// `kernels::conv_direct`); `"im2col"` is `kernels::conv::Im2colConv` on the
/// same shapes, the layer's computation before the direct kernels (im2col +
/// `kernels::gemm` products + col2im), for a same-run comparison. Useful
/// flops: 2·N·O·C·k²·Ho·Wo for the forward and twice that for the
/// backward's two (∂W and ∂X). With `params_only`, backward is
/// `backward_params_only` — what a network does for its first layer — and
/// only ∂W counts. Each call also copies the input and the gradient into
/// fresh arrays (the layer takes them by value); that is < 1 % of the time.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn conv_gflops(
    batch: usize,
    channels: usize,
    filters: usize,
    side: usize,
    kernel: usize,
    ms: f64,
    params_only: Option<bool>,
    path: Option<String>,
) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    let case = ConvCase::new(batch, channels, filters, side, kernel)?;
    let params_only = params_only.unwrap_or(false);
    let x = random_4d((case.n, case.c, case.side, case.side), 3);
    let dy = random_4d((case.n, case.o, case.out, case.out), 4);
    let flops = case.forward_flops() * if params_only { 2.0 } else { 3.0 };
    let pass = if params_only { "forward + ∂W (first layer)" } else { "forward + ∂W + ∂X" };
    let r = match path.as_deref().unwrap_or("layer") {
        "layer" => {
            let mut trainer = paper_cnn_trainer(batch)?;
            let mut layer = case.layer(&mut trainer);
            let (x, dy) = (x.into_dyn(), dy.into_dyn());
            measure(ms, flops, format!("Conv2d<f32>, {pass}"), || {
                black_box(layer.forward(x.clone(), Mode::Train));
                if params_only {
                    layer.backward_params_only(dy.clone());
                } else {
                    black_box(layer.backward(dy.clone()));
                }
                for p in layer.params_mut() {
                    p.zero_grad();
                }
            })
        }
        "im2col" => {
            let dims = case.dims();
            let w = random_4d((case.o, case.c, case.k, case.k), 5);
            let mut dw = Array4::<f32>::zeros(w.raw_dim());
            let mut cache = ConvCache::default();
            measure(ms, flops, format!("Im2colConv, {pass}"), || {
                black_box(Im2colConv.forward(dims, x.clone().view(), w.view(), None, &mut cache));
                let dx = Im2colConv.backward(
                    dims,
                    &cache,
                    w.view(),
                    dy.clone().view(),
                    dw.view_mut(),
                    None,
                    !params_only,
                );
                black_box(dx);
            })
        }
        other => return Err(JsError::new(&format!("path must be layer or im2col, got {other}"))),
    };
    Ok(to_js(&r))
}

#[derive(Serialize)]
struct Stage {
    stage: &'static str,
    #[serde(flatten)]
    m: Measurement,
}

/// Where the direct convolution's time goes (`kernels::conv_direct`, what
/// `Conv2d<f32>` runs in wasm): each stage of its forward and backward
/// timed on its own with the layer's shapes, `ms` split between them.
/// Stages that are copies report 0 flops; the tile stages include packing
/// the (tiny) weights.
#[wasm_bindgen]
pub fn conv_breakdown(
    batch: usize,
    channels: usize,
    filters: usize,
    side: usize,
    kernel: usize,
    ms: f64,
) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    let case = ConvCase::new(batch, channels, filters, side, kernel)?;
    let d = case.dims();
    let (n, c, o, out) = (case.n, case.c, case.o, case.out);
    let each = ms / 8.0;
    let product = case.forward_flops();
    let x = random_vec(n * c * case.side * case.side, 3, -1.0, 1.0);
    let w = random_vec(o * c * case.k * case.k, 5, -1.0, 1.0);
    let dy = random_vec(n * o * out * out, 4, -1.0, 1.0);
    let (mut padded, mut packed, mut chunked, mut delta, mut rows) = (vec![], vec![], vec![], vec![], vec![]);
    let mut stages = Vec::new();
    let mut push = |stage, m| stages.push(Stage { stage, m });

    let hp = case.side + 2 * case.pad;
    push(
        "pad x → channels-last",
        measure(each, 0.0, format!("({n},{c},{s},{s}) → ({n},{hp},{hp},{c})", s = case.side), || {
            conv_direct::pad_input(&x, d, &mut padded);
            black_box(&mut padded);
        }),
    );
    push(
        "forward tiles",
        measure(
            each,
            product,
            format!("pack W, then y[pos,o] = Σ x_pad·W, {o} channels as vectors"),
            || {
                conv_direct::forward_tiles(d, &padded, &w, None, &mut packed, &mut chunked);
                black_box(&mut chunked);
            },
        ),
    );
    let mut y = vec![0.0f32; n * o * out * out];
    push(
        "y → NCHW",
        measure(each, 0.0, "(N·Ho·Wo, O) → (N,O,Ho,Wo) copy".into(), || {
            conv_direct::to_nchw(&chunked, (n, o, out * out), &mut y);
            black_box(&mut y);
        }),
    );
    push(
        "δ → channels-last",
        measure(each, 0.0, "(N,O,Ho,Wo) → (N·Ho·Wo, O) copy".into(), || {
            conv_direct::delta_channels_last(&dy, d, &mut delta);
            black_box(&mut delta);
        }),
    );
    let mut dw = vec![0.0f32; w.len()];
    push(
        "∂W tiles",
        measure(each, product, "∂W[tap,o] += Σ_pos x_pad[pos+tap]·δ[pos,o]".into(), || {
            conv_direct::grad_w_tiles(d, &padded, &delta, &mut rows, &mut dw);
            black_box(&mut dw);
        }),
    );
    let p = case.k - 1 - case.pad;
    push(
        "δ → padded channels-last",
        measure(each, 0.0, format!("(N,O,Ho,Wo) → (N,Ho+{},Wo+{},O) copy", 2 * p, 2 * p), || {
            conv_direct::delta_padded(&dy, d, &mut delta);
            black_box(&mut delta);
        }),
    );
    push(
        "∂X tiles",
        measure(each, product, format!("pack rotated W, then δ_pad·W', {c} channels as vectors"), || {
            conv_direct::grad_x_tiles(d, &delta, &w, &mut packed, &mut chunked);
            black_box(&mut chunked);
        }),
    );
    let mut dx = vec![0.0f32; n * c * case.side * case.side];
    push(
        "∂X → NCHW",
        measure(each, 0.0, "(N·H·W, C) → (N,C,H,W) copy".into(), || {
            conv_direct::to_nchw(&chunked, (n, c, case.side * case.side), &mut dx);
            black_box(&mut dx);
        }),
    );
    Ok(to_js(&stages))
}
