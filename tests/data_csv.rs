//! CSV tables: parsing edge cases, errors that name line and column, target encoding, and the
//! split and standardisation of `[data]`.

use backprop::data::{self, split, CsvTable, Standardizer, Task};
use backprop::{Loss, Spec};
use std::path::Path;

fn parse(text: &str) -> backprop::Result<CsvTable> {
    CsvTable::parse(text, "t.csv")
}

fn error(text: &str) -> String {
    parse(text)
        .and_then(|t| t.numbers(&(0..t.header.len()).collect::<Vec<_>>()))
        .expect_err("bad CSV")
        .to_string()
}

#[test]
fn quoted_fields_keep_their_commas_and_quotes() {
    let t = parse("\"size, cm\",\"say \"\"hi\"\"\"\n\"1.5\",\"a, b\"\n2.5,c\n").unwrap();
    assert_eq!(t.header, ["size, cm", "say \"hi\""]);
    assert_eq!(t.rows[0].1, ["1.5", "a, b"]);
    assert_eq!(t.numbers(&[0]).unwrap(), [1.5, 2.5]);
}

#[test]
fn crlf_line_ends_are_read_like_lf() {
    let crlf = parse("a,b\r\n1,2\r\n3,4\r\n").unwrap();
    let lf = parse("a,b\n1,2\n3,4\n").unwrap();
    assert_eq!(crlf.header, lf.header);
    assert_eq!(crlf.numbers(&[0, 1]).unwrap(), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(crlf.numbers(&[0, 1]).unwrap(), lf.numbers(&[0, 1]).unwrap());
}

#[test]
fn empty_lines_are_skipped_and_lines_still_counted() {
    let t = parse("a,b\n1,2\n\n3,4\n\n").unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.numbers(&[0, 1]).unwrap(), [1.0, 2.0, 3.0, 4.0]);
    // The second row is on line 4 of the file (line 3 is empty).
    assert_eq!(t.rows[1].0, 4);
    let e = error("a,b\n1,2\n\n3,x\n");
    assert!(e.contains("line 4, column 2 (`b`)"), "{e}");
}

#[test]
fn a_missing_value_names_file_line_and_column() {
    let e = error("a,b,c\n1,2,3\n4,,6\n");
    assert!(
        e.starts_with("t.csv: line 3, column 2 (`b`): missing value"),
        "{e}"
    );
}

#[test]
fn a_text_value_in_a_numeric_column_is_an_error() {
    let e = error("a,b\n1,2\n3,abc\n");
    assert!(
        e.contains("line 3, column 2 (`b`): `abc` is not a number"),
        "{e}"
    );
    let e = error("a,b\n1,inf\n");
    assert!(e.contains("`inf` is not a finite number"), "{e}");
}

#[test]
fn a_header_only_file_is_an_error() {
    let e = parse("a,b\n").unwrap_err().to_string();
    assert!(e.contains("only a header row"), "{e}");
    let e = parse("").unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn a_wrong_column_count_names_the_line() {
    let e = parse("a,b\n1,2\n1,2,3\n").unwrap_err().to_string();
    assert!(e.contains("line 3: 3 fields, expected 2"), "{e}");
    let e = parse("a,b\n1\n").unwrap_err().to_string();
    assert!(e.contains("line 2: 1 fields, expected 2"), "{e}");
}

fn labels(values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .enumerate()
        .map(|(k, v)| (format!("row {k}"), v.to_string()))
        .collect()
}

#[test]
fn integer_classes_sort_numerically_and_text_classes_alphabetically() {
    let (t, classes) = data::encode_classes(&labels(&["10", "2", "10"]), None, 2, "f").unwrap();
    assert_eq!(classes, ["2", "10"]);
    assert_eq!(t, [0.0, 1.0, 1.0, 0.0, 0.0, 1.0]);
    let (t, classes) =
        data::encode_classes(&labels(&["pear", "apple", "fig"]), None, 3, "f").unwrap();
    assert_eq!(classes, ["apple", "fig", "pear"]);
    assert_eq!(t, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    // Two classes and one output: the class index.
    let (t, _) = data::encode_classes(&labels(&["yes", "no", "yes"]), None, 1, "f").unwrap();
    assert_eq!(t, [1.0, 0.0, 1.0]);
}

#[test]
fn fixed_class_names_take_names_or_indices() {
    let names = ["setosa".to_string(), "virginica".to_string()];
    let (t, classes) =
        data::encode_classes(&labels(&["virginica", "0", "1"]), Some(&names), 2, "f").unwrap();
    assert_eq!(classes, names);
    assert_eq!(t, [0.0, 1.0, 1.0, 0.0, 0.0, 1.0]);
    let e = data::encode_classes(&labels(&["rose"]), Some(&names), 2, "f").unwrap_err();
    assert!(
        e.to_string()
            .contains("row 0: class `rose` is not one of the classes"),
        "{e}"
    );
    let e = data::encode_classes(&labels(&["a", "b", "c"]), None, 2, "f").unwrap_err();
    assert!(e.to_string().contains("3 classes"), "{e}");
}

const SPEC: &str = r#"
inputs = 2
loss = "cross_entropy"
[optimizer]
learning_rate = 0.1
[[layers]]
units = 2
activation = "softmax"
[training]
seed = 5
[data]
path = "t.csv"
validation = 0.2
test = 0.2
"#;

#[test]
fn standardisation_is_fitted_on_the_training_rows_only() {
    let dir = tempfile::tempdir().unwrap();
    // 10 rows: x1 = row number, x2 = 100 + 3·row, label alternating.
    let mut csv = String::from("x1,x2,label\n");
    for r in 0..10 {
        csv += &format!("{r},{},{}\n", 100 + 3 * r, r % 2);
    }
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let spec = Spec::parse(SPEC, "spec.toml").unwrap();
    let prepared = spec.prepare::<f64>(dir.path()).unwrap();
    let parts = split::split(10, 0.2, 0.2, 5);
    assert_eq!(prepared.train.len(), 6);
    assert_eq!(prepared.validation.as_ref().unwrap().len(), 2);
    assert_eq!(prepared.test.as_ref().unwrap().len(), 2);
    // By hand: the mean and population σ of the training rows' x1.
    let x1: Vec<f64> = parts.train.iter().map(|&r| r as f64).collect();
    let mean = x1.iter().sum::<f64>() / 6.0;
    let std = (x1.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 6.0).sqrt();
    let s: &Standardizer = prepared.info.features.as_ref().unwrap();
    assert!((s.mean[0] - mean).abs() < 1e-12);
    assert!((s.std[0] - std).abs() < 1e-12);
    // x2 = 100 + 3·x1: mean 100 + 3·mean, σ = 3σ.
    assert!((s.mean[1] - (100.0 + 3.0 * mean)).abs() < 1e-12);
    assert!((s.std[1] - 3.0 * std).abs() < 1e-12);
    // The test rows are scaled with the training rows' statistics.
    let r = parts.test[0];
    let test = prepared.test.as_ref().unwrap();
    assert!((test.x[0] - (r as f64 - mean) / std).abs() < 1e-12);
    assert_eq!(
        test.t[..2],
        if r.is_multiple_of(2) {
            [1.0, 0.0]
        } else {
            [0.0, 1.0]
        }
    );
    assert_eq!(
        prepared.info.task,
        Task::Classification {
            classes: vec!["0".into(), "1".into()]
        }
    );
}

#[test]
fn the_same_seed_gives_the_same_split_and_another_seed_another() {
    assert_eq!(
        split::split(150, 0.1, 0.2, 3),
        split::split(150, 0.1, 0.2, 3)
    );
    assert_ne!(
        split::split(150, 0.1, 0.2, 3),
        split::split(150, 0.1, 0.2, 4)
    );
}

#[test]
fn builtin_sets_have_their_documented_shapes() {
    // Rows and classes from data/README.md.
    for (name, rows, classes) in [
        ("iris", 150, 3),
        ("wine", 178, 3),
        ("breast_cancer", 569, 2),
        ("digits", 1797, 10),
        ("xor", 4, 2),
    ] {
        let data = backprop::spec::DataSpec {
            path: Some(format!("builtin:{name}")),
            ..Default::default()
        };
        let t = data::load_table(
            &data,
            Path::new(""),
            Loss::CrossEntropy,
            classes,
            false,
            None,
        )
        .unwrap();
        assert_eq!(t.rows(), rows, "{name}");
        assert_eq!(t.task.classes().unwrap().len(), classes, "{name}");
    }
    let data = backprop::spec::DataSpec {
        path: Some("builtin:diabetes".into()),
        ..Default::default()
    };
    let t = data::load_table(&data, Path::new(""), Loss::Mse, 1, false, None).unwrap();
    assert_eq!((t.rows(), t.feature_names.len()), (442, 10));
    let e = data::read_csv("builtin:nope", Path::new("")).unwrap_err();
    assert!(e.to_string().contains("no built-in data set `nope`"), "{e}");
}
