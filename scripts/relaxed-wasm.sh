#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml): the second wasm build of the page,
# with relaxed SIMD on (`f32x4.relaxed_madd`, a fused multiply-add), next to
# Trunk's simd128 build: groundup-web-relaxed.js and
# groundup-web-relaxed_bg.wasm in the staging dir. Each worker picks one at
# start-up (www/js/wasm.js). Release builds only: `trunk serve` (debug)
# skips it and the page runs the simd128 build.
#
# The same steps as Trunk's own build: cargo (release, wasm32), wasm-bindgen
# --target web, wasm-opt -O3 (binaryen 132, as Trunk.toml names). The cargo
# target dir is its own (target/relaxed), so the two builds never evict each
# other's artifacts.
set -euo pipefail
if [ "${TRUNK_PROFILE:-}" != release ]; then
    echo "relaxed-wasm: ${TRUNK_PROFILE:-no} profile, simd128 build only" >&2
    exit 0
fi
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
staging="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
target_dir="$repo_root/target/relaxed"
raw="$target_dir/bindgen"

# RUSTFLAGS replaces .cargo/config.toml's rustflags, so +simd128 is named again.
RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" CARGO_TARGET_DIR="$target_dir" \
    cargo build --release --quiet --target wasm32-unknown-unknown -p groundup-web \
    --manifest-path "$repo_root/Cargo.toml"
mkdir -p "$raw"
wasm-bindgen --target web --out-name groundup-web-relaxed --out-dir "$raw" \
    "$target_dir/wasm32-unknown-unknown/release/groundup_web.wasm"
wasm_opt="$(command -v wasm-opt || echo "$repo_root/tools/node_modules/.bin/wasm-opt")"
"$wasm_opt" -O3 --enable-simd --enable-relaxed-simd --enable-bulk-memory --enable-sign-ext \
    --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "$raw/groundup-web-relaxed_bg.wasm" -o "$staging/groundup-web-relaxed_bg.wasm"
cp "$raw/groundup-web-relaxed.js" "$staging/groundup-web-relaxed.js"
