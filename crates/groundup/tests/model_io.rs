//! Tests of `groundup::model_io`: a saved model loads back bit for bit,
//! and every way a file can be wrong is refused with an error that names the
//! file and says what is wrong.
//!
//! Broken files are made by hand from the safetensors layout — 8-byte
//! little-endian header length N, N bytes of JSON header, then the data — by
//! an encoder written here, independent of the library's.

mod common;

use common::{rng, sample_test, weight_bits, TempPath};
use groundup::model_io::{from_safetensors, load, save, to_safetensors, FORMAT, VERSION};
use groundup::presets::preset;
use groundup::train::{predict, Trainer};
use groundup::{ModelError, Network};
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------
// A hand-written safetensors codec
// ---------------------------------------------------------------------------

/// One tensor of a file: name, dtype string, shape, raw little-endian bytes.
#[derive(Clone, Debug, PartialEq)]
struct RawTensor {
    name: String,
    dtype: String,
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// A safetensors file taken apart (metadata keys and tensors sorted by name).
#[derive(Clone, Debug, PartialEq)]
struct RawFile {
    metadata: Option<Map<String, Value>>,
    tensors: Vec<RawTensor>,
}

impl RawFile {
    /// Parses a file made by `to_safetensors` (trusting it: this is test code).
    fn parse(bytes: &[u8]) -> RawFile {
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header: Map<String, Value> = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        let data = &bytes[8 + n..];
        let mut metadata = None;
        let mut tensors = Vec::new();
        for (name, info) in header {
            if name == "__metadata__" {
                metadata = Some(info.as_object().unwrap().clone());
                continue;
            }
            let offsets: Vec<usize> = info["data_offsets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            tensors.push(RawTensor {
                name,
                dtype: info["dtype"].as_str().unwrap().to_string(),
                shape: info["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as usize)
                    .collect(),
                data: data[offsets[0]..offsets[1]].to_vec(),
            });
        }
        tensors.sort_by(|a, b| a.name.cmp(&b.name));
        RawFile { metadata, tensors }
    }

    /// Encodes the file: tensors' data back to back in order, header padded to 8 bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut header = Map::new();
        if let Some(m) = &self.metadata {
            header.insert("__metadata__".into(), Value::Object(m.clone()));
        }
        let mut offset = 0;
        for t in &self.tensors {
            let end = offset + t.data.len();
            header.insert(
                t.name.clone(),
                json!({"dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, end]}),
            );
            offset = end;
        }
        let mut text = serde_json::to_string(&Value::Object(header)).unwrap();
        while !text.len().is_multiple_of(8) {
            text.push(' ');
        }
        let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(text.as_bytes());
        for t in &self.tensors {
            bytes.extend_from_slice(&t.data);
        }
        bytes
    }

    fn set_metadata(&mut self, key: &str, value: &str) {
        self.metadata.get_or_insert_with(Map::new).insert(key.into(), Value::String(value.into()));
    }

    fn tensor_mut(&mut self, name: &str) -> &mut RawTensor {
        self.tensors.iter_mut().find(|t| t.name == name).unwrap_or_else(|| panic!("no tensor {name}"))
    }
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A small valid groundup model file (cnn preset, untrained) taken apart.
fn cnn_file() -> RawFile {
    RawFile::parse(&to_safetensors(&network("cnn", 5)))
}

fn network(name: &str, seed: u64) -> Network<f32> {
    let spec = preset(name).unwrap().spec;
    Network::new(&spec, &mut rng(seed)).unwrap()
}

/// Loads `bytes` that must be refused; checks the message names the source and contains `needles`.
fn refused(bytes: &[u8], needles: &[&str]) -> ModelError {
    let source = "suspect.safetensors";
    let error = match from_safetensors(bytes, source) {
        Ok(_) => panic!("the file should be refused"),
        Err(e) => e,
    };
    let message = error.to_string();
    assert!(message.starts_with(source), "the message names the source first: {message}");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} should contain {needle:?}");
    }
    error
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

/// A network trained a few steps, so that its weights (and biases) are not the initial ones.
fn trained(name: &str) -> Network<f32> {
    let p = preset(name).unwrap();
    let mut trainer = Trainer::new(&p.spec, &p.train).unwrap();
    let data = sample_test();
    for step in 0..3 {
        let indices: Vec<usize> = (step * 8..step * 8 + 8).collect();
        let (x, labels) = data.batch(&indices);
        trainer.train_batch(x, &labels, 0).unwrap();
    }
    trainer.into_network()
}

/// Asserts two networks have the same spec, bit-identical weights, and identical predictions.
fn assert_same_model(a: &mut Network<f32>, b: &mut Network<f32>, what: &str) {
    assert_eq!(a.spec(), b.spec(), "{what}: spec");
    let names = |n: &Network<f32>| n.named_params().into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "{what}: tensor names");
    assert_eq!(weight_bits(a), weight_bits(b), "{what}: weights");
    let (x, _) = sample_test().batch(&(0..20).collect::<Vec<_>>());
    let (pa, pb) = (predict(a, x.clone()), predict(b, x));
    let bits = |p: &ndarray::Array2<f32>| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&pa), bits(&pb), "{what}: predictions");
}

// to_safetensors → from_safetensors gives the same spec, weights (bit for bit) and predictions,
// for a CNN and an MLP with trained, non-zero biases.
#[test]
fn bytes_round_trip() {
    for name in ["cnn", "mlp"] {
        let mut original = trained(name);
        assert!(original
            .named_params()
            .iter()
            .any(|(n, p)| n.ends_with("bias") && p.value.iter().any(|&v| v != 0.0)));
        let mut loaded = from_safetensors(&to_safetensors(&original), "memory").unwrap();
        assert_same_model(&mut original, &mut loaded, name);
    }
}

// save → load through a file does the same, leaves no temporary file, and overwrites an old file.
#[test]
fn file_round_trip() {
    for name in ["cnn", "mlp"] {
        let path = TempPath::new(&format!("{name}.safetensors"));
        std::fs::write(&*path, b"an older, different file").unwrap();
        let mut original = trained(name);
        save(&original, &path).unwrap();
        assert!(!path.with_extension("safetensors.tmp").exists(), "the temporary file is renamed away");
        let mut loaded = load(&path).unwrap();
        assert_same_model(&mut original, &mut loaded, name);
        let on_disk = RawFile::parse(&std::fs::read(&*path).unwrap());
        assert_eq!(on_disk, RawFile::parse(&to_safetensors(&original)), "the file holds the model");
    }
}

// Saving the same model twice gives the same bytes (reproducible files, checksums, diffs).
#[test]
fn saving_is_deterministic() {
    let net = network("cnn", 4);
    let first = to_safetensors(&net);
    for _ in 0..8 {
        assert!(to_safetensors(&net) == first, "same model, different bytes");
    }
}

// The file is standard safetensors with the documented layout: F32 tensors named layers.{i}.weight /
// .bias with the (in, out) and (out, in, k, k) shapes, and the groundup metadata with the spec.
#[test]
fn file_layout_is_as_documented() {
    let net = network("cnn", 1);
    let file = RawFile::parse(&to_safetensors(&net));
    let metadata = file.metadata.as_ref().unwrap();
    assert_eq!(metadata["format"], FORMAT);
    assert_eq!(metadata["version"], VERSION);
    assert_eq!(metadata["spec"].as_str().unwrap(), net.spec().to_json());
    let shapes: Vec<(&str, &[usize])> =
        file.tensors.iter().map(|t| (t.name.as_str(), &t.shape[..])).collect();
    assert_eq!(
        shapes,
        [
            ("layers.0.bias", &[8][..]),
            ("layers.0.weight", &[8, 1, 5, 5][..]),
            ("layers.3.bias", &[16][..]),
            ("layers.3.weight", &[16, 8, 5, 5][..]),
            ("layers.7.bias", &[10][..]),
            ("layers.7.weight", &[784, 10][..]),
        ]
    );
    assert!(file.tensors.iter().all(|t| t.dtype == "F32"));
    // The data is the weights, little-endian, row-major.
    let w = &net.params()[0].value;
    let expected = f32_bytes(&w.iter().copied().collect::<Vec<_>>());
    assert_eq!(file.tensors[1].data, expected);
    // And our re-encoding of it is accepted: the hand codec agrees with the library.
    assert!(from_safetensors(&file.to_bytes(), "re-encoded").is_ok());
}

// ---------------------------------------------------------------------------
// Files that are not safetensors
// ---------------------------------------------------------------------------

// An empty file, five random bytes, and a file cut in half are NotSafetensors, naming the source
// and (for the short and cut files) the length problem.
#[test]
fn non_safetensors_bytes_are_refused() {
    let e = refused(b"", &["not a safetensors file", "0 bytes"]);
    assert!(matches!(e, ModelError::NotSafetensors { .. }), "{e:?}");
    let e = refused(&[0x13, 0x37, 0xc0, 0xff, 0xee], &["not a safetensors file", "5 bytes"]);
    assert!(matches!(e, ModelError::NotSafetensors { .. }), "{e:?}");

    let bytes = to_safetensors(&network("cnn", 2));
    let half = &bytes[..bytes.len() / 2];
    let e = refused(half, &["not a safetensors file", "truncated"]);
    assert!(matches!(e, ModelError::NotSafetensors { .. }), "{e:?}");
    // Cut inside the header, and by a single byte at the end: both truncated.
    let e = refused(&bytes[..20], &["truncated"]);
    assert!(matches!(e, ModelError::NotSafetensors { .. }), "{e:?}");
    let e = refused(&bytes[..bytes.len() - 1], &["truncated"]);
    assert!(matches!(e, ModelError::NotSafetensors { .. }), "{e:?}");
}

// A header that is not JSON is NotSafetensors.
#[test]
fn garbage_header_is_refused() {
    let text = b"this is not json";
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(text);
    let e = refused(&bytes, &["not a safetensors file"]);
    assert!(matches!(e, ModelError::NotSafetensors { .. }), "{e:?}");
}

// ---------------------------------------------------------------------------
// Safetensors, but not a (readable) groundup model
// ---------------------------------------------------------------------------

// A valid safetensors file from another program (no metadata, or metadata without our format) is
// NotGroundup.
#[test]
fn safetensors_without_groundup_metadata_is_refused() {
    let tensor = RawTensor {
        name: "embedding".into(),
        dtype: "F32".into(),
        shape: vec![2, 2],
        data: f32_bytes(&[1.0, 2.0, 3.0, 4.0]),
    };
    let bare = RawFile { metadata: None, tensors: vec![tensor.clone()] };
    let e = refused(&bare.to_bytes(), &["not a groundup model"]);
    assert!(matches!(e, ModelError::NotGroundup { .. }), "{e:?}");

    let mut foreign = RawFile { metadata: None, tensors: vec![tensor] };
    foreign.set_metadata("format", "pt");
    let e = refused(&foreign.to_bytes(), &["not a groundup model"]);
    assert!(matches!(e, ModelError::NotGroundup { .. }), "{e:?}");

    // Our own file with the format key removed is no longer recognised either.
    let mut ours = cnn_file();
    ours.metadata.as_mut().unwrap().remove("format");
    let e = refused(&ours.to_bytes(), &["not a groundup model"]);
    assert!(matches!(e, ModelError::NotGroundup { .. }), "{e:?}");
}

// A newer (or missing) format version is refused with the version found and the one expected.
#[test]
fn wrong_version_is_refused() {
    let mut file = cnn_file();
    file.set_metadata("version", "2");
    let e = refused(&file.to_bytes(), &["version 2", &format!("reads version {VERSION}")]);
    assert!(matches!(&e, ModelError::Version { found, .. } if found == "2"), "{e:?}");

    file.metadata.as_mut().unwrap().remove("version");
    let e = refused(&file.to_bytes(), &["version"]);
    assert!(matches!(e, ModelError::Version { .. }), "{e:?}");
}

// A spec that is not JSON, or JSON that describes an impossible model, is a Spec error.
#[test]
fn invalid_spec_is_refused() {
    let mut file = cnn_file();
    file.set_metadata("spec", "{not json");
    let e = refused(&file.to_bytes(), &["model spec", "invalid"]);
    assert!(matches!(e, ModelError::Spec { .. }), "{e:?}");

    let impossible = r#"{"input": [784], "objective": "softmax_cross_entropy",
                         "layers": [{"type": "conv2d", "filters": 2, "kernel": 3}]}"#;
    file.set_metadata("spec", impossible);
    let e = refused(&file.to_bytes(), &["layer 0 (conv2d)"]);
    assert!(matches!(e, ModelError::Spec { .. }), "{e:?}");
}

// A tensor whose shape disagrees with the spec (same element count, transposed) names the tensor
// and both shapes.
#[test]
fn wrong_tensor_shape_is_refused() {
    let mut file = cnn_file();
    file.tensor_mut("layers.7.weight").shape = vec![10, 784];
    let e = refused(&file.to_bytes(), &["layers.7.weight", "[10, 784]", "[784, 10]"]);
    assert!(matches!(&e, ModelError::Tensor { tensor, .. } if tensor == "layers.7.weight"), "{e:?}");
}

// A tensor the spec needs but the file lacks is named.
#[test]
fn missing_tensor_is_refused() {
    let mut file = cnn_file();
    file.tensors.retain(|t| t.name != "layers.3.bias");
    let e = refused(&file.to_bytes(), &["layers.3.bias", "missing"]);
    assert!(matches!(&e, ModelError::Tensor { tensor, .. } if tensor == "layers.3.bias"), "{e:?}");
}

// A tensor the spec does not have is named, rather than silently ignored.
#[test]
fn extra_tensor_is_refused() {
    let mut file = cnn_file();
    file.tensors.push(RawTensor {
        name: "layers.9.weight".into(),
        dtype: "F32".into(),
        shape: vec![3],
        data: f32_bytes(&[1.0, 2.0, 3.0]),
    });
    let e = refused(&file.to_bytes(), &["layers.9.weight", "not part of this model"]);
    assert!(matches!(&e, ModelError::Tensor { tensor, .. } if tensor == "layers.9.weight"), "{e:?}");
}

// An F64 tensor (right shape, twice the bytes) is refused by dtype, naming the tensor.
#[test]
fn f64_tensor_is_refused() {
    let mut file = cnn_file();
    let t = file.tensor_mut("layers.0.bias");
    let values: Vec<f32> =
        t.data.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    t.data = values.iter().flat_map(|&v| f64::from(v).to_le_bytes()).collect();
    t.dtype = "F64".into();
    let e = refused(&file.to_bytes(), &["layers.0.bias", "F64", "F32"]);
    assert!(matches!(e, ModelError::Tensor { .. }), "{e:?}");
}

// A NaN or infinite weight is refused (a saved model must be finite), naming the tensor.
#[test]
fn non_finite_weight_is_refused() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut file = cnn_file();
        let t = file.tensor_mut("layers.3.weight");
        let at = 4 * 1234;
        t.data[at..at + 4].copy_from_slice(&bad.to_le_bytes());
        let e = refused(&file.to_bytes(), &["layers.3.weight", "finite"]);
        assert!(matches!(e, ModelError::Tensor { .. }), "{bad}: {e:?}");
    }
}

// A path that does not exist is an Io error that names the path.
#[test]
fn nonexistent_path_is_an_io_error_naming_it() {
    let path = TempPath::new("never-written.safetensors");
    let error = match load(&path) {
        Ok(_) => panic!("nothing to load"),
        Err(e) => e,
    };
    assert!(matches!(error, ModelError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains(&path.display().to_string()), "{error}");
}

// Saving into a folder that does not exist is an Io error naming the path, not a panic.
#[test]
fn save_into_missing_folder_is_an_io_error() {
    let dir = TempPath::new("no-such-dir");
    let path = dir.join("model.safetensors");
    let error = save(&network("cnn", 3), &path).expect_err("the folder does not exist");
    assert!(matches!(error, ModelError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains(&path.display().to_string()), "{error}");
}

// ---------------------------------------------------------------------------
// Hostile paths and sizes
// ---------------------------------------------------------------------------

fn load_error(path: &std::path::Path) -> ModelError {
    match load(path) {
        Ok(_) => panic!("{} should be refused", path.display()),
        Err(e) => e,
    }
}

// A model path naming a device (which never ends) or a folder is refused
// before reading; /dev/zero used to be read until memory ran out.
#[test]
fn devices_and_folders_are_refused_before_reading() {
    let error = load_error(std::path::Path::new("/dev/zero"));
    assert!(matches!(error, ModelError::Io { .. }), "{error:?}");
    assert_eq!(error.to_string(), "/dev/zero: is a device, not a model file");
    let error = load_error(&std::env::temp_dir());
    assert!(error.to_string().contains("is a folder, not a model file"), "{error}");
}

// A file larger than the largest model is refused on its size, unread.
#[test]
fn an_oversized_file_is_refused_without_reading_it() {
    let path = TempPath::new("huge.safetensors");
    // Sparse: takes no disk space.
    std::fs::File::create(&*path).unwrap().set_len(groundup::model_io::MAX_MODEL_BYTES + 1).unwrap();
    let error = load_error(&path);
    assert!(error.to_string().contains("larger than"), "{error}");
}

// A spec that claims far more weights than the file holds is refused before
// a network of that size is built (a 1 KB file could make it allocate 200 MB).
#[test]
fn a_spec_claiming_more_weights_than_the_file_holds_is_refused_before_building() {
    let mut file = cnn_file();
    let big = r#"{"input": [784], "objective": "softmax_cross_entropy", "layers": [{"type": "dense", "units": 60000}]}"#;
    file.set_metadata("spec", big);
    let error = refused(&file.to_bytes(), &["needs 47100000 weights", "truncated"]);
    assert!(matches!(error, ModelError::Spec { .. }), "{error:?}");
}

// Saving over a folder is refused, and nothing is left beside it.
#[test]
fn saving_over_a_folder_is_refused() {
    let dir = TempPath::new("model-folder");
    std::fs::create_dir(&*dir).unwrap();
    let error = save(&network("mlp", 1), &dir).expect_err("a folder");
    assert!(error.to_string().contains("is a folder"), "{error}");
    let parent = dir.parent().unwrap();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let leftovers = std::fs::read_dir(parent)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(&format!("{name}.tmp")))
        .count();
    std::fs::remove_dir(&*dir).unwrap();
    assert_eq!(leftovers, 0);
}

// A failed save (no such folder) leaves no temporary file, and a good save
// replaces the old file whole.
#[test]
fn saving_replaces_the_old_file_and_leaves_no_temporary_file() {
    let path = TempPath::new("replace.safetensors");
    std::fs::write(&*path, "old").unwrap();
    save(&network("mlp", 1), &path).unwrap();
    assert!(load(&path).is_ok());
    let temp = format!("{}.tmp-{}", path.display(), std::process::id());
    assert!(!std::path::Path::new(&temp).exists());
    // A device is written to directly: nothing is renamed over it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        save(&network("mlp", 1), std::path::Path::new("/dev/null")).unwrap();
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    }
}
