//! The `backprop` command line: a thin layer over the library (parsing arguments, printing).

mod cli;

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
    /// Compare backprop's gradients with central finite differences, per parameter.
    Gradcheck(cli::gradcheck::Args),
    /// Write out one training step in full: forward pass, chain rule, every gradient, the update.
    Explain(cli::explain::Args),
    /// Mark a hand calculation (`name = value` lines): correct, a slip, or carried from earlier.
    Check(cli::check::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => cli::worked::run(),
        Some(Command::Train(args)) => cli::train::run(args),
        Some(Command::Predict(args)) => cli::predict::run(args),
        Some(Command::Gradcheck(args)) => cli::gradcheck::run(args),
        Some(Command::Explain(args)) => cli::explain::run(args),
        Some(Command::Check(args)) => cli::check::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
