//! What the caller hands an experiment — its network and settings, the
//! images it has, options — and the images each run takes from them.
//!
//! The experiment keeps its own copies of what it uses (a few images, or
//! a subset of a few thousand), so it borrows nothing once made: a browser
//! worker can hold it beside the session between messages.

use super::catalog::DataUse;
use crate::data::{Dataset, IMAGE_PIXELS, NUM_CLASSES};
use crate::train::{Session, TrainConfig};
use crate::{ConfigError, Network};

/// The caller's network and its training settings. Read, never changed.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub network: &'a Network<f32>,
    pub config: &'a TrainConfig,
}

impl<'a> Source<'a> {
    /// The network and settings of `session`.
    pub fn of(session: &'a Session) -> Self {
        Source { network: session.network(), config: session.config() }
    }
}

/// The images the caller has loaded. Read, never changed.
#[derive(Clone, Copy)]
pub struct LabData<'a> {
    pub train: &'a Dataset,
    pub test: &'a Dataset,
}

impl<'a> LabData<'a> {
    /// The training and test images of `session`.
    pub fn of(session: &'a Session) -> Self {
        LabData { train: session.train_data(), test: session.test_data() }
    }
}

/// Ways to make an experiment smaller than the catalog says: a quick look
/// on the page, or a fast test. The defaults change nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LabOptions {
    /// Cap every training run at this many steps.
    pub max_steps_per_run: Option<u64>,
    /// Cap the training images of a shortened run.
    pub max_subset_images: Option<usize>,
}

/// The images of one run, copied, and what they are in words.
pub(super) struct RunImages {
    pub train: Dataset,
    pub test: Dataset,
    pub description: String,
}

/// Refuses a data set whose pixels and labels do not add up, or whose
/// labels are not digits: a [`Dataset`]'s fields are public, and indexing
/// a malformed one would panic.
pub(super) fn check(data: &Dataset, what: &str) -> Result<(), ConfigError> {
    if data.images.len() != data.labels.len().saturating_mul(IMAGE_PIXELS) {
        return Err(ConfigError::new(
            what,
            format!("{} pixel bytes for {} labels (784 per image)", data.images.len(), data.labels.len()),
        ));
    }
    if let Some(i) = data.labels.iter().position(|&l| usize::from(l) >= NUM_CLASSES) {
        return Err(ConfigError::new(what, format!("label {i} is {}, not a digit 0–9", data.labels[i])));
    }
    Ok(())
}

/// The images `use_` asks for, from `data`. An error when there are too
/// few: exactly `count` for a run on a handful of images, at least one for
/// the others.
pub(super) fn select(
    use_: &DataUse,
    data: &LabData<'_>,
    options: &LabOptions,
) -> Result<RunImages, ConfigError> {
    match *use_ {
        DataUse::TrainingImages { count } => {
            if data.train.len() < count {
                return Err(ConfigError::new(
                    "training_data",
                    format!("this run needs {count} training images; {} are loaded", data.train.len()),
                ));
            }
            let plural = if count == 1 { "image" } else { "images" };
            Ok(RunImages {
                train: data.train.take(count),
                test: Dataset::new(),
                description: format!("the first {count} training {plural}, all of them in every step"),
            })
        }
        DataUse::Subset { images, test_images } => {
            let wanted = options.max_subset_images.map_or(images, |cap| images.min(cap));
            let train = data.train.take(wanted);
            if train.is_empty() {
                return Err(ConfigError::new(
                    "training_data",
                    "this run needs training images; none are loaded",
                ));
            }
            let test = data.test.take(test_images);
            let short = if train.len() < wanted {
                format!(" ({} once loaded)", thousands(wanted))
            } else if wanted < images {
                format!(" (cut from {})", thousands(images))
            } else {
                String::new()
            };
            let tested = if test.is_empty() {
                "no test images loaded, so no evaluation".to_owned()
            } else {
                format!("evaluated on the first {} test images", test.len())
            };
            Ok(RunImages {
                description: format!(
                    "the first {} training images{short} of the 60,000 of MNIST, in shuffled batches; {tested}",
                    thousands(train.len())
                ),
                train,
                test,
            })
        }
        DataUse::TestImages { count } => {
            let test = data.test.take(count);
            if test.is_empty() {
                return Err(ConfigError::new("test_data", "this run needs test images; none are loaded"));
            }
            Ok(RunImages {
                description: format!("the first {} test images", test.len()),
                train: Dataset::new(),
                test,
            })
        }
    }
}

/// `5000` as `5,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
