//! `backprop gradcheck SPEC.toml`: backprop against finite differences.

use super::num;
use backprop::gradcheck::{gradcheck, STEP};
use backprop::{config_err, Result, Spec};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file; its network and its first batch of inline data are checked.
    spec: PathBuf,
    /// Largest relative error accepted (|backprop − numeric| / max(|backprop|, |numeric|, 1e-4)).
    #[arg(long, default_value_t = 1e-5)]
    tolerance: f64,
    /// Finite-difference step h.
    #[arg(long, default_value_t = STEP)]
    step: f64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let spec = Spec::from_file(&args.spec)?;
    let net = spec.network::<f64>()?;
    let Some((x, t, n)) = spec
        .inline_data()
        .map_err(|e| e.in_file(args.spec.display()))?
    else {
        return config_err!(
            "{}: gradcheck needs inline [data] inputs and targets",
            args.spec.display()
        );
    };
    let batch = spec.training.batch_size.unwrap_or(n).min(n);
    let check = gradcheck(
        &net,
        &x[..batch * net.inputs],
        &t[..batch * net.outputs()],
        batch,
        args.step,
    );
    println!(
        "{:<10}{:>18}{:>18}{:>14}",
        "param", "backprop", "finite diff.", "rel. error"
    );
    for p in &check.params {
        println!(
            "{:<10}{:>18}{:>18}{:>14.2e}",
            p.name,
            num(p.backprop, 10),
            num(p.numeric, 10),
            p.relative_error
        );
    }
    let ok = check.max_relative_error <= args.tolerance;
    println!(
        "largest relative error {:.3e} (tolerance {:e}, h = {:e}, batch of {batch}): {}",
        check.max_relative_error,
        args.tolerance,
        args.step,
        if ok { "ok" } else { "FAILED" }
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
