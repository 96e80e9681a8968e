//! `backprop serve [SPEC.toml] [--port 8000] [--host 127.0.0.1] [--logdir DIR]`.

use crate::serve::{self, sessions::Limits, Options};
use backprop::{Error, Result, Spec};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The spec the Playground opens with; without one, the worked example.
    spec: Option<PathBuf>,
    /// The port to listen on (0: any free one; the URL printed says which).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The address to listen on; anything but loopback lets other machines in.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// A folder of training logs (`backprop train … --log DIR/NAME.jsonl`) shown under Runs.
    #[arg(long, value_name = "DIR")]
    logdir: Option<PathBuf>,
    /// The most playground sessions kept at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_sessions: usize,
    /// Seconds a session is kept without a request.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    idle: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let first_spec = match &args.spec {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            // Refused here, with the file's name, rather than in the page.
            Spec::parse(&text, &path.display().to_string())?.validate()?;
            text
        }
        None => backprop::spec::WORKED_EXAMPLE.to_string(),
    };
    if let Some(dir) = &args.logdir {
        if !dir.is_dir() {
            return Err(Error::Config(format!(
                "--logdir {}: not a folder",
                dir.display()
            )));
        }
    }
    if args.max_sessions == 0 || args.idle == 0 {
        return Err(Error::Config(
            "--max-sessions and --idle: expected at least 1".into(),
        ));
    }
    serve::run(Options {
        addr: SocketAddr::new(args.host, args.port),
        first_spec,
        logdir: args.logdir,
        limits: Limits {
            sessions: args.max_sessions,
            idle: Duration::from_secs(args.idle),
        },
    })?;
    Ok(ExitCode::SUCCESS)
}
