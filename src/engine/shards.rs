//! Data-parallel steps: a large batch split into shards, each shard's forward and backward pass
//! on a thread of its own, the shards' gradients then averaged into the batch gradient.
//!
//! The batch loss is the mean over the batch's B samples, so for shards of B₁ … B_S samples
//! (Σ B_s = B), each with its own mean loss E_s:
//!
//! `E = Σ_s (B_s / B) · E_s`  and  `∂E/∂θ = Σ_s (B_s / B) · ∂E_s/∂θ`.
//!
//! Why shards rather than splitting each matrix product: a shard runs its whole pass (products,
//! activations, loss) on one core with no synchronisation, so the parts of a step that are not
//! products run on both cores too, and the threads meet twice per step (after the passes, after
//! the averaging) instead of at every product. A shard's products run whole on its own thread
//! ([`Threads::One`]).
//!
//! The split depends on the batch and the network's size only, never on the number of threads,
//! and the averaging adds the shards in a fixed order: a step gives bitwise the same result on
//! any number of threads. It differs from the unsplit step by floating-point reassociation
//! only (the sums over samples are added in two parts).

use crate::engine::float::Float;
use crate::engine::matrix::Threads;
use crate::engine::network::{Network, Workspace};
use rayon::prelude::*;

/// Shards a large batch is split into (the machine this was tuned on has two cores; on more,
/// the blocks inside each shard's products spread further).
pub const SHARDS: usize = 2;

/// When a batch is split: each shard at least [`MIN_ROWS`] samples and [`MIN_SHARD_WORK`]
/// multiply-adds of forward pass (samples × parameters), and at most [`MAX_PARAMS`] parameters
/// (beyond that the products alone keep both cores busy, and averaging gradients that no longer
/// fit in a core's cache costs more than the split gains). Measured in f32 on two cores, epochs
/// through `Trainer::epoch`, split against unsplit, samples/s:
///
/// | network | batch 32 | 64 | 128 | 512 |
/// |---|---:|---:|---:|---:|
/// | 64-32-10 (2,410 parameters) | 0.3× | | 0.65–1.1× | 2.1–2.4× |
/// | 784-256-10 (203,530) | 0.8× | 1.0× | 1.13–1.3× | 1.25–1.45× |
/// | 784-512-10 (407,050) | | | 1.0× | |
/// | 784-1024-10 (814,090) | | | | 1.0–1.13× |
/// | 784-1024-1024-10 (1,863,690) | 0.67× | | 0.78–0.89× | 0.95× |
///
/// and 784-256-10 in f64 at batch 128: 1.1×.
pub const MIN_ROWS: usize = 64;
/// See [`MIN_ROWS`].
pub const MIN_SHARD_WORK: usize = 1 << 19;
/// See [`MIN_ROWS`].
pub const MAX_PARAMS: usize = 1 << 19;

/// Gradient elements averaged per task (a chunk of 128 KiB in f32).
const CHUNK: usize = 1 << 15;

/// How many shards a batch of `batch` samples of a network of `params` parameters splits into.
pub fn count(params: usize, batch: usize) -> usize {
    let rows = batch / SHARDS;
    let split =
        rows >= MIN_ROWS && params <= MAX_PARAMS && rows.saturating_mul(params) >= MIN_SHARD_WORK;
    if split {
        SHARDS
    } else {
        1
    }
}

/// The first sample and the number of samples of each shard of a batch of `batch`: the first
/// shard takes the odd sample out.
pub fn split(batch: usize) -> [(usize, usize); SHARDS] {
    let first = batch.div_ceil(2);
    [(0, first), (first, batch - first)]
}

/// One workspace per shard, for batches of up to `capacity` samples.
#[derive(Clone, Debug)]
pub struct ShardedWorkspace<F> {
    pub(crate) capacity: usize,
    /// One workspace, or one per shard of [`split`]; after a step, the first one's `grads`
    /// hold the gradient of the whole batch.
    pub(crate) parts: Vec<Workspace<F>>,
}

impl<F: Float> ShardedWorkspace<F> {
    pub fn new(net: &Network<F>, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let shards = count(net.params.len(), capacity);
        let rows = capacity.div_ceil(shards);
        ShardedWorkspace {
            capacity,
            parts: (0..shards)
                .map(|_| {
                    let mut part = Workspace::new(net, rows);
                    if shards > 1 {
                        // The other core runs the other shard.
                        part.threads = Threads::One;
                    }
                    part
                })
                .collect(),
        }
    }

    /// Each workspace with the first sample and the number of samples it holds of the last
    /// batch of `batch` samples.
    pub fn parts_of(&self, batch: usize) -> impl Iterator<Item = (&Workspace<F>, usize, usize)> {
        let whole = [(0, batch), (batch, 0)];
        let rows = if self.parts.len() == 1 {
            whole
        } else {
            split(batch)
        };
        self.parts
            .iter()
            .zip(rows)
            .map(|(ws, (start, n))| (ws, start, n))
    }

    /// How many shards a batch of the full capacity splits into (1: none).
    pub fn shard_count(&self) -> usize {
        self.parts.len()
    }

    /// The gradient of the last [`ShardedWorkspace::loss_and_gradients`].
    pub fn gradients(&self) -> &[F] {
        &self.parts[0].grads
    }

    /// Forward, loss and backward for one batch of `batch` samples (at most the capacity):
    /// returns the batch loss; the batch gradient is in [`ShardedWorkspace::gradients`].
    #[inline]
    pub fn loss_and_gradients(&mut self, net: &Network<F>, x: &[F], t: &[F], batch: usize) -> F {
        assert!(batch <= self.capacity, "batch larger than the workspace");
        match &mut self.parts[..] {
            [whole] => net.loss_and_gradients(x, t, batch, whole),
            _ => self.sharded(net, x, t, batch),
        }
    }

    /// [`ShardedWorkspace::loss_and_gradients`] over two shards (kept out of line, so a small
    /// network's step goes straight to its one pass).
    #[inline(never)]
    fn sharded(&mut self, net: &Network<F>, x: &[F], t: &[F], batch: usize) -> F {
        let [loss0, loss1] = self.passes(net, x, t, batch);
        let [(_, rows0), (_, rows1)] = split(batch);
        let (a, b) = self.pair();
        combine(a, b, loss0, loss1, batch, rows0, rows1)
    }

    /// Both shards' passes on their threads: each shard's mean loss, its gradient in its
    /// workspace.
    fn passes(&mut self, net: &Network<F>, x: &[F], t: &[F], batch: usize) -> [F; 2] {
        let [(start0, rows0), (start1, rows1)] = split(batch);
        let (a, b) = self.pair();
        let (loss0, loss1) = rayon::join(
            || pass(net, a, x, t, start0, rows0),
            || pass(net, b, x, t, start1, rows1),
        );
        [loss0, loss1]
    }

    /// The two shards' workspaces.
    fn pair(&mut self) -> (&mut Workspace<F>, &mut Workspace<F>) {
        let (first, second) = self.parts.split_at_mut(1);
        (&mut first[0], &mut second[0])
    }
}

impl<F: Float> ShardedWorkspace<F> {
    /// A step of plain SGD on a batch split into shards: the passes of
    /// [`ShardedWorkspace::loss_and_gradients`], then the shards' averaging and the update
    /// θ ← θ − η·∂E/∂θ in one pass over the parameters ([`combine_sgd`]) instead of two: one
    /// read of the gradients and one meeting of the threads fewer per step, the same arithmetic.
    /// Returns the batch loss; when it is not finite nothing is updated (the gradient is
    /// averaged as before, for the caller's diagnosis). Only for a split workspace
    /// ([`ShardedWorkspace::shard_count`] > 1).
    pub fn sgd_step(
        &mut self,
        net: &mut Network<F>,
        x: &[F],
        t: &[F],
        batch: usize,
        learning_rate: F,
    ) -> F {
        assert!(batch <= self.capacity, "batch larger than the workspace");
        let [loss0, loss1] = self.passes(net, x, t, batch);
        let [(_, rows0), (_, rows1)] = split(batch);
        let (a, b) = self.pair();
        let (w0, w1): (F, F) = (share(rows0, batch), share(rows1, batch));
        let loss = loss0 * w0 + loss1 * w1;
        if loss.is_finite() {
            combine_sgd(a, b, &mut net.params, w0, w1, learning_rate);
        } else {
            combine(a, b, loss0, loss1, batch, rows0, rows1);
        }
        loss
    }
}

/// `g = (B₀/B)·g₀ + (B₁/B)·g₁` into the first shard's gradient, as [`combine`] leaves it, and
/// at once plain SGD from it, `θ ← θ − η·g`, as the optimizer's update does: element by element,
/// so the result is bitwise that of the two passes.
fn combine_sgd<F: Float>(
    a: &mut Workspace<F>,
    b: &Workspace<F>,
    params: &mut [F],
    w0: F,
    w1: F,
    learning_rate: F,
) {
    assert_eq!(params.len(), a.grads.len());
    a.grads
        .par_chunks_mut(CHUNK)
        .zip(b.grads.par_chunks(CHUNK))
        .zip(params.par_chunks_mut(CHUNK))
        .for_each(|((g0, g1), p)| {
            for ((g0, &g1), p) in g0.iter_mut().zip(g1).zip(p) {
                let g = w0 * *g0 + w1 * g1;
                *g0 = g;
                *p -= learning_rate * g;
            }
        });
}

/// One shard's pass on the `rows` samples from `start` of the batch `x`, `t`: returns the
/// shard's mean loss, its gradient in `ws.grads` (zero for an empty shard).
#[inline]
pub(crate) fn pass<F: Float>(
    net: &Network<F>,
    ws: &mut Workspace<F>,
    x: &[F],
    t: &[F],
    start: usize,
    rows: usize,
) -> F {
    if rows == 0 {
        ws.grads.fill(F::ZERO);
        return F::ZERO;
    }
    let (ni, no) = (net.inputs, net.outputs());
    let x = &x[start * ni..(start + rows) * ni];
    let t = &t[start * no..(start + rows) * no];
    net.loss_and_gradients(x, t, rows, ws)
}

/// The batch loss `(B₀/B)·E₀ + (B₁/B)·E₁` from the two shards' mean losses, and
/// `∂E/∂θ = (B₀/B)·∂E₀/∂θ + (B₁/B)·∂E₁/∂θ` into the first shard's gradient.
#[inline]
pub(crate) fn combine<F: Float>(
    a: &mut Workspace<F>,
    b: &Workspace<F>,
    loss0: F,
    loss1: F,
    batch: usize,
    rows0: usize,
    rows1: usize,
) -> F {
    let (w0, w1): (F, F) = (share(rows0, batch), share(rows1, batch));
    a.grads
        .par_chunks_mut(CHUNK)
        .zip(b.grads.par_chunks(CHUNK))
        .for_each(|(g0, g1)| {
            for (g0, &g1) in g0.iter_mut().zip(g1) {
                *g0 = w0 * *g0 + w1 * g1;
            }
        });
    loss0 * w0 + loss1 * w1
}

/// `rows / batch`, a shard's share of the batch.
fn share<F: Float>(rows: usize, batch: usize) -> F {
    F::from_usize(rows) / F::from_usize(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::layer::{BiasKind, LayerShape};
    use crate::engine::loss::Loss;

    /// 64-128-10 with softmax + cross-entropy: batches of 128 (and of 127) split in two.
    fn network() -> (Network<f32>, Vec<f32>, Vec<f32>) {
        let shape = |units, activation| LayerShape {
            units,
            activation,
            bias: BiasKind::PerUnit,
        };
        let shapes = [shape(128, Activation::Relu), shape(10, Activation::Softmax)];
        let mut net = Network::<f32>::new(64, &shapes, Loss::CrossEntropy).unwrap();
        for (k, p) in net.params.iter_mut().enumerate() {
            *p = ((k * 37 % 101) as f32 - 50.0) * 0.002;
        }
        let x: Vec<f32> = (0..128 * 64).map(|k| (k * 13 % 17) as f32 / 17.0).collect();
        let mut t = vec![0.0f32; 128 * 10];
        for (s, row) in t.chunks_exact_mut(10).enumerate() {
            row[s * 7 % 10] = 1.0;
        }
        (net, x, t)
    }

    /// The fused step equals the two passes it replaces, bit for bit: the averaged gradient
    /// (`combine`), then θ − η·g for every parameter, for an even and an odd batch.
    #[test]
    fn sgd_step_is_the_average_then_the_update() {
        let (net, x, t) = network();
        let lr = 0.05f32;
        for batch in [128, 127] {
            let mut fused_net = net.clone();
            let mut fused = ShardedWorkspace::new(&net, 128);
            assert_eq!(fused.shard_count(), 2);
            let mut plain = fused.clone();
            let (x, t) = (&x[..batch * 64], &t[..batch * 10]);
            let loss = fused.sgd_step(&mut fused_net, x, t, batch, lr);
            let want_loss = plain.loss_and_gradients(&net, x, t, batch);
            assert_eq!(loss.to_bits(), want_loss.to_bits());
            assert_eq!(fused.gradients(), plain.gradients());
            let want: Vec<f32> = net
                .params
                .iter()
                .zip(plain.gradients())
                .map(|(&p, &g)| p - lr * g)
                .collect();
            assert_eq!(fused_net.params, want);
            assert_ne!(fused_net.params, net.params);
        }
    }

    /// A loss that is not finite updates nothing.
    #[test]
    fn sgd_step_with_a_non_finite_loss_leaves_the_parameters() {
        let (mut net, x, t) = network();
        // An output unit's bias (a NaN in the hidden layer's weights would be lost in ReLU).
        *net.params.last_mut().unwrap() = f32::NAN;
        let before = net.params.clone();
        let mut ws = ShardedWorkspace::new(&net, 128);
        let loss = ws.sgd_step(&mut net, &x, &t, 128, 0.05);
        assert!(!loss.is_finite());
        assert_eq!(net.params.len(), before.len());
        for (p, q) in net.params.iter().zip(&before) {
            assert_eq!(p.to_bits(), q.to_bits());
        }
    }
}
