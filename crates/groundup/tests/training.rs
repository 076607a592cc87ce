//! Tests of training: the paper's two sanity checks of backpropagation
//! (§4.2.4: overfit one point; Fig. 7: learn the identity), determinism by
//! seed, learning on the committed sample, the divergence guard that the
//! paper's CNN lacked (§5), and the settings that are refused.

mod common;

use common::{rng, sample_test, sample_train, weight_bits};
use groundup::data::{Dataset, IMAGE_PIXELS};
use groundup::layers::Mode;
use groundup::loss::{Objective, Reduction};
use groundup::metrics::BatchMetrics;
use groundup::optim::OptimizerSpec;
use groundup::presets::preset;
use groundup::train::{
    accumulate_gradients, evaluate, fit, BatchSampler, Event, GradientSums, Schedule, Session, TrainConfig,
    Trainer,
};
use groundup::{ConfigError, Init, LayerSpec, ModelSpec, Network, TrainError};
use ndarray::Array2;
use rand::RngExt;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A preset's architecture and settings with the given overrides.
fn preset_config(name: &str, epochs: usize, batch_size: usize) -> (ModelSpec, TrainConfig) {
    let p = preset(name).unwrap();
    (p.spec, TrainConfig { epochs, batch_size, ..p.train })
}

/// A dataset holding only image `i` of `data`.
fn single(data: &Dataset, i: usize) -> Dataset {
    let mut one = Dataset::new();
    one.push(data.image(i), data.labels[i]);
    one
}

fn assert_finite_metrics(m: &BatchMetrics) {
    assert!(m.loss.is_finite() && m.loss >= 0.0, "batch loss {m:?}");
    assert!(m.accuracy.is_finite() && (0.0..=1.0).contains(&m.accuracy), "batch accuracy {m:?}");
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

// ---------------------------------------------------------------------------
// Paper §4.2.4 and Fig. 7: backpropagation can fit one point
// ---------------------------------------------------------------------------

/// Trains `name` on one image for `steps` steps; returns the loss before and after.
fn overfit_one_image(name: &str, steps: usize) -> (f64, f64) {
    let (spec, config) = preset_config(name, 1, 1);
    let mut trainer = Trainer::new(&spec, &config).unwrap();
    let one = single(&sample_train(), 7);
    let before = trainer.evaluate(&one).unwrap().loss;
    for _ in 0..steps {
        let (x, labels) = one.batch(&[0]);
        assert_finite_metrics(&trainer.train_batch(x, &labels, 0).unwrap());
    }
    let after = trainer.evaluate(&one).unwrap();
    assert_eq!(after.accuracy, 1.0, "{name}: the one image is classified right");
    println!("overfit {name}: loss {before:.3e} → {:.3e} in {steps} steps", after.loss);
    (before, after.loss)
}

// §4.2.4: "feed a neural network one point repeatedly, and see if the loss quickly approaches zero":
// the CNN preset drives its cross-entropy on one sample image from ~2.3 to below 1e-3.
#[test]
fn cnn_overfits_a_single_example() {
    let (before, after) = overfit_one_image("cnn", 60);
    assert!(before > 0.5, "an untrained net is not already sure: {before}");
    assert!(after < 1e-3, "loss after overfitting: {after}");
}

// §4.2.4 for the MLP preset (784-625-625-10, ReLU, Adam).
#[test]
fn mlp_overfits_a_single_example() {
    let (before, after) = overfit_one_image("mlp", 60);
    assert!(before > 0.5, "an untrained net is not already sure: {before}");
    assert!(after < 1e-3, "loss after overfitting: {after}");
}

// Fig. 7: a sigmoid MLP trained with sum-of-squares error to reproduce its input (target = input)
// drives the summed squared error down by more than 100×.
#[test]
fn sigmoid_network_learns_the_identity() {
    let spec = ModelSpec {
        input: vec![16],
        layers: vec![
            LayerSpec::Dense { units: 32, bias: true, init: Init::Glorot },
            LayerSpec::Sigmoid,
            LayerSpec::Dense { units: 16, bias: true, init: Init::Glorot },
        ],
        objective: Objective::SigmoidSumOfSquares,
    };
    let mut r = rng(700);
    let mut network = Network::<f32>::new(&spec, &mut r).unwrap();
    // Four vectors in [0.1, 0.9], where a sigmoid output can reach them.
    let x = Array2::<f32>::from_shape_simple_fn((4, 16), || r.random_range(0.1..0.9));
    let targets = x.clone();
    let mut optimizer = OptimizerSpec::Sgd { learning_rate: 0.5 }.build::<f32>().unwrap();
    let objective = spec.objective;
    let sse = |network: &mut Network<f32>| {
        let out = network.forward(x.clone(), Mode::Infer);
        // The loss is the mean of ½‖σ(a) − t‖² per example; the paper's E (eq. 7) summed.
        f64::from(objective.evaluate(&out, &targets, Reduction::Sum).loss) * 4.0
    };
    let before = sse(&mut network);
    for _ in 0..600 {
        network.zero_grad();
        let out = network.forward(x.clone(), Mode::Train);
        let loss = objective.evaluate(&out, &targets, Reduction::Sum);
        network.backward(loss.grad);
        optimizer.step(&mut network.params_mut());
    }
    let after = sse(&mut network);
    println!("identity (Fig. 7): SSE {before:.3e} → {after:.3e}");
    assert!(after * 100.0 < before, "SSE fell only from {before} to {after}");
    // And the output is the input, to a few hundredths.
    let prediction = objective.predict(&network.forward(x.clone(), Mode::Infer));
    let worst = (&prediction - &x).iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(worst < 0.05, "largest |output − input| is {worst}");
}

// ---------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------

/// Trains `steps` steps of `config` on the sample through a BatchSampler; returns weights and metrics.
fn run(
    spec: &ModelSpec,
    config: &TrainConfig,
    data: &Dataset,
    steps: usize,
) -> (Vec<Vec<u32>>, Vec<BatchMetrics>) {
    let mut trainer = Trainer::new(spec, config).unwrap();
    let mut sampler = BatchSampler::new(data.len());
    let mut metrics = Vec::new();
    for _ in 0..steps {
        let (epoch, indices) = sampler.next_batch(config.batch_size, trainer.rng());
        let (x, labels) = data.batch(&indices);
        metrics.push(trainer.train_batch(x, &labels, epoch).unwrap());
    }
    (weight_bits(trainer.network()), metrics)
}

// Same preset, config and seed → bit-identical weights and metrics after 20 steps (the shuffle and the
// initialisation both come from the seed); another seed → different weights.
#[test]
fn training_is_deterministic_by_seed() {
    let data = sample_train();
    let (spec, config) = preset_config("cnn", 1, 32);
    let (w1, m1) = run(&spec, &config, &data, 20);
    let (w2, m2) = run(&spec, &config, &data, 20);
    assert_eq!(w1, w2, "same seed: weights differ");
    assert_eq!(m1, m2, "same seed: metrics differ");
    let other = TrainConfig { seed: config.seed + 1, ..config.clone() };
    let (w3, m3) = run(&spec, &other, &data, 20);
    assert_ne!(w1, w3, "another seed gives the same weights");
    assert_ne!(m1, m3, "another seed gives the same metrics");
}

// ---------------------------------------------------------------------------
// Learning on the committed sample
// ---------------------------------------------------------------------------

/// Runs `fit` and returns the test accuracy, the mean batch loss of the first 5 steps and of the
/// last epoch, and the accuracy on the whole training set.
fn fit_sample(name: &str, epochs: usize, batch_size: usize) -> (f64, f64, f64, f64) {
    let (train, test) = (sample_train(), sample_test());
    let (spec, config) = preset_config(name, epochs, batch_size);
    let mut session = Session::new(&spec, config, train.clone(), test.clone()).unwrap();
    let mut batches = Vec::new();
    let mut evals = Vec::new();
    let summary = fit(&mut session, |event| match event {
        Event::Batch(m) => batches.push(*m),
        Event::Eval(e) => evals.push((**e).clone()),
    })
    .unwrap();
    let per_epoch = BatchSampler::batches_per_epoch(train.len(), batch_size);
    assert_eq!(batches.len(), epochs * per_epoch, "{name}: one event per step");
    assert_eq!(summary.steps as usize, batches.len());
    for (i, m) in batches.iter().enumerate() {
        assert_finite_metrics(m);
        assert_eq!(m.step as usize, i + 1, "steps count from 1");
        assert_eq!(m.epoch, i / per_epoch, "epoch of step {}", m.step);
    }
    assert!(evals.len() >= epochs, "{name}: at least one evaluation per epoch");
    let last = evals.last().unwrap();
    assert_eq!(summary.test_accuracy, Some(last.accuracy));
    assert_eq!(last.examples, test.len());
    let losses: Vec<f64> = batches.iter().map(|m| m.loss).collect();
    let first = mean(&losses[..5]);
    let last_epoch = mean(&losses[(epochs - 1) * per_epoch..]);
    println!(
        "fit {name}: {epochs} epochs × {per_epoch} batches of {batch_size}: batch loss {first:.3} → {last_epoch:.3}, \
         test accuracy {:.3}, train accuracy {:.3}",
        last.accuracy, summary.train_accuracy
    );
    (last.accuracy, first, last_epoch, summary.train_accuracy)
}

// A short run of the CNN preset on the 500 sample images lowers the loss and reaches a test accuracy
// on the 200 test images far above chance (0.1).
#[test]
fn cnn_learns_from_the_sample() {
    let (accuracy, first, last, train_accuracy) = fit_sample("cnn", 2, 32);
    assert!(last < first / 2.0, "batch loss did not fall: {first} → {last}");
    assert!(train_accuracy > 0.7, "training accuracy {train_accuracy}");
    assert!(accuracy > 0.6, "test accuracy {accuracy}");
}

// The paper's own MLP (N(0, 1) weights, sigmoids, summed gradients, SGD 0.001, §4.2) learns the
// sample too. On 500 images its huge N(0, 1) weights mostly memorise (train ≈ 0.9, test ≈ 0.3 —
// the paper needed 60,000 images for 89%), so the test bound is "clearly above chance": 0.1 ± 0.02
// for 200 images, so 0.2 is 5 standard deviations above it.
#[test]
fn paper_mlp_learns_from_the_sample() {
    let (accuracy, first, last, train_accuracy) = fit_sample("paper-mlp", 10, 50);
    assert!(last < first / 2.0, "batch loss did not fall: {first} → {last}");
    assert!(train_accuracy > 0.8, "training accuracy {train_accuracy}");
    assert!(accuracy > 0.2, "test accuracy {accuracy}");
}

// ---------------------------------------------------------------------------
// The divergence guard (§5: "the gradient generates a lot of NaNs")
// ---------------------------------------------------------------------------

/// Two set-ups that blow up at SGD 10, the largest learning rate allowed: a leaky-ReLU MLP with the
/// paper's N(0, 1) weights and summed gradients, and the paper-cnn preset. (A plain-ReLU net does
/// not: its units die and its outputs freeze.)
fn explosive() -> Vec<(&'static str, ModelSpec, TrainConfig)> {
    let dense = |units| LayerSpec::Dense { units, bias: true, init: Init::StandardNormal };
    let leaky = LayerSpec::LeakyRelu { alpha: 0.01 };
    let spec = ModelSpec {
        input: vec![784],
        layers: vec![dense(64), leaky, dense(64), leaky, dense(10)],
        objective: Objective::SoftmaxCrossEntropy,
    };
    let sgd10 = OptimizerSpec::Sgd { learning_rate: 10.0 };
    let config = TrainConfig {
        epochs: 1,
        batch_size: 32,
        optimizer: sgd10,
        reduction: Reduction::Sum,
        lr_decay: 1.0,
        eval_every: 0,
        seed: 3,
        shift: 0,
        schedule: Schedule::EpochDecay,
    };
    let paper = preset("paper-cnn").unwrap();
    vec![
        ("leaky N(0,1) MLP, summed", spec, config),
        ("paper-cnn", paper.spec, TrainConfig { optimizer: sgd10, ..paper.train }),
    ]
}

/// The fields of a `Diverged` error: (step, what, value, weights_from_step, learning_rate).
fn diverged_parts(e: &TrainError) -> (u64, &str, &str, u64, f64) {
    match e {
        TrainError::Diverged { step, what, value, weights_from_step, learning_rate } => {
            (*step, what, value, *weights_from_step, *learning_rate)
        }
        other => panic!("expected Diverged, got {other:?}"),
    }
}

// §5: an absurd-but-allowed learning rate makes training diverge. The guard refuses the step with an
// error naming it and suggesting a smaller learning rate, and leaves finite weights that are exactly
// those after the step it names as `weights_from_step` — the last that gave a finite loss: the
// weights before the refused call (gradient or update overflow), or, if the loss itself was not
// finite (the previous update blew the weights up), those before that update. No returned metrics
// hold a NaN.
#[test]
fn divergence_is_refused_and_rolled_back() {
    let data = sample_train();
    for (name, spec, config) in explosive() {
        divergence_case(name, &spec, &config, &data);
    }
}

/// Trains until the guard refuses a step, checking the guard's promises on the way; returns the
/// trainer as the guard left it, and the error.
fn divergence_case(
    name: &str,
    spec: &ModelSpec,
    config: &TrainConfig,
    data: &Dataset,
) -> (Trainer, TrainError) {
    let mut trainer = Trainer::new(spec, config).unwrap();
    let mut sampler = BatchSampler::new(data.len());
    // snapshots[s]: the weights after s steps.
    let mut snapshots = vec![weight_bits(trainer.network())];
    let error = loop {
        assert!(snapshots.len() < 100, "{name}: training at SGD 10 never diverged");
        let (epoch, indices) = sampler.next_batch(config.batch_size, trainer.rng());
        let (x, labels) = data.batch(&indices);
        match trainer.train_batch(x, &labels, epoch) {
            Ok(m) => {
                assert_finite_metrics(&m);
                assert_eq!(m.step as usize, snapshots.len());
                snapshots.push(weight_bits(trainer.network()));
            }
            Err(e) => break e,
        }
    };
    let ok_steps = snapshots.len() as u64 - 1;
    let (step, what, value, weights_from, lr) = diverged_parts(&error);
    println!("{name}: diverged after {ok_steps} good steps ({what} = {value}): {error}");
    assert_eq!(step, ok_steps + 1, "the error names the refused step");
    assert!(
        weights_from == ok_steps || (what == "loss" && weights_from + 1 == ok_steps),
        "{name}: weights from step {weights_from} after a {what} failure at step {step}"
    );
    assert_eq!(trainer.steps(), weights_from, "the step count is that of the weights");
    assert_eq!(
        weight_bits(trainer.network()),
        snapshots[weights_from as usize],
        "{name}: the weights are exactly those after step {weights_from}"
    );
    assert!(trainer.network().is_finite(), "weights must stay finite");
    assert_eq!(lr, 10.0);
    assert!(!what.is_empty() && !value.is_empty());
    let message = error.to_string();
    assert!(message.contains(&format!("step {step}")), "{message}");
    assert!(message.contains(&format!("after step {weights_from}")), "{message}");
    assert!(message.contains("smaller learning rate"), "{message}");
    (trainer, error)
}

// An evaluation that overflows (finite but huge weights, as the last accepted step before a
// divergence leaves them) is reported with the steps actually taken and the learning rate in use —
// not "at step 0", "the weights are those after step 0" and "a smaller learning rate (now NaN)".
#[test]
fn evaluation_divergence_names_the_step_and_learning_rate() {
    let data = sample_train();
    let (name, spec, config) = explosive().remove(0);
    // Find the last accepted step, then replay the run (same seed, same batches) up to it.
    let diverged = divergence_case(name, &spec, &config, &data);
    let accepted = diverged_parts(&diverged.1).0 - 1;
    let mut trainer = Trainer::new(&spec, &config).unwrap();
    let mut sampler = BatchSampler::new(data.len());
    for _ in 0..accepted {
        let (epoch, indices) = sampler.next_batch(config.batch_size, trainer.rng());
        let (x, labels) = data.batch(&indices);
        trainer.train_batch(x, &labels, epoch).unwrap();
    }
    let error = trainer.evaluate(&data).expect_err("the weights after the last accepted step overflow");
    let (step, _, _, weights_from, lr) = diverged_parts(&error);
    assert_eq!(weights_from, accepted, "{error}");
    assert!(step >= accepted, "{error}");
    assert_eq!(lr, 10.0, "{error}");
    assert!(!error.to_string().contains("NaN)"), "{error}");
}

/// A one-layer net (784 → 10, no bias) whose weight update on a 1e38 pixel overflows f32 while the
/// loss and gradient are still finite: the guard must undo a step already applied.
fn overflow_on_update(optimizer: OptimizerSpec) -> Trainer {
    let spec = ModelSpec {
        input: vec![784],
        layers: vec![LayerSpec::Dense { units: 10, bias: false, init: Init::Glorot }],
        objective: Objective::SoftmaxCrossEntropy,
    };
    let config = TrainConfig {
        epochs: 1,
        batch_size: 1,
        optimizer,
        reduction: Reduction::Mean,
        lr_decay: 1.0,
        eval_every: 0,
        seed: 9,
        shift: 0,
        schedule: Schedule::EpochDecay,
    };
    Trainer::new(&spec, &config).unwrap()
}

/// One image whose pixel 300 is 1e38 (finite), labelled with the class that pixel's weights favour
/// least, so the softmax is sure of a wrong class and ∂E/∂W there is ±1e38. The logits (≤ 0.09·1e38)
/// and the gradient stay finite; only the update 10·1e38 overflows.
fn huge_pixel_batch(trainer: &Trainer) -> (Array2<f32>, Vec<u8>) {
    let weight = &trainer.network().params()[0].value; // (784, 10)
    let row: Vec<f32> = (0..10).map(|c| weight[[300, c]]).collect();
    let label = (0..10).min_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap() as u8;
    let mut x = Array2::<f32>::zeros((1, IMAGE_PIXELS));
    x[[0, 300]] = 1e38;
    (x, vec![label])
}

// The rollback path: a step whose loss and gradient are finite but whose update overflows a weight
// (10 × 1e38 > f32::MAX) is undone — weights bit-identical, optimizer state restored (momentum's
// velocity would otherwise carry the 1e38 gradient into the next step).
#[test]
fn overflowing_update_is_undone_including_optimizer_state() {
    let data = sample_train();
    let (x1, l1) = data.batch(&[0, 1, 2, 3]);
    let (x2, l2) = data.batch(&[4, 5, 6, 7]);
    for optimizer in
        [OptimizerSpec::Sgd { learning_rate: 10.0 }, OptimizerSpec::from_name("momentum", 10.0).unwrap()]
    {
        let mut guarded = overflow_on_update(optimizer);
        let mut reference = overflow_on_update(optimizer);
        guarded.train_batch(x1.clone(), &l1, 0).unwrap();
        reference.train_batch(x1.clone(), &l1, 0).unwrap();

        let before = weight_bits(guarded.network());
        let (x, labels) = huge_pixel_batch(&guarded);
        let error = guarded.train_batch(x, &labels, 0).expect_err("the update overflows");
        let (step, what, _, weights_from, _) = diverged_parts(&error);
        assert_eq!((step, weights_from), (2, 1));
        assert!(what.starts_with("weight layers.0.weight"), "the weight overflowed, not the loss: {error}");
        assert_eq!(weight_bits(guarded.network()), before, "{}: weights restored", optimizer.name());
        assert!(guarded.network().is_finite());

        // The next good step is the same as if the bad one had never been tried.
        let m = guarded.train_batch(x2.clone(), &l2, 0).unwrap();
        let r = reference.train_batch(x2.clone(), &l2, 0).unwrap();
        assert_eq!(m, r, "{}: metrics after the rollback", optimizer.name());
        assert_eq!(weight_bits(guarded.network()), weight_bits(reference.network()), "{}", optimizer.name());
    }
}

// Inputs holding NaN or ±inf pixels are refused as bad input (naming the batch and the value), not
// blamed on the weights: nothing moves, not even a rollback of the last good step.
#[test]
fn non_finite_inputs_are_refused_without_touching_weights() {
    let (spec, config) = preset_config("cnn", 1, 2);
    let mut trainer = Trainer::new(&spec, &config).unwrap();
    let (good, labels) = sample_train().batch(&[0, 1]);
    trainer.train_batch(good.clone(), &labels, 0).unwrap();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let before = weight_bits(trainer.network());
        let mut x = good.clone();
        x[[1, 400]] = bad;
        let error = trainer.train_batch(x, &labels, 0).expect_err("a non-finite pixel");
        match &error {
            TrainError::Config(e) => assert_eq!(e.field, "training_batch", "{error}"),
            other => panic!("{bad}: expected a refused input, got {other:?}"),
        }
        assert!(error.to_string().contains(&bad.to_string()), "names the value: {error}");
        assert_eq!(weight_bits(trainer.network()), before, "{bad}: weights unchanged");
        assert_eq!(trainer.steps(), 1);
    }
    // Training continues normally afterwards.
    let m = trainer.train_batch(good, &labels, 0).unwrap();
    assert_eq!(m.step, 2);
    assert_finite_metrics(&m);
}

// ---------------------------------------------------------------------------
// Settings that are refused
// ---------------------------------------------------------------------------

fn assert_refused(result: Result<(), ConfigError>, field: &str, what: &str) {
    let error = result.expect_err(what);
    assert_eq!(error.field, field, "{what}: {error}");
    let label = field.replace('_', " ");
    assert!(error.to_string().starts_with(&label), "{what}: the message names the field: {error}");
}

const BAD_LEARNING_RATES: [f64; 7] = [0.0, -0.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e6, 10.001];

// TrainConfig::validate refuses every learning rate that is not in (0, 10], batch sizes 0 and 1e9,
// 0 epochs and decays 0 and 2, naming the field; the presets' own configs pass.
#[test]
fn train_config_validate_refuses_bad_settings() {
    let base = preset("cnn").unwrap().train;
    base.validate().unwrap();
    for lr in BAD_LEARNING_RATES {
        for optimizer in ["sgd", "momentum", "adam"] {
            let config = TrainConfig {
                optimizer: OptimizerSpec::from_name(optimizer, 0.01).unwrap().with_learning_rate(lr),
                ..base.clone()
            };
            assert_refused(config.validate(), "learning_rate", &format!("{optimizer} lr {lr}"));
        }
    }
    for batch_size in [0, 1_000_000_000] {
        assert_refused(TrainConfig { batch_size, ..base.clone() }.validate(), "batch_size", "batch");
    }
    assert_refused(TrainConfig { epochs: 0, ..base.clone() }.validate(), "epochs", "epochs 0");
    assert_refused(TrainConfig { shift: 5, ..base.clone() }.validate(), "shift", "shift 5");
    for lr_decay in [0.0, 2.0, -0.5, f64::NAN] {
        let config = TrainConfig { lr_decay, ..base.clone() };
        assert_refused(config.validate(), "lr_decay", &format!("decay {lr_decay}"));
    }
    // The edges that are allowed.
    for config in [
        TrainConfig { optimizer: OptimizerSpec::Sgd { learning_rate: 10.0 }, ..base.clone() },
        TrainConfig { batch_size: 1, epochs: 1, lr_decay: 1.0, ..base.clone() },
    ] {
        config.validate().unwrap();
    }
    // Optimizer hyperparameters are checked too.
    let momentum = OptimizerSpec::Momentum { learning_rate: 0.1, momentum: 1.0 };
    assert_refused(TrainConfig { optimizer: momentum, ..base.clone() }.validate(), "momentum", "momentum 1");
    // And a Trainer cannot be built from a refused config.
    let bad = TrainConfig { epochs: 0, ..base };
    assert!(Trainer::new(&preset("cnn").unwrap().spec, &bad).is_err());
}

// Trainer::set_learning_rate refuses the same learning rates and keeps the old one.
#[test]
fn set_learning_rate_refuses_bad_values() {
    let p = preset("mlp").unwrap();
    let mut trainer = Trainer::new(&p.spec, &p.train).unwrap();
    let old = trainer.learning_rate();
    for lr in BAD_LEARNING_RATES {
        assert_refused(trainer.set_learning_rate(lr), "learning_rate", &format!("lr {lr}"));
        assert_eq!(trainer.learning_rate(), old, "a refused rate is not applied");
    }
    trainer.set_learning_rate(0.25).unwrap();
    assert_eq!(trainer.learning_rate(), 0.25);
    // Replacing the optimizer validates the same way.
    let zero = OptimizerSpec::Adam { learning_rate: 0.0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    assert_refused(trainer.set_optimizer(&zero), "learning_rate", "adam lr 0");
    assert_eq!(trainer.learning_rate(), 0.25);
}

// ---------------------------------------------------------------------------
// BatchSampler
// ---------------------------------------------------------------------------

// Each epoch visits every index exactly once, the last batch is partial, and epochs reshuffle.
#[test]
fn batch_sampler_covers_each_epoch_once_and_reshuffles() {
    let mut r = rng(800);
    let (len, batch) = (23, 5);
    let mut sampler = BatchSampler::new(len);
    let per_epoch = BatchSampler::batches_per_epoch(len, batch);
    assert_eq!(per_epoch, 5);
    let mut orders = Vec::new();
    for epoch in 0..4 {
        let mut order = Vec::new();
        for b in 0..per_epoch {
            assert_eq!(sampler.next_epoch(), epoch, "next_epoch announces the coming batch's epoch");
            let (e, indices) = sampler.next_batch(batch, &mut r);
            assert_eq!(e, epoch);
            assert_eq!(indices.len(), if b + 1 == per_epoch { 3 } else { 5 }, "batch {b} of epoch {epoch}");
            order.extend(indices);
        }
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..len).collect::<Vec<_>>(), "epoch {epoch} visits each index once");
        orders.push(order);
    }
    assert_ne!(orders[0], (0..len).collect::<Vec<_>>(), "the first epoch is shuffled");
    for pair in orders.windows(2) {
        assert_ne!(pair[0], pair[1], "each epoch has a new order");
    }
    assert_eq!(sampler.next_batch(batch, &mut r).0, 4);
}

// set_len adds examples from the next epoch on, never mid-epoch; it never shrinks.
#[test]
fn batch_sampler_grows_at_the_next_epoch() {
    let mut r = rng(801);
    let mut sampler = BatchSampler::new(10);
    let (_, first) = sampler.next_batch(4, &mut r);
    sampler.set_len(16);
    let mut rest_of_epoch = first;
    for _ in 0..2 {
        let (e, indices) = sampler.next_batch(4, &mut r);
        assert_eq!(e, 0);
        rest_of_epoch.extend(indices);
    }
    rest_of_epoch.sort_unstable();
    assert_eq!(rest_of_epoch, (0..10).collect::<Vec<_>>(), "epoch 0 is still the first 10");
    let mut next_epoch = Vec::new();
    for _ in 0..4 {
        let (e, indices) = sampler.next_batch(4, &mut r);
        assert_eq!(e, 1);
        next_epoch.extend(indices);
    }
    next_epoch.sort_unstable();
    assert_eq!(next_epoch, (0..16).collect::<Vec<_>>(), "epoch 1 includes the 6 new examples");
    sampler.set_len(3); // never shrinks
    let mut epoch2 = Vec::new();
    for _ in 0..4 {
        epoch2.extend(sampler.next_batch(4, &mut r).1);
    }
    assert_eq!(epoch2.len(), 16);
}

// A sampler over no data hands out empty batches rather than panicking.
#[test]
fn batch_sampler_over_nothing_is_empty() {
    let mut sampler = BatchSampler::new(0);
    assert_eq!(sampler.next_batch(8, &mut rng(802)), (0, vec![]));
    assert_eq!(BatchSampler::batches_per_epoch(0, 8), 0);
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

// The confusion matrix counts every example once, its rows are the true class counts, and its
// diagonal over its total is the reported accuracy — also after some training.
#[test]
fn evaluate_confusion_matrix_is_consistent() {
    let test = sample_test();
    let (spec, config) = preset_config("cnn", 1, 32);
    let mut trainer = Trainer::new(&spec, &config).unwrap();
    for trained in [false, true] {
        if trained {
            let train = sample_train();
            for step in 0..5 {
                let (x, labels) = train.batch(&(step * 32..step * 32 + 32).collect::<Vec<_>>());
                trainer.train_batch(x, &labels, 0).unwrap();
            }
        }
        let metrics = trainer.evaluate(&test).unwrap();
        let c = &metrics.confusion;
        assert_eq!(metrics.examples, 200);
        assert_eq!(c.total() as usize, test.len());
        let rows: Vec<usize> = c.counts.iter().map(|row| row.iter().sum::<u32>() as usize).collect();
        assert_eq!(rows, test.class_counts(), "row t counts the images of digit t");
        assert_eq!(metrics.accuracy, f64::from(c.correct()) / f64::from(c.total()));
        let diagonal: u32 = (0..10).map(|i| c.counts[i][i]).sum();
        assert_eq!(diagonal, c.correct());
        assert!(metrics.loss.is_finite() && metrics.loss > 0.0);
        assert_eq!(metrics.step, trainer.steps());
        // The free function agrees with the trainer's.
        let mut network = Network::<f32>::new(&spec, &mut rng(0)).unwrap();
        let direct = evaluate(&mut network, &test).unwrap();
        assert_eq!(direct.confusion.total(), 200);
    }
}

// ---------------------------------------------------------------------------
// Data-parallel steps: a batch in shards, some computed by other workers
// ---------------------------------------------------------------------------

/// Another worker: a network of the same spec with the trainer's weights
/// (sent flat), computing one shard's gradient sums.
fn shard_on_other_worker(trainer: &Trainer, x: Array2<f32>, labels: &[u8]) -> (Vec<f32>, GradientSums) {
    let mut worker = Network::<f32>::new(trainer.network().spec(), &mut rng(99)).unwrap();
    worker.load_flat_values(&trainer.network().flat_values()).unwrap();
    worker.zero_grad();
    let sums = accumulate_gradients(&mut worker, x, labels);
    (worker.flat_grads(), sums)
}

/// Steps `trainer` over `indices` of `data` split into `parts` shards:
/// shard 0 here, the rest on "other workers".
fn sharded_step(trainer: &mut Trainer, data: &Dataset, indices: &[usize], parts: usize) -> BatchMetrics {
    let per = indices.len().div_ceil(parts);
    let shards: Vec<&[usize]> = indices.chunks(per).collect();
    trainer.begin_step();
    let (x, labels) = data.batch(shards[0]);
    trainer.accumulate(x, &labels).unwrap();
    for shard in &shards[1..] {
        let (x, labels) = data.batch(shard);
        let (grads, sums) = shard_on_other_worker(trainer, x, &labels);
        trainer.add_gradients(&grads, sums).unwrap();
    }
    trainer.finish_step(0).unwrap()
}

fn max_weight_difference(a: &Network<f32>, b: &Network<f32>) -> f32 {
    a.flat_values().iter().zip(b.flat_values()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

// The gradient of a batch is a sum over its examples (eq. 15), so summing it shard by shard on
// several workers takes the same step: same loss, accuracy and (up to f32 rounding) weights, step
// after step — for a mean-reduced preset with Adam and for the paper's summed gradient with SGD.
#[test]
fn a_step_in_shards_is_the_step_of_the_whole_batch() {
    let data = sample_train();
    for (name, batch, parts) in [("cnn", 48, 3), ("paper-mlp", 40, 2), ("mlp", 33, 4)] {
        let (spec, config) = preset_config(name, 1, batch);
        let mut whole = Trainer::new(&spec, &config).unwrap();
        let mut sharded = Trainer::new(&spec, &config).unwrap();
        for step in 0..6 {
            let indices: Vec<usize> = (step * batch..(step + 1) * batch).collect();
            let (x, labels) = data.batch(&indices);
            let a = whole.train_batch(x, &labels, 0).unwrap();
            let b = sharded_step(&mut sharded, &data, &indices, parts);
            assert_eq!((a.step, a.batch_size, a.accuracy), (b.step, b.batch_size, b.accuracy), "{name}");
            assert!(
                (a.loss - b.loss).abs() <= 1e-5 * a.loss.abs().max(1.0),
                "{name} step {step}: {a:?} vs {b:?}"
            );
        }
        let diff = max_weight_difference(whole.network(), sharded.network());
        assert!(diff < 1e-4, "{name}: weights differ by {diff} after 6 steps");
        // The test can fail: a shard counted twice is a different step.
        let mut doubled = Trainer::new(&spec, &config).unwrap();
        let indices: Vec<usize> = (0..batch).collect();
        let (x, labels) = data.batch(&indices);
        doubled.begin_step();
        doubled.accumulate(x.clone(), &labels).unwrap();
        let (grads, sums) = shard_on_other_worker(&doubled, x, &labels);
        doubled.add_gradients(&grads, sums).unwrap();
        doubled.finish_step(0).unwrap();
        let mut once = Trainer::new(&spec, &config).unwrap();
        let (x, labels) = data.batch(&indices);
        once.train_batch(x, &labels, 0).unwrap();
        if name == "paper-mlp" {
            // SGD on the summed gradient moves twice as far; a mean over twice the examples with
            // Adam would not notice, so only this preset can show it.
            let diff = max_weight_difference(once.network(), doubled.network());
            assert!(diff > 1e-6, "{name}: counting a shard twice changed nothing");
        }
    }
}

// Misuse is refused with a message and changes nothing: gradients of the wrong length, steps not
// begun; a non-finite gradient from another worker is a divergence, refused by the guard.
#[test]
fn shard_gradients_are_checked() {
    let data = sample_train();
    let (spec, config) = preset_config("cnn", 1, 16);
    let mut trainer = Trainer::new(&spec, &config).unwrap();
    let before = weight_bits(trainer.network());
    let (x, labels) = data.batch(&(0..16).collect::<Vec<_>>());
    let sums = GradientSums { examples: 16, loss: 30.0, correct: 2 };

    let e = trainer.finish_step(0).unwrap_err().to_string();
    assert!(e.contains("no step is in progress"), "{e}");
    let e = trainer.add_gradients(&[0.0; 3], sums).unwrap_err().to_string();
    assert!(e.contains("no step is in progress"), "{e}");
    let e = trainer.accumulate(x.clone(), &labels).unwrap_err().to_string();
    assert!(e.contains("no step is in progress"), "{e}");

    trainer.begin_step();
    let e = trainer.add_gradients(&[0.0; 3], sums).unwrap_err().to_string();
    let n = trainer.network().num_params();
    assert!(e.contains("gradients") && e.contains(&format!("3 values for a network of {n} weights")), "{e}");
    let e = trainer.finish_step(0).unwrap_err().to_string();
    assert!(e.contains("has no examples"), "{e}");
    assert_eq!(weight_bits(trainer.network()), before);

    trainer.begin_step();
    trainer.accumulate(x, &labels).unwrap();
    let mut bad = vec![0.0; n];
    bad[5] = f32::NAN;
    trainer.add_gradients(&bad, sums).unwrap();
    match trainer.finish_step(0).unwrap_err() {
        TrainError::Diverged { step, what, .. } => {
            assert_eq!(step, 1);
            assert!(what.starts_with("gradient of layers.0.weight"), "{what}");
        }
        other => panic!("expected a divergence, got {other}"),
    }
    assert_eq!(weight_bits(trainer.network()), before, "a refused step moved the weights");
    assert_eq!(trainer.steps(), 0);

    // Nor did it move the optimizer (the preset's Adam, whose moments and step count the refused
    // update had already advanced): the next steps are exactly those of a trainer that never saw it.
    let mut untouched = Trainer::new(&spec, &config).unwrap();
    for start in [16, 32] {
        let (x, labels) = data.batch(&(start..start + 16).collect::<Vec<_>>());
        trainer.train_batch(x.clone(), &labels, 0).unwrap();
        untouched.train_batch(x, &labels, 0).unwrap();
    }
    assert_eq!(
        weight_bits(trainer.network()),
        weight_bits(untouched.network()),
        "the refused step left a trace"
    );
}

// Flat weights carry a network to another worker exactly, and bad ones are refused untouched.
#[test]
fn flat_weights_round_trip_and_are_checked() {
    let (spec, _) = preset_config("cnn", 1, 8);
    let a = Network::<f32>::new(&spec, &mut rng(1)).unwrap();
    let mut b = Network::<f32>::new(&spec, &mut rng(2)).unwrap();
    assert_ne!(weight_bits(&a), weight_bits(&b));
    b.load_flat_values(&a.flat_values()).unwrap();
    assert_eq!(weight_bits(&a), weight_bits(&b));

    let mut c = Network::<f32>::new(&spec, &mut rng(3)).unwrap();
    let untouched = weight_bits(&c);
    let e = c.load_flat_values(&a.flat_values()[1..]).unwrap_err();
    assert_eq!(e.field, "weights");
    assert!(e.message.contains("values for a network of"), "{e}");
    let mut nan = a.flat_values();
    nan[100] = f32::INFINITY;
    let e = c.load_flat_values(&nan).unwrap_err();
    assert!(e.message.contains("value 100 is inf"), "{e}");
    assert_eq!(weight_bits(&c), untouched);
}

// Going back to saved weights: exactly those weights and their step, a fresh optimizer; a wrong
// length or a non-finite weight is refused and changes nothing.
#[test]
fn saved_weights_can_be_restored() {
    let data = sample_train();
    let (spec, config) = preset_config("cnn", 1, 16);
    let mut trainer = Trainer::new(&spec, &config).unwrap();
    let (x, labels) = data.batch(&(0..16).collect::<Vec<_>>());
    trainer.train_batch(x.clone(), &labels, 0).unwrap();
    let saved = (trainer.network().flat_values(), trainer.steps());
    for _ in 0..3 {
        trainer.train_batch(x.clone(), &labels, 0).unwrap();
    }
    let moved = weight_bits(trainer.network());
    let mut bad = saved.0.clone();
    bad[3] = f32::NAN;
    assert!(trainer.restore_weights(&bad, 1, &config.optimizer).is_err());
    assert!(trainer.restore_weights(&saved.0[1..], 1, &config.optimizer).is_err());
    assert_eq!(weight_bits(trainer.network()), moved, "a refused restore changed the weights");
    assert_eq!(trainer.steps(), 4);
    trainer.restore_weights(&saved.0, saved.1, &config.optimizer).unwrap();
    assert_eq!(trainer.network().flat_values(), saved.0);
    assert_eq!(trainer.steps(), 1);
    assert_eq!(trainer.train_batch(x, &labels, 0).unwrap().step, 2);
}
