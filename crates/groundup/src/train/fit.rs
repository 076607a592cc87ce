//! Training to the end in one call, as the command line does: every epoch,
//! an evaluation on the test set every `eval_every` steps and at each
//! epoch's end, every step and evaluation reported as an [`Event`].

use std::time::Instant;

use serde::Serialize;

use super::session::Session;
use crate::metrics::{BatchMetrics, ConfusionMatrix, EvalMetrics};
use crate::{ConfigError, Error};

/// Something that happened during [`fit`].
#[derive(Clone, Debug)]
pub enum Event {
    Batch(BatchMetrics),
    /// Boxed: with its confusion matrix it is 30× the size of a batch event.
    Eval(Box<EvalMetrics>),
}

/// The outcome of [`fit`].
#[derive(Clone, Debug, Serialize)]
pub struct FitSummary {
    pub epochs: usize,
    pub steps: u64,
    /// Accuracy on the whole training set after training.
    pub train_accuracy: f64,
    pub train_loss: f64,
    pub test_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    /// Wall time spent in training steps (not evaluation).
    pub train_seconds: f64,
    /// Wall time of the whole run, evaluations included.
    pub seconds: f64,
    pub images_per_second: f64,
    pub confusion: Option<ConfusionMatrix>,
}

/// Trains `session` until its epochs are done, evaluating on its test set
/// (if it has one) every `eval_every` steps of its configuration and at the end of every
/// epoch; reports every step and evaluation to `on_event`. Stops at the
/// first divergence.
pub fn fit(session: &mut Session, mut on_event: impl FnMut(&Event)) -> Result<FitSummary, Error> {
    if session.train_data().is_empty() {
        return Err(ConfigError::new("training_data", "there are no training images").into());
    }
    let eval_every = session.config().eval_every as u64;
    let started = Instant::now();
    let mut train_seconds = 0.0;
    let mut images = 0usize;
    let mut last_eval: Option<EvalMetrics> = None;
    while !session.done() {
        let epoch_before = session.epoch();
        let t = Instant::now();
        let report = session.train_steps(1)?;
        train_seconds += t.elapsed().as_secs_f64();
        for m in &report.batches {
            images += m.batch_size;
            on_event(&Event::Batch(*m));
        }
        let epoch_over = report.done || report.epoch != epoch_before;
        let due = epoch_over || (eval_every > 0 && report.step % eval_every == 0);
        if due && session.begin_evaluation(true, 0) > 0 {
            let metrics = session.evaluate_next(usize::MAX)?.expect("one piece covers it all").metrics;
            on_event(&Event::Eval(Box::new(metrics.clone())));
            last_eval = Some(metrics);
        }
    }
    let on_train = session.evaluate_training_set()?;
    let config = session.config();
    Ok(FitSummary {
        epochs: config.epochs,
        steps: session.step(),
        train_accuracy: on_train.accuracy,
        train_loss: on_train.loss,
        test_accuracy: last_eval.as_ref().map(|m| m.accuracy),
        test_loss: last_eval.as_ref().map(|m| m.loss),
        train_seconds,
        seconds: started.elapsed().as_secs_f64(),
        images_per_second: images as f64 / train_seconds.max(1e-9),
        confusion: last_eval.map(|m| m.confusion),
    })
}
