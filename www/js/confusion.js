// The confusion matrix of the last full test evaluation: a table, true
// digits down, the network's answers across (as `groundup eval` prints it).
// Each count is a button: pressing it asks the worker for those test
// images (`testImagesWhere`), shown in a region named "Test images: true D,
// read as P".

import { drawDigit } from './bars.js';
import { thumbnail } from './gallery.js';

const number = (n) => Math.round(n).toLocaleString('en');
const percent = (p) => `${Math.round(p * 100)}%`;
export const CELL_IMAGES = 48;

/** The sum of a 10×10 count matrix. */
export function total(counts) {
  return counts.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
}

export class ConfusionMatrix {
  /**
   * Elements: `table` (with its caption), `note`, `region` (the images of
   * one cell), `regionHeading`, `regionNote`, `list`. `ask(label,
   * predicted)` requests that cell's images from the worker.
   */
  constructor(el, ask) {
    this.el = el;
    this.ask = ask;
    this.drawn = [];
    this.asked = null; // {label, predicted} awaiting its images
  }

  /** A full evaluation's `confusion[true][predicted]` at `step`. */
  show(counts, { step, examples }) {
    const table = this.el.table;
    const head = document.createElement('thead');
    const top = document.createElement('tr');
    const corner = document.createElement('td');
    corner.className = 'corner';
    corner.textContent = 'true \\ read as';
    top.append(corner);
    for (let p = 0; p < counts.length; p++) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = String(p);
      top.append(th);
    }
    head.append(top);
    const body = document.createElement('tbody');
    counts.forEach((row, label) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = String(label);
      tr.append(th);
      row.forEach((count, predicted) => {
        const td = document.createElement('td');
        td.className = label === predicted ? 'right' : count ? 'wrong' : '';
        if (count > 0) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = number(count);
          button.setAttribute('aria-label', `${number(count)}: true ${label}, read as ${predicted}`);
          button.addEventListener('click', () => this.request(label, predicted));
          td.append(button);
        } else {
          td.textContent = '0';
        }
        tr.append(td);
      });
      body.append(tr);
    });
    table.querySelector('thead')?.remove();
    table.querySelector('tbody')?.remove();
    table.append(head, body);
    table.dataset.total = String(total(counts));
    this.el.note.textContent = `All ${number(examples)} test images at step ${number(step)}: the diagonal is right, the rest are mistakes. Press a count to see those images.`;
  }

  /** No full evaluation of this network yet. */
  clear(text) {
    this.el.table.querySelector('thead')?.remove();
    this.el.table.querySelector('tbody')?.remove();
    delete this.el.table.dataset.total;
    this.el.note.textContent = text;
    this.el.region.hidden = true;
    this.drawn = [];
  }

  request(label, predicted) {
    this.asked = { label, predicted };
    const name = `Test images: true ${label}, read as ${predicted}`;
    this.el.region.hidden = false;
    this.el.region.setAttribute('aria-label', name);
    this.el.regionHeading.textContent = name;
    this.el.regionNote.textContent = 'Finding them…';
    this.el.list.replaceChildren();
    this.ask(label, predicted, CELL_IMAGES);
  }

  /** The worker's `testImages`: the images of the asked cell, with the current weights. */
  showImages({ label, predicted, indices, images, confidences, scanned, step }) {
    if (!this.asked || this.asked.label !== label || this.asked.predicted !== predicted) return;
    const items = indices.map((index, i) => {
      const example = { index, label, prediction: predicted, confidence: confidences[i], pixels: images.subarray(i * 784, (i + 1) * 784) };
      return thumbnail(example, `#${index} (${percent(confidences[i])})`);
    });
    this.drawn = items;
    this.el.list.replaceChildren(...items.map((item) => item.li));
    this.redraw();
    const more = indices.length === CELL_IMAGES ? ` (the first ${CELL_IMAGES})` : '';
    this.el.regionNote.textContent = indices.length
      ? `${indices.length} image${indices.length === 1 ? '' : 's'}${more} among ${number(scanned)} test images, as the network at step ${number(step)} reads them.`
      : `None now: the network at step ${number(step)} has changed its answers since the matrix was made.`;
  }

  redraw() {
    for (const { canvas, pixels } of this.drawn) drawDigit(canvas, pixels);
  }
}
