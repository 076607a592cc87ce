#!/usr/bin/env bash
# The main job, from a bare machine: build, fetch and prepare the real MNIST
# data, and train the default `cnn` preset, saving the model.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/ensure.sh"

ensure_cli
ensure_mnist
say "training the cnn preset on MNIST (about a minute on 2 cores)"
"$repo_root/target/release/groundup" train --preset cnn --data "$repo_root/data/mnist" \
    --save "$repo_root/target/cnn.safetensors"
