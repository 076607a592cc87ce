# Install-if-missing helpers, sourced by start.sh and test.sh.
#
# Every function checks first and installs only what is absent, so a warm
# machine pays nothing and a bare one still gets everything. Nothing here
# downloads from anywhere but the package registries (crates.io, npm, PyPI,
# Debian): these machines reach nothing else.

say() { echo "==> $*" >&2; }

# Python packages for the cross-checks (safetensors' own reader, NumPy).
ensure_python_packages() {
    if ! python3 -c 'import numpy, safetensors' 2>/dev/null; then
        say "installing numpy and safetensors from PyPI"
        python3 -m pip install --quiet --disable-pip-version-check numpy safetensors
    fi
}

# The real MNIST files, checked, in data/raw/ and as chunks in data/mnist/.
ensure_mnist() {
    bash "$repo_root/scripts/fetch-mnist.sh"
    if [ ! -f "$repo_root/data/mnist/manifest.json" ]; then
        say "preparing MNIST chunks in data/mnist/"
        "$repo_root/target/release/groundup" data prepare --from "$repo_root/data/raw" --out "$repo_root/data/mnist" >/dev/null
    fi
}

# The release build of the CLI.
ensure_cli() {
    say "building the groundup CLI (release)"
    cargo build --release --quiet -p groundup-cli --manifest-path "$repo_root/Cargo.toml"
}

# ---- the web page: Rust → wasm, Trunk, wasm-opt, the test browser -------

# Tools installed by cargo and npm are found without a login shell.
export PATH="$HOME/.cargo/bin:$repo_root/tools/node_modules/.bin:$PATH"

# Root runs apt-get itself; anyone else goes through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown Rust target"
        rustup target add wasm32-unknown-unknown
    fi
}

# The CLI must match the wasm-bindgen crate exactly (Cargo.toml: =0.2.130).
# No --locked: its lockfile names a crate version the registry lacks.
ensure_wasm_bindgen() {
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen 0.2.130" ]; then
        say "installing wasm-bindgen-cli 0.2.130 (about 5 minutes)"
        cargo install wasm-bindgen-cli --version 0.2.130
    fi
}

# 0.21.14: newer Trunk needs a newer rustc than these machines have.
ensure_trunk() {
    if [ "$(trunk --version 2>/dev/null)" != "trunk 0.21.14" ]; then
        say "installing trunk 0.21.14 (about 12 minutes)"
        cargo install --locked trunk --version 0.21.14
    fi
}

# `npm ci` in $1 unless node_modules already matches its package-lock.json.
npm_ci_once() {
    local dir="$1" stamp="$1/node_modules/.groundup-lock-sha256" want
    want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "npm ci in ${dir#"$repo_root"/}"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$stamp"
    fi
}

# wasm-opt from npm's binaryen 132 (tools/package.json); Trunk.toml asks for
# version_132 and finds it on PATH (set above).
ensure_wasm_opt() {
    npm_ci_once "$repo_root/tools"
}

ensure_chromium() {
    if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
        say "installing chromium and chromium-driver from Debian"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    fi
}

# playwright-core only: it drives /usr/bin/chromium and downloads no browser.
ensure_e2e_packages() {
    npm_ci_once "$repo_root/e2e"
}

ensure_web_toolchain() {
    ensure_wasm_target
    ensure_wasm_bindgen
    ensure_trunk
    ensure_wasm_opt
}

# The pretrained model the page loads at start. It is committed; should it
# be missing, train one (about a minute) rather than ship a page without it.
ensure_page_model() {
    local model="$repo_root/www/model/cnn.safetensors"
    if [ ! -f "$model" ]; then
        say "www/model/cnn.safetensors is missing: training one (cnn preset, 1 epoch)"
        "$repo_root/target/release/groundup" train --preset cnn --data "$repo_root/data/mnist" \
            --epochs 1 --save "$model" >/dev/null
    fi
}

# The release page in dist/: wasm (SIMD, wasm-opt -O3), the JS modules, the
# model and the MNIST chunks. Needs data/mnist (ensure_mnist) first.
build_page() {
    ensure_page_model
    say "trunk build --release → dist/"
    (cd "$repo_root" && trunk build --release)
    for f in index.html groundup-web_bg.wasm groundup-web-relaxed_bg.wasm groundup-web-relaxed.js js/worker.js model/cnn.safetensors data/mnist/manifest.json; do
        [ -f "$repo_root/dist/$f" ] || { echo "build_page: dist/$f is missing" >&2; return 1; }
    done
}
