//! Lines to standard output that never stop a run: `backprop train … --save m | head -1` must
//! still save the model. `train` ignores SIGPIPE ([`keep_going_on_closed_pipe`]), so a write to
//! a closed pipe fails instead of killing the process, and [`say!`] drops a line that cannot be
//! written (other commands keep the default: a closed pipe ends them quietly).

use std::io::Write;

/// `println!` that drops the line when standard output is gone.
macro_rules! say {
    ($($arg:tt)*) => { $crate::cli::say::line(&format!($($arg)*)) };
}
pub(crate) use say;

/// Writes one line; a closed pipe or a full disk loses the line, never the run.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

/// From now on a closed pipe makes writes fail (and [`say!`] drop them) instead of ending the
/// process with SIGPIPE.
pub fn keep_going_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: only sets the disposition of SIGPIPE; no handler runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}
