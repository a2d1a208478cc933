//! One writer per output folder: `.dyadsim.lock`, an advisory lock held by the process that
//! writes the folder, with a line that names the holder.
//!
//! The lock is the operating system's (`flock`), so it ends with its process however that
//! process ends: a lock file left by a killed run is not locked, and the next run takes it
//! over (and says so). A clean exit removes the file while still holding it; a process that
//! locked a file which was removed meanwhile sees that the name no longer leads to it, and
//! tries again, so two processes never hold two files of the same name.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{OutputError, io_err};

/// Name of the lock file inside an output folder.
pub const LOCK: &str = ".dyadsim.lock";

/// The lock of an output folder, held until dropped.
#[derive(Debug)]
pub struct FolderLock {
    /// Held open: the lock lasts as long as the file is open.
    _file: File,
    path: PathBuf,
    /// The holder line left by a process that ended without releasing the folder cleanly,
    /// if any.
    pub taken_over: Option<String>,
}

impl FolderLock {
    /// Lock `dir` (which must exist) for this process, recording `command` as what holds
    /// it. Fails with a message naming the holder when another process holds it.
    pub fn acquire(dir: &Path, command: &str) -> Result<FolderLock, OutputError> {
        let path = dir.join(LOCK);
        let (mut file, previous) = loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err(&path))?;
            let mut previous = String::new();
            // An unreadable holder line is only lost information.
            let _ = file.read_to_string(&mut previous);
            let previous = previous.trim().to_string();
            match file.try_lock() {
                Ok(()) if still_named(&file, &path) => break (file, previous),
                // Removed by its holder between our opening and locking it: try again.
                Ok(()) => continue,
                Err(TryLockError::WouldBlock) => {
                    let holder = if previous.is_empty() {
                        "another process".to_string()
                    } else {
                        previous
                    };
                    return Err(OutputError::Format {
                        path: dir.to_path_buf(),
                        message: format!(
                            "this output folder is in use by {holder}; wait until it has finished, or write elsewhere with --out"
                        ),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io_err(&path)(e)),
            }
        };
        let holder = format!(
            "process {} on {}, since {}: {command}",
            std::process::id(),
            host(),
            super::now_utc()
        );
        file.set_len(0).map_err(io_err(&path))?;
        file.seek(SeekFrom::Start(0)).map_err(io_err(&path))?;
        file.write_all(format!("{holder}\n").as_bytes())
            .map_err(io_err(&path))?;
        file.sync_data().map_err(io_err(&path))?;
        Ok(FolderLock {
            _file: file,
            path,
            taken_over: (!previous.is_empty()).then_some(previous),
        })
    }

    /// Where the lock file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still locked (see the module notes); the lock ends when the file
        // closes, just after.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `path` still names the open `file` (it was not removed or replaced).
fn still_named(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        // Elsewhere an open file cannot be removed, so the name still leads to it.
        let _ = (file, path);
        true
    }
}

/// This machine's name, for the holder line.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holder_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), "dyadsim run a.toml").unwrap();
        assert!(first.taken_over.is_none());
        let err = FolderLock::acquire(dir.path(), "dyadsim run b.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("in use by process"), "{msg}");
        assert!(msg.contains("dyadsim run a.toml"), "{msg}");
        assert!(msg.contains(&std::process::id().to_string()), "{msg}");
        drop(first);
        let again = FolderLock::acquire(dir.path(), "dyadsim run b.toml").unwrap();
        assert!(
            again.taken_over.is_none(),
            "a clean release is not a takeover"
        );
        drop(again);
        assert!(
            !dir.path().join(LOCK).exists(),
            "a clean exit leaves no lock file"
        );
    }

    #[test]
    fn a_lock_left_unreleased_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        // What a killed process leaves: the holder line, and no lock.
        std::fs::write(
            dir.path().join(LOCK),
            "process 4242 on h, since t: dyadsim run\n",
        )
        .unwrap();
        let l = FolderLock::acquire(dir.path(), "dyadsim run c.toml").unwrap();
        assert_eq!(
            l.taken_over.as_deref(),
            Some("process 4242 on h, since t: dyadsim run")
        );
        let line = std::fs::read_to_string(l.path()).unwrap();
        assert!(line.contains("dyadsim run c.toml"), "{line}");
    }
}
