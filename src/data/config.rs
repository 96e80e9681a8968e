//! The `[data]` section of a spec: where the samples come from and how they are split and
//! scaled. Plain serde; the data layer reads it.

use crate::data::missing::Missing;
use crate::error::{Error, Result};
use serde::Deserialize;

/// Where the training data comes from: inline rows (`inputs`, `targets`), or a file (`path`):
/// a CSV table, MNIST's IDX files (`path` + `labels`), or a built-in set (`"builtin:iris"`).
/// Paths are relative to the spec file's folder.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub inputs: Option<Vec<Vec<f64>>>,
    pub targets: Option<Vec<Vec<f64>>>,
    /// A CSV file, an IDX images file (with `labels`), or `builtin:NAME`.
    pub path: Option<String>,
    /// The CSV target column, or several for regression (default: the last column).
    pub target: Option<TargetColumns>,
    /// The IDX labels file that goes with `path`.
    pub labels: Option<String>,
    /// A separate test set, in the same format as `path` (then `test` defaults to 0).
    pub test_path: Option<String>,
    /// The IDX labels of `test_path`.
    pub test_labels: Option<String>,
    /// Fraction of the samples held out for validation (default 0.1).
    pub validation: Option<f64>,
    /// Fraction held out for the final test (default 0.2, or 0 with `test_path`).
    pub test: Option<f64>,
    /// Scale each feature to mean 0, standard deviation 1 (fitted on the training split; for
    /// regression the targets too). Default: true for CSV, false for IDX (pixels are in [0, 1]).
    pub standardize: Option<bool>,
    /// Class names in output order. Default: the distinct labels, sorted (numerically when
    /// they are all integers). An integer label `i` that is not a name here names class `i`.
    pub classes: Option<Vec<String>>,
    /// The CSV separator, one character (default: detected from the header row among `,` `;`
    /// tab `|`).
    pub delimiter: Option<String>,
    /// CSV feature columns to one-hot encode (text columns are one-hot encoded without being
    /// named here).
    pub categorical: Option<Vec<String>>,
    /// What to do with a missing value: `"error"` (default), `"drop"`, `"mean"`, `"median"`.
    pub missing: Option<Missing>,
}

/// `target = "label"` or `target = ["y1", "y2"]`.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetColumns {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for TargetColumns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TargetColumns;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a column name (\"label\") or a list of column names ([\"y1\", \"y2\"])",
                )
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<TargetColumns, E> {
                Ok(TargetColumns::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<TargetColumns, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(TargetColumns::Many(names))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl TargetColumns {
    pub fn names(&self) -> Vec<String> {
        match self {
            TargetColumns::One(s) => vec![s.clone()],
            TargetColumns::Many(v) => v.clone(),
        }
    }
}

impl DataSpec {
    /// Default fraction held out for validation.
    pub const VALIDATION: f64 = 0.1;
    /// Default fraction held out for the final test, when there is no `test_path`.
    pub const TEST: f64 = 0.2;

    pub fn validation_fraction(&self) -> f64 {
        self.validation.unwrap_or(Self::VALIDATION)
    }
    pub fn test_fraction(&self) -> f64 {
        self.test.unwrap_or(if self.test_path.is_some() {
            0.0
        } else {
            Self::TEST
        })
    }
    /// Whether the data are IDX files (there is a `labels` file) rather than a CSV table.
    pub fn is_idx(&self) -> bool {
        self.labels.is_some()
    }
    pub fn standardize(&self) -> bool {
        self.standardize.unwrap_or(!self.is_idx())
    }
    pub fn missing(&self) -> Missing {
        self.missing.unwrap_or_default()
    }
    pub fn categorical(&self) -> &[String] {
        self.categorical.as_deref().unwrap_or_default()
    }
    /// The CSV separator the spec gives (`None`: detect it). Checked by [`DataSpec::validate`].
    pub fn delimiter_byte(&self) -> Option<u8> {
        self.delimiter.as_deref().map(|d| d.as_bytes()[0])
    }

    /// Checks `delimiter`, `categorical` and `missing`: CSV fields, one character.
    fn validate_table_fields(&self) -> Result<()> {
        for (name, set) in [
            ("delimiter", self.delimiter.is_some()),
            ("categorical", self.categorical.is_some()),
            ("missing", self.missing.is_some()),
        ] {
            if set && (self.path.is_none() || self.is_idx()) {
                return Err(Error::Config(format!(
                    "data: `{name}` applies to a CSV table (a `path` without `labels`)"
                )));
            }
        }
        if let Some(d) = &self.delimiter {
            let ok = d.len() == 1 && d.is_ascii() && !matches!(d.as_str(), "\"" | "\n" | "\r");
            if !ok {
                return Err(Error::Config(format!(
                    "data: delimiter is {d:?}, expected one character other than a quote or a line end, such as \",\" \";\" \"\\t\" \"|\""
                )));
            }
        }
        if let Some(c) = &self.categorical {
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = c.iter().find(|n| !seen.insert(n.as_str())) {
                return Err(Error::Config(format!(
                    "data: column `{dup}` appears twice in `categorical`"
                )));
            }
        }
        Ok(())
    }

    /// Checks that the fields fit together.
    pub fn validate(&self) -> Result<()> {
        let inline = self.inputs.is_some() || self.targets.is_some();
        if inline && self.path.is_some() {
            return Err(Error::Config(
                "data: give either inline `inputs`/`targets` or a `path`, not both".to_string(),
            ));
        }
        if self.path.is_none() {
            for (name, set) in [
                ("target", self.target.is_some()),
                ("labels", self.labels.is_some()),
                ("test_path", self.test_path.is_some()),
                ("classes", self.classes.is_some()),
            ] {
                if set {
                    return Err(Error::Config(format!(
                        "data: `{name}` needs a `path` to read from"
                    )));
                }
            }
        }
        if self.labels.is_some() && self.target.is_some() {
            return Err(Error::Config(
                "data: `target` names a CSV column, `labels` an IDX file; give only one of them"
                    .to_string(),
            ));
        }
        if self.test_labels.is_some() && self.test_path.is_none() {
            return Err(Error::Config(
                "data: `test_labels` needs a `test_path`".to_string(),
            ));
        }
        if self.test_path.is_some() && self.is_idx() != self.test_labels.is_some() {
            return Err(Error::Config("data: IDX data need both `test_path` and `test_labels` (and CSV data no `test_labels`)".to_string()));
        }
        self.validate_table_fields()?;
        let (v, t) = (self.validation_fraction(), self.test_fraction());
        for (name, x) in [("validation", v), ("test", t)] {
            if !(0.0..1.0).contains(&x) {
                return Err(Error::Config(format!(
                    "data: {name} is {x}, expected a fraction in [0, 1)"
                )));
            }
        }
        if v + t >= 1.0 {
            return Err(Error::Config(format!(
                "data: validation + test = {}, expected less than 1 (some samples must be left to train on)",
                v + t
            )));
        }
        if let Some(c) = &self.classes {
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = c.iter().find(|n| !seen.insert(n.as_str())) {
                return Err(Error::Config(format!(
                    "data: class `{dup}` appears twice in `classes`"
                )));
            }
        }
        Ok(())
    }

    /// The inline rows as flat `[n × inputs]` and `[n × outputs]` vectors, checked against the
    /// network's shape. `None` when the spec has no inline data.
    pub fn inline_rows(&self, inputs: usize, outputs: usize) -> Result<Option<InlineData>> {
        let (Some(x), Some(t)) = (&self.inputs, &self.targets) else {
            return Ok(None);
        };
        if x.len() != t.len() {
            return Err(Error::Config(format!(
                "data: {} input rows but {} target rows, expected the same number",
                x.len(),
                t.len()
            )));
        }
        if x.is_empty() {
            return Err(Error::Config(
                "data: no samples (inputs is empty)".to_string(),
            ));
        }
        for (r, row) in x.iter().enumerate() {
            if row.len() != inputs {
                return Err(Error::Config(format!(
                    "data: inputs row {} has {} values, expected {} (`inputs`)",
                    r + 1,
                    row.len(),
                    inputs
                )));
            }
        }
        for (r, row) in t.iter().enumerate() {
            if row.len() != outputs {
                return Err(Error::Config(format!(
                    "data: targets row {} has {} values, expected {} (units of the output layer)",
                    r + 1,
                    row.len(),
                    outputs
                )));
            }
        }
        let flat = |rows: &Vec<Vec<f64>>, what: &str| -> Result<Vec<f64>> {
            for (r, row) in rows.iter().enumerate() {
                if let Some(c) = row.iter().position(|v| !v.is_finite()) {
                    return Err(Error::Config(format!(
                        "data: {what} row {}, column {} is {}, expected a finite number",
                        r + 1,
                        c + 1,
                        row[c]
                    )));
                }
            }
            Ok(rows.iter().flatten().copied().collect())
        };
        Ok(Some((flat(x, "inputs")?, flat(t, "targets")?, x.len())))
    }
}

/// Inline rows, flat: inputs `[n × inputs]`, targets `[n × outputs]`, and `n`.
pub type InlineData = (Vec<f64>, Vec<f64>, usize);
