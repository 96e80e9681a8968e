//! `--log FILE.jsonl`: JSON lines streamed into the atomic writer's temporary file, which
//! replaces the target only when the run ends, so the file the user named is never
//! half-written and a long run's log is never held in memory.

use backprop::io::atomic::AtomicFile;
use backprop::Result;
use std::path::Path;

pub struct Log {
    file: AtomicFile,
}

impl Log {
    pub fn create(path: &Path) -> Result<Log> {
        Ok(Log {
            file: AtomicFile::create(path)?,
        })
    }

    /// Appends one line.
    pub fn line(&mut self, value: &serde_json::Value) -> Result<()> {
        self.file.write(format!("{value}\n").as_bytes())?;
        // Flushed line by line, so that `serve --logdir` shows a run while it trains.
        self.file.flush()
    }

    /// Puts the log in place.
    pub fn finish(self) -> Result<()> {
        self.file.commit()
    }
}
