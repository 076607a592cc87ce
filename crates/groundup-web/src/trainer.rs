//! `Trainer` in JavaScript: the training session, as the page's worker drives it.

use groundup::presets::PRESET_NAMES;
use groundup::train::{find_preset, Session, SettingsPatch, StepReport};
use groundup::ModelSpec;
use wasm_bindgen::prelude::*;

use crate::convert::*;

/// A training session: the network, its settings, the data loaded so far
/// and where training stands (`Trainer` in JavaScript).
#[wasm_bindgen(js_name = Trainer)]
pub struct WebTrainer {
    pub(crate) session: Session,
}

#[wasm_bindgen(js_class = Trainer)]
impl WebTrainer {
    /// An untrained network of preset `name` (`cnn`, `mlp`, `paper-cnn`, `paper-mlp`).
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str) -> Result<WebTrainer, JsValue> {
        Ok(Self { session: Session::from_preset(name).map_err(js_error)? })
    }

    /// A network of any architecture (a [`ModelSpec`] as JSON), trained
    /// with the settings of preset `settings_from`; a bad spec throws
    /// naming the layer.
    #[wasm_bindgen(js_name = fromSpec)]
    pub fn from_spec(spec_json: &str, settings_from: &str) -> Result<WebTrainer, JsValue> {
        let spec = ModelSpec::from_json(spec_json).map_err(js_error)?;
        let config = find_preset(settings_from).map_err(js_error)?.train;
        let session =
            Session::new(&spec, config, Default::default(), Default::default()).map_err(js_error)?;
        Ok(Self { session })
    }

    /// The preset names, default first.
    #[wasm_bindgen(js_name = presetNames)]
    pub fn preset_names() -> Vec<String> {
        PRESET_NAMES.iter().map(|s| s.to_string()).collect()
    }

    /// Switches to an untrained network of another preset with its default
    /// settings; the loaded data stays.
    #[wasm_bindgen(js_name = setPreset)]
    pub fn set_preset(&mut self, name: &str) -> Result<(), JsValue> {
        self.session.set_preset(name).map_err(js_error)
    }

    /// Changes any of `{optimizer, learningRate, batchSize, epochs, seed}`,
    /// all or nothing (see `Session::configure`).
    pub fn configure(&mut self, settings: JsValue) -> Result<(), JsValue> {
        let patch: SettingsPatch = from_js(settings, "settings")?;
        self.session.configure(&patch).map_err(js_error)
    }

    /// The settings in force: `{preset, optimizer, learningRate, batchSize, epochs, seed}`.
    pub fn settings(&self) -> JsValue {
        to_js(&self.session.settings())
    }

    /// Fresh, untrained weights from the seed; the step count and epochs restart.
    pub fn reset(&mut self) -> Result<(), JsValue> {
        self.session.reset().map_err(js_error)
    }

    /// Makes room for `rows` more images of `split` (the manifest's count).
    /// Optional; if the memory cannot be had, throws and nothing changes.
    pub fn reserve(&mut self, split: &str, rows: usize) -> Result<(), JsValue> {
        self.session.reserve(split, rows).map_err(js_error)
    }

    /// Parses one CSV chunk (plain or gzip) of `rows` rows, as the
    /// manifest declares, into `train` or `test`; returns the rows added.
    /// Reading is bounded by `rows`. On a malformed row or another row
    /// count nothing is added and the error has `kind: "data"`, `file`,
    /// and for a bad row `line` and `column`.
    #[wasm_bindgen(js_name = addChunk)]
    pub fn add_chunk(&mut self, split: &str, name: &str, csv: &[u8], rows: usize) -> Result<usize, JsValue> {
        self.session.add_chunk(split, name, csv, rows).map_err(js_error)
    }

    #[wasm_bindgen(getter, js_name = trainSize)]
    pub fn train_size(&self) -> usize {
        self.session.train_data().len()
    }

    #[wasm_bindgen(getter, js_name = testSize)]
    pub fn test_size(&self) -> usize {
        self.session.test_data().len()
    }

    /// Steps taken since the network was made or loaded.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> f64 {
        self.session.step() as f64
    }

    /// The epoch the next batch belongs to (0-based).
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> usize {
        self.session.epoch()
    }

    /// Half epochs trained (see `Session::half_epochs`).
    #[wasm_bindgen(getter, js_name = halfEpochs)]
    pub fn half_epochs(&self) -> usize {
        self.session.half_epochs()
    }

    /// True once the configured number of epochs has been trained.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.session.done()
    }

    /// Runs up to `batches` training steps: `{batches: [{step, epoch,
    /// batchSize, loss, accuracy}], step, epoch, done, stall}`. `stall` is
    /// `null`, or, on the report where the loss is first seen to have
    /// stopped moving at chance accuracy, `{steps, sinceStep, loss,
    /// accuracy, message}` (`message`: "the loss has not changed for 200
    /// steps: …"). A step that diverges throws (`kind: "diverged"`); the
    /// weights are those before it.
    #[wasm_bindgen(js_name = trainStep)]
    pub fn train_step(&mut self, batches: usize) -> Result<JsValue, JsValue> {
        let report: StepReport = self.session.train_steps(batches).map_err(js_error)?;
        Ok(step_report_to_js(&report))
    }

    /// Starts an evaluation on all test images (`full`) or the first
    /// `subset`; returns how many it covers (0: no test data, none started).
    #[wasm_bindgen(js_name = beginEvaluation)]
    pub fn begin_evaluation(&mut self, full: bool, subset: usize) -> usize {
        self.session.begin_evaluation(full, subset)
    }

    #[wasm_bindgen(getter)]
    pub fn evaluating(&self) -> bool {
        self.session.evaluating()
    }

    /// Ends the evaluation in progress without a result.
    #[wasm_bindgen(js_name = abandonEvaluation)]
    pub fn abandon_evaluation(&mut self) {
        self.session.abandon_evaluation();
    }

    /// Evaluates the next `count` images of the evaluation in progress
    /// here: `null` while it goes on, then `{step, epoch, examples, loss,
    /// accuracy, confusion, full}`. If the output overflows, throws
    /// `kind: "diverged"` and the network is back at the last weights that
    /// evaluated finite (the message says which step).
    #[wasm_bindgen(js_name = evaluateNext)]
    pub fn evaluate_next(&mut self, count: usize) -> Result<JsValue, JsValue> {
        Ok(self.session.evaluate_next(count).map_err(js_error)?.map_or(JsValue::NULL, |r| to_js(&r)))
    }

    /// The ten class probabilities for one image of 784 values in [0, 1].
    pub fn predict(&mut self, pixels: &[f32]) -> Result<Vec<f32>, JsValue> {
        self.session.predict(pixels).map_err(js_error)
    }

    /// Test images `start..start+count` with their labels and the network's
    /// predictions: `{images (count·784 bytes), labels, predictions, confidences}`.
    #[wasm_bindgen(js_name = testExamples)]
    pub fn test_examples(&mut self, start: usize, count: usize) -> JsValue {
        let e = self.session.test_examples(start, count);
        to_js(&Examples {
            images: e.images,
            labels: e.labels,
            predictions: e.predictions,
            confidences: e.confidences,
        })
    }

    /// The network diagram: `{layers: [{index, name, kind, outputShape,
    /// parameters, section}], objective: {name, section}, totalParameters}`.
    /// `name` is "conv 1", "leaky ReLU 1", "pool 1", …, "flatten", "dense 1";
    /// `kind` the spec's type; `section` the paper's, e.g. "§4.3.1".
    pub fn layers(&self) -> JsValue {
        to_js(&self.session.layer_summary())
    }

    /// For one image of 784 values in [0, 1], the output of every conv2d
    /// (before its activation) and max_pool2d layer, in layer order:
    /// `[{index, name, channels, height, width, values: Float32Array}]`;
    /// `[]` for an MLP.
    #[wasm_bindgen(js_name = featureMaps)]
    pub fn feature_maps(&mut self, pixels: &[f32]) -> Result<JsValue, JsValue> {
        let maps = self.session.feature_maps(pixels).map_err(js_error)?;
        let maps: Vec<FeatureMapJs> = maps
            .into_iter()
            .map(|m| FeatureMapJs {
                index: m.index,
                name: m.name,
                channels: m.channels,
                height: m.height,
                width: m.width,
                values: float32_array(&m.values),
            })
            .collect();
        Ok(to_js(&maps))
    }

    /// The weights that are pictures of the input: `[{name, count, height,
    /// width, values: Float32Array}]` — "Filters of conv 1", "Weights of
    /// dense 1" (its first `maxUnits` units) or "Output weights per
    /// digit"; `[]` for other networks (see `groundup::inspect::weight_images`).
    #[wasm_bindgen(js_name = weightImages)]
    pub fn weight_images(&self, max_units: usize) -> Result<JsValue, JsValue> {
        let images = self.session.weight_images(max_units).map_err(js_error)?;
        let images: Vec<WeightImageJs> = images
            .into_iter()
            .map(|w| WeightImageJs {
                name: w.name,
                count: w.count,
                height: w.height,
                width: w.width,
                values: float32_array(&w.values),
            })
            .collect();
        Ok(to_js(&images))
    }

    /// The test images labelled `label` that the network now answers
    /// `predicted`, at most `max`, in test-set order: `{indices, images
    /// (n·784 bytes), labels, predictions, confidences, scanned}`; the scan
    /// stops once `max` are found (`scanned`: test images looked at).
    #[wasm_bindgen(js_name = testExamplesWhere)]
    pub fn test_examples_where(
        &mut self,
        label: usize,
        predicted: usize,
        max: usize,
    ) -> Result<JsValue, JsValue> {
        let found = self.session.test_examples_where(label, predicted, max).map_err(js_error)?;
        let e = found.examples;
        Ok(to_js(&ExamplesWhereJs {
            indices: found.indices,
            images: e.images,
            labels: e.labels,
            predictions: e.predictions,
            confidences: e.confidences,
            scanned: found.scanned,
        }))
    }

    /// The model as a safetensors file.
    #[wasm_bindgen(js_name = exportModel)]
    pub fn export_model(&self) -> Vec<u8> {
        self.session.export_model()
    }

    /// Replaces the model with one from a safetensors file; on any error
    /// the current model stays.
    #[wasm_bindgen(js_name = importModel)]
    pub fn import_model(&mut self, bytes: &[u8], name: &str) -> Result<(), JsValue> {
        self.session.import_model(bytes, name).map_err(js_error)
    }

    /// Takes over a run from its exported weights (a restarted worker):
    /// `step` steps taken, the next batch in `epoch`, with `settings` as
    /// `configure` takes them. On any error the current model stays.
    pub fn resume(
        &mut self,
        bytes: &[u8],
        name: &str,
        step: f64,
        epoch: usize,
        settings: JsValue,
    ) -> Result<(), JsValue> {
        let patch: SettingsPatch = from_js(settings, "settings")?;
        if !(step.is_finite() && step >= 0.0 && step.fract() == 0.0) {
            return Err(js_error(groundup::ConfigError::new(
                "step",
                format!("{step} is not a count of steps"),
            )));
        }
        self.session.resume(bytes, name, step as u64, epoch, &patch).map_err(js_error)
    }

    /// Switches to an untrained network of architecture `arch` (its text,
    /// see `groundup::arch`): fresh weights from the seed, the settings in
    /// force; the data stays. A stack that cannot be trained throws
    /// (`kind: "config"`, `field: "arch"`) and nothing changes.
    #[wasm_bindgen(js_name = setArchitecture)]
    pub fn set_architecture(&mut self, arch: &str) -> Result<(), JsValue> {
        let spec = groundup::arch::parse(arch).map_err(|e| js_error(groundup::ConfigError::from(e)))?;
        self.session.set_architecture(&spec).map_err(js_error)
    }

    /// Whether the network is its preset's own layers (false for an
    /// architecture of the reader's, trained with a preset's settings).
    #[wasm_bindgen(getter, js_name = presetNetwork)]
    pub fn preset_network(&self) -> bool {
        self.session.network_is_preset()
    }

    /// The current network as the architecture editor shows it: the answer
    /// of `describeArch` (a network beyond the editor's limits, say an
    /// imported one, is `{ok: false, error}`).
    pub fn architecture(&self) -> JsValue {
        crate::arch::answer(groundup::arch::describe(self.session.network().spec()))
    }

    /// The architecture, as JSON.
    pub fn spec(&self) -> String {
        self.session.network().spec().to_json()
    }
}

impl WebTrainer {
    /// The session, read-only, for an experiment to copy from (`lab.rs`).
    pub(crate) fn session(&self) -> &Session {
        &self.session
    }
}
