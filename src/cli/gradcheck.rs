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
    #[arg(
        long,
        value_name = "X",
        default_value_t = 1e-5,
        allow_negative_numbers = true
    )]
    tolerance: f64,
    /// Finite-difference step h: each parameter is moved by ±h.
    #[arg(long, value_name = "H", default_value_t = STEP, allow_negative_numbers = true)]
    step: f64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if !(args.step.is_finite() && args.step > 0.0) {
        return config_err!("--step is {}, expected a finite number > 0", args.step);
    }
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        return config_err!(
            "--tolerance is {}, expected a finite number ≥ 0",
            args.tolerance
        );
    }
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
    // A NaN error (a loss that is not finite here) fails too.
    let ok = check
        .params
        .iter()
        .all(|p| p.relative_error <= args.tolerance);
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
