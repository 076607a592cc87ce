//! MNIST as CSV: one image per line, `label,p0,p1,…,p783`.
//!
//! The label is a digit 0–9 and each pixel a grey level 0–255, row by row
//! from the top left. There is no header, but a Kaggle-style header line
//! (`label,pixel0,…`) is skipped if it is the first line. CRLF line endings,
//! a missing final newline and blank lines at the end are all accepted, and
//! gzip is decompressed transparently (recognised by its magic bytes).
//!
//! The parser works on bytes, never on `String`s: the browser parses 10,000-row
//! chunks of about 18 MB while the user waits, so each byte is looked at once.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use super::files::{decompressing_reader, unreadable_kind};
use super::{DataError, Dataset, IMAGE_PIXELS, NUM_CLASSES};

/// Fields in a row: the label, then the pixels.
const FIELDS_PER_ROW: usize = 1 + IMAGE_PIXELS;

/// The longest line we read before deciding the input is not our CSV. A row
/// is at most 785 × 4 bytes; this allows generous zero-padding, yet keeps a
/// binary file with no newlines from being read whole into memory.
pub(crate) const MAX_LINE_BYTES: usize = 64 * 1024;

/// How many characters of a bad field to quote in an error.
const QUOTE_CHARS: usize = 20;

/// How far past a bad row an unlimited reader decompresses to see whether
/// the gzip itself is corrupt: 14 chunks' worth of text.
const MAX_BLAME_BYTES: u64 = 256 << 20;

/// The longest row as written without padding: 785 numbers of up to three
/// digits, each followed by a comma or the line end, plus a `\r`. What a
/// chunk whose row count is known may take per row (see
/// [`CsvReader::limit_bytes`]).
pub const MAX_ROW_BYTES: u64 = 4 * FIELDS_PER_ROW as u64 + 1;

/// One labelled image, as a CSV row holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelledImage {
    /// The digit shown, 0–9.
    pub label: u8,
    /// 28 × 28 grey levels, row-major, 0 = background.
    pub pixels: [u8; IMAGE_PIXELS],
}

impl Default for LabelledImage {
    fn default() -> Self {
        LabelledImage { label: 0, pixels: [0; IMAGE_PIXELS] }
    }
}

/// Reads CSV rows one at a time, in constant memory.
///
/// It is an iterator of `Result<LabelledImage, DataError>` that stops after
/// the first error. Line numbers in errors count every line of the file,
/// header and blank lines included, as an editor would.
pub struct CsvReader<'a> {
    input: Box<dyn BufRead + 'a>,
    /// Display name of the input for errors.
    name: String,
    /// Whether the input is gzip: read errors then mean corrupt gzip.
    gzipped: bool,
    /// The current line's bytes; reused so reading allocates nothing per row.
    line: Vec<u8>,
    /// 1-based number of the line in `line`.
    line_number: usize,
    /// The first blank line since the last row. Harmless if only blank
    /// lines follow it; an error if a row does, as a gap inside the data
    /// usually means the file was put together wrongly.
    blank_line: Option<usize>,
    /// Set after the end or an error, so the iterator stays finished.
    finished: bool,
    /// Rows read so far.
    rows: usize,
    /// At most this many rows: one more is an error, and reading stops.
    max_rows: Option<usize>,
    /// Bytes of text (after decompression) read so far.
    bytes: u64,
    /// At most this many bytes of text, and what bounds them (for errors).
    max_bytes: Option<(u64, String)>,
    /// Whether a first line starting with `#` is kept as a comment (see
    /// [`CsvReader::accept_comment_line`]) instead of being a bad row.
    accepts_comment: bool,
    /// That first line's text after the `#`, once read.
    comment: Option<Vec<u8>>,
    /// The line a header may be on: 1, or 2 after a comment line.
    header_line: usize,
}

impl<'a> CsvReader<'a> {
    /// Reads CSV from `input`, plain or gzip. `name` is used in errors.
    pub fn new(input: impl BufRead + 'a, name: &str) -> Result<Self, DataError> {
        let (input, gzipped) = decompressing_reader(input, name)?;
        Ok(CsvReader {
            input,
            name: name.to_owned(),
            gzipped,
            line: Vec::with_capacity(4 * FIELDS_PER_ROW),
            line_number: 0,
            blank_line: None,
            finished: false,
            rows: 0,
            max_rows: None,
            bytes: 0,
            max_bytes: None,
            accepts_comment: false,
            comment: None,
            header_line: 1,
        })
    }

    /// Accepts a first line starting with `#` (such as `# classes: …`) as
    /// a comment: its text is kept for [`comment`](Self::comment), and a
    /// header may then follow on line 2. Line numbers still count it.
    pub fn accept_comment_line(mut self) -> Self {
        self.accepts_comment = true;
        self
    }

    /// The first line's text after its `#`, if it was a comment line and
    /// has been read (that is, after the first [`read_row`](Self::read_row)).
    pub fn comment(&self) -> Option<&[u8]> {
        self.comment.as_deref()
    }

    /// Stops with [`DataError::TooManyRows`] at row `max + 1`, before it is
    /// returned: reading a chunk whose manifest says how many rows it has
    /// then takes no more memory than those rows, however long it really is.
    pub fn limit_rows(mut self, max: usize) -> Self {
        self.max_rows = Some(max);
        self
    }

    /// Stops with [`DataError::DecompressedTooLarge`] once more than `max`
    /// bytes of text have been read (decompressed, for gzip), naming `what`
    /// bounds them. Blank lines count too, so gzip that inflates to endless
    /// blank lines stops here.
    pub fn limit_bytes(mut self, max: u64, what: &str) -> Self {
        self.max_bytes = Some((max, what.to_owned()));
        self
    }

    /// Rows read so far.
    pub fn rows_read(&self) -> usize {
        self.rows
    }

    /// The display name used in errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the next row into `row`, returning `false` at the end of the
    /// input. This is the allocation-free form of [`Iterator::next`].
    pub fn read_row(&mut self, row: &mut LabelledImage) -> Result<bool, DataError> {
        if self.finished {
            return Ok(false);
        }
        let result = self.read_next_row(row);
        if !matches!(result, Ok(true)) {
            self.finished = true;
        }
        match result {
            Err(error) if self.gzipped => Err(self.blame_gzip_if_corrupt(error)),
            other => other,
        }
    }

    /// A flipped bit in gzip data usually shows first as a nonsense row, and
    /// the gzip checksum at the end only says so later. Reading on to the end
    /// tells which it is, so the error names the real cause.
    ///
    /// Only as far as the reader's byte limit (or [`MAX_BLAME_BYTES`]): a
    /// gzip bomb is not inflated to its end just to word an error.
    fn blame_gzip_if_corrupt(&mut self, error: DataError) -> DataError {
        if matches!(
            error,
            DataError::CorruptGzip { .. }
                | DataError::TooManyRows { .. }
                | DataError::DecompressedTooLarge { .. }
        ) {
            return error;
        }
        let budget = match &self.max_bytes {
            Some((limit, _)) => limit.saturating_sub(self.bytes),
            None => MAX_BLAME_BYTES,
        };
        match io::copy(&mut (&mut self.input).take(budget), &mut io::sink()) {
            Err(e) => super::files::corrupt_gzip(&self.name, &e),
            Ok(_) => error,
        }
    }

    fn read_next_row(&mut self, row: &mut LabelledImage) -> Result<bool, DataError> {
        loop {
            if !self.read_line()? {
                // Blank lines only at the end: allowed.
                return Ok(false);
            }
            let mut text = strip_line_ending(&self.line);
            if self.line_number == 1 {
                text = strip_utf8_bom(text);
                if self.accepts_comment {
                    if let Some(comment) = text.strip_prefix(b"#") {
                        self.comment = Some(comment.to_vec());
                        self.header_line = 2;
                        continue;
                    }
                }
            }
            if self.line_number == self.header_line && is_header(text) {
                continue;
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                self.blank_line.get_or_insert(self.line_number);
                continue;
            }
            if let Some(blank) = self.blank_line {
                return Err(DataError::BlankLine { file: self.name.clone(), line: blank });
            }
            if self.max_rows.is_some_and(|max| self.rows >= max) {
                let expected = self.rows;
                return Err(DataError::TooManyRows { file: self.name.clone(), expected });
            }
            parse_row(text, row).map_err(|problem| problem.into_error(&self.name, self.line_number))?;
            self.rows += 1;
            return Ok(true);
        }
    }

    /// Reads the next line into `self.line`; `false` at the end of input.
    fn read_line(&mut self) -> Result<bool, DataError> {
        self.line.clear();
        let read = (&mut self.input).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut self.line);
        match read {
            Ok(0) => Ok(false),
            Ok(read) => {
                self.line_number += 1;
                self.bytes += read as u64;
                if let Some((limit, what)) = &self.max_bytes {
                    if self.bytes > *limit {
                        return Err(DataError::DecompressedTooLarge {
                            file: self.name.clone(),
                            limit: *limit,
                            what: what.clone(),
                        });
                    }
                }
                if self.line.len() > MAX_LINE_BYTES && !self.line.ends_with(b"\n") {
                    return Err(DataError::LineTooLong {
                        file: self.name.clone(),
                        line: self.line_number,
                        limit: MAX_LINE_BYTES,
                    });
                }
                Ok(true)
            }
            Err(e) if self.gzipped => Err(super::files::corrupt_gzip(&self.name, &e)),
            Err(e) => Err(DataError::io(self.name.clone(), e, "check the path")),
        }
    }
}

impl CsvReader<'static> {
    /// Opens the CSV file at `path`, plain or gzip. Errors name the path.
    /// A folder or a device (`/dev/zero`) is refused before reading.
    pub fn open(path: &Path) -> Result<Self, DataError> {
        let name = path.display().to_string();
        let failed = |e| DataError::io(name.clone(), e, "check the path");
        let file = File::open(path).map_err(failed)?;
        let file_type = file.metadata().map_err(failed)?.file_type();
        if let Some(found) = unreadable_kind(&file_type) {
            return Err(DataError::WrongKind { file: name, found, expected: "a CSV file" });
        }
        CsvReader::new(BufReader::with_capacity(64 * 1024, file), &name)
    }
}

impl Iterator for CsvReader<'_> {
    type Item = Result<LabelledImage, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut row = LabelledImage::default();
        match self.read_row(&mut row) {
            Ok(true) => Some(Ok(row)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// Reads a whole CSV file (plain or gzip) into memory.
pub fn read_csv(path: &Path) -> Result<Dataset, DataError> {
    collect(CsvReader::open(path)?)
}

/// Parses CSV bytes, plain or gzip, e.g. a chunk the browser downloaded.
/// `name` is used in errors.
pub fn parse_csv(bytes: &[u8], name: &str) -> Result<Dataset, DataError> {
    collect(CsvReader::new(bytes, name)?)
}

pub(crate) fn collect(mut reader: CsvReader<'_>) -> Result<Dataset, DataError> {
    let mut dataset = Dataset::new();
    let mut row = LabelledImage::default();
    while reader.read_row(&mut row)? {
        dataset.push(&row.pixels, row.label);
    }
    Ok(dataset)
}

/// Writes `dataset` as CSV: no header, `\n` line endings, one row per image.
///
/// This is the exact format [`parse_csv`] reads and the chunks are made of.
/// Each row is built in memory and written with one call, so an unbuffered
/// writer is fine.
pub fn write_csv<W: Write>(mut writer: W, dataset: &Dataset) -> io::Result<()> {
    let mut line = Vec::with_capacity(4 * FIELDS_PER_ROW);
    for (i, &label) in dataset.labels.iter().enumerate() {
        line.clear();
        push_decimal(&mut line, label);
        for &pixel in dataset.image(i) {
            line.push(b',');
            push_decimal(&mut line, pixel);
        }
        line.push(b'\n');
        writer.write_all(&line)?;
    }
    Ok(())
}

/// Appends `value` in decimal, without allocating.
#[inline]
fn push_decimal(out: &mut Vec<u8>, value: u8) {
    if value >= 100 {
        out.push(b'0' + value / 100);
    }
    if value >= 10 {
        out.push(b'0' + value / 10 % 10);
    }
    out.push(b'0' + value % 10);
}

/// `line` without its `\n` or `\r\n`.
fn strip_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `text` without the byte-order mark some Windows tools put at the start.
fn strip_utf8_bom(text: &[u8]) -> &[u8] {
    text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
}

/// A header line is one whose first field starts with a letter (or a quote),
/// like Kaggle's `label,pixel0,…`. A row starts with a digit, so there is no
/// ambiguity; a row that starts with junk like `-` or `?` is still an error.
fn is_header(text: &[u8]) -> bool {
    text.first().is_some_and(|&b| b.is_ascii_alphabetic() || b == b'"')
}

/// What is wrong with a row, before we know which file and line it is on.
#[derive(Debug)]
enum RowProblem {
    /// The row has this many fields instead of 785.
    FieldCount(usize),
    /// The field at 1-based `column` is not a number in range.
    Field { column: usize, text: Vec<u8> },
}

impl RowProblem {
    fn into_error(self, file: &str, line: usize) -> DataError {
        let file = file.to_owned();
        match self {
            RowProblem::FieldCount(got) => DataError::WrongFieldCount { file, line, got },
            RowProblem::Field { column, text } => field_error(file, line, column, &text),
        }
    }
}

/// Parses one row, in a single pass over its bytes.
///
/// Each field is read where it stands, digit by digit; only a field that is
/// not a plain in-range number is looked at again, to say what is wrong.
fn parse_row(text: &[u8], row: &mut LabelledImage) -> Result<(), RowProblem> {
    let mut fields = Fields { text, pos: 0 };
    // Columns count from 1, as users count them: the label is column 1 and
    // pixel k is column k + 2.
    row.label = fields.number(1, NUM_CLASSES as u8 - 1)?;
    for (k, pixel) in row.pixels.iter_mut().enumerate() {
        if !fields.skip_comma() {
            // The line ended after the label and k pixels.
            return Err(RowProblem::FieldCount(1 + k));
        }
        *pixel = fields.number(k + 2, u8::MAX)?;
    }
    if fields.pos != text.len() {
        let commas = text.iter().filter(|&&b| b == b',').count();
        return Err(RowProblem::FieldCount(commas + 1));
    }
    Ok(())
}

/// A cursor over the fields of one line.
struct Fields<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Fields<'_> {
    /// Reads the field at the cursor as a number from 0 to `max`, leaving the
    /// cursor on the comma (or end of line) after it. `column` is for errors.
    ///
    /// This runs 7.8 million times per 10,000-row chunk, so it works on a
    /// local copy of the cursor and leaves error reporting out of line.
    #[inline]
    fn number(&mut self, column: usize, max: u8) -> Result<u8, RowProblem> {
        let start = self.pos;
        let mut pos = start;
        // Saturates at 1000 rather than overflow on long digit runs: that is
        // out of range anyway, and leading zeros still parse.
        let mut value: u32 = 0;
        while let Some(&byte) = self.text.get(pos) {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            value = (value * 10 + u32::from(digit)).min(1000);
            pos += 1;
        }
        self.pos = pos;
        let at_field_end = matches!(self.text.get(pos), None | Some(b','));
        if pos > start && at_field_end && value <= u32::from(max) {
            Ok(value as u8) // at most `max`, so it fits
        } else {
            Err(self.problem(column, start))
        }
    }

    /// Steps over the comma at the cursor; `false` at the end of the line.
    fn skip_comma(&mut self) -> bool {
        // `number` leaves the cursor on a comma or at the end, nothing else.
        let more = self.pos < self.text.len();
        self.pos += usize::from(more);
        more
    }

    /// The field at `column` that starts at `start`, as a problem to report.
    #[cold]
    #[inline(never)]
    fn problem(&self, column: usize, start: usize) -> RowProblem {
        let rest = &self.text[start..];
        let end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        RowProblem::Field { column, text: rest[..end].to_vec() }
    }
}

/// Says what is wrong with a field that [`Fields::number`] rejected.
fn field_error(file: String, line: usize, column: usize, field: &[u8]) -> DataError {
    let is_label = column == 1;
    let digits = field.strip_prefix(b"-").unwrap_or(field);
    let is_integer = !digits.is_empty() && digits.iter().all(u8::is_ascii_digit);
    let text = shorten(field);
    match (is_integer, is_label) {
        (true, true) => DataError::LabelOutOfRange { file, line, text },
        (true, false) => DataError::PixelOutOfRange { file, line, column, text },
        (false, _) => DataError::NotANumber {
            file,
            line,
            column,
            text,
            expected: if is_label { "a label 0–9" } else { "a pixel 0–255" },
        },
    }
}

/// `field` as text for an error message, cut short if it is long.
fn shorten(field: &[u8]) -> String {
    let text = String::from_utf8_lossy(field);
    let mut chars = text.chars();
    let mut quoted: String = chars.by_ref().take(QUOTE_CHARS).collect();
    if chars.next().is_some() {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_text(label: &str, pixels: &[&str]) -> Vec<u8> {
        let mut fields = vec![label.to_owned()];
        fields.extend(pixels.iter().map(ToString::to_string));
        fields.join(",").into_bytes()
    }

    #[test]
    fn parses_a_row_with_leading_zeros() {
        let mut pixels = vec!["0"; IMAGE_PIXELS];
        pixels[0] = "007";
        pixels[783] = "0255";
        let mut row = LabelledImage::default();
        parse_row(&row_text("09", &pixels), &mut row).unwrap();
        assert_eq!(row.label, 9);
        assert_eq!(row.pixels[0], 7);
        assert_eq!(row.pixels[783], 255);
    }

    #[test]
    fn long_digit_runs_are_out_of_range_not_overflow() {
        let mut pixels = vec!["0"; IMAGE_PIXELS];
        pixels[2] = "99999999999999999999999";
        let error =
            parse_row(&row_text("1", &pixels), &mut LabelledImage::default()).unwrap_err().into_error("f", 1);
        assert!(matches!(error, DataError::PixelOutOfRange { column: 4, .. }), "{error}");
    }

    #[test]
    fn decimal_writer_matches_display() {
        for value in 0..=255u8 {
            let mut out = Vec::new();
            push_decimal(&mut out, value);
            assert_eq!(out, value.to_string().into_bytes());
        }
    }

    #[test]
    fn shorten_cuts_long_fields() {
        assert_eq!(shorten(b"abc"), "abc");
        assert_eq!(shorten(&[b'x'; 25]), format!("{}…", "x".repeat(20)));
    }
}
