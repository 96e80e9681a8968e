//! One dense layer's shape: its units, activation and bias kind, and where its parameters sit
//! in the network's flat parameter vector.

use crate::engine::activation::Activation;
use serde::{Deserialize, Serialize};

/// How a layer's bias is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BiasKind {
    /// One bias per unit (the usual dense layer).
    PerUnit,
    /// One bias shared by every unit of the layer (the worked example's b1, b2).
    Shared,
}

/// The shape of one dense layer and where its parameters sit in [`Network::params`].
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub inputs: usize,
    pub units: usize,
    pub activation: Activation,
    pub bias: BiasKind,
    /// Offset of the `[units × inputs]` weights in the flat parameter vector.
    pub weight_offset: usize,
    /// Offset of the bias (`units` values, or 1 when shared).
    pub bias_offset: usize,
}

impl Layer {
    pub fn weight_count(&self) -> usize {
        self.units * self.inputs
    }
    pub fn bias_count(&self) -> usize {
        match self.bias {
            BiasKind::PerUnit => self.units,
            BiasKind::Shared => 1,
        }
    }
}

/// What a layer is, before its parameters exist.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerShape {
    pub units: usize,
    pub activation: Activation,
    pub bias: BiasKind,
}
