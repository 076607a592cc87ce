// The page imports these modules in the browser; the tests import them in
// Node. So none may touch the DOM when imported — only when used — and each
// must export what the page codes against.

import { test } from 'node:test';
import assert from 'node:assert/strict';

const EXPECTED = {
  '../js/preprocess.js': ['toMnist', 'boundingBox', 'centreOfMass', 'resampleArea', 'penWidth'],
  '../js/drawpad.js': ['DrawPad', 'KEYBOARD_HELP'],
  '../js/chart.js': ['LineChart', 'ema', 'niceTicks', 'extent', 'SeriesData', 'Smoother', 'formatNumber', 'tickFormatter', 'isDrawable', 'displaySize', 'applySize', 'cssColor', 'prefersDark', 'onColorSchemeChange', 'paintChart', 'PALETTE'],
  '../js/chart-math.js': ['ema', 'Smoother', 'niceTicks', 'extent', 'isDrawable', 'formatNumber', 'tickFormatter'],
  '../js/chart-series.js': ['SeriesData'],
  '../js/canvas.js': ['displaySize', 'applySize', 'cssColor', 'prefersDark', 'onColorSchemeChange'],
  '../js/chart-paint.js': ['paintChart', 'PALETTE'],
  '../js/line-chart.js': ['LineChart'],
  '../js/runs.js': ['RunList', 'runLabel', 'hasPoints', 'MAX_KEPT_RUNS'],
  '../js/legend.js': ['renderLegend'],
  '../js/curves.js': ['LearningCurves'],
  '../js/bars.js': ['drawProbabilities', 'drawDigit'],
  '../js/settings.js': ['SETTINGS', 'parseSetting', 'formatSetting', 'readFragment', 'writeFragment', 'workerMessages'],
  '../js/views.js': ['VIEWS', 'parseViewList', 'viewStates', 'frameTitle', 'frameHeight'],
  '../js/embed.js': ['reportHeight', 'embedCode', 'HEIGHT_MESSAGE', 'isFramed'],
  '../js/worker-machine.js': ['Machine', 'STATES', 'TRANSITIONS'],
  '../js/worker-keeper.js': ['WorkerKeeper', 'MAX_RESTARTS', 'RESTART_WINDOW_MS'],
  '../js/model-files.js': ['ModelFiles', 'exportName'],
  '../js/drawing.js': ['Drawing'],
  '../js/data-progress.js': ['showDataProgress', 'showDataError', 'clearDataProgress'],
  '../js/inside.js': ['Inside', 'tileImage', 'gridColumns', 'greyScale', 'divergingScale'],
  '../js/confusion.js': ['ConfusionMatrix', 'total', 'CELL_IMAGES'],
  '../js/status-line.js': ['StatusLine'],
  '../js/own-data.js': ['OwnData'],
  '../js/my-drawings.js': ['MyDrawings', 'csvRow', 'CSV_NAME'],
};

for (const [path, names] of Object.entries(EXPECTED)) {
  test(`${path.slice(3)} imports without a DOM and exports ${names.join(', ')}`, async () => {
    assert.equal(typeof document, 'undefined'); // we really are DOM-less here
    const module = await import(path);
    for (const name of names) assert.ok(name in module, `missing export ${name}`);
  });
}

test('an exported model is named groundup-<preset>-step<N>.safetensors', async () => {
  const { exportName } = await import('../js/model-files.js');
  assert.equal(exportName('cnn', 0), 'groundup-cnn-step0.safetensors');
  assert.equal(exportName('paper-mlp', 1234), 'groundup-paper-mlp-step1234.safetensors');
  assert.equal(exportName('../etc', 5), 'groundup-custom-step5.safetensors');
});

test('a kept drawing is one CSV row: its label, then 784 grey levels 0–255', async () => {
  const { csvRow } = await import('../js/my-drawings.js');
  const image = new Float32Array(784);
  image[0] = 1;
  image[1] = 0.5;
  image[783] = 1.2; // out of range is clamped, never written as 306
  const fields = csvRow(7, image).split(',');
  assert.equal(fields.length, 785);
  assert.deepEqual(fields.slice(0, 3), ['7', '255', '128']);
  assert.equal(fields[784], '255');
  assert.ok(fields.slice(3, 784).every((f) => f === '0'));
});
