// What V8's optimising compiler makes of a wasm function: the x86-64 code of
// every function whose name (the module's "name" section) contains PATTERN.
// The tool behind bench/README.md's "Direct convolution tiles, round two":
// it shows spills (stores to [rbp-…] inside a loop), register moves and
// bounds checks that the GFLOP/s figures only hint at.
//
//   node bench/kernels/disasm.mjs target/kernel-bench-relaxed/wasm32-unknown-unknown/release/groundup_web.wasm correlate_tile
//
// Take the module cargo wrote (before wasm-bindgen and wasm-opt, which drop
// the names). Rust names generic instances by hash only: tell them apart by
// their multiply-add count (printed per function). Needs only node (20+).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Reads one unsigned LEB128 at `at.p`, advancing it. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at.p++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
}

/** [index, name] of every function in the module's name section. */
export function functionNames(bytes) {
  const names = [];
  const at = { p: 8 }; // past the magic number and version
  while (at.p < bytes.length) {
    const id = bytes[at.p++];
    const end = leb(bytes, at) + at.p;
    if (id === 0) {
      const length = leb(bytes, at);
      const section = bytes.subarray(at.p, at.p + length).toString();
      at.p += length;
      while (section === 'name' && at.p < end) {
        const kind = bytes[at.p++];
        const subEnd = leb(bytes, at) + at.p;
        if (kind === 1) {
          for (let n = leb(bytes, at); n > 0; n--) {
            const index = leb(bytes, at);
            const len = leb(bytes, at);
            names.push([index, bytes.subarray(at.p, at.p + len).toString()]);
            at.p += len;
          }
        }
        at.p = subEnd;
      }
    }
    at.p = end;
  }
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, pattern] = process.argv.slice(2);
  if (!file || !pattern) {
    console.error('usage: node bench/kernels/disasm.mjs MODULE.wasm NAME-PATTERN');
    process.exit(2);
  }
  const matches = functionNames(readFileSync(file)).filter(([, name]) => name.includes(pattern));
  if (matches.length === 0) {
    console.error(`no function named like ${JSON.stringify(pattern)} in ${file} (no name section?)`);
    process.exit(1);
  }
  for (const [index, name] of matches) {
    // A child node compiles the module eagerly with TurboFan (no Liftoff
    // tier, no lazy compilation) and prints just this function.
    const code = execFileSync(process.execPath, [
      '--experimental-wasm-relaxed-simd',
      '--no-liftoff',
      '--no-wasm-lazy-compilation',
      `--print-wasm-code-function-index=${index}`,
      '--input-type=module',
      '-e',
      `new WebAssembly.Module((await import('node:fs')).readFileSync(${JSON.stringify(file)}))`,
    ], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const count = (re) => (code.match(re) || []).length;
    console.log(`== function ${index} ${name}: ${count(/vfmadd|vmulps/g)} multiplies, ${count(/\[rbp-/g)} stack accesses`);
    console.log(code);
  }
}
