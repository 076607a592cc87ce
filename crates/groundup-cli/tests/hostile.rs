//! The command line against hostile and unlucky inputs: models that do not
//! fit the data, empty splits, settings that would silently do nothing,
//! outputs that cannot be written, full disks and interrupts.
//!
//! Each test runs the built binary in a temp folder. A release build aborts
//! on a panic, so "refused" here means exit status 1 with a message — never
//! a panic, an abort or a signal. Interrupts are sent with `kill -INT` at a
//! point the process has announced on stderr, never after a sleep.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::process::Command;

use common::*;
use groundup::data::{load_split, Split};

// ---------------------------------------------------------------------------
// Models that do not fit the data
// ---------------------------------------------------------------------------

#[test]
fn eval_refuses_a_model_whose_input_is_not_784_wide() {
    let dir = TempDir::new("eval_width");
    save_model(&dense_spec(100, 10), &dir.join("m.safetensors"));
    let output =
        run(&["eval", "--model", &dir.arg("m.safetensors"), "--data", &sample_dir().display().to_string()]);
    assert_refused(
        &output,
        &["m.safetensors", "spec", "the model takes 100 inputs; the images have 784 pixels"],
    );
}

#[test]
fn eval_refuses_a_model_without_one_output_per_digit() {
    let dir = TempDir::new("eval_outputs");
    for outputs in [1, 5, 20] {
        let model = dir.join(format!("m{outputs}.safetensors"));
        save_model(&dense_spec(784, outputs), &model);
        let output = run(&[
            "eval",
            "--model",
            &model.display().to_string(),
            "--data",
            &sample_dir().display().to_string(),
        ]);
        assert_refused(&output, &[&format!("the model has {outputs} outputs; the data has 10 classes")]);
    }
}

#[test]
fn eval_refuses_a_device_as_model_without_reading_it() {
    let output = run(&["eval", "--model", "/dev/zero", "--data", &sample_dir().display().to_string()]);
    assert_refused(&output, &["/dev/zero", "is a device"]);
}

// ---------------------------------------------------------------------------
// Silent results
// ---------------------------------------------------------------------------

#[test]
fn eval_refuses_an_empty_test_split() {
    let dir = TempDir::new("eval_empty");
    data_without_test_images(&dir.join("data"));
    save_model(&dense_spec(784, 10), &dir.join("m.safetensors"));
    let output = run(&["eval", "--model", &dir.arg("m.safetensors"), "--data", &dir.arg("data")]);
    assert_refused(&output, &["the test split has no images"]);
}

#[test]
fn train_with_an_empty_test_split_says_so_and_reports_no_test_accuracy() {
    let dir = TempDir::new("train_empty");
    data_without_test_images(&dir.join("data"));
    let output =
        run(&["train", "--preset", "mlp", "--epochs", "1", "--limit", "64", "--data", &dir.arg("data")]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning:") && stderr(&output).contains("no test images"),
        "{}",
        stderr(&output)
    );
    let summary = last_json(&output);
    assert!(summary["test_accuracy"].is_null(), "{summary}");
    assert!(summary["test_loss"].is_null(), "{summary}");
    assert_eq!(summary["test_images"], 0, "{summary}");
}

#[test]
fn gradcheck_refuses_to_check_nothing() {
    let output = run(&["gradcheck", "--preset", "mlp", "--samples", "0"]);
    assert_refused(&output, &["--samples 0", "at least 1"]);
}

#[test]
fn train_refuses_a_learning_rate_too_small_to_change_any_weight() {
    for lr in ["1e-300", "5e-8"] {
        let output =
            run(&["train", "--preset", "mlp", "--lr", lr, "--data", &sample_dir().display().to_string()]);
        assert_refused(&output, &["learning rate", "below 1e-7", "f32"]);
    }
}

#[test]
fn train_refuses_a_decay_that_takes_the_learning_rate_below_what_f32_can_step() {
    // 0.004 decayed by 0.35 per epoch is below 1e-7 after 11 epochs.
    let data = sample_dir().display().to_string();
    let output = run(&[
        "train",
        "--preset",
        "cnn",
        "--schedule",
        "epoch-decay",
        "--lr",
        "0.004",
        "--lr-decay",
        "0.35",
        "--epochs",
        "40",
        "--data",
        &data,
    ]);
    assert_refused(&output, &["epochs: ", "train at most 11 epochs"]);
}

#[test]
fn train_refuses_adam_betas_outside_the_unit_interval_and_betas_for_another_optimizer() {
    let data = sample_dir().display().to_string();
    let output = run(&["train", "--preset", "cnn", "--beta2", "1.5", "--data", &data]);
    assert_refused(&output, &["beta2"]);
    let output = run(&["train", "--preset", "cnn", "--optimizer", "sgd", "--beta1", "0.8", "--data", &data]);
    assert_refused(&output, &["--beta1", "adam only"]);
}

// ---------------------------------------------------------------------------
// Outputs checked before training
// ---------------------------------------------------------------------------

/// Quick training settings on the sample (one small epoch).
fn quick(data: &str) -> Vec<String> {
    ["train", "--preset", "mlp", "--epochs", "1", "--limit", "64", "--data", data].map(String::from).to_vec()
}

fn run_owned(args: &[String]) -> std::process::Output {
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn save_into_a_missing_folder_is_refused_before_training() {
    let dir = TempDir::new("save_missing");
    let mut args = quick(&sample_dir().display().to_string());
    args.extend(["--save".into(), dir.arg("no/such/folder/m.safetensors")]);
    let output = run_owned(&args);
    assert_refused(&output, &["--save", "does not exist"]);
    assert!(
        !stderr(&output).contains("weights):"),
        "refused before the network was built: {}",
        stderr(&output)
    );
}

#[test]
fn save_to_a_folder_is_refused_before_training() {
    let dir = TempDir::new("save_folder");
    let mut args = quick(&sample_dir().display().to_string());
    args.extend(["--save".into(), dir.arg("")]);
    let output = run_owned(&args);
    assert_refused(&output, &["--save", "is a folder"]);
    assert!(!stderr(&output).contains("weights):"), "{}", stderr(&output));
}

#[test]
fn save_and_metrics_to_the_same_file_are_refused_however_spelled() {
    let dir = TempDir::new("same_file");
    fs::create_dir(dir.join("run")).unwrap();
    symlink(dir.join("run"), dir.join("link")).unwrap();
    let spellings = [
        (dir.arg("run/out"), dir.arg("run/out")),
        (dir.arg("run/out"), dir.arg("run/./out")),
        (dir.arg("run/out"), dir.arg("run/../run/out")),
        (dir.arg("run/out"), dir.arg("link/out")),
    ];
    for (save, metrics) in spellings {
        let mut args = quick(&sample_dir().display().to_string());
        args.extend(["--save".into(), save.clone(), "--metrics".into(), metrics.clone()]);
        let output = run_owned(&args);
        assert_refused(&output, &["are the same file"]);
    }
    assert!(fs::read_dir(dir.join("run")).unwrap().next().is_none(), "nothing was written");
}

#[test]
fn a_successful_run_replaces_model_and_metrics_and_leaves_no_temporary_files() {
    let dir = TempDir::new("replace");
    fs::write(dir.join("m.safetensors"), "old model").unwrap();
    fs::write(dir.join("run.jsonl"), "old metrics\n").unwrap();
    let mut args = quick(&sample_dir().display().to_string());
    args.extend(["--save".into(), dir.arg("m.safetensors"), "--metrics".into(), dir.arg("run.jsonl")]);
    let output = run_owned(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(groundup::model_io::load(&dir.join("m.safetensors")).is_ok());
    let metrics = fs::read_to_string(dir.join("run.jsonl")).unwrap();
    assert!(metrics.ends_with('\n') && metrics.lines().count() >= 2, "{metrics}");
    for line in metrics.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert_eq!(
        names_starting(&dir, "m.safetensors.tmp").len() + names_starting(&dir, "run.jsonl.tmp").len(),
        0
    );
}

#[test]
fn metrics_on_a_full_disk_name_the_file_and_the_model_is_still_saved() {
    let dir = TempDir::new("full_disk");
    let mut args = quick(&sample_dir().display().to_string());
    args.extend(["--save".into(), dir.arg("m.safetensors"), "--metrics".into(), "/dev/full".into()]);
    let output = run_owned(&args);
    assert_refused(&output, &["--metrics /dev/full", "No space left on device", "the model was saved"]);
    assert!(groundup::model_io::load(&dir.join("m.safetensors")).is_ok(), "the model was saved");
    assert!(last_json(&output)["train_accuracy"].is_number(), "the summary was printed");
}

// ---------------------------------------------------------------------------
// Interrupts
// ---------------------------------------------------------------------------

#[test]
fn an_interrupted_training_leaves_the_old_model_and_metrics_as_they_were() {
    let dir = TempDir::new("interrupt_train");
    fs::write(dir.join("m.safetensors"), "old model").unwrap();
    fs::write(dir.join("run.jsonl"), "old metrics\n").unwrap();
    // Far too long to finish before the interrupt arrives.
    let (model, metrics, data) =
        (dir.arg("m.safetensors"), dir.arg("run.jsonl"), sample_dir().display().to_string());
    let mut running = Running::start(&[
        "train",
        "--preset",
        "mlp",
        "--epochs",
        "1000",
        "--lr-decay",
        "1",
        "--data",
        &data,
        "--save",
        &model,
        "--metrics",
        &metrics,
    ]);
    running.wait_for_line("training / "); // printed just before the first step
    let pid = running.child.id();
    running.interrupt();
    let (status, stderr) = running.finish();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert_eq!(fs::read_to_string(dir.join("m.safetensors")).unwrap(), "old model");
    assert_eq!(fs::read_to_string(dir.join("run.jsonl")).unwrap(), "old metrics\n");
    assert!(!dir.join(format!("m.safetensors.tmp-{pid}")).exists(), "the unfinished model is removed");
    // The metrics so far are kept under the temporary name, in whole lines, and the message says where.
    let kept = dir.join(format!("run.jsonl.tmp-{pid}"));
    assert!(stderr.contains(&kept.display().to_string()), "{stderr}");
    let text = fs::read_to_string(&kept).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "whole lines only: {text:?}");
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
}

#[test]
fn an_interrupted_prepare_leaves_the_old_data_as_it_was_and_no_staging_folder() {
    let dir = TempDir::new("interrupt_prepare");
    raw_sample(&dir.join("raw"));
    let out = dir.arg("mnist");
    let first = run(&["data", "prepare", "--from", &dir.arg("raw"), "--out", &out, "--no-verify"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&dir.join("mnist"));

    // Inputs that are named pipes nobody writes to: the run blocks reading
    // them, after its staging folder exists, until it is interrupted.
    fs::create_dir(dir.join("pipes")).unwrap();
    for name in [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ] {
        let made = Command::new("mkfifo").arg(dir.join("pipes").join(name)).status().unwrap();
        assert!(made.success());
    }
    let mut running =
        Running::start(&["data", "prepare", "--from", &dir.arg("pipes"), "--out", &out, "--no-verify"]);
    running.wait_for_line("preparing in");
    running.interrupt();
    let (status, stderr) = running.finish();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("is as it was"), "{stderr}");
    assert_eq!(snapshot(&dir.join("mnist")), before, "the old data is untouched");
    assert_eq!(names_starting(&dir, "mnist."), Vec::<String>::new(), "no staging folder is left");
    assert_eq!(load_split(&dir.join("mnist"), Split::Test).unwrap().len(), 200);
}

#[test]
fn a_prepare_that_cannot_write_leaves_the_old_data_as_it_was() {
    let dir = TempDir::new("prepare_full");
    raw_sample(&dir.join("raw"));
    let out = dir.arg("mnist");
    let first = run(&["data", "prepare", "--from", &dir.arg("raw"), "--out", &out, "--no-verify"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&dir.join("mnist"));

    // A file size limit of 20 blocks makes writing the first chunk fail
    // (EFBIG, with SIGXFSZ ignored), as a full disk would.
    let script = format!(
        "trap '' XFSZ; ulimit -f 20; exec '{}' data prepare --from '{}' --out '{}' --no-verify",
        env!("CARGO_BIN_EXE_groundup"),
        dir.arg("raw"),
        out
    );
    let output = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert_refused(&output, &["File too large"]);
    assert_eq!(snapshot(&dir.join("mnist")), before, "the old data is untouched");
    assert_eq!(names_starting(&dir, "mnist."), Vec::<String>::new(), "the staging folder is removed");
}

#[test]
fn prepare_removes_what_killed_runs_left_and_puts_back_a_folder_caught_mid_swap() {
    let dir = TempDir::new("prepare_stale");
    raw_sample(&dir.join("raw"));
    let out = dir.arg("mnist");
    let first = run(&["data", "prepare", "--from", &dir.arg("raw"), "--out", &out, "--no-verify"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&dir.join("mnist"));

    // A run killed between the two renames of its swap: no `mnist`, the old
    // data under `mnist.old-<pid>`, a complete staging folder beside it.
    // (Pids above the kernel's maximum cannot be running.)
    fs::rename(dir.join("mnist"), dir.join("mnist.old-4999999")).unwrap();
    fs::create_dir(dir.join("mnist.tmp-4999999")).unwrap();
    fs::write(dir.join("mnist.tmp-4999999/train-00.csv.gz.tmp"), "half").unwrap();
    // A run that fails (a missing input) still puts the old data back first.
    let failed = run(&["data", "prepare", "--from", &dir.arg("nothing-here"), "--out", &out, "--no-verify"]);
    assert_refused(&failed, &["file not found"]);
    assert_eq!(snapshot(&dir.join("mnist")), before, "the old data is back");
    assert_eq!(names_starting(&dir, "mnist."), Vec::<String>::new(), "the leftovers are gone");
}

// ---------------------------------------------------------------------------
// The gradient check
// ---------------------------------------------------------------------------

#[test]
fn gradcheck_passes_on_the_paper_mlp_at_seed_4_batch_64() {
    // Failed at 1.49e-4 > 1e-4 with a purely relative tolerance.
    let output = run(&["gradcheck", "--preset", "paper-mlp", "--seed", "4", "--batch", "64"]);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(last_json(&output)["worst_error_over_tolerance"].as_f64().unwrap() <= 1.0);
}
