//! backprop's side of `bench/compare.sh`: the two tasks the peers run, timed the same way.
//!
//! ```sh
//! cargo run --release --example compare -- worked 200000 15   # steps per run, runs
//! cargo run --release --example compare -- mnist 5            # epochs (after one warm-up)
//! ```
//! Prints one JSON object: the median over the runs.
//!
//! - `worked`: one SGD step of the worked example (2-2-1 sigmoid, f64, batch 2, η = 0.5).
//! - `mnist`: 784-256-10, ReLU hidden, softmax + cross-entropy, f32, SGD η = 0.01, batch 128,
//!   epochs of 468 batches (59,904 samples, in order) of random data of MNIST's shape
//!   (inputs uniform in [0, 1), one-hot labels).

use backprop::{Dataset, OptimizerConfig, Spec, Trainer, TrainerConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Instant;

#[path = "../benches/support/floor.rs"]
mod floor;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg =
        |i: usize, default: usize| args.get(i).map_or(default, |s| s.parse().expect("a count"));
    match args.first().map(String::as_str) {
        Some("worked") => worked(arg(1, 200_000), arg(2, 15)),
        Some("mnist") => mnist(arg(1, 5)),
        _ => {
            eprintln!("usage: compare worked [STEPS RUNS] | compare mnist [EPOCHS]");
            std::process::exit(2);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn worked(steps: usize, runs: usize) {
    let spec = Spec::worked_example();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), n),
        n,
    );
    // The engine and the hand-fused floor in alternating runs, so both see the same machine.
    let mut floor = floor::Scalar::worked_example();
    let (mut engine_ns, mut floor_ns) = (Vec::new(), Vec::new());
    for run in 0..runs + 1 {
        let start = Instant::now();
        for _ in 0..steps {
            black_box(
                trainer
                    .step(&mut net, black_box(&x), black_box(&t), 2)
                    .unwrap(),
            );
        }
        let engine = start.elapsed().as_secs_f64() * 1e9 / steps as f64;
        let start = Instant::now();
        for _ in 0..steps {
            black_box(floor.step(black_box(&x), black_box(&t), black_box(0.5)));
        }
        if run > 0 {
            // run 0 is the warm-up
            engine_ns.push(engine);
            floor_ns.push(start.elapsed().as_secs_f64() * 1e9 / steps as f64);
        }
    }
    println!(
        "{{\"task\": \"worked\", \"ns_per_step\": {:.2}, \"floor_ns_per_step\": {:.2}, \"threads\": {}}}",
        median(engine_ns),
        median(floor_ns),
        rayon::current_num_threads()
    );
}

fn mnist(epochs: usize) {
    const BATCH: usize = 128;
    const SAMPLES: usize = 468 * BATCH;
    let text = "inputs = 784\nloss = \"cross_entropy\"\ndtype = \"f32\"\n\
                [optimizer]\nlearning_rate = 0.01\n\
                [[layers]]\nunits = 256\nactivation = \"relu\"\nbias = \"per_unit\"\n\
                [[layers]]\nunits = 10\nactivation = \"softmax\"\nbias = \"per_unit\"\n";
    let spec = Spec::parse(text, "mnist-shaped MLP").unwrap();
    let mut net = spec.network::<f32>().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let x: Vec<f32> = (0..SAMPLES * 784).map(|_| rng.gen()).collect();
    let mut t = vec![0.0f32; SAMPLES * 10];
    for row in t.chunks_exact_mut(10) {
        row[rng.gen_range(0..10)] = 1.0;
    }
    let data = Dataset::new(x, t, 784, 10).unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(OptimizerConfig::sgd(0.01), BATCH),
        SAMPLES,
    );
    let mut rates = Vec::with_capacity(epochs);
    let mut loss = 0.0;
    for _ in 0..epochs + 1 {
        let start = Instant::now();
        loss = trainer.epoch(&mut net, &data).unwrap().loss;
        rates.push(SAMPLES as f64 / start.elapsed().as_secs_f64());
    }
    rates.remove(0); // warm-up
    let rate = median(rates);
    // Multiply-adds per sample: forward and ∂W of both layers, ∂A of the output layer.
    let macs = 2.0 * (784.0 * 256.0 + 256.0 * 10.0) + 256.0 * 10.0;
    println!(
        "{{\"task\": \"mnist\", \"samples_per_s\": {:.0}, \"gflops\": {:.1}, \"loss\": {:.4}, \"threads\": {}}}",
        rate,
        rate * 2.0 * macs / 1e9,
        loss,
        rayon::current_num_threads()
    );
}
