//! backprop's side of `bench/compare.sh`: the two tasks the peers run, timed the same way.
//!
//! ```sh
//! cargo run --release --example compare -- worked 200000 15   # steps per run, runs
//! cargo run --release --example compare -- mnist 5            # epochs (after one warm-up)
//! cargo run --release --example compare -- large 3            # 784-1024-1024-10, batch 512
//! cargo run --release --example compare -- floor 1000000      # the floor alone, one process
//! cargo run --release --example compare -- engine 1000000     # Trainer::step alone, one process
//! cargo run --release --example compare -- gemm 20              # the GEMM peak, f32, 512³ and 1024³
//! cargo run --release --example compare -- products 7          # the steps' products alone, one thread
//! ```
//! Prints one JSON object: the median over the runs.
//!
//! - `worked`: one SGD step of the worked example (2-2-1 sigmoid, f64, batch 2, η = 0.5).
//! - `mnist`: 784-256-10, ReLU hidden, softmax + cross-entropy, f32, SGD η = 0.01, batch 128,
//!   epochs of 468 batches (59,904 samples, in order) of random data of MNIST's shape
//!   (inputs uniform in [0, 1), one-hot labels).
//! - `large`: the same with 784-1024-1024-10 at batch 512 (117 batches, the same samples).
//! - `floor`, `engine`: that many steps of the worked example, once, in a process of their own
//!   (the hand-fused floor, or the engine's `Trainer::step`), to time as whole processes against
//!   `backprop train examples/01-worked-example.toml --epochs N --quiet`.
//! - `gemm`: the f32 matrix product alone, `C = A·B` for 512³ and 1024³ through the engine's
//!   `matmul` on all threads (as the criterion bench's `gemm` group): the best GFLOP/s over the
//!   runs (2 flops a multiply-add), the peak the whole step's products are measured against.
//! - `products`: each matrix product of the `mnist` and `large` steps alone, on one thread
//!   (`Threads::One`), as the step calls it (a 64-sample shard, or one of the four row blocks of
//!   a product on both cores), and the forward product `X·Wᵀ` also from a row-major copy of Wᵀ:
//!   the best GFLOP/s over the runs, one JSON object a line, with 512³ for the one-core peak.

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
        Some("mnist") => mlp("mnist", &[784, 256, 10], 128, arg(1, 5)),
        Some("large") => mlp("large", &[784, 1024, 1024, 10], 512, arg(1, 3)),
        Some("floor") => floor_process(arg(1, 1_000_000)),
        Some("engine") => engine_process(arg(1, 1_000_000)),
        Some("gemm") => gemm_peak(arg(1, 20)),
        Some("products") => products(arg(1, 7)),
        _ => {
            eprintln!(
                "usage: compare worked [STEPS RUNS] | mnist [EPOCHS] | large [EPOCHS] | floor [STEPS] | engine [STEPS] | gemm [RUNS] | products [RUNS]"
            );
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

/// `steps` steps of the hand-fused floor, and the process ends.
fn floor_process(steps: usize) {
    let spec = Spec::worked_example();
    let (x, t, _) = spec.inline_data().unwrap().unwrap();
    let mut floor = floor::Scalar::worked_example();
    let mut loss = 0.0;
    for _ in 0..steps {
        loss = floor.step(black_box(&x), black_box(&t), black_box(0.5));
    }
    println!("{{\"task\": \"floor\", \"steps\": {steps}, \"loss\": {loss:e}}}");
}

/// `steps` calls of `Trainer::step` on the worked example, and the process ends.
fn engine_process(steps: usize) {
    let spec = Spec::worked_example();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let config = TrainerConfig::in_order(spec.optimizer_config(), n);
    let mut trainer = Trainer::new(&net, &config, n);
    let mut loss = 0.0;
    for _ in 0..steps {
        loss = trainer.step(&mut net, &x, &t, 2).unwrap();
    }
    println!("{{\"task\": \"engine\", \"steps\": {steps}, \"loss\": {loss:e}}}");
}

/// The best GFLOP/s of `runs` f32 products of 512³ and of 1024³ (after one warm-up each), on a
/// thread of rayon's pool as the training step runs.
fn gemm_peak(runs: usize) {
    rayon::scope(|_| gemm_runs(runs));
}

fn gemm_runs(runs: usize) {
    use backprop::kernels::{matmul, Threads, View};
    let mut best = Vec::new();
    for n in [512usize, 1024] {
        let a: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.1).collect();
        let b: Vec<f32> = (0..n * n).map(|i| (i % 5) as f32 * 0.1).collect();
        let mut c = vec![0.0f32; n * n];
        let mut top = 0.0f64;
        for run in 0..runs + 1 {
            let start = Instant::now();
            matmul(
                n,
                n,
                n,
                View::rows(&a, n),
                View::rows(&b, n),
                &mut c,
                false,
                Threads::All,
            );
            let gflops = 2.0 * (n * n * n) as f64 / start.elapsed().as_secs_f64() / 1e9;
            if run > 0 {
                top = top.max(gflops);
            }
        }
        black_box(&c);
        best.push(top);
    }
    println!(
        "{{\"task\": \"gemm\", \"gflops_512\": {:.1}, \"gflops_1024\": {:.1}, \"threads\": {}}}",
        best[0],
        best[1],
        rayon::current_num_threads()
    );
}

/// The step's products alone on one thread: see the module docs.
fn products(runs: usize) {
    use backprop::kernels::{matmul, Threads, View};
    // (what, m, n, k, layout): `X·Wᵀ` reads W `[n × k]` as a transposed view (as the step does)
    // or (`Copied`) a row-major copy of Wᵀ `[k × n]`; `dZᵀ·X` reads dZ `[k × m]` transposed; `dZ·W` and
    // the square product read both row-major.
    #[derive(Clone, Copy)]
    enum Layout {
        XWt,
        Copied,
        DzTX,
        RowMajor,
    }
    use Layout::*;
    // Labels: the network, then a 64-sample shard's product or one of four row blocks.
    let shapes = [
        ("784-256-10 shard: forward 1", 64, 256, 784, XWt),
        (
            "784-256-10 shard: forward 1, Wᵀ copied",
            64,
            256,
            784,
            Copied,
        ),
        ("784-256-10 batch 128: forward 1", 128, 256, 784, XWt),
        ("784-256-10 shard: forward 2", 64, 10, 256, XWt),
        ("784-256-10 shard: ∂W 1", 256, 784, 64, DzTX),
        ("784-256-10 shard: ∂W 2", 10, 256, 64, DzTX),
        ("784-256-10 shard: ∂X 2", 64, 256, 10, RowMajor),
        ("784-1024-1024-10 block: forward 1", 128, 1024, 784, XWt),
        ("784-1024-1024-10 block: forward 2", 128, 1024, 1024, XWt),
        (
            "784-1024-1024-10 block: forward 2, Wᵀ copied",
            128,
            1024,
            1024,
            Copied,
        ),
        ("784-1024-1024-10 block: ∂W 2", 256, 1024, 512, DzTX),
        ("784-1024-1024-10 block: ∂X 2", 128, 1024, 1024, RowMajor),
        ("512³, the one-core peak", 512, 512, 512, RowMajor),
    ];
    for (what, m, n, k, layout) in shapes {
        let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 * 0.1).collect();
        let (a, b) = match layout {
            XWt => (View::rows(&a, k), View::transposed(&b, k)),
            DzTX => (View::transposed(&a, m), View::rows(&b, n)),
            Copied | RowMajor => (View::rows(&a, k), View::rows(&b, n)),
        };
        let mut c = vec![0.0f32; m * n];
        let flops = 2.0 * (m * n * k) as f64;
        // About 0.2 s of products a run at 200 GFLOP/s.
        let reps = ((4e10 / flops) as usize).max(3);
        let mut top = 0.0f64;
        for _ in 0..runs {
            let start = Instant::now();
            for _ in 0..reps {
                matmul(m, n, k, a, b, &mut c, false, Threads::One);
            }
            top = top.max(flops * reps as f64 / start.elapsed().as_secs_f64() / 1e9);
        }
        black_box(&c);
        println!(
            "{{\"product\": \"{what}\", \"m\": {m}, \"n\": {n}, \"k\": {k}, \"gflops\": {top:.1}}}"
        );
    }
}

/// A ReLU MLP of `sizes` with softmax + cross-entropy, f32, SGD η = 0.01, batch `batch`, on
/// 59,904 random samples of MNIST's shape, in order.
fn mlp(task: &str, sizes: &[usize], batch: usize, epochs: usize) {
    const SAMPLES: usize = 468 * 128;
    let mut text = format!(
        "inputs = {}\nloss = \"cross_entropy\"\ndtype = \"f32\"\n[optimizer]\nlearning_rate = 0.01\n",
        sizes[0]
    );
    for (k, &units) in sizes[1..].iter().enumerate() {
        let activation = if k + 2 == sizes.len() {
            "softmax"
        } else {
            "relu"
        };
        text += &format!(
            "[[layers]]\nunits = {units}\nactivation = \"{activation}\"\nbias = \"per_unit\"\n"
        );
    }
    let spec = Spec::parse(&text, "mnist-shaped MLP").unwrap();
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
        &TrainerConfig::in_order(OptimizerConfig::sgd(0.01), batch),
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
    // Multiply-adds per sample: forward and ∂W of every layer, ∂A of all but the first.
    let weights: Vec<f64> = sizes.windows(2).map(|w| (w[0] * w[1]) as f64).collect();
    let macs = 2.0 * weights.iter().sum::<f64>() + weights[1..].iter().sum::<f64>();
    println!(
        "{{\"task\": \"{task}\", \"samples_per_s\": {:.0}, \"gflops\": {:.1}, \"loss\": {:.4}, \"threads\": {}}}",
        rate,
        rate * 2.0 * macs / 1e9,
        loss,
        rayon::current_num_threads()
    );
}
