//! From a spec's `[data]` to the [`Dataset`]s a [`crate::Trainer`] runs on: file → [`Table`]
//! → [`split::split`] → [`Standardizer`] fitted on the training rows → [`Prepared`] (three
//! datasets and the [`DataInfo`] that a model file keeps so that `predict` reads and scales
//! data the same way).

use crate::data::config::DataSpec;
use crate::data::csv;
use crate::data::dataset::Dataset;
use crate::data::info::DataInfo;
use crate::data::split;
use crate::data::standardize::Standardizer;
use crate::data::table::{self, load_table, Table};
use crate::data::task::Task;
use crate::engine::float::Float;
use crate::engine::loss::Loss;
use crate::error::{Error, Result};
use std::path::Path;

/// The data a spec trains on, ready for the trainer.
#[derive(Clone, Debug)]
pub struct Prepared<F> {
    pub train: Dataset<F>,
    /// `None` when the validation fraction is 0 (or the data are inline).
    pub validation: Option<Dataset<F>>,
    /// `None` when there is no test split and no `test_path`.
    pub test: Option<Dataset<F>>,
    pub info: DataInfo,
    /// Each training sample's row in the data (0-based, file order, counted after rows with a
    /// missing value were dropped; for inline data, `0..n`).
    pub train_rows: Vec<usize>,
    /// Rows dropped for a missing value (`[data] missing = "drop"`), in the training file and
    /// the test file together.
    pub dropped: usize,
}

/// What the network asks of its data: its inputs and outputs, and the loss (a classifier's
/// targets are classes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DataShape {
    pub inputs: usize,
    pub outputs: usize,
    pub loss: Loss,
}

/// Loads, splits (from `seed`) and standardises `[data]`; file paths are relative to `base`
/// (the spec file's folder). Inline rows are used as they are: no split, no standardisation.
pub fn prepare<F: Float>(
    data: &DataSpec,
    shape: DataShape,
    seed: u64,
    base: &Path,
) -> Result<Prepared<F>> {
    let DataShape {
        inputs,
        outputs,
        loss,
    } = shape;
    if data.path.is_none() {
        let (x, t, _) = data.inline_rows(inputs, outputs)?.ok_or_else(|| {
            Error::Config("data: no `path`, and no inline `inputs` and `targets`".into())
        })?;
        return Ok(Prepared {
            train: Dataset::from_f64(&x, &t, inputs, outputs)?,
            validation: None,
            test: None,
            info: DataInfo::unnamed(loss, inputs, outputs),
            train_rows: (0..x.len() / inputs.max(1)).collect(),
            dropped: 0,
        });
    }
    let mut table = load_table(data, base, loss, outputs, false, None)?;
    let file_of = |p: &Option<String>| p.clone().unwrap_or_default();
    table::magnitudes(&table, &file_of(&data.path))?;
    if table.feature_names.len() != inputs {
        let one_hot = if table.encoding.all_numbers() {
            String::new()
        } else {
            format!(
                " after one-hot encoding {}",
                crate::data::encoding::describe(&table.encoding.columns)
            )
        };
        return Err(Error::Config(format!(
            "data: {} has {} feature columns{one_hot} ({}), but `inputs` is {}; expected them equal (leave `inputs` out to take it from the data)",
            data.path.as_deref().unwrap_or_default(),
            table.feature_names.len(),
            csv::quoted_list(&table.feature_names),
            inputs
        )));
    }
    let mut test_table = match &data.test_path {
        Some(_) => Some(load_table(data, base, loss, outputs, true, Some(&table))?),
        None => None,
    };
    if let Some(t) = &test_table {
        table::same_shape(&table, t, &file_of(&data.test_path))?;
        table::magnitudes(t, &file_of(&data.test_path))?;
    }
    let parts = split::split(
        table.rows(),
        data.validation_fraction(),
        data.test_fraction(),
        seed,
    );
    if parts.train.is_empty() {
        return Err(Error::Config(format!(
            "data: no rows left to train on ({} rows, validation {}, test {})",
            table.rows(),
            data.validation_fraction(),
            data.test_fraction()
        )));
    }
    if data.missing().imputes() {
        table
            .encoding
            .fit_fill(&table.features, &parts.train, &file_of(&data.path))?;
        table.encoding.fill_in(&mut table.features);
        if let Some(t) = &mut test_table {
            t.encoding.fill = table.encoding.fill.clone();
            t.encoding.fill_in(&mut t.features);
        }
    }
    let standardize = data.standardize();
    // One-hot inputs are left as they are (0 or 1): centred and scaled they would stop
    // reading as "this category or not".
    let features = standardize.then(|| {
        let mut s = Standardizer::fit(&table.features, inputs, &parts.train);
        for (k, _) in table
            .encoding
            .one_hot()
            .iter()
            .enumerate()
            .filter(|(_, &h)| h)
        {
            (s.mean[k], s.std[k]) = (0.0, 1.0);
        }
        s
    });
    let targets = (standardize && matches!(table.task, Task::Regression { .. }))
        .then(|| Standardizer::fit(&table.targets, outputs, &parts.train));
    let info = DataInfo {
        task: table.task.clone(),
        feature_names: table.feature_names.clone(),
        target_names: table.target_names.clone(),
        features,
        targets,
        encoding: table.encoding.clone(),
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
        train_rows: parts.train,
        dropped: table.dropped + test_table.as_ref().map_or(0, |t| t.dropped),
    })
}
