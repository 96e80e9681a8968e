//! Reading one labelled file of `[data]` into a [`Table`]: features and encoded targets (f64),
//! before splitting. CSV tables, MNIST's IDX files and built-in sets.
//!
//! Targets: a classifier (loss `cross_entropy` or `bce`) gets one-hot rows, one column per class
//! (or, for two classes and one sigmoid output, the class index 0 or 1); a regression (loss
//! `half_sse` or `mse`) gets the target columns' numbers.

use crate::data::builtin;
use crate::data::checks;
use crate::data::classes::{encode_classes, idx_label_places};
use crate::data::config::DataSpec;
use crate::data::csv::{self, CsvTable};
use crate::data::encoding::Encoding;
use crate::data::idx;
use crate::data::missing::{self, Missing};
use crate::data::task::Task;
use crate::engine::loss::Loss;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

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
    /// How the CSV columns became the features (NaN in `features` where a value is missing and
    /// `[data] missing` fills it in).
    pub encoding: Encoding,
    /// Rows dropped for a missing value (`[data] missing = "drop"`).
    pub dropped: usize,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.targets.len() / self.outputs.max(1)
    }
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
    read_csv_with(path, base, None)
}

/// Reads a CSV table from a path or a built-in name, with the given separator (`None`:
/// detected).
pub fn read_csv_with(path: &str, base: &Path, delimiter: Option<u8>) -> Result<CsvTable> {
    match resolve(path, base) {
        Source::Builtin(name) => {
            let b = builtin::find(&name).ok_or_else(|| {
                Error::Config(format!(
                    "data: no built-in data set `{name}`; there are {}",
                    builtin::names()
                ))
            })?;
            CsvTable::parse_with(b.csv, path, delimiter)
        }
        Source::File(p) => CsvTable::read_with(&p, delimiter),
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
    let fixed_classes = known
        .and_then(|t| t.task.classes().map(|c| c.to_vec()))
        .or_else(|| data.classes.clone());
    let wanted = Wanted {
        loss,
        outputs,
        classes: fixed_classes.as_deref(),
    };
    match labels {
        Some(labels) => load_idx(path, labels, base, &wanted),
        None => load_csv(path, base, data, known, &wanted),
    }
}

/// What the network asks of a table's targets.
struct Wanted<'a> {
    loss: Loss,
    outputs: usize,
    /// The classes, in output order, when they are fixed (by the spec or the training file).
    classes: Option<&'a [String]>,
}

/// IDX images and their labels: the pixels as features `pixel_R_C`, the labels as classes.
fn load_idx(path: &str, labels: &str, base: &Path, wanted: &Wanted) -> Result<Table> {
    if !Task::classifies(wanted.loss) {
        return Err(Error::Config(format!(
            "data: IDX labels are classes, but loss `{}` is a regression; use `cross_entropy` with a softmax output",
            wanted.loss.name()
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
        wanted.classes,
        wanted.outputs,
        &labels_path.display().to_string(),
    )?;
    let feature_names: Vec<String> = (0..idx.rows)
        .flat_map(|r| (0..idx.columns).map(move |c| format!("pixel_{r}_{c}")))
        .collect();
    Ok(Table {
        features: idx.pixels,
        encoding: Encoding::numbers(&feature_names),
        feature_names,
        targets,
        outputs: wanted.outputs,
        target_names: vec!["label".into()],
        task: Task::Classification { classes },
        dropped: 0,
    })
}

/// A CSV table (or a built-in set): the target columns (`target`, default the last), the
/// other columns as features (with `known`, the training file's feature columns by name and
/// their encoding), one-hot encoded where they are categories
/// ([`crate::data::encoding`]); rows with a missing value dropped with `missing = "drop"`.
fn load_csv(
    path: &str,
    base: &Path,
    data: &DataSpec,
    known: Option<&Table>,
    wanted: &Wanted,
) -> Result<Table> {
    let mut csv = read_csv_with(path, base, data.delimiter_byte())?;
    checks::has_header(&csv)?;
    let (target_names, target_columns, feature_columns) = csv_columns(&csv, data, known)?;
    let mode = data.missing();
    let dropped = match mode {
        Missing::Drop => drop_missing(&mut csv, &[&feature_columns, &target_columns])?,
        _ => 0,
    };
    let encoding = match known {
        Some(t) => t.encoding.clone(),
        None => Encoding::fit(&csv, &feature_columns, data.categorical(), mode)?,
    };
    let hint = match mode {
        Missing::Error => " (or set [data] missing = \"drop\", \"mean\" or \"median\")",
        _ => "",
    };
    let features = encoding.encode(&csv, &feature_columns, mode.imputes(), hint)?;
    const NEVER_FILLED: &str =
        "a missing target is never filled in; missing = \"drop\" drops its row";
    let target_hint = |e: Error| match e {
        Error::File { file, message }
            if mode.imputes()
                && (message.contains("missing value") || message.contains("missing label")) =>
        {
            Error::File {
                file,
                message: format!("{message} ({NEVER_FILLED})"),
            }
        }
        other => other,
    };
    let (targets, task) = if Task::classifies(wanted.loss) {
        csv_classes(&csv, &target_columns, wanted).map_err(target_hint)?
    } else {
        csv_values(&csv, &target_columns, &target_names, wanted.outputs)
            .map_err(|e| target_hint(checks::hint_classifier(e, wanted.loss)))?
    };
    Ok(Table {
        features,
        feature_names: encoding.feature_names(),
        targets,
        outputs: wanted.outputs,
        target_names,
        task,
        encoding,
        dropped,
    })
}

/// Drops the rows of `csv` with a missing value in one of `columns` (`[data] missing =
/// "drop"`); returns how many. Dropping every row is an error.
pub(crate) fn drop_missing(csv: &mut CsvTable, columns: &[&[usize]]) -> Result<usize> {
    let before = csv.rows.len();
    csv.rows.retain(|(_, f)| {
        !columns
            .iter()
            .any(|cs| cs.iter().any(|&c| missing::is_missing(&f[c])))
    });
    if csv.rows.is_empty() {
        return Err(Error::File {
            file: csv.file.clone(),
            message: format!(
                "every one of its {before} rows has a missing value, so [data] missing = \"drop\" leaves none; expected some complete rows (or missing = \"mean\" or \"median\")"
            ),
        });
    }
    Ok(before - csv.rows.len())
}

/// The target columns' names and indices and the feature columns' indices of a CSV table:
/// `target` (default the last column), the other columns as features (with `known`, the
/// training file's feature columns by name). Checks `[data] categorical` against them.
pub(crate) fn csv_columns(
    csv: &CsvTable,
    data: &DataSpec,
    known: Option<&Table>,
) -> Result<(Vec<String>, Vec<usize>, Vec<usize>)> {
    let target_names = match &data.target {
        Some(t) => t.names(),
        None => vec![csv.header.last().expect("a header").clone()],
    };
    let target_columns = csv.columns(&target_names)?;
    let feature_names: Vec<String> = match known {
        Some(t) => t.encoding.columns.iter().map(|c| c.name.clone()).collect(),
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
    for name in data.categorical() {
        if target_names.contains(name) {
            return Err(Error::Config(format!(
                "data: `categorical` names `{name}`, a target column; expected feature columns (a classifier's target is read as class names already)"
            )));
        }
        if !csv.header.contains(name) {
            return Err(Error::File {
                file: csv.file.clone(),
                message: format!(
                    "no column named `{name}` (named in [data] categorical); the header has {}",
                    csv::quoted_list(&csv.header)
                ),
            });
        }
    }
    Ok((target_names, target_columns, feature_columns))
}

/// A classifier's one target column, encoded as classes.
fn csv_classes(csv: &CsvTable, columns: &[usize], wanted: &Wanted) -> Result<(Vec<f64>, Task)> {
    if columns.len() != 1 {
        return Err(Error::Config(format!(
            "data: a classifier (loss `{}`) has one target column, but `target` names {}",
            wanted.loss.name(),
            columns.len()
        )));
    }
    let c = columns[0];
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
    let (targets, classes) = encode_classes(&labels, wanted.classes, wanted.outputs, &csv.file)?;
    Ok((targets, Task::Classification { classes }))
}

/// A regression's target columns, one per output unit.
fn csv_values(
    csv: &CsvTable,
    columns: &[usize],
    names: &[String],
    outputs: usize,
) -> Result<(Vec<f64>, Task)> {
    if columns.len() != outputs {
        return Err(Error::File {
            file: csv.file.clone(),
            message: format!(
                "{} target column{} ({}), but the output layer has {outputs} unit{}; expected one unit per target column",
                columns.len(),
                if columns.len() == 1 { "" } else { "s" },
                csv::quoted_list(names),
                if outputs == 1 { "" } else { "s" }
            ),
        });
    }
    Ok((
        csv.numbers(columns)?,
        Task::Regression {
            targets: names.to_vec(),
        },
    ))
}

/// The test set must have the training set's features (an IDX test file of other image sizes
/// would otherwise be read misaligned, or panic).
pub(crate) fn same_shape(train: &Table, test: &Table, test_file: &str) -> Result<()> {
    let (a, b) = (train.feature_names.len(), test.feature_names.len());
    if a != b || train.outputs != test.outputs {
        return Err(Error::File {
            file: test_file.to_string(),
            message: format!(
                "the test set has {b} feature{} (the training set {a}){}; expected the same shape as the training data",
                if b == 1 { "" } else { "s" },
                match (shape_of(&test.feature_names), shape_of(&train.feature_names)) {
                    (Some(t), Some(r)) => format!(": images of {t} against {r}"),
                    _ => String::new(),
                }
            ),
        });
    }
    Ok(())
}

/// `rows×columns` of IDX pixel names (`pixel_R_C`, the last one), if they are pixels.
fn shape_of(names: &[String]) -> Option<String> {
    let last = names.last()?.strip_prefix("pixel_")?;
    let (r, c) = last.split_once('_')?;
    let (r, c): (usize, usize) = (r.parse().ok()?, c.parse().ok()?);
    Some(format!("{}×{}", r + 1, c + 1))
}

/// Refuses a feature (or a regression target) whose magnitude passes [`checks::MAX_MAGNITUDE`]: the
/// run would end in "the loss became inf" with nothing pointing at the data.
pub(crate) fn magnitudes(table: &Table, file: &str) -> Result<()> {
    let width = table.feature_names.len().max(1);
    let check = |values: &[f64], names: &[String], w: usize| -> Result<()> {
        if let Some(k) = values.iter().position(|v| v.abs() > checks::MAX_MAGNITUDE) {
            return Err(Error::File {
                file: file.to_string(),
                message: format!(
                    "data row {}, column `{}`: {:e} is too large (beyond ±{:e} squares overflow); expected the column rescaled",
                    k / w + 1,
                    names.get(k % w).map_or("?", String::as_str),
                    values[k],
                    checks::MAX_MAGNITUDE
                ),
            });
        }
        Ok(())
    };
    check(&table.features, &table.feature_names, width)?;
    if matches!(table.task, Task::Regression { .. }) {
        check(&table.targets, &table.target_names, table.outputs.max(1))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_names_give_the_image_shape() {
        let names: Vec<String> = (0..3)
            .flat_map(|r| (0..4).map(move |c| format!("pixel_{r}_{c}")))
            .collect();
        assert_eq!(shape_of(&names).as_deref(), Some("3×4"));
        assert_eq!(shape_of(&["a".to_string()]), None);
    }
}
