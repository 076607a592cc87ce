//! Saving and loading a model as [safetensors]: an 8-byte header length, a
//! JSON header naming each tensor's dtype, shape and byte range, then the raw
//! little-endian data. Any safetensors reader can open the weights, e.g.
//! `safetensors.numpy.load_file("model.safetensors")` in Python.
//!
//! Tensors are named `layers.{i}.weight` / `layers.{i}.bias` (f32; dense
//! weights are `(in, out)`, conv weights `(out, in, k, k)`). The header's
//! free-form metadata carries what makes it a groundup model:
//!
//! | key       | value                                   |
//! |-----------|-----------------------------------------|
//! | `format`  | `groundup-model`                        |
//! | `version` | `1`                                     |
//! | `spec`    | the [`ModelSpec`] as JSON               |
//!
//! Loading checks all of it — a file from another program, a newer format,
//! a missing or misshapen tensor, a NaN weight — and says which. It is
//! bounded: a path naming a folder or a device (`/dev/zero`) is refused, a
//! file larger than the largest model is not read, and the spec's weight
//! count is checked against the bytes really there before the network is
//! built (a 1 KB file cannot make it allocate 200 MB).
//!
//! Saving never leaves half a model under the real name, nor a stray
//! temporary file: see [`save`].
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use safetensors::tensor::{Dtype, SafeTensors};

use crate::data::files::{read_bounded, BoundedReadError};
use crate::spec::MAX_PARAMETERS;
use crate::{ModelError, ModelSpec, Network};

pub const FORMAT: &str = "groundup-model";
pub const VERSION: &str = "1";

/// The largest model file read: [`MAX_PARAMETERS`] f32 weights and a
/// generous 16 MiB for the JSON header (a 64-layer spec takes 10 KB).
pub const MAX_MODEL_BYTES: u64 = 4 * MAX_PARAMETERS as u64 + (16 << 20);

/// The model as safetensors bytes.
///
/// The header is written here rather than by the `safetensors` crate, whose
/// metadata map iterates in a random order: written this way the same
/// model always gives the same bytes (and the same sha256). Reading goes
/// through the crate, so its validation checks every file we write.
pub fn to_safetensors(network: &Network<f32>) -> Vec<u8> {
    let named = network.named_params();
    // serde_json's map keeps keys sorted: a canonical header.
    let mut header = serde_json::Map::new();
    header.insert(
        "__metadata__".into(),
        serde_json::json!({"format": FORMAT, "version": VERSION, "spec": network.spec().to_json()}),
    );
    let mut offset = 0;
    for (name, p) in &named {
        let end = offset + p.value.len() * 4;
        let info =
            serde_json::json!({"dtype": "F32", "shape": p.value.shape(), "data_offsets": [offset, end]});
        header.insert(name.clone(), info);
        offset = end;
    }
    let mut header = serde_json::to_vec(&header).expect("a JSON map always serialises");
    // The format lets the header be padded with spaces; 8-byte alignment
    // lets readers view the f32 data in place.
    header.resize(header.len().next_multiple_of(8), b' ');

    let mut bytes = Vec::with_capacity(8 + header.len() + offset);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&header);
    for (_, p) in &named {
        bytes.extend(p.value.iter().flat_map(|v| v.to_le_bytes()));
    }
    bytes
}

/// A model from safetensors bytes; `source_name` (a file name) goes into errors.
pub fn from_safetensors(bytes: &[u8], source_name: &str) -> Result<Network<f32>, ModelError> {
    let source_name = source_name.to_string();
    let not_safetensors = |e: safetensors::SafeTensorError| ModelError::NotSafetensors {
        source_name: source_name.clone(),
        detail: describe_safetensors_error(&e, bytes.len()),
    };
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(not_safetensors)?;
    let metadata = header.metadata().clone().unwrap_or_default();
    if metadata.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(ModelError::NotGroundup { source_name });
    }
    let version = metadata.get("version").cloned().unwrap_or_default();
    if version != VERSION {
        return Err(ModelError::Version { source_name, found: version, expected: VERSION.into() });
    }
    let spec_json = metadata.get("spec").cloned().unwrap_or_default();
    let spec = ModelSpec::from_json(&spec_json)
        .map_err(|e| ModelError::Spec { source_name: source_name.clone(), detail: e.to_string() })?;
    // The spec is only a claim: before building a network of its size,
    // check that the file holds that many f32 weights at all.
    let weights = spec
        .parameter_count()
        .map_err(|e| ModelError::Spec { source_name: source_name.clone(), detail: e.to_string() })?;
    if weights as u64 * 4 > bytes.len() as u64 {
        return Err(ModelError::Spec {
            source_name,
            detail: format!(
                "it needs {weights} weights ({} bytes), but the whole file is {} bytes: \
                 truncated, or the spec of another model",
                weights as u64 * 4,
                bytes.len()
            ),
        });
    }
    let tensors = SafeTensors::deserialize(bytes).map_err(not_safetensors)?;

    let mut rng = <rand::rngs::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(0);
    let mut network = Network::<f32>::new(&spec, &mut rng)
        .map_err(|e| ModelError::Spec { source_name: source_name.clone(), detail: e.to_string() })?;
    let tensor_error = |tensor: &str, detail: String| ModelError::Tensor {
        source_name: source_name.clone(),
        tensor: tensor.to_string(),
        detail,
    };
    let mut expected = Vec::new();
    for (name, param) in network.named_params_mut() {
        let view = tensors.tensor(&name).map_err(|_| tensor_error(&name, "missing from the file".into()))?;
        if view.dtype() != Dtype::F32 {
            return Err(tensor_error(&name, format!("is {:?}, expected F32", view.dtype())));
        }
        if view.shape() != param.value.shape() {
            return Err(tensor_error(
                &name,
                format!("has shape {:?}, but the spec needs {:?}", view.shape(), param.value.shape()),
            ));
        }
        let values: Vec<f32> =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(tensor_error(&name, format!("contains {bad}; a saved model must be finite")));
        }
        param.value = ArrayD::from_shape_vec(view.shape(), values).expect("length checked by safetensors");
        expected.push(name);
    }
    if let Some(extra) = tensors.names().into_iter().find(|n| !expected.iter().any(|e| e == n)) {
        return Err(tensor_error(extra, "is not part of this model's spec".into()));
    }
    Ok(network)
}

fn describe_safetensors_error(e: &safetensors::SafeTensorError, len: usize) -> String {
    use safetensors::SafeTensorError as E;
    match e {
        E::HeaderTooSmall => format!("only {len} bytes, too short to hold a header"),
        E::MetadataIncompleteBuffer | E::InvalidHeaderLength => {
            format!("the file is {len} bytes, shorter than its header says: truncated?")
        }
        other => other.to_string(),
    }
}

/// Writes the model to `path`.
///
/// By way of a temporary file in the same folder (`{path}.tmp-{pid}`),
/// synced to disk and then renamed over `path`: a crash or a full disk
/// never leaves half a model under the real name, and on any error the
/// temporary file is removed and `path` is as it was. A folder is refused;
/// an existing device or pipe (`/dev/null`) is written to directly, as
/// there is nothing to rename over it.
pub fn save(network: &Network<f32>, path: &Path) -> Result<(), ModelError> {
    let source_name = path.display().to_string();
    let io = |e: std::io::Error| ModelError::Io { source_name: source_name.clone(), detail: e.to_string() };
    let bytes = to_safetensors(network);
    if let Ok(meta) = fs::metadata(path) {
        if meta.is_dir() {
            return Err(ModelError::Io { source_name, detail: "is a folder, not a file".into() });
        }
        if !meta.is_file() {
            return fs::write(path, bytes).map_err(io);
        }
    }
    let tmp = temporary_path(path);
    let written = (|| {
        {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
        } // closed here, before the rename
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(io)
}

/// Where [`save`] writes before renaming: `{path}.tmp-{pid}`, in the same
/// folder (a rename cannot cross file systems), unique to this process.
fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    PathBuf::from(name)
}

/// Reads a model written by [`save`]. Refuses a folder or a device, and a
/// file larger than [`MAX_MODEL_BYTES`], before reading it.
pub fn load(path: &Path) -> Result<Network<f32>, ModelError> {
    let name = path.display().to_string();
    let bytes = read_bounded(path, MAX_MODEL_BYTES).map_err(|e| {
        let detail = match e {
            BoundedReadError::WrongKind(kind) => format!("is {kind}, not a model file"),
            BoundedReadError::TooLarge => {
                format!("larger than {MAX_MODEL_BYTES} bytes, more than any model of at most {MAX_PARAMETERS} weights")
            }
            BoundedReadError::Io(e) => e.to_string(),
        };
        ModelError::Io { source_name: name.clone(), detail }
    })?;
    from_safetensors(&bytes, &name)
}
