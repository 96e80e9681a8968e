//! Optimizers: how a gradient becomes a parameter update. Each works on the flat parameter
//! vector in one loop, with its state (velocity, moments) allocated once. Every rule and default
//! is PyTorch's (`torch.optim`), g being the gradient after clipping and coupled weight decay:
//!
//! - SGD: θ ← θ − η·g
//! - Momentum: v ← μ·v + g, θ ← θ − η·v   (v starts at 0, so v₁ = g)
//! - Nesterov momentum (`nesterov = true`): v ← μ·v + g, θ ← θ − η·(g + μ·v)
//! - Adam (with bias correction): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
//!   θ ← θ − (η / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
//! - AdamW: θ ← θ·(1 − ηλ) (decoupled weight decay, default λ = 0.01), then Adam's step
//! - RMSprop (α = 0.99, ε = 1e-8): s ← α·s + (1−α)·g², θ ← θ − η·g / (√s + ε); with momentum
//!   μ > 0 (default 0): b ← μ·b + g / (√s + ε), θ ← θ − η·b
//!
//! Before the rule, the gradient may be changed twice, in PyTorch's order:
//! - clipping by global norm (`clip_grad_norm_`): ‖g‖ = √(Σ g²) over every parameter; when
//!   c = max_norm / (‖g‖ + 10⁻⁶) < 1, g ← c·g;
//! - coupled weight decay (`weight_decay` of SGD, Adam, RMSprop: L2 on the loss, E + ½λ‖w‖²):
//!   g ← g + λ·θ, for the weights only unless `decay_biases`.

use crate::config_err;
use crate::engine::float::Float;
use crate::engine::network::Network;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Adam,
    Adamw,
    Rmsprop,
}

impl OptimizerKind {
    /// How many parameter-sized state vectors it keeps, at most: none for SGD, the velocity
    /// for momentum, the two moments for Adam and AdamW, the mean square and (with momentum)
    /// the momentum buffer for RMSprop.
    pub fn state_vectors(self) -> u128 {
        match self {
            OptimizerKind::Sgd => 0,
            OptimizerKind::Momentum => 1,
            OptimizerKind::Adam | OptimizerKind::Adamw | OptimizerKind::Rmsprop => 2,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Adamw => "adamw",
            OptimizerKind::Rmsprop => "rmsprop",
        }
    }

    /// Adam's moments and bias corrections (Adam and AdamW).
    fn is_adam(self) -> bool {
        matches!(self, OptimizerKind::Adam | OptimizerKind::Adamw)
    }
}

/// Hyper-parameters, with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    pub learning_rate: f64,
    /// μ of `momentum` (default 0.9) and of `rmsprop` (default 0: none).
    pub momentum: f64,
    /// Nesterov's variant of `momentum` (default false).
    pub nesterov: bool,
    /// β₁, β₂, ε of `adam`/`adamw` (defaults 0.9, 0.999, 1e-8); ε also of `rmsprop`.
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// α, the smoothing constant of `rmsprop` (default 0.99).
    pub alpha: f64,
    /// λ: coupled L2 for sgd/momentum/adam/rmsprop (default 0), decoupled for adamw (default
    /// 0.01).
    pub weight_decay: f64,
    /// Whether weight decay applies to the biases too (default false: weights only).
    pub decay_biases: bool,
    /// Clip the gradient to this global L2 norm before each update (default: none).
    pub clip_norm: Option<f64>,
}

impl OptimizerConfig {
    pub fn new(kind: OptimizerKind, learning_rate: f64) -> Self {
        OptimizerConfig {
            kind,
            learning_rate,
            momentum: if kind == OptimizerKind::Rmsprop {
                0.0
            } else {
                0.9
            },
            nesterov: false,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            alpha: 0.99,
            weight_decay: if kind == OptimizerKind::Adamw {
                0.01
            } else {
                0.0
            },
            decay_biases: false,
            clip_norm: None,
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
        let positive = |name: &str, x: f64| -> Result<()> {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                config_err!("optimizer: {name} is {x}, expected a finite number > 0")
            }
        };
        let wd = self.weight_decay;
        if !(wd.is_finite() && wd >= 0.0) {
            return config_err!("optimizer: weight_decay is {wd}, expected a finite number ≥ 0");
        }
        if let Some(c) = self.clip_norm {
            positive("clip_norm", c)?;
        }
        if self.nesterov && (self.kind != OptimizerKind::Momentum || self.momentum == 0.0) {
            return config_err!(
                "optimizer: nesterov = true needs kind = \"momentum\" with momentum > 0 (kind is {})",
                self.kind.name()
            );
        }
        match self.kind {
            OptimizerKind::Sgd => Ok(()),
            OptimizerKind::Momentum => in_unit("momentum", self.momentum),
            OptimizerKind::Adam | OptimizerKind::Adamw => {
                in_unit("beta1", self.beta1)?;
                in_unit("beta2", self.beta2)?;
                positive("eps", self.eps)
            }
            OptimizerKind::Rmsprop => {
                in_unit("momentum", self.momentum)?;
                in_unit("alpha", self.alpha)?;
                positive("eps", self.eps)
            }
        }
    }

    /// Whether the gradient is changed before the rule (clipping, coupled weight decay): then
    /// the optimizer keeps a gradient-sized buffer for it.
    fn changes_gradient(&self) -> bool {
        self.clip_norm.is_some() || (self.coupled_decay() != 0.0)
    }

    /// λ of the L2 term added to the gradient (0 for AdamW, whose decay is decoupled).
    fn coupled_decay(&self) -> f64 {
        if self.kind == OptimizerKind::Adamw {
            0.0
        } else {
            self.weight_decay
        }
    }
}

/// An optimizer with its state for one network's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimizer<F> {
    pub config: OptimizerConfig,
    /// Momentum's velocity, Adam's first moment `m`, or RMSprop's momentum buffer; empty for
    /// SGD.
    pub first: Vec<F>,
    /// Adam's second moment `v`, or RMSprop's mean square; empty otherwise.
    pub second: Vec<F>,
    /// Steps taken (Adam's `t`).
    pub steps: u64,
    /// The ranges of the parameter vector weight decay applies to (all of it by default;
    /// [`Optimizer::for_network`] leaves out the biases unless `decay_biases`).
    pub decayed: Vec<Range<usize>>,
    /// The gradient after clipping and coupled decay (empty when neither is on).
    changed: Vec<F>,
    /// The global norm of the last step's gradient, before clipping (`None` without clipping).
    pub last_norm: Option<f64>,
}

impl<F: Float> Optimizer<F> {
    pub fn new(config: OptimizerConfig, param_count: usize) -> Self {
        let (first, second) = match config.kind {
            OptimizerKind::Sgd => (0, 0),
            OptimizerKind::Momentum => (param_count, 0),
            OptimizerKind::Adam | OptimizerKind::Adamw => (param_count, param_count),
            OptimizerKind::Rmsprop if config.momentum > 0.0 => (param_count, param_count),
            OptimizerKind::Rmsprop => (0, param_count),
        };
        let changed = if config.changes_gradient() {
            param_count
        } else {
            0
        };
        Optimizer {
            config,
            first: vec![F::ZERO; first],
            second: vec![F::ZERO; second],
            steps: 0,
            decayed: std::iter::once(0..param_count).collect(),
            changed: vec![F::ZERO; changed],
            last_norm: None,
        }
    }

    /// An optimizer for `net`'s parameters: weight decay on the weights only, unless
    /// `decay_biases`.
    pub fn for_network(config: OptimizerConfig, net: &Network<F>) -> Self {
        let mut opt = Self::new(config, net.params.len());
        if !config.decay_biases {
            opt.decayed = net
                .layers
                .iter()
                .map(|l| l.weight_offset..l.weight_offset + l.weight_count())
                .collect();
        }
        opt
    }

    /// The same optimizer in another float type (state converted through f64).
    pub fn cast<G: Float>(&self) -> Optimizer<G> {
        let conv = |v: &[F]| {
            v.iter()
                .map(|x| G::from_f64(x.to_f64()))
                .collect::<Vec<G>>()
        };
        Optimizer {
            config: self.config,
            first: conv(&self.first),
            second: conv(&self.second),
            steps: self.steps,
            decayed: self.decayed.clone(),
            changed: conv(&self.changed),
            last_norm: self.last_norm,
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
        if self.config.kind == OptimizerKind::Sgd
            && !self.config.changes_gradient()
            && params.len() < PARALLEL_MIN
        {
            // Plain SGD on one thread, the update alone: the general path's set-up below is a
            // noticeable share of a tiny network's step (the same arithmetic as `Rule::sgd`).
            let lr = F::from_f64(self.config.learning_rate);
            for (p, &g) in params.iter_mut().zip(grads) {
                *p -= lr * g;
            }
            return;
        }
        let c = self.config;
        let grads = if c.changes_gradient() {
            self.change_gradient(params, grads);
            &self.changed[..]
        } else {
            grads
        };
        if c.kind == OptimizerKind::Adamw && c.weight_decay != 0.0 {
            let keep = F::from_f64(1.0 - c.learning_rate * c.weight_decay);
            for r in &self.decayed {
                for p in &mut params[r.clone()] {
                    *p *= keep;
                }
            }
        }
        let rule = Rule::new(&c, self.steps);
        let parallel = params.len() >= PARALLEL_MIN && rayon::current_thread_index().is_some();
        let (first, second) = (&mut self.first, &mut self.second);
        match c.kind {
            OptimizerKind::Sgd if parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .for_each(|(p, g)| rule.sgd(p, g)),
            OptimizerKind::Sgd => rule.sgd(params, grads),
            OptimizerKind::Momentum if parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .zip(first.par_chunks_mut(CHUNK))
                .for_each(|((p, g), v)| rule.momentum(p, g, v)),
            OptimizerKind::Momentum => rule.momentum(params, grads, first),
            OptimizerKind::Adam | OptimizerKind::Adamw if parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .zip(first.par_chunks_mut(CHUNK))
                .zip(second.par_chunks_mut(CHUNK))
                .for_each(|(((p, g), m), v)| rule.adam(p, g, m, v)),
            OptimizerKind::Adam | OptimizerKind::Adamw => rule.adam(params, grads, first, second),
            OptimizerKind::Rmsprop if first.is_empty() && parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .zip(second.par_chunks_mut(CHUNK))
                .for_each(|((p, g), s)| rule.rmsprop(p, g, s)),
            OptimizerKind::Rmsprop if first.is_empty() => rule.rmsprop(params, grads, second),
            OptimizerKind::Rmsprop if parallel => params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .zip(first.par_chunks_mut(CHUNK))
                .zip(second.par_chunks_mut(CHUNK))
                .for_each(|(((p, g), b), s)| rule.rmsprop_momentum(p, g, b, s)),
            OptimizerKind::Rmsprop => rule.rmsprop_momentum(params, grads, first, second),
        }
    }

    /// Whether the update is plain SGD, θ ← θ − η·g, on the gradient as it comes (no clipping, no
    /// weight decay): then a step may fuse it into the backward pass ([`crate::engine::tiny`]).
    pub fn is_plain_sgd(&self) -> bool {
        self.config.kind == OptimizerKind::Sgd && !self.config.changes_gradient()
    }

    /// Fills `changed` with the clipped gradient plus the coupled decay term λθ.
    fn change_gradient(&mut self, params: &[F], grads: &[F]) {
        let c = self.config;
        if self.changed.len() != grads.len() {
            self.changed.resize(grads.len(), F::ZERO);
        }
        let mut scale = F::ONE;
        if let Some(max) = c.clip_norm {
            let norm = global_norm(grads);
            self.last_norm = Some(norm);
            let coef = max / (norm + CLIP_EPS);
            if coef < 1.0 {
                scale = F::from_f64(coef);
            }
        }
        if scale == F::ONE {
            self.changed.copy_from_slice(grads);
        } else {
            for (d, &g) in self.changed.iter_mut().zip(grads) {
                *d = scale * g;
            }
        }
        let lambda = c.coupled_decay();
        if lambda != 0.0 {
            let lambda = F::from_f64(lambda);
            for r in &self.decayed {
                for (d, &p) in self.changed[r.clone()].iter_mut().zip(&params[r.clone()]) {
                    *d += lambda * p;
                }
            }
        }
    }
}

/// The global L2 norm √(Σ g²) of a gradient, summed in f64.
pub fn global_norm<F: Float>(grads: &[F]) -> f64 {
    grads
        .iter()
        .map(|&g| {
            let g = g.to_f64();
            g * g
        })
        .sum::<f64>()
        .sqrt()
}

/// The 10⁻⁶ that `clip_grad_norm_` adds to the norm.
const CLIP_EPS: f64 = 1e-6;

/// From this many parameters on, [`Optimizer::step`] runs in chunks on all threads.
const PARALLEL_MIN: usize = 1 << 16;
/// Parameters per chunk (128 KiB of f32).
const CHUNK: usize = 1 << 15;

/// One step's constants, and the update of a run of parameters.
struct Rule<F> {
    lr: F,
    mu: F,
    nesterov: bool,
    /// RMSprop's α
    alpha: F,
    b1: F,
    b2: F,
    /// η / (1 − β₁ᵗ)
    step_size: F,
    /// √(1 − β₂ᵗ)
    correction2_sqrt: F,
    eps: F,
}

impl<F: Float> Rule<F> {
    /// The constants of step `steps` (Adam's bias corrections only for Adam and AdamW: SGD's step on a
    /// tiny network is a few dozen nanoseconds, and two `powi` would be a noticeable share).
    fn new(c: &OptimizerConfig, steps: u64) -> Self {
        let lr = F::from_f64(c.learning_rate);
        let mut rule = Rule {
            lr,
            mu: F::from_f64(c.momentum),
            nesterov: c.nesterov,
            alpha: F::from_f64(c.alpha),
            b1: F::ZERO,
            b2: F::ZERO,
            step_size: lr,
            correction2_sqrt: F::ONE,
            eps: F::ZERO,
        };
        if c.kind == OptimizerKind::Rmsprop {
            rule.eps = F::from_f64(c.eps);
        }
        if c.kind.is_adam() {
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
        if self.nesterov {
            for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity) {
                *v = self.mu * *v + g;
                *p -= self.lr * (g + self.mu * *v);
            }
            return;
        }
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity) {
            *v = self.mu * *v + g;
            *p -= self.lr * *v;
        }
    }

    fn rmsprop(&self, params: &mut [F], grads: &[F], square: &mut [F]) {
        let a = self.alpha;
        for ((p, &g), s) in params.iter_mut().zip(grads).zip(square) {
            *s = a * *s + (F::ONE - a) * g * g;
            *p -= self.lr * g / (s.sqrt() + self.eps);
        }
    }

    fn rmsprop_momentum(&self, params: &mut [F], grads: &[F], buf: &mut [F], square: &mut [F]) {
        let a = self.alpha;
        for (((p, &g), b), s) in params.iter_mut().zip(grads).zip(buf).zip(square) {
            *s = a * *s + (F::ONE - a) * g * g;
            *b = self.mu * *b + g / (s.sqrt() + self.eps);
            *p -= self.lr * *b;
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
