//! Noticing that training has stopped: the loss no longer moves and the
//! network is no better than a guess.
//!
//! **Why.** Plain SGD at a large learning rate can push every ReLU of a
//! network below zero for every image. A dead ReLU passes no gradient, so
//! nothing can revive it: the network gives the same answer for every
//! image, the per-batch loss hovers near ln 10 ≈ 2.303 (wobbling a little
//! with each batch's mix of labels, but no longer going down) and the
//! training accuracy sits at chance, 10%. Nothing fails — no NaN, no
//! divergence — so without this check the page would go on drawing a flat
//! line as though training were under way.
//!
//! **The rule.** The steps are cut into consecutive windows of
//! [`STALL_WINDOW`] (N = 200) steps, counted from the first step the
//! detector sees (a restart, or a change of weights, starts the count
//! again). When a window is complete, it is compared with the window
//! before it. Training has *stalled* when both hold:
//!
//! 1. the mean batch loss moved by less than [`STALL_RELATIVE_CHANGE`]
//!    (1%) of the earlier window's mean: `|m₁ − m₀| < 0.01 · |m₀|`; the
//!    mean over 200 batches smooths away the wobble of the label mix,
//!    and a network that still learns, however slowly, moves by more than
//!    that over 200 steps; and
//! 2. the mean training accuracy of the latest window is at most
//!    [`STALL_MAX_ACCURACY`], twice chance (2 / 10 classes = 20%). A
//!    network that has *converged* also has a flat loss, but it classifies
//!    well: it must never be reported, and this condition sees to that.
//!
//! Each stall is reported once, by the window that first meets the rule;
//! later windows that still meet it stay quiet. A window that does not
//! meet it (the loss moved, or the accuracy rose) re-arms the detector, as
//! does [`reset`](StallDetector::reset) (the session calls it when a run
//! starts over). A network dead from its first step is reported at step
//! 2N = 400; one that dies later, within at most 3N steps of dying.
//!
//! The detector keeps two running sums and a count for the window being
//! filled and the two means of the window before: a fixed few words,
//! however long training runs.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::data::NUM_CLASSES;
use crate::metrics::BatchMetrics;

/// N: the steps in a window; a stall is a window whose mean loss is that
/// of the window before it.
pub const STALL_WINDOW: u64 = 200;

/// Below this relative change of the mean loss between two windows, the
/// loss "has not changed".
pub const STALL_RELATIVE_CHANGE: f64 = 0.01;

/// The mean training accuracy of a stalled window is at most this: twice
/// chance, with [`NUM_CLASSES`] classes.
pub const STALL_MAX_ACCURACY: f64 = 2.0 / NUM_CLASSES as f64;

/// Training that has stopped moving, as first detected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stall {
    /// N: the steps over which the loss did not change.
    pub steps: u64,
    /// The steps after it, `since_step + 1 ..= since_step + steps`, are
    /// the window whose loss did not move; the stall is reported on step
    /// `since_step + steps`.
    pub since_step: u64,
    /// The mean batch loss of that window.
    pub loss: f64,
    /// The mean training accuracy of that window (a fraction).
    pub accuracy: f64,
}

impl Stall {
    /// What the page says, e.g. "the loss has not changed for 200 steps: it
    /// stays near 2.302 and the training accuracy is at chance (10.4%). …".
    pub fn message(&self) -> String {
        let chance = 1.0 / NUM_CLASSES as f64;
        let level = if self.accuracy <= 1.5 * chance { "at chance" } else { "barely above chance" };
        format!(
            "the loss has not changed for {} steps: it stays near {:.3} and the training accuracy is {level} \
             ({:.1}%). The ReLUs may have died after too large a step: press Reset and lower the learning rate.",
            self.steps,
            self.loss,
            100.0 * self.accuracy,
        )
    }
}

/// As the page reads it: `{steps, sinceStep, loss, accuracy, message}`.
impl Serialize for Stall {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Stall", 5)?;
        s.serialize_field("steps", &self.steps)?;
        s.serialize_field("sinceStep", &self.since_step)?;
        s.serialize_field("loss", &self.loss)?;
        s.serialize_field("accuracy", &self.accuracy)?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

/// The means of a complete window.
#[derive(Clone, Copy, Debug, PartialEq)]
struct WindowMeans {
    loss: f64,
    accuracy: f64,
}

/// Watches the per-batch loss and accuracy for a stall (see the [module
/// docs](self) for the rule). Fixed size: no allocation, however long it runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StallDetector {
    /// Steps in the window being filled, and its sums.
    count: u64,
    loss_sum: f64,
    accuracy_sum: f64,
    /// The last complete window.
    previous: Option<WindowMeans>,
    /// The current stall has been reported; quiet until the rule fails once.
    reported: bool,
}

impl StallDetector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything seen: the next step starts a first window, and a
    /// stall will be reported again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Takes one training step's figures; returns the stall if this step
    /// completes the first window of one.
    pub fn observe(&mut self, batch: &BatchMetrics) -> Option<Stall> {
        self.observe_values(batch.step, batch.loss, batch.accuracy)
    }

    /// [`observe`](Self::observe) with the figures given one by one: `step`
    /// is the 1-based count of steps taken, `accuracy` a fraction.
    pub fn observe_values(&mut self, step: u64, loss: f64, accuracy: f64) -> Option<Stall> {
        if !loss.is_finite() || !accuracy.is_finite() {
            // Not a figure to average: start over rather than carry it.
            self.reset();
            return None;
        }
        self.count += 1;
        self.loss_sum += loss;
        self.accuracy_sum += accuracy;
        if self.count < STALL_WINDOW {
            return None;
        }
        let n = self.count as f64;
        let current = WindowMeans { loss: self.loss_sum / n, accuracy: self.accuracy_sum / n };
        self.count = 0;
        self.loss_sum = 0.0;
        self.accuracy_sum = 0.0;
        let previous = self.previous.replace(current)?;
        let flat = (current.loss - previous.loss).abs() < STALL_RELATIVE_CHANGE * previous.loss.abs();
        if !(flat && current.accuracy <= STALL_MAX_ACCURACY) {
            self.reported = false;
            return None;
        }
        if self.reported {
            return None;
        }
        self.reported = true;
        Some(Stall {
            steps: STALL_WINDOW,
            since_step: step.saturating_sub(STALL_WINDOW),
            loss: current.loss,
            accuracy: current.accuracy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LN_10: f64 = std::f64::consts::LN_10;

    /// A small deterministic wobble in [-1, 1], as a batch's label mix gives.
    fn wobble(step: u64) -> f64 {
        let x = step.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
        2.0 * (x as f64 / (1u64 << 53) as f64) - 1.0
    }

    /// Feeds steps `first..=last` of `curve` (step → (loss, accuracy));
    /// returns every stall reported, with the step it came on.
    fn run(
        d: &mut StallDetector,
        steps: std::ops::RangeInclusive<u64>,
        curve: impl Fn(u64) -> (f64, f64),
    ) -> Vec<(u64, Stall)> {
        steps
            .filter_map(|step| {
                let (loss, accuracy) = curve(step);
                d.observe_values(step, loss, accuracy).map(|s| (step, s))
            })
            .collect()
    }

    fn dead(step: u64) -> (f64, f64) {
        (LN_10 + 0.03 * wobble(step), 0.1 + 0.04 * wobble(step + 7))
    }

    #[test]
    fn a_flat_loss_at_chance_is_reported_once_after_two_windows() {
        let mut d = StallDetector::new();
        let stalls = run(&mut d, 1..=2000, dead);
        assert_eq!(stalls.len(), 1, "{stalls:?}");
        let (step, stall) = stalls[0];
        assert_eq!(step, 2 * STALL_WINDOW);
        assert_eq!((stall.steps, stall.since_step), (200, 200));
        assert!((stall.loss - LN_10).abs() < 0.01, "{stall:?}");
        assert!((stall.accuracy - 0.1).abs() < 0.01, "{stall:?}");
        let message = stall.message();
        assert!(
            message.starts_with("the loss has not changed for 200 steps: it stays near 2.30"),
            "{message}"
        );
        assert!(message.contains("at chance") && message.contains("lower the learning rate"), "{message}");
    }

    #[test]
    fn a_network_that_dies_later_is_reported_where_its_windows_are_flat() {
        // Learning until step 300, then dead: windows 201–400 (mixed) and
        // 401–600 differ; 601–800 is the first flat pair.
        let mut d = StallDetector::new();
        let curve = |s: u64| {
            if s <= 300 {
                (2.3 - 1.5 * s as f64 / 300.0, 0.1 + 0.7 * s as f64 / 300.0)
            } else {
                dead(s)
            }
        };
        let stalls = run(&mut d, 1..=3000, curve);
        assert_eq!(stalls.iter().map(|(step, s)| (*step, s.since_step)).collect::<Vec<_>>(), [(800, 600)]);
    }

    #[test]
    fn a_decreasing_loss_is_never_reported_even_at_chance_accuracy() {
        // Fast, then ever slower: 1 − e^(−200/800) = 22% per window.
        fn decaying(s: u64) -> (f64, f64) {
            (2.3 * (-(s as f64) / 800.0).exp() + 0.01 * wobble(s), 0.1)
        }
        // Slow and steady: 2.30 → 1.50 over 4000 steps, 0.04 (≥ 1.7%) a window.
        fn linear(s: u64) -> (f64, f64) {
            (2.3 - 0.0002 * s as f64 + 0.03 * wobble(s), 0.12)
        }
        for curve in [decaying, linear] {
            let mut d = StallDetector::new();
            assert_eq!(run(&mut d, 1..=4000, curve), []);
        }
    }

    #[test]
    fn a_flat_loss_at_high_accuracy_is_convergence_not_a_stall() {
        for accuracy in [0.21, 0.5, 0.97, 1.0] {
            let mut d = StallDetector::new();
            assert_eq!(run(&mut d, 1..=4000, |s| (0.08 + 0.001 * wobble(s), accuracy)), [], "{accuracy}");
        }
        // A perfect fit: loss 0, nothing to divide by.
        let mut d = StallDetector::new();
        assert_eq!(run(&mut d, 1..=1000, |_| (0.0, 1.0)), []);
    }

    #[test]
    fn it_rearms_when_the_loss_moves_or_on_reset() {
        let mut d = StallDetector::new();
        assert_eq!(run(&mut d, 1..=1000, dead).len(), 1);
        // Revived (a lower learning rate, say): the loss drops, then settles
        // at chance again; the new stall is reported once more.
        let revived = |s: u64| if s <= 1200 { (1.2, 0.1) } else { dead(s) };
        let stalls = run(&mut d, 1001..=3000, revived);
        assert_eq!(stalls.iter().map(|(step, _)| *step).collect::<Vec<_>>(), [1600]);
        d.reset();
        assert_eq!(d, StallDetector::new());
        let again = run(&mut d, 3001..=4000, dead);
        assert_eq!(again.iter().map(|(step, _)| *step).collect::<Vec<_>>(), [3400]);
    }

    #[test]
    fn a_non_finite_figure_starts_the_windows_over() {
        let mut d = StallDetector::new();
        assert_eq!(run(&mut d, 1..=399, dead), []);
        assert_eq!(d.observe_values(400, f64::NAN, 0.1), None);
        // Two fresh windows: 401–600 and 601–800.
        assert_eq!(run(&mut d, 401..=1000, dead).iter().map(|(step, _)| *step).collect::<Vec<_>>(), [800]);
    }

    #[test]
    fn its_memory_is_a_few_words_however_long_it_runs() {
        // No heap: the struct is all there is, and it is small.
        assert!(std::mem::size_of::<StallDetector>() <= 64, "{}", std::mem::size_of::<StallDetector>());
        let mut d = StallDetector::new();
        let stalls = run(&mut d, 1..=1_000_000, dead);
        assert_eq!(stalls.len(), 1);
        assert!(d.count < STALL_WINDOW);
        // Still arithmetic on one window's sums: a million steps on, a new
        // stall's mean is that of its own 200 steps, to the last digits.
        assert_eq!(
            run(&mut d, 1_000_001..=1_000_400, |s| if s <= 1_000_200 { (1.2, 0.1) } else { dead(s) }),
            []
        );
        let stalls = run(&mut d, 1_000_401..=1_000_600, dead);
        assert_eq!(stalls.len(), 1);
        let mean = (1_000_401..=1_000_600).map(|s| dead(s).0).sum::<f64>() / 200.0;
        assert!((stalls[0].1.loss - mean).abs() < 1e-12, "{} vs {mean}", stalls[0].1.loss);
    }

    #[test]
    fn it_serializes_as_the_page_reads_it() {
        let stall = Stall { steps: 200, since_step: 1200, loss: 2.3021, accuracy: 0.104 };
        let json = serde_json::to_value(stall).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5);
        for key in ["steps", "sinceStep", "loss", "accuracy", "message"] {
            assert!(keys.contains(&key), "{json}");
        }
        assert_eq!(json["sinceStep"], 1200);
        assert_eq!(
            json["message"],
            "the loss has not changed for 200 steps: it stays near 2.302 and the training accuracy is at \
             chance (10.4%). The ReLUs may have died after too large a step: press Reset and lower the \
             learning rate."
        );
    }
}
