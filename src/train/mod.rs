//! Training: the step and the epoch ([`trainer`]), runs of many epochs with a schedule,
//! validation and early stopping ([`fit`]), the metrics of a data set ([`metrics`]), and the
//! diagnosis of a step that went non-finite ([`diagnose`]). It imports the engine and the data
//! layer, nothing above them.

pub mod diagnose;
pub mod fit;
mod gather;
pub mod metrics;
pub mod record;
pub mod trainer;
