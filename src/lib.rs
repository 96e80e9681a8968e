//! # backprop
//!
//! A neural-network training engine built around backpropagation: exact (f64 all the way, or
//! f32), fast (fused loops for tiny layers, a GEMM kernel for large ones, a batch split across
//! cores), and it shows its work (every quantity of a step written out, a learner's hand
//! calculation checked).
//!
//! The layers, each importing only those below it:
//! - [`engine`](Network): floats, matrix products, the network's forward and backward pass,
//!   activations, losses, initialisation, schedules, optimizers, shards of a batch;
//! - [`io`]: the atomic writer and memory limits; [`data`]: CSV, IDX and built-in sets, split
//!   and standardised into [`Dataset`]s;
//! - training ([`Trainer`]): the step, the epoch, runs of epochs ([`Trainer::fit`]),
//!   [`metrics`];
//! - [`model_file`] (safetensors files: the one owner of every key) and [`spec`] (the TOML
//!   file, mapped onto the configs above);
//! - [`derivation`]: one step as named scalar quantities, rendered, and checked against a
//!   learner's notes.
//!
//! The data path: [`Spec`] → [`Network`] + [`Dataset`] → [`Trainer::step`] (forward → loss →
//! backward → [`Optimizer::step`]) → [`EpochReport`]s → [`ModelFile`].
//!
//! ```
//! use backprop::{Spec, Trainer, TrainerConfig, Dataset};
//! let spec = Spec::worked_example();
//! let mut net = spec.network::<f64>().unwrap();
//! let (x, t, n) = spec.inline_data().unwrap().unwrap();
//! let data = Dataset::<f64>::from_f64(&x, &t, 2, 1).unwrap();
//! let config = TrainerConfig { batch_size: n, shuffle: false, ..spec.trainer_config() };
//! let mut trainer = Trainer::new(&net, &config, n);
//! let stats = trainer.epoch(&mut net, &data).unwrap();
//! assert!((stats.loss - 0.1508668559).abs() < 1e-9);          // E_total before the step
//! assert!((net.weights(1)[0] - 0.386108).abs() < 1e-6);      // w5 after the step
//! ```

mod engine;
mod error;
mod train;

pub mod check;
pub mod data;
pub mod derivation;
pub mod interop;
pub mod io;
pub mod model_file;
pub mod spec;

pub use data::{DataInfo, Dataset, Prepared, Task};
pub use engine::activation::Activation;
pub use engine::collective::{Collective, Spread};
pub use engine::dropout::{Dropout, InputDropout};
pub use engine::float::{Dtype, Float};
pub use engine::gradcheck::{self, GradCheck, ParamCheck};
pub use engine::init::Init;
pub use engine::loss::Loss;
pub use engine::network::{BiasKind, Layer, LayerShape, Network, Workspace};
pub use engine::notation;
pub use engine::optim::{Optimizer, OptimizerConfig, OptimizerKind};
pub use engine::schedule::{Schedule, ScheduleKind};
pub use error::{Error, Result};
pub use model_file::{AnyModel, ModelFile};
pub use spec::Spec;
pub use train::fit::{EpochReport, Observer, Plan};
pub use train::metrics::{self, Confusion, Metrics};
pub use train::record::EpochRecord;
pub use train::trainer::{
    EpochStats, StepProgress, Trainer, TrainerConfig, TrainingState, DEFAULT_BATCH_SIZE,
};

/// The engine's building blocks, for benchmarks and numerical tests of their own: matrix
/// products, shards of a batch, the activations' and losses' scalar functions.
pub mod kernels {
    pub use crate::engine::activation::{log_sum_exp, sigmoid, softmax_row};
    pub use crate::engine::loss::bce_from_logit;
    pub use crate::engine::matrix::{matmul, Threads, View};
    pub use crate::engine::shards::{self, ShardedWorkspace};
}
