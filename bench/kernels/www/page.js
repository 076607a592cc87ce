// The page side: one dedicated module Worker per wasm build, and a call
// function that the driver (bench.mjs) reaches through page.evaluate.
//   await window.kernels.start('simd128')            → worker facts
//   await window.kernels.call('simd128', fn, args)   → the function's result

const workers = new Map();

function start(build) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(`worker.js?build=${encodeURIComponent(build)}`, { type: 'module' });
    const pending = new Map();
    let nextId = 1;
    worker.onerror = (e) => reject(new Error(`worker ${build}: ${e.message}`));
    worker.onmessage = (event) => {
      const msg = event.data;
      if (msg.ready) {
        workers.set(build, {
          call(fn, args) {
            const id = nextId++;
            return new Promise((res, rej) => {
              pending.set(id, { res, rej });
              worker.postMessage({ id, fn, args });
            });
          },
          terminate: () => worker.terminate(),
        });
        resolve(msg.facts);
        return;
      }
      if (msg.loadError) {
        reject(new Error(`worker ${build}: ${msg.loadError}`));
        return;
      }
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) p.res(msg.value);
      else p.rej(new Error(msg.error));
    };
  });
}

window.kernels = {
  start,
  call: (build, fn, args) => workers.get(build).call(fn, args),
  stop: (build) => {
    workers.get(build)?.terminate();
    workers.delete(build);
  },
};
window.kernelsReady = true;
