//! The memory a network needs for training, counted from its shapes before anything is
//! allocated (so that a size limit can refuse it up front).
//!
//! In elements of its dtype, for P parameters, a batch of B samples and S optimizer state
//! vectors ([`crate::engine::optim::OptimizerKind::state_vectors`]):
//! `P (parameters) + G·P (gradients) + S·P + B·(3·Σ units + widest layer + inputs + outputs)`:
//! the workspace's pre-activations, activations and deltas, its scratch
//! ([`crate::engine::network::Workspace::new`]), and a batch's copy of inputs and targets; G is 1,
//! or 2 when a batch is split into shards ([`shards::count`]). A test allocates the trainer and
//! counts.

use crate::engine::network::{BiasKind, LayerShape};
use crate::engine::shards;

/// Number of parameters of a network, without overflow.
pub fn parameter_count(inputs: usize, shapes: &[LayerShape]) -> u128 {
    let mut fan_in = inputs as u128;
    let mut total = 0u128;
    for s in shapes {
        let units = s.units as u128;
        let bias = match s.bias {
            BiasKind::PerUnit => units,
            BiasKind::Shared => 1,
        };
        total = total
            .saturating_add(units.saturating_mul(fan_in))
            .saturating_add(bias);
        fan_in = units;
    }
    total
}

/// Bytes needed to train a network (see the module docs for the formula); `element` is the
/// dtype's size in bytes.
pub fn training_bytes(
    inputs: usize,
    shapes: &[LayerShape],
    element: usize,
    states: u128,
    batch: usize,
) -> u128 {
    let p = parameter_count(inputs, shapes);
    let units: u128 = shapes.iter().map(|s| s.units as u128).sum();
    let widest = shapes
        .iter()
        .map(|s| s.units)
        .chain([inputs])
        .max()
        .unwrap_or(0) as u128;
    let outputs = shapes.last().map_or(0, |s| s.units) as u128;
    let per_sample = units
        .saturating_mul(3)
        .saturating_add(widest)
        .saturating_add(inputs as u128)
        .saturating_add(outputs);
    let gradients = shards::count(usize::try_from(p).unwrap_or(usize::MAX), batch) as u128;
    let elements = p
        .saturating_mul((1 + gradients).saturating_add(states))
        .saturating_add((batch as u128).saturating_mul(per_sample));
    elements.saturating_mul(element as u128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::network::Network;
    use crate::engine::optim::{Optimizer, OptimizerConfig, OptimizerKind};
    use crate::engine::shards::ShardedWorkspace;

    fn shape(units: usize) -> LayerShape {
        LayerShape {
            units,
            activation: Activation::Sigmoid,
            bias: BiasKind::PerUnit,
        }
    }

    #[test]
    fn training_bytes_follow_the_formula() {
        // 2-3-1, per-unit biases: P = 3·2 + 3 + 1·3 + 1 = 13; Σ units = 4, widest = 3,
        // inputs 2, outputs 1 → per sample 3·4 + 3 + 2 + 1 = 18. Adam (2 states), batch 5, f64:
        // (13·(2 + 2) + 5·18)·8 = (52 + 90)·8 = 1136.
        let shapes = [shape(3), shape(1)];
        assert_eq!(parameter_count(2, &shapes), 13);
        assert_eq!(training_bytes(2, &shapes, 8, 2, 5), 1136);
    }

    #[test]
    fn a_split_batch_counts_a_second_gradient() {
        // 784-256-10, per-unit biases: P = 784·256 + 256 + 256·10 + 10 = 203,530, and batches of
        // 128 split in two shards (64 · 203,530 passes the threshold), so G = 2. Σ units = 266,
        // widest = 784 (the inputs) → per sample 3·266 + 784 + 784 + 10 = 2,376.
        // SGD, f32: (203,530·(1 + 2) + 128·2,376)·4 = (610,590 + 304,128)·4 = 3,658,872.
        let shapes = [shape(256), shape(10)];
        assert_eq!(crate::engine::shards::count(203_530, 128), 2);
        assert_eq!(training_bytes(784, &shapes, 4, 0, 128), 3_658_872);
    }

    #[test]
    fn absurd_sizes_saturate_instead_of_overflowing() {
        let shapes = [shape(usize::MAX), shape(usize::MAX)];
        assert_eq!(
            training_bytes(usize::MAX, &shapes, 8, 2, usize::MAX),
            u128::MAX
        );
    }

    /// The formula counts what a training step really allocates: the parameters, the
    /// optimizer's state, the (sharded) workspace, and a batch's copy of inputs and targets.
    #[test]
    fn the_formula_counts_the_real_buffers() {
        for (inputs, hidden, outputs, batch, kind) in [
            (2, 3, 1, 5, OptimizerKind::Adam),
            (784, 256, 10, 128, OptimizerKind::Sgd),
            (64, 32, 10, 512, OptimizerKind::Momentum),
        ] {
            let shapes = [shape(hidden), shape(outputs)];
            let net =
                Network::<f32>::new(inputs, &shapes, crate::engine::loss::Loss::HalfSse).unwrap();
            let ws = ShardedWorkspace::new(&net, batch);
            let opt = Optimizer::<f32>::new(OptimizerConfig::new(kind, 0.1), net.params.len());
            let workspace: usize = ws
                .parts
                .iter()
                .map(|p| {
                    let layers: usize = (0..net.layers.len())
                        .map(|l| p.z[l].len() + p.a[l].len() + p.dz[l].len())
                        .sum();
                    layers + p.scratch.len() + p.grads.len()
                })
                .sum();
            let counted = net.params.len()
                + opt.first.len()
                + opt.second.len()
                + workspace
                + batch * (inputs + outputs);
            assert_eq!(
                training_bytes(inputs, &shapes, 4, kind.state_vectors(), batch),
                counted as u128 * 4,
                "{inputs}-{hidden}-{outputs}, batch {batch}"
            );
        }
    }
}
