// "My drawings": label the drawing on the pad, keep it, and save every kept
// drawing as one MNIST-format CSV ("Save my drawings as CSV") — a class's
// own data set, which "Use your own data" (own-data.js) reads back.
//
// A kept drawing is exactly what the network sees: the pad's 28×28 image
// (preprocess.js) as grey levels 0–255, 0 = background. Rows are
// `label,p0,…,p783`, no header, `\n` endings: the format the core writes
// and reads (crates/groundup/src/data/csv.rs). Drawings are kept in this
// tab's memory only: nothing leaves the browser until saved.

export const CSV_NAME = 'my-drawings.csv';

/** One CSV row: `label` and the 784 values in [0, 1] as 0–255. */
export function csvRow(label, image) {
  const fields = [String(label)];
  for (const v of image) fields.push(String(Math.round(Math.min(1, Math.max(0, v)) * 255)));
  return fields.join(',');
}

export class MyDrawings {
  /**
   * Elements: `label` (select 0–9), `keep` ("Keep this drawing"), `save`
   * ("Save my drawings as CSV"), `status` (role=status). `current()` is the
   * drawing on the pad (784 values in [0, 1]) or null.
   */
  constructor(el, { current }) {
    this.el = el;
    this.current = current;
    this.rows = [];
    this.counts = new Array(10).fill(0);
    el.keep.addEventListener('click', () => this.keep());
    el.save.addEventListener('click', () => this.save());
    this.show();
  }

  keep() {
    const image = this.current();
    if (!image) {
      this.el.status.textContent = 'Draw a digit first, then keep it.';
      return;
    }
    const label = Number(this.el.label.value);
    this.rows.push(csvRow(label, image));
    this.counts[label]++;
    this.show(`Kept a drawing labelled ${this.labelText(label)}.`);
  }

  /** The label as the select shows it (a digit, or a class name too). */
  labelText(label) {
    return this.el.label.options[label]?.textContent ?? String(label);
  }

  /** Names the select's options after the classes in use ([]: digits only). */
  setClassNames(names) {
    for (const option of this.el.label.options) {
      const i = Number(option.value);
      option.textContent = names[i] ? `${i} ${names[i]}` : String(i);
    }
  }

  show(lead = '') {
    const n = this.rows.length;
    this.el.save.disabled = n === 0;
    const kept = n === 0 ? 'No drawings kept yet.' : `${n} drawing${n === 1 ? '' : 's'} kept (${this.counts.map((c, i) => (c ? `${c} × ${i}` : '')).filter(Boolean).join(', ')}).`;
    this.el.status.textContent = lead ? `${lead} ${kept}` : kept;
  }

  save() {
    if (!this.rows.length) return;
    const url = URL.createObjectURL(new Blob([`${this.rows.join('\n')}\n`], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = CSV_NAME;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    this.show(`Saved ${CSV_NAME}.`);
  }
}
