//! Optimizers: how a gradient becomes a parameter update. Each works on the flat parameter
//! vector in one loop, with its state (velocity, moments) allocated once.
//!
//! - SGD: θ ← θ − η·g
//! - Momentum (PyTorch's convention): v ← μ·v + g, θ ← θ − η·v   (v starts at 0, so v₁ = g)
//! - Adam (PyTorch's, with bias correction): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
//!   θ ← θ − (η / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)

use crate::config_err;
use crate::error::Result;
use crate::float::Float;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Adam,
}

impl OptimizerKind {
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "adam",
        }
    }
}

/// Hyper-parameters, with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    pub learning_rate: f64,
    /// μ of `momentum` (default 0.9).
    pub momentum: f64,
    /// β₁, β₂, ε of `adam` (defaults 0.9, 0.999, 1e-8).
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
}

impl OptimizerConfig {
    pub fn new(kind: OptimizerKind, learning_rate: f64) -> Self {
        OptimizerConfig {
            kind,
            learning_rate,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    pub fn sgd(learning_rate: f64) -> Self {
        Self::new(OptimizerKind::Sgd, learning_rate)
    }

    /// Checks every hyper-parameter is in its valid range.
    pub fn validate(&self) -> Result<()> {
        let lr = self.learning_rate;
        if !(lr.is_finite() && lr > 0.0) {
            return config_err!("optimizer: learning_rate is {lr}, expected a finite number > 0");
        }
        let in_unit = |name: &str, x: f64| -> Result<()> {
            if (0.0..1.0).contains(&x) {
                Ok(())
            } else {
                config_err!("optimizer: {name} is {x}, expected a number in [0, 1)")
            }
        };
        match self.kind {
            OptimizerKind::Sgd => Ok(()),
            OptimizerKind::Momentum => in_unit("momentum", self.momentum),
            OptimizerKind::Adam => {
                in_unit("beta1", self.beta1)?;
                in_unit("beta2", self.beta2)?;
                if !(self.eps.is_finite() && self.eps > 0.0) {
                    return config_err!(
                        "optimizer: eps is {}, expected a finite number > 0",
                        self.eps
                    );
                }
                Ok(())
            }
        }
    }
}

/// An optimizer with its state for one network's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimizer<F> {
    pub config: OptimizerConfig,
    /// Momentum's velocity, or Adam's first moment `m`; empty for SGD.
    pub first: Vec<F>,
    /// Adam's second moment `v`; empty otherwise.
    pub second: Vec<F>,
    /// Steps taken (Adam's `t`).
    pub steps: u64,
}

impl<F: Float> Optimizer<F> {
    pub fn new(config: OptimizerConfig, param_count: usize) -> Self {
        let (first, second) = match config.kind {
            OptimizerKind::Sgd => (0, 0),
            OptimizerKind::Momentum => (param_count, 0),
            OptimizerKind::Adam => (param_count, param_count),
        };
        Optimizer {
            config,
            first: vec![F::ZERO; first],
            second: vec![F::ZERO; second],
            steps: 0,
        }
    }

    /// Changes the learning rate (for schedules); the state is kept.
    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.config.learning_rate = learning_rate;
    }

    /// One update of `params` from `grads`.
    pub fn step(&mut self, params: &mut [F], grads: &[F]) {
        assert_eq!(params.len(), grads.len());
        self.steps = self.steps.saturating_add(1);
        let lr = F::from_f64(self.config.learning_rate);
        match self.config.kind {
            OptimizerKind::Sgd => {
                for (p, &g) in params.iter_mut().zip(grads) {
                    *p -= lr * g;
                }
            }
            OptimizerKind::Momentum => {
                let mu = F::from_f64(self.config.momentum);
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(&mut self.first) {
                    *v = mu * *v + g;
                    *p -= lr * *v;
                }
            }
            OptimizerKind::Adam => {
                let c = &self.config;
                // β^t is 0 in floating point long before t passes i32::MAX.
                let t = self.steps.min(i32::MAX as u64) as i32;
                let (b1, b2) = (F::from_f64(c.beta1), F::from_f64(c.beta2));
                let correction1 = F::ONE - b1.powi(t);
                let correction2_sqrt = (F::ONE - b2.powi(t)).sqrt();
                let step_size = lr / correction1;
                let eps = F::from_f64(c.eps);
                for (((p, &g), m), v) in params
                    .iter_mut()
                    .zip(grads)
                    .zip(&mut self.first)
                    .zip(&mut self.second)
                {
                    *m = b1 * *m + (F::ONE - b1) * g;
                    *v = b2 * *v + (F::ONE - b2) * g * g;
                    *p -= step_size * *m / (v.sqrt() / correction2_sqrt + eps);
                }
            }
        }
    }
}
