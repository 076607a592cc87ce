//! How much arithmetic one training image costs: the figure every speed
//! benchmark divides by to turn images/s into GFLOP/s.
//!
//! Only the products count, as benchmarks of BLAS-like work usually count:
//! a product of an (M, K) and a (K, N) matrix is M·K·N multiply-adds, 2·M·K·N
//! flops. Per image and per layer with weights:
//!
//! ```text
//!                    forward          ∂W (eq. 11)     ∂X (eq. 14; not for the first layer)
//! dense  in → out    2·in·out         2·in·out        2·in·out
//! conv   C → O, k×k  2·O·C·k²·Ho·Wo   the same        the same
//! ```
//!
//! The first layer with weights needs no ∂X: nothing below it learns, and a
//! network skips that product (`backward_params_only`). Activations, pooling,
//! the loss and the optimizer's update are element-wise, a few flops per
//! number against hundreds per product, and are left out.
//!
//! ```
//! let cnn = groundup::presets::preset("paper-cnn").unwrap().spec;
//! let flops = groundup::cost::training_flops_per_image(&cnn).unwrap();
//! // conv1 1→8 on 28², conv2 8→16 on 14², dense 784→10.
//! let conv1 = 2 * 8 * 25 * 784;
//! let conv2 = 2 * 16 * 8 * 25 * 196;
//! assert_eq!(flops, 2 * conv1 + 3 * conv2 + 3 * 2 * 784 * 10);
//!
//! let mlp = groundup::presets::preset("paper-mlp").unwrap().spec;
//! let flops = groundup::cost::training_flops_per_image(&mlp).unwrap();
//! assert_eq!(flops, 2 * 2 * 784 * 625 + 3 * 2 * 625 * 625 + 3 * 2 * 625 * 10);
//! ```

use crate::{ConfigError, LayerSpec, ModelSpec};

/// Flops of the products one training image costs (forward and backward),
/// or the first layer that cannot work.
pub fn training_flops_per_image(spec: &ModelSpec) -> Result<u64, ConfigError> {
    let shapes = spec.shapes()?;
    // u64 and saturating: a spec's shapes are checked, its sizes need not be.
    let product = |dims: &[usize]| dims.iter().fold(1u64, |a, &d| a.saturating_mul(d as u64));
    let mut total = 0u64;
    let mut first = true;
    let mut input = spec.input.clone();
    for (layer, output) in spec.layers.iter().zip(&shapes) {
        let forward = match *layer {
            LayerSpec::Dense { units, .. } => Some(product(&[2, units]).saturating_mul(product(&input))),
            LayerSpec::Conv2d { filters, kernel, .. } => {
                let channels = input.first().copied().unwrap_or(0);
                let per_position = product(&[2, filters, channels, kernel, kernel]);
                Some(per_position.saturating_mul(product(output.get(1..).unwrap_or(&[]))))
            }
            _ => None,
        };
        if let Some(forward) = forward {
            // Forward and ∂W always; ∂X for every layer but the first.
            total = total.saturating_add(forward.saturating_mul(if first { 2 } else { 3 }));
            first = false;
        }
        input.clone_from(output);
    }
    Ok(total)
}
