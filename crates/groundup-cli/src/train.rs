//! `groundup train`: a preset, optionally overridden flag by flag.
//!
//! Everything that can be checked is checked before training starts: the
//! settings, that the network fits the data, and that `--save` and
//! `--metrics` can be written (by creating their temporary files). Outputs
//! reach their real names only at the end (see [`crate::output`]).
//!
//! A metrics write that fails (a full disk) is reported by file name, but
//! training goes on to the end and the model is still saved: hours of
//! training are not thrown away for a log. The command then exits with an
//! error, and the previous metrics file is as it was.

use std::path::PathBuf;

use clap::Args;
use groundup::data::{Split, IMAGE_PIXELS, NUM_CLASSES};
use groundup::model_io;
use groundup::optim::{validate_decay_schedule, OptimizerSpec};
use groundup::presets::{preset, PRESET_NAMES};
use groundup::train::{fit, BatchSampler, Event, Schedule, Session};

use crate::output::{same_destination, OnInterrupt, OutputFile};
use crate::progress::Progress;
use crate::CliResult;

#[derive(Args)]
pub struct TrainArgs {
    /// cnn, mlp, paper-cnn or paper-mlp.
    #[arg(long, default_value = "cnn")]
    preset: String,
    /// Train this architecture (the page's `#arch=` text, e.g.
    /// conv8k5-lrelu-pool-conv16k5-lrelu-pool-dense10) with the preset's settings.
    #[arg(long)]
    arch: Option<String>,
    #[arg(long)]
    epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long)]
    batch: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// sgd, momentum or adam.
    #[arg(long)]
    optimizer: Option<String>,
    /// Adam's decay of its running mean of gradients (default 0.9).
    #[arg(long)]
    beta1: Option<f64>,
    /// Adam's decay of its running mean of squared gradients (default 0.999).
    #[arg(long)]
    beta2: Option<f64>,
    /// Multiply the learning rate by this after each epoch (1: constant).
    #[arg(long)]
    lr_decay: Option<f64>,
    /// epoch-decay (the rate times --lr-decay each epoch) or one-cycle (a
    /// linear rise to --lr over the --warmup fraction of the run, then a
    /// linear fall to ~0 by its last step).
    #[arg(long)]
    schedule: Option<String>,
    /// one-cycle's warm-up, as a fraction of the run (default 0.2).
    #[arg(long)]
    warmup: Option<f64>,
    #[arg(long)]
    seed: Option<u64>,
    /// Move each training image by up to this many pixels each way, at random (0: never).
    #[arg(long)]
    shift: Option<usize>,
    /// Evaluate on the test set every this many steps (0: once per epoch).
    #[arg(long)]
    eval_every: Option<usize>,
    /// Train on only the first N training images (for quick runs).
    #[arg(long)]
    limit: Option<usize>,
    /// Folder with manifest.json and the CSV chunks.
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Save the trained model here (safetensors).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Write one JSON object per batch and per evaluation here.
    #[arg(long)]
    metrics: Option<PathBuf>,
}

/// one-cycle's warm-up when `--warmup` is not given.
const DEFAULT_WARMUP: f64 = 0.2;

pub fn run(args: TrainArgs) -> CliResult {
    let p = preset(&args.preset).ok_or_else(|| {
        format!("unknown preset {:?}; choose one of {}", args.preset, PRESET_NAMES.join(", "))
    })?;
    let mut config = p.train.clone();
    if let Some(e) = args.epochs {
        config.epochs = e;
    }
    if let Some(b) = args.batch {
        config.batch_size = b;
    }
    if let Some(d) = args.lr_decay {
        config.lr_decay = d;
    }
    config.schedule = match (args.schedule.as_deref(), args.warmup) {
        (None, None) => config.schedule,
        (Some("epoch-decay"), None) => Schedule::EpochDecay,
        (Some("one-cycle"), w) => Schedule::OneCycle { warmup: w.unwrap_or(DEFAULT_WARMUP) },
        (None, Some(w)) if config.schedule.per_step() => Schedule::OneCycle { warmup: w },
        (Some(other), _) if other != "epoch-decay" && other != "one-cycle" => {
            return Err(format!("unknown --schedule {other:?}; choose epoch-decay or one-cycle"))
        }
        _ => return Err("--warmup applies to --schedule one-cycle only".into()),
    };
    if args.lr_decay.is_some() && config.schedule.per_step() {
        return Err("--lr-decay applies to --schedule epoch-decay only (one-cycle anneals on its own)".into());
    }
    if let Some(s) = args.seed {
        config.seed = s;
    }
    if let Some(s) = args.shift {
        config.shift = s;
    }
    if let Some(k) = args.eval_every {
        config.eval_every = k;
    }
    let lr = args.lr.unwrap_or(config.optimizer.learning_rate());
    config.optimizer = match &args.optimizer {
        Some(name) => OptimizerSpec::from_name(name, lr).map_err(|e| e.to_string())?,
        None => config.optimizer.with_learning_rate(lr),
    };
    if args.beta1.is_some() || args.beta2.is_some() {
        let OptimizerSpec::Adam { beta1, beta2, .. } = &mut config.optimizer else {
            return Err("--beta1 and --beta2 apply to --optimizer adam only".into());
        };
        *beta1 = args.beta1.unwrap_or(*beta1);
        *beta2 = args.beta2.unwrap_or(*beta2);
    }
    config.validate().map_err(|e| e.to_string())?;
    validate_decay_schedule(config.optimizer.learning_rate(), config.lr_decay, config.epochs)
        .map_err(|e| e.to_string())?;
    let spec = match &args.arch {
        Some(text) => groundup::arch::parse(text).map_err(|e| format!("--arch: {e}"))?,
        None => p.spec.clone(),
    };
    spec.fits_data(IMAGE_PIXELS, NUM_CLASSES).map_err(|e| format!("preset {}: {e}", p.name))?;

    // The outputs, before any work: a typo in a path should not cost a run.
    if let (Some(save), Some(metrics)) = (&args.save, &args.metrics) {
        if same_destination(save, metrics) {
            return Err(format!(
                "--save {} and --metrics {} are the same file; the metrics would overwrite the model",
                save.display(),
                metrics.display()
            ));
        }
    }
    let model_file = match &args.save {
        Some(path) => Some(OutputFile::create(path, "--save", OnInterrupt::Remove)?),
        None => None,
    };
    let mut metrics_file = match &args.metrics {
        Some(path) => Some(OutputFile::create(path, "--metrics", OnInterrupt::Keep)?),
        None => None,
    };

    let mut train = crate::load(&args.data, Split::Train)?;
    if let Some(n) = args.limit {
        train = train.take(n);
    }
    let test = crate::load(&args.data, Split::Test)?;
    if test.is_empty() {
        eprintln!(
            "warning: {} has no test images: no test accuracy will be measured (test_accuracy is null)",
            args.data.display()
        );
    }
    let (train_len, test_len) = (train.len(), test.len());
    let mut session = Session::new(&spec, config.clone(), train, test).map_err(|e| e.to_string())?;
    eprintln!("{} ({} weights):", p.title, session.network().num_params());
    for line in session.network().describe() {
        eprintln!("  {line}");
    }
    eprintln!("{train_len} training / {test_len} test images; {config:?}");

    let total_steps = config.epochs * BatchSampler::batches_per_epoch(train_len, config.batch_size);
    let mut progress = Progress::new(total_steps);
    let mut last_test = String::new();
    let mut metrics_error = None;
    let result = fit(&mut session, |event| {
        let line = match event {
            Event::Batch(m) => {
                progress
                    .update(m.step as usize, &format!("loss {:.4} acc {:.3}{last_test}", m.loss, m.accuracy));
                serde_json::json!({"type": "batch", "step": m.step, "epoch": m.epoch, "loss": m.loss, "accuracy": m.accuracy})
            }
            Event::Eval(m) => {
                last_test = format!(" | test {:.2}%", m.accuracy * 100.0);
                serde_json::json!({"type": "eval", "step": m.step, "loss": m.loss, "accuracy": m.accuracy})
            }
        };
        // After the first failure, no more lines: the file ends with whole
        // lines up to it. Training goes on.
        if let (Some(file), None) = (&mut metrics_file, &metrics_error) {
            if let Err(e) = file.write_line(&line.to_string()) {
                metrics_error = Some(e);
            }
        }
    });
    progress.finish();

    // The metrics first: they are kept even when training failed (they show
    // how it failed), but not when writing them did.
    let metrics_problem = match (metrics_file, metrics_error) {
        (None, _) => None,
        (Some(file), None) => file.commit().err(),
        (Some(file), Some(e)) => {
            let path = file.path().display().to_string();
            Some(match file.keep_aside() {
                Some(kept) => format!(
                    "--metrics {path}: {e}; the lines written before it are in {}, and {path} is as it was",
                    kept.display()
                ),
                None => format!("--metrics {path}: {e}; the metrics are incomplete"),
            })
        }
    };
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            // `model_file` is dropped: its temporary file goes, the old model stays.
            return Err(match metrics_problem {
                Some(problem) => format!("{e}\n{problem}"),
                None => e.to_string(),
            });
        }
    };
    if let Some(mut file) = model_file {
        let shown = file.path().display().to_string();
        file.write_all(&model_io::to_safetensors(session.network()))
            .map_err(|e| format!("--save {shown}: {e} (it is as it was)"))?;
        file.commit()?;
        eprintln!("saved {shown}");
    }
    if let Some(confusion) = &summary.confusion {
        eprintln!("{}", confusion.to_table());
    }
    let json = serde_json::json!({
        "preset": p.name,
        "epochs": summary.epochs,
        "steps": summary.steps,
        "batch_size": config.batch_size,
        "optimizer": config.optimizer.name(),
        "schedule": config.schedule.name(),
        "learning_rate": config.optimizer.learning_rate(),
        "seed": config.seed,
        "train_accuracy": summary.train_accuracy,
        "train_loss": summary.train_loss,
        "test_accuracy": summary.test_accuracy,
        "test_loss": summary.test_loss,
        "test_images": test_len,
        "seconds": summary.seconds,
        "train_seconds": summary.train_seconds,
        "images_per_second": summary.images_per_second,
    });
    println!("{json}");
    match metrics_problem {
        Some(problem) if args.save.is_some() => {
            Err(format!("{problem} (training finished; the model was saved)"))
        }
        Some(problem) => Err(format!("{problem} (training finished)")),
        None => Ok(()),
    }
}
