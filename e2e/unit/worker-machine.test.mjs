// The training worker's state machine (www/js/worker-machine.js): the one
// table of legal moves is complete, and a move not in it throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Machine, STATES, TRANSITIONS } from '../../www/js/worker-machine.js';

test('every state has its moves listed, and every move leads to a state', () => {
  assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...STATES].sort());
  for (const [from, moves] of Object.entries(TRANSITIONS)) {
    for (const to of moves) assert.ok(STATES.includes(to), `${from} → ${to}`);
    assert.ok(!moves.includes(from), `${from} lists itself`);
  }
});

test('a run: loading, idle, training, pausing, evaluating, idle; a divergence; reset from anywhere', () => {
  const seen = [];
  const m = new Machine((from, to) => seen.push(`${from}→${to}`));
  assert.equal(m.state, 'loading');
  for (const next of ['idle', 'training', 'pausing', 'idle', 'evaluating', 'idle', 'training', 'diverged', 'evaluating', 'diverged', 'training']) {
    m.go(next);
  }
  assert.equal(m.state, 'training');
  assert.equal(seen.length, 11);
  m.go('training'); // staying put is no move
  assert.equal(seen.length, 11);
  assert.ok(m.is('pausing', 'training') && !m.is('idle'));
  for (const from of STATES.filter((s) => s !== 'experimenting')) {
    m.state = from;
    m.reset();
    assert.equal(m.state, 'idle', `reset from ${from}`);
  }
});

test('a move that is not in the table throws and changes nothing', () => {
  const m = new Machine();
  assert.throws(() => m.go('training'), /no move from loading to training/);
  assert.equal(m.state, 'loading');
  m.go('idle');
  assert.throws(() => m.go('pausing'), /no move from idle to pausing/);
  assert.equal(m.state, 'idle');
});

test('an experiment: entered from idle, evaluating or diverged, never from training; Reset leaves it running; it ends in idle', () => {
  const m = new Machine();
  m.go('idle');
  m.go('training');
  assert.throws(() => m.go('experimenting'), /no move from training to experimenting/);
  m.go('pausing');
  assert.throws(() => m.go('experimenting'), /no move from pausing to experimenting/);
  m.go('idle');
  m.go('experimenting');
  assert.throws(() => m.go('training'), /no move from experimenting to training/);
  assert.throws(() => m.go('loading'), /no move from experimenting to loading/);
  m.reset(); // a new network: the experiment runs on its copies
  assert.equal(m.state, 'experimenting');
  m.go('idle');
  for (const from of ['evaluating', 'diverged']) {
    m.state = from;
    m.go('experimenting');
    m.go('idle');
  }
});
