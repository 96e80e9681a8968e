//! `backprop gradcheck SPEC.toml`: backprop against finite differences.

use super::num;
use backprop::data::Pick;
use backprop::gradcheck::{gradcheck, STEP};
use backprop::{config_err, Result, Spec};
use std::path::{Path, PathBuf};

/// The most parameter lines printed.
const MAX_LINES: usize = 40;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file; its network is checked on the first batch of its training data.
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
    let base = args.spec.parent().unwrap_or(Path::new(""));
    let rows = spec
        .step_rows(
            base,
            Pick::FirstBatch {
                batch_size: spec.training.batch_size.unwrap_or(usize::MAX),
                limit: usize::MAX,
            },
        )
        .map_err(|e| e.in_file(args.spec.display()))?;
    let batch = rows.len;
    let x: Vec<f64> = rows.inputs.clone();
    let t: Vec<f64> = rows.targets.clone();
    let check = gradcheck(&net, &x, &t, batch, args.step);
    if rows.source.is_some() {
        println!("{}", rows.describe());
    }
    println!(
        "{:<10}{:>18}{:>18}{:>14}",
        "param", "backprop", "finite diff.", "rel. error"
    );
    // At most MAX_LINES rows: past that, the parameters with the largest errors.
    let mut shown: Vec<&backprop::ParamCheck> = check.params.iter().collect();
    if shown.len() > MAX_LINES {
        shown.sort_by(|a, b| b.relative_error.total_cmp(&a.relative_error));
        shown.truncate(MAX_LINES);
    }
    for p in shown {
        println!(
            "{:<10}{:>18}{:>18}{:>14.2e}",
            p.name,
            num(p.backprop, 10),
            num(p.numeric, 10),
            p.relative_error
        );
    }
    if check.params.len() > MAX_LINES {
        println!(
            "(the {MAX_LINES} of {} parameters with the largest relative errors)",
            check.params.len()
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
