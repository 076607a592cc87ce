// The page imports these modules in the browser; the tests import them in
// Node. So none may touch the DOM when imported — only when used — and each
// must export what the page codes against.

import { test } from 'node:test';
import assert from 'node:assert/strict';

const EXPECTED = {
  '../js/preprocess.js': ['toMnist', 'boundingBox', 'centreOfMass', 'resampleArea', 'penWidth'],
  '../js/drawpad.js': ['DrawPad', 'KEYBOARD_HELP'],
  '../js/chart.js': ['LineChart', 'ema', 'niceTicks', 'extent'],
  '../js/bars.js': ['drawProbabilities', 'drawDigit'],
  '../js/settings.js': ['SETTINGS', 'parseSetting', 'formatSetting', 'readFragment', 'writeFragment', 'workerMessages'],
  '../js/worker-machine.js': ['Machine', 'STATES', 'TRANSITIONS'],
};

for (const [path, names] of Object.entries(EXPECTED)) {
  test(`${path.slice(3)} imports without a DOM and exports ${names.join(', ')}`, async () => {
    assert.equal(typeof document, 'undefined'); // we really are DOM-less here
    const module = await import(path);
    for (const name of names) assert.ok(name in module, `missing export ${name}`);
  });
}
