"""Run a saved groundup model with NumPy alone, as a check on the file format.

Loads MODEL with safetensors.numpy (the reference reader), rebuilds the
forward pass from the spec in the file's metadata, classifies the CSV images,
and compares the accuracy with the JSON that `groundup eval` printed (given
with --expect). Exits non-zero if they differ by more than one image.
"""

import argparse
import gzip
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def conv2d_same_or_valid(x, w, b, padding):
    """x (N, C, H, W), w (O, C, k, k) -> (N, O, Ho, Wo), cross-correlation."""
    k = w.shape[2]
    p = (k - 1) // 2 if padding == "same" else 0
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    n, c, h, wd = xp.shape
    ho, wo = h - k + 1, wd - k + 1
    y = np.zeros((n, w.shape[0], ho, wo), dtype=np.float64)
    for i in range(k):
        for j in range(k):
            patch = xp[:, :, i:i + ho, j:j + wo]  # (N, C, Ho, Wo)
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    if b is not None:
        y += b[None, :, None, None]
    return y


def max_pool(x, s):
    n, c, h, w = x.shape
    x = x[:, :, : h // s * s, : w // s * s]
    return x.reshape(n, c, h // s, s, w // s, s).max(axis=(3, 5))


def forward(spec, tensors, x):
    a = x.reshape((x.shape[0], *spec["input"])).astype(np.float64)
    for i, layer in enumerate(spec["layers"]):
        kind = layer["type"]
        w = tensors.get(f"layers.{i}.weight")
        b = tensors.get(f"layers.{i}.bias")
        if kind == "dense":
            a = a @ w + (b if b is not None else 0)
        elif kind == "conv2d":
            a = conv2d_same_or_valid(a, w, b, layer.get("padding", "same"))
        elif kind == "max_pool2d":
            a = max_pool(a, layer.get("size", 2))
        elif kind == "flatten":
            a = a.reshape(a.shape[0], -1)
        elif kind == "relu":
            a = np.maximum(a, 0)
        elif kind == "leaky_relu":
            a = np.where(a > 0, a, layer.get("alpha", 0.01) * a)
        elif kind == "sigmoid":
            a = 1 / (1 + np.exp(-a))
        else:
            raise SystemExit(f"unknown layer type {kind!r}")
    return a


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("csv")
    parser.add_argument("--expect", required=True, help="JSON printed by `groundup eval`")
    args = parser.parse_args()

    tensors = load_file(args.model)
    with safe_open(args.model, framework="np") as f:
        metadata = f.metadata()
    if metadata.get("format") != "groundup-model":
        raise SystemExit(f"{args.model}: metadata format is {metadata.get('format')!r}")
    spec = json.loads(metadata["spec"])
    for name, t in tensors.items():
        if t.dtype != np.float32:
            raise SystemExit(f"{args.model}: tensor {name} is {t.dtype}, expected float32")

    with gzip.open(args.csv, "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.int64)
    labels, pixels = rows[:, 0], rows[:, 1:] / 255.0
    predictions = forward(spec, tensors, pixels).argmax(axis=1)
    correct = int((predictions == labels).sum())

    expected = json.loads(args.expect)
    expected_correct = round(expected["test_accuracy"] * expected["examples"])
    print(f"{args.model}: numpy {correct}/{len(labels)} correct, groundup {expected_correct}/{expected['examples']}")
    if len(labels) != expected["examples"] or abs(correct - expected_correct) > 1:
        print("MISMATCH between the NumPy reading of the file and groundup", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
