//! What the per-epoch path may leave out without changing a run: the history (only a model
//! file reads it), and the set-up of the general optimizer path for plain SGD; and the batch
//! gathered on two threads for a step that uses threads. Each run is checked against an
//! independent computation, bit for bit.

use backprop::{
    Dataset, EpochReport, Network, Optimizer, OptimizerConfig, Plan, Result, Spec, Trainer,
    TrainerConfig,
};
use std::ops::ControlFlow;
use std::path::Path;

fn run(keep_history: bool, epochs: usize) -> (Network<f64>, Trainer<f64>, Vec<EpochReport>) {
    let spec = Spec::worked_example();
    let p = spec.prepare::<f64>(Path::new("")).unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), p.train.len());
    trainer.keep_history = keep_history;
    let plan = Plan {
        epochs,
        ..spec.plan()
    };
    let mut reports = Vec::new();
    let mut observer = |r: &EpochReport, _: &Network<f64>, _: &Trainer<f64>| -> Result<_> {
        reports.push(*r);
        Ok(ControlFlow::Continue(()))
    };
    trainer
        .fit(&mut net, &p.train, None, &p.info, &plan, &mut observer)
        .unwrap();
    (net, trainer, reports)
}

/// The worked example's step written out (the seed notes' arithmetic, in the engine's order of
/// sums): 2-2-1 sigmoid, shared biases, ½(t − o)² averaged over the batch of two, SGD η = 0.5.
fn by_hand(steps: usize) -> [f64; 8] {
    let sigmoid = |z: f64| {
        if z >= 0.0 {
            1.0 / (1.0 + (-z).exp())
        } else {
            let e = z.exp();
            e / (1.0 + e)
        }
    };
    let (x, t) = ([[0.05, 0.10], [0.80, 0.20]], [0.01, 0.99]);
    // w1 w2 w3 w4 b1 w5 w6 b2
    let mut p = [0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60];
    for _ in 0..steps {
        let mut h = [[0.0; 2]; 2];
        let mut zh = [[0.0; 2]; 2];
        let mut o = [0.0; 2];
        for s in 0..2 {
            for u in 0..2 {
                zh[s][u] = (0.0 + x[s][0] * p[2 * u] + x[s][1] * p[2 * u + 1]) + p[4];
                h[s][u] = sigmoid(zh[s][u]);
            }
            o[s] = sigmoid((0.0 + h[s][0] * p[5] + h[s][1] * p[6]) + p[7]);
        }
        // dz of the output: (o − t)/B · o(1 − o)
        let d: Vec<f64> = (0..2)
            .map(|s| (o[s] - t[s]) * (1.0 / 2.0) * o[s] * (1.0 - o[s]))
            .collect();
        let g5 = d[0] * h[0][0] + d[1] * h[1][0];
        let g6 = d[0] * h[0][1] + d[1] * h[1][1];
        let g8 = d[0] + d[1];
        let dh: Vec<[f64; 2]> = (0..2)
            .map(|s| {
                [
                    d[s] * p[5] * h[s][0] * (1.0 - h[s][0]),
                    d[s] * p[6] * h[s][1] * (1.0 - h[s][1]),
                ]
            })
            .collect();
        let mut g = [0.0; 8];
        for u in 0..2 {
            for i in 0..2 {
                g[2 * u + i] = dh[0][u] * x[0][i] + dh[1][u] * x[1][i];
            }
        }
        g[4] = ((0.0 + dh[0][0]) + dh[0][1]) + dh[1][0] + dh[1][1];
        g[5] = g5;
        g[6] = g6;
        g[7] = g8;
        for (p, g) in p.iter_mut().zip(g) {
            *p -= 0.5 * g;
        }
    }
    p
}

#[test]
fn a_run_without_history_trains_the_same_and_keeps_none() {
    let (with_net, with, with_reports) = run(true, 50);
    let (without_net, without, without_reports) = run(false, 50);
    assert_eq!(with.history.len(), 50);
    assert!(without.history.is_empty());
    assert_eq!(with_net.params, without_net.params);
    // The same reports, but for their clock readings.
    let untimed = |r: &EpochReport| {
        (
            r.epoch,
            r.train_loss,
            r.learning_rate,
            r.validation,
            r.stopped_early,
        )
    };
    let a: Vec<_> = with_reports.iter().map(untimed).collect();
    let b: Vec<_> = without_reports.iter().map(untimed).collect();
    assert_eq!(a, b);
    assert_eq!(a.len(), 50);
    // The history a model file keeps is what the observer saw.
    for (h, r) in with.history.iter().zip(&with_reports) {
        assert_eq!(
            (h.epoch, h.train_loss, h.learning_rate),
            (r.epoch, r.train_loss, 0.5)
        );
    }
    // And the run is the worked example's steps written out by hand, bit for bit.
    let want = by_hand(50);
    let got = &without_net.params;
    // The engine's parameter layout: w1..w4, b1 (layer 1), w5, w6, b2 (layer 2).
    assert_eq!(got[..], want[..], "engine {got:?} vs by hand {want:?}");
}

#[test]
fn plain_sgd_is_p_minus_eta_g_on_short_and_long_vectors() {
    // Short vectors take the update alone; from 65,536 values on, the general (chunked) path.
    for n in [3, 70_000] {
        let params: Vec<f32> = (0..n).map(|k| (k % 17) as f32 * 0.25 - 2.0).collect();
        let grads: Vec<f32> = (0..n).map(|k| (k % 5) as f32 * 0.5 - 1.0).collect();
        let mut got = params.clone();
        let mut opt = Optimizer::new(OptimizerConfig::sgd(0.1), n);
        opt.step(&mut got, &grads);
        let eta = 0.1f64 as f32;
        for k in 0..n {
            assert_eq!(got[k], params[k] - eta * grads[k], "n = {n}, k = {k}");
        }
        assert_eq!(opt.steps, 1);
    }
}

/// 784-256-10 at batch 16 uses threads (its batch is gathered on two); on data whose rows are
/// all the same, any order gives the same batches, so the shuffled epoch equals the in-order
/// one bit for bit, and the in-order one reads the rows in place.
#[test]
fn a_batch_gathered_on_two_threads_is_the_batch() {
    let text = "inputs = 784\nloss = \"cross_entropy\"\ndtype = \"f32\"\n[optimizer]\nlearning_rate = 0.01\n\
                [[layers]]\nunits = 256\nactivation = \"relu\"\n[[layers]]\nunits = 10\nactivation = \"softmax\"\n";
    let spec = Spec::parse(text, "spec.toml").unwrap();
    let n = 64;
    let row: Vec<f32> = (0..784).map(|k| (k % 13) as f32 / 13.0).collect();
    let mut target = [0.0f32; 10];
    target[3] = 1.0;
    let x: Vec<f32> = (0..n).flat_map(|_| row.iter().copied()).collect();
    let t: Vec<f32> = (0..n).flat_map(|_| target.iter().copied()).collect();
    let data = Dataset::new(x, t, 784, 10).unwrap();
    let mut results = Vec::new();
    for shuffle in [true, false] {
        let mut net = spec.network::<f32>().unwrap();
        let config = TrainerConfig {
            shuffle,
            batch_size: 16,
            ..TrainerConfig::default()
        };
        let mut trainer = Trainer::new(&net, &config, n);
        assert!(trainer.uses_threads(&net));
        let loss = trainer.epoch(&mut net, &data).unwrap().loss;
        results.push((loss, net.params));
    }
    assert_eq!(results[0], results[1]);
}
