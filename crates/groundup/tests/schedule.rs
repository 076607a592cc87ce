//! The learning-rate schedules: one cycle's values at the start, the peak
//! and the end of a run, its bounds, and a session that follows it step by
//! step whatever the grouping of its steps; the per-epoch decay as before.

mod common;

use common::{sample_test, sample_train, weight_bits};
use groundup::optim::MIN_LEARNING_RATE;
use groundup::presets::preset;
use groundup::train::{RunPosition, Schedule, Session, TrainConfig};

/// The position of step `k` (0-based) of a run of `epochs` epochs of
/// `steps` equal batches of `batch` images.
fn step_at(k: usize, steps: usize, batch: usize, epochs: usize) -> RunPosition {
    RunPosition { epoch: k / steps, before: (k % steps) * batch, batch, epoch_len: steps * batch, epochs }
}

#[test]
fn one_cycle_rises_to_the_peak_at_the_warmup_and_falls_to_almost_zero_at_the_end() {
    let schedule = Schedule::OneCycle { warmup: 0.25 };
    let (peak, steps, batch, epochs) = (0.01, 100, 10, 2);
    let total = (steps * epochs) as f64;
    let rates: Vec<f64> = (0..steps * epochs)
        .map(|k| schedule.learning_rate(peak, 0.5, &step_at(k, steps, batch, epochs)))
        .collect();
    // Start: the middle of the first step is 0.5/200 of the run; a quarter of it is warm-up.
    let first = peak * (0.5 / total) / 0.25;
    assert!((rates[0] - first).abs() < 1e-12, "first step {}", rates[0]);
    // The peak: the step whose middle is at 25% of the run ... almost.
    let (top, &highest) = rates.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    assert!(top == 49 || top == 50, "peak at step {top}");
    assert!(highest <= peak && highest > 0.99 * peak, "peak {highest}");
    // End: half a step above 0 on the way down.
    let last = peak * (0.5 / total) / 0.75;
    assert!((rates[rates.len() - 1] - last).abs() < 1e-12, "last step {}", rates[rates.len() - 1]);
    // Up, then down, never flat across an epoch boundary (the epoch does not matter).
    assert!(rates[..=top].windows(2).all(|w| w[1] > w[0]));
    assert!(rates[top..].windows(2).all(|w| w[1] < w[0]));
    // Half way down the slope: 1 − p = 0.375 of the 0.75 left.
    let mid = schedule.learning_rate(
        peak,
        0.5,
        &RunPosition { epoch: 1, before: 250, batch: 0, epoch_len: 1000, epochs: 2 },
    );
    assert!((mid - peak / 2.0).abs() < 1e-12, "at 62.5% of the run: {mid}");
}

#[test]
fn one_cycle_without_warmup_starts_at_the_peak_and_never_goes_below_the_smallest_rate() {
    let schedule = Schedule::OneCycle { warmup: 0.0 };
    let at = |before| RunPosition { epoch: 0, before, batch: 1, epoch_len: 1_000_000, epochs: 1 };
    assert!((schedule.learning_rate(0.002, 1.0, &at(0)) - 0.002).abs() < 1e-8);
    // The last of a million steps would be 1e-9: held at the smallest rate that still moves f32 weights.
    assert_eq!(schedule.learning_rate(0.002, 1.0, &at(999_999)), MIN_LEARNING_RATE);
    // A peak below it stays the peak, not raised.
    assert_eq!(schedule.learning_rate(5e-8, 1.0, &at(999_999)), 5e-8);
}

#[test]
fn epoch_decay_is_the_rate_times_the_decay_per_epoch_within_and_across_epochs() {
    let schedule = Schedule::EpochDecay;
    for k in [0, 1, 99, 100, 150, 199] {
        let rate = schedule.learning_rate(0.004, 0.35, &step_at(k, 100, 64, 2));
        let expected = 0.004 * 0.35f64.powi((k / 100) as i32);
        assert!((rate - expected).abs() < 1e-15, "step {k}: {rate}");
    }
}

#[test]
fn a_warmup_outside_the_run_is_refused_by_name() {
    let base = preset("cnn").unwrap().train;
    for warmup in [-0.1, 1.0, 3.0, f64::NAN, f64::INFINITY] {
        let config = TrainConfig { schedule: Schedule::OneCycle { warmup }, ..base.clone() };
        let err = config.validate().expect_err("refused");
        assert_eq!(err.field, "warmup", "warmup {warmup}: {err}");
    }
    let ok = TrainConfig { schedule: Schedule::OneCycle { warmup: 0.3 }, ..base };
    ok.validate().unwrap();
}

#[test]
fn a_configuration_saved_before_schedules_decays_per_epoch() {
    let mut json = serde_json::to_value(preset("mlp").unwrap().train).unwrap();
    json.as_object_mut().unwrap().remove("schedule");
    let config: TrainConfig = serde_json::from_value(json).unwrap();
    assert_eq!(config.schedule, Schedule::EpochDecay);
    // And a one-cycle one round-trips.
    let one_cycle = TrainConfig { schedule: Schedule::OneCycle { warmup: 0.2 }, ..config };
    let text = serde_json::to_string(&one_cycle).unwrap();
    assert!(text.contains(r#""schedule":{"kind":"one_cycle","warmup":0.2}"#), "{text}");
    assert_eq!(serde_json::from_str::<TrainConfig>(&text).unwrap(), one_cycle);
}

fn one_cycle_session() -> Session {
    let p = preset("cnn").unwrap();
    // 500 images in batches of 100: 5 steps an epoch, 10 in the run.
    let config = TrainConfig {
        batch_size: 100,
        epochs: 2,
        schedule: Schedule::OneCycle { warmup: 0.2 },
        ..p.train.clone()
    };
    Session::new(&p.spec, config, sample_train(), sample_test()).unwrap()
}

#[test]
fn a_session_sets_one_cycles_rate_at_every_step() {
    let mut s = one_cycle_session();
    let peak = s.config().optimizer.learning_rate();
    let mut rates = Vec::new();
    while !s.done() {
        s.train_steps(1).unwrap();
        rates.push(s.learning_rate());
    }
    // Step k's middle is at (k + 0.5)/10 of the run; warm-up ends at 0.2.
    let expected: Vec<f64> = (0..10)
        .map(|k| peak * ((k as f64 + 0.5) / 10.0 / 0.2).min((1.0 - (k as f64 + 0.5) / 10.0) / 0.8))
        .collect();
    assert_eq!(rates.len(), 10);
    for (k, (got, want)) in rates.iter().zip(&expected).enumerate() {
        // The optimizer holds the rate in f32.
        assert!((got - want).abs() < 1e-6 * peak, "step {k}: {got} vs {want}");
    }
    assert!(rates[9] < 0.1 * peak, "the run ends near 0: {}", rates[9]);
}

#[test]
fn pausing_a_one_cycle_run_anywhere_changes_nothing() {
    let mut whole = one_cycle_session();
    whole.train_steps(10).unwrap();
    let mut paused = one_cycle_session();
    for chunk in [1, 3, 2, 4] {
        paused.train_steps(chunk).unwrap();
    }
    assert!(whole.done() && paused.done());
    assert_eq!(weight_bits(whole.network()), weight_bits(paused.network()));
}

#[test]
fn the_cnn_preset_trains_one_cycle_and_the_paper_presets_keep_their_constant_rate() {
    let cnn = preset("cnn").unwrap().train;
    assert!(matches!(cnn.schedule, Schedule::OneCycle { warmup } if warmup > 0.0 && warmup < 0.5));
    cnn.validate().unwrap();
    for name in ["paper-cnn", "paper-mlp"] {
        let p = preset(name).unwrap().train;
        assert_eq!((p.schedule, p.lr_decay), (Schedule::EpochDecay, 1.0), "{name}");
    }
}
