// The page's side of embedding (README, "Embedding in course notes"): puts
// the URL's view in force (views.js), reports the page's height to the page
// that frames it (embed.js), and wires "Copy embed code". main.js imports
// it first, so the view applies before the panels are set up.
//
// The view is read with the settings table (settings.js, key `view`); its
// refusals are listed in #url-errors with the other URL values', by main.js.
// It changes nothing about training: no message goes to the worker.
//
// - <html data-viewing="draw curves">: a view is in force (CSS lays the page
//   out in one column, the header compact); absent: the whole page.
// - data-view-state="shown" | "path" on elements (views.js viewStates):
//   css/embed.css hides the `data-view` elements of other views.
// - <html data-framed>: the page is inside a frame.
// - "Copy embed code": in the training panel, and in the header's view bar
//   when a view hides the training panel and the page is not framed (the
//   author previewing #view=draw can copy its iframe; a reader of the notes
//   is not offered it).

import { embedCode, isFramed, reportHeight } from './embed.js';
import { copyText } from './page-link.js';
import { readFragment } from './settings.js';
import { viewStates } from './views.js';

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const framed = isFramed(window);

/** The views of the URL's fragment now (an array), or null for the whole page. */
function currentViews() {
  // `cores` only bounds `workers=`, which is not read here.
  const { values } = readFragment(location.hash, { cores: navigator.hardwareConcurrency || 1 });
  return values.view?.length ? values.view : null;
}

/** The page's URL without `view=` in its fragment: the whole page, same settings. */
function wholePageUrl() {
  const url = new URL(location.href);
  const params = new URLSearchParams(url.hash.replace(/^#/, ''));
  params.delete('view');
  url.hash = params.toString();
  return url.href.replace(/#$/, '');
}

const viewBar = {
  link: $('whole-page'),
  copy: $('copy-embed-view'),
};

function applyViews() {
  const views = currentViews();
  for (const element of document.querySelectorAll('[data-view-state]')) element.removeAttribute('data-view-state');
  if (!views) {
    delete root.dataset.viewing;
  } else {
    for (const [element, state] of viewStates(document.body, views)) element.setAttribute('data-view-state', state);
    root.dataset.viewing = views.join(' ');
  }
  // The view bar's copy button: only where the training panel's is out of sight.
  if (viewBar.copy) viewBar.copy.hidden = framed || !views || views.includes('train');
  if (viewBar.link) viewBar.link.href = wholePageUrl();
}

if (framed) {
  root.dataset.framed = '';
  // A reader of the notes opens the whole page in a tab of its own.
  if (viewBar.link) {
    viewBar.link.target = '_blank';
    viewBar.link.rel = 'noopener';
  }
}
applyViews();
addEventListener('hashchange', applyViews);
// The settings change the fragment in place (replaceState, no event).
viewBar.link?.addEventListener('click', () => {
  viewBar.link.href = wholePageUrl();
});
reportHeight(window);

// ---- "Copy embed code" ----------------------------------------------------

/** Wires one "Copy embed code" button to its status and fallback field. */
function copyEmbedButton(button, status, fallback, field) {
  if (!button) return;
  button.addEventListener('click', () =>
    copyText(embedCode({ href: location.href, views: currentViews() }), { status, fallback, field }, {
      copied: 'Embed code copied.',
      what: 'the embed code',
    }),
  );
}

copyEmbedButton($('copy-embed'), $('embed-status'), $('embed-fallback'), $('embed-field'));
copyEmbedButton(viewBar.copy, $('embed-view-status'), $('embed-view-fallback'), $('embed-view-field'));
