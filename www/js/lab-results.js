// One experiment's result in the Experiments panel (lab.js): a region named
// "<experiment> result" holding what the paper reported (with its section
// or figure), whether and how the runs here are shortened, a loss chart
// with one curve per run and an HTML legend naming them, the gradient
// check's table and tolerance, the Fig. 7 images, each run's outcome, and
// last the outcome in a line ("loss X at step N"). It grows live from the
// worker's `experimentProgress` and is completed by `experimentResult`.
// Everything is built as DOM nodes (no innerHTML); all numbers are the
// core's (groundup::lab), which never sends a non-finite one.

import { LineChart, onColorSchemeChange } from './chart.js';
import { drawDigit } from './bars.js';

/** The smallest loss a log-scale chart draws (an f32 loss can be exactly 0). */
const LOG_FLOOR = 1e-10;

/** Run colours, in order: the page's own chart colours, then two more of the palette. */
const RUN_COLORS = ['var(--train-color)', 'var(--test-color)', '#22c55e', '#a855f7'];

const el = (tag, { className, text, ...attributes } = {}, children = []) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
};

/** A loss as the core writes it (results.rs fmt_loss): four decimals, or three significant digits when tiny or huge. */
export function formatLoss(loss) {
  return loss !== 0 && !(Math.abs(loss) >= 0.001 && Math.abs(loss) < 1e4) ? loss.toExponential(2) : loss.toFixed(4);
}

/** Where a run's loss ended up: its first step below the threshold, or its last point. */
function outcome(run) {
  if (run.below) return `loss ${formatLoss(run.below.loss)} at step ${run.below.step}`;
  const last = run.points[run.points.length - 1];
  return last ? `loss ${formatLoss(last.loss)} at step ${last.step}` : 'no step taken';
}

export class ExperimentView {
  /**
   * `entry`: the experiment's catalog entry ({id, title, paperRef,
   * paperReported, shows, shortened, runs}). Builds the region; `element`
   * is to be put in the page.
   */
  constructor(entry) {
    this.entry = entry;
    const headingId = `lab-${entry.id}-heading`;
    this.element = el('section', { className: 'lab-result', id: `lab-${entry.id}`, role: 'region', 'aria-label': `${entry.title} result` });
    const paper = el('p', { className: 'lab-paper' }, [el('strong', { text: `The paper (${entry.paperRef}): ` }), entry.paperReported]);
    this.element.append(el('h3', { id: headingId, text: entry.title }), el('p', { className: 'hint', text: entry.shows }), paper);
    if (entry.shortened) {
      this.element.append(el('p', { className: 'lab-shortened' }, [el('strong', { text: 'Shortened: ' }), entry.shortened]));
    }
    this.progress = el('p', { className: 'lab-progress', text: 'Starting…' });
    this.element.append(this.progress);
    this.trains = entry.runs.some((r) => r.work.kind === 'train');
    // Overfitting drives the loss to 1e-6 and below, and a run the guard
    // catches climbs past 1e20 first: only a log scale shows both.
    this.logScale = entry.runs.some((r) => r.work.kind === 'train' && r.work.threshold != null);
    if (this.trains) this.#buildChart(entry);
    // What the runs found worth saying while they ran (a refused step, a run's outcome).
    this.notes = el('ul', { className: 'lab-live-notes', 'aria-label': `${entry.title}: as it runs` });
    this.element.append(this.notes);
    this.details = el('div', { className: 'lab-details' });
    this.summaries = el('ul', { className: 'lab-summaries', 'aria-label': `${entry.title}: each run's outcome` });
    this.last = el('p', { className: 'lab-outcome' });
    this.element.append(this.details, this.summaries, this.last);
  }

  #buildChart(entry) {
    const canvas = el('canvas', { className: 'chart lab-chart', width: '480', height: '200' });
    this.chart = new LineChart(canvas, {
      title: this.logScale ? `${entry.title}: loss, log scale (−2 is 0.01)` : `${entry.title}: loss`,
      yLabel: this.logScale ? 'log₁₀ loss' : 'loss',
      yMin: this.logScale ? undefined : 0,
      series: entry.runs.map((run, i) => ({ name: run.label, color: RUN_COLORS[i % RUN_COLORS.length] })),
    });
    const legend = el('ul', { className: 'lab-legend', 'aria-label': `${entry.title}: curves` });
    entry.runs.forEach((run, i) => {
      const swatch = el('span', { className: 'lab-swatch', 'aria-hidden': 'true' });
      swatch.style.background = RUN_COLORS[i % RUN_COLORS.length];
      legend.append(el('li', {}, [swatch, run.label]));
    });
    this.element.append(canvas, legend);
  }

  /** A loss as drawn: itself, or its log₁₀ (a loss that is 0 in f32 drawn at LOG_FLOOR). */
  #plotted(loss) {
    return this.logScale ? Math.log10(Math.max(loss, LOG_FLOOR)) : loss;
  }

  /** A slice of the worker's: new points on the chart, where the runs stand. */
  showProgress(p) {
    for (const point of p.points) this.chart?.add(p.label, point.step, this.#plotted(point.loss));
    const run = p.runs > 1 ? `run ${p.runIndex + 1} of ${p.runs} (${p.label}): ` : '';
    const steps = this.trains && p.stepsPlanned > 0 ? `step ${p.stepsTaken} of ${p.stepsPlanned}` : `${p.stepsTaken} of ${p.stepsPlanned} done`;
    this.progress.textContent = `Running… ${run}${steps}.`;
    for (const note of p.notes) this.notes.append(el('li', { text: note }));
  }

  /** The experiment is over (or was stopped): everything it showed. */
  showResult(result, stopped) {
    // The full curves, in case a slice's points were missed (a worker restart).
    if (this.chart) {
      this.chart.reset();
      for (const run of result.runs) for (const point of run.points) this.chart.add(run.label, point.step, this.#plotted(point.loss));
    }
    this.details.replaceChildren();
    this.notes.replaceChildren(); // the outcomes below say it all, with the explanations
    if (result.gradcheck) this.details.append(...gradcheckTable(result.gradcheck));
    this.stopScheme?.();
    this.stopScheme = null;
    if (result.reconstruction) {
      const stops = [];
      this.details.append(reconstruction(result.reconstruction, stops));
      this.stopScheme = () => stops.forEach((stop) => stop());
    }
    const items = [];
    // The gradient check's table says what its run found, row by row.
    for (const run of result.gradcheck ? [] : result.runs) {
      const text = run.finished ? run.summary : `${outcome(run)} (stopped before the end of ${run.stepsPlanned} steps)`;
      const li = el('li', {}, [el('strong', { text: `${run.label}: ` }), text, el('br'), el('span', { className: 'hint', text: run.data })]);
      if (run.rollback) li.append(el('p', { className: 'lab-rollback', text: run.rollback.explanation }));
      for (const note of run.notes) li.append(el('p', { className: 'lab-note', text: note }));
      items.push(li);
    }
    this.summaries.replaceChildren(...items);
    this.progress.textContent = stopped ? 'Stopped.' : 'Done.';
    this.last.textContent = this.#lastLine(result, stopped);
  }

  #lastLine(result, stopped) {
    const run = result.runs[result.runs.length - 1];
    if (stopped) return `Stopped${run ? ` during ${run.label}, ${outcome(run)}` : ' before the first step'}.`;
    // The overfitting experiments: where the first run (the current architecture) got to.
    if (result.runs[0]?.threshold !== null && result.runs[0]?.threshold !== undefined) return outcome(result.runs[0]);
    if (result.gradcheck) return result.gradcheck.passed ? 'Every parameter tensor passed.' : 'Some parameter tensor FAILED.';
    return '';
  }

  /** The result failed: why, in place of the outcome. */
  showFailure(message) {
    this.progress.textContent = `Could not run: ${message}`;
  }

  destroy() {
    this.chart?.destroy();
    this.stopScheme?.();
  }
}

function gradcheckTable(report) {
  // "Max relative error" is the core's floored one (results.rs): at most the
  // tolerance exactly when every element passes, so the two read together.
  const columns = ['Parameter', 'Max relative error', 'Result'];
  const head = el('tr', {}, columns.map((name) => el('th', { scope: 'col', text: name })));
  const rows = report.rows.map((row) =>
    el('tr', { title: `${row.checked} of ${row.total} elements compared; ${row.nearKink} next to a kink, ${row.skipped} on one; plain relative error ${row.maxPlainRelativeError.toExponential(2)}` }, [
      el('th', { scope: 'row', text: row.parameter }),
      el('td', { text: row.measured === 0 ? 'not measured (on a kink)' : row.maxRelativeError.toExponential(2) }),
      el('td', { className: row.passed ? 'lab-pass' : 'lab-fail', text: row.passed ? 'pass' : 'fail' }),
    ]),
  );
  const table = el('table', { className: 'lab-gradcheck' }, [
    el('caption', { text: 'Gradient check' }),
    el('thead', {}, [head]),
    el('tbody', {}, rows),
  ]);
  const t = report.tolerance;
  const tolerance = el('p', { className: 'lab-tolerance' }, [
    el('strong', { text: 'Tolerance: ' }),
    el('span', { className: 'lab-tolerance-value', text: t.relative.toExponential(0) }),
    `. A row passes when its max relative error is at most that, element by element: ${t.formula}; ${t.errorFormula}. On ${report.images} test images. `,
    el('span', { className: 'hint', text: t.derivation }),
  ]);
  return [el('div', { className: 'table-scroll' }, [table]), tolerance];
}

function reconstruction(r, stops) {
  const figure = (label, caption, pixels) => {
    const canvas = el('canvas', { className: 'lab-digit', width: '84', height: '84', role: 'img', 'aria-label': label });
    // drawn once the figure is in the page (it needs its CSS size), and again with the colour scheme
    const draw = () => drawDigit(canvas, Float32Array.from(pixels));
    requestAnimationFrame(draw);
    stops.push(onColorSchemeChange(draw));
    return el('figure', {}, [canvas, el('figcaption', { text: caption })]);
  };
  return el('div', { className: 'lab-images' }, [
    figure('The input image: a training digit', 'Input', r.input),
    figure(`The network's output before training (error ${formatLoss(r.errorBefore)})`, `Before (error ${formatLoss(r.errorBefore)})`, r.before),
    figure(`The reconstructed image: the network's output after training (error ${formatLoss(r.errorAfter)})`, `Reconstructed (error ${formatLoss(r.errorAfter)})`, r.after),
  ]);
}
