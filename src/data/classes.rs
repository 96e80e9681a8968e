//! Class labels → target rows: one-hot rows, one column per class, or (for two classes and one
//! sigmoid output) the class index 0 or 1.

use crate::data::checks;
use crate::data::csv;
use crate::error::{Error, Result};

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

/// IDX labels as [`encode_classes`] takes them: ("label k", the digit), k from 1.
pub(crate) fn idx_label_places(labels: &[u8]) -> Vec<(String, String)> {
    labels
        .iter()
        .enumerate()
        .map(|(k, l)| (format!("label {}", k + 1), l.to_string()))
        .collect()
}
