//! Helpers for the CLI tests: the built binary, temp folders, the committed
//! sample data, small model and data files made on the spot.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use groundup::data::{load_split, Dataset, Split};
use groundup::{model_io, ModelSpec, Network};
use rand::SeedableRng;

/// The `groundup` binary built for these tests.
pub fn groundup() -> Command {
    Command::new(env!("CARGO_BIN_EXE_groundup"))
}

/// Runs `groundup args…` to the end.
pub fn run(args: &[&str]) -> Output {
    groundup().args(args).stdin(Stdio::null()).output().expect("the binary runs")
}

/// The process ended with status 1 — an error it reported, not a panic
/// (an abort, status 134, or a signal).
pub fn assert_refused(output: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "exit status {:?}; stderr:\n{stderr}", output.status);
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr should contain {needle:?}:\n{stderr}");
    }
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The JSON object on the last line of stdout.
pub fn last_json(output: &Output) -> serde_json::Value {
    let out = stdout(output);
    let line = out.lines().last().unwrap_or_else(|| panic!("no stdout; stderr:\n{}", stderr(output)));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("groundup-cli-{}-{n}-{label}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// `self/name` as a string, for arguments.
    pub fn arg(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The committed 500 + 200 image sample.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample")
}

pub fn sample_split(split: Split) -> Dataset {
    load_split(&sample_dir(), split).expect("the committed sample loads")
}

/// A copy of the sample in `dir` whose test split is empty.
pub fn data_without_test_images(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    let manifest = fs::read_to_string(sample_dir().join("manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for chunk in manifest["train"]["chunks"].as_array().unwrap() {
        let file = chunk["file"].as_str().unwrap();
        fs::copy(sample_dir().join(file), dir.join(file)).unwrap();
    }
    manifest["test"] = serde_json::json!({"rows": 0, "chunks": []});
    fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

/// Saves a freshly initialised model of `spec` (JSON) at `path`.
pub fn save_model(spec: &str, path: &Path) {
    let spec = ModelSpec::from_json(spec).unwrap();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    let network = Network::<f32>::new(&spec, &mut rng).unwrap();
    model_io::save(&network, path).unwrap();
}

/// A dense model from `inputs` numbers to `outputs` classes.
pub fn dense_spec(inputs: usize, outputs: usize) -> String {
    format!(
        r#"{{"input": [{inputs}], "objective": "softmax_cross_entropy", "layers": [{{"type": "dense", "units": {outputs}}}]}}"#
    )
}

/// Writes `dataset` as the IDX images and labels files `{prefix}-…` in `dir`.
pub fn write_idx(dir: &Path, prefix: &str, dataset: &Dataset) {
    let n = dataset.len() as u32;
    let mut images = Vec::new();
    images.extend_from_slice(&0x0803u32.to_be_bytes());
    images.extend_from_slice(&n.to_be_bytes());
    images.extend_from_slice(&28u32.to_be_bytes());
    images.extend_from_slice(&28u32.to_be_bytes());
    images.extend_from_slice(&dataset.images);
    let mut labels = Vec::new();
    labels.extend_from_slice(&0x0801u32.to_be_bytes());
    labels.extend_from_slice(&n.to_be_bytes());
    labels.extend_from_slice(&dataset.labels);
    fs::write(dir.join(format!("{prefix}-images-idx3-ubyte")), images).unwrap();
    fs::write(dir.join(format!("{prefix}-labels-idx1-ubyte")), labels).unwrap();
}

/// A folder of the four IDX files made from the committed sample.
pub fn raw_sample(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    write_idx(dir, "train", &sample_split(Split::Train));
    write_idx(dir, "t10k", &sample_split(Split::Test));
}

/// Every file under `dir` with its bytes, sorted: to compare a folder
/// before and after.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap_or_default())
        })
        .collect();
    files.sort();
    files
}

/// Names in `dir` that start with `prefix`.
pub fn names_starting(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// A running `groundup` whose stderr is read line by line (by a thread, so
/// that waiting for a line can time out instead of hanging the tests).
pub struct Running {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: String,
}

/// How long to wait for an expected line: generous, for a loaded machine.
const LINE_TIMEOUT: Duration = Duration::from_secs(180);

impl Running {
    pub fn start(args: &[&str]) -> Running {
        let mut child = groundup()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines, seen: String::new() }
    }

    /// Reads stderr until a line containing `needle` (it has then been
    /// printed, so the process is past that point). Panics if stderr ends
    /// first, or after a generous timeout.
    pub fn wait_for_line(&mut self, needle: &str) {
        loop {
            match self.lines.recv_timeout(LINE_TIMEOUT) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                    if line.contains(needle) {
                        return;
                    }
                }
                Err(e) => panic!("no line with {needle:?} ({e:?}); stderr so far:\n{}", self.seen),
            }
        }
    }

    /// Sends SIGINT, as Ctrl-C does (with `kill`, so no `unsafe` is needed).
    pub fn interrupt(&self) {
        let status = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -INT failed");
    }

    /// Waits for the end (a generous timeout), returning the status and
    /// all of stderr.
    pub fn finish(mut self) -> (ExitStatus, String) {
        loop {
            match self.lines.recv_timeout(LINE_TIMEOUT) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                }
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("still running; stderr so far:\n{}", self.seen),
            }
        }
        let status = self.child.wait().unwrap();
        (status, std::mem::take(&mut self.seen))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failed test must not leave a process behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
