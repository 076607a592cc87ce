//! The original MNIST files, in the IDX format of LeCun et al.
//!
//! An IDX file is a big-endian header followed by raw bytes:
//!
//! | bytes | images file                     | labels file              |
//! |-------|---------------------------------|--------------------------|
//! | 0–3   | magic `0x00000803`              | magic `0x00000801`       |
//! | 4–7   | count N                         | count N                  |
//! | 8–11  | rows, 28                        | N labels, 1 byte each    |
//! | 12–15 | columns, 28                     |                          |
//! | 16–   | N × 28 × 28 pixels, 1 byte each |                          |
//!
//! The magic number's third byte says the values are unsigned bytes (`0x08`)
//! and its fourth how many dimensions follow (3 for images, 1 for labels).
//! Files may be gzipped (`.gz`, as they were distributed); gzip is detected
//! by its magic bytes. Everything is checked: a file cut short or with junk
//! after the end is an error, never a silently smaller dataset.

use std::path::Path;

use super::files::{gunzip_if_gzip, read_file};
use super::{DataError, Dataset, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};

/// Magic number of an IDX file of unsigned bytes in 3 dimensions.
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes in 1 dimension.
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// Header length of an images file: magic, count, rows, columns.
const IMAGES_HEADER_BYTES: usize = 16;
/// Header length of a labels file: magic, count.
const LABELS_HEADER_BYTES: usize = 8;

/// Reads an images file and its labels file (each plain or gzip) into a
/// [`Dataset`], checking that they pair up.
pub fn read_idx_pair(images_path: &Path, labels_path: &Path) -> Result<Dataset, DataError> {
    let hint = "scripts/fetch-mnist.sh downloads the MNIST files to data/raw/";
    let images_name = images_path.display().to_string();
    let labels_name = labels_path.display().to_string();
    let images = parse_idx_images(&read_file(images_path, hint)?, &images_name)?;
    let labels = parse_idx_labels(&read_file(labels_path, hint)?, &labels_name)?;
    pair_up(images, &images_name, labels, &labels_name)
}

/// Parses an IDX images file (plain or gzip bytes) into N × 784 pixels,
/// row-major, image after image. `name` is used in errors.
pub fn parse_idx_images(bytes: &[u8], name: &str) -> Result<Vec<u8>, DataError> {
    let bytes = gunzip_if_gzip(bytes, name)?;
    let header = Header::parse(&bytes, name, IDX_IMAGES_MAGIC, IMAGES_HEADER_BYTES)?;
    let rows = u64::from(be_u32(&bytes, 8));
    let columns = u64::from(be_u32(&bytes, 12));
    if rows != IMAGE_SIDE as u64 || columns != IMAGE_SIDE as u64 {
        return Err(DataError::WrongImageSize { file: name.to_owned(), rows, columns });
    }
    let body = header.body(&bytes, name, IMAGE_PIXELS as u64)?;
    Ok(body.to_vec())
}

/// Parses an IDX labels file (plain or gzip bytes), checking that each label
/// is a digit 0–9. `name` is used in errors.
pub fn parse_idx_labels(bytes: &[u8], name: &str) -> Result<Vec<u8>, DataError> {
    let bytes = gunzip_if_gzip(bytes, name)?;
    let header = Header::parse(&bytes, name, IDX_LABELS_MAGIC, LABELS_HEADER_BYTES)?;
    let labels = header.body(&bytes, name, 1)?;
    if let Some(index) = labels.iter().position(|&l| usize::from(l) >= NUM_CLASSES) {
        return Err(DataError::IdxBadLabel { file: name.to_owned(), index: index + 1, value: labels[index] });
    }
    Ok(labels.to_vec())
}

/// Joins parsed images and labels, which must be equally many.
pub(crate) fn pair_up(
    images: Vec<u8>,
    images_name: &str,
    labels: Vec<u8>,
    labels_name: &str,
) -> Result<Dataset, DataError> {
    let image_count = images.len() / IMAGE_PIXELS;
    if image_count != labels.len() {
        return Err(DataError::IdxCountMismatch {
            images_file: images_name.to_owned(),
            images: image_count,
            labels_file: labels_name.to_owned(),
            labels: labels.len(),
        });
    }
    Ok(Dataset { images, labels })
}

/// The part of the header every IDX file has: magic and item count.
struct Header {
    /// Bytes before the data.
    length: usize,
    /// Number of items (images or labels).
    count: u64,
}

impl Header {
    /// Checks that `bytes` hold a whole header of `length` bytes that starts
    /// with `magic`.
    fn parse(bytes: &[u8], name: &str, magic: u32, length: usize) -> Result<Header, DataError> {
        // The magic number is checked first, when there are four bytes to
        // check: "not an IDX file" is more useful than "too short".
        if bytes.len() >= 4 && be_u32(bytes, 0) != magic {
            return Err(DataError::IdxBadMagic {
                file: name.to_owned(),
                found: be_u32(bytes, 0),
                expected: magic,
                expected_kind: if magic == IDX_IMAGES_MAGIC { "images" } else { "labels" },
            });
        }
        if bytes.len() < length {
            return Err(DataError::IdxTruncated {
                file: name.to_owned(),
                expected: length as u64,
                actual: bytes.len() as u64,
            });
        }
        Ok(Header { length, count: u64::from(be_u32(bytes, 4)) })
    }

    /// The data after the header: exactly `count` items of `item_bytes`
    /// each, no more (junk at the end) and no less (truncated).
    fn body<'a>(&self, bytes: &'a [u8], name: &str, item_bytes: u64) -> Result<&'a [u8], DataError> {
        // In u64: a corrupt count times 784 can exceed a 32-bit usize (wasm).
        let expected = self.length as u64 + self.count * item_bytes;
        let actual = bytes.len() as u64;
        let file = name.to_owned();
        if actual < expected {
            return Err(DataError::IdxTruncated { file, expected, actual });
        }
        if actual > expected {
            return Err(DataError::IdxTrailingData { file, expected, actual });
        }
        Ok(&bytes[self.length..])
    }
}

/// The big-endian `u32` at `offset`; the caller has checked the length.
fn be_u32(bytes: &[u8], offset: usize) -> u32 {
    let word: [u8; 4] = bytes[offset..offset + 4].try_into().expect("4 bytes");
    u32::from_be_bytes(word)
}
