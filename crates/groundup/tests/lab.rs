//! The paper's lab (`groundup::lab`): every experiment is there with its
//! place in the paper; the overfitting runs get the loss to ~0 and say at
//! which step; the gradient check passes on every preset and states its
//! tolerance; the paper's CNN recipe on five images converges or is caught
//! by the divergence guard, never NaN; the Fig. 7 network lowers its
//! error; Fig. 8 is two labelled runs; the caller's network is never
//! touched; slices change nothing; bad input is refused before anything
//! runs. On the committed sample (500 training, 200 test images), with the
//! long runs capped to a few steps.

mod common;

use common::{sample_test, sample_train, weight_bits};
use groundup::data::{Dataset, Split};
use groundup::gradcheck::RELATIVE_TOLERANCE;
use groundup::lab::{
    experiment, experiments, DataUse, ExperimentResult, ExperimentRun, LabData, LabOptions, Progress, Source,
    Work, EXPERIMENT_IDS, OVERFIT_THRESHOLD,
};
use groundup::loss::Objective;
use groundup::presets::{preset, PRESET_NAMES};
use groundup::train::{Session, TrainConfig};
use groundup::{Error, LayerSpec, ModelSpec, Network};
use rand::SeedableRng;

/// Preset `name`'s fresh network and settings.
fn fresh(name: &str) -> (Network<f32>, TrainConfig) {
    let p = preset(name).unwrap();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(p.train.seed);
    (Network::new(&p.spec, &mut rng).unwrap(), p.train)
}

fn capped(steps: u64) -> LabOptions {
    LabOptions { max_steps_per_run: Some(steps), ..LabOptions::default() }
}

/// Runs experiment `id` to its end in slices of `slice`, checking every
/// progress report on the way; returns the result and the reports.
fn run_all(
    id: &str,
    network: &Network<f32>,
    config: &TrainConfig,
    options: LabOptions,
    slice: usize,
) -> (ExperimentResult, Vec<Progress>) {
    let (train, test) = (sample_train(), sample_test());
    let source = Source { network, config };
    let mut run =
        ExperimentRun::with_options(id, source, LabData { train: &train, test: &test }, options).unwrap();
    let mut reports: Vec<Progress> = Vec::new();
    for _ in 0..100_000 {
        let p = run.step(slice).unwrap();
        assert_eq!(p.experiment, id);
        assert!(p.points.len() <= slice, "a slice of {slice} gave {} points", p.points.len());
        if let Some(last) = reports.last() {
            assert!(p.run_index >= last.run_index, "runs go forward");
        }
        let done = p.done;
        reports.push(p);
        if done {
            break;
        }
    }
    assert!(run.done(), "{id} did not finish");
    let result = run.result().clone();
    assert!(result.done);
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), result.runs.len(), "{id}: as the page reads it");
    assert_eq!(result.runs.len(), run.experiment().runs.len());
    for r in &result.runs {
        assert!(r.finished && !r.summary.is_empty(), "{id}: {r:?}");
        for p in &r.points {
            assert!(p.loss.is_finite(), "{id} [{}]: a point is {p:?}", r.label);
            assert!(p.accuracy.is_none_or(f64::is_finite), "{id} [{}]: {p:?}", r.label);
        }
        // The points a caller was handed are the run's points, in order.
        let index = result.runs.iter().position(|x| std::ptr::eq(x, r)).unwrap();
        let handed: Vec<_> =
            reports.iter().filter(|p| p.run_index == index).flat_map(|p| p.points.clone()).collect();
        assert_eq!(handed, r.points, "{id} [{}]", r.label);
    }
    (result, reports)
}

#[test]
fn every_experiment_id_exists_with_its_paper_reference() {
    let all = experiments();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), EXPERIMENT_IDS);
    for e in &all {
        assert_eq!(experiment(e.id).unwrap(), *e);
        assert!(e.paper_ref.starts_with('§'), "{}: {}", e.id, e.paper_ref);
        assert!(!e.title.is_empty() && !e.paper_reported.is_empty() && !e.shows.is_empty(), "{}", e.id);
        assert!(!e.runs.is_empty(), "{}", e.id);
        for run in &e.runs {
            assert!(!run.label.is_empty(), "{}", e.id);
            if let Work::Train { steps, .. } = run.work {
                assert!((1..=1_000).contains(&steps), "{} [{}]: {steps} steps", e.id, run.label);
            }
        }
        // A run on a stand-in for all of MNIST says it is shortened, and how.
        let on_subset = e.runs.iter().any(|r| matches!(r.data, DataUse::Subset { .. }));
        assert_eq!(e.shortened.is_some(), on_subset, "{}", e.id);
        if let Some(how) = e.shortened {
            assert!(how.contains("steps") && how.contains("5,000"), "{}: {how}", e.id);
        }
        let json = serde_json::to_value(e).unwrap();
        assert_eq!(json["paperRef"], e.paper_ref);
        assert_eq!(json["runs"].as_array().unwrap().len(), e.runs.len());
    }
    let refs: Vec<(&str, &str)> = all.iter().map(|e| (e.id, e.paper_ref)).collect();
    for (id, reference) in [
        ("gradcheck", "eq. 16"),
        ("overfit-one", "§4.2.4"),
        ("overfit-five", "Fig. 16"),
        ("reproduce", "Fig. 7"),
        ("fig8", "Fig. 8"),
    ] {
        assert!(refs.iter().any(|&(i, r)| i == id && r.contains(reference)), "{id}: {refs:?}");
    }
    let fig8 = experiment("fig8").unwrap();
    assert_eq!(
        fig8.runs.iter().map(|r| r.label).collect::<Vec<_>>(),
        ["batch 250 · lr 0.05", "batch 500 · lr 0.001"]
    );
}

#[test]
fn bad_ids_are_refused() {
    let (network, config) = fresh("mlp");
    let (train, test) = (sample_train(), sample_test());
    for id in ["", "nope", "GradCheck", "fig8 ", "overfit_one"] {
        let e = experiment(id).unwrap_err();
        assert_eq!(e.field, "experiment");
        assert!(e.message.contains("gradcheck, overfit-one"), "{e}");
        let source = Source { network: &network, config: &config };
        match ExperimentRun::new(id, source, LabData { train: &train, test: &test }) {
            Err(Error::Config(c)) => assert_eq!(c.field, "experiment", "{id:?}"),
            Err(other) => panic!("{id:?}: {other}"),
            Ok(_) => panic!("{id:?} was accepted"),
        }
    }
}

#[test]
fn overfit_one_gets_below_the_threshold_on_cnn_and_mlp_and_says_where() {
    for name in ["cnn", "mlp"] {
        let (network, config) = fresh(name);
        let (result, reports) = run_all("overfit-one", &network, &config, LabOptions::default(), 7);
        let run = &result.runs[0];
        let below = run.below.unwrap_or_else(|| panic!("{name}: {}", run.summary));
        assert!(below.loss < OVERFIT_THRESHOLD && below.threshold == OVERFIT_THRESHOLD, "{name}: {below:?}");
        assert!(below.step <= run.steps_planned, "{name}: {below:?}");
        // It stops there: the last point is the one below.
        let last = run.points.last().unwrap();
        assert_eq!((last.step, last.loss), (below.step, below.loss), "{name}");
        assert_eq!(run.steps_taken, below.step);
        let expected =
            format!("loss {} at step {}", groundup::lab::results::fmt_loss(below.loss), below.step);
        assert!(run.summary.starts_with(&expected), "{name}: {:?} vs {expected:?}", run.summary);
        assert!(reports.last().unwrap().notes.iter().any(|n| n.contains(&expected)), "{name}");
        println!("overfit-one on {name}: {}", run.summary);
    }
}

#[test]
fn gradcheck_rows_all_pass_for_every_preset() {
    for name in PRESET_NAMES {
        let (network, config) = fresh(name);
        let (result, _) = run_all("gradcheck", &network, &config, LabOptions::default(), 1);
        let report = result.gradcheck.expect("the gradient check's report");
        assert_eq!(report.images, 3);
        assert_eq!(report.tolerance.relative, RELATIVE_TOLERANCE);
        println!("{name}: tolerance {} ({})", report.tolerance.formula, report.tolerance.derivation);
        assert_eq!(report.rows.len(), network.params().len(), "{name}: a row per tensor");
        for (row, (parameter, _)) in report.rows.iter().zip(network.named_params()) {
            println!("  {}", row.describe());
            assert_eq!(row.parameter, parameter);
            assert!(row.passed && row.worst_ratio <= 1.0, "{name}: {row:?}");
            // The error the page shows reads against the relative tolerance alone.
            assert!(row.max_relative_error <= report.tolerance.relative, "{name}: {row:?}");
            if parameter.ends_with("weight") {
                // Every weight measured: a pass is never a vacuous one.
                assert_eq!((row.measured, row.skipped), (row.checked, 0), "{name}: {row:?}");
                assert!(row.checked >= 40.min(row.total), "{name}: {row:?}");
            }
        }
        assert!(report.passed, "{name}");
        assert_eq!(result.runs[0].steps_taken, network.params().len() as u64);
    }
}

#[test]
fn gradcheck_of_a_trained_cnn_measures_every_tensor_and_reads_the_session() {
    // Trained biases are not 0, so no unit sits on its kink over a blank
    // patch: the biases a fresh CNN leaves unmeasured are measured now.
    let p = preset("cnn").unwrap();
    let mut session = Session::new(&p.spec, p.train.clone(), sample_train(), sample_test()).unwrap();
    session.train_steps(15).unwrap();
    let mut run = ExperimentRun::new("gradcheck", Source::of(&session), LabData::of(&session)).unwrap();
    while !run.step(2).unwrap().done {}
    let report = run.result().gradcheck.clone().unwrap();
    for row in &report.rows {
        assert!(row.passed && row.measured > 0, "{row:?}");
    }
    assert!(report.passed);
}

#[test]
fn overfit_five_on_the_paper_recipe_converges_or_is_caught_never_nan() {
    let (network, config) = fresh("cnn");
    let (result, _) = run_all("overfit-five", &network, &config, LabOptions::default(), 25);
    let [current, paper, pushed] = &result.runs[..] else { panic!("three runs: {:?}", result.runs) };
    // Pushed to lr 0.03, the recipe diverges within a few steps whatever the
    // seed (1–6 on these images): the guard refuses the step, no point is NaN.
    let r = pushed.rollback.as_ref().unwrap_or_else(|| panic!("lr 0.03 is caught: {}", pushed.summary));
    assert!(pushed.label.contains("lr 0.03"), "{}", pushed.label);
    assert!(r.weights_from_step < r.step && r.explanation.contains("refused"), "{r:?}");
    assert!(pushed.points.iter().all(|p| p.step < r.step && p.loss.is_finite()));
    assert!(!pushed.points.is_empty(), "the climb before the refused step is shown");
    assert!(current.below.is_some(), "the cnn learns five images: {}", current.summary);
    assert_eq!(current.steps_taken, 200, "a run past the threshold goes on to its budget");
    assert!(paper.label.contains("N(0, 1)") && paper.label.contains("summed"), "{}", paper.label);
    match &paper.rollback {
        Some(r) => {
            // Caught: the step refused, the weights back before it, the paper's Fig. 16 named.
            assert!(r.weights_from_step < r.step, "{r:?}");
            assert!(r.explanation.contains("Fig. 16") && r.explanation.contains("refused"), "{r:?}");
            assert!(paper.points.iter().all(|p| p.step < r.step));
            println!("paper recipe, five images: caught — {}", r.explanation);
        }
        None => {
            assert!(paper.below.is_some(), "neither converged nor caught: {}", paper.summary);
            assert!(paper.notes.iter().any(|n| n.starts_with("No NaN")), "{:?}", paper.notes);
            println!("paper recipe, five images: converged — {}", paper.summary);
        }
    }
}

#[test]
fn a_run_the_guard_refuses_records_the_spike_and_the_rollback() {
    // Leaky ReLUs on N(0, 1) weights with a summed gradient (paper-mlp's
    // recipe, activation swapped): the loss explodes within a few steps.
    let (network, config) = fresh("paper-mlp");
    let (result, _) = run_all("sigmoid-vs-leaky", &network, &config, capped(10), 3);
    let [sigmoid, leaky] = &result.runs[..] else { panic!("two runs") };
    assert!(sigmoid.rollback.is_none(), "{}", sigmoid.summary);
    let rollback = leaky.rollback.as_ref().expect("the guard refused a step");
    assert!(rollback.weights_from_step < rollback.step, "{rollback:?}");
    assert!(rollback.message.contains("diverged"), "{rollback:?}");
    assert_eq!(leaky.steps_taken, rollback.step - 1, "the run ends at the refused step");
    let spike = leaky.spike.expect("the loss shot up first");
    assert!(spike.loss > 10.0 * spike.min_loss && spike.step > spike.min_step, "{spike:?}");
    assert!(leaky.summary.contains(&format!("step {} refused", rollback.step)), "{}", leaky.summary);
}

#[test]
fn reproduce_lowers_its_squared_error() {
    let (network, config) = fresh("cnn");
    let (result, _) = run_all("reproduce", &network, &config, LabOptions::default(), 50);
    let r = result.reconstruction.expect("the image and its reconstruction");
    let image = sample_train().take(1);
    let expected: Vec<f32> = image.all().0.iter().copied().collect();
    assert_eq!(r.input, expected, "the input is the first training image");
    assert_eq!((r.before.len(), r.after.len()), (784, 784));
    assert!(r.after.iter().chain(&r.before).all(|v| (0.0..=1.0).contains(v)));
    assert!(r.error_after < r.error_before / 100.0, "{} → {}", r.error_before, r.error_after);
    let run = &result.runs[0];
    assert_eq!(run.steps_taken, 300);
    assert!(run.points.iter().all(|p| p.accuracy.is_none()), "the network does not classify");
    assert!(run.points.last().unwrap().loss < run.points[0].loss);
    println!("reproduce: ½·Σ(y − t)² {:.3} → {:.4}", r.error_before, r.error_after);
}

#[test]
fn fig8_yields_two_labelled_runs() {
    let (network, config) = fresh("cnn"); // fig8 runs paper-mlp whatever the caller has
    let (result, reports) = run_all("fig8", &network, &config, capped(3), 2);
    assert!(result.shortened.unwrap().contains("30 steps"));
    let labels: Vec<&str> = result.runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["batch 250 · lr 0.05", "batch 500 · lr 0.001"]);
    for run in &result.runs {
        assert_eq!((run.steps_planned, run.points.len()), (3, 3), "{}", run.label);
        assert!(run.data.contains("the first 500 training images (5,000 once loaded)"), "{}", run.data);
        let test = run.test.expect("evaluated at the end");
        assert_eq!(test.images, 200);
    }
    assert!(reports.iter().any(|p| p.run_index == 1 && p.label == "batch 500 · lr 0.001"));
}

#[test]
fn running_an_experiment_leaves_the_source_bit_identical() {
    let p = preset("cnn").unwrap();
    let mut session = Session::new(&p.spec, p.train.clone(), sample_train(), sample_test()).unwrap();
    session.train_steps(3).unwrap();
    let (bits, config, step) = (weight_bits(session.network()), session.config().clone(), session.step());
    let (train, test) = (session.train_data().clone(), session.test_data().clone());
    for id in EXPERIMENT_IDS {
        let mut run =
            ExperimentRun::with_options(id, Source::of(&session), LabData::of(&session), capped(2)).unwrap();
        while !run.step(3).unwrap().done {}
        assert_eq!(weight_bits(session.network()), bits, "{id} changed the weights");
        assert_eq!((session.config(), session.step()), (&config, step), "{id}");
        assert!(session.train_data() == &train && session.test_data() == &test, "{id}");
    }
    // The experiment borrows nothing once made: the session can train meanwhile,
    // and the gradient check still checks the weights it was given.
    let mut run = ExperimentRun::new("gradcheck", Source::of(&session), LabData::of(&session)).unwrap();
    session.train_steps(2).unwrap();
    while !run.step(1).unwrap().done {}
    assert!(run.result().gradcheck.as_ref().unwrap().passed);
}

#[test]
fn slices_change_nothing() {
    let (network, config) = fresh("mlp");
    let (one, _) = run_all("sgd-vs-adam", &network, &config, capped(6), 1);
    let (many, _) = run_all("sgd-vs-adam", &network, &config, capped(6), 1_000);
    assert_eq!(one.runs, many.runs);
    // Same seed, same network: both runs start from the same weights on the same batch.
    assert_eq!(one.runs[0].points[0], one.runs[1].points[0]);
}

#[test]
fn zero_steps_and_steps_past_the_end_do_nothing() {
    let (network, config) = fresh("mlp");
    let (train, test) = (sample_train(), sample_test());
    let data = LabData { train: &train, test: &test };
    let mut run = ExperimentRun::with_options(
        "overfit-one",
        Source { network: &network, config: &config },
        data,
        capped(4),
    )
    .unwrap();
    let p = run.step(0).unwrap();
    assert!(p.points.is_empty() && !p.done && p.steps_taken == 0, "{p:?}");
    while !run.step(usize::MAX).unwrap().done {}
    let before = run.result().clone();
    for n in [0, 1, 100] {
        let p = run.step(n).unwrap();
        assert!(p.done && p.points.is_empty(), "{p:?}");
    }
    assert_eq!(run.result(), &before);
    // A budget of nothing: over at once, and it says so.
    let (result, _) = run_all("overfit-one", &network, &config, capped(0), 5);
    assert_eq!(result.runs[0].summary, "never below 0.01 in 0 steps; no step taken");
}

#[test]
fn an_experiment_that_cannot_run_says_why_before_it_starts() {
    let (network, config) = fresh("cnn");
    let source = Source { network: &network, config: &config };
    let (train, test) = (sample_train(), sample_test());
    let empty = Dataset::new();
    let refused = |id: &str, train: &Dataset, test: &Dataset| -> String {
        match ExperimentRun::new(id, source, LabData { train, test }) {
            Err(Error::Config(e)) => e.to_string(),
            Err(other) => panic!("{id}: not a config error: {other}"),
            Ok(_) => panic!("{id} was accepted"),
        }
    };
    for id in ["overfit-one", "overfit-five", "reproduce", "fig8", "sgd-vs-adam", "paper-cnn-recipe"] {
        assert!(refused(id, &empty, &test).contains("training"), "{id}");
    }
    assert!(refused("overfit-five", &train.take(3), &test).contains("needs 5 training images; 3 are loaded"));
    assert!(refused("gradcheck", &train, &empty).contains("test images"));
    // Malformed data sets: refused, not indexed into.
    let mut short = train.take(2);
    short.images.pop();
    assert!(refused("overfit-one", &short, &test).contains("pixel bytes"));
    let mut bad_label = train.take(2);
    bad_label.labels[1] = 12;
    assert!(refused("overfit-one", &bad_label, &test).contains("not a digit"));
    // A network without activations has none to swap; one that does not fit
    // the images is refused where it would meet them.
    let dense = |units| LayerSpec::Dense { units, bias: true, init: groundup::Init::Glorot };
    for (layers, id, says) in [
        (vec![dense(10)], "sigmoid-vs-leaky", "no activation layer"),
        (vec![dense(5)], "gradcheck", "5 outputs"),
        (vec![dense(5)], "overfit-one", "5 outputs"),
    ] {
        let spec = ModelSpec { input: vec![784], layers, objective: Objective::SoftmaxCrossEntropy };
        let other = Network::new(&spec, &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1)).unwrap();
        let source = Source { network: &other, config: &config };
        match ExperimentRun::new(id, source, LabData { train: &train, test: &test }) {
            Err(e) => assert!(e.to_string().contains(says), "{id}: {e}"),
            Ok(_) => panic!("{id} accepted {spec:?}"),
        }
    }
    // Settings that cannot train: refused by the same validation as everywhere.
    let bad = TrainConfig { batch_size: 0, ..config.clone() };
    let source = Source { network: &network, config: &bad };
    assert!(ExperimentRun::new("sigmoid-vs-leaky", source, LabData { train: &train, test: &test }).is_err());
}

#[test]
fn the_session_data_of_a_page_is_enough() {
    // As the page will call it: a session with the data it has loaded.
    let mut session = Session::from_preset("mlp").unwrap();
    session.add_examples(Split::Train, &sample_train().take(40));
    session.add_examples(Split::Test, &sample_test().take(10));
    let mut run =
        ExperimentRun::with_options("sgd-vs-adam", Source::of(&session), LabData::of(&session), capped(3))
            .unwrap();
    while !run.step(2).unwrap().done {}
    for r in &run.result().runs {
        assert!(r.data.starts_with("the first 40 training images (5,000 once loaded)"), "{}", r.data);
        assert_eq!(r.test.unwrap().images, 10);
    }
    // A quick look: fewer images than the catalog's, and it says so.
    let quick = LabOptions { max_steps_per_run: Some(2), max_subset_images: Some(25) };
    let mut run =
        ExperimentRun::with_options("sgd-vs-adam", Source::of(&session), LabData::of(&session), quick)
            .unwrap();
    while !run.step(2).unwrap().done {}
    assert!(run.result().runs[0].data.starts_with("the first 25 training images (cut from 5,000)"));
}
