//! Small helpers shared by the readers and writers: gzip in and out, whole
//! files in and out, and sha256.
//!
//! Gzip is recognised by its two magic bytes, never by a file name, so a
//! chunk saved without its `.gz` (or a plain file named `.gz`) still reads.
//!
//! **Every read is bounded.** A path can name `/dev/zero`, a folder, or a
//! 50 GB file; gzip can inflate a thousandfold. So whole-file reads refuse
//! folders and devices and stop at a limit the caller derives from what the
//! file can legitimately be ([`read_file_bounded`]), and decompression stops
//! at what the data was declared to hold (`CsvReader::limit_bytes`, the
//! IDX reader). Nothing is allocated from a size a file merely claims
//! before it has been checked against what is really there. (Release
//! builds abort on a panic, and a failed allocation is an abort: a limit
//! must be checked, not hit.)

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufRead, Cursor, Read, Write};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};

use super::DataError;

/// The first two bytes of every gzip stream (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Level for the chunks we write. Fixed, because the level is recorded in the
/// gzip header and changes the output, and the chunks' sha256 must be stable.
const CHUNK_COMPRESSION: Compression = Compression::new(6);

/// True when `bytes` starts like a gzip stream.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// A reader of `input`'s text, decompressing it on the fly if it is gzip.
/// Also returns whether it was, so read errors can be blamed correctly.
pub(crate) fn decompressing_reader<'a>(
    mut input: impl BufRead + 'a,
    name: &str,
) -> Result<(Box<dyn BufRead + 'a>, bool), DataError> {
    // Take the first two bytes out and put them back in front, rather than
    // peek with `fill_buf`, which may legally return fewer than two.
    let mut magic = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut input)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut magic)
        .map_err(|e| DataError::io(name, e, "check the path"))?;
    let gzipped = is_gzip(&magic);
    let whole = Cursor::new(magic).chain(input);
    let reader: Box<dyn BufRead + 'a> = if gzipped {
        Box::new(io::BufReader::with_capacity(64 * 1024, MultiGzDecoder::new(whole)))
    } else {
        Box::new(whole)
    };
    Ok((reader, gzipped))
}

/// The error for gzip data that will not decompress.
pub(crate) fn corrupt_gzip(name: &str, error: &io::Error) -> DataError {
    let detail = match error.kind() {
        // flate2 says only "failed to fill whole buffer" here; say what it means.
        io::ErrorKind::UnexpectedEof => "it ends before the gzip trailer".to_owned(),
        _ => error.to_string(),
    };
    DataError::CorruptGzip { file: name.to_owned(), detail }
}

/// A gzip writer that compresses the same way every time: fixed level, no
/// file name, and a zero timestamp, so equal input gives byte-identical
/// output (and a stable sha256) on every run.
pub(crate) fn deterministic_gzip_encoder() -> GzEncoder<Vec<u8>> {
    GzBuilder::new().mtime(0).write(Vec::new(), CHUNK_COMPRESSION)
}

/// Why a bounded read of a whole file failed.
#[derive(Debug)]
pub(crate) enum BoundedReadError {
    /// The path is not something to read data from: "a folder", "a device".
    WrongKind(&'static str),
    /// More than the limit: the file's size says so, or reading went past it.
    TooLarge,
    Io(io::Error),
}

/// The whole of the file at `path`, if it is at most `limit` bytes.
///
/// Refuses folders and devices (`/dev/zero` never ends) before reading. A
/// regular file's size is checked before anything is read or allocated;
/// a pipe (`<(zcat …)`) is read only up to the limit. Shared with
/// [`crate::model_io`], whose errors are not [`DataError`]s.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, BoundedReadError> {
    // Open first, then ask the open file what it is: no window for the
    // path to be swapped between the check and the read.
    let file = fs::File::open(path).map_err(BoundedReadError::Io)?;
    let meta = file.metadata().map_err(BoundedReadError::Io)?;
    if let Some(kind) = unreadable_kind(&meta.file_type()) {
        return Err(BoundedReadError::WrongKind(kind));
    }
    let mut bytes = Vec::new();
    if meta.is_file() {
        if meta.len() > limit {
            return Err(BoundedReadError::TooLarge);
        }
        // The real size, checked: safe to reserve (it may still change
        // while we read, hence the `take` below all the same).
        bytes.reserve_exact(meta.len() as usize);
    }
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(BoundedReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(BoundedReadError::TooLarge);
    }
    Ok(bytes)
}

/// What the file type is, if it is not something whose bytes can be read
/// as a file's: `None` for a regular file or a pipe.
pub(crate) fn unreadable_kind(file_type: &fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return None;
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return Some("a device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The whole of the file at `path`, which is `what` (e.g. "a manifest") and
/// so at most `limit` bytes; see [`read_bounded`].
pub(crate) fn read_file_bounded(
    path: &Path,
    limit: u64,
    what: &'static str,
    hint: &str,
) -> Result<Vec<u8>, DataError> {
    let file = path.display().to_string();
    read_bounded(path, limit).map_err(|e| match e {
        BoundedReadError::WrongKind(found) => DataError::WrongKind { file, found, expected: what },
        BoundedReadError::TooLarge => DataError::FileTooLarge { file, limit, what },
        BoundedReadError::Io(e) => DataError::io(file, e, hint),
    })
}

/// Writes `bytes` to `path` by way of `path.tmp` and a rename, so a run that
/// is interrupted leaves a stray `.tmp` file, never a half file under the
/// real name that looks complete. On an error the `.tmp` file is removed.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = Path::new(&tmp_name);
    let failed = |e| DataError::io(path.display().to_string(), e, "does its folder exist?");
    let written = (|| {
        {
            let mut file = fs::File::create(tmp)?;
            file.write_all(bytes)?;
            // Flush to disk before the rename makes the file visible under its name.
            file.sync_all()?;
        } // closed here, before the rename
        fs::rename(tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(tmp);
    }
    written.map_err(failed)
}

/// The sha256 of `bytes` as 64 lowercase hex digits, as `sha256sum` prints it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
    }
    hex
}
