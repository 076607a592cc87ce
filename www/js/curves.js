// curves.js — the learning-curves panel: the loss and accuracy charts, the
// runs kept side by side on them (runs.js) with their legend (legend.js),
// and "Clear runs". main.js hands it what the worker reports: training
// batches, evaluations, a new network (a new run), settings.
//
// Each chart shows the current run as before (training per batch, raw and
// smoothed, in the accent colour; test in its own colour) and, under it, one
// muted dashed line per kept run: that run's smoothed training curve, the
// line its reader watched while it trained.

import { LineChart } from './line-chart.js';
import { renderLegend } from './legend.js';
import { MAX_KEPT_RUNS, RunList } from './runs.js';

const TRAINING = 'training (per batch)';
const TEST = 'test';
const TRAINING_SMOOTHING = 0.95;

// A kept run's look by its slot (runs.js): a colour of its own (custom
// properties --run-1 … --run-8 in css/style.css, set for light and dark) and
// one of four dashes, so neighbours differ in two ways.
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
const keptStyle = (slot) => ({ color: `var(--run-${(slot % MAX_KEPT_RUNS) + 1})`, dash: DASHES[slot % DASHES.length] });
const CURRENT_STYLE = { color: 'var(--train-color)', dash: [] };

export class LearningCurves {
  /**
   * `elements`: the two canvases, the legend's list, the "Clear runs" button
   * and a status line. `settings`: the page's settings in force, an object
   * the page keeps up to date (read when a run starts, for its label).
   */
  constructor({ lossCanvas, accuracyCanvas, legend, clearButton, status }, { settings }) {
    this.settings = settings;
    this.elements = { legend, clearButton, status };
    const series = [
      { name: TRAINING, color: 'var(--train-color)', smoothing: TRAINING_SMOOTHING },
      { name: TEST, color: 'var(--test-color)' },
    ];
    this.loss = new LineChart(lossCanvas, { title: 'Loss', yLabel: 'cross-entropy', yMin: 0, series });
    this.accuracy = new LineChart(accuracyCanvas, { title: 'Accuracy (%)', yLabel: '%', yMin: 0, yMax: 100, series });
    this.runs = new RunList({ series: ['loss', 'accuracy'], smoothing: TRAINING_SMOOTHING });
    clearButton.addEventListener('click', () => this.clearRuns());
    this.#show();
  }

  /** A `training` message's batches: on the charts and in the current run. */
  training(batches) {
    const started = this.runs.started;
    for (const b of batches) {
      this.loss.add(TRAINING, b.step, b.loss);
      this.accuracy.add(TRAINING, b.step, b.accuracy * 100);
      this.runs.add('loss', b.step, b.loss, this.settings);
      this.runs.add('accuracy', b.step, b.accuracy * 100, this.settings);
    }
    if (!started && this.runs.started) this.#showLegend(); // the label is now fixed
  }

  /** An evaluation on test images: on the charts (kept runs show their training curve only). */
  evaluation(e) {
    this.loss.add(TEST, e.step, e.loss);
    this.accuracy.add(TEST, e.step, e.accuracy * 100);
  }

  /** A new network: the current run is kept (if it trained) and the charts start over. */
  newRun() {
    const dropped = this.runs.finish();
    this.loss.reset();
    this.accuracy.reset();
    const { dropped: total } = this.runs;
    this.elements.status.textContent =
      dropped.length > 0 ? `Showing the last ${MAX_KEPT_RUNS} runs: ${total} older ${total === 1 ? 'run was' : 'runs were'} dropped.` : '';
    this.#show();
  }

  /** The settings in force changed: a run that has not trained yet is labelled with them. */
  settingsChanged() {
    if (!this.runs.started) this.#showLegend();
  }

  /** "Clear runs": the kept runs go; the current one stays. */
  clearRuns() {
    if (this.runs.kept.length === 0) return;
    this.runs.clear();
    this.elements.status.textContent = 'Earlier runs cleared.';
    this.#show();
  }

  #show() {
    const overlays = this.runs.kept.map((run) => ({ run, ...keptStyle(run.slot) }));
    this.loss.setOverlays(overlays.map(({ run, color, dash }) => ({ name: run.label, color, dash, data: run.series.get('loss') })));
    this.accuracy.setOverlays(overlays.map(({ run, color, dash }) => ({ name: run.label, color, dash, data: run.series.get('accuracy') })));
    // Focusable even with nothing to clear (aria-disabled, not disabled): the
    // focus stays on it after a press, and it still says what it is.
    this.elements.clearButton.setAttribute('aria-disabled', String(this.runs.kept.length === 0));
    this.#showLegend();
  }

  // The current run first, then the kept ones, newest first.
  #showLegend() {
    // Before the worker has said which network is in, there is nothing to name.
    const label = this.runs.started || this.settings.preset ? this.runs.currentLabel(this.settings) : 'the network to come';
    const entries = [{ label, current: true, ...CURRENT_STYLE }];
    for (const run of [...this.runs.kept].reverse()) entries.push({ label: run.label, current: false, ...keptStyle(run.slot) });
    renderLegend(this.elements.legend, entries);
  }
}
