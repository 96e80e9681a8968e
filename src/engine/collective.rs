//! Data-parallel steps across processes: the shards of a batch ([`crate::engine::shards`])
//! spread over the ranks of a group, each shard's gradient computed by one rank, every shard's
//! gradient then gathered on every rank and averaged there as one process averages them.
//!
//! The shard rule depends on the batch and the network's size only, so the ranks split a
//! batch exactly as one process does: S shards (1 or 2), shard s computed by rank ⌊s·N/S⌋ of
//! N (a rank's shards are contiguous; with more ranks than shards the others wait). Every rank
//! then holds the same S shard gradients, bit for bit the ones one process computes, and adds
//! them in the same order with the same weights B_s / B: a step on N ranks gives the
//! one-process step's loss and gradient bit for bit, for any N, and every rank applies the same
//! update to the same parameters.
//!
//! What a step sends: each rank its shards' gradients and losses (P + 1 values each, P the
//! parameters) and one value more, its vote to stop; an all-gather delivers every rank's to
//! every rank. The communication itself is the group's ([`Collective`]): MPI in the command
//! line, threads in a test.

use crate::engine::float::Float;
use crate::engine::network::Network;
use crate::engine::shards::{self, ShardedWorkspace};
use std::fmt::Debug;

/// The processes of a data-parallel run, as a step needs them.
pub trait Collective<F>: Send + Sync + Debug {
    /// This process's place in the group, from 0.
    fn rank(&self) -> usize;
    /// The processes in the group.
    fn size(&self) -> usize;
    /// All-gather: rank r gives `counts[r]` values (`mine`), and every rank receives all of
    /// them in rank order into `all` (Σ counts values). Every rank calls it at the same point.
    fn all_gather(&self, mine: &[F], counts: &[usize], all: &mut [F]);
    /// Whether this process asks the run to stop (Ctrl-C, say); asked before each exchange,
    /// its answer travels with the gradients.
    fn wants_stop(&self) -> bool {
        false
    }
    /// Told after each exchange whether any rank asked to stop: the same answer on every rank
    /// after the same step.
    fn agree_stop(&self, _any: bool) {}
}

/// The rank that computes shard `shard` of `shards` in a group of `ranks`.
pub fn owner(shard: usize, shards: usize, ranks: usize) -> usize {
    shard * ranks / shards
}

impl<F: Float> ShardedWorkspace<F> {
    /// [`ShardedWorkspace::loss_and_gradients`] with the shards spread over `group`: the same
    /// loss and gradient bit for bit, on every rank (the masks of dropout, drawn for the
    /// whole batch, must be in place on every rank).
    pub fn loss_and_gradients_across(
        &mut self,
        net: &Network<F>,
        x: &[F],
        t: &[F],
        batch: usize,
        group: &dyn Collective<F>,
    ) -> F {
        assert!(batch <= self.capacity, "batch larger than the workspace");
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
}
