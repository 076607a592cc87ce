#!/usr/bin/env bash
# Browser training speed: the page's own wasm (dist/, both builds; each
# worker picks relaxed SIMD where the engine has it, as the page does)
# against TensorFlow.js 4.22 (cpu, wasm and webgl backends), in the same
# headless Chromium run, on the paper's CNN and MLP (biases on), batch 64 and
# 500, plain SGD; img/s, GFLOP/s and % of the SIMD peak measured in the same
# run. Also: predict latency, evaluate() time on 10,000 images, worker
# memory with MNIST-sized data loaded, and the gzip size of the wasm.
#
# Usage: bash bench/browser/run.sh [--seconds 10] [--warmup 2] [--nets cnn,mlp]
#                                  [--batches 64,500] [--backends cpu,wasm,wasm-tuned,webgl]
#                                  [--workers N] [--build relaxed|simd128]
# Output: a table on stderr, one JSON object on the last stdout line, and
# target/bench/browser.json; then the time-to-99% runs of the page on real
# MNIST (app.mjs, 3 seeds): target/bench/app.json and
# target/bench/convergence.svg. See bench/README.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
say() { echo "==> $*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "no Chromium at ${CHROMIUM:-/usr/bin/chromium}: apt-get install -y chromium (or set CHROMIUM)" >&2
    exit 1
fi

# npm packages, exactly as pinned in package-lock.json (registry only; no
# browser download: playwright-core drives the system Chromium).
if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    say "installing bench/browser npm packages (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# The release page (both wasm builds, the JS modules, real MNIST): what is
# measured is exactly what a reader's browser runs.
say "building the page (scripts/build-page.sh)"
bash "$repo_root/scripts/build-page.sh" >&2
# The SIMD peak loops (crates/groundup-web's kernel-bench feature, never in
# the page): bench/kernels/pkg/simd128/.
bash "$repo_root/bench/kernels/run.sh" --builds simd128 --build-only

mkdir -p "$repo_root/target/bench"
node "$here/bench.mjs" --out "$repo_root/target/bench/browser.json" "$@"

# Then the page itself on the real MNIST (bench/browser/app.mjs): time from
# Train to 99.0% test accuracy with the cnn preset, on every core, seeds
# 1–3. GROUNDUP_BENCH_APP=0 skips it.
if [ "${GROUNDUP_BENCH_APP:-1}" != 0 ]; then
    node "$here/app.mjs" --out "$repo_root/target/bench/app.json" > /dev/null
fi
