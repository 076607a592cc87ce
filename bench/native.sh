#!/usr/bin/env bash
# Native training speed: groundup against a batched NumPy implementation of
# the same two networks (bench/numpy_baseline.py), measured in the same run
# on the same machine, one thread each. Prints medians and the ratio.
#
# Usage: bash bench/native.sh [--runs N] [--images N]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/ensure.sh"
ensure_cli
ensure_python_packages

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) cores)"
ours=$("$repo_root/target/release/groundup" bench "$@" 2>/dev/null | tail -n 1)
# One BLAS thread, as groundup uses one. OPENBLAS_CORETYPE, where this
# machine sets it for old OpenBLAS builds, would slow a current NumPy.
theirs=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    python3 "$repo_root/bench/numpy_baseline.py" "$@" 2>/dev/null | tail -n 1)
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours = {(r["network"], r["batch"]): r["images_per_second"] for r in json.loads(sys.argv[1])["results"]}
theirs = json.loads(sys.argv[2])
print(f"NumPy {theirs['numpy']}, BLAS threads {theirs['blas_threads']}")
print(f"{'network':<10} {'batch':>6} {'groundup img/s':>15} {'NumPy img/s':>12} {'ratio':>7}")
for r in theirs["results"]:
    key = (r["network"], r["batch"])
    print(f"{key[0]:<10} {key[1]:>6} {ours[key]:>15.0f} {r['images_per_second']:>12.0f} {ours[key] / r['images_per_second']:>6.2f}x")
PY
