//! `backprop` with no arguments: the seed notes' worked example, computed exactly.

use super::num;
use backprop::notation::{input_name, parameter_names, unit_name};
use backprop::{Dataset, Network, Result, Spec, Trainer, TrainerConfig, Workspace};
use std::process::ExitCode;

/// Training on stops when the loss changes by less than this per 1000 epochs, or at the cap.
const CONVERGED: f64 = 1e-9;
const MAX_EPOCHS: usize = 1_000_000;

pub fn run() -> Result<ExitCode> {
    let spec = Spec::worked_example();
    let mut net = spec.network::<f64>()?;
    let (x, t, n) = spec.inline_data()?.expect("the example has data");
    let data = Dataset::<f64>::from_f64(&x, &t, net.inputs, net.outputs())?;
    let config = TrainerConfig::in_order(spec.optimizer_config(), n);
    let eta = config.optimizer.learning_rate;
    let mut ws = Workspace::new(&net, n);
    let e_total = forward_table(&net, &x, &t, n, &mut ws, eta);
    let mut trainer = Trainer::new(&net, &config, n);
    update_table(&mut net, &mut trainer, &data, &mut ws)?;
    train_on(&mut net, &mut trainer, &data, e_total, eta)?;
    outputs_table(&net, &x, &t, n, &mut ws);
    println!(
        "\nNext: `backprop train examples/01-worked-example.toml`, `backprop gradcheck …`, `backprop --help`."
    );
    Ok(ExitCode::SUCCESS)
}

/// The set-up and the forward pass of both samples, their errors and E_total (returned).
fn forward_table(
    net: &Network<f64>,
    x: &[f64],
    t: &[f64],
    n: usize,
    ws: &mut Workspace<f64>,
    eta: f64,
) -> f64 {
    println!("backprop: the worked example of the seed notes");
    println!(
        "2 inputs → 2 sigmoid hidden units (h1, h2; one shared bias b1) → 1 sigmoid output (o; bias b2)"
    );
    println!(
        "loss E = ½(target − output)² per sample, averaged over the batch of {n}; SGD, η = {}\n",
        eta
    );
    net.forward(x, n, ws);
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
                (0..n)
                    .map(|s| ws.pre_activations(l)[s * layer.units + j])
                    .collect(),
            );
            row(
                format!("a_{u} = σ(z_{u})"),
                (0..n)
                    .map(|s| ws.activations(l)[s * layer.units + j])
                    .collect(),
            );
        }
    }
    let outputs = net.outputs();
    let last = net.layers.len() - 1;
    row("target".into(), t.to_vec());
    let per_sample: Vec<f64> = (0..n)
        .map(|s| {
            let r = s * outputs..(s + 1) * outputs;
            net.loss.value(
                &ws.pre_activations(last)[r.clone()],
                &ws.activations(last)[r.clone()],
                &t[r],
                1,
                outputs,
            )
        })
        .collect();
    row("E = ½(t − o)²".into(), per_sample.clone());
    let e_total = net.loss_value(t, n, ws);
    let terms: Vec<String> = (1..=n).map(|s| format!("E_{s}")).collect();
    println!(
        "  E_total = ({}) / {n} = {}\n",
        terms.join(" + "),
        num(e_total, 10)
    );
    e_total
}

/// The backward pass: every gradient, and the parameters after one SGD step.
fn update_table(
    net: &mut Network<f64>,
    trainer: &mut Trainer<f64>,
    data: &Dataset<f64>,
    ws: &mut Workspace<f64>,
) -> Result<()> {
    let n = data.len();
    net.loss_and_gradients(&data.x, &data.t, n, ws);
    let grads = ws.gradients().to_vec();
    let before = net.params.clone();
    trainer.epoch(net, data)?;
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
    Ok(())
}

/// Training on to convergence (full batch), E_total at epochs 1, 10, 100, …
fn train_on(
    net: &mut Network<f64>,
    trainer: &mut Trainer<f64>,
    data: &Dataset<f64>,
    e_total: f64,
    eta: f64,
) -> Result<()> {
    println!("\nTraining on (full batch, SGD η = {eta})");
    let mut report = 10;
    let mut epoch = 1;
    let mut checkpoint_loss = f64::INFINITY;
    println!("  epoch {:>8}  E_total {}", 1, num(e_total, 6));
    while epoch < MAX_EPOCHS {
        let last_loss = trainer.epoch(net, data)?.loss;
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
    let mut ws = Workspace::new(net, data.len());
    let final_loss = net.loss_only(&data.x, &data.t, data.len(), &mut ws);
    println!(
        "  stopped after {epoch} epochs (the loss changed by less than {CONVERGED:e} over the last 1000): E_total {}",
        num(final_loss, 6)
    );
    Ok(())
}

/// Each sample's output against its target.
fn outputs_table(net: &Network<f64>, x: &[f64], t: &[f64], n: usize, ws: &mut Workspace<f64>) {
    println!("\nOutputs after training");
    let out = net.forward(x, n, ws).to_vec();
    for s in 0..n {
        println!(
            "  sample {}: target {:<10}  output {}",
            s + 1,
            num(t[s], 6),
            num(out[s], 6)
        );
    }
}
