//! `--log FILE.jsonl`: JSON lines streamed into a temporary file beside the target, which
//! replaces the target only when the run ends (fsync, rename, fsync of the folder), so the
//! file the user named is never half-written and a long run's log is never held in memory.

use backprop::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct Log {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl Log {
    pub fn create(path: &Path) -> Result<Log> {
        let path = &backprop::io::output::final_target(path);
        let tmp = backprop::io::output::temporary_path(path)
            .map_err(|_| Error::Config(format!("--log {}: not a file name", path.display())))?;
        let file = File::create(&tmp).map_err(|e| Error::io(path, e))?;
        Ok(Log {
            path: path.to_path_buf(),
            tmp,
            out: Some(BufWriter::new(file)),
        })
    }

    /// Appends one line.
    pub fn line(&mut self, value: &serde_json::Value) -> Result<()> {
        let out = self.out.as_mut().expect("open until finish");
        writeln!(out, "{value}").map_err(|e| Error::io(&self.path, e))
    }

    /// Puts the log in place.
    pub fn finish(mut self) -> Result<()> {
        let out = self.out.take().expect("open until finish");
        let result = (|| -> std::io::Result<()> {
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&self.tmp, &self.path)?;
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            Ok(())
        })();
        result.map_err(|e| {
            // A full disk or a failed rename leaves no temporary file behind.
            let _ = std::fs::remove_file(&self.tmp);
            Error::io(&self.path, e)
        })
    }
}

impl Drop for Log {
    /// A log that was not finished (the run failed) leaves no temporary file behind.
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
