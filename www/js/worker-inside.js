// What the page's "Inside the network" panel shows, for the training worker
// (worker.js): the network layer by layer with its first weights as
// pictures, the feature maps of the drawing, and the test images of one
// confusion-matrix cell, and the architecture editor's answers. The session (Rust) computes all of it.

import { post, reportError, w } from './worker-context.js';

// First-layer units of an MLP shown as 28×28 pictures.
const WEIGHT_UNITS = 16;

/** The network as it stands: after a new network and each evaluation. */
export function postNetwork() {
  try {
    const { layers, objective, totalParameters } = w.trainer.layers();
    const { input } = JSON.parse(w.trainer.spec());
    post('network', { step: w.trainer.step, input, layers, objective, totalParameters, weightImages: w.trainer.weightImages(WEIGHT_UNITS) });
  } catch (e) {
    reportError('network', e);
  }
}

/**
 * An answer of `describeArch`/`describeLayers`/`architecture()` (Rust) to
 * the page: `archDescription` or `archRefused` #id.
 */
export function postArchAnswer(id, answer) {
  if (answer.ok) {
    const { arch, input, layers, objective, totalParameters } = answer.description;
    post('archDescription', { id, arch, input, layers, objective, totalParameters });
  } else {
    const { field, message, layer, index, layers } = answer.error;
    post('archRefused', { id, field, message, ...(layer !== undefined ? { layer, index } : {}), ...(layers ? { layers } : {}) });
  }
}

/** The drawing's feature maps, after its prediction. */
export function postFeatureMaps() {
  if (!w.drawing.pixels) return;
  try {
    post('featureMaps', { id: w.drawing.id, step: w.trainer.step, maps: w.trainer.featureMaps(w.drawing.pixels) });
  } catch (e) {
    reportError('featureMaps', e);
  }
}

/** The answer to `testImagesWhere` (errors go back as `error`). */
export function postTestImages({ label, predicted, max }) {
  const found = w.trainer.testExamplesWhere(label, predicted, max);
  post('testImages', {
    label,
    predicted,
    indices: Array.from(found.indices),
    images: found.images,
    confidences: Array.from(found.confidences),
    scanned: found.scanned,
    step: w.trainer.step,
  });
}
