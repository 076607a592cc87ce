// The bench page only starts workers and relays commands to them; all the
// measured work runs inside the workers, the main thread stays idle.
//   await window.bench.start(name, url, {type})  → the worker's ready
//   await window.bench.call(name, cmd, args)     → the worker's answer
//   window.bench.stop(name)

const workers = new Map();
let nextId = 1;

function start(name, url, options = {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(url, location.href), options);
    const pending = new Map();
    worker.onerror = (e) => {
      const error = new Error(`worker ${name}: ${e.message} (${e.filename}:${e.lineno})`);
      reject(error);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    worker.onmessage = (event) => {
      const msg = event.data;
      if (msg.fatal) {
        reject(new Error(`worker ${name}: ${msg.fatal}`));
        return;
      }
      if (msg.ready) {
        workers.set(name, { worker, pending });
        resolve(true);
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(`${name}: ${msg.error}`));
    };
  });
}

function call(name, cmd, args) {
  const w = workers.get(name);
  if (!w) return Promise.reject(new Error(`no worker ${name}`));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    w.pending.set(id, { resolve, reject });
    w.worker.postMessage({ id, cmd, args });
  });
}

function stop(name) {
  workers.get(name)?.worker.terminate();
  workers.delete(name);
}

window.bench = { start, call, stop };
