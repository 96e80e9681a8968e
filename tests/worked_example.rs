//! The worked example of the seed notes, derived by hand below (plain f64 arithmetic written out
//! step by step, the way the notes do it) and compared with the engine.

use backprop::{Dataset, Spec, Trainer, TrainerConfig, Workspace};

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Every quantity of one step, by hand.
struct Hand {
    z_h: [[f64; 2]; 2], // [sample][unit]
    a_h: [[f64; 2]; 2],
    z_o: [f64; 2],
    a_o: [f64; 2],
    e: [f64; 2],
    e_total: f64,
    grads: [f64; 8], // w1 w2 w3 w4 b1 w5 w6 b2, the engine's parameter order
    new: [f64; 8],
}

fn by_hand() -> Hand {
    let (w1, w2, w3, w4, b1) = (0.15, 0.20, 0.25, 0.30, 0.35);
    let (w5, w6, b2) = (0.40, 0.45, 0.60);
    let x = [[0.05, 0.10], [0.80, 0.20]];
    let y = [0.01, 0.99];
    let eta = 0.5;

    let mut h = Hand {
        z_h: [[0.0; 2]; 2],
        a_h: [[0.0; 2]; 2],
        z_o: [0.0; 2],
        a_o: [0.0; 2],
        e: [0.0; 2],
        e_total: 0.0,
        grads: [0.0; 8],
        new: [0.0; 8],
    };
    // Accumulated over the samples, then halved (the batch mean).
    let mut g = [0.0f64; 8];
    for s in 0..2 {
        let [i1, i2] = x[s];
        // Forward: z_h1 = w1·i1 + w2·i2 + b1, z_h2 = w3·i1 + w4·i2 + b1 (b1 shared)
        let z_h1 = w1 * i1 + w2 * i2 + b1;
        let z_h2 = w3 * i1 + w4 * i2 + b1;
        let (a_h1, a_h2) = (sigmoid(z_h1), sigmoid(z_h2));
        let z_o = w5 * a_h1 + w6 * a_h2 + b2;
        let a_o = sigmoid(z_o);
        let e = 0.5 * (y[s] - a_o) * (y[s] - a_o);
        // Backward, per sample (chain rule):
        // δ_o = ∂E/∂a_o · ∂a_o/∂z_o = (a_o − y) · a_o(1 − a_o)
        let delta_o = (a_o - y[s]) * a_o * (1.0 - a_o);
        // ∂E/∂w5 = δ_o · a_h1, ∂E/∂w6 = δ_o · a_h2, ∂E/∂b2 = δ_o
        // δ_h1 = δ_o · w5 · a_h1(1 − a_h1), δ_h2 = δ_o · w6 · a_h2(1 − a_h2)
        let delta_h1 = delta_o * w5 * a_h1 * (1.0 - a_h1);
        let delta_h2 = delta_o * w6 * a_h2 * (1.0 - a_h2);
        // ∂E/∂w1 = δ_h1·i1, ∂E/∂w2 = δ_h1·i2, ∂E/∂w3 = δ_h2·i1, ∂E/∂w4 = δ_h2·i2,
        // ∂E/∂b1 = δ_h1 + δ_h2 (b1 feeds both hidden units)
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
        for k in 0..8 {
            g[k] += per_sample[k];
        }
        h.z_h[s] = [z_h1, z_h2];
        h.a_h[s] = [a_h1, a_h2];
        h.z_o[s] = z_o;
        h.a_o[s] = a_o;
        h.e[s] = e;
    }
    h.e_total = (h.e[0] + h.e[1]) / 2.0;
    let before = [w1, w2, w3, w4, b1, w5, w6, b2];
    for k in 0..8 {
        h.grads[k] = g[k] / 2.0;
        h.new[k] = before[k] - eta * h.grads[k];
    }
    h
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-13 * (1.0 + b.abs())
}

#[test]
fn hand_derivation_agrees_with_the_orientation_figures() {
    // The figures quoted for orientation in the issue (themselves computed independently).
    let h = by_hand();
    assert!(
        (h.z_h[0][0] - 0.3775).abs() < 1e-15,
        "z_h1 is 0.3775, not the notes' 0.375"
    );
    assert!((h.e_total - 0.1508668559).abs() < 1e-10);
    assert!((h.grads[5] - 0.0277842).abs() < 1e-7);
    assert!((h.new[5] - 0.386108).abs() < 1e-6);
    assert!((h.new[4] - 0.344999).abs() < 1e-6);
}

#[test]
fn engine_forward_pass_matches_the_hand_derivation() {
    let h = by_hand();
    let spec = Spec::worked_example();
    let net = spec.network::<f64>().unwrap();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let mut ws = Workspace::new(&net, n);
    net.forward(&x, n, &mut ws);
    for s in 0..2 {
        for j in 0..2 {
            assert!(close(ws.pre_activations(0)[s * 2 + j], h.z_h[s][j]));
            assert!(close(ws.activations(0)[s * 2 + j], h.a_h[s][j]));
        }
        assert!(close(ws.pre_activations(1)[s], h.z_o[s]));
        assert!(close(ws.activations(1)[s], h.a_o[s]));
        let per_sample = net.loss.value(
            &ws.pre_activations(1)[s..s + 1],
            &ws.activations(1)[s..s + 1],
            &t[s..s + 1],
            1,
            1,
        );
        assert!(close(per_sample, h.e[s]));
    }
    assert!(close(net.loss_value(&t, n, &ws), h.e_total));
}

#[test]
fn engine_gradients_and_update_match_the_hand_derivation() {
    let h = by_hand();
    let spec = Spec::worked_example();
    let mut net = spec.network::<f64>().unwrap();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let mut ws = Workspace::new(&net, n);
    let loss = net.loss_and_gradients(&x, &t, n, &mut ws);
    assert!(close(loss, h.e_total));
    assert_eq!(ws.gradients().len(), 8, "8 parameters: w1..w6, b1, b2");
    for k in 0..8 {
        assert!(
            close(ws.gradients()[k], h.grads[k]),
            "gradient {k}: {} vs {}",
            ws.gradients()[k],
            h.grads[k]
        );
    }
    // One epoch of full-batch SGD is one step.
    let data = Dataset::from_f64(&x, &t, 2, 1).unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), n),
        n,
    );
    let stats = trainer.epoch(&mut net, &data).unwrap();
    assert_eq!(stats.steps, 1);
    assert!(close(stats.loss, h.e_total));
    for k in 0..8 {
        assert!(
            close(net.params[k], h.new[k]),
            "param {k}: {} vs {}",
            net.params[k],
            h.new[k]
        );
    }
}

#[test]
fn f32_engine_stays_within_f32_precision_of_the_hand_derivation() {
    let h = by_hand();
    let spec = Spec::worked_example();
    let mut net = spec.network::<f32>().unwrap();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let data = Dataset::<f32>::from_f64(&x, &t, 2, 1).unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), n),
        n,
    );
    trainer.epoch(&mut net, &data).unwrap();
    for k in 0..8 {
        assert!((net.params[k] as f64 - h.new[k]).abs() < 1e-6);
    }
}

#[test]
fn default_run_prints_the_true_values() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backprop"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let h = by_hand();
    // Every gradient and updated parameter appears with 6 significant digits.
    for needle in [
        format!("{:.6}", h.z_h[0][0]), // 0.377500
        format!("{:.10}", h.e_total),
        format!("{:.7}", h.grads[5]), // ∂E/∂w5
        format!("{:.6}", h.new[5]),   // w5⁺
        format!("{:.6}", h.new[4]),   // b1⁺
        format!("{:.8}", h.grads[0]), // ∂E/∂w1 (the notes stop before it)
    ] {
        assert!(text.contains(&needle), "missing {needle} in:\n{text}");
    }
    assert!(text.contains("Outputs after training"));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `backprop | head -1`: the reader goes away; the process must not panic on "Broken pipe".
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // close the read end before the program writes
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(13),
            "ended by SIGPIPE, as Unix tools are"
        );
    }
}
