//! `backprop evaluate MODEL.safetensors --data FILE.csv` (or `--data IMAGES --labels LABELS`,
//! MNIST's IDX files): the loss and accuracy (classifier, with the per-class precision and
//! recall) or RMSE (regression) of a saved model on labelled data.

use super::progress::metric_text;
use super::{num, report};
use backprop::data;
use backprop::metrics::{self, Confusion};
use backprop::{model_file, AnyModel, Dataset, Float, ModelFile, Result, Workspace};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A model file written by `backprop train --save`.
    model: PathBuf,
    /// A CSV file with a header row, the model's feature columns and its target column(s).
    /// `builtin:NAME` reads a built-in data set. With `--labels`: an IDX images file (raw or
    /// gzip), such as MNIST's t10k-images-idx3-ubyte.gz.
    #[arg(long, value_name = "FILE.csv")]
    data: String,
    /// The IDX labels file of the images in `--data` (such as t10k-labels-idx1-ubyte.gz).
    #[arg(long, value_name = "FILE")]
    labels: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match model_file::load(&args.model)? {
        AnyModel::F32(m) => evaluate(&m, &args),
        AnyModel::F64(m) => evaluate(&m, &args),
    }
}

fn evaluate<F: Float>(model: &ModelFile<F>, args: &Args) -> Result<ExitCode> {
    let info = model
        .data_info()
        .map_err(|e| e.in_file(args.model.display()))?;
    let net = &model.network;
    let (mut x, mut t) = match &args.labels {
        Some(labels) => {
            let images = Path::new(&args.data);
            data::idx_for_model(&info, images, labels, net.inputs, net.outputs())?
        }
        None if data::idx::looks_like_idx(Path::new(&args.data)) => {
            return backprop::config_err!(
                "--data {} is an IDX images file: give its labels with --labels FILE",
                args.data
            );
        }
        None => {
            let table = data::read_csv(&args.data, Path::new(""))?;
            (
                info.csv_features(&table)?,
                info.csv_targets(&table, net.outputs())?,
            )
        }
    };
    info.scale_features(&mut x);
    info.scale_targets(&mut t);
    let conv = |v: &[f64]| v.iter().map(|&v| F::from_f64(v)).collect::<Vec<F>>();
    let set = Dataset::new(conv(&x), conv(&t), net.inputs, net.outputs())?;
    let mut ws = Workspace::new(net, set.len().min(metrics::CHUNK));
    let m = metrics::evaluate(net, &set, &info, &mut ws);
    println!(
        "{} ({}): loss {}{}",
        args.data,
        super::count(m.samples, "sample"),
        num(m.loss, 6),
        metric_text(&m, "")
    );
    if let Some(classes) = info.task.classes() {
        let outputs = metrics::outputs(net, &set, &mut ws);
        report::per_class_table(
            classes,
            &Confusion::new(&outputs, &t, net.outputs(), classes.len()),
        );
    }
    Ok(ExitCode::SUCCESS)
}
