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
//!
//! Nothing is read past what the header accounts for. The item count must
//! be at most [`MAX_IDX_ITEMS`]; gzip is decompressed just far enough to
//! read the header, then only up to the size the header declares (one byte
//! more tells that there is junk after it): a 1 MB `.gz` that inflates to
//! gigabytes stops there, and a plain file is read only if its size on disk
//! is within the limit.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::files::{corrupt_gzip, is_gzip, read_file_bounded};
use super::{DataError, Dataset, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};

/// Magic number of an IDX file of unsigned bytes in 3 dimensions.
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes in 1 dimension.
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// The most images (or labels) an IDX file may hold: above the 240,000 of
/// EMNIST Digits, the largest MNIST-like set of digits, and 196 MB of
/// pixels — what a count in a damaged header can make us read at most.
pub const MAX_IDX_ITEMS: u64 = 250_000;

/// Header length of an images file: magic, count, rows, columns.
const IMAGES_HEADER_BYTES: usize = 16;
/// Header length of a labels file: magic, count.
const LABELS_HEADER_BYTES: usize = 8;

/// The two kinds of IDX file MNIST comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdxKind {
    Images,
    Labels,
}

impl IdxKind {
    fn magic(self) -> u32 {
        match self {
            IdxKind::Images => IDX_IMAGES_MAGIC,
            IdxKind::Labels => IDX_LABELS_MAGIC,
        }
    }

    fn header_bytes(self) -> usize {
        match self {
            IdxKind::Images => IMAGES_HEADER_BYTES,
            IdxKind::Labels => LABELS_HEADER_BYTES,
        }
    }

    /// Bytes per item: an image or a label.
    fn item_bytes(self) -> u64 {
        match self {
            IdxKind::Images => IMAGE_PIXELS as u64,
            IdxKind::Labels => 1,
        }
    }

    /// The largest file of this kind: a full header and [`MAX_IDX_ITEMS`].
    pub(crate) fn max_file_bytes(self) -> u64 {
        self.header_bytes() as u64 + MAX_IDX_ITEMS * self.item_bytes()
    }
}

/// Reads an images file and its labels file (each plain or gzip) into a
/// [`Dataset`], checking that they pair up.
pub fn read_idx_pair(images_path: &Path, labels_path: &Path) -> Result<Dataset, DataError> {
    let images_name = images_path.display().to_string();
    let labels_name = labels_path.display().to_string();
    let images = parse_idx_images(&read_idx_file(images_path, IdxKind::Images)?, &images_name)?;
    let labels = parse_idx_labels(&read_idx_file(labels_path, IdxKind::Labels)?, &labels_name)?;
    pair_up(images, &images_name, labels, &labels_name)
}

/// The stored bytes of an IDX file of `kind` (plain or gzip), read only if
/// it is no larger than the largest such file can be. (A gzip file is
/// smaller than what it holds, so the same limit bounds it.)
pub(crate) fn read_idx_file(path: &Path, kind: IdxKind) -> Result<Vec<u8>, DataError> {
    let hint = "scripts/fetch-mnist.sh downloads the MNIST files to data/raw/";
    let what = match kind {
        IdxKind::Images => "an IDX images file",
        IdxKind::Labels => "an IDX labels file",
    };
    read_file_bounded(path, kind.max_file_bytes(), what, hint)
}

/// `bytes` (plain or gzip) as the plain IDX file they hold, decompressing no
/// further than the header says the file goes.
pub(crate) fn decompress_idx<'a>(
    bytes: &'a [u8],
    name: &str,
    kind: IdxKind,
) -> Result<Cow<'a, [u8]>, DataError> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut decoder = MultiGzDecoder::new(bytes);
    let corrupt = |e: std::io::Error| corrupt_gzip(name, &e);
    let mut plain = Vec::new();
    (&mut decoder).take(kind.header_bytes() as u64).read_to_end(&mut plain).map_err(corrupt)?;
    let header = Header::parse(&plain, name, kind)?;
    let expected = header.expected_len(kind);
    // Grown as the data arrives, never reserved from the count: the count
    // is bounded, but a short file should cost only what it holds.
    let rest = expected - plain.len() as u64;
    (&mut decoder).take(rest + 1).read_to_end(&mut plain).map_err(corrupt)?;
    if plain.len() as u64 > expected {
        return Err(DataError::IdxTrailingGzipData { file: name.to_owned(), expected });
    }
    Ok(Cow::Owned(plain))
}

/// Parses an IDX images file (plain or gzip bytes) into N × 784 pixels,
/// row-major, image after image. `name` is used in errors.
pub fn parse_idx_images(bytes: &[u8], name: &str) -> Result<Vec<u8>, DataError> {
    let bytes = decompress_idx(bytes, name, IdxKind::Images)?;
    let header = Header::parse(&bytes, name, IdxKind::Images)?;
    let body = header.body(&bytes, name, IdxKind::Images)?;
    Ok(body.to_vec())
}

/// Parses an IDX labels file (plain or gzip bytes), checking that each label
/// is a digit 0–9. `name` is used in errors.
pub fn parse_idx_labels(bytes: &[u8], name: &str) -> Result<Vec<u8>, DataError> {
    let bytes = decompress_idx(bytes, name, IdxKind::Labels)?;
    let header = Header::parse(&bytes, name, IdxKind::Labels)?;
    let labels = header.body(&bytes, name, IdxKind::Labels)?;
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
    /// Number of items (images or labels), at most [`MAX_IDX_ITEMS`].
    count: u64,
}

impl Header {
    /// Checks that `bytes` start with a whole header of `kind`: its magic,
    /// a sane count and, for images, 28×28.
    fn parse(bytes: &[u8], name: &str, kind: IdxKind) -> Result<Header, DataError> {
        let magic = kind.magic();
        let length = kind.header_bytes();
        // The magic number is checked first, when there are four bytes to
        // check: "not an IDX file" is more useful than "too short".
        if bytes.len() >= 4 && be_u32(bytes, 0) != magic {
            return Err(DataError::IdxBadMagic {
                file: name.to_owned(),
                found: be_u32(bytes, 0),
                expected: magic,
                expected_kind: if kind == IdxKind::Images { "images" } else { "labels" },
            });
        }
        if bytes.len() < length {
            return Err(DataError::IdxTruncated {
                file: name.to_owned(),
                expected: length as u64,
                actual: bytes.len() as u64,
            });
        }
        let count = u64::from(be_u32(bytes, 4));
        if count > MAX_IDX_ITEMS {
            return Err(DataError::IdxTooManyItems { file: name.to_owned(), count, limit: MAX_IDX_ITEMS });
        }
        if kind == IdxKind::Images {
            let rows = u64::from(be_u32(bytes, 8));
            let columns = u64::from(be_u32(bytes, 12));
            if rows != IMAGE_SIDE as u64 || columns != IMAGE_SIDE as u64 {
                return Err(DataError::WrongImageSize { file: name.to_owned(), rows, columns });
            }
        }
        Ok(Header { length, count })
    }

    /// The length of the whole file: header and `count` items.
    fn expected_len(&self, kind: IdxKind) -> u64 {
        // In u64, and the count is bounded: no overflow, even on wasm32.
        self.length as u64 + self.count * kind.item_bytes()
    }

    /// The data after the header: exactly `count` items, no more (junk at
    /// the end) and no less (truncated).
    fn body<'a>(&self, bytes: &'a [u8], name: &str, kind: IdxKind) -> Result<&'a [u8], DataError> {
        let expected = self.expected_len(kind);
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
