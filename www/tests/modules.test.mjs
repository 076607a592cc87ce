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
