#!/usr/bin/env bash
# The wasm bindings' tests, in headless Chromium: once on a page and once
# inside a dedicated Web Worker (where the app runs them). Needs the
# wasm32 target, wasm-bindgen-test-runner 0.2.130 and chromedriver
# (scripts/ensure.sh installs them).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
# A test trains for a few seconds with the page's thread busy; the runner's
# default 20 s budget for the whole file is too tight on a loaded 2-core machine.
export WASM_BINDGEN_TEST_TIMEOUT=300
cargo test --target wasm32-unknown-unknown -p groundup-web --tests
# The fast kernels' tests again in the relaxed build (`+relaxed-simd`: madd is
# f32x4.relaxed_madd), which the app also ships; its own target dir so the
# simd128 build above is not rebuilt. RUSTFLAGS replaces .cargo/config.toml's
# rustflags, so +simd128 is repeated.
RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" CARGO_TARGET_DIR=target/relaxed \
    cargo test --target wasm32-unknown-unknown -p groundup-web --test gemm --test conv --test pool
