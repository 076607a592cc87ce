#!/usr/bin/env bash
# The main job, from a bare machine: install what is missing, fetch and
# prepare the real MNIST data, build the page (trunk build --release), and
# serve dist/ on http://127.0.0.1:${PORT:-8080}/ until Ctrl-C.
#
# Training from the command line instead:
#   target/release/groundup train --preset cnn --data data/mnist --save target/cnn.safetensors
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

bash "$repo_root/scripts/build-page.sh"

port="${PORT:-8080}"
echo
echo "groundup is ready: open http://127.0.0.1:$port/ in a browser (Ctrl-C stops the server)"
exec node "$repo_root/scripts/serve.mjs" --root "$repo_root/dist" --port "$port"
