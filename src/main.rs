//! The `backprop` command line: a thin layer over the library (parsing arguments, printing).

mod cli;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "backprop",
    version,
    about = "Train neural networks by backpropagation, exactly, and show the work.",
    long_about = "Train neural networks by backpropagation, exactly, and show the work.\n\n\
                  Run with no command, it works the seed notes' example: a 2-2-1 sigmoid network, \
                  one forward and backward pass written out with every gradient, one SGD step, \
                  then training on to convergence."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Train the network a spec file describes, on its data.
    Train(cli::train::Args),
    /// Run a saved model on inputs.
    Predict(cli::predict::Args),
    /// Measure a saved model on labelled data: loss, accuracy or RMSE, per-class precision/recall.
    Evaluate(cli::evaluate::Args),
    /// Compare backprop's gradients with central finite differences, per parameter.
    Gradcheck(cli::gradcheck::Args),
    /// Write out one training step in full: forward pass, chain rule, every gradient, the update.
    Explain(cli::explain::Args),
    /// Mark a hand calculation (`name = value` lines): correct, a slip, or carried from earlier.
    Check(cli::check::Args),
    /// Write a saved model as ONNX (opset 13), for onnxruntime and other runtimes.
    Export(cli::export::Args),
    /// Serve the network live in the browser: Playground, Check, Runs, and a JSON API.
    Serve(cli::serve::Args),
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            eprintln!("{}", usage_error(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => cli::worked::run(),
        Some(Command::Train(args)) => cli::train::run(args),
        Some(Command::Predict(args)) => cli::predict::run(args),
        Some(Command::Evaluate(args)) => cli::evaluate::run(args),
        Some(Command::Gradcheck(args)) => cli::gradcheck::run(args),
        Some(Command::Explain(args)) => cli::explain::run(args),
        Some(Command::Check(args)) => cli::check::run(args),
        Some(Command::Export(args)) => cli::export::run(args),
        Some(Command::Serve(args)) => cli::serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", cli::message::tidy(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// A command-line usage error in two lines, like every other error: clap's message (its tip
/// folded in), then the usage line and where the help is.
/// `error: unexpected argument 'x' found (tip: …)` / `usage: backprop train … (see … --help)`.
fn usage_error(rendered: &str) -> String {
    let mut message = Vec::new();
    let mut usage = None;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u.to_string());
        } else if !line.starts_with("For more information") {
            message.push(line.trim_start_matches("error: "));
        }
    }
    let mut text = format!(
        "error: {}",
        message.first().copied().unwrap_or("bad arguments")
    );
    if message.len() > 1 {
        text += &format!(" ({})", message[1..].join(", "));
    }
    match usage {
        Some(u) => {
            let command: Vec<&str> = u
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect();
            format!("{text}\nusage: {u} (see `{} --help`)", command.join(" "))
        }
        None => text,
    }
}

/// Output piped into a program that stops reading (`backprop explain | head`) ends the process
/// quietly, as for any Unix tool, instead of failing a `print!` with "Broken pipe". Rust
/// ignores SIGPIPE by default; this puts back the default action.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; only resets a handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
