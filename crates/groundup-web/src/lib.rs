//! The browser's view of groundup: one stateful [`WebTrainer`] (`Trainer` in
//! JavaScript) that a Web Worker creates, feeds with data chunks, steps, and
//! asks for predictions. Glue only — every decision is the core crate's.
//!
//! Errors cross as JavaScript `Error`s carrying the core's message (which
//! names the chunk, line and column, or the setting, or the step). A call
//! that fails changes nothing: data already loaded, the weights and the
//! settings stay as they were.
//!
//! See `www/js/protocol.js` for how the worker uses it.

use groundup::data::{parse_csv, Dataset, IMAGE_PIXELS};
use groundup::metrics::argmax_rows;
use groundup::model_io;
use groundup::optim::OptimizerSpec;
use groundup::presets::{preset, Preset, PRESET_NAMES};
use groundup::train::{accumulate_gradients, BatchSampler, GradientSums, TrainConfig, Trainer};
use groundup::Network;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[cfg(feature = "kernel-bench")]
pub mod kernel_bench;

#[wasm_bindgen(start)]
fn start() {
    // Rust panics become readable console errors instead of "unreachable".
    console_error_panic_hook::set_once();
}

/// A manifest promising more rows than this gets no room reserved up front
/// (196 MB of pixels; MNIST has 70,000 rows): a corrupt manifest must not
/// take the memory the data that really arrives will need.
const MAX_RESERVE_ROWS: usize = 250_000;

/// Settings the page can change; every field optional. camelCase, as JS writes it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Settings {
    optimizer: Option<String>,
    learning_rate: Option<f64>,
    batch_size: Option<usize>,
    epochs: Option<usize>,
    seed: Option<u64>,
}

/// The settings in force, as the page reads them back.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SettingsView<'a> {
    preset: &'a str,
    optimizer: &'static str,
    learning_rate: f64,
    batch_size: usize,
    epochs: usize,
    seed: u64,
}

/// One training step, camelCase for JS.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchView {
    step: u64,
    epoch: usize,
    batch_size: usize,
    loss: f64,
    accuracy: f64,
}

impl From<groundup::metrics::BatchMetrics> for BatchView {
    fn from(m: groundup::metrics::BatchMetrics) -> Self {
        Self { step: m.step, epoch: m.epoch, batch_size: m.batch_size, loss: m.loss, accuracy: m.accuracy }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepReport {
    batches: Vec<BatchView>,
    step: u64,
    epoch: usize,
    /// All epochs asked for are done.
    done: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Examples {
    #[serde(serialize_with = "as_uint8_array")]
    images: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    labels: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    predictions: Vec<u8>,
    confidences: Vec<f32>,
}

/// Bytes as a `Uint8Array` (serde-wasm-bindgen's form for byte strings)
/// rather than an array of numbers: 784 bytes an image add up.
fn as_uint8_array<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(bytes)
}

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js(value: &impl Serialize) -> JsValue {
    // Maps as plain objects, so `report.batches[0].loss` works in JS.
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).expect("plain data always converts")
}

/// A network, its training state and the data loaded so far.
#[wasm_bindgen(js_name = Trainer)]
pub struct WebTrainer {
    /// `None` when the model came from a file whose spec is no preset.
    preset: Option<Preset>,
    config: TrainConfig,
    trainer: Trainer,
    sampler: BatchSampler,
    train: Dataset,
    test: Dataset,
    /// The batch of a data-parallel step in progress (see `beginBatch`).
    pending: Option<PendingBatch>,
}

/// A batch split into shards, some computed here and some elsewhere.
struct PendingBatch {
    epoch: usize,
    /// The batch's images (as trained on: shifted if so configured), shard by shard.
    shards: Vec<Dataset>,
}

/// What `beginBatch` hands the worker: the weights to compute with and,
/// for every shard but the first (which stays here), its images and labels.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchPlan {
    epoch: usize,
    shards: Vec<ShardData>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShardData {
    #[serde(serialize_with = "as_uint8_array")]
    images: Vec<u8>,
    #[serde(serialize_with = "as_uint8_array")]
    labels: Vec<u8>,
}

/// A shard's sums besides its gradients, as JS sends them back.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ShardSums {
    examples: usize,
    loss: f64,
    correct: usize,
}

impl From<GradientSums> for ShardSums {
    fn from(s: GradientSums) -> Self {
        Self { examples: s.examples, loss: s.loss, correct: s.correct }
    }
}

#[wasm_bindgen(js_class = Trainer)]
impl WebTrainer {
    /// An untrained network of preset `name` (`cnn`, `mlp`, `paper-cnn`, `paper-mlp`).
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str) -> Result<WebTrainer, JsError> {
        let p = find_preset(name)?;
        let trainer = Trainer::new(&p.spec, &p.train).map_err(js_error)?;
        Ok(Self {
            config: p.train.clone(),
            preset: Some(p),
            trainer,
            sampler: BatchSampler::new(0),
            train: Dataset::new(),
            test: Dataset::new(),
            pending: None,
        })
    }

    /// A network of any architecture (a [`ModelSpec`](groundup::ModelSpec)
    /// as JSON), trained with the settings of preset `settings_from`; the
    /// spec is validated and a bad one throws naming the layer.
    #[wasm_bindgen(js_name = fromSpec)]
    pub fn from_spec(spec_json: &str, settings_from: &str) -> Result<WebTrainer, JsError> {
        let spec = groundup::ModelSpec::from_json(spec_json).map_err(js_error)?;
        let config = find_preset(settings_from)?.train;
        let trainer = Trainer::new(&spec, &config).map_err(js_error)?;
        Ok(Self {
            preset: None,
            config,
            trainer,
            sampler: BatchSampler::new(0),
            train: Dataset::new(),
            test: Dataset::new(),
            pending: None,
        })
    }

    /// The preset names, default first.
    #[wasm_bindgen(js_name = presetNames)]
    pub fn preset_names() -> Vec<String> {
        PRESET_NAMES.iter().map(|s| s.to_string()).collect()
    }

    /// Switches to another preset with its default settings and fresh
    /// weights; the loaded data stays.
    #[wasm_bindgen(js_name = setPreset)]
    pub fn set_preset(&mut self, name: &str) -> Result<(), JsError> {
        let p = find_preset(name)?;
        self.trainer = Trainer::new(&p.spec, &p.train).map_err(js_error)?;
        self.config = p.train.clone();
        self.preset = Some(p);
        self.sampler = BatchSampler::new(self.train.len());
        self.pending = None;
        Ok(())
    }

    /// Changes any of `{optimizer, learningRate, batchSize, epochs, seed}`.
    /// All or nothing: one invalid value and none is applied. The learning
    /// rate takes effect at the next step; a new optimizer starts with fresh
    /// state; the seed applies at the next [`reset`](Self::reset).
    pub fn configure(&mut self, settings: JsValue) -> Result<(), JsError> {
        // Through serde_json, so that an unknown key ("momentum") is refused
        // rather than silently ignored.
        let json: serde_json::Value = serde_wasm_bindgen::from_value(settings).map_err(js_error)?;
        let s: Settings = serde_json::from_value(json).map_err(|e| js_error(format!("settings: {e}")))?;
        let mut config = self.config.clone();
        let lr = s.learning_rate.unwrap_or(config.optimizer.learning_rate());
        config.optimizer = match &s.optimizer {
            Some(name) => OptimizerSpec::from_name(name, lr).map_err(js_error)?,
            None => config.optimizer.with_learning_rate(lr),
        };
        config.batch_size = s.batch_size.unwrap_or(config.batch_size);
        config.epochs = s.epochs.unwrap_or(config.epochs);
        config.seed = s.seed.unwrap_or(config.seed);
        config.validate().map_err(js_error)?;
        if s.optimizer.is_some() {
            self.trainer.set_optimizer(&config.optimizer).map_err(js_error)?;
        }
        self.trainer.set_learning_rate(config.learning_rate_at(self.sampler.epoch())).map_err(js_error)?;
        self.config = config;
        Ok(())
    }

    /// The settings in force: `{preset, optimizer, learningRate, batchSize, epochs, seed}`.
    pub fn settings(&self) -> JsValue {
        to_js(&SettingsView {
            preset: self.preset.as_ref().map_or("custom", |p| p.name),
            optimizer: self.config.optimizer.name(),
            learning_rate: self.config.optimizer.learning_rate(),
            batch_size: self.config.batch_size,
            epochs: self.config.epochs,
            seed: self.config.seed,
        })
    }

    /// Fresh, untrained weights from the seed; the step count and epochs restart.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.trainer = Trainer::new(self.trainer.network().spec(), &self.config).map_err(js_error)?;
        self.sampler = BatchSampler::new(self.train.len());
        self.pending = None;
        Ok(())
    }

    /// Makes room for `rows` more images of `split` (the manifest's count)
    /// so that loading grows the data once instead of by doubling. Optional;
    /// if the memory cannot be had, throws and nothing changes.
    pub fn reserve(&mut self, split: &str, rows: usize) -> Result<(), JsError> {
        if rows > MAX_RESERVE_ROWS {
            return Err(js_error(format!(
                "{split}: not reserving room for {rows} rows (more than {MAX_RESERVE_ROWS}); they load as they come"
            )));
        }
        let target = self.split_mut(split).map_err(js_error)?;
        target.try_reserve(rows).map_err(|e| js_error(format!("{split}: cannot reserve {rows} rows: {e}")))
    }

    /// Parses one CSV chunk (`label,p0,…,p783` rows; plain or gzip) into the
    /// `train` or `test` split. Returns the rows added. On a malformed row
    /// nothing is added and the error names `name`, the line and the column.
    #[wasm_bindgen(js_name = addChunk)]
    pub fn add_chunk(&mut self, split: &str, name: &str, csv: &[u8]) -> Result<usize, JsError> {
        let chunk = parse_csv(csv, name).map_err(js_error)?;
        self.split_mut(split).map_err(|e| js_error(format!("{name}: {e}")))?.extend(&chunk);
        self.sampler.set_len(self.train.len());
        Ok(chunk.len())
    }

    #[wasm_bindgen(getter, js_name = trainSize)]
    pub fn train_size(&self) -> usize {
        self.train.len()
    }

    #[wasm_bindgen(getter, js_name = testSize)]
    pub fn test_size(&self) -> usize {
        self.test.len()
    }

    /// Steps taken since the last reset.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> f64 {
        self.trainer.steps() as f64
    }

    /// The epoch the next batch belongs to (0-based).
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> usize {
        self.sampler.next_epoch()
    }

    /// True once the configured number of epochs has been trained.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.sampler.next_epoch() >= self.config.epochs
    }

    /// Runs up to `batches` training steps and returns
    /// `{batches: [{step, epoch, batchSize, loss, accuracy}], step, epoch, done}`.
    /// Stops early when the epochs are done. A step that diverges throws;
    /// the weights are those before it.
    #[wasm_bindgen(js_name = trainStep)]
    pub fn train_step(&mut self, batches: usize) -> Result<JsValue, JsError> {
        if self.train.is_empty() {
            return Err(JsError::new("there is no training data yet: wait for the first chunk"));
        }
        self.abandon_batch();
        let mut report = Vec::with_capacity(batches);
        for _ in 0..batches {
            let Some((epoch, indices)) = self.next_batch()? else { break };
            let (x, labels) = self.config.training_batch(&self.train, &indices, self.trainer.rng()).all();
            report.push(self.trainer.train_batch(x, &labels, epoch).map_err(js_error)?.into());
        }
        Ok(self.step_report(report))
    }

    /// Starts one data-parallel step (the next batch, split into `parts`
    /// shards of nearly equal size) and returns `{epoch, shards}`: the
    /// images and labels of shards 1.. for other workers, which compute
    /// with [`weights`](Self::weights). Shard 0 is computed here by
    /// [`accumulateShard`](Self::accumulate_shard). Returns `null` when the
    /// epochs are done. See `www/js/shards.js`.
    #[wasm_bindgen(js_name = beginBatch)]
    pub fn begin_batch(&mut self, parts: usize) -> Result<JsValue, JsError> {
        if self.train.is_empty() {
            return Err(JsError::new("there is no training data yet: wait for the first chunk"));
        }
        if parts == 0 {
            return Err(JsError::new("beginBatch: parts must be at least 1"));
        }
        self.abandon_batch();
        let Some((epoch, indices)) = self.next_batch()? else { return Ok(JsValue::NULL) };
        let per_shard = indices.len().div_ceil(parts).max(1);
        // Shifted (if configured) once, here, so every shard sees the batch one worker would.
        let batch = self.config.training_batch(&self.train, &indices, self.trainer.rng());
        let shards: Vec<Dataset> = (0..indices.len())
            .step_by(per_shard)
            .map(|start| batch.subset(&(start..(start + per_shard).min(indices.len())).collect::<Vec<_>>()))
            .collect();
        let plan = BatchPlan {
            epoch,
            shards: shards[1..]
                .iter()
                .map(|d| ShardData { images: d.images.clone(), labels: d.labels.clone() })
                .collect(),
        };
        self.trainer.begin_step();
        self.pending = Some(PendingBatch { epoch, shards });
        Ok(to_js(&plan))
    }

    /// Computes shard `index` of the batch in progress here (shard 0; or
    /// any shard whose worker failed) and returns its `{examples, loss, correct}`.
    #[wasm_bindgen(js_name = accumulateShard)]
    pub fn accumulate_shard(&mut self, index: usize) -> Result<JsValue, JsError> {
        let pending = self.pending.as_ref().ok_or_else(|| JsError::new("no batch is in progress"))?;
        let shard = pending.shards.get(index).ok_or_else(|| {
            js_error(format!("the batch has {} shards, not {}", pending.shards.len(), index + 1))
        })?;
        let (x, labels) = shard.all();
        let sums = self.trainer.accumulate(x, &labels).map_err(js_error)?;
        Ok(to_js(&ShardSums::from(sums)))
    }

    /// Adds another worker's shard: its flat gradient sums (from
    /// `ShardWorker.gradients`) and `{examples, loss, correct}`. A wrong
    /// length is refused and changes nothing; a non-finite gradient is
    /// refused by `finishBatch` as a divergence.
    #[wasm_bindgen(js_name = addShardGradients)]
    pub fn add_shard_gradients(&mut self, gradients: &[f32], sums: JsValue) -> Result<(), JsError> {
        if self.pending.is_none() {
            return Err(JsError::new("no batch is in progress"));
        }
        // Through serde_json: serde-wasm-bindgen would ignore an unknown key.
        let json: serde_json::Value = serde_wasm_bindgen::from_value(sums).map_err(js_error)?;
        let sums: ShardSums =
            serde_json::from_value(json).map_err(|e| js_error(format!("shard sums: {e}")))?;
        let sums = GradientSums { examples: sums.examples, loss: sums.loss, correct: sums.correct };
        self.trainer.add_gradients(gradients, sums).map_err(js_error)
    }

    /// Applies the batch in progress once every shard is in; returns a
    /// report like [`trainStep`](Self::train_step)'s with one batch. A step
    /// that diverges throws; the weights are those before it.
    #[wasm_bindgen(js_name = finishBatch)]
    pub fn finish_batch(&mut self) -> Result<JsValue, JsError> {
        let pending = self.pending.take().ok_or_else(|| JsError::new("no batch is in progress"))?;
        let metrics = self.trainer.finish_step(pending.epoch).map_err(js_error)?;
        Ok(self.step_report(vec![metrics.into()]))
    }

    /// Drops the batch in progress, if any (its examples are skipped).
    #[wasm_bindgen(js_name = abandonBatch)]
    pub fn abandon_batch(&mut self) {
        if self.pending.take().is_some() {
            self.trainer.abandon_step();
        }
    }

    /// Every weight, flat, for the workers computing shards.
    pub fn weights(&self) -> Vec<f32> {
        self.trainer.network().flat_values()
    }

    /// Puts back `weights` (from [`weights`](Self::weights)) saved at step
    /// `step`, with a fresh optimizer at the current learning rate: how the
    /// worker recovers when the weights a divergence rolled back to still
    /// overflow on the test images. A wrong length or a non-finite weight
    /// is refused and changes nothing.
    #[wasm_bindgen(js_name = restoreWeights)]
    pub fn restore_weights(&mut self, weights: &[f32], step: f64) -> Result<(), JsError> {
        if !(step >= 0.0 && step <= self.trainer.steps() as f64 && step.fract() == 0.0) {
            return Err(js_error(format!("restoreWeights: step {step} is not one already taken")));
        }
        let optimizer = self.config.optimizer.with_learning_rate(self.trainer.learning_rate());
        self.abandon_batch();
        self.trainer.restore_weights(weights, step as u64, &optimizer).map_err(js_error)
    }

    /// How many weights the network has (the length of [`weights`](Self::weights)).
    #[wasm_bindgen(getter, js_name = weightCount)]
    pub fn weight_count(&self) -> usize {
        self.trainer.network().num_params()
    }

    /// Loss, accuracy and confusion matrix on the test split (its first
    /// `limit` images, if given): `{step, examples, loss, accuracy, confusion}`.
    pub fn evaluate(&mut self, limit: Option<usize>) -> Result<JsValue, JsError> {
        if self.test.is_empty() {
            return Err(JsError::new("there is no test data yet"));
        }
        let metrics = match limit {
            Some(n) if n < self.test.len() => self.trainer.evaluate(&self.test.take(n)),
            _ => self.trainer.evaluate(&self.test),
        }
        .map_err(js_error)?;
        Ok(to_js(&metrics))
    }

    /// As [`evaluate`](Self::evaluate), over test images `start..start+count`
    /// only: a worker evaluates the full set in pieces, staying responsive
    /// between them, and adds up `loss·examples` and the confusion matrices.
    #[wasm_bindgen(js_name = evaluateRange)]
    pub fn evaluate_range(&mut self, start: usize, count: usize) -> Result<JsValue, JsError> {
        if self.test.is_empty() {
            return Err(JsError::new("there is no test data yet"));
        }
        let range = start..start.saturating_add(count);
        Ok(to_js(&self.trainer.evaluate_range(&self.test, range).map_err(js_error)?))
    }

    /// Test images `start..start+count` (clamped) as bytes, `{images, labels}`:
    /// a piece of an evaluation for a shard worker.
    #[wasm_bindgen(js_name = testShard)]
    pub fn test_shard(&self, start: usize, count: usize) -> JsValue {
        let end = start.saturating_add(count).min(self.test.len());
        let indices: Vec<usize> = (start.min(end)..end).collect();
        let d = self.test.subset(&indices);
        to_js(&ShardData { images: d.images, labels: d.labels })
    }

    /// The ten class probabilities for one image of 784 values in [0, 1]
    /// (row-major 28×28, 0 = background).
    pub fn predict(&mut self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        if pixels.len() != IMAGE_PIXELS {
            return Err(JsError::new(&format!("predict: expected 784 pixels, got {}", pixels.len())));
        }
        if let Some(bad) = pixels.iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(JsError::new(&format!("predict: pixel value {bad} is outside [0, 1]")));
        }
        let x = Array2::from_shape_vec((1, IMAGE_PIXELS), pixels.to_vec()).expect("length checked");
        let probabilities = self.trainer.predict(x).into_raw_vec_and_offset().0;
        // The training guard keeps weights finite, but finite weights can
        // still overflow on some input; never hand a NaN to a chart.
        if probabilities.iter().any(|p| !p.is_finite()) {
            return Err(JsError::new(
                "the model's output for this image is not a finite number; press Reset",
            ));
        }
        Ok(probabilities)
    }

    /// Test images `start..start+count` with their labels and the network's
    /// predictions: `{images (count·784 bytes), labels, predictions, confidences}`.
    #[wasm_bindgen(js_name = testExamples)]
    pub fn test_examples(&mut self, start: usize, count: usize) -> JsValue {
        let end = (start + count).min(self.test.len());
        let indices: Vec<usize> = (start.min(end)..end).collect();
        let (x, labels) = self.test.batch(&indices);
        let probabilities = self.trainer.predict(x); // (n, 10)
        let predictions = argmax_rows(&probabilities);
        let confidences = predictions.iter().enumerate().map(|(i, &p)| probabilities[[i, p]]).collect();
        let images = indices.iter().flat_map(|&i| self.test.image(i).iter().copied()).collect();
        to_js(&Examples {
            images,
            labels,
            predictions: predictions.iter().map(|&p| p as u8).collect(),
            confidences,
        })
    }

    /// The model as a safetensors file.
    #[wasm_bindgen(js_name = exportModel)]
    pub fn export_model(&self) -> Vec<u8> {
        model_io::to_safetensors(self.trainer.network())
    }

    /// Replaces the model with one from a safetensors file (e.g. the
    /// pretrained one). Training restarts its step count from there. On any
    /// error the current model stays.
    #[wasm_bindgen(js_name = importModel)]
    pub fn import_model(&mut self, bytes: &[u8], name: &str) -> Result<(), JsError> {
        let network = model_io::from_safetensors(bytes, name).map_err(js_error)?;
        let matching = PRESET_NAMES.iter().filter_map(|n| preset(n)).find(|p| &p.spec == network.spec());
        let config = matching.as_ref().map_or_else(|| self.config.clone(), |p| p.train.clone());
        self.trainer = Trainer::from_network(network, &config).map_err(js_error)?;
        self.config = config;
        self.preset = matching;
        self.sampler = BatchSampler::new(self.train.len());
        self.pending = None;
        Ok(())
    }

    /// The architecture, as JSON.
    pub fn spec(&self) -> String {
        self.trainer.network().spec().to_json()
    }
}

impl WebTrainer {
    fn split_mut(&mut self, split: &str) -> Result<&mut Dataset, String> {
        match split {
            "train" => Ok(&mut self.train),
            "test" => Ok(&mut self.test),
            other => Err(format!("unknown split {other:?} (train or test)")),
        }
    }

    /// The next batch's `(epoch, indices)`, with the learning rate of its
    /// epoch set; `None` once the configured epochs are done.
    fn next_batch(&mut self) -> Result<Option<(usize, Vec<usize>)>, JsError> {
        let epoch = self.sampler.next_epoch();
        if epoch >= self.config.epochs {
            return Ok(None);
        }
        if epoch != self.sampler.epoch() || self.trainer.steps() == 0 {
            self.trainer.set_learning_rate(self.config.learning_rate_at(epoch)).map_err(js_error)?;
        }
        Ok(Some(self.sampler.next_batch(self.config.batch_size, self.trainer.rng())))
    }

    fn step_report(&self, batches: Vec<BatchView>) -> JsValue {
        to_js(&StepReport {
            batches,
            step: self.trainer.steps(),
            epoch: self.sampler.next_epoch(),
            done: self.done(),
        })
    }
}

/// The worker that computes shards of other workers' batches: a network
/// of the same spec, no data, no optimizer (`ShardWorker` in JavaScript).
#[wasm_bindgen]
pub struct ShardWorker {
    network: Network<f32>,
}

#[wasm_bindgen]
impl ShardWorker {
    /// A network of `spec_json` (weights arrive with every shard).
    #[wasm_bindgen(constructor)]
    pub fn new(spec_json: &str) -> Result<ShardWorker, JsError> {
        let spec = groundup::ModelSpec::from_json(spec_json).map_err(js_error)?;
        let mut rng = <rand::rngs::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(0);
        Ok(Self { network: Network::new(&spec, &mut rng).map_err(js_error)? })
    }

    /// Σ ∂e_i/∂w over the shard (`n·784` pixel bytes, `n` labels) with the
    /// given flat `weights`: `{gradients: Float32Array, examples, loss, correct}`.
    pub fn gradients(
        &mut self,
        weights: &[f32],
        images: Vec<u8>,
        labels: Vec<u8>,
    ) -> Result<JsValue, JsError> {
        let shard = Dataset::from_bytes(images, labels, "shard").map_err(js_error)?;
        if shard.is_empty() {
            return Err(JsError::new("shard: no images"));
        }
        self.network.load_flat_values(weights).map_err(js_error)?;
        self.network.zero_grad();
        let (x, labels) = shard.all();
        let sums = accumulate_gradients(&mut self.network, x, &labels);
        #[derive(Serialize)]
        struct Out {
            #[serde(with = "serde_wasm_bindgen::preserve")]
            gradients: JsValue,
            examples: usize,
            loss: f64,
            correct: usize,
        }
        let gradients = js_sys::Float32Array::from(self.network.flat_grads().as_slice()).into();
        Ok(to_js(&Out { gradients, examples: sums.examples, loss: sums.loss, correct: sums.correct }))
    }

    /// Test loss and accuracy over a piece of an evaluation (`n·784` pixel
    /// bytes, `n` labels) with the given flat `weights`: `{examples, loss, correct}`,
    /// `loss` summed over the images. Throws if the output is not finite.
    pub fn evaluate(
        &mut self,
        weights: &[f32],
        images: Vec<u8>,
        labels: Vec<u8>,
    ) -> Result<JsValue, JsError> {
        let piece = Dataset::from_bytes(images, labels, "evaluation piece").map_err(js_error)?;
        self.network.load_flat_values(weights).map_err(js_error)?;
        let m = groundup::train::evaluate(&mut self.network, &piece).map_err(js_error)?;
        let correct = m.confusion.correct() as usize;
        Ok(to_js(&ShardSums { examples: m.examples, loss: m.loss * m.examples as f64, correct }))
    }
}

fn find_preset(name: &str) -> Result<Preset, JsError> {
    preset(name).ok_or_else(|| {
        JsError::new(&format!("unknown model {name:?}; choose one of {}", PRESET_NAMES.join(", ")))
    })
}
