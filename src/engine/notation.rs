//! The notes' notation, generalised (see README "Notation"): the names a learner reads in
//! `explain` and writes in `check`, and the names `gradcheck` reports.
//!
//! - inputs `i1, i2, …`; with one hidden layer its units are `h1, h2, …`, with several
//!   `h{layer}_{unit}`; the output is `o` (one unit) or `o1, o2, …`;
//! - weights `w1, w2, …` numbered through the whole network: layer by layer, unit by unit, input
//!   by input (the notes' w1 w2 feed h1, w3 w4 feed h2, w5 w6 feed o);
//! - a bias shared by layer l is `b{l}`; one per unit is `b{l}_{unit}`.

use crate::engine::network::{BiasKind, Layer};

/// Name of input `k` (0-based).
pub fn input_name(k: usize) -> String {
    format!("i{}", k + 1)
}

/// Name of unit `j` (0-based) of layer `l` (0-based) in a network of these layers.
pub fn unit_name(layers: &[Layer], l: usize, j: usize) -> String {
    let hidden = layers.len() - 1;
    if l == hidden {
        if layers[l].units == 1 {
            "o".to_string()
        } else {
            format!("o{}", j + 1)
        }
    } else if hidden == 1 {
        format!("h{}", j + 1)
    } else {
        format!("h{}_{}", l + 1, j + 1)
    }
}

/// Name of the weight from input `i` to unit `j` of layer `l` (all 0-based).
pub fn weight_name(layers: &[Layer], l: usize, j: usize, i: usize) -> String {
    let before: usize = layers[..l].iter().map(|x| x.units * x.inputs).sum();
    format!("w{}", before + j * layers[l].inputs + i + 1)
}

/// Name of the bias of unit `j` (0-based) of layer `l` (0-based): `b{l}` when shared.
pub fn bias_name(layers: &[Layer], l: usize, j: usize) -> String {
    match layers[l].bias {
        BiasKind::Shared => format!("b{}", l + 1),
        BiasKind::PerUnit => format!("b{}_{}", l + 1, j + 1),
    }
}

/// The name of every parameter, in the order of [`crate::Network::params`].
pub fn parameter_names(layers: &[Layer]) -> Vec<String> {
    let mut names = Vec::new();
    for (l, layer) in layers.iter().enumerate() {
        for j in 0..layer.units {
            for i in 0..layer.inputs {
                names.push(weight_name(layers, l, j, i));
            }
        }
        for j in 0..layer.bias_count() {
            names.push(bias_name(layers, l, j));
        }
    }
    names
}
