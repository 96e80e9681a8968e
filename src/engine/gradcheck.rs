//! Gradient check: backprop's gradients against central finite differences,
//! ∂E/∂θ ≈ (E(θ + h) − E(θ − h)) / 2h, with an error of O(h²); computed in f64.

use crate::engine::float::Float;
use crate::engine::network::{Network, Workspace};
use crate::engine::notation::parameter_names;

/// One parameter's comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamCheck {
    pub name: String,
    pub backprop: f64,
    pub numeric: f64,
    /// |backprop − numeric| / max(|backprop|, |numeric|, 1e-4): relative, but absolute for
    /// gradients below 1e-4 (where round-off in E dominates the difference quotient)
    pub relative_error: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    pub params: Vec<ParamCheck>,
    pub max_relative_error: f64,
}

/// Default step `h`.
pub const STEP: f64 = 1e-6;

/// Compares every parameter's gradient on one batch `x` `[batch × inputs]`, `t` `[batch × outputs]`.
pub fn gradcheck<F: Float>(net: &Network<F>, x: &[F], t: &[F], batch: usize, h: f64) -> GradCheck {
    let mut net: Network<f64> = net.cast();
    let x: Vec<f64> = x.iter().map(|v| v.to_f64()).collect();
    let t: Vec<f64> = t.iter().map(|v| v.to_f64()).collect();
    let mut ws = Workspace::new(&net, batch);
    net.loss_and_gradients(&x, &t, batch, &mut ws);
    let analytic = ws.grads.clone();
    let names = parameter_names(&net.layers);
    let mut params = Vec::with_capacity(analytic.len());
    let mut max = 0.0f64;
    for k in 0..net.params.len() {
        let saved = net.params[k];
        net.params[k] = saved + h;
        let plus = net.loss_only(&x, &t, batch, &mut ws);
        net.params[k] = saved - h;
        let minus = net.loss_only(&x, &t, batch, &mut ws);
        net.params[k] = saved;
        let numeric = (plus - minus) / (2.0 * h);
        let a = analytic[k];
        let rel = (a - numeric).abs() / a.abs().max(numeric.abs()).max(1e-4);
        max = max.max(rel);
        params.push(ParamCheck {
            name: names[k].clone(),
            backprop: a,
            numeric,
            relative_error: rel,
        });
    }
    GradCheck {
        params,
        max_relative_error: max,
    }
}
