//! The reader's own data: one or two MNIST-format CSV files chosen on the
//! page ("Use your own data"), read into a training and a test set.
//!
//! The format is the one [`CsvReader`] reads — rows `label,p0,…,p783`, plain
//! or gzip, an optional header — with one addition: an optional first line
//! `# classes: T-shirt,Trouser,…` naming the classes 0, 1, … in order. Line
//! numbers in errors count every line, the classes line and the header
//! included, so "line 17, column 101" is line 17 in any editor.
//!
//! Labels stay 0–9: the networks have ten outputs, and Fashion-MNIST and
//! digits both fit. A label outside 0–9 is an error at column 1.
//!
//! **The split.** With one file, every [`TEST_EVERY`]th row (rows 6, 12,
//! 18, … of the data, counting rows, not lines) is a test image and the
//! rest train: taking every 6th rather than the last sixth keeps the test
//! part mixed when the file is sorted by class, as a class's exported
//! drawings are. One file needs at least [`MIN_ONE_FILE_ROWS`] rows. With
//! two files, the one whose name contains `test` (and the other not) is the
//! test set; failing that, the one whose name contains `train`
//! is the training set; failing that, the one with more rows trains (the
//! first given, on a tie). [`OwnData::split`] says which rule decided.
//!
//! **Bounds.** A file may be at most [`MAX_OWN_FILE_BYTES`] as given and
//! hold at most [`MAX_OWN_ROWS`] rows; decompressed text stops at what that
//! many rows can take, so a gzip bomb costs no more than the rows allowed.

use serde::Serialize;

use super::csv::MAX_LINE_BYTES;
use super::{CsvReader, DataError, Dataset, LabelledImage, MAX_ROW_BYTES, NUM_CLASSES};
use crate::{ConfigError, Error};

/// The most rows one file may hold: Fashion-MNIST's 60,000 training images
/// and room to spare (70,000 images are 55 MB of pixels).
pub const MAX_OWN_ROWS: usize = 70_000;

/// The largest file accepted, as given (compressed or not): what
/// [`MAX_OWN_ROWS`] rows of plain text can take, rounded up.
pub const MAX_OWN_FILE_BYTES: u64 = 256 << 20;

/// The most text read from one file after decompression: every row at its
/// longest unpadded length, plus a classes line and a header.
pub const MAX_OWN_TEXT_BYTES: u64 = MAX_OWN_ROWS as u64 * MAX_ROW_BYTES + 2 * MAX_LINE_BYTES as u64;

/// With one file, every `TEST_EVERY`th row is a test image.
pub const TEST_EVERY: usize = 6;

/// The fewest rows one file may have: enough for one test image.
pub const MIN_ONE_FILE_ROWS: usize = TEST_EVERY;

/// The most files at once: a training and a test file.
pub const MAX_OWN_FILES: usize = 2;

/// The longest class name kept, in characters.
pub const MAX_CLASS_NAME_CHARS: usize = 40;

/// What the classes line starts with (after its `#`).
const CLASSES_KEY: &str = "classes:";

/// How many rows between two progress reports.
const PROGRESS_EVERY: usize = 5_000;

/// One file as the reader gave it.
#[derive(Clone, Copy, Debug)]
pub struct OwnFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// How the training and test images were told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnSplit {
    /// One file: every [`TEST_EVERY`]th row tests.
    EverySixthRow,
    /// Two files, told apart by `test` or `train` in their names.
    ByName,
    /// Two files, neither name telling: the one with more rows trains.
    ByRows,
}

/// The reader's data, ready for [`crate::train::Session::use_own_data`].
#[derive(Clone, Debug, PartialEq)]
pub struct OwnData {
    pub train: Dataset,
    pub test: Dataset,
    /// Names of classes 0, 1, … from a `# classes:` line (may be fewer
    /// than ten, or none).
    pub class_names: Vec<String>,
    /// The file the training images came from.
    pub train_file: String,
    /// The file the test images came from (the same, for one file).
    pub test_file: String,
    pub split: OwnSplit,
}

impl OwnData {
    /// Which file was used for what, in a sentence for the page.
    pub fn describe(&self) -> String {
        match self.split {
            OwnSplit::EverySixthRow => {
                format!("{}: every {TEST_EVERY}th row is a test image, the others train", self.train_file)
            }
            OwnSplit::ByName => {
                format!("training: {}, test: {} (told by their names)", self.train_file, self.test_file)
            }
            OwnSplit::ByRows => format!(
                "training: {}, test: {} (neither name says train or test, so the larger file trains)",
                self.train_file, self.test_file
            ),
        }
    }
}

/// A file read: its rows and its class names, if it has a classes line.
struct ReadFile {
    name: String,
    rows: Dataset,
    class_names: Option<Vec<String>>,
}

/// Reads one or two files into training and test images (see the module
/// documentation for the split and the bounds). `progress(file, rows)` is
/// called every few thousand rows read.
pub fn read_own_data(files: &[OwnFile<'_>], progress: &mut dyn FnMut(&str, usize)) -> Result<OwnData, Error> {
    if files.is_empty() || files.len() > MAX_OWN_FILES {
        return Err(ConfigError::new(
            "files",
            format!("choose one CSV file (split into training and test images) or two (training and test), not {}", files.len()),
        )
        .into());
    }
    let mut read = Vec::with_capacity(files.len());
    for file in files {
        read.push(read_file(file, progress)?);
    }
    let class_names = agreed_class_names(&read)?;
    let mut read = read.into_iter();
    let first = read.next().ok_or_else(|| Error::Usage("no file was read".to_owned()))?;
    let Some(second) = read.next() else {
        return split_one(first, class_names);
    };
    let (train, test, split) = tell_apart(first, second);
    Ok(OwnData {
        train: train.rows,
        test: test.rows,
        class_names,
        train_file: train.name,
        test_file: test.name,
        split,
    })
}

/// Reads one file's rows, bounded, with its classes line.
fn read_file(file: &OwnFile<'_>, progress: &mut dyn FnMut(&str, usize)) -> Result<ReadFile, Error> {
    let name = file.name;
    if file.bytes.len() as u64 > MAX_OWN_FILE_BYTES {
        return Err(DataError::FileTooLarge {
            file: name.to_owned(),
            limit: MAX_OWN_FILE_BYTES,
            what: "an MNIST-format CSV of 70,000 rows",
        }
        .into());
    }
    let mut reader = CsvReader::new(file.bytes, name)?
        .accept_comment_line()
        .limit_bytes(MAX_OWN_TEXT_BYTES, &format!("{MAX_OWN_ROWS} rows of 785 numbers"));
    let mut rows = Dataset::new();
    let mut row = LabelledImage::default();
    while reader.read_row(&mut row)? {
        if rows.len() >= MAX_OWN_ROWS {
            return Err(DataError::RowLimit { file: name.to_owned(), limit: MAX_OWN_ROWS }.into());
        }
        rows.push(&row.pixels, row.label);
        if rows.len().is_multiple_of(PROGRESS_EVERY) {
            progress(name, rows.len());
        }
    }
    progress(name, rows.len());
    let class_names = reader.comment().map(|text| class_names(text, name)).transpose()?;
    if rows.is_empty() {
        return Err(
            DataError::TooFewRows { file: name.to_owned(), rows: 0, needed: 1, why: "a data file" }.into()
        );
    }
    Ok(ReadFile { name: name.to_owned(), rows, class_names })
}

/// The class names of a `#` first line: `# classes: a,b,…`, trimmed, at
/// most ten, none empty or longer than [`MAX_CLASS_NAME_CHARS`], control
/// characters dropped.
fn class_names(comment: &[u8], file: &str) -> Result<Vec<String>, DataError> {
    let error = |reason: String| DataError::ClassesLine { file: file.to_owned(), line: 1, reason };
    let text = String::from_utf8_lossy(comment);
    let Some(list) = text.trim_start().strip_prefix(CLASSES_KEY) else {
        return Err(error(
            "a first line starting with # must be `# classes: name,name,…` (the names of classes 0, 1, …)"
                .to_owned(),
        ));
    };
    let names: Vec<String> = list
        .split(',')
        .map(|name| name.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned())
        .collect();
    if names.len() > NUM_CLASSES {
        return Err(error(format!(
            "{} class names, but labels are 0–9, so at most {NUM_CLASSES}",
            names.len()
        )));
    }
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(error(format!("the name of class {i} is empty")));
        }
        if name.chars().count() > MAX_CLASS_NAME_CHARS {
            return Err(error(format!(
                "the name of class {i} is longer than {MAX_CLASS_NAME_CHARS} characters"
            )));
        }
    }
    Ok(names)
}

/// The class names of the files: one file's, or both's if they agree.
fn agreed_class_names(files: &[ReadFile]) -> Result<Vec<String>, Error> {
    let mut named = files.iter().filter_map(|f| f.class_names.as_ref().map(|n| (f, n)));
    let Some((_, first)) = named.next() else {
        return Ok(Vec::new());
    };
    if let Some((other, names)) = named.next() {
        if names != first {
            return Err(DataError::ClassesLine {
                file: other.name.clone(),
                line: 1,
                reason: "its class names differ from the other file's; give them once, or the same in both"
                    .to_owned(),
            }
            .into());
        }
    }
    Ok(first.clone())
}

/// One file: every [`TEST_EVERY`]th row tests, the others train.
fn split_one(file: ReadFile, class_names: Vec<String>) -> Result<OwnData, Error> {
    let rows = file.rows.len();
    if rows < MIN_ONE_FILE_ROWS {
        return Err(DataError::TooFewRows {
            file: file.name,
            rows,
            needed: MIN_ONE_FILE_ROWS,
            why: "one file (every 6th row becomes a test image)",
        }
        .into());
    }
    let is_test = |i: &usize| i % TEST_EVERY == TEST_EVERY - 1;
    let test: Vec<usize> = (0..rows).filter(is_test).collect();
    let train: Vec<usize> = (0..rows).filter(|i| !is_test(i)).collect();
    Ok(OwnData {
        train: file.rows.subset(&train),
        test: file.rows.subset(&test),
        class_names,
        train_file: file.name.clone(),
        test_file: file.name,
        split: OwnSplit::EverySixthRow,
    })
}

/// Two files: (training, test) and the rule that told them apart.
fn tell_apart(first: ReadFile, second: ReadFile) -> (ReadFile, ReadFile, OwnSplit) {
    let says = |file: &ReadFile, word: &str| file.name.to_lowercase().contains(word);
    let by_name = match (says(&first, "test"), says(&second, "test")) {
        (false, true) => Some(false),
        (true, false) => Some(true),
        _ => match (says(&first, "train"), says(&second, "train")) {
            (true, false) => Some(false),
            (false, true) => Some(true),
            _ => None,
        },
    };
    // `swap`: the second file trains.
    let (swap, split) = match by_name {
        Some(swap) => (swap, OwnSplit::ByName),
        None => (second.rows.len() > first.rows.len(), OwnSplit::ByRows),
    };
    if swap {
        (second, first, split)
    } else {
        (first, second, split)
    }
}
