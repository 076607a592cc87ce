//! Kernel microbenchmarks for the browser (feature `kernel-bench`, never in
//! the app's build): GFLOP/s of the matrix product and of the convolution
//! layer, next to the peak of a plain wasm SIMD multiply-add loop measured in
//! the same worker, so that "how close to the machine's limit are we?" is a
//! same-run ratio on a noisy, shared machine.
//!
//! Driven by `bench/kernels/run.sh` (see `bench/README.md`). Every function
//! warms up first (V8 compiles wasm with its baseline compiler, Liftoff, and
//! swaps in optimised TurboFan code once a function is hot), then times
//! repetitions of at least [`REP_MS`] each until `ms` milliseconds have
//! passed, and reports the median and the fastest repetition.
//!
//! Flops are counted as 2 per multiply-add of the mathematical operation,
//! never for padding, packing or copies: an im2col convolution's "useful"
//! flops are those of the direct convolution.

use std::hint::black_box;

use groundup::kernels::gemm::{sgemm_blocked, Blocking};
use groundup::kernels::matmul::{mat_mul_into, matmul_naive};
use groundup::layers::{Conv2d, Dense, Flatten, Layer, LeakyRelu, MaxPool2d, Mode, Padding};
use groundup::loss::softmax_cross_entropy;
use groundup::presets::preset;
use groundup::train::Trainer;
use groundup::Init;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Array4, ArrayD};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` of the worker or page (milliseconds; 5 µs steps
    /// when the page is cross-origin isolated, 100 µs otherwise).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Shortest timed repetition: 400× the timer's step on a cross-origin
/// isolated page (5 µs), and short enough that some repetitions run
/// undisturbed on a shared machine (the fastest is reported beside the median).
const REP_MS: f64 = 2.0;
/// Least time spent warming up (tier-up to optimised code, caches, allocator).
const MIN_WARMUP_MS: f64 = 150.0;
/// Fewest timed repetitions a median is taken over.
const MIN_REPS: usize = 5;

/// One kernel's result, as JS reads it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Measurement {
    /// Useful flops per second of the median repetition, in 10⁹.
    gflops: f64,
    /// The same for the fastest repetition: the least disturbed on a shared machine.
    best_gflops: f64,
    /// Useful flops of one call.
    flops: f64,
    /// Milliseconds per call: median, fastest and slowest repetition.
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    /// Timed repetitions and calls in each.
    reps: usize,
    calls_per_rep: usize,
    /// What the variant was (accumulators of a peak loop, layout of a product, …).
    detail: String,
}

/// Per-call times of `f` (ms), one per timed repetition, after a warm-up
/// that also sizes a repetition to last at least [`REP_MS`].
fn time_calls(ms: f64, mut f: impl FnMut()) -> (Vec<f64>, usize) {
    let start = performance_now();
    // Warm-up and calibration: how long is one call once the code is hot?
    let mut calls = 0usize;
    let mut last = f64::INFINITY;
    let warmup = MIN_WARMUP_MS.max(ms / 5.0);
    while calls < 2 || performance_now() - start < warmup {
        let t = performance_now();
        f();
        last = last.min(performance_now() - t);
        calls += 1;
    }
    let per_rep = ((REP_MS / last.max(1e-3)).ceil() as usize).max(1);
    let mut reps = Vec::new();
    let timed = performance_now();
    while reps.len() < MIN_REPS || performance_now() - timed < ms {
        let t = performance_now();
        for _ in 0..per_rep {
            f();
        }
        reps.push((performance_now() - t) / per_rep as f64);
    }
    (reps, per_rep)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn measure(ms: f64, flops: f64, detail: String, f: impl FnMut()) -> Measurement {
    let (reps, calls_per_rep) = time_calls(ms, f);
    let median_ms = median(&reps);
    let min_ms = reps.iter().copied().fold(f64::INFINITY, f64::min);
    Measurement {
        gflops: flops / (median_ms * 1e6),
        best_gflops: flops / (min_ms * 1e6),
        flops,
        median_ms,
        min_ms,
        max_ms: reps.iter().copied().fold(0.0, f64::max),
        reps: reps.len(),
        calls_per_rep,
        detail,
    }
}

fn to_js(value: &impl Serialize) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).expect("plain data always converts")
}

fn check_ms(ms: f64) -> Result<(), JsError> {
    if ms.is_finite() && (1.0..=600_000.0).contains(&ms) {
        Ok(())
    } else {
        Err(JsError::new(&format!("ms must be in [1, 600000], got {ms}")))
    }
}

// ---- data -------------------------------------------------------------------

/// Uniform values in [lo, hi) from a xorshift stream: benchmark data only.
fn random_vec(len: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            lo + (hi - lo) * ((s >> 40) as f32 / (1u64 << 24) as f32)
        })
        .collect()
}

fn random_matrix(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    Array2::from_shape_vec((rows, cols), random_vec(rows * cols, seed, -1.0, 1.0)).expect("sizes match")
}

fn random_4d(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f32> {
    let len = shape.0 * shape.1 * shape.2 * shape.3;
    Array4::from_shape_vec(shape, random_vec(len, seed, -1.0, 1.0)).expect("sizes match")
}

/// A trainer of the paper's CNN: its public random stream initialises
/// stand-alone layers exactly as a network's are (He / Glorot from the
/// core's `Init`), without this crate naming `rand` itself.
fn paper_cnn_trainer(batch: usize) -> Result<Trainer, JsError> {
    let p = preset("paper-cnn").ok_or_else(|| JsError::new("no paper-cnn preset"))?;
    let mut config = p.train;
    config.batch_size = batch;
    Trainer::new(&p.spec, &config).map_err(|e| JsError::new(&e.to_string()))
}

// ---- the machine's peak: a plain SIMD multiply-add loop -----------------------

/// `iters` rounds of `acc = acc·m + m` on `N` independent f32x4 chains held
/// in registers: 8 flops (4 lanes × mul + add) per chain per round. The
/// chains hide the mul→add latency (3–4 cycles each); `m` close to 1 keeps
/// every value finite and normal. Distinct, opaque starting values stop the
/// compiler from merging chains.
#[cfg(target_arch = "wasm32")]
#[inline(never)]
fn mul_add_chains<const N: usize>(iters: u32, seed: f32) -> f32 {
    use core::arch::wasm32::{f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, v128};
    let m = f32x4_splat(black_box(0.999_999_f32));
    let mut acc: [v128; N] = black_box(core::array::from_fn(|j| f32x4_splat(seed + j as f32)));
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = f32x4_add(f32x4_mul(*a, m), m);
        }
    }
    acc.iter().map(|&a| f32x4_extract_lane::<0>(a) + f32x4_extract_lane::<3>(a)).sum()
}

/// As [`mul_add_chains`] with one fused multiply-add (relaxed SIMD's
/// `f32x4.relaxed_madd`, an FMA on x86 with FMA3) per chain per round.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "relaxed-simd")]
#[inline(never)]
fn fma_chains<const N: usize>(iters: u32, seed: f32) -> f32 {
    use core::arch::wasm32::{f32x4_extract_lane, f32x4_relaxed_madd, f32x4_splat, v128};
    let m = f32x4_splat(black_box(0.999_999_f32));
    let mut acc: [v128; N] = black_box(core::array::from_fn(|j| f32x4_splat(seed + j as f32)));
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = f32x4_relaxed_madd(*a, m, m);
        }
    }
    acc.iter().map(|&a| f32x4_extract_lane::<0>(a) + f32x4_extract_lane::<3>(a)).sum()
}

/// Scalar stand-ins so the module also builds (and lints) for the host.
#[cfg(not(target_arch = "wasm32"))]
fn mul_add_chains<const N: usize>(iters: u32, seed: f32) -> f32 {
    let mut acc: [f32; N] = black_box(core::array::from_fn(|j| seed + j as f32));
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = *a * 0.999_999 + 0.999_999;
        }
    }
    acc.iter().sum()
}

#[cfg(not(target_arch = "wasm32"))]
fn fma_chains<const N: usize>(iters: u32, seed: f32) -> f32 {
    mul_add_chains::<N>(iters, seed)
}

const PEAK_ITERS: u32 = 1 << 14;

fn peak<const N: usize>(ms: f64, fused: bool) -> Measurement {
    let mut sink = 0.0f32;
    let flops = 8.0 * N as f64 * f64::from(PEAK_ITERS);
    let kind = if fused { "relaxed_madd" } else { "f32x4.mul + f32x4.add" };
    let m = measure(ms, flops, format!("{kind}, {N} chains"), || {
        // A relaxed-SIMD function is safe to call in wasm: an engine without
        // the feature rejects the whole module at validation, never mid-run
        // (the benchmark page needs Chromium ≥ 114).
        let r = if fused { fma_chains::<N>(PEAK_ITERS, sink) } else { mul_add_chains::<N>(PEAK_ITERS, sink) };
        sink = black_box(r) * 1e-30;
    });
    black_box(sink);
    m
}

#[derive(Serialize)]
struct Peak {
    #[serde(flatten)]
    best: Measurement,
    variants: Vec<Measurement>,
}

fn best_of(variants: Vec<Measurement>) -> JsValue {
    let i =
        (0..variants.len()).max_by(|&a, &b| variants[a].gflops.total_cmp(&variants[b].gflops)).expect("≥1");
    let best = Measurement { detail: variants[i].detail.clone(), ..variants[i] };
    to_js(&Peak { best, variants })
}

/// The attainable single-thread f32 SIMD peak of this browser on this
/// machine: [`mul_add_chains`] with 8, 12, 14 and 16 chains (`ms` split between
/// them), best kept; `variants` has each.
#[wasm_bindgen]
pub fn peak_simd_gflops(ms: f64) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    Ok(best_of(vec![
        peak::<8>(ms / 4.0, false),
        peak::<12>(ms / 4.0, false),
        peak::<14>(ms / 4.0, false),
        peak::<16>(ms / 4.0, false),
    ]))
}

/// The same with fused multiply-adds (relaxed SIMD), 8, 10 and 12 chains.
#[wasm_bindgen]
pub fn peak_fma_gflops(ms: f64) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    Ok(best_of(vec![peak::<8>(ms / 3.0, true), peak::<10>(ms / 3.0, true), peak::<12>(ms / 3.0, true)]))
}

/// Whether this module was built with relaxed SIMD on for all code, so that
/// `matrixmultiply`'s kernel uses `relaxed_madd` (FMA).
#[wasm_bindgen]
pub fn built_with_relaxed_simd() -> bool {
    cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"))
}

// ---- the sgemm micro-kernel alone ------------------------------------------------

/// Micro-kernels of a blocked sgemm: one C tile (MR×8) += a packed A panel
/// (k×MR) · a packed B panel (k×8), both in L1 — the inner loop of
/// `matrixmultiply` with its packing, blocking and C updates taken away.
#[cfg(target_arch = "wasm32")]
mod micro {
    use core::arch::wasm32::*;

    macro_rules! madd {
        (plain, $a:expr, $b:expr, $c:expr) => {
            f32x4_add(f32x4_mul($a, $b), $c)
        };
        (fused, $a:expr, $b:expr, $c:expr) => {
            f32x4_relaxed_madd($a, $b, $c)
        };
    }

    /// Row `$i` of the tile += lane `$n` of `$av` (splat by a shuffle) · (b1, b2).
    macro_rules! shuffle_row {
        ($mode:ident, $ab:ident, $i:literal, $av:ident, $n:literal, $b1:ident, $b2:ident) => {
            let s = i32x4_shuffle::<$n, $n, $n, $n>($av, $av);
            $ab[$i][0] = madd!($mode, $b1, s, $ab[$i][0]);
            $ab[$i][1] = madd!($mode, $b2, s, $ab[$i][1]);
        };
    }

    /// `matrixmultiply` 0.3.11's wasm simd128 kernel (8×8 tile, 16
    /// accumulators, each A lane splat by `i32x4.shuffle`); with `fused`,
    /// `relaxed_madd` as it uses under `+relaxed-simd`.
    macro_rules! shuffle_8x8 {
        ($name:ident, $mode:ident $(, $tf:literal)?) => {
            $(#[target_feature(enable = $tf)])?
            #[inline(never)]
            pub fn $name(k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
                assert!(a.len() >= 8 * k && b.len() >= 8 * k && c.len() >= 64);
                let zero = f32x4_splat(0.0);
                let mut ab = [[zero; 2]; 8];
                for p in 0..k {
                    // SAFETY: in bounds by the assert; v128 loads need no alignment in wasm.
                    let (a1, a2, b1, b2) = unsafe {
                        let (pa, pb) = (a.as_ptr().add(8 * p), b.as_ptr().add(8 * p));
                        (
                            v128_load(pa as *const v128),
                            v128_load(pa.add(4) as *const v128),
                            v128_load(pb as *const v128),
                            v128_load(pb.add(4) as *const v128),
                        )
                    };
                    shuffle_row!($mode, ab, 0, a1, 0, b1, b2);
                    shuffle_row!($mode, ab, 1, a1, 1, b1, b2);
                    shuffle_row!($mode, ab, 2, a1, 2, b1, b2);
                    shuffle_row!($mode, ab, 3, a1, 3, b1, b2);
                    shuffle_row!($mode, ab, 4, a2, 0, b1, b2);
                    shuffle_row!($mode, ab, 5, a2, 1, b1, b2);
                    shuffle_row!($mode, ab, 6, a2, 2, b1, b2);
                    shuffle_row!($mode, ab, 7, a2, 3, b1, b2);
                }
                store(&ab, c);
            }
        };
    }

    /// MR×8 tile with each A element broadcast straight from memory
    /// (`v128.load32_splat`, a load-port `vbroadcastss` on x86) instead of
    /// a shuffle: 2·MR accumulators, fewer FP-pipe instructions.
    macro_rules! splat_mrx8 {
        ($name:ident, $mode:ident $(, $tf:literal)?) => {
            $(#[target_feature(enable = $tf)])?
            #[inline(never)]
            pub fn $name<const MR: usize>(k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
                assert!(a.len() >= MR * k && b.len() >= 8 * k && c.len() >= 8 * MR);
                let zero = f32x4_splat(0.0);
                let mut ab = [[zero; 2]; MR];
                for p in 0..k {
                    // SAFETY: in bounds by the assert; v128 loads need no alignment in wasm.
                    unsafe {
                        let (pa, pb) = (a.as_ptr().add(MR * p), b.as_ptr().add(8 * p));
                        let b1 = v128_load(pb as *const v128);
                        let b2 = v128_load(pb.add(4) as *const v128);
                        for (i, row) in ab.iter_mut().enumerate() {
                            let s = v128_load32_splat(pa.add(i) as *const u32);
                            row[0] = madd!($mode, b1, s, row[0]);
                            row[1] = madd!($mode, b2, s, row[1]);
                        }
                    }
                }
                store(&ab, c);
            }
        };
    }

    fn store<const MR: usize>(ab: &[[v128; 2]; MR], c: &mut [f32]) {
        for (i, row) in ab.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                for l in 0..4 {
                    c[8 * i + 4 * j + l] = match l {
                        0 => f32x4_extract_lane::<0>(v),
                        1 => f32x4_extract_lane::<1>(v),
                        2 => f32x4_extract_lane::<2>(v),
                        _ => f32x4_extract_lane::<3>(v),
                    };
                }
            }
        }
    }

    shuffle_8x8!(shuffle_8x8_plain, plain);
    shuffle_8x8!(shuffle_8x8_fused, fused, "relaxed-simd");
    splat_mrx8!(splat_plain, plain);
    splat_mrx8!(splat_fused, fused, "relaxed-simd");
}

/// Depth of a packed panel, as `matrixmultiply`'s KC for f32.
#[cfg(target_arch = "wasm32")]
const MICRO_K: usize = 256;
/// Tiles per call: one call ≈ a few hundred kflop.
#[cfg(target_arch = "wasm32")]
const MICRO_TILES: usize = 32;

/// GFLOP/s of one sgemm micro-kernel on L1-resident panels (k = 256):
/// `mm-8x8-shuffle` is `matrixmultiply`'s wasm kernel as it runs in the
/// app; `splat-4x8` / `-5x8` / `-6x8` broadcast A from memory instead; the
/// `-fma` variants use relaxed SIMD's `relaxed_madd`. The ceiling a
/// blocked product could reach with that kernel; 2·MR·8·k flops per tile.
#[wasm_bindgen]
pub fn microkernel_gflops(variant: &str, ms: f64) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    #[cfg(target_arch = "wasm32")]
    {
        let a = random_vec(8 * MICRO_K, 8, -1.0, 1.0);
        let b = random_vec(8 * MICRO_K, 9, -1.0, 1.0);
        let mut c = vec![0.0f32; 64];
        let kernel: fn(usize, &[f32], &[f32], &mut [f32]) = match variant {
            "mm-8x8-shuffle" => micro::shuffle_8x8_plain,
            "mm-8x8-shuffle-fma" => micro::shuffle_8x8_fused,
            "splat-4x8" => micro::splat_plain::<4>,
            "splat-5x8" => micro::splat_plain::<5>,
            "splat-6x8" => micro::splat_plain::<6>,
            "splat-4x8-fma" => micro::splat_fused::<4>,
            "splat-5x8-fma" => micro::splat_fused::<5>,
            "splat-6x8-fma" => micro::splat_fused::<6>,
            other => return Err(JsError::new(&format!("unknown micro-kernel {other}"))),
        };
        let mr: usize = match variant.as_bytes()[variant.find('x').expect("named") - 1] {
            b'4' => 4,
            b'5' => 5,
            b'6' => 6,
            _ => 8,
        };
        let flops = (2 * mr * 8 * MICRO_K * MICRO_TILES) as f64;
        let r = measure(ms, flops, format!("{mr}×8 tile, k = {MICRO_K}, panels in L1"), || {
            for _ in 0..MICRO_TILES {
                kernel(MICRO_K, black_box(&a), black_box(&b), &mut c);
            }
            black_box(&mut c);
        });
        Ok(to_js(&r))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Err(JsError::new(&format!("micro-kernel {variant}: wasm32 only")))
    }
}

// ---- matrix products ----------------------------------------------------------

/// `C = A·B`, A (m×k), B (k×n), random f32, by `kernel`:
/// - `"groundup"` (default): `kernels::matmul::mat_mul_into`, the path the
///   layers take (in wasm: `kernels::gemm`'s blocked sgemm, 4×8 simd128 tile);
/// - `"matrixmultiply"`: ndarray's `general_mat_mul` (the `matrixmultiply`
///   crate's wasm kernel), what the layers called before: the baseline;
/// - `"gemm:KC,MC,NC"`: `kernels::gemm` with other block sizes.
///
/// `layout` says how A and B are stored, as the layers store them: `"nn"`
/// (both row-major: conv forward `W·cols`, dense forward `x·W`), `"nt"` (B
/// is the transpose of a row-major n×k: conv weight gradient `δ·colsᵀ`),
/// `"tn"` (A is the transpose of a row-major k×m: conv input gradient
/// `Wᵀ·δ`). 2·m·k·n flops.
#[wasm_bindgen]
pub fn matmul_gflops(
    m: usize,
    k: usize,
    n: usize,
    ms: f64,
    layout: Option<String>,
    kernel: Option<String>,
) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    let layout = layout.unwrap_or_else(|| "nn".into());
    let kernel = kernel.unwrap_or_else(|| "groundup".into());
    let a_store = match layout.as_str() {
        "nn" | "nt" => random_matrix(m, k, 1),
        "tn" => random_matrix(k, m, 1),
        other => return Err(JsError::new(&format!("layout must be nn, nt or tn, got {other}"))),
    };
    let b_store = if layout == "nt" { random_matrix(n, k, 2) } else { random_matrix(k, n, 2) };
    let a = if layout == "tn" { a_store.t() } else { a_store.view() };
    let b = if layout == "nt" { b_store.t() } else { b_store.view() };
    let mut c = Array2::<f32>::zeros((m, n));
    let flops = 2.0 * (m * k * n) as f64;
    let detail = format!("{layout}, {kernel}");
    let r = match kernel.as_str() {
        "groundup" => measure(ms, flops, detail, || {
            mat_mul_into(1.0, a, b, 0.0, &mut c.view_mut());
            black_box(&mut c);
        }),
        "matrixmultiply" => measure(ms, flops, detail, || {
            general_mat_mul(1.0, &a, &b, 0.0, &mut c);
            black_box(&mut c);
        }),
        other => {
            let sizes: Vec<usize> = other
                .strip_prefix("gemm:")
                .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
                .unwrap_or_default();
            let [kc, mc, nc] = sizes[..] else {
                return Err(JsError::new(&format!(
                    "kernel must be groundup, matrixmultiply or gemm:KC,MC,NC, got {other}"
                )));
            };
            let blocking = Blocking { kc, mc, nc };
            measure(ms, flops, detail, || {
                sgemm_blocked(1.0, a, b, 0.0, &mut c.view_mut(), blocking);
                black_box(&mut c);
            })
        }
    };
    Ok(to_js(&r))
}

/// The textbook triple loop ([`matmul_naive`]) on an n×n×n product, for contrast.
#[wasm_bindgen]
pub fn naive_matmul_gflops(n: usize, ms: f64) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    let (a, b) = (random_matrix(n, n, 1), random_matrix(n, n, 2));
    let flops = 2.0 * (n * n * n) as f64;
    let r = measure(ms, flops, "triple loop".into(), || {
        black_box(matmul_naive(a.view(), b.view()));
    });
    Ok(to_js(&r))
}

// ---- the convolution layer: kernel_bench/conv.rs ---------------------------------

pub mod conv;

// ---- the paper CNN's training step, layer by layer ------------------------------------

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct LayerTime {
    layer: String,
    forward_ms: f64,
    backward_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepBreakdown {
    batch: usize,
    steps: usize,
    /// Mean ms per step of each layer (forward, backward), in network order.
    layers: Vec<LayerTime>,
    /// Softmax cross-entropy and its gradient.
    loss_ms: f64,
    /// Sum of the above: a step without the optimizer.
    layers_total_ms: f64,
    /// Median of `Trainer::train_batch` on the same architecture and batch
    /// (forward, loss, backward, finiteness checks, SGD): the real step.
    train_batch: Measurement,
}

/// The paper CNN (conv 8@5×5 → leaky ReLU → pool → conv 16@5×5 → leaky
/// ReLU → pool → flatten → dense 10, no biases) as stand-alone layers, each
/// forward and backward timed in a loop of training steps on random data
/// (means over steps: single layers take well under a millisecond); then
/// `Trainer::train_batch` itself for the total. `ms` is split between the two.
#[wasm_bindgen]
pub fn cnn_step_breakdown(batch: usize, ms: f64) -> Result<JsValue, JsError> {
    check_ms(ms)?;
    if batch == 0 {
        return Err(JsError::new("batch must be ≥ 1"));
    }
    let mut trainer = paper_cnn_trainer(batch)?;
    let alpha = 0.01f32;
    let mut layers: Vec<Box<dyn Layer<f32>>> = vec![
        Box::new(Conv2d::new((1, 28, 28), 8, 5, Padding::Same, false, Init::He, trainer.rng())),
        Box::new(LeakyRelu::new(vec![8, 28, 28], alpha)),
        Box::new(MaxPool2d::new((8, 28, 28), 2)),
        Box::new(Conv2d::new((8, 14, 14), 16, 5, Padding::Same, false, Init::He, trainer.rng())),
        Box::new(LeakyRelu::new(vec![16, 14, 14], alpha)),
        Box::new(MaxPool2d::new((16, 14, 14), 2)),
        Box::new(Flatten::new(vec![16, 7, 7])),
        Box::new(Dense::new(784, 10, false, Init::Glorot, trainer.rng())),
    ];
    let pixels = random_vec(batch * 784, 6, 0.0, 1.0);
    let labels: Vec<u8> = random_vec(batch, 7, 0.0, 10.0).iter().map(|&v| (v as u8).min(9)).collect();
    let x = Array4::from_shape_vec((batch, 1, 28, 28), pixels.clone()).expect("sizes").into_dyn();
    let targets = groundup::loss::one_hot::<f32>(&labels, 10);

    let mut times: Vec<LayerTime> =
        layers.iter().map(|l| LayerTime { layer: l.describe(), ..Default::default() }).collect();
    let mut loss_ms = 0.0;
    let mut steps = 0usize;
    let mut step = |times: &mut [LayerTime], loss_ms: &mut f64| {
        let mut a: ArrayD<f32> = x.clone();
        for (layer, t) in layers.iter_mut().zip(times.iter_mut()) {
            let t0 = performance_now();
            a = layer.forward(a, Mode::Train);
            t.forward_ms += performance_now() - t0;
        }
        let t0 = performance_now();
        let logits = a.into_dimensionality().expect("flat logits");
        let loss = softmax_cross_entropy(&logits, &targets);
        *loss_ms += performance_now() - t0;
        let mut delta = loss.grad.into_dyn();
        for (i, (layer, t)) in layers.iter_mut().zip(times.iter_mut()).enumerate().rev() {
            let t0 = performance_now();
            if i == 0 {
                layer.backward_params_only(std::mem::take(&mut delta));
            } else {
                delta = layer.backward(delta);
            }
            t.backward_ms += performance_now() - t0;
        }
        for layer in layers.iter_mut() {
            for p in layer.params_mut() {
                p.zero_grad();
            }
        }
    };
    // Warm-up, then reset the sums.
    let start = performance_now();
    while performance_now() - start < MIN_WARMUP_MS.max(ms / 10.0) {
        step(&mut times, &mut loss_ms);
    }
    for t in times.iter_mut() {
        (t.forward_ms, t.backward_ms) = (0.0, 0.0);
    }
    loss_ms = 0.0;
    let timed = performance_now();
    while steps < MIN_REPS || performance_now() - timed < ms / 2.0 {
        step(&mut times, &mut loss_ms);
        steps += 1;
    }
    for t in times.iter_mut() {
        t.forward_ms /= steps as f64;
        t.backward_ms /= steps as f64;
    }
    loss_ms /= steps as f64;
    let layers_total_ms = loss_ms + times.iter().map(|t| t.forward_ms + t.backward_ms).sum::<f64>();

    let images = Array2::from_shape_vec((batch, 784), pixels).expect("sizes");
    let mut failed = None;
    let train_batch = measure(ms / 2.0, 0.0, "Trainer::train_batch, paper-cnn, SGD".into(), || {
        if let Err(e) = trainer.train_batch(images.clone(), &labels, 0) {
            failed.get_or_insert(e.to_string());
        }
    });
    if let Some(e) = failed {
        return Err(JsError::new(&format!("train_batch failed: {e}")));
    }
    Ok(to_js(&StepBreakdown { batch, steps, layers: times, loss_ms, layers_total_ms, train_batch }))
}
