//! The rows a written-out step works on ([`StepRows`]): the first batch of the prepared
//! training data, as the first step of an unshuffled epoch would see it.
//!
//! The training part of a split keeps the file's order ([`crate::data::split::split`] sorts
//! each part), so the first batch is the first `batch_size` training rows: the lowest-numbered
//! rows of the file that the seeded split left for training, standardised with the statistics
//! of the whole training part. Inline `[data]` rows are not split nor standardised: the first
//! batch is the first `batch_size` rows as written.

use crate::data::prepare::Prepared;
use crate::error::{Error, Result};

/// Some training rows, ready for a written-out step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRows {
    /// `[len × inputs]` and `[len × outputs]`, as the network sees them.
    pub inputs: Vec<f64>,
    pub targets: Vec<f64>,
    pub len: usize,
    /// Each row's place in the training set, numbered from 1 (the step's sample numbers).
    pub samples: Vec<usize>,
    /// Each row's place, numbered from 1: among the file's data rows (after any header), or
    /// among the inline rows.
    pub rows: Vec<usize>,
    /// The batch size asked for, when the batch was cut to a limit.
    pub cut_from: Option<usize>,
    /// Where the rows come from: `None` for inline `[data]`, else the `path` as written.
    pub source: Option<String>,
    /// Whether the features (and a regression's targets) were standardised.
    pub standardised: bool,
}

/// Which training rows to work on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The first batch of `batch_size` rows, cut to `limit`.
    FirstBatch { batch_size: usize, limit: usize },
    /// Training row `n` alone (numbered from 1).
    Sample(usize),
}

impl StepRows {
    /// The rows `pick` names from `prepared`'s training set. `source` is `[data] path` (`None`
    /// for inline rows); `standardised` is whether `prepare` scaled them.
    pub fn pick(
        prepared: &Prepared<f64>,
        pick: Pick,
        source: Option<&str>,
        standardised: bool,
    ) -> Result<StepRows> {
        let train = &prepared.train;
        let n = train.len();
        let (picked, cut_from): (Vec<usize>, Option<usize>) = match pick {
            Pick::Sample(s) if s == 0 || s > n => {
                return Err(Error::Config(format!(
                    "--sample {s}: the training data have samples 1 to {n}"
                )))
            }
            Pick::Sample(s) => (vec![s - 1], None),
            Pick::FirstBatch { batch_size, limit } => {
                let batch = batch_size.min(n);
                let take = batch.min(limit);
                ((0..take).collect(), (take < batch).then_some(batch))
            }
        };
        let mut inputs = Vec::with_capacity(picked.len() * train.inputs);
        let mut targets = Vec::with_capacity(picked.len() * train.outputs);
        for &i in &picked {
            let (x, t) = train.sample(i);
            inputs.extend_from_slice(x);
            targets.extend_from_slice(t);
        }
        let rows = picked
            .iter()
            .map(|&i| prepared.train_rows.get(i).map_or(i, |&r| r) + 1)
            .collect();
        Ok(StepRows {
            inputs,
            targets,
            len: picked.len(),
            samples: picked.iter().map(|&i| i + 1).collect(),
            rows,
            cut_from,
            source: source.map(str::to_string),
            standardised: standardised && source.is_some(),
        })
    }

    /// One line saying which rows these are, e.g. `data: the first 16 training rows of
    /// builtin:iris after the split (rows 1–3, 5 of the file), standardised`, or for one
    /// sample `data: training row 3 of builtin:iris after the split (row 4 of the file)`.
    pub fn describe(&self) -> String {
        let (first, count) = match self.samples[..] {
            [s] if s > 1 => (String::new(), format!("training row {s}")),
            [_] => ("the first ".into(), "training row".into()),
            _ => ("the first ".into(), format!("{} training rows", self.len)),
        };
        let rows = if self.len == 1 { "row" } else { "rows" };
        let mut line = match &self.source {
            Some(path) => format!(
                "data: {first}{count} of {path} after the split ({rows} {} of the file){}",
                ranges(&self.rows),
                if self.standardised {
                    ", standardised"
                } else {
                    ""
                }
            ),
            None => format!(
                "data: {first}{count} of the inline [data] ({rows} {})",
                ranges(&self.rows)
            ),
        };
        if let Some(batch) = self.cut_from {
            line.push_str(&format!(
                "; the batch has {batch} rows, cut to {} for a readable step",
                self.len
            ));
        }
        line
    }
}

/// `1, 2, 3, 5, 7, 8` as `1–3, 5, 7–8`.
fn ranges(rows: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1] == rows[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}–{}", rows[i], rows[j])
        } else {
            rows[i].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn runs_of_rows_are_written_as_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1–3, 5, 7–8");
        assert_eq!(ranges(&[4]), "4");
    }
}
