"""The paper's two networks, batched in NumPy: the native speed baseline.

The paper wrote its networks in NumPy, looping over examples. This is the
same maths done the way a NumPy programmer would do it today — whole
batches, im2col convolutions through BLAS sgemm, float32 — so that
`groundup bench` is compared with the best the paper's own toolset can do.
It prints one JSON line in `groundup bench`'s shape; bench/native.sh runs
both in the same session and prints the ratio. Each row also carries the
step's matrix-product flops per image, counted from the weights' shapes
(2·m·k·n per product, as `groundup bench` counts them), and the line ends
with the best single-thread sgemm of a 1024³ product (`sgemm_peak`).

Same networks as the `paper-mlp` / `paper-cnn` presets (no biases; sigmoid
MLP 784-625-625-10; CNN conv 8@5x5 same, leaky ReLU 0.01, 2x2 max pool,
conv 16@5x5, leaky ReLU, pool, dense 784->10), softmax + cross-entropy,
plain SGD. One BLAS thread by default, as groundup uses one thread.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

F = np.float32


def softmax_ce_grad(logits, labels):
    """Mean cross-entropy's gradient w.r.t. the logits: (p - t) / N."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)


class PaperMlp:
    def __init__(self, rng):
        self.w = [rng.standard_normal(s).astype(F) for s in [(784, 625), (625, 625), (625, 10)]]

    def flops_per_image(self):
        """x@w and z.T@d for every layer, d@w.T for all but the first."""
        return sum(2 * w.size * (2 if i == 0 else 3) for i, w in enumerate(self.w))

    def step(self, x, labels, lr=1e-3):
        a1 = x @ self.w[0]
        z1 = 1 / (1 + np.exp(-a1))
        a2 = z1 @ self.w[1]
        z2 = 1 / (1 + np.exp(-a2))
        d3 = softmax_ce_grad(z2 @ self.w[2], labels)
        g2 = z2.T @ d3
        d2 = (d3 @ self.w[2].T) * z2 * (1 - z2)
        g1 = z1.T @ d2
        d1 = (d2 @ self.w[1].T) * z1 * (1 - z1)
        g0 = x.T @ d1
        for w, g in zip(self.w, (g0, g1, g2)):
            w -= lr * g


def im2col(x, k):
    """(N, C, H, W), same padding -> (N*H*W, C*k*k)."""
    n, c, h, w = x.shape
    p = (k - 1) // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    win = sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, H, W, k, k)
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * k * k)


def conv_forward(x, w):
    """Same-padded convolution: x (N, C, H, W), w (O, C, k, k) -> (N, O, H, W), and the columns."""
    n, _, h, wd = x.shape
    cols = im2col(x, w.shape[2])
    y = cols @ w.reshape(w.shape[0], -1).T  # (N*H*W, O)
    return y.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols


def conv_backward(dy, cols, w, need_dx):
    n, o, h, wd = dy.shape
    d2 = dy.transpose(0, 2, 3, 1).reshape(-1, o)  # (N*H*W, O)
    gw = (d2.T @ cols).reshape(w.shape)
    if not need_dx:
        return gw, None
    # dx is the same-padded correlation of dy with the 180-degree-rotated,
    # channel-transposed kernel.
    w_rot = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    dx, _ = conv_forward(np.ascontiguousarray(dy), np.ascontiguousarray(w_rot))
    return gw, dx


def leaky(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x)


def pool_forward(x):
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    return y


def pool_backward(dy, x, y):
    up = np.repeat(np.repeat(y, 2, axis=2), 2, axis=3)
    mask = x == up
    return np.repeat(np.repeat(dy, 2, axis=2), 2, axis=3) * mask


class PaperCnn:
    def __init__(self, rng):
        he = lambda shape, fan_in: (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(F)
        self.w1 = he((8, 1, 5, 5), 25)
        self.w2 = he((16, 8, 5, 5), 200)
        self.w3 = (rng.standard_normal((784, 10)) * np.sqrt(2 / 794)).astype(F)

    def flops_per_image(self):
        """Per conv: cols@w.T and d.T@cols (and the dx convolution, not for
        conv1), each 2*O*C*k*k per output pixel; the dense layer as the MLP's."""
        conv = lambda w, side: 2 * w.size * side * side
        return 2 * conv(self.w1, 28) + 3 * conv(self.w2, 14) + 3 * 2 * self.w3.size

    def step(self, x, labels, lr=0.05):
        x = x.reshape(-1, 1, 28, 28)
        c1, cols1 = conv_forward(x, self.w1)
        a1 = leaky(c1)
        p1 = pool_forward(a1)
        c2, cols2 = conv_forward(p1, self.w2)
        a2 = leaky(c2)
        p2 = pool_forward(a2)
        flat = p2.reshape(len(x), -1)
        d = softmax_ce_grad(flat @ self.w3, labels)
        g3 = flat.T @ d
        dp2 = (d @ self.w3.T).reshape(p2.shape)
        da2 = pool_backward(dp2, a2, p2)
        dc2 = np.where(c2 > 0, da2, 0.01 * da2)
        g2, dp1 = conv_backward(dc2, cols2, self.w2, need_dx=True)
        da1 = pool_backward(dp1, a1, p1)
        dc1 = np.where(c1 > 0, da1, 0.01 * da1)
        g1, _ = conv_backward(dc1, cols1, self.w1, need_dx=False)
        self.w1 -= lr * g1
        self.w2 -= lr * g2
        self.w3 -= lr * g3


PEAK_SIDE, PEAK_REPS = 1024, 15


def sgemm_peak(side, reps):
    """GFLOP/s of the best of `reps` float32 (side x side) products, after a warm-up."""
    rng = np.random.default_rng(11)
    a, b = (rng.uniform(-1, 1, (side, side)).astype(F) for _ in range(2))
    c = np.empty((side, side), F)
    np.matmul(a, b, out=c)  # warm-up
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t)
    return 2 * side ** 3 / best / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--images", type=int, default=4000)
    args = parser.parse_args()

    rng = np.random.default_rng(7)
    images = rng.random((2000, 784), dtype=F)
    labels = rng.integers(0, 10, 2000)
    results = []
    for name, net_class, batch in [("paper-mlp", PaperMlp, 64), ("paper-mlp", PaperMlp, 500),
                                   ("paper-cnn", PaperCnn, 64), ("paper-cnn", PaperCnn, 500)]:
        net = net_class(np.random.default_rng(1))
        steps = -(-args.images // batch)
        order = np.arange(len(images))

        def train(steps):
            for s in range(steps):
                idx = order[(s * batch) % len(images):][:batch]
                if len(idx) < batch:
                    idx = order[:batch]
                net.step(images[idx], labels[idx])

        train(1)  # warm-up
        rates = []
        for _ in range(args.runs):
            t = time.perf_counter()
            train(steps)
            rates.append(steps * batch / (time.perf_counter() - t))
        median = float(np.median(rates))
        flops = net.flops_per_image()
        print(f"{name:<10} {batch:>6} {median:>14.0f} {median * flops / 1e9:>9.1f} GFLOP/s", file=sys.stderr)
        results.append({"network": name, "batch": batch, "images_per_second": median, "runs": rates,
                        "flops_per_image": flops, "gflops": median * flops / 1e9})
    peak = sgemm_peak(PEAK_SIDE, PEAK_REPS)
    print(f"sgemm {PEAK_SIDE}^3, best of {PEAK_REPS}: {peak:.1f} GFLOP/s", file=sys.stderr)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    print(json.dumps({"bench": "numpy", "numpy": np.__version__, "blas_threads": threads, "results": results,
                      "sgemm_peak": {"side": PEAK_SIDE, "reps": PEAK_REPS, "gflops": peak}}))


if __name__ == "__main__":
    main()
