//! `Trainer::fit`: early stopping on the validation loss, and the learning rate of each epoch.

use backprop::{EpochReport, Network, Result, Spec, Trainer, TrainerConfig};
use std::ops::ControlFlow;
use std::path::Path;

fn reports(spec_text: &str) -> Vec<EpochReport> {
    let spec = Spec::parse(spec_text, "spec.toml").unwrap();
    let p = spec.prepare::<f64>(Path::new("")).unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig {
            optimizer: spec.optimizer_config(),
            batch_size: spec.training.batch_size.unwrap_or(32),
            shuffle: true,
            seed: spec.training.seed,
        },
        p.train.len(),
    );
    let plan = spec.plan();
    let mut all = Vec::new();
    let mut observer = |r: &EpochReport, _: &Network<f64>, _: &Trainer<f64>| -> Result<_> {
        all.push(*r);
        Ok(ControlFlow::Continue(()))
    };
    trainer
        .fit(
            &mut net,
            &p.train,
            p.validation.as_ref(),
            &p.info,
            &plan,
            &mut observer,
        )
        .unwrap();
    all
}

#[test]
fn early_stopping_stops_at_the_first_run_of_patience_epochs_without_a_better_loss() {
    // A learning rate this large makes the validation loss wander, so the run stops early.
    let text = include_str!("../examples/05-breast-cancer.toml")
        .replace("learning_rate = 0.001", "learning_rate = 0.05")
        .replace("patience = 10", "patience = 3")
        .replace("epochs = 100", "epochs = 500");
    let r = reports(&text);
    let losses: Vec<f64> = r.iter().map(|r| r.validation.unwrap().loss).collect();
    let patience = 3;
    // Epoch k ends the run when none of epochs k−2..=k beat the best loss before them.
    let stale = |k: usize| {
        k >= patience && {
            let best = losses[..=k - patience]
                .iter()
                .cloned()
                .fold(f64::INFINITY, f64::min);
            losses[k + 1 - patience..=k].iter().all(|&l| l >= best)
        }
    };
    let last = r.len() - 1;
    assert!(r.len() < 500, "it stopped early");
    assert!(r[last].stopped_early);
    assert!(stale(last));
    assert!((0..last).all(|k| !stale(k) && !r[k].stopped_early));
}

#[test]
fn the_step_schedule_sets_each_epochs_rate() {
    let r = reports(include_str!("../examples/07-diabetes.toml"));
    // η = 0.003, ×0.1 every 50 epochs.
    assert_eq!(r.len(), 100);
    assert!(r[..50].iter().all(|r| r.learning_rate == 0.003));
    assert!(r[50..]
        .iter()
        .all(|r| (r.learning_rate - 0.0003).abs() < 1e-18));
}
