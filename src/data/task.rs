//! What a network's outputs mean: classes or target values.

use crate::engine::loss::Loss;

/// What the outputs mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// One output per class (softmax), or one sigmoid output for two classes (P(class 1)).
    Classification { classes: Vec<String> },
    /// One output per target column.
    Regression { targets: Vec<String> },
}

impl Task {
    /// Whether `loss` trains a classifier.
    pub fn classifies(loss: Loss) -> bool {
        matches!(loss, Loss::CrossEntropy | Loss::Bce)
    }

    pub fn classes(&self) -> Option<&[String]> {
        match self {
            Task::Classification { classes } => Some(classes),
            Task::Regression { .. } => None,
        }
    }

    /// The class an output row (or a target row) stands for: the largest output, or, for a
    /// single output, class 1 when it is at least ½.
    pub fn class_of(row: &[f64]) -> usize {
        if row.len() == 1 {
            return (row[0] >= 0.5) as usize;
        }
        let mut best = 0;
        for (k, &v) in row.iter().enumerate() {
            if v > row[best] {
                best = k;
            }
        }
        best
    }

    /// The probability of each class from an output row.
    pub fn probabilities(row: &[f64]) -> Vec<f64> {
        if row.len() == 1 {
            vec![1.0 - row[0], row[0]]
        } else {
            row.to_vec()
        }
    }
}
