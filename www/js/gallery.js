// The gallery of test images with the network's answers, correct ones and
// mistakes side by side (as in the paper's Fig. 15). The worker picks the
// images; this module only draws them.

import { drawDigit } from './bars.js';

const percent = (p) => `${Math.round(p * 100)}%`;

/**
 * One test image as a list item: a canvas to draw it on (call drawDigit
 * once it is in the page), a caption that is its text alternative, and the
 * whole story in the title. Returns {li, canvas, pixels}.
 */
export function thumbnail({ index, label, prediction, confidence, pixels }, caption, classNames = []) {
  const li = document.createElement('li');
  li.className = label === prediction ? 'thumb correct' : 'thumb mistake';
  const canvas = document.createElement('canvas');
  canvas.width = 56;
  canvas.height = 56;
  canvas.setAttribute('aria-hidden', 'true');
  const text = document.createElement('span');
  text.className = 'thumb-caption';
  text.textContent = caption;
  const named = (c) => (classNames[c] ? `${c} (${classNames[c]})` : String(c));
  li.title = `Test image #${index}: a ${named(label)}, read as ${named(prediction)} with ${percent(confidence)} confidence`;
  li.append(canvas, text);
  return { li, canvas, pixels };
}

// The caption says what the net said, and for a mistake what it is; the
// title names the classes too, when the reader's own data names them.
function item(example, correct, classNames) {
  const said = `${example.prediction} (${percent(example.confidence)})`;
  return thumbnail(example, correct ? said : `${example.label} read as ${said}`, classNames);
}

export class Gallery {
  constructor({ correctList, mistakesList, note }) {
    this.correctList = correctList;
    this.mistakesList = mistakesList;
    this.note = note;
    this.drawn = []; // [{canvas, pixels}] to redraw when the colours change
    this.classNames = []; // names of classes 0, 1, … of the own data in use (own-data.js)
  }

  /** The class names in use ([]: digits), in the next gallery's titles. */
  setClassNames(names) {
    this.classNames = names;
  }

  /** Shows a `gallery` message from the worker. */
  show({ step, correct, mistakes, scanned }) {
    this.drawn = [];
    const fill = (list, examples, isCorrect) => {
      const items = examples.map((e) => item(e, isCorrect, this.classNames));
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
