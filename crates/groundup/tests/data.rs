//! Tests of `groundup::data`: CSV and IDX reading and writing, `prepare`,
//! manifests, and the committed sample.
//!
//! Fixtures are made here, in memory or in a fresh folder under the system's
//! temp dir; the IDX encoder below is written independently of the reader so
//! a shared misunderstanding of the format cannot hide.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::write::GzEncoder;
use flate2::Compression;
use groundup::data::{
    load_split, parse_csv, parse_idx_images, parse_idx_labels, prepare_with, read_csv, read_idx_pair,
    write_csv, CsvReader, DataError, Dataset, LabelledImage, Manifest, PrepareOptions, Split, IMAGE_PIXELS,
    MANIFEST_FILE,
};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// `n` images with pseudo-random pixels covering all of 0–255 and labels
/// cycling through the digits from `first_label`.
fn synthetic(n: usize, first_label: u8) -> Dataset {
    let mut state: u32 = 0x1234_5678 ^ u32::from(first_label);
    let mut dataset = Dataset::new();
    for i in 0..n {
        let pixels: Vec<u8> = (0..IMAGE_PIXELS)
            .map(|_| {
                // A small LCG: fixtures need variety, not quality.
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let r = (state >> 24) as u8;
                // Mostly background, like real digits, so lines vary in length.
                if r < 160 {
                    0
                } else {
                    r.wrapping_mul(3)
                }
            })
            .collect();
        dataset.push(&pixels, (first_label + i as u8) % 10);
    }
    dataset
}

/// A dataset of one image with the given label and pixels set at
/// `(index, value)`, the rest 0.
fn one_image(label: u8, set: &[(usize, u8)]) -> Dataset {
    let mut pixels = [0u8; IMAGE_PIXELS];
    for &(i, v) in set {
        pixels[i] = v;
    }
    let mut dataset = Dataset::new();
    dataset.push(&pixels, label);
    dataset
}

fn csv_text(dataset: &Dataset) -> String {
    let mut out = Vec::new();
    write_csv(&mut out, dataset).unwrap();
    String::from_utf8(out).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A valid row: `label` then 784 pixel fields, with `replace` applied to the
/// 1-based columns given (column 1 is the label).
fn row(label: &str, replace: &[(usize, &str)]) -> String {
    let mut fields = vec![label.to_owned()];
    fields.extend((0..IMAGE_PIXELS).map(|k| (k % 256).to_string()));
    for &(column, text) in replace {
        fields[column - 1] = text.to_owned();
    }
    fields.join(",")
}

/// Encodes an IDX images file: magic 0x803, count, 28, 28, pixels.
fn idx_images(images: &[u8]) -> Vec<u8> {
    idx_images_with(0x0000_0803, (images.len() / IMAGE_PIXELS) as u32, 28, 28, images)
}

fn idx_images_with(magic: u32, count: u32, rows: u32, columns: u32, images: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [magic, count, rows, columns] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.extend_from_slice(images);
    bytes
}

/// Encodes an IDX labels file: magic 0x801, count, labels.
fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0x0000_0801u32.to_be_bytes());
    bytes.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    bytes.extend_from_slice(labels);
    bytes
}

/// A new, empty folder under the temp dir, unique to this test and process,
/// removed when dropped (also when the test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("groundup-data-{}-{n}-{test}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes the four IDX files of `train` and `test` into `dir` under the
/// canonical names.
fn write_idx_set(dir: &Path, train: &Dataset, test: &Dataset) {
    fs::write(dir.join("train-images-idx3-ubyte"), idx_images(&train.images)).unwrap();
    fs::write(dir.join("train-labels-idx1-ubyte"), idx_labels(&train.labels)).unwrap();
    fs::write(dir.join("t10k-images-idx3-ubyte"), idx_images(&test.images)).unwrap();
    fs::write(dir.join("t10k-labels-idx1-ubyte"), idx_labels(&test.labels)).unwrap();
}

fn unverified(chunk_rows: usize) -> PrepareOptions {
    PrepareOptions { verify_checksums: false, chunk_rows }
}

/// The error message of a CSV that must fail to parse, checked to contain
/// every one of `needles`.
fn assert_csv_error(text: &str, needles: &[&str]) -> DataError {
    let error = parse_csv(text.as_bytes(), "digits.csv").expect_err("the CSV should not parse");
    let message = error.to_string();
    assert!(message.starts_with("digits.csv"), "error should name the file: {message}");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} should contain {needle:?}");
    }
    error
}

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample")
}

// ---------------------------------------------------------------------------
// CSV: the good cases
// ---------------------------------------------------------------------------

#[test]
fn write_csv_writes_the_exact_format() {
    let dataset = one_image(7, &[(0, 255), (1, 9), (2, 10), (783, 100)]);
    let text = csv_text(&dataset);
    assert!(text.starts_with("7,255,9,10,0,0,"), "{text}");
    assert!(text.ends_with(",0,100\n"), "{text}");
    assert_eq!(text.matches('\n').count(), 1);
    assert_eq!(text.split(',').count(), 785);
    assert!(!text.contains('\r'));
}

#[test]
fn csv_round_trips() {
    let dataset = synthetic(123, 0);
    let text = csv_text(&dataset);
    assert_eq!(text.lines().count(), 123);
    assert_eq!(parse_csv(text.as_bytes(), "x.csv").unwrap(), dataset);
}

#[test]
fn empty_csv_is_an_empty_dataset() {
    assert!(parse_csv(b"", "empty.csv").unwrap().is_empty());
}

#[test]
fn kaggle_header_on_the_first_line_is_skipped() {
    let dataset = synthetic(3, 4);
    let header: Vec<String> =
        std::iter::once("label".to_owned()).chain((0..IMAGE_PIXELS).map(|k| format!("pixel{k}"))).collect();
    let text = format!("{}\n{}", header.join(","), csv_text(&dataset));
    assert_eq!(parse_csv(text.as_bytes(), "kaggle.csv").unwrap(), dataset);

    // With a byte-order mark, as some spreadsheet programs write it.
    let with_bom = format!("\u{feff}{text}");
    assert_eq!(parse_csv(with_bom.as_bytes(), "kaggle.csv").unwrap(), dataset);
}

#[test]
fn header_is_only_allowed_on_the_first_line() {
    let dataset = synthetic(2, 0);
    let text = csv_text(&dataset);
    let (first, rest) = text.split_once('\n').unwrap();
    let text = format!("{first}\nlabel,pixel0\n{rest}");
    let error = assert_csv_error(&text, &["line 2", "column 1", "\"label\"", "not a number"]);
    assert!(matches!(error, DataError::NotANumber { line: 2, column: 1, .. }));
}

#[test]
fn crlf_and_missing_final_newline_and_trailing_blank_lines_are_accepted() {
    let dataset = synthetic(4, 2);
    let text = csv_text(&dataset);
    let crlf = text.replace('\n', "\r\n");
    let no_final_newline = text.trim_end_matches('\n').to_owned();
    let blank_end = format!("{text}\n\r\n  \n");
    for variant in [crlf, no_final_newline, blank_end] {
        assert_eq!(
            parse_csv(variant.as_bytes(), "v.csv").unwrap(),
            dataset,
            "{:?}",
            &variant[variant.len() - 12..]
        );
    }
}

#[test]
fn gzip_and_plain_give_the_same_rows() {
    let dataset = synthetic(20, 0);
    let text = csv_text(&dataset);
    assert_eq!(parse_csv(&gzip(text.as_bytes()), "x.csv.gz").unwrap(), dataset);

    // Recognised by content, not name: a gzip file called .csv and a plain
    // file called .csv.gz both read.
    let dir = TempDir::new("gzip_and_plain");
    fs::write(dir.join("gz-inside.csv"), gzip(text.as_bytes())).unwrap();
    fs::write(dir.join("plain-inside.csv.gz"), &text).unwrap();
    assert_eq!(read_csv(&dir.join("gz-inside.csv")).unwrap(), dataset);
    assert_eq!(read_csv(&dir.join("plain-inside.csv.gz")).unwrap(), dataset);

    // Concatenated gzip members, as `cat a.gz b.gz` makes, read as one.
    let (a, b) = text.split_at(text.find('\n').unwrap() + 1);
    let mut joined = gzip(a.as_bytes());
    joined.extend(gzip(b.as_bytes()));
    assert_eq!(parse_csv(&joined, "cat.csv.gz").unwrap(), dataset);
}

#[test]
fn csv_reader_streams_rows_in_order() {
    let dataset = synthetic(5, 3);
    let text = csv_text(&dataset);
    let rows: Vec<LabelledImage> =
        CsvReader::new(text.as_bytes(), "s.csv").unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 5);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.label, dataset.labels[i]);
        assert_eq!(&row.pixels[..], dataset.image(i));
    }
}

#[test]
fn csv_reader_stops_after_an_error() {
    let text = format!("{}\n{}\n{}\n", row("1", &[]), row("x", &[]), row("2", &[]));
    let mut reader = CsvReader::new(text.as_bytes(), "s.csv").unwrap();
    assert!(reader.next().unwrap().is_ok());
    assert!(reader.next().unwrap().is_err());
    assert!(reader.next().is_none(), "no rows after an error");
}

// ---------------------------------------------------------------------------
// CSV: every kind of bad input names file, line and column
// ---------------------------------------------------------------------------

#[test]
fn non_numeric_pixel_names_line_and_column() {
    let text = format!("{}\n{}\n{}\n", row("1", &[]), row("2", &[]), row("3", &[(5, "abc")]));
    let error = assert_csv_error(
        &text,
        &["digits.csv, line 3, column 5: \"abc\" is not a number (expected a pixel 0–255)"],
    );
    assert!(matches!(error, DataError::NotANumber { line: 3, column: 5, .. }));
}

#[test]
fn line_numbers_count_the_header() {
    let text = format!("label,pixel0\n{}\n{}\n", row("1", &[]), row("2", &[(785, "1.5")]));
    assert_csv_error(&text, &["line 3", "column 785", "\"1.5\""]);
}

#[test]
fn long_bad_fields_are_quoted_short() {
    let junk = "abcdefghijklmnopqrstuvwxyz0123456789";
    let text = row("1", &[(2, junk)]);
    let error = assert_csv_error(&text, &["line 1", "column 2", "\"abcdefghijklmnopqrst…\""]);
    assert!(!error.to_string().contains(junk));
}

#[test]
fn empty_and_spaced_fields_are_not_numbers() {
    assert_csv_error(&row("1", &[(10, "")]), &["line 1", "column 10", "\"\" is not a number"]);
    assert_csv_error(&row("1", &[(10, " 7")]), &["column 10", "\" 7\" is not a number"]);
}

#[test]
fn non_numeric_label_says_a_label_is_expected() {
    // On line 1 a field starting with a letter makes a header, so line 2.
    let text = format!("{}\n{}", row("1", &[]), row("seven", &[]));
    assert_csv_error(&text, &["line 2, column 1", "\"seven\"", "expected a label 0–9"]);
    let text = format!("{}\n{}", row("1", &[]), row("?", &[]));
    assert_csv_error(&text, &["line 2, column 1", "\"?\"", "expected a label 0–9"]);
    // Junk that is not a letter is not a header, even on line 1.
    assert_csv_error(&row("?", &[]), &["line 1, column 1", "\"?\""]);
}

#[test]
fn wrong_field_count_says_expected_and_got() {
    let short = row("1", &[]);
    let short = &short[..short.rfind(',').unwrap()];
    assert_csv_error(short, &["line 1", "expected 785 fields", "got 784"]);

    let long = format!("{},0,0", row("1", &[]));
    let error = assert_csv_error(&long, &["line 1", "expected 785 fields", "got 787"]);
    assert!(matches!(error, DataError::WrongFieldCount { got: 787, .. }));

    // A trailing comma is an empty 786th field.
    assert_csv_error(&format!("{},", row("1", &[])), &["got 786"]);
    // A tab-separated file is one long field per line.
    assert_csv_error("1\t0\t0\n", &["line 1", "\"1\\t0\\t0\""]);
}

#[test]
fn pixel_out_of_range_names_the_column() {
    let text = format!("{}\n{}", row("1", &[]), row("2", &[(300, "256")]));
    let error = assert_csv_error(&text, &["line 2, column 300: pixel 256 is outside 0–255"]);
    assert!(matches!(error, DataError::PixelOutOfRange { line: 2, column: 300, .. }));
    assert_csv_error(&row("2", &[(4, "-1")]), &["column 4: pixel -1 is outside 0–255"]);
    assert_csv_error(&row("2", &[(4, "99999999999999999999")]), &["pixel 99999999999999999999 is outside"]);
}

#[test]
fn label_out_of_range_names_column_one() {
    let text = format!("{}\n{}\n{}", row("1", &[]), row("2", &[]), row("10", &[]));
    let error = assert_csv_error(&text, &["line 3, column 1: label 10 is outside 0–9"]);
    assert!(matches!(error, DataError::LabelOutOfRange { line: 3, .. }));
}

#[test]
fn blank_line_before_more_rows_is_an_error() {
    let text = format!("{}\n\n{}\n", row("1", &[]), row("2", &[]));
    assert_csv_error(&text, &["line 2 is blank"]);
}

#[test]
fn binary_junk_is_rejected_without_reading_it_whole() {
    let junk = vec![b'7'; 1 << 20];
    let error = parse_csv(&junk, "junk.bin").unwrap_err();
    assert!(matches!(error, DataError::LineTooLong { line: 1, .. }), "{error}");
}

#[test]
fn truncated_gzip_is_an_error_naming_the_file() {
    let text = csv_text(&synthetic(200, 0));
    let compressed = gzip(text.as_bytes());
    for cut in [compressed.len() / 2, compressed.len() - 4, 12] {
        let error = parse_csv(&compressed[..cut], "train-03.csv.gz")
            .expect_err("a truncated gzip must never read as a shorter dataset");
        assert!(matches!(error, DataError::CorruptGzip { .. }), "cut at {cut}: {error}");
        assert!(error.to_string().starts_with("train-03.csv.gz: "), "{error}");
    }

    let dir = TempDir::new("truncated_gzip");
    let path = dir.join("half.csv.gz");
    fs::write(&path, &compressed[..compressed.len() / 2]).unwrap();
    let error = read_csv(&path).unwrap_err();
    assert!(error.to_string().contains("half.csv.gz"), "{error}");
    assert!(error.to_string().contains("truncated or corrupt"), "{error}");
}

#[test]
fn corrupt_gzip_byte_is_an_error() {
    let text = csv_text(&synthetic(50, 0));
    let mut compressed = gzip(text.as_bytes());
    let middle = compressed.len() / 2;
    compressed[middle] ^= 0x55;
    let error = parse_csv(&compressed, "c.csv.gz").unwrap_err();
    assert!(matches!(error, DataError::CorruptGzip { .. }), "{error}");

    let dir = TempDir::new("corrupt_gzip_byte");
    fs::write(dir.join("c.csv.gz"), &compressed).unwrap();
    let error = read_csv(&dir.join("c.csv.gz")).unwrap_err();
    assert!(matches!(error, DataError::CorruptGzip { .. }), "{error}");
}

#[test]
fn missing_csv_file_says_not_found() {
    let error = read_csv(Path::new("/no/such/folder/digits.csv")).unwrap_err();
    assert!(matches!(error, DataError::MissingFile { .. }), "{error}");
    assert!(error.to_string().contains("/no/such/folder/digits.csv: file not found"), "{error}");
}

// ---------------------------------------------------------------------------
// IDX
// ---------------------------------------------------------------------------

#[test]
fn idx_round_trips_plain_and_gzip() {
    let dataset = synthetic(9, 5);
    let images = idx_images(&dataset.images);
    let labels = idx_labels(&dataset.labels);
    assert_eq!(parse_idx_images(&images, "i").unwrap(), dataset.images);
    assert_eq!(parse_idx_labels(&labels, "l").unwrap(), dataset.labels);
    assert_eq!(parse_idx_images(&gzip(&images), "i.gz").unwrap(), dataset.images);
    assert_eq!(parse_idx_labels(&gzip(&labels), "l.gz").unwrap(), dataset.labels);

    let dir = TempDir::new("idx_round_trip");
    fs::write(dir.join("images"), &images).unwrap();
    fs::write(dir.join("labels.gz"), gzip(&labels)).unwrap();
    assert_eq!(read_idx_pair(&dir.join("images"), &dir.join("labels.gz")).unwrap(), dataset);
}

#[test]
fn idx_with_zero_images_is_empty() {
    assert!(parse_idx_images(&idx_images(&[]), "i").unwrap().is_empty());
    assert!(parse_idx_labels(&idx_labels(&[]), "l").unwrap().is_empty());
}

#[test]
fn idx_bad_magic_says_what_was_found() {
    let labels = idx_labels(&[1, 2, 3]);
    // A labels file passed as images, the likeliest mix-up.
    let error = parse_idx_images(&labels, "swapped").unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, DataError::IdxBadMagic { found: 0x801, expected: 0x803, .. }));
    assert!(message.contains("swapped: not an IDX images file"), "{message}");
    assert!(message.contains("0x00000801") && message.contains("0x00000803"), "{message}");

    let error = parse_idx_labels(b"hello, world", "text").unwrap_err();
    assert!(matches!(error, DataError::IdxBadMagic { .. }), "{error}");
}

#[test]
fn idx_truncated_says_expected_and_actual_length() {
    let images = idx_images(&synthetic(2, 0).images);
    let full = images.len() as u64;
    let error = parse_idx_images(&images[..images.len() - 10], "cut").unwrap_err();
    assert!(
        matches!(error, DataError::IdxTruncated { expected, actual, .. } if expected == full && actual == full - 10),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains(&format!("expected {full} bytes, got {}", full - 10)), "{message}");

    // Cut inside the header.
    let error = parse_idx_labels(&idx_labels(&[1])[..6], "tiny").unwrap_err();
    assert!(matches!(error, DataError::IdxTruncated { expected: 8, actual: 6, .. }), "{error}");

    // A gzipped IDX file cut short is a gzip error, not a shorter set.
    let compressed = gzip(&images);
    let error = parse_idx_images(&compressed[..compressed.len() / 2], "cut.gz").unwrap_err();
    assert!(matches!(error, DataError::CorruptGzip { .. }), "{error}");
}

#[test]
fn idx_trailing_junk_is_an_error() {
    let mut labels = idx_labels(&[1, 2]);
    labels.push(0);
    let error = parse_idx_labels(&labels, "long").unwrap_err();
    assert!(matches!(error, DataError::IdxTrailingData { expected: 10, actual: 11, .. }), "{error}");
}

#[test]
fn idx_wrong_image_size_is_an_error() {
    let pixels = vec![0u8; 32 * 32];
    let bytes = idx_images_with(0x803, 1, 32, 32, &pixels);
    let error = parse_idx_images(&bytes, "big").unwrap_err();
    assert!(error.to_string().contains("big: images are 32×32 pixels, expected 28×28"), "{error}");
}

#[test]
fn idx_label_out_of_range_is_an_error() {
    let error = parse_idx_labels(&idx_labels(&[0, 9, 10, 3]), "labels").unwrap_err();
    assert!(matches!(error, DataError::IdxBadLabel { index: 3, value: 10, .. }), "{error}");
    assert!(error.to_string().contains("label number 3: 10 is outside 0–9"), "{error}");
}

#[test]
fn idx_count_mismatch_names_both_files() {
    let dataset = synthetic(3, 0);
    let dir = TempDir::new("idx_count_mismatch");
    fs::write(dir.join("imgs"), idx_images(&dataset.images)).unwrap();
    fs::write(dir.join("lbls"), idx_labels(&dataset.labels[..2])).unwrap();
    let error = read_idx_pair(&dir.join("imgs"), &dir.join("lbls")).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("imgs holds 3 images") && message.contains("lbls holds 2 labels"), "{message}");
}

// ---------------------------------------------------------------------------
// prepare, manifest, load_split
// ---------------------------------------------------------------------------

#[test]
fn prepare_writes_chunks_and_a_manifest_that_load_back() {
    let (train, test) = (synthetic(25, 0), synthetic(7, 3));
    let raw = TempDir::new("prepare_raw");
    write_idx_set(&raw, &train, &test);
    let out = raw.join("out"); // does not exist yet: prepare makes it

    let manifest = prepare_with(&raw, &out, &unverified(10)).unwrap();

    let files: Vec<&str> = manifest.train.chunks.iter().map(|c| c.file.as_str()).collect();
    assert_eq!(files, ["train-00.csv.gz", "train-01.csv.gz", "train-02.csv.gz"]);
    let rows: Vec<usize> = manifest.train.chunks.iter().map(|c| c.rows).collect();
    assert_eq!(rows, [10, 10, 5]);
    assert_eq!(manifest.train.rows, 25);
    assert_eq!(manifest.test.rows, 7);
    assert_eq!(manifest.test.chunks.len(), 1);
    assert_eq!(manifest.test.chunks[0].file, "test-00.csv.gz");
    assert_eq!(manifest.image_shape, [28, 28]);
    for chunk in manifest.train.chunks.iter().chain(&manifest.test.chunks) {
        let bytes = fs::read(out.join(&chunk.file)).unwrap();
        assert_eq!(bytes.len() as u64, chunk.bytes);
        assert_eq!(&bytes[..2], [0x1f, 0x8b], "chunks are gzip");
        assert_eq!(chunk.sha256.len(), 64);
    }

    assert_eq!(Manifest::load(&out).unwrap(), manifest);
    assert_eq!(load_split(&out, Split::Train).unwrap(), train);
    assert_eq!(load_split(&out, Split::Test).unwrap(), test);

    let leftovers: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn prepare_is_deterministic() {
    let raw = TempDir::new("prepare_deterministic");
    write_idx_set(&raw, &synthetic(12, 0), &synthetic(4, 1));
    let first = prepare_with(&raw, &raw.join("a"), &unverified(5)).unwrap();
    let second = prepare_with(&raw, &raw.join("b"), &unverified(5)).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        fs::read(raw.join("a/train-01.csv.gz")).unwrap(),
        fs::read(raw.join("b/train-01.csv.gz")).unwrap()
    );
}

#[test]
fn prepare_accepts_dotted_and_gzipped_names() {
    let (train, test) = (synthetic(4, 0), synthetic(2, 0));
    let raw = TempDir::new("prepare_names");
    fs::write(raw.join("train-images.idx3-ubyte.gz"), gzip(&idx_images(&train.images))).unwrap();
    fs::write(raw.join("train-labels.idx1-ubyte"), idx_labels(&train.labels)).unwrap();
    fs::write(raw.join("t10k-images-idx3-ubyte.gz"), gzip(&idx_images(&test.images))).unwrap();
    fs::write(raw.join("t10k-labels-idx1-ubyte"), idx_labels(&test.labels)).unwrap();
    let out = raw.join("out");
    prepare_with(&raw, &out, &unverified(3)).unwrap();
    assert_eq!(load_split(&out, Split::Train).unwrap(), train);
    assert_eq!(load_split(&out, Split::Test).unwrap(), test);
}

#[test]
fn prepare_checks_sha256_unless_told_not_to() {
    let raw = TempDir::new("prepare_verify");
    write_idx_set(&raw, &synthetic(3, 0), &synthetic(2, 0));
    let out = raw.join("out");
    let error = prepare_with(&raw, &out, &PrepareOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, DataError::ChecksumMismatch { .. }), "{message}");
    assert!(message.contains("train-images-idx3-ubyte: checksum mismatch"), "{message}");
    assert!(
        message.contains("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "{message}"
    );
    assert!(!out.join(MANIFEST_FILE).exists(), "nothing is written when a check fails");
}

#[test]
fn prepare_names_the_missing_file() {
    let raw = TempDir::new("prepare_missing");
    write_idx_set(&raw, &synthetic(3, 0), &synthetic(2, 0));
    fs::remove_file(raw.join("t10k-labels-idx1-ubyte")).unwrap();
    let error = prepare_with(&raw, &raw.join("out"), &unverified(10)).unwrap_err();
    assert!(matches!(error, DataError::MissingFile { .. }), "{error}");
    assert!(error.to_string().contains("t10k-labels-idx1-ubyte: file not found"), "{error}");
}

#[test]
fn prepare_replaces_an_earlier_run() {
    let raw = TempDir::new("prepare_again");
    write_idx_set(&raw, &synthetic(30, 0), &synthetic(2, 0));
    let out = raw.join("out");
    prepare_with(&raw, &out, &unverified(5)).unwrap();
    assert!(out.join("train-05.csv.gz").exists());
    fs::write(out.join("notes.txt"), "mine").unwrap();

    prepare_with(&raw, &out, &unverified(10)).unwrap();
    assert!(!out.join("train-05.csv.gz").exists(), "chunks of the earlier run are gone");
    assert!(out.join("notes.txt").exists(), "other files are left alone");
    assert_eq!(load_split(&out, Split::Train).unwrap().len(), 30);
}

#[test]
fn corrupted_chunk_is_a_checksum_error_naming_it() {
    let raw = TempDir::new("corrupt_chunk");
    write_idx_set(&raw, &synthetic(20, 0), &synthetic(2, 0));
    let out = raw.join("out");
    prepare_with(&raw, &out, &unverified(10)).unwrap();

    let path = out.join("train-01.csv.gz");
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1; // same size, different content
    fs::write(&path, &bytes).unwrap();
    let error = load_split(&out, Split::Train).unwrap_err();
    assert!(matches!(error, DataError::ChecksumMismatch { .. }), "{error}");
    assert!(error.to_string().contains("train-01.csv.gz: checksum mismatch"), "{error}");
    // The other split is untouched and still loads.
    assert_eq!(load_split(&out, Split::Test).unwrap().len(), 2);

    fs::write(&path, &bytes[..100]).unwrap();
    let error = load_split(&out, Split::Train).unwrap_err();
    assert!(matches!(error, DataError::WrongFileSize { actual: 100, .. }), "{error}");

    fs::remove_file(&path).unwrap();
    let error = load_split(&out, Split::Train).unwrap_err();
    assert!(matches!(error, DataError::MissingFile { .. }), "{error}");
}

#[test]
fn chunk_parse_checks_the_row_count() {
    let dataset = synthetic(3, 0);
    let dir = TempDir::new("row_count");
    let mut chunk = groundup::data::write_chunk(&dir, "c.csv.gz", &dataset).unwrap();
    let bytes = fs::read(dir.join("c.csv.gz")).unwrap();
    assert_eq!(chunk.parse(&bytes, "c.csv.gz").unwrap(), dataset);
    chunk.rows = 4;
    let error = chunk.parse(&bytes, "c.csv.gz").unwrap_err();
    assert!(error.to_string().contains("c.csv.gz: has 3 rows, but the manifest says 4"), "{error}");
}

/// A valid manifest's JSON with `edit` applied to it.
fn edited_manifest(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let raw = TempDir::new("manifest_base");
    write_idx_set(&raw, &synthetic(4, 0), &synthetic(2, 0));
    let manifest = prepare_with(&raw, &raw.join("out"), &unverified(3)).unwrap();
    let mut json = serde_json::to_value(&manifest).unwrap();
    edit(&mut json);
    serde_json::to_vec(&json).unwrap()
}

fn manifest_error(json: &[u8]) -> String {
    let error = Manifest::from_json(json, "m.json").expect_err("the manifest should be rejected");
    assert!(matches!(error, DataError::InvalidManifest { .. }), "{error}");
    let message = error.to_string();
    assert!(message.starts_with("m.json: invalid manifest: "), "{message}");
    message
}

#[test]
fn invalid_manifests_are_rejected_with_a_reason() {
    assert!(Manifest::from_json(&edited_manifest(|_| {}), "m.json").is_ok(), "the unedited one is valid");

    manifest_error(b"{ not json");
    let message = manifest_error(&edited_manifest(|m| m["train"]["rows"] = 5.into()));
    assert!(message.contains("train has 5 rows, but its chunks add up to 4"), "{message}");
    let message =
        manifest_error(&edited_manifest(|m| m["test"]["chunks"][0]["file"] = "../../etc/passwd".into()));
    assert!(message.contains("plain file name"), "{message}");
    let message = manifest_error(&edited_manifest(|m| m["format_version"] = 2.into()));
    assert!(message.contains("format version 2 is not supported"), "{message}");
    let message = manifest_error(&edited_manifest(|m| m["train"]["chunks"][0]["sha256"] = "abc".into()));
    assert!(message.contains("64 lowercase hex"), "{message}");
    let message = manifest_error(&edited_manifest(|m| m["image_shape"] = serde_json::json!([32, 32])));
    assert!(message.contains("32×32"), "{message}");
    let message = manifest_error(&edited_manifest(|m| {
        m.as_object_mut().unwrap().remove("test");
    }));
    assert!(message.contains("test"), "{message}");
}

#[test]
fn missing_manifest_says_how_to_make_one() {
    let dir = TempDir::new("no_manifest");
    let error = load_split(&dir, Split::Train).unwrap_err();
    assert!(matches!(error, DataError::MissingFile { .. }), "{error}");
    assert!(error.to_string().contains("groundup data prepare"), "{error}");
}

#[test]
fn split_names_parse_and_print() {
    assert_eq!("train".parse::<Split>().unwrap(), Split::Train);
    assert_eq!(Split::Test.to_string(), "test");
    assert!("validation".parse::<Split>().is_err());
}

// ---------------------------------------------------------------------------
// The committed sample
// ---------------------------------------------------------------------------

#[test]
fn committed_sample_parses_with_expected_rows_and_labels() {
    let train = read_csv(&sample_dir().join("train.csv.gz")).unwrap();
    let test = read_csv(&sample_dir().join("test.csv.gz")).unwrap();
    assert_eq!(train.len(), 500);
    assert_eq!(test.len(), 200);
    for set in [&train, &test] {
        // Every digit appears; `push` already guaranteed they are 0–9.
        assert!(set.class_counts().iter().all(|&n| n > 0), "{:?}", set.class_counts());
        // Real digits: mostly background, some full ink.
        let ink = set.images.iter().filter(|&&p| p > 0).count() as f64 / set.images.len() as f64;
        assert!((0.1..0.3).contains(&ink), "ink fraction {ink}");
        assert!(set.images.contains(&255));
    }
    // The first training image of MNIST is a 5, the first test image a 7.
    assert_eq!(train.labels[0], 5);
    assert_eq!(test.labels[0], 7);
}

#[test]
fn committed_sample_manifest_loads_and_verifies() {
    let manifest = Manifest::load(&sample_dir()).unwrap();
    assert!(manifest.licence.contains("CC BY-SA 3.0"));
    assert_eq!(load_split(&sample_dir(), Split::Train).unwrap().len(), manifest.train.rows);
    assert_eq!(load_split(&sample_dir(), Split::Test).unwrap().len(), manifest.test.rows);
}

// ---------------------------------------------------------------------------
// On the real MNIST files (run `scripts/fetch-mnist.sh` first)
// ---------------------------------------------------------------------------

fn raw_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/raw")
}

/// Prepares the real files into a temp dir and reports time and chunk sizes.
/// `cargo test -p groundup --test data -- --ignored --nocapture real_mnist`
#[test]
#[ignore = "needs data/raw from scripts/fetch-mnist.sh"]
fn real_mnist_prepares_and_loads() {
    let out = TempDir::new("real_mnist");
    let start = std::time::Instant::now();
    let manifest = groundup::data::prepare(&raw_dir(), &out).unwrap();
    println!("prepare: {:.2?}", start.elapsed());
    for chunk in manifest.train.chunks.iter().chain(&manifest.test.chunks) {
        println!("  {} {:>6} rows {:>9} bytes {}", chunk.file, chunk.rows, chunk.bytes, chunk.sha256);
    }
    assert_eq!(manifest.train.rows, 60_000);
    assert_eq!(manifest.test.rows, 10_000);
    assert_eq!(manifest.train.chunks.len(), 6);

    let start = std::time::Instant::now();
    let bytes = fs::read(out.join("train-00.csv.gz")).unwrap();
    let chunk = parse_csv(&bytes, "train-00.csv.gz").unwrap();
    println!("parse_csv of one gzipped 10,000-row chunk: {:.2?}", start.elapsed());
    let plain = csv_text(&chunk);
    let start = std::time::Instant::now();
    parse_csv(plain.as_bytes(), "train-00.csv").unwrap();
    println!("parse_csv of the same chunk, plain ({} bytes): {:.2?}", plain.len(), start.elapsed());

    let start = std::time::Instant::now();
    let train = load_split(&out, Split::Train).unwrap();
    println!("load_split(train): {:.2?}", start.elapsed());
    let idx =
        read_idx_pair(&raw_dir().join("train-images-idx3-ubyte"), &raw_dir().join("train-labels-idx1-ubyte"))
            .unwrap();
    assert_eq!(train, idx);
}

/// Remakes `data/sample/` from the real files: the first 500 training and
/// 200 test images, with a manifest. Deterministic, so rerunning it leaves
/// the committed files unchanged.
/// `cargo test -p groundup --test data -- --ignored make_committed_sample`
#[test]
#[ignore = "writes data/sample; needs data/raw from scripts/fetch-mnist.sh"]
fn make_committed_sample() {
    use groundup::data::{write_chunk, SplitManifest, MNIST_LICENCE};
    let raw = raw_dir();
    let train =
        read_idx_pair(&raw.join("train-images-idx3-ubyte"), &raw.join("train-labels-idx1-ubyte")).unwrap();
    let test =
        read_idx_pair(&raw.join("t10k-images-idx3-ubyte"), &raw.join("t10k-labels-idx1-ubyte")).unwrap();
    let out = sample_dir();
    fs::create_dir_all(&out).unwrap();
    let split = |file: &str, dataset: &Dataset| SplitManifest {
        rows: dataset.len(),
        chunks: vec![write_chunk(&out, file, dataset).unwrap()],
    };
    let manifest = Manifest {
        format_version: groundup::data::MANIFEST_FORMAT_VERSION,
        source: "the first 500 training and 200 test images of the original MNIST IDX files".to_owned(),
        licence: MNIST_LICENCE.to_owned(),
        image_shape: [28, 28],
        train: split("train.csv.gz", &train.take(500)),
        test: split("test.csv.gz", &test.take(200)),
    };
    manifest.save(&out).unwrap();
}

// A shard of a batch travels as bytes: `subset` keeps the chosen images and labels in order, and
// `from_bytes` takes them back only when they fit together.
#[test]
fn shards_travel_as_bytes_and_are_checked_on_arrival() {
    let data = read_csv(&sample_dir().join("train.csv.gz")).unwrap();
    let shard = data.subset(&[5, 0, 42]);
    assert_eq!(shard.len(), 3);
    assert_eq!(shard.image(0), data.image(5));
    assert_eq!(shard.image(2), data.image(42));
    assert_eq!(shard.labels, vec![data.labels[5], data.labels[0], data.labels[42]]);
    let back = Dataset::from_bytes(shard.images.clone(), shard.labels.clone(), "shard").unwrap();
    assert_eq!(back, shard);
    assert_eq!(back.all(), data.batch(&[5, 0, 42]));

    let e = Dataset::from_bytes(vec![0; 784 * 3 - 1], vec![1, 2, 3], "shard").unwrap_err();
    assert!(e.starts_with("shard: 2351 pixel bytes for 3 labels"), "{e}");
    let e = Dataset::from_bytes(vec![0; 784], vec![10], "shard").unwrap_err();
    assert!(e.contains("label 0 is 10"), "{e}");

    let mut empty = Dataset::new();
    empty.try_reserve(1000).unwrap();
    assert!(empty.images.capacity() >= 784_000 && empty.is_empty());
    assert!(
        empty.try_reserve(usize::MAX / 2).is_err(),
        "an impossible reservation fails instead of aborting"
    );
}

// Augmentation moves a digit without changing it: a shift by (dx, dy) puts pixel (x, y) at
// (x+dx, y+dy), fills the opened edge with 0, and (0, 0) is the identity. Random shifts stay
// within ±shift, are drawn from the seed, and shift 0 draws nothing.
#[test]
fn shifted_images_move_by_whole_pixels() {
    use groundup::data::{shift_image, shifted_subset, MAX_SHIFT};
    use rand::SeedableRng;
    let src: Vec<u8> = (0..784).map(|i| (i % 251) as u8 + 1).collect(); // no zeros
    let at = |img: &[u8], x: usize, y: usize| img[y * 28 + x];
    let mut dst = vec![0u8; 784];
    shift_image(&src, 0, 0, &mut dst);
    assert_eq!(dst, src);
    shift_image(&src, 2, -1, &mut dst);
    for y in 0..28 {
        for x in 0..28 {
            let expected = if x >= 2 && y <= 26 { at(&src, x - 2, y + 1) } else { 0 };
            assert_eq!(at(&dst, x, y), expected, "({x}, {y})");
        }
    }

    let data = read_csv(&sample_dir().join("train.csv.gz")).unwrap();
    let indices = [3, 1, 4, 1, 5];
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
    let untouched = rng.clone();
    assert_eq!(shifted_subset(&data, &indices, 0, &mut rng), data.subset(&indices));
    assert_eq!(rng, untouched, "shift 0 draws no random numbers");
    let shifted = shifted_subset(&data, &indices, 1, &mut rng);
    assert_eq!(shifted.labels, data.subset(&indices).labels);
    let mut moved = 0;
    for (i, &index) in indices.iter().enumerate() {
        let candidates: Vec<Vec<u8>> = (-1..=1)
            .flat_map(|dy| (-1..=1).map(move |dx| (dx, dy)))
            .map(|(dx, dy)| {
                let mut out = vec![0u8; 784];
                shift_image(data.image(index), dx, dy, &mut out);
                out
            })
            .collect();
        assert!(
            candidates.contains(&shifted.image(i).to_vec()),
            "image {i} is not a ≤1 px shift of its source"
        );
        moved += usize::from(shifted.image(i) != data.image(index));
    }
    assert!(moved >= 3, "only {moved} of 5 images moved");
    let again = shifted_subset(&data, &indices, 1, &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7));
    assert_eq!(again, shifted, "same seed, same shifts");
    assert_eq!(MAX_SHIFT, 4);
}

// ---------------------------------------------------------------------------
// Hostile sizes: nothing allocated from a claim, nothing read without bound
// ---------------------------------------------------------------------------

/// A folder holding a real chunk of `rows` synthetic images described by a
/// manifest that `edit` may then change.
fn one_chunk_folder(test: &str, rows: usize, edit: impl FnOnce(&mut serde_json::Value)) -> TempDir {
    let dir = TempDir::new(test);
    let chunk = groundup::data::write_chunk(&dir, "train-00.csv.gz", &synthetic(rows, 0)).unwrap();
    let mut json = serde_json::json!({
        "format_version": 1, "source": "test", "licence": "test", "image_shape": [28, 28],
        "train": {"rows": rows, "chunks": [chunk]},
        "test": {"rows": 0, "chunks": []},
    });
    edit(&mut json);
    fs::write(dir.join(MANIFEST_FILE), serde_json::to_vec(&json).unwrap()).unwrap();
    dir
}

// A manifest whose row counts are huge but add up is refused before anything
// is allocated for them (it used to abort: "memory allocation of … failed",
// or overflow `rows × 784`): its chunk sizes cannot hold that many rows.
#[test]
fn huge_consistent_row_counts_are_refused_without_allocating() {
    for rows in [1u64 << 40, usize::MAX as u64 / 2] {
        let dir = one_chunk_folder("huge_rows", 3, |m| {
            m["train"]["rows"] = rows.into();
            m["train"]["chunks"][0]["rows"] = rows.into();
        });
        let error = load_split(&dir, Split::Train).unwrap_err();
        assert!(matches!(error, DataError::InvalidManifest { .. }), "{error:?}");
        assert!(error.to_string().contains("cannot fit in"), "{error}");
    }
}

// Chunk row counts that wrap around when summed are refused, not added up
// to a small, consistent-looking total.
#[test]
fn chunk_rows_that_overflow_when_summed_are_refused() {
    let message = manifest_error(&edited_manifest(|m| {
        let chunk = m["train"]["chunks"][0].clone();
        m["train"]["chunks"] = serde_json::json!([chunk.clone(), chunk]);
        m["train"]["chunks"][0]["rows"] = (usize::MAX as u64).into();
        m["train"]["chunks"][0]["bytes"] = (1u64 << 62).into();
        m["train"]["chunks"][1]["rows"] = 2.into();
        m["train"]["rows"] = 1.into();
    }));
    // Refused on the chunk's declared size (no chunk can hold that many
    // rows), before the sum; on wasm32 a sum of plausible chunks can still
    // wrap, and is refused too. Either way, never accepted as 1 row.
    assert!(message.contains("more than"), "{message}");
}

// A chunk's declared size is compared with the file before it is read: a
// manifest claiming 2,000,000 rows in a 3 MB chunk gets a size mismatch, not
// a 1.5 GB buffer.
#[test]
fn declared_sizes_are_checked_against_the_files_before_reading() {
    let dir = one_chunk_folder("declared_size", 3, |m| {
        m["train"]["rows"] = 2_000_000.into();
        m["train"]["chunks"][0]["rows"] = 2_000_000.into();
        m["train"]["chunks"][0]["bytes"] = 3_000_000.into();
    });
    let error = load_split(&dir, Split::Train).unwrap_err();
    assert!(matches!(error, DataError::WrongFileSize { expected: 3_000_000, .. }), "{error:?}");
}

/// Gzip of `text`, at the fastest level (the bombs below are large).
fn gzip_fast(text: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

// A chunk that inflates to far more valid rows than its manifest entry says
// stops at the first row too many (it used to parse them all, 454 MB for a
// 1 GB chunk, before comparing the count).
#[test]
fn a_chunk_with_more_rows_than_declared_stops_at_the_first_extra_row() {
    let row = csv_text(&synthetic(1, 3));
    let bytes = gzip_fast(row.repeat(20_000).as_bytes());
    let chunk = groundup::data::Chunk::describe("train-00.csv.gz", 2, &bytes);
    let error = chunk.parse(&bytes, "train-00.csv.gz").unwrap_err();
    assert!(matches!(error, DataError::TooManyRows { expected: 2, .. }), "{error:?}");
    assert!(error.to_string().contains("more than the 2 rows the manifest says"), "{error}");
}

// Gzip that inflates to endless blank lines after its rows is cut off at what
// the declared rows can take (it used to be inflated to the end, and pass).
#[test]
fn a_chunk_that_inflates_far_beyond_its_rows_is_cut_off() {
    let mut text = csv_text(&synthetic(1, 3)).into_bytes();
    text.resize(text.len() + (32 << 20), b'\n');
    let bytes = gzip_fast(&text);
    let chunk = groundup::data::Chunk::describe("train-00.csv.gz", 1, &bytes);
    let error = chunk.parse(&bytes, "train-00.csv.gz").unwrap_err();
    assert!(matches!(error, DataError::DecompressedTooLarge { .. }), "{error:?}");
    assert!(error.to_string().contains("1 rows of 785 numbers"), "{error}");
}

// A gzipped IDX file whose header declares one image but which inflates to
// 64 MB stops just past the declared end (it used to be inflated whole; a
// 1 MB bomb reached 2.1 GB).
#[test]
fn an_idx_gzip_bomb_stops_at_the_size_its_header_declares() {
    let mut plain = idx_images(&synthetic(1, 0).images);
    plain.resize(64 << 20, 0);
    let error = parse_idx_images(&gzip_fast(&plain), "bomb.gz").unwrap_err();
    assert!(matches!(error, DataError::IdxTrailingGzipData { expected: 800, .. }), "{error:?}");
}

// An IDX header claiming more images than any MNIST-like set is refused on
// the header alone.
#[test]
fn an_idx_count_beyond_the_limit_is_refused() {
    let bytes = idx_images_with(0x0803, 3_000_000_000, 28, 28, &[0; 784]);
    let error = parse_idx_images(&bytes, "huge").unwrap_err();
    assert!(
        matches!(
            error,
            DataError::IdxTooManyItems { count: 3_000_000_000, limit: groundup::data::MAX_IDX_ITEMS, .. }
        ),
        "{error:?}"
    );
    let mut labels = idx_labels(&[1]);
    labels[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(parse_idx_labels(&labels, "huge").unwrap_err(), DataError::IdxTooManyItems { .. }));
}

// Paths that name a device (which never ends) or a folder are refused before
// reading; they used to be read until memory ran out.
#[cfg(unix)]
#[test]
fn devices_and_folders_are_refused_before_reading() {
    let zero = Path::new("/dev/zero");
    let error = read_idx_pair(zero, zero).unwrap_err();
    assert!(matches!(error, DataError::WrongKind { found: "a device", .. }), "{error:?}");
    assert!(error.to_string().starts_with("/dev/zero: is a device"), "{error}");
    assert!(matches!(CsvReader::open(zero).err().unwrap(), DataError::WrongKind { .. }));
    assert!(matches!(
        read_csv(Path::new("/tmp")).unwrap_err(),
        DataError::WrongKind { found: "a folder", .. }
    ));

    // A manifest, and a chunk, that are symlinks to /dev/zero.
    let dir = one_chunk_folder("devices", 2, |_| {});
    fs::remove_file(dir.join("train-00.csv.gz")).unwrap();
    std::os::unix::fs::symlink(zero, dir.join("train-00.csv.gz")).unwrap();
    let error = load_split(&dir, Split::Train).unwrap_err();
    assert!(matches!(error, DataError::WrongKind { found: "a device", .. }), "{error:?}");
    fs::remove_file(dir.join(MANIFEST_FILE)).unwrap();
    std::os::unix::fs::symlink(zero, dir.join(MANIFEST_FILE)).unwrap();
    let error = Manifest::load(&dir).unwrap_err();
    assert!(matches!(error, DataError::WrongKind { found: "a device", .. }), "{error:?}");
}

// A plain file larger than any IDX file can be is refused on its size, not read.
#[test]
fn an_oversized_idx_file_is_refused_without_reading_it() {
    let dir = TempDir::new("oversized_idx");
    let path = dir.join("images");
    // Sparse: takes no disk space.
    fs::File::create(&path).unwrap().set_len(300_000_000).unwrap();
    let error = read_idx_pair(&path, &path).unwrap_err();
    assert!(matches!(error, DataError::FileTooLarge { .. }), "{error:?}");
}

// ---------------------------------------------------------------------------
// prepare replaces its output whole, and only when the new one is complete
// ---------------------------------------------------------------------------

// A prepare that fails after starting leaves the previous output as it was.
// (It used to delete the old manifest and chunks first, then fail here: a
// folder in the way of a chunk's temporary file.)
#[test]
fn a_failed_prepare_leaves_the_previous_output_as_it_was() {
    let raw = TempDir::new("prepare_keeps_old");
    write_idx_set(&raw, &synthetic(12, 0), &synthetic(4, 0));
    let out = raw.join("out");
    prepare_with(&raw, &out, &unverified(5)).unwrap();
    let before: Vec<(PathBuf, Vec<u8>)> = fs::read_dir(&out)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    fs::create_dir(out.join("test-00.csv.gz.tmp")).unwrap();

    let error = prepare_with(&raw, &out, &unverified(5)).unwrap_err();
    assert!(matches!(error, DataError::ForeignFolder { .. }), "{error:?}");
    for (path, bytes) in before {
        assert_eq!(fs::read(&path).unwrap(), bytes, "{} is as it was", path.display());
    }
    assert_eq!(load_split(&out, Split::Train).unwrap().len(), 12);
    let leftovers: Vec<_> = fs::read_dir(&*raw)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("out."))
        .collect();
    assert!(leftovers.is_empty(), "no staging folder is left: {leftovers:?}");
}

// Staging folders of runs that were killed are removed by the next run.
#[test]
fn prepare_removes_staging_folders_of_killed_runs() {
    let raw = TempDir::new("prepare_stale");
    write_idx_set(&raw, &synthetic(6, 0), &synthetic(2, 0));
    // Pids above the kernel's limit: no such process is running.
    fs::create_dir(raw.join("out.tmp-4999999")).unwrap();
    fs::write(raw.join("out.tmp-4999999/manifest.json.tmp"), "half").unwrap();
    fs::create_dir(raw.join("out.tmp-4999998-removing")).unwrap();
    let other = raw.join("out.tmp-notes"); // not a staging folder: no pid
    fs::create_dir(&other).unwrap();
    prepare_with(&raw, &raw.join("out"), &unverified(5)).unwrap();
    assert!(!raw.join("out.tmp-4999999").exists());
    assert!(!raw.join("out.tmp-4999998-removing").exists());
    assert!(other.exists(), "only names prepare makes are touched");
    assert_eq!(load_split(&raw.join("out"), Split::Train).unwrap().len(), 6);
}
