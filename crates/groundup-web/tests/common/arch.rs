//! The architecture editor's bindings: `describeArch`, `describeLayers`,
//! `Trainer.setArchitecture` and `Trainer.architecture`.

use groundup_web::{describe_arch, describe_layers, WebTrainer};
use wasm_bindgen::JsValue;

use super::{js_object, kind_and_field, message, settings};

fn get(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter()
        .fold(value.clone(), |v, key| js_sys::Reflect::get(&v, &JsValue::from_str(key)).expect("an object"))
}

fn text(value: &JsValue, path: &[&str]) -> String {
    get(value, path).as_string().unwrap_or_else(|| panic!("{path:?} is a string"))
}

pub fn architectures_are_described_and_set() {
    let answer = describe_arch("dense32-relu-dense10");
    assert_eq!(get(&answer, &["ok"]).as_bool(), Some(true));
    assert_eq!(text(&answer, &["description", "arch"]), "dense32-relu-dense10");
    assert_eq!(
        get(&answer, &["description", "totalParameters"]).as_f64(),
        Some((784 * 32 + 32 + 32 * 10 + 10) as f64)
    );
    let layers = js_sys::Array::from(&get(&answer, &["description", "layers"]));
    assert_eq!(layers.length(), 3);
    assert_eq!(text(&layers.get(0), &["spec", "type"]), "dense");

    // Refusals are data naming the layer and the field; the editor's layers come back named.
    let refused = describe_arch("conv8k4-dense10");
    assert_eq!(get(&refused, &["ok"]).as_bool(), Some(false));
    assert_eq!(text(&refused, &["error", "layer"]), "conv 1");
    assert_eq!(text(&refused, &["error", "field"]), "kernel");
    assert!(text(&refused, &["error", "message"]).starts_with("conv 1 needs an odd kernel for same padding"));
    let layers = js_object(&serde_json::json!([
        {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same", "bias": true, "init": "he"},
        {"type": "dense", "units": 7, "bias": true, "init": "glorot"}
    ]))
    .unwrap();
    let refused = describe_layers(layers, "softmax_cross_entropy");
    assert_eq!(text(&refused, &["error", "layer"]), "dense 1");
    let named = js_sys::Array::from(&get(&refused, &["error", "layers"]));
    let names: Vec<String> = named.iter().map(|l| text(&l, &["name"])).collect();
    assert_eq!(names, ["conv 1", "flatten", "dense 1"], "a flatten is added");
    let garbage = describe_layers(JsValue::from_str("garbage"), "softmax_cross_entropy");
    assert_eq!(get(&garbage, &["ok"]).as_bool(), Some(false));

    // A trainer switches to one, keeping its settings; a bad one changes nothing.
    let mut t = WebTrainer::new("mlp").unwrap();
    t.set_architecture("dense32-relu-dense10").map_err(message).expect("a valid stack");
    assert_eq!(settings(&t).preset, "mlp");
    assert!(!t.preset_network(), "an exported file is custom");
    assert_eq!(t.weight_count(), 784 * 32 + 32 + 32 * 10 + 10);
    assert_eq!(text(&t.architecture(), &["description", "arch"]), "dense32-relu-dense10");
    let e = t.set_architecture("dense5").expect_err("5 outputs");
    assert_eq!(kind_and_field(&e), ("config".into(), Some("arch".into())));
    assert_eq!(t.weight_count(), 784 * 32 + 32 + 32 * 10 + 10);
}
