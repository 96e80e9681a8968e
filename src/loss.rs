//! Loss functions over a batch, and their gradient with respect to the output layer's
//! pre-activations `z` (the output "delta"), with the 1/B batch average already in it.
//!
//! Shapes: `z`, `a` (outputs) and `t` (targets) are `[batch × units]`, row-major.

use crate::activation::{log_sum_exp, Activation};
use crate::float::Float;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// E = (1/B) Σ_b Σ_j ½(t_bj − a_bj)²: the worked example's loss, averaged over the batch.
    HalfSse,
    /// E = (1/(B·U)) Σ_b Σ_j (t_bj − a_bj)²: PyTorch's `MSELoss` (mean over every element).
    Mse,
    /// E = (1/B) Σ_b −Σ_j t_bj · log softmax(z_b)_j, computed from the logits with log-sum-exp.
    /// Needs a softmax output layer; ∂E/∂z_bj = (a_bj·Σ_k t_bk − t_bj)/B.
    CrossEntropy,
    /// E = (1/(B·U)) Σ −[t log σ(z) + (1−t) log(1−σ(z))]
    ///   = (1/(B·U)) Σ max(z,0) − z·t + ln(1 + e^−|z|)  (stable, from the logits).
    /// Needs a sigmoid output layer; ∂E/∂z = (σ(z) − t)/(B·U). PyTorch's `BCEWithLogitsLoss`.
    Bce,
}

impl Loss {
    pub const ALL: [Loss; 4] = [Loss::HalfSse, Loss::Mse, Loss::CrossEntropy, Loss::Bce];

    pub fn name(self) -> &'static str {
        match self {
            Loss::HalfSse => "half_sse",
            Loss::Mse => "mse",
            Loss::CrossEntropy => "cross_entropy",
            Loss::Bce => "bce",
        }
    }

    pub fn from_name(name: &str) -> Option<Loss> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The output activation this loss is fused with, if it needs one.
    pub fn required_activation(self) -> Option<Activation> {
        match self {
            Loss::CrossEntropy => Some(Activation::Softmax),
            Loss::Bce => Some(Activation::Sigmoid),
            Loss::HalfSse | Loss::Mse => None,
        }
    }

    /// The batch loss. `z`, `a`, `t` are `[batch × units]`.
    pub fn value<F: Float>(self, z: &[F], a: &[F], t: &[F], batch: usize, units: usize) -> F {
        let n = batch * units;
        let (z, a, t) = (&z[..n], &a[..n], &t[..n]);
        match self {
            Loss::HalfSse => {
                let half = F::from_f64(0.5);
                let sum: F = a.iter().zip(t).map(|(&a, &t)| (t - a) * (t - a)).sum();
                half * sum / F::from_usize(batch)
            }
            Loss::Mse => {
                let sum: F = a.iter().zip(t).map(|(&a, &t)| (t - a) * (t - a)).sum();
                sum / F::from_usize(n)
            }
            Loss::CrossEntropy => {
                let mut sum = F::ZERO;
                for (zr, tr) in z.chunks_exact(units).zip(t.chunks_exact(units)) {
                    let lse = log_sum_exp(zr);
                    for (&z, &t) in zr.iter().zip(tr) {
                        sum += t * (lse - z);
                    }
                }
                sum / F::from_usize(batch)
            }
            Loss::Bce => {
                let sum: F = z.iter().zip(t).map(|(&z, &t)| bce_from_logit(z, t)).sum();
                sum / F::from_usize(n)
            }
        }
    }

    /// Writes `dz = ∂E/∂z` of the output layer, `[batch × units]`. For the losses not fused with
    /// their activation, `da` is scratch space of the same size that receives `∂E/∂a`.
    #[allow(clippy::too_many_arguments)]
    pub fn output_delta<F: Float>(
        self,
        activation: Activation,
        z: &[F],
        a: &[F],
        t: &[F],
        batch: usize,
        units: usize,
        da: &mut [F],
        dz: &mut [F],
    ) {
        let n = batch * units;
        let (z, a, t, da, dz) = (&z[..n], &a[..n], &t[..n], &mut da[..n], &mut dz[..n]);
        match self {
            Loss::HalfSse | Loss::Mse => {
                // half_sse: ∂E/∂a = (a − t)/B;  mse: ∂E/∂a = 2(a − t)/(B·U)
                let scale = if self == Loss::HalfSse {
                    F::ONE / F::from_usize(batch)
                } else {
                    F::from_f64(2.0) / F::from_usize(n)
                };
                for ((da, &a), &t) in da.iter_mut().zip(a).zip(t) {
                    *da = (a - t) * scale;
                }
                activation.backward_batch(z, a, da, dz, units);
            }
            Loss::CrossEntropy => {
                let inv_b = F::ONE / F::from_usize(batch);
                for ((ar, tr), dzr) in a
                    .chunks_exact(units)
                    .zip(t.chunks_exact(units))
                    .zip(dz.chunks_exact_mut(units))
                {
                    let t_sum: F = tr.iter().copied().sum();
                    for j in 0..units {
                        dzr[j] = (ar[j] * t_sum - tr[j]) * inv_b;
                    }
                }
            }
            Loss::Bce => {
                let inv_n = F::ONE / F::from_usize(n);
                for i in 0..n {
                    dz[i] = (a[i] - t[i]) * inv_n;
                }
            }
        }
    }
}

/// One element of binary cross-entropy from its logit: max(z,0) − z·t + ln(1 + e^−|z|).
#[inline]
pub fn bce_from_logit<F: Float>(z: F, t: F) -> F {
    z.max(F::ZERO) - z * t + (-z.abs()).exp().ln_1p()
}
