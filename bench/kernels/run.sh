#!/usr/bin/env bash
# Kernel microbenchmark: GFLOP/s of groundup's matrix product (in wasm
# kernels::gemm's simd128 sgemm; matrixmultiply's, the old path, beside it)
# and of its Conv2d layer (im2col + products + col2im), in wasm in a dedicated Web Worker of
# headless Chromium, against the peak of a plain wasm SIMD multiply-add loop
# (and a relaxed-SIMD FMA loop) measured in the same run. Two wasm builds:
# `simd128` (as the app ships: .cargo/config.toml's +simd128) and `relaxed`
# (+simd128,+relaxed-simd: matrixmultiply's kernel then uses relaxed_madd;
# kernels::gemm's does not, it uses f32x4.mul + f32x4.add).
#
# Usage: bash bench/kernels/run.sh [--ms 600] [--rounds 2] [--builds simd128,relaxed] [--blockings "KC,MC,NC;…"]
#                                  [--only micro,matmul,conv,breakdown,step] [--build-only]
# Output: tables on stderr, one JSON object on the last stdout line, and
# target/bench/kernels.json. See bench/README.md ("Kernel microbenchmark").
#
# Builds go to their own cargo target dirs (target/kernel-bench, target/kernel-bench-relaxed), so the
# app's target/wasm32-unknown-unknown/release is never overwritten with a
# kernel-bench build. GROUNDUP_BENCH_WASM_OPT=0 skips wasm-opt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
say() { echo "==> $*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

builds="simd128,relaxed"
build_only=0
args=()
for ((i = 1; i <= $#; i++)); do
    # --build-only: build pkg/<build>/ and stop (bench/browser/run.sh uses
    # the simd128 build's peak loops).
    if [ "${!i}" = "--build-only" ]; then build_only=1; continue; fi
    args+=("${!i}")
    j=$((i + 1))
    if [ "${!i}" = "--builds" ] && [ $j -le $# ]; then builds="${!j}"; fi
done

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "no Chromium at ${CHROMIUM:-/usr/bin/chromium}: apt-get install -y chromium (or set CHROMIUM)" >&2
    exit 1
fi
# npm packages exactly as pinned (registry only; playwright-core drives the
# system Chromium and downloads no browser; binaryen 132 is the app's wasm-opt).
if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    say "installing bench/kernels npm packages (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown >&2
fi
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version)" != "wasm-bindgen 0.2.130" ]; then
    echo "wasm-bindgen 0.2.130 is needed: cargo install wasm-bindgen-cli --version 0.2.130" >&2
    exit 1
fi

say "load average before building: $(cut -d' ' -f1-3 /proc/loadavg)"
# build NAME RUSTFLAGS-or-empty: cargo release → wasm-bindgen --target web → wasm-opt -O3, into pkg/NAME.
build() {
    local name="$1" flags="$2" target_dir="$repo_root/target/kernel-bench"
    if [ "$name" != simd128 ]; then target_dir="$target_dir-$name"; fi
    say "building groundup-web --features kernel-bench for wasm32 (release, $name)"
    if [ -n "$flags" ]; then
        # RUSTFLAGS replaces .cargo/config.toml's rustflags (so +simd128 is repeated).
        RUSTFLAGS="$flags" CARGO_TARGET_DIR="$target_dir" cargo build --release --quiet \
            --target wasm32-unknown-unknown -p groundup-web --features kernel-bench \
            --manifest-path "$repo_root/Cargo.toml"
    else
        CARGO_TARGET_DIR="$target_dir" cargo build --release --quiet \
            --target wasm32-unknown-unknown -p groundup-web --features kernel-bench \
            --manifest-path "$repo_root/Cargo.toml"
    fi
    local raw="$here/pkg/$name/raw" out="$here/pkg/$name"
    mkdir -p "$raw"
    wasm-bindgen --target web --out-dir "$raw" "$target_dir/wasm32-unknown-unknown/release/groundup_web.wasm"
    cp "$raw/groundup_web.js" "$out/groundup_web.js"
    local sum
    sum="$(sha256sum "$raw/groundup_web_bg.wasm" | cut -d' ' -f1)"
    if [ "${GROUNDUP_BENCH_WASM_OPT:-1}" = 0 ]; then
        cp "$raw/groundup_web_bg.wasm" "$out/groundup_web_bg.wasm"
        echo "none" > "$out/optimized-from"
    elif [ "$(cat "$out/optimized-from" 2>/dev/null)" != "$sum" ] || [ ! -f "$out/groundup_web_bg.wasm" ]; then
        say "wasm-opt -O3 (binaryen 132, $name)"
        "$here/node_modules/.bin/wasm-opt" -O3 --enable-simd --enable-relaxed-simd \
            "$raw/groundup_web_bg.wasm" -o "$out/groundup_web_bg.wasm"
        echo "$sum" > "$out/optimized-from"
    fi
}
case ",$builds," in *,simd128,*) build simd128 "" ;; esac
case ",$builds," in *,relaxed,*) build relaxed "-C target-feature=+simd128,+relaxed-simd" ;; esac

[ "$build_only" = 1 ] && exit 0
mkdir -p "$repo_root/target/bench"
node "$here/bench.mjs" --out "$repo_root/target/bench/kernels.json" "${args[@]}"
