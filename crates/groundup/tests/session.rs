//! The training session: a run assembled from shards is the whole-batch
//! run, the schedule over epochs, pausing anywhere changes nothing, and
//! the way back when weights blow up. Plus errors as data.

mod common;

use common::{sample_test, sample_train};
use groundup::data::Dataset;
use groundup::presets::preset;
use groundup::train::{accumulate_gradients, EvalSums, Session, SettingsPatch, StepReport};
use groundup::{Error, ErrorKind, ErrorReport, Network, TrainError};
use rand::SeedableRng;

/// A session of preset `name` on the sample data (500 training, 200 test images).
fn session(name: &str, change: impl FnOnce(&mut groundup::train::TrainConfig)) -> Session {
    let p = preset(name).unwrap();
    let mut config = p.train.clone();
    change(&mut config);
    Session::new(&p.spec, config, sample_train(), sample_test()).unwrap()
}

fn losses(reports: &[StepReport]) -> Vec<f64> {
    reports.iter().flat_map(|r| r.batches.iter().map(|b| b.loss)).collect()
}

/// One step shared `parts` ways: shard 0 here, the others on a separate
/// network loaded with the session's weights, as a shard worker does.
fn sharded_step(s: &mut Session, helper: &mut Network<f32>, parts: usize) -> Option<StepReport> {
    let plan = s.begin_batch(parts).unwrap()?;
    s.accumulate_shard(0).unwrap();
    for shard in &plan.shards {
        helper.load_flat_values(&s.weights()).unwrap();
        helper.zero_grad();
        let (x, labels) = shard.all();
        let sums = accumulate_gradients(helper, x, &labels);
        s.add_shard_gradients(&helper.flat_grads(), sums).unwrap();
    }
    Some(s.finish_batch().unwrap())
}

/// Σ|a − b| / Σ|a|: how far apart two weight vectors are, overall. (Adam
/// divides by the gradient's own scale, so a weight whose gradient is
/// ~0 can step either way on a rounding difference: a per-weight maximum
/// would measure that, not whether the runs agree.)
fn relative_distance(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let diff: f64 = a.iter().zip(b).map(|(x, y)| f64::from((x - y).abs())).sum();
    diff / a.iter().map(|x| f64::from(x.abs())).sum::<f64>()
}

#[test]
fn a_run_assembled_from_shards_is_the_whole_batch_run() {
    for (name, parts) in [("cnn", 3), ("paper-mlp", 2), ("mlp", 4)] {
        let mut whole = session(name, |c| c.batch_size = 50);
        let mut sharded = session(name, |c| c.batch_size = 50);
        let mut helper =
            Network::new(whole.network().spec(), &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(9))
                .unwrap();
        let mut a = Vec::new();
        let mut b = Vec::new();
        for _ in 0..6 {
            a.push(whole.train_steps(1).unwrap());
            b.push(sharded_step(&mut sharded, &mut helper, parts).unwrap());
        }
        let (la, lb) = (losses(&a), losses(&b));
        for (x, y) in la.iter().zip(&lb) {
            assert!((x - y).abs() <= 1e-4 * x.abs().max(1.0), "{name}: losses {la:?} vs {lb:?}");
        }
        assert_eq!(whole.step(), sharded.step());
        let d = relative_distance(&whole.weights(), &sharded.weights());
        eprintln!("{name}: weights {d:e} apart after 6 steps");
        assert!(d < 1e-4, "{name}: weights {d} apart (relative) after 6 steps");
        // The batches really were split: the plan's shards cover the batch.
        let plan = sharded.begin_batch(parts).unwrap().unwrap();
        assert_eq!(plan.shards.len(), parts - 1, "{name}");
        sharded.abandon_batch();
    }
}

#[test]
fn the_schedule_decays_the_learning_rate_each_epoch_and_ends_on_time() {
    // 500 images in batches of 128: 4 steps an epoch (the last one of 116).
    let mut s = session("cnn", |c| {
        c.batch_size = 128;
        c.epochs = 3;
        c.lr_decay = 0.5;
        c.schedule = groundup::train::Schedule::EpochDecay;
        c.shift = 0;
    });
    let base = s.config().optimizer.learning_rate();
    let mut seen = Vec::new();
    while !s.done() {
        let epoch = s.epoch();
        let report = s.train_steps(1).unwrap();
        let b = report.batches[0];
        assert_eq!(b.epoch, epoch);
        let expected = base * 0.5f64.powi(epoch as i32);
        assert!(
            (s.learning_rate() - expected).abs() < 1e-6 * base,
            "epoch {epoch}: lr {}",
            s.learning_rate()
        );
        seen.push((b.epoch, b.batch_size));
    }
    let per_epoch = [(128usize), 128, 128, 116];
    let expected: Vec<(usize, usize)> = (0..3).flat_map(|e| per_epoch.iter().map(move |&n| (e, n))).collect();
    assert_eq!(seen, expected);
    assert_eq!(s.step(), 12);
    assert!(s.done());
    // Done means done: no more steps, whole or sharded.
    let report = s.train_steps(5).unwrap();
    assert!(report.batches.is_empty() && report.done && report.step == 12);
    assert!(s.begin_batch(2).unwrap().is_none());
    // More epochs asked for: training goes on at the next epoch's rate.
    s.configure(&SettingsPatch { epochs: Some(4), ..Default::default() }).unwrap();
    assert!(!s.done());
    let report = s.train_steps(100).unwrap();
    assert_eq!(report.batches.len(), 4);
    assert!(report.batches.iter().all(|b| b.epoch == 3));
    assert!((s.learning_rate() - base * 0.125).abs() < 1e-6 * base);
}

#[test]
fn pausing_after_any_step_gives_the_same_weights_as_an_uninterrupted_run() {
    let configure = |c: &mut groundup::train::TrainConfig| {
        c.batch_size = 64;
        c.epochs = 2;
    };
    let mut straight = session("cnn", configure);
    straight.train_steps(usize::MAX).unwrap();
    assert!(straight.done());

    // The same run in slices of 1, 2, 3, … steps, with evaluations, a
    // settings call that changes nothing, and an abandoned batch between them.
    let mut sliced = session("cnn", configure);
    let mut k = 1;
    while !sliced.done() {
        sliced.train_steps(k).unwrap();
        k = k % 5 + 1;
        if sliced.begin_evaluation(k % 2 == 0, 50) > 0 {
            while sliced.evaluate_next(37).unwrap().is_none() {}
        }
        sliced.configure(&SettingsPatch::default()).unwrap();
    }
    assert_eq!(sliced.step(), straight.step());
    assert_eq!(sliced.weights(), straight.weights(), "bit for bit");
}

#[test]
fn divergence_is_refused_then_the_session_goes_back_to_the_last_finite_weights() {
    let mut s = session("cnn", |c| c.batch_size = 32);
    s.train_steps(3).unwrap();
    assert_eq!(s.begin_evaluation(false, 100), 100);
    let report = s.evaluate_next(usize::MAX).unwrap().expect("one piece");
    assert!(report.metrics.loss.is_finite() && report.metrics.step == 3);
    let good = s.weights();
    s.train_steps(2).unwrap();
    assert_eq!(s.step(), 5);

    // Weights that overflow: a training step refuses them, and the guard
    // puts back its copy from before the last update (after step 4).
    let huge = vec![1e30f32; good.len()];
    s.set_weights(&huge).unwrap();
    let error = s.train_steps(1).unwrap_err();
    let report = ErrorReport::from(&error);
    assert_eq!(report.kind, ErrorKind::Diverged, "{error}");
    assert_eq!(report.step, Some(6));
    assert_eq!(s.step(), 4, "back to the weights before the last update");
    assert!(s.weights().iter().all(|w| w.is_finite() && w.abs() < 1e3));

    // An evaluation that overflows goes back to the last weights that
    // evaluated finite: those of step 3.
    s.set_weights(&huge).unwrap();
    s.begin_evaluation(true, 0);
    let error = loop {
        match s.evaluate_next(64) {
            Ok(None) => continue,
            Ok(Some(r)) => panic!("overflowing weights evaluated to {r:?}"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(error, Error::Train(TrainError::RolledBack { step: 4, weights_from_step: 3, .. })),
        "{error}"
    );
    assert_eq!(ErrorReport::from(&error).kind, ErrorKind::Diverged);
    assert!(error.to_string().contains("back at step 3"), "{error}");
    assert_eq!(s.step(), 3);
    assert_eq!(s.weights(), good);
    assert!(!s.evaluating(), "the evaluation is over");
    // Training goes on from there.
    assert_eq!(s.train_steps(1).unwrap().step, 4);

    // Overflowing weights at the checkpoint's own step have nowhere to go back to.
    let mut fresh = session("cnn", |_| {});
    fresh.set_weights(&huge).unwrap();
    fresh.begin_evaluation(false, 10);
    let error = fresh.evaluate_next(10).unwrap_err();
    assert!(matches!(error, Error::Train(TrainError::NonFiniteOutput { .. })), "{error}");
}

#[test]
fn evaluation_pieces_from_anywhere_add_up_to_the_whole() {
    let mut s = session("cnn", |c| c.batch_size = 50);
    s.train_steps(4).unwrap();
    s.begin_evaluation(true, 0);
    let whole = s.evaluate_next(usize::MAX).unwrap().unwrap();
    assert_eq!(whole.metrics.examples, 200);
    assert_eq!(whole.metrics.confusion.total(), 200);
    assert!(whole.full);

    // The same in three pieces: here, elsewhere (a copy of the network), here.
    assert_eq!(s.begin_evaluation(true, 0), 200);
    let mut other =
        Network::new(s.network().spec(), &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1)).unwrap();
    other.load_flat_values(&s.weights()).unwrap();
    let a = s.claim_evaluation(70).unwrap();
    let b = s.claim_evaluation(70).unwrap();
    let c = s.claim_evaluation(500).unwrap();
    assert_eq!((a.clone(), b.clone(), c.clone()), (0..70, 70..140, 140..200));
    assert!(s.claim_evaluation(10).unwrap().is_empty());
    let here = s.evaluate_here(a);
    let images = s.test_images(b);
    let there = groundup::train::evaluation_sums(&mut other, &images, 0..images.len());
    assert!(s.add_evaluation(&here).unwrap().is_none());
    assert!(s.add_evaluation(&there).unwrap().is_none());
    let last = s.evaluate_here(c);
    let pieces = s.add_evaluation(&last).unwrap().expect("all in");
    assert_eq!(pieces.metrics.confusion, whole.metrics.confusion);
    assert!((pieces.metrics.loss - whole.metrics.loss).abs() < 1e-6 * whole.metrics.loss);

    // A piece that claims more images than were handed out is refused.
    s.begin_evaluation(true, 0);
    s.claim_evaluation(10).unwrap();
    let mut lie = EvalSums { examples: 11, ..EvalSums::default() };
    lie.confusion.add(1, 1);
    let error = s.add_evaluation(&lie).unwrap_err();
    assert_eq!(ErrorReport::from(&error).kind, ErrorKind::Internal, "{error}");
}

#[test]
fn errors_are_data_with_a_kind_and_where() {
    let mut s = session("cnn", |_| {});
    // A setting: kind config, the field's key, nothing changed.
    let before = s.settings();
    let error = s
        .configure(&SettingsPatch { learning_rate: Some(1000.0), batch_size: Some(32), ..Default::default() })
        .unwrap_err();
    let report = ErrorReport::from(&error);
    assert_eq!((report.kind, report.field.as_deref()), (ErrorKind::Config, Some("learning_rate")));
    assert!(report.message.starts_with("learning rate: 1000"), "{}", report.message);
    assert_eq!(s.settings(), before, "all or nothing");
    let error = s.configure(&SettingsPatch { epochs: Some(0), ..Default::default() }).unwrap_err();
    assert_eq!(ErrorReport::from(&error).field.as_deref(), Some("epochs"));
    let error =
        s.configure(&SettingsPatch { optimizer: Some("rmsprop".into()), ..Default::default() }).unwrap_err();
    assert_eq!(ErrorReport::from(&error).field.as_deref(), Some("optimizer"));
    let error = s.set_preset("nope").unwrap_err();
    assert_eq!(ErrorReport::from(&error).field.as_deref(), Some("preset"));

    // A bad row: kind data, the file, line and column.
    let mut csv = String::new();
    for line in 0..3 {
        let pixel = if line == 2 { "x".to_string() } else { "0".to_string() };
        csv += &format!("7,{pixel}{}\n", ",0".repeat(783));
    }
    let rows = s.train_data().len();
    let error = s.add_chunk("train", "mine.csv", csv.as_bytes(), 3).unwrap_err();
    let report = ErrorReport::from(&error);
    assert_eq!(report.kind, ErrorKind::Data, "{error}");
    assert_eq!(
        (report.file.as_deref(), report.line, report.column),
        (Some("mine.csv"), Some(3), Some(2)),
        "{error}"
    );
    assert_eq!(s.train_data().len(), rows, "nothing added");
    let error = s.add_chunk("validation", "mine.csv", b"", 0).unwrap_err();
    assert_eq!(ErrorReport::from(&error).field.as_deref(), Some("split"));

    // A model file that is not one: kind model, the file, the model kept.
    let weights = s.weights();
    let error = s.import_model(b"not a model", "junk.safetensors").unwrap_err();
    let report = ErrorReport::from(&error);
    assert_eq!((report.kind, report.file.as_deref()), (ErrorKind::Model, Some("junk.safetensors")));
    assert_eq!(s.weights(), weights);

    // Calls out of order are reported, not panics.
    let error = s.finish_batch().unwrap_err();
    assert_eq!(ErrorReport::from(&error).kind, ErrorKind::Internal);
    let error = s.claim_evaluation(3).unwrap_err();
    assert_eq!(ErrorReport::from(&error).kind, ErrorKind::Internal);
    let error = Session::new(&s.network().spec().clone(), s.config().clone(), Dataset::new(), Dataset::new())
        .unwrap()
        .train_steps(1)
        .unwrap_err();
    assert_eq!(ErrorReport::from(&error).field.as_deref(), Some("training_data"));
    // The report serializes with its kind in lower case and no empty fields.
    let json = serde_json::to_value(ErrorReport::from(&error)).unwrap();
    assert_eq!(json["kind"], "config");
    assert!(json.get("line").is_none());
}

#[test]
fn exported_models_come_back_with_their_preset_and_start_a_new_run() {
    let mut s = session("paper-mlp", |c| c.batch_size = 100);
    s.train_steps(3).unwrap();
    let bytes = s.export_model();
    let mut other = Session::from_preset("cnn").unwrap();
    other.import_model(&bytes, "mine.safetensors").unwrap();
    assert_eq!(other.settings().preset, "paper-mlp");
    assert_eq!(other.weights(), s.weights());
    assert_eq!(other.step(), 0, "a new run starts from the imported weights");
    other.reset().unwrap();
    assert_ne!(other.weights(), s.weights());
}

#[test]
fn a_run_resumed_from_its_exported_weights_carries_on_where_it_stood() {
    let mut run = session("mlp", |c| {
        c.batch_size = 100; // 5 steps an epoch on 500 images
        c.epochs = 3;
    });
    let _ = run.train_steps(7).unwrap(); // into epoch 1
    let (step, epoch) = (run.step(), run.epoch());
    assert_eq!((step, epoch), (7, 1));
    let saved = run.export_model();

    // A new session (the restarted worker) with other settings in force.
    let mut resumed = session("cnn", |_| {});
    let patch = SettingsPatch {
        learning_rate: Some(0.002),
        batch_size: Some(100),
        epochs: Some(3),
        ..Default::default()
    };
    resumed.resume(&saved, "checkpoint", step, epoch, &patch).unwrap();
    assert_eq!(resumed.weights(), run.weights());
    assert_eq!((resumed.step(), resumed.epoch()), (7, 1));
    assert_eq!(resumed.settings().preset, "mlp");
    assert_eq!(resumed.settings().learning_rate, 0.002);
    // The rest of epoch 1 and all of epoch 2 remain: 10 steps, then done.
    let mut steps = 0;
    while !resumed.done() {
        steps += resumed.train_steps(1).unwrap().batches.len();
    }
    assert_eq!((steps, resumed.step()), (10, 17));

    // A damaged file, or a setting out of range, changes nothing.
    let before = (resumed.weights(), resumed.step(), resumed.settings());
    let cut = &saved[..saved.len() / 2];
    assert!(resumed.resume(cut, "cut.safetensors", 3, 0, &SettingsPatch::default()).is_err());
    let bad_lr = SettingsPatch { learning_rate: Some(-1.0), ..Default::default() };
    let refused = resumed.resume(&saved, "checkpoint", 3, 0, &bad_lr).unwrap_err();
    assert_eq!(ErrorReport::from(&refused).field.as_deref(), Some("learning_rate"));
    assert_eq!(before, (resumed.weights(), resumed.step(), resumed.settings()));
}

#[test]
fn uneven_shares_split_the_batch_by_share_and_train_as_one_worker_would() {
    use groundup::train::session::shard_sizes;
    // The sizes: add up, within one image of the share, never empty.
    for batch in [1usize, 2, 7, 64, 500] {
        for shares in
            [vec![1.0], vec![1.0, 1.0], vec![3.0, 1.0], vec![0.01, 5.0, 2.5], vec![1e9, 1.0, 1.0, 1.0]]
        {
            let sizes = shard_sizes(batch, &shares);
            assert_eq!(sizes.iter().sum::<usize>(), batch, "{batch} {shares:?}");
            assert_eq!(sizes.len(), shares.len().min(batch));
            assert!(sizes.iter().all(|&s| s > 0), "{batch} {shares:?}: {sizes:?}");
        }
    }
    assert_eq!(shard_sizes(100, &[3.0, 1.0]), [75, 25]);
    // A session split 3:1 takes the same steps as the whole batch.
    let mut whole = session("cnn", |c| c.shift = 0);
    let mut sharded = session("cnn", |c| c.shift = 0);
    let mut helper =
        Network::new(whole.network().spec(), &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(9)).unwrap();
    for _ in 0..4 {
        let a = whole.train_steps(1).unwrap();
        let plan = sharded.begin_batch_shared(&[3.0, 1.0]).unwrap().unwrap();
        assert_eq!(plan.shards.len(), 1);
        // A quarter of the batch (the epoch's last batch is a short one).
        assert_eq!(plan.shards[0].len(), a.batches[0].batch_size / 4);
        sharded.accumulate_shard(0).unwrap();
        helper.load_flat_values(&sharded.weights()).unwrap();
        helper.zero_grad();
        let (x, labels) = plan.shards[0].all();
        let sums = accumulate_gradients(&mut helper, x, &labels);
        sharded.add_shard_gradients(&helper.flat_grads(), sums).unwrap();
        let b = sharded.finish_batch().unwrap();
        assert!((a.batches[0].loss - b.batches[0].loss).abs() <= 1e-4 * a.batches[0].loss.abs().max(1.0));
    }
    assert!(relative_distance(&whole.weights(), &sharded.weights()) < 1e-4);
    // Shares that are not positive numbers are refused, naming the field.
    for bad in [vec![], vec![1.0, 0.0], vec![f64::NAN], vec![1.0, -2.0], vec![1.0; 65]] {
        let e = sharded.begin_batch_shared(&bad).err().expect("refused");
        assert!(matches!(&e, Error::Config(c) if c.field == "shares" || c.field == "parts"), "{e:?}");
    }
}

#[test]
fn naming_the_optimizer_in_force_keeps_its_hyperparameters_and_a_new_one_starts_from_defaults() {
    use groundup::optim::OptimizerSpec;
    let betas = |s: &Session| match s.config().optimizer {
        OptimizerSpec::Adam { beta1, beta2, .. } => Some((beta1, beta2)),
        _ => None,
    };
    let mut s = session("cnn", |c| {
        c.optimizer = OptimizerSpec::Adam { learning_rate: 0.01, beta1: 0.85, beta2: 0.98, epsilon: 1e-8 };
    });
    // The page sends every field, the optimizer's name included.
    let adam =
        |lr| SettingsPatch { optimizer: Some("adam".into()), learning_rate: Some(lr), ..Default::default() };
    s.configure(&adam(0.002)).unwrap();
    assert_eq!(betas(&s), Some((0.85, 0.98)));
    assert_eq!(s.config().optimizer.learning_rate(), 0.002);
    s.configure(&SettingsPatch { optimizer: Some("sgd".into()), ..Default::default() }).unwrap();
    assert_eq!(s.config().optimizer.name(), "sgd");
    s.configure(&adam(0.001)).unwrap();
    assert_eq!(betas(&s), Some((0.9, 0.999)));
}

#[test]
fn half_epochs_count_every_epoch_twice_whole_or_sharded() {
    // 500 training images in batches of 128: 128, 256, 384, 500 drawn per
    // epoch; half an epoch is 250 images.
    let expected = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6];
    let mut s = session("mlp", |c| {
        c.batch_size = 128;
        c.epochs = 3;
    });
    assert_eq!(s.half_epochs(), 0);
    let whole: Vec<usize> = (0..12).map(|_| s.train_steps(1).unwrap().half_epochs).collect();
    assert_eq!(whole, expected);
    assert_eq!(s.half_epochs(), 6);
    assert!(s.train_steps(1).unwrap().done);

    let mut s = session("mlp", |c| {
        c.batch_size = 128;
        c.epochs = 3;
    });
    let mut helper =
        Network::new(s.network().spec(), &mut rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0)).unwrap();
    let sharded: Vec<usize> =
        (0..12).map(|_| sharded_step(&mut s, &mut helper, 2).expect("a step").half_epochs).collect();
    assert_eq!(sharded, expected);
}
