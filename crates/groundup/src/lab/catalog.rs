//! The experiments as data: for each, its id (a fixed contract with the
//! page), where it is in the paper and what the paper reported, and the
//! runs it consists of — the model, the changes to its training settings,
//! the images, and how many steps.
//!
//! **Budgets.** Everything here must finish in a browser tab in a minute or
//! so. Runs on a handful of images take their full budget. Runs that the
//! paper made on all of MNIST are *shortened*: a few dozen to a few hundred
//! steps on the first [`SUBSET_IMAGES`] training images, then one
//! evaluation on the first [`SUBSET_TEST_IMAGES`] test images; each such
//! experiment says so in [`Experiment::shortened`].
//!
//! **Settings every training run shares.** A constant learning rate (no
//! decay per epoch: a shortened run's epochs are not a preset's) and
//! images as they are (no random shifts): what changes between two runs of
//! an experiment is only what its labels say.

use serde::Serialize;

use crate::loss::Reduction;
use crate::optim::OptimizerSpec;
use crate::{ConfigError, LayerSpec};

/// Every experiment id, in the order the page lists them.
pub const EXPERIMENT_IDS: [&str; 8] = [
    "gradcheck",
    "overfit-one",
    "overfit-five",
    "reproduce",
    "fig8",
    "sigmoid-vs-leaky",
    "sgd-vs-adam",
    "paper-cnn-recipe",
];

/// A loss below this counts as "about zero" for the overfitting runs
/// (cross-entropy 0.01: the right digit has probability 99%).
pub const OVERFIT_THRESHOLD: f64 = 0.01;

/// Training images of a shortened run (fewer if fewer are loaded).
pub const SUBSET_IMAGES: usize = 5_000;
/// Test images a shortened run is evaluated on at its end.
pub const SUBSET_TEST_IMAGES: usize = 1_000;
/// Test images the gradient check runs on.
pub const GRADCHECK_IMAGES: usize = 3;
/// Elements compared per parameter tensor (spread evenly; all of a smaller tensor).
pub const GRADCHECK_ELEMENTS: usize = 40;
/// Hidden units of the Fig. 7 network.
pub const AUTOENCODER_HIDDEN: usize = 64;

/// One experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Experiment {
    pub id: &'static str,
    pub title: &'static str,
    /// Where in the paper: section, figure, equation.
    pub paper_ref: &'static str,
    /// What the paper reported, in a sentence.
    pub paper_reported: &'static str,
    /// What the runs here do, in a sentence or two.
    pub shows: &'static str,
    /// How a run the paper made on all of MNIST is cut down here; `None`
    /// when every run is as the paper's (a handful of images).
    pub shortened: Option<&'static str>,
    pub runs: Vec<RunDef>,
}

/// One run of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDef {
    /// What tells it apart, e.g. `batch 250 · lr 0.05`.
    pub label: &'static str,
    pub model: ModelChoice,
    /// Changes to the training settings the model comes with.
    pub changes: SettingsChanges,
    pub data: DataUse,
    pub work: Work,
}

/// Which network a run starts from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ModelChoice {
    /// A copy of the caller's network, weights and all.
    CurrentWeights,
    /// The caller's architecture and settings, fresh weights from its seed.
    CurrentArchitecture,
    /// As [`CurrentArchitecture`](Self::CurrentArchitecture) with every
    /// activation layer (sigmoid, ReLU, leaky ReLU) replaced by `activation`.
    CurrentWithActivation { activation: LayerSpec },
    /// A preset's architecture and settings, fresh weights from the caller's seed.
    Preset { name: &'static str },
    /// `paper-cnn` as the paper ran it: see [`super::recipes::paper_cnn_recipe`].
    PaperCnnRecipe,
    /// 784 → `hidden` → 784 sigmoid units, sum-of-squares error against
    /// the input itself (paper Fig. 7): see [`super::recipes::autoencoder`].
    Autoencoder { hidden: usize },
}

/// Changes to a model's training settings; `None` keeps them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsChanges {
    pub optimizer: Option<OptimizerSpec>,
    pub batch_size: Option<usize>,
    pub reduction: Option<Reduction>,
}

/// The images a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DataUse {
    /// The first `count` training images, all of them in every step (the
    /// batch is the whole set).
    TrainingImages { count: usize },
    /// The first `images` training images (fewer if fewer are loaded) in
    /// shuffled batches, then one evaluation on the first `test_images`
    /// test images: a shortened stand-in for all of MNIST.
    Subset { images: usize, test_images: usize },
    /// The first `count` test images (fewer if fewer are loaded).
    TestImages { count: usize },
}

/// What a run does, and how long.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Work {
    /// `steps` training steps. With a `threshold`, the first step whose
    /// loss is below it is recorded, and with `stop_there` the run ends at it.
    Train { steps: u64, threshold: Option<f64>, stop_there: bool },
    /// Eq. 16 in f64, one parameter tensor at a time, at most
    /// `elements_per_tensor` elements of each.
    GradCheck { elements_per_tensor: usize },
}

/// The experiment called `id`, or an error listing them.
pub fn experiment(id: &str) -> Result<Experiment, ConfigError> {
    experiments().into_iter().find(|e| e.id == id).ok_or_else(|| {
        ConfigError::new(
            "experiment",
            format!("unknown experiment {id:?}; choose one of {}", EXPERIMENT_IDS.join(", ")),
        )
    })
}

/// Every experiment, in the order of [`EXPERIMENT_IDS`].
pub fn experiments() -> Vec<Experiment> {
    let none = SettingsChanges::default();
    let sgd = |learning_rate| Some(OptimizerSpec::Sgd { learning_rate });
    let subset = DataUse::Subset { images: SUBSET_IMAGES, test_images: SUBSET_TEST_IMAGES };
    let train = |steps| Work::Train { steps, threshold: None, stop_there: false };
    let run = |label, model, changes, data, work| RunDef { label, model, changes, data, work };
    vec![
        Experiment {
            id: "gradcheck",
            title: "Gradient check",
            paper_ref: "§3.3, eq. 16",
            paper_reported: "Backpropagation's gradient and the central differences of eq. 16 \
                             (ε ≈ 1e-9) differed by about 1e-11.",
            shows: "Eq. 16 in f64 on a copy of the current weights and the first 3 test images: for \
                    each parameter tensor, the largest relative error and whether every compared \
                    element is within a tolerance derived from f64 rounding (see the tolerance).",
            shortened: None,
            runs: vec![run(
                "current weights · 3 test images",
                ModelChoice::CurrentWeights,
                none,
                DataUse::TestImages { count: GRADCHECK_IMAGES },
                Work::GradCheck { elements_per_tensor: GRADCHECK_ELEMENTS },
            )],
        },
        Experiment {
            id: "overfit-one",
            title: "Overfit one image",
            paper_ref: "§4.2.4",
            paper_reported: "A network whose backpropagation is right learns to reproduce a single \
                             point: fed one image again and again, its loss quickly approaches zero.",
            shows: "The current architecture with fresh weights from its seed and its own optimizer \
                    and learning rate, trained on the first training image alone until the loss is \
                    below 0.01 (at most 300 steps).",
            shortened: None,
            runs: vec![run(
                "current architecture · 1 image",
                ModelChoice::CurrentArchitecture,
                none,
                DataUse::TrainingImages { count: 1 },
                Work::Train { steps: 300, threshold: Some(OVERFIT_THRESHOLD), stop_there: true },
            )],
        },
        Experiment {
            id: "overfit-five",
            title: "Overfit five images",
            paper_ref: "§5, Fig. 16",
            paper_reported: "The paper's CNN, fed five training images, brought the loss very near \
                             zero; then, around batch 67, the loss spiked and the network broke with NaNs.",
            shows: "The first five training images, learnt for 200 steps by the current architecture, \
                    then by the paper's CNN recipe (N(0, 1) weights, summed gradient, lr 0.0001), \
                    then by the same recipe pushed to lr 0.03. The paper's NaN came from its \
                    softmax, which groundup computes in log space, so at the paper's rate the \
                    recipe learns the five images; at 300 times that rate the loss climbs until a \
                    step would leave a NaN, and groundup's divergence guard refuses that step: the \
                    climb, the refused step and the step the weights are back at are shown.",
            shortened: None,
            runs: vec![
                run(
                    "current architecture · 5 images",
                    ModelChoice::CurrentArchitecture,
                    none,
                    DataUse::TrainingImages { count: 5 },
                    Work::Train { steps: 200, threshold: Some(OVERFIT_THRESHOLD), stop_there: false },
                ),
                run(
                    "paper's CNN recipe · N(0, 1) · summed · lr 0.0001 · 5 images",
                    ModelChoice::PaperCnnRecipe,
                    none,
                    DataUse::TrainingImages { count: 5 },
                    Work::Train { steps: 200, threshold: Some(OVERFIT_THRESHOLD), stop_there: false },
                ),
                run(
                    "paper's CNN recipe · N(0, 1) · summed · lr 0.03 · 5 images",
                    ModelChoice::PaperCnnRecipe,
                    SettingsChanges { optimizer: sgd(0.03), ..none },
                    DataUse::TrainingImages { count: 5 },
                    Work::Train { steps: 200, threshold: Some(OVERFIT_THRESHOLD), stop_there: false },
                ),
            ],
        },
        Experiment {
            id: "reproduce",
            title: "Reproduce the input",
            paper_ref: "§4.2.4, Fig. 7",
            paper_reported: "With a sum-of-squares error and randomly initialised weights, a network \
                             whose target was its own input learnt to output the image it was given.",
            shows: "A 784 → 64 → 784 sigmoid network with the sum-of-squares error of eq. 7, its \
                    target its own input, trained by plain SGD on the first training image for 300 \
                    steps: the image, the network's output before and after, and the error.",
            shortened: None,
            runs: vec![run(
                "784 → 64 → 784 · sum of squares · 1 image",
                ModelChoice::Autoencoder { hidden: AUTOENCODER_HIDDEN },
                none,
                DataUse::TrainingImages { count: 1 },
                train(300),
            )],
        },
        Experiment {
            id: "fig8",
            title: "Fig. 8: step size",
            paper_ref: "§4.2.5, Fig. 8",
            paper_reported: "The paper's MLP at batch 250 and lr 0.05 gave a jagged, noisy loss (each \
                             step too large); at batch 500 and lr 0.001 a smooth one, the setting it kept.",
            shows: "Preset paper-mlp (sigmoids, N(0, 1) weights, summed gradient, plain SGD) twice \
                    from the same weights: batch 250 at lr 0.05, then batch 500 at lr 0.001.",
            shortened: Some(
                "The paper trained on all 60,000 training images (7 epochs at batch 500: 840 steps); \
                 each run here takes 30 steps on the first 5,000 training images (fewer if fewer are \
                 loaded), then is evaluated on the first 1,000 test images: 22,500 images in all, \
                 half a minute or less in a browser tab.",
            ),
            runs: vec![
                run(
                    "batch 250 · lr 0.05",
                    ModelChoice::Preset { name: "paper-mlp" },
                    SettingsChanges { optimizer: sgd(0.05), batch_size: Some(250), reduction: None },
                    subset,
                    train(30),
                ),
                run(
                    "batch 500 · lr 0.001",
                    ModelChoice::Preset { name: "paper-mlp" },
                    SettingsChanges { optimizer: sgd(0.001), batch_size: Some(500), reduction: None },
                    subset,
                    train(30),
                ),
            ],
        },
        Experiment {
            id: "sigmoid-vs-leaky",
            title: "Sigmoid vs leaky ReLU",
            paper_ref: "§4.2.1, §4.3 (footnote 8)",
            paper_reported: "The paper used logistic sigmoids in its MLP and leaky ReLUs in its CNN; \
                             it did not compare the two.",
            shows: "The current architecture with every activation a sigmoid, then every activation \
                    a leaky ReLU (α = 0.01): the same initial weights, the same batches, its own \
                    optimizer, learning rate and batch size.",
            shortened: Some(
                "Not a full training run: 150 steps each on the first 5,000 training images (fewer if \
                 fewer are loaded), then an evaluation on the first 1,000 test images.",
            ),
            runs: vec![
                run(
                    "sigmoid",
                    ModelChoice::CurrentWithActivation { activation: LayerSpec::Sigmoid },
                    none,
                    subset,
                    train(150),
                ),
                run(
                    "leaky ReLU (α = 0.01)",
                    ModelChoice::CurrentWithActivation { activation: LayerSpec::LeakyRelu { alpha: 0.01 } },
                    none,
                    subset,
                    train(150),
                ),
            ],
        },
        Experiment {
            id: "sgd-vs-adam",
            title: "SGD vs Adam",
            paper_ref: "§3.2.1, eq. 15",
            paper_reported: "The paper trained with plain gradient descent, w ← w − α·∂E/∂w (eq. 15), \
                             at a learning rate found by trial.",
            shows: "The current architecture from the same initial weights over the same batches, \
                    each step the batch's mean gradient: plain SGD at lr 0.05, then Adam at lr 0.001.",
            shortened: Some(
                "Not a full training run: 150 steps each on the first 5,000 training images (fewer if \
                 fewer are loaded), then an evaluation on the first 1,000 test images.",
            ),
            runs: vec![
                run(
                    "SGD · lr 0.05 · mean gradient",
                    ModelChoice::CurrentArchitecture,
                    SettingsChanges {
                        optimizer: sgd(0.05),
                        batch_size: None,
                        reduction: Some(Reduction::Mean),
                    },
                    subset,
                    train(150),
                ),
                run(
                    "Adam · lr 0.001 · mean gradient",
                    ModelChoice::CurrentArchitecture,
                    SettingsChanges {
                        optimizer: Some(OptimizerSpec::from_name("adam", 0.001).expect("valid")),
                        batch_size: None,
                        reduction: Some(Reduction::Mean),
                    },
                    subset,
                    train(150),
                ),
            ],
        },
        Experiment {
            id: "paper-cnn-recipe",
            title: "The paper's CNN recipe vs the fix",
            paper_ref: "§4.3, §5",
            paper_reported: "The paper's CNN (N(0, 1) weights, summed gradient, lr 0.0001) was \
                             unstable — its loss spiked and went NaN after hundreds of iterations — and \
                             reached at most 80% test accuracy without converging.",
            shows: "Preset paper-cnn's architecture as the paper ran it, then as groundup runs it (He \
                    initialisation, mean gradient, lr 0.05): batch 32 both, the same seed.",
            shortened: Some(
                "The paper trained on MNIST for as long as the network held; each run here takes 200 \
                 steps of 32 images from the first 5,000 training images (fewer if fewer are loaded), \
                 then is evaluated on the first 1,000 test images.",
            ),
            runs: vec![
                run(
                    "as the paper ran it · N(0, 1) · summed · lr 0.0001",
                    ModelChoice::PaperCnnRecipe,
                    none,
                    subset,
                    train(200),
                ),
                run(
                    "as groundup runs it · He · mean · lr 0.05",
                    ModelChoice::Preset { name: "paper-cnn" },
                    none,
                    subset,
                    train(200),
                ),
            ],
        },
    ]
}
