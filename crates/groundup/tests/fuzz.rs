//! Property tests ("fuzzing" on stable Rust) of every reader of untrusted
//! bytes: CSV, IDX, the manifest, safetensors models and model specs.
//!
//! Each starts from valid files and applies a few random mutations — bit
//! flips, overwritten bytes, truncations, insertions, deletions, repeated
//! runs, and huge numbers written over headers, lengths and fields — then
//! asserts that the reader returns (`Ok` or `Err`) without panicking, and
//! that what it accepts is sound. A panic here is an abort in a release
//! build, and in the browser a dead worker.
//!
//! Deterministic: a fixed seed and no failure files, so a failure reproduces
//! exactly and CI never depends on a previous run. 53,000 cases in all take
//! about 2 s in the (optimised) test profile and well under a minute
//! unoptimised; raise them locally with e.g.
//! `FUZZ_SCALE=100 cargo test -p groundup --test fuzz` (5 million, ~2 min).
//!
//! Native only (proptest does not build for wasm32-unknown-unknown).
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use flate2::write::GzEncoder;
use flate2::Compression;
use groundup::data::{
    parse_csv, parse_idx_images, parse_idx_labels, read_own_data, write_chunk, write_csv, Chunk, Dataset,
    Manifest, OwnFile, Split, IMAGE_PIXELS, MANIFEST_FILE, MAX_CLASS_NAME_CHARS,
};
use groundup::model_io::{from_safetensors, to_safetensors};
use groundup::spec::MAX_PARAMETERS;
use groundup::{ModelSpec, Network};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand::SeedableRng;

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// One change to a file. Positions are taken modulo the file's length.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit {
        at: usize,
        bit: u8,
    },
    SetByte {
        at: usize,
        byte: u8,
    },
    Truncate {
        at: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Remove {
        at: usize,
        len: usize,
    },
    /// Repeats a run of the file in place (makes long lines, many rows).
    Repeat {
        at: usize,
        len: usize,
        times: usize,
    },
    /// Writes a binary number over 4 or 8 bytes (header counts, lengths).
    Number {
        at: usize,
        value: u64,
        width: u8,
        big_endian: bool,
    },
    /// Writes a decimal number as text (CSV fields, JSON numbers).
    Digits {
        at: usize,
        value: u64,
        replace: usize,
    },
}

/// Numbers that break things: zero, one-offs, limits, powers of two.
fn interesting_number() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(28),
        Just(255),
        Just(256),
        Just(784),
        Just(250_001),
        Just(u32::MAX as u64),
        Just(i32::MAX as u64),
        Just(u64::MAX),
        Just(1 << 40),
        any::<u64>(),
        0u64..100_000,
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        2 => (any::<usize>(), vec(any::<u8>(), 1..16)).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        1 => (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        1 => (any::<usize>(), 1usize..64, 1usize..50).prop_map(|(at, len, times)| Mutation::Repeat { at, len, times }),
        2 => (0usize..24, interesting_number(), prop_oneof![Just(4u8), Just(8u8)], any::<bool>())
            .prop_map(|(at, value, width, big_endian)| Mutation::Number { at, value, width, big_endian }),
        2 => (any::<usize>(), interesting_number(), 0usize..4)
            .prop_map(|(at, value, replace)| Mutation::Digits { at, value, replace }),
    ]
}

fn apply(base: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for m in mutations {
        let len = bytes.len();
        let pos = |at: usize| if len == 0 { 0 } else { at % len };
        match m {
            Mutation::FlipBit { at, bit } if len > 0 => bytes[pos(*at)] ^= 1 << bit,
            Mutation::SetByte { at, byte } if len > 0 => bytes[pos(*at)] = *byte,
            Mutation::Truncate { at } => bytes.truncate(pos(*at)),
            Mutation::Insert { at, bytes: new } => {
                let at = pos(*at);
                bytes.splice(at..at, new.iter().copied());
            }
            Mutation::Remove { at, len: n } => {
                let at = pos(*at);
                bytes.drain(at..(at + n).min(len));
            }
            Mutation::Repeat { at, len: n, times } => {
                let at = pos(*at);
                let run: Vec<u8> = bytes[at..(at + n).min(len)].to_vec();
                let copies: Vec<u8> = run.iter().copied().cycle().take(run.len() * times).collect();
                bytes.splice(at..at, copies);
            }
            Mutation::Number { at, value, width, big_endian } => {
                let word: Vec<u8> = match (width, big_endian) {
                    (4, true) => (*value as u32).to_be_bytes().to_vec(),
                    (4, false) => (*value as u32).to_le_bytes().to_vec(),
                    (_, true) => value.to_be_bytes().to_vec(),
                    (_, false) => value.to_le_bytes().to_vec(),
                };
                let at = (*at).min(len);
                let end = (at + word.len()).min(len);
                bytes.splice(at..end, word);
            }
            Mutation::Digits { at, value, replace } => {
                let at = pos(*at);
                let end = (at + replace).min(len);
                bytes.splice(at..end, value.to_string().into_bytes());
            }
            _ => {}
        }
    }
    bytes
}

/// Runs `check` on `cases` mutants of the `bases`, from a fixed seed.
fn fuzz(cases: u32, bases: &[Vec<u8>], check: impl Fn(&[u8])) {
    let scale: u32 = std::env::var("FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let config = Config {
        cases: cases * scale,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        // Shrinking a failure to its smallest form is worth a few seconds.
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = (0..bases.len(), vec(mutation(), 1..6));
    runner
        .run(&strategy, |(base, mutations)| {
            check(&apply(&bases[base], &mutations));
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// Valid files to start from
// ---------------------------------------------------------------------------

fn images(n: usize) -> Dataset {
    let mut data = Dataset::new();
    for i in 0..n {
        let pixels: Vec<u8> = (0..IMAGE_PIXELS).map(|k| ((k * 7 + i * 13) % 256) as u8).collect();
        data.push(&pixels, (i % 10) as u8);
    }
    data
}

fn csv(data: &Dataset) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(&mut out, data).unwrap();
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn idx_images(data: &Dataset) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [0x0803u32, data.len() as u32, 28, 28] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.extend_from_slice(&data.images);
    bytes
}

fn idx_labels(data: &Dataset) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [0x0801u32, data.len() as u32] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.extend_from_slice(&data.labels);
    bytes
}

/// A small CNN and a small MLP, as saved.
fn models() -> Vec<Vec<u8>> {
    let specs = [
        r#"{"input": [1, 28, 28], "objective": "softmax_cross_entropy", "layers": [
            {"type": "conv2d", "filters": 2, "kernel": 3}, {"type": "relu"}, {"type": "max_pool2d", "size": 4},
            {"type": "flatten"}, {"type": "dense", "units": 10}]}"#,
        r#"{"input": [784], "objective": "sigmoid_sum_of_squares", "layers": [
            {"type": "dense", "units": 3, "bias": false}, {"type": "sigmoid"}, {"type": "dense", "units": 10}]}"#,
    ];
    specs
        .iter()
        .map(|json| {
            let spec = ModelSpec::from_json(json).unwrap();
            let network =
                Network::<f32>::new(&spec, &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3)).unwrap();
            to_safetensors(&network)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The readers
// ---------------------------------------------------------------------------

#[test]
fn csv_reader_never_panics() {
    let three = csv(&images(3));
    let mut with_header = b"label,pixel0,pixel1\r\n".to_vec();
    with_header.extend_from_slice(&three);
    let bases = [three.clone(), gzip(&three), with_header];
    fuzz(10_000, &bases, |bytes| {
        if let Ok(data) = parse_csv(bytes, "fuzz.csv") {
            assert!(data.labels.iter().all(|&l| l < 10));
            assert_eq!(data.images.len(), data.len() * IMAGE_PIXELS);
        }
    });
}

#[test]
fn chunk_parser_never_panics_and_never_returns_another_row_count() {
    let data = images(3);
    let stored = gzip(&csv(&data));
    let chunk = Chunk::describe("train-00.csv.gz", 3, &stored);
    fuzz(10_000, &[stored, csv(&data)], |bytes| {
        if let Ok(parsed) = chunk.parse_rows(bytes, "train-00.csv.gz") {
            assert_eq!(parsed.len(), 3);
        }
        // With its checksum, only the original bytes can pass.
        let _ = chunk.parse(bytes, "train-00.csv.gz");
    });
}

#[test]
fn idx_readers_never_panic() {
    let data = images(2);
    let bases = [idx_images(&data), gzip(&idx_images(&data)), idx_labels(&data), gzip(&idx_labels(&data))];
    fuzz(10_000, &bases, |bytes| {
        if let Ok(pixels) = parse_idx_images(bytes, "fuzz-images") {
            assert_eq!(pixels.len() % IMAGE_PIXELS, 0);
        }
        if let Ok(labels) = parse_idx_labels(bytes, "fuzz-labels") {
            assert!(labels.iter().all(|&l| l < 10));
        }
    });
}

/// A folder with two real chunks and their manifest.
struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn manifest_reader_never_panics_nor_loads_what_it_does_not_describe() {
    let dir = Folder(std::env::temp_dir().join(format!("groundup-fuzz-manifest-{}", std::process::id())));
    let _ = fs::remove_dir_all(&dir.0);
    fs::create_dir_all(&dir.0).unwrap();
    let train = write_chunk(&dir.0, "train-00.csv.gz", &images(3)).unwrap();
    let test = write_chunk(&dir.0, "test-00.csv.gz", &images(2)).unwrap();
    let manifest = serde_json::json!({
        "format_version": 1, "source": "fuzz", "licence": "fuzz", "image_shape": [28, 28],
        "train": {"rows": 3, "chunks": [train]}, "test": {"rows": 2, "chunks": [test]},
    });
    let base = serde_json::to_vec_pretty(&manifest).unwrap();
    fuzz(3_000, &[base], |bytes| {
        let Ok(parsed) = Manifest::from_json(bytes, "fuzz.json") else { return };
        // Accepted: it must add up, and loading it must not panic either.
        for split in Split::ALL {
            let entry = parsed.split(split);
            assert_eq!(entry.chunks.iter().map(|c| c.rows).sum::<usize>(), entry.rows);
        }
        fs::write(dir.0.join(MANIFEST_FILE), bytes).unwrap();
        for split in Split::ALL {
            if let Ok(data) = groundup::data::load_split(&dir.0, split) {
                assert_eq!(data.len(), parsed.split(split).rows);
            }
        }
    });
}

#[test]
fn model_reader_never_panics_nor_builds_more_than_the_file_holds() {
    fuzz(10_000, &models(), |bytes| {
        if let Ok(network) = from_safetensors(bytes, "fuzz.safetensors") {
            assert!(network.num_params() * 4 <= bytes.len());
            assert!(network.is_finite());
            let _ = network.fits_data(784, 10);
        }
    });
}

#[test]
fn spec_reader_never_panics() {
    let bases: Vec<Vec<u8>> = groundup::presets::PRESET_NAMES
        .iter()
        .map(|name| groundup::presets::preset(name).unwrap().spec.to_json().into_bytes())
        .collect();
    fuzz(10_000, &bases, |bytes| {
        let Ok(text) = std::str::from_utf8(bytes) else { return };
        if let Ok(spec) = ModelSpec::from_json(text) {
            assert!(spec.parameter_count().unwrap() <= MAX_PARAMETERS);
            assert!(spec.shapes().is_ok());
            let _ = spec.fits_data(784, 10);
        }
    });
}

#[test]
fn own_data_reader_never_panics_and_splits_what_it_reads() {
    let twelve = csv(&images(12));
    let mut classes =
        b"# classes: zero,one,two,three,four,five,six,seven,eight,nine\nlabel,pixel0,pixel1\n".to_vec();
    classes.extend_from_slice(&twelve);
    let bases = [twelve.clone(), gzip(&twelve), classes];
    fuzz(5_000, &bases, |bytes| {
        let one = [OwnFile { name: "mine.csv", bytes }];
        if let Ok(own) = read_own_data(&one, &mut |_, _| {}) {
            // Every 6th row tests: the two parts add up, and neither is empty.
            assert!(!own.train.is_empty() && !own.test.is_empty());
            assert_eq!(own.test.len(), (own.train.len() + own.test.len()) / 6);
            for part in [&own.train, &own.test] {
                assert!(part.labels.iter().all(|&l| l < 10));
                assert_eq!(part.images.len(), part.len() * IMAGE_PIXELS);
            }
            assert!(own.class_names.len() <= 10);
            assert!(own.class_names.iter().all(|n| n.chars().count() <= MAX_CLASS_NAME_CHARS));
        }
        // As the test file of two, beside a good training file.
        let two = [OwnFile { name: "train.csv", bytes: &bases[0] }, OwnFile { name: "test.csv", bytes }];
        let _ = read_own_data(&two, &mut |_, _| {});
    });
}

#[test]
fn arch_text_reader_never_panics_and_round_trips_what_it_accepts() {
    let bases: Vec<Vec<u8>> = groundup::presets::PRESET_NAMES
        .iter()
        .map(|name| groundup::arch::format(&groundup::presets::preset(name).unwrap().spec).into_bytes())
        .collect();
    fuzz(10_000, &bases, |bytes| {
        let Ok(text) = std::str::from_utf8(bytes) else { return };
        if let Ok(spec) = groundup::arch::parse(text) {
            assert!(spec.parameter_count().unwrap() <= groundup::arch::MAX_PARAMETERS);
            let again = groundup::arch::parse(&groundup::arch::format(&spec)).unwrap();
            assert_eq!(again, spec, "{text}");
        }
    });
}
