//! Activation functions: the value `a = f(z)` and the local derivative used by backprop.
//!
//! All forms are numerically stable for any finite `z` (inputs of ±1000 give finite values).

use crate::float::Float;
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
        match self {
            Activation::Sigmoid => {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = sigmoid(z);
                }
            }
            Activation::Tanh => {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = z.tanh();
                }
            }
            Activation::Relu => {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = if z > F::ZERO { z } else { F::ZERO };
                }
            }
            Activation::LeakyRelu => {
                let slope = F::from_f64(LEAKY_SLOPE);
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = if z > F::ZERO { z } else { slope * z };
                }
            }
            Activation::Linear => a.copy_from_slice(z),
            Activation::Softmax => softmax_row(z, a),
        }
    }

    /// Backprop through the activation for one sample's row:
    /// given `da = ∂E/∂a`, writes `dz = ∂E/∂z` (may alias nothing; `z` and `a` are the forward
    /// values).
    #[inline]
    pub fn backward_row<F: Float>(self, z: &[F], a: &[F], da: &[F], dz: &mut [F]) {
        match self {
            Activation::Sigmoid => {
                for i in 0..dz.len() {
                    dz[i] = da[i] * a[i] * (F::ONE - a[i]);
                }
            }
            Activation::Tanh => {
                for i in 0..dz.len() {
                    dz[i] = da[i] * (F::ONE - a[i] * a[i]);
                }
            }
            Activation::Relu => {
                for i in 0..dz.len() {
                    dz[i] = if z[i] > F::ZERO { da[i] } else { F::ZERO };
                }
            }
            Activation::LeakyRelu => {
                let slope = F::from_f64(LEAKY_SLOPE);
                for i in 0..dz.len() {
                    dz[i] = if z[i] > F::ZERO { da[i] } else { slope * da[i] };
                }
            }
            Activation::Linear => dz.copy_from_slice(da),
            Activation::Softmax => {
                // dz_k = Σ_j da_j · a_j(δ_jk − a_k) = a_k (da_k − Σ_j da_j a_j)
                let dot: F = da.iter().zip(a).map(|(&d, &a)| d * a).sum();
                for k in 0..dz.len() {
                    dz[k] = a[k] * (da[k] - dot);
                }
            }
        }
    }
}

/// Stable logistic function: never evaluates `e^x` for a large positive `x`.
#[inline(always)]
pub fn sigmoid<F: Float>(z: F) -> F {
    if z >= F::ZERO {
        F::ONE / (F::ONE + (-z).exp())
    } else {
        let e = z.exp();
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
