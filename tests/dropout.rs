//! Dropout: a step with a fixed mask on the worked example, worked by hand; finite differences
//! of the masked network against backprop on a layer large enough for the general passes; and
//! runs that are reproducible from the seed.
#![allow(clippy::needless_range_loop)] // index loops mirror the hand derivation

use backprop::{
    Activation, BiasKind, Dataset, LayerShape, Loss, Network, Spec, Trainer, Workspace,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-13 * (1.0 + b.abs())
}

#[test]
fn worked_example_with_a_fixed_mask() {
    // p = 0.5 on the hidden layer, so a kept unit is scaled by 2. Sample 1 keeps h1 and drops
    // h2, sample 2 drops h1 and keeps h2: M = [[2, 0], [0, 2]].
    let (w1, w2, w3, w4, b1, w5, w6, b2) = (0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60);
    let x = [[0.05, 0.10], [0.80, 0.20]];
    let y = [0.01, 0.99];
    let mask = [[2.0, 0.0], [0.0, 2.0]];
    let mut g = [0.0f64; 8];
    let mut e_total = 0.0;
    for s in 0..2 {
        let [i1, i2] = x[s];
        let h1 = sigmoid(w1 * i1 + w2 * i2 + b1);
        let h2 = sigmoid(w3 * i1 + w4 * i2 + b1);
        // The output layer reads h̃ = h ⊙ m.
        let (d1, d2) = (h1 * mask[s][0], h2 * mask[s][1]);
        let o = sigmoid(w5 * d1 + w6 * d2 + b2);
        e_total += 0.5 * (y[s] - o) * (y[s] - o) / 2.0;
        let d_o = (o - y[s]) * o * (1.0 - o);
        // ∂E/∂h = ∂E/∂h̃ · m, then δ_h = ∂E/∂h · h(1 − h)
        let d_h1 = d_o * w5 * mask[s][0] * h1 * (1.0 - h1);
        let d_h2 = d_o * w6 * mask[s][1] * h2 * (1.0 - h2);
        let per = [
            d_h1 * i1,
            d_h1 * i2,
            d_h2 * i1,
            d_h2 * i2,
            d_h1 + d_h2,
            d_o * d1,
            d_o * d2,
            d_o,
        ];
        for k in 0..8 {
            g[k] += per[k] / 2.0;
        }
    }
    let spec = Spec::worked_example();
    let net = spec.network::<f64>().unwrap();
    let (xs, ts, n) = spec.inline_data().unwrap().unwrap();
    let mut ws = Workspace::new(&net, n);
    ws.set_dropout(&net, &[0.5, 0.0]);
    ws.dropout[0][..4].copy_from_slice(&[2.0, 0.0, 0.0, 2.0]);
    let loss = net.loss_and_gradients(&xs, &ts, n, &mut ws);
    assert!(close(loss, e_total), "{loss} vs {e_total}");
    for k in 0..8 {
        assert!(
            close(ws.grads[k], g[k]),
            "gradient {k}: {} vs {}",
            ws.grads[k],
            g[k]
        );
    }
    // Dropped units pass no gradient: sample 1's h2 and sample 2's h1 have dz = 0.
    assert_eq!(ws.dz[0][1], 0.0);
    assert_eq!(ws.dz[0][2], 0.0);
    // Evaluation (a workspace without masks) sees the whole network, unscaled.
    let mut eval = Workspace::new(&net, n);
    let plain = net.loss_only(&xs, &ts, n, &mut eval);
    assert!((plain - 0.1508668559).abs() < 1e-9);
}

#[test]
fn finite_differences_with_a_mask_on_large_layers() {
    // 20-300-200-3 (products of 8 × 300 × 20 and more: the general passes, not the fused ones),
    // dropout on both hidden layers, the mask fixed: E(θ) is then a plain function of θ.
    let shapes = [
        LayerShape {
            units: 300,
            activation: Activation::Tanh,
            bias: BiasKind::PerUnit,
        },
        LayerShape {
            units: 200,
            activation: Activation::Sigmoid,
            bias: BiasKind::PerUnit,
        },
        LayerShape {
            units: 3,
            activation: Activation::Softmax,
            bias: BiasKind::PerUnit,
        },
    ];
    let mut net = Network::<f64>::new(20, &shapes, Loss::CrossEntropy).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for p in &mut net.params {
        *p = rng.gen_range(-0.2..0.2);
    }
    let batch = 8;
    let x: Vec<f64> = (0..batch * 20).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut t = vec![0.0; batch * 3];
    for b in 0..batch {
        t[b * 3 + b % 3] = 1.0;
    }
    let mut ws = Workspace::new(&net, batch);
    ws.set_dropout(&net, &[0.3, 0.5, 0.0]);
    for (l, p) in [(0usize, 0.3f64), (1, 0.5)] {
        for m in &mut ws.dropout[l] {
            *m = if rng.gen_bool(1.0 - p) {
                1.0 / (1.0 - p)
            } else {
                0.0
            };
        }
    }
    net.loss_and_gradients(&x, &t, batch, &mut ws);
    let grads = ws.grads.clone();
    let h = 1e-6;
    let mut worst = 0.0f64;
    for k in (0..net.params.len()).step_by(97) {
        let saved = net.params[k];
        net.params[k] = saved + h;
        let plus = net.loss_only(&x, &t, batch, &mut ws);
        net.params[k] = saved - h;
        let minus = net.loss_only(&x, &t, batch, &mut ws);
        net.params[k] = saved;
        let numeric = (plus - minus) / (2.0 * h);
        let rel = (grads[k] - numeric).abs() / grads[k].abs().max(numeric.abs()).max(1e-4);
        worst = worst.max(rel);
    }
    assert!(worst < 1e-5, "largest relative error {worst}");
}

fn dropout_spec(rate: f64) -> Spec {
    let text = format!(
        r#"
inputs = 4
loss = "cross_entropy"
dtype = "f64"
[optimizer]
kind = "momentum"
learning_rate = 0.1
[[layers]]
units = 16
activation = "relu"
dropout = {rate}
[[layers]]
units = 3
activation = "softmax"
[training]
batch_size = 10
seed = 5
"#
    );
    Spec::parse(&text, "spec.toml").unwrap()
}

fn run(spec: &Spec, data: &Dataset<f64>, epochs: usize) -> Vec<f64> {
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), data.len());
    trainer.set_dropout(&net, &spec.dropout_rates());
    for _ in 0..epochs {
        trainer.epoch(&mut net, data).unwrap();
    }
    net.params
}

#[test]
fn runs_with_dropout_are_reproducible() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let n = 60;
    let x: Vec<f64> = (0..n * 4).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut t = vec![0.0; n * 3];
    for s in 0..n {
        t[s * 3 + s % 3] = 1.0;
    }
    let data = Dataset::<f64>::from_f64(&x, &t, 4, 3).unwrap();
    let spec = dropout_spec(0.5);
    let a = run(&spec, &data, 3);
    assert_eq!(a, run(&spec, &data, 3), "the same seed, the same masks");
    assert_ne!(
        a,
        run(&dropout_spec(0.0), &data, 3),
        "dropout changes the run"
    );
    // Resuming after epoch 2 of 3 continues with step 12's masks, as the whole run did.
    let mut net = spec.network::<f64>().unwrap();
    let mut first = Trainer::new(&net, &spec.trainer_config(), data.len());
    first.set_dropout(&net, &spec.dropout_rates());
    first.epoch(&mut net, &data).unwrap();
    first.epoch(&mut net, &data).unwrap();
    let mut model = backprop::ModelFile::new(net.clone());
    model.store_training(&first);
    let mut second = Trainer::new(&net, &spec.trainer_config(), data.len());
    second.set_dropout(&net, &spec.dropout_rates());
    let (state, optimizer) = model.training().unwrap();
    second.restore(state, optimizer).unwrap();
    second.epoch(&mut net, &data).unwrap();
    assert_eq!(net.params, a, "resumed run equals the whole run");
}

#[test]
fn dropout_rates_are_checked() {
    let base = backprop::spec::WORKED_EXAMPLE;
    let bad = base.replacen("bias = 0.35", "bias = 0.35\ndropout = 1.0", 1);
    let e = Spec::parse(&bad, "spec.toml").unwrap_err().to_string();
    assert!(e.contains("layer 1") && e.contains("dropout"), "{e}");
    let out = base.replacen("bias = 0.60", "bias = 0.60\ndropout = 0.5", 1);
    let e = Spec::parse(&out, "spec.toml").unwrap_err().to_string();
    assert!(e.contains("output layer"), "{e}");
}

#[test]
fn explain_refuses_what_it_does_not_show_yet() {
    let base = backprop::spec::WORKED_EXAMPLE;
    for (from, to, what) in [
        (
            "kind = \"sgd\"",
            "kind = \"sgd\"\nclip_norm = 1.0",
            "clip_norm",
        ),
        ("kind = \"sgd\"", "kind = \"adamw\"", "adamw"),
        ("kind = \"sgd\"", "kind = \"rmsprop\"", "rmsprop"),
    ] {
        let spec = Spec::parse(&base.replacen(from, to, 1), "spec.toml").unwrap();
        let e = backprop::derivation::Derivation::from_spec(&spec, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains(what), "{e}");
    }
}
