#!/usr/bin/env bash
# Every test, from a bare machine: formatting, lints, the Rust test suites,
# and a cross-check of a saved model against an independent NumPy reader.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/ensure.sh"
cd "$repo_root"

say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
say "cargo test"
cargo test --workspace

say "saved models read by Python's safetensors + NumPy"
ensure_cli
ensure_python_packages
bash scripts/check-model-interop.sh
