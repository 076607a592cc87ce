//! An in-memory set of labelled 28×28 images, kept as bytes.
//!
//! MNIST is 60,000 × 784 pixels; as `u8` that is 47 MB, as `f32` it would be
//! 188 MB. So images stay bytes and are scaled to `[0, 1]` (paper §4.1) one
//! mini-batch at a time, by [`Dataset::batch`].

use ndarray::Array2;

/// Pixels per image: 28 × 28.
pub const IMAGE_PIXELS: usize = 784;
/// Side of an image in pixels.
pub const IMAGE_SIDE: usize = 28;
/// Digits 0–9.
pub const NUM_CLASSES: usize = 10;

/// Labelled images, row-major: image `i` is `images[i*784 .. (i+1)*784]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dataset {
    /// (N · 784) grey levels, 0 = background, 255 = ink.
    pub images: Vec<u8>,
    /// (N) digits 0–9.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// An empty set, ready to [`extend`](Self::extend).
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The 784 pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS]
    }

    /// Appends one image. Panics (a programmer error) if it is not 784 pixels
    /// or the label is not a digit: readers validate user input before this.
    pub fn push(&mut self, pixels: &[u8], label: u8) {
        assert_eq!(pixels.len(), IMAGE_PIXELS, "an image has 784 pixels");
        assert!((label as usize) < NUM_CLASSES, "label {label} is not a digit");
        self.images.extend_from_slice(pixels);
        self.labels.push(label);
    }

    /// Appends all of `other` (e.g. the next CSV chunk).
    pub fn extend(&mut self, other: &Dataset) {
        self.images.extend_from_slice(&other.images);
        self.labels.extend_from_slice(&other.labels);
    }

    /// The first `n` images (or all, if there are fewer).
    pub fn take(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset { images: self.images[..n * IMAGE_PIXELS].to_vec(), labels: self.labels[..n].to_vec() }
    }

    /// Room for `rows` more images without reallocating. Growing 47 MB of
    /// pixels by doubling would hold the old and the new buffer at once
    /// (~140 MB at the peak); reserving from a manifest's row count avoids
    /// that. Fails, changing nothing, if the memory cannot be had.
    pub fn try_reserve(&mut self, rows: usize) -> Result<(), std::collections::TryReserveError> {
        self.images.try_reserve_exact(rows.saturating_mul(IMAGE_PIXELS))?;
        self.labels.try_reserve_exact(rows)
    }

    /// The images at `indices`, still as bytes: a shard of a batch to send
    /// to another worker.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut images = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
        for &i in indices {
            images.extend_from_slice(self.image(i));
        }
        Dataset { images, labels: indices.iter().map(|&i| self.labels[i]).collect() }
    }

    /// A set from raw bytes (`n·784` pixels, `n` labels), checked: `what`
    /// names the source in the error.
    pub fn from_bytes(images: Vec<u8>, labels: Vec<u8>, what: &str) -> Result<Dataset, String> {
        if images.len() != labels.len() * IMAGE_PIXELS {
            return Err(format!(
                "{what}: {} pixel bytes for {} labels (expected {} = 784 per image)",
                images.len(),
                labels.len(),
                labels.len() * IMAGE_PIXELS
            ));
        }
        if let Some(i) = labels.iter().position(|&l| usize::from(l) >= NUM_CLASSES) {
            return Err(format!("{what}: label {i} is {}, not a digit 0–9", labels[i]));
        }
        Ok(Dataset { images, labels })
    }

    /// All images as floats in `[0, 1]`, and their labels.
    pub fn all(&self) -> (Array2<f32>, Vec<u8>) {
        let indices: Vec<usize> = (0..self.len()).collect();
        self.batch(&indices)
    }

    /// The images at `indices` as floats in `[0, 1]`, and their labels.
    pub fn batch(&self, indices: &[usize]) -> (Array2<f32>, Vec<u8>) {
        let mut x = Array2::<f32>::zeros((indices.len(), IMAGE_PIXELS)); // (N, 784)
        let mut labels = Vec::with_capacity(indices.len());
        for (mut row, &i) in x.rows_mut().into_iter().zip(indices) {
            for (dst, &src) in row.iter_mut().zip(self.image(i)) {
                *dst = f32::from(src) * (1.0 / 255.0);
            }
            labels.push(self.labels[i]);
        }
        (x, labels)
    }

    /// How many images of each digit.
    pub fn class_counts(&self) -> [usize; NUM_CLASSES] {
        let mut counts = [0; NUM_CLASSES];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }
}
