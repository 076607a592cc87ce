#!/usr/bin/env bash
# Soak benchmark: 10 epochs of the cnn preset in the page (dist/), the memory
# of the training worker and its shard workers at every epoch's end (wasm
# linear memory, JS heap after a GC), the load average beside them.
# Usage: bash bench/soak.sh [--epochs 10] [--workers N] [--seed 1]
# Output: a table on stderr, JSON on the last stdout line and in
# target/bench/soak.json. Builds nothing: see bench/README.md.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -f "$repo_root/dist/index.html" ] || { echo "dist/ is missing: run bash scripts/build-page.sh first" >&2; exit 1; }
[ -d "$repo_root/bench/browser/node_modules/playwright-core" ] || (cd "$repo_root/bench/browser" && npm ci --no-audit --no-fund --loglevel=error >&2)
exec node "$repo_root/bench/browser/soak.mjs" "$@"
