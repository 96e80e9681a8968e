//! Optimizers against steps derived by hand, mini-batching (batch size 1, a partial last batch),
//! reproducibility.

use backprop::{
    Activation, BiasKind, Dataset, LayerShape, Loss, Network, Optimizer, OptimizerConfig,
    OptimizerKind, Trainer, TrainerConfig, Workspace,
};

fn run(config: OptimizerConfig) -> Vec<[f64; 2]> {
    let mut opt = Optimizer::<f64>::new(config, 2);
    let mut p = [1.0, -2.0];
    let mut out = Vec::new();
    for g in [[0.5, -1.0], [0.25, 2.0]] {
        opt.step(&mut p, &g);
        out.push(p);
    }
    out
}

fn assert_close(got: &[[f64; 2]], want: &[[f64; 2]]) {
    for (g, w) in got.iter().zip(want) {
        for k in 0..2 {
            assert!((g[k] - w[k]).abs() < 1e-14, "{got:?} vs {want:?}");
        }
    }
}

#[test]
fn sgd_two_steps_by_hand() {
    // p ← p − 0.1·g
    let want = [[1.0 - 0.05, -2.0 + 0.1], [0.95 - 0.025, -1.9 - 0.2]];
    assert_close(&run(OptimizerConfig::sgd(0.1)), &want);
}

#[test]
fn momentum_two_steps_by_hand() {
    // PyTorch's convention: v ← 0.9·v + g (v₀ = 0), p ← p − 0.1·v
    // v₁ = [0.5, −1.0];  p₁ = [0.95, −1.9]
    // v₂ = 0.9·[0.5, −1.0] + [0.25, 2.0] = [0.7, 1.1];  p₂ = [0.95 − 0.07, −1.9 − 0.11]
    let want = [[0.95, -1.9], [0.88, -2.01]];
    let config = OptimizerConfig::new(OptimizerKind::Momentum, 0.1);
    assert_close(&run(config), &want);
}

#[test]
fn adam_two_steps_by_hand() {
    // β₁ = 0.9, β₂ = 0.999, ε = 1e-8, η = 0.1 (PyTorch's defaults but η)
    let eps = 1e-8;
    // step 1: m = 0.1·g, v = 0.001·g²; m̂ = m/(1−0.9) = g, v̂ = v/(1−0.999) = g²
    //         p₁ = p₀ − 0.1·g/(|g| + ε)
    let p1 = [
        1.0 - 0.1 * 0.5 / (0.5 + eps),
        -2.0 + 0.1 * 1.0 / (1.0 + eps),
    ];
    // step 2: m = 0.9·[0.05, −0.1] + 0.1·[0.25, 2.0] = [0.07, 0.11]
    //         v = 0.999·[0.00025, 0.001] + 0.001·[0.0625, 4.0] = [0.00031225, 0.004999]
    //         m̂ = m/(1 − 0.9²) = m/0.19,  v̂ = v/(1 − 0.999²) = v/0.001999
    let m = [0.07, 0.11];
    let v = [0.00031225, 0.004999];
    let p2 = [
        p1[0] - 0.1 * (m[0] / 0.19) / ((v[0] / 0.001999f64).sqrt() + eps),
        p1[1] - 0.1 * (m[1] / 0.19) / ((v[1] / 0.001999f64).sqrt() + eps),
    ];
    let config = OptimizerConfig::new(OptimizerKind::Adam, 0.1);
    let got = run(config);
    for (g, w) in got.iter().zip([p1, p2]) {
        for k in 0..2 {
            assert!((g[k] - w[k]).abs() < 1e-12, "{got:?} vs {p1:?} {p2:?}");
        }
    }
}

fn small_net() -> (Network<f64>, Dataset<f64>) {
    let shapes = [
        LayerShape {
            units: 3,
            activation: Activation::Tanh,
            bias: BiasKind::PerUnit,
        },
        LayerShape {
            units: 2,
            activation: Activation::Linear,
            bias: BiasKind::Shared,
        },
    ];
    let mut net = Network::<f64>::new(2, &shapes, Loss::Mse).unwrap();
    for (k, p) in net.params.iter_mut().enumerate() {
        *p = ((k * 37 % 11) as f64 - 5.0) / 10.0;
    }
    let x: Vec<f64> = (0..10).map(|k| (k as f64 * 0.7).sin()).collect();
    let t: Vec<f64> = (0..10).map(|k| (k as f64 * 0.3).cos()).collect();
    (net, Dataset::new(x, t, 2, 2).unwrap())
}

/// Plain SGD over consecutive batches of `batch` (the last one possibly smaller), by hand.
fn manual_epoch(net: &mut Network<f64>, data: &Dataset<f64>, batch: usize, lr: f64) -> f64 {
    let n = data.len();
    let mut ws = Workspace::new(net, batch);
    let mut weighted = 0.0;
    let mut start = 0;
    while start < n {
        let b = batch.min(n - start);
        let x = &data.x[start * 2..(start + b) * 2];
        let t = &data.t[start * 2..(start + b) * 2];
        weighted += net.loss_and_gradients(x, t, b, &mut ws) * b as f64;
        for (p, g) in net.params.iter_mut().zip(ws.gradients()) {
            *p -= lr * g;
        }
        start += b;
    }
    weighted / n as f64
}

#[test]
fn partial_last_batch_and_batch_size_one() {
    for batch in [1, 2, 3, 5, 7] {
        let (mut net, data) = small_net();
        let mut expected = net.clone();
        let mut trainer = Trainer::new(
            &net,
            &TrainerConfig::in_order(OptimizerConfig::sgd(0.1), batch),
            data.len(),
        );
        let stats = trainer.epoch(&mut net, &data).unwrap();
        let want_loss = manual_epoch(&mut expected, &data, batch, 0.1);
        assert_eq!(stats.steps, data.len().div_ceil(batch.min(data.len())));
        assert!((stats.loss - want_loss).abs() < 1e-14);
        assert_eq!(net.params, expected.params, "batch {batch}");
    }
}

#[test]
fn a_partial_batch_is_averaged_over_its_own_size() {
    // 5 samples, batch 2: the last batch holds sample 5 alone, and its gradient is that sample's
    // own gradient (divided by 1, not by 2).
    let (net, data) = small_net();
    let mut ws = Workspace::new(&net, 2);
    let (x, t) = data.sample(4);
    net.loss_and_gradients(x, t, 1, &mut ws);
    let alone = ws.gradients().to_vec();
    // the same sample duplicated into a batch of two has the same mean gradient
    let x2 = [x, x].concat();
    let t2 = [t, t].concat();
    net.loss_and_gradients(&x2, &t2, 2, &mut ws);
    for (a, b) in alone.iter().zip(ws.gradients()) {
        assert!((a - b).abs() < 1e-15);
    }
}

#[test]
fn shuffled_training_is_reproducible_and_seed_dependent() {
    let train = |seed: u64| {
        let (mut net, data) = small_net();
        let config = OptimizerConfig::new(OptimizerKind::Adam, 0.01);
        let mut trainer = Trainer::new(
            &net,
            &TrainerConfig {
                optimizer: config,
                batch_size: 2,
                shuffle: true,
                seed,
            },
            data.len(),
        );
        for _ in 0..5 {
            trainer.epoch(&mut net, &data).unwrap();
        }
        net.params
    };
    assert_eq!(train(7), train(7));
    assert_ne!(train(7), train(8));
}

#[test]
fn training_reduces_the_loss_of_the_worked_example() {
    let spec = backprop::Spec::worked_example();
    let mut net = spec.network::<f64>().unwrap();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let data = Dataset::from_f64(&x, &t, 2, 1).unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), n),
        n,
    );
    let first = trainer.epoch(&mut net, &data).unwrap().loss;
    let mut last = first;
    for _ in 0..10_000 {
        last = trainer.epoch(&mut net, &data).unwrap().loss;
    }
    assert!(last < first / 100.0, "{first} → {last}");
}

#[test]
fn a_diverging_run_stops_with_a_message_naming_where() {
    let (mut net, data) = small_net();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(OptimizerConfig::sgd(1e150), 5),
        data.len(),
    );
    let mut err = None;
    for _ in 0..100 {
        if let Err(e) = trainer.epoch(&mut net, &data) {
            err = Some(e.to_string());
            break;
        }
    }
    let msg = err.expect("a learning rate of 1e150 diverges");
    assert!(
        msg.contains("epoch") && msg.contains("step") && msg.contains("layer"),
        "{msg}"
    );
}
