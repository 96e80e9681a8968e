//! Checks on data that would otherwise train or predict silently wrong (or panic later): a
//! classification with fewer than two classes, a missing label, a test set of another shape
//! than the training set, values so large that their squares overflow, standardisation
//! statistics that would make NaN, a headerless CSV file, an empty path.

use super::csv::{quoted_list, CsvTable};
use crate::error::{Error, Result};

/// Largest magnitude a feature or regression target may have: beyond it the square in the
/// variance and in the loss overflows f64 (1e154² ≈ 1e308).
pub const MAX_MAGNITUDE: f64 = 1e150;

/// A classifier needs two classes at least (one class makes every probability 1 and the
/// loss 0; nothing is learned, and the per-class figures are undefined).
pub fn at_least_two_classes(classes: &[String], file: &str) -> Result<()> {
    if classes.len() < 2 {
        return Err(Error::File {
            file: file.to_string(),
            message: format!(
                "{} class{} ({}): a classifier needs at least 2; expected labels of two or more classes (or a regression loss such as `mse`)",
                classes.len(),
                if classes.len() == 1 { "" } else { "es" },
                quoted_list(classes)
            ),
        });
    }
    Ok(())
}

/// A missing label (empty, or a marker of [`crate::data::missing::is_missing`]) is an
/// error, not a class named "" or `NA`.
pub fn label_present(place: &str, label: &str, file: &str) -> Result<()> {
    if crate::data::missing::is_missing(label) {
        let shown = if label.is_empty() {
            String::new()
        } else {
            format!(" (`{label}`)")
        };
        return Err(Error::File {
            file: file.to_string(),
            message: format!("{place}: missing label{shown}, expected a class name"),
        });
    }
    Ok(())
}

/// Standardisation statistics read from a model file: every mean finite, every σ positive,
/// finite and with a finite reciprocal (else standardising would make NaN or infinity).
pub fn statistics(prefix: &str, mean: &[f64], std: &[f64]) -> Result<()> {
    if let Some(k) = mean.iter().position(|m| !m.is_finite()) {
        return Err(Error::Config(format!(
            "tensor data.{prefix}_mean[{k}] is {}, expected a finite number",
            mean[k]
        )));
    }
    if let Some(k) = std
        .iter()
        .position(|&s| !(s > 0.0 && s.is_finite() && (1.0 / s).is_finite()))
    {
        return Err(Error::Config(format!(
            "tensor data.{prefix}_std[{k}] is {}, expected a positive finite number (standardising by it would make NaN or infinity)",
            std[k]
        )));
    }
    Ok(())
}

/// Whether a header row is all numbers: the file most likely has no header.
pub fn looks_headerless(table: &CsvTable) -> bool {
    table.header.iter().all(|h| h.parse::<f64>().is_ok())
}

/// Refuses a training file without a header: its first row would be lost as column names.
pub fn has_header(table: &CsvTable) -> Result<()> {
    if looks_headerless(table) {
        return Err(Error::File {
            file: table.file.clone(),
            message: format!(
                "line 1 is all numbers ({}): expected a header row of column names",
                quoted_list(&table.header)
            ),
        });
    }
    Ok(())
}

/// A headerless table read again with its first row as data; the columns are named by
/// position (`column 1`, …).
pub fn without_header(table: &CsvTable) -> CsvTable {
    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    rows.push((1, table.header.clone()));
    rows.extend(table.rows.iter().cloned());
    CsvTable {
        file: table.file.clone(),
        header: (1..=table.header.len())
            .map(|k| format!("column {k}"))
            .collect(),
        rows,
    }
}

/// A `[data]` path given as `""`.
pub fn path_given(key: &str, path: &str) -> Result<()> {
    if path.trim().is_empty() {
        return Err(Error::Config(format!(
            "data: `{key}` is empty, expected a file name (relative to the spec) or builtin:NAME"
        )));
    }
    Ok(())
}

/// Adds to a "`apple` is not a number" of a regression target the likely cause.
pub fn hint_classifier(e: Error, loss: crate::engine::loss::Loss) -> Error {
    match e {
        Error::File { file, message } if message.ends_with("is not a number") => Error::File {
            file,
            message: format!(
                "{message} (loss `{}` is a regression; for class names use `cross_entropy` with softmax, or `bce` with one sigmoid unit)",
                loss.name()
            ),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_that_would_make_nan_are_refused() {
        assert!(statistics("feature", &[0.0, 1.0], &[1.0, 2.0]).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-320] {
            assert!(statistics("feature", &[0.0], &[bad]).is_err(), "{bad}");
        }
        assert!(statistics("target", &[f64::NAN], &[1.0]).is_err());
    }
}
