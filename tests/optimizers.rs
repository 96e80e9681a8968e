//! Nesterov momentum, RMSprop, AdamW, coupled weight decay and gradient clipping, each against
//! a few steps worked by hand from PyTorch's formulas (`torch.optim`, `clip_grad_norm_`).
#![allow(clippy::needless_range_loop)] // index loops mirror the hand derivation

use backprop::{Network, Optimizer, OptimizerConfig, OptimizerKind, Spec, Workspace};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

fn config(kind: OptimizerKind, lr: f64) -> OptimizerConfig {
    OptimizerConfig::new(kind, lr)
}

#[test]
fn pytorch_defaults() {
    let c = config(OptimizerKind::Rmsprop, 0.01);
    assert_eq!(
        (c.alpha, c.eps, c.momentum, c.weight_decay),
        (0.99, 1e-8, 0.0, 0.0)
    );
    let c = config(OptimizerKind::Adamw, 0.001);
    assert_eq!(
        (c.beta1, c.beta2, c.eps, c.weight_decay),
        (0.9, 0.999, 1e-8, 0.01)
    );
    let c = config(OptimizerKind::Momentum, 0.1);
    assert_eq!((c.momentum, c.nesterov, c.weight_decay), (0.9, false, 0.0));
    assert_eq!(c.clip_norm, None);
    assert!(!c.decay_biases);
}

#[test]
fn nesterov_two_steps() {
    // θ₀ = 1, μ = 0.9, η = 0.1.
    // Step 1, g = 0.5: v = 0.5; θ = 1 − 0.1·(0.5 + 0.9·0.5) = 1 − 0.095 = 0.905.
    // Step 2, g = −0.2: v = 0.45 − 0.2 = 0.25; θ = 0.905 − 0.1·(−0.2 + 0.225) = 0.9025.
    let mut c = config(OptimizerKind::Momentum, 0.1);
    c.nesterov = true;
    c.validate().unwrap();
    let mut opt = Optimizer::<f64>::new(c, 1);
    let mut p = [1.0];
    opt.step(&mut p, &[0.5]);
    assert!(close(p[0], 0.905, 1e-15), "{}", p[0]);
    opt.step(&mut p, &[-0.2]);
    assert!(close(p[0], 0.9025, 1e-15), "{}", p[0]);
    assert!(close(opt.first[0], 0.25, 1e-15));
}

#[test]
fn nesterov_needs_momentum() {
    let mut c = config(OptimizerKind::Sgd, 0.1);
    c.nesterov = true;
    let e = c.validate().unwrap_err().to_string();
    assert!(e.contains("nesterov"), "{e}");
}

#[test]
fn rmsprop_two_steps() {
    // θ₀ = 1, η = 0.01, α = 0.99, g = 0.5 twice.
    // s₁ = 0.01·0.25 = 0.0025, √s₁ = 0.05: θ₁ = 1 − 0.01·0.5/0.05 = 0.9 (ε = 1e-8 aside).
    // s₂ = 0.99·0.0025 + 0.0025 = 0.004975: θ₂ = 0.9 − 0.01·0.5/√0.004975.
    let mut opt = Optimizer::<f64>::new(config(OptimizerKind::Rmsprop, 0.01), 1);
    assert!(opt.first.is_empty(), "no momentum buffer without momentum");
    let mut p = [1.0];
    opt.step(&mut p, &[0.5]);
    assert!(close(p[0], 1.0 - 0.005 / (0.05 + 1e-8), 1e-15), "{}", p[0]);
    assert!(close(p[0], 0.9, 1e-6));
    opt.step(&mut p, &[0.5]);
    let want = (1.0 - 0.005 / (0.05 + 1e-8)) - 0.005 / (0.004975f64.sqrt() + 1e-8);
    assert!(close(p[0], want, 1e-14), "{} vs {want}", p[0]);
    assert!(close(opt.second[0], 0.004975, 1e-15));
}

#[test]
fn rmsprop_with_momentum() {
    // μ = 0.9: b₁ = 0.5/0.05 = 10, θ₁ = 1 − 0.01·10 = 0.9;
    // b₂ = 0.9·10 + 0.5/√0.004975, θ₂ = 0.9 − 0.01·b₂.
    let mut c = config(OptimizerKind::Rmsprop, 0.01);
    c.momentum = 0.9;
    let mut opt = Optimizer::<f64>::new(c, 1);
    let mut p = [1.0];
    opt.step(&mut p, &[0.5]);
    assert!(close(p[0], 0.9, 1e-6));
    opt.step(&mut p, &[0.5]);
    let b1 = 0.5 / (0.05 + 1e-8);
    let b2 = 0.9 * b1 + 0.5 / (0.004975f64.sqrt() + 1e-8);
    let want = 1.0 - 0.01 * b1 - 0.01 * b2;
    assert!(close(p[0], want, 1e-14), "{} vs {want}", p[0]);
}

/// A 1-input, 1-unit linear layer: parameters [w, b].
fn linear() -> Network<f64> {
    let shapes = [backprop::LayerShape {
        units: 1,
        activation: backprop::Activation::Linear,
        bias: backprop::BiasKind::PerUnit,
    }];
    Network::new(1, &shapes, backprop::Loss::HalfSse).unwrap()
}

#[test]
fn adamw_decays_weights_not_biases() {
    // w₀ = b₀ = 2, g = 0.1 for both, η = 0.1, λ = 0.01 (the default).
    // Decoupled decay first: w ← 2·(1 − 0.1·0.01) = 1.998; b keeps 2.
    // Adam step 1: m = 0.01, v = 1e-5; m̂ = 0.1, v̂ = 0.01: step = 0.1·0.1/(0.1 + 1e-8).
    let mut net = linear();
    net.params.copy_from_slice(&[2.0, 2.0]);
    let mut opt = Optimizer::for_network(config(OptimizerKind::Adamw, 0.1), &net);
    opt.step(&mut net.params, &[0.1, 0.1]);
    let step = 0.1 * 0.1 / (0.1 + 1e-8);
    assert!(
        close(net.params[0], 1.998 - step, 1e-12),
        "{}",
        net.params[0]
    );
    assert!(close(net.params[1], 2.0 - step, 1e-12), "{}", net.params[1]);
    // With decay_biases, b decays as well.
    let mut c = config(OptimizerKind::Adamw, 0.1);
    c.decay_biases = true;
    let mut net = linear();
    net.params.copy_from_slice(&[2.0, 2.0]);
    let mut opt = Optimizer::for_network(c, &net);
    opt.step(&mut net.params, &[0.1, 0.1]);
    assert!(close(net.params[1], 1.998 - step, 1e-12));
}

#[test]
fn coupled_decay_enters_adams_moments() {
    // Adam with weight_decay λ = 0.5 (PyTorch's Adam: g ← g + λθ before the moments).
    // w₀ = 2, g = 0.1: g' = 0.1 + 1 = 1.1. Step 1 is η·m̂/(√v̂ + ε) = η·1.1/(1.1 + ε).
    // Step 2, g = 0.1 again, θ₁ = 2 − that: g' = 0.1 + 0.5·θ₁, m₂ = 0.9·0.11 + 0.1·g',
    // v₂ = 0.999·0.00121 + 0.001·g'², bias-corrected by 1 − 0.9², 1 − 0.999².
    let mut c = config(OptimizerKind::Adam, 0.1);
    c.weight_decay = 0.5;
    let mut opt = Optimizer::<f64>::new(c, 1);
    let mut p = [2.0];
    opt.step(&mut p, &[0.1]);
    let t1 = 2.0 - 0.1 * 1.1 / (1.1 + 1e-8);
    assert!(close(p[0], t1, 1e-14));
    opt.step(&mut p, &[0.1]);
    let g = 0.1 + 0.5 * t1;
    let m = 0.9 * 0.11 + 0.1 * g;
    let v = 0.999 * 0.00121 + 0.001 * g * g;
    let t2 = t1 - 0.1 / (1.0 - 0.81) * m / (v.sqrt() / (1.0 - 0.998001f64).sqrt() + 1e-8);
    assert!(close(p[0], t2, 1e-12), "{} vs {t2}", p[0]);
}

#[test]
fn clipping_by_global_norm() {
    // g = (3, 4): ‖g‖ = 5. max_norm = 1: c = 1/(5 + 1e-6), g' = c·g; SGD η = 1 moves θ by g'.
    let mut c = config(OptimizerKind::Sgd, 1.0);
    c.clip_norm = Some(1.0);
    let mut opt = Optimizer::<f64>::new(c, 2);
    let mut p = [0.0, 0.0];
    opt.step(&mut p, &[3.0, 4.0]);
    let k = 1.0 / (5.0 + 1e-6);
    assert!(
        close(p[0], -3.0 * k, 1e-15) && close(p[1], -4.0 * k, 1e-15),
        "{p:?}"
    );
    assert_eq!(opt.last_norm, Some(5.0));
    // Below the limit (‖g‖ = 0.5 < 1), the gradient is untouched.
    let mut p = [0.0, 0.0];
    opt.step(&mut p, &[0.3, 0.4]);
    assert_eq!(p, [-0.3, -0.4]);
    // Clipping comes before the decay term: λθ is not clipped.
    c.weight_decay = 0.1;
    c.decay_biases = true;
    let mut opt = Optimizer::<f64>::new(c, 2);
    let mut p = [10.0, 0.0];
    opt.step(&mut p, &[3.0, 4.0]);
    assert!(close(p[0], 10.0 - (3.0 * k + 1.0), 1e-15), "{p:?}");
    assert!(close(p[1], -4.0 * k, 1e-15), "{p:?}");
}

#[test]
fn clip_norm_must_be_positive() {
    let mut c = config(OptimizerKind::Sgd, 1.0);
    c.clip_norm = Some(0.0);
    assert!(c.validate().unwrap_err().to_string().contains("clip_norm"));
    c.clip_norm = None;
    c.weight_decay = -1.0;
    assert!(c
        .validate()
        .unwrap_err()
        .to_string()
        .contains("weight_decay"));
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The worked example's gradients by hand (w1 w2 w3 w4 b1 w5 w6 b2), as the seed notes derive
/// them: two samples, half squared error, batch mean.
fn worked_gradients() -> [f64; 8] {
    let (w1, w2, w3, w4, b1, w5, w6, b2) = (0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60);
    let x = [[0.05, 0.10], [0.80, 0.20]];
    let y = [0.01, 0.99];
    let mut g = [0.0; 8];
    for s in 0..2 {
        let [i1, i2] = x[s];
        let h1 = sigmoid(w1 * i1 + w2 * i2 + b1);
        let h2 = sigmoid(w3 * i1 + w4 * i2 + b1);
        let o = sigmoid(w5 * h1 + w6 * h2 + b2);
        let d_o = (o - y[s]) * o * (1.0 - o);
        let d_h1 = d_o * w5 * h1 * (1.0 - h1);
        let d_h2 = d_o * w6 * h2 * (1.0 - h2);
        let per = [
            d_h1 * i1,
            d_h1 * i2,
            d_h2 * i1,
            d_h2 * i2,
            d_h1 + d_h2,
            d_o * h1,
            d_o * h2,
            d_o,
        ];
        for k in 0..8 {
            g[k] += per[k] / 2.0;
        }
    }
    g
}

#[test]
fn weight_decay_on_the_worked_example() {
    // SGD η = 0.5 with weight_decay λ = 0.1: w⁺ = w − η(∂E/∂w + λw) for the weights,
    // b⁺ = b − η·∂E/∂b for the biases (excluded by default); with decay_biases, b too.
    let before = [0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60];
    let is_bias = [false, false, false, false, true, false, false, true];
    let g = worked_gradients();
    // Orientation: the notes' ∂E/∂w5 = 0.0277842.
    assert!((g[5] - 0.0277842).abs() < 1e-7);
    for decay_biases in [false, true] {
        let spec = Spec::worked_example();
        let mut net = spec.network::<f64>().unwrap();
        let (x, t, n) = spec.inline_data().unwrap().unwrap();
        let mut c = spec.optimizer_config();
        c.weight_decay = 0.1;
        c.decay_biases = decay_biases;
        let mut opt = Optimizer::for_network(c, &net);
        let mut ws = Workspace::new(&net, n);
        net.loss_and_gradients(&x, &t, n, &mut ws);
        opt.step(&mut net.params, &ws.grads);
        for k in 0..8 {
            let decayed = !is_bias[k] || decay_biases;
            let lambda = if decayed { 0.1 } else { 0.0 };
            let want = before[k] - 0.5 * (g[k] + lambda * before[k]);
            assert!(
                close(net.params[k], want, 1e-13),
                "parameter {k} (decay_biases {decay_biases}): {} vs {want}",
                net.params[k]
            );
        }
    }
}

#[test]
fn weight_decay_is_the_gradient_of_the_l2_term() {
    // Finite differences of E(θ) + ½λ‖w‖² (weights only) against the update SGD takes with
    // coupled weight decay: with η = 1, θ − θ⁺ is the gradient used.
    let spec = Spec::worked_example();
    let net = spec.network::<f64>().unwrap();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let lambda = 0.3;
    let weights: Vec<std::ops::Range<usize>> = net
        .layers
        .iter()
        .map(|l| l.weight_offset..l.weight_offset + l.weight_count())
        .collect();
    let mut ws = Workspace::new(&net, n);
    let objective = |p: &[f64], ws: &mut Workspace<f64>| {
        let mut m = net.clone();
        m.params.copy_from_slice(p);
        let l2: f64 = weights
            .iter()
            .flat_map(|r| p[r.clone()].iter())
            .map(|w| w * w)
            .sum();
        m.loss_only(&x, &t, n, ws) + 0.5 * lambda * l2
    };
    let mut c = OptimizerConfig::sgd(1.0);
    c.weight_decay = lambda;
    let mut opt = Optimizer::for_network(c, &net);
    let mut stepped = net.clone();
    let mut grad_ws = Workspace::new(&net, n);
    stepped.loss_and_gradients(&x, &t, n, &mut grad_ws);
    opt.step(&mut stepped.params, &grad_ws.grads);
    let h = 1e-6;
    for k in 0..net.params.len() {
        let mut p = net.params.clone();
        p[k] += h;
        let plus = objective(&p, &mut ws);
        p[k] -= 2.0 * h;
        let minus = objective(&p, &mut ws);
        let numeric = (plus - minus) / (2.0 * h);
        let used = net.params[k] - stepped.params[k];
        assert!(
            (used - numeric).abs() <= 1e-8,
            "parameter {k}: update {used} vs finite differences {numeric}"
        );
    }
}

#[test]
fn spec_fields_reach_the_optimizer() {
    let text = backprop::spec::WORKED_EXAMPLE
        .replace("kind = \"sgd\"", "kind = \"rmsprop\"\nweight_decay = 0.25\nalpha = 0.9\nclip_norm = 2.0\ndecay_biases = true");
    let spec = Spec::parse(&text, "spec.toml").unwrap();
    let c = spec.optimizer_config();
    assert_eq!(c.kind, OptimizerKind::Rmsprop);
    assert_eq!(
        (c.weight_decay, c.alpha, c.clip_norm, c.decay_biases),
        (0.25, 0.9, Some(2.0), true)
    );
    let bad =
        backprop::spec::WORKED_EXAMPLE.replace("kind = \"sgd\"", "kind = \"sgd\"\nnesterov = true");
    let e = Spec::parse(&bad, "spec.toml").unwrap_err().to_string();
    assert!(e.contains("spec.toml") && e.contains("nesterov"), "{e}");
}
