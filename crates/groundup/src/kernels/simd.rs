//! wasm SIMD building blocks shared by the fast kernels ([`super::gemm`],
//! [`super::conv_direct`]): loads, stores and the multiply-add, written once.
//!
//! Two builds use them. The app ships a **simd128** build (every current
//! browser) and a **relaxed** build (`+relaxed-simd`, Chrome 114+, Firefox
//! 146+, not Safari), picked by the page at load time. In the relaxed build
//! [`madd`] is one `f32x4.relaxed_madd`, which V8 compiles to an FMA on x86
//! with FMA3 and on ARM64: one rounding instead of two, so results can differ
//! in the last bits between machines (an engine may also fall back to
//! mul + add). On one machine, in one build, the same seed still gives the
//! same run bit for bit.

use core::arch::wasm32::{f32x4, v128, v128_store};

/// `a·b + c`, lane by lane: fused (one rounding) in the relaxed build,
/// `f32x4.mul` then `f32x4.add` in the simd128 build.
#[inline(always)]
pub fn madd(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        core::arch::wasm32::f32x4_relaxed_madd(a, b, c)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        core::arch::wasm32::f32x4_add(core::arch::wasm32::f32x4_mul(a, b), c)
    }
}

/// Whether this build multiplies-adds with `f32x4.relaxed_madd`.
pub const RELAXED: bool = cfg!(target_feature = "relaxed-simd");

/// Loads 4 lanes. Safe code, and V8 gets one `v128.load`: LLVM merges
/// the four consecutive scalar loads (checked in the optimised wasm),
/// so `v128_load` through a raw pointer would buy nothing.
#[inline(always)]
pub fn load4(s: &[f32; 4]) -> v128 {
    f32x4(s[0], s[1], s[2], s[3])
}

/// Stores 4 lanes into `d[..4]`. `unsafe` because the safe form (four
/// `f32x4_extract_lane` + scalar stores) is *not* merged by LLVM into a
/// `v128.store`, and it costs: bench/kernels, same run conditions,
/// conv1 W·cols 25.8 → 27.0 GFLOP/s and conv2 Wᵀ·δ (K = 16, C-store
/// bound) 27.2 → 29.1 GFLOP/s with `v128_store`.
#[inline(always)]
pub fn store4(v: v128, d: &mut [f32]) {
    let d = &mut d[..4];
    // SAFETY: `d` is 4 f32 = 16 writable bytes (the slice above checks
    // it); wasm's v128.store needs no alignment.
    unsafe { v128_store(d.as_mut_ptr().cast::<v128>(), v) }
}
