//! How well a network does on a data set: its loss, and the accuracy (classifier) or the
//! root-mean-square error (regression, in the targets' own units), a confusion matrix and the
//! per-class precision and recall.
//!
//! - accuracy = (samples whose predicted class is their class) / samples
//! - RMSE = √( (1/(N·U)) Σ_n Σ_u (o_nu − t_nu)² ), outputs and targets un-standardised
//! - precision(c) = (predicted c and are c) / (predicted c); recall(c) = (predicted c and are c) / (are c)

use crate::data::{DataInfo, Dataset, Task};
use crate::engine::float::Float;
use crate::engine::network::{Network, Workspace};

/// Samples a forward pass of evaluation takes at once.
pub const CHUNK: usize = 512;

/// Metrics of one data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// The mean loss the network trains on (on standardised targets, if they are).
    pub loss: f64,
    /// Classifiers: the fraction of samples classified right.
    pub accuracy: Option<f64>,
    /// Regression: RMSE in the targets' units.
    pub rmse: Option<f64>,
    pub samples: usize,
}

/// The network's outputs for every sample of `data`, `[len × outputs]` (as trained: for a
/// standardised regression, standardised), computed `ws.capacity` samples at a time.
pub fn outputs<F: Float>(net: &Network<F>, data: &Dataset<F>, ws: &mut Workspace<F>) -> Vec<f64> {
    let n = data.len();
    let (ni, no) = (data.inputs, data.outputs);
    let mut out = Vec::with_capacity(n * no);
    let mut start = 0;
    while start < n {
        let b = ws.capacity.min(n - start);
        let o = net.forward(&data.x[start * ni..(start + b) * ni], b, ws);
        out.extend(o.iter().map(|v| v.to_f64()));
        start += b;
    }
    out
}

/// Loss and accuracy or RMSE of `net` on `data`.
pub fn evaluate<F: Float>(
    net: &Network<F>,
    data: &Dataset<F>,
    info: &DataInfo,
    ws: &mut Workspace<F>,
) -> Metrics {
    let n = data.len();
    let (ni, no) = (data.inputs, data.outputs);
    let mut loss = 0.0;
    let mut out = Vec::with_capacity(n * no);
    let mut start = 0;
    while start < n {
        let b = ws.capacity.min(n - start);
        let x = &data.x[start * ni..(start + b) * ni];
        let t = &data.t[start * no..(start + b) * no];
        loss += net.loss_only(x, t, b, ws).to_f64() * b as f64;
        let last = net.layers.len() - 1;
        out.extend(ws.a[last][..b * no].iter().map(|v| v.to_f64()));
        start += b;
    }
    let targets: Vec<f64> = data.t.iter().map(|v| v.to_f64()).collect();
    let (accuracy, rmse) = match info.task {
        Task::Classification { .. } => (Some(accuracy(&out, &targets, no)), None),
        Task::Regression { .. } => (None, Some(rmse(info, out, targets))),
    };
    Metrics {
        loss: if n == 0 { f64::NAN } else { loss / n as f64 },
        accuracy,
        rmse,
        samples: n,
    }
}

/// The fraction of rows whose output class equals the target class.
pub fn accuracy(outputs: &[f64], targets: &[f64], width: usize) -> f64 {
    let rows = outputs.len() / width.max(1);
    let right = outputs
        .chunks_exact(width)
        .zip(targets.chunks_exact(width))
        .filter(|(o, t)| Task::class_of(o) == Task::class_of(t))
        .count();
    right as f64 / rows.max(1) as f64
}

/// RMSE in the targets' units (both un-standardised with `info`).
pub fn rmse(info: &DataInfo, mut outputs: Vec<f64>, mut targets: Vec<f64>) -> f64 {
    info.unscale_outputs(&mut outputs);
    info.unscale_outputs(&mut targets);
    let sum: f64 = outputs
        .iter()
        .zip(&targets)
        .map(|(o, t)| (o - t) * (o - t))
        .sum();
    (sum / outputs.len().max(1) as f64).sqrt()
}

/// Counts of (actual class, predicted class).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confusion {
    /// `counts[actual][predicted]`.
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// From output rows and target rows of `classes` classes.
    pub fn new(outputs: &[f64], targets: &[f64], width: usize, classes: usize) -> Confusion {
        let mut counts = vec![vec![0; classes]; classes];
        for (o, t) in outputs.chunks_exact(width).zip(targets.chunks_exact(width)) {
            counts[Task::class_of(t)][Task::class_of(o)] += 1;
        }
        Confusion { counts }
    }

    /// Precision of class `c` (`None` when nothing was predicted as `c`).
    pub fn precision(&self, c: usize) -> Option<f64> {
        let predicted: usize = self.counts.iter().map(|row| row[c]).sum();
        (predicted > 0).then(|| self.counts[c][c] as f64 / predicted as f64)
    }

    /// Recall of class `c` (`None` when no sample is of class `c`).
    pub fn recall(&self, c: usize) -> Option<f64> {
        let actual: usize = self.counts[c].iter().sum();
        (actual > 0).then(|| self.counts[c][c] as f64 / actual as f64)
    }

    /// Samples of class `c`.
    pub fn support(&self, c: usize) -> usize {
        self.counts[c].iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_precision_recall_by_hand() {
        // Three samples of class 0 (two predicted 0, one predicted 1), one of class 1 (predicted 1).
        let targets = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let outputs = [0.9, 0.1, 0.6, 0.4, 0.3, 0.7, 0.2, 0.8];
        let c = Confusion::new(&outputs, &targets, 2, 2);
        assert_eq!(c.counts, vec![vec![2, 1], vec![0, 1]]);
        assert_eq!(c.precision(0), Some(1.0));
        assert_eq!(c.recall(0), Some(2.0 / 3.0));
        assert_eq!(c.precision(1), Some(0.5));
        assert_eq!(c.recall(1), Some(1.0));
        assert_eq!(accuracy(&outputs, &targets, 2), 0.75);
    }
}
