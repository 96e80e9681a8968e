//! The library's one error type. Every message names where the problem is (file, line, layer,
//! tensor) and what was expected, so the CLI can print it as is.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A network or training configuration that cannot work, wherever it came from
    /// (`layer 2: weights are 3×4, expected 3×5 …`).
    #[error("{0}")]
    Config(String),
    /// A problem in a named input file: spec, CSV, IDX, model file, notes.
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// Training produced a NaN or an infinity.
    #[error("{0}")]
    NonFinite(String),
    /// A request that would need more memory than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// Training stopped on request (Ctrl-C) after finishing a step.
    #[error("interrupted at epoch {epoch}, after step {step}")]
    Interrupted { epoch: usize, step: u64 },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Attaches a file name to a configuration error (used when the configuration came from a
    /// file) or to a size refusal; other errors are returned unchanged.
    pub fn in_file(self, file: impl std::fmt::Display) -> Error {
        match self {
            Error::Config(message) => Error::File {
                file: file.to_string(),
                message,
            },
            Error::TooLarge(message) => Error::TooLarge(format!("{file}: {message}")),
            other => other,
        }
    }
}

/// Shorthand for `Err(Error::Config(format!(…)))`.
#[macro_export]
macro_rules! config_err {
    ($($arg:tt)*) => { Err($crate::Error::Config(format!($($arg)*))) };
}
