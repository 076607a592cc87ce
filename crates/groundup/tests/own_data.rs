//! The reader's own data: the `# classes:` line, errors that name the file,
//! line and column (counting the classes line and the header), the split of
//! one file and the telling apart of two, gzip, the bounds, and the
//! session's swap to own data and back to MNIST.

mod common;

use std::io::Write;

use common::{sample_test, sample_train};
use flate2::write::GzEncoder;
use flate2::Compression;
use groundup::data::{
    read_own_data, DataError, Dataset, OwnData, OwnFile, OwnSplit, IMAGE_PIXELS, MAX_OWN_FILE_BYTES,
    MAX_OWN_ROWS,
};
use groundup::presets::preset;
use groundup::train::Session;
use groundup::Error;

/// A CSV row: `label` and 784 pixels, pixel `k` = `(seed + k) % 256`.
fn row(label: u8, seed: usize) -> String {
    let mut fields = vec![label.to_string()];
    fields.extend((0..IMAGE_PIXELS).map(|k| ((seed + k) % 256).to_string()));
    fields.join(",")
}

/// `n` rows with labels 0, 1, …, 9, 0, … and distinct pixels.
fn rows(n: usize) -> Vec<String> {
    (0..n).map(|i| row((i % 10) as u8, i)).collect()
}

fn header() -> String {
    let mut fields = vec!["label".to_owned()];
    fields.extend((0..IMAGE_PIXELS).map(|k| format!("pixel{k}")));
    fields.join(",")
}

fn read(files: &[(&str, &[u8])]) -> Result<OwnData, Error> {
    let files: Vec<OwnFile> = files.iter().map(|&(name, bytes)| OwnFile { name, bytes }).collect();
    read_own_data(&files, &mut |_, _| {})
}

fn data_error(result: Result<OwnData, Error>) -> DataError {
    match result {
        Err(Error::Data(e)) => e,
        Err(other) => panic!("expected a data error, got {other:?}"),
        Ok(_) => panic!("expected a data error, got data"),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn one_file_with_classes_and_header_splits_every_sixth_row() {
    let text = format!("# classes: T-shirt, Trouser ,Pullover\n{}\n{}\n", header(), rows(20).join("\n"));
    let data = read(&[("fashion.csv", text.as_bytes())]).unwrap();
    assert_eq!(data.class_names, ["T-shirt", "Trouser", "Pullover"]);
    assert_eq!(data.split, OwnSplit::EverySixthRow);
    // Rows 6, 12, 18 (1-based) test: indices 5, 11, 17.
    assert_eq!(data.test.len(), 3);
    assert_eq!(data.train.len(), 17);
    assert_eq!(data.test.labels, [5, 1, 7]);
    assert_eq!(data.test.image(0)[0], 5);
    assert_eq!(data.train.labels[..6], [0, 1, 2, 3, 4, 6]);
    assert_eq!((data.train_file.as_str(), data.test_file.as_str()), ("fashion.csv", "fashion.csv"));
    assert!(data.describe().contains("every 6th row"), "{}", data.describe());
}

#[test]
fn no_classes_line_and_no_header_is_fine() {
    let text = rows(6).join("\r\n");
    let data = read(&[("plain.csv", text.as_bytes())]).unwrap();
    assert!(data.class_names.is_empty());
    assert_eq!((data.train.len(), data.test.len()), (5, 1));
}

#[test]
fn a_bad_pixel_names_line_and_column_counting_classes_line_and_header() {
    let mut lines = rows(10);
    // Data row 3 is line 5 (classes line, header, rows 1–2 before it);
    // pixel 99 is column 101.
    let mut fields: Vec<&str> = lines[2].split(',').collect();
    fields[100] = "300";
    lines[2] = fields.join(",");
    let text = format!("# classes: a,b\n{}\n{}\n", header(), lines.join("\n"));
    let error = data_error(read(&[("mine.csv", text.as_bytes())]));
    assert!(matches!(error, DataError::PixelOutOfRange { line: 5, column: 101, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("mine.csv") && message.contains("line 5, column 101"), "{message}");
}

#[test]
fn a_label_outside_0_to_9_is_column_1() {
    let mut lines = rows(8);
    lines[6] = row(10, 0);
    let text = lines.join("\n");
    let error = data_error(read(&[("labels.csv", text.as_bytes())]));
    assert!(error.to_string().contains("labels.csv, line 7, column 1"), "{error}");
    assert_eq!(error.position(), (Some(7), Some(1)));
}

#[test]
fn a_non_number_and_a_short_row_are_named() {
    let mut lines = rows(8);
    lines[1] = lines[1].replacen(",0,", ",x,", 1);
    let error = data_error(read(&[("x.csv", lines.join("\n").as_bytes())]));
    assert!(matches!(error, DataError::NotANumber { line: 2, .. }), "{error:?}");

    let mut lines = rows(8);
    lines[3] = "1,2,3".to_owned();
    let error = data_error(read(&[("short.csv", lines.join("\n").as_bytes())]));
    assert!(matches!(error, DataError::WrongFieldCount { line: 4, got: 3, .. }), "{error:?}");
}

#[test]
fn classes_lines_are_checked() {
    let body = rows(6).join("\n");
    let with = |first: &str| format!("{first}\n{body}");
    let too_many = with("# classes: a,b,c,d,e,f,g,h,i,j,k");
    let error = data_error(read(&[("c.csv", too_many.as_bytes())]));
    assert!(matches!(error, DataError::ClassesLine { line: 1, .. }), "{error:?}");
    assert!(error.to_string().contains("at most 10"), "{error}");

    let empty_name = with("# classes: a,,c");
    assert!(data_error(read(&[("c.csv", empty_name.as_bytes())])).to_string().contains("class 1 is empty"));

    let long = with(&format!("# classes: {}", "n".repeat(41)));
    assert!(data_error(read(&[("c.csv", long.as_bytes())])).to_string().contains("longer than 40"));

    let other = with("# made by me");
    assert!(data_error(read(&[("c.csv", other.as_bytes())])).to_string().contains("# classes:"));

    let controls = with("# classes: \u{7}bell ,tab\tname");
    assert_eq!(read(&[("c.csv", controls.as_bytes())]).unwrap().class_names, ["bell", "tabname"]);

    // A `#` later than line 1 is a bad row, not a classes line.
    let late = format!("{}\n# classes: a\n{body}", row(1, 1));
    assert!(matches!(data_error(read(&[("c.csv", late.as_bytes())])), DataError::NotANumber { line: 2, .. }));
}

#[test]
fn too_few_rows_for_one_file_are_refused() {
    let text = rows(2).join("\n");
    let error = data_error(read(&[("drawings.csv", text.as_bytes())]));
    assert!(matches!(error, DataError::TooFewRows { rows: 2, needed: 6, .. }), "{error:?}");
    assert!(error.to_string().contains("needs at least 6"), "{error}");

    let only_header = format!("# classes: a\n{}\n", header());
    let error = data_error(read(&[("empty.csv", only_header.as_bytes())]));
    assert!(matches!(error, DataError::TooFewRows { rows: 0, .. }), "{error:?}");
}

#[test]
fn gzip_reads_the_same_as_plain_text() {
    let text = format!("# classes: a,b\n{}\n{}\n", header(), rows(12).join("\n"));
    let plain = read(&[("d.csv", text.as_bytes())]).unwrap();
    let zipped = read(&[("d.csv.gz", &gzip(text.as_bytes()))]).unwrap();
    assert_eq!((plain.train, plain.test, plain.class_names), (zipped.train, zipped.test, zipped.class_names));
}

#[test]
fn two_files_are_told_apart_by_name_then_by_rows() {
    let small = rows(3).join("\n");
    let large = rows(9).join("\n");
    // The test file first: its name decides.
    let data = read(&[("my_test.csv", large.as_bytes()), ("mine.csv", small.as_bytes())]).unwrap();
    assert_eq!((data.train_file.as_str(), data.test_file.as_str()), ("mine.csv", "my_test.csv"));
    assert_eq!((data.train.len(), data.test.len(), data.split), (3, 9, OwnSplit::ByName));

    let data = read(&[("a.csv", small.as_bytes()), ("TRAIN-b.csv.gz", &gzip(large.as_bytes()))]).unwrap();
    assert_eq!((data.train_file.as_str(), data.split), ("TRAIN-b.csv.gz", OwnSplit::ByName));

    // Neither name says: the larger trains.
    let data = read(&[("a.csv", small.as_bytes()), ("b.csv", large.as_bytes())]).unwrap();
    assert_eq!((data.train_file.as_str(), data.train.len(), data.split), ("b.csv", 9, OwnSplit::ByRows));
    assert!(data.describe().contains("the larger file trains"), "{}", data.describe());
}

#[test]
fn two_files_class_names_must_agree_and_three_files_are_refused() {
    let a = format!("# classes: x,y\n{}", rows(3).join("\n"));
    let b = format!("# classes: x,z\n{}", rows(3).join("\n"));
    let error = data_error(read(&[("train.csv", a.as_bytes()), ("test.csv", b.as_bytes())]));
    assert!(matches!(error, DataError::ClassesLine { .. }), "{error:?}");
    // Given once, it holds for both.
    let plain = rows(3).join("\n");
    let data = read(&[("train.csv", a.as_bytes()), ("test.csv", plain.as_bytes())]).unwrap();
    assert_eq!(data.class_names, ["x", "y"]);

    let result =
        read(&[("1.csv", plain.as_bytes()), ("2.csv", plain.as_bytes()), ("3.csv", plain.as_bytes())]);
    assert!(matches!(result, Err(Error::Config(ref c)) if c.field == "files"), "{result:?}");
    assert!(matches!(read(&[]), Err(Error::Config(_))));
}

#[test]
fn bounds_stop_huge_and_hostile_files() {
    // More rows than allowed, gzipped small: reading stops at the limit.
    let line = format!("{}\n", row(3, 0));
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    for _ in 0..=MAX_OWN_ROWS {
        encoder.write_all(line.as_bytes()).unwrap();
    }
    let many = encoder.finish().unwrap();
    let error = data_error(read(&[("many.csv.gz", &many)]));
    assert!(matches!(error, DataError::RowLimit { limit: MAX_OWN_ROWS, .. }), "{error:?}");

    // A gzip bomb of blank lines stops at the text limit.
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    let blanks = vec![b'\n'; 1 << 20];
    for _ in 0..240 {
        encoder.write_all(&blanks).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let error = data_error(read(&[("bomb.csv.gz", &bomb)]));
    assert!(matches!(error, DataError::DecompressedTooLarge { .. }), "{error:?}");

    // One endless line stops at the line limit.
    let endless = gzip(&vec![b'1'; 1 << 20]);
    assert!(matches!(data_error(read(&[("line.csv.gz", &endless)])), DataError::LineTooLong { line: 1, .. }));

    // A file larger than allowed is refused before it is read.
    let huge = vec![b'0'; MAX_OWN_FILE_BYTES as usize + 1];
    assert!(matches!(data_error(read(&[("huge.csv", &huge)])), DataError::FileTooLarge { .. }));
}

/// Own data of `n` rows, read from one file.
fn own(n: usize) -> OwnData {
    let text = format!("# classes: zero,one\n{}", rows(n).join("\n"));
    read(&[("own.csv", text.as_bytes())]).unwrap()
}

#[test]
fn the_session_swaps_to_own_data_and_back() {
    let p = preset("mlp").unwrap();
    let mut s = Session::new(&p.spec, p.train.clone(), sample_train(), sample_test()).unwrap();
    s.train_steps(3).unwrap();
    let trained = s.weights();
    let (mnist_train, mnist_test) = (s.train_data().len(), s.test_data().len());

    let view = s.use_own_data(own(60)).unwrap();
    assert_eq!((view.train_size, view.test_size), (50, 10));
    assert_eq!(view.class_names, ["zero", "one"]);
    assert_eq!((s.train_data().len(), s.test_data().len(), s.step()), (50, 10, 0));
    assert_eq!(s.own_data(), Some(&view));
    // Fresh weights of the same architecture, from the seed.
    let fresh = Session::new(&p.spec, p.train.clone(), Dataset::new(), Dataset::new()).unwrap().weights();
    assert_eq!(s.weights(), fresh);
    s.train_steps(2).unwrap();
    assert_eq!(s.begin_evaluation(true, 0), 10);

    // MNIST chunks still arriving join MNIST, not the own data.
    let chunk = sample_test().take(7);
    s.add_examples(groundup::data::Split::Test, &chunk);
    assert_eq!(s.test_data().len(), 10);

    s.back_to_mnist().unwrap();
    assert_eq!(s.own_data(), None);
    assert_eq!((s.train_data().len(), s.test_data().len()), (mnist_train, mnist_test + 7));
    assert_eq!(s.weights(), trained, "the network that was on MNIST comes back");
    assert_eq!(s.step(), 3);
    assert!(!s.evaluating());
    assert!(matches!(s.back_to_mnist(), Err(Error::Usage(_))));
}

#[test]
fn new_own_data_replaces_the_old_and_mnist_stays_set_aside() {
    let p = preset("mlp").unwrap();
    let mut s = Session::new(&p.spec, p.train.clone(), sample_train(), sample_test()).unwrap();
    let before = s.weights();
    s.use_own_data(own(12)).unwrap();
    s.train_steps(1).unwrap();
    let view = s.use_own_data(own(30)).unwrap();
    assert_eq!((view.train_size, view.test_size, s.step()), (25, 5, 0));
    s.set_preset("cnn").unwrap();
    assert_eq!(s.own_data(), Some(&view), "a new network keeps the own data");
    assert_eq!(s.train_data().len(), 25);
    s.back_to_mnist().unwrap();
    assert_eq!(s.weights(), before);
    assert_eq!(s.settings().preset, "mlp");
    assert_eq!(s.train_data().len(), sample_train().len());
}
