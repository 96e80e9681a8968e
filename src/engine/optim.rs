//! Optimizers: how a gradient becomes a parameter update. Each works on the flat parameter
//! vector in one loop, with its state (velocity, moments) allocated once.
//!
//! - SGD: θ ← θ − η·g
//! - Momentum (PyTorch's convention): v ← μ·v + g, θ ← θ − η·v   (v starts at 0, so v₁ = g)
//! - Adam (PyTorch's, with bias correction): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
//!   θ ← θ − (η / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)

use crate::engine::float::Float;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Adam,
}

impl OptimizerKind {
    /// How many parameter-sized state vectors it keeps: none for SGD, the velocity for
    /// momentum, the two moments for Adam.
    pub fn state_vectors(self) -> u128 {
        match self {
            OptimizerKind::Sgd => 0,
            OptimizerKind::Momentum => 1,
            OptimizerKind::Adam => 2,
        }
    }

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
            return Err(Error::Config(format!(
                "optimizer: learning_rate is {lr}, expected a finite number > 0"
            )));
        }
        let in_unit = |name: &str, x: f64| -> Result<()> {
            if (0.0..1.0).contains(&x) {
                Ok(())
            } else {
                Err(Error::Config(format!(
                    "optimizer: {name} is {x}, expected a number in [0, 1)"
                )))
            }
        };
        match self.kind {
            OptimizerKind::Sgd => Ok(()),
            OptimizerKind::Momentum => in_unit("momentum", self.momentum),
            OptimizerKind::Adam => {
                in_unit("beta1", self.beta1)?;
                in_unit("beta2", self.beta2)?;
                if !(self.eps.is_finite() && self.eps > 0.0) {
                    return Err(Error::Config(format!(
                        "optimizer: eps is {}, expected a finite number > 0",
                        self.eps
                    )));
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

    /// One update of `params` from `grads`. Every element is updated on its own, so a large
    /// vector is updated in chunks on all threads with the same result as on one. That happens
    /// when the caller runs on a thread of rayon's pool, as [`crate::Trainer`] does when the
    /// rest of the step uses threads: then the pool is awake. A step with little else to share
    /// (784-256-10 at batch 1) measured slower waking the pool for its update alone.
    pub fn step(&mut self, params: &mut [F], grads: &[F]) {
        assert_eq!(params.len(), grads.len());
        self.steps = self.steps.saturating_add(1);
        let rule = Rule::new(&self.config, self.steps);
        let parallel = params.len() >= PARALLEL_MIN && rayon::current_thread_index().is_some();
        match self.config.kind {
            OptimizerKind::Sgd if parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .for_each(|(p, g)| rule.sgd(p, g)),
            OptimizerKind::Sgd => rule.sgd(params, grads),
            OptimizerKind::Momentum if parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .zip(self.first.par_chunks_mut(CHUNK))
                .for_each(|((p, g), v)| rule.momentum(p, g, v)),
            OptimizerKind::Momentum => rule.momentum(params, grads, &mut self.first),
            OptimizerKind::Adam if parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .zip(self.first.par_chunks_mut(CHUNK))
                .zip(self.second.par_chunks_mut(CHUNK))
                .for_each(|(((p, g), m), v)| rule.adam(p, g, m, v)),
            OptimizerKind::Adam => rule.adam(params, grads, &mut self.first, &mut self.second),
        }
    }
}

/// From this many parameters on, [`Optimizer::step`] runs in chunks on all threads.
const PARALLEL_MIN: usize = 1 << 16;
/// Parameters per chunk (128 KiB of f32).
const CHUNK: usize = 1 << 15;

/// One step's constants, and the update of a run of parameters.
struct Rule<F> {
    lr: F,
    mu: F,
    b1: F,
    b2: F,
    /// η / (1 − β₁ᵗ)
    step_size: F,
    /// √(1 − β₂ᵗ)
    correction2_sqrt: F,
    eps: F,
}

impl<F: Float> Rule<F> {
    /// The constants of step `steps` (Adam's bias corrections only for Adam: SGD's step on a
    /// tiny network is a few dozen nanoseconds, and two `powi` would be a noticeable share).
    fn new(c: &OptimizerConfig, steps: u64) -> Self {
        let lr = F::from_f64(c.learning_rate);
        let mut rule = Rule {
            lr,
            mu: F::from_f64(c.momentum),
            b1: F::ZERO,
            b2: F::ZERO,
            step_size: lr,
            correction2_sqrt: F::ONE,
            eps: F::ZERO,
        };
        if c.kind == OptimizerKind::Adam {
            // β^t is 0 in floating point long before t passes i32::MAX.
            let t = steps.min(i32::MAX as u64) as i32;
            let (b1, b2) = (F::from_f64(c.beta1), F::from_f64(c.beta2));
            rule.b1 = b1;
            rule.b2 = b2;
            rule.step_size = lr / (F::ONE - b1.powi(t));
            rule.correction2_sqrt = (F::ONE - b2.powi(t)).sqrt();
            rule.eps = F::from_f64(c.eps);
        }
        rule
    }

    fn sgd(&self, params: &mut [F], grads: &[F]) {
        for (p, &g) in params.iter_mut().zip(grads) {
            *p -= self.lr * g;
        }
    }

    fn momentum(&self, params: &mut [F], grads: &[F], velocity: &mut [F]) {
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity) {
            *v = self.mu * *v + g;
            *p -= self.lr * *v;
        }
    }

    fn adam(&self, params: &mut [F], grads: &[F], first: &mut [F], second: &mut [F]) {
        let (b1, b2) = (self.b1, self.b2);
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(first).zip(second) {
            *m = b1 * *m + (F::ONE - b1) * g;
            *v = b2 * *v + (F::ONE - b2) * g * g;
            *p -= self.step_size * *m / (v.sqrt() / self.correction2_sqrt + self.eps);
        }
    }
}
