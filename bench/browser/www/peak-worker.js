// The reference for "% of peak": this browser's single-thread f32 SIMD peak
// on this machine, measured by crates/groundup-web's kernel-bench loops
// (bench/kernels/pkg/simd128, built by bench/kernels/run.sh --build-only):
// independent chains of f32x4.mul + f32x4.add, and of f32x4.relaxed_madd.
// Commands: peak.

import init, { peak_fma_gflops, peak_simd_gflops } from '../kernels/simd128/groundup_web.js';
import { serve } from './rpc.js';

await init();

serve({
  /** `{mulAdd, fma}`: each `{gflops, bestGflops, detail, …}` of its best chain count. */
  peak({ ms = 600 }) {
    return { mulAdd: peak_simd_gflops(ms), fma: peak_fma_gflops(ms) };
  },
});
