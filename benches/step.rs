//! Training-step benchmarks (`cargo bench`; one group: `cargo bench -- worked`).
//!
//! - `worked/…`: one SGD step of the worked example (2-2-1 sigmoid, f64, batch 2) through the
//!   engine, next to `worked/scalar_floor`, a hand-fused scalar loop doing the same arithmetic:
//!   the floor the engine is measured against.
//! - `mlp/…`: one SGD step of a ReLU MLP with a softmax + cross-entropy output, at several sizes,
//!   batch sizes and both float types, on random data.
//! - `gemm/…`: the f32 matrix product alone (throughput in FLOP/s, read "elem/s" as FLOP/s), to
//!   know the machine's peak; `matmul` is the engine's entry point, the same product through it.

use backprop::matrix::{matmul, View};
use backprop::{Float, OptimizerConfig, Spec, Trainer};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

fn worked(c: &mut Criterion) {
    let mut g = c.benchmark_group("worked");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));

    let spec = Spec::worked_example();
    let (x, t, n) = spec.inline_data().unwrap().unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, spec.optimizer_config(), n, false, 0, n);
    g.bench_function("engine_step", |b| {
        b.iter(|| {
            trainer
                .step(&mut net, black_box(&x), black_box(&t), 2)
                .unwrap()
        })
    });

    let data = backprop::Dataset::<f64>::from_f64(&x, &t, 2, 1).unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(&net, spec.optimizer_config(), n, false, 0, n);
    g.bench_function("engine_epoch", |b| {
        b.iter(|| trainer.epoch(&mut net, black_box(&data)).unwrap())
    });

    let mut p = Scalar::worked_example();
    g.bench_function("scalar_floor", |b| {
        b.iter(|| p.step(black_box(&x), black_box(&t), black_box(0.5)))
    });
    g.finish();
}

/// The worked example's parameters, for the hand-fused floor: w1..w4, b1, w5, w6, b2.
struct Scalar {
    p: [f64; 8],
}

impl Scalar {
    fn worked_example() -> Self {
        Scalar {
            p: [0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60],
        }
    }

    /// One SGD step on the batch of two: the same arithmetic as the engine (stable sigmoid,
    /// ½(t − o)² averaged over the batch, shared biases), written out by hand. Returns the loss.
    #[inline(never)]
    fn step(&mut self, x: &[f64], t: &[f64], lr: f64) -> f64 {
        let [w1, w2, w3, w4, b1, w5, w6, b2] = self.p;
        let mut g = [0.0f64; 8];
        let mut loss = 0.0;
        for s in 0..2 {
            let (i1, i2, t) = (x[2 * s], x[2 * s + 1], t[s]);
            let h1 = sigmoid(w1 * i1 + w2 * i2 + b1);
            let h2 = sigmoid(w3 * i1 + w4 * i2 + b1);
            let o = sigmoid(w5 * h1 + w6 * h2 + b2);
            loss += 0.5 * (t - o) * (t - o);
            let d_o = (o - t) * 0.5 * o * (1.0 - o);
            let d1 = d_o * w5 * h1 * (1.0 - h1);
            let d2 = d_o * w6 * h2 * (1.0 - h2);
            g[0] += d1 * i1;
            g[1] += d1 * i2;
            g[2] += d2 * i1;
            g[3] += d2 * i2;
            g[4] += d1 + d2;
            g[5] += d_o * h1;
            g[6] += d_o * h2;
            g[7] += d_o;
        }
        for (p, g) in self.p.iter_mut().zip(g) {
            *p -= lr * g;
        }
        loss * 0.5
    }
}

#[inline(always)]
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
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
        let mut trainer = Trainer::new(&net, OptimizerConfig::sgd(0.01), batch, false, 0, batch);
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_with_input(BenchmarkId::new("batch", batch), &batch, |b, &batch| {
            b.iter(|| trainer.step(&mut net, &x, &t, batch).unwrap())
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
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, worked, mlp, gemm_peak);
criterion_main!(benches);
