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
