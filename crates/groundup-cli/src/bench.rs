//! `groundup bench`: training throughput of both paper networks (and of
//! the default `cnn` preset).
//!
//! Each configuration trains on random images (speed does not depend on
//! what the pixels show) for a warm-up step, then for `--runs` timed runs
//! of `--steps` steps; the median run is reported, with the epoch time it
//! implies for the 60,000 MNIST training images, and the GFLOP/s it means
//! (the step's matrix-product flops per image, from the network's shapes:
//! [`crate::flops`]). One thread: the matrix products spawn none.
//!
//! Last, the speed of the product the layers call on a large square f32
//! product (`sgemm_peak`, the best of several repetitions): what
//! `bench/native.sh` takes, with OpenBLAS's in the same run, as the peak a
//! training step's GFLOP/s is a percentage of.

use std::time::Instant;

use clap::Args;
use groundup::data::Dataset;
use groundup::kernels::matmul::mat_mul_into;
use groundup::presets::preset;
use groundup::train::{BatchSampler, Trainer};
use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::flops::training_flops_per_image;
use crate::CliResult;

const MNIST_TRAIN: usize = 60_000;

/// The side of the square product whose speed is reported as the peak:
/// large enough for a blocked product to reach its kernel's full speed
/// (each operand 4 MiB, beyond L2).
const PEAK_SIDE: usize = 1024;
/// Repetitions of it; the best one is the peak.
const PEAK_REPS: usize = 15;

#[derive(Args)]
pub struct BenchArgs {
    /// Timed runs per configuration; the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Images per timed run (rounded up to whole batches).
    #[arg(long, default_value_t = 4_000)]
    images: usize,
    /// Only this network (e.g. `paper-mlp`): for profiling one configuration.
    #[arg(long)]
    network: Option<String>,
    /// Only this batch size.
    #[arg(long)]
    batch: Option<usize>,
}

pub fn run(args: BenchArgs) -> CliResult {
    if args.runs == 0 || args.images == 0 {
        return Err("--runs and --images must be at least 1".into());
    }
    let data = random_dataset(2_000, 7);
    let mut rows = Vec::new();
    eprintln!("{:<10} {:>6} {:>14} {:>16} {:>9}", "network", "batch", "images/s", "epoch (60k) s", "GFLOP/s");
    // Both paper networks at both batch sizes, and the default `cnn` preset
    // (the paper CNN's shape plus biases) at its own batch size.
    let configurations =
        [("paper-mlp", 64), ("paper-mlp", 500), ("paper-cnn", 64), ("paper-cnn", 500), ("cnn", 64)];
    let wanted = |name: &str, batch: usize| {
        args.network.as_deref().is_none_or(|n| n == name) && args.batch.is_none_or(|b| b == batch)
    };
    for (name, batch) in configurations.into_iter().filter(|&(n, b)| wanted(n, b)) {
        {
            let p = preset(name).expect("built-in preset");
            let flops = training_flops_per_image(&p.spec)?;
            let mut config = p.train.clone();
            config.batch_size = batch;
            let mut trainer = Trainer::new(&p.spec, &config).map_err(|e| e.to_string())?;
            let steps = args.images.div_ceil(batch);
            let mut sampler = BatchSampler::new(data.len());
            let mut step = |trainer: &mut Trainer| -> Result<(), String> {
                let (_, indices) = sampler.next_batch(batch, trainer.rng());
                let (x, labels) = data.batch(&indices);
                trainer.train_batch(x, &labels, 0).map(drop).map_err(|e| e.to_string())
            };
            step(&mut trainer)?; // warm-up: first-touch allocations, caches
            let mut rates = Vec::with_capacity(args.runs);
            for _ in 0..args.runs {
                let t = Instant::now();
                for _ in 0..steps {
                    step(&mut trainer)?;
                }
                rates.push((steps * batch) as f64 / t.elapsed().as_secs_f64());
            }
            let median = median(&mut rates);
            let epoch = MNIST_TRAIN as f64 / median;
            let gflops = median * flops as f64 / 1e9;
            eprintln!("{name:<10} {batch:>6} {median:>14.0} {epoch:>16.1} {gflops:>9.1}");
            rows.push(serde_json::json!({
                "network": name, "batch": batch, "images_per_second": median, "epoch_seconds": epoch,
                "runs": rates, "flops_per_image": flops, "gflops": gflops,
            }));
        }
    }
    let peak = square_product_gflops(PEAK_SIDE, PEAK_REPS);
    eprintln!("f32 product {PEAK_SIDE}³, best of {PEAK_REPS}: {peak:.1} GFLOP/s");
    let peak = serde_json::json!({"side": PEAK_SIDE, "reps": PEAK_REPS, "gflops": peak});
    println!("{}", serde_json::json!({"bench": "train", "threads": 1, "results": rows, "sgemm_peak": peak}));
    Ok(())
}

/// GFLOP/s of the best of `reps` f32 products (side × side)·(side × side)
/// by [`mat_mul_into`], the product the layers call, after one warm-up.
fn square_product_gflops(side: usize, reps: usize) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut random = || Array2::from_shape_simple_fn((side, side), || rng.random_range(-1.0f32..1.0));
    let (a, b) = (random(), random());
    let mut c = Array2::<f32>::zeros((side, side));
    mat_mul_into(1.0, a.view(), b.view(), 0.0, &mut c.view_mut()); // warm-up
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        mat_mul_into(1.0, a.view(), b.view(), 0.0, &mut c.view_mut());
        best = best.min(t.elapsed().as_secs_f64());
    }
    2.0 * (side as f64).powi(3) / best / 1e9
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn random_dataset(n: usize, seed: u64) -> Dataset {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut data = Dataset::new();
    let mut pixels = [0u8; 784];
    for _ in 0..n {
        pixels.iter_mut().for_each(|p| *p = rng.random());
        data.push(&pixels, rng.random_range(0..10));
    }
    data
}
