//! Activation functions: the value `a = f(z)` and the local derivative used by backprop.
//!
//! All forms are numerically stable for any finite `z` (inputs of ±1000 give finite values).

use crate::engine::float::Float;
use serde::{Deserialize, Serialize};

/// Slope of `leaky_relu` for negative inputs (PyTorch's default).
pub const LEAKY_SLOPE: f64 = 0.01;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// σ(z) = 1 / (1 + e^−z); σ'(z) = σ(z)(1 − σ(z)).
    Sigmoid,
    /// tanh(z); tanh'(z) = 1 − tanh²(z).
    Tanh,
    /// max(0, z); derivative 1 for z > 0, else 0.
    Relu,
    /// z for z > 0, else 0.01·z; derivative 1 or 0.01.
    LeakyRelu,
    /// z; derivative 1.
    Linear,
    /// softmax(z)_j = e^{z_j} / Σ_k e^{z_k} over one sample's row (output layer only);
    /// its Jacobian is ∂a_j/∂z_k = a_j(δ_jk − a_k).
    Softmax,
}

impl Activation {
    pub const ALL: [Activation; 6] = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Linear,
        Activation::Softmax,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Linear => "linear",
            Activation::Softmax => "softmax",
        }
    }

    pub fn from_name(name: &str) -> Option<Activation> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Applies the activation to one sample's pre-activations `z`, writing `a`.
    #[inline]
    pub fn forward_row<F: Float>(self, z: &[F], a: &mut [F]) {
        // One monomorphised loop per activation, so the match is not in the loop.
        match self {
            Activation::Sigmoid => map(z, a, sigmoid),
            Activation::Tanh => map(z, a, F::tanh),
            Activation::Relu => map(z, a, relu),
            Activation::LeakyRelu => map(z, a, leaky_relu),
            Activation::Linear => a.copy_from_slice(z),
            Activation::Softmax => softmax_row(z, a),
        }
    }

    /// [`Activation::forward_row`] over a batch: `z`, `a` are `[rows × units]`. Elementwise
    /// activations run as one loop over the whole block; softmax goes row by row.
    #[inline]
    pub fn forward_batch<F: Float>(self, z: &[F], a: &mut [F], units: usize) {
        if self == Activation::Softmax {
            for (zr, ar) in z.chunks_exact(units).zip(a.chunks_exact_mut(units)) {
                softmax_row(zr, ar);
            }
        } else {
            self.forward_row(z, a);
        }
    }

    /// Adds the bias, then activates, in one pass over a batch: `z ← z + b`, `a = f(z)`, with
    /// `z`, `a` `[rows × units]` and `bias` one value per unit, or a single value shared by all.
    #[inline]
    pub fn forward_batch_with_bias<F: Float>(
        self,
        z: &mut [F],
        a: &mut [F],
        bias: &[F],
        units: usize,
    ) {
        // One monomorphised loop per activation, so the match is not in the loop.
        match self {
            Activation::Sigmoid => add_bias_and_map(z, a, bias, units, sigmoid),
            Activation::Tanh => add_bias_and_map(z, a, bias, units, F::tanh),
            Activation::Relu => add_bias_and_map(z, a, bias, units, relu),
            Activation::LeakyRelu => add_bias_and_map(z, a, bias, units, leaky_relu),
            Activation::Linear => add_bias_and_map(z, a, bias, units, |z| z),
            Activation::Softmax => {
                add_bias_and_map(z, a, bias, units, |z| z);
                self.forward_batch(z, a, units);
            }
        }
    }

    /// `∂E/∂z = ∂E/∂a · f'(z)` for one element of an elementwise activation, from the forward
    /// values `z` and `a` (softmax, whose Jacobian couples the row, passes `da` through).
    #[inline(always)]
    pub fn backward_elementwise<F: Float>(self, z: F, a: F, da: F) -> F {
        match self {
            Activation::Sigmoid => da * a * (F::ONE - a),
            Activation::Tanh => da * (F::ONE - a * a),
            Activation::Relu => {
                if z > F::ZERO {
                    da
                } else {
                    F::ZERO
                }
            }
            Activation::LeakyRelu => {
                if z > F::ZERO {
                    da
                } else {
                    F::from_f64(LEAKY_SLOPE) * da
                }
            }
            Activation::Linear | Activation::Softmax => da,
        }
    }

    /// [`Activation::backward_row`] over a batch: every slice is `[rows × units]`.
    #[inline]
    pub fn backward_batch<F: Float>(self, z: &[F], a: &[F], da: &[F], dz: &mut [F], units: usize) {
        if self == Activation::Softmax {
            for (((zr, ar), dar), dzr) in z
                .chunks_exact(units)
                .zip(a.chunks_exact(units))
                .zip(da.chunks_exact(units))
                .zip(dz.chunks_exact_mut(units))
            {
                self.backward_row(zr, ar, dar, dzr);
            }
        } else {
            self.backward_row(z, a, da, dz);
        }
    }

    /// Backprop through the activation for one sample's row:
    /// given `da = ∂E/∂a`, writes `dz = ∂E/∂z` (may alias nothing; `z` and `a` are the forward
    /// values).
    #[inline]
    pub fn backward_row<F: Float>(self, z: &[F], a: &[F], da: &[F], dz: &mut [F]) {
        if self == Activation::Softmax {
            // dz_k = Σ_j da_j · a_j(δ_jk − a_k) = a_k (da_k − Σ_j da_j a_j)
            let dot: F = da.iter().zip(a).map(|(&d, &a)| d * a).sum();
            for k in 0..dz.len() {
                dz[k] = a[k] * (da[k] - dot);
            }
            return;
        }
        for (((dz, &da), &z), &a) in dz.iter_mut().zip(da).zip(z).zip(a) {
            *dz = self.backward_elementwise(z, a, da);
        }
    }
}

/// `a = f(z)` for every element.
#[inline(always)]
fn map<F: Float>(z: &[F], a: &mut [F], f: impl Fn(F) -> F) {
    for (a, &z) in a.iter_mut().zip(z) {
        *a = f(z);
    }
}

/// `z ← z + b`, `a = f(z)` for every element of a `[rows × units]` block.
#[inline(always)]
fn add_bias_and_map<F: Float>(
    z: &mut [F],
    a: &mut [F],
    bias: &[F],
    units: usize,
    f: impl Fn(F) -> F,
) {
    if let [b] = *bias {
        for (z, a) in z.iter_mut().zip(a.iter_mut()) {
            *z += b;
            *a = f(*z);
        }
    } else {
        for (zr, ar) in z.chunks_exact_mut(units).zip(a.chunks_exact_mut(units)) {
            for ((z, a), &b) in zr.iter_mut().zip(ar.iter_mut()).zip(bias) {
                *z += b;
                *a = f(*z);
            }
        }
    }
}

#[inline(always)]
fn relu<F: Float>(z: F) -> F {
    if z > F::ZERO {
        z
    } else {
        F::ZERO
    }
}

#[inline(always)]
fn leaky_relu<F: Float>(z: F) -> F {
    if z > F::ZERO {
        z
    } else {
        F::from_f64(LEAKY_SLOPE) * z
    }
}

/// Stable logistic function: never evaluates `e^x` for a large positive `x`.
#[inline(always)]
pub fn sigmoid<F: Float>(z: F) -> F {
    // e^−|z| is e^−z for z ≥ 0 and e^z below: one exponential whichever the branch (written
    // as two, the compiler may call both and select, as it did for a row of two units).
    let e = (-z.abs()).exp();
    if z >= F::ZERO {
        F::ONE / (F::ONE + e)
    } else {
        e / (F::ONE + e)
    }
}

/// Stable softmax of one row: subtracts the row maximum before exponentiating.
pub fn softmax_row<F: Float>(z: &[F], a: &mut [F]) {
    let max = z.iter().copied().fold(z[0], F::max);
    let mut sum = F::ZERO;
    for (a, &z) in a.iter_mut().zip(z) {
        *a = (z - max).exp();
        sum += *a;
    }
    for a in a.iter_mut() {
        *a /= sum;
    }
}

/// log Σ_k e^{z_k}, computed stably.
pub fn log_sum_exp<F: Float>(z: &[F]) -> F {
    let max = z.iter().copied().fold(z[0], F::max);
    let sum: F = z.iter().map(|&z| (z - max).exp()).sum();
    max + sum.ln()
}

/// `dz ← f'(z) ⊙ dz` in place (`dz` holding ∂E/∂A), the activation chosen once for the loop.
#[inline(always)]
pub(crate) fn through_activation<F: Float>(act: Activation, z: &[F], a: &[F], dz: &mut [F]) {
    macro_rules! each {
        ($($kind:ident)*) => {
            match act {
                $(Activation::$kind => {
                    for ((d, &z), &a) in dz.iter_mut().zip(z).zip(a) {
                        *d = Activation::$kind.backward_elementwise(z, a, *d);
                    }
                })*
            }
        };
    }
    each!(Sigmoid Tanh Relu LeakyRelu Linear Softmax)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fused bias + activation pass equals adding the bias by hand, then the textbook
    /// formula of each activation, for a shared and a per-unit bias.
    #[test]
    fn forward_with_bias_matches_the_formulas() {
        let z0 = [-2.0, -0.5, 0.0, 0.75, 1.5, 3.0];
        let formula = |act: Activation, v: f64| match act {
            Activation::Sigmoid => 1.0 / (1.0 + (-v).exp()),
            Activation::Tanh => v.tanh(),
            Activation::Relu => v.max(0.0),
            Activation::LeakyRelu => {
                if v > 0.0 {
                    v
                } else {
                    0.01 * v
                }
            }
            Activation::Linear => v,
            Activation::Softmax => unreachable!(),
        };
        for act in Activation::ALL {
            for bias in [&[0.25][..], &[0.1, -0.2, 0.3][..]] {
                let mut z = z0;
                let mut a = [0.0; 6];
                act.forward_batch_with_bias(&mut z, &mut a, bias, 3);
                let zb: Vec<f64> = (0..6).map(|k| z0[k] + bias[k % bias.len()]).collect();
                assert_eq!(&z[..], &zb[..], "{act:?}: z + b");
                if act == Activation::Softmax {
                    for r in 0..2 {
                        let row = &zb[3 * r..3 * r + 3];
                        let sum: f64 = row.iter().map(|v| v.exp()).sum();
                        for j in 0..3 {
                            assert!((a[3 * r + j] - row[j].exp() / sum).abs() < 1e-15);
                        }
                    }
                } else {
                    for k in 0..6 {
                        assert!((a[k] - formula(act, zb[k])).abs() < 1e-15, "{act:?} at {k}");
                    }
                }
            }
        }
    }
}
