//! MNIST on disk and in memory: IDX and CSV readers, the chunked CSV format
//! the browser loads, and the manifest that describes it.
//!
//! The flow is: `scripts/fetch-mnist.sh` puts the four original IDX files in
//! `data/raw/`; [`prepare`] checks them and writes gzipped CSV chunks and a
//! [`Manifest`] to `data/mnist/`; [`load_split`] (natively) or
//! [`Chunk::parse`] on fetched bytes (in the browser) reads them back into a
//! [`Dataset`]. Every error is a [`DataError`] that names the file, and for
//! CSV the line and column, of the problem.

mod augment;
mod csv;
mod dataset;
mod error;
pub(crate) mod files;
mod idx;
mod manifest;
mod own;
mod prepare;

pub use augment::{shift_image, shifted_subset, MAX_SHIFT};
pub use csv::{parse_csv, read_csv, write_csv, CsvReader, LabelledImage, MAX_ROW_BYTES};
pub use dataset::{Dataset, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};
pub use error::DataError;
pub use idx::{
    parse_idx_images, parse_idx_labels, read_idx_pair, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, MAX_IDX_ITEMS,
};
pub use manifest::{
    load_split, Chunk, Manifest, Split, SplitManifest, MANIFEST_FILE, MANIFEST_FORMAT_VERSION,
    MAX_CHUNK_BYTES, MAX_MANIFEST_BYTES, MAX_SPLIT_ROWS,
};
pub use own::{
    read_own_data, OwnData, OwnFile, OwnSplit, MAX_CLASS_NAME_CHARS, MAX_OWN_FILES, MAX_OWN_FILE_BYTES,
    MAX_OWN_ROWS, MAX_OWN_TEXT_BYTES, MIN_ONE_FILE_ROWS, TEST_EVERY,
};
pub use prepare::{
    prepare, prepare_into, prepare_with, write_chunk, PrepareOptions, Staging, DEFAULT_CHUNK_ROWS,
    MNIST_IDX_SHA256, MNIST_LICENCE, MNIST_SOURCE,
};
