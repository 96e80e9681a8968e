//! Runs as a whole: a run stopped and resumed to its full length equals the uninterrupted run
//! bit for bit (schedule, warm-up, dropout, weight decay and all), history included; early
//! stopping puts back the best validation epoch's parameters.

use backprop::{
    model_file, AnyModel, EpochReport, ModelFile, Network, Plan, Prepared, Result, Spec, Trainer,
};
use std::ops::ControlFlow;
use std::path::Path;

/// Iris with most of what a run can carry: cosine after a warm-up, dropout, AdamW.
const SPEC: &str = r#"
inputs = 4
loss = "cross_entropy"
dtype = "f64"
[optimizer]
kind = "adamw"
learning_rate = 0.01
clip_norm = 1.0
[[layers]]
units = 16
activation = "relu"
dropout = 0.2
[[layers]]
units = 3
activation = "softmax"
[training]
batch_size = 16
epochs = 12
warmup = 2
schedule = "cosine"
seed = 3
[data]
path = "builtin:iris"
target = "label"
"#;

fn setup(text: &str) -> (Spec, Prepared<f64>, Network<f64>, Trainer<f64>) {
    let spec = Spec::parse(text, "spec.toml").unwrap();
    let p = spec.prepare::<f64>(Path::new("")).unwrap();
    let net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), p.train.len());
    trainer.set_dropout(&net, &spec.dropout_rates());
    (spec, p, net, trainer)
}

fn fit(
    trainer: &mut Trainer<f64>,
    net: &mut Network<f64>,
    p: &Prepared<f64>,
    plan: &Plan,
    seen: &mut Vec<(EpochReport, Vec<f64>)>,
) {
    let mut observer =
        |r: &EpochReport, n: &Network<f64>, _: &Trainer<f64>| -> Result<ControlFlow<()>> {
            seen.push((*r, n.params.clone()));
            Ok(ControlFlow::Continue(()))
        };
    trainer
        .fit(
            net,
            &p.train,
            p.validation.as_ref(),
            &p.info,
            plan,
            &mut observer,
        )
        .unwrap();
}

#[test]
fn a_stopped_run_resumed_to_its_length_equals_the_whole_run() {
    let (spec, p, mut whole_net, mut whole) = setup(SPEC);
    let plan = spec.plan();
    let mut seen = Vec::new();
    fit(&mut whole, &mut whole_net, &p, &plan, &mut seen);
    assert_eq!(whole.epochs_done(), 12);
    // Warm-up then cosine, as the rates of the reports say: 0.005, 0.01, then
    // ½·0.01·(1 + cos(π·k/10)) for k = 0..9.
    let rates: Vec<f64> = seen.iter().map(|(r, _)| r.learning_rate).collect();
    assert_eq!(rates[..2], [0.005, 0.01]);
    for (k, &r) in rates[2..].iter().enumerate() {
        let want = 0.005 * (1.0 + (std::f64::consts::PI * k as f64 / 10.0).cos());
        assert!((r - want).abs() < 1e-17, "epoch {}: {r} vs {want}", k + 3);
    }

    // The same run stopped after 5 epochs, saved, loaded and resumed to 12.
    let (_, _, mut net, mut first) = setup(SPEC);
    let mut stopped = plan;
    stopped.stop_after = Some(5);
    fit(&mut first, &mut net, &p, &stopped, &mut Vec::new());
    assert_eq!(first.epochs_done(), 5);
    let mut model = ModelFile::new(net.clone());
    model.store_training(&first);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.safetensors");
    model_file::save(&path, &model).unwrap();
    let AnyModel::F64(loaded) = model_file::load(&path).unwrap() else {
        panic!("an f64 model")
    };
    let (_, _, mut net, mut resumed) = setup(SPEC);
    net.params.clone_from(&loaded.network.params);
    let (state, optimizer) = loaded.training().unwrap();
    resumed.restore(state, optimizer).unwrap();
    (resumed.history, resumed.best_params) = loaded.run_history().unwrap();
    assert_eq!(resumed.state.planned_epochs, Some(12));
    fit(&mut resumed, &mut net, &p, &plan, &mut Vec::new());
    assert_eq!(net.params, whole_net.params, "bit for bit");
    assert_eq!(resumed.steps_done(), whole.steps_done());
    assert_eq!(resumed.optimizer.first, whole.optimizer.first);
    assert_eq!(resumed.optimizer.second, whole.optimizer.second);
    // The history covers all 12 epochs, the first 5 carried in the file.
    assert_eq!(resumed.history.len(), 12);
    assert_eq!(resumed.history, whole.history);
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    // A learning rate this large makes the validation loss wander, so the run stops early.
    let text = include_str!("../examples/05-breast-cancer.toml")
        .replace("learning_rate = 0.001", "learning_rate = 0.05")
        .replace("patience = 10", "patience = 3")
        .replace("epochs = 100", "epochs = 500");
    for restore in [true, false] {
        let (spec, p, mut net, mut trainer) = setup(&text);
        let mut plan = spec.plan();
        plan.restore_best = restore;
        let mut seen = Vec::new();
        fit(&mut trainer, &mut net, &p, &plan, &mut seen);
        let (last, _) = seen.last().unwrap();
        assert!(last.stopped_early);
        // The best epoch is the one of the lowest validation loss (the first, on ties).
        let losses: Vec<f64> = seen
            .iter()
            .map(|(r, _)| r.validation.unwrap().loss)
            .collect();
        let best = (0..losses.len())
            .min_by(|&a, &b| losses[a].total_cmp(&losses[b]).then(a.cmp(&b)))
            .unwrap();
        assert_eq!(trainer.state.best_epoch, Some(best));
        assert!(best + 3 == losses.len() - 1, "patience 3 after the best");
        if restore {
            assert_eq!(trainer.restored_best, Some(best));
            assert_eq!(net.params, seen[best].1, "the best epoch's parameters");
        } else {
            assert_eq!(trainer.restored_best, None);
            let mut again = Vec::new();
            let (_, _, mut net2, mut t2) = setup(&text);
            let mut plan2 = plan;
            plan2.stop_after = Some(losses.len());
            plan2.patience = None;
            fit(&mut t2, &mut net2, &p, &plan2, &mut again);
            assert_eq!(net.params, net2.params, "the last epoch's parameters");
            assert_ne!(net.params, seen[best].1);
        }
    }
}
