//! The shipped examples reach their figures from their fixed seeds (MNIST, which takes a
//! while, is run by hand; see README).

use std::process::Command;

/// Trains an example and returns the last line of its log: the test metrics.
fn test_metrics(example: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let spec = format!("{}/examples/{example}.toml", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(["train", &spec, "--quiet", "--log", log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (k, l) in lines[..lines.len() - 1].iter().enumerate() {
        assert_eq!(l["epoch"], k + 1);
        assert!(l["train_loss"].as_f64().unwrap().is_finite());
        assert!(l["seconds"].as_f64().unwrap() >= 0.0);
    }
    lines.last().unwrap().clone()
}

fn accuracy(example: &str) -> f64 {
    test_metrics(example)["test_accuracy"].as_f64().unwrap()
}

#[test]
fn iris_reaches_095() {
    let a = accuracy("03-iris");
    assert!(a >= 0.95, "{a}");
}

#[test]
fn wine_reaches_095() {
    let a = accuracy("04-wine");
    assert!(a >= 0.95, "{a}");
}

#[test]
fn breast_cancer_reaches_095() {
    let a = accuracy("05-breast-cancer");
    assert!(a >= 0.95, "{a}");
}

#[test]
fn digits_reaches_096() {
    let a = accuracy("06-digits");
    assert!(a >= 0.96, "{a}");
}

#[test]
fn diabetes_beats_predicting_the_mean() {
    // The targets' standard deviation is about 77 (data/README.md: 25..346); a model that
    // learned anything has a smaller RMSE.
    let m = test_metrics("07-diabetes");
    let rmse = m["test_rmse"].as_f64().unwrap();
    assert!(rmse < 65.0, "{rmse}");
}

#[test]
fn xor_and_the_worked_example_train() {
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args([
            "train",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/02-xor.toml"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("training set (4 samples): loss") && text.contains("accuracy 1.0000"),
        "{text}"
    );
}
