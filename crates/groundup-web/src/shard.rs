//! `ShardWorker` in JavaScript: a helper of data-parallel training.

use groundup::train::{accumulate_gradients, evaluation_sums};
use groundup::{ModelSpec, Network};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::*;

/// The worker that computes shards of other workers' batches: a network
/// of the same spec, no data, no optimizer (`ShardWorker` in JavaScript).
#[wasm_bindgen]
pub struct ShardWorker {
    network: Network<f32>,
    /// The last weights received, kept for the next shard's.
    weights: Vec<f32>,
}

#[wasm_bindgen]
impl ShardWorker {
    /// A network of `spec_json` (weights arrive with every shard).
    #[wasm_bindgen(constructor)]
    pub fn new(spec_json: &str) -> Result<ShardWorker, JsValue> {
        let spec = ModelSpec::from_json(spec_json).map_err(js_error)?;
        spec.fits_data(groundup::data::IMAGE_PIXELS, groundup::data::NUM_CLASSES).map_err(js_error)?;
        let mut rng = <rand::rngs::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(0);
        Ok(Self { network: Network::new(&spec, &mut rng).map_err(js_error)?, weights: Vec::new() })
    }

    /// Σ ∂e_i/∂w over the shard (`n·784` pixel bytes, `n` labels), with
    /// the flat weights `buffer` brings; the gradients go back in the same
    /// `buffer`, which the training worker hands over again next step, so
    /// nothing the size of the network is allocated per step on either side
    /// (www/js/shards.js). Returns `{examples, loss, correct}`.
    pub fn gradients(
        &mut self,
        buffer: &js_sys::Float32Array,
        images: Vec<u8>,
        labels: Vec<u8>,
    ) -> Result<JsValue, JsValue> {
        let shard = shard_data(images, labels, "shard")?;
        if shard.is_empty() {
            return Err(js_error(groundup::ConfigError::new("shard", "no images")));
        }
        let (len, expected) = (buffer.length() as usize, self.network.num_params());
        if len != expected {
            let e = groundup::ConfigError::new(
                "weights",
                format!("{len} values for a network of {expected} weights"),
            );
            return Err(js_error(e));
        }
        self.weights.resize(expected, 0.0);
        buffer.copy_to(&mut self.weights);
        self.network.load_flat_values(&self.weights).map_err(js_error)?;
        self.network.zero_grad();
        let (x, labels) = shard.all();
        let sums = accumulate_gradients(&mut self.network, x, &labels);
        copy_into_float32_array(buffer, self.network.grad_slices(), expected, "gradients")?;
        #[derive(Serialize)]
        struct Out {
            examples: usize,
            loss: f64,
            correct: usize,
        }
        Ok(to_js(&Out { examples: sums.examples, loss: sums.loss, correct: sums.correct }))
    }

    /// The sums of a piece of an evaluation (`n·784` pixel bytes, `n`
    /// labels) with the given flat `weights`: `{examples, lossSum,
    /// confusion}`, for the training worker's `addEvaluation`.
    pub fn evaluate(
        &mut self,
        weights: &[f32],
        images: Vec<u8>,
        labels: Vec<u8>,
    ) -> Result<JsValue, JsValue> {
        let piece = shard_data(images, labels, "evaluation piece")?;
        self.network.load_flat_values(weights).map_err(js_error)?;
        Ok(to_js(&evaluation_sums(&mut self.network, &piece, 0..piece.len())))
    }
}

fn shard_data(images: Vec<u8>, labels: Vec<u8>, what: &str) -> Result<groundup::data::Dataset, JsValue> {
    groundup::data::Dataset::from_bytes(images, labels, what)
        .map_err(|e| js_error(groundup::ConfigError::new(what.replace(' ', "_"), e)))
}
