//! A multi-layer perceptron: dense layers over one flat parameter vector, with the forward and
//! backward pass over a batch.
//!
//! Shapes, for a batch of B samples and a layer of U units fed by I inputs:
//! - input `X` `[B × I]`, weights `W` `[U × I]` (one row per unit), bias `b` `[U]` or `[1]` shared;
//! - forward: `Z = X·Wᵀ + b` `[B × U]`, `A = f(Z)`;
//! - backward, given `dZ = ∂E/∂Z` (the output layer's comes from the loss, with 1/B in it):
//!   `∂E/∂W = dZᵀ·X` `[U × I]`; `∂E/∂b_u = Σ_b dZ_bu` (per unit) or `Σ_b Σ_u dZ_bu` (shared: one
//!   parameter used by every unit, so its gradient is the sum of theirs); and for the layer below
//!   `∂E/∂X = dZ·W` `[B × I]`, then `dZ_below = ∂E/∂X ⊙ f'(Z_below)`.
//!
//! A layer small enough for the engine's own loops takes fused passes instead (`small.rs`:
//! the same sums in fewer loops); larger ones go through [`matmul`] and separate passes.
//!
//! The engine allocates nothing after [`Workspace::new`]: a training step reuses its buffers.
//! (The `gemm` crate, which runs the large products, takes a packing buffer per product from the
//! allocator and frees it on return; the fused small passes allocate nothing at all, tested.)

use crate::engine::activation::Activation;
use crate::engine::float::Float;
pub use crate::engine::layer::{BiasKind, Layer, LayerShape};
use crate::engine::loss::Loss;
use crate::engine::matrix::{matmul, Threads, View};
use crate::engine::small::{self, Below};
use crate::error::{Error, Result};

/// A feed-forward network and its loss. All parameters live in `params`, layer by layer
/// (weights, then bias), so an optimizer updates them in one flat loop.
#[derive(Clone, Debug, PartialEq)]
pub struct Network<F> {
    pub inputs: usize,
    pub layers: Vec<Layer>,
    pub loss: Loss,
    pub params: Vec<F>,
}

impl<F: Float> Network<F> {
    /// A network with every parameter zero; checks that the shapes and the loss fit together.
    pub fn new(inputs: usize, shapes: &[LayerShape], loss: Loss) -> Result<Self> {
        if inputs == 0 {
            return Err(Error::Config(
                "the network needs at least one input (`inputs` is 0)".to_string(),
            ));
        }
        if shapes.is_empty() {
            return Err(Error::Config(
                "the network needs at least one layer ([[layers]] is empty)".to_string(),
            ));
        }
        let mut layers = Vec::with_capacity(shapes.len());
        let mut fan_in = inputs;
        let mut offset = 0usize;
        for (i, s) in shapes.iter().enumerate() {
            if s.units == 0 {
                return Err(Error::Config(format!(
                    "layer {}: `units` is 0, expected at least 1",
                    i + 1
                )));
            }
            if s.activation == Activation::Softmax && i + 1 != shapes.len() {
                return Err(Error::Config(format!(
                    "layer {}: softmax is only allowed on the output layer (layer {})",
                    i + 1,
                    shapes.len()
                )));
            }
            let mut layer = Layer {
                inputs: fan_in,
                units: s.units,
                activation: s.activation,
                bias: s.bias,
                weight_offset: offset,
                bias_offset: 0,
            };
            offset = offset.checked_add(layer.weight_count()).ok_or_else(|| {
                crate::Error::TooLarge("the network has too many parameters".into())
            })?;
            layer.bias_offset = offset;
            offset += layer.bias_count();
            fan_in = s.units;
            layers.push(layer);
        }
        let output = layers.last().expect("non-empty").activation;
        if let Some(required) = loss.required_activation() {
            if output != required {
                // The loss that does fit this output, when there is one.
                let other = match (loss, output) {
                    (Loss::CrossEntropy, crate::Activation::Sigmoid) => {
                        "loss `bce` for sigmoid outputs, or `half_sse`/`mse`"
                    }
                    (Loss::Bce, crate::Activation::Softmax) => {
                        "loss `cross_entropy` for a softmax output, or `half_sse`/`mse`"
                    }
                    _ => "loss `half_sse`/`mse`",
                };
                return Err(Error::Config(format!(
                    "loss `{}` needs a {} output layer, but layer {} uses {} (use {} there, or {other})",
                    loss.name(),
                    required.name(),
                    layers.len(),
                    output.name(),
                    required.name()
                )));
            }
        }
        Ok(Network {
            inputs,
            layers,
            loss,
            params: vec![F::ZERO; offset],
        })
    }

    /// Number of output units.
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.units)
    }

    pub fn weights(&self, layer: usize) -> &[F] {
        let l = &self.layers[layer];
        &self.params[l.weight_offset..l.weight_offset + l.weight_count()]
    }
    pub fn weights_mut(&mut self, layer: usize) -> &mut [F] {
        let l = &self.layers[layer];
        let range = l.weight_offset..l.weight_offset + l.weight_count();
        &mut self.params[range]
    }
    pub fn bias(&self, layer: usize) -> &[F] {
        let l = &self.layers[layer];
        &self.params[l.bias_offset..l.bias_offset + l.bias_count()]
    }
    pub fn bias_mut(&mut self, layer: usize) -> &mut [F] {
        let l = &self.layers[layer];
        let range = l.bias_offset..l.bias_offset + l.bias_count();
        &mut self.params[range]
    }

    /// The same network in another float type (values converted through f64).
    pub fn cast<G: Float>(&self) -> Network<G> {
        Network {
            inputs: self.inputs,
            layers: self.layers.clone(),
            loss: self.loss,
            params: self
                .params
                .iter()
                .map(|&p| G::from_f64(p.to_f64()))
                .collect(),
        }
    }

    /// Forward pass of `batch` samples `x` `[batch × inputs]`; fills the workspace's `z` and `a`
    /// and returns the outputs `[batch × outputs]`.
    pub fn forward<'w>(&self, x: &[F], batch: usize, ws: &'w mut Workspace<F>) -> &'w [F] {
        assert!(batch <= ws.capacity, "batch larger than the workspace");
        assert_eq!(
            x.len(),
            batch * self.inputs,
            "input is not [batch × inputs]"
        );
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, rest) = ws.a.split_at_mut(l);
            let input: &[F] = match l {
                0 => x,
                _ if masked(&ws.dropout, l - 1) => &ws.dropped[l - 1][..],
                _ => &before[l - 1][..],
            };
            if small::fits(layer, batch) {
                let (z, a) = (&mut ws.z[l], &mut rest[0]);
                let (w, b) = self.params[layer.weight_offset..].split_at(layer.weight_count());
                small::forward(layer, batch, input, w, b, z, a);
                if masked(&ws.dropout, l) {
                    ws.drop_out(l, batch * layer.units);
                }
                continue;
            }
            let z = &mut ws.z[l][..batch * layer.units];
            // Z = X·Wᵀ
            matmul(
                batch,
                layer.units,
                layer.inputs,
                View::rows(&input[..batch * layer.inputs], layer.inputs),
                View::transposed(self.weights(l), layer.inputs),
                z,
                false,
                ws.threads,
            );
            // + b, then A = f(Z)
            let a = &mut rest[0][..batch * layer.units];
            layer
                .activation
                .forward_batch_with_bias(z, a, self.bias(l), layer.units);
            if masked(&ws.dropout, l) {
                ws.drop_out(l, batch * layer.units);
            }
        }
        let last = self.layers.len() - 1;
        &ws.a[last][..batch * self.outputs()]
    }

    /// The batch loss of the last [`Network::forward`] against targets `t` `[batch × outputs]`.
    pub fn loss_value(&self, t: &[F], batch: usize, ws: &Workspace<F>) -> F {
        let last = self.layers.len() - 1;
        self.loss
            .value(&ws.z[last], &ws.a[last], t, batch, self.outputs())
    }

    /// The backward pass from the output layer's `ws.dz` down: every layer's gradients, and the
    /// `dz` of the layers below.
    fn backpropagate(&self, x: &[F], batch: usize, ws: &mut Workspace<F>) {
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let (u, i) = (layer.units, layer.inputs);
            let dz = &ws.dz[l][..batch * u];
            let below_masked = l > 0 && masked(&ws.dropout, l - 1);
            let input: &[F] = match l {
                0 => x,
                _ if below_masked => &ws.dropped[l - 1][..batch * i],
                _ => &ws.a[l - 1][..batch * i],
            };
            // The fused pass computes the layer below's dz itself, without a dropout mask.
            if small::fits(layer, batch) && !below_masked {
                let (gw, gb) = ws.grads[layer.weight_offset..].split_at_mut(u * i);
                let (dz_below, dz_here) = ws.dz.split_at_mut(l);
                let below = dz_below.last_mut().map(|dz| Below {
                    activation: self.layers[l - 1].activation,
                    z: &ws.z[l - 1],
                    a: &ws.a[l - 1],
                    dz,
                });
                let dz = &dz_here[0];
                let w = &self.params[layer.weight_offset..];
                small::backward(layer, batch, dz, input, w, gw, gb, below);
                continue;
            }
            // ∂E/∂W = dZᵀ·X   [U × I]
            let gw = &mut ws.grads[layer.weight_offset..layer.weight_offset + u * i];
            matmul(
                u,
                i,
                batch,
                View::transposed(dz, u),
                View::rows(input, i),
                gw,
                false,
                ws.threads,
            );
            // ∂E/∂b: column sums of dZ, or their total for a shared bias
            let gb = &mut ws.grads[layer.bias_offset..layer.bias_offset + layer.bias_count()];
            bias_gradient(dz, layer.bias, u, gb);
            if l == 0 {
                break;
            }
            // ∂E/∂A_below = dZ·W   [B × I], then dZ_below = ∂E/∂A_below ⊙ f'(Z_below)
            let da = &mut ws.scratch[..batch * i];
            matmul(
                batch,
                i,
                u,
                View::rows(dz, u),
                View::rows(self.weights(l), i),
                da,
                false,
                ws.threads,
            );
            if below_masked {
                // ∂E/∂A_below = ∂E/∂Ã_below ⊙ M (dropout, see `crate::dropout`)
                for (d, &m) in da.iter_mut().zip(&ws.dropout[l - 1]) {
                    *d *= m;
                }
            }
            let below = &self.layers[l - 1];
            let (dz_all, _) = ws.dz.split_at_mut(l);
            let dz_below = &mut dz_all[l - 1][..batch * i];
            let z_below = &ws.z[l - 1][..batch * i];
            let a_below = &ws.a[l - 1][..batch * i];
            below
                .activation
                .backward_batch(z_below, a_below, da, dz_below, i);
        }
    }

    /// The training step's pass: forward, loss and backward for one batch of `batch` samples
    /// `x` `[batch × inputs]` against targets `t` `[batch × outputs]`. Returns the batch loss;
    /// writes ∂E/∂θ for every parameter into `ws.grads` (the layout of `params`). The loss is
    /// the batch mean, so are the gradients.
    pub fn loss_and_gradients(&self, x: &[F], t: &[F], batch: usize, ws: &mut Workspace<F>) -> F {
        self.forward(x, batch, ws);
        assert_eq!(
            t.len(),
            batch * self.outputs(),
            "target is not [batch × outputs]"
        );
        let last = self.layers.len() - 1;
        let out = &self.layers[last];
        let loss = self.loss.value_and_delta(
            out.activation,
            &ws.z[last],
            &ws.a[last],
            t,
            batch,
            out.units,
            &mut ws.scratch,
            &mut ws.dz[last],
        );
        self.backpropagate(x, batch, ws);
        loss
    }

    /// The batch loss alone (used by finite differences and evaluation).
    pub fn loss_only(&self, x: &[F], t: &[F], batch: usize, ws: &mut Workspace<F>) -> F {
        self.forward(x, batch, ws);
        self.loss_value(t, batch, ws)
    }
}

/// `gb` = the column sums of `dz` `[rows × units]` (per-unit bias), or their total (shared).
#[inline]
fn bias_gradient<F: Float>(dz: &[F], kind: BiasKind, units: usize, gb: &mut [F]) {
    match kind {
        BiasKind::PerUnit => {
            let mut rows = dz.chunks_exact(units);
            match rows.next() {
                Some(first) => gb.copy_from_slice(first),
                None => gb.fill(F::ZERO),
            }
            for row in rows {
                for (g, &d) in gb.iter_mut().zip(row) {
                    *g += d;
                }
            }
        }
        BiasKind::Shared => {
            let mut sum = F::ZERO;
            for &d in dz {
                sum += d;
            }
            gb[0] = sum;
        }
    }
}

/// Buffers for one forward and backward pass of up to `capacity` samples, allocated once.
#[derive(Clone, Debug)]
pub struct Workspace<F> {
    pub capacity: usize,
    /// Pre-activations per layer, `[capacity × units]`.
    pub z: Vec<Vec<F>>,
    /// Activations per layer, `[capacity × units]`.
    pub a: Vec<Vec<F>>,
    /// ∂E/∂Z per layer, `[capacity × units]`.
    pub dz: Vec<Vec<F>>,
    /// Scratch for ∂E/∂A, `[capacity × widest layer or input]`.
    pub scratch: Vec<F>,
    /// ∂E/∂θ in the layout of [`Network::params`].
    pub grads: Vec<F>,
    /// Whether the large products may split into blocks for other threads ([`Threads::One`]
    /// in a shard of a batch: the other core runs the other shard).
    pub threads: Threads,
    /// Dropout masks per layer, `[capacity × units]` of 0 or 1/(1 − p), empty for a layer
    /// without dropout (and no layers at all when none has it: evaluation, inference).
    pub dropout: Vec<Vec<F>>,
    /// The outputs after dropout, Ã = A ⊙ M, the next layer's input (empty without dropout).
    pub dropped: Vec<Vec<F>>,
}

/// Whether layer `l` drops outputs in this pass.
#[inline(always)]
fn masked<F>(dropout: &[Vec<F>], l: usize) -> bool {
    dropout.get(l).is_some_and(|m| !m.is_empty())
}

impl<F: Float> Workspace<F> {
    /// The most samples a pass may take.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// Layer `l`'s pre-activations `Z` of the last forward pass, `[capacity × units]` (the
    /// first `batch` rows hold that pass's samples).
    pub fn pre_activations(&self, l: usize) -> &[F] {
        &self.z[l]
    }
    /// Layer `l`'s activations `A = f(Z)` of the last forward pass, `[capacity × units]`.
    pub fn activations(&self, l: usize) -> &[F] {
        &self.a[l]
    }
    /// ∂E/∂θ of the last [`Network::loss_and_gradients`], in the layout of [`Network::params`].
    pub fn gradients(&self) -> &[F] {
        &self.grads
    }

    pub fn new(net: &Network<F>, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let widest = net
            .layers
            .iter()
            .map(|l| l.units.max(l.inputs))
            .max()
            .unwrap_or(0);
        let buffers = || -> Vec<Vec<F>> {
            net.layers
                .iter()
                .map(|l| vec![F::ZERO; capacity * l.units])
                .collect()
        };
        Workspace {
            capacity,
            z: buffers(),
            a: buffers(),
            dz: buffers(),
            scratch: vec![F::ZERO; capacity * widest],
            grads: vec![F::ZERO; net.params.len()],
            threads: Threads::All,
            dropout: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// Gives the layers with a dropout rate > 0 (`rates`, one per layer) their mask buffers;
    /// the masks are the caller's to fill ([`crate::dropout::Dropout::draw`]) before each
    /// pass. All rates 0 removes them.
    pub fn set_dropout(&mut self, net: &Network<F>, rates: &[f64]) {
        self.dropout.clear();
        self.dropped.clear();
        if rates.iter().all(|&p| p == 0.0) {
            return;
        }
        for (l, layer) in net.layers.iter().enumerate() {
            let n = if rates.get(l).is_some_and(|&p| p > 0.0) {
                self.capacity * layer.units
            } else {
                0
            };
            self.dropout.push(vec![F::ONE; n]);
            self.dropped.push(vec![F::ZERO; n]);
        }
    }

    /// Ã = A ⊙ M over the first `n` outputs of layer `l`.
    fn drop_out(&mut self, l: usize, n: usize) {
        for ((d, &a), &m) in self.dropped[l][..n]
            .iter_mut()
            .zip(&self.a[l][..n])
            .zip(&self.dropout[l])
        {
            *d = a * m;
        }
    }
}
