//! `backprop train SPEC.toml`: trains on the spec's data; flags override the spec.

use super::num;
use backprop::{config_err, model_file, Dataset, Float, ModelFile, Result, Spec, Trainer};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file (TOML) with the network, optimizer, training settings and data.
    spec: PathBuf,
    /// Epochs (passes over the data); overrides [training] epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Learning rate; overrides [optimizer] learning_rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Samples per step; overrides [training] batch_size.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Seed of initialisation and shuffling; overrides [training] seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Write the trained model here (safetensors, written atomically).
    #[arg(long)]
    save: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut spec = Spec::from_file(&args.spec)?;
    if let Some(e) = args.epochs {
        spec.training.epochs = e;
    }
    if let Some(lr) = args.lr {
        spec.optimizer.learning_rate = lr;
    }
    if let Some(b) = args.batch_size {
        spec.training.batch_size = Some(b);
    }
    if let Some(s) = args.seed {
        spec.training.seed = s;
    }
    spec.validate().map_err(|e| e.in_file("command line"))?;
    match spec.dtype {
        backprop::Dtype::F32 => train::<f32>(&spec, &args),
        backprop::Dtype::F64 => train::<f64>(&spec, &args),
    }
}

fn train<F: Float>(spec: &Spec, args: &Args) -> Result<ExitCode> {
    let mut net = spec.network::<F>()?;
    let Some((x, t, n)) = spec
        .inline_data()
        .map_err(|e| e.in_file(args.spec.display()))?
    else {
        return config_err!("{}: no [data] to train on", args.spec.display());
    };
    let data = Dataset::<F>::from_f64(&x, &t, net.inputs, net.outputs())?;
    let batch = spec.training.batch_size.unwrap_or(32);
    let mut trainer = Trainer::new(
        &net,
        spec.optimizer_config(),
        batch,
        spec.training.shuffle,
        spec.training.seed,
        n,
    );
    let epochs = spec.training.epochs;
    let every = (epochs / 10).max(1);
    let start = std::time::Instant::now();
    let mut loss = f64::NAN;
    for e in 1..=epochs {
        loss = trainer.epoch(&mut net, &data)?.loss;
        if e % every == 0 || e == 1 || e == epochs {
            println!("epoch {e:>8}  loss {}", num(loss, 6));
        }
    }
    println!(
        "trained {epochs} epochs ({} steps, batch {}) in {:.3} s; last epoch's loss {}",
        trainer.step,
        trainer.batch_size,
        start.elapsed().as_secs_f64(),
        num(loss, 6)
    );
    if let Some(path) = &args.save {
        let mut model = ModelFile::new(net);
        model.optimizer = Some(trainer.optimizer.clone());
        model_file::save(path, &model)?;
        println!("saved {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
