#!/usr/bin/env bash
# A model saved by `groundup train --save` must be readable by any
# safetensors reader, and mean the same thing there. For each preset: train
# briefly on the committed sample, save, then let scripts/numpy_forward.py —
# which knows nothing of our code — load it with safetensors.numpy, run its
# own NumPy forward pass on the sample test set, and compare its accuracy
# with `groundup eval`.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
groundup="$repo_root/target/release/groundup"
sample="$repo_root/data/sample"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for preset in cnn mlp paper-mlp; do
    model="$work/$preset.safetensors"
    "$groundup" train --preset "$preset" --data "$sample" --epochs 1 --batch 50 --save "$model" >/dev/null 2>&1
    ours=$("$groundup" eval --model "$model" --data "$sample" 2>/dev/null | tail -n 1)
    python3 "$repo_root/scripts/numpy_forward.py" "$model" "$sample/test.csv.gz" --expect "$ours"
done
echo "model interop: 3 passed, 0 failed"
