//! What a model needs to read and scale new data the way it was trained: the task, the names
//! of the feature and target columns, the standardisation statistics. A model file keeps it
//! ([`crate::model_file`]).

use crate::data::classes::{encode_classes, idx_label_places};
use crate::data::csv::{self, CsvTable};
use crate::data::idx;
use crate::data::standardize::Standardizer;
use crate::data::task::Task;
use crate::engine::loss::Loss;
use crate::error::{Error, Result};
use std::path::Path;

/// What a model needs to read and scale data the way it was trained: stored in the model file
/// (metadata `data.task`, `data.classes`, `data.features`, `data.targets`; tensors
/// `data.feature_mean`, `data.feature_std`, and for a standardised regression
/// `data.target_mean`, `data.target_std`).
#[derive(Clone, Debug, PartialEq)]
pub struct DataInfo {
    pub task: Task,
    pub feature_names: Vec<String>,
    pub target_names: Vec<String>,
    /// Feature standardisation, fitted on the training split.
    pub features: Option<Standardizer>,
    /// Target standardisation (regression only): the network predicts standardised targets.
    pub targets: Option<Standardizer>,
}

impl DataInfo {
    /// For data without names (inline rows, or a model file without data metadata).
    pub fn unnamed(loss: Loss, inputs: usize, outputs: usize) -> DataInfo {
        let numbered = |prefix: &str, n: usize| (1..=n).map(|k| format!("{prefix}{k}")).collect();
        let (task, target_names) = if Task::classifies(loss) {
            let classes = (0..outputs.max(2)).map(|k| k.to_string()).collect();
            (Task::Classification { classes }, vec!["label".to_string()])
        } else {
            let targets: Vec<String> = numbered("t", outputs);
            (
                Task::Regression {
                    targets: targets.clone(),
                },
                targets,
            )
        };
        DataInfo {
            task,
            feature_names: numbered("x", inputs),
            target_names,
            features: None,
            targets: None,
        }
    }

    /// The feature columns of a CSV table, by name (or, when the table lacks the names, all its
    /// columns but the target columns, in order, if their number is right): raw `[rows × inputs]`.
    pub fn csv_features(&self, table: &CsvTable) -> Result<Vec<f64>> {
        let by_name: Option<Vec<usize>> = self
            .feature_names
            .iter()
            .map(|n| table.header.iter().position(|h| h == n))
            .collect();
        let columns = match by_name {
            Some(c) => c,
            None => {
                let rest: Vec<usize> = (0..table.header.len())
                    .filter(|&c| !self.target_names.contains(&table.header[c]))
                    .collect();
                if rest.len() != self.feature_names.len() {
                    let missing: Vec<&String> = self
                        .feature_names
                        .iter()
                        .filter(|n| !table.header.contains(n))
                        .collect();
                    return Err(Error::File {
                        file: table.file.clone(),
                        message: format!(
                            "no column named `{}` ({} of the model's {} features missing; was the model trained on other data?), and its {} other columns cannot stand in for them in order; expected the columns {}",
                            missing[0],
                            missing.len(),
                            self.feature_names.len(),
                            rest.len(),
                            csv::quoted_list(&self.feature_names)
                        ),
                    });
                }
                rest
            }
        };
        table.numbers(&columns)
    }

    /// The targets of a labelled CSV table, encoded for the network (one-hot classes, or raw
    /// values for regression — not standardised): `[rows × outputs]`.
    pub fn csv_targets(&self, table: &CsvTable, outputs: usize) -> Result<Vec<f64>> {
        let columns = self
            .target_names
            .iter()
            .map(|n| table.column(n))
            .collect::<Result<Vec<_>>>()?;
        match &self.task {
            Task::Regression { .. } => table.numbers(&columns),
            Task::Classification { classes } => {
                let c = columns[0];
                let labels: Vec<(String, String)> = table
                    .rows
                    .iter()
                    .map(|(line, f)| {
                        (
                            format!("line {line}, column {} (`{}`)", c + 1, table.header[c]),
                            f[c].clone(),
                        )
                    })
                    .collect();
                let (targets, _) = encode_classes(&labels, Some(classes), outputs, &table.file)?;
                Ok(targets)
            }
        }
    }

    /// Standardises raw feature rows in place (when the model was trained so).
    pub fn scale_features(&self, rows: &mut [f64]) {
        if let Some(s) = &self.features {
            rows.chunks_exact_mut(s.columns()).for_each(|r| s.apply(r));
        }
    }

    /// Standardises raw target rows in place (a standardised regression).
    pub fn scale_targets(&self, rows: &mut [f64]) {
        if let Some(s) = &self.targets {
            rows.chunks_exact_mut(s.columns()).for_each(|r| s.apply(r));
        }
    }

    /// Turns network outputs into the targets' units in place (a standardised regression).
    pub fn unscale_outputs(&self, rows: &mut [f64]) {
        if let Some(s) = &self.targets {
            rows.chunks_exact_mut(s.columns()).for_each(|r| s.invert(r));
        }
    }
}

/// Labelled IDX images for a saved model (`evaluate --data IMAGES --labels LABELS`): the pixels
/// as its `inputs` features, the labels as its classes. Returns (features, targets), unscaled.
pub fn idx_for_model(
    info: &DataInfo,
    images: &Path,
    labels: &Path,
    inputs: usize,
    outputs: usize,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let Some(classes) = info.task.classes() else {
        return Err(Error::Config(
            "--labels: IDX labels are classes, but the model is a regression".into(),
        ));
    };
    let idx = idx::read(images, labels)?;
    idx_inputs(&idx, images, inputs)?;
    let (targets, _) = encode_classes(
        &idx_label_places(&idx.labels),
        Some(classes),
        outputs,
        &labels.display().to_string(),
    )?;
    Ok((idx.pixels, targets))
}

/// IDX images to predict from (`predict --data IMAGES`): the pixels as a model's `inputs`
/// features, unscaled.
pub fn idx_features(images: &Path, inputs: usize) -> Result<Vec<f64>> {
    let idx = idx::read_images(images)?;
    idx_inputs(&idx, images, inputs)?;
    Ok(idx.pixels)
}

/// Checks that an image has as many pixels as the model has inputs.
fn idx_inputs(idx: &idx::IdxImages, images: &Path, inputs: usize) -> Result<()> {
    let pixels = idx.rows * idx.columns;
    if pixels != inputs {
        return Err(Error::File {
            file: images.display().to_string(),
            message: format!(
                "images of {}×{} = {pixels} pixels, but the model takes {inputs} inputs",
                idx.rows, idx.columns
            ),
        });
    }
    Ok(())
}
