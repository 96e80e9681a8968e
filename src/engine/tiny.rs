//! The whole training step of a tiny network in one pass: forward, loss, backward and the plain
//! SGD update, for a network whose every layer takes the fused small passes (`small.rs`) at the
//! trainer's batch size. On such a network (the worked example: 2-2-1, batch 2) a step is a few
//! dozen multiply-adds and six exponentials, and what the general path spends besides them (a
//! buffer per layer and pass, the passes' dispatch, the gradient written out and read back by
//! the optimizer) is most of the step.
//!
//! The arithmetic is that of the general path, sum for sum, so the results are bitwise the same:
//!
//! - forward: `z_bu = Σ_p x_bp·w_up + b_u` summed as `small.rs` sums it, then `a = f(z)` over
//!   the layer's block, layer by layer, into three buffers (`z`, `a`, `dz`) that hold every
//!   layer's rows one after the other;
//! - the loss and the output layer's `dz`: [`Loss::value_and_delta`] itself;
//! - backward, per unit `u` of a layer (rows of `W`, the outer loop) and then per sample `b`:
//!   `∂E/∂w_up = Σ_b dz_bu·x_bp` and `∂E/∂b_u = Σ_b dz_bu`, summed over `b` in order from the
//!   first term, and `∂E/∂a_below_bp = Σ_u dz_bu·w_up`, summed over `u` in order from the first
//!   term: for each sum the terms and their order are the general path's (which loops over `b`
//!   outside `u`). A bias of one value (shared, or a single unit's) sums every `dz` from zero in
//!   memory order, as the general path does. Then `dz_below = f'(z_below) ⊙ ∂E/∂a_below`.
//! - the update, `θ ← θ − η·g`, of unit `u`'s weights right after its row of `∂E/∂W` is complete:
//!   nothing later in the step reads them (the layer below needs its own weights, and this
//!   layer's `w_u` only for the `∂E/∂a_below` terms of unit `u`, already summed). The gradient is
//!   also written to the workspace's gradient, as the general step leaves it.
//!
//! A layer of at most four inputs and four units has both counts known at compile time (one
//! copy of the loops per shape), so its loops over a row and over the units unroll completely,
//! and the activation's derivative is chosen once per layer, not per element.
//!
//! A step whose loss is not finite stops before the backward pass, with the parameters
//! untouched: the caller redoes it on the general path, which says where it arose.

use crate::engine::activation::through_activation;
use crate::engine::fixed::Fixed;
use crate::engine::float::Float;
use crate::engine::layer::Layer;
use crate::engine::network::Network;
use crate::engine::small::{self, axpy, row_dot, Below};

/// The buffers of [`TinyStep::step`] for batches of up to `capacity` samples: every layer's
/// `[capacity × units]` rows of `Z`, `A` and `∂E/∂Z`, one layer after the other.
#[derive(Clone, Debug)]
pub struct TinyStep<F> {
    capacity: usize,
    z: Vec<F>,
    a: Vec<F>,
    dz: Vec<F>,
    /// ∂E/∂A of the output layer where the loss needs it (softmax under `half_sse`/`mse`).
    scratch: Vec<F>,
    /// The whole step as one function of the network's shape, for a network that has one
    /// ([`crate::engine::fixed`]); it needs none of the buffers.
    fixed: Option<Fixed<F>>,
}

impl<F: Float> TinyStep<F> {
    /// The one-pass step for `net` at batches of up to `capacity` samples, when every layer's
    /// passes take the fused small loops ([`small::fits`]) at that size (and so at any smaller).
    pub fn new(net: &Network<F>, capacity: usize) -> Option<Self> {
        let capacity = capacity.max(1);
        if !net.layers.iter().all(|l| small::fits(l, capacity)) {
            return None;
        }
        let rows: usize = net.layers.iter().map(|l| capacity * l.units).sum();
        Some(TinyStep {
            capacity,
            z: vec![F::ZERO; rows],
            a: vec![F::ZERO; rows],
            dz: vec![F::ZERO; rows],
            scratch: vec![F::ZERO; capacity * net.outputs()],
            fixed: Fixed::new(net, capacity),
        })
    }

    /// One SGD step with learning rate `lr` on `batch` samples `x` `[batch × inputs]`, targets
    /// `t` `[batch × outputs]`: returns the batch loss (before the update) and leaves ∂E/∂θ in
    /// `grads` (the layout of `params`). `None` when the loss is not finite: then nothing was
    /// updated.
    #[inline]
    pub fn step(
        &mut self,
        net: &mut Network<F>,
        x: &[F],
        t: &[F],
        batch: usize,
        lr: F,
        grads: &mut [F],
    ) -> Option<F> {
        assert!(batch <= self.capacity, "batch larger than the workspace");
        match &self.fixed {
            // it checks the sizes of `x` and `t` with the counts it knows
            Some(fixed) => fixed.step(&mut net.params, x, t, batch, lr, grads),
            None => self.layered(net, x, t, batch, lr, grads),
        }
    }

    /// [`TinyStep::step`] layer by layer, through the buffers.
    #[inline(never)]
    fn layered(
        &mut self,
        net: &mut Network<F>,
        x: &[F],
        t: &[F],
        batch: usize,
        lr: F,
        grads: &mut [F],
    ) -> Option<F> {
        assert_eq!(x.len(), batch * net.inputs, "input is not [batch × inputs]");
        assert_eq!(
            t.len(),
            batch * net.outputs(),
            "target is not [batch × outputs]"
        );
        let cap = self.capacity;
        // forward, layer by layer; `off` is where a layer's rows start
        let (mut off, mut below) = (0, 0);
        for (l, layer) in net.layers.iter().enumerate() {
            let (i, u) = (layer.inputs, layer.units);
            let (w, bias) = net.params[layer.weight_offset..layer.bias_offset + layer.bias_count()]
                .split_at(u * i);
            let (done, here) = self.a.split_at_mut(off);
            let pass = Forward {
                layer,
                batch,
                x: if l == 0 { x } else { &done[below..] },
                w,
                bias,
            };
            let (z, a) = (&mut self.z[off..off + batch * u], &mut here[..batch * u]);
            by_shape!(i, u, |I, U| pass.run::<I, U>(z, a));
            below = off;
            off += cap * u;
        }
        // the loss, and the output layer's ∂E/∂Z
        let out = net.layers.last().expect("a network has layers");
        let loss = net.loss.value_and_delta(
            out.activation,
            &self.z[below..],
            &self.a[below..],
            t,
            batch,
            out.units,
            &mut self.scratch,
            &mut self.dz[below..],
        );
        if !loss.is_finite() {
            return None;
        }
        // backward and update, from the output layer down; `here` is the layer's rows
        let mut here = below;
        for (l, layer) in net.layers.iter().enumerate().rev() {
            let (i, u) = (layer.inputs, layer.units);
            let below = here.saturating_sub(cap * i);
            let (dz_below, dz) = self.dz.split_at_mut(here);
            let input = if l == 0 {
                x
            } else {
                &self.a[below..below + batch * i]
            };
            let params = layer.weight_offset..layer.bias_offset + layer.bias_count();
            let (w, bias) = net.params[params.clone()].split_at_mut(u * i);
            let (gw, gb) = grads[params].split_at_mut(u * i);
            let below = (l > 0).then(|| Below {
                activation: net.layers[l - 1].activation,
                z: &self.z[below..below + batch * i],
                a: &self.a[below..below + batch * i],
                dz: &mut dz_below[below..below + batch * i],
            });
            let pass = Backward {
                batch,
                dz: &dz[..batch * u],
                x: input,
                lr,
            };
            by_shape!(i, u, |I, U| pass.weights::<I, U>(i, u, w, gw, below));
            pass.bias(u, bias, gb);
            here = here.saturating_sub(cap * i);
        }
        Some(loss)
    }
}

/// Runs `$body` with the const generics `$i`, `$u` set to the layer's inputs and units when
/// both are at most 4, and to 0 (counts known at run time) otherwise.
macro_rules! by_shape {
    ($inputs:expr, $units:expr, |$i:ident, $u:ident| $body:expr) => {
        by_shape!(@i $inputs, $units, $i, $u, $body, [1 2 3 4])
    };
    (@i $inputs:expr, $units:expr, $i:ident, $u:ident, $body:expr, [$($n:literal)*]) => {
        match ($inputs, $units) {
            $((1, $n) => { const $i: usize = 1; const $u: usize = $n; $body })*
            $((2, $n) => { const $i: usize = 2; const $u: usize = $n; $body })*
            $((3, $n) => { const $i: usize = 3; const $u: usize = $n; $body })*
            $((4, $n) => { const $i: usize = 4; const $u: usize = $n; $body })*
            _ => { const $i: usize = 0; const $u: usize = 0; $body }
        }
    };
}
use by_shape;

/// One layer's forward pass over `batch` samples: input `x`, weights `w` `[units × inputs]`,
/// bias (one per unit, or one shared).
struct Forward<'a, F> {
    layer: &'a Layer,
    batch: usize,
    x: &'a [F],
    w: &'a [F],
    bias: &'a [F],
}

impl<F: Float> Forward<'_, F> {
    /// `Z = X·Wᵀ + b` into `z`, `A = f(Z)` into `a` (both `[batch × units]`), for `I` inputs
    /// and `U` units (0: the layer's, at run time).
    #[inline(never)]
    fn run<const I: usize, const U: usize>(&self, z: &mut [F], a: &mut [F]) {
        let inputs = if I > 0 { I } else { self.layer.inputs };
        let units = if U > 0 { U } else { self.layer.units };
        let x = &self.x[..self.batch * inputs];
        let w = &self.w[..units * inputs];
        let shared = self.bias.len() == 1;
        for (x_row, z_row) in x.chunks_exact(inputs).zip(z.chunks_exact_mut(units)) {
            for (u, (z, w_row)) in z_row.iter_mut().zip(w.chunks_exact(inputs)).enumerate() {
                *z = row_dot(x_row, w_row) + self.bias[if shared { 0 } else { u }];
            }
        }
        self.layer.activation.forward_batch(z, a, units);
    }
}

/// One layer's backward pass and update: its `dz` `[batch × units]`, its input `x`
/// `[batch × inputs]`, the learning rate.
struct Backward<'a, F> {
    batch: usize,
    dz: &'a [F],
    x: &'a [F],
    lr: F,
}

impl<F: Float> Backward<'_, F> {
    /// ∂E/∂W into `gw`, the update of `w`, and the layer below's ∂E/∂Z, for `I` inputs and
    /// `U` units (0: `inputs`, `units`, at run time).
    #[inline(never)]
    fn weights<const I: usize, const U: usize>(
        &self,
        inputs: usize,
        units: usize,
        w: &mut [F],
        gw: &mut [F],
        below: Option<Below<F>>,
    ) {
        let inputs = if I > 0 { I } else { inputs };
        let units = if U > 0 { U } else { units };
        let (batch, lr) = (self.batch, self.lr);
        let x = &self.x[..batch * inputs];
        let dz = &self.dz[..batch * units];
        let (w, gw) = (&mut w[..units * inputs], &mut gw[..units * inputs]);
        match below {
            None => {
                for (u, (w_row, g_row)) in w
                    .chunks_exact_mut(inputs)
                    .zip(gw.chunks_exact_mut(inputs))
                    .enumerate()
                {
                    for (b, x_row) in x.chunks_exact(inputs).enumerate() {
                        axpy(b == 0, g_row, dz[b * units + u], x_row);
                    }
                    update(w_row, g_row, lr);
                }
            }
            Some(below) => {
                let da = &mut below.dz[..batch * inputs];
                for (u, (w_row, g_row)) in w
                    .chunks_exact_mut(inputs)
                    .zip(gw.chunks_exact_mut(inputs))
                    .enumerate()
                {
                    for (b, (x_row, da_row)) in x
                        .chunks_exact(inputs)
                        .zip(da.chunks_exact_mut(inputs))
                        .enumerate()
                    {
                        let d = dz[b * units + u];
                        axpy(b == 0, g_row, d, x_row);
                        // ∂E/∂A_below for this sample, summed in place of its dz
                        axpy(u == 0, da_row, d, w_row);
                    }
                    update(w_row, g_row, lr);
                }
                through_activation(below.activation, below.z, below.a, da);
            }
        }
    }

    /// ∂E/∂b into `gb` and the update of `bias` (one value per unit, or one shared).
    #[inline(always)]
    fn bias(&self, units: usize, bias: &mut [F], gb: &mut [F]) {
        let lr = self.lr;
        let dz = &self.dz[..self.batch * units];
        if let ([p], [g]) = (&mut *bias, &mut *gb) {
            // one value: every dz, from zero, in memory order
            let mut sum = F::ZERO;
            for &d in dz {
                sum += d;
            }
            *g = sum;
            *p -= lr * sum;
            return;
        }
        for (u, (p, g)) in bias.iter_mut().zip(gb.iter_mut()).enumerate() {
            let mut rows = dz.chunks_exact(units);
            let mut sum = rows.next().map_or(F::ZERO, |r| r[u]);
            for r in rows {
                sum += r[u];
            }
            *g = sum;
            *p -= lr * sum;
        }
    }
}

/// θ ← θ − η·g over a row.
#[inline(always)]
fn update<F: Float>(p: &mut [F], g: &[F], lr: F) {
    for (p, &g) in p.iter_mut().zip(g) {
        *p -= lr * g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::layer::{BiasKind, LayerShape};
    use crate::engine::loss::Loss;
    use crate::engine::network::Workspace;

    /// Deterministic values in about [-1.2, 1.2].
    fn values<F: Float>(n: usize, seed: usize) -> Vec<F> {
        (0..n)
            .map(|k| F::from_f64((((k * 7 + seed * 13) % 19) as f64 - 9.0) * 0.13))
            .collect()
    }

    impl<F> TinyStep<F> {
        /// The same step without its fixed-shape kernel: layer by layer, through the buffers.
        fn layer_by_layer(mut self) -> Self {
            self.fixed = None;
            self
        }
    }

    /// Steps of the one-pass step against the general path (`Network::loss_and_gradients`, then
    /// θ ← θ − η·g written out): the same loss, gradient and parameters, bit for bit, for every
    /// activation and loss, both bias kinds, shapes of at most four (unrolled) and more (run
    /// time), one to three layers, full and partial batches, f64 and f32; each network both
    /// layer by layer and, where it has one, with its fixed-shape kernel
    /// ([`crate::engine::fixed`]: one or two layers of at most four, elementwise activations,
    /// `half_sse` or `mse`).
    fn agrees<F: Float>() {
        use Activation::*;
        let hidden: [&[(usize, Activation, BiasKind)]; 8] = [
            &[],
            &[(2, Sigmoid, BiasKind::Shared)],
            &[(3, Tanh, BiasKind::PerUnit), (4, Relu, BiasKind::Shared)],
            &[(1, LeakyRelu, BiasKind::PerUnit)],
            &[
                (6, Linear, BiasKind::PerUnit),
                (2, Sigmoid, BiasKind::PerUnit),
            ],
            &[(4, Tanh, BiasKind::PerUnit)],
            &[(3, Relu, BiasKind::Shared)],
            &[(2, Linear, BiasKind::Shared)],
        ];
        let outputs = [
            (1, Sigmoid, Loss::HalfSse),
            (2, Linear, Loss::Mse),
            (3, Softmax, Loss::CrossEntropy),
            (1, Sigmoid, Loss::Bce),
            (3, Softmax, Loss::HalfSse),
            (5, Tanh, Loss::HalfSse),
            (4, Relu, Loss::Mse),
            (3, Tanh, Loss::HalfSse),
            (4, LeakyRelu, Loss::HalfSse),
            // sigmoid throughout with a sigmoid hidden layer or none: the kernels that know
            // their activation when compiled (as output 0)
            (2, Sigmoid, Loss::Mse),
        ];
        let (mut cases, mut fixed) = (0, 0);
        for inputs in [1, 2, 3, 4, 5] {
            for (h, layers) in hidden.iter().enumerate() {
                for (o, &(units, act, loss)) in outputs.iter().enumerate() {
                    let bias = if o % 2 == 0 {
                        BiasKind::Shared
                    } else {
                        BiasKind::PerUnit
                    };
                    let mut shapes: Vec<LayerShape> = layers
                        .iter()
                        .map(|&(units, activation, bias)| LayerShape {
                            units,
                            activation,
                            bias,
                        })
                        .collect();
                    shapes.push(LayerShape {
                        units,
                        activation: act,
                        bias,
                    });
                    let mut net = Network::<F>::new(inputs, &shapes, loss).unwrap();
                    net.params = values(net.params.len(), inputs + h);
                    for (capacity, by_layer) in
                        [1, 2, 3].into_iter().flat_map(|c| [(c, false), (c, true)])
                    {
                        let mut tiny = TinyStep::new(&net, capacity).expect("small layers");
                        if by_layer {
                            tiny = tiny.layer_by_layer();
                        } else if tiny.fixed.is_some() {
                            fixed += 1;
                        }
                        let mut general = net.clone();
                        let mut mine = net.clone();
                        let mut ws = Workspace::new(&net, capacity);
                        let mut grads = vec![F::ZERO; net.params.len()];
                        let lr = F::from_f64(0.3);
                        for step in 0..4 {
                            // a partial batch at the end
                            let batch = if step == 3 {
                                capacity.div_ceil(2)
                            } else {
                                capacity
                            };
                            let x: Vec<F> = values(batch * inputs, step);
                            let mut t: Vec<F> = values(batch * units, step + 5);
                            if loss != Loss::HalfSse && loss != Loss::Mse {
                                // targets in [0, 1]
                                for v in &mut t {
                                    *v = v.abs() / F::from_f64(1.2);
                                }
                            }
                            let want = general.loss_and_gradients(&x, &t, batch, &mut ws);
                            for (p, &g) in general.params.iter_mut().zip(&ws.grads) {
                                *p -= lr * g;
                            }
                            let got = tiny
                                .step(&mut mine, &x, &t, batch, lr, &mut grads)
                                .expect("finite");
                            let what = format!("{inputs} inputs, hidden {h}, output {o}, capacity {capacity}, layer by layer {by_layer}, step {step}");
                            assert_eq!(
                                got.to_f64().to_bits(),
                                want.to_f64().to_bits(),
                                "loss: {what}"
                            );
                            for (k, (g, w)) in grads.iter().zip(&ws.grads).enumerate() {
                                assert_eq!(
                                    g.to_f64().to_bits(),
                                    w.to_f64().to_bits(),
                                    "gradient {k}: {what}"
                                );
                            }
                            for (k, (p, w)) in mine.params.iter().zip(&general.params).enumerate() {
                                assert_eq!(
                                    p.to_f64().to_bits(),
                                    w.to_f64().to_bits(),
                                    "parameter {k}: {what}"
                                );
                            }
                            cases += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(cases, 5 * 8 * 10 * 3 * 2 * 4);
        // with a kernel: inputs 1–4, hidden none or one of 2, 1, 4, 3 and 2 units, outputs 0,
        // 1, 6, 7, 8, 9; three capacities
        assert_eq!(fixed, 4 * 6 * 6 * 3);
    }

    #[test]
    fn one_pass_step_equals_the_general_path_bit_for_bit() {
        agrees::<f64>();
        agrees::<f32>();
    }

    /// A loss that is not finite stops the step before anything is updated, with the
    /// fixed-shape kernel and layer by layer.
    #[test]
    fn a_step_whose_loss_is_not_finite_changes_nothing() {
        let shapes = [LayerShape {
            units: 1,
            activation: Activation::Linear,
            bias: BiasKind::PerUnit,
        }];
        let mut net = Network::<f64>::new(2, &shapes, Loss::HalfSse).unwrap();
        net.params = vec![0.5, -0.25, 0.125];
        let before = net.params.clone();
        let tiny = TinyStep::new(&net, 1).unwrap();
        assert!(tiny.fixed.is_some());
        for mut tiny in [tiny.clone(), tiny.layer_by_layer()] {
            let mut grads = vec![7.0; 3];
            let got = tiny.step(&mut net, &[f64::NAN, 1.0], &[0.0], 1, 0.1, &mut grads);
            assert!(got.is_none());
            assert_eq!(net.params, before);
            assert_eq!(grads, vec![7.0; 3]);
        }
    }

    /// A network with a layer too large for the fused loops takes the general path.
    #[test]
    fn only_networks_of_small_layers_take_it() {
        let shape = |units| LayerShape {
            units,
            activation: Activation::Relu,
            bias: BiasKind::PerUnit,
        };
        let net = Network::<f32>::new(64, &[shape(64), shape(1)], Loss::HalfSse).unwrap();
        assert!(TinyStep::new(&net, 1).is_some());
        assert!(
            TinyStep::new(&net, 2).is_none(),
            "2 × 64 × 64 > 4,096 multiply-adds"
        );
    }
}
