//! A corpus of bad inputs, each with the specific error it must give.
//!
//! The files live in `tests/fixtures/bad/` (committed, each under 6 KB) and
//! are made by [`make_bad_fixtures`], which is ignored in normal runs:
//!
//! ```sh
//! cargo test -p groundup --test bad_inputs -- --ignored make_bad_fixtures
//! ```
//!
//! [`every_bad_input_gives_its_error`] reads each committed file with the
//! reader for its kind and checks the error variant and the words of its
//! message — the file, and the line and column where they apply. Bombs and
//! huge files are not here: they are made at test time (tests/data.rs).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use groundup::data::{parse_csv, parse_idx_images, parse_idx_labels, Manifest, IMAGE_PIXELS};
use groundup::model_io::{from_safetensors, to_safetensors};
use groundup::{ModelSpec, Network};
use rand::SeedableRng;
use serde_json::{json, Value};

/// Which reader a file is for.
#[derive(Clone, Copy, Debug)]
enum Reader {
    Csv,
    IdxImages,
    IdxLabels,
    Manifest,
    Model,
    Spec,
    /// A valid spec that does not fit MNIST (784 pixels, 10 classes).
    SpecForMnist,
}

/// One bad input: its file, reader, the error variant it must give, and
/// words its message must contain.
struct Case {
    file: &'static str,
    reader: Reader,
    variant: &'static str,
    words: &'static [&'static str],
    make: fn() -> Vec<u8>,
}

const fn case(
    file: &'static str,
    reader: Reader,
    variant: &'static str,
    words: &'static [&'static str],
    make: fn() -> Vec<u8>,
) -> Case {
    Case { file, reader, variant, words, make }
}

// ---------------------------------------------------------------------------
// Makers
// ---------------------------------------------------------------------------

/// The fields of a valid row: label 3, pixels all 0 but a few.
fn fields() -> Vec<String> {
    let mut fields = vec!["3".to_owned()];
    fields.extend((0..IMAGE_PIXELS).map(|k| if k % 97 == 0 { "200".to_owned() } else { "0".to_owned() }));
    fields
}

fn row_with(column: usize, text: &str) -> String {
    let mut f = fields();
    f[column - 1] = text.to_owned();
    f.join(",")
}

fn good_row() -> String {
    fields().join(",")
}

/// Row 1 good, row 2 with `text` in `column` (1-based).
fn second_row_with(column: usize, text: &str) -> Vec<u8> {
    format!("{}\n{}\n", good_row(), row_with(column, text)).into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new().mtime(0).write(Vec::new(), Compression::new(6));
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn idx_images_with(magic: u32, count: u32, rows: u32, columns: u32, images: usize, extra: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [magic, count, rows, columns] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.extend((0..images * IMAGE_PIXELS).map(|i| (i % 251) as u8));
    bytes.extend_from_slice(extra);
    bytes
}

fn idx_labels_with(magic: u32, count: u32, labels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&magic.to_be_bytes());
    bytes.extend_from_slice(&count.to_be_bytes());
    bytes.extend_from_slice(labels);
    bytes
}

/// A valid manifest with one chunk per split, edited by `edit`.
fn manifest(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let chunk = |file: &str, rows: usize| json!({"file": file, "rows": rows, "bytes": 4000, "sha256": "ab".repeat(32)});
    let mut m = json!({
        "format_version": 1, "source": "test", "licence": "test", "image_shape": [28, 28],
        "train": {"rows": 3, "chunks": [chunk("train-00.csv.gz", 3)]},
        "test": {"rows": 2, "chunks": [chunk("test-00.csv.gz", 2)]},
    });
    edit(&mut m);
    serde_json::to_vec_pretty(&m).unwrap()
}

const TINY_SPEC: &str = r#"{"input": [4], "objective": "softmax_cross_entropy", "layers": [
    {"type": "dense", "units": 3}, {"type": "sigmoid"}, {"type": "dense", "units": 2}]}"#;

fn tiny_model() -> Vec<u8> {
    let spec = ModelSpec::from_json(TINY_SPEC).unwrap();
    to_safetensors(
        &Network::<f32>::new(&spec, &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7)).unwrap(),
    )
}

/// The tiny model's header as JSON and its data, to edit.
fn tiny_model_parts() -> (serde_json::Map<String, Value>, Vec<u8>) {
    let bytes = tiny_model();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    (serde_json::from_slice(&bytes[8..8 + n]).unwrap(), bytes[8 + n..].to_vec())
}

fn model_from_parts(header: &serde_json::Map<String, Value>, data: &[u8]) -> Vec<u8> {
    let mut text = serde_json::to_vec(header).unwrap();
    text.resize(text.len().next_multiple_of(8), b' ');
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&text);
    bytes.extend_from_slice(data);
    bytes
}

fn edited_model(edit: impl FnOnce(&mut serde_json::Map<String, Value>, &mut Vec<u8>)) -> Vec<u8> {
    let (mut header, mut data) = tiny_model_parts();
    edit(&mut header, &mut data);
    model_from_parts(&header, &data)
}

fn spec(layers: &str) -> Vec<u8> {
    format!(r#"{{"input": [1, 28, 28], "objective": "softmax_cross_entropy", "layers": [{layers}]}}"#)
        .into_bytes()
}

// ---------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------

use Reader::*;

fn cases() -> Vec<Case> {
    vec![
        // CSV: a field that is not a number, line and column named.
        case(
            "csv-not-a-number.csv",
            Csv,
            "NotANumber",
            &["csv-not-a-number.csv, line 2, column 5", "\"abc\"", "a pixel 0–255"],
            || second_row_with(5, "abc"),
        ),
        case("csv-decimal-pixel.csv", Csv, "NotANumber", &["line 2, column 3", "\"1.5\""], || {
            second_row_with(3, "1.5")
        }),
        case("csv-empty-field.csv", Csv, "NotANumber", &["line 2, column 10", "\"\""], || {
            second_row_with(10, "")
        }),
        case("csv-plus-sign.csv", Csv, "NotANumber", &["line 2, column 7", "\"+5\""], || {
            second_row_with(7, "+5")
        }),
        case("csv-hex-pixel.csv", Csv, "NotANumber", &["line 2, column 2", "\"0x1F\""], || {
            second_row_with(2, "0x1F")
        }),
        case("csv-leading-space.csv", Csv, "NotANumber", &["line 2, column 4", "\" 5\""], || {
            second_row_with(4, " 5")
        }),
        case(
            "csv-letter-label.csv",
            Csv,
            "NotANumber",
            &["line 2, column 1", "\"x\"", "a label 0–9"],
            || second_row_with(1, "x"),
        ),
        case("csv-header-not-first.csv", Csv, "NotANumber", &["line 2, column 1", "\"label\""], || {
            format!("{}\nlabel,pixel0\n", good_row()).into_bytes()
        }),
        case("csv-semicolons.csv", Csv, "NotANumber", &["line 1, column 1", "a label 0–9"], || {
            fields().join(";").into_bytes()
        }),
        case("csv-tabs.csv", Csv, "NotANumber", &["line 1, column 1"], || fields().join("\t").into_bytes()),
        // CSV: numbers out of range.
        case(
            "csv-negative-pixel.csv",
            Csv,
            "PixelOutOfRange",
            &["line 2, column 6", "pixel -3 is outside 0–255"],
            || second_row_with(6, "-3"),
        ),
        case("csv-pixel-256.csv", Csv, "PixelOutOfRange", &["line 2, column 785", "pixel 256"], || {
            second_row_with(785, "256")
        }),
        case(
            "csv-huge-pixel.csv",
            Csv,
            "PixelOutOfRange",
            &["line 2, column 9", "99999999999999999999…"],
            || second_row_with(9, &"9".repeat(40)),
        ),
        case("csv-crlf-pixel-300.csv", Csv, "PixelOutOfRange", &["line 2, column 785", "pixel 300"], || {
            format!("{}\r\n{}\r\n", good_row(), row_with(785, "300")).into_bytes()
        }),
        case("csv-bom-pixel-999.csv", Csv, "PixelOutOfRange", &["line 1, column 2", "pixel 999"], || {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend_from_slice(row_with(2, "999").as_bytes());
            bytes
        }),
        case(
            "csv-label-10.csv",
            Csv,
            "LabelOutOfRange",
            &["line 2, column 1", "label 10 is outside 0–9"],
            || second_row_with(1, "10"),
        ),
        case("csv-label-negative.csv", Csv, "LabelOutOfRange", &["line 2, column 1", "label -1"], || {
            second_row_with(1, "-1")
        }),
        // CSV: the shape of a row or of the file.
        case(
            "csv-too-few-fields.csv",
            Csv,
            "WrongFieldCount",
            &["line 2", "expected 785 fields", "got 784"],
            || {
                let mut f = fields();
                f.pop();
                format!("{}\n{}\n", good_row(), f.join(",")).into_bytes()
            },
        ),
        case("csv-too-many-fields.csv", Csv, "WrongFieldCount", &["line 1", "got 786"], || {
            format!("{},0\n", good_row()).into_bytes()
        }),
        case("csv-only-a-label.csv", Csv, "WrongFieldCount", &["line 1", "got 1"], || b"7\n".to_vec()),
        case("csv-blank-line-inside.csv", Csv, "BlankLine", &["line 2 is blank"], || {
            format!("{}\n\n{}\n", good_row(), good_row()).into_bytes()
        }),
        case("csv-no-newlines.csv.gz", Csv, "LineTooLong", &["line 1", "longer than 65536 bytes"], || {
            gzip(&[b'7'; 70_000])
        }),
        case("csv-truncated.csv.gz", Csv, "CorruptGzip", &["truncated or corrupt"], || {
            let whole = gzip(format!("{}\n{}\n", good_row(), good_row()).as_bytes());
            whole[..whole.len() / 2].to_vec()
        }),
        case("csv-bad-crc.csv.gz", Csv, "CorruptGzip", &["truncated or corrupt"], || {
            let mut whole = gzip(format!("{}\n", good_row()).as_bytes());
            let crc = whole.len() - 8;
            whole[crc] ^= 0xff;
            whole
        }),
        // IDX images.
        case(
            "idx-images-labels-magic.idx3",
            IdxImages,
            "IdxBadMagic",
            &["not an IDX images file", "0x00000801", "expected 0x00000803"],
            || idx_labels_with(0x0801, 2, &[1, 2]),
        ),
        case("idx-images-text.idx3", IdxImages, "IdxBadMagic", &["magic number is 0x68656c6c"], || {
            b"hello, world".to_vec()
        }),
        case(
            "idx-images-short-header.idx3",
            IdxImages,
            "IdxTruncated",
            &["expected 16 bytes, got 10"],
            || idx_images_with(0x0803, 1, 28, 28, 0, &[])[..10].to_vec(),
        ),
        case(
            "idx-images-truncated.idx3",
            IdxImages,
            "IdxTruncated",
            &["expected 1584 bytes, got 800"],
            || idx_images_with(0x0803, 2, 28, 28, 1, &[]),
        ),
        case(
            "idx-images-trailing.idx3",
            IdxImages,
            "IdxTrailingData",
            &["805 bytes", "only 800", "junk at the end"],
            || idx_images_with(0x0803, 1, 28, 28, 1, b"junk!"),
        ),
        case("idx-images-32x32.idx3", IdxImages, "WrongImageSize", &["32×32", "expected 28×28"], || {
            idx_images_with(0x0803, 1, 32, 32, 1, &[])
        }),
        case("idx-images-0x0.idx3", IdxImages, "WrongImageSize", &["0×0"], || {
            idx_images_with(0x0803, 1, 0, 0, 0, &[])
        }),
        case(
            "idx-images-huge-count.idx3",
            IdxImages,
            "IdxTooManyItems",
            &["4294967295 items", "more than the 250000"],
            || idx_images_with(0x0803, u32::MAX, 28, 28, 1, &[]),
        ),
        case(
            "idx-images-bomb.idx3.gz",
            IdxImages,
            "IdxTrailingGzipData",
            &["more than the 800 bytes its IDX header accounts for"],
            || {
                let mut plain = idx_images_with(0x0803, 1, 28, 28, 1, &[]);
                plain.resize(1 << 20, 0);
                gzip(&plain)
            },
        ),
        case("idx-images-truncated.idx3.gz", IdxImages, "CorruptGzip", &["truncated or corrupt"], || {
            let whole = gzip(&idx_images_with(0x0803, 1, 28, 28, 1, &[]));
            whole[..whole.len() - 12].to_vec()
        }),
        // IDX labels.
        case(
            "idx-labels-10.idx1",
            IdxLabels,
            "IdxBadLabel",
            &["label number 3: 10 is outside 0–9"],
            || idx_labels_with(0x0801, 4, &[1, 2, 10, 3]),
        ),
        case("idx-labels-255.idx1", IdxLabels, "IdxBadLabel", &["label number 1: 255"], || {
            idx_labels_with(0x0801, 1, &[255])
        }),
        case(
            "idx-labels-images-magic.idx1",
            IdxLabels,
            "IdxBadMagic",
            &["not an IDX labels file", "expected 0x00000801"],
            || idx_images_with(0x0803, 1, 28, 28, 1, &[]),
        ),
        case("idx-labels-truncated.idx1", IdxLabels, "IdxTruncated", &["expected 13 bytes, got 10"], || {
            idx_labels_with(0x0801, 5, &[1, 2])
        }),
        case("idx-labels-trailing.idx1", IdxLabels, "IdxTrailingData", &["11 bytes", "only 10"], || {
            idx_labels_with(0x0801, 2, &[1, 2, 3])
        }),
        case("idx-labels-huge-count.idx1", IdxLabels, "IdxTooManyItems", &["2147483648 items"], || {
            idx_labels_with(0x0801, 1 << 31, &[1])
        }),
        case("idx-labels-empty.idx1", IdxLabels, "IdxTruncated", &["expected 8 bytes, got 0"], Vec::new),
        // Manifests.
        case(
            "manifest-not-json.json",
            Manifest,
            "InvalidManifest",
            &["manifest-not-json.json: invalid manifest", "line 1"],
            || b"{ train: 3 }".to_vec(),
        ),
        case(
            "manifest-version-2.json",
            Manifest,
            "InvalidManifest",
            &["format version 2 is not supported"],
            || manifest(|m| m["format_version"] = 2.into()),
        ),
        case("manifest-image-32x32.json", Manifest, "InvalidManifest", &["image shape is 32×32"], || {
            manifest(|m| m["image_shape"] = json!([32, 32]))
        }),
        case(
            "manifest-rows-mismatch.json",
            Manifest,
            "InvalidManifest",
            &["train has 5 rows, but its chunks add up to 3"],
            || manifest(|m| m["train"]["rows"] = 5.into()),
        ),
        case(
            "manifest-path-traversal.json",
            Manifest,
            "InvalidManifest",
            &["test chunk \"../../etc/passwd\"", "plain file name"],
            || manifest(|m| m["test"]["chunks"][0]["file"] = "../../etc/passwd".into()),
        ),
        case("manifest-empty-chunk.json", Manifest, "InvalidManifest", &["at least one row"], || {
            manifest(|m| {
                m["train"]["chunks"][0]["rows"] = 0.into();
                m["train"]["rows"] = 0.into();
            })
        }),
        case(
            "manifest-bad-sha256.json",
            Manifest,
            "InvalidManifest",
            &["\"ABC\" is not 64 lowercase hex digits"],
            || manifest(|m| m["test"]["chunks"][0]["sha256"] = "ABC".into()),
        ),
        case(
            "manifest-huge-rows.json",
            Manifest,
            "InvalidManifest",
            &["18446744073709551615 rows cannot fit in 4000 bytes"],
            || {
                manifest(|m| {
                    m["train"]["chunks"][0]["rows"] = u64::MAX.into();
                    m["train"]["rows"] = u64::MAX.into();
                })
            },
        ),
        case(
            "manifest-huge-chunk.json",
            Manifest,
            "InvalidManifest",
            &["1000000000000 bytes is more than a chunk may have"],
            || manifest(|m| m["train"]["chunks"][0]["bytes"] = 1_000_000_000_000u64.into()),
        ),
        case(
            "manifest-split-too-big.json",
            Manifest,
            "InvalidManifest",
            &["train's chunks add up to more than 2500000 rows"],
            || {
                manifest(|m| {
                    let chunks: Vec<Value> = (0..10)
                    .map(|i| json!({"file": format!("train-{i:02}.csv.gz"), "rows": 300_000, "bytes": 1_000_000, "sha256": "cd".repeat(32)}))
                    .collect();
                    m["train"] = json!({"rows": 3_000_000, "chunks": chunks});
                })
            },
        ),
        case("manifest-no-test.json", Manifest, "InvalidManifest", &["missing field `test`"], || {
            manifest(|m| {
                m.as_object_mut().unwrap().remove("test");
            })
        }),
        case("manifest-negative-rows.json", Manifest, "InvalidManifest", &["invalid value"], || {
            manifest(|m| m["test"]["rows"] = (-1).into())
        }),
        // Models (safetensors).
        case(
            "model-empty.safetensors",
            Model,
            "NotSafetensors",
            &["only 0 bytes, too short to hold a header"],
            Vec::new,
        ),
        case(
            "model-truncated.safetensors",
            Model,
            "NotSafetensors",
            &["shorter than its header says: truncated?"],
            || {
                let whole = tiny_model();
                whole[..whole.len() / 2].to_vec()
            },
        ),
        case(
            "model-header-length-huge.safetensors",
            Model,
            "NotSafetensors",
            &["not a safetensors file"],
            || {
                let mut whole = tiny_model();
                whole[..8].copy_from_slice(&u64::MAX.to_le_bytes());
                whole
            },
        ),
        case("model-data-cut.safetensors", Model, "NotSafetensors", &["not a safetensors file"], || {
            let whole = tiny_model();
            whole[..whole.len() - 4].to_vec()
        }),
        case("model-not-groundup.safetensors", Model, "NotGroundup", &["not a groundup model"], || {
            edited_model(|h, _| {
                h.remove("__metadata__");
            })
        }),
        case(
            "model-version-9.safetensors",
            Model,
            "Version",
            &["format version 9", "reads version 1"],
            || edited_model(|h, _| h["__metadata__"]["version"] = "9".into()),
        ),
        case(
            "model-bad-spec.safetensors",
            Model,
            "Spec",
            &["the model spec in the metadata is invalid"],
            || edited_model(|h, _| h["__metadata__"]["spec"] = "{}".into()),
        ),
        case(
            "model-spec-claims-more.safetensors",
            Model,
            "Spec",
            &["needs 7850 weights", "truncated, or the spec of another model"],
            || {
                edited_model(|h, _| {
                    h["__metadata__"]["spec"] =
                    r#"{"input": [784], "objective": "softmax_cross_entropy", "layers": [{"type": "dense", "units": 10}]}"#.into()
                })
            },
        ),
        case(
            "model-nan-weight.safetensors",
            Model,
            "Tensor",
            &["\"layers.0.weight\"", "contains NaN"],
            || {
                edited_model(|h, data| {
                    let start = h["layers.0.weight"]["data_offsets"][0].as_u64().unwrap() as usize;
                    data[start..start + 4].copy_from_slice(&f32::NAN.to_le_bytes());
                })
            },
        ),
        case(
            "model-wrong-shape.safetensors",
            Model,
            "Tensor",
            &["\"layers.0.weight\"", "has shape [3, 4]", "needs [4, 3]"],
            || edited_model(|h, _| h["layers.0.weight"]["shape"] = json!([3, 4])),
        ),
        case(
            "model-missing-tensor.safetensors",
            Model,
            "Tensor",
            &["\"layers.2.bias\"", "missing from the file"],
            || {
                edited_model(|h, data| {
                    let info = h.remove("layers.2.bias").unwrap();
                    let start = info["data_offsets"][0].as_u64().unwrap() as usize;
                    data.truncate(start); // the last tensor
                })
            },
        ),
        case(
            "model-extra-tensor.safetensors",
            Model,
            "Tensor",
            &["\"layers.9.weight\"", "not part of this model's spec"],
            || {
                edited_model(|h, data| {
                    let end = data.len();
                    h.insert(
                        "layers.9.weight".into(),
                        json!({"dtype": "F32", "shape": [1], "data_offsets": [end, end + 4]}),
                    );
                    data.extend_from_slice(&1.0f32.to_le_bytes());
                })
            },
        ),
        case(
            "model-f16.safetensors",
            Model,
            "Tensor",
            &["\"layers.2.bias\"", "is F16, expected F32"],
            || {
                edited_model(|h, data| {
                    let start = h["layers.2.bias"]["data_offsets"][0].as_u64().unwrap();
                    h["layers.2.bias"]["dtype"] = "F16".into();
                    h["layers.2.bias"]["data_offsets"] = json!([start, start + 4]);
                    data.truncate(start as usize + 4);
                })
            },
        ),
        // Specs.
        case("spec-dense-on-image.json", Spec, "layer 0 (dense)", &["put a flatten layer before it"], || {
            spec(r#"{"type": "dense", "units": 10}"#)
        }),
        case(
            "spec-even-kernel.json",
            Spec,
            "layer 0 (conv2d)",
            &["\"same\" padding needs an odd kernel, got 4"],
            || {
                spec(
                    r#"{"type": "conv2d", "filters": 2, "kernel": 4}, {"type": "flatten"}, {"type": "dense", "units": 10}"#,
                )
            },
        ),
        case(
            "spec-kernel-too-big.json",
            Spec,
            "layer 0 (conv2d)",
            &["kernel is 29; it must be between 1 and 28"],
            || {
                spec(
                    r#"{"type": "conv2d", "filters": 2, "kernel": 29, "padding": "valid"}, {"type": "flatten"}, {"type": "dense", "units": 10}"#,
                )
            },
        ),
        case(
            "spec-too-many-weights.json",
            Spec,
            "layer 1 (dense)",
            &["the model would exceed 50000000 weights"],
            || {
                spec(
                    r#"{"type": "flatten"}, {"type": "dense", "units": 65536}, {"type": "dense", "units": 65536}"#,
                )
            },
        ),
        case("spec-no-layers.json", Spec, "layers", &["0 layers; a model has 1 to 64"], || spec("")),
        case("spec-unknown-layer.json", Spec, "model spec", &["unknown variant `attention`"], || {
            spec(r#"{"type": "attention"}"#)
        }),
        case("spec-zero-input.json", Spec, "input", &["shape [0, 28] is not 1 to 3 positive sides"], || {
            br#"{"input": [0, 28], "objective": "softmax_cross_entropy", "layers": [{"type": "flatten"}]}"#
                .to_vec()
        }),
        case("spec-image-output.json", Spec, "layers", &["the last layer must output a flat vector"], || {
            spec(r#"{"type": "relu"}"#)
        }),
        case(
            "spec-units-zero.json",
            Spec,
            "layer 1 (dense)",
            &["units is 0; it must be between 1 and 65536"],
            || spec(r#"{"type": "flatten"}, {"type": "dense", "units": 0}"#),
        ),
        // Specs that are valid but do not fit MNIST.
        case(
            "spec-input-100.json",
            SpecForMnist,
            "spec",
            &["the model takes 100 inputs; the images have 784 pixels"],
            || {
                br#"{"input": [100], "objective": "softmax_cross_entropy", "layers": [{"type": "dense", "units": 10}]}"#.to_vec()
            },
        ),
        case(
            "spec-5-outputs.json",
            SpecForMnist,
            "spec",
            &["the model has 5 outputs; the data has 10 classes"],
            || spec(r#"{"type": "flatten"}, {"type": "dense", "units": 5}"#),
        ),
        case(
            "spec-20-outputs.json",
            SpecForMnist,
            "spec",
            &["the model has 20 outputs; the data has 10 classes"],
            || spec(r#"{"type": "flatten"}, {"type": "dense", "units": 20}"#),
        ),
    ]
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

/// The name of an enum variant from its `Debug` form.
fn variant(debug: &str) -> &str {
    debug.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("")
}

/// Reads `bytes` as `reader` would, and returns the error's variant (for a
/// spec: its field) and message. Panics if the input is accepted.
fn error_of(reader: Reader, bytes: &[u8], name: &str) -> (String, String) {
    let data = |e: groundup::data::DataError| (variant(&format!("{e:?}")).to_owned(), e.to_string());
    let config = |e: groundup::ConfigError| (e.field.clone(), e.message.clone());
    let result = match reader {
        Csv => parse_csv(bytes, name).map(drop).map_err(data),
        IdxImages => parse_idx_images(bytes, name).map(drop).map_err(data),
        IdxLabels => parse_idx_labels(bytes, name).map(drop).map_err(data),
        Manifest => Manifest::from_json(bytes, name).map(drop).map_err(data),
        Model => from_safetensors(bytes, name)
            .map(drop)
            .map_err(|e| (variant(&format!("{e:?}")).to_owned(), e.to_string())),
        Spec => ModelSpec::from_json(std::str::from_utf8(bytes).unwrap()).map(drop).map_err(config),
        SpecForMnist => {
            let spec = ModelSpec::from_json(std::str::from_utf8(bytes).unwrap()).expect("a valid spec");
            spec.fits_data(784, 10).map_err(config)
        }
    };
    match result {
        Ok(()) => panic!("{name} should be refused"),
        Err(e) => e,
    }
}

#[test]
fn every_bad_input_gives_its_error() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let path = fixtures().join(case.file);
        let bytes = fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (make_bad_fixtures makes it)", path.display()));
        let (variant, message) = error_of(case.reader, &bytes, case.file);
        if variant != case.variant {
            wrong.push(format!("{}: {variant}, expected {}: {message}", case.file, case.variant));
        }
        // Data and model errors start with the file's name; spec errors
        // name the field (checked above) and say the rest in the message.
        if !matches!(case.reader, Spec | SpecForMnist) && !message.starts_with(case.file) {
            wrong.push(format!("{}: the message should name the file first: {message}", case.file));
        }
        for word in case.words {
            if !message.contains(word) {
                wrong.push(format!("{}: {message:?} should contain {word:?}", case.file));
            }
        }
    }
    assert!(wrong.is_empty(), "{} mismatches:\n{}", wrong.len(), wrong.join("\n"));
}

// The committed files are the ones the makers make (gzip output may differ
// between compressor versions, so .gz files are compared decompressed where
// they decompress).
#[test]
fn the_committed_files_are_what_their_makers_make() {
    let cases = cases();
    for case in &cases {
        let committed = fs::read(fixtures().join(case.file)).unwrap();
        let made = (case.make)();
        if case.file.ends_with(".gz") {
            assert_eq!(gunzip(&committed), gunzip(&made), "{}", case.file);
        } else {
            assert_eq!(committed, made, "{} differs from its maker: run make_bad_fixtures", case.file);
        }
    }
    let mut listed: Vec<&str> = cases.iter().map(|c| c.file).collect();
    listed.sort();
    let mut present: Vec<String> = fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(present, listed, "every committed file is in the table, and only those");
    let total: u64 = fs::read_dir(fixtures()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(total < 200_000, "the corpus is {total} bytes");
}

/// What a gzip stream decompresses to, as far as it does.
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out);
    out
}

/// Writes the corpus into tests/fixtures/bad/ (replacing what is there).
#[test]
#[ignore = "run by hand to remake the committed fixtures"]
fn make_bad_fixtures() {
    let dir = fixtures();
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for case in cases() {
        fs::write(dir.join(case.file), (case.make)()).unwrap();
    }
}
