//! [`ExperimentRun`]: one experiment, carried out in slices.
//!
//! ```
//! use groundup::lab::{ExperimentRun, LabData, LabOptions, Source};
//! use groundup::{data::Dataset, train::Session};
//! let mut session = Session::from_preset("mlp").unwrap();
//! let mut images = Dataset::new();
//! images.push(&[40u8; 784], 3);
//! session.add_examples(groundup::data::Split::Train, &images);
//! let mut run = ExperimentRun::with_options(
//!     "overfit-one",
//!     Source::of(&session),
//!     LabData::of(&session),
//!     LabOptions { max_steps_per_run: Some(5), ..LabOptions::default() },
//! )
//! .unwrap();
//! while !run.step(2).unwrap().done {} // a worker would answer its messages between calls
//! assert_eq!(run.result().runs[0].points.len(), 5);
//! ```
//!
//! Everything a run needs is settled by [`ExperimentRun::new`]: the
//! images are copied, every model and setting is resolved and validated,
//! so an experiment that cannot run says why before it starts. Each call
//! of [`step`](ExperimentRun::step) then does at most `max_steps` units of
//! work — a training step, a piece of an evaluation, a tensor of the
//! gradient check — within one run, and says what it added. Stopping is
//! not calling it again.

use super::catalog::{experiment, Experiment, ModelChoice, RunDef, SettingsChanges, Work};
use super::check::CheckRun;
use super::classify::ClassifyRun;
use super::inputs::{check, select, LabData, LabOptions, RunImages, Source};
use super::recipes::{lab_config, resolve};
use super::reconstruct::ReconstructRun;
use super::results::{ExperimentResult, Point, Progress, RunResult};
use crate::data::{IMAGE_PIXELS, NUM_CLASSES};
use crate::train::TrainConfig;
use crate::{Error, ModelSpec, Network};

/// What the paper's CNN did where a run of its recipe is refused a step.
const PAPER_CNN_BROKE: &str = "This is where the paper's CNN broke: its loss spiked and its \
                               gradients filled with NaNs (§5, Fig. 16).";

/// Why a run of the paper's CNN recipe that is refused no step did not
/// break as the paper's did.
const PAPER_CNN_HELD: &str = "No NaN in this run, with the paper's weights, summed gradient and \
                              learning rate. Here softmax and cross-entropy are one function in log \
                              space (groundup::loss), so logits in the hundreds — what N(0, 1) weights \
                              give — neither overflow exp nor reach log 0; the paper blamed its overflow \
                              on those, and found a log-sum-exp softmax alone only delayed it (§5). The \
                              divergence guard stood by and had nothing to refuse.";

/// One run, settled: what it starts from and on what.
struct Plan {
    def: RunDef,
    images: RunImages,
    start: Start,
}

enum Start {
    /// Fresh weights of `spec`, trained with `config` for `steps` steps.
    Train { spec: ModelSpec, config: TrainConfig, steps: u64, threshold: Option<f64>, stop_there: bool },
    /// A copy of the caller's weights, taken when the experiment was made.
    Check { network: Network<f32>, elements_per_tensor: usize },
}

/// The run under way.
enum Active {
    /// Boxed: a session is ~1.4 kB beside the others' few hundred bytes.
    Classify(Box<ClassifyRun>),
    Reconstruct(ReconstructRun),
    Check(CheckRun),
}

/// One experiment being carried out: see the [module docs](self).
pub struct ExperimentRun {
    experiment: Experiment,
    plans: Vec<Plan>,
    /// The run under way or next (`plans.len()` once all are over).
    current: usize,
    active: Option<Active>,
    result: ExperimentResult,
}

impl ExperimentRun {
    /// Experiment `id` on copies of `source` and `data`, as the catalog has it.
    pub fn new(id: &str, source: Source<'_>, data: LabData<'_>) -> Result<Self, Error> {
        Self::with_options(id, source, data, LabOptions::default())
    }

    /// As [`new`](Self::new), made smaller by `options`.
    pub fn with_options(
        id: &str,
        source: Source<'_>,
        data: LabData<'_>,
        options: LabOptions,
    ) -> Result<Self, Error> {
        let experiment = experiment(id)?;
        check(data.train, "training_data")?;
        check(data.test, "test_data")?;
        let plans = experiment
            .runs
            .iter()
            .map(|def| plan(def, &source, &data, &options))
            .collect::<Result<_, _>>()?;
        let result = ExperimentResult {
            id: experiment.id,
            title: experiment.title,
            paper_ref: experiment.paper_ref,
            paper_reported: experiment.paper_reported,
            shortened: experiment.shortened,
            runs: Vec::new(),
            gradcheck: None,
            reconstruction: None,
            done: false,
        };
        Ok(ExperimentRun { experiment, plans, current: 0, active: None, result })
    }

    pub fn experiment(&self) -> &Experiment {
        &self.experiment
    }

    /// Everything shown so far; complete once [`done`](Self::done).
    pub fn result(&self) -> &ExperimentResult {
        &self.result
    }

    pub fn done(&self) -> bool {
        self.result.done
    }

    /// Does at most `max_steps` units of work of the run under way (starting
    /// the next run if none is), and says what they added. Past the end it
    /// does nothing and says `done`. An error ends the experiment (later
    /// calls say `done`); a step refused by the divergence guard is not an
    /// error but an outcome, recorded in the run's [`RunResult`].
    pub fn step(&mut self, max_steps: usize) -> Result<Progress, Error> {
        let mut points = Vec::new();
        let mut notes = Vec::new();
        if self.current >= self.plans.len() {
            return Ok(self.progress(self.plans.len().saturating_sub(1), points, notes, false));
        }
        let index = self.current;
        match self.advance(max_steps, &mut points, &mut notes) {
            Ok(run_done) => {
                if run_done {
                    let run = &mut self.result.runs[index];
                    run.finish();
                    notes.push(format!("{}: {}", run.label, run.summary));
                    self.active = None;
                    self.current += 1;
                    self.result.done = self.current >= self.plans.len();
                }
                Ok(self.progress(index, points, notes, run_done))
            }
            Err(e) => {
                self.active = None;
                self.current = self.plans.len();
                self.result.done = true;
                if let Some(run) = self.result.runs.get_mut(index) {
                    run.notes.push(format!("stopped: {e}"));
                }
                Err(e)
            }
        }
    }

    fn advance(
        &mut self,
        budget: usize,
        points: &mut Vec<Point>,
        notes: &mut Vec<String>,
    ) -> Result<bool, Error> {
        if self.active.is_none() {
            let (active, planned) = self.start(self.current)?;
            let plan = &self.plans[self.current];
            let threshold = match plan.def.work {
                Work::Train { threshold, .. } => threshold,
                Work::GradCheck { .. } => None,
            };
            let description = plan.images.description.clone();
            self.result.runs.push(RunResult::new(plan.def.label, description, planned, threshold));
            self.active = Some(active);
        }
        let run = self.result.runs.last_mut().expect("pushed when the run started");
        match self.active.as_mut().expect("started above") {
            Active::Classify(c) => c.advance(budget, run, points, notes),
            Active::Reconstruct(r) => {
                let over = r.advance(budget, run, points, notes)?;
                self.result.reconstruction = r.reconstruction().cloned();
                Ok(over)
            }
            Active::Check(c) => {
                let over = c.advance(budget, run, notes);
                self.result.gradcheck = Some(c.report().clone());
                Ok(over)
            }
        }
    }

    /// Builds run `index` and says how many steps it plans.
    fn start(&mut self, index: usize) -> Result<(Active, u64), Error> {
        let plan = &mut self.plans[index];
        Ok(match &plan.start {
            Start::Check { network, elements_per_tensor } => {
                let run = CheckRun::new(network, &plan.images, *elements_per_tensor)?;
                let tensors = run.tensors();
                (Active::Check(run), tensors)
            }
            Start::Train { spec, config, steps, .. }
                if matches!(plan.def.model, ModelChoice::Autoencoder { .. }) =>
            {
                (Active::Reconstruct(ReconstructRun::new(spec, config, &plan.images, *steps)?), *steps)
            }
            Start::Train { spec, config, steps, threshold, stop_there } => {
                let paper = matches!(plan.def.model, ModelChoice::PaperCnnRecipe)
                    .then_some((PAPER_CNN_BROKE, PAPER_CNN_HELD));
                // The run takes the plan's images: a plan is started once.
                let images = RunImages {
                    train: std::mem::take(&mut plan.images.train),
                    test: std::mem::take(&mut plan.images.test),
                    description: plan.images.description.clone(),
                };
                let (threshold, stop_there) = (*threshold, *stop_there);
                let run =
                    ClassifyRun::new(spec, config.clone(), images, *steps, threshold, stop_there, paper)?;
                (Active::Classify(Box::new(run)), *steps)
            }
        })
    }

    fn progress(&self, index: usize, points: Vec<Point>, notes: Vec<String>, run_done: bool) -> Progress {
        let run = self.result.runs.get(index);
        Progress {
            experiment: self.experiment.id,
            run_index: index,
            runs: self.plans.len(),
            label: self.plans.get(index).map_or("", |p| p.def.label).to_owned(),
            points,
            steps_taken: run.map_or(0, |r| r.steps_taken),
            steps_planned: run.map_or(0, |r| r.steps_planned),
            run_done: run_done || run.is_some_and(|r| r.finished),
            done: self.result.done,
            notes,
        }
    }
}

/// Settles run `def`: its images, model and settings, all checked.
fn plan(def: &RunDef, source: &Source<'_>, data: &LabData<'_>, options: &LabOptions) -> Result<Plan, Error> {
    let images = select(&def.data, data, options)?;
    let start = match def.work {
        Work::GradCheck { elements_per_tensor } => {
            source.network.fits_data(IMAGE_PIXELS, NUM_CLASSES)?;
            Start::Check { network: source.network.cast(), elements_per_tensor }
        }
        Work::Train { steps, threshold, stop_there } => {
            let steps = options.max_steps_per_run.map_or(steps, |cap| steps.min(cap));
            let (spec, config) = resolve(&def.model, source)?;
            let changes = match def.data {
                // A handful of images: every one of them in every step.
                super::DataUse::TrainingImages { count } => {
                    SettingsChanges { batch_size: Some(count), ..def.changes }
                }
                _ => def.changes,
            };
            let config = lab_config(&config, &changes, images.train.len(), steps)?;
            match def.model {
                ModelChoice::Autoencoder { .. } => spec.fits_data(IMAGE_PIXELS, IMAGE_PIXELS)?,
                _ => spec.fits_data(IMAGE_PIXELS, NUM_CLASSES)?,
            }
            Start::Train { spec, config, steps, threshold, stop_there }
        }
    };
    Ok(Plan { def: def.clone(), images, start })
}
