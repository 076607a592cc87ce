#!/usr/bin/env bash
# Lab benchmark: each of the paper's experiments (the Experiments panel) in
# the page (dist/), from the button press to "Done.", median of 3, the load
# average beside it.
# Usage: bash bench/lab.sh [--repeats 3] [--timeout 600]
# Output: a table on stderr, JSON on the last stdout line and in
# target/bench/lab.json. Builds nothing: see bench/README.md.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -f "$repo_root/dist/index.html" ] || { echo "dist/ is missing: run bash scripts/build-page.sh first" >&2; exit 1; }
[ -d "$repo_root/bench/browser/node_modules/playwright-core" ] || (cd "$repo_root/bench/browser" && npm ci --no-audit --no-fund --loglevel=error >&2)
exec node "$repo_root/bench/browser/lab.mjs" "$@"
