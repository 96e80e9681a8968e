//! `backprop predict MODEL.safetensors --input "0.05,0.10"` or `--data FILE.csv [-o OUT.csv]`
//! (or MNIST's IDX images as `--data`):
//! runs a saved model, with the standardisation it was trained with. A classifier's rows are
//! the class name and each class's probability; a regression's the predicted values.

use super::num;
use backprop::data::{self, Task};
use backprop::io::atomic::write_atomically;
use backprop::{config_err, model_file, AnyModel, Float, ModelFile, Result, Workspace};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("samples").required(true).args(["input", "data"])))]
pub struct Args {
    /// A model file written by `backprop train --save`.
    model: PathBuf,
    /// One sample's inputs, comma-separated, in the model's feature order ("5.1,3.5,1.4,0.2").
    #[arg(long, value_name = "X1,X2,…", allow_hyphen_values = true)]
    input: Option<String>,
    /// A CSV file with a header row: the model's feature columns, by name (other columns are
    /// ignored). `builtin:NAME` reads a built-in data set. An IDX images file (raw or gzip,
    /// such as MNIST's t10k-images-idx3-ubyte.gz) is recognised by its first bytes.
    #[arg(long, value_name = "FILE.csv")]
    data: Option<String>,
    /// Write the predictions here as CSV (default: standard output).
    #[arg(short, long, value_name = "OUT.csv", requires = "data")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if let Some(path) = &args.output {
        let mut inputs = vec![("the model", args.model.as_path())];
        if let Some(data) = &args.data {
            inputs.push(("the data (--data)", Path::new(data)));
        }
        super::check_outputs(&[("-o", path)], &inputs)?;
    }
    match model_file::load(&args.model)? {
        AnyModel::F32(m) => predict(&m, &args),
        AnyModel::F64(m) => predict(&m, &args),
    }
}

fn predict<F: Float>(model: &ModelFile<F>, args: &Args) -> Result<ExitCode> {
    let info = model
        .data_info()
        .map_err(|e| e.in_file(args.model.display()))?;
    let net = &model.network;
    let (mut rows, as_table) = match (&args.input, &args.data) {
        (Some(input), _) => (parse_input(input, net.inputs)?, false),
        (None, Some(path)) if data::idx::looks_like_idx(Path::new(path)) => {
            (data::idx_features(Path::new(path), net.inputs)?, true)
        }
        (None, Some(path)) => {
            let table = data::read_csv(path, Path::new(""))?;
            let features = info.csv_features(&table)?;
            if data::checks::looks_headerless(&table) {
                eprintln!(
                    "note: {path} has no header (line 1 is all numbers): its columns are taken by position as {}",
                    info.feature_names.join(",")
                );
            }
            (features, true)
        }
        (None, None) => return config_err!("give --input \"…\" or --data FILE.csv"),
    };
    let n = rows.len() / net.inputs;
    info.scale_features(&mut rows);
    let x: Vec<F> = rows.iter().map(|&v| F::from_f64(v)).collect();
    let mut ws = Workspace::new(net, n.clamp(1, 512));
    let mut outputs = Vec::with_capacity(n * net.outputs());
    for chunk in x.chunks(ws.capacity() * net.inputs) {
        let b = chunk.len() / net.inputs;
        outputs.extend(net.forward(chunk, b, &mut ws).iter().map(|v| v.to_f64()));
    }
    info.unscale_outputs(&mut outputs);
    let width = net.outputs();
    if let Some(k) = outputs.iter().position(|v| !v.is_finite()) {
        return config_err!(
            "{}: the model's output {} for sample {} is {}: an input far outside what it was trained on? (nothing written)",
            args.model.display(),
            k % width + 1,
            k / width + 1,
            outputs[k]
        );
    }
    if !as_table {
        let row = &outputs[..width];
        match &info.task {
            Task::Classification { classes } if model.metadata.contains_key("data.task") => {
                let p = Task::probabilities(row);
                let each: Vec<String> = classes
                    .iter()
                    .zip(&p)
                    .map(|(c, p)| format!("{c} {}", num(*p, 6)))
                    .collect();
                println!(
                    "{} (probabilities: {})",
                    classes[Task::class_of(row)],
                    each.join(", ")
                );
            }
            _ => {
                let shown: Vec<String> = row.iter().map(|&v| num(v, 6)).collect();
                println!("{}", shown.join(","));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut csv = String::new();
    let header: Vec<String> = match &info.task {
        Task::Classification { classes } => std::iter::once("class".to_string())
            .chain(classes.iter().map(|c| format!("p_{c}")))
            .collect(),
        Task::Regression { targets } => targets.iter().map(|t| format!("predicted_{t}")).collect(),
    };
    csv.push_str(&csv_row(&header));
    for row in outputs.chunks_exact(width) {
        let fields: Vec<String> = match &info.task {
            Task::Classification { classes } => {
                std::iter::once(classes[Task::class_of(row)].clone())
                    .chain(Task::probabilities(row).iter().map(|&p| field(p)))
                    .collect()
            }
            Task::Regression { .. } => row.iter().map(|&v| field(v)).collect(),
        };
        csv.push_str(&csv_row(&fields));
    }
    match &args.output {
        Some(path) => {
            write_atomically(path, csv.as_bytes())?;
            eprintln!("wrote {n} predictions to {}", path.display());
        }
        None => print!("{csv}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A number for the CSV: the shortest text that reads back as the same f64, with an exponent
/// when it is very small or very large (`4.2235497410653464e-20`, not `0.0000…42`).
fn field(v: f64) -> String {
    if v == 0.0 || (1e-5..1e15).contains(&v.abs()) {
        v.to_string()
    } else {
        format!("{v:e}")
    }
}

/// One CSV line, quoting fields that need it.
fn csv_row(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    quoted.join(",") + "\n"
}

fn parse_input(input: &str, inputs: usize) -> Result<Vec<f64>> {
    let values: Vec<f64> = input
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
    if values.len() != inputs {
        return config_err!(
            "--input has {} value{}, expected {} (the model's inputs)",
            values.len(),
            if values.len() == 1 { "" } else { "s" },
            inputs
        );
    }
    Ok(values)
}
