//! Files the CLI writes (`train --save`, `train --metrics`): checked before
//! any work starts, written beside the target under a temporary name, and
//! put in place by a rename only when complete.
//!
//! So a run that fails — a full disk, a diverged training, an interrupt —
//! never leaves a half file under the real name, and never destroys the
//! file that was there before. A device or a pipe given as the target
//! (`/dev/null`, `/dev/stdout`) is written to directly: there is nothing to
//! rename over it (and renaming over a device would replace it).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::interrupt::{self, Action, Guard, Leftover};

pub struct OutputFile {
    /// Where the result goes.
    path: PathBuf,
    /// Where the bytes go until [`commit`](Self::commit): `{path}.tmp-{pid}`,
    /// or `None` when writing straight to a device or pipe.
    temp: Option<PathBuf>,
    file: File,
    /// Bytes written up to the end of the last whole line: a failed write
    /// is cut back to this, so the file never ends mid-line.
    whole: u64,
    /// Registered with the interrupt handler while the temp file exists.
    guard: Option<Guard>,
}

/// What to do with the temporary file on an interrupt.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnInterrupt {
    /// Remove it: half a model is of no use.
    Remove,
    /// Keep it and say where: complete lines of metrics are worth having.
    Keep,
}

impl OutputFile {
    /// Checks that `path` can be written — not a folder, its folder exists,
    /// a file can be created there — by creating the temporary file now.
    /// `what` ("--save") names the setting in errors.
    pub fn create(path: &Path, what: &str, on_interrupt: OnInterrupt) -> Result<OutputFile, String> {
        let shown = path.display();
        if let Ok(meta) = fs::metadata(path) {
            if meta.is_dir() {
                return Err(format!("{what} {shown}: is a folder; give the name of a file to write"));
            }
            if !meta.is_file() {
                let file = OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(path)
                    .map_err(|e| format!("{what} {shown}: {e}"))?;
                return Ok(OutputFile { path: path.to_path_buf(), temp: None, file, whole: 0, guard: None });
            }
        }
        let folder = parent_folder(path);
        if !folder.is_dir() {
            return Err(format!("{what} {shown}: the folder {} does not exist", folder.display()));
        }
        let temp = temporary_path(path);
        let file = File::create(&temp)
            .map_err(|e| format!("{what} {shown}: cannot write in {}: {e}", folder.display()))?;
        let note = match on_interrupt {
            OnInterrupt::Remove => format!("removed the unfinished {}; {shown} is as it was", temp.display()),
            OnInterrupt::Keep => {
                format!("the metrics so far (whole lines) are in {}; {shown} is as it was", temp.display())
            }
        };
        let action = match on_interrupt {
            OnInterrupt::Remove => Action::RemoveFile,
            OnInterrupt::Keep => Action::Keep,
        };
        let guard = interrupt::register(Leftover { path: temp.clone(), action, note });
        Ok(OutputFile { path: path.to_path_buf(), temp: Some(temp), file, whole: 0, guard: Some(guard) })
    }

    /// The file the result goes to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `line` and a newline in one call. If the write fails (a full
    /// disk), what it wrote of the line is cut off again: the file holds
    /// whole lines only.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.write_all(&bytes)
    }

    /// Writes `bytes`; on failure cuts the file back to where it was.
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.file.write_all(bytes) {
            Ok(()) => {
                self.whole += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                if self.temp.is_some() {
                    let _ = self.file.set_len(self.whole);
                }
                Err(e)
            }
        }
    }

    /// Makes the result final: syncs the temporary file to disk and renames
    /// it over the target, with interrupts held off. On failure the
    /// temporary file is removed and the target is as it was.
    pub fn commit(mut self) -> Result<(), String> {
        let shown = self.path.display().to_string();
        let Some(temp) = self.temp.take() else {
            // A device or pipe: nothing to rename; flush what we can.
            return self.file.flush().map_err(|e| format!("{shown}: {e}"));
        };
        let guard = self.guard.take().expect("a temp file is registered");
        let synced = self.file.sync_all();
        let renamed = guard.finish(|| synced.and_then(|()| fs::rename(&temp, &self.path)));
        if let Err(e) = renamed {
            let _ = fs::remove_file(&temp);
            return Err(format!("{shown}: {e} (it is as it was)"));
        }
        Ok(())
    }

    /// Leaves the target as it was and keeps what was written under the
    /// temporary name, returning that name (none for a device).
    pub fn keep_aside(mut self) -> Option<PathBuf> {
        self.guard = None;
        self.temp.take()
    }
}

impl Drop for OutputFile {
    /// Not committed nor kept aside: the temporary file goes.
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = fs::remove_file(temp);
        }
    }
}

/// `{path}.tmp-{pid}`: beside the target (a rename cannot cross file
/// systems) and unique to this process.
pub fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    PathBuf::from(name)
}

/// The folder `path` is in (`.` for a bare name).
fn parent_folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether `a` and `b` name the same file, however spelled: `run/./m.json`,
/// `run/m.json` and a symlinked folder all resolve to one path.
pub fn same_destination(a: &Path, b: &Path) -> bool {
    resolve(a) == resolve(b)
}

/// `path` with its folder made canonical (and the whole path, if it exists:
/// a symlink to another file is that file).
fn resolve(path: &Path) -> PathBuf {
    if let Ok(full) = fs::canonicalize(path) {
        return full;
    }
    let folder = fs::canonicalize(parent_folder(path)).unwrap_or_else(|_| parent_folder(path));
    match path.file_name() {
        Some(name) => folder.join(name),
        None => folder,
    }
}
