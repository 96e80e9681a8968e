//! Data-parallel steps across processes, in one of two ways ([`Spread`]):
//!
//! **Shards** (the default): the shards of a batch ([`crate::engine::shards`]) spread over
//! the ranks of a group, each shard's gradient computed by one rank, every shard's gradient
//! then gathered on every rank and averaged there as one process averages them. The shard rule
//! depends on the batch and the network's size only, so the ranks split a batch exactly as one
//! process does: S shards (1 or 2), shard s computed by rank ⌊s·N/S⌋ of N (a rank's shards are
//! contiguous; with more ranks than shards the others wait). Every rank then holds the same S
//! shard gradients, bit for bit the ones one process computes, and adds them in the same order
//! with the same weights B_s / B: a step on N ranks gives the one-process step's loss and
//! gradient bit for bit, for any N, and every rank applies the same update to the same
//! parameters. What a step sends: each rank its shards' gradients and losses (P + 1 values
//! each, P the parameters) and one value more, its vote to stop; an all-gather delivers every
//! rank's to every rank.
//!
//! **Slices**: every batch of B samples in N contiguous slices, one per rank (rank r's
//! `B_r = ⌊B/N⌋` samples, one more for the first `B mod N` ranks; [`slice`]), each rank's
//! contribution `(B_r/B)·∂E_r/∂θ` (E_r its slice's mean loss) summed over the ranks by one
//! all-reduce: `∂E/∂θ = Σ_r (B_r/B)·∂E_r/∂θ`, the batch gradient, on every rank. Every rank
//! computes, but the sum's grouping depends on N and on the all-reduce's algorithm: a step is
//! the one-process step up to floating-point reassociation, not bit for bit. A rank computes
//! its slice as one process computes a batch: in two halves on its two shards' workspaces when
//! the batch splits into shards, whole otherwise. The masks of dropout are the batch's own
//! ([`crate::engine::dropout::Dropout::draw_rows`]: each rank draws its samples' masks only,
//! the very values the one-process run draws for them). The step's one buffer is the first
//! workspace's gradient itself, with room for a few values more (reserved once, so a step
//! allocates nothing): the loss, the vote to stop, and each rank's fingerprint of the
//! parameters it started the step from (16-bit parts, in its own places, zero in the others',
//! so that the sum delivers all of them exactly). Every rank then checks that every rank
//! started from its parameters: the group relies on the all-reduce giving every rank the same
//! sum bit for bit (as the usual algorithms do: recursive doubling adds the same partial sums
//! on every rank, a ring or reduce-scatter reduces each part on one rank and then sends it),
//! and a group on which it did not ends at the next step ([`Collective::diverged`]).
//!
//! The communication itself is the group's ([`Collective`]): MPI in the command line, threads
//! in a test.

use crate::engine::dropout::Dropout;
use crate::engine::float::Float;
use crate::engine::network::Network;
use crate::engine::shards::{self, ShardedWorkspace};
use rayon::prelude::*;
use std::fmt::Debug;

/// How the ranks of a group share a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Spread {
    /// The engine's shards, each computed by one rank and gathered by every rank: the
    /// one-process step bit for bit; at most two ranks compute.
    #[default]
    Shards,
    /// One slice of every batch per rank, summed by an all-reduce: every rank computes; the
    /// one-process step within rounding.
    Slices,
}

/// The processes of a data-parallel run, as a step needs them.
pub trait Collective<F>: Send + Sync + Debug {
    /// This process's place in the group, from 0.
    fn rank(&self) -> usize;
    /// The processes in the group.
    fn size(&self) -> usize;
    /// How the group shares a step (the same on every rank).
    fn spread(&self) -> Spread {
        Spread::Shards
    }
    /// All-gather: rank r gives `counts[r]` values (`mine`), and every rank receives all of
    /// them in rank order into `all` (Σ counts values). Every rank calls it at the same point.
    fn all_gather(&self, mine: &[F], counts: &[usize], all: &mut [F]);
    /// All-reduce in place: `values` (the same length on every rank) summed element by
    /// element over the ranks, the sums left in `values` on every rank, the same bits on every
    /// rank. Every rank calls it at the same point ([`Spread::Slices`] only).
    fn all_reduce_sum(&self, values: &mut [F]);
    /// Whether this process asks the run to stop (Ctrl-C, say); asked before each exchange,
    /// its answer travels with the gradients.
    fn wants_stop(&self) -> bool {
        false
    }
    /// Told after each exchange whether any rank asked to stop: the same answer on every rank
    /// after the same step.
    fn agree_stop(&self, _any: bool) {}
    /// Called on every rank, at the same step, when rank `rank` started a step from other
    /// parameters than rank 0 (an all-reduce gave the ranks different sums): ends the run.
    fn diverged(&self, rank: usize) -> ! {
        panic!(
            "rank {rank} of {} holds other parameters than rank 0: the all-reduce gave the ranks different sums",
            self.size()
        )
    }
}

/// The rank that computes shard `shard` of `shards` in a group of `ranks`.
pub fn owner(shard: usize, shards: usize, ranks: usize) -> usize {
    shard * ranks / shards
}

/// The first sample and the number of samples of rank `rank`'s slice of a batch of `batch`
/// on `ranks` ranks ([`Spread::Slices`]): ⌊B/N⌋ samples each, the first `B mod N` ranks one
/// more (on two ranks, [`shards::split`]); a rank of a batch smaller than N may have none.
pub fn slice(batch: usize, rank: usize, ranks: usize) -> (usize, usize) {
    let (each, more) = (batch / ranks, batch % ranks);
    (
        rank * each + rank.min(more),
        each + usize::from(rank < more),
    )
}

/// The 16-bit parts of a parameter fingerprint that a step's exchange carries per rank.
const PRINT_PARTS: usize = 4;

/// Gradient elements scaled per task (a chunk of 128 KiB in f32).
const CHUNK: usize = 1 << 15;

/// A fingerprint of parameters: the wrapping sum of their bit patterns (as f64), each
/// rotated by its place modulo 64 (a value that differs in any bit changes it).
fn fingerprint<F: Float>(values: &[F]) -> u64 {
    values
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            chunk.iter().enumerate().fold(0u64, |h, (i, v)| {
                h.wrapping_add(
                    v.to_f64()
                        .to_bits()
                        .rotate_left(((c * CHUNK + i) % 64) as u32),
                )
            })
        })
        .reduce(|| 0, u64::wrapping_add)
}

impl<F: Float> ShardedWorkspace<F> {
    /// [`ShardedWorkspace::loss_and_gradients`] spread over `group`, as the group's
    /// [`Collective::spread`] says: with [`Spread::Shards`] the same loss and gradient bit for
    /// bit, with [`Spread::Slices`] the same within rounding; on every rank the same.
    /// `dropout`, when the network has it, with the step's number: each rank draws the masks
    /// it needs.
    pub fn loss_and_gradients_across(
        &mut self,
        net: &Network<F>,
        x: &[F],
        t: &[F],
        batch: usize,
        dropout: Option<(&Dropout, u64)>,
        group: &dyn Collective<F>,
    ) -> F {
        assert!(batch <= self.capacity, "batch larger than the workspace");
        match group.spread() {
            Spread::Shards => {
                if let Some((d, step)) = dropout {
                    d.draw(step, batch, self);
                }
                self.gathered(net, x, t, batch, group)
            }
            Spread::Slices => self.reduced(net, x, t, batch, dropout, group),
        }
    }

    /// The step of [`Spread::Shards`] (the masks of dropout, drawn for the whole batch, in
    /// place on every rank).
    fn gathered(
        &mut self,
        net: &Network<F>,
        x: &[F],
        t: &[F],
        batch: usize,
        group: &dyn Collective<F>,
    ) -> F {
        let (rank, ranks) = (group.rank(), group.size());
        let count = self.parts.len();
        let rows: Vec<(usize, usize)> = self.parts_of(batch).map(|(_, s, n)| (s, n)).collect();
        let p = net.params.len();
        // This rank's shards: their passes, on two threads when it has both.
        let mine: Vec<usize> = (0..count)
            .filter(|&s| owner(s, count, ranks) == rank)
            .collect();
        let mut losses = vec![F::ZERO; count];
        let pass = |ws: &mut _, (start, n): (usize, usize)| shards::pass(net, ws, x, t, start, n);
        match (&mut self.parts[..], &mine[..]) {
            ([a, b], [0, 1]) => {
                let (l0, l1) = rayon::join(|| pass(a, rows[0]), || pass(b, rows[1]));
                losses = vec![l0, l1];
            }
            (parts, _) => {
                for &s in &mine {
                    losses[s] = pass(&mut parts[s], rows[s]);
                }
            }
        }
        // Every rank's shards' gradients and losses, and its vote, to every rank.
        let counts: Vec<usize> = (0..ranks)
            .map(|r| (0..count).filter(|&s| owner(s, count, ranks) == r).count() * (p + 1) + 1)
            .collect();
        let mut send = Vec::with_capacity(counts[rank]);
        for &s in &mine {
            send.extend_from_slice(&self.parts[s].grads);
            send.push(losses[s]);
        }
        send.push(if group.wants_stop() { F::ONE } else { F::ZERO });
        let mut all = vec![F::ZERO; counts.iter().sum()];
        group.all_gather(&send, &counts, &mut all);
        let mut at = 0;
        let mut stop = false;
        for (r, &n) in counts.iter().enumerate() {
            let block = &all[at..at + n];
            let owned = (0..count).filter(|&s| owner(s, count, ranks) == r);
            for (s, values) in owned.zip(block.chunks_exact(p + 1)) {
                if r != rank {
                    self.parts[s].grads.copy_from_slice(&values[..p]);
                    losses[s] = values[p];
                }
            }
            stop |= block[n - 1] != F::ZERO;
            at += n;
        }
        group.agree_stop(stop);
        match &mut self.parts[..] {
            [_] => losses[0],
            [a, b] => shards::combine(a, b, losses[0], losses[1], batch, rows[0].1, rows[1].1),
            _ => unreachable!("a batch splits into at most two shards"),
        }
    }

    /// The step of [`Spread::Slices`].
    fn reduced(
        &mut self,
        net: &Network<F>,
        x: &[F],
        t: &[F],
        batch: usize,
        dropout: Option<(&Dropout, u64)>,
        group: &dyn Collective<F>,
    ) -> F {
        let (rank, ranks) = (group.rank(), group.size());
        let (start, rows) = slice(batch, rank, ranks);
        let print = fingerprint(&net.params);
        // This rank's contribution, (B_r/B)·E_r and (B_r/B)·∂E_r/∂θ, into the first part.
        let loss = match &mut self.parts[..] {
            [whole] => {
                if let Some((d, step)) = dropout {
                    d.draw_rows(step, batch, &mut [(&mut *whole, start, rows)]);
                }
                let loss = shards::pass(net, whole, x, t, start, rows);
                scale(&mut whole.grads, loss, rows, batch)
            }
            [a, b] => {
                let [(s0, n0), (s1, n1)] = shards::split(rows);
                let (s0, s1) = (start + s0, start + s1);
                if let Some((d, step)) = dropout {
                    d.draw_rows(step, batch, &mut [(&mut *a, s0, n0), (&mut *b, s1, n1)]);
                }
                let pass = |ws: &mut _, s, n| shards::pass(net, ws, x, t, s, n);
                let (l0, l1) = rayon::join(|| pass(a, s0, n0), || pass(b, s1, n1));
                shards::combine(a, b, l0, l1, batch, n0, n1)
            }
            _ => unreachable!("a batch splits into at most two shards"),
        };
        // The loss, the vote and the fingerprints after the gradient, summed in place.
        let p = net.params.len();
        let sums = &mut self.parts[0].grads;
        sums.reserve_exact(2 + PRINT_PARTS * ranks);
        sums.push(loss);
        sums.push(if group.wants_stop() { F::ONE } else { F::ZERO });
        for r in 0..ranks {
            for k in 0..PRINT_PARTS {
                let part = if r == rank {
                    (print >> (16 * k)) & 0xffff
                } else {
                    0
                };
                sums.push(F::from_f64(part as f64));
            }
        }
        group.all_reduce_sum(sums);
        let (loss, stop) = (sums[p], sums[p + 1] != F::ZERO);
        let prints = &sums[p + 2..];
        let first = &prints[..PRINT_PARTS];
        let other = (1..ranks).find(|&r| prints[r * PRINT_PARTS..(r + 1) * PRINT_PARTS] != *first);
        sums.truncate(p);
        if let Some(r) = other {
            group.diverged(r);
        }
        group.agree_stop(stop);
        loss
    }
}

/// `(rows/batch)·loss`, and the gradient scaled by `rows/batch` in place (a slice's share of
/// the batch).
fn scale<F: Float>(grads: &mut [F], loss: F, rows: usize, batch: usize) -> F {
    if rows == batch {
        return loss;
    }
    let share = F::from_usize(rows) / F::from_usize(batch);
    grads.par_chunks_mut(CHUNK).for_each(|g| {
        for v in g {
            *v = share * *v;
        }
    });
    share * loss
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::layer::{BiasKind, LayerShape};
    use crate::engine::loss::Loss;
    use crate::engine::network::Workspace;

    #[test]
    fn slices_cover_the_batch_in_order() {
        // 10 on 3 ranks: 4, 3, 3; 2 on 3: 1, 1, 0; on 2 ranks the shards' split.
        let all = |b, n| (0..n).map(|r| slice(b, r, n)).collect::<Vec<_>>();
        assert_eq!(all(10, 3), [(0, 4), (4, 3), (7, 3)]);
        assert_eq!(all(2, 3), [(0, 1), (1, 1), (2, 0)]);
        assert_eq!(all(129, 2), shards::split(129));
    }

    #[test]
    fn a_slice_draws_the_masks_the_whole_batch_draws_for_its_samples() {
        let shape = |units, activation| LayerShape {
            units,
            activation,
            bias: BiasKind::PerUnit,
        };
        let shapes = [
            shape(300, Activation::Relu),
            shape(7, Activation::Relu),
            shape(200, Activation::Relu),
            shape(3, Activation::Sigmoid),
        ];
        let net = Network::<f32>::new(8, &shapes, Loss::Mse).unwrap();
        let rates = [0.5, 0.0, 0.2, 0.0];
        let dropout = Dropout::new(&rates, 11).unwrap();
        let batch = 200;
        let mut whole = ShardedWorkspace::new(&net, batch);
        assert_eq!(
            whole.shard_count(),
            2,
            "the batch's masks drawn in two parts"
        );
        for part in &mut whole.parts {
            part.set_dropout(&net, &rates);
        }
        dropout.draw(5, batch, &mut whole);
        // Sample i's mask of layer l, as the whole batch drew it.
        let mask = |l: usize, i: usize| -> Vec<f32> {
            let (ws, start, _) = whole
                .parts_of(batch)
                .find(|&(_, s, n)| s <= i && i < s + n)
                .unwrap();
            let u = shapes[l].units;
            ws.dropout[l][(i - start) * u..(i - start + 1) * u].to_vec()
        };
        let (mut a, mut b) = (Workspace::new(&net, 60), Workspace::new(&net, 60));
        a.set_dropout(&net, &rates);
        b.set_dropout(&net, &rates);
        dropout.draw_rows(5, batch, &mut [(&mut a, 37, 60), (&mut b, 143, 57)]);
        for l in [0, 2] {
            let u = shapes[l].units;
            for (ws, start, rows) in [(&a, 37, 60), (&b, 143, 57)] {
                for k in 0..rows {
                    assert_eq!(ws.dropout[l][k * u..(k + 1) * u], mask(l, start + k)[..]);
                }
            }
        }
        assert!(mask(0, 40).contains(&0.0) && mask(0, 40).contains(&2.0));
    }
}
