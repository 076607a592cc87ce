//! What an interrupt does: Ctrl-C (SIGINT), `kill` (SIGTERM) or a closed
//! terminal (SIGHUP).
//!
//! By default such a signal ends the process wherever it is, which would
//! leave temporary files and folders behind (or, before they existed,
//! half-replaced output). Here every command registers what it has under
//! way — a staging folder, a temporary file — as a [`Leftover`], and the
//! handler, on its own thread, tidies exactly those up, says what it did and
//! exits with status 130. The step that makes a result final (a rename)
//! runs with [`Guard::finish`], which the handler waits for: an interrupt
//! comes either before it, and the old output is as it was, or after, and
//! the new output is complete — never in between.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Something under way that an interrupt must clean up, and what to tell
/// the user when it does.
pub struct Leftover {
    pub path: PathBuf,
    pub action: Action,
    /// Said on stderr after the action, if `path` was there.
    pub note: String,
}

pub enum Action {
    /// A staging folder: removed.
    RemoveFolder,
    /// A temporary file of no use half written (a model): removed.
    RemoveFile,
    /// A temporary file worth keeping (complete lines of metrics): kept.
    Keep,
}

/// What is under way, by registration number.
static UNDER_WAY: Mutex<Vec<(u64, Leftover)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The exit status after an interrupt: 128 + SIGINT, as shells report it.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Installs the handler. Without it (if the platform refuses) signals keep
/// their default effect, so this only warns.
pub fn install() {
    if let Err(e) = ctrlc::set_handler(on_interrupt) {
        eprintln!("warning: cannot handle interrupts ({e}); an interrupted run may leave temporary files");
    }
}

/// Registers `leftover` until the returned guard is dropped or finished.
pub fn register(leftover: Leftover) -> Guard {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock().push((id, leftover));
    Guard { id }
}

/// A registered [`Leftover`]; dropping it unregisters it.
pub struct Guard {
    id: u64,
}

impl Guard {
    /// Runs `f` — the step that makes a result final — with interrupts held
    /// off, and unregisters the leftover in the same breath: the handler
    /// runs before `f` (and cleans up) or after it (and finds nothing).
    pub fn finish<T>(self, f: impl FnOnce() -> T) -> T {
        let mut under_way = lock();
        let result = f();
        under_way.retain(|(id, _)| *id != self.id);
        drop(under_way);
        std::mem::forget(self); // already unregistered
        result
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        lock().retain(|(id, _)| *id != self.id);
    }
}

fn lock() -> MutexGuard<'static, Vec<(u64, Leftover)>> {
    // A panic elsewhere must not stop the cleanup.
    UNDER_WAY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn on_interrupt() {
    // Held until the process exits: nothing can start a final step now.
    let under_way = lock();
    for (_, leftover) in under_way.iter() {
        if !leftover.path.exists() {
            continue;
        }
        match leftover.action {
            Action::RemoveFolder => remove_folder(&leftover.path),
            Action::RemoveFile => {
                let _ = fs::remove_file(&leftover.path);
            }
            Action::Keep => {}
        }
        eprintln!("{}", leftover.note);
    }
    eprintln!("interrupted");
    std::process::exit(EXIT_INTERRUPTED);
}

/// Removes a staging folder that other threads may still be writing into:
/// renamed first, so that no new file can appear in it by its old name
/// while it is being emptied. (A leftover under either name is removed by
/// the next run.)
fn remove_folder(path: &PathBuf) {
    let mut doomed = path.clone().into_os_string();
    doomed.push("-removing");
    let doomed = PathBuf::from(doomed);
    let target = if fs::rename(path, &doomed).is_ok() { doomed } else { path.clone() };
    for _ in 0..3 {
        if fs::remove_dir_all(&target).is_ok() || !target.exists() {
            return;
        }
    }
}
