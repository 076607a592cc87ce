// The worker's modules load in a module worker next to the wasm glue
// (../groundup-web.js, built by Trunk). A missing export or a syntax error
// there only shows in the browser as "the worker failed to start", so link
// them here against a stand-in for the glue: every import must resolve.
// In a child process: the worker's loop keeps a MessageChannel open, which
// would keep this one alive.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const JS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'js');
const WORKER_MODULES = ['wasm.js', 'worker.js', 'shard-worker.js', 'worker-training.js', 'worker-evaluation.js', 'worker-inside.js', 'worker-own-data.js', 'worker-lab.js', 'data-feed.js'];

test('the worker modules link: every import they make is exported', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'groundup-worker-modules-'));
  try {
    cpSync(JS, path.join(dir, 'js'), { recursive: true });
    // The glue's exports as the worker uses them; nothing runs at import.
    writeFileSync(path.join(dir, 'groundup-web.js'), 'export default async function init() {}\nexport class Trainer {}\nexport class ShardWorker {}\nexport function describeArch() {}\nexport function describeLayers() {}\nexport class Experiment {}\nexport function experimentCatalog() { return []; }\n');
    const urls = WORKER_MODULES.map((name) => pathToFileURL(path.join(dir, 'js', name)).href);
    const script = `
      globalThis.self = globalThis; // a worker's global
      self.postMessage = () => {}; // what the worker says at start-up goes nowhere
      self.addEventListener = () => {}; // a worker's global is an EventTarget
      const failed = [];
      for (const url of ${JSON.stringify(urls)}) {
        try { await import(url); } catch (e) { failed.push(url.split('/').pop() + ': ' + e.message); }
      }
      console.log(JSON.stringify(failed));
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
