//! `Experiment` in JavaScript: one of the paper's experiments
//! ([`groundup::lab::ExperimentRun`]) carried out in slices on copies of a
//! `Trainer`'s network and data; and `experiments()`, the catalog.
//!
//! Glue only: the run owns its copies, so the trainer is never changed and
//! can be dropped or retrained while the experiment exists.

use groundup::lab::{experiments, ExperimentRun};
use wasm_bindgen::prelude::*;

use crate::convert::{js_error, to_js_with_nulls};
use crate::trainer::WebTrainer;

/// One experiment under way (`Experiment` in JavaScript).
#[wasm_bindgen(js_name = Experiment)]
pub struct WebExperiment {
    run: ExperimentRun,
}

#[wasm_bindgen(js_class = Experiment)]
impl WebExperiment {
    /// Experiment `id` (`gradcheck`, `overfit-one`, …) on copies of the
    /// trainer's network, settings and images. An unknown id, too few
    /// images or a model that does not fit throws (`kind`, `field`).
    #[wasm_bindgen(constructor)]
    pub fn new(id: &str, trainer: &WebTrainer) -> Result<WebExperiment, JsValue> {
        let session = trainer.session();
        let run =
            ExperimentRun::new(id, groundup::lab::Source::of(session), groundup::lab::LabData::of(session))
                .map_err(js_error)?;
        Ok(Self { run })
    }

    /// At most `maxSteps` units of work: `{experiment, runIndex, runs,
    /// label, points: [{step, loss, accuracy}], stepsTaken, stepsPlanned,
    /// runDone, done, notes}`. An error ends the experiment.
    pub fn step(&mut self, max_steps: usize) -> Result<JsValue, JsValue> {
        Ok(to_js_with_nulls(&self.run.step(max_steps).map_err(js_error)?))
    }

    /// Everything shown so far (see `groundup::lab::ExperimentResult`);
    /// absent figures are `null`.
    pub fn result(&self) -> JsValue {
        to_js_with_nulls(self.run.result())
    }

    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.run.done()
    }
}

/// The experiments: `[{id, title, paperRef, paperReported, shows,
/// shortened, runs}]`, in the order the page lists them.
#[wasm_bindgen(js_name = experimentCatalog)]
pub fn experiment_catalog() -> JsValue {
    to_js_with_nulls(&experiments())
}
