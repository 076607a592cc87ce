//! The models and settings the runs use: the paper's CNN as the paper ran
//! it, the network of Fig. 7, an architecture with its activations
//! swapped, and the settings every lab run shares (see [`super::catalog`]).

use super::catalog::{ModelChoice, SettingsChanges};
use super::inputs::Source;
use crate::loss::{Objective, Reduction};
use crate::optim::OptimizerSpec;
use crate::presets::preset;
use crate::train::{find_preset, Schedule, TrainConfig, MAX_EPOCHS};
use crate::{ConfigError, Init, LayerSpec, ModelSpec};

/// The paper's CNN learning rate (§4.3.2: ".0001 through testing").
pub const PAPER_CNN_LEARNING_RATE: f64 = 1e-4;

/// The paper gives no batch size for its CNN; this is preset `paper-cnn`'s,
/// so that the recipe is all that differs between the two.
pub const PAPER_CNN_BATCH: usize = 32;

/// The learning rate of the Fig. 7 network (plain SGD on one image).
pub const AUTOENCODER_LEARNING_RATE: f64 = 0.5;

/// Preset `paper-cnn`'s architecture and settings as the paper ran them
/// (§4.2, §4.3, §4.2.5): every weight drawn from N(0, 1), the batch's
/// gradients summed, plain SGD at lr 0.0001 — the three things preset
/// `paper-cnn` changes (see [`crate::presets`]).
pub fn paper_cnn_recipe() -> (ModelSpec, TrainConfig) {
    let p = preset("paper-cnn").expect("paper-cnn is a preset");
    let mut spec = p.spec;
    for layer in &mut spec.layers {
        match layer {
            LayerSpec::Conv2d { init, .. } | LayerSpec::Dense { init, .. } => *init = Init::StandardNormal,
            _ => {}
        }
    }
    let config = TrainConfig {
        optimizer: OptimizerSpec::Sgd { learning_rate: PAPER_CNN_LEARNING_RATE },
        reduction: Reduction::Sum,
        batch_size: PAPER_CNN_BATCH,
        ..p.train
    };
    (spec, config)
}

/// The network of the paper's Fig. 7: 784 → `hidden` sigmoid units → 784
/// outputs through a sigmoid, with the sum-of-squares error of eq. 7
/// against a target that is the input itself; trained by plain SGD.
///
/// Glorot-initialised, not N(0, 1): with N(0, 1) weights a 784-pixel image
/// drives every hidden sigmoid into saturation (inputs of ±10 and more),
/// the outputs saturate at 0 or 1 where y(1 − y) ≈ 0, and the error
/// barely moves — the right backward pass, made invisible.
pub fn autoencoder(hidden: usize) -> (ModelSpec, TrainConfig) {
    let dense = |units| LayerSpec::Dense { units, bias: true, init: Init::Glorot };
    let spec = ModelSpec {
        input: vec![784],
        layers: vec![dense(hidden), LayerSpec::Sigmoid, dense(784)],
        objective: Objective::SigmoidSumOfSquares,
    };
    let config = TrainConfig {
        epochs: 1,
        batch_size: 1,
        optimizer: OptimizerSpec::Sgd { learning_rate: AUTOENCODER_LEARNING_RATE },
        reduction: Reduction::Sum,
        lr_decay: 1.0,
        eval_every: 0,
        seed: 1,
        shift: 0,
        schedule: Schedule::EpochDecay,
    };
    (spec, config)
}

/// `spec` with every activation layer (sigmoid, ReLU, leaky ReLU) replaced
/// by `activation`; an error if it has none.
pub fn with_activation(spec: &ModelSpec, activation: LayerSpec) -> Result<ModelSpec, ConfigError> {
    let mut swapped = spec.clone();
    let mut found = false;
    for layer in &mut swapped.layers {
        if matches!(layer, LayerSpec::Sigmoid | LayerSpec::Relu | LayerSpec::LeakyRelu { .. }) {
            *layer = activation;
            found = true;
        }
    }
    if !found {
        return Err(ConfigError::new("spec", "the model has no activation layer to replace"));
    }
    swapped.shapes()?;
    Ok(swapped)
}

/// The architecture and settings `choice` names, given the caller's
/// `source`; the seed is the caller's in every case ("the same seed").
pub fn resolve(choice: &ModelChoice, source: &Source<'_>) -> Result<(ModelSpec, TrainConfig), ConfigError> {
    let current = || (source.network.spec().clone(), source.config.clone());
    let (spec, config) = match *choice {
        ModelChoice::CurrentWeights | ModelChoice::CurrentArchitecture => current(),
        ModelChoice::CurrentWithActivation { activation } => {
            (with_activation(source.network.spec(), activation)?, source.config.clone())
        }
        ModelChoice::Preset { name } => {
            let p = find_preset(name)?;
            (p.spec, p.train)
        }
        ModelChoice::PaperCnnRecipe => paper_cnn_recipe(),
        ModelChoice::Autoencoder { hidden } => autoencoder(hidden),
    };
    Ok((spec, TrainConfig { seed: source.config.seed, ..config }))
}

/// `config` with `changes` and the settings every lab run shares: a
/// constant learning rate, no shifts, no evaluations along the way, and
/// epochs enough for `steps` steps over `images` images (the run stops at
/// its step budget, not at an epoch). Validated.
pub fn lab_config(
    config: &TrainConfig,
    changes: &SettingsChanges,
    images: usize,
    steps: u64,
) -> Result<TrainConfig, ConfigError> {
    let mut config = config.clone();
    if let Some(optimizer) = changes.optimizer {
        config.optimizer = optimizer;
    }
    if let Some(batch_size) = changes.batch_size {
        config.batch_size = batch_size;
    }
    if let Some(reduction) = changes.reduction {
        config.reduction = reduction;
    }
    config.lr_decay = 1.0;
    config.shift = 0;
    config.eval_every = 0;
    let per_epoch = images.max(1).div_ceil(config.batch_size.max(1)) as u64;
    config.epochs =
        usize::try_from(steps.div_ceil(per_epoch).saturating_add(1)).unwrap_or(MAX_EPOCHS).min(MAX_EPOCHS);
    config.validate()?;
    Ok(config)
}
