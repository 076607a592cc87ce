//! `groundup train`: a preset, optionally overridden flag by flag.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use groundup::data::Split;
use groundup::model_io;
use groundup::optim::OptimizerSpec;
use groundup::presets::{preset, PRESET_NAMES};
use groundup::train::{fit, BatchSampler, Event, Trainer};

use crate::progress::Progress;
use crate::CliResult;

#[derive(Args)]
pub struct TrainArgs {
    /// cnn, mlp, paper-cnn or paper-mlp.
    #[arg(long, default_value = "cnn")]
    preset: String,
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
    /// Multiply the learning rate by this after each epoch (1: constant).
    #[arg(long)]
    lr_decay: Option<f64>,
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
    config.validate().map_err(|e| e.to_string())?;

    let mut train = crate::load(&args.data, Split::Train)?;
    if let Some(n) = args.limit {
        train = train.take(n);
    }
    let test = crate::load(&args.data, Split::Test)?;
    let mut trainer = Trainer::new(&p.spec, &config).map_err(|e| e.to_string())?;
    eprintln!("{} ({} weights):", p.title, trainer.network().num_params());
    for line in trainer.network().describe() {
        eprintln!("  {line}");
    }
    eprintln!("{} training / {} test images; {config:?}", train.len(), test.len());

    let mut metrics_file = match &args.metrics {
        Some(path) => {
            Some(BufWriter::new(File::create(path).map_err(|e| format!("{}: {e}", path.display()))?))
        }
        None => None,
    };
    let total_steps = config.epochs * BatchSampler::batches_per_epoch(train.len(), config.batch_size);
    let mut progress = Progress::new(total_steps);
    let mut last_test = String::new();
    let mut write_error = None;
    let result = fit(&mut trainer, &config, &train, Some(&test), |event| {
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
        if let Some(f) = &mut metrics_file {
            if let Err(e) = writeln!(f, "{line}") {
                write_error.get_or_insert(e);
            }
        }
    });
    progress.finish();
    if let (Some(e), Some(path)) = (write_error, &args.metrics) {
        return Err(format!("{}: {e}", path.display()));
    }
    if let Some(f) = &mut metrics_file {
        f.flush().map_err(|e| e.to_string())?;
    }
    let summary = result.map_err(|e| e.to_string())?;
    if let Some(path) = &args.save {
        model_io::save(trainer.network(), path).map_err(|e| e.to_string())?;
        eprintln!("saved {}", path.display());
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
        "learning_rate": config.optimizer.learning_rate(),
        "seed": config.seed,
        "train_accuracy": summary.train_accuracy,
        "train_loss": summary.train_loss,
        "test_accuracy": summary.test_accuracy,
        "test_loss": summary.test_loss,
        "seconds": summary.seconds,
        "train_seconds": summary.train_seconds,
        "images_per_second": summary.images_per_second,
    });
    println!("{json}");
    Ok(())
}
