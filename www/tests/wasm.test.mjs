// The choice between the relaxed-SIMD and the simd128 wasm builds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GLUE, loadWasm, relaxedSimdSupported, wasm } from '../js/wasm.js';

/** A stand-in glue module: records its init, exports `Trainer`. */
function glue(name, log) {
  return { default: async () => log.push(`init ${name}`), Trainer: name };
}

test('the probe is a well-formed module that only relaxed SIMD makes valid', () => {
  let probe;
  assert.equal(relaxedSimdSupported((bytes) => { probe = bytes; return true; }), true);
  assert.deepEqual([...probe.slice(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  // f32x4.relaxed_madd (0xfd 0x105) before the final `end`.
  assert.deepEqual([...probe.slice(-4)], [0xfd, 0x85, 0x02, 0x0b]);
  // The same module with the fused op replaced by two f32x4.add (0xfd 0xe4)
  // is plain simd128, which every engine running this test accepts: so the
  // framing around the op is valid, and only the op decides.
  const adds = [0xfd, 0xe4, 0x01, 0xfd, 0xe4, 0x01];
  const body = [...probe.slice(23, -4), ...adds, 0x0b];
  const plain = Uint8Array.of(...probe.slice(0, 19), 0x0a, body.length + 2, 0x01, body.length, ...body);
  assert.equal(WebAssembly.validate(plain), true);
  assert.equal(relaxedSimdSupported(() => false), false);
  assert.equal(relaxedSimdSupported(() => { throw new Error('no WebAssembly'); }), false);
});

test('relaxed SIMD accepted: the relaxed build is loaded, simd128 never imported', async () => {
  const log = [];
  const loaded = await loadWasm({
    validate: () => true,
    importGlue: async (url) => { log.push(url); return glue(url === GLUE.relaxed ? 'relaxed' : 'simd128', log); },
  });
  assert.equal(loaded, wasm);
  assert.equal(wasm.build, 'relaxed');
  assert.equal(wasm.Trainer, 'relaxed');
  assert.deepEqual(log, [GLUE.relaxed, 'init relaxed']);
});

test('no relaxed SIMD, or no relaxed build: simd128', async () => {
  const log = [];
  await loadWasm({ validate: () => false, importGlue: async (url) => { log.push(url); return glue('simd128', log); } });
  assert.equal(wasm.build, 'simd128');
  assert.deepEqual(log, [GLUE.simd128, 'init simd128']);

  log.length = 0;
  await loadWasm({
    validate: () => true,
    importGlue: async (url) => {
      log.push(url);
      if (url === GLUE.relaxed) throw new TypeError('Failed to fetch dynamically imported module');
      return glue('simd128', log);
    },
  });
  assert.equal(wasm.build, 'simd128');
  assert.equal(wasm.Trainer, 'simd128');
  assert.deepEqual(log, [GLUE.relaxed, GLUE.simd128, 'init simd128']);
});

test('a relaxed build whose instantiation fails falls back too; a failing simd128 build is an error', async () => {
  const log = [];
  const broken = { default: async () => { throw new WebAssembly.CompileError('relaxed op refused'); } };
  await loadWasm({ validate: () => true, importGlue: async (url) => (url === GLUE.relaxed ? broken : glue('simd128', log)) });
  assert.equal(wasm.build, 'simd128');
  await assert.rejects(
    loadWasm({ validate: () => false, importGlue: async () => broken }),
    WebAssembly.CompileError,
  );
});
