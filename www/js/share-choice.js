// Whether the training steps are worth sharing among the workers right now
// (shards.js asks before every step).
//
// On idle cores sharing pays: two workers train the paper CNN 1.6–1.75× as
// fast as one. Beside a busy program it can lose (0.8–0.9×, bench/README.md,
// "Busy machine"): each step waits for every shard, and the system may stop
// any worker for longer than its shard takes. So both ways are measured, in
// images per ms of whole steps: the pool shares, and after every CHOICE_MS
// of steps it takes at least PROBE_STEPS and PROBE_MS the other way;
// whichever made more over its last window goes on for the next CHOICE_MS.
// Windows are timed, not counted, so that a batch of 500 (30–50 ms a step)
// decides as soon as one of 64 (5 ms). On idle cores the probes cost ~1–2 %
// (the paper CNN at batch 64: ~8 steps of 5 ms at 60 % of the speed, every
// 3 s); on a busy machine sharing stops within ~3 s and is tried again
// every ~3 s.

export const CHOICE_MS = 3000;
export const PROBE_MS = 50;
export const PROBE_STEPS = 3;

export class ShareChoice {
  constructor() {
    // Images per ms over each way's last window (0: not measured yet).
    this.rate = { shared: 0, alone: 0 };
    this.chosen = 'shared'; // the way that won the last comparison
    this.current = 'shared'; // the way of the steps now
    this.window = { steps: 0, images: 0, ms: 0 };
  }

  /** Whether the next step is shared. */
  get share() {
    return this.current === 'shared';
  }

  /** Counts a finished step of `images` that took `ms` (the whole step, messages and all). */
  record(images, ms) {
    if (!(images > 0 && ms > 0)) return;
    const window = this.window;
    window.steps++;
    window.images += images;
    window.ms += ms;
    const probing = this.current !== this.chosen;
    const done = probing ? window.steps >= PROBE_STEPS && window.ms >= PROBE_MS : window.ms >= CHOICE_MS;
    if (!done) return;
    this.rate[this.current] = window.images / window.ms;
    if (probing) {
      // Ties go to sharing: on idle cores it is the way that scales.
      this.chosen = this.rate.alone > this.rate.shared ? 'alone' : 'shared';
      this.current = this.chosen;
    } else {
      this.current = this.chosen === 'shared' ? 'alone' : 'shared';
    }
    this.window = { steps: 0, images: 0, ms: 0 };
  }
}
