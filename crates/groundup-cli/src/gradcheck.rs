//! `groundup gradcheck`: paper §3.3 on a preset, in f64, on a small batch.

use clap::Args;
use groundup::gradcheck::check_network;
use groundup::loss::one_hot;
use groundup::presets::{preset, PRESET_NAMES};
use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::CliResult;

/// Above this the derivative is wrong, not merely rounded.
const TOLERANCE: f64 = 1e-4;

#[derive(Args)]
pub struct GradcheckArgs {
    #[arg(long, default_value = "cnn")]
    preset: String,
    /// Examples in the batch.
    #[arg(long, default_value_t = 4)]
    batch: usize,
    /// Elements compared per tensor (spread evenly; all if the tensor is smaller).
    #[arg(long, default_value_t = 200)]
    samples: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: GradcheckArgs) -> CliResult {
    let p = preset(&args.preset).ok_or_else(|| {
        format!("unknown preset {:?}; choose one of {}", args.preset, PRESET_NAMES.join(", "))
    })?;
    if !(1..=64).contains(&args.batch) {
        return Err(format!("--batch {} is not between 1 and 64", args.batch));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(args.seed);
    let x = Array2::from_shape_simple_fn((args.batch, 784), || rng.random::<f64>()); // (N, 784)
    let labels: Vec<u8> = (0..args.batch).map(|_| rng.random_range(0..10u8)).collect();
    let targets = one_hot(&labels, 10);
    let checks = check_network(&p.spec, &x, &targets, args.seed, args.samples).map_err(|e| e.to_string())?;
    let mut worst = 0.0f64;
    println!("{:<18} {:>10} {:>12}", "tensor", "checked", "max rel err");
    for c in &checks {
        println!("{:<18} {:>4}/{:<6} {:>12.2e}", c.name, c.checked, c.total, c.max_relative_error);
        worst = worst.max(c.max_relative_error);
    }
    println!(
        "{}",
        serde_json::json!({"preset": p.name, "max_relative_error": worst, "tolerance": TOLERANCE})
    );
    if worst > TOLERANCE {
        return Err(format!("gradient check failed: max relative error {worst:.2e} > {TOLERANCE:.0e}"));
    }
    Ok(())
}
