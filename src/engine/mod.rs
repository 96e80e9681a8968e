//! The engine: the math of one training step and nothing else. Floats, matrix products, the
//! dense network with its forward and backward pass, activations, losses, weight
//! initialisation, learning-rate schedules, optimizers, and data-parallel shards of a batch.
//! It imports nothing from the rest of the crate but [`crate::error`].

pub mod activation;
pub mod collective;
pub mod dropout;
pub(crate) mod fixed;
pub mod float;
pub mod gradcheck;
pub mod init;
pub mod layer;
pub mod loss;
pub mod matrix;
pub mod memory;
pub mod network;
pub mod notation;
pub mod optim;
pub mod schedule;
pub mod shards;
pub(crate) mod small;
pub(crate) mod tiny;
