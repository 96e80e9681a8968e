//! CSV feature columns → network inputs: a number column is one input; a category column is
//! one-hot encoded, one input per category, named `column=category` (1 for the row's category,
//! 0 for the others). Missing values ([`crate::data::missing`]) are NaN until they are filled
//! in or their rows dropped.
//!
//! Which columns are categories: those `[data] categorical` names, and every column none of
//! whose values is a number (a text column such as `red`, `green`). A column that mixes numbers
//! and text is an error (a typo or a decimal comma, most likely), unless `categorical` names
//! it. The categories are the distinct values of the training file (all of its rows, before
//! the split: they are a vocabulary, not a statistic), sorted — numerically when they are all
//! numbers, else by their text (byte order). A test file, `predict` and `evaluate` encode with
//! the training file's categories; a category the training file did not have is an error naming
//! the file, line and column.

use crate::data::csv::{quoted_list, CsvTable};
use crate::data::missing::{self, Missing};
use crate::error::{Error, Result};

/// One CSV column as the network sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct InputColumn {
    /// The column's name in the CSV header.
    pub name: String,
    /// The categories of a one-hot encoded column, in input order; `None` for a number column.
    pub categories: Option<Vec<String>>,
}

impl InputColumn {
    /// How many network inputs the column becomes.
    pub fn width(&self) -> usize {
        self.categories.as_ref().map_or(1, Vec::len)
    }
}

/// How a table's feature columns become the network's inputs, and what fills a missing value.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoding {
    /// The CSV feature columns, in input order.
    pub columns: Vec<InputColumn>,
    /// What training did with missing values (`[data] missing`).
    pub missing: Missing,
    /// Per network input, the value that fills a missing one (for a category column, the one-hot
    /// row of its most frequent category): fitted on the training rows with `missing = "mean"`
    /// or `"median"`, else `None`.
    pub fill: Option<Vec<f64>>,
}

impl Encoding {
    /// Number columns only, missing values an error: what every data source but a CSV table
    /// with categories or missing values is.
    pub fn numbers(names: &[String]) -> Encoding {
        Encoding {
            columns: names
                .iter()
                .map(|n| InputColumn {
                    name: n.clone(),
                    categories: None,
                })
                .collect(),
            missing: Missing::Error,
            fill: None,
        }
    }

    /// Whether every column is a number column (nothing to one-hot encode).
    pub fn all_numbers(&self) -> bool {
        self.columns.iter().all(|c| c.categories.is_none())
    }

    /// The number of network inputs.
    pub fn width(&self) -> usize {
        self.columns.iter().map(InputColumn::width).sum()
    }

    /// The names of the network's inputs: a number column's name, `column=category` for each
    /// category of a one-hot column.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.width());
        for c in &self.columns {
            match &c.categories {
                None => names.push(c.name.clone()),
                Some(cats) => names.extend(cats.iter().map(|k| format!("{}={k}", c.name))),
            }
        }
        names
    }

    /// Per network input, whether it is a one-hot input (these are not standardised).
    pub fn one_hot(&self) -> Vec<bool> {
        self.columns
            .iter()
            .flat_map(|c| std::iter::repeat_n(c.categories.is_some(), c.width()))
            .collect()
    }

    /// The encoding of the feature `columns` of a training table: the columns `categorical`
    /// names and the text columns one-hot, with the table's categories.
    pub fn fit(
        csv: &CsvTable,
        columns: &[usize],
        categorical: &[String],
        missing: Missing,
    ) -> Result<Encoding> {
        let mut out = Vec::with_capacity(columns.len());
        for &c in columns {
            let name = &csv.header[c];
            let values = csv
                .rows
                .iter()
                .map(|(line, f)| (*line, f[c].as_str()))
                .filter(|(_, v)| !missing::is_missing(v));
            let categories = if categorical.contains(name) {
                Some(sorted_distinct(values.map(|(_, v)| v)))
            } else {
                let (mut number, mut text) = (None, None);
                for (line, v) in values {
                    if v.parse::<f64>().is_ok() {
                        number.get_or_insert(line);
                    } else {
                        text.get_or_insert((line, v));
                    }
                }
                match (number, text) {
                    (_, None) => None,
                    (None, Some(_)) => Some(sorted_distinct(
                        csv.rows
                            .iter()
                            .map(|(_, f)| f[c].as_str())
                            .filter(|v| !missing::is_missing(v)),
                    )),
                    (Some(n), Some((line, v))) => {
                        return Err(Error::File {
                            file: csv.file.clone(),
                            message: format!(
                                "line {line}, column {} (`{name}`): `{v}` is not a number (line {n} has a number in this column; to one-hot encode the column, list it in [data] categorical)",
                                c + 1
                            ),
                        })
                    }
                }
            };
            out.push(InputColumn {
                name: name.clone(),
                categories,
            });
        }
        Ok(Encoding {
            columns: out,
            missing,
            fill: None,
        })
    }

    /// The network inputs of the rows of `csv`, `[rows × width]`, from its columns `columns`
    /// (those of [`Encoding::columns`], in order). A missing value is NaN (every input of a
    /// one-hot column) when `keep_missing`, else an error whose message ends in `hint`; an
    /// unknown category is an error naming the file, line and column.
    pub fn encode(
        &self,
        csv: &CsvTable,
        columns: &[usize],
        keep_missing: bool,
        hint: &str,
    ) -> Result<Vec<f64>> {
        let width = self.width();
        if !self.all_numbers() {
            // A text column of as many values as rows (names, ids) makes as many inputs.
            crate::io::limits::check_file(
                &csv.file,
                &format!(
                    "one-hot encoding {} ({} rows × {width} inputs)",
                    describe(&self.columns),
                    csv.rows.len()
                ),
                (csv.rows.len() * width) as u128 * 8,
            )?;
        }
        let mut out = Vec::with_capacity(csv.rows.len() * width);
        let err = |message: String| Error::File {
            file: csv.file.clone(),
            message,
        };
        for (line, fields) in &csv.rows {
            for (col, &c) in self.columns.iter().zip(columns) {
                let field = fields[c].as_str();
                let place = || format!("line {line}, column {} (`{}`)", c + 1, csv.header[c]);
                if missing::is_missing(field) {
                    if !keep_missing {
                        let shown = if field.is_empty() {
                            String::new()
                        } else {
                            format!(" (`{field}`)")
                        };
                        let expected = if col.categories.is_some() {
                            "a category"
                        } else {
                            "a number"
                        };
                        return Err(err(format!(
                            "{}: missing value{shown}, expected {expected}{hint}",
                            place()
                        )));
                    }
                    out.extend(std::iter::repeat_n(f64::NAN, col.width()));
                    continue;
                }
                match &col.categories {
                    None => out.push(csv.number(*line, c, field)?),
                    Some(cats) => {
                        let k = cats.iter().position(|k| k == field).ok_or_else(|| {
                            err(format!(
                                "{}: category `{field}` was not in the training data; expected one of {}",
                                place(),
                                quoted_list(cats)
                            ))
                        })?;
                        out.extend((0..cats.len()).map(|j| if j == k { 1.0 } else { 0.0 }));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Fits [`Encoding::fill`] on the rows `rows` of `features` (`[n × width]`, NaN where
    /// missing): per number column the mean or median of its values, per category column the
    /// one-hot row of its most frequent category. A column without a value in those rows is an
    /// error (`file` names the data).
    pub fn fit_fill(&mut self, features: &[f64], rows: &[usize], file: &str) -> Result<()> {
        let width = self.width();
        let mut fill = Vec::with_capacity(width);
        let mut at = 0;
        for col in &self.columns {
            let w = col.width();
            let present = rows
                .iter()
                .map(|&r| &features[r * width + at..r * width + at + w])
                .filter(|v| !v[0].is_nan());
            let none = || {
                Error::File {
                file: file.to_string(),
                message: format!(
                    "column `{}` has no value in the training rows, so [data] missing = \"{}\" has nothing to fill in with; expected at least one value",
                    col.name,
                    self.missing.name()
                ),
            }
            };
            match &col.categories {
                None => {
                    let values: Vec<f64> = present.map(|v| v[0]).collect();
                    let value = match self.missing {
                        Missing::Median => missing::median(&values),
                        _ => missing::mean(&values),
                    };
                    fill.push(value.ok_or_else(none)?);
                }
                Some(_) => {
                    let mut counts = vec![0usize; w];
                    for v in present {
                        if let Some(k) = v.iter().position(|&x| x == 1.0) {
                            counts[k] += 1;
                        }
                    }
                    let k = missing::mode(&counts).ok_or_else(none)?;
                    fill.extend((0..w).map(|j| if j == k { 1.0 } else { 0.0 }));
                }
            }
            at += w;
        }
        self.fill = Some(fill);
        Ok(())
    }

    /// Fills the missing values (NaN) of `rows` (`[n × width]`) in place with
    /// [`Encoding::fill`]; without it, leaves them.
    pub fn fill_in(&self, rows: &mut [f64]) {
        let Some(fill) = &self.fill else { return };
        for row in rows.chunks_exact_mut(fill.len().max(1)) {
            for (v, &f) in row.iter_mut().zip(fill) {
                if v.is_nan() {
                    *v = f;
                }
            }
        }
    }
}

/// The distinct values, sorted: numerically when they are all numbers, else by text.
fn sorted_distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = values.map(str::to_string).collect();
    v.sort();
    v.dedup();
    let numbers: Option<Vec<f64>> = v.iter().map(|s| s.parse::<f64>().ok()).collect();
    if let Some(n) = numbers {
        let mut pairs: Vec<(f64, String)> = n.into_iter().zip(v).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        return pairs.into_iter().map(|(_, s)| s).collect();
    }
    v
}

/// A model's categories, as `[data] categorical` problems are told: `` `a` (2 categories) ``.
pub fn describe(columns: &[InputColumn]) -> String {
    let one_hot: Vec<String> = columns
        .iter()
        .filter_map(|c| {
            c.categories
                .as_ref()
                .map(|k| format!("`{}` ({} categories)", c.name, k.len()))
        })
        .collect();
    one_hot.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> CsvTable {
        CsvTable::parse(text, "t.csv").unwrap()
    }

    #[test]
    fn text_columns_are_one_hot_with_sorted_categories() {
        let t = table("size,colour\n1,red\n2,green\n3,red\n4,blue\n");
        let e = Encoding::fit(&t, &[0, 1], &[], Missing::Error).unwrap();
        assert_eq!(
            e.feature_names(),
            ["size", "colour=blue", "colour=green", "colour=red"]
        );
        assert_eq!(e.one_hot(), [false, true, true, true]);
        let x = e.encode(&t, &[0, 1], false, "").unwrap();
        #[rustfmt::skip]
        let by_hand = [
            1.0, 0.0, 0.0, 1.0,
            2.0, 0.0, 1.0, 0.0,
            3.0, 0.0, 0.0, 1.0,
            4.0, 1.0, 0.0, 0.0,
        ];
        assert_eq!(x, by_hand);
    }

    #[test]
    fn numeric_categories_sort_as_numbers() {
        let t = table("grade\n10\n2\n1\n2\n");
        let e = Encoding::fit(&t, &[0], &["grade".into()], Missing::Error).unwrap();
        assert_eq!(e.feature_names(), ["grade=1", "grade=2", "grade=10"]);
    }

    #[test]
    fn a_column_of_numbers_and_text_is_an_error() {
        let t = table("a\n1\n\"1,5\"\n");
        let e = Encoding::fit(&t, &[0], &[], Missing::Error)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3, column 1 (`a`): `1,5` is not a number"),
            "{e}"
        );
        assert!(e.contains("categorical"), "{e}");
    }

    #[test]
    fn fill_is_the_mean_median_or_most_frequent_category_of_the_training_rows() {
        let t = table("x,c\n1,a\nNA,b\n4,b\n10,\n100,a\n");
        let rows = [0, 1, 2, 3]; // row 4 (x = 100, c = a) is not a training row
        let mut e = Encoding::fit(&t, &[0, 1], &[], Missing::Mean).unwrap();
        let mut x = e.encode(&t, &[0, 1], true, "").unwrap();
        e.fit_fill(&x, &rows, "t.csv").unwrap();
        // mean of 1, 4, 10 = 5; c: a once, b twice → b.
        assert_eq!(e.fill.as_deref(), Some(&[5.0, 0.0, 1.0][..]));
        e.fill_in(&mut x);
        assert_eq!(&x[3..6], [5.0, 0.0, 1.0]);
        assert_eq!(&x[9..12], [10.0, 0.0, 1.0]);
        let mut e = Encoding::fit(&t, &[0, 1], &[], Missing::Median).unwrap();
        e.fit_fill(&x, &rows, "t.csv").unwrap();
        // After filling, x over the training rows is 1, 5, 4, 10: median (4 + 5) / 2.
        assert_eq!(e.fill.as_deref(), Some(&[4.5, 0.0, 1.0][..]));
    }

    #[test]
    fn an_unseen_category_names_line_and_column() {
        let t = table("c\nred\ngreen\n");
        let e = Encoding::fit(&t, &[0], &[], Missing::Error).unwrap();
        let new = table("c\ngreen\npurple\n");
        let m = e.encode(&new, &[0], false, "").unwrap_err().to_string();
        assert!(
            m.contains("line 3, column 1 (`c`): category `purple` was not in the training data; expected one of `green`, `red`"),
            "{m}"
        );
    }
}
