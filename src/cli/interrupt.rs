//! Ctrl-C (SIGINT) during training, and SIGTERM alike (what `kill` and service managers send;
//! also SIGHUP). The first signal asks the run to stop: the command's training observer polls
//! [`requested`] after every step and breaks, so the library finishes the step in progress and
//! returns `Error::Interrupted`, after which the command writes a checkpoint and exits. A second press
//! exits at once (status 130); model files stay whole even then, since every write is atomic
//! (`backprop::io::atomic`).

use backprop::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_STATUS: u8 = 130;

/// Installs the Ctrl-C handler (once per process; later calls do nothing).
pub fn install() -> Result<()> {
    let mut result = Ok(());
    INSTALL.call_once(|| {
        result = ctrlc::set_handler(|| {
            if REQUESTED.swap(true, Ordering::SeqCst) {
                std::process::exit(EXIT_STATUS as i32);
            }
        })
        .map_err(|e| Error::Config(format!("cannot install the Ctrl-C handler: {e}")));
    });
    result
}

/// Whether a stop was asked for.
#[inline]
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
