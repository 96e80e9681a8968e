//! `backprop predict MODEL.safetensors --input "0.05,0.10"`.

use super::num;
use backprop::{config_err, model_file, AnyModel, Float, ModelFile, Result, Workspace};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A model file written by `backprop train --save`.
    model: PathBuf,
    /// One sample's inputs, comma-separated.
    #[arg(long)]
    input: String,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let values: Vec<f64> = args
        .input
        .split(',')
        .enumerate()
        .map(|(k, s)| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    backprop::Error::Config(format!(
                        "--input: value {} is `{}`, expected a finite number",
                        k + 1,
                        s.trim()
                    ))
                })
        })
        .collect::<Result<_>>()?;
    let outputs = match model_file::load(&args.model)? {
        AnyModel::F32(m) => predict(&m, &values)?,
        AnyModel::F64(m) => predict(&m, &values)?,
    };
    let shown: Vec<String> = outputs.iter().map(|&v| num(v, 6)).collect();
    println!("{}", shown.join(","));
    Ok(ExitCode::SUCCESS)
}

fn predict<F: Float>(model: &ModelFile<F>, input: &[f64]) -> Result<Vec<f64>> {
    let net = &model.network;
    if input.len() != net.inputs {
        return config_err!(
            "--input has {} values, expected {} (the model's inputs)",
            input.len(),
            net.inputs
        );
    }
    let x: Vec<F> = input.iter().map(|&v| F::from_f64(v)).collect();
    let mut ws = Workspace::new(net, 1);
    Ok(net
        .forward(&x, 1, &mut ws)
        .iter()
        .map(|v| v.to_f64())
        .collect())
}
