//! Data-parallel steps (`backprop::kernels::shards`) and the chunked optimizer update: a batch split in
//! two shards has the gradient of the whole batch (the mean of its per-sample gradients), a
//! step gives bitwise the same parameters on any number of threads, and the update of a large
//! parameter vector follows the optimizers' formulas element by element.

use backprop::kernels::{shards, ShardedWorkspace};
use backprop::{
    Activation, BiasKind, Dataset, LayerShape, Loss, Network, Optimizer, OptimizerConfig,
    OptimizerKind, Trainer, TrainerConfig, Workspace,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn layer(units: usize, activation: Activation) -> LayerShape {
    LayerShape {
        units,
        activation,
        bias: BiasKind::PerUnit,
    }
}

/// An `inputs`-`hidden`-10 ReLU/softmax network with random parameters, and `n` random samples
/// with one-hot targets.
fn case(inputs: usize, hidden: usize, n: usize, seed: u64) -> (Network<f64>, Vec<f64>, Vec<f64>) {
    let shapes = [
        layer(hidden, Activation::Relu),
        layer(10, Activation::Softmax),
    ];
    let mut net = Network::<f64>::new(inputs, &shapes, Loss::CrossEntropy).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let scale = 1.0 / (inputs as f64).sqrt();
    for p in net.params.iter_mut() {
        *p = rng.gen_range(-scale..scale);
    }
    let x: Vec<f64> = (0..n * inputs).map(|_| rng.gen_range(0.0..1.0)).collect();
    let mut t = vec![0.0; n * 10];
    for row in t.chunks_exact_mut(10) {
        row[rng.gen_range(0..10)] = 1.0;
    }
    (net, x, t)
}

/// The loss and gradient of a batch as the mean of its samples' own (each a batch of one).
fn mean_of_samples(net: &Network<f64>, x: &[f64], t: &[f64], n: usize) -> (f64, Vec<f64>) {
    let mut ws = Workspace::new(net, 1);
    let (ni, no) = (net.inputs, net.outputs());
    let mut loss = 0.0;
    let mut grad = vec![0.0; net.params.len()];
    for s in 0..n {
        loss += net.loss_and_gradients(
            &x[s * ni..(s + 1) * ni],
            &t[s * no..(s + 1) * no],
            1,
            &mut ws,
        );
        for (g, &d) in grad.iter_mut().zip(ws.gradients()) {
            *g += d;
        }
    }
    (loss / n as f64, grad.iter().map(|g| g / n as f64).collect())
}

#[test]
fn a_split_batch_has_the_gradient_of_the_whole_batch() {
    // 300-128-10: 39,818 parameters; 423 samples split 212 + 211, and 211 × 39,818 passes the
    // work from which a batch is split.
    let (net, x, t) = case(300, 128, 423, 1);
    assert_eq!(shards::count(net.params.len(), 423), 2);
    assert_eq!(shards::split(423), [(0, 212), (212, 211)]);
    let mut ws = ShardedWorkspace::new(&net, 423);
    assert_eq!(ws.shard_count(), 2);
    // The whole batch, then a partial one (an epoch's last batch) in the same workspace.
    for n in [423, 300] {
        let loss = ws.loss_and_gradients(&net, &x[..n * 300], &t[..n * 10], n);
        let (want_loss, want) = mean_of_samples(&net, &x, &t, n);
        assert!(
            (loss - want_loss).abs() <= 1e-12 * want_loss.abs(),
            "{loss} vs {want_loss}"
        );
        let worst = ws
            .gradients()
            .iter()
            .zip(&want)
            .map(|(g, w)| (g - w).abs() / w.abs().max(1e-3))
            .fold(0.0, f64::max);
        assert!(worst <= 1e-10, "batch of {n}: relative error {worst:e}");
    }
}

#[test]
fn only_batches_that_gain_from_it_are_split() {
    // The worked example; 32 samples a shard; 64-32-10 (2,410 parameters) at batch 128 (too
    // little work a shard) and at 512; 784-256-10 at 128; 784-1024-1024-10 (too many
    // parameters to average).
    assert_eq!(shards::count(9, 2), 1);
    assert_eq!(shards::count(39_818, 64), 1);
    assert_eq!(shards::count(2_410, 128), 1);
    assert_eq!(shards::count(2_410, 512), 2);
    assert_eq!(shards::count(203_530, 128), 2);
    assert_eq!(shards::count(1_863_690, 512), 1);
    assert_eq!(shards::split(5), [(0, 3), (3, 2)]);
}

#[test]
fn a_split_step_does_not_depend_on_the_thread_count() {
    // 784-96-10 in f32 (76,330 parameters, so Adam's update also runs in chunks), batches of
    // 220 split 110 + 110, two epochs of 440 samples.
    let (net64, x, t) = case(784, 96, 440, 2);
    let net: Network<f32> = net64.cast();
    assert_eq!(shards::count(net.params.len(), 220), 2);
    let data = Dataset::<f32>::from_f64(&x, &t, 784, 10).unwrap();
    let train = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut net = net.clone();
        let config = OptimizerConfig::new(OptimizerKind::Adam, 1e-3);
        let mut trainer = Trainer::new(
            &net,
            &TrainerConfig {
                optimizer: config,
                batch_size: 220,
                shuffle: true,
                seed: 7,
            },
            data.len(),
        );
        pool.install(|| {
            for _ in 0..2 {
                trainer.epoch(&mut net, &data).unwrap();
            }
        });
        net.params
    };
    let one = train(1);
    assert_ne!(one, net.params, "training changed nothing");
    assert_eq!(one, train(2));
    assert_eq!(one, train(3));
}

#[test]
fn a_large_update_follows_the_formulas_element_by_element() {
    // 100,000 parameters, updated on a thread of a pool of two: past the size from which the
    // update runs in chunks on all threads.
    let n = 100_000;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let start: Vec<f64> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let grads: Vec<Vec<f64>> = (0..2)
        .map(|_| (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect())
        .collect();
    let (lr, mu, b1, b2, eps) = (0.1, 0.9, 0.9, 0.999, 1e-8);
    for kind in [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
        OptimizerKind::Adamw,
        OptimizerKind::Rmsprop,
    ] {
        let mut opt = Optimizer::<f64>::new(OptimizerConfig::new(kind, lr), n);
        let mut params = start.clone();
        pool.install(|| {
            for g in &grads {
                opt.step(&mut params, g);
            }
        });
        for k in (0..n).step_by(997) {
            let (g1, g2) = (grads[0][k], grads[1][k]);
            let want = match kind {
                // θ₂ = θ₀ − η·g₁ − η·g₂
                OptimizerKind::Sgd => start[k] - lr * g1 - lr * g2,
                // v₁ = g₁, v₂ = μ·g₁ + g₂; θ₂ = θ₀ − η·v₁ − η·v₂
                OptimizerKind::Momentum => start[k] - lr * g1 - lr * (mu * g1 + g2),
                // m_t, v_t as PyTorch; each step θ −= η/(1−β₁ᵗ) · m_t / (√v_t/√(1−β₂ᵗ) + ε)
                OptimizerKind::Adam => {
                    let (m1, v1) = ((1.0 - b1) * g1, (1.0 - b2) * g1 * g1);
                    let (m2, v2) = (b1 * m1 + (1.0 - b1) * g2, b2 * v1 + (1.0 - b2) * g2 * g2);
                    let step = |m: f64, v: f64, t: i32| {
                        lr / (1.0 - b1.powi(t)) * m / (v.sqrt() / (1.0 - b2.powi(t)).sqrt() + eps)
                    };
                    start[k] - step(m1, v1, 1) - step(m2, v2, 2)
                }
                // AdamW (λ = 0.01 on every parameter here): θ ← θ·(1 − ηλ) before each step.
                OptimizerKind::Adamw => {
                    let (m1, v1) = ((1.0 - b1) * g1, (1.0 - b2) * g1 * g1);
                    let (m2, v2) = (b1 * m1 + (1.0 - b1) * g2, b2 * v1 + (1.0 - b2) * g2 * g2);
                    let step = |m: f64, v: f64, t: i32| {
                        lr / (1.0 - b1.powi(t)) * m / (v.sqrt() / (1.0 - b2.powi(t)).sqrt() + eps)
                    };
                    let keep = 1.0 - lr * 0.01;
                    (start[k] * keep - step(m1, v1, 1)) * keep - step(m2, v2, 2)
                }
                // RMSprop, α = 0.99: s₁ = (1−α)g₁², s₂ = α·s₁ + (1−α)g₂²; θ −= η·g/(√s + ε)
                OptimizerKind::Rmsprop => {
                    let a = 0.99;
                    let s1 = (1.0 - a) * g1 * g1;
                    let s2 = a * s1 + (1.0 - a) * g2 * g2;
                    start[k] - lr * g1 / (s1.sqrt() + eps) - lr * g2 / (s2.sqrt() + eps)
                }
            };
            assert!(
                (params[k] - want).abs() <= 1e-12,
                "{kind:?} parameter {k}: {} vs {want}",
                params[k]
            );
        }
    }
}

#[test]
fn a_non_finite_value_in_the_second_shard_names_its_sample_in_the_batch() {
    let (net, mut x, t) = case(300, 128, 423, 4);
    x[300 * 300 + 5] = f64::INFINITY; // sample 301 (1-based), in the second shard (212…422)
    let mut net = net;
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(OptimizerConfig::sgd(0.1), 423),
        423,
    );
    let before = net.params.clone();
    let message = trainer.step(&mut net, &x, &t, 423).unwrap_err().to_string();
    assert!(
        message.contains("of sample 301 of the batch (layer 1)"),
        "{message}"
    );
    assert_eq!(net.params, before, "a failed step must not update");
}
