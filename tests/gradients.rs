//! Backprop against central finite differences on random networks: every activation × loss ×
//! {shared, per-unit bias}, random shapes and batches; f32 against f64; the batch gradient as
//! the mean of per-sample gradients.

use backprop::{Activation, BiasKind, LayerShape, Loss, Network, Workspace};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HIDDEN: [Activation; 5] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu,
    Activation::Linear,
];

/// A random network, batch and targets suited to the loss.
struct Case {
    net: Network<f64>,
    x: Vec<f64>,
    t: Vec<f64>,
    batch: usize,
}

fn make_case(seed: u64, loss: Loss, output: Activation, bias: BiasKind) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let inputs = rng.gen_range(1..=4);
    let hidden_layers = rng.gen_range(0..=2);
    let mut shapes = Vec::new();
    for _ in 0..hidden_layers {
        shapes.push(LayerShape {
            units: rng.gen_range(1..=4),
            activation: HIDDEN[rng.gen_range(0..HIDDEN.len())],
            bias: if rng.gen() { BiasKind::Shared } else { bias },
        });
    }
    let outputs = if output == Activation::Softmax {
        rng.gen_range(2..=4)
    } else {
        rng.gen_range(1..=3)
    };
    shapes.push(LayerShape {
        units: outputs,
        activation: output,
        bias,
    });
    let mut net = Network::<f64>::new(inputs, &shapes, loss).unwrap();
    for p in net.params.iter_mut() {
        *p = rng.gen_range(-1.0..1.0);
    }
    let batch = rng.gen_range(1..=5);
    let x: Vec<f64> = (0..batch * inputs)
        .map(|_| rng.gen_range(-2.0..2.0))
        .collect();
    let t: Vec<f64> = match loss {
        Loss::CrossEntropy => (0..batch)
            .flat_map(|_| {
                // a probability vector (soft labels), summing to 1
                let raw: Vec<f64> = (0..outputs).map(|_| rng.gen_range(0.0..1.0)).collect();
                let s: f64 = raw.iter().sum();
                raw.into_iter().map(move |r| r / s)
            })
            .collect(),
        Loss::Bce => (0..batch * outputs)
            .map(|_| rng.gen_range(0.0..1.0))
            .collect(),
        _ => (0..batch * outputs)
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect(),
    };
    Case { net, x, t, batch }
}

/// True when some ReLU-like unit sits within `margin` of its kink (finite differences would
/// straddle it).
fn near_kink(case: &Case, margin: f64) -> bool {
    let mut ws = Workspace::new(&case.net, case.batch);
    case.net.forward(&case.x, case.batch, &mut ws);
    case.net.layers.iter().enumerate().any(|(l, layer)| {
        matches!(layer.activation, Activation::Relu | Activation::LeakyRelu)
            && ws.pre_activations(l)[..case.batch * layer.units]
                .iter()
                .any(|z| z.abs() < margin)
    })
}

fn finite_differences(case: &Case) -> Vec<f64> {
    let h = 1e-6;
    let mut net = case.net.clone();
    let mut ws = Workspace::new(&net, case.batch);
    (0..net.params.len())
        .map(|k| {
            let p = net.params[k];
            net.params[k] = p + h;
            let plus = net.loss_only(&case.x, &case.t, case.batch, &mut ws);
            net.params[k] = p - h;
            let minus = net.loss_only(&case.x, &case.t, case.batch, &mut ws);
            net.params[k] = p;
            (plus - minus) / (2.0 * h)
        })
        .collect()
}

fn backprop_gradients(case: &Case) -> Vec<f64> {
    let mut ws = Workspace::new(&case.net, case.batch);
    case.net
        .loss_and_gradients(&case.x, &case.t, case.batch, &mut ws);
    ws.gradients().to_vec()
}

fn valid_pairs() -> Vec<(Loss, Activation)> {
    let mut v = Vec::new();
    for out in Activation::ALL {
        v.push((Loss::HalfSse, out));
        v.push((Loss::Mse, out));
    }
    v.push((Loss::CrossEntropy, Activation::Softmax));
    v.push((Loss::Bce, Activation::Sigmoid));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn backprop_matches_finite_differences(seed in any::<u64>()) {
        for (loss, output) in valid_pairs() {
            for bias in [BiasKind::Shared, BiasKind::PerUnit] {
                let case = make_case(seed, loss, output, bias);
                if near_kink(&case, 1e-4) {
                    continue;
                }
                let numeric = finite_differences(&case);
                let analytic = backprop_gradients(&case);
                for (k, (a, n)) in analytic.iter().zip(&numeric).enumerate() {
                    // Relative error, absolute below 1e-3: round-off in E/h is ~1e-10·|E|.
                    let err = (a - n).abs() / a.abs().max(n.abs()).max(1e-3);
                    prop_assert!(
                        err < 1e-5,
                        "{:?}/{:?}/{:?} param {}: backprop {} vs numeric {}",
                        loss, output, bias, k, a, n
                    );
                }
            }
        }
    }

    #[test]
    fn f32_gradients_track_f64(seed in any::<u64>()) {
        for (loss, output) in valid_pairs() {
            let case = make_case(seed, loss, output, BiasKind::PerUnit);
            if near_kink(&case, 1e-3) {
                continue;
            }
            let g64 = backprop_gradients(&case);
            let net32: Network<f32> = case.net.cast();
            let x: Vec<f32> = case.x.iter().map(|&v| v as f32).collect();
            let t: Vec<f32> = case.t.iter().map(|&v| v as f32).collect();
            let mut ws = Workspace::new(&net32, case.batch);
            let l32 = net32.loss_and_gradients(&x, &t, case.batch, &mut ws);
            let mut ws64 = Workspace::new(&case.net, case.batch);
            let l64 = case.net.loss_only(&case.x, &case.t, case.batch, &mut ws64);
            prop_assert!((l32 as f64 - l64).abs() <= 1e-5 * (1.0 + l64.abs()));
            // f32 keeps ~7 digits of the intermediate values (of order 1 here), so each
            // gradient is good to a few 1e-7 absolute, plus a relative part of the largest one.
            let scale = g64.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            for (a, b) in ws.gradients().iter().zip(&g64) {
                prop_assert!((*a as f64 - b).abs() <= 1e-4 * scale + 5e-6, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn batch_gradient_is_the_mean_of_per_sample_gradients(seed in any::<u64>()) {
        for (loss, output) in valid_pairs() {
            let case = make_case(seed, loss, output, BiasKind::Shared);
            let whole = backprop_gradients(&case);
            let (ni, no) = (case.net.inputs, case.net.outputs());
            let mut mean = vec![0.0; whole.len()];
            for s in 0..case.batch {
                let one = Case {
                    net: case.net.clone(),
                    x: case.x[s * ni..(s + 1) * ni].to_vec(),
                    t: case.t[s * no..(s + 1) * no].to_vec(),
                    batch: 1,
                };
                for (m, g) in mean.iter_mut().zip(backprop_gradients(&one)) {
                    *m += g / case.batch as f64;
                }
            }
            for (a, b) in whole.iter().zip(&mean) {
                prop_assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()));
            }
        }
    }
}

#[test]
fn losses_have_their_closed_forms_on_a_known_output() {
    // One sample, two outputs; z chosen so the activations are known in closed form.
    let t = [1.0, 0.0];
    // softmax of z = [ln 3, 0] is [3/4, 1/4]; cross entropy = −ln(3/4)
    let z = [3f64.ln(), 0.0];
    let a = [0.75, 0.25];
    let ce = Loss::CrossEntropy.value(&z, &a, &t, 1, 2);
    assert!((ce - (-(0.75f64).ln())).abs() < 1e-15);
    // half_sse = ½((1−0.75)² + (0−0.25)²) = 0.0625; mse = (0.0625 + 0.0625)/2 = 0.0625
    assert!((Loss::HalfSse.value(&z, &a, &t, 1, 2) - 0.0625).abs() < 1e-15);
    assert!((Loss::Mse.value(&z, &a, &t, 1, 2) - 0.0625).abs() < 1e-15);
    // bce with σ(0) = ½ and target 1: −ln ½ = ln 2, for each of the two elements (mean).
    let z0 = [0.0, 0.0];
    let half = [0.5, 0.5];
    assert!((Loss::Bce.value(&z0, &half, &[1.0, 1.0], 1, 2) - 2f64.ln()).abs() < 1e-15);
}
