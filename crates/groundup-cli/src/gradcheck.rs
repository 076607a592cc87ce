//! `groundup gradcheck`: paper §3.3 on a preset, in f64, on a small batch.
//!
//! Passes when every compared element agrees within the tolerance derived
//! in `groundup::gradcheck` (relative 1e-4 plus the central difference's
//! rounding error, which grows with the loss); prints the largest relative
//! error per tensor and the worst error as a fraction of its tolerance.

use clap::Args;
use groundup::data::{IMAGE_PIXELS, NUM_CLASSES};
use groundup::gradcheck::{check_network, RELATIVE_TOLERANCE};
use groundup::loss::one_hot;
use groundup::presets::{preset, PRESET_NAMES};
use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::CliResult;

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
    if args.samples == 0 {
        return Err("--samples 0 would compare nothing; give at least 1 element per tensor".into());
    }
    p.spec.fits_data(IMAGE_PIXELS, NUM_CLASSES).map_err(|e| format!("preset {}: {e}", p.name))?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(args.seed);
    let x = Array2::from_shape_simple_fn((args.batch, IMAGE_PIXELS), || rng.random::<f64>()); // (N, 784)
    let labels: Vec<u8> = (0..args.batch).map(|_| rng.random_range(0..NUM_CLASSES as u8)).collect();
    let targets = one_hot(&labels, NUM_CLASSES);
    let checks = check_network(&p.spec, &x, &targets, args.seed, args.samples).map_err(|e| e.to_string())?;
    let mut worst_error = 0.0f64;
    let mut worst_ratio = 0.0f64;
    let (mut near_kink, mut skipped) = (0, 0);
    println!("{:<18} {:>10} {:>12} {:>10}", "tensor", "checked", "max rel err", "/tolerance");
    for c in &checks {
        println!(
            "{:<18} {:>4}/{:<6} {:>12.2e} {:>10.3}",
            c.name, c.checked, c.total, c.max_relative_error, c.worst_ratio
        );
        worst_error = worst_error.max(c.max_relative_error);
        worst_ratio = worst_ratio.max(c.worst_ratio);
        near_kink += c.near_kink;
        skipped += c.skipped;
    }
    if near_kink > 0 {
        eprintln!(
            "{near_kink} elements lie next to a kink (ReLU, max pooling) and were measured with a smaller \
             step; {skipped} too close to one to measure"
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "preset": p.name,
            "max_relative_error": worst_error,
            "worst_error_over_tolerance": worst_ratio,
            "relative_tolerance": RELATIVE_TOLERANCE,
            "near_kink": near_kink,
            "skipped": skipped,
        })
    );
    if let Some(failed) = checks.iter().find(|c| !c.passed()) {
        return Err(format!(
            "gradient check failed: {} differs from the central differences by {:.2}× the tolerance \
             (max relative error {:.2e})",
            failed.name, failed.worst_ratio, failed.max_relative_error
        ));
    }
    Ok(())
}
