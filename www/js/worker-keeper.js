// The training worker, kept alive. A worker can die: its wasm traps (a
// panic aborts in a release build, memory that cannot grow, a bug), or an
// error escapes every handler. The page must not die with it. The keeper
// owns the Worker object: it checks every message against protocol.js,
// keeps the worker's latest `checkpoint` (the last good weights), and when
// the worker dies it starts a new one and says so. The page then sends the
// new worker `resume` with that checkpoint, and the data again (it comes
// back from the browser's cache).
//
// A worker that dies over and over (more than MAX_RESTARTS within
// RESTART_WINDOW_MS) is not started again: something is wrong that a
// restart does not fix, and the page says that instead of looping.

import { TO_PAGE, check, message } from './protocol.js';

export const MAX_RESTARTS = 3;
export const RESTART_WINDOW_MS = 60_000;

export class WorkerKeeper {
  /**
   * `url`: the worker script. Callbacks: `onMessage(data)` for every message
   * but `checkpoint` and `crashed`; `onLost({reason, restarting})` when a
   * worker died (`restarting` false once it gave up); `onStartFailed(reason)`
   * when a worker failed before it was ready (restarting would not help).
   * `create` and `now` are replaceable for tests.
   */
  constructor(url, { onMessage, onLost, onStartFailed, create = defaultCreate, now = () => performance.now() }) {
    this.url = url;
    this.callbacks = { onMessage, onLost, onStartFailed };
    this.create = create;
    this.now = now;
    this.checkpoint = null; // {bytes, step, epoch}: the latest
    this.restarts = 0; // workers started after the first
    this.restartTimes = [];
    this.start();
  }

  /** Sends `type` with `fields` (checked against protocol.js) to the worker. */
  send(type, fields, transfer = []) {
    this.worker?.postMessage(message(type, fields), transfer);
  }

  start() {
    const worker = this.create(this.url);
    this.worker = worker;
    this.ready = false;
    worker.onmessage = (event) => {
      if (worker !== this.worker) return; // a dead worker's last words
      const data = check(event.data, TO_PAGE);
      if (data.type === 'ready') this.ready = true;
      if (data.type === 'checkpoint') this.checkpoint = { bytes: data.bytes, step: data.step, epoch: data.epoch };
      else if (data.type === 'crashed') this.lost(data.message);
      else this.callbacks.onMessage(data);
    };
    worker.onerror = (event) => {
      event.preventDefault?.(); // handled here: no second report in the console
      if (worker !== this.worker) return;
      const reason = event.message || 'an error the browser did not describe';
      if (this.ready) this.lost(reason);
      else this.callbacks.onStartFailed(reason);
    };
    worker.onmessageerror = () => {
      if (worker === this.worker) this.lost('a message from it could not be read');
    };
  }

  lost(reason) {
    this.worker.terminate(); // its shard workers go with it
    this.worker = null;
    const now = this.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS);
    const restarting = this.restartTimes.length < MAX_RESTARTS;
    this.callbacks.onLost({ reason, restarting });
    if (!restarting) return;
    this.restartTimes.push(now);
    this.restarts++;
    this.start();
  }
}

function defaultCreate(url) {
  return new Worker(url, { type: 'module' });
}
