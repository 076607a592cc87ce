//! What an experiment shows: the points of each run's loss curve, what
//! became of the run (the step its loss got below the threshold, a spike,
//! a step the divergence guard refused), the gradient check's rows with
//! their tolerance, and the image the Fig. 7 network reproduced.
//!
//! Every figure here is finite: the guard refuses a step whose loss,
//! gradient or weights are not, and such a step becomes a [`Rollback`],
//! never a point. Serialised as the page reads it (camelCase keys).

use serde::Serialize;

use crate::gradcheck::{TensorCheck, EPSILON, RELATIVE_TOLERANCE, ROUNDING_SAFETY};
use crate::TrainError;

/// One training step of a run, as a loss curve plots it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    /// 1-based step of the run.
    pub step: u64,
    /// The batch's mean loss per example, before the step's update.
    pub loss: f64,
    /// The fraction of the batch classified right (before the update);
    /// `None` for a network that does not classify (Fig. 7's).
    pub accuracy: Option<f64>,
}

/// What one call of [`ExperimentRun::step`](super::ExperimentRun::step) did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub experiment: &'static str,
    /// The run these points belong to (0-based); a call never crosses runs.
    pub run_index: usize,
    pub runs: usize,
    pub label: String,
    /// The points this call added (not those of earlier calls).
    pub points: Vec<Point>,
    /// Training steps of this run so far, and its budget.
    pub steps_taken: u64,
    pub steps_planned: u64,
    /// Run `run_index` is over: its [`RunResult`] is complete.
    pub run_done: bool,
    /// Every run is over.
    pub done: bool,
    /// What this call found worth saying: a run's outcome, a refused step.
    pub notes: Vec<String>,
}

/// The first step whose loss was below the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Crossing {
    pub step: u64,
    pub loss: f64,
    pub threshold: f64,
}

/// A step the divergence guard refused (see [`crate::train::trainer`]):
/// where the paper's network went NaN, groundup's went back.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    /// The step refused.
    pub step: u64,
    /// The step the weights are back at: the last that gave a finite loss.
    pub weights_from_step: u64,
    /// What was not finite: `loss`, `gradient of layers.0.weight`, …
    pub what: String,
    pub value: String,
    pub learning_rate: f64,
    /// The guard's own message.
    pub message: String,
    /// What it means here.
    pub explanation: String,
}

impl Rollback {
    /// The record of `error`, if it is a divergence; `paper` adds what
    /// the paper's network did at this point.
    pub(super) fn from_error(error: &TrainError, paper: Option<&str>) -> Option<Rollback> {
        let TrainError::Diverged { step, what, value, weights_from_step, learning_rate } = error else {
            return None;
        };
        let mut explanation = format!(
            "Step {step} would have made the {what} {value}. The divergence guard refused it: the weights \
             are those after step {weights_from_step}, the last to give a finite loss, and the run ends \
             there (the same step from the same weights would be refused again)."
        );
        if let Some(paper) = paper {
            explanation = format!("{paper} {explanation}");
        }
        Some(Rollback {
            step: *step,
            weights_from_step: *weights_from_step,
            what: what.clone(),
            value: value.clone(),
            learning_rate: *learning_rate,
            message: error.to_string(),
            explanation,
        })
    }
}

/// A loss that shot up after having come down: at `step` it was `loss`,
/// more than ten times (and more than 1 above) the lowest loss before it,
/// `min_loss` at `min_step`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spike {
    pub step: u64,
    pub loss: f64,
    pub min_step: u64,
    pub min_loss: f64,
}

/// The first [`Spike`] in `points`, if any.
pub fn find_spike(points: &[Point]) -> Option<Spike> {
    let mut min: Option<&Point> = None;
    for p in points {
        match min {
            Some(m) if p.loss > 10.0 * m.loss && p.loss > m.loss + 1.0 => {
                return Some(Spike { step: p.step, loss: p.loss, min_step: m.step, min_loss: m.loss });
            }
            Some(m) if m.loss <= p.loss => {}
            _ => min = Some(p),
        }
    }
    None
}

/// A run's network measured on test images at its end.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TestFigures {
    pub images: usize,
    pub loss: f64,
    pub accuracy: f64,
}

/// Everything one run showed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub label: String,
    /// The images it used, in words (and so whether it was shortened).
    pub data: String,
    pub steps_planned: u64,
    pub steps_taken: u64,
    /// Every point of its loss curve.
    pub points: Vec<Point>,
    /// The loss it watches for, if any ([`super::OVERFIT_THRESHOLD`]).
    pub threshold: Option<f64>,
    /// The first step whose loss was below the threshold.
    pub below: Option<Crossing>,
    pub spike: Option<Spike>,
    pub rollback: Option<Rollback>,
    pub test: Option<TestFigures>,
    /// The outcome in a line, e.g. "loss 0.0087 at step 23".
    pub summary: String,
    pub notes: Vec<String>,
    pub finished: bool,
}

impl RunResult {
    pub(super) fn new(label: &str, data: String, steps_planned: u64, threshold: Option<f64>) -> Self {
        RunResult {
            threshold,
            label: label.to_owned(),
            data,
            steps_planned,
            steps_taken: 0,
            points: Vec::new(),
            below: None,
            spike: None,
            rollback: None,
            test: None,
            summary: String::new(),
            notes: Vec::new(),
            finished: false,
        }
    }

    /// The lowest loss of the run and its step.
    pub fn lowest(&self) -> Option<Point> {
        self.points.iter().copied().reduce(|a, b| if b.loss < a.loss { b } else { a })
    }

    /// Fills in the spike and the one-line summary once the run is over.
    pub(super) fn finish(&mut self) {
        self.spike = find_spike(&self.points);
        let mut parts = Vec::new();
        if let Some(c) = &self.below {
            let first =
                if self.points.last().is_some_and(|p| p.step > c.step) { " (first below)" } else { "" };
            parts.push(format!("loss {} at step {}{first}", fmt_loss(c.loss), c.step));
        } else if let Some(threshold) = self.threshold {
            parts.push(format!("never below {threshold} in {} steps", self.steps_taken));
        }
        match (self.lowest(), self.points.last()) {
            (Some(low), Some(last)) => {
                if self.below.is_none_or(|c| c.step != last.step) {
                    parts.push(format!("loss {} at step {}", fmt_loss(last.loss), last.step));
                }
                if low.step != last.step && last.loss > 2.0 * low.loss {
                    parts.push(format!("lowest {} at step {}", fmt_loss(low.loss), low.step));
                }
            }
            _ => parts.push("no step taken".to_owned()),
        }
        if let Some(s) = &self.spike {
            parts.push(format!("spiked to {} at step {}", fmt_loss(s.loss), s.step));
        }
        if let Some(r) = &self.rollback {
            parts.push(format!("step {} refused, weights back at step {}", r.step, r.weights_from_step));
        }
        if let Some(t) = &self.test {
            parts.push(format!("{:.1}% of {} test images right", 100.0 * t.accuracy, t.images));
        }
        self.summary = parts.join("; ");
        self.finished = true;
    }
}

/// A loss as text: four decimals, or three significant digits when
/// smaller than 0.001 or larger than 10,000.
pub fn fmt_loss(loss: f64) -> String {
    if loss != 0.0 && !(0.001..1e4).contains(&loss.abs()) {
        format!("{loss:.2e}")
    } else {
        format!("{loss:.4}")
    }
}

/// The gradient check's criterion (see [`crate::gradcheck`]): element by
/// element, `|a − n| ≤ relative · max(|a|, |n|) + rounding_safety · ε · S / h`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tolerance {
    pub relative: f64,
    pub rounding_safety: f64,
    /// h of eq. 16 (smaller only next to a kink).
    pub step: f64,
    pub formula: &'static str,
    /// How a row's [`GradcheckRow::max_relative_error`] is measured, so
    /// that it can be read against `relative` alone.
    pub error_formula: &'static str,
    pub derivation: &'static str,
}

impl Tolerance {
    pub fn current() -> Self {
        Tolerance {
            relative: RELATIVE_TOLERANCE,
            rounding_safety: ROUNDING_SAFETY,
            step: EPSILON,
            formula: "|a − n| ≤ 1e-4 · max(|a|, |n|) + 50 · ε · S / h, with ε = 2.2e-16 (f64), \
                      h = 1e-6 and S = max(|E|, largest |output|, 1)",
            error_formula:
                "relative error = |a − n| / (max(|a|, |n|) + δ), with δ = 50 · ε · S / (h · 1e-4): \
                            the rounding floor below which no derivative can be told from 0, so that a \
                            tiny derivative does not inflate the error with nothing wrong",
            derivation: "The central difference n of eq. 16 is off the true derivative by h²/6·|E‴| \
                         (truncation, ~1e-13 here) plus the rounding of E's two evaluations, about \
                         κ·ε·S/h whatever the derivative's size; κ was measured at most 2.2 on every \
                         preset, and 50 leaves a margin of 20. The relative part, 1e-4, is far above \
                         both and far below what a wrong derivative gives (errors of order 1). The \
                         paper's ε ≈ 1e-9 sits on the rounding side of this trade-off.",
        }
    }
}

/// One parameter tensor of the gradient check.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GradcheckRow {
    /// `layers.0.weight`, …
    pub parameter: String,
    /// The largest `|a − n| / (max(|a|, |n|) + δ)`, with the rounding floor
    /// δ of [`Tolerance::error_formula`]: at most [`Tolerance::relative`]
    /// exactly when every element passes, because it is `worst_ratio ·
    /// relative`. What the page's table shows.
    pub max_relative_error: f64,
    /// The largest `|a − n| / max(|a|, |n|, floor)` of
    /// [`gradcheck::relative_error`](crate::gradcheck::relative_error), as
    /// the CLI prints it, which a derivative near 0 inflates (a few 1e-4 on
    /// a trained net's biases) with nothing wrong.
    pub max_plain_relative_error: f64,
    /// The worst `|a − n|` as a fraction of its tolerance: passed if ≤ 1.
    pub worst_ratio: f64,
    /// No measured element is outside its tolerance.
    pub passed: bool,
    /// Elements compared (spread evenly over the tensor), of `total`.
    pub checked: usize,
    pub total: usize,
    /// Of those, the elements whose derivative could be measured: all but
    /// the `skipped`. A fresh CNN's biases can have none: on a blank patch
    /// of an image a unit's input is its bias, 0, exactly on the kink.
    pub measured: usize,
    /// Elements next to a kink (ReLU, max pool), measured with a smaller step.
    pub near_kink: usize,
    /// Elements so close to a kink that no step could measure them.
    pub skipped: usize,
}

impl GradcheckRow {
    /// The row in a line, e.g. "layers.0.weight: largest relative error
    /// 7.91e-7, 0.006 of its tolerance — passed".
    pub fn describe(&self) -> String {
        if self.measured == 0 {
            return format!(
                "{}: all {} elements compared sit exactly on a kink (ReLU at 0, a max-pool tie), where \
                 there is no derivative to compare — not measured",
                self.parameter, self.checked
            );
        }
        let verdict = if self.passed { "passed" } else { "FAILED" };
        let mut line = format!(
            "{}: largest relative error {:.2e} (plain {:.2e}), {:.3} of its tolerance — {verdict}",
            self.parameter, self.max_relative_error, self.max_plain_relative_error, self.worst_ratio
        );
        if self.skipped > 0 {
            line += &format!(" ({} of {} elements on a kink, not measured)", self.skipped, self.checked);
        }
        line
    }
}

impl From<TensorCheck> for GradcheckRow {
    fn from(c: TensorCheck) -> Self {
        GradcheckRow {
            passed: c.passed(),
            parameter: c.name,
            max_relative_error: c.worst_ratio * RELATIVE_TOLERANCE,
            max_plain_relative_error: c.max_relative_error,
            worst_ratio: c.worst_ratio,
            checked: c.checked,
            total: c.total,
            measured: c.checked - c.skipped,
            near_kink: c.near_kink,
            skipped: c.skipped,
        }
    }
}

/// The gradient check's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GradcheckReport {
    pub images: usize,
    pub tolerance: Tolerance,
    pub rows: Vec<GradcheckRow>,
    /// Every row so far passed.
    pub passed: bool,
}

/// The Fig. 7 network's input and output, 784 values in [0, 1] each
/// (row-major 28 × 28), and its error ½·Σ(y − t)² (eq. 7) before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconstruction {
    pub input: Vec<f32>,
    pub before: Vec<f32>,
    pub after: Vec<f32>,
    pub error_before: f64,
    pub error_after: f64,
}

/// Everything an experiment has shown so far.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentResult {
    pub id: &'static str,
    pub title: &'static str,
    pub paper_ref: &'static str,
    pub paper_reported: &'static str,
    pub shortened: Option<&'static str>,
    /// One per run begun, in order.
    pub runs: Vec<RunResult>,
    pub gradcheck: Option<GradcheckReport>,
    pub reconstruction: Option<Reconstruction>,
    pub done: bool,
}
