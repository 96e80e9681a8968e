//! Checkpoints and reproducibility: a run resumed from a model file equals the uninterrupted
//! run bit for bit, and the same seed gives the same model.

use backprop::data::DataInfo;
use backprop::model_file::{self, AnyModel};
use backprop::{Dataset, ModelFile, Network, Plan, Result, Spec, Trainer, TrainerConfig};
use std::path::Path;
use std::process::Command;

/// Iris with Adam, shuffling, a cosine schedule and early-stopping bookkeeping: every piece
/// of state a resume must restore.
const SPEC: &str = r#"
inputs = 4
loss = "cross_entropy"
[optimizer]
kind = "adam"
learning_rate = 0.01
[[layers]]
units = 8
activation = "tanh"
[[layers]]
units = 3
activation = "softmax"
[training]
batch_size = 16
epochs = 8
seed = 11
schedule = "cosine"
patience = 100
[data]
path = "builtin:iris"
"#;

struct Run {
    net: Network<f64>,
    trainer: Trainer<f64>,
    train: Dataset<f64>,
    validation: Option<Dataset<f64>>,
    info: DataInfo,
    plan: Plan,
}

fn start(spec: &Spec) -> Run {
    let p = spec.prepare::<f64>(Path::new("")).unwrap();
    let net = spec.network::<f64>().unwrap();
    let trainer = Trainer::new(
        &net,
        &TrainerConfig {
            optimizer: spec.optimizer_config(),
            batch_size: 16,
            shuffle: true,
            seed: spec.training.seed,
        },
        p.train.len(),
    );
    Run {
        net,
        trainer,
        train: p.train,
        validation: p.validation,
        info: p.info,
        plan: spec.plan(),
    }
}

fn fit_until(run: &mut Run, epochs: usize) -> Vec<f64> {
    let mut plan = run.plan;
    plan.epochs = epochs;
    let mut losses = Vec::new();
    let mut observer = |r: &backprop::EpochReport,
                        _: &Network<f64>,
                        _: &Trainer<f64>|
     -> Result<std::ops::ControlFlow<()>> {
        losses.push(r.validation.unwrap().loss);
        Ok(std::ops::ControlFlow::Continue(()))
    };
    run.trainer
        .fit(
            &mut run.net,
            &run.train,
            run.validation.as_ref(),
            &run.info,
            &plan,
            &mut observer,
        )
        .unwrap();
    losses
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one_bit_for_bit() {
    let spec = Spec::parse(SPEC, "spec.toml").unwrap();
    let mut whole = start(&spec);
    let all = fit_until(&mut whole, 8);

    let mut first = start(&spec);
    let early = fit_until(&mut first, 3);
    let model = ModelFile::of_run(&first.net, &first.info, &first.trainer);
    let bytes = model_file::to_bytes_model(&model).unwrap();
    drop(first);

    let AnyModel::F64(saved) = model_file::from_bytes(&bytes).unwrap() else {
        panic!("f64 model")
    };
    let mut second = start(&spec);
    second.net.params.clone_from(&saved.network.params);
    let (state, optimizer) = saved.training().unwrap();
    second.trainer.restore(state, optimizer).unwrap();
    assert_eq!(second.trainer.epochs_done(), 3);
    let late = fit_until(&mut second, 8);

    assert_eq!(
        [early, late].concat(),
        all,
        "validation losses epoch by epoch"
    );
    assert_eq!(second.net.params, whole.net.params);
    assert_eq!(second.trainer.optimizer, whole.trainer.optimizer);
    assert_eq!(
        second.trainer.state.best_validation_loss.to_bits(),
        whole.trainer.state.best_validation_loss.to_bits()
    );
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backprop"))
}

fn train(spec: &Path, extra: &[&str]) {
    let out = bin()
        .arg("train")
        .arg(spec)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn load(path: &Path) -> ModelFile<f64> {
    match model_file::load(path).unwrap() {
        AnyModel::F64(m) => m,
        AnyModel::F32(_) => panic!("expected f64"),
    }
}

#[test]
fn resume_through_the_command_line_matches_and_checkpoints_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    // A cosine schedule depends on the total epochs, so a 3-epoch run is not the start of an
    // 8-epoch one; a step schedule is.
    let step = SPEC.replace("\"cosine\"", "\"step\"\nstep_size = 2\ngamma = 0.5");
    std::fs::write(&spec, step).unwrap();
    let (whole, half, resumed) = (
        dir.path().join("whole.safetensors"),
        dir.path().join("half.safetensors"),
        dir.path().join("resumed.safetensors"),
    );
    train(&spec, &["--epochs", "8", "--save", whole.to_str().unwrap()]);
    // A 3-epoch run that also checkpoints (epoch 2) into the file it saves at the end.
    train(
        &spec,
        &[
            "--epochs",
            "3",
            "--checkpoint-every",
            "2",
            "--save",
            half.to_str().unwrap(),
        ],
    );
    let (h, r) = (half.to_str().unwrap(), resumed.to_str().unwrap());
    train(&spec, &["--epochs", "8", "--resume", h, "--save", r]);
    let (a, b) = (load(&whole), load(&resumed));
    assert_eq!(a.network.params, b.network.params);
    assert_eq!(a.optimizer, b.optimizer);
    assert_eq!(a.metadata.get("training"), b.metadata.get("training"));
    assert!(a.metadata["training"].contains("\"epoch\":8"));
}

#[test]
fn the_same_seed_gives_the_same_model_and_another_seed_another() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    train(&spec, &["--save", &path("a.safetensors")]);
    train(&spec, &["--save", &path("b.safetensors")]);
    train(&spec, &["--seed", "12", "--save", &path("c.safetensors")]);
    let (a, b, c) = (
        load(Path::new(&path("a.safetensors"))),
        load(Path::new(&path("b.safetensors"))),
        load(Path::new(&path("c.safetensors"))),
    );
    assert_eq!(a.network.params, b.network.params);
    assert_eq!(a.tensors, b.tensors, "the same standardisation");
    assert_ne!(a.network.params, c.network.params);
}

/// The model file keeps the spec's learning rate (0.01), not the last scheduled one: after 8
/// cosine epochs the optimizer ran epoch 8 at ½·0.01·(1 + cos(π·7/8)) ≈ 0.00038.
#[test]
fn the_model_file_keeps_the_configured_learning_rate() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let model = dir.path().join("m.safetensors");
    train(&spec, &["--save", model.to_str().unwrap()]);
    let last = 0.5 * 0.01 * (1.0 + (std::f64::consts::PI * 7.0 / 8.0).cos());
    assert!(last < 0.001);
    let AnyModel::F64(m) = model_file::load(&model).unwrap() else {
        panic!("f64 model")
    };
    assert_eq!(m.optimizer.unwrap().config.learning_rate, 0.01);
}
