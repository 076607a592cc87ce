//! Between JavaScript and the core: errors as `Error` objects carrying the
//! core's `ErrorReport`, values in and out through serde, bytes and floats
//! as typed arrays, and the JS-shaped records the methods return.

use groundup::train::{GradientSums, StepReport};
use groundup::{Error, ErrorReport};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// `learning_rate` → `learningRate`: the core's field keys as the page
/// spells its settings.
pub(crate) fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A JavaScript `Error` carrying the report's fields as properties.
pub(crate) fn js_error(e: impl Into<Error>) -> JsValue {
    let report = ErrorReport::from(&e.into());
    let error = js_sys::Error::new(&report.message);
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(key), &value);
    };
    let kind = serde_json::to_value(report.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
    set("kind", JsValue::from_str(kind.as_deref().unwrap_or("internal")));
    if let Some(field) = &report.field {
        set("field", JsValue::from_str(&camel_case(field)));
    }
    if let Some(step) = report.step {
        set("step", JsValue::from_f64(step as f64));
    }
    if let Some(file) = &report.file {
        set("file", JsValue::from_str(file));
    }
    if let Some(line) = report.line {
        set("line", JsValue::from_f64(line as f64));
    }
    if let Some(column) = report.column {
        set("column", JsValue::from_f64(column as f64));
    }
    error.into()
}

pub(crate) fn usage(text: impl Into<String>) -> JsValue {
    js_error(Error::Usage(text.into()))
}

pub(crate) fn to_js(value: &impl Serialize) -> JsValue {
    // Maps as plain objects, so `report.batches[0].loss` works in JS.
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).unwrap_or_else(|e| usage(format!("cannot convert the answer: {e}")))
}

/// A step report, with `stall: null` when there is none (plain `to_js`
/// would give `undefined`).
pub(crate) fn step_report_to_js(report: &StepReport) -> JsValue {
    to_js_with_nulls(report)
}

/// As [`to_js`], with `None` as `null` rather than `undefined`.
pub(crate) fn to_js_with_nulls(value: &impl Serialize) -> JsValue {
    let serializer =
        serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    value.serialize(&serializer).unwrap_or_else(|e| usage(format!("cannot convert the answer: {e}")))
}

/// A plain JS object as `T`, refusing unknown keys. Through serde_json:
/// serde-wasm-bindgen would ignore an unknown key (`{momentum: 0.9}`).
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    let refused = |e: String| js_error(groundup::ConfigError::new(what, e));
    let json: serde_json::Value =
        serde_wasm_bindgen::from_value(value).map_err(|e| refused(e.to_string()))?;
    serde_json::from_value(json).map_err(|e| refused(e.to_string()))
}

/// Bytes as a `Uint8Array` (serde-wasm-bindgen's form for byte strings)
/// rather than an array of numbers: 784 bytes an image add up.
pub(crate) fn as_uint8_array<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(bytes)
}

/// Images and labels as bytes, for a shard worker.
#[derive(Serialize)]
pub(crate) struct Images {
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) images: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) labels: Vec<u8>,
}

impl From<groundup::data::Dataset> for Images {
    fn from(d: groundup::data::Dataset) -> Self {
        Self { images: d.images, labels: d.labels }
    }
}

/// What `beginBatch` hands the worker: the batch's epoch and, for every
/// shard but the first (which stays here), its images and labels.
#[derive(Serialize)]
pub(crate) struct BatchPlan {
    pub(crate) epoch: usize,
    pub(crate) shards: Vec<Images>,
}

/// A shard's sums besides its gradients, as JS passes them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShardSums {
    pub(crate) examples: usize,
    #[serde(deserialize_with = "groundup::train::evaluate::nan_if_null")]
    pub(crate) loss: f64,
    pub(crate) correct: usize,
}

impl From<GradientSums> for ShardSums {
    fn from(s: GradientSums) -> Self {
        Self { examples: s.examples, loss: s.loss, correct: s.correct }
    }
}

#[derive(Serialize)]
pub(crate) struct Examples {
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) images: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) labels: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) predictions: Vec<u8>,
    pub(crate) confidences: Vec<f32>,
}

/// One layer's output for one image, as `featureMaps` returns it.
#[derive(Serialize)]
pub(crate) struct FeatureMapJs {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) channels: usize,
    pub(crate) height: usize,
    pub(crate) width: usize,
    /// A `Float32Array` of `channels·height·width` values.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub(crate) values: JsValue,
}

/// Weights as pictures, as `weightImages` returns them.
#[derive(Serialize)]
pub(crate) struct WeightImageJs {
    pub(crate) name: String,
    pub(crate) count: usize,
    pub(crate) height: usize,
    pub(crate) width: usize,
    /// A `Float32Array` of `count·height·width` values.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub(crate) values: JsValue,
}

/// The images of a confusion-matrix cell, as `testExamplesWhere` returns them.
#[derive(Serialize)]
pub(crate) struct ExamplesWhereJs {
    pub(crate) indices: Vec<usize>,
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) images: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) labels: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    pub(crate) predictions: Vec<u8>,
    pub(crate) confidences: Vec<f32>,
    pub(crate) scanned: usize,
}

pub(crate) fn float32_array(values: &[f32]) -> JsValue {
    js_sys::Float32Array::from(values).into()
}

/// Copies `slices` end to end into `out`, which must hold exactly `total`
/// floats (else a `config` error on `what`): one copy out of wasm memory
/// per tensor and no allocation, for the buffers data-parallel training
/// hands back and forth every step.
pub(crate) fn copy_into_float32_array<'a>(
    out: &js_sys::Float32Array,
    slices: impl Iterator<Item = &'a [f32]>,
    total: usize,
    what: &str,
) -> Result<(), JsValue> {
    let len = out.length() as usize;
    if len != total {
        let e = groundup::ConfigError::new(what, format!("{len} values for a network of {total} weights"));
        return Err(js_error(e));
    }
    let mut at = 0;
    for slice in slices {
        let end = at + slice.len() as u32;
        out.subarray(at, end).copy_from(slice);
        at = end;
    }
    Ok(())
}
