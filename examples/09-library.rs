//! The library from Rust: load a built-in data set, build a network from a spec, train it with
//! early stopping and a schedule, measure it on the test rows, save it, and predict one sample.
//!
//!     cargo run --release --example 09-library

use backprop::{
    metrics, model_file, Confusion, EpochReport, ModelFile, Network, Result, Spec, Task, Trainer,
    Workspace,
};
use std::ops::ControlFlow;
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
    let data = spec.prepare::<f64>(Path::new("."))?;
    println!(
        "iris: {} training, {} validation, {} test rows",
        data.train.len(),
        data.validation.as_ref().map_or(0, |v| v.len()),
        data.test.as_ref().map_or(0, |t| t.len())
    );

    let mut net = spec.network::<f64>()?;
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), data.train.len());
    let plan = spec.plan();
    // The observer sees every epoch's report (and may stop the run); the library itself
    // prints nothing.
    let mut observer = |r: &EpochReport, _: &Network<f64>, _: &Trainer<f64>| {
        if r.epoch.is_multiple_of(10) {
            let v = r.validation.expect("a validation split");
            println!(
                "epoch {:>3}  training loss {:.4}  validation loss {:.4}  accuracy {:.3}",
                r.epoch,
                r.train_loss,
                v.loss,
                v.accuracy.unwrap_or(f64::NAN)
            );
        }
        Ok(ControlFlow::Continue(()))
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
    let model = ModelFile::of_run(&net, &data.info, &trainer);
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
