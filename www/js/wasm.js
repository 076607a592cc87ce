// Which of the two wasm builds this worker runs, and the glue it exports.
//
// The release page ships two builds of the same Rust code (Trunk.toml's
// post-build hook, scripts/relaxed-wasm.sh):
//   groundup-web.js          simd128: every current browser
//   groundup-web-relaxed.js  + relaxed SIMD: `f32x4.relaxed_madd`, a fused
//                            multiply-add (Chrome 114+, Firefox 146+; not Safari)
// A worker asks the engine whether it accepts a tiny module that uses
// `f32x4.relaxed_madd` and imports the relaxed build if so; if that build is
// missing (`trunk serve` builds only the simd128 one) or will not load, it
// falls back to simd128. With the fused build the last bits of a result can
// differ from another machine's; the same seed on the same machine and
// build still gives the same run.
//
// Worker modules use `wasm.Trainer`, `wasm.Experiment`, … once `loadWasm`
// has resolved (worker.js and shard-worker.js await it before anything else).

/** `(func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd)`. */
const RELAXED_SIMD_PROBE = (() => {
  const zeros = [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const i32x4 0 0 0 0
  const body = [0x00, ...zeros, ...zeros, ...zeros, 0xfd, 0x85, 0x02, 0x0b]; // no locals … f32x4.relaxed_madd, end
  return Uint8Array.of(
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // its code
  );
})();

export const GLUE = {
  relaxed: '../groundup-web-relaxed.js',
  simd128: '../groundup-web.js',
};

/** Whether `validate` (the engine's `WebAssembly.validate`) accepts relaxed SIMD. */
export function relaxedSimdSupported(validate = (bytes) => WebAssembly.validate(bytes)) {
  try {
    return validate(RELAXED_SIMD_PROBE) === true;
  } catch {
    return false;
  }
}

/** The loaded glue's exports, `build` ('relaxed' or 'simd128') and the wasm `memory`. */
export const wasm = { build: null };

/**
 * Imports and instantiates the build this engine runs best. `importGlue`
 * and `validate` are the browser's unless a test passes stand-ins.
 */
export async function loadWasm({ importGlue = (url) => import(url), validate } = {}) {
  if (relaxedSimdSupported(validate)) {
    try {
      return await instantiate(await importGlue(GLUE.relaxed), 'relaxed');
    } catch {
      // Not built (a development build), or refused: simd128 below.
    }
  }
  return instantiate(await importGlue(GLUE.simd128), 'simd128');
}

/** What the page says about the build a worker runs (the `wasm` of `ready`). */
export function buildNote(build) {
  return build === 'relaxed'
    ? 'Computed in WebAssembly with relaxed SIMD (fused multiply-add): the last digits of a result may differ on another machine.'
    : 'Computed in WebAssembly with SIMD.';
}

async function instantiate(glue, build) {
  const instance = await glue.default(); // the instance's exports: `memory` for benchmarks
  Object.assign(wasm, glue, { build, memory: instance?.memory });
  return wasm;
}
