// The training worker's states and every legal move between them, in one
// place. A move that is not listed is a bug in the worker and throws, so it
// shows up at once instead of leaving the worker half in two states.
//
//   loading       the wasm or a model file is being loaded; nothing else runs
//   idle          a network is in place; nothing runs
//   training      slices of steps run (evaluations during training too)
//   pausing       Pause came while a step shared with shard workers was in
//                 flight; it finishes first, then the final evaluation
//   evaluating    an evaluation runs while not training (after a pause, at
//                 the end, once the test data is in)
//   diverged      training stopped on a divergence; the weights are the last
//                 good ones. Train goes on from them, Reset starts afresh
//   experimenting one of the paper's experiments runs in slices (worker-lab.js)
//                 on copies of the network and data. Training waits: it is
//                 paused before the experiment starts, and Train is refused
//                 until the experiment ends or is stopped. An evaluation
//                 begun before goes on beside it (it reads only the network)
//
// Entering `experimenting` from training is always through idle (the
// pause), so an experiment never shares a tick with a training slice. It
// always leaves to idle: the network is as it was, and Train goes on from it.

export const STATES = ['loading', 'idle', 'training', 'pausing', 'evaluating', 'diverged', 'experimenting'];

/**
 * From each state, the states it may move to. Reset (`reset()`) may come
 * from anywhere, and leaves an experiment running (it runs on copies).
 */
export const TRANSITIONS = {
  loading: ['idle'],
  idle: ['loading', 'training', 'evaluating', 'diverged', 'experimenting'],
  training: ['pausing', 'evaluating', 'diverged', 'idle'],
  pausing: ['training', 'evaluating', 'diverged', 'idle'],
  evaluating: ['idle', 'training', 'diverged', 'loading', 'experimenting'],
  diverged: ['training', 'evaluating', 'idle', 'loading', 'experimenting'],
  experimenting: ['idle'],
};

export class Machine {
  constructor(onChange = () => {}) {
    this.state = 'loading';
    this.onChange = onChange;
  }

  /** Whether the current state is one of `names`. */
  is(...names) {
    return names.includes(this.state);
  }

  /** Moves to `next`; throws if that move is not in TRANSITIONS. Staying put is no move. */
  go(next) {
    if (next === this.state) return;
    if (!TRANSITIONS[this.state]?.includes(next)) {
      throw new Error(`worker state: no move from ${this.state} to ${next}`);
    }
    const from = this.state;
    this.state = next;
    this.onChange(from, next);
  }

  /**
   * The one way out of any state: a fresh network is in place (a preset, a
   * reader's architecture — `setArchitecture` —, Reset, a model file), and
   * nothing of its training runs; the run before it has stopped. An
   * experiment goes on (it has its own copies): the state stays
   * `experimenting`, and it ends in idle.
   */
  reset() {
    const from = this.state;
    if (from === 'experimenting') return;
    this.state = 'idle';
    if (from !== 'idle') this.onChange(from, 'idle');
  }
}
