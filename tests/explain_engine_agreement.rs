//! Two independent implementations of one training step must agree: the derivation graph
//! (scalar nodes, written out for `explain`) and the fast engine (`Network::loss_and_gradients`
//! and `Optimizer::step`), on many random networks covering every activation, loss, optimizer
//! and both kinds of bias, a share of them with dropout on hidden layers (the mask the engine
//! draws for the run's first step; the engine's own `Trainer::step`, draws included, must land
//! where the written-out update does). The graph's own reverse walk must agree with its
//! written-out chain rule too.

use backprop::derivation::{render, Derivation, Format, RenderOptions};
use backprop::notation::{input_name, parameter_names, unit_name};
use backprop::{Activation, Loss, Optimizer, OptimizerKind, Spec, Trainer, Workspace};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CASES: usize = 2000;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * a.abs().max(b.abs()).max(1e-2)
}

fn list(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:e}")).collect();
    format!("[{}]", items.join(", "))
}

/// A random spec, as TOML, with explicit weights and inline data.
fn random_spec(rng: &mut ChaCha8Rng) -> String {
    let inputs = rng.gen_range(1..=4);
    let depth = rng.gen_range(1..=3);
    let loss = Loss::ALL[rng.gen_range(0..4)];
    let optimizer = ["sgd", "momentum", "adam"][rng.gen_range(0..3)];
    let mut toml = format!(
        "inputs = {inputs}\nloss = \"{}\"\n[optimizer]\nkind = \"{optimizer}\"\nlearning_rate = {}\nmomentum = {}\nbeta1 = {}\nbeta2 = {}\neps = {:e}\n",
        loss.name(),
        rng.gen_range(0.01..1.0),
        rng.gen_range(0.0..0.99),
        rng.gen_range(0.5..0.99),
        rng.gen_range(0.9..0.9999),
        rng.gen_range(1e-9..1e-6),
    );
    // Nesterov's momentum in half of the momentum cases.
    if optimizer == "momentum" && rng.gen_bool(0.5) {
        toml += "nesterov = true\n";
    }
    // Coupled weight decay in a third of the cases, on the biases too in half of those.
    if rng.gen_bool(1.0 / 3.0) {
        toml += &format!(
            "weight_decay = {}\ndecay_biases = {}\n",
            rng.gen_range(0.001..0.5),
            rng.gen_bool(0.5)
        );
    }
    let mut fan_in = inputs;
    let mut outputs = 0;
    // Dropout on the hidden layers of a third of the deep enough networks.
    let dropout = depth > 1 && rng.gen_bool(1.0 / 3.0);
    for l in 0..depth {
        let last = l + 1 == depth;
        let units = if last && loss == Loss::CrossEntropy {
            rng.gen_range(2..=4)
        } else {
            rng.gen_range(1..=4)
        };
        let activation = match (last, loss) {
            (true, Loss::CrossEntropy) => Activation::Softmax,
            (true, Loss::Bce) => Activation::Sigmoid,
            (true, _) => Activation::ALL[rng.gen_range(0..6)],
            (false, _) => Activation::ALL[rng.gen_range(0..5)],
        };
        let rows: Vec<String> = (0..units)
            .map(|_| {
                list(
                    &(0..fan_in)
                        .map(|_| rng.gen_range(-1.5..1.5))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let bias = if rng.gen_bool(0.5) {
            format!("{:e}", rng.gen_range(-1.0..1.0))
        } else {
            list(
                &(0..units)
                    .map(|_| rng.gen_range(-1.0..1.0))
                    .collect::<Vec<_>>(),
            )
        };
        toml += &format!(
            "[[layers]]\nunits = {units}\nactivation = \"{}\"\nweights = [{}]\nbias = {bias}\n",
            activation.name(),
            rows.join(", ")
        );
        if dropout && !last && rng.gen_bool(0.75) {
            toml += &format!("dropout = {}\n", rng.gen_range(0.1..0.7));
        }
        fan_in = units;
        outputs = units;
    }
    let n = rng.gen_range(1..=4);
    let x: Vec<String> = (0..n)
        .map(|_| {
            list(
                &(0..inputs)
                    .map(|_| rng.gen_range(-2.0..2.0))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let t: Vec<String> = (0..n)
        .map(|_| {
            let row: Vec<f64> = match loss {
                Loss::CrossEntropy => {
                    let hot = rng.gen_range(0..outputs);
                    (0..outputs).map(|j| f64::from(j == hot)).collect()
                }
                Loss::Bce => (0..outputs).map(|_| rng.gen_range(0.0..1.0)).collect(),
                _ => (0..outputs).map(|_| rng.gen_range(-1.0..1.0)).collect(),
            };
            list(&row)
        })
        .collect();
    toml += &format!(
        "[training]\nbatch_size = {n}\nseed = {}\n[data]\ninputs = [{}]\ntargets = [{}]\n",
        rng.gen_range(0..1000u64),
        x.join(", "),
        t.join(", ")
    );
    toml
}

#[test]
fn the_derivation_agrees_with_the_engine_on_random_networks() {
    let mut rng = ChaCha8Rng::seed_from_u64(20261129);
    let mut seen = std::collections::HashSet::new();
    let mut with_dropout = 0;
    for case in 0..CASES {
        let toml = random_spec(&mut rng);
        let spec = Spec::parse(&toml, "random").unwrap_or_else(|e| panic!("{e}\n{toml}"));
        let d = Derivation::from_spec(&spec, None).unwrap();
        let g = &d.graph;
        if case < 100 {
            // Every renderer handles every kind of network.
            for format in [
                Format::Text,
                Format::Markdown,
                Format::Json,
                Format::Html,
                Format::Dot,
            ] {
                let out = render(&d, format, RenderOptions::default());
                assert!(out.len() > 500, "case {case} {format:?}");
                assert!(!out.contains("NaN"), "case {case} {format:?}:\n{out}");
            }
        }
        let at = |name: &str| {
            g.value(name)
                .unwrap_or_else(|| panic!("case {case}: no node {name}\n{toml}"))
        };

        // The engine.
        let mut net = spec.network::<f64>().unwrap();
        let (x, t, n) = spec.inline_data().unwrap().unwrap();
        let mut ws = Workspace::new(&net, n);
        // With dropout, the trainer the CLI builds: its masks of the first step (`kept` is
        // `draw` without a workspace) go into the workspace as 0 or 1/(1 − p), and its own step
        // is taken too.
        let rates = spec.dropout_rates();
        let mut trained = None;
        if rates.iter().any(|&p| p > 0.0) {
            let mut trainer = Trainer::new(&net, &spec.trainer_config(), n);
            trainer.set_dropout(&net, &rates);
            let units: Vec<usize> = net.layers.iter().map(|l| l.units).collect();
            let kept = trainer.dropout.as_ref().unwrap().kept(0, n, &units);
            ws.set_dropout(&net, &rates);
            for (l, flags) in kept.iter().enumerate() {
                for (k, &on) in flags.iter().enumerate() {
                    ws.dropout[l][k] = if on { 1.0 / (1.0 - rates[l]) } else { 0.0 };
                    let name = format!(
                        "s{}.m_{}",
                        k / units[l] + 1,
                        unit_name(&net.layers, l, k % units[l])
                    );
                    assert_eq!(at(&name), f64::from(u8::from(on)), "case {case}: {name}");
                }
            }
            let mut stepped = net.clone();
            trainer.step(&mut stepped, &x, &t, n).unwrap();
            trained = Some(stepped.params);
            with_dropout += 1;
        }
        let loss = net.loss_and_gradients(&x, &t, n, &mut ws);
        let grads = ws.gradients().to_vec();
        let mut opt = Optimizer::for_network(spec.optimizer_config(), &net);
        let before = net.params.clone();
        opt.step(&mut net.params, &grads);

        let why = |what: &str, a: f64, b: f64| {
            format!("case {case}: {what}: derivation {a}, engine {b}\n{toml}")
        };
        assert!(
            close(at("E_total"), loss),
            "{}",
            why("E_total", at("E_total"), loss)
        );
        for (l, layer) in net.layers.iter().enumerate() {
            for s in 0..n {
                for j in 0..layer.units {
                    let u = unit_name(&net.layers, l, j);
                    let k = s * layer.units + j;
                    let mut pairs =
                        vec![("z", ws.pre_activations(l)[k]), ("a", ws.activations(l)[k])];
                    if rates[l] > 0.0 {
                        pairs.push(("am", ws.dropped[l][k]));
                    }
                    for (what, engine) in pairs {
                        let name = format!("s{}.{what}_{u}", s + 1);
                        assert!(
                            close(at(&name), engine),
                            "{}",
                            why(&name, at(&name), engine)
                        );
                    }
                }
            }
        }
        // The graph's reverse walk from E_total, for the parameters.
        let walk = g.backward(d.e_total);
        for (k, name) in parameter_names(&net.layers).iter().enumerate() {
            assert_eq!(at(name), before[k]);
            let grad = at(&format!("grad.{name}"));
            assert!(
                close(grad, grads[k]),
                "{}",
                why(&format!("grad.{name}"), grad, grads[k])
            );
            let walked = walk[d.params[k]];
            assert!(
                close(grad, walked),
                "{}",
                why(&format!("walk {name}"), grad, walked)
            );
            // With weight decay, the rule's input is g + λθ (of the biases only when asked).
            let c = opt.config;
            let decays = c.weight_decay != 0.0 && (name.starts_with('w') || c.decay_biases);
            let decayed = g.value(&format!("decayed.{name}"));
            assert_eq!(
                decayed.is_some(),
                decays,
                "case {case}: decayed.{name}\n{toml}"
            );
            if let Some(d) = decayed {
                let by_hand = grads[k] + c.weight_decay * before[k];
                assert!(
                    close(d, by_hand),
                    "{}",
                    why(&format!("decayed.{name}"), d, by_hand)
                );
            }
            let new = at(&format!("new.{name}"));
            // Adam divides the gradient by its own size: where the gradient is round-off (a
            // bias shared by a softmax layer has Σ_j δ_j = 0 exactly), its step is ±η·noise in
            // both implementations, so only its size is comparable.
            if opt.config.kind == OptimizerKind::Adam && grads[k].abs() < 1e-8 {
                let lr = opt.config.learning_rate * 1.0001;
                assert!((new - before[k]).abs() <= lr && (net.params[k] - before[k]).abs() <= lr);
                continue;
            }
            assert!(
                close(new, net.params[k]),
                "{}",
                why(&format!("new.{name}"), new, net.params[k])
            );
            if let Some(stepped) = &trained {
                assert!(
                    close(new, stepped[k]),
                    "{}",
                    why(&format!("trainer's new.{name}"), new, stepped[k])
                );
            }
        }
        assert_eq!(at(&format!("s1.{}", input_name(0))), x[0]);
        let last = net.layers.last().unwrap();
        seen.insert((
            format!("{:?}", net.loss),
            format!("{:?}", last.activation),
            format!("{:?}", opt.config.kind),
        ));
        seen.insert((
            "nesterov".into(),
            format!("{}", opt.config.nesterov),
            String::new(),
        ));
        seen.insert((
            "decay".into(),
            format!("{:?}", opt.config.kind),
            format!("{}", opt.config.weight_decay != 0.0),
        ));
        for layer in &net.layers {
            seen.insert((
                format!("{:?}", layer.activation),
                format!("{:?}", layer.bias),
                String::new(),
            ));
        }
    }
    assert!(
        with_dropout >= CASES / 8,
        "{with_dropout} networks with dropout"
    );
    // Every loss, output activation and optimizer, and every activation with both biases, met.
    for a in Activation::ALL {
        for b in ["PerUnit", "Shared"] {
            assert!(
                seen.contains(&(format!("{a:?}"), b.to_string(), String::new())),
                "{a:?} {b}"
            );
        }
    }
    for kind in ["Sgd", "Momentum", "Adam"] {
        assert!(
            seen.contains(&("decay".into(), kind.into(), "true".into())),
            "{kind} decay"
        );
        for loss in ["HalfSse", "Mse", "CrossEntropy", "Bce"] {
            assert!(
                seen.iter().any(|(l, _, k)| l == loss && k == kind),
                "{loss} {kind}"
            );
        }
    }
}
