//! Small helpers shared by the readers and writers: gzip in and out, whole
//! files in and out, and sha256.
//!
//! Gzip is recognised by its two magic bytes, never by a file name, so a
//! chunk saved without its `.gz` (or a plain file named `.gz`) still reads.

use std::borrow::Cow;
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

/// `bytes` as they are, or decompressed if they are gzip.
///
/// Concatenated gzip members (what `cat a.gz b.gz` makes) decompress as one.
pub(crate) fn gunzip_if_gzip<'a>(bytes: &'a [u8], name: &str) -> Result<Cow<'a, [u8]>, DataError> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut plain = Vec::new();
    MultiGzDecoder::new(bytes).read_to_end(&mut plain).map_err(|e| corrupt_gzip(name, &e))?;
    Ok(Cow::Owned(plain))
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

/// The whole of the file at `path`.
pub(crate) fn read_file(path: &Path, hint: &str) -> Result<Vec<u8>, DataError> {
    fs::read(path).map_err(|e| DataError::io(path.display().to_string(), e, hint))
}

/// Writes `bytes` to `path` by way of `path.tmp` and a rename, so a run that
/// is interrupted leaves a stray `.tmp` file, never a half file under the
/// real name that looks complete.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = Path::new(&tmp_name);
    let failed = |e| DataError::io(path.display().to_string(), e, "does its folder exist?");
    {
        let mut file = fs::File::create(tmp).map_err(failed)?;
        file.write_all(bytes).map_err(failed)?;
        // Flush to disk before the rename makes the file visible under its name.
        file.sync_all().map_err(failed)?;
    } // closed here, before the rename
    fs::rename(tmp, path).map_err(failed)
}

/// The sha256 of `bytes` as 64 lowercase hex digits, as `sha256sum` prints it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
    }
    hex
}
