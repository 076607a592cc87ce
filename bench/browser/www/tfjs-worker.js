// TensorFlow.js in a dedicated (classic) worker, one backend per worker:
// ?backend=cpu|wasm|webgl (and ?backend=wasm&tuned=1). Everything is served
// from this machine: the scripts and the wasm backend's .wasm files come
// from node_modules. Commands (see rpc.js): info, setup, warmup, window, stats.

const PARAMS = new URL(self.location.href).searchParams;
const BACKEND = PARAMS.get('backend');
// wasm only: two slow wasm kernels rerouted to fast ones (tunedBatchMatMul,
// tunedConv2DBackpropInput) — a variant that helps TF.js, measured separately.
const TUNED = PARAMS.get('tuned') === '1';
const TF = '../node_modules/@tensorflow';
importScripts(`${TF}/tfjs/dist/tf.es2017.min.js`, `${TF}/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js`);

// Time spent inside the Conv2DBackpropFilter kernel that this file supplies
// for the wasm backend (wasm kernels run synchronously, so this is exact).
const filterGrad = { calls: 0, ms: 0, measuredMs: 0, steps: 0 };

/**
 * Conv2DBackpropFilter for the wasm backend, which does not ship one (so out
 * of the box it cannot train a CNN). Built only from kernels the wasm
 * backend has, the heavy part on its own XNNPACK convolution: the filter
 * gradient of a stride-1 convolution is itself a convolution,
 *   dW[i, j, c, o] = Σ_{n, y, x} xpad[n, y + i, x + j, c] · dy[n, y, x, o],
 * i.e. conv2d(input = x transposed to [C, H, W, N] — the channels as the
 * batch and the batch as the channels —, filter = dy transposed to
 * [H', W', N, O], the same padding as the forward pass, 'valid' otherwise),
 * which gives [C, kh, kw, O], transposed back to [kh, kw, C, O].
 * Four wasm kernels: Transpose (x), Transpose (dy), Conv2D, Transpose (dW).
 * NHWC, stride 1, dilation 1 only (all this benchmark needs).
 * (An im2col version — 25 Slices, a Concat and a MatMul — was 10–30× slower:
 * the wasm backend's Slice and Concat copy in JavaScript.)
 */
function conv2DBackpropFilterWasm({ inputs, backend, attrs }) {
  const t0 = performance.now();
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  if (dataFormat !== 'NHWC' || info.strideHeight !== 1 || info.strideWidth !== 1) {
    throw new Error(`Conv2DBackpropFilter (bench kernel): only NHWC with stride 1, got ${dataFormat} stride ${strides}`);
  }
  const { top, bottom, left, right } = info.padInfo;
  const dW = tf.tidy(() => {
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [C, H, W, N]
    const f = tf.transpose(dy, [1, 2, 0, 3]); // [H', W', N, O]
    const g = tf.conv2d(xt, f, 1, [[0, 0], [top, bottom], [left, right], [0, 0]]); // [C, kh, kw, O]
    return tf.transpose(g, [1, 2, 0, 3]);
  });
  if (dW.shape.join() !== filterShape.join()) throw new Error(`Conv2DBackpropFilter (bench kernel): got ${dW.shape}, want ${filterShape}`);
  // Hand dW's buffer to the engine as this kernel's output.
  backend.incRef(dW.dataId);
  const out = { dataId: dW.dataId, shape: dW.shape, dtype: dW.dtype };
  dW.dispose();
  filterGrad.calls++;
  filterGrad.ms += performance.now() - t0;
  return out;
}

/**
 * The wasm backend's BatchMatMul is fast (XNNPACK) only without transpose
 * flags: with transposeA or transposeB — which every dense layer's gradient
 * uses (dx = dy·Wᵀ, dW = xᵀ·dy) — it is 10–14× slower here. The "tuned"
 * variant transposes the operand explicitly (the wasm Transpose kernel) and
 * calls the original kernel without flags. Same results, TF.js made faster.
 */
function tunedBatchMatMul(original) {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs;
    if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
    const swap = (t) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      return tf.transpose(t, perm);
    };
    const a = transposeA ? swap(inputs.a) : inputs.a;
    const b = transposeB ? swap(inputs.b) : inputs.b;
    const out = original.kernelFunc({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    if (a !== inputs.a) a.dispose();
    if (b !== inputs.b) b.dispose();
    return out;
  };
}

/**
 * The wasm backend's Conv2DBackpropInput is a plain loop, ~5× slower than
 * its XNNPACK Conv2D on this network. The "tuned" variant computes it, for
 * stride 1, as the convolution it is: dx = conv2d(dy, W flipped in space with
 * its in/out channels swapped, padding kh−1−top … ). Other cases go to the
 * original kernel.
 */
function tunedConv2DBackpropInput(original) {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    if (dataFormat !== 'NHWC' || info.strideHeight !== 1 || info.strideWidth !== 1) return original.kernelFunc({ inputs, backend, attrs });
    const [kh, kw] = filter.shape;
    const { top, bottom, left, right } = info.padInfo;
    const dx = tf.tidy(() => {
      const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [kh, kw, O, C]
      return tf.conv2d(dy, flipped, 1, [[0, 0], [kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], [0, 0]]);
    });
    if (dx.shape.join() !== inputShape.join()) throw new Error(`Conv2DBackpropInput (bench kernel): got ${dx.shape}, want ${inputShape}`);
    backend.incRef(dx.dataId);
    const out = { dataId: dx.dataId, shape: dx.shape, dtype: dx.dtype };
    dx.dispose();
    return out;
  };
}

function checkTunedConvInput() {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 5);
    const w = tf.randomNormal([5, 5, 3, 4], 0, 1, 'float32', 6);
    const dy = tf.randomNormal([2, 7, 6, 4], 0, 1, 'float32', 7);
    // dx by the chain rule through the kernel under test …
    const got = tf.grad((v) => tf.sum(tf.mul(tf.conv2d(v, w, 1, 'same'), dy)))(x).dataSync();
    // … and by plain loops: dx[n, y, x, c] = Σ dy[n, y', x', o] · w[y − y' + 2, x − x' + 2, c, o].
    const [xv, wv, dv] = [x, w, dy].map((t) => t.dataSync());
    let maxErr = 0;
    for (let n = 0; n < 2; n++) for (let y = 0; y < 7; y++) for (let xx = 0; xx < 6; xx++) for (let c = 0; c < 3; c++) {
      let want = 0;
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) {
        const yy = y - i + 2;
        const xo = xx - j + 2;
        if (yy < 0 || yy >= 7 || xo < 0 || xo >= 6) continue;
        for (let o = 0; o < 4; o++) want += dv[((n * 7 + yy) * 6 + xo) * 4 + o] * wv[((i * 5 + j) * 3 + c) * 4 + o];
      }
      maxErr = Math.max(maxErr, Math.abs(got[((n * 7 + y) * 6 + xx) * 3 + c] - want));
    }
    if (!(maxErr < 1e-3)) throw new Error(`tuned Conv2DBackpropInput is wrong: max error ${maxErr}`);
    return maxErr;
  });
}

/** The same gradient by plain loops, to check the kernel once at start-up. */
function conv2DBackpropFilterNaive(x, dy, [kh, kw, ci, co], padTop, padLeft) {
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const xv = x.dataSync();
  const dv = dy.dataSync();
  const out = new Float32Array(kh * kw * ci * co);
  for (let b = 0; b < n; b++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++)
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const iy = y + i - padTop;
      const ix = xx + j - padLeft;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (let c = 0; c < ci; c++) {
        const xval = xv[((b * h + iy) * w + ix) * ci + c];
        for (let o = 0; o < co; o++) out[((i * kw + j) * ci + c) * co + o] += xval * dv[((b * oh + y) * ow + xx) * co + o];
      }
    }
  return out;
}

function checkFilterGradKernel() {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([2, 7, 6, 4], 0, 1, 'float32', 2);
    // The path training takes: the gradient of conv2d with respect to its filter.
    const filter = tf.zeros([5, 5, 3, 4]);
    const got = tf.grad((f) => tf.sum(tf.mul(tf.conv2d(x, f, 1, 'same'), dy)))(filter).dataSync();
    const want = conv2DBackpropFilterNaive(x, dy, [5, 5, 3, 4], 2, 2);
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    if (!(maxErr < 1e-3)) throw new Error(`Conv2DBackpropFilter (bench kernel) is wrong: max error ${maxErr}`);
    return maxErr;
  });
}

function checkTunedMatMul() {
  return tf.tidy(() => {
    let maxErr = 0;
    const a = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 3);
    const b = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 4);
    const av = a.arraySync();
    const bv = b.arraySync();
    for (const [ta, tb] of [[true, false], [false, true], [true, true]]) {
      const x = ta ? a : tf.transpose(a, [0, 2, 1]); // logical [2, 3, 5] after the flag
      const y = tb ? tf.transpose(b, [0, 2, 1]) : b; // logical [2, 5, 4] after the flag
      const got = tf.matMul(x, y, ta, tb).arraySync();
      for (let n = 0; n < 2; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
        let want = 0;
        for (let k = 0; k < 5; k++) want += av[n][k][i] * bv[n][k][j];
        maxErr = Math.max(maxErr, Math.abs(got[n][i][j] - want));
      }
    }
    if (!(maxErr < 1e-4)) throw new Error(`tuned BatchMatMul is wrong: max error ${maxErr}`);
    return maxErr;
  });
}

let model = null;
let xs = null;
let ys = null;
let optimizer = null;
let rows = 0;
let batch = 0;
let net = null;
let nextIndex = null;

/** The paper's networks, with biases: the same shapes and inits as groundup's. */
function buildModel(which) {
  if (which === 'cnn') {
    const conv = (filters, extra) =>
      tf.layers.conv2d({ filters, kernelSize: 5, padding: 'same', useBias: true, kernelInitializer: 'heNormal', ...extra });
    return tf.sequential({
      layers: [
        conv(8, { inputShape: [28, 28, 1] }),
        tf.layers.leakyReLU({ alpha: 0.01 }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
        conv(16),
        tf.layers.leakyReLU({ alpha: 0.01 }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, useBias: true, kernelInitializer: 'glorotUniform' }),
      ],
    });
  }
  const normal = () => tf.initializers.randomNormal({ mean: 0, stddev: 1 });
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 625, activation: 'sigmoid', useBias: true, kernelInitializer: normal() }),
      tf.layers.dense({ units: 625, activation: 'sigmoid', useBias: true, kernelInitializer: normal() }),
      tf.layers.dense({ units: 10, useBias: true, kernelInitializer: normal() }),
    ],
  });
}

let lastLoss = NaN;
const batchIndex = new Int32Array(10000);

/** One SGD step on a random batch; the loss is read back (as groundup reports it every step). */
async function trainOne() {
  const idx = batchIndex.subarray(0, batch);
  for (let i = 0; i < batch; i++) idx[i] = Math.floor(nextIndex() * rows);
  const cost = tf.tidy(() => {
    const ib = tf.tensor1d(idx, 'int32');
    const xb = tf.gather(xs, ib);
    const yb = tf.gather(ys, ib);
    return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true })), true);
  });
  lastLoss = (await cost.data())[0];
  cost.dispose();
  return batch;
}

async function start() {
  const { serve, runFor } = await import('./rpc.js');
  const synthetic = await import('./synthetic.js');

  let available = true;
  let detail = '';
  if (BACKEND === 'wasm') {
    // The .wasm files from node_modules on this server, not a CDN.
    tf.wasm.setWasmPaths(new URL(`${TF}/tfjs-backend-wasm/dist/`, self.location.href).href);
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm });
    if (TUNED) {
      const original = tf.getKernel('BatchMatMul', 'wasm');
      tf.unregisterKernel('BatchMatMul', 'wasm');
      tf.registerKernel({ ...original, kernelFunc: tunedBatchMatMul(original) });
      const originalInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
      tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
      tf.registerKernel({ ...originalInput, kernelFunc: tunedConv2DBackpropInput(originalInput) });
    }
  }
  try {
    available = await tf.setBackend(BACKEND);
    await tf.ready();
    if (available && tf.getBackend() !== BACKEND) available = false;
  } catch (e) {
    available = false;
    detail = (e && e.message) || String(e);
  }
  const backendInfo = { backend: BACKEND, tuned: TUNED, available, detail, version: tf.version.tfjs, crossOriginIsolated: self.crossOriginIsolated };
  if (available && BACKEND === 'wasm') {
    backendInfo.wasmThreads = tf.wasm.getThreadsCount();
    backendInfo.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    backendInfo.filterGradCheckMaxError = checkFilterGradKernel();
    if (TUNED) {
      backendInfo.tunedMatMulCheckMaxError = checkTunedMatMul();
      backendInfo.tunedConvInputCheckMaxError = checkTunedConvInput();
    }
  }
  if (available && BACKEND === 'webgl') {
    try {
      const gl = tf.backend().gpgpu.gl;
      const dbg = gl.getExtension('WEBGL_debug_renderer_info');
      backendInfo.renderer = dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      backendInfo.webglVersion = tf.env().getNumber('WEBGL_VERSION');
    } catch (e) {
      backendInfo.renderer = `unknown (${e.message})`;
    }
  }

  serve({
    info: () => backendInfo,

    setup(args) {
      lastLoss = NaN;
      if (!available) throw new Error(`backend ${BACKEND} is not available: ${detail}`);
      model?.dispose();
      xs?.dispose();
      ys?.dispose();
      optimizer?.dispose();
      net = args.net;
      batch = args.batch;
      rows = args.rows ?? 2000;
      const seed = args.seed ?? 1;
      const data = synthetic.images(rows, seed);
      const pixels = Float32Array.from(data.pixels, (v) => v / 255);
      xs = tf.tensor(pixels, net === 'cnn' ? [rows, 28, 28, 1] : [rows, 784]);
      ys = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels, 'int32'), 10).toFloat());
      model = buildModel(net);
      // Plain SGD, as on groundup's side.
      optimizer = tf.train.sgd(args.learningRate ?? 0.01);
      nextIndex = synthetic.rng(seed);
      return { net, batch, rows, params: model.countParams(), numTensors: tf.memory().numTensors };
    },

    /** Trains for `ms` (at least one step) without measuring: JIT, shader compilation, allocations. */
    async warmup({ ms = 2000 }) {
      const r = await runFor(trainOne, ms);
      filterGrad.calls = 0;
      filterGrad.ms = 0;
      filterGrad.measuredMs = 0;
      filterGrad.steps = 0;
      return { steps: r.steps, ms: r.ms };
    },

    /** One measured window of training: `{images, steps, ms, imagesPerSecond, loss}`. */
    async window({ ms = 1000 }) {
      const r = await runFor(trainOne, ms);
      filterGrad.measuredMs += r.ms;
      filterGrad.steps += r.steps;
      return { ...r, loss: lastLoss };
    },

    /** After the windows: tensors alive (a leak check) and the supplied kernel's share of the time. */
    stats() {
      return {
        numTensors: tf.memory().numTensors,
        // Conv2DBackpropFilter supplied for wasm (two calls a CNN step), over the measured windows.
        filterGrad:
          BACKEND === 'wasm' && net === 'cnn'
            ? { calls: filterGrad.calls, ms: filterGrad.ms, perStepMs: filterGrad.ms / filterGrad.steps, share: filterGrad.ms / filterGrad.measuredMs }
            : undefined,
      };
    },
  });
}

start().catch((e) => self.postMessage({ fatal: (e && (e.stack || e.message)) || String(e) }));
