//! Helpers shared by the integration tests: seeded random arrays, the
//! committed sample data, temp files that clean up after themselves, and
//! bit-exact snapshots of a network's weights.
//!
//! Each test binary uses a different subset of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use groundup::data::{load_split, Dataset, Split};
use groundup::Network;
use ndarray::{ArrayD, IxDyn};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// A seeded generator: every test is reproducible.
pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// An array of `shape` with elements uniform in `[lo, hi)`.
pub fn uniform(shape: &[usize], lo: f64, hi: f64, rng: &mut Xoshiro256PlusPlus) -> ArrayD<f64> {
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(lo..hi))
}

/// As [`uniform`], but every element at least `gap` away from 0 (for
/// activations with a kink at 0).
pub fn uniform_away_from_zero(
    shape: &[usize],
    scale: f64,
    gap: f64,
    rng: &mut Xoshiro256PlusPlus,
) -> ArrayD<f64> {
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        let magnitude = rng.random_range(gap..scale);
        if rng.random::<bool>() {
            magnitude
        } else {
            -magnitude
        }
    })
}

/// The folder of the committed 500 + 200 image sample.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample")
}

/// The committed sample's training split (500 images).
pub fn sample_train() -> Dataset {
    load_split(&sample_dir(), Split::Train).expect("the committed sample loads")
}

/// The committed sample's test split (200 images).
pub fn sample_test() -> Dataset {
    load_split(&sample_dir(), Split::Test).expect("the committed sample loads")
}

/// Every weight of a network as raw bits, tensor by tensor, for comparisons
/// that must be exact (NaN-safe, and `-0.0 ≠ 0.0`).
pub fn weight_bits(network: &Network<f32>) -> Vec<Vec<u32>> {
    network.params().iter().map(|p| p.value.iter().map(|v| v.to_bits()).collect()).collect()
}

/// A path under the system temp dir, unique to this process and call,
/// removed (with any `.tmp` sibling) when dropped — also when a test fails.
pub struct TempPath(pub PathBuf);

impl TempPath {
    pub fn new(label: &str) -> TempPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("groundup-test-{}-{n}-{nanos}-{label}", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        TempPath(path)
    }
}

impl std::ops::Deref for TempPath {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(self.0.with_extension("safetensors.tmp"));
    }
}
