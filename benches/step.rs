//! Training-step benchmarks (`cargo bench`; one group: `cargo bench -- worked`).
//!
//! - `worked/…`: one SGD step of the worked example (2-2-1 sigmoid, f64, batch 2) through the
//!   engine, next to `worked/scalar_floor`, a hand-fused scalar loop doing the same arithmetic:
//!   the floor the engine is measured against.
//! - `mlp/…`: one SGD step of a ReLU MLP with a softmax + cross-entropy output, at several sizes,
//!   batch sizes and both float types, on random data, on a thread of rayon's pool (where
//!   `Trainer::epoch` runs a step that uses threads).
//! - `gemm/…`: the f32 matrix product alone (throughput in FLOP/s, read "elem/s" as FLOP/s), to
//!   know the machine's peak; `matmul` is the engine's entry point, the same product through it.

use backprop::kernels::{matmul, Threads, View};
use backprop::{Float, OptimizerConfig, Spec, Trainer, TrainerConfig};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

#[path = "support/floor.rs"]
mod floor;
use floor::Scalar;

fn worked(c: &mut Criterion) {
    let mut g = c.benchmark_group("worked");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));

    let spec = Spec::worked_example();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), n),
        n,
    );
    g.bench_function("engine_step", |b| {
        b.iter(|| {
            trainer
                .step(&mut net, black_box(&x), black_box(&t), 2)
                .unwrap()
        })
    });

    let data = backprop::Dataset::<f64>::from_f64(&x, &t, 2, 1).unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), n),
        n,
    );
    g.bench_function("engine_epoch", |b| {
        b.iter(|| trainer.epoch(&mut net, black_box(&data)).unwrap())
    });

    let mut p = Scalar::worked_example();
    g.bench_function("scalar_floor", |b| {
        b.iter(|| p.step(black_box(&x), black_box(&t), black_box(0.5)))
    });
    g.finish();
}

/// A ReLU MLP `sizes[0]-…-sizes[last]` with softmax + cross-entropy, SGD η = 0.01.
fn mlp_spec(sizes: &[usize], dtype: &str) -> Spec {
    let mut text = format!(
        "inputs = {}\nloss = \"cross_entropy\"\ndtype = \"{dtype}\"\n[optimizer]\nlearning_rate = 0.01\n",
        sizes[0]
    );
    for (k, &u) in sizes[1..].iter().enumerate() {
        let act = if k + 2 == sizes.len() {
            "softmax"
        } else {
            "relu"
        };
        text += &format!("[[layers]]\nunits = {u}\nactivation = \"{act}\"\nbias = \"per_unit\"\n");
    }
    Spec::parse(&text, "bench").unwrap()
}

/// Random inputs in [0, 1) and one-hot targets, `batch` samples.
fn random_batch<F: Float>(inputs: usize, outputs: usize, batch: usize) -> (Vec<F>, Vec<F>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x = (0..batch * inputs)
        .map(|_| F::from_f64(rng.gen::<f64>()))
        .collect();
    let mut t = vec![F::ZERO; batch * outputs];
    for row in t.chunks_exact_mut(outputs) {
        row[rng.gen_range(0..outputs)] = F::ONE;
    }
    (x, t)
}

fn mlp_case<F: Float>(c: &mut Criterion, sizes: &[usize], batches: &[usize]) {
    let name = sizes
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("-");
    let mut g = c.benchmark_group(format!("mlp/{name}/{}", F::DTYPE.name()));
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    let spec = mlp_spec(sizes, F::DTYPE.name());
    for &batch in batches {
        let mut net = spec.network::<F>().unwrap();
        let (x, t) = random_batch::<F>(sizes[0], *sizes.last().unwrap(), batch);
        let mut trainer = Trainer::new(
            &net,
            &TrainerConfig::in_order(OptimizerConfig::sgd(0.01), batch),
            batch,
        );
        g.throughput(Throughput::Elements(batch as u64));
        // Where `Trainer::epoch` runs the steps: on a thread of rayon's pool when they use
        // threads, else on the calling thread.
        let pooled = trainer.uses_threads(&net);
        g.bench_with_input(BenchmarkId::new("batch", batch), &batch, |b, &batch| {
            b.iter_custom(|steps| {
                let mut run = || {
                    let start = Instant::now();
                    for _ in 0..steps {
                        black_box(trainer.step(&mut net, &x, &t, batch).unwrap());
                    }
                    start.elapsed()
                };
                if pooled {
                    rayon::scope(|_| run())
                } else {
                    run()
                }
            })
        });
    }
    g.finish();
}

fn mlp(c: &mut Criterion) {
    mlp_case::<f32>(c, &[64, 32, 10], &[1, 32, 128, 512]);
    mlp_case::<f64>(c, &[64, 32, 10], &[1, 32, 128, 512]);
    mlp_case::<f32>(c, &[784, 256, 10], &[1, 32, 128, 512]);
    mlp_case::<f64>(c, &[784, 256, 10], &[1, 128]);
    mlp_case::<f32>(c, &[784, 1024, 1024, 10], &[32, 128, 512]);
    mlp_case::<f64>(c, &[784, 1024, 1024, 10], &[128]);
}

fn gemm_peak(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    // Square products, and the three of the 784-256-10 layer at batch 128.
    for &(m, n, k) in &[
        (512, 512, 512),
        (1024, 1024, 1024),
        (128, 256, 784),
        (256, 784, 128),
    ] {
        let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 * 0.1).collect();
        let mut out = vec![0.0f32; m * n];
        g.throughput(Throughput::Elements(2 * (m * n * k) as u64));
        let id = format!("{m}x{n}x{k}");
        g.bench_function(BenchmarkId::new("matmul_f32", &id), |bch| {
            bch.iter(|| {
                matmul(
                    m,
                    n,
                    k,
                    View::rows(&a, k),
                    View::rows(&b, n),
                    &mut out,
                    false,
                    Threads::All,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, worked, mlp, gemm_peak);
criterion_main!(benches);
