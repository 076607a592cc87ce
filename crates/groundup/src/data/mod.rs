//! MNIST on disk and in memory: IDX and CSV readers, the chunked CSV format
//! the browser loads, and the manifest that describes it.

mod dataset;

pub use dataset::{Dataset, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};
