// The architecture editor's list operations, on a stack of layers as a
// spec writes them ({type: 'conv2d', filters, kernel, padding, bias, init},
// {type: 'dense', units, …}, {type: 'relu'}, …). Pure: no DOM, no worker,
// no rules about which stacks can be trained (those are Rust's: the editor
// asks the worker, `describeArch`). Every function returns a new array.
// Node tests it (e2e/unit/arch-layers.test.mjs).

/** The kinds a reader can add, in the select's order: [type, label]. */
export const LAYER_KINDS = [
  ['conv2d', 'conv'],
  ['max_pool2d', 'pool'],
  ['dense', 'dense'],
  ['sigmoid', 'sigmoid'],
  ['relu', 'ReLU'],
  ['leaky_relu', 'leaky ReLU'],
];

/** The objectives: [name as in a spec, label]. */
export const OBJECTIVES = [
  ['softmax_cross_entropy', 'softmax + cross-entropy'],
  ['sigmoid_sum_of_squares', 'sigmoid + sum of squares'],
];

/**
 * The fields a reader edits per type: [key, label, kind]; kind 'whole' (a
 * count), 'decimal' or a list of choices.
 */
export const LAYER_FIELDS = {
  conv2d: [['filters', 'Filters', 'whole'], ['kernel', 'Kernel', 'whole'], ['padding', 'Padding', ['same', 'valid']]],
  max_pool2d: [['size', 'Size', 'whole']],
  dense: [['units', 'Units', 'whole']],
  leaky_relu: [['alpha', 'Alpha', 'decimal']],
};

/** A new layer of `type`, with the values a reader most likely wants. */
export function newLayer(type) {
  switch (type) {
    case 'conv2d': return { type, filters: 8, kernel: 5, padding: 'same', bias: true, init: 'he' };
    case 'max_pool2d': return { type, size: 2 };
    case 'dense': return { type, units: 32, bias: true, init: 'glorot' };
    case 'leaky_relu': return { type, alpha: 0.01 };
    case 'sigmoid': case 'relu': return { type };
    default: throw new Error(`unknown layer type ${type}`);
  }
}

/** Where the output layer is: the last dense layer (or the end, if none). */
export function outputIndex(layers) {
  for (let i = layers.length - 1; i >= 0; i -= 1) if (layers[i].type === 'dense') return i;
  return layers.length;
}

/** `layers` with a new layer of `type` just before the output layer; returns {layers, index}. */
export function addLayer(layers, type) {
  const index = outputIndex(layers);
  return { layers: [...layers.slice(0, index), newLayer(type), ...layers.slice(index)], index };
}

export function removeLayer(layers, index) {
  return layers.filter((_, i) => i !== index);
}

/** Layer `index` moved by `delta` (−1 up, +1 down); unchanged at either end. */
export function moveLayer(layers, index, delta) {
  const to = index + delta;
  if (to < 0 || to >= layers.length || index < 0 || index >= layers.length) return layers;
  const moved = [...layers];
  [moved[index], moved[to]] = [moved[to], moved[index]];
  return moved;
}

/** Layer `index` with `key` set to `value`. */
export function setField(layers, index, key, value) {
  return layers.map((layer, i) => (i === index ? { ...layer, [key]: value } : layer));
}

/**
 * Reads a field's text: {value} or {error} (a phrase after the field's
 * name). Only whether it is a number at all: its range is Rust's to judge.
 */
export function readField(kind, text) {
  const raw = String(text ?? '').trim();
  if (Array.isArray(kind)) return kind.includes(raw) ? { value: raw } : { error: `must be one of ${kind.join(', ')}` };
  if (kind === 'whole') {
    if (!/^\d+$/.test(raw)) return { error: `"${raw}" is not a whole number` };
    const value = Number(raw);
    return Number.isSafeInteger(value) ? { value } : { error: `"${raw}" is too large` };
  }
  if (!/^(\d+\.?\d*|\.\d+)$/.test(raw)) return { error: `"${raw}" is not a number such as 0.01` };
  return { value: Number(raw) };
}
