//! `Trainer`'s data-parallel half: a batch, or an evaluation, split into
//! shards that other workers compute with `ShardWorker` and that this one
//! adds up (www/js/shards.js drives it; the core's `Session` keeps the sums).

use groundup::train::{EvalSums, GradientSums};
use wasm_bindgen::prelude::*;

use crate::convert::*;
use crate::trainer::WebTrainer;

#[wasm_bindgen(js_class = Trainer)]
impl WebTrainer {
    /// Starts one data-parallel step split into `parts` equal shards, or by
    /// `shares` (one positive number per shard) if given: `{epoch, shards}`
    /// with the images and labels of shards 1.. for other workers; `null`
    /// when the epochs are done. See `www/js/shards.js`.
    #[wasm_bindgen(js_name = beginBatch)]
    pub fn begin_batch(&mut self, parts: usize, shares: Option<Vec<f64>>) -> Result<JsValue, JsValue> {
        let plan = match shares {
            Some(shares) => self.session.begin_batch_shared(&shares),
            None => self.session.begin_batch(parts),
        };
        Ok(match plan.map_err(js_error)? {
            Some(plan) => to_js(&BatchPlan {
                epoch: plan.epoch,
                shards: plan.shards.into_iter().map(Images::from).collect(),
            }),
            None => JsValue::NULL,
        })
    }

    /// Computes shard `index` of the batch in progress here; returns its
    /// `{examples, loss, correct}`.
    #[wasm_bindgen(js_name = accumulateShard)]
    pub fn accumulate_shard(&mut self, index: usize) -> Result<JsValue, JsValue> {
        let sums = self.session.accumulate_shard(index).map_err(js_error)?;
        Ok(to_js(&ShardSums::from(sums)))
    }

    /// Adds another worker's shard: its flat gradient sums (from
    /// `ShardWorker.gradients`) and `{examples, loss, correct}`.
    #[wasm_bindgen(js_name = addShardGradients)]
    pub fn add_shard_gradients(&mut self, gradients: &[f32], sums: JsValue) -> Result<(), JsValue> {
        let s: ShardSums = from_js(sums, "shard_sums")?;
        let sums = GradientSums { examples: s.examples, loss: s.loss, correct: s.correct };
        self.session.add_shard_gradients(gradients, sums).map_err(js_error)
    }

    /// Applies the batch in progress; a report like `trainStep`'s, `stall` included.
    #[wasm_bindgen(js_name = finishBatch)]
    pub fn finish_batch(&mut self) -> Result<JsValue, JsValue> {
        Ok(step_report_to_js(&self.session.finish_batch().map_err(js_error)?))
    }

    /// Drops the batch in progress, if any.
    #[wasm_bindgen(js_name = abandonBatch)]
    pub fn abandon_batch(&mut self) {
        self.session.abandon_batch();
    }

    /// Every weight, flat (as `weights()`), into `out`, a `Float32Array`
    /// of exactly `weightCount` values kept from step to step: what a
    /// shard worker gets, without allocating 3.5 MB a step (the paper MLP).
    #[wasm_bindgen(js_name = copyWeightsTo)]
    pub fn copy_weights_to(&self, out: &js_sys::Float32Array) -> Result<(), JsValue> {
        let network = self.session.network();
        copy_into_float32_array(out, network.value_slices(), network.num_params(), "weights")
    }

    /// Every weight, flat, for the workers computing shards.
    pub fn weights(&self) -> Vec<f32> {
        self.session.weights()
    }

    /// How many weights the network has (the length of `weights()`).
    #[wasm_bindgen(getter, js_name = weightCount)]
    pub fn weight_count(&self) -> usize {
        self.session.network().num_params()
    }

    /// Hands out the next `count` images of the evaluation in progress:
    /// `[start, end)` as a two-element array (empty when all are out).
    #[wasm_bindgen(js_name = claimEvaluation)]
    pub fn claim_evaluation(&mut self, count: usize) -> Result<Vec<usize>, JsValue> {
        let range = self.session.claim_evaluation(count).map_err(js_error)?;
        Ok(vec![range.start, range.end])
    }

    /// The sums over test images `start..end` with the current weights:
    /// `{examples, lossSum, confusion}` (for `addEvaluation`).
    #[wasm_bindgen(js_name = evaluateHere)]
    pub fn evaluate_here(&mut self, start: usize, end: usize) -> JsValue {
        to_js(&self.session.evaluate_here(start..end))
    }

    /// Adds a piece's sums (from `evaluateHere` or `ShardWorker.evaluate`);
    /// the result as `evaluateNext`'s.
    #[wasm_bindgen(js_name = addEvaluation)]
    pub fn add_evaluation(&mut self, sums: JsValue) -> Result<JsValue, JsValue> {
        let piece: EvalSums =
            from_js(sums, "evaluation_sums").inspect_err(|_| self.session.abandon_evaluation())?;
        Ok(self.session.add_evaluation(&piece).map_err(js_error)?.map_or(JsValue::NULL, |r| to_js(&r)))
    }

    /// Test images `start..start+count` (clamped) as bytes, `{images, labels}`.
    #[wasm_bindgen(js_name = testShard)]
    pub fn test_shard(&self, start: usize, count: usize) -> JsValue {
        to_js(&Images::from(self.session.test_images(start..start.saturating_add(count))))
    }
}
