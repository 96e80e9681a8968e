//! The engine's errors as Python exceptions, with the engine's (the CLI's) messages.
//!
//! The classes live in `backprop/errors.py`: `Error` (the base), `InputError` (also a
//! `ValueError`: a bad spec, data, model file or setting), `FileError` (also an `OSError`: a file
//! that cannot be read or written), `TrainingDiverged` (also an `ArithmeticError`: a NaN or an
//! infinity in training). A stop by Ctrl-C is Python's own `KeyboardInterrupt`.

use backprop::Error;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// An exception of class `name` from `backprop.errors` with `message`.
pub fn raise(py: Python<'_>, name: &str, message: String) -> PyErr {
    let class = match py.import("backprop.errors").and_then(|m| m.getattr(name)) {
        Ok(class) => class,
        Err(e) => return e,
    };
    match PyTuple::new(py, [message]).and_then(|args| class.call1(args)) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// `backprop.InputError(message)`.
pub fn input(message: impl Into<String>) -> PyErr {
    Python::with_gil(|py| raise(py, "InputError", message.into()))
}

/// The engine's error as its exception.
pub fn from_engine(e: Error) -> PyErr {
    let message = e.to_string();
    let class = match e {
        Error::Io { .. } => "FileError",
        Error::NonFinite(_) => "TrainingDiverged",
        Error::Interrupted { .. } => {
            return pyo3::exceptions::PyKeyboardInterrupt::new_err(message);
        }
        Error::Config(_) | Error::File { .. } | Error::TooLarge(_) => "InputError",
    };
    Python::with_gil(|py| raise(py, class, message))
}

/// `Result<T, backprop::Error>` → `PyResult<T>`.
pub trait OrRaise<T> {
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for backprop::Result<T> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(from_engine)
    }
}

/// A panic's payload as text (for `backprop.Error: internal error: …`).
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    format!("internal error (please report it): {text}")
}
