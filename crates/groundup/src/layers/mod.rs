//! The layers a network is stacked from, one per file.
//!
//! Every layer follows the same contract (paper §3.2.1):
//!
//! - `forward` maps a whole mini-batch `x` to `y` and, in [`Mode::Train`],
//!   caches exactly what `backward` will need — nothing more.
//! - `backward` takes `∂E/∂y` (the δ's of eq. 10, one per output), **adds**
//!   `∂E/∂w` (eq. 11) into each parameter's `grad`, and returns `∂E/∂x` so the
//!   layer below can do the same (eq. 14).
//!
//! The learning rate never enters a layer: optimizers apply the gradients.
//! The first axis of every array is the batch axis `N`.

mod conv2d;
mod dense;
mod flatten;
mod leaky_relu;
mod max_pool2d;
mod relu;
mod sigmoid;
mod sigmoid_f32;

pub use conv2d::{Conv2d, Padding};
pub use dense::Dense;
pub use flatten::Flatten;
pub use leaky_relu::LeakyRelu;
pub use max_pool2d::MaxPool2d;
pub use relu::Relu;
pub use sigmoid::{sigmoid, Sigmoid};
pub use sigmoid_f32::sigmoid_f32;

use ndarray::ArrayD;

use crate::Real;

/// Whether a forward pass will be followed by a backward pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Cache what backward needs.
    Train,
    /// Keep nothing: prediction and evaluation.
    Infer,
}

/// A learnable tensor and the gradient accumulated for it.
#[derive(Clone, Debug)]
pub struct Param<F: Real> {
    /// `"weight"` or `"bias"`.
    pub name: &'static str,
    pub value: ArrayD<F>,
    /// ∂E/∂value, same shape as `value`; summed over backward calls until
    /// [`Param::zero_grad`].
    pub grad: ArrayD<F>,
}

impl<F: Real> Param<F> {
    pub fn new(name: &'static str, value: ArrayD<F>) -> Self {
        let grad = ArrayD::zeros(value.raw_dim());
        Self { name, value, grad }
    }

    pub fn zero_grad(&mut self) {
        self.grad.fill(F::zero());
    }
}

/// One stage of a network. See the module docs for the contract.
pub trait Layer<F: Real>: Send {
    /// A short description, e.g. `conv2d 8@5×5 same`.
    fn describe(&self) -> String;

    /// The shape of one output sample, e.g. `[8, 28, 28]`.
    fn output_shape(&self) -> Vec<usize>;

    /// `x` of shape `(N, …input shape)` to `y` of shape `(N, …output shape)`.
    fn forward(&mut self, x: ArrayD<F>, mode: Mode) -> ArrayD<F>;

    /// `dy` shaped like the last `y` to `dx` shaped like the last `x`.
    /// Panics if the last forward was not in [`Mode::Train`].
    fn backward(&mut self, dy: ArrayD<F>) -> ArrayD<F>;

    /// As [`backward`](Self::backward) for the first layer of a network,
    /// whose input gradient nobody reads: layers that can skip computing it
    /// (a matrix product for dense and conv layers) override this.
    fn backward_params_only(&mut self, dy: ArrayD<F>) {
        let _ = self.backward(dy);
    }

    /// The learnable tensors, in a fixed order (saved files rely on it).
    fn params(&self) -> Vec<&Param<F>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<F>> {
        Vec::new()
    }
}

/// The message for calling `backward` without a training forward pass first.
pub(crate) const NO_CACHE: &str = "backward called without a forward pass in Mode::Train";

/// `x` itself if it is already row-major and contiguous, else a row-major copy:
/// reshapes need that layout, and copying an array that has it is waste.
pub(crate) fn into_standard_layout<F: Real>(x: ArrayD<F>) -> ArrayD<F> {
    if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned()
    }
}
