//! Missing values in CSV tables: what counts as missing, and what `[data] missing` does with
//! them.
//!
//! A field is missing when, trimmed, it is empty, `?`, or (in any case) `NA`, `N/A`, `NaN` or
//! `null`. `missing = "error"` (the default) stops at the first one with its file, line and
//! column; `"drop"` drops every row with a missing feature or target; `"mean"` and `"median"`
//! fill a number column with the mean or median of its values on the training rows (after the
//! split), and a category column with its most frequent category on the training rows (ties:
//! the first in category order). A missing target is never filled: it is an error, or with
//! `"drop"` its row is dropped. The fill values are stored in the model file, and `predict` and
//! `evaluate` fill a missing value with them; a model trained with `"error"` or `"drop"` has
//! none, so there a missing value is an error (a row is never skipped: predictions stay one per
//! input row).

use serde::Deserialize;

/// What `[data] missing` does with a missing value.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Stop with the file, line and column (the default).
    #[default]
    Error,
    /// Drop the rows that have one.
    Drop,
    /// Fill with the training rows' mean (a category column: its most frequent category).
    Mean,
    /// Fill with the training rows' median (a category column: its most frequent category).
    Median,
}

impl Missing {
    pub fn name(self) -> &'static str {
        match self {
            Missing::Error => "error",
            Missing::Drop => "drop",
            Missing::Mean => "mean",
            Missing::Median => "median",
        }
    }

    pub fn from_name(name: &str) -> Option<Missing> {
        [
            Missing::Error,
            Missing::Drop,
            Missing::Mean,
            Missing::Median,
        ]
        .into_iter()
        .find(|m| m.name() == name)
    }

    /// Whether missing values are filled in (mean or median).
    pub fn imputes(self) -> bool {
        matches!(self, Missing::Mean | Missing::Median)
    }
}

/// Whether a (trimmed) CSV field stands for a missing value.
pub fn is_missing(field: &str) -> bool {
    let f = field.trim();
    f.is_empty()
        || f == "?"
        || ["na", "n/a", "nan", "null"]
            .iter()
            .any(|m| f.eq_ignore_ascii_case(m))
}

/// The mean of the values (`None` when there are none).
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The median of the values: the middle one, or the mean of the two middle ones (`None` when
/// there are none).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The most frequent of `counts` (the first on a tie; `None` when all are 0).
pub fn mode(counts: &[usize]) -> Option<usize> {
    (0..counts.len()).fold(None, |best: Option<usize>, k| match best {
        Some(b) if counts[b] >= counts[k] => Some(b),
        _ if counts[k] > 0 => Some(k),
        b => b,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_markers() {
        for m in [
            "", "  ", "?", "NA", "na", "N/A", "NaN", "nan", "NULL", "null",
        ] {
            assert!(is_missing(m), "{m:?}");
        }
        for v in ["0", "n", "red", "-", "none", "inf"] {
            assert!(!is_missing(v), "{v:?}");
        }
    }

    #[test]
    fn mean_median_and_mode_by_hand() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(median(&[6.0, 1.0, 2.0]), Some(2.0));
        // Even count: (2 + 6) / 2.
        assert_eq!(median(&[10.0, 1.0, 2.0, 6.0]), Some(4.0));
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&[]), None);
        assert_eq!(mode(&[1, 3, 3, 0]), Some(1));
        assert_eq!(mode(&[0, 0, 2]), Some(2));
        assert_eq!(mode(&[0, 0]), None);
    }

    #[test]
    fn names_round_trip() {
        for m in [
            Missing::Error,
            Missing::Drop,
            Missing::Mean,
            Missing::Median,
        ] {
            assert_eq!(Missing::from_name(m.name()), Some(m));
        }
        assert_eq!(Missing::from_name("zero"), None);
    }
}
