// Views: a link can show only some of the page's panels ("#view=draw",
// "#view=curves,train"), laid out in one column, for embedding the page in
// course notes. The `view` URL key is an entry of the settings table
// (settings.js), which reads it with `parseViewList` below; embed-page.js
// puts the view in force. Nothing here touches the DOM when imported: Node
// tests it (e2e/unit/views.test.mjs).
//
// Which elements a view shows is written in the page itself: an element
// carries `data-view="…"`, a space- (or comma-) separated list of the views
// it belongs to, and is shown when ANY of them is selected:
//
//   <section id="draw-panel" data-view="draw">          the drawing pad
//   <section id="inside-panel" data-view="inside">      inside the network
//     <div data-view="draw inside">                     its feature maps:
//                                                       also in #view=draw
//
// Elements without `data-view` follow their container. A container that is
// not selected itself but holds a selected element (the inside panel in
// #view=draw) is shown as a "path": of its children, only those that are, or
// hold, selected elements are shown. Elements outside every `data-view`
// element (the header, the URL's refusals, the footer) are always shown.
//
// `viewStates` says which elements are "shown" and which are "path"; the page
// writes that into `data-view-state`, and CSS (css/embed.css) hides, while
// <html data-viewing="…"> is set, every `data-view` element without a state
// and every child without a state of a "path" element. CSS rather than
// `hidden`: other modules set `hidden` on their own elements, and children a
// panel adds later are hidden by the same rule.

/** Every view a link may name, in the order they are written into the URL. */
export const VIEWS = ['draw', 'train', 'curves', 'inside', 'gallery', 'lab'];
// `lab`: the Experiments panel (lab.js), the paper's experiments re-run,
// and "Your own network", the architecture editor (#arch-panel).

/** The default of the `view` key: no view, the whole page. */
export const WHOLE_PAGE = 'the whole page';

/** What each view shows, for the embed code's title. */
export const VIEW_TITLES = {
  draw: 'draw a digit',
  train: 'train the network',
  curves: 'learning curves',
  inside: 'inside the network',
  gallery: 'test images',
  lab: "the paper's experiments",
};

// A sensible height (CSS px) for an iframe showing each view: about the
// panel's height (with the gap after it) at 700 px wide, measured in
// Chromium, a little less than at 400 px; FRAME_CHROME is the compact header,
// the footer and the margins. The framed page then reports its real height
// (embed.js), which can only make the frame taller (a document's
// scrollHeight is at least its frame's height), so these err on the short
// side. #view=draw: 700, in which the pad, the 28×28 image and the
// prediction fit even at 400 px wide.
export const VIEW_HEIGHTS = { draw: 570, train: 740, curves: 620, inside: 1000, gallery: 350, lab: 1100 };
export const FRAME_CHROME = 130;
/** The height of a frame showing the whole page. */
export const WHOLE_PAGE_HEIGHT = 1800;

const words = (text) => String(text ?? '').split(/[\s,]+/).filter(Boolean);
const listText = (names) =>
  names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/**
 * Reads the value of `view=` ("draw,train"). Returns `{value}` (the views
 * named, known ones only, each once, in the order given) and, when some
 * are not views, `error` too: the known ones still apply. Names none at
 * all: `{error}` alone (the whole page, the default, applies).
 */
export function parseViewList(text) {
  const names = words(text);
  const known = [];
  const unknown = [];
  for (const name of names) {
    const list = VIEWS.includes(name) ? known : unknown;
    if (!list.includes(name)) list.push(name);
  }
  if (names.length === 0) return { error: 'names no panel' };
  if (unknown.length === 0) return { value: known };
  const error = `names ${listText(unknown)}, which ${unknown.length === 1 ? 'is not a panel' : 'are not panels'} of this page (${VIEWS.join(', ')})`;
  return known.length ? { value: known, error } : { error };
}

/** How a view list is written into the URL: "draw,train". */
export const formatViewList = (views) => (Array.isArray(views) ? views.join(',') : String(views));

/** The views an element's `data-view` attribute lists (null: it has none). */
export function viewsOf(element) {
  const attribute = element.getAttribute?.('data-view');
  return attribute === null || attribute === undefined ? null : words(attribute);
}

const selects = (element, selected) => {
  const views = viewsOf(element);
  return views !== null && views.some((v) => selected.has(v));
};

/**
 * Which elements under `root` (anything with `children` and `getAttribute`:
 * a DOM element, or a stand-in in the tests) are shown by the views
 * `selected`: a Map from element to "shown" (a `data-view` element one of
 * whose views is selected) or "path" (an element that is not, but holds
 * one). Every other `data-view` element, and every other child of a "path"
 * element, is hidden; the rest follow their parent. `root` itself is shown.
 */
export function viewStates(root, selected) {
  const chosen = new Set(selected);
  const states = new Map();
  const holds = new Map(); // element → it or a descendant is selected
  const holdsSelected = (element) => {
    if (!holds.has(element)) {
      let result = selects(element, chosen);
      for (const child of element.children ?? []) result = holdsSelected(child) || result;
      holds.set(element, result);
    }
    return holds.get(element);
  };
  // mode "open": children are shown unless they are `data-view` elements of
  // other views; mode "path": only children that hold a selected element.
  const walk = (element, mode) => {
    for (const child of element.children ?? []) {
      if (selects(child, chosen)) {
        states.set(child, 'shown');
        walk(child, 'open');
      } else if ((mode === 'path' || viewsOf(child) !== null) && holdsSelected(child)) {
        states.set(child, 'path');
        walk(child, 'path');
      } else if (mode === 'open' && viewsOf(child) === null) {
        walk(child, 'open');
      }
      // otherwise hidden, with everything in it
    }
  };
  walk(root, 'open');
  return states;
}

/**
 * Whether `element` is displayed under the views `selected` (null: no view,
 * everything is): the rule css/embed.css applies to `viewStates`, here for
 * the tests and for callers without a layout. `ancestors` lists the
 * element's ancestors from `root` down to its parent.
 */
export function isShown(element, ancestors, states) {
  const chain = [...ancestors, element];
  for (let i = 0; i < chain.length; i++) {
    const node = chain[i];
    if (i === 0) continue; // the root
    const parent = chain[i - 1];
    if (states.has(node)) continue;
    if (viewsOf(node) !== null) return false;
    if (states.get(parent) === 'path') return false;
  }
  return true;
}

/** The iframe `title` for the views `selected` (null or empty: the whole page). */
export function frameTitle(selected) {
  if (!selected || selected.length === 0) return 'groundup: train a neural network on handwritten digits in your browser';
  const parts = selected.map((v) => VIEW_TITLES[v]).filter(Boolean);
  return `groundup: ${parts.join(', ')} (a neural network for handwritten digits)`;
}

/** The iframe height (CSS px) for the views `selected` (null or empty: the whole page). */
export function frameHeight(selected) {
  if (!selected || selected.length === 0) return WHOLE_PAGE_HEIGHT;
  return FRAME_CHROME + selected.reduce((sum, v) => sum + (VIEW_HEIGHTS[v] ?? 0), 0);
}
