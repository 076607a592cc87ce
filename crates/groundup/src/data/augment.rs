//! Data augmentation: training images moved by a pixel or two.
//!
//! MNIST's digits are centred by their centre of mass, but only roughly: the
//! same digit one pixel to the left is still the same digit. A network that
//! sees every training image at a random offset of up to `shift` pixels in
//! each direction (zeros fill the edge that opens up) learns features that
//! do not depend on the exact position. The paper did not do this; for its
//! CNN (11k weights, already at its capacity on MNIST after three epochs) a
//! one-pixel shift is worth about +0.15% test accuracy (`presets.rs`).
//! Test images are never shifted.

use rand::{Rng, RngExt};

use super::{Dataset, IMAGE_PIXELS, IMAGE_SIDE};

/// The largest shift accepted: beyond a few pixels a digit's strokes leave
/// the 28×28 frame (MNIST's digits fill its central 20×20).
pub const MAX_SHIFT: usize = 4;

/// `src` (28×28, row-major) moved `dx` pixels right and `dy` down (negative:
/// left, up) into `dst`; pixels that come in from outside are 0.
pub fn shift_image(src: &[u8], dx: isize, dy: isize, dst: &mut [u8]) {
    assert_eq!(src.len(), IMAGE_PIXELS, "an image has 784 pixels");
    assert_eq!(dst.len(), IMAGE_PIXELS, "an image has 784 pixels");
    let side = IMAGE_SIDE as isize;
    for y in 0..side {
        let row = &mut dst[(y * side) as usize..((y + 1) * side) as usize];
        let sy = y - dy;
        if !(0..side).contains(&sy) {
            row.fill(0);
            continue;
        }
        let from = &src[(sy * side) as usize..((sy + 1) * side) as usize];
        // Row y of the output is row sy of the input, moved dx to the right.
        for (x, out) in row.iter_mut().enumerate() {
            let sx = x as isize - dx;
            *out = if (0..side).contains(&sx) { from[sx as usize] } else { 0 };
        }
    }
}

/// The images at `indices`, each moved by its own random offset in
/// `[−shift, shift]²` drawn from `rng` (with `shift` 0: a plain copy, and
/// `rng` untouched).
pub fn shifted_subset(data: &Dataset, indices: &[usize], shift: usize, rng: &mut impl Rng) -> Dataset {
    let mut out = data.subset(indices);
    if shift == 0 {
        return out;
    }
    let s = shift.min(MAX_SHIFT) as i64;
    for (i, &index) in indices.iter().enumerate() {
        let dx = rng.random_range(-s..=s) as isize;
        let dy = rng.random_range(-s..=s) as isize;
        shift_image(data.image(index), dx, dy, &mut out.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS]);
    }
    out
}
