//! Work with the GIL released, Ctrl-C honoured.
//!
//! The work runs on a thread of its own while the calling thread waits with the GIL released,
//! taking it back every [`POLL`] to let Python look at its signals. When Python reports one
//! (Ctrl-C: `KeyboardInterrupt`), it raises `stop`, which the training observer reads after
//! every step and breaks on: training ends after the step in progress, with the network and
//! the trainer as that step left them, and the signal's exception is raised then. A panic of the work is caught there and
//! becomes an error, never an unwinding across into Python.

use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often the waiting thread looks at Python's signals.
const POLL: Duration = Duration::from_millis(20);

/// What [`run`] brings back: the work's result, or its panic's message; and the exception of a
/// signal that arrived meanwhile (the work has then been asked to stop).
pub struct Finished<T> {
    pub result: Result<T, String>,
    pub signal: Option<PyErr>,
}

pub fn run<T: Send>(
    py: Python<'_>,
    stop: &AtomicBool,
    work: impl FnOnce() -> T + Send,
) -> Finished<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map_err(crate::errors::panic_message);
            let _ = tx.send(result);
        });
        let mut rx = rx;
        let mut signal = None;
        loop {
            let (back, received) = py.allow_threads(move || {
                let r = rx.recv_timeout(POLL);
                (rx, r)
            });
            rx = back;
            match received {
                Ok(result) => return Finished { result, signal },
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if signal.is_none() {
                        if let Err(e) = py.check_signals() {
                            stop.store(true, Ordering::SeqCst);
                            signal = Some(e);
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Finished {
                        result: Err(
                            "internal error: the training thread ended without a result".into()
                        ),
                        signal,
                    };
                }
            }
        }
    })
}
