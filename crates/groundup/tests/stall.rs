//! The stall detector in a real session: a ReLU network whose ReLUs are all
//! dead trains on, its loss flat near ln 10 at chance accuracy, and the
//! report of step 2N says so, once, whether the steps are taken whole or
//! from shards; a healthy run never does; a restart starts the count over.

mod common;

use common::{sample_test, sample_train};
use groundup::layers::Padding;
use groundup::loss::{Objective, Reduction};
use groundup::optim::OptimizerSpec;
use groundup::train::{Schedule, Session, StepReport, TrainConfig, STALL_WINDOW};
use groundup::{Init, LayerSpec, ModelSpec};

/// pool 4×4 → conv 4@3×3 → ReLU → dense 10: a ReLU CNN small enough to
/// take hundreds of steps in a blink.
fn relu_cnn() -> ModelSpec {
    ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![
            LayerSpec::MaxPool2d { size: 4 },
            LayerSpec::Conv2d { filters: 4, kernel: 3, padding: Padding::Same, bias: true, init: Init::He },
            LayerSpec::Relu,
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 10, bias: true, init: Init::Glorot },
        ],
        objective: Objective::SoftmaxCrossEntropy,
    }
}

/// 784 → 32 → ReLU → 10.
fn small_mlp() -> ModelSpec {
    ModelSpec {
        input: vec![784],
        layers: vec![
            LayerSpec::Dense { units: 32, bias: true, init: Init::He },
            LayerSpec::Relu,
            LayerSpec::Dense { units: 10, bias: true, init: Init::Glorot },
        ],
        objective: Objective::SoftmaxCrossEntropy,
    }
}

/// Plain SGD at `learning_rate`, batches of 32, epochs enough for 1000+
/// steps on the 500-image sample.
fn sgd(learning_rate: f64) -> TrainConfig {
    TrainConfig {
        epochs: 80,
        batch_size: 32,
        optimizer: OptimizerSpec::Sgd { learning_rate },
        reduction: Reduction::Mean,
        lr_decay: 1.0,
        eval_every: 0,
        seed: 3,
        shift: 0,
        schedule: Schedule::EpochDecay,
    }
}

fn session(spec: &ModelSpec, config: TrainConfig) -> Session {
    Session::new(spec, config, sample_train(), sample_test()).unwrap()
}

/// The session's weights with every bias of a layer feeding a ReLU at
/// −100: no pre-activation (inputs in [0, 1], He weights) gets near 0, so
/// every ReLU outputs 0 for every image and passes back no gradient.
fn dead_relu_weights(s: &Session) -> Vec<f32> {
    let network = s.network();
    let layers = &network.spec().layers;
    let mut flat = Vec::new();
    let mut killed = 0;
    for (name, p) in network.named_params() {
        let layer: usize = name.split('.').nth(1).unwrap().parse().unwrap();
        let feeds_relu = matches!(layers.get(layer + 1), Some(LayerSpec::Relu));
        if feeds_relu && name.ends_with(".bias") {
            flat.extend(std::iter::repeat_n(-100.0f32, p.value.len()));
            killed += p.value.len();
        } else {
            flat.extend(p.value.iter().copied());
        }
    }
    assert!(killed > 0, "no bias before a ReLU in {:?}", layers);
    assert_eq!(flat.len(), network.num_params());
    flat
}

/// Takes `steps` steps in calls of `per_call`; every report.
fn train(s: &mut Session, steps: usize, per_call: usize) -> Vec<StepReport> {
    (0..steps / per_call).map(|_| s.train_steps(per_call).unwrap()).collect()
}

/// `(step of the report, stall)` for every report that carries one.
fn stalls(reports: &[StepReport]) -> Vec<(u64, groundup::train::Stall)> {
    reports.iter().filter_map(|r| r.stall.map(|s| (r.step, s))).collect()
}

#[test]
fn dead_relus_are_reported_once_at_step_400() {
    let mut s = session(&relu_cnn(), sgd(0.01));
    let dead = dead_relu_weights(&s);
    s.set_weights(&dead).unwrap();
    let reports = train(&mut s, 1000, 25);
    let losses: Vec<f64> = reports.iter().flat_map(|r| r.batches.iter().map(|b| b.loss)).collect();
    assert_eq!(losses.len(), 1000);
    // What dead ReLUs look like: the loss stays near ln 10 at chance.
    assert!(losses.iter().all(|l| (l - std::f64::consts::LN_10).abs() < 0.1), "{losses:?}");

    let found = stalls(&reports);
    assert_eq!(found.len(), 1, "one report, not one per step: {found:?}");
    let (step, stall) = found[0];
    assert_eq!(step, 2 * STALL_WINDOW, "on the report of the steps 376–400");
    assert_eq!((stall.steps, stall.since_step), (200, 200));
    assert!((stall.loss - std::f64::consts::LN_10).abs() < 0.05, "{stall:?}");
    assert!(stall.accuracy < 0.2, "{stall:?}");
    let message = stall.message();
    assert!(message.starts_with("the loss has not changed for 200 steps"), "{message}");

    // As the page gets it: `stall` is an object with its message, or null.
    let with = reports.iter().find(|r| r.stall.is_some()).unwrap();
    let json = serde_json::to_value(with).unwrap();
    assert_eq!(json["stall"]["steps"], 200);
    assert_eq!(json["stall"]["sinceStep"], 200);
    assert_eq!(json["stall"]["message"], message.as_str());
    assert!(json["stall"]["loss"].is_f64() && json["stall"]["accuracy"].is_f64(), "{json}");
    assert!(serde_json::to_value(&reports[0]).unwrap()["stall"].is_null());
}

#[test]
fn sgd_at_too_large_a_learning_rate_kills_the_relus_and_it_is_reported() {
    // The way it happens on the page: plain SGD at 3 (not 0.03) throws
    // every conv bias far below 0 within a few steps.
    let mut s = session(&relu_cnn(), sgd(3.0));
    let reports = train(&mut s, 800, 100);
    let found = stalls(&reports);
    assert_eq!(found.len(), 1, "{found:?}");
    let (step, stall) = found[0];
    assert!(step % STALL_WINDOW == 0 && step <= 600, "step {step}");
    assert!(stall.accuracy < 0.2, "{stall:?}");
    assert!(stall.message().starts_with("the loss has not changed for 200 steps"), "{}", stall.message());
}

#[test]
fn dead_relus_are_reported_by_steps_taken_from_shards_too() {
    let mut s = session(&relu_cnn(), sgd(0.01));
    let dead = dead_relu_weights(&s);
    s.set_weights(&dead).unwrap();
    let mut found = Vec::new();
    for _ in 0..450 {
        let plan = s.begin_batch(1).unwrap().expect("epochs remain");
        assert!(plan.shards.is_empty());
        s.accumulate_shard(0).unwrap();
        let report = s.finish_batch().unwrap();
        if let Some(stall) = report.stall {
            found.push((report.step, stall));
        }
    }
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 400);
    assert!(found[0].1.message().starts_with("the loss has not changed for 200 steps"));
}

#[test]
fn a_restart_starts_the_count_over() {
    let mut s = session(&relu_cnn(), sgd(0.01));
    let dead = dead_relu_weights(&s);
    s.set_weights(&dead).unwrap();
    let saved = s.export_model();
    // 300 dead steps: a window and a half, no report yet.
    assert_eq!(stalls(&train(&mut s, 300, 50)), []);
    // The same dead network again, as a new run from step 0: had the count
    // carried on, step 100 of it would report; it takes a whole 2N.
    s.import_model(&saved, "dead.safetensors").unwrap();
    assert_eq!(s.step(), 0);
    assert_eq!(stalls(&train(&mut s, 350, 50)), []);
    let found = stalls(&train(&mut s, 100, 50));
    assert_eq!(found.iter().map(|(step, s)| (*step, s.since_step)).collect::<Vec<_>>(), [(400, 200)]);
    // And Reset re-arms it for good measure: fresh weights, killed again.
    s.reset().unwrap();
    let dead = dead_relu_weights(&s);
    s.set_weights(&dead).unwrap();
    assert_eq!(stalls(&train(&mut s, 400, 100)).len(), 1);
}

#[test]
fn healthy_runs_report_no_stall() {
    // The small MLP and the same ReLU CNN with its own weights, trained long
    // enough to converge on the 500 sample images: the loss flattens, but
    // the accuracy is far above chance.
    for (what, spec, learning_rate) in [("mlp", small_mlp(), 0.05), ("cnn", relu_cnn(), 0.1)] {
        let mut s = session(&spec, sgd(learning_rate));
        let reports = train(&mut s, 1200, 100);
        let last: Vec<f64> = reports.last().unwrap().batches.iter().map(|b| b.accuracy).collect();
        let accuracy = last.iter().sum::<f64>() / last.len() as f64;
        eprintln!("{what}: training accuracy {accuracy:.3} over the last 100 steps");
        assert!(accuracy > 0.5, "{what}: not a healthy run ({accuracy})");
        assert_eq!(stalls(&reports), [], "{what}");
    }
}
