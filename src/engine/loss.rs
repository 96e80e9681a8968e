//! Loss functions over a batch, and their gradient with respect to the output layer's
//! pre-activations `z` (the output "delta"), with the 1/B batch average already in it.
//!
//! Shapes: `z`, `a` (outputs) and `t` (targets) are `[batch × units]`, row-major.

use crate::engine::activation::{log_sum_exp, Activation};
use crate::engine::float::Float;
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
}

impl Loss {
    /// The batch loss ([`Loss::value`]) and `dz = ∂E/∂z` of the output layer `[batch × units]`,
    /// as a training step needs them. `da` is scratch of the same size (it receives `∂E/∂a`
    /// where the activation's Jacobian couples a row):
    /// - half_sse: ∂E/∂a = (a − t)/B; mse: ∂E/∂a = 2(a − t)/(B·U); then through f'(z), the
    ///   value's sum and the delta in one pass over the outputs;
    /// - cross_entropy after softmax: ∂E/∂z = (a·Σt − t)/B (Σt = 1 for one-hot targets);
    /// - bce after sigmoid: ∂E/∂z = (a − t)/(B·U).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn value_and_delta<F: Float>(
        self,
        activation: Activation,
        z: &[F],
        a: &[F],
        t: &[F],
        batch: usize,
        units: usize,
        da: &mut [F],
        dz: &mut [F],
    ) -> F {
        let n = batch * units;
        let (scale, mean) = match self {
            // value: ½Σ(a − t)²/B, ∂E/∂a = (a − t)/B;  mse: Σ(a − t)²/(B·U), 2(a − t)/(B·U)
            Loss::HalfSse => (F::ONE / F::from_usize(batch), None),
            Loss::Mse => (F::from_f64(2.0) / F::from_usize(n), Some(F::from_usize(n))),
            Loss::CrossEntropy | Loss::Bce => {
                let value = self.value(z, a, t, batch, units);
                self.logit_delta(a, t, batch, units, dz);
                return value;
            }
        };
        let (z, a, t, dz) = (&z[..n], &a[..n], &t[..n], &mut dz[..n]);
        let mut sum = F::ZERO;
        if activation == Activation::Softmax {
            // its Jacobian couples each row: ∂E/∂a first, then through the activation
            let da = &mut da[..n];
            for ((da, &a), &t) in da.iter_mut().zip(a).zip(t) {
                let d = a - t;
                sum += d * d;
                *da = d * scale;
            }
            activation.backward_batch(z, a, da, dz, units);
        } else {
            for (((dz, &z), &a), &t) in dz.iter_mut().zip(z).zip(a).zip(t) {
                let d = a - t;
                sum += d * d;
                *dz = activation.backward_elementwise(z, a, d * scale);
            }
        }
        match mean {
            None => F::from_f64(0.5) * sum / F::from_usize(batch),
            Some(n) => sum / n,
        }
    }
}

impl Loss {
    /// `dz` of the losses fused with their activation (cross_entropy, bce): see
    /// [`Loss::value_and_delta`].
    fn logit_delta<F: Float>(self, a: &[F], t: &[F], batch: usize, units: usize, dz: &mut [F]) {
        let n = batch * units;
        let (a, t, dz) = (&a[..n], &t[..n], &mut dz[..n]);
        if self == Loss::CrossEntropy {
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
        } else {
            let inv_n = F::ONE / F::from_usize(n);
            for i in 0..n {
                dz[i] = (a[i] - t[i]) * inv_n;
            }
        }
    }
}

/// One element of binary cross-entropy from its logit: max(z,0) − z·t + ln(1 + e^−|z|).
#[inline]
pub fn bce_from_logit<F: Float>(z: F, t: F) -> F {
    z.max(F::ZERO) - z * t + (-z.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value is [`Loss::value`]'s, bit for bit, and the delta is the derivative of that
    /// value with respect to each pre-activation, by central finite differences, for every
    /// loss and output activation.
    #[test]
    fn value_and_delta_is_the_value_and_its_derivative() {
        let z: [f64; 6] = [0.3, -1.2, 2.0, 0.1, -0.4, 0.9];
        let t = [0.0, 1.0, 0.0, 0.2, 0.3, 0.5];
        let value_at = |loss: Loss, act: Activation, z: &[f64; 6]| {
            let mut a = [0.0; 6];
            act.forward_batch(z, &mut a, 3);
            loss.value(z, &a, &t, 2, 3)
        };
        for (loss, act) in Loss::ALL.into_iter().flat_map(|loss| {
            let acts = match loss.required_activation() {
                Some(required) => vec![required],
                None => Activation::ALL.to_vec(),
            };
            acts.into_iter().map(move |act| (loss, act))
        }) {
            let mut a = [0.0; 6];
            act.forward_batch(&z, &mut a, 3);
            let (mut da, mut dz) = ([0.0; 6], [0.0; 6]);
            let fused = loss.value_and_delta(act, &z, &a, &t, 2, 3, &mut da, &mut dz);
            let value = loss.value(&z, &a, &t, 2, 3);
            assert_eq!(fused.to_bits(), value.to_bits(), "{loss:?}, {act:?}: value");
            let h = 1e-6;
            for k in 0..6 {
                let (mut up, mut down) = (z, z);
                up[k] += h;
                down[k] -= h;
                let numeric = (value_at(loss, act, &up) - value_at(loss, act, &down)) / (2.0 * h);
                assert!(
                    (numeric - dz[k]).abs() < 1e-7,
                    "{loss:?}, {act:?}: ∂E/∂z{k} = {} by backprop, {numeric} by differences",
                    dz[k]
                );
            }
        }
    }
}
