//! Data: reading samples from CSV tables, MNIST's IDX files and built-in sets, splitting them
//! into training / validation / test parts, and standardising the features.
//!
//! The path from a spec's `[data]` to the [`Dataset`]s a [`crate::Trainer`] runs on:
//! file → [`Table`] (features and encoded targets, f64) → [`split::split`] →
//! [`Standardizer`] fitted on the training rows → [`Prepared`] (three datasets and the
//! [`DataInfo`] that a model file keeps so that `predict` reads and scales data the same way).
//!
//! Targets: a classifier (loss `cross_entropy` or `bce`) gets one-hot rows, one column per class
//! (or, for two classes and one sigmoid output, the class index 0 or 1); a regression (loss
//! `half_sse` or `mse`) gets the target columns' numbers.

pub mod builtin;
pub mod checks;
pub mod csv;
pub mod dataset;
pub mod idx;
pub mod split;
pub mod standardize;

pub use self::csv::CsvTable;
pub use dataset::Dataset;
pub use split::Split;
pub use standardize::Standardizer;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::loss::Loss;
use crate::model_file::ModelFile;
use crate::spec::{DataSpec, Spec};
use std::path::{Path, PathBuf};

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

/// Samples as read from a file: features and encoded targets, before splitting.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// `[rows × feature_names.len()]`.
    pub features: Vec<f64>,
    pub feature_names: Vec<String>,
    /// `[rows × outputs]`: one-hot classes, a class index, or target values.
    pub targets: Vec<f64>,
    pub outputs: usize,
    /// The columns the targets came from (`label` for IDX).
    pub target_names: Vec<String>,
    pub task: Task,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.targets.len() / self.outputs.max(1)
    }
}

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
        DataInfo {
            task,
            feature_names: numbered("i", inputs),
            target_names,
            features: None,
            targets: None,
        }
    }

    /// Stores this in a model file.
    pub fn store<F: Float>(&self, model: &mut ModelFile<F>) {
        let json = |v: &[String]| serde_json::to_string(v).expect("serialisable");
        let m = &mut model.metadata;
        match &self.task {
            Task::Classification { classes } => {
                m.insert("data.task".into(), "classification".into());
                m.insert("data.classes".into(), json(classes));
            }
            Task::Regression { .. } => {
                m.insert("data.task".into(), "regression".into());
            }
        }
        m.insert("data.features".into(), json(&self.feature_names));
        m.insert("data.targets".into(), json(&self.target_names));
        for (prefix, s) in [("feature", &self.features), ("target", &self.targets)] {
            if let Some(s) = s {
                for (name, values) in [("mean", &s.mean), ("std", &s.std)] {
                    model.tensors.insert(
                        format!("data.{prefix}_{name}"),
                        (
                            vec![values.len()],
                            values.iter().map(|&v| F::from_f64(v)).collect(),
                        ),
                    );
                }
            }
        }
    }

    /// Reads what [`DataInfo::store`] wrote; a model file without it gets [`DataInfo::unnamed`].
    /// Errors are `Error::Config` (the caller adds the file name).
    pub fn from_model<F: Float>(model: &ModelFile<F>) -> Result<DataInfo> {
        let net = &model.network;
        let m = &model.metadata;
        let Some(task) = m.get("data.task") else {
            return Ok(DataInfo::unnamed(net.loss, net.inputs, net.outputs()));
        };
        let list = |key: &str| -> Result<Vec<String>> {
            let text = m
                .get(key)
                .ok_or_else(|| Error::Config(format!("metadata has `data.task` but no `{key}`")))?;
            serde_json::from_str(text)
                .map_err(|e| Error::Config(format!("metadata {key} is not a JSON list ({e})")))
        };
        let feature_names = list("data.features")?;
        let target_names = list("data.targets")?;
        let task = match task.as_str() {
            "classification" => Task::Classification {
                classes: list("data.classes")?,
            },
            "regression" => Task::Regression {
                targets: target_names.clone(),
            },
            other => {
                return Err(Error::Config(format!(
                    "metadata data.task is `{other}`, expected `classification` or `regression`"
                )))
            }
        };
        let scaler = |prefix: &str, len: usize| -> Result<Option<Standardizer>> {
            let get = |name: &str| -> Result<Option<Vec<f64>>> {
                let key = format!("data.{prefix}_{name}");
                match model.tensors.get(&key) {
                    None => Ok(None),
                    Some((shape, v)) if shape == &[len] => {
                        Ok(Some(v.iter().map(|x| x.to_f64()).collect()))
                    }
                    Some((shape, _)) => Err(Error::Config(format!(
                        "tensor {key} has shape {shape:?}, expected [{len}]"
                    ))),
                }
            };
            match (get("mean")?, get("std")?) {
                (Some(mean), Some(std)) => {
                    checks::statistics(prefix, &mean, &std)?;
                    Ok(Some(Standardizer { mean, std }))
                }
                (None, None) => Ok(None),
                _ => Err(Error::Config(format!(
                    "the model file has only one of data.{prefix}_mean and data.{prefix}_std"
                ))),
            }
        };
        let outputs = net.outputs();
        let fits = match &task {
            Task::Classification { classes } => {
                target_names.len() == 1
                    && (classes.len() == outputs || (outputs == 1 && classes.len() == 2))
            }
            Task::Regression { targets } => targets.len() == outputs,
        };
        if !fits {
            return Err(Error::Config(format!(
                "metadata data.classes / data.targets do not fit the network's {outputs} outputs"
            )));
        }
        if feature_names.len() != net.inputs {
            return Err(Error::Config(format!(
                "metadata data.features names {} features, but the network has {} inputs",
                feature_names.len(),
                net.inputs
            )));
        }
        Ok(DataInfo {
            features: scaler("feature", net.inputs)?,
            targets: scaler("target", net.outputs())?,
            task,
            feature_names,
            target_names,
        })
    }

    /// The feature columns of a CSV table, by name; a headerless table (line 1 all numbers)
    /// must have exactly the model's features, in order: raw `[rows × inputs]`.
    pub fn csv_features(&self, table: &CsvTable) -> Result<Vec<f64>> {
        let n = self.feature_names.len();
        if checks::looks_headerless(table) {
            let t = checks::without_header(table);
            let width = t.header.len();
            if width != n && width != n + self.target_names.len() {
                return Err(Error::File {
                    file: table.file.clone(),
                    message: format!(
                        "no header (line 1 is all numbers) and {width} columns, expected {n} (the model's features {}, in order)",
                        csv::quoted_list(&self.feature_names)
                    ),
                });
            }
            return t.numbers(&(0..n).collect::<Vec<_>>());
        }
        let columns = table.columns(&self.feature_names).map_err(|_| {
            let missing: Vec<&String> = self
                .feature_names
                .iter()
                .filter(|f| !table.header.contains(f))
                .collect();
            Error::File {
                file: table.file.clone(),
                message: format!(
                    "no column named `{}` ({} of the model's {n} features missing; was the model trained on other data?); the header has {}, expected the columns {}",
                    missing.first().map_or("?", |m| m.as_str()),
                    missing.len(),
                    csv::quoted_list(&table.header),
                    csv::quoted_list(&self.feature_names)
                ),
            }
        })?;
        table.numbers(&columns)
    }

    /// The targets of a labelled CSV table, encoded for the network (one-hot classes, or raw
    /// values for regression — not standardised): `[rows × outputs]`.
    pub fn csv_targets(&self, table: &CsvTable, outputs: usize) -> Result<Vec<f64>> {
        let positional;
        let (table, columns) = if checks::looks_headerless(table) {
            // Headerless: the features, then the targets, in the model's order.
            positional = checks::without_header(table);
            let n = self.feature_names.len();
            let width = n + self.target_names.len();
            if positional.header.len() != width {
                return Err(Error::File {
                    file: table.file.clone(),
                    message: format!(
                        "no header (line 1 is all numbers) and {} columns, expected {width} (the model's features {}, then {})",
                        positional.header.len(),
                        csv::quoted_list(&self.feature_names),
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

/// Class labels → target rows. `labels` holds (where, label) per row. With `fixed` classes a
/// label is the class of that name, or an integer `i` naming class `i`; without, the classes
/// are the distinct labels, sorted (numerically when all are integers). Returns the targets
/// `[rows × outputs]` and the class names.
pub fn encode_classes(
    labels: &[(String, String)],
    fixed: Option<&[String]>,
    outputs: usize,
    file: &str,
) -> Result<(Vec<f64>, Vec<String>)> {
    let err = |message: String| Error::File {
        file: file.to_string(),
        message,
    };
    for (place, label) in labels {
        checks::label_present(place, label, file)?;
    }
    let classes: Vec<String> = match fixed {
        Some(c) => c.to_vec(),
        None => {
            let mut distinct: Vec<String> = labels.iter().map(|(_, l)| l.clone()).collect();
            distinct.sort();
            distinct.dedup();
            if distinct.iter().all(|l| l.parse::<i64>().is_ok()) {
                distinct.sort_by_key(|l| l.parse::<i64>().expect("checked"));
            }
            distinct
        }
    };
    checks::at_least_two_classes(&classes, file)?;
    let k = classes.len();
    let one_hot = outputs == k;
    if !(one_hot || outputs == 1 && k == 2) {
        return Err(err(format!(
            "{k} classes ({}), but the output layer has {outputs} unit{}; expected {k} units (softmax), or 1 sigmoid unit for 2 classes",
            csv::quoted_list(&classes),
            if outputs == 1 { "" } else { "s" }
        )));
    }
    let mut targets = vec![0.0; labels.len() * outputs];
    for (r, (place, label)) in labels.iter().enumerate() {
        let class = classes
            .iter()
            .position(|c| c == label)
            .or_else(|| label.parse::<usize>().ok().filter(|&i| i < k))
            .ok_or_else(|| {
                err(format!(
                    "{place}: class `{label}` is not one of the classes {}",
                    csv::quoted_list(&classes)
                ))
            })?;
        if one_hot {
            targets[r * outputs + class] = 1.0;
        } else {
            targets[r] = class as f64;
        }
    }
    Ok((targets, classes))
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

/// IDX labels as [`encode_classes`] takes them: ("label k", the digit), k from 1.
fn idx_label_places(labels: &[u8]) -> Vec<(String, String)> {
    labels
        .iter()
        .enumerate()
        .map(|(k, l)| (format!("label {}", k + 1), l.to_string()))
        .collect()
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

/// Where a `[data]` path points: a built-in set or a file relative to `base`.
fn resolve(path: &str, base: &Path) -> Source {
    match path.strip_prefix(builtin::PREFIX) {
        Some(name) => Source::Builtin(name.to_string()),
        None => Source::File(base.join(path)),
    }
}

enum Source {
    Builtin(String),
    File(PathBuf),
}

/// Reads a CSV table from a path or a built-in name.
pub fn read_csv(path: &str, base: &Path) -> Result<CsvTable> {
    match resolve(path, base) {
        Source::Builtin(name) => {
            let b = builtin::find(&name).ok_or_else(|| {
                Error::Config(format!(
                    "data: no built-in data set `{name}`; there are {}",
                    builtin::names()
                ))
            })?;
            CsvTable::parse(b.csv, path)
        }
        Source::File(p) => CsvTable::read(&p),
    }
}

/// Reads one labelled file of `[data]` (the training file, or with `test` the test file).
/// `known` fixes the feature columns and classes (from the training file) for a test file.
pub fn load_table(
    data: &DataSpec,
    base: &Path,
    loss: Loss,
    outputs: usize,
    test: bool,
    known: Option<&Table>,
) -> Result<Table> {
    let (path, labels) = if test {
        (data.test_path.as_deref(), data.test_labels.as_deref())
    } else {
        (data.path.as_deref(), data.labels.as_deref())
    };
    let path = path.ok_or_else(|| Error::Config("data: no `path` to read".into()))?;
    checks::path_given(if test { "test_path" } else { "path" }, path)?;
    if let Some(l) = labels {
        checks::path_given(if test { "test_labels" } else { "labels" }, l)?;
    }
    let classify = Task::classifies(loss);
    let fixed_classes = known
        .and_then(|t| t.task.classes().map(|c| c.to_vec()))
        .or_else(|| data.classes.clone());
    if let Some(labels) = labels {
        if !classify {
            return Err(Error::Config(format!(
                "data: IDX labels are classes, but loss `{}` is a regression; use `cross_entropy` with a softmax output",
                loss.name()
            )));
        }
        let (Source::File(images), Source::File(labels_path)) =
            (resolve(path, base), resolve(labels, base))
        else {
            return Err(Error::Config(
                "data: built-in data sets are CSV tables; IDX files are read from a path".into(),
            ));
        };
        let idx = idx::read(&images, &labels_path)?;
        let (targets, classes) = encode_classes(
            &idx_label_places(&idx.labels),
            fixed_classes.as_deref(),
            outputs,
            &labels_path.display().to_string(),
        )?;
        let feature_names = (0..idx.rows)
            .flat_map(|r| (0..idx.columns).map(move |c| format!("pixel_{r}_{c}")))
            .collect();
        return Ok(Table {
            features: idx.pixels,
            feature_names,
            targets,
            outputs,
            target_names: vec!["label".into()],
            task: Task::Classification { classes },
        });
    }
    let csv = read_csv(path, base)?;
    checks::has_header(&csv)?;
    let target_names = match &data.target {
        Some(t) => t.names(),
        None => vec![csv.header.last().expect("a header").clone()],
    };
    let target_columns = csv.columns(&target_names)?;
    let feature_names: Vec<String> = match known {
        Some(t) => t.feature_names.clone(),
        None => csv
            .header
            .iter()
            .enumerate()
            .filter(|(c, _)| !target_columns.contains(c))
            .map(|(_, h)| h.clone())
            .collect(),
    };
    let feature_columns = csv.columns(&feature_names)?;
    if feature_columns.is_empty() {
        return Err(Error::File {
            file: csv.file.clone(),
            message: "no feature columns: every column is a target".into(),
        });
    }
    let features = csv.numbers(&feature_columns)?;
    let (targets, task) = if classify {
        if target_columns.len() != 1 {
            return Err(Error::Config(format!(
                "data: a classifier (loss `{}`) has one target column, but `target` names {}",
                loss.name(),
                target_columns.len()
            )));
        }
        let c = target_columns[0];
        let labels: Vec<(String, String)> = csv
            .rows
            .iter()
            .map(|(line, f)| {
                (
                    format!("line {line}, column {} (`{}`)", c + 1, csv.header[c]),
                    f[c].clone(),
                )
            })
            .collect();
        let (targets, classes) =
            encode_classes(&labels, fixed_classes.as_deref(), outputs, &csv.file)?;
        (targets, Task::Classification { classes })
    } else {
        if target_columns.len() != outputs {
            return Err(Error::File {
                file: csv.file.clone(),
                message: format!(
                    "{} target column{} ({}), but the output layer has {outputs} unit{}; expected one unit per target column",
                    target_columns.len(),
                    if target_columns.len() == 1 { "" } else { "s" },
                    csv::quoted_list(&target_names),
                    if outputs == 1 { "" } else { "s" }
                ),
            });
        }
        (
            csv.numbers(&target_columns)
                .map_err(|e| checks::hint_classifier(e, loss))?,
            Task::Regression {
                targets: target_names.clone(),
            },
        )
    };
    Ok(Table {
        features,
        feature_names,
        targets,
        outputs,
        target_names,
        task,
    })
}

/// The data a spec trains on, ready for the trainer.
#[derive(Clone, Debug)]
pub struct Prepared<F> {
    pub train: Dataset<F>,
    /// `None` when the validation fraction is 0 (or the data are inline).
    pub validation: Option<Dataset<F>>,
    /// `None` when there is no test split and no `test_path`.
    pub test: Option<Dataset<F>>,
    pub info: DataInfo,
}

/// Loads, splits and standardises the spec's `[data]`; file paths are relative to `base` (the
/// spec file's folder). Inline rows are used as they are: no split, no standardisation.
pub fn prepare<F: Float>(spec: &Spec, base: &Path) -> Result<Prepared<F>> {
    let outputs = spec.layers.last().map_or(0, |l| l.units);
    let data = spec
        .data
        .as_ref()
        .ok_or_else(|| Error::Config("no [data] to train on".into()))?;
    if data.path.is_none() {
        let (x, t, _) = spec.inline_data()?.ok_or_else(|| {
            Error::Config("data: no `path`, and no inline `inputs` and `targets`".into())
        })?;
        return Ok(Prepared {
            train: Dataset::from_f64(&x, &t, spec.inputs, outputs)?,
            validation: None,
            test: None,
            info: DataInfo::unnamed(spec.loss, spec.inputs, outputs),
        });
    }
    let table = load_table(data, base, spec.loss, outputs, false, None)?;
    let file_of = |p: &Option<String>| p.clone().unwrap_or_default();
    checks::magnitudes(&table, &file_of(&data.path))?;
    if table.feature_names.len() != spec.inputs {
        return Err(Error::Config(format!(
            "data: {} has {} feature columns ({}), but `inputs` is {}",
            data.path.as_deref().unwrap_or_default(),
            table.feature_names.len(),
            csv::quoted_list(&table.feature_names),
            spec.inputs
        )));
    }
    let test_table = match &data.test_path {
        Some(_) => Some(load_table(
            data,
            base,
            spec.loss,
            outputs,
            true,
            Some(&table),
        )?),
        None => None,
    };
    if let Some(t) = &test_table {
        checks::same_shape(&table, t, &file_of(&data.test_path))?;
        checks::magnitudes(t, &file_of(&data.test_path))?;
    }
    let parts = split::split(
        table.rows(),
        data.validation_fraction(),
        data.test_fraction(),
        spec.training.seed,
    );
    if parts.train.is_empty() {
        return Err(Error::Config(format!(
            "data: no rows left to train on ({} rows, validation {}, test {})",
            table.rows(),
            data.validation_fraction(),
            data.test_fraction()
        )));
    }
    let inputs = spec.inputs;
    let standardize = data.standardize();
    let features = standardize.then(|| Standardizer::fit(&table.features, inputs, &parts.train));
    let targets = (standardize && matches!(table.task, Task::Regression { .. }))
        .then(|| Standardizer::fit(&table.targets, outputs, &parts.train));
    let info = DataInfo {
        task: table.task.clone(),
        feature_names: table.feature_names.clone(),
        target_names: table.target_names.clone(),
        features,
        targets,
    };
    let dataset = |t: &Table, rows: &[usize]| -> Result<Dataset<F>> {
        let mut x = Vec::with_capacity(rows.len() * inputs);
        let mut y = Vec::with_capacity(rows.len() * outputs);
        let mut row = vec![0.0; inputs.max(outputs)];
        for &r in rows {
            let xr = &mut row[..inputs];
            xr.copy_from_slice(&t.features[r * inputs..(r + 1) * inputs]);
            info.scale_features(xr);
            x.extend(xr.iter().map(|&v| F::from_f64(v)));
            let tr = &mut row[..outputs];
            tr.copy_from_slice(&t.targets[r * outputs..(r + 1) * outputs]);
            info.scale_targets(tr);
            y.extend(tr.iter().map(|&v| F::from_f64(v)));
        }
        Dataset::new(x, y, inputs, outputs)
    };
    let some = |rows: &[usize]| -> Result<Option<Dataset<F>>> {
        if rows.is_empty() {
            Ok(None)
        } else {
            dataset(&table, rows).map(Some)
        }
    };
    let test = match &test_table {
        Some(t) => Some(dataset(t, &(0..t.rows()).collect::<Vec<_>>())?),
        None => some(&parts.test)?,
    };
    Ok(Prepared {
        train: dataset(&table, &parts.train)?,
        validation: some(&parts.validation)?,
        test,
        info,
    })
}
