//! The one way this crate writes a file the user named: through a temporary file beside it,
//! which replaces the target only when it is whole (fsync, rename over the target, fsync of
//! the folder). A reader, or a crash at any moment, sees either the old file or the new one,
//! never a half-written one; a write that fails or is abandoned leaves no temporary behind.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written: bytes go to a temporary file beside `path` until [`AtomicFile::commit`]
/// puts it in place. Dropped uncommitted, it removes the temporary file.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `path` (first removing the temporaries of earlier writers of it that
    /// were killed mid-write).
    pub fn create(path: &Path) -> Result<AtomicFile> {
        // A symbolic link is written through: the file it names is replaced, the link stays.
        let target = super::output::final_target(path);
        let path = target.as_path();
        let tmp = temporary_path(path)?;
        remove_stale_temporaries(path, &folder(&tmp));
        let file = File::create(&tmp).map_err(|e| Error::io(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            out: Some(BufWriter::new(file)),
        })
    }

    /// The file this will become.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let out = self.out.as_mut().expect("open until commit");
        out.write_all(bytes).map_err(|e| Error::io(&self.path, e))
    }

    /// Hands what was written so far to the operating system (a reader of the temporary file,
    /// such as `serve --logdir`, sees it), without putting the file in place.
    pub fn flush(&mut self) -> Result<()> {
        let out = self.out.as_mut().expect("open until commit");
        out.flush().map_err(|e| Error::io(&self.path, e))
    }

    /// Puts the file in place: flush, fsync, rename over the target, fsync of the folder.
    pub fn commit(mut self) -> Result<()> {
        let out = self.out.take().expect("open until commit");
        let result = (|| -> std::io::Result<()> {
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&self.tmp, &self.path)?;
            if let Ok(d) = File::open(folder(&self.tmp)) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(Error::io(&self.path, e));
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    /// A file that was not committed (the run failed) leaves no temporary file behind.
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module docs).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write(bytes)?;
    file.commit()
}

/// Checks, before a long run, that [`write_atomically`] will be able to write `path`: its folder
/// exists and takes a new file, and `path` is not a folder. Creates and removes the temporary
/// file, nothing else.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::File {
            file: path.display().to_string(),
            message: "is a directory, expected the name of a file to write".into(),
        });
    }
    let tmp = temporary_path(path)?;
    File::create(&tmp).map_err(|e| Error::io(path, e))?;
    std::fs::remove_file(&tmp).map_err(|e| Error::io(&tmp, e))
}

/// The folder a path is in (`.` for a bare name).
fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary file beside `path` that a write goes through: `.NAME.tmp-PID`, always a
/// name that fits (see [`super::output::temporary_prefix`]).
fn temporary_path(path: &Path) -> Result<PathBuf> {
    super::output::temporary_path(path)
}

/// Removes the temporary files an earlier writer of `path` left when it was killed mid-write:
/// `.NAME.tmp-PID` beside it, whose process no longer runs (known on Linux from `/proc`;
/// elsewhere nothing is removed).
fn remove_stale_temporaries(path: &Path, dir: &Path) {
    let Some(name) = path.file_name() else { return };
    let prefix = super::output::temporary_prefix(name);
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid).exists();
        if pid.parse::<u32>().is_ok() && !alive {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
