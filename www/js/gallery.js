// The gallery of test images with the network's answers, correct ones and
// mistakes side by side (as in the paper's Fig. 15). The worker picks the
// images; this module only draws them.

import { drawDigit } from './bars.js';

const percent = (p) => `${Math.round(p * 100)}%`;

function item(example, correct) {
  const li = document.createElement('li');
  li.className = correct ? 'thumb correct' : 'thumb mistake';
  const canvas = document.createElement('canvas');
  canvas.width = 56;
  canvas.height = 56;
  canvas.setAttribute('aria-hidden', 'true');
  const caption = document.createElement('span');
  caption.className = 'thumb-caption';
  // The caption is the text alternative: what it is, what the net said.
  caption.textContent = correct
    ? `${example.prediction} (${percent(example.confidence)})`
    : `${example.label} read as ${example.prediction} (${percent(example.confidence)})`;
  li.title = `Test image #${example.index}: a ${example.label}, read as ${example.prediction} with ${percent(example.confidence)} confidence`;
  li.append(canvas, caption);
  return { li, canvas, pixels: example.pixels };
}

export class Gallery {
  constructor({ correctList, mistakesList, note }) {
    this.correctList = correctList;
    this.mistakesList = mistakesList;
    this.note = note;
    this.drawn = []; // [{canvas, pixels}] to redraw when the colours change
  }

  /** Shows a `gallery` message from the worker. */
  show({ step, correct, mistakes, scanned }) {
    this.drawn = [];
    const fill = (list, examples, isCorrect) => {
      const items = examples.map((e) => item(e, isCorrect));
      list.replaceChildren(...items.map((i) => i.li));
      this.drawn.push(...items);
    };
    fill(this.correctList, correct, true);
    fill(this.mistakesList, mistakes, false);
    // Draw after insertion: drawDigit sizes the canvas from its layout.
    this.redraw();
    const none = mistakes.length === 0 ? ' No mistakes among them.' : '';
    this.note.textContent = `From the first ${scanned.toLocaleString('en')} test images, after ${step.toLocaleString('en')} training steps.${none}`;
  }

  /** Draws the images again (after a change of colour scheme). */
  redraw() {
    for (const { canvas, pixels } of this.drawn) drawDigit(canvas, pixels);
  }

  clear(text) {
    this.drawn = [];
    this.correctList.replaceChildren();
    this.mistakesList.replaceChildren();
    this.note.textContent = text;
  }
}
