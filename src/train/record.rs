//! A run's history, one record per epoch: what the trainer keeps, the model file stores, and
//! the log and the plot show.

/// One epoch of a run's history (what the log and the plot show).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochRecord {
    /// Counted from 1.
    pub epoch: usize,
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    pub val_rmse: Option<f64>,
    pub learning_rate: f64,
}
