//! Models in and out of a session: a safetensors file imported (checked
//! whole against the data before anything changes), a run taken over from
//! a worker that died, the network exported.

use super::{BatchSampler, Session};
use crate::data::{IMAGE_PIXELS, NUM_CLASSES};
use crate::model_io;
use crate::presets::{preset, Preset, PRESET_NAMES};
use crate::train::{SettingsPatch, TrainConfig, Trainer};
use crate::{Error, ModelError, Network};

impl Session {
    /// Replaces the network with one from a safetensors file; training
    /// restarts its step count from there, with the settings of the preset
    /// it matches (or the current ones). On error nothing changes.
    pub fn import_model(&mut self, bytes: &[u8], name: &str) -> Result<(), Error> {
        let (network, config, matching) = self.read_model(bytes, name)?;
        let trainer = Trainer::from_network(network, &config)?;
        self.restart(trainer, config, matching);
        Ok(())
    }

    /// Takes over a run that another session was making — a training worker
    /// that died and was started again: its weights (a safetensors file from
    /// [`export_model`](Self::export_model)), its settings, and where it
    /// stood: `step` steps taken, the next batch in epoch `epoch`. The rest
    /// of that epoch is a fresh shuffle, and the optimizer starts with fresh
    /// state (Adam's moments are not in the file): as after a pause and a
    /// reload. On error nothing changes.
    pub fn resume(
        &mut self,
        bytes: &[u8],
        name: &str,
        step: u64,
        epoch: usize,
        patch: &SettingsPatch,
    ) -> Result<(), Error> {
        let (network, config, matching) = self.read_model(bytes, name)?;
        let config = config.patched(patch)?;
        let mut trainer = Trainer::from_network(network, &config)?;
        trainer.set_steps(step);
        self.restart(trainer, config, matching);
        self.sampler = BatchSampler::starting_at(self.train.len(), epoch);
        Ok(())
    }

    /// A model file's network, checked to fit the data, with the settings
    /// of the preset it matches (or the current ones) and that preset.
    fn read_model(
        &self,
        bytes: &[u8],
        name: &str,
    ) -> Result<(Network<f32>, TrainConfig, Option<Preset>), Error> {
        let network = model_io::from_safetensors(bytes, name)?;
        network
            .spec()
            .fits_data(IMAGE_PIXELS, NUM_CLASSES)
            .map_err(|e| ModelError::Spec { source_name: name.to_owned(), detail: e.to_string() })?;
        let matching = PRESET_NAMES.iter().filter_map(|n| preset(n)).find(|p| &p.spec == network.spec());
        let config = matching.as_ref().map_or_else(|| self.config.clone(), |p| p.train.clone());
        Ok((network, config, matching))
    }

    /// The network as a safetensors file.
    pub fn export_model(&self) -> Vec<u8> {
        model_io::to_safetensors(self.trainer.network())
    }
}
