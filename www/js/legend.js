// legend.js — the runs' legend under the learning curves, as HTML (the
// canvas alone would hide the labels from screen readers and from wrapping).
// Each entry: a short line in the run's colour and dash, like its curve, then
// its label; the current run is marked "current" in words, not only by colour.
// DOM nodes only (the page's CSP allows no innerHTML).

const SVG = 'http://www.w3.org/2000/svg';
const SWATCH_WIDTH = 28;
const SWATCH_HEIGHT = 10;

/**
 * Fills `list` (a <ul> or <ol>) with one <li> per entry, replacing what it
 * held. `entries`: `[{ label, color, dash, current }]`, `color` a CSS colour
 * or "var(--name)", `dash` a line-dash pattern in px ([] for a solid line).
 */
export function renderLegend(list, entries) {
  const doc = list.ownerDocument;
  list.replaceChildren(
    ...entries.map(({ label, color, dash = [], current = false }) => {
      const item = doc.createElement('li');
      item.className = current ? 'run-entry run-current' : 'run-entry';
      item.dataset.current = String(current);
      const text = doc.createElement('span');
      text.className = 'run-label';
      text.textContent = label;
      item.append(swatch(doc, color, dash, current), text);
      if (current) {
        const tag = doc.createElement('span');
        tag.className = 'run-tag';
        tag.textContent = 'current';
        item.append(' ', tag);
      }
      return item;
    }),
  );
}

/** A short line like the run's curve; decoration only (the label says which run). */
function swatch(doc, color, dash, current) {
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'run-swatch');
  svg.setAttribute('width', String(SWATCH_WIDTH));
  svg.setAttribute('height', String(SWATCH_HEIGHT));
  svg.setAttribute('viewBox', `0 0 ${SWATCH_WIDTH} ${SWATCH_HEIGHT}`);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const line = doc.createElementNS(SVG, 'line');
  line.setAttribute('x1', '1');
  line.setAttribute('y1', String(SWATCH_HEIGHT / 2));
  line.setAttribute('x2', String(SWATCH_WIDTH - 1));
  line.setAttribute('y2', String(SWATCH_HEIGHT / 2));
  line.setAttribute('stroke-width', current ? '3.5' : '2');
  if (dash.length > 0) line.setAttribute('stroke-dasharray', dash.join(' '));
  // Through the CSSOM, so var(--…) resolves and follows the colour scheme.
  line.style.stroke = color;
  svg.append(line);
  return svg;
}
