//! Swapping the session's data for the reader's own and back.
//!
//! [`use_own_data`](Session::use_own_data) sets MNIST aside together with
//! the network that was on it, and starts a fresh network of the same
//! architecture and settings (fresh weights from the seed) on the reader's
//! images. [`back_to_mnist`](Session::back_to_mnist) brings MNIST back with
//! *that* network — the pretrained one, say, answers drawings again — its
//! weights and step count as they were; the run's epochs start over, as
//! after importing a model. The networks trained on own data are not kept.
//!
//! MNIST chunks still arriving while own data is in use join MNIST where it
//! is set aside, so nothing has to be downloaded again.

use serde::Serialize;

use super::Session;
use crate::data::{Dataset, OwnData, OwnSplit};
use crate::presets::Preset;
use crate::train::config::TrainConfig;
use crate::train::trainer::Trainer;
use crate::Error;

/// MNIST and its network, set aside, and what the own data in use is.
pub(super) struct OwnState {
    pub(super) mnist_train: Dataset,
    pub(super) mnist_test: Dataset,
    mnist_trainer: Trainer,
    mnist_config: TrainConfig,
    mnist_preset: Option<Preset>,
    view: OwnDataView,
}

/// The own data in use, as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnDataView {
    pub train_size: usize,
    pub test_size: usize,
    /// Names of classes 0, 1, … (possibly fewer than ten, or none).
    pub class_names: Vec<String>,
    pub train_file: String,
    pub test_file: String,
    pub split: OwnSplit,
    /// Which file was used for what, in a sentence.
    pub description: String,
}

impl Session {
    /// Trains and tests on `data` from now on: a fresh network of the
    /// current architecture and settings (weights from the seed), step 0.
    /// MNIST and the network on it are set aside the first time (loading
    /// other own data later replaces only the own data). On error nothing
    /// changes.
    pub fn use_own_data(&mut self, data: OwnData) -> Result<OwnDataView, Error> {
        let fresh = Trainer::new(self.trainer.network().spec(), &self.config)?;
        let view = OwnDataView {
            train_size: data.train.len(),
            test_size: data.test.len(),
            description: data.describe(),
            class_names: data.class_names,
            train_file: data.train_file,
            test_file: data.test_file,
            split: data.split,
        };
        let own_before = self.own.take();
        let on_data = Session::around(fresh, self.config.clone(), self.preset.clone(), data.train, data.test);
        let before = std::mem::replace(self, on_data);
        self.own = Some(match own_before {
            // Other own data before: MNIST stays where it was set aside.
            Some(own) => OwnState { view: view.clone(), ..own },
            None => OwnState {
                mnist_train: before.train,
                mnist_test: before.test,
                mnist_trainer: before.trainer,
                mnist_config: before.config,
                mnist_preset: before.preset,
                view: view.clone(),
            },
        });
        Ok(view)
    }

    /// Back to MNIST (with what arrived of it meanwhile) and the network
    /// that was on it when own data came in, with its settings. Refused
    /// when MNIST is in use already.
    pub fn back_to_mnist(&mut self) -> Result<(), Error> {
        let Some(own) = self.own.take() else {
            return Err(Error::Usage("the session is on MNIST already".to_owned()));
        };
        self.train = own.mnist_train;
        self.test = own.mnist_test;
        self.restart(own.mnist_trainer, own.mnist_config, own.mnist_preset);
        Ok(())
    }

    /// The own data in use, or `None` on MNIST.
    pub fn own_data(&self) -> Option<&OwnDataView> {
        self.own.as_ref().map(|own| &own.view)
    }
}
