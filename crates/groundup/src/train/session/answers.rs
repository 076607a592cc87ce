//! What the session tells a reader: the answer for a drawn image, test
//! images with the network's answers, and what is inside the network
//! (see [`crate::inspect`]).

use super::{Examples, Session};
use crate::inspect::{self, ExamplesWhere, FeatureMap, NetworkSummary, WeightImage};
use crate::metrics::argmax_rows;
use crate::{Error, TrainError};

impl Session {
    // ---- answers --------------------------------------------------------------

    /// The class probabilities for one image of 784 values in [0, 1]
    /// (row-major 28×28, 0 = background).
    pub fn predict(&mut self, pixels: &[f32]) -> Result<Vec<f32>, Error> {
        let x = inspect::image_row(pixels)?;
        let probabilities = self.trainer.predict(x).into_raw_vec_and_offset().0;
        // The guard keeps weights finite, but finite weights can still
        // overflow on some input; never hand a NaN to a chart.
        if probabilities.iter().any(|p| !p.is_finite()) {
            return Err(TrainError::NonFiniteOutput { what: "this image".into() }.into());
        }
        Ok(probabilities)
    }

    /// Test images `start..start+count` (clamped) with the network's answers.
    pub fn test_examples(&mut self, start: usize, count: usize) -> Examples {
        let end = start.saturating_add(count).min(self.test.len());
        let indices: Vec<usize> = (start.min(end)..end).collect();
        let (x, labels) = self.test.batch(&indices);
        let probabilities = self.trainer.predict(x); // (n, classes)
        let predictions = argmax_rows(&probabilities);
        let confidences = predictions.iter().enumerate().map(|(i, &p)| probabilities[[i, p]]).collect();
        let images = indices.iter().flat_map(|&i| self.test.image(i).iter().copied()).collect();
        Examples { images, labels, predictions: predictions.iter().map(|&p| p as u8).collect(), confidences }
    }

    // ---- inside the network (see crate::inspect) ------------------------------

    /// Every layer with its name, kind, output shape, weights and the
    /// paper's section; the objective and the total weight count.
    pub fn layer_summary(&self) -> NetworkSummary {
        inspect::summary(self.trainer.network())
    }

    /// For one image of 784 values in [0, 1], the output of every conv2d
    /// and max_pool2d layer (none for an MLP).
    pub fn feature_maps(&mut self, pixels: &[f32]) -> Result<Vec<FeatureMap>, Error> {
        inspect::feature_maps(self.trainer.network_mut(), pixels)
    }

    /// The weights that are pictures of the input, at most `max_units`
    /// units of an MLP's first layer (see [`inspect::weight_images`]).
    pub fn weight_images(&self, max_units: usize) -> Result<Vec<WeightImage>, Error> {
        Ok(inspect::weight_images(self.trainer.network(), max_units)?)
    }

    /// The test images labelled `label` that the network now answers
    /// `predicted`, at most `max`, in test-set order (a confusion-matrix cell).
    pub fn test_examples_where(
        &mut self,
        label: usize,
        predicted: usize,
        max: usize,
    ) -> Result<ExamplesWhere, Error> {
        inspect::examples_where(self.trainer.network_mut(), &self.test, label, predicted, max)
    }
}
