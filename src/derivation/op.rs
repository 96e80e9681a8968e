//! The operations of the derivation graph: what each named quantity is computed from.
//!
//! Every [`Op`] knows three things about itself, all over the values of its inputs (in the
//! order the node lists them):
//! - [`Op::eval`]: its value;
//! - [`Op::local_grads`]: the partial derivative of its value with respect to each input (the
//!   rules of the reverse walk in [`super::graph::Graph::backward`]; the formula of each is in a
//!   comment beside it);
//! - [`Op::symbolic`] / [`Op::substituted`]: how it is written, as an [`Expr`] over its inputs.
//!
//! This is written independently of the fast engine (`network.rs`, `loss.rs`, `optim.rs`): the
//! two must agree, and a test checks that they do.

use super::expr::{Expr, Func};
use crate::engine::activation::{Activation, LEAKY_SLOPE};
use crate::engine::loss::Loss;

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A given value: a parameter, an input, a target. No inputs.
    Given,
    /// `Σ_k w_k·x_k (+ b)`; inputs `[w_1, x_1, w_2, x_2, …, (b)]`.
    Weighted { bias: bool },
    /// `f(z)` for an element-wise activation (not softmax); inputs `[z]`.
    Activate(Activation),
    /// `e^{z_k} / Σ_j e^{z_j}`; inputs `[z_1, …, z_n]`.
    Softmax { k: usize },
    /// One sample's error; inputs `[a_1, …, a_n, t_1, …, t_n]` (outputs, then targets).
    SampleLoss(Loss),
    /// `(x_1 + … + x_n) / n`.
    Mean,
    /// `∂E_s/∂a` of one output for `half_sse` (`a − t`) or `mse` (`2(a − t)/n`, n outputs);
    /// inputs `[a, t]`.
    LossSlope { loss: Loss, outputs: usize },
    /// `∂a/∂z` of an element-wise activation; inputs `[a]` for sigmoid and tanh, `[z]` otherwise.
    Slope(Activation),
    /// `∂E/∂z_k` through a softmax, `a_k (g_k − Σ_j g_j a_j)`; inputs `[a_1…a_n, g_1…g_n]`
    /// where `g_j = ∂E/∂a_j`.
    SoftmaxDelta { k: usize },
    /// `∂E/∂z_k` of softmax with cross-entropy, `a_k·Σ_j t_j − t_k`; inputs `[a_k, t_1…t_n]`.
    CrossEntropyDelta { k: usize },
    /// `∂E/∂z` of sigmoid with binary cross-entropy, `(a − t)/n`; inputs `[a, t]`.
    BceDelta { outputs: usize },
    /// `x·y`; inputs `[x, y]`.
    Product,
    /// Inverted dropout of rate p, `m·x/(1 − p)` with the mask m ∈ {0, 1}; inputs `[m, x]`.
    /// Forward, x is the output a (giving ã); backward, x is `∂E/∂ã` (giving `∂E/∂a`).
    Dropout { p: f64 },
    /// `(Σ_s x_s·y_s) / B`: a weight's gradient averaged over the batch;
    /// inputs `[x_1, y_1, x_2, y_2, …]`.
    MeanProduct,
    /// `(Σ_s Σ_j d_sj) / B`: a bias's gradient, summed over the `group` units sharing it and
    /// averaged over the batch; inputs `[d_11 … d_1g, d_21 …]`.
    MeanSum { group: usize },
    /// The gradient with coupled weight decay (L2 on the loss, E + ½λ‖w‖²), `g + λ·θ`;
    /// inputs `[g, θ]`.
    Decay { lambda: f64 },
    /// `θ − η·g`; inputs `[θ, g]`.
    Descend { lr: f64 },
    /// Nesterov momentum's step `θ − η·(g + μ·v)`; inputs `[θ, g, v]`.
    NesterovStep { lr: f64, mu: f64 },
    /// Momentum's velocity `μ·v₀ + g`; inputs `[g]`.
    Velocity { mu: f64, prev: f64 },
    /// Adam's first moment `β₁·m₀ + (1 − β₁)·g`; inputs `[g]`.
    AdamFirst { beta1: f64, prev: f64 },
    /// Adam's second moment `β₂·v₀ + (1 − β₂)·g²`; inputs `[g]`.
    AdamSecond { beta2: f64, prev: f64 },
    /// Adam's step `θ − (η/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε)`; inputs `[θ, m, v]`.
    AdamStep {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        t: i32,
    },
}

impl Op {
    /// The value of the operation on these input values.
    pub fn eval(&self, x: &[f64]) -> f64 {
        match *self {
            Op::Given => f64::NAN,
            Op::Weighted { bias } => {
                let (pairs, b) = split_bias(x, bias);
                pairs.chunks_exact(2).map(|p| p[0] * p[1]).sum::<f64>() + b.unwrap_or(0.0)
            }
            Op::Activate(f) => activate(f, x[0]),
            Op::Softmax { k } => softmax(x)[k],
            Op::SampleLoss(loss) => {
                let n = x.len() / 2;
                let (a, t) = x.split_at(n);
                sample_loss(loss, a, t)
            }
            Op::Mean => x.iter().sum::<f64>() / x.len() as f64,
            Op::LossSlope { loss, outputs } => match loss {
                Loss::Mse => 2.0 * (x[0] - x[1]) / outputs as f64,
                _ => x[0] - x[1],
            },
            Op::Slope(f) => slope(f, x[0]),
            Op::SoftmaxDelta { k } => {
                let n = x.len() / 2;
                let (a, g) = x.split_at(n);
                let s: f64 = a.iter().zip(g).map(|(a, g)| a * g).sum();
                a[k] * (g[k] - s)
            }
            Op::CrossEntropyDelta { k } => {
                let t_sum: f64 = x[1..].iter().sum();
                x[0] * t_sum - x[1 + k]
            }
            Op::BceDelta { outputs } => (x[0] - x[1]) / outputs as f64,
            Op::Product => x[0] * x[1],
            Op::Dropout { p } => x[0] * x[1] / (1.0 - p),
            Op::MeanProduct => {
                let b = (x.len() / 2) as f64;
                x.chunks_exact(2).map(|p| p[0] * p[1]).sum::<f64>() / b
            }
            Op::MeanSum { group } => {
                let b = (x.len() / group) as f64;
                x.iter().sum::<f64>() / b
            }
            Op::Decay { lambda } => x[0] + lambda * x[1],
            Op::Descend { lr } => x[0] - lr * x[1],
            Op::NesterovStep { lr, mu } => x[0] - lr * (x[1] + mu * x[2]),
            Op::Velocity { mu, prev } => mu * prev + x[0],
            Op::AdamFirst { beta1, prev } => beta1 * prev + (1.0 - beta1) * x[0],
            Op::AdamSecond { beta2, prev } => beta2 * prev + (1.0 - beta2) * x[0] * x[0],
            Op::AdamStep {
                lr,
                beta1,
                beta2,
                eps,
                t,
            } => {
                let c1 = 1.0 - beta1.powi(t);
                let c2 = (1.0 - beta2.powi(t)).sqrt();
                x[0] - (lr / c1) * x[1] / (x[2].sqrt() / c2 + eps)
            }
        }
    }

    /// ∂(value)/∂(input k) for every input, at these input values (`out` is the value).
    pub fn local_grads(&self, x: &[f64], out: f64) -> Vec<f64> {
        match *self {
            Op::Given => Vec::new(),
            Op::Weighted { bias } => {
                // ∂(Σ w·x + b)/∂w_k = x_k, ∂/∂x_k = w_k, ∂/∂b = 1
                let (pairs, _) = split_bias(x, bias);
                let mut g: Vec<f64> = pairs.chunks_exact(2).flat_map(|p| [p[1], p[0]]).collect();
                if bias {
                    g.push(1.0);
                }
                g
            }
            // ∂f(z)/∂z = f'(z), written with the output where that is the usual form
            Op::Activate(f) => vec![match f {
                Activation::Sigmoid => out * (1.0 - out), // σ' = σ(1 − σ)
                Activation::Tanh => 1.0 - out * out,      // tanh' = 1 − tanh²
                _ => slope(f, x[0]),
            }],
            Op::Softmax { k } => {
                // ∂a_k/∂z_j = a_k(δ_kj − a_j)
                let a = softmax(x);
                (0..x.len())
                    .map(|j| a[k] * (f64::from(j == k) - a[j]))
                    .collect()
            }
            Op::SampleLoss(loss) => sample_loss_grads(loss, x),
            // ∂/∂x_k of the mean = 1/n
            Op::Mean => vec![1.0 / x.len() as f64; x.len()],
            Op::LossSlope { loss, outputs } => match loss {
                // ∂(2(a − t)/n)/∂a = 2/n, ∂/∂t = −2/n
                Loss::Mse => {
                    let c = 2.0 / outputs as f64;
                    vec![c, -c]
                }
                // ∂(a − t)/∂a = 1, ∂/∂t = −1
                _ => vec![1.0, -1.0],
            },
            Op::Slope(f) => vec![match f {
                Activation::Sigmoid => 1.0 - 2.0 * x[0], // d(a(1 − a))/da = 1 − 2a
                Activation::Tanh => -2.0 * x[0],         // d(1 − a²)/da = −2a
                _ => 0.0,                                // piecewise constant in z
            }],
            Op::SoftmaxDelta { k } => softmax_delta_grads(k, x),
            Op::CrossEntropyDelta { k } => {
                // out = a_k·T − t_k, T = Σ_j t_j: ∂/∂a_k = T, ∂/∂t_j = a_k − δ_jk
                let t_sum: f64 = x[1..].iter().sum();
                std::iter::once(t_sum)
                    .chain((0..x.len() - 1).map(|j| x[0] - f64::from(j == k)))
                    .collect()
            }
            Op::BceDelta { outputs } => {
                // ∂((a − t)/n)/∂a = 1/n, ∂/∂t = −1/n
                let c = 1.0 / outputs as f64;
                vec![c, -c]
            }
            // ∂(x·y)/∂x = y, ∂/∂y = x
            Op::Product => vec![x[1], x[0]],
            // ∂(m·x/(1 − p))/∂m = x/(1 − p), ∂/∂x = m/(1 − p)
            Op::Dropout { p } => vec![x[1] / (1.0 - p), x[0] / (1.0 - p)],
            Op::MeanProduct => {
                // ∂/∂x_s = y_s/B, ∂/∂y_s = x_s/B
                let b = (x.len() / 2) as f64;
                x.chunks_exact(2)
                    .flat_map(|p| [p[1] / b, p[0] / b])
                    .collect()
            }
            // ∂/∂d_sj = 1/B
            Op::MeanSum { group } => vec![group as f64 / x.len() as f64; x.len()],
            // ∂(g + λ·θ)/∂g = 1, ∂/∂θ = λ
            Op::Decay { lambda } => vec![1.0, lambda],
            // ∂(θ − η·g)/∂θ = 1, ∂/∂g = −η
            Op::Descend { lr } => vec![1.0, -lr],
            // ∂(θ − η·(g + μ·v))/∂θ = 1, ∂/∂g = −η, ∂/∂v = −η·μ
            Op::NesterovStep { lr, mu } => vec![1.0, -lr, -lr * mu],
            // ∂(μ·v₀ + g)/∂g = 1
            Op::Velocity { .. } => vec![1.0],
            // ∂(β₁·m₀ + (1 − β₁)·g)/∂g = 1 − β₁
            Op::AdamFirst { beta1, .. } => vec![1.0 - beta1],
            // ∂(β₂·v₀ + (1 − β₂)·g²)/∂g = 2(1 − β₂)·g
            Op::AdamSecond { beta2, .. } => vec![2.0 * (1.0 - beta2) * x[0]],
            Op::AdamStep {
                lr,
                beta1,
                beta2,
                eps,
                t,
            } => adam_step_grads([lr, beta1, beta2, eps], t, x),
        }
    }

    /// The operation written over its inputs `x` (names or numbers, as the renderer chooses):
    /// the formula a learner writes first (`σ(z_h1)`).
    pub fn symbolic(&self, x: &[Expr]) -> Expr {
        match *self {
            Op::Given => Expr::Num(f64::NAN),
            Op::Weighted { bias } => {
                let (pairs, b) = split_bias(x, bias);
                let mut terms: Vec<Expr> = pairs
                    .chunks_exact(2)
                    .map(|p| Expr::mul(vec![p[0].clone(), p[1].clone()]))
                    .collect();
                if let Some(b) = b {
                    terms.push(b.clone());
                }
                Expr::add(terms)
            }
            Op::Activate(f) => Expr::call(activation_func(f), x[0].clone()),
            Op::Softmax { k } => Expr::over(
                Expr::exp(x[k].clone()),
                Expr::add(x.iter().map(|z| Expr::exp(z.clone())).collect()),
            ),
            Op::SampleLoss(loss) => sample_loss_expr(loss, x),
            Op::Mean => Expr::over(Expr::add(x.to_vec()), Expr::Int(x.len() as i64)),
            Op::LossSlope { loss, outputs } => {
                let diff = Expr::minus(x[0].clone(), x[1].clone());
                match loss {
                    Loss::Mse => Expr::over(
                        Expr::mul(vec![Expr::Int(2), diff]),
                        Expr::Int(outputs as i64),
                    ),
                    _ => diff,
                }
            }
            Op::Slope(f) => slope_expr(f, &x[0]),
            Op::SoftmaxDelta { k } => {
                let n = x.len() / 2;
                let (a, g) = x.split_at(n);
                let dot = Expr::add(
                    a.iter()
                        .zip(g)
                        .map(|(a, g)| Expr::mul(vec![g.clone(), a.clone()]))
                        .collect(),
                );
                Expr::mul(vec![a[k].clone(), Expr::minus(g[k].clone(), dot)])
            }
            Op::CrossEntropyDelta { k } => {
                let t_sum = Expr::add(x[1..].to_vec());
                Expr::minus(Expr::mul(vec![x[0].clone(), t_sum]), x[1 + k].clone())
            }
            Op::BceDelta { outputs } => {
                let diff = Expr::minus(x[0].clone(), x[1].clone());
                if outputs == 1 {
                    diff
                } else {
                    Expr::over(diff, Expr::Int(outputs as i64))
                }
            }
            Op::Product => Expr::mul(x.to_vec()),
            Op::Dropout { p } => Expr::over(
                Expr::mul(x.to_vec()),
                Expr::minus(Expr::Int(1), Expr::constant("p", p)),
            ),
            Op::MeanProduct => {
                batch_mean(x.chunks_exact(2).map(|p| Expr::mul(p.to_vec())).collect())
            }
            Op::MeanSum { group } => {
                let terms: Vec<Expr> = if group == 1 {
                    x.to_vec()
                } else {
                    x.chunks_exact(group)
                        .map(|g| Expr::add(g.to_vec()))
                        .collect()
                };
                batch_mean(terms)
            }
            Op::Decay { .. }
            | Op::Descend { .. }
            | Op::NesterovStep { .. }
            | Op::Velocity { .. }
            | Op::AdamFirst { .. }
            | Op::AdamSecond { .. }
            | Op::AdamStep { .. } => self.update_expr(x),
        }
    }

    /// The optimizer's operations written over their inputs.
    fn update_expr(&self, x: &[Expr]) -> Expr {
        match *self {
            Op::Decay { lambda } => Expr::add(vec![
                x[0].clone(),
                Expr::mul(vec![Expr::constant("λ", lambda), x[1].clone()]),
            ]),
            Op::Descend { lr } => Expr::minus(
                x[0].clone(),
                Expr::mul(vec![Expr::constant("η", lr), x[1].clone()]),
            ),
            Op::NesterovStep { lr, mu } => Expr::minus(
                x[0].clone(),
                Expr::mul(vec![
                    Expr::constant("η", lr),
                    Expr::add(vec![
                        x[1].clone(),
                        Expr::mul(vec![Expr::constant("μ", mu), x[2].clone()]),
                    ]),
                ]),
            ),
            Op::Velocity { mu, prev } => Expr::add(vec![
                Expr::mul(vec![Expr::constant("μ", mu), Expr::constant("v₀", prev)]),
                x[0].clone(),
            ]),
            Op::AdamFirst { beta1, prev } => Expr::add(vec![
                Expr::mul(vec![
                    Expr::constant("β₁", beta1),
                    Expr::constant("m₀", prev),
                ]),
                Expr::mul(vec![
                    Expr::minus(Expr::Int(1), Expr::constant("β₁", beta1)),
                    x[0].clone(),
                ]),
            ]),
            Op::AdamSecond { beta2, prev } => Expr::add(vec![
                Expr::mul(vec![
                    Expr::constant("β₂", beta2),
                    Expr::constant("v₀", prev),
                ]),
                Expr::mul(vec![
                    Expr::minus(Expr::Int(1), Expr::constant("β₂", beta2)),
                    Expr::square(x[0].clone()),
                ]),
            ]),
            Op::AdamStep {
                lr,
                beta1,
                beta2,
                eps,
                t,
            } => {
                let t = Expr::Int(t as i64);
                let c1 = Expr::minus(
                    Expr::Int(1),
                    Expr::pow(Expr::constant("β₁", beta1), t.clone()),
                );
                let c2 = Expr::sqrt(Expr::minus(
                    Expr::Int(1),
                    Expr::pow(Expr::constant("β₂", beta2), t),
                ));
                let step = Expr::over(Expr::constant("η", lr), c1);
                let denominator = Expr::add(vec![
                    Expr::over(Expr::sqrt(x[2].clone()), c2),
                    Expr::constant("ε", eps),
                ]);
                Expr::minus(
                    x[0].clone(),
                    Expr::mul(vec![step, Expr::over(x[1].clone(), denominator)]),
                )
            }
            _ => unreachable!("update_expr is called for the optimizer's operations"),
        }
    }

    /// The operation written out for substituting numbers, where that differs from
    /// [`Op::symbolic`] (`σ(z)` is substituted as `1/(1 + e^−z)`).
    pub fn substituted(&self, x: &[Expr]) -> Expr {
        match *self {
            Op::Activate(Activation::Sigmoid) => Expr::over(
                Expr::Int(1),
                Expr::add(vec![Expr::Int(1), Expr::exp(Expr::negate(x[0].clone()))]),
            ),
            _ => self.symbolic(x),
        }
    }
}

/// The local derivatives of a sample's error over `x = [a…, t…]`: `∂/∂a` for each output, then
/// `∂/∂t` for each target.
fn sample_loss_grads(loss: Loss, x: &[f64]) -> Vec<f64> {
    let n = x.len() / 2;
    let (a, t) = x.split_at(n);
    let u = n as f64;
    let (da, dt): (Vec<f64>, Vec<f64>) = match loss {
        // ½Σ(t − a)²: ∂/∂a = a − t, ∂/∂t = t − a
        Loss::HalfSse => a.iter().zip(t).map(|(a, t)| (a - t, t - a)).unzip(),
        // (1/n)Σ(t − a)²: ∂/∂a = 2(a − t)/n, ∂/∂t = 2(t − a)/n
        Loss::Mse => a
            .iter()
            .zip(t)
            .map(|(a, t)| (2.0 * (a - t) / u, 2.0 * (t - a) / u))
            .unzip(),
        // −Σ t ln a: ∂/∂a = −t/a, ∂/∂t = −ln a
        Loss::CrossEntropy => a.iter().zip(t).map(|(a, t)| (-t / a, -a.ln())).unzip(),
        // −(1/n)Σ[t ln a + (1 − t) ln(1 − a)]:
        // ∂/∂a = (1/n)((1 − t)/(1 − a) − t/a), ∂/∂t = (1/n)(ln(1 − a) − ln a)
        Loss::Bce => a
            .iter()
            .zip(t)
            .map(|(a, t)| {
                (
                    ((1.0 - t) / (1.0 - a) - t / a) / u,
                    ((1.0 - a).ln() - a.ln()) / u,
                )
            })
            .unzip(),
    };
    da.into_iter().chain(dt).collect()
}

/// The local derivatives of softmax's delta over `x = [a…, g…]`.
fn softmax_delta_grads(k: usize, x: &[f64]) -> Vec<f64> {
    // out = a_k(g_k − S), S = Σ_j g_j a_j:
    // ∂/∂a_j = δ_kj(g_k − S) − a_k g_j, ∂/∂g_j = a_k(δ_kj − a_j)
    let n = x.len() / 2;
    let (a, g) = x.split_at(n);
    let s: f64 = a.iter().zip(g).map(|(a, g)| a * g).sum();
    let da = (0..n).map(|j| f64::from(j == k) * (g[k] - s) - a[k] * g[j]);
    let dg = (0..n).map(|j| a[k] * (f64::from(j == k) - a[j]));
    da.chain(dg).collect()
}

/// The local derivatives of Adam's step over `x = [θ, m, v]`, with `[η, β₁, β₂, ε]` at step `t`.
fn adam_step_grads([lr, beta1, beta2, eps]: [f64; 4], t: i32, x: &[f64]) -> Vec<f64> {
    // out = θ − s·m/D, s = η/c₁, D = √v/c₂ + ε:
    // ∂/∂θ = 1, ∂/∂m = −s/D, ∂/∂v = s·m/D² · 1/(2c₂√v)
    let c1 = 1.0 - beta1.powi(t);
    let c2 = (1.0 - beta2.powi(t)).sqrt();
    let s = lr / c1;
    let root = x[2].sqrt();
    let d = root / c2 + eps;
    let dv = if root > 0.0 {
        s * x[1] / (d * d) / (2.0 * c2 * root)
    } else {
        0.0
    };
    vec![1.0, -s / d, dv]
}

/// A sample's error written over its outputs and targets `x = [a…, t…]`.
fn sample_loss_expr(loss: Loss, x: &[Expr]) -> Expr {
    let n = x.len() / 2;
    let (a, t) = x.split_at(n);
    let per_output = |f: &dyn Fn(&Expr, &Expr) -> Expr| -> Vec<Expr> {
        a.iter().zip(t).map(|(a, t)| f(a, t)).collect()
    };
    let over_n = |e: Expr| {
        if n == 1 {
            e
        } else {
            Expr::over(e, Expr::Int(n as i64))
        }
    };
    match loss {
        Loss::HalfSse => Expr::mul(vec![
            Expr::Half,
            Expr::add(per_output(&|a, t| {
                Expr::square(Expr::minus(t.clone(), a.clone()))
            })),
        ]),
        Loss::Mse => over_n(Expr::add(per_output(&|a, t| {
            Expr::square(Expr::minus(t.clone(), a.clone()))
        }))),
        Loss::CrossEntropy => Expr::negate(Expr::add(per_output(&|a, t| {
            Expr::mul(vec![t.clone(), Expr::call(Func::Ln, a.clone())])
        }))),
        Loss::Bce => over_n(Expr::negate(Expr::add(per_output(&|a, t| {
            Expr::add(vec![
                Expr::mul(vec![t.clone(), Expr::call(Func::Ln, a.clone())]),
                Expr::mul(vec![
                    Expr::minus(Expr::Int(1), t.clone()),
                    Expr::call(Func::Ln, Expr::minus(Expr::Int(1), a.clone())),
                ]),
            ])
        })))),
    }
}

/// `∂a/∂z` written over `x`: the activation for sigmoid and tanh (`a(1 − a)`, `1 − a²`), the
/// pre-activation otherwise.
fn slope_expr(f: Activation, x: &Expr) -> Expr {
    match f {
        Activation::Sigmoid => Expr::mul(vec![x.clone(), Expr::minus(Expr::Int(1), x.clone())]),
        Activation::Tanh => Expr::minus(Expr::Int(1), Expr::square(x.clone())),
        Activation::Linear => Expr::Int(1),
        _ => Expr::call(slope_func(f), x.clone()),
    }
}

/// `(t_1 + … + t_B)/B`, or the single term for a batch of one.
fn batch_mean(terms: Vec<Expr>) -> Expr {
    let b = terms.len();
    if b == 1 {
        terms.into_iter().next().expect("one term")
    } else {
        Expr::over(Expr::add(terms), Expr::Int(b as i64))
    }
}

/// Splits `[w_1, x_1, …, (b)]` into the pairs and the bias.
fn split_bias<T: Clone>(x: &[T], bias: bool) -> (&[T], Option<T>) {
    if bias {
        let (pairs, b) = x.split_at(x.len() - 1);
        (pairs, Some(b[0].clone()))
    } else {
        (x, None)
    }
}

/// An element-wise activation, computed stably.
pub fn activate(f: Activation, z: f64) -> f64 {
    match f {
        Activation::Sigmoid => {
            if z >= 0.0 {
                1.0 / (1.0 + (-z).exp())
            } else {
                let e = z.exp();
                e / (1.0 + e)
            }
        }
        Activation::Tanh => z.tanh(),
        Activation::Relu => z.max(0.0),
        Activation::LeakyRelu => {
            if z > 0.0 {
                z
            } else {
                LEAKY_SLOPE * z
            }
        }
        Activation::Linear | Activation::Softmax => z,
    }
}

/// `∂a/∂z` of an element-wise activation, from `a` (sigmoid, tanh) or `z` (the others).
fn slope(f: Activation, x: f64) -> f64 {
    match f {
        Activation::Sigmoid => x * (1.0 - x),
        Activation::Tanh => 1.0 - x * x,
        Activation::Relu => f64::from(x > 0.0),
        Activation::LeakyRelu => {
            if x > 0.0 {
                1.0
            } else {
                LEAKY_SLOPE
            }
        }
        Activation::Linear | Activation::Softmax => 1.0,
    }
}

/// Softmax of a row, shifted by its maximum so no exponential overflows.
fn softmax(z: &[f64]) -> Vec<f64> {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|z| (z - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|e| e / sum).collect()
}

/// One sample's error from its outputs `a` and targets `t`. A term whose coefficient is zero
/// counts zero even where its logarithm is infinite (`0·ln 0 = 0`).
fn sample_loss(loss: Loss, a: &[f64], t: &[f64]) -> f64 {
    let n = a.len() as f64;
    let t_ln = |t: f64, a: f64| if t == 0.0 { 0.0 } else { t * a.ln() };
    match loss {
        Loss::HalfSse => 0.5 * a.iter().zip(t).map(|(a, t)| (t - a) * (t - a)).sum::<f64>(),
        Loss::Mse => a.iter().zip(t).map(|(a, t)| (t - a) * (t - a)).sum::<f64>() / n,
        Loss::CrossEntropy => -a.iter().zip(t).map(|(&a, &t)| t_ln(t, a)).sum::<f64>(),
        Loss::Bce => {
            -a.iter()
                .zip(t)
                .map(|(&a, &t)| t_ln(t, a) + t_ln(1.0 - t, 1.0 - a))
                .sum::<f64>()
                / n
        }
    }
}

fn activation_func(f: Activation) -> Func {
    match f {
        Activation::Sigmoid => Func::Sigmoid,
        Activation::Tanh => Func::Tanh,
        Activation::Relu => Func::Relu,
        Activation::LeakyRelu => Func::LeakyRelu,
        Activation::Linear | Activation::Softmax => Func::Identity,
    }
}

fn slope_func(f: Activation) -> Func {
    match f {
        Activation::Relu => Func::ReluSlope,
        _ => Func::LeakyReluSlope,
    }
}
