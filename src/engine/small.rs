//! Fused passes for small layers. A layer whose products are small enough for the engine's own
//! loops ([`matrix::DIRECT_LOOP_MAX`] multiply-adds) computes `Z = X·Wᵀ + b` in one loop and then
//! activates the whole block in one pass, and does its whole backward pass in one loop, instead of
//! matrix products followed by separate passes for the bias, the bias gradient and the
//! activation's derivative. On a tiny network (the worked example) a step's cost is loop set-up
//! and bookkeeping, not arithmetic, so fewer, simpler loops are what counts.
//!
//! Shapes and formulas are those of `network.rs`: input `X` `[B × I]`, weights `W`
//! `[U × I]`, bias `b` `[U]` or `[1]`.
//!
//! - forward: `z_bu = Σ_p x_bp·w_up + b_u`, `a_bu = f(z_bu)` (softmax: over each row of `z`);
//! - backward, given `dZ` `[B × U]`: `∂E/∂w_up = Σ_b dz_bu·x_bp`, `∂E/∂b_u = Σ_b dz_bu` (shared:
//!   `Σ_b Σ_u dz_bu`), and for the layer below `dz_below_bp = f'(z_below_bp) · Σ_u dz_bu·w_up`.
//!
//! Every sum runs in a fixed order: over `p` for `Z` (eight running sums once rows are long,
//! [`dot`]), over `b` for `∂E/∂W` and `∂E/∂b`, over `u` for the layer below; a test checks the
//! passes against the textbook formulas.
//!
//! The length of a row of `X` (`I`) is a compile-time constant when it is at most 4, so the
//! innermost loops of a tiny layer unroll completely (measured: a quarter of the worked
//! example's step goes to loops of unknown length otherwise). Applying the activation inside the
//! `Z` loop was slower than the separate pass: its call to `exp` makes the loop reload its state.
//!
//! [`matrix`]: crate::engine::matrix
//! [`matrix::DIRECT_LOOP_MAX`]: crate::engine::matrix::DIRECT_LOOP_MAX

use crate::engine::activation::Activation;
use crate::engine::float::Float;
use crate::engine::layer::Layer;
use crate::engine::matrix;

/// Whether a layer's passes over a batch of `batch` samples take the fused loops: its
/// products are small ([`matrix::is_small`]).
#[inline]
pub fn fits(layer: &Layer, batch: usize) -> bool {
    matrix::is_small(batch, layer.units, layer.inputs)
}

/// The forward pass of one small layer over `batch` samples: `x` `[batch × inputs]`, `w`
/// `[units × inputs]`, `bias` (`units` values, or one shared); writes `z` and `a`
/// `[batch × units]`. Each slice may be longer than its matrix: only its start is read or
/// written (so a caller can pass the rest of a flat buffer without cutting it to size).
#[inline]
pub fn forward<F: Float>(
    layer: &Layer,
    batch: usize,
    x: &[F],
    w: &[F],
    bias: &[F],
    z: &mut [F],
    a: &mut [F],
) {
    let (i, u) = (layer.inputs, layer.units);
    let (x, w, z, a) = (
        &x[..batch * i],
        &w[..u * i],
        &mut z[..batch * u],
        &mut a[..batch * u],
    );
    let bias = &bias[..layer.bias_count()];
    let act = layer.activation;
    match i {
        1 => forward_rows::<F, 1>(act, i, u, x, w, bias, z, a),
        2 => forward_rows::<F, 2>(act, i, u, x, w, bias, z, a),
        3 => forward_rows::<F, 3>(act, i, u, x, w, bias, z, a),
        4 => forward_rows::<F, 4>(act, i, u, x, w, bias, z, a),
        _ => forward_rows::<F, 0>(act, i, u, x, w, bias, z, a),
    }
}

/// [`forward`] with rows of `I` inputs (`I = 0`: `inputs`, known at run time).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_rows<F: Float, const I: usize>(
    act: Activation,
    inputs: usize,
    units: usize,
    x: &[F],
    w: &[F],
    bias: &[F],
    z: &mut [F],
    a: &mut [F],
) {
    let inputs = if I > 0 { I } else { inputs };
    let shared = bias.len() == 1;
    for (b, x_row) in x.chunks_exact(inputs).enumerate() {
        for u in 0..units {
            let w_row = &w[u * inputs..u * inputs + inputs];
            z[b * units + u] = row_dot(x_row, w_row) + bias[if shared { 0 } else { u }];
        }
    }
    act.forward_batch(z, a, units);
}

/// `x · y` as the matrix product sums it: in order from zero for short rows, over eight
/// running sums from [`VECTOR_MIN`] on.
#[inline(always)]
pub(crate) fn row_dot<F: Float>(x: &[F], y: &[F]) -> F {
    if x.len() >= VECTOR_MIN {
        return dot(x, y);
    }
    let mut sum = F::ZERO;
    for (&x, &y) in x.iter().zip(y) {
        sum += x * y;
    }
    sum
}

/// What the backward pass of a layer writes for the layer below it: that layer's activation,
/// its forward values `z`, `a` and its `dz`, all `[batch × inputs]` of the layer above.
pub struct Below<'a, F> {
    pub activation: Activation,
    pub z: &'a [F],
    pub a: &'a [F],
    pub dz: &'a mut [F],
}

/// The backward pass of one small layer over `batch` samples, given its `dz` `[batch × units]`,
/// its input `x` `[batch × inputs]` and weights `w` `[units × inputs]`: writes the weight
/// gradient `gw` `[units × inputs]`, the bias gradient `gb`, and the `dz` of the layer below
/// when there is one. As in [`forward`], only the start of each slice is used.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn backward<F: Float>(
    layer: &Layer,
    batch: usize,
    dz: &[F],
    x: &[F],
    w: &[F],
    gw: &mut [F],
    gb: &mut [F],
    below: Option<Below<F>>,
) {
    let (i, u) = (layer.inputs, layer.units);
    let (dz, x, w, gw) = (
        &dz[..batch * u],
        &x[..batch * i],
        &w[..u * i],
        &mut gw[..u * i],
    );
    let gb = &mut gb[..layer.bias_count()];
    let mut bias = BiasSum::new(gb);
    match below {
        None => match i {
            1 => gradients::<F, 1>(i, u, dz, x, gw, &mut bias),
            2 => gradients::<F, 2>(i, u, dz, x, gw, &mut bias),
            3 => gradients::<F, 3>(i, u, dz, x, gw, &mut bias),
            4 => gradients::<F, 4>(i, u, dz, x, gw, &mut bias),
            _ => gradients::<F, 0>(i, u, dz, x, gw, &mut bias),
        },
        Some(below) => {
            let below = Below {
                dz: &mut below.dz[..batch * i],
                z: &below.z[..batch * i],
                a: &below.a[..batch * i],
                ..below
            };
            match i {
                1 => gradients_and_below::<F, 1>(i, u, dz, x, w, gw, &mut bias, below),
                2 => gradients_and_below::<F, 2>(i, u, dz, x, w, gw, &mut bias, below),
                3 => gradients_and_below::<F, 3>(i, u, dz, x, w, gw, &mut bias, below),
                4 => gradients_and_below::<F, 4>(i, u, dz, x, w, gw, &mut bias, below),
                _ => gradients_and_below::<F, 0>(i, u, dz, x, w, gw, &mut bias, below),
            }
        }
    }
    bias.finish();
}

/// This layer's gradients into `gw` and `bias`, rows of `I` inputs (`I = 0`: `inputs`).
#[inline(always)]
fn gradients<F: Float, const I: usize>(
    inputs: usize,
    units: usize,
    dz: &[F],
    x: &[F],
    gw: &mut [F],
    bias: &mut BiasSum<F>,
) {
    let inputs = if I > 0 { I } else { inputs };
    for (b, (dz_row, x_row)) in dz
        .chunks_exact(units)
        .zip(x.chunks_exact(inputs))
        .enumerate()
    {
        for (u, &d) in dz_row.iter().enumerate() {
            bias.add(b, u, d);
            axpy(b == 0, &mut gw[u * inputs..u * inputs + inputs], d, x_row);
        }
    }
}

/// [`gradients`], and the `dz` of the layer below in the same loop.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gradients_and_below<F: Float, const I: usize>(
    inputs: usize,
    units: usize,
    dz: &[F],
    x: &[F],
    w: &[F],
    gw: &mut [F],
    bias: &mut BiasSum<F>,
    below: Below<F>,
) {
    let inputs = if I > 0 { I } else { inputs };
    let act = below.activation;
    let rows = dz
        .chunks_exact(units)
        .zip(x.chunks_exact(inputs))
        .zip(below.dz.chunks_exact_mut(inputs))
        .zip(
            below
                .z
                .chunks_exact(inputs)
                .zip(below.a.chunks_exact(inputs)),
        );
    for (b, (((dz_row, x_row), da_row), (z_row, a_row))) in rows.enumerate() {
        let per_unit = dz_row
            .iter()
            .zip(gw.chunks_exact_mut(inputs))
            .zip(w.chunks_exact(inputs));
        for (u, ((&d, gw_row), w_row)) in per_unit.enumerate() {
            bias.add(b, u, d);
            axpy(b == 0, gw_row, d, x_row);
            // ∂E/∂A_below for this sample, summed in place of its dz
            axpy(u == 0, da_row, d, w_row);
        }
        for ((dz, &z), &a) in da_row.iter_mut().zip(z_row).zip(a_row) {
            *dz = act.backward_elementwise(z, a, *dz);
        }
    }
}

/// The bias gradient as it is summed: per unit in `gb`, or a shared one in a register.
struct BiasSum<'a, F> {
    gb: &'a mut [F],
    shared: F,
}

impl<'a, F: Float> BiasSum<'a, F> {
    fn new(gb: &'a mut [F]) -> Self {
        BiasSum {
            gb,
            shared: F::ZERO,
        }
    }

    /// Adds `dz_bu`: to `gb_u` (per-unit bias; the first sample's is the first term), or to the
    /// shared sum.
    #[inline(always)]
    fn add(&mut self, b: usize, u: usize, d: F) {
        match self.gb {
            [_] => self.shared += d,
            _ if b == 0 => self.gb[u] = d,
            _ => self.gb[u] += d,
        }
    }

    /// Stores a shared sum (a single unit's per-unit sum is summed the same way).
    #[inline(always)]
    fn finish(self) {
        if let [g] = self.gb {
            *g = self.shared;
        }
    }
}

/// `y = α·x` (`first`: the first term of each sum) or `y += α·x`.
#[inline(always)]
pub(crate) fn axpy<F: Float>(first: bool, y: &mut [F], alpha: F, x: &[F]) {
    if first {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = alpha * x;
        }
    } else {
        for (y, &x) in y.iter_mut().zip(x) {
            *y += alpha * x;
        }
    }
}

/// From this length on, a dot product runs over eight running sums ([`dot`]).
const VECTOR_MIN: usize = 8;

/// x · y over eight running sums (so the compiler can keep them in one vector register; a single
/// running sum is a chain it may not reorder), added pairwise at the end.
#[inline]
fn dot<F: Float>(x: &[F], y: &[F]) -> F {
    let mut acc = [F::ZERO; 8];
    let (xs, ys) = (x.chunks_exact(8), y.chunks_exact(8));
    let (x_rest, y_rest) = (xs.remainder(), ys.remainder());
    for (xc, yc) in xs.zip(ys) {
        for l in 0..8 {
            acc[l] += xc[l] * yc[l];
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (&x, &y) in x_rest.iter().zip(y_rest) {
        sum += x * y;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::layer::BiasKind;

    /// Deterministic values in about [-1.5, 1.5].
    fn values(n: usize, seed: usize) -> Vec<f64> {
        (0..n)
            .map(|k| (((k * 7 + seed * 13) % 17) as f64 - 8.0) * 0.19)
            .collect()
    }

    fn close(got: &[f64], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-13 * (1.0 + w.abs()),
                "{what}[{k}]: {g} vs {w}"
            );
        }
    }

    /// The fused passes equal the textbook formulas, summed term by term, for every activation,
    /// both bias kinds, and rows short (unrolled) and long (run-time length, vectorised).
    #[test]
    fn fused_passes_match_the_formulas() {
        let elementwise = [
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::LeakyRelu,
            Activation::Linear,
        ];
        for act in Activation::ALL {
            for bias_kind in [BiasKind::PerUnit, BiasKind::Shared] {
                for (inputs, units, batch) in [
                    (1, 3, 2),
                    (2, 2, 2),
                    (3, 1, 3),
                    (4, 2, 1),
                    (5, 3, 2),
                    (9, 2, 3),
                ] {
                    let layer = Layer {
                        inputs,
                        units,
                        activation: act,
                        bias: bias_kind,
                        weight_offset: 0,
                        bias_offset: units * inputs,
                    };
                    let x = values(batch * inputs, 1);
                    let w = values(units * inputs, 2);
                    let bias = values(layer.bias_count(), 3);
                    // forward: z_bu = Σ_p x_bp·w_up + b_u, a = f(z)
                    let (mut z, mut a) = (vec![0.0; batch * units], vec![0.0; batch * units]);
                    forward(&layer, batch, &x, &w, &bias, &mut z, &mut a);
                    let mut want_z = vec![0.0; batch * units];
                    for b in 0..batch {
                        for u in 0..units {
                            let sum: f64 = (0..inputs)
                                .map(|p| x[b * inputs + p] * w[u * inputs + p])
                                .sum();
                            want_z[b * units + u] = sum + bias[u % bias.len()];
                        }
                    }
                    let mut want_a = vec![0.0; batch * units];
                    act.forward_batch(&want_z, &mut want_a, units);
                    close(&z, &want_z, "z");
                    close(&a, &want_a, "a");

                    // backward: ∂E/∂w_up = Σ_b dz_bu·x_bp, ∂E/∂b, dz_below = f'(z_below)·Σ_u dz_bu·w_up
                    let dz = values(batch * units, 4);
                    let mut want_gw = vec![0.0; units * inputs];
                    let nb = layer.bias_count();
                    let mut want_gb = vec![0.0; nb];
                    let mut da = vec![0.0; batch * inputs];
                    for b in 0..batch {
                        for u in 0..units {
                            let d = dz[b * units + u];
                            want_gb[u % nb] += d;
                            for p in 0..inputs {
                                want_gw[u * inputs + p] += d * x[b * inputs + p];
                                da[b * inputs + p] += d * w[u * inputs + p];
                            }
                        }
                    }
                    let (mut gw, mut gb) =
                        (vec![9.0; units * inputs], vec![9.0; layer.bias_count()]);
                    backward(&layer, batch, &dz, &x, &w, &mut gw, &mut gb, None);
                    close(&gw, &want_gw, "gw");
                    close(&gb, &want_gb, "gb");
                    for below_act in elementwise {
                        let z_below = values(batch * inputs, 5);
                        let mut a_below = vec![0.0; batch * inputs];
                        below_act.forward_batch(&z_below, &mut a_below, inputs);
                        let want: Vec<f64> = (0..batch * inputs)
                            .map(|k| below_act.backward_elementwise(z_below[k], a_below[k], da[k]))
                            .collect();
                        let mut dz_below = vec![9.0; batch * inputs];
                        let (mut gw, mut gb) =
                            (vec![9.0; units * inputs], vec![9.0; layer.bias_count()]);
                        let below = Below {
                            activation: below_act,
                            z: &z_below,
                            a: &a_below,
                            dz: &mut dz_below,
                        };
                        backward(&layer, batch, &dz, &x, &w, &mut gw, &mut gb, Some(below));
                        close(&gw, &want_gw, "gw");
                        close(&gb, &want_gb, "gb");
                        close(&dz_below, &want, "dz below");
                    }
                }
            }
        }
    }
}
