//! Where a NaN or an infinity first appeared in a training step, in words: the step's epoch and
//! number, then the first non-finite value in the order the step computes them (parameters,
//! each layer's pre-activations and activations, the loss, the gradients), and the largest
//! parameter, which tells a diverging run (a learning rate too large) from a bad input.

use crate::engine::float::Float;
use crate::engine::network::Network;
use crate::engine::notation::{parameter_names, unit_name};
use crate::engine::shards::ShardedWorkspace;
use crate::error::Error;

/// The error for a step whose loss (or gradient) is not finite. `ws` holds the step's forward
/// and backward pass over `batch` samples; `epoch` and `step` count from 1.
pub fn non_finite<F: Float>(
    net: &Network<F>,
    ws: &ShardedWorkspace<F>,
    batch: usize,
    loss: F,
    epoch: usize,
    step: u64,
) -> Error {
    let names = parameter_names(&net.layers);
    let layer_of = |k: usize| {
        net.layers
            .iter()
            .position(|l| k < l.bias_offset + l.bias_count())
            .unwrap_or(0)
            + 1
    };
    let first = first_non_finite(net, ws, batch, loss, &names, &layer_of);
    let headline = if loss.is_finite() {
        format!("the loss is {loss} but a gradient is not finite")
    } else {
        format!("the loss became {loss}")
    };
    let largest = net
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_finite())
        .max_by(|a, b| {
            a.1.abs()
                .partial_cmp(&b.1.abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|(k, p)| {
            let hint = if p.abs().to_f64() > 1e6 {
                ": the run is diverging, try a smaller learning rate"
            } else {
                ""
            };
            format!(
                "; the largest parameter is {} = {:.3e} (layer {}){hint}",
                names[k],
                p.to_f64(),
                layer_of(k)
            )
        })
        .unwrap_or_default();
    Error::NonFinite(format!(
        "training stopped at epoch {epoch}, step {step}: {headline}; first non-finite value: {first}{largest}"
    ))
}

fn first_non_finite<F: Float>(
    net: &Network<F>,
    ws: &ShardedWorkspace<F>,
    batch: usize,
    loss: F,
    names: &[String],
    layer_of: &dyn Fn(usize) -> usize,
) -> String {
    if let Some(k) = net.params.iter().position(|p| !p.is_finite()) {
        return format!(
            "parameter {} (layer {}) is {}, set by the previous step's update",
            names[k],
            layer_of(k),
            net.params[k]
        );
    }
    for (l, layer) in net.layers.iter().enumerate() {
        let u = layer.units;
        for (part, start, rows) in ws.parts_of(batch) {
            for (what, values) in [
                ("pre-activation z", &part.z[l]),
                ("activation a", &part.a[l]),
            ] {
                if let Some(k) = values[..rows * u].iter().position(|v| !v.is_finite()) {
                    return format!(
                        "the {what}_{} of sample {} of the batch (layer {}) is {}",
                        unit_name(&net.layers, l, k % u),
                        start + k / u + 1,
                        l + 1,
                        values[k]
                    );
                }
            }
        }
    }
    if !loss.is_finite() {
        return "the loss itself (every output is finite; the loss of them overflowed)".into();
    }
    let grads = ws.gradients();
    if let Some(k) = grads.iter().position(|g| !g.is_finite()) {
        return format!(
            "the gradient of parameter {} (layer {}) is {}",
            names[k],
            layer_of(k),
            grads[k]
        );
    }
    "none found in this step's values".into()
}
