//! `groundup`: prepare MNIST, train the paper's networks, evaluate a saved
//! model, check gradients, measure speed. Every command is a thin layer over
//! the `groundup` library.

mod bench;
mod flops;
mod gradcheck;
mod interrupt;
mod output;
mod progress;
mod train;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use groundup::data::{load_split, prepare_into, PrepareOptions, Split, Staging, IMAGE_PIXELS, NUM_CLASSES};
use groundup::model_io;

use interrupt::{Action, Leftover};

#[derive(Parser)]
#[command(name = "groundup", version, about = "A CNN for handwritten digits, from the ground up.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with the MNIST data files.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Train a preset network on MNIST.
    // Boxed: its many flags make it the largest variant by far.
    Train(Box<train::TrainArgs>),
    /// Accuracy and confusion matrix of a saved model on the test set.
    Eval {
        /// A model saved by `groundup train --save`.
        #[arg(long)]
        model: PathBuf,
        /// Folder with manifest.json and the CSV chunks.
        #[arg(long, default_value = "data/mnist")]
        data: PathBuf,
    },
    /// Compare backpropagation with numerical derivatives (paper §3.3).
    Gradcheck(gradcheck::GradcheckArgs),
    /// Training speed of both paper networks, in images per second.
    Bench(bench::BenchArgs),
}

#[derive(Subcommand)]
enum DataCommand {
    /// Turn the four IDX files into gzip CSV chunks and a manifest.
    Prepare {
        /// Folder holding the IDX files (plain or .gz), e.g. from scripts/fetch-mnist.sh.
        #[arg(long, default_value = "data/raw")]
        from: PathBuf,
        /// Where the chunks and manifest.json go.
        #[arg(long, default_value = "data/mnist")]
        out: PathBuf,
        /// Accept IDX files that are not the original MNIST (skip the sha256 check).
        #[arg(long)]
        no_verify: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    interrupt::install();
    let result = match cli.command {
        Command::Data { command: DataCommand::Prepare { from, out, no_verify } } => {
            data_prepare(&from, &out, !no_verify)
        }
        Command::Train(args) => train::run(*args),
        Command::Eval { model, data } => eval(&model, &data),
        Command::Gradcheck(args) => gradcheck::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Errors reach the user as one line of text; every library error already
/// names what and where.
type CliResult = Result<(), String>;

/// Prepares into a staging folder beside `out` and swaps it in when
/// complete (see `groundup::data::Staging`): an error, a full disk or an
/// interrupt leaves the previous data as it was.
fn data_prepare(from: &Path, out: &Path, verify: bool) -> CliResult {
    let options = PrepareOptions { verify_checksums: verify, ..PrepareOptions::default() };
    let hint = "(hint: scripts/fetch-mnist.sh puts the original MNIST files in data/raw/)";
    let staging = Staging::begin(out).map_err(|e| e.to_string())?;
    let guard = interrupt::register(Leftover {
        path: staging.path().to_path_buf(),
        action: Action::RemoveFolder,
        note: format!("removed the unfinished {}; {} is as it was", staging.path().display(), out.display()),
    });
    eprintln!("preparing in {} (it replaces {} when complete)", staging.path().display(), out.display());
    // On an error `staging` is dropped, which removes it.
    let manifest = prepare_into(from, staging.path(), &options).map_err(|e| format!("{e}\n{hint}"))?;
    guard.finish(|| staging.commit()).map_err(|e| e.to_string())?;
    for split in Split::ALL {
        let s = manifest.split(split);
        eprintln!("{}: {} images in {} chunks", split.name(), s.rows, s.chunks.len());
    }
    println!("{}", out.join("manifest.json").display());
    Ok(())
}

/// Loads a split, with a hint when the data has not been prepared yet.
fn load(data: &Path, split: Split) -> Result<groundup::data::Dataset, String> {
    load_split(data, split).map_err(|e| format!("{e}\n(hint: run `groundup data prepare` first)"))
}

fn eval(model: &Path, data: &Path) -> CliResult {
    let mut network = model_io::load(model).map_err(|e| e.to_string())?;
    network.fits_data(IMAGE_PIXELS, NUM_CLASSES).map_err(|e| format!("{}: {e}", model.display()))?;
    let test = load(data, Split::Test)?;
    if test.is_empty() {
        return Err(format!(
            "{}: the test split has no images; there is nothing to evaluate on",
            data.display()
        ));
    }
    let metrics = groundup::train::evaluate(&mut network, &test).map_err(|e| e.to_string())?;
    eprintln!("{}", metrics.confusion.to_table());
    eprintln!(
        "test accuracy {:.2}% on {} images, loss {:.4}",
        metrics.accuracy * 100.0,
        metrics.examples,
        metrics.loss
    );
    let summary = serde_json::json!({
        "model": model.display().to_string(),
        "test_accuracy": metrics.accuracy,
        "test_loss": metrics.loss,
        "examples": metrics.examples,
        "confusion": metrics.confusion.counts,
    });
    println!("{summary}");
    Ok(())
}
