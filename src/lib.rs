//! # backprop
//!
//! A neural-network training engine built around backpropagation: exact (f64 all the way), fast
//! (no allocation per step, a GEMM kernel for large layers, direct loops for tiny ones), and it
//! shows its work.
//!
//! The data path, top to bottom: [`Spec`] → [`Network`] + [`Dataset`] → batches ([`Trainer`]) →
//! [`Network::forward`] → [`Loss`] → [`Network::backward`] → [`Optimizer::step`].
//!
//! ```
//! use backprop::{Spec, Trainer, Dataset};
//! let spec = Spec::worked_example();
//! let mut net = spec.network::<f64>().unwrap();
//! let (x, t, n) = spec.inline_data().unwrap().unwrap();
//! let data = Dataset::<f64>::from_f64(&x, &t, 2, 1).unwrap();
//! let mut trainer = Trainer::new(&net, spec.optimizer_config(), n, false, 0, n);
//! let stats = trainer.epoch(&mut net, &data).unwrap();
//! assert!((stats.loss - 0.1508668559).abs() < 1e-9);          // E_total before the step
//! assert!((net.weights(1)[0] - 0.386108).abs() < 1e-6);      // w5 after the step
//! ```

pub mod activation;
pub mod data;
pub mod derivation;
pub mod diagnose;
pub mod dropout;
pub mod error;
pub mod float;
pub mod gradcheck;
pub mod interrupt;
pub mod limits;
pub mod loss;
pub mod matrix;
pub mod metrics;
pub mod model_file;
pub mod network;
pub mod notation;
pub mod optim;
pub mod shards;
mod small;
pub mod spec;
pub mod train;

pub use activation::Activation;
pub use data::Dataset;
pub use error::{Error, Result};
pub use float::{Dtype, Float};
pub use loss::Loss;
pub use model_file::{AnyModel, ModelFile};
pub use network::{BiasKind, Layer, LayerShape, Network, Workspace};
pub use optim::{Optimizer, OptimizerConfig, OptimizerKind};
pub use spec::Spec;
pub use train::{EpochReport, EpochStats, Plan, Schedule, Trainer};
