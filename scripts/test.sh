#!/usr/bin/env bash
# Every test, from a bare machine: formatting, lints, the Rust test suites
# (natively and as wasm in headless Chromium),
# a cross-check of a saved model against an independent NumPy reader, the
# JavaScript unit tests, and the page end to end in headless Chromium.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/ensure.sh"
cd "$repo_root"

# Any failure stops the script (set -e), so reaching the end means every
# stage passed; the last line says how many, in the plain form CI reads.
stages=0
stage() {
    say "$*"
    stages=$((stages + 1))
}

stage "cargo fmt --check"
cargo fmt --all --check
stage "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
stage "cargo test"
cargo test --workspace

stage "the wasm bindings: clippy for wasm32, tests on a page and in a worker (headless Chromium)"
ensure_wasm_target
ensure_wasm_bindgen
ensure_chromium
cargo clippy -p groundup -p groundup-web --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
bash scripts/test-wasm.sh

stage "saved models read by Python's safetensors + NumPy"
ensure_cli
ensure_python_packages
bash scripts/check-model-interop.sh

stage "JavaScript unit tests (www/tests)"
node --test www/tests/

stage "the page: release build, then end-to-end tests in headless Chromium"
bash scripts/build-page.sh
ensure_chromium
ensure_e2e_packages
(cd e2e && npm test)

echo "stages: $stages passed, 0 failed"
