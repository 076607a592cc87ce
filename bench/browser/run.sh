#!/usr/bin/env bash
# Browser training speed: groundup's wasm Trainer in a Web Worker against
# TensorFlow.js 4.22 (cpu, wasm and webgl backends), in the same headless
# Chromium run, on the paper's CNN and MLP (biases on), batch 64 and 500,
# plain SGD. Also: predict latency, evaluate() time on 10,000 images, worker
# memory with MNIST-sized data loaded, and the gzip size of the wasm.
#
# Usage: bash bench/browser/run.sh [--seconds 10] [--warmup 2] [--nets cnn,mlp]
#                                  [--batches 64,500] [--backends cpu,wasm,wasm-tuned,webgl]
# Output: a table on stderr, one JSON object on the last stdout line, and
# target/bench/browser.json; then the time-to-99% runs of the page on real
# MNIST (app.mjs): target/bench/app.json and target/bench/convergence.svg.
# See bench/README.md.
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

# groundup's wasm, built the way the page's release build is: cargo release
# for wasm32 (simd128 from .cargo/config.toml), wasm-bindgen --target web,
# wasm-opt -O3 (binaryen 132 from npm, as Trunk uses it).
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown >&2
fi
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version)" != "wasm-bindgen 0.2.130" ]; then
    echo "wasm-bindgen 0.2.130 is needed: cargo install wasm-bindgen-cli --version 0.2.130" >&2
    exit 1
fi
say "building groundup-web for wasm32 (release)"
cargo build --release --quiet --target wasm32-unknown-unknown -p groundup-web --manifest-path "$repo_root/Cargo.toml"
raw="$here/pkg/raw"
mkdir -p "$raw"
wasm-bindgen --target web --out-dir "$raw" "$repo_root/target/wasm32-unknown-unknown/release/groundup_web.wasm"
cp "$raw/groundup_web.js" "$here/pkg/groundup_web.js"
sum="$(sha256sum "$raw/groundup_web_bg.wasm" | cut -d' ' -f1)"
if [ "${GROUNDUP_BENCH_WASM_OPT:-1}" = 0 ]; then
    cp "$raw/groundup_web_bg.wasm" "$here/pkg/groundup_web_bg.wasm"
    echo "none" > "$here/pkg/optimized-from"
elif [ "$(cat "$here/pkg/optimized-from" 2>/dev/null)" != "$sum" ] || [ ! -f "$here/pkg/groundup_web_bg.wasm" ]; then
    say "wasm-opt -O3 (binaryen 132)"
    "$here/node_modules/.bin/wasm-opt" -O3 "$raw/groundup_web_bg.wasm" -o "$here/pkg/groundup_web_bg.wasm"
    echo "$sum" > "$here/pkg/optimized-from"
fi

mkdir -p "$repo_root/target/bench"
node "$here/bench.mjs" --out "$repo_root/target/bench/browser.json" "$@"

# Then the page itself on the real MNIST (bench/browser/app.mjs): time from
# Train to 99.0% test accuracy with the cnn preset, on one worker and on
# every core, and both runs' loss curves. GROUNDUP_BENCH_APP=0 skips it.
if [ "${GROUNDUP_BENCH_APP:-1}" != 0 ]; then
    say "building the page (scripts/build-page.sh) for the time-to-99% runs"
    bash "$repo_root/scripts/build-page.sh" >&2
    node "$here/app.mjs" --out "$repo_root/target/bench/app.json" > /dev/null
fi
