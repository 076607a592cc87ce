#!/usr/bin/env bash
# Native training speed: groundup against a batched NumPy implementation of
# the same two networks (bench/numpy_baseline.py), measured in the same run
# on the same machine, one thread each. Prints, per network and batch size,
# each side's median images/s, the GFLOP/s that means (the step's
# matrix-product flops per image, counted from the network's shapes) and
# its % of the run's peak, and the ratio; the load before and after.
#
# The peak is measured in the run: the best single-thread f32 product of
# two 1024×1024 matrices, by groundup's product and by OpenBLAS's sgemm
# (best of 15 repetitions each), whichever is faster. See bench/README.md.
#
# Usage: bash bench/native.sh [--runs N] [--images N]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/ensure.sh"
ensure_cli
ensure_python_packages

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
ours=$("$repo_root/target/release/groundup" bench "$@" 2>/dev/null | tail -n 1)
# One BLAS thread, as groundup uses one. OPENBLAS_CORETYPE, where this
# machine sets it for old OpenBLAS builds, would slow a current NumPy.
theirs=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    python3 "$repo_root/bench/numpy_baseline.py" "$@" 2>/dev/null | tail -n 1)
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$ours" "$theirs" "$load_before" "$load_after" "$(nproc)" <<'PY'
import json, sys
ours_json, theirs_json = json.loads(sys.argv[1]), json.loads(sys.argv[2])
load_before, load_after, cores = sys.argv[3:6]
ours = {(r["network"], r["batch"]): r for r in ours_json["results"]}
our_peak = ours_json["sgemm_peak"]["gflops"]
their_peak = theirs_json["sgemm_peak"]["gflops"]
peak = max(our_peak, their_peak)
side = ours_json["sgemm_peak"]["side"]
print(f"load before: {load_before}   after: {load_after}   ({cores} cores)")
print(f"NumPy {theirs_json['numpy']}, BLAS threads {theirs_json['blas_threads']}")
print(f"peak: {peak:.1f} GFLOP/s = best f32 {side}³ product on one thread "
      f"(groundup {our_peak:.1f}, OpenBLAS {their_peak:.1f})")
print(f"{'':<17} {'groundup':^26}  {'NumPy':^26}")
print(f"{'network':<10} {'batch':>6} {'img/s':>8} {'GFLOP/s':>8} {'% peak':>7}   "
      f"{'img/s':>8} {'GFLOP/s':>8} {'% peak':>7} {'ratio':>7}")
for r in theirs_json["results"]:
    key = (r["network"], r["batch"])
    o = ours[key]
    if o["flops_per_image"] != r["flops_per_image"]:
        sys.exit(f"{key}: flops per image differ: groundup {o['flops_per_image']}, NumPy {r['flops_per_image']}")
    print(f"{key[0]:<10} {key[1]:>6} {o['images_per_second']:>8.0f} {o['gflops']:>8.1f} {100 * o['gflops'] / peak:>6.0f}%   "
          f"{r['images_per_second']:>8.0f} {r['gflops']:>8.1f} {100 * r['gflops'] / peak:>6.0f}% "
          f"{o['images_per_second'] / r['images_per_second']:>6.2f}x")
flops = {k[0]: v["flops_per_image"] for k, v in ours.items()}
print("flops per image (matrix products of one training step): "
      + ", ".join(f"{name} {f / 1e6:.2f} M" for name, f in flops.items() if name.startswith("paper")))
PY
