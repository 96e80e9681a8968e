//! What a model needs to read and scale new data the way it was trained: the task, the names
//! of the feature and target columns, the standardisation statistics. A model file keeps it
//! ([`crate::model_file`]).

use crate::data::checks;
use crate::data::classes::{encode_classes, idx_label_places};
use crate::data::csv::{self, CsvTable};
use crate::data::encoding::Encoding;
use crate::data::idx;
use crate::data::standardize::Standardizer;
use crate::data::task::Task;
use crate::engine::loss::Loss;
use crate::error::{Error, Result};
use std::path::Path;

/// What a model needs to read and scale data the way it was trained: stored in the model file
/// (metadata `data.task`, `data.classes`, `data.features`, `data.targets`, and with one-hot
/// columns or filled-in values `data.columns` and `data.missing`; tensors `data.feature_mean`,
/// `data.feature_std`, `data.feature_fill`, and for a standardised regression
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
    /// How the CSV columns become the inputs (`feature_names` are its
    /// [`Encoding::feature_names`]) and what fills a missing value.
    pub encoding: Encoding,
}

impl DataInfo {
    /// For data without names (inline rows, or a model file without data metadata): features
    /// `i1, i2, …` and targets `target` (or `target1, target2, …`), as the seed notes and
    /// `builtin:worked_example` name them.
    pub fn unnamed(loss: Loss, inputs: usize, outputs: usize) -> DataInfo {
        let numbered = |prefix: &str, n: usize| (1..=n).map(|k| format!("{prefix}{k}")).collect();
        let (task, target_names) = if Task::classifies(loss) {
            let classes = (0..outputs.max(2)).map(|k| k.to_string()).collect();
            (Task::Classification { classes }, vec!["label".to_string()])
        } else {
            let targets: Vec<String> = if outputs == 1 {
                vec!["target".to_string()]
            } else {
                numbered("target", outputs)
            };
            (
                Task::Regression {
                    targets: targets.clone(),
                },
                targets,
            )
        };
        let feature_names: Vec<String> = numbered("i", inputs);
        DataInfo {
            task,
            encoding: Encoding::numbers(&feature_names),
            feature_names,
            target_names,
            features: None,
            targets: None,
        }
    }

    /// The feature columns of a CSV table, by name, encoded as in training (one-hot columns,
    /// missing values filled in when the model was trained to fill them); a headerless table
    /// (line 1 all numbers) must have exactly the model's columns, in order: raw
    /// `[rows × inputs]`.
    pub fn csv_features(&self, table: &CsvTable) -> Result<Vec<f64>> {
        let enc = &self.encoding;
        let names: Vec<String> = enc.columns.iter().map(|c| c.name.clone()).collect();
        let n = names.len();
        let fills = enc.fill.is_some();
        let hint = if fills {
            String::new()
        } else {
            format!(
                " (the model was trained with [data] missing = \"{}\", so it has no value to fill in)",
                enc.missing.name()
            )
        };
        let mut rows = if checks::looks_headerless(table) {
            let t = checks::without_header(table);
            let width = t.header.len();
            if width != n && width != n + self.target_names.len() {
                return Err(Error::File {
                    file: table.file.clone(),
                    message: format!(
                        "no header (line 1 is all numbers) and {width} columns, expected {n} (the model's features {}, in order)",
                        csv::quoted_list(&names)
                    ),
                });
            }
            enc.encode(&t, &(0..n).collect::<Vec<_>>(), fills, &hint)?
        } else {
            let columns = table.columns(&names).map_err(|_| {
                let missing: Vec<&String> =
                    names.iter().filter(|f| !table.header.contains(f)).collect();
                Error::File {
                    file: table.file.clone(),
                    message: format!(
                        "no column named `{}` ({} of the model's {n} features missing; was the model trained on other data?); the header has {}, expected the columns {}",
                        missing.first().map_or("?", |m| m.as_str()),
                        missing.len(),
                        csv::quoted_list(&table.header),
                        csv::quoted_list(&names)
                    ),
                }
            })?;
            enc.encode(table, &columns, fills, &hint)?
        };
        enc.fill_in(&mut rows);
        Ok(rows)
    }

    /// The targets of a labelled CSV table, encoded for the network (one-hot classes, or raw
    /// values for regression — not standardised): `[rows × outputs]`.
    pub fn csv_targets(&self, table: &CsvTable, outputs: usize) -> Result<Vec<f64>> {
        let positional;
        let (table, columns) = if checks::looks_headerless(table) {
            // Headerless: the features, then the targets, in the model's order.
            positional = checks::without_header(table);
            let n = self.encoding.columns.len();
            let width = n + self.target_names.len();
            if positional.header.len() != width {
                return Err(Error::File {
                    file: table.file.clone(),
                    message: format!(
                        "no header (line 1 is all numbers) and {} columns, expected {width} (the model's features {}, then {})",
                        positional.header.len(),
                        csv::quoted_list(
                            &self
                                .encoding
                                .columns
                                .iter()
                                .map(|c| c.name.clone())
                                .collect::<Vec<_>>()
                        ),
                        csv::quoted_list(&self.target_names)
                    ),
                });
            }
            (&positional, (n..width).collect())
        } else {
            (table, table.columns(&self.target_names)?)
        };
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
