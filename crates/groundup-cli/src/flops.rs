//! Floating-point operations of one training step, per image, from a
//! network's shapes: what turns `groundup bench`'s images/s into GFLOP/s.
//!
//! Only the matrix products count, at 2·m·k·n each (a multiply and an add
//! per term), as BLAS benchmarks count them; activations, pooling, the loss
//! and the update are O(size) and left out. Per image, one training step
//! runs for every layer with weights:
//!
//! ```text
//! dense in→out:                 Y = X·W        2·in·out
//!                               ∂W = Xᵀ·δ      2·in·out
//!                               ∂X = δ·Wᵀ      2·in·out   (not for the first layer)
//! conv C→F, k×k, output H'×W':  Y = W·cols     2·F·C·k²·H'·W'
//!                               ∂W = δ·colsᵀ   the same
//!                               ∂cols = Wᵀ·δ   the same   (not for the first layer)
//! ```
//!
//! The input gradient of layer 0 is never computed (`Network::backward`
//! skips it), so it is not counted. However a layer
//! computes its products (im2col + GEMM or a direct loop), the arithmetic
//! these formulas count is what the step needs.

use groundup::spec::{LayerSpec, ModelSpec};

/// Flops of one training step per image, or an error if the spec's shapes
/// do not check.
pub fn training_flops_per_image(spec: &ModelSpec) -> Result<u64, String> {
    let outputs = spec.shapes().map_err(|e| e.to_string())?;
    let inputs = std::iter::once(&spec.input).chain(&outputs);
    let mut flops = 0u64;
    for (i, ((layer, input), output)) in spec.layers.iter().zip(inputs).zip(&outputs).enumerate() {
        // Multiply-adds of one forward product for one image.
        let macs = match *layer {
            LayerSpec::Dense { units, .. } => input[0] * units,
            // output is (F, H', W'), input (C, H, W).
            LayerSpec::Conv2d { kernel, .. } => output.iter().product::<usize>() * input[0] * kernel * kernel,
            _ => continue,
        } as u64;
        let products = if i == 0 { 2 } else { 3 };
        flops += 2 * macs * products;
    }
    Ok(flops)
}

#[cfg(test)]
mod tests {
    use super::training_flops_per_image;
    use groundup::presets::preset;

    fn flops(name: &str) -> u64 {
        training_flops_per_image(&preset(name).expect("built-in preset").spec).expect("valid spec")
    }

    // 784-625-625-10: three forward and three ∂W products, ∂X for the
    // second and third layer only.
    #[test]
    fn paper_mlp_by_hand() {
        let forward = 2 * (784 * 625 + 625 * 625 + 625 * 10);
        let input_grads = 2 * (625 * 625 + 625 * 10);
        assert_eq!(flops("paper-mlp"), 2 * forward + input_grads);
        assert_eq!(flops("paper-mlp"), 4_341_250);
    }

    // conv 8@5×5 same on 1×28×28 (no ∂X: first layer), pool, conv 16@5×5
    // same on 8×14×14, pool, dense 784→10.
    #[test]
    fn paper_cnn_by_hand() {
        let conv1 = 2 * (8 * 28 * 28) * 25;
        let conv2 = 2 * (16 * 14 * 14) * (8 * 25);
        let dense = 2 * 784 * 10;
        assert_eq!(flops("paper-cnn"), 2 * conv1 + 3 * conv2 + 3 * dense);
    }
}
