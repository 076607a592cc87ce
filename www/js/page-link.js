// The page's URL fragment carries its settings ("#preset=paper-mlp&lr=0.05"):
// read when the page opens and when the fragment changes, rewritten in place
// when a setting changes, copied by "Copy link". What the keys are and how
// values are read and written is the settings table's (settings.js); this
// module does the part that needs a browser: location, history, clipboard,
// and the list of refused URL values.
//
// Which settings the fragment holds: those chosen — by the URL the page was
// opened with, or by the reader in the form — each with the value in force
// (the one the worker last confirmed: a value Rust refuses never reaches the
// URL; the one it replaced stays). Settings nobody chose are left out, at
// their default or not: they follow the network (the preset's own, or the
// pretrained file's). Choosing a preset drops the configure settings chosen
// before it, as the worker's setPreset puts back the preset's own. Keys the
// page does not own (reserved for later versions, or unknown) stay as they
// are, after the page's own.

import { ROUTE, describeProblem, readFragment, settingNamed, writeFragment } from './settings.js';

export class PageLink {
  /**
   * `problems`: the element (role="alert") listing refused URL values;
   * `copyButton`, `status`: "Copy link" and where it says what happened;
   * `fallback`, `field`: a box with a read-only field, shown with the link
   * selected when the clipboard refuses.
   */
  constructor({ problems, copyButton, status, fallback, field }) {
    Object.assign(this, { problems, status, fallback, field });
    this.chosen = new Set();
    copyButton.addEventListener('click', () => this.copy());
  }

  /** The settings in the fragment now: {values, problems} (settings.js readFragment). */
  read(context) {
    return readFragment(location.hash, context);
  }

  /** From now on the fragment carries exactly the settings `names`. */
  chooseOnly(names) {
    this.chosen = new Set(names);
  }

  /** The reader chose setting `name`. */
  choose(name) {
    if (settingNamed(name)?.route === ROUTE.network) {
      // A preset brings its own settings and its own layers.
      for (const other of this.chosen) {
        if ([ROUTE.configure, ROUTE.architecture].includes(settingNamed(other).route)) this.chosen.delete(other);
      }
    }
    this.chosen.add(name);
  }

  /**
   * Rewrites the fragment for the chosen settings with their values in
   * `inForce`, in place: no reload, no new history entry.
   */
  update(inForce) {
    const values = {};
    for (const name of this.chosen) values[name] = inForce[name];
    const url = new URL(location.href);
    url.hash = writeFragment(values, location.hash);
    if (url.href === location.href) return;
    history.replaceState(history.state, '', url.href);
    this.status.textContent = ''; // "Link copied" was about the old link
    if (!this.fallback.hidden) this.field.value = url.href;
  }

  /** Lists the refused URL values (`problems` of read), with the defaults used instead. */
  showProblems(problems, defaults) {
    this.problems.replaceChildren(
      ...problems.map((problem) => {
        const item = document.createElement('p');
        item.textContent = describeProblem(problem, defaults);
        return item;
      }),
    );
  }

  /** Copies the page's URL; if the clipboard refuses, selects it in a field instead. */
  copy() {
    return copyText(location.href, this, { copied: 'Link copied.', what: 'the link' });
  }
}

/**
 * Copies `text` to the clipboard and says so in `status` (role="status");
 * if the clipboard refuses (or is absent, outside a secure context), shows
 * `fallback` (a box holding the read-only `field`) with the text selected in
 * `field`, and says to copy it from there. `copied`: the message on success;
 * `what`: what the text is ("the link"). Used by "Copy link" and by "Copy
 * embed code" (embed-page.js).
 */
export async function copyText(text, { status, fallback, field }, { copied, what }) {
  status.textContent = '';
  try {
    await navigator.clipboard.writeText(text);
    fallback.hidden = true;
    status.textContent = copied;
    return true;
  } catch {
    field.value = text;
    fallback.hidden = false;
    field.focus();
    field.select();
    status.textContent = `Could not copy: ${what} is selected in the field below; copy it from there.`;
    return false;
  }
}
