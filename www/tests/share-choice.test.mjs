// The pool's choice between sharing each step and training alone
// (www/js/share-choice.js): it shares first, probes the other way after a
// window, keeps whichever made more images per ms, and keeps probing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHOICE_MS, PROBE_MS, PROBE_STEPS, ShareChoice } from '../js/share-choice.js';

// Steps of 5 ms shared and 8.5 ms alone (the paper CNN at batch 64 on idle cores), or 10 ms shared
// (beside a busy program): a window of choice is CHOICE_MS / ms steps, a probe ≥ PROBE_STEPS and PROBE_MS.
const CHOICE_STEPS = CHOICE_MS / 5;
const PROBE_ALONE = Math.max(PROBE_STEPS, Math.ceil(PROBE_MS / 8.5));
const PROBE_SHARED = Math.max(PROBE_STEPS, Math.ceil(PROBE_MS / 5));

/** Runs `steps` steps of 64 images at `msShared` or `msAlone` each; returns the ways taken. */
function run(choice, steps, msShared, msAlone) {
  const ways = [];
  for (let i = 0; i < steps; i++) {
    const share = choice.share;
    ways.push(share ? 'shared' : 'alone');
    choice.record(64, share ? msShared : msAlone);
  }
  return ways;
}

const count = (ways, way) => ways.filter((w) => w === way).length;

test('on idle cores it keeps sharing, with a short probe alone after every window', () => {
  const choice = new ShareChoice();
  const ways = run(choice, 3 * (CHOICE_STEPS + PROBE_ALONE), 5, 8.5);
  assert.deepEqual(ways.slice(0, CHOICE_STEPS), Array(CHOICE_STEPS).fill('shared'));
  assert.deepEqual(ways.slice(CHOICE_STEPS, CHOICE_STEPS + PROBE_ALONE), Array(PROBE_ALONE).fill('alone'));
  assert.equal(count(ways, 'alone'), 3 * PROBE_ALONE);
  assert.ok(choice.share);
  assert.ok(choice.rate.shared > choice.rate.alone);
});

test('beside a busy program it stops sharing, and shares again when that is faster again', () => {
  const choice = new ShareChoice();
  // Shared steps now take longer than alone ones: after the first window and probe, it trains alone.
  run(choice, CHOICE_MS / 10 + PROBE_ALONE, 10, 8.5);
  assert.equal(choice.share, false);
  const aloneSteps = Math.ceil(CHOICE_MS / 8.5);
  const alone = run(choice, aloneSteps, 10, 8.5);
  assert.equal(count(alone, 'alone'), aloneSteps, 'a whole window alone');
  // The cores are idle again: the probe of sharing finds it faster, and sharing resumes.
  const probe = run(choice, PROBE_SHARED, 5, 8.5);
  assert.deepEqual(probe, Array(PROBE_SHARED).fill('shared'));
  assert.ok(choice.share);
  assert.equal(count(run(choice, CHOICE_STEPS, 5, 8.5), 'shared'), CHOICE_STEPS);
});

test('a step without images or time counts for nothing', () => {
  const choice = new ShareChoice();
  for (let i = 0; i < 2 * CHOICE_STEPS; i++) choice.record(0, 5);
  choice.record(64, 0);
  choice.record(64, NaN);
  assert.equal(choice.window.steps, 0);
  assert.ok(choice.share);
});
