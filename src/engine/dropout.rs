//! Dropout (Srivastava et al., 2014), inverted as PyTorch's `nn.Dropout`: while training, each
//! output of a layer of rate p is kept with probability 1 − p and scaled by 1/(1 − p), so that at
//! evaluation the layer is used as it is, with nothing dropped and nothing scaled.
//!
//! For a layer's outputs `A` `[B × U]` and a mask `M` of 0 or 1/(1 − p):
//! - forward: `Ã = A ⊙ M`, and the next layer reads `Ã` instead of `A`;
//! - backward: `∂E/∂A = ∂E/∂Ã ⊙ M` (from the layer above's `dZ·W`), then
//!   `dZ = ∂E/∂A ⊙ f'(Z)` as without dropout.
//!
//! The masks of step k (counted from 0 over the whole run) come from the ChaCha stream k of the
//! run's seed (apart from initialisation's, shuffling's and the split's), drawn layer by layer,
//! sample by sample in batch order, unit by unit: a unit is kept when a 32-bit draw is at least
//! ⌊p·2³²⌉. A step's masks depend on (seed, step) alone, so a run is reproducible bit for bit, a
//! resumed run draws what an uninterrupted one would, and the shards of a batch
//! ([`crate::engine::shards`]) share one batch's draws.

use crate::engine::float::Float;
use crate::engine::network::Workspace;
use crate::engine::shards::ShardedWorkspace;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The dropout rates of a network's layers and the seed of their masks.
#[derive(Clone, Debug, PartialEq)]
pub struct Dropout {
    /// p per layer (0: no dropout); the output layer's is 0.
    pub rates: Vec<f64>,
    seed: u64,
    /// Per layer, the draws below which a unit is dropped (⌊p·2³²⌉).
    thresholds: Vec<u64>,
}

impl Dropout {
    /// `None` when every rate is 0. Rates are in [0, 1) (the spec checks them).
    pub fn new(rates: &[f64], seed: u64) -> Option<Dropout> {
        if rates.iter().all(|&p| p == 0.0) {
            return None;
        }
        Some(Dropout {
            rates: rates.to_vec(),
            seed,
            thresholds: rates
                .iter()
                .map(|&p| (p * 4_294_967_296.0).round() as u64)
                .collect(),
        })
    }

    /// Fills the masks of step `step` for a batch of `batch` samples, each part of `ws` its own
    /// rows of the batch.
    pub fn draw<F: Float>(&self, step: u64, batch: usize, ws: &mut ShardedWorkspace<F>) {
        let mut rng = self.stream(step);
        let parts: Vec<(usize, usize)> = ws.parts_of(batch).map(|(_, s, n)| (s, n)).collect();
        for (l, (&threshold, &p)) in self.thresholds.iter().zip(&self.rates).enumerate() {
            if p == 0.0 {
                continue;
            }
            let keep = F::from_f64(1.0 / (1.0 - p));
            for (part, &(_, rows)) in ws.parts.iter_mut().zip(&parts) {
                let units = part.dropout[l].len() / part.capacity;
                for m in &mut part.dropout[l][..rows * units] {
                    *m = if u64::from(rng.next_u32()) >= threshold {
                        keep
                    } else {
                        F::ZERO
                    };
                }
            }
        }
    }
}

impl Dropout {
    /// The random stream of step `step`'s masks.
    fn stream(&self, step: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ DROPOUT_SEED);
        rng.set_stream(step);
        rng
    }

    /// Which units step `step` keeps, as [`Dropout::draw`] draws them for a batch of `batch`
    /// samples, without a workspace: per layer (`units[l]` units each), `batch × units[l]`
    /// flags in sample order, unit by unit (`true`: kept; a layer of rate 0 has none). What
    /// `explain` shows of a step with dropout.
    pub fn kept(&self, step: u64, batch: usize, units: &[usize]) -> Vec<Vec<bool>> {
        let mut rng = self.stream(step);
        self.thresholds
            .iter()
            .zip(&self.rates)
            .zip(units)
            .map(|((&threshold, &p), &units)| {
                if p == 0.0 {
                    return Vec::new();
                }
                (0..batch * units)
                    .map(|_| u64::from(rng.next_u32()) >= threshold)
                    .collect()
            })
            .collect()
    }
}

impl Dropout {
    /// The masks of [`Dropout::draw`] for some samples of the batch only: each
    /// `(workspace, start, rows)` gets those of samples `start..start + rows` in its first
    /// rows. A layer's draws run sample by sample through the batch, so sample i's masks of
    /// layer l are the draws from `offset_l + i·units_l` of the step's stream (offset_l: the
    /// draws of the layers before it, `batch·units` each): the same values, drawn from there.
    pub fn draw_rows<F: Float>(
        &self,
        step: u64,
        batch: usize,
        parts: &mut [(&mut Workspace<F>, usize, usize)],
    ) {
        let mut rng = self.stream(step);
        let mut offset: u128 = 0;
        for (l, (&threshold, &p)) in self.thresholds.iter().zip(&self.rates).enumerate() {
            if p == 0.0 {
                continue;
            }
            let keep = F::from_f64(1.0 / (1.0 - p));
            let mut units = 0;
            for (part, start, rows) in parts.iter_mut() {
                units = part.dropout[l].len() / part.capacity;
                rng.set_word_pos(offset + (*start * units) as u128);
                for m in &mut part.dropout[l][..*rows * units] {
                    *m = if u64::from(rng.next_u32()) >= threshold {
                        keep
                    } else {
                        F::ZERO
                    };
                }
            }
            offset += (batch * units) as u128;
        }
    }
}

/// Dropout on the network's inputs (Srivastava et al. use p = 0.2 on MNIST's pixels): while
/// training, the batch `X` `[B × I]` is read as `X̃ = X ⊙ M`, M of 0 or 1/(1 − p), so the first
/// layer's `Z = X̃·Wᵀ + b` and `∂E/∂W = dZᵀ·X̃`; nothing else changes (no gradient flows into
/// the data). Step k's mask is drawn from the ChaCha stream k of its own seed offset (the
/// layers' masks are those of a run without it), sample by sample in batch order, input by
/// input, with the layers' rule: kept when a 32-bit draw is at least ⌊p·2³²⌉.
#[derive(Clone, Debug, PartialEq)]
pub struct InputDropout {
    pub rate: f64,
    seed: u64,
    threshold: u64,
}

impl InputDropout {
    /// `None` for a rate of 0. The rate is in [0, 1) (the spec checks it).
    pub fn new(rate: f64, seed: u64) -> Option<InputDropout> {
        (rate > 0.0).then(|| InputDropout {
            rate,
            seed,
            threshold: (rate * 4_294_967_296.0).round() as u64,
        })
    }

    /// Writes `X̃ = X ⊙ M` of step `step` for the batch `x` `[B × I]` into `out` (as long as `x`).
    pub fn apply<F: Float>(&self, step: u64, x: &[F], out: &mut [F]) {
        let keep = F::from_f64(1.0 / (1.0 - self.rate));
        let mut rng = self.stream(step);
        for (o, &v) in out.iter_mut().zip(x) {
            *o = if u64::from(rng.next_u32()) >= self.threshold {
                v * keep
            } else {
                F::ZERO
            };
        }
    }

    /// Which of the `batch × inputs` values step `step` keeps, in the order
    /// [`InputDropout::apply`] draws them (`true`: kept).
    pub fn kept(&self, step: u64, batch: usize, inputs: usize) -> Vec<bool> {
        let mut rng = self.stream(step);
        (0..batch * inputs)
            .map(|_| u64::from(rng.next_u32()) >= self.threshold)
            .collect()
    }

    fn stream(&self, step: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ INPUT_DROPOUT_SEED);
        rng.set_stream(step);
        rng
    }
}

/// The seed offset of the dropout streams.
const DROPOUT_SEED: u64 = 0x4452_4f50_4f55_5421;
/// The seed offset of the inputs' dropout streams.
const INPUT_DROPOUT_SEED: u64 = 0x494e_5055_5444_524f;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::loss::Loss;
    use crate::engine::network::{BiasKind, LayerShape, Network};

    /// `kept` is what `draw` writes, on one workspace and on a batch split into shards.
    #[test]
    fn kept_is_what_draw_draws() {
        let shape = |units, activation| LayerShape {
            units,
            activation,
            bias: BiasKind::PerUnit,
        };
        let net = Network::<f64>::new(
            64,
            &[
                shape(128, Activation::Relu),
                shape(16, Activation::Relu),
                shape(10, Activation::Softmax),
            ],
            Loss::CrossEntropy,
        )
        .unwrap();
        let rates = [0.3, 0.0, 0.0];
        let d = Dropout::new(&rates, 7).unwrap();
        for (capacity, batch, shards) in [(5, 5, 1), (5, 3, 1), (131, 131, 2), (131, 130, 2)] {
            let mut ws = ShardedWorkspace::new(&net, capacity);
            assert_eq!(ws.shard_count(), shards);
            for part in &mut ws.parts {
                part.set_dropout(&net, &rates);
            }
            for step in [0, 1, 41] {
                d.draw(step, batch, &mut ws);
                let kept = d.kept(step, batch, &[128, 16, 10]);
                assert!(kept[1].is_empty() && kept[2].is_empty());
                let mut drawn = Vec::new();
                for (part, _, rows) in ws.parts_of(batch) {
                    drawn.extend(part.dropout[0][..rows * 128].iter().map(|&m| m != 0.0));
                }
                assert_eq!(kept[0], drawn, "batch {batch}, step {step}");
                let share = drawn.iter().filter(|&&k| k).count() as f64 / drawn.len() as f64;
                assert!((share - 0.7).abs() < 0.1, "{share}");
            }
        }
    }
}
