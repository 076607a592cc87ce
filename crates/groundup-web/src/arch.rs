//! The architecture editor's questions, answered without a trainer: is this
//! stack (a text from the URL, or the editor's layers) one that can be
//! trained, and what are its shapes and weight counts? Glue over
//! `groundup::arch`: the rules and the reasons are the core's.
//!
//! Each answer is data, never thrown: `{ok: true, description: {arch,
//! input, layers: [{index, name, kind, outputShape, parameters, spec}],
//! objective, totalParameters}}` or `{ok: false, error: {kind: "config",
//! field, message, layer?, index?, layers?}}`, `layer` being the layer's
//! name ("conv 2"); for `describeLayers`, `layers` is the stack as checked
//! (`[{name, spec}]`, a flatten added), so that the editor can show the
//! refused stack with the same names as the reason.

use groundup::arch::{self, ArchDescription, ArchError, MAX_LAYERS};
use groundup::inspect::layer_names;
use groundup::loss::Objective;
use groundup::{LayerSpec, ModelSpec};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::{from_js, to_js};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Refusal {
    kind: &'static str,
    field: String,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    layers: Vec<NamedLayer>,
}

#[derive(Serialize)]
struct NamedLayer {
    name: String,
    spec: LayerSpec,
}

#[derive(Serialize)]
struct Answer {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<ArchDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Refusal>,
}

pub(crate) fn answer(result: Result<ArchDescription, ArchError>) -> JsValue {
    answer_with(result, None)
}

/// The answer; a refusal carries `checked`'s layers by name.
fn answer_with(result: Result<ArchDescription, ArchError>, checked: Option<&ModelSpec>) -> JsValue {
    let layers = checked.map_or_else(Vec::new, |spec| {
        layer_names(spec)
            .into_iter()
            .zip(&spec.layers)
            .map(|(name, spec)| NamedLayer { name, spec: *spec })
            .collect()
    });
    to_js(&match result {
        Ok(description) => Answer { ok: true, description: Some(description), error: None },
        Err(e) => Answer {
            ok: false,
            description: None,
            error: Some(Refusal {
                kind: "config",
                field: e.field,
                message: e.message,
                layer: e.layer,
                index: e.index,
                layers,
            }),
        },
    })
}

/// Reads and checks an architecture's text (`conv8k5-lrelu-pool-dense10`).
#[wasm_bindgen(js_name = describeArch)]
pub fn describe_arch(text: &str) -> JsValue {
    answer(arch::parse(text).and_then(|spec| arch::describe(&spec)))
}

/// Checks a stack given as layers in a spec's form (`[{type: "conv2d",
/// filters: 8, kernel: 5, …}, …]`) with `objective` (`softmax_cross_entropy`
/// or `sigmoid_sum_of_squares`); a flatten is added as `arch::from_layers` says.
#[wasm_bindgen(js_name = describeLayers)]
pub fn describe_layers(layers: JsValue, objective: &str) -> JsValue {
    let length = layers.dyn_ref::<js_sys::Array>().map_or(0, |a| a.length() as usize);
    if length == 0 || length > MAX_LAYERS {
        return answer(Err(ArchError::whole_stack(format!("a network has 1 to {MAX_LAYERS} layers"))));
    }
    let layers: Vec<LayerSpec> = match read(layers, "layers") {
        Ok(l) => l,
        Err(m) => return answer(Err(ArchError::whole_stack(m))),
    };
    let objective: Objective = match read(JsValue::from_str(objective), "objective") {
        Ok(o) => o,
        Err(m) => return answer(Err(ArchError::whole_stack(m))),
    };
    let spec = arch::from_layers(layers, objective);
    answer_with(arch::describe(&spec), Some(&spec))
}

fn read<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, String> {
    from_js(value, what).map_err(|e| error_text(&e))
}

fn error_text(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "cannot read the layers".to_owned())
}
