//! `explain` on the worked example: every quantity of the step against a hand derivation
//! written out here (the notes' steps, in f64), every format and language covering all of it,
//! and snapshots of the text and Markdown pages.

use backprop::derivation::{render, Derivation, Format, Lang, RenderOptions};
use backprop::Spec;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The step by hand: (name, value) for every quantity the notes compute and those they skip.
fn by_hand() -> Vec<(String, f64)> {
    let (w1, w2, w3, w4, b1, w5, w6, b2) = (0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60);
    let samples = [([0.05, 0.10], 0.01), ([0.80, 0.20], 0.99)];
    let mut q = Vec::new();
    let mut grad = [0.0; 8];
    let mut e_total = 0.0;
    for (k, ([i1, i2], t)) in samples.into_iter().enumerate() {
        let s = format!("s{}.", k + 1);
        let z_h1 = w1 * i1 + w2 * i2 + b1;
        let a_h1 = sigmoid(z_h1);
        let z_h2 = w3 * i1 + w4 * i2 + b1;
        let a_h2 = sigmoid(z_h2);
        let z_o = w5 * a_h1 + w6 * a_h2 + b2;
        let a_o = sigmoid(z_o);
        let e = 0.5 * (t - a_o) * (t - a_o);
        e_total += e / 2.0;
        // δ_o = ∂E/∂a_o · ∂a_o/∂z_o = (a_o − t)·a_o(1 − a_o)
        let delta_o = (a_o - t) * a_o * (1.0 - a_o);
        // δ_h = ∂E/∂a_h · σ'(z_h), ∂E/∂a_h = w·δ_o
        let delta_h1 = w5 * delta_o * a_h1 * (1.0 - a_h1);
        let delta_h2 = w6 * delta_o * a_h2 * (1.0 - a_h2);
        for (name, v) in [
            ("z_h1", z_h1),
            ("a_h1", a_h1),
            ("z_h2", z_h2),
            ("a_h2", a_h2),
            ("z_o", z_o),
            ("a_o", a_o),
            ("E", e),
            ("delta_o", delta_o),
            ("delta_h1", delta_h1),
            ("delta_h2", delta_h2),
        ] {
            q.push((format!("{s}{name}"), v));
        }
        // Per-sample gradients; b1 is shared by h1 and h2, so it gets δ_h1 + δ_h2.
        let per_sample = [
            delta_h1 * i1,
            delta_h1 * i2,
            delta_h2 * i1,
            delta_h2 * i2,
            delta_h1 + delta_h2,
            delta_o * a_h1,
            delta_o * a_h2,
            delta_o,
        ];
        for (g, p) in grad.iter_mut().zip(per_sample) {
            *g += p / 2.0;
        }
    }
    q.push(("E_total".into(), e_total));
    let names = ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "b2"];
    let values = [w1, w2, w3, w4, b1, w5, w6, b2];
    for k in 0..8 {
        q.push((format!("grad.{}", names[k]), grad[k]));
        q.push((format!("new.{}", names[k]), values[k] - 0.5 * grad[k]));
    }
    q
}

fn derivation() -> Derivation {
    Derivation::from_spec(&Spec::worked_example(), None).unwrap()
}

#[test]
fn every_quantity_matches_the_hand_derivation() {
    let d = derivation();
    for (name, v) in by_hand() {
        let got = d.graph.value(&name).unwrap_or_else(|| panic!("no {name}"));
        assert!((got - v).abs() < 1e-15, "{name}: {got} vs {v}");
    }
    // The figures quoted for orientation (README), to their digits.
    let at = |n: &str| d.graph.value(n).unwrap();
    assert!((at("E_total") - 0.1508668559).abs() < 1e-10);
    assert!((at("grad.w5") - 0.0277842).abs() < 1e-7);
    assert!((at("new.w5") - 0.386108).abs() < 1e-6);
    assert!((at("new.b1") - 0.344999).abs() < 1e-6);
}

/// With `weight_decay = λ` (coupled, weights only): decayed.w = ∂E_total/∂w + λ·w, then
/// new.w = w − η·decayed.w; the biases step on their plain gradient.
#[test]
fn weight_decay_is_written_out_and_matches_the_hand_derivation() {
    let lambda = 0.01;
    let mut spec = Spec::worked_example();
    spec.optimizer.weight_decay = Some(lambda);
    let d = Derivation::from_spec(&spec, None).unwrap();
    let hand = by_hand();
    let of = |n: &str| hand.iter().find(|(k, _)| k == n).unwrap().1;
    let values = [0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60];
    for (k, name) in ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "b2"]
        .iter()
        .enumerate()
    {
        let grad = of(&format!("grad.{name}"));
        let new = d.graph.value(&format!("new.{name}")).unwrap();
        if name.starts_with('w') {
            let decayed = grad + lambda * values[k];
            let got = d.graph.value(&format!("decayed.{name}")).unwrap();
            assert!(
                (got - decayed).abs() < 1e-15,
                "decayed.{name}: {got} vs {decayed}"
            );
            assert!(
                (new - (values[k] - 0.5 * decayed)).abs() < 1e-15,
                "new.{name}"
            );
        } else {
            assert!(d.graph.value(&format!("decayed.{name}")).is_none());
            assert!((new - (values[k] - 0.5 * grad)).abs() < 1e-15, "new.{name}");
        }
    }
    let text = render(&d, Format::Text, RenderOptions::default());
    assert!(text.contains("weight decay λ = 0.01"), "{text}");
    assert!(text.contains("decayed.w5 = grad.w5 + λ·w5"), "{text}");
}

#[test]
fn every_format_and_language_covers_every_parameter_update() {
    let d = derivation();
    for lang in [Lang::En, Lang::Zh] {
        for format in [
            Format::Text,
            Format::Markdown,
            Format::Json,
            Format::Html,
            Format::Dot,
        ] {
            let out = render(&d, format, RenderOptions { lang, digits: 6 });
            // new.w1 … new.b2 to 6 significant digits: 0.150631, 0.199865, 0.250687,
            // 0.299844, 0.344999, 0.386108, 0.436229, 0.576018 (see the hand derivation).
            for (name, v) in by_hand() {
                if !name.starts_with("new.") && !name.starts_with("grad.") {
                    continue;
                }
                if format == Format::Json {
                    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
                    let q = doc["quantities"].as_array().unwrap();
                    let q = q.iter().find(|q| q["name"] == name.as_str()).unwrap();
                    assert!((q["value"].as_f64().unwrap() - v).abs() < 1e-15, "{name}");
                    continue;
                }
                let shown = backprop::derivation::expr::number(v, 6);
                let shown = shown.replace(
                    '-',
                    if matches!(format, Format::Text | Format::Html) {
                        "−"
                    } else {
                        "-"
                    },
                );
                let shown = if format == Format::Html {
                    shown.replace('−', "")
                } else {
                    shown
                };
                assert!(
                    out.contains(&shown),
                    "{format:?} {lang:?}: {name} = {shown} missing"
                );
            }
            let chain = match (lang, format) {
                (_, Format::Json | Format::Dot) => None,
                (Lang::En, _) => Some("chain rule"),
                (Lang::Zh, _) => Some("链式法则"),
            };
            if let Some(word) = chain {
                assert!(out.contains(word), "{format:?} {lang:?}");
            }
        }
    }
}

#[test]
fn json_lists_every_quantity_with_formula_inputs_and_full_value() {
    let d = derivation();
    let out = render(&d, Format::Json, RenderOptions::default());
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let quantities = doc["quantities"].as_array().unwrap();
    assert_eq!(quantities.len(), d.graph.len());
    let z = quantities.iter().find(|q| q["name"] == "s1.z_h1").unwrap();
    assert_eq!(z["formula"], "w1·s1.i1 + w2·s1.i2 + b1");
    assert_eq!(
        z["inputs"],
        serde_json::json!(["w1", "s1.i1", "w2", "s1.i2", "b1"])
    );
    assert_eq!(
        z["value"].as_f64().unwrap(),
        0.15 * 0.05 + 0.20 * 0.10 + 0.35
    );
    // ∂E_total/∂b1 from the reverse walk equals grad.b1.
    let b1 = quantities.iter().find(|q| q["name"] == "b1").unwrap();
    let grad_b1 = d.graph.value("grad.b1").unwrap();
    assert!((b1["gradient"].as_f64().unwrap() - grad_b1).abs() < 1e-15);
}

#[test]
fn text_snapshot() {
    let d = derivation();
    insta::assert_snapshot!(
        "worked_example_text",
        render(&d, Format::Text, RenderOptions::default())
    );
    let zh = RenderOptions {
        lang: Lang::Zh,
        digits: 6,
    };
    insta::assert_snapshot!("worked_example_text_zh", render(&d, Format::Text, zh));
}

#[test]
fn markdown_snapshot() {
    let d = derivation();
    insta::assert_snapshot!(
        "worked_example_markdown",
        render(&d, Format::Markdown, RenderOptions::default())
    );
}
