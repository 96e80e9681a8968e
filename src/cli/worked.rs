//! `backprop` with no arguments: the seed notes' worked example, computed exactly.

use super::num;
use backprop::notation::{input_name, parameter_names, unit_name};
use backprop::{Dataset, Result, Spec, Trainer, Workspace};
use std::process::ExitCode;

/// Training on stops when the loss changes by less than this per 1000 epochs, or at the cap.
const CONVERGED: f64 = 1e-9;
const MAX_EPOCHS: usize = 1_000_000;

pub fn run() -> Result<ExitCode> {
    let spec = Spec::worked_example();
    let mut net = spec.network::<f64>()?;
    let (x, t, n) = spec.inline_data()?.expect("the example has data");
    let data = Dataset::<f64>::from_f64(&x, &t, net.inputs, net.outputs())?;
    let opt = spec.optimizer_config();

    println!("backprop: the worked example of the seed notes");
    println!(
        "2 inputs → 2 sigmoid hidden units (h1, h2; one shared bias b1) → 1 sigmoid output (o; bias b2)"
    );
    println!(
        "loss E = ½(target − output)² per sample, averaged over the batch of {n}; SGD, η = {}\n",
        opt.learning_rate
    );

    // Forward pass, per sample.
    let mut ws = Workspace::new(&net, n);
    net.forward(&x, n, &mut ws);
    println!("Forward pass");
    print!("  {:<16}", "");
    for s in 1..=n {
        print!("{:>14}", format!("sample {s}"));
    }
    println!();
    let row = |name: String, values: Vec<f64>| {
        print!("  {name:<16}");
        for v in values {
            print!("{:>14}", num(v, 6));
        }
        println!();
    };
    for i in 0..net.inputs {
        row(
            input_name(i),
            (0..n).map(|s| x[s * net.inputs + i]).collect(),
        );
    }
    for (l, layer) in net.layers.iter().enumerate() {
        for j in 0..layer.units {
            let u = unit_name(&net.layers, l, j);
            row(
                format!("z_{u}"),
                (0..n).map(|s| ws.z[l][s * layer.units + j]).collect(),
            );
            row(
                format!("a_{u} = σ(z_{u})"),
                (0..n).map(|s| ws.a[l][s * layer.units + j]).collect(),
            );
        }
    }
    let outputs = net.outputs();
    let last = net.layers.len() - 1;
    row("target".into(), t.clone());
    let per_sample: Vec<f64> = (0..n)
        .map(|s| {
            let r = s * outputs..(s + 1) * outputs;
            net.loss.value(
                &ws.z[last][r.clone()],
                &ws.a[last][r.clone()],
                &t[r],
                1,
                outputs,
            )
        })
        .collect();
    row("E = ½(t − o)²".into(), per_sample.clone());
    let e_total = net.loss_value(&t, n, &ws);
    let terms: Vec<String> = (1..=n).map(|s| format!("E_{s}")).collect();
    println!(
        "  E_total = ({}) / {n} = {}\n",
        terms.join(" + "),
        num(e_total, 10)
    );

    // Backward pass and the update.
    net.backward(&x, &t, n, &mut ws);
    let grads = ws.grads.clone();
    let before = net.params.clone();
    let mut trainer = Trainer::new(&net, opt, n, false, 0, n);
    trainer.epoch(&mut net, &data)?;
    println!(
        "Backward pass and one SGD step (θ⁺ = θ − η·∂E/∂θ, gradients averaged over the batch)"
    );
    println!(
        "  {:<6}{:>14}{:>16}{:>14}",
        "param", "θ", "∂E_total/∂θ", "θ⁺"
    );
    for (k, name) in parameter_names(&net.layers).iter().enumerate() {
        println!(
            "  {:<6}{:>14}{:>16}{:>14}",
            name,
            num(before[k], 6),
            num(grads[k], 6),
            num(net.params[k], 6)
        );
    }

    // Train on to convergence.
    println!("\nTraining on (full batch, SGD η = {})", opt.learning_rate);
    let mut report = 10;
    let mut epoch = 1;
    let mut checkpoint_loss = f64::INFINITY;
    println!("  epoch {:>8}  E_total {}", 1, num(e_total, 6));
    while epoch < MAX_EPOCHS {
        let last_loss = trainer.epoch(&mut net, &data)?.loss;
        epoch += 1;
        if epoch == report {
            println!("  epoch {epoch:>8}  E_total {}", num(last_loss, 6));
            report *= 10;
        }
        if epoch % 1000 == 0 {
            if (checkpoint_loss - last_loss).abs() < CONVERGED {
                break;
            }
            checkpoint_loss = last_loss;
        }
    }
    let final_loss = net.loss_only(&x, &t, n, &mut ws);
    println!(
        "  stopped after {epoch} epochs (the loss changed by less than {CONVERGED:e} over the last 1000): E_total {}",
        num(final_loss, 6)
    );
    println!("\nOutputs after training");
    let out = net.forward(&x, n, &mut ws).to_vec();
    for s in 0..n {
        println!(
            "  sample {}: target {:<10}  output {}",
            s + 1,
            num(t[s], 6),
            num(out[s], 6)
        );
    }
    println!(
        "\nNext: `backprop train examples/01-worked-example.toml`, `backprop gradcheck …`, `backprop --help`."
    );
    Ok(ExitCode::SUCCESS)
}
