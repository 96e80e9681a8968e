//! `explain` with Nesterov momentum: the worked example's step derived by hand here
//! (v = μ·v₀ + g with v₀ = 0, θ⁺ = θ − η·(g + μ·v), so θ⁺ = θ − η·(1 + μ)·g on the first step),
//! with and without coupled weight decay, against explain's values and the engine's optimizer.

use backprop::derivation::{render, Derivation, Format, Lang, RenderOptions};
use backprop::{Optimizer, Spec, Workspace};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

const NAMES: [&str; 8] = ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "b2"];
const VALUES: [f64; 8] = [0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60];

/// ∂E_total/∂θ of the worked example, by hand (the notes' chain rule).
fn gradients() -> [f64; 8] {
    let [w1, w2, w3, w4, b1, w5, w6, b2] = VALUES;
    let mut g = [0.0; 8];
    for ([i1, i2], t) in [([0.05, 0.10], 0.01), ([0.80, 0.20], 0.99)] {
        let h1 = sigmoid(w1 * i1 + w2 * i2 + b1);
        let h2 = sigmoid(w3 * i1 + w4 * i2 + b1);
        let o = sigmoid(w5 * h1 + w6 * h2 + b2);
        let d_o = (o - t) * o * (1.0 - o);
        let d_h1 = w5 * d_o * h1 * (1.0 - h1);
        let d_h2 = w6 * d_o * h2 * (1.0 - h2);
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

fn nesterov(mu: f64, lambda: Option<f64>) -> Spec {
    let mut text = backprop::spec::WORKED_EXAMPLE.replacen(
        "kind = \"sgd\"",
        &format!("kind = \"momentum\"\nmomentum = {mu}\nnesterov = true"),
        1,
    );
    if let Some(l) = lambda {
        text = text.replacen(
            "learning_rate = 0.5",
            &format!("learning_rate = 0.5\nweight_decay = {l}"),
            1,
        );
    }
    Spec::parse(&text, "nesterov").unwrap()
}

#[test]
fn nesterov_steps_as_derived_by_hand() {
    let (eta, mu) = (0.5, 0.9);
    let g = gradients();
    for lambda in [None, Some(0.01)] {
        let spec = nesterov(mu, lambda);
        let d = Derivation::from_spec(&spec, None).unwrap();
        // The engine's own optimizer on the engine's gradient.
        let mut net = spec.network::<f64>().unwrap();
        let (x, t, n) = spec.inline_data().unwrap().unwrap();
        let mut ws = Workspace::new(&net, n);
        net.loss_and_gradients(&x, &t, n, &mut ws);
        let grads = ws.gradients().to_vec();
        let mut opt = Optimizer::for_network(spec.optimizer_config(), &net);
        opt.step(&mut net.params, &grads);
        for k in 0..8 {
            let name = NAMES[k];
            // Coupled decay on the weights only: g ← g + λθ before the rule.
            let gk = match lambda {
                Some(l) if name.starts_with('w') => g[k] + l * VALUES[k],
                _ => g[k],
            };
            let v = gk; // μ·0 + g
            let new = VALUES[k] - eta * (gk + mu * v);
            let at = |n: String| d.graph.value(&n).unwrap_or_else(|| panic!("no {n}"));
            assert!((at(format!("v.{name}")) - v).abs() < 1e-15, "v.{name}");
            let got = at(format!("new.{name}"));
            assert!((got - new).abs() < 1e-15, "new.{name}: {got} vs {new}");
            assert!((got - net.params[k]).abs() < 1e-15, "engine's new.{name}");
            // The first step is η·(1 + μ) times the (decayed) gradient.
            assert!((VALUES[k] - got - eta * (1.0 + mu) * gk).abs() < 1e-15);
        }
    }
}

#[test]
fn nesterov_is_named_in_every_format_and_language() {
    let d = Derivation::from_spec(&nesterov(0.9, None), None).unwrap();
    let en = RenderOptions::default();
    let zh = RenderOptions {
        lang: Lang::Zh,
        ..en
    };
    let text = render(&d, Format::Text, en);
    assert!(text.contains("Nesterov momentum μ = 0.9"), "{text}");
    assert!(text.contains("θ⁺ = θ − η·(∂E_total/∂θ + μ·v)"), "{text}");
    assert!(
        text.contains("new.w5 = w5 − η·(grad.w5 + μ·v.w5)"),
        "{text}"
    );
    assert!(render(&d, Format::Text, zh).contains("Nesterov 动量法"));
    assert!(render(&d, Format::Markdown, en).contains("\\mu"));
    let html = render(&d, Format::Html, zh);
    assert!(html.contains("Nesterov 动量法") && !html.contains("NaN"));
    let doc: serde_json::Value = serde_json::from_str(&render(&d, Format::Json, en)).unwrap();
    assert_eq!(doc["optimizer"]["nesterov"], true);
}
