//! The library from Rust: load a built-in data set, build a network from a spec, train it with
//! early stopping and a schedule, measure it on the test rows, save it, and predict one sample.
//!
//!     cargo run --release --example 09-library

use backprop::data::{self, Task};
use backprop::metrics::{self, Confusion};
use backprop::{
    model_file, EpochReport, ModelFile, Network, Plan, Result, Spec, Trainer, Workspace,
};
use std::path::Path;

const SPEC: &str = r#"
inputs = 4
loss = "cross_entropy"

[optimizer]
kind = "adam"
learning_rate = 0.01

[[layers]]
units = 16
activation = "tanh"

[[layers]]
units = 3
activation = "softmax"

[training]
batch_size = 16
epochs = 60
seed = 3
patience = 20

[data]
path = "builtin:iris"
classes = ["setosa", "versicolor", "virginica"]
"#;

fn main() -> Result<()> {
    // The spec: network, optimizer, training plan, data.
    let spec = Spec::parse(SPEC, "09-library")?;
    // Load, split and standardise the data (paths would be relative to the given folder).
    let data = data::prepare::<f64>(&spec, Path::new("."))?;
    println!(
        "iris: {} training, {} validation, {} test rows",
        data.train.len(),
        data.validation.as_ref().map_or(0, |v| v.len()),
        data.test.as_ref().map_or(0, |t| t.len())
    );

    let mut net = spec.network::<f64>()?;
    let mut trainer = Trainer::new(
        &net,
        spec.optimizer_config(),
        spec.training.batch_size.unwrap_or(32),
        spec.training.shuffle,
        spec.training.seed,
        data.train.len(),
    );
    let plan = Plan::from_spec(&spec.training, spec.optimizer.learning_rate);
    // The observer sees every epoch's report; the library itself prints nothing.
    let mut observer = |r: &EpochReport, _: &Network<f64>, _: &Trainer<f64>| -> Result<()> {
        if (r.epoch + 1).is_multiple_of(10) {
            let v = r.validation.expect("a validation split");
            println!(
                "epoch {:>3}  training loss {:.4}  validation loss {:.4}  accuracy {:.3}",
                r.epoch + 1,
                r.train_loss,
                v.loss,
                v.accuracy.unwrap_or(f64::NAN)
            );
        }
        Ok(())
    };
    trainer.fit(
        &mut net,
        &data.train,
        data.validation.as_ref(),
        &data.info,
        &plan,
        &mut observer,
    )?;

    // Test metrics and the confusion matrix.
    let test = data.test.as_ref().expect("a test split");
    let mut ws = Workspace::new(&net, test.len());
    let m = metrics::evaluate(&net, test, &data.info, &mut ws);
    println!(
        "test accuracy {:.4} on {} samples",
        m.accuracy.unwrap_or(0.0),
        m.samples
    );
    let outputs = metrics::outputs(&net, test, &mut ws);
    let targets: Vec<f64> = test.t.clone();
    let confusion = Confusion::new(&outputs, &targets, 3, 3);
    println!(
        "confusion matrix (rows: actual, columns: predicted): {:?}",
        confusion.counts
    );

    // Save: parameters, the data's names and standardisation, the trainer's state.
    let mut model = ModelFile::new(net.clone());
    data.info.store(&mut model);
    trainer.store(&mut model);
    let path = std::env::temp_dir().join("09-library-iris.safetensors");
    model_file::save(&path, &model)?;
    println!("saved {}", path.display());

    // Predict one flower: standardise as in training, forward, name the class.
    let mut flower = [6.3, 3.3, 6.0, 2.5];
    data.info.scale_features(&mut flower);
    let mut one = Workspace::new(&net, 1);
    let p = net.forward(&flower, 1, &mut one).to_vec();
    let classes = data.info.task.classes().expect("a classifier");
    println!(
        "6.3, 3.3, 6.0, 2.5 → {} (p = {:.3})",
        classes[Task::class_of(&p)],
        p[Task::class_of(&p)]
    );
    Ok(())
}
