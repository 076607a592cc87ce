// runs.js — the training runs the learning curves compare: the current one
// and those kept from before, each with its label and its points per series.
//
// A run is what one network trains between two new networks (Reset, another
// preset, a model file, a network from the URL). When a new network arrives
// the current run ends: if it trained at all it is kept, whether it finished,
// was paused or stopped, and stays on the charts (muted) until "Clear runs".
// At most `maxKept` runs are kept, so memory stays bounded; older ones are
// dropped and counted, for the page to say so.
//
// A run's label names the settings it trained with, "cnn · adam 0.001 ·
// batch 64 · seed 1". Settings may change while a run trains (the learning
// rate can be changed live); the rule here: a run is labelled with the
// settings in force when its FIRST training point arrives. Until then (a new
// network waiting for Train) its label follows the settings as they change.
//
// Pure: no DOM, tested in Node (www/tests/runs.test.mjs).

import { SeriesData } from './chart-series.js';
import { formatSetting } from './settings.js';

/** How many earlier runs are kept at most (index.html's hint under the legend says so too). */
export const MAX_KEPT_RUNS = 8;
/** How many points one series of one run holds at most (it is decimated evenly beyond). */
export const RUN_POINTS = 1000;

const part = (name, settings) => {
  const value = settings?.[name];
  return value === undefined || value === null || value === '' ? '?' : formatSetting(name, value);
};

/**
 * The label of a run trained with `settings` (as the worker reports them):
 * "preset · optimizer lr · batch B · seed S", e.g. "cnn · adam 0.001 · batch 64 · seed 1".
 * A setting that is missing shows as "?".
 */
export function runLabel(settings) {
  return `${part('preset', settings)} · ${part('optimizer', settings)} ${part('learningRate', settings)} · batch ${part('batchSize', settings)} · seed ${part('seed', settings)}`;
}

/**
 * The current run and the kept ones.
 *
 *   const runs = new RunList({ series: ['loss', 'accuracy'], smoothing: 0.95 });
 *   runs.add('loss', step, value, settingsInForce);   // the current run
 *   runs.finish();                                    // a new network: keep it
 *   runs.kept  // [{ id, label, slot, series: Map(name → SeriesData) }], oldest first
 *   runs.clear();
 *
 * `slot` (0 … maxKept − 1) is a kept run's place in the page's list of
 * colours and dashes: it is fixed when the run is kept and is the lowest one
 * no other kept run has, so a run keeps its look while others come and go.
 */
export class RunList {
  constructor({ series = [], smoothing = 0, maxKept = MAX_KEPT_RUNS, maxPoints = RUN_POINTS } = {}) {
    if (!Number.isInteger(maxKept) || maxKept < 1) throw new RangeError(`maxKept must be a positive whole number, not ${maxKept}`);
    this.seriesNames = [...series];
    this.smoothing = smoothing;
    this.maxKept = maxKept;
    this.maxPoints = maxPoints;
    this.kept = [];
    this.dropped = 0; // runs dropped for the cap since the last clear
    this.nextId = 1;
    this.current = this.#newRun();
  }

  /**
   * Adds a point to a series of the current run. Non-finite points are
   * refused (false) and leave the run as it was. The first point fixes the
   * run's label from `settings`.
   */
  add(seriesName, x, y, settings) {
    const data = this.current.series.get(seriesName) ?? this.#addSeries(this.current, seriesName);
    if (!data.add(x, y)) return false;
    if (this.current.label === null) {
      this.current.settings = { ...settings };
      this.current.label = runLabel(settings);
    }
    return true;
  }

  /** True once the current run has a point (its label is fixed). */
  get started() {
    return this.current.label !== null;
  }

  /** The current run's label: fixed once it trains, else that of `settings` (those in force now). */
  currentLabel(settings) {
    return this.current.label ?? runLabel(settings);
  }

  /**
   * The current run ends and a new one begins. A run with points is kept;
   * beyond `maxKept` the oldest are dropped. Returns the runs dropped now.
   */
  finish() {
    const run = this.current;
    this.current = this.#newRun();
    if (!hasPoints(run)) return [];
    const used = new Set(this.kept.map((kept) => kept.slot));
    const dropped = this.kept.length >= this.maxKept ? this.kept.splice(0, this.kept.length - this.maxKept + 1) : [];
    for (const old of dropped) used.delete(old.slot);
    let slot = 0;
    while (used.has(slot)) slot += 1;
    this.kept.push({ ...run, slot });
    this.dropped += dropped.length;
    return dropped;
  }

  /** Forgets every kept run (and the count of dropped ones); the current run goes on. */
  clear() {
    this.kept = [];
    this.dropped = 0;
  }

  #newRun() {
    const run = { id: this.nextId++, label: null, settings: null, series: new Map() };
    for (const name of this.seriesNames) this.#addSeries(run, name);
    return run;
  }

  #addSeries(run, name) {
    const data = new SeriesData({ smoothing: this.smoothing, maxPoints: this.maxPoints });
    run.series.set(name, data);
    return data;
  }
}

/** True if any series of `run` has a point. */
export function hasPoints(run) {
  for (const data of run.series.values()) if (data.length > 0) return true;
  return false;
}
