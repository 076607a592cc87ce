// Views (www/js/views.js): which elements `#view=…` shows, from the page's
// `data-view` attributes, on stand-ins for DOM elements (the module touches no
// DOM when imported, and only `children` and `getAttribute` when used).
import assert from 'node:assert/strict';
import { test } from 'node:test';

assert.equal(typeof document, 'undefined'); // really DOM-less
const {
  VIEWS, WHOLE_PAGE, frameHeight, frameTitle, isShown, parseViewList, formatViewList, viewStates, viewsOf,
} = await import('../../www/js/views.js');

/** A stand-in element: a name, its `data-view` (null: none) and children. */
function el(name, view, ...children) {
  const attributes = view === null ? {} : { 'data-view': view };
  return { name, children, getAttribute: (key) => (key in attributes ? attributes[key] : null) };
}

// The page's structure (www/index.html), reduced to what views are about.
function page() {
  return el('body', null,
    el('header', null, el('h1', null), el('intro', null), el('view-bar', null)),
    el('url-errors', null),
    el('main', null,
      el('draw-panel', 'draw', el('draw-heading', null), el('draw-row', null, el('pad', null), el('seen', null)), el('prediction', null)),
      el('train-panel', 'train', el('train-heading', null), el('controls', null), el('buttons', null, el('copy-embed', null))),
      el('charts', 'curves', el('loss-chart', null), el('accuracy-chart', null)),
      el('inside-panel', 'inside',
        el('inside-heading', null),
        el('feature-maps-block', 'draw inside', el('maps-heading', null), el('feature-maps', null)),
        el('inside-rest', 'inside', el('weights', null), el('confusion', null))),
      el('gallery', 'gallery', el('gallery-heading', null), el('thumbs', null)),
      el('lab-panel', 'lab', el('lab-heading', null), el('lab-buttons', null), el('lab-results', null))),
    el('footer', null));
}

/** The names of the elements displayed under `views` (CSS's rule, as isShown states it). */
function shownNames(root, views) {
  const states = viewStates(root, views);
  const shown = [];
  const visit = (node, ancestors) => {
    if (ancestors.length && !isShown(node, ancestors, states)) return;
    shown.push(node.name);
    for (const child of node.children) visit(child, [...ancestors, node]);
  };
  visit(root, []);
  return shown;
}

const ALWAYS = ['body', 'header', 'h1', 'intro', 'view-bar', 'url-errors', 'main', 'footer'];
const DRAW = ['draw-panel', 'draw-heading', 'draw-row', 'pad', 'seen', 'prediction'];
const TRAIN = ['train-panel', 'train-heading', 'controls', 'buttons', 'copy-embed'];
const CURVES = ['charts', 'loss-chart', 'accuracy-chart'];
const MAPS = ['feature-maps-block', 'maps-heading', 'feature-maps'];
const INSIDE = ['inside-panel', 'inside-heading', ...MAPS, 'inside-rest', 'weights', 'confusion'];
const GALLERY = ['gallery', 'gallery-heading', 'thumbs'];
const LAB = ['lab-panel', 'lab-heading', 'lab-buttons', 'lab-results'];
const sorted = (names) => [...names].sort();

test('the views a link may name, and how they are read and written', () => {
  assert.deepEqual(VIEWS, ['draw', 'train', 'curves', 'inside', 'gallery', 'lab']);
  assert.deepEqual(parseViewList('draw'), { value: ['draw'] });
  assert.deepEqual(parseViewList('curves,train'), { value: ['curves', 'train'] });
  assert.deepEqual(parseViewList(' draw , inside '), { value: ['draw', 'inside'] });
  assert.deepEqual(parseViewList('draw,draw,'), { value: ['draw'] });
  assert.deepEqual(parseViewList('lab'), { value: ['lab'] });
  const partly = parseViewList('draw,nonsense');
  assert.deepEqual(partly.value, ['draw']);
  assert.match(partly.error, /^names nonsense, which is not a panel of this page \(draw, train, curves, inside, gallery, lab\)$/);
  assert.deepEqual(Object.keys(parseViewList('foo,bar')), ['error']);
  assert.match(parseViewList('foo,bar').error, /^names foo and bar, which are not panels/);
  assert.match(parseViewList('DRAW').error, /names DRAW/); // names are lower-case, as written
  assert.deepEqual(parseViewList(','), { error: 'names no panel' });
  assert.equal(formatViewList(['curves', 'train']), 'curves,train');
  assert.equal(WHOLE_PAGE, 'the whole page');
});

test('data-view lists views separated by spaces (or commas)', () => {
  assert.deepEqual(viewsOf(el('x', 'draw inside')), ['draw', 'inside']);
  assert.deepEqual(viewsOf(el('x', 'draw,inside')), ['draw', 'inside']);
  assert.deepEqual(viewsOf(el('x', '')), []);
  assert.equal(viewsOf(el('x', null)), null);
});

test('#view=draw: the drawing panel and the feature maps of the inside panel, nothing else', () => {
  const root = page();
  assert.deepEqual(sorted(shownNames(root, ['draw'])), sorted([...ALWAYS, ...DRAW, 'inside-panel', ...MAPS]));
  const states = viewStates(root, ['draw']);
  const byName = Object.fromEntries([...states].map(([node, state]) => [node.name, state]));
  // Only data-view elements and the containers on the way to them are marked.
  assert.deepEqual(byName, { 'draw-panel': 'shown', 'inside-panel': 'path', 'feature-maps-block': 'shown' });
});

test('#view=inside: the whole inside panel, feature maps included', () => {
  assert.deepEqual(sorted(shownNames(page(), ['inside'])), sorted([...ALWAYS, ...INSIDE]));
});

test('#view=curves,train and the other single views', () => {
  assert.deepEqual(sorted(shownNames(page(), ['curves', 'train'])), sorted([...ALWAYS, ...TRAIN, ...CURVES]));
  assert.deepEqual(sorted(shownNames(page(), ['train', 'curves'])), sorted([...ALWAYS, ...TRAIN, ...CURVES]));
  assert.deepEqual(sorted(shownNames(page(), ['gallery'])), sorted([...ALWAYS, ...GALLERY]));
  assert.deepEqual(
    sorted(shownNames(page(), ['draw', 'train', 'curves', 'inside', 'gallery'])),
    sorted([...ALWAYS, ...DRAW, ...TRAIN, ...CURVES, ...INSIDE, ...GALLERY]),
  );
  // lab: the Experiments panel.
  assert.deepEqual(sorted(shownNames(page(), ['lab'])), sorted([...ALWAYS, ...LAB]));
  assert.deepEqual(sorted(shownNames(page(), ['draw', 'lab'])), sorted([...ALWAYS, ...DRAW, 'inside-panel', ...MAPS, ...LAB]));
});

test('deeper nesting: wrappers on the way to a selected element are paths, their other children hidden', () => {
  const root = el('root', null,
    el('panel', 'inside',
      el('wrapper', null, el('maps', 'draw', el('tile', null)), el('weights', null)),
      el('other', null)),
    el('plain', null, el('nested-draw', 'draw'), el('nested-train', 'train'), el('text', null)));
  assert.deepEqual(shownNames(root, ['draw']), ['root', 'panel', 'wrapper', 'maps', 'tile', 'plain', 'nested-draw', 'text']);
  // Inside a shown panel, an element of another view is hidden.
  assert.deepEqual(shownNames(root, ['inside']), ['root', 'panel', 'wrapper', 'weights', 'other', 'plain', 'text']);
  assert.deepEqual(shownNames(root, ['train']), ['root', 'plain', 'nested-train', 'text']);
});

test('the iframe title and height follow the views', () => {
  assert.equal(frameTitle(null), 'groundup: train a neural network on handwritten digits in your browser');
  assert.equal(frameTitle(['draw']), 'groundup: draw a digit (a neural network for handwritten digits)');
  assert.equal(frameTitle(['curves', 'train']), 'groundup: learning curves, train the network (a neural network for handwritten digits)');
  assert.equal(frameHeight(null), 1800);
  assert.equal(frameHeight([]), 1800);
  assert.ok(frameHeight(['draw']) <= 700, 'a 400×700 frame holds the drawing view');
  assert.ok(frameHeight(['curves', 'train']) > frameHeight(['curves']));
  for (const view of VIEWS) assert.ok(Number.isInteger(frameHeight([view])) && frameHeight([view]) > 0, view);
});
