//! The loops that cost time, each beside a naive twin that is obviously
//! right. Tests hold every fast kernel equal to its twin; the twins are never
//! used for training.

pub mod conv;
pub mod conv_direct;
pub mod conv_naive;
pub mod gemm;
pub mod im2col;
pub mod matmul;
#[cfg(not(target_arch = "wasm32"))]
pub mod matmul_native;
pub mod pool;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod pool_wasm;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd;
