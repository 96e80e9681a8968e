//! The derivation as JSON: the network, and every named quantity with its formula (as text),
//! the names of its inputs, its full-precision value and, where E_total depends on it, its
//! gradient ∂E_total/∂(quantity) from the graph's reverse walk.

use super::build::{Derivation, Part};
use super::expr::{Expr, Style};
use crate::engine::network::BiasKind;
use serde_json::{json, Value};

/// The derivation as a JSON document (what [`render`] writes).
pub fn document(d: &Derivation) -> Value {
    let g = &d.graph;
    let gradient = g.backward(d.e_total);
    let depends = g.ancestors(d.e_total);
    let mut part_of = vec![""; g.len()];
    for section in &d.sections {
        let part = match section.part {
            Part::Given => "given",
            Part::Forward { .. } => "forward",
            Part::BatchError => "batch_error",
            Part::Backward { .. } => "backward",
            Part::Update => "update",
        };
        for line in &section.lines {
            if let super::Line::Node(id) = line {
                part_of[*id] = part;
            }
        }
    }
    let name = |i: usize| g.node(i).name.clone();
    let value = |i: usize| g.node(i).value;
    let style = Style {
        name: &name,
        value: &value,
        numbers: false,
        digits: 17,
    };
    let quantities: Vec<Value> = g
        .nodes()
        .iter()
        .enumerate()
        .map(|(id, node)| {
            let args: Vec<Expr> = node.inputs.iter().map(|&i| Expr::Var(i)).collect();
            let formula = if node.inputs.is_empty() {
                Value::Null
            } else {
                Value::String(node.op.symbolic(&args).text(&style))
            };
            json!({
                "name": node.name,
                "part": part_of[id],
                "formula": formula,
                "inputs": node.inputs.iter().map(|&i| g.node(i).name.clone()).collect::<Vec<_>>(),
                "value": node.value,
                "gradient": if depends[id] { json!(gradient[id]) } else { Value::Null },
            })
        })
        .collect();
    let layers: Vec<Value> = d
        .layers
        .iter()
        .map(|l| {
            json!({
                "units": l.units,
                "inputs": l.inputs,
                "activation": l.activation.name(),
                "bias": match l.bias { BiasKind::Shared => "shared", BiasKind::PerUnit => "per_unit" },
            })
        })
        .collect();
    let o = &d.optimizer;
    // Only the hyper-parameters the optimizer uses.
    let optimizer = match o.kind {
        crate::OptimizerKind::Sgd => json!({
            "kind": o.kind.name(), "learning_rate": o.learning_rate,
        }),
        crate::OptimizerKind::Momentum => json!({
            "kind": o.kind.name(), "learning_rate": o.learning_rate, "momentum": o.momentum,
            "nesterov": o.nesterov,
        }),
        crate::OptimizerKind::Adam | crate::OptimizerKind::Adamw => json!({
            "kind": o.kind.name(), "learning_rate": o.learning_rate,
            "beta1": o.beta1, "beta2": o.beta2, "eps": o.eps,
        }),
        crate::OptimizerKind::Rmsprop => json!({
            "kind": o.kind.name(), "learning_rate": o.learning_rate,
            "alpha": o.alpha, "eps": o.eps, "momentum": o.momentum,
        }),
    };
    // Dropout: each layer's rate, and the seed of the step's masks (the `m_` quantities).
    let dropout = if d.has_dropout() {
        json!({ "rates": d.dropout, "seed": d.seed, "step": d.step + 1 })
    } else {
        Value::Null
    };
    json!({
        "network": {
            "inputs": d.inputs,
            "layers": layers,
            "loss": d.loss.name(),
        },
        "dropout": dropout,
        "optimizer": optimizer,
        "samples": d.samples,
        "quantities": quantities,
    })
}

/// The derivation as pretty-printed JSON text.
pub fn render(d: &Derivation) -> String {
    let mut s = serde_json::to_string_pretty(&document(d)).expect("JSON of plain values");
    s.push('\n');
    s
}
