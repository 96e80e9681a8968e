//! `explain` of a step with dropout: the worked example with dropout on its hidden layer, every
//! quantity of the step derived by hand here with the mask the engine draws for the run's first
//! step (read from the engine's own mask function for a seed picked so that the mask is the
//! one derived), and with a mask chosen by hand; the engine's actual step (draws included)
//! against explain's updated parameters; both languages and every format; `check` marking a
//! learner's masked values.
#![allow(clippy::needless_range_loop)] // index loops mirror the hand derivation

use backprop::check::{check_notes, Options, Setup, Verdict};
use backprop::data::Pick;
use backprop::derivation::{render, Derivation, Format, Lang, RenderOptions};
use backprop::{Spec, Trainer};
use std::path::Path;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The worked example (2-2-1 sigmoid, shared biases, half_sse, SGD η = 0.5, two samples) with
/// dropout `p` on the hidden layer and `[training] seed`.
fn spec(p: f64, seed: u64) -> Spec {
    let text = backprop::spec::WORKED_EXAMPLE
        .replacen("bias = 0.35", &format!("bias = 0.35\ndropout = {p}"), 1)
        .replacen(
            "shuffle = false",
            &format!("shuffle = false\nseed = {seed}"),
            1,
        );
    Spec::parse(&text, "worked example with dropout").unwrap()
}

/// The engine's mask of the run's first step, for this spec's batch of two: `true` kept, per
/// sample then unit (read from the trainer the CLI's `train` builds).
fn engine_mask(spec: &Spec) -> Vec<bool> {
    let net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), 2);
    trainer.set_dropout(&net, &spec.dropout_rates());
    let d = trainer.dropout.as_ref().expect("dropout is on");
    d.kept(0, 2, &[2, 1]).swap_remove(0)
}

/// The step by hand with mask `m[s][j]` (1 kept, 0 dropped) and rate p: (name, value).
fn by_hand(m: [[f64; 2]; 2], p: f64) -> Vec<(String, f64)> {
    let (w1, w2, w3, w4, b1, w5, w6, b2) = (0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60);
    let eta = 0.5;
    let samples = [([0.05, 0.10], 0.01), ([0.80, 0.20], 0.99)];
    let scale = 1.0 / (1.0 - p);
    let mut q = Vec::new();
    let mut grad = [0.0; 8];
    let mut e_total = 0.0;
    for (k, ([i1, i2], t)) in samples.into_iter().enumerate() {
        let s = format!("s{}.", k + 1);
        let a_h1 = sigmoid(w1 * i1 + w2 * i2 + b1);
        let a_h2 = sigmoid(w3 * i1 + w4 * i2 + b1);
        // The output reads the masked outputs ã = m·a/(1 − p).
        let am_h1 = m[k][0] * a_h1 * scale;
        let am_h2 = m[k][1] * a_h2 * scale;
        let z_o = w5 * am_h1 + w6 * am_h2 + b2;
        let a_o = sigmoid(z_o);
        e_total += 0.5 * (t - a_o) * (t - a_o) / 2.0;
        let delta_o = (a_o - t) * a_o * (1.0 - a_o);
        // ∂E/∂ã = w·δ_o; ∂E/∂a = m/(1 − p)·∂E/∂ã; δ_h = ∂E/∂a·a(1 − a)
        let dam_h1 = w5 * delta_o;
        let dam_h2 = w6 * delta_o;
        let da_h1 = m[k][0] * scale * dam_h1;
        let da_h2 = m[k][1] * scale * dam_h2;
        let delta_h1 = da_h1 * a_h1 * (1.0 - a_h1);
        let delta_h2 = da_h2 * a_h2 * (1.0 - a_h2);
        for (name, v) in [
            ("m_h1", m[k][0]),
            ("m_h2", m[k][1]),
            ("a_h1", a_h1),
            ("a_h2", a_h2),
            ("am_h1", am_h1),
            ("am_h2", am_h2),
            ("z_o", z_o),
            ("a_o", a_o),
            ("delta_o", delta_o),
            ("dE_dam_h1", dam_h1),
            ("dE_dam_h2", dam_h2),
            ("dE_da_h1", da_h1),
            ("dE_da_h2", da_h2),
            ("delta_h1", delta_h1),
            ("delta_h2", delta_h2),
        ] {
            q.push((format!("{s}{name}"), v));
        }
        // w1 w2 w3 w4 b1 read the inputs; w5 w6 read ã, b2 the output's δ.
        let per = [
            delta_h1 * i1,
            delta_h1 * i2,
            delta_h2 * i1,
            delta_h2 * i2,
            delta_h1 + delta_h2,
            delta_o * am_h1,
            delta_o * am_h2,
            delta_o,
        ];
        for j in 0..8 {
            grad[j] += per[j] / 2.0;
        }
    }
    q.push(("E_total".into(), e_total));
    let names = ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "b2"];
    let values = [w1, w2, w3, w4, b1, w5, w6, b2];
    for j in 0..8 {
        q.push((format!("grad.{}", names[j]), grad[j]));
        q.push((format!("new.{}", names[j]), values[j] - eta * grad[j]));
    }
    q
}

/// Every quantity of explain's JSON, by name.
fn json_values(d: &Derivation) -> std::collections::HashMap<String, (f64, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(&render(d, Format::Json, RenderOptions::default())).unwrap();
    doc["quantities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["name"].as_str().unwrap().to_string(),
                (
                    q["value"].as_f64().unwrap(),
                    q["part"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn agrees(d: &Derivation, hand: &[(String, f64)]) {
    let got = json_values(d);
    for (name, v) in hand {
        let (x, _) = got
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in the JSON"));
        assert!(
            (x - v).abs() <= 1e-14 * (1.0 + v.abs()),
            "{name}: explain {x}, by hand {v}"
        );
    }
}

/// The seed whose first-step mask, p = 0.5, keeps h1 and drops h2 in sample 1 and the other
/// way round in sample 2.
fn seed_for_the_crossed_mask() -> u64 {
    (0..500)
        .find(|&seed| engine_mask(&spec(0.5, seed)) == [true, false, false, true])
        .expect("some seed below 500 draws the crossed mask")
}

#[test]
fn the_worked_example_with_the_engines_mask_by_hand() {
    let seed = seed_for_the_crossed_mask();
    let spec = spec(0.5, seed);
    let d = Derivation::from_spec(&spec, None).unwrap();
    let hand = by_hand([[1.0, 0.0], [0.0, 1.0]], 0.5);
    agrees(&d, &hand);
    // The masks are given values of the step; the masked outputs belong to the forward pass.
    let got = json_values(&d);
    assert_eq!(got["s1.m_h2"], (0.0, "given".to_string()));
    assert_eq!(got["s2.am_h1"].1, "forward");
    assert_eq!(got["s2.dE_dam_h2"].1, "backward");
    // A dropped unit passes nothing back: sample 1's h2, sample 2's h1.
    assert_eq!(got["s1.delta_h2"].0, 0.0);
    assert_eq!(got["s2.delta_h1"].0, 0.0);
    // By hand: sample 2's ã_h2 = 2·σ(0.61).
    assert!((got["s2.am_h2"].0 - 2.0 / (1.0 + (-0.61f64).exp())).abs() < 1e-15);

    // The engine's own step, draws included, lands where explain's update says.
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), 2);
    trainer.set_dropout(&net, &spec.dropout_rates());
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    trainer.step(&mut net, &x, &t, n).unwrap();
    let names = ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "b2"];
    for (k, name) in names.iter().enumerate() {
        let new = got[&format!("new.{name}")].0;
        assert!(
            (new - net.params[k]).abs() < 1e-15,
            "new.{name}: {new} vs {}",
            net.params[k]
        );
    }
}

#[test]
fn a_mask_chosen_by_hand_with_another_rate() {
    // p = 0.2 (scale 1.25); sample 1 keeps both units, sample 2 keeps h1 only.
    let spec = spec(0.2, 0);
    let rows = spec
        .step_rows(
            Path::new(""),
            Pick::FirstBatch {
                batch_size: 2,
                limit: 16,
            },
        )
        .unwrap();
    let kept = vec![vec![true, true, true, false], Vec::new()];
    let d = Derivation::from_rows_masked(&spec, &rows, &kept).unwrap();
    agrees(&d, &by_hand([[1.0, 1.0], [1.0, 0.0]], 0.2));
    // A mask of the wrong size is refused, not read past.
    let short = vec![vec![true, false], Vec::new()];
    let e = Derivation::from_rows_masked(&spec, &rows, &short).unwrap_err();
    assert!(e.to_string().contains("dropout mask of 4 flags"), "{e}");
}

#[test]
fn every_format_and_language_shows_the_mask() {
    let seed = seed_for_the_crossed_mask();
    let d = Derivation::from_spec(&spec(0.5, seed), None).unwrap();
    let en = RenderOptions::default();
    let zh = RenderOptions {
        lang: Lang::Zh,
        ..en
    };
    let text = render(&d, Format::Text, en);
    for needle in [
        "Given: parameters, inputs, targets and the dropout masks",
        &format!("drawn from seed {seed}"),
        "Dropout mask: keeps h1; drops h2.",
        "Dropout mask: keeps h2; drops h1.",
        "m_h2 = 0",
        "am_h1 = m_h1·a_h1/(1 − p)",
        "dE_da_h1  = m_h1·dE_dam_h1/(1 − p)",
        "Back through dropout: ∂E/∂a = m/(1 − p)·∂E/∂ã",
        "scaled by 1/(1 − p) = 2",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    let text_zh = render(&d, Format::Text, zh);
    for needle in [
        "已知：参数、输入、目标值和 dropout 掩码",
        "dropout 掩码：保留 h1；丢弃 h2。",
        "反向穿过 dropout",
        &format!("由种子 {seed} 生成"),
    ] {
        assert!(text_zh.contains(needle), "{needle:?} not in\n{text_zh}");
    }
    let md = render(&d, Format::Markdown, en);
    assert!(md.contains("\\tilde{a}_{h1}"), "{md}");
    assert!(md.contains("Dropout mask: keeps h1; drops h2."));
    let html = render(&d, Format::Html, zh);
    assert!(html.contains("<mi>ã</mi>"), "{html}");
    assert!(html.contains("dropout 掩码：保留 h1；丢弃 h2。"));
    assert!(!html.contains("NaN"));
    let dot = render(&d, Format::Dot, en);
    assert!(dot.contains("s1.am_h1"));
    let doc: serde_json::Value = serde_json::from_str(&render(&d, Format::Json, en)).unwrap();
    assert_eq!(doc["dropout"]["rates"], serde_json::json!([0.5, 0.0]));
    assert_eq!(doc["dropout"]["seed"], seed);
    // Without dropout there is no mask, and the JSON says so.
    let plain = Derivation::from_spec(&Spec::worked_example(), None).unwrap();
    let plain_text = render(&plain, Format::Text, en);
    assert!(!plain_text.contains("m_h1") && !plain_text.contains("ropout"));
    let doc: serde_json::Value = serde_json::from_str(&render(&plain, Format::Json, en)).unwrap();
    assert!(doc["dropout"].is_null());
}

#[test]
fn check_marks_the_masked_values() {
    let seed = seed_for_the_crossed_mask();
    let spec = spec(0.5, seed);
    let hand: std::collections::HashMap<String, f64> =
        by_hand([[1.0, 0.0], [0.0, 1.0]], 0.5).into_iter().collect();
    let a_h2 = hand["s2.a_h2"];
    // Right: the mask, ã and ∂E/∂a; wrong: ã of sample 2 written unscaled (a forgotten
    // 1/(1 − p)), and sample 1's dropped ∂E/∂a_h2 written as ∂E/∂ã.
    let notes = format!(
        "s1.m_h1 = 1\ns1.m_h2 = 0\ns2.am_h2 = {:.6}\ns2.dE_da_h2 = {:.6}\ngrad.w6 = {:.6}\ns2.am_h2 = {a_h2:.6}\ns1.dE_da_h2 = {:.6}\n",
        hand["s2.am_h2"], hand["s2.dE_da_h2"], hand["grad.w6"], hand["s1.dE_dam_h2"]
    );
    // Each name only once in the strict form: the wrong ã goes in a second notes file.
    let (right, wrong) = notes.split_at(notes.find(&format!("s2.am_h2 = {a_h2:.6}")).unwrap());
    let setup = Setup::Spec {
        spec: &spec,
        name: "spec.toml",
    };
    let r = check_notes(right, "notes.txt", setup, Options::default()).unwrap();
    assert_eq!(r.claims.len(), 5, "{:?}", r.claims);
    for c in &r.claims {
        assert_eq!(c.verdict, Verdict::Correct, "{c:?}");
    }
    assert_eq!(r.claims[2].quantity.as_deref(), Some("s2.am_h2"));
    let r = check_notes(wrong, "notes.txt", setup, Options::default()).unwrap();
    assert_eq!(r.claims.len(), 2, "{:?}", r.claims);
    for (c, name, expected) in [
        (&r.claims[0], "s2.am_h2", hand["s2.am_h2"]),
        (&r.claims[1], "s1.dE_da_h2", 0.0),
    ] {
        assert_eq!(c.quantity.as_deref(), Some(name));
        assert_ne!(c.verdict, Verdict::Correct, "{c:?}");
        assert!((c.expected.unwrap() - expected).abs() < 1e-12, "{c:?}");
    }
}

#[test]
fn the_example_and_the_readme_show_this_step() {
    // The example's seed is the first whose mask is the crossed one derived above.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/14-worked-example-dropout.toml");
    let example = Spec::from_file(&path).unwrap();
    assert_eq!(example, spec(0.5, seed_for_the_crossed_mask()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(["explain", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Every line of README's excerpt (`…` marks lines left out) is a line of the output.
    let readme = include_str!("../README.md");
    let start = readme
        .find("backprop explain examples/14-worked-example-dropout.toml\n```\n\n```text\n")
        .expect("README shows the example");
    let block = &readme[start..];
    let block = &block[block.find("```text\n").unwrap() + 8..];
    let block = &block[..block.find("```").unwrap()];
    assert!(block.lines().count() > 10);
    for line in block.lines().filter(|l| l.trim() != "…") {
        assert!(lines.contains(&line), "README's {line:?} is not in\n{text}");
    }
}
