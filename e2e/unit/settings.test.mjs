// The settings table (www/js/settings.js): typed text, the URL fragment, and
// the messages that put settings in force. Typed values are checked for
// syntax only (Rust checks ranges and names the field); URL values are also
// range-checked here, and refused by key and value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_PRESET, EXPERIMENT_IDS, FORM_SETTINGS, ROUTE, SETTINGS, describeProblem, formatSetting, parseSetting,
  readFragment, settingNamed, workerMessages, writeFragment,
} from '../../www/js/settings.js';
import { WHOLE_PAGE } from '../../www/js/views.js';

const ALL_SEVEN = 'preset=paper-mlp&optimizer=sgd&lr=0.05&batch=250&epochs=7&seed=7&workers=1';
const TWO_CORES = { cores: 2 };

test('learning rates as people type them', () => {
  assert.deepEqual(parseSetting('learningRate', ' 0.01 '), { value: 0.01 });
  assert.deepEqual(parseSetting('learningRate', '1e-3'), { value: 0.001 });
  assert.deepEqual(parseSetting('learningRate', '.5'), { value: 0.5 });
  // Out of range goes to Rust, which names the field in its refusal.
  assert.deepEqual(parseSetting('learningRate', '1000'), { value: 1000 });
  assert.deepEqual(parseSetting('learningRate', '-1'), { value: -1 });
  assert.match(parseSetting('learningRate', 'abc').error, /^"abc" is not a number \(e\.g\. 0\.01\)$/);
  for (const bad of ['0x10', 'Infinity', '1,5', '1e999']) {
    assert.match(parseSetting('learningRate', bad).error, /not a number/, bad);
  }
  assert.equal(parseSetting('learningRate', '  ').error, 'enter a value');
});

test('counts and seeds are whole numbers', () => {
  assert.deepEqual(parseSetting('batchSize', '10,000'), { value: 10000 });
  assert.deepEqual(parseSetting('batchSize', '10 000'), { value: 10000 });
  assert.deepEqual(parseSetting('epochs', '0'), { value: 0 }); // Rust says "between 1 and 1000"
  assert.match(parseSetting('batchSize', '6.5').error, /"6.5" is not a whole number/);
  assert.match(parseSetting('epochs', '-2').error, /negative/);
  assert.match(parseSetting('seed', '99999999999999999999').error, /too large/);
  assert.deepEqual(parseSetting('seed', '42'), { value: 42 });
  assert.deepEqual(parseSetting('workers', '2'), { value: 2 });
});

test('choices are names from their list', () => {
  assert.deepEqual(parseSetting('optimizer', 'adam'), { value: 'adam' });
  assert.match(parseSetting('optimizer', 'rmsprop').error, /"rmsprop" is not one of sgd, momentum, adam/);
  assert.deepEqual(parseSetting('preset', 'paper-cnn'), { value: 'paper-cnn' });
  assert.ok(parseSetting('nonsense', '1').error);
  assert.equal(formatSetting('learningRate', 0.1 + 0.2), '0.3');
  assert.equal(formatSetting('batchSize', 64), '64');
});

test('the table: every form control and URL key once, reserved keys without a control', () => {
  const keys = SETTINGS.map((s) => s.urlKey);
  assert.deepEqual(keys.slice(0, 7), ['preset', 'optimizer', 'lr', 'batch', 'epochs', 'seed', 'workers']);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(FORM_SETTINGS.map((s) => s.control), ['preset', 'optimizer', 'learningRate', 'batchSize', 'epochs', 'seed', 'workers']);
  for (const s of SETTINGS) {
    assert.ok(Object.values(ROUTE).includes(s.route), s.name);
    if (s.route === ROUTE.reserved) assert.equal(s.control, undefined, s.name);
    else assert.equal(typeof s.parse, 'function', s.name);
  }
});

test('URL → values → URL: all seven keys round-trip', () => {
  const { values, problems } = readFragment(`#${ALL_SEVEN}`, TWO_CORES);
  assert.deepEqual(problems, []);
  assert.deepEqual(values, {
    preset: 'paper-mlp', optimizer: 'sgd', learningRate: 0.05, batchSize: 250, epochs: 7, seed: 7, workers: 1,
  });
  assert.equal(writeFragment(values), ALL_SEVEN);
  // Key order in the URL does not matter; the written one is the table's.
  const shuffled = readFragment('seed=7&lr=1e-3&preset=cnn', TWO_CORES);
  assert.deepEqual(shuffled.values, { seed: 7, learningRate: 0.001, preset: 'cnn' });
  assert.equal(writeFragment(shuffled.values), 'preset=cnn&lr=0.001&seed=7');
  // Grouped digits as in the form, and the largest exact seed.
  assert.deepEqual(readFragment('batch=10,000&seed=9007199254740991', TWO_CORES).values, { batchSize: 10000, seed: 2 ** 53 - 1 });
  assert.deepEqual(readFragment('', TWO_CORES), { values: {}, problems: [] });
  assert.deepEqual(readFragment('#', TWO_CORES), { values: {}, problems: [] });
  assert.equal(writeFragment({}), '');
});

test('each bad URL value is refused by key and value, and the default named', () => {
  const defaults = { preset: DEFAULT_PRESET, optimizer: 'adam', learningRate: 0.004, batchSize: 64, epochs: 4, seed: 1, workers: 2 };
  const cases = [
    ['lr=abc', 'URL: lr=abc is not a number; using the default 0.004.'],
    ['lr=0', 'URL: lr=0 is not a positive number up to 10; using the default 0.004.'],
    ['lr=11', 'URL: lr=11 is not a positive number up to 10; using the default 0.004.'],
    ['batch=0', 'URL: batch=0 is not between 1 and 10000; using the default 64.'],
    ['batch=10001', 'URL: batch=10001 is not between 1 and 10000; using the default 64.'],
    ['preset=nope', 'URL: preset=nope is not one of paper-cnn, paper-mlp, cnn, mlp; using the default cnn.'],
    ['optimizer=rmsprop', 'URL: optimizer=rmsprop is not one of sgd, momentum, adam; using the default adam.'],
    ['workers=1000', 'URL: workers=1000 is not between 1 and 2 (the cores this browser reports); using the default 2.'],
    ['workers=0', 'URL: workers=0 is not between 1 and 2 (the cores this browser reports); using the default 2.'],
    ['epochs=-1', 'URL: epochs=-1 is not between 1 and 1000; using the default 4.'],
    ['seed=1.5', 'URL: seed=1.5 is not a whole number; using the default 1.'],
    ['seed=-1', 'URL: seed=-1 is not between 0 and 9007199254740991; using the default 1.'],
    ['seed=99999999999999999999', 'URL: seed=99999999999999999999 is too large; using the default 1.'],
    ['epochs=', 'URL: epochs= is empty; using the default 4.'],
  ];
  for (const [fragment, text] of cases) {
    const { values, problems } = readFragment(`#${fragment}`, TWO_CORES);
    assert.deepEqual(values, {}, fragment); // nothing refused is sent
    assert.equal(problems.length, 1, fragment);
    assert.equal(describeProblem(problems[0], defaults), text);
  }
  // Without a known default the message still names key and value.
  const [lr] = readFragment('lr=abc', TWO_CORES).problems;
  assert.equal(describeProblem(lr), 'URL: lr=abc is not a number; using the default.');
  // A refused value leaves the others alone.
  const mixed = readFragment('lr=abc&batch=100', TWO_CORES);
  assert.deepEqual(mixed.values, { batchSize: 100 });
});

test('unknown keys are refused by name but kept in the URL; reserved keys pass silently', () => {
  const { values, problems } = readFragment('#lr=0.01&colour=red', TWO_CORES);
  assert.deepEqual(values, { learningRate: 0.01 });
  assert.deepEqual(problems.map((p) => describeProblem(p)), ['URL: colour=red is not a setting this page knows; ignored.']);
  // Rewriting for new values keeps every key this page does not own, unchanged.
  const previous = '#lr=0.01&colour=red';
  assert.equal(writeFragment({ learningRate: 0.02, batchSize: 32 }, previous), 'lr=0.02&batch=32&colour=red');
  assert.equal(writeFragment({}, previous), 'colour=red');
  // Encoded values survive.
  assert.equal(writeFragment({}, '#note=a%26b%20c'), 'note=a%26b+c');
});

test('a repeated key: the first counts, the repeat is refused', () => {
  const { values, problems } = readFragment('lr=0.1&lr=0.2', TWO_CORES);
  assert.deepEqual(values, { learningRate: 0.1 });
  assert.equal(describeProblem(problems[0]), 'URL: lr=0.2 repeats lr, which was already given; ignored.');
});

test('worker messages: a fresh start in the order the worker must see them, a change in place', () => {
  const { values } = readFragment(ALL_SEVEN, TWO_CORES);
  assert.deepEqual(workerMessages(values, { fresh: true }), [
    ['setPreset', { preset: 'paper-mlp' }],
    ['configure', { settings: { optimizer: 'sgd', learningRate: 0.05, batchSize: 250, epochs: 7, seed: 7 } }],
    ['setWorkers', { count: 1 }],
    ['reset', { preset: 'paper-mlp' }],
  ]);
  // A seed alone: a fresh network of the default preset from that seed.
  assert.deepEqual(workerMessages({ seed: 3 }, { fresh: true }), [
    ['setPreset', { preset: 'cnn' }],
    ['configure', { settings: { seed: 3 } }],
    ['reset', { preset: 'cnn' }],
  ]);
  assert.deepEqual(workerMessages({ learningRate: 0.01 }), [['configure', { settings: { learningRate: 0.01 } }]]);
  assert.deepEqual(workerMessages({ preset: 'mlp' }), [['setPreset', { preset: 'mlp' }]]);
  assert.deepEqual(workerMessages({ workers: 2 }), [['setWorkers', { count: 2 }]]);
  assert.deepEqual(workerMessages({}), []);
});

// ---- the view (www/js/views.js): a page setting ------------------------------

const PANELS = 'draw, train, curves, inside, gallery, lab';

test('view: an entry of the table, page-only, with its parse, format and default', () => {
  const view = settingNamed('view');
  assert.equal(view.urlKey, 'view');
  assert.equal(view.route, ROUTE.page);
  assert.equal(view.control, undefined); // not in the form
  assert.equal(view.default, WHOLE_PAGE);
  assert.deepEqual(view.parse('draw,train'), { value: ['draw', 'train'] });
  assert.equal(view.format(['curves', 'train']), 'curves,train');
  assert.ok(!FORM_SETTINGS.includes(view));
  // Not reserved any more: the table reads it.
  assert.deepEqual(SETTINGS.filter((s) => s.route === ROUTE.reserved).map((s) => s.urlKey), []);
});

test('view: read from the URL, every panel and lab, in the order given', () => {
  for (const name of ['draw', 'train', 'curves', 'inside', 'gallery', 'lab']) {
    assert.deepEqual(readFragment(`#view=${name}`, TWO_CORES), { values: { view: [name] }, problems: [] }, name);
  }
  assert.deepEqual(readFragment('view=curves,train', TWO_CORES).values, { view: ['curves', 'train'] });
  // Spaces (an encoded or typed one) and a repeat or a stray comma are forgiven.
  assert.deepEqual(readFragment('view=draw,%20inside,,draw,', TWO_CORES), { values: { view: ['draw', 'inside'] }, problems: [] });
  // With the other settings: nothing about training changes.
  const mixed = readFragment('lr=0.01&view=draw', TWO_CORES);
  assert.deepEqual(mixed.values, { learningRate: 0.01, view: ['draw'] });
  assert.deepEqual(workerMessages(mixed.values), [['configure', { settings: { learningRate: 0.01 } }]]);
  assert.deepEqual(workerMessages({ view: ['train'] }, { fresh: true }), [
    ['setPreset', { preset: 'cnn' }],
    ['reset', { preset: 'cnn' }],
  ]);
});

test('view: unknown panels are refused by key and value, the known ones still apply', () => {
  const partly = readFragment('#view=draw,nonsense', TWO_CORES);
  assert.deepEqual(partly.values, { view: ['draw'] });
  assert.equal(partly.problems.length, 1);
  assert.equal(
    describeProblem(partly.problems[0], { learningRate: 0.004 }),
    `URL: view=draw,nonsense names nonsense, which is not a panel of this page (${PANELS}); using draw.`,
  );
  const none = readFragment('view=foo', TWO_CORES);
  assert.deepEqual(none.values, {});
  assert.equal(describeProblem(none.problems[0]), `URL: view=foo names foo, which is not a panel of this page (${PANELS}); showing the whole page.`);
  const two = readFragment('view=charts,draw,Train', TWO_CORES);
  assert.deepEqual(two.values, { view: ['draw'] });
  assert.equal(describeProblem(two.problems[0]), `URL: view=charts,draw,Train names charts and Train, which are not panels of this page (${PANELS}); using draw.`);
  assert.equal(describeProblem(readFragment('view=', TWO_CORES).problems[0]), 'URL: view= is empty; showing the whole page.');
  assert.equal(describeProblem(readFragment('view=,', TWO_CORES).problems[0]), 'URL: view=, names no panel; showing the whole page.');
  // A repeated view: the first counts.
  const repeated = readFragment('view=draw&view=train', TWO_CORES);
  assert.deepEqual(repeated.values, { view: ['draw'] });
  assert.equal(describeProblem(repeated.problems[0]), 'URL: view=train repeats view, which was already given; ignored.');
});

test('view: kept in the URL as given when the settings are rewritten', () => {
  // The page rewrites the fragment with the settings the worker reports,
  // which never include the view: it stays, in table order, as it was written.
  assert.equal(writeFragment({ learningRate: 0.02 }, '#view=draw,nonsense&colour=red'), 'lr=0.02&view=draw,nonsense&colour=red');
  assert.equal(writeFragment({ learningRate: 0.02, view: undefined }, 'view=curves,train'), 'lr=0.02&view=curves,train');
  assert.equal(writeFragment({}, '#experiment=fig8&view=draw'), 'view=draw&experiment=fig8');
  // Given a value, it is written from it.
  assert.equal(writeFragment({ view: ['curves', 'train'], batchSize: 32 }), 'batch=32&view=curves,train');
  assert.equal(writeFragment({ learningRate: 0.02 }, '#lr=0.01'), 'lr=0.02');
  // Commas stay commas (an encoded one too: both read the same).
  assert.equal(writeFragment({}, '#view=draw%2Ctrain'), 'view=draw,train');
  assert.deepEqual(readFragment(writeFragment({ view: ['draw', 'inside'] }), TWO_CORES).values, { view: ['draw', 'inside'] });
});

test('arch: read as text (Rust checks it), written after the view, and a fresh start builds it', () => {
  const { values, problems } = readFragment('#arch=conv8k5-relu-pool-dense10&preset=mlp', TWO_CORES);
  assert.deepEqual(values, { arch: 'conv8k5-relu-pool-dense10', preset: 'mlp' });
  assert.deepEqual(problems, []);
  assert.equal(writeFragment({ preset: 'mlp', arch: 'dense32-relu-dense10' }, '#view=lab'), 'preset=mlp&view=lab&arch=dense32-relu-dense10');
  assert.deepEqual(workerMessages({ arch: 'dense10', seed: 3 }, { fresh: true }), [
    ['setPreset', { preset: DEFAULT_PRESET }],
    ['configure', { settings: { seed: 3 } }],
    ['setArchitecture', { arch: 'dense10' }],
  ]);
  assert.deepEqual(readFragment('#arch=', TWO_CORES).problems.map((p) => describeProblem(p)), ['URL: arch= is empty; using the default.']);
});

// ---- the experiment (lab.js): a page setting --------------------------------

test('experiment: a page setting whose values are the lab\'s ids, an unknown one refused by key and value', () => {
  const entry = settingNamed('experiment');
  assert.equal(entry.route, ROUTE.page);
  assert.equal(entry.control, undefined);
  assert.deepEqual(EXPERIMENT_IDS, ['gradcheck', 'overfit-one', 'overfit-five', 'reproduce', 'fig8', 'sigmoid-vs-leaky', 'sgd-vs-adam', 'paper-cnn-recipe']);
  for (const id of EXPERIMENT_IDS) {
    assert.deepEqual(readFragment(`#experiment=${id}`, TWO_CORES), { values: { experiment: id }, problems: [] }, id);
  }
  const bad = readFragment('#lr=0.01&experiment=nonsense', TWO_CORES);
  assert.deepEqual(bad.values, { learningRate: 0.01 });
  assert.equal(describeProblem(bad.problems[0]), `URL: experiment=nonsense is not one of ${EXPERIMENT_IDS.join(', ')}; none runs.`);
  // Nothing is sent for it, and it stays in the URL when the settings are rewritten.
  assert.deepEqual(workerMessages({ experiment: 'fig8', learningRate: 0.01 }), [['configure', { settings: { learningRate: 0.01 } }]]);
  assert.equal(writeFragment({ learningRate: 0.02 }, '#lr=0.01&experiment=fig8'), 'lr=0.02&experiment=fig8');
});
