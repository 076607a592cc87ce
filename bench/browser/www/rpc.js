// The tiny request/response protocol between the bench page and its
// workers: the page posts {id, cmd, args}; the worker answers {id, ok,
// value} or {id, ok: false, error}. Every worker posts {ready: true} once
// its handler is set (messages posted earlier would be lost).

/** Worker side: answers each command with `handlers[cmd](args)` (may be async). */
export function serve(handlers) {
  // One command at a time, in order: a benchmark must never overlap with another.
  let queue = Promise.resolve();
  self.onmessage = (event) => {
    const { id, cmd, args } = event.data;
    queue = queue.then(async () => {
      try {
        if (!handlers[cmd]) throw new Error(`unknown command ${cmd}`);
        self.postMessage({ id, ok: true, value: await handlers[cmd](args ?? {}) });
      } catch (e) {
        self.postMessage({ id, ok: false, error: (e && (e.stack || e.message)) || String(e) });
      }
    });
  };
  self.postMessage({ ready: true });
}

/**
 * Calls `step()` (returns the images it trained; may be async) until at least
 * `ms` have passed and at least one step is done. Returns `{images, steps, ms,
 * imagesPerSecond}`. The driver alternates such windows between groundup and
 * each TF.js backend, so that a change in the machine's load hits all alike.
 */
export async function runFor(step, ms) {
  const t0 = performance.now();
  let images = 0;
  let steps = 0;
  while (performance.now() - t0 < ms || steps === 0) {
    images += await step();
    steps++;
  }
  const elapsed = performance.now() - t0;
  return { images, steps, ms: elapsed, imagesPerSecond: (images * 1000) / elapsed };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
