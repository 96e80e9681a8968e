//! Weight initialisation: each weight of a layer with `fan_in` inputs and `units` units drawn
//! uniformly from (−a, a), from the run's ChaCha stream (layer by layer, row by row):
//! - Xavier (Glorot uniform): a = √(6 / (fan_in + units)), the default for sigmoid, tanh,
//!   linear and softmax;
//! - He uniform: a = √(6 / fan_in), the default for relu and leaky_relu;
//! - uniform: a = 1/√fan_in (PyTorch's `nn.Linear` default).

use crate::engine::activation::Activation;
use crate::engine::float::Float;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// Glorot uniform: U(−a, a), a = √(6 / (fan_in + fan_out)). Default for sigmoid/tanh/linear/softmax.
    Xavier,
    /// He uniform: U(−a, a), a = √(6 / fan_in). Default for relu/leaky_relu.
    He,
    /// U(−a, a), a = 1/√fan_in (PyTorch's `nn.Linear` default).
    Uniform,
}

impl Init {
    /// The default for a layer of `activation`.
    pub fn default_for(activation: Activation) -> Init {
        match activation {
            Activation::Relu | Activation::LeakyRelu => Init::He,
            _ => Init::Xavier,
        }
    }

    /// The bound a of U(−a, a).
    pub fn bound(self, fan_in: usize, units: usize) -> f64 {
        match self {
            Init::Xavier => (6.0 / (fan_in + units) as f64).sqrt(),
            Init::He => (6.0 / fan_in as f64).sqrt(),
            Init::Uniform => 1.0 / (fan_in as f64).sqrt(),
        }
    }

    /// Draws a layer's weights `[units × fan_in]` from `rng`.
    pub fn fill<F: Float>(
        self,
        weights: &mut [F],
        fan_in: usize,
        units: usize,
        rng: &mut ChaCha8Rng,
    ) {
        let bound = self.bound(fan_in, units);
        for w in weights {
            *w = F::from_f64(rng.gen_range(-bound..bound));
        }
    }
}
