//! The network's `inputs` and output units as `[data]` determines them, for a spec that leaves
//! them out: the inputs are the features after one-hot encoding (the length of an inline
//! `inputs` row, the pixels of an IDX image); the output units are, for `cross_entropy`, the
//! number of classes (`[data] classes`, else the distinct labels), for `bce` 1, and for a
//! regression (`mse`, `half_sse`) the number of target columns (the length of an inline
//! `targets` row).

use crate::data::checks;
use crate::data::config::DataSpec;
use crate::data::encoding::Encoding;
use crate::data::idx;
use crate::data::missing::{self, Missing};
use crate::data::table::{csv_columns, drop_missing, read_csv_with};
use crate::data::task::Task;
use crate::engine::loss::Loss;
use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::path::Path;

/// The network shape the data ask for: (inputs, output units). Paths are relative to `base`.
pub fn shape(data: &DataSpec, base: &Path, loss: Loss) -> Result<(usize, usize)> {
    let Some(path) = data.path.as_deref() else {
        let first = |rows: &Option<Vec<Vec<f64>>>, what: &str| {
            rows.as_ref()
                .and_then(|r| r.first())
                .map(Vec::len)
                .ok_or_else(|| {
                    Error::Config(format!(
                        "data: no `{what}` rows to take the network's shape from"
                    ))
                })
        };
        return Ok((
            first(&data.inputs, "inputs")?,
            first(&data.targets, "targets")?,
        ));
    };
    checks::path_given("path", path)?;
    let classes_given = data.classes.as_ref().map(Vec::len);
    if let Some(labels) = &data.labels {
        let images = idx::read(&base.join(path), &base.join(labels))?;
        let distinct: BTreeSet<u8> = images.labels.iter().copied().collect();
        let outputs = match loss {
            Loss::Bce => 1,
            _ => classes_given.unwrap_or(distinct.len()),
        };
        return Ok((images.rows * images.columns, outputs));
    }
    let mut csv = read_csv_with(path, base, data.delimiter_byte())?;
    checks::has_header(&csv)?;
    let (_, targets, features) = csv_columns(&csv, data, None)?;
    if data.missing() == Missing::Drop {
        drop_missing(&mut csv, &[&features, &targets])?;
    }
    let inputs = Encoding::fit(&csv, &features, data.categorical(), data.missing())?.width();
    let outputs = if !Task::classifies(loss) {
        targets.len()
    } else if loss == Loss::Bce {
        1
    } else {
        match classes_given {
            Some(k) => k,
            None => {
                let c = targets[0];
                let labels: BTreeSet<&str> = csv
                    .rows
                    .iter()
                    .map(|(_, f)| f[c].as_str())
                    .filter(|l| !missing::is_missing(l))
                    .collect();
                let names: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
                checks::at_least_two_classes(&names, &csv.file)?;
                labels.len()
            }
        }
    };
    Ok((inputs, outputs))
}
