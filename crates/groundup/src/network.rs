//! A network: layers applied one after another, built from a [`ModelSpec`].
//!
//! Forward runs the layers in order (paper §3.2.1, step 1); backward runs
//! them in reverse from the loss's δ's (steps 2–4), leaving ∂E/∂w in every
//! parameter's `grad`. The network knows nothing of losses or optimizers.

use ndarray::{Array2, ArrayD, Ix2, IxDyn};
use rand::{Rng, SeedableRng};

use crate::layers::{Conv2d, Dense, Flatten, Layer, LeakyRelu, MaxPool2d, Mode, Param, Relu, Sigmoid};
use crate::spec::{LayerSpec, ModelSpec};
use crate::{ConfigError, Real};

pub struct Network<F: Real> {
    spec: ModelSpec,
    layers: Vec<Box<dyn Layer<F>>>,
}

impl<F: Real> Network<F> {
    /// Builds the layers of `spec` with weights drawn from `rng`.
    pub fn new(spec: &ModelSpec, rng: &mut impl Rng) -> Result<Self, ConfigError> {
        let shapes = spec.shapes()?;
        let inputs = std::iter::once(&spec.input).chain(&shapes);
        let mut layers: Vec<Box<dyn Layer<F>>> = Vec::with_capacity(spec.layers.len());
        for (layer, input) in spec.layers.iter().zip(inputs) {
            let image = || (input[0], input[1], input[2]); // shapes() checked it is 3-D
            layers.push(match *layer {
                LayerSpec::Dense { units, bias, init } => {
                    Box::new(Dense::new(input[0], units, bias, init, rng))
                }
                LayerSpec::Conv2d { filters, kernel, padding, bias, init } => {
                    Box::new(Conv2d::new(image(), filters, kernel, padding, bias, init, rng))
                }
                LayerSpec::MaxPool2d { size } => Box::new(MaxPool2d::new(image(), size)),
                LayerSpec::Flatten => Box::new(Flatten::new(input.clone())),
                LayerSpec::Sigmoid => Box::new(Sigmoid::new(input.clone())),
                LayerSpec::Relu => Box::new(Relu::new(input.clone())),
                LayerSpec::LeakyRelu { alpha } => Box::new(LeakyRelu::new(input.clone(), F::of(alpha))),
            });
        }
        Ok(Self { spec: spec.clone(), layers })
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The layers, in order: each one's output shape and learnable tensors.
    pub fn layers(&self) -> impl ExactSizeIterator<Item = &dyn Layer<F>> + '_ {
        self.layers.iter().map(|l| l.as_ref())
    }

    /// Whether this network can run on images of `input_pixels` with labels
    /// `0..classes`: see [`ModelSpec::fits_data`]. [`forward`](Self::forward)
    /// asserts the width, so check this first wherever a model meets data.
    pub fn fits_data(&self, input_pixels: usize, classes: usize) -> Result<(), ConfigError> {
        self.spec.fits_data(input_pixels, classes)
    }

    /// One line per layer, e.g. `conv2d 8@5×5 same → [8, 28, 28]`.
    pub fn describe(&self) -> Vec<String> {
        self.layers.iter().map(|l| format!("{} → {:?}", l.describe(), l.output_shape())).collect()
    }

    /// Flat examples (N, input size) to outputs (N, K): logits for softmax.
    ///
    /// Panics if `x` is not as wide as the input: a programmer error once
    /// [`fits_data`](Self::fits_data) has been checked where the model met
    /// the data.
    pub fn forward(&mut self, x: Array2<F>, mode: Mode) -> Array2<F> {
        self.forward_visit(x, mode, |_, _| {})
    }

    /// As [`forward`](Self::forward), handing each layer's output — `(N,
    /// …output shape)`, layer `i` as `visit(i, output)` — to `visit` as it
    /// is computed: what a view of the feature maps needs, with no second
    /// implementation of any layer.
    pub fn forward_visit(
        &mut self,
        x: Array2<F>,
        mode: Mode,
        mut visit: impl FnMut(usize, &ArrayD<F>),
    ) -> Array2<F> {
        let n = x.nrows();
        assert_eq!(
            x.ncols(),
            self.spec.input_size(),
            "network input width (check ModelSpec::fits_data where the model meets the data)"
        );
        let shape: Vec<usize> = std::iter::once(n).chain(self.spec.input.iter().copied()).collect();
        let x = crate::layers::into_standard_layout(x.into_dyn());
        let mut a: ArrayD<F> = x.into_shape_with_order(IxDyn(&shape)).expect("contiguous"); // (N, …input)
        for (i, layer) in self.layers.iter_mut().enumerate() {
            a = layer.forward(a, mode);
            visit(i, &a);
        }
        a.into_dimensionality::<Ix2>().expect("spec ends in a flat layer") // (N, K)
    }

    /// Backpropagates ∂E/∂output (N, K) through every layer, adding ∂E/∂w to
    /// each parameter's gradient. Training needs no more than this; it skips
    /// the first layer's input gradient.
    pub fn backward(&mut self, grad: Array2<F>) {
        let mut delta = grad.into_dyn();
        let (first, rest) = self.layers.split_first_mut().expect("a spec has at least one layer");
        for layer in rest.iter_mut().rev() {
            delta = layer.backward(delta);
        }
        first.backward_params_only(delta);
    }

    /// As [`backward`](Self::backward), and also returns ∂E/∂input (N, input
    /// size): what a saliency map or a gradient check of the input needs.
    pub fn backward_to_input(&mut self, grad: Array2<F>) -> Array2<F> {
        let n = grad.nrows();
        let mut delta = grad.into_dyn();
        for layer in self.layers.iter_mut().rev() {
            delta = layer.backward(delta);
        }
        crate::layers::into_standard_layout(delta)
            .into_shape_with_order((n, self.spec.input_size()))
            .expect("contiguous")
    }

    pub fn zero_grad(&mut self) {
        for p in self.params_mut() {
            p.zero_grad();
        }
    }

    /// Every learnable tensor, layer by layer.
    pub fn params(&self) -> Vec<&Param<F>> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }

    pub fn params_mut(&mut self) -> Vec<&mut Param<F>> {
        self.layers.iter_mut().flat_map(|l| l.params_mut()).collect()
    }

    /// Parameters with stable names, `layers.{i}.{weight|bias}`: the keys of a saved model.
    pub fn named_params(&self) -> Vec<(String, &Param<F>)> {
        let mut named = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            for p in layer.params() {
                named.push((format!("layers.{i}.{}", p.name), p));
            }
        }
        named
    }

    pub fn named_params_mut(&mut self) -> Vec<(String, &mut Param<F>)> {
        let mut named = Vec::new();
        for (i, layer) in self.layers.iter_mut().enumerate() {
            for p in layer.params_mut() {
                named.push((format!("layers.{i}.{}", p.name), p));
            }
        }
        named
    }

    /// Every weight end to end, in [`params`](Self::params) order: what
    /// one worker sends another in data-parallel training.
    pub fn flat_values(&self) -> Vec<F> {
        let mut flat = Vec::with_capacity(self.num_params());
        for p in self.params() {
            flat.extend_from_slice(contiguous(&p.value));
        }
        flat
    }

    /// The weights tensor by tensor, in [`flat_values`](Self::flat_values)
    /// order: for copying them out piece by piece into a buffer kept from
    /// step to step (the paper MLP's are 3.5 MB) instead of a fresh `Vec`.
    pub fn value_slices(&self) -> impl Iterator<Item = &[F]> {
        self.params().into_iter().map(|p| contiguous(&p.value))
    }

    /// The gradients tensor by tensor, in [`flat_grads`](Self::flat_grads)
    /// order (see [`value_slices`](Self::value_slices)).
    pub fn grad_slices(&self) -> impl Iterator<Item = &[F]> {
        self.params().into_iter().map(|p| contiguous(&p.grad))
    }

    /// Replaces every weight from [`flat_values`](Self::flat_values) of a
    /// network of the same spec. Refuses a wrong length or a non-finite
    /// value and then changes nothing.
    pub fn load_flat_values(&mut self, flat: &[F]) -> Result<(), ConfigError> {
        self.check_flat("weights", flat)?;
        let mut rest = flat;
        for p in self.params_mut() {
            let (head, tail) = rest.split_at(p.value.len());
            contiguous_mut(&mut p.value).copy_from_slice(head);
            rest = tail;
        }
        Ok(())
    }

    /// Every gradient end to end, in [`params`](Self::params) order.
    pub fn flat_grads(&self) -> Vec<F> {
        let mut flat = Vec::with_capacity(self.num_params());
        for p in self.params() {
            flat.extend_from_slice(contiguous(&p.grad));
        }
        flat
    }

    /// Adds gradients laid out as [`flat_grads`](Self::flat_grads) to the
    /// parameters' gradients. Refuses a wrong length and then changes
    /// nothing. A non-finite gradient is added: it is a divergence, which
    /// the trainer's guard reports and undoes, not malformed input.
    pub fn add_flat_grads(&mut self, flat: &[F]) -> Result<(), ConfigError> {
        self.check_len("gradients", flat)?;
        let mut rest = flat;
        for p in self.params_mut() {
            let (head, tail) = rest.split_at(p.grad.len());
            contiguous_mut(&mut p.grad).iter_mut().zip(head).for_each(|(g, &x)| *g += x);
            rest = tail;
        }
        Ok(())
    }

    fn check_len(&self, what: &str, flat: &[F]) -> Result<(), ConfigError> {
        let expected = self.num_params();
        if flat.len() != expected {
            return Err(ConfigError::new(
                what,
                format!("{} values for a network of {expected} weights", flat.len()),
            ));
        }
        Ok(())
    }

    fn check_flat(&self, what: &str, flat: &[F]) -> Result<(), ConfigError> {
        self.check_len(what, flat)?;
        if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
            return Err(ConfigError::new(what, format!("value {i} is {}", flat[i])));
        }
        Ok(())
    }

    /// Number of learnable weights.
    pub fn num_params(&self) -> usize {
        self.params().iter().map(|p| p.value.len()).sum()
    }

    /// The same network in another precision (f32 → f64 for gradient checks).
    pub fn cast<G: Real>(&self) -> Network<G> {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::from_seed([0; 32]);
        let mut other = Network::<G>::new(&self.spec, &mut rng).expect("a built spec is valid");
        for (dst, src) in other.params_mut().into_iter().zip(self.params()) {
            dst.value = src.value.mapv(|v| G::of(v.as_f64()));
        }
        other
    }

    /// True if every weight is a finite number.
    pub fn is_finite(&self) -> bool {
        self.params().iter().all(|p| p.value.iter().all(|v| v.is_finite()))
    }
}

// Parameters are created in standard layout and only ever assigned to, so
// their memory is one slice: copying it as such is ~10× faster than
// ndarray's element-by-element iteration over a dynamic-rank array, which
// is what a flat copy of the paper's MLP (887k weights, every step of
// data-parallel training) would otherwise cost.
fn contiguous<F: Real>(a: &ndarray::ArrayD<F>) -> &[F] {
    a.as_slice().expect("parameters are contiguous")
}

fn contiguous_mut<F: Real>(a: &mut ndarray::ArrayD<F>) -> &mut [F] {
    a.as_slice_mut().expect("parameters are contiguous")
}
