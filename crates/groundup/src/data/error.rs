//! What can go wrong when reading or writing MNIST files, said so that a
//! student can fix it.
//!
//! Every error names the file it is about (a display name chosen by the
//! caller: a path, or a chunk name such as `train-03.csv.gz`). CSV errors also
//! give the 1-based line and, for a bad field, the 1-based column: column 1 is
//! the label and column `k + 2` is pixel `k`, which is what a spreadsheet or
//! `cut -d, -f5` would call it.

use std::io;

/// An error reading, checking or writing MNIST data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A CSV field that is not a whole number (e.g. `abc`, `1.5`, or empty).
    #[error("{file}, line {line}, column {column}: {text:?} is not a number (expected {expected})")]
    NotANumber {
        file: String,
        line: usize,
        column: usize,
        /// The field as written, cut to about 20 characters.
        text: String,
        /// What the column should hold, e.g. "a pixel 0–255".
        expected: &'static str,
    },

    /// A CSV line without exactly one label and 784 pixels.
    #[error("{file}, line {line}: expected 785 fields (a label and 784 pixels), got {got}")]
    WrongFieldCount { file: String, line: usize, got: usize },

    /// A CSV pixel that is a number, but not a grey level.
    #[error("{file}, line {line}, column {column}: pixel {text} is outside 0–255")]
    PixelOutOfRange {
        file: String,
        line: usize,
        column: usize,
        /// The number as written (it may not fit any integer type).
        text: String,
    },

    /// A CSV label that is a number, but not a digit.
    #[error("{file}, line {line}, column 1: label {text} is outside 0–9")]
    LabelOutOfRange {
        file: String,
        line: usize,
        /// The number as written.
        text: String,
    },

    /// A blank line with data after it (blank lines at the end are fine).
    #[error("{file}, line {line} is blank; only the end of the file may have blank lines")]
    BlankLine { file: String, line: usize },

    /// A line far longer than any 785-field row, e.g. a binary file read as
    /// CSV. Reading stops here rather than holding the whole file in memory.
    #[error("{file}, line {line}: longer than {limit} bytes, which no row of 785 small numbers is; is this really a CSV file?")]
    LineTooLong { file: String, line: usize, limit: usize },

    /// Gzip data that ends early or does not decompress.
    #[error("{file}: the gzip data is truncated or corrupt ({detail}); download or prepare it again")]
    CorruptGzip { file: String, detail: String },

    /// An IDX file whose first four bytes are not the expected magic number.
    #[error("{file}: not an IDX {expected_kind} file: its magic number is {found:#010x}, expected {expected:#010x}")]
    IdxBadMagic {
        file: String,
        found: u32,
        expected: u32,
        /// "images" or "labels".
        expected_kind: &'static str,
    },

    /// An IDX file shorter than its header says.
    #[error("{file}: truncated IDX file: expected {expected} bytes, got {actual}")]
    IdxTruncated { file: String, expected: u64, actual: u64 },

    /// An IDX file longer than its header says.
    #[error("{file}: IDX file has {actual} bytes but its header accounts for only {expected}; there is junk at the end")]
    IdxTrailingData { file: String, expected: u64, actual: u64 },

    /// An IDX label byte that is not a digit.
    #[error("{file}, label number {index}: {value} is outside 0–9")]
    IdxBadLabel {
        file: String,
        /// 1-based position in the file.
        index: usize,
        value: u8,
    },

    /// IDX images and labels that do not pair up.
    #[error("{images_file} holds {images} images but {labels_file} holds {labels} labels; they must pair up one to one")]
    IdxCountMismatch { images_file: String, images: usize, labels_file: String, labels: usize },

    /// Images that are not 28×28.
    #[error("{file}: images are {rows}×{columns} pixels, expected 28×28")]
    WrongImageSize { file: String, rows: u64, columns: u64 },

    /// A file whose sha256 is not the one recorded for it.
    #[error("{file}: checksum mismatch: expected sha256 {expected}, got {actual}; the file is corrupt or not the one expected")]
    ChecksumMismatch { file: String, expected: String, actual: String },

    /// A file whose size is not the one recorded for it.
    #[error("{file}: expected {expected} bytes, got {actual}; the file is incomplete or was changed")]
    WrongFileSize { file: String, expected: u64, actual: u64 },

    /// A chunk that parses, but to a different number of rows than recorded.
    #[error("{file}: has {actual} rows, but the manifest says {expected}")]
    RowCountMismatch { file: String, expected: usize, actual: usize },

    /// A file that is not there.
    #[error("{file}: file not found ({hint})")]
    MissingFile {
        file: String,
        /// What to do about it.
        hint: String,
    },

    /// A `manifest.json` that does not parse or does not add up.
    #[error("{file}: invalid manifest: {reason}")]
    InvalidManifest { file: String, reason: String },

    /// A path that is the wrong kind of thing: a folder where a file is
    /// expected, a device such as `/dev/zero` (which never ends), a file
    /// where a folder is expected.
    #[error("{file}: is {found}, expected {expected}")]
    WrongKind {
        file: String,
        /// e.g. "a folder", "a device".
        found: &'static str,
        /// e.g. "a data file".
        expected: &'static str,
    },

    /// A file larger than anything it could legitimately be. Nothing of it
    /// is held in memory beyond the limit.
    #[error("{file}: larger than {limit} bytes, more than {what} can be; is it the right file?")]
    FileTooLarge {
        file: String,
        limit: u64,
        /// What the file should be, e.g. "a manifest".
        what: &'static str,
    },

    /// Gzip data that inflates to more than what it was declared to hold
    /// (a "zip bomb", or a chunk that is not the one listed). Decompression
    /// stops at the limit.
    #[error(
        "{file}: decompresses to more than {limit} bytes, more than {what} can take; stopped reading there"
    )]
    DecompressedTooLarge {
        file: String,
        limit: u64,
        /// What bounds it, e.g. "10000 rows of 785 numbers".
        what: String,
    },

    /// A chunk with more rows than its manifest entry says. Reading stops at
    /// the first row too many, so a huge chunk cannot fill the memory.
    #[error("{file}: has more than the {expected} rows the manifest says; stopped reading there")]
    TooManyRows { file: String, expected: usize },

    /// An IDX header whose item count is beyond any MNIST-like data set.
    #[error("{file}: the IDX header says {count} items, more than the {limit} this program reads; is the file damaged?")]
    IdxTooManyItems { file: String, count: u64, limit: u64 },

    /// A gzipped IDX file that decompresses to more than its header
    /// accounts for. Decompression stops just past the declared end.
    #[error("{file}: decompresses to more than the {expected} bytes its IDX header accounts for; there is junk at the end")]
    IdxTrailingGzipData { file: String, expected: u64 },

    /// An output folder holding a folder that `prepare` did not make.
    /// (Other files are carried over into the new output; folders are not.)
    #[error("{file}: a folder that `groundup data prepare` did not make, inside {folder}, which prepare replaces; move it away or choose another output folder")]
    ForeignFolder { file: String, folder: String },

    /// A `# classes: …` first line that cannot be used.
    #[error("{file}, line {line}: {reason}")]
    ClassesLine { file: String, line: usize, reason: String },

    /// Too few rows for what they are to be used for.
    #[error("{file}: has {rows} rows, but {why} needs at least {needed}")]
    TooFewRows {
        file: String,
        rows: usize,
        needed: usize,
        /// What needs them, e.g. "one file (split into training and test images)".
        why: &'static str,
    },

    /// More rows than the page takes from one file. Reading stops at the
    /// first row too many.
    #[error("{file}: more than {limit} rows, the most one file may have here; stopped reading there")]
    RowLimit { file: String, limit: usize },

    /// Any other failure to read or write a file.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
}

impl DataError {
    /// Wraps an I/O error on `file`, turning "not found" into [`MissingFile`]
    /// with `hint`, since that is the one a student can act on directly.
    ///
    /// [`MissingFile`]: DataError::MissingFile
    pub(crate) fn io(file: impl Into<String>, source: io::Error, hint: &str) -> Self {
        let file = file.into();
        if source.kind() == io::ErrorKind::NotFound {
            DataError::MissingFile { file, hint: hint.to_owned() }
        } else {
            DataError::Io { file, source }
        }
    }

    /// The file this error is about (for two-file errors, the images file).
    pub fn file(&self) -> &str {
        match self {
            DataError::NotANumber { file, .. }
            | DataError::WrongFieldCount { file, .. }
            | DataError::PixelOutOfRange { file, .. }
            | DataError::LabelOutOfRange { file, .. }
            | DataError::BlankLine { file, .. }
            | DataError::LineTooLong { file, .. }
            | DataError::CorruptGzip { file, .. }
            | DataError::IdxBadMagic { file, .. }
            | DataError::IdxTruncated { file, .. }
            | DataError::IdxTrailingData { file, .. }
            | DataError::IdxBadLabel { file, .. }
            | DataError::WrongImageSize { file, .. }
            | DataError::ChecksumMismatch { file, .. }
            | DataError::WrongFileSize { file, .. }
            | DataError::RowCountMismatch { file, .. }
            | DataError::MissingFile { file, .. }
            | DataError::InvalidManifest { file, .. }
            | DataError::WrongKind { file, .. }
            | DataError::FileTooLarge { file, .. }
            | DataError::DecompressedTooLarge { file, .. }
            | DataError::TooManyRows { file, .. }
            | DataError::IdxTooManyItems { file, .. }
            | DataError::IdxTrailingGzipData { file, .. }
            | DataError::ForeignFolder { file, .. }
            | DataError::ClassesLine { file, .. }
            | DataError::TooFewRows { file, .. }
            | DataError::RowLimit { file, .. }
            | DataError::Io { file, .. } => file,
            DataError::IdxCountMismatch { images_file, .. } => images_file,
        }
    }
}
