//! The checks of the bindings, run both on a page and inside a dedicated
//! worker (where the real app runs them). Each is a plain function; the
//! test files wrap them in `#[wasm_bindgen_test]`.

mod arch;
pub use arch::architectures_are_described_and_set;

use groundup_web::{ShardWorker, WebTrainer};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

mod own_data;
pub use own_data::own_data_swaps_in_and_back;

const SAMPLE_TRAIN: &[u8] = include_bytes!("../../../../data/sample/train.csv.gz");
const SAMPLE_TEST: &[u8] = include_bytes!("../../../../data/sample/test.csv.gz");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Batch {
    step: u64,
    batch_size: usize,
    loss: f64,
    accuracy: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    batches: Vec<Batch>,
    step: u64,
    done: bool,
}

#[derive(Deserialize)]
struct Eval {
    examples: usize,
    accuracy: f64,
    loss: f64,
    confusion: Confusion,
}

#[derive(Deserialize)]
struct Confusion {
    counts: Vec<Vec<u32>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    preset: String,
    learning_rate: f64,
    batch_size: usize,
}

/// The message a thrown `Error` carries to JavaScript.
fn message(e: JsValue) -> String {
    e.dyn_into::<js_sys::Error>().expect("errors are Error objects").message().into()
}

/// A property of a thrown error (`kind`, `field`, `line`, …), as a string.
fn property(e: &JsValue, name: &str) -> Option<String> {
    let v = js_sys::Reflect::get(e, &JsValue::from_str(name)).expect("an object");
    if v.is_undefined() {
        None
    } else {
        Some(v.as_string().unwrap_or_else(|| v.as_f64().expect("a string or a number").to_string()))
    }
}

/// `(kind, field)` of a thrown error.
fn kind_and_field(e: &JsValue) -> (String, Option<String>) {
    (property(e, "kind").expect("every error has a kind"), property(e, "field"))
}

/// JSON as a plain JS object, as the page passes settings (serde's default
/// would make a `Map`).
fn js_object(value: &serde_json::Value) -> Result<JsValue, serde_wasm_bindgen::Error> {
    use serde::Serialize;
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
}

fn loaded(preset: &str) -> WebTrainer {
    let mut t = WebTrainer::new(preset).expect("preset exists");
    assert_eq!(t.add_chunk("train", "train.csv.gz", SAMPLE_TRAIN, 500).expect("sample parses"), 500);
    assert_eq!(t.add_chunk("test", "test.csv.gz", SAMPLE_TEST, 200).expect("sample parses"), 200);
    t
}

fn step(t: &mut WebTrainer, k: usize) -> Report {
    serde_wasm_bindgen::from_value(t.train_step(k).map_err(message).expect("step")).expect("report shape")
}

fn settings(t: &WebTrainer) -> Settings {
    serde_wasm_bindgen::from_value(t.settings()).expect("settings shape")
}

pub fn unknown_preset_is_refused() {
    let e = WebTrainer::new("resnet").err().expect("no such preset");
    assert_eq!(kind_and_field(&e), ("config".into(), Some("preset".into())));
    let m = message(e);
    assert!(m.contains("resnet") && m.contains("cnn"), "{m}");
}

pub fn custom_specs_build_and_bad_ones_name_the_layer() {
    let spec = r#"{"input": [784], "objective": "softmax_cross_entropy", "layers": [
        {"type": "dense", "units": 625}, {"type": "sigmoid"},
        {"type": "dense", "units": 625}, {"type": "sigmoid"},
        {"type": "dense", "units": 10}]}"#;
    let mut t = WebTrainer::from_spec(spec, "paper-mlp").map_err(message).expect("a valid spec");
    assert_eq!(settings(&t).preset, "custom");
    assert_eq!(settings(&t).batch_size, 500, "settings come from paper-mlp");
    assert_eq!(t.predict(&[0.0; 784]).unwrap().len(), 10);
    let bad = r#"{"input": [1, 28, 28], "objective": "softmax_cross_entropy", "layers": [{"type": "dense", "units": 10}]}"#;
    let m = message(WebTrainer::from_spec(bad, "cnn").err().expect("dense on an image"));
    assert!(m.contains("layer 0 (dense)"), "{m}");
}

pub fn chunks_load_and_bad_rows_change_nothing() {
    let mut t = loaded("cnn");
    assert_eq!((t.train_size(), t.test_size()), (500, 200));
    let bad = b"3,0,0\n".to_vec();
    let e = t.add_chunk("train", "train-07.csv.gz", &bad, 1).expect_err("short row");
    assert_eq!(property(&e, "kind").as_deref(), Some("data"));
    assert_eq!(property(&e, "file").as_deref(), Some("train-07.csv.gz"));
    assert_eq!(property(&e, "line").as_deref(), Some("1"));
    let mut bad_pixel = "5".to_string() + &",0".repeat(784) + "\n";
    bad_pixel += &("5".to_string() + &",0".repeat(99) + ",300" + &",0".repeat(684) + "\n");
    let e = t.add_chunk("train", "mine.csv", bad_pixel.as_bytes(), 2).expect_err("pixel 300");
    assert_eq!(
        (property(&e, "line"), property(&e, "column")),
        (Some("2".into()), Some("101".into())),
        "{}",
        message(e.clone())
    );
    let m = message(e);
    assert!(m.contains("mine.csv") && m.contains("line 2, column 101"), "{m}");
    let m = message(t.add_chunk("train", "train-07.csv.gz", &bad, 1).expect_err("short row"));
    assert!(m.contains("train-07.csv.gz") && m.contains("line 1"), "{m}");
    let m = message(t.add_chunk("validation", "x.csv", SAMPLE_TEST, 200).expect_err("no such split"));
    assert!(m.contains("validation"), "{m}");
    // More rows than the manifest declares: refused whole, reading stops there.
    let e = t.add_chunk("test", "test.csv.gz", SAMPLE_TEST, 150).expect_err("200 rows, 150 declared");
    assert_eq!(property(&e, "kind").as_deref(), Some("data"));
    assert!(message(e).contains("test.csv.gz"));
    assert_eq!((t.train_size(), t.test_size()), (500, 200), "a failed chunk adds nothing");
}

pub fn training_lowers_the_loss() {
    let mut t = loaded("cnn");
    t.configure(js_object(&serde_json::json!({"batchSize": 32, "epochs": 10})).unwrap()).unwrap();
    let first = step(&mut t, 5);
    assert_eq!(first.batches.len(), 5);
    assert_eq!(first.step, 5);
    assert_eq!(first.batches.iter().map(|b| b.step).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert!(first.batches.iter().all(|b| b.batch_size == 32));
    let mut last = first.batches.iter().map(|b| b.loss).sum::<f64>() / 5.0;
    let start = last;
    for _ in 0..10 {
        let r = step(&mut t, 5);
        assert!(r.batches.iter().all(|b| b.loss.is_finite() && (0.0..=1.0).contains(&b.accuracy)));
        last = r.batches.iter().map(|b| b.loss).sum::<f64>() / r.batches.len() as f64;
    }
    assert!(last < start * 0.7, "loss {start} → {last} should fall");
    assert_eq!(t.begin_evaluation(true, 0), 200);
    let eval: Eval = serde_wasm_bindgen::from_value(t.evaluate_next(1000).map_err(message).unwrap()).unwrap();
    assert_eq!(eval.examples, 200);
    assert!(eval.loss.is_finite() && eval.accuracy > 0.3, "accuracy {}", eval.accuracy);
    let total: u32 = eval.confusion.counts.iter().flatten().sum();
    assert_eq!(total, 200);
    assert!(!t.evaluating());

    // In pieces, as the worker evaluates: null until the last piece, which
    // gives the same result as the whole.
    assert_eq!(t.begin_evaluation(true, 0), 200);
    for _ in 0..3 {
        assert!(t.evaluate_next(64).map_err(message).unwrap().is_null());
        assert!(t.evaluating());
    }
    let pieces: Eval = serde_wasm_bindgen::from_value(t.evaluate_next(64).map_err(message).unwrap()).unwrap();
    assert_eq!(pieces.confusion.counts, eval.confusion.counts);
    assert!((pieces.loss - eval.loss).abs() < 1e-6, "{} vs {}", pieces.loss, eval.loss);
    assert_eq!(t.begin_evaluation(false, 50), 50, "a subset");

    let examples = t.test_examples(190, 20);
    let images = js_sys::Reflect::get(&examples, &"images".into()).unwrap();
    let images: js_sys::Uint8Array = images.dyn_into().expect("images arrive as a Uint8Array");
    assert_eq!(images.length(), 10 * 784, "clamped to the 10 images left");
}

pub fn epochs_end_training() {
    let mut t = loaded("mlp");
    t.configure(js_object(&serde_json::json!({"epochs": 1, "batchSize": 100})).unwrap()).unwrap();
    let r = step(&mut t, 50);
    assert_eq!(r.batches.len(), 5, "500 images in batches of 100 is 5 steps per epoch");
    assert!(r.done && t.done());
    assert!(step(&mut t, 3).batches.is_empty(), "nothing to do once done");
    t.reset().unwrap();
    assert!(!t.done());
}

pub fn invalid_settings_change_nothing() {
    let mut t = loaded("cnn");
    let before = settings(&t);
    for bad in [
        serde_json::json!({"learningRate": -1.0}),
        serde_json::json!({"learningRate": 1e9}),
        serde_json::json!({"batchSize": 0}),
        serde_json::json!({"epochs": 0, "learningRate": 0.01}),
        serde_json::json!({"optimizer": "rmsprop"}),
        serde_json::json!({"momentum": 0.5}),
    ] {
        let e = t.configure(js_object(&bad).unwrap()).err();
        assert!(e.is_some(), "{bad} must be refused");
    }
    let e = t.configure(js_object(&serde_json::json!({"learningRate": 0})).unwrap()).err().unwrap();
    assert_eq!(kind_and_field(&e), ("config".into(), Some("learningRate".into())), "the page's name");
    let m = message(e);
    assert!(m.contains("learning rate"), "{m}");
    let e = t.configure(js_object(&serde_json::json!({"batchSize": 0})).unwrap()).err().unwrap();
    assert_eq!(kind_and_field(&e).1.as_deref(), Some("batchSize"));
    let e = t.configure(js_object(&serde_json::json!({"momentum": 0.5})).unwrap()).err().unwrap();
    assert_eq!(kind_and_field(&e), ("config".into(), Some("settings".into())));
    let after = settings(&t);
    assert_eq!((after.learning_rate, after.batch_size), (before.learning_rate, before.batch_size));
    assert_eq!(after.preset, "cnn");
}

pub fn predictions_are_probabilities() {
    let mut t = loaded("cnn");
    let p = t.predict(&[0.5; 784]).map_err(message).unwrap();
    assert_eq!(p.len(), 10);
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4 && p.iter().all(|v| v.is_finite() && *v >= 0.0));
    assert!(message(t.predict(&[0.5; 10]).err().unwrap()).contains("784"));
    assert!(message(t.predict(&[f32::NAN; 784]).err().unwrap()).contains("outside"));
}

pub fn models_round_trip_and_bad_files_keep_the_model() {
    let mut t = loaded("cnn");
    step(&mut t, 5);
    let image: Vec<f32> = (0..784).map(|i| (i % 7) as f32 / 7.0).collect();
    let before = t.predict(&image).unwrap();
    let bytes = t.export_model();

    let mut other = WebTrainer::new("mlp").unwrap();
    other.import_model(&bytes, "cnn.safetensors").map_err(message).unwrap();
    assert_eq!(other.predict(&image).unwrap(), before, "same weights, same prediction");
    assert_eq!(settings(&other).preset, "cnn", "a preset's spec is recognised");

    let m = message(t.import_model(&bytes[..bytes.len() / 2], "half.safetensors").err().unwrap());
    assert!(m.contains("half.safetensors"), "{m}");
    assert!(t.import_model(b"not a model", "junk.bin").is_err());
    assert_eq!(t.predict(&image).unwrap(), before, "a failed import keeps the current model");
}

pub fn a_restarted_worker_resumes_where_the_run_stood() {
    let mut t = loaded("mlp");
    step(&mut t, 7);
    let bytes = t.export_model();
    let image = vec![0.3f32; 784];
    let before = t.predict(&image).unwrap();

    let mut fresh = loaded("cnn");
    let wanted = js_object(&serde_json::json!({"learningRate": 0.002, "batchSize": 50})).unwrap();
    fresh.resume(&bytes, "checkpoint", 7.0, 0, wanted).map_err(message).unwrap();
    assert_eq!(fresh.predict(&image).unwrap(), before);
    assert_eq!(fresh.step(), 7.0);
    let s = settings(&fresh);
    assert_eq!((s.preset.as_str(), s.learning_rate, s.batch_size), ("mlp", 0.002, 50));
    assert_eq!(step(&mut fresh, 1).step, 8, "the step count goes on");

    // A step count that is not one, or a damaged file: refused, nothing changes.
    for bad_step in [-1.0, 2.5, f64::NAN] {
        let e = fresh
            .resume(&bytes, "checkpoint", bad_step, 0, js_object(&serde_json::json!({})).unwrap())
            .unwrap_err();
        assert_eq!(kind_and_field(&e), ("config".into(), Some("step".into())));
    }
    let e =
        fresh.resume(&bytes[..100], "cut", 3.0, 0, js_object(&serde_json::json!({})).unwrap()).unwrap_err();
    assert_eq!(kind_and_field(&e).0, "model");
    assert_eq!(fresh.step(), 8.0);
}

pub fn a_stalled_loss_is_reported_to_javascript() {
    // Every first-layer ReLU dead (biases −100): the loss cannot move.
    let mut t = loaded("mlp");
    let mut bytes = t.export_model();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    let offsets = &header["layers.0.bias"]["data_offsets"];
    let (start, end) = (offsets[0].as_u64().unwrap() as usize, offsets[1].as_u64().unwrap() as usize);
    for at in (8 + header_len + start..8 + header_len + end).step_by(4) {
        bytes[at..at + 4].copy_from_slice(&(-100f32).to_le_bytes());
    }
    t.import_model(&bytes, "dead.safetensors").map_err(message).unwrap();
    // 500 sample images in batches of 10: 50 steps an epoch, room for 640.
    t.configure(js_object(&serde_json::json!({"epochs": 19, "batchSize": 10})).unwrap())
        .map_err(message)
        .unwrap();
    let mut stalls = Vec::new();
    for _ in 0..8 {
        let report = t.train_step(80).map_err(message).unwrap();
        let stall = field(&report, "stall");
        if !stall.is_null() {
            stalls.push(property(&stall, "message").expect("a message"));
        }
    }
    assert_eq!(stalls.len(), 1, "{stalls:?}");
    assert!(stalls[0].starts_with("the loss has not changed for 200 steps"), "{}", stalls[0]);
}

pub fn divergence_is_refused_and_rolled_back() {
    // A ReLU net under plain SGD at the largest allowed step blows up within
    // a few steps; the guard must refuse the step and restore weights that
    // still give finite outputs.
    let mut t = loaded("mlp");
    let settings = serde_json::json!({"optimizer": "sgd", "learningRate": 10.0, "batchSize": 10});
    t.configure(js_object(&settings).unwrap()).unwrap();
    let image = vec![0.3f32; 784];
    for _ in 0..50 {
        match t.train_step(1) {
            Ok(r) => {
                let r: Report = serde_wasm_bindgen::from_value(r).unwrap();
                assert!(r.batches.iter().all(|b| b.loss.is_finite()));
            }
            Err(e) => {
                assert_eq!(property(&e, "kind").as_deref(), Some("diverged"));
                let refused: f64 = property(&e, "step").expect("the step refused").parse().unwrap();
                assert!(refused > t.step(), "step {refused} was refused; the weights are from {}", t.step());
                let m = message(e);
                assert!(m.contains("diverged") && m.contains("learning rate"), "{m}");
                let p = t.predict(&image).map_err(message).expect("rolled-back weights predict");
                assert!(p.iter().all(|v| v.is_finite()));
                assert!(m.contains(&format!("after step {}", t.step())), "{m} / step {}", t.step());
                return;
            }
        }
    }
    panic!("SGD at lr 10 on a ReLU net should diverge within 50 steps");
}

fn field(value: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(name)).expect("an object")
}

fn bytes(value: &JsValue, name: &str) -> Vec<u8> {
    field(value, name).dyn_into::<js_sys::Uint8Array>().expect("a Uint8Array").to_vec()
}

/// A data-parallel step as www/js/shards.js takes it: shard 0 here, shard 1
/// in a `ShardWorker` with the trainer's weights, then `finishBatch`.
fn two_worker_step(t: &mut WebTrainer) -> Report {
    let plan = t.begin_batch(2, None).map_err(message).expect("beginBatch");
    let shard = js_sys::Array::from(&field(&plan, "shards")).get(0);
    let mut helper = ShardWorker::new(&t.spec()).map_err(message).expect("shard worker");
    // One buffer there and back, as shards.js passes it: weights out, gradients in.
    let buffer = js_sys::Float32Array::new_with_length(t.weight_count() as u32);
    t.copy_weights_to(&buffer).map_err(message).expect("copyWeightsTo");
    assert_eq!(buffer.to_vec(), t.weights(), "copyWeightsTo copies what weights() returns");
    let out = helper
        .gradients(&buffer, bytes(&shard, "images"), bytes(&shard, "labels"))
        .map_err(message)
        .expect("gradients");
    let gradients = buffer.to_vec();
    assert_ne!(gradients, t.weights(), "the buffer now holds the shard's gradients");
    let sums = js_sys::Object::new();
    for key in ["examples", "loss", "correct"] {
        js_sys::Reflect::set(&sums, &JsValue::from_str(key), &field(&out, key)).unwrap();
    }
    t.accumulate_shard(0).map_err(message).expect("accumulateShard");
    t.add_shard_gradients(&gradients, sums.into()).map_err(message).expect("addShardGradients");
    serde_wasm_bindgen::from_value(t.finish_batch().map_err(message).expect("finishBatch")).expect("report")
}

pub fn a_step_shared_with_a_shard_worker_is_the_same_step() {
    let mut alone = loaded("cnn");
    let mut shared = loaded("cnn");
    for _ in 0..4 {
        let a = step(&mut alone, 1);
        let b = two_worker_step(&mut shared);
        let (a, b) = (&a.batches[0], &b.batches[0]);
        assert_eq!((a.step, a.batch_size, a.accuracy), (b.step, b.batch_size, b.accuracy));
        assert!((a.loss - b.loss).abs() < 1e-5 * a.loss.max(1.0), "losses {} and {}", a.loss, b.loss);
    }
    let (wa, wb) = (alone.weights(), shared.weights());
    let worst = wa.iter().zip(&wb).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-4, "weights differ by {worst}");
}

pub fn shard_misuse_is_refused_and_changes_nothing() {
    let mut t = loaded("cnn");
    let e = message(t.finish_batch().expect_err("nothing begun"));
    assert!(e.contains("no batch is in progress"), "{e}");
    let e = message(t.begin_batch(0, None).expect_err("zero parts"));
    assert!(e.contains("at least 1"), "{e}");
    let e = message(t.begin_batch(2, Some(vec![1.0, f64::NAN])).expect_err("a NaN share"));
    assert!(e.contains("positive number"), "{e}");
    // Shares 3:1 of the batch: the other worker's shard is a quarter of it.
    let plan = t.begin_batch(2, Some(vec![3.0, 1.0])).map_err(message).expect("beginBatch by shares");
    let shard = js_sys::Array::from(&field(&plan, "shards")).get(0);
    let batch = t.settings();
    let batch = field(&batch, "batchSize").as_f64().expect("batchSize") as usize;
    assert_eq!(bytes(&shard, "labels").len(), batch / 4);
    t.begin_batch(2, None).map_err(message).expect("beginBatch");
    let sums = js_object(&serde_json::json!({"examples": 32, "loss": 70.0, "correct": 3})).unwrap();
    let e = message(t.add_shard_gradients(&[0.0; 5], sums).expect_err("wrong length"));
    assert!(e.contains("5 values for a network of"), "{e}");
    let sums =
        js_object(&serde_json::json!({"examples": 32, "loss": 70.0, "correct": 3, "extra": 1})).unwrap();
    let e = message(t.add_shard_gradients(&vec![0.0; t.weight_count()], sums).expect_err("unknown key"));
    assert!(e.contains("extra"), "{e}");

    let mut helper = ShardWorker::new(&t.spec()).map_err(message).expect("shard worker");
    let w = js_sys::Float32Array::from(t.weights().as_slice());
    let e = message(helper.gradients(&w, vec![0; 784 * 2], vec![1]).expect_err("pixels for two, one label"));
    assert!(e.contains("shard") && e.contains("1568 pixel bytes for 1 labels"), "{e}");
    let e = message(helper.gradients(&w, vec![0; 784], vec![12]).expect_err("label 12"));
    assert!(e.contains("not a digit"), "{e}");
    let short = w.subarray(1, w.length());
    let e = message(helper.gradients(&short, vec![0; 784], vec![1]).expect_err("short weights"));
    assert!(e.starts_with("weights:"), "{e}");
    let nan = js_sys::Float32Array::from(t.weights().as_slice());
    nan.set_index(3, f32::NAN);
    let e = message(helper.gradients(&nan, vec![0; 784], vec![1]).expect_err("a NaN weight"));
    assert!(e.starts_with("weights:") && e.contains("NaN"), "{e}");
    assert!(nan.get_index(3).is_nan(), "a refused buffer is left as it came");
    let long = js_sys::Float32Array::new_with_length(t.weight_count() as u32 + 1);
    let e = message(t.copy_weights_to(&long).expect_err("a buffer one too long"));
    assert!(e.starts_with("weights:") && e.contains("values for a network of"), "{e}");
    let e = message(t.reserve("train", 10_000_000).expect_err("absurd row count"));
    assert!(e.contains("not reserving"), "{e}");
    let e = message(t.reserve("validation", 10).expect_err("no such split"));
    assert!(e.contains("unknown split"), "{e}");
    assert_eq!(t.train_size(), 500, "the data stayed");
    // The trainer still trains after all that.
    assert_eq!(step(&mut t, 1).batches.len(), 1);
}

pub fn evaluation_pieces_agree() {
    let mut t = loaded("cnn");
    step(&mut t, 2);
    assert_eq!(t.begin_evaluation(true, 0), 200);
    let whole: Eval = serde_wasm_bindgen::from_value(t.evaluate_next(200).map_err(message).unwrap()).unwrap();
    // The same evaluation shared as the worker shares it: a piece here, a
    // piece in a shard worker, both added.
    t.begin_evaluation(true, 0);
    let here = t.claim_evaluation(120).map_err(message).unwrap();
    let there = t.claim_evaluation(500).map_err(message).unwrap();
    assert_eq!(
        (here.clone(), there.clone()),
        (vec![0, 120], vec![120, 200]),
        "clamped to the 200 test images"
    );
    let piece = t.test_shard(there[0], there[1] - there[0]);
    let mut helper = ShardWorker::new(&t.spec()).map_err(message).expect("shard worker");
    let sums = helper
        .evaluate(&t.weights(), bytes(&piece, "images"), bytes(&piece, "labels"))
        .map_err(message)
        .unwrap();
    assert_eq!(field(&sums, "examples").as_f64(), Some(80.0));
    let own = t.evaluate_here(here[0], here[1]);
    assert!(t.add_evaluation(own).map_err(message).unwrap().is_null());
    let shared: Eval =
        serde_wasm_bindgen::from_value(t.add_evaluation(sums).map_err(message).unwrap()).unwrap();
    assert_eq!(shared.confusion.counts, whole.confusion.counts);
    assert!(
        (shared.loss - whole.loss).abs() < 1e-5 * whole.loss.max(1.0),
        "{} vs {}",
        shared.loss,
        whole.loss
    );
    // A piece with an unknown key, or when none is in progress, is refused.
    t.begin_evaluation(false, 10);
    let counts = vec![vec![0u32; 10]; 10];
    let bad = js_object(
        &serde_json::json!({"examples": 1, "lossSum": 1.0, "confusion": {"counts": counts}, "x": 1}),
    )
    .unwrap();
    let e = t.add_evaluation(bad).expect_err("unknown key");
    assert_eq!(kind_and_field(&e).0, "config");
    assert!(!t.evaluating(), "a refused piece ends the evaluation");
    let e = t.claim_evaluation(5).expect_err("none in progress");
    assert_eq!(kind_and_field(&e).0, "internal");
    // A piece whose loss overflowed (NaN, as a shard worker sends it) is a divergence.
    t.begin_evaluation(false, 10);
    t.claim_evaluation(10).map_err(message).unwrap();
    let mut counts = vec![vec![0u32; 10]; 10];
    counts[3][3] = 10;
    let overflowed = js_sys::Object::new();
    let confusion = js_object(&serde_json::json!({"counts": counts})).unwrap();
    for (key, value) in [
        ("examples", JsValue::from_f64(10.0)),
        ("lossSum", JsValue::from_f64(f64::NAN)),
        ("confusion", confusion),
    ] {
        js_sys::Reflect::set(&overflowed, &JsValue::from_str(key), &value).unwrap();
    }
    let e = t.add_evaluation(overflowed.into()).expect_err("NaN loss");
    assert_eq!(kind_and_field(&e).0, "diverged", "{}", message(e.clone()));
    assert!(!t.evaluating());
    t.begin_evaluation(false, 10);
    t.evaluate_next(10).map_err(message).unwrap();
    let e = t.claim_evaluation(5).expect_err("none in progress");
    assert_eq!(kind_and_field(&e).0, "internal");
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LayerRow {
    index: usize,
    name: String,
    kind: String,
    output_shape: Vec<usize>,
    parameters: usize,
    section: String,
}

#[derive(Deserialize)]
struct ObjectiveRow {
    name: String,
    section: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LayerSummary {
    layers: Vec<LayerRow>,
    objective: ObjectiveRow,
    total_parameters: usize,
}

fn number(value: &JsValue, name: &str) -> usize {
    field(value, name).as_f64().unwrap_or_else(|| panic!("{name} is a number")) as usize
}

fn floats(value: &JsValue, name: &str) -> Vec<f32> {
    field(value, name).dyn_into::<js_sys::Float32Array>().expect("a Float32Array").to_vec()
}

pub fn the_network_can_be_looked_inside() {
    let mut t = loaded("cnn");
    step(&mut t, 3);

    let summary: LayerSummary = serde_wasm_bindgen::from_value(t.layers()).expect("summary shape");
    let rows: Vec<_> = summary
        .layers
        .iter()
        .map(|l| (l.index, l.name.as_str(), l.kind.as_str(), l.output_shape.clone(), l.parameters))
        .collect();
    assert_eq!(rows[0], (0, "conv 1", "conv2d", vec![8, 28, 28], 208));
    assert_eq!(rows[2], (2, "pool 1", "max_pool2d", vec![8, 14, 14], 0));
    assert_eq!(rows[7], (7, "dense 1", "dense", vec![10], 7850));
    assert_eq!(summary.layers[0].section, "§4.3.1");
    assert_eq!(
        (summary.objective.name.as_str(), summary.objective.section.as_str()),
        ("softmax_cross_entropy", "§3.5")
    );
    assert_eq!(summary.total_parameters, t.weight_count());

    let image: Vec<f32> = (0..784).map(|i| (i % 11) as f32 / 10.0).collect();
    let maps = js_sys::Array::from(&t.feature_maps(&image).map_err(message).unwrap());
    let layout: Vec<_> = maps
        .iter()
        .map(|m| {
            let values = floats(&m, "values");
            let (c, h, w) = (number(&m, "channels"), number(&m, "height"), number(&m, "width"));
            assert_eq!(values.len(), c * h * w);
            (number(&m, "index"), field(&m, "name").as_string().unwrap(), c, h, w)
        })
        .collect();
    assert_eq!(
        layout,
        [
            (0, "conv 1".into(), 8, 28, 28),
            (2, "pool 1".into(), 8, 14, 14),
            (3, "conv 2".into(), 16, 14, 14),
            (5, "pool 2".into(), 16, 7, 7)
        ]
    );
    let e = t.feature_maps(&[0.5; 10]).expect_err("10 pixels");
    assert_eq!(kind_and_field(&e), ("config".into(), Some("pixels".into())));
    let e = t.feature_maps(&[f32::NAN; 784]).expect_err("NaN pixels");
    assert_eq!(kind_and_field(&e), ("config".into(), Some("pixels".into())));

    let filters = js_sys::Array::from(&t.weight_images(16).map_err(message).unwrap());
    assert_eq!(filters.length(), 1);
    let f = filters.get(0);
    assert_eq!(field(&f, "name").as_string().as_deref(), Some("Filters of conv 1"));
    assert_eq!((number(&f, "count"), number(&f, "height"), number(&f, "width")), (8, 5, 5));
    assert_eq!(floats(&f, "values"), t.weights()[..200], "conv 1's weights come first");
    let e = t.weight_images(0).expect_err("no units");
    assert_eq!(kind_and_field(&e), ("config".into(), Some("maxUnits".into())));

    // A confusion-matrix cell: the images testExamples shows with that label and answer.
    let all = t.test_examples(0, 200);
    let (labels, predictions) = (bytes(&all, "labels"), bytes(&all, "predictions"));
    let (label, predicted) = (labels[0], predictions[0]);
    let expected: Vec<usize> =
        (0..200).filter(|&i| labels[i] == label && predictions[i] == predicted).collect();
    let found = t.test_examples_where(label.into(), predicted.into(), 1000).map_err(message).unwrap();
    let indices: Vec<usize> =
        js_sys::Array::from(&field(&found, "indices")).iter().map(|v| v.as_f64().unwrap() as usize).collect();
    assert_eq!(indices, expected);
    assert_eq!(bytes(&found, "images").len(), expected.len() * 784);
    assert!(bytes(&found, "labels").iter().all(|&l| l == label));
    assert!(bytes(&found, "predictions").iter().all(|&p| p == predicted));
    assert_eq!(js_sys::Array::from(&field(&found, "confidences")).length() as usize, expected.len());
    assert_eq!(number(&found, "scanned"), 200);
    let first = t.test_examples_where(label.into(), predicted.into(), 1).map_err(message).unwrap();
    assert_eq!(number(&first, "scanned"), 1, "the first test image is in the cell; the scan stops there");
    for (l, p, name) in [(10, 0, "label"), (0, 10, "predicted")] {
        let e = t.test_examples_where(l, p, 5).expect_err("not a class");
        assert_eq!(kind_and_field(&e), ("config".into(), Some(name.into())));
    }

    // An MLP: no feature maps; its first layer's units as 28×28 pictures.
    let mut mlp = loaded("mlp");
    assert_eq!(js_sys::Array::from(&mlp.feature_maps(&image).map_err(message).unwrap()).length(), 0);
    let units = js_sys::Array::from(&mlp.weight_images(16).map_err(message).unwrap()).get(0);
    assert_eq!(field(&units, "name").as_string().as_deref(), Some("Weights of dense 1"));
    assert_eq!((number(&units, "count"), number(&units, "height"), number(&units, "width")), (16, 28, 28));
    assert_eq!(floats(&units, "values").len(), 16 * 784);
}

/// Wraps every check above in a `#[wasm_bindgen_test]`, once per test file.
#[macro_export]
macro_rules! binding_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $name() {
                common::yield_to_event_loop().await;
                common::$name();
            }
        )*
    };
}

/// Lets the event loop run one task (`setTimeout(0)`) before a test. The
/// tests are synchronous; run back to back they keep a page's renderer busy
/// for ~18 s on a loaded 2-core machine, and chromedriver gives up on a
/// renderer that has not answered the runner's polls for 30 s (it did once,
/// with two CI runs side by side). A yield between tests answers them.
pub async fn yield_to_event_loop() {
    let tick = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
            .expect("a global setTimeout");
        js_sys::Function::from(set_timeout)
            .call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(0))
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(tick).await.expect("a timer resolves");
}

pub fn an_experiment_runs_on_copies_and_crosses_as_plain_objects() {
    use groundup_web::{experiment_catalog, WebExperiment};
    let t = loaded("mlp");
    let weights = t.weights();

    let catalog = js_sys::Array::from(&experiment_catalog());
    let ids: Vec<String> = catalog.iter().map(|e| field(&e, "id").as_string().unwrap()).collect();
    assert_eq!(ids, groundup::lab::EXPERIMENT_IDS);
    assert_eq!(field(&catalog.get(4), "title").as_string().unwrap(), "Fig. 8: step size");
    assert!(field(&catalog.get(0), "shortened").is_null(), "absent is null, not undefined");

    let e = WebExperiment::new("nonsense", &t).err().expect("unknown id");
    assert_eq!(kind_and_field(&e), ("config".into(), Some("experiment".into())));

    let mut run = WebExperiment::new("overfit-one", &t).map_err(message).unwrap();
    let mut points = 0;
    while !run.done() {
        let progress = run.step(7).map_err(message).unwrap();
        assert_eq!(field(&progress, "experiment").as_string().unwrap(), "overfit-one");
        points += js_sys::Array::from(&field(&progress, "points")).length();
    }
    let result = run.result();
    assert!(field(&result, "gradcheck").is_null() && field(&result, "reconstruction").is_null());
    let runs = js_sys::Array::from(&field(&result, "runs"));
    let first = runs.get(0);
    assert_eq!(js_sys::Array::from(&field(&first, "points")).length(), points);
    let summary = field(&first, "summary").as_string().unwrap();
    assert!(summary.starts_with("loss ") && summary.contains(" at step "), "{summary}");
    assert_eq!(t.weights(), weights, "the trainer's network is untouched");
}
