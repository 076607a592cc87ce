// A dedicated module Worker (as the app trains in one) that loads one wasm
// build of groundup-web with the `kernel-bench` feature and runs the
// benchmark functions one at a time: {id, fn, args} → {id, ok, value|error}.
// It posts {ready, facts} once its handler is set: earlier messages would be lost.

const build = new URL(self.location.href).searchParams.get('build') ?? 'simd128';
try {
  const wasm = await import(`../pkg/${build}/groundup_web.js`);
  await wasm.default();
  self.onmessage = (event) => {
    const { id, fn, args } = event.data;
    try {
      if (typeof wasm[fn] !== 'function') throw new Error(`no function ${fn} in the ${build} build`);
      self.postMessage({ id, ok: true, value: wasm[fn](...args) });
    } catch (e) {
      self.postMessage({ id, ok: false, error: (e && (e.stack || e.message)) || String(e) });
    }
  };
  self.postMessage({
    ready: true,
    facts: {
      build,
      relaxedSimd: wasm.built_with_relaxed_simd(),
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
      userAgent: navigator.userAgent,
    },
  });
} catch (e) {
  self.postMessage({ loadError: (e && (e.stack || e.message)) || String(e) });
}
