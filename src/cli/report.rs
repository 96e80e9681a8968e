//! Tables the `train` and `evaluate` commands print.

use super::say::say;
use backprop::metrics::Confusion;

/// The per-class precision / recall table of a classifier.
pub fn per_class_table(classes: &[String], c: &Confusion) {
    let width = classes
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    say!(
        "  {:<width$}  {:>9}  {:>9}  {:>7}",
        "class",
        "precision",
        "recall",
        "samples"
    );
    let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    for (k, name) in classes.iter().enumerate() {
        say!(
            "  {:<width$}  {:>9}  {:>9}  {:>7}",
            name,
            show(c.precision(k)),
            show(c.recall(k)),
            c.support(k)
        );
    }
}
