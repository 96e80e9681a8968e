//! Dropout on the inputs (`input_dropout`): the worked example's step derived by hand with the
//! mask the engine draws; a dropped input's weights left as they were; the masks' share and
//! scale; runs reproducible, resumable and independent of the layers' masks; the rate checked;
//! `explain` refusing what it does not write out.
#![allow(clippy::needless_range_loop)] // index loops mirror the hand derivation

use backprop::{Dataset, InputDropout, Spec, Trainer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The worked example (2-2-1 sigmoid, shared biases, half_sse, SGD η = 0.5, two samples) with
/// `input_dropout = p` and `[training] seed`.
fn worked(p: f64, seed: u64) -> Spec {
    let text = backprop::spec::WORKED_EXAMPLE
        .replacen("inputs = 2", &format!("inputs = 2\ninput_dropout = {p}"), 1)
        .replacen(
            "shuffle = false",
            &format!("shuffle = false\nseed = {seed}"),
            1,
        );
    Spec::parse(&text, "worked example with input dropout").unwrap()
}

/// A trainer as `backprop train` builds it.
fn trainer_of(spec: &Spec, net: &backprop::Network<f64>, n: usize) -> Trainer<f64> {
    let mut t = Trainer::new(net, &spec.trainer_config(), n);
    spec.apply_dropout(&mut t, net);
    t
}

#[test]
fn the_worked_examples_step_with_the_engines_input_mask_by_hand() {
    let p = 0.5;
    // A seed whose first mask keeps some inputs and drops others.
    let (seed, kept) = (0..100)
        .map(|seed| {
            let kept = InputDropout::new(p, seed).unwrap().kept(0, 2, 2);
            (seed, kept)
        })
        .find(|(_, k)| k.iter().any(|&b| b) && k.iter().any(|&b| !b))
        .unwrap();
    let spec = worked(p, seed);
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = trainer_of(&spec, &net, 2);
    assert_eq!(
        trainer.input_dropout.as_ref().unwrap().kept(0, 2, 2),
        kept,
        "the trainer draws from the spec's seed"
    );
    let x = [0.05, 0.10, 0.80, 0.20];
    let t = [0.01, 0.99];
    let loss = trainer.step(&mut net, &x, &t, 2).unwrap();

    // By hand: x̃ = m·x/(1 − p), then the worked example's chain rule on x̃.
    let (w1, w2, w3, w4, b1, w5, w6, b2) = (0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60);
    let mut g = [0.0f64; 8];
    let mut e_total = 0.0;
    for s in 0..2 {
        let m = |i: usize| {
            if kept[s * 2 + i] {
                1.0 / (1.0 - p)
            } else {
                0.0
            }
        };
        let (i1, i2) = (x[s * 2] * m(0), x[s * 2 + 1] * m(1));
        let h1 = sigmoid(w1 * i1 + w2 * i2 + b1);
        let h2 = sigmoid(w3 * i1 + w4 * i2 + b1);
        let o = sigmoid(w5 * h1 + w6 * h2 + b2);
        e_total += 0.5 * (t[s] - o) * (t[s] - o) / 2.0;
        let d_o = (o - t[s]) * o * (1.0 - o) / 2.0;
        let d_h1 = d_o * w5 * h1 * (1.0 - h1);
        let d_h2 = d_o * w6 * h2 * (1.0 - h2);
        for (k, v) in [
            d_h1 * i1,
            d_h1 * i2,
            d_h2 * i1,
            d_h2 * i2,
            d_h1 + d_h2,
            d_o * h1,
            d_o * h2,
            d_o,
        ]
        .into_iter()
        .enumerate()
        {
            g[k] += v;
        }
    }
    assert!((loss - e_total).abs() < 1e-15, "{loss} vs {e_total}");
    let before = [w1, w2, w3, w4, b1, w5, w6, b2];
    for k in 0..8 {
        let expected = before[k] - 0.5 * g[k];
        assert!(
            (net.params[k] - expected).abs() < 1e-15,
            "parameter {k}: {} vs {expected}",
            net.params[k]
        );
    }
}

/// A 6-input network trained by plain SGD on one sample a step: a dropped input's first-layer
/// weights get no gradient (∂E/∂w_ui = dz_u·x̃_i = 0), so they stay exactly as they were, and
/// the kept inputs' move.
#[test]
fn a_dropped_input_leaves_its_weights_as_they_were() {
    let text = r#"
inputs = 6
input_dropout = 0.5
loss = "cross_entropy"
dtype = "f64"
[optimizer]
kind = "sgd"
learning_rate = 0.3
[[layers]]
units = 5
activation = "tanh"
[[layers]]
units = 3
activation = "softmax"
[training]
batch_size = 1
shuffle = false
seed = 3
"#;
    let spec = Spec::parse(text, "spec.toml").unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = trainer_of(&spec, &net, 1);
    let x = [0.9, -0.4, 0.3, 1.2, -0.7, 0.5];
    let t = [0.0, 1.0, 0.0];
    let (mut dropped_seen, mut kept_seen) = (0, 0);
    for step in 0..8 {
        let kept = trainer.input_dropout.as_ref().unwrap().kept(step, 1, 6);
        let before = net.weights(0).to_vec();
        trainer.step(&mut net, &x, &t, 1).unwrap();
        let after = net.weights(0);
        for u in 0..5 {
            for i in 0..6 {
                let (b, a) = (before[u * 6 + i], after[u * 6 + i]);
                if kept[i] {
                    assert_ne!(a, b, "step {step}: unit {u}, kept input {i} did not move");
                    kept_seen += 1;
                } else {
                    assert_eq!(a, b, "step {step}: unit {u}, dropped input {i} moved");
                    dropped_seen += 1;
                }
            }
        }
    }
    assert!(dropped_seen > 0 && kept_seen > 0);
}

#[test]
fn masks_keep_one_minus_p_and_scale_what_they_keep() {
    let p = 0.2;
    let d = InputDropout::new(p, 9).unwrap();
    assert!(InputDropout::new(0.0, 9).is_none(), "a rate of 0 is none");
    let x: Vec<f64> = (0..20_000).map(|i| 1.0 + (i % 7) as f64).collect();
    let mut out = vec![f64::NAN; x.len()];
    d.apply(4, &x, &mut out);
    let kept = d.kept(4, 2_000, 10);
    let share = kept.iter().filter(|&&k| k).count() as f64 / kept.len() as f64;
    // 20,000 draws: the share's standard deviation is 0.0028.
    assert!((share - (1.0 - p)).abs() < 0.012, "{share}");
    for ((&v, &o), &k) in x.iter().zip(&out).zip(&kept) {
        let expected = if k { v / (1.0 - p) } else { 0.0 };
        assert!(
            (o - expected).abs() <= 1e-15 * expected,
            "{o} vs {expected}"
        );
    }
    assert_ne!(d.kept(5, 2_000, 10), kept, "each step draws its own mask");
}

fn three_class_spec(input_dropout: f64, layer_dropout: f64) -> Spec {
    let text = format!(
        r#"
inputs = 4
input_dropout = {input_dropout}
loss = "cross_entropy"
dtype = "f64"
[optimizer]
kind = "momentum"
learning_rate = 0.1
[[layers]]
units = 16
activation = "relu"
dropout = {layer_dropout}
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

fn data() -> Dataset<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let n = 60;
    let x: Vec<f64> = (0..n * 4).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut t = vec![0.0; n * 3];
    for s in 0..n {
        t[s * 3 + s % 3] = 1.0;
    }
    Dataset::<f64>::from_f64(&x, &t, 4, 3).unwrap()
}

fn run(spec: &Spec, data: &Dataset<f64>, epochs: usize) -> Vec<f64> {
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = trainer_of(spec, &net, data.len());
    for _ in 0..epochs {
        trainer.epoch(&mut net, data).unwrap();
    }
    net.params
}

#[test]
fn runs_with_input_dropout_are_reproducible_and_resume_exactly() {
    let data = data();
    let spec = three_class_spec(0.2, 0.5);
    let a = run(&spec, &data, 3);
    assert_eq!(a, run(&spec, &data, 3), "the same seed, the same masks");
    assert_ne!(a, run(&three_class_spec(0.0, 0.5), &data, 3));
    // The layers' masks do not depend on whether the inputs have dropout: a network whose
    // inputs are all kept (p → 0 is off, so compare the draws themselves).
    let net = spec.network::<f64>().unwrap();
    let with = trainer_of(&spec, &net, data.len());
    let without = trainer_of(&three_class_spec(0.0, 0.5), &net, data.len());
    assert_eq!(
        with.dropout.as_ref().unwrap().kept(7, 10, &[16, 3]),
        without.dropout.as_ref().unwrap().kept(7, 10, &[16, 3])
    );
    // Resumed after epoch 2 of 3: step 12's input mask, as in the whole run.
    let mut net = spec.network::<f64>().unwrap();
    let mut first = trainer_of(&spec, &net, data.len());
    first.epoch(&mut net, &data).unwrap();
    first.epoch(&mut net, &data).unwrap();
    let mut model = backprop::ModelFile::new(net.clone());
    model.store_training(&first);
    let mut second = trainer_of(&spec, &net, data.len());
    let (state, optimizer) = model.training().unwrap();
    second.restore(state, optimizer).unwrap();
    second.epoch(&mut net, &data).unwrap();
    assert_eq!(net.params, a, "resumed run equals the whole run");
}

#[test]
fn the_rate_is_checked_and_explain_says_what_it_does_not_write_out() {
    let base = backprop::spec::WORKED_EXAMPLE;
    for bad in ["1.0", "-0.1", "1.5"] {
        let text = base.replacen(
            "inputs = 2",
            &format!("inputs = 2\ninput_dropout = {bad}"),
            1,
        );
        let e = Spec::parse(&text, "spec.toml").unwrap_err().to_string();
        assert!(
            e.contains("input_dropout") && e.contains("[0, 1)"),
            "{bad}: {e}"
        );
    }
    let spec = worked(0.2, 1);
    let e = backprop::derivation::Derivation::from_spec(&spec, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("input_dropout"), "{e}");
    // Off (0) is as if it were left out.
    let spec = worked(0.0, 1);
    assert!(backprop::derivation::Derivation::from_spec(&spec, None).is_ok());
}
