// "Inside the network": what each conv and pool layer makes of the drawn
// digit (feature maps), the first layer's weights as pictures, and the
// network layer by layer. The worker computes them (`featureMaps`,
// `network`; the numbers come from the Rust session); this module only
// draws. Each group of images is one canvas with an accessible name
// ("Feature maps after conv 1", "Filters of conv 1") and a visible caption.

const number = (n) => Math.round(n).toLocaleString('en');

/** Columns for `count` tiles: a near-square grid, wider than tall. */
export function gridColumns(count) {
  return Math.max(1, Math.ceil(Math.sqrt(count)));
}

/**
 * Paints `count` tiles of `height`×`width` values (one Float32Array, tile
 * after tile) into an RGBA buffer, one pixel per value with a 1-pixel gap.
 * `colour(v)` maps a value to [r, g, b]. Returns {width, height, data}.
 */
export function tileImage(values, count, height, width, colour) {
  const columns = gridColumns(count);
  const rows = Math.ceil(count / columns);
  const W = columns * (width + 1) - 1;
  const H = rows * (height + 1) - 1;
  const data = new Uint8ClampedArray(W * H * 4); // transparent gaps
  for (let t = 0; t < count; t++) {
    const x0 = (t % columns) * (width + 1);
    const y0 = Math.floor(t / columns) * (height + 1);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [r, g, b] = colour(values[t * height * width + y * width + x]);
        const at = ((y0 + y) * W + x0 + x) * 4;
        data[at] = r;
        data[at + 1] = g;
        data[at + 2] = b;
        data[at + 3] = 255;
      }
    }
  }
  return { width: W, height: H, data };
}

/** Grey levels from the layer's own range: black its least, white its most. */
export function greyScale(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  return (v) => {
    const g = Math.round((255 * (v - lo)) / span);
    return [g, g, g];
  };
}

/** Weights: blue below zero, red above, white at zero, scaled by the largest |w|. */
export function divergingScale(values) {
  let top = 0;
  for (const v of values) top = Math.max(top, Math.abs(v));
  top = top || 1;
  return (v) => {
    const t = Math.max(-1, Math.min(1, v / top));
    const fade = Math.round(255 * (1 - Math.abs(t)));
    return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
  };
}

/** A captioned canvas holding `count` tiles, named `name` for assistive technology. */
function figure({ name, caption, values, count, height, width, colour, cssWidth }) {
  const fig = document.createElement('figure');
  fig.className = 'tiles';
  const canvas = document.createElement('canvas');
  const image = tileImage(values, count, height, width, colour);
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d').putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', name);
  canvas.dataset.tiles = String(count);
  canvas.dataset.tileHeight = String(height);
  canvas.dataset.tileWidth = String(width);
  // Every layer's grid about as wide on screen, its pixels square and sharp.
  canvas.style.width = `${cssWidth}px`;
  const cap = document.createElement('figcaption');
  cap.textContent = caption;
  fig.append(canvas, cap);
  return fig;
}

export class Inside {
  /** Elements: `maps`, `mapsNote`, `weights`, `weightsNote`, `layers` (a tbody), `total`. */
  constructor(el) {
    this.el = el;
  }

  /** The worker's `featureMaps` for the drawing (an empty list for an MLP). */
  showFeatureMaps({ maps, step }) {
    if (maps.length === 0) {
      this.el.maps.replaceChildren();
      this.el.mapsNote.textContent = 'This network has no conv or pool layers: see its weights below.';
      return;
    }
    this.el.maps.replaceChildren(
      ...maps.map((m) =>
        figure({
          name: `Feature maps after ${m.name}`,
          caption: `after ${m.name}: ${m.channels} maps of ${m.height}×${m.width}`,
          values: m.values,
          count: m.channels,
          height: m.height,
          width: m.width,
          colour: greyScale(m.values),
          cssWidth: 150,
        }),
      ),
    );
    this.el.mapsNote.textContent = `Your drawing through the network at step ${number(step)}: black is a map's least value, white its most.`;
  }

  /** No drawing: no maps. */
  clearFeatureMaps() {
    this.el.maps.replaceChildren();
    this.el.mapsNote.textContent = 'Draw a digit: the output of every conv and pool layer appears here.';
  }

  /** The worker's `network`: the layer table and the weights as pictures. */
  showNetwork({ step, layers, input, objective, totalParameters, weightImages }) {
    const row = (cells, header) => {
      const tr = document.createElement('tr');
      cells.forEach((text, i) => {
        const cell = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) cell.scope = 'row';
        cell.textContent = text;
        tr.append(cell);
      });
      if (header) tr.className = 'io';
      return tr;
    };
    const shape = (s) => s.join('×');
    this.el.layers.replaceChildren(
      row(['input', shape(input), '0', ''], true),
      ...layers.map((l) => row([l.name, shape(l.outputShape), number(l.parameters), l.section])),
      row([`objective: ${objective.name.replaceAll('_', ' ')}`, '', '', objective.section], true),
    );
    this.el.total.textContent = `Total parameters: ${number(totalParameters)}`;
    this.el.weights.replaceChildren(
      ...weightImages.map((g) =>
        figure({
          name: g.name,
          caption: `${g.name}: ${g.count} of ${g.height}×${g.width}`,
          values: g.values,
          count: g.count,
          height: g.height,
          width: g.width,
          colour: divergingScale(g.values),
          cssWidth: g.height <= 7 ? 120 : 220,
        }),
      ),
    );
    this.el.weightsNote.textContent = weightImages.length
      ? `At step ${number(step)}. Red is a positive weight, blue a negative one, white zero.`
      : 'This network\'s first layer does not look at the image directly, so its weights are not pictures.';
  }
}
