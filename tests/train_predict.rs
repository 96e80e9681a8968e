//! `predict` and `evaluate` apply what the model file stores: the standardisation of the
//! features (and of a regression's targets), the class names.

use backprop::data::{DataInfo, Standardizer, Task};
use backprop::network::{BiasKind, LayerShape};
use backprop::{model_file, Activation, Loss, ModelFile, Network};
use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// y = 2·x' + 1 on the standardised feature x' = (x − 10) / 4, and the output is a
/// standardised target: y_units = 10·y + 100.
fn linear_model(dir: &Path) -> String {
    let shape = LayerShape {
        units: 1,
        activation: Activation::Linear,
        bias: BiasKind::PerUnit,
    };
    let mut net = Network::<f64>::new(1, &[shape], Loss::Mse).unwrap();
    net.params = vec![2.0, 1.0];
    let mut model = ModelFile::new(net);
    DataInfo {
        task: Task::Regression {
            targets: vec!["y".into()],
        },
        feature_names: vec!["x".into()],
        target_names: vec!["y".into()],
        features: Some(Standardizer {
            mean: vec![10.0],
            std: vec![4.0],
        }),
        targets: Some(Standardizer {
            mean: vec![100.0],
            std: vec![10.0],
        }),
    }
    .store(&mut model);
    let path = dir.join("linear.safetensors");
    model_file::save(&path, &model).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn predict_applies_the_stored_standardisation() {
    let dir = tempfile::tempdir().unwrap();
    let model = linear_model(dir.path());
    // x = 18: x' = (18 − 10)/4 = 2, y = 2·2 + 1 = 5, in units 10·5 + 100 = 150.
    let out = run(&["predict", &model, "--input", "18"]);
    assert_eq!(out.trim().parse::<f64>().unwrap(), 150.0);
    // From a CSV, the feature found by name (after another column): x = 10 → x' = 0, y = 1 → 110;
    // x = 2 → x' = −2, y = −3 → 70.
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "y,x\n0,10\n0,2\n").unwrap();
    let out_csv = dir.path().join("out.csv");
    run(&[
        "predict",
        &model,
        "--data",
        csv.to_str().unwrap(),
        "-o",
        out_csv.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&out_csv).unwrap(), "y\n110\n70\n");
    // evaluate: targets 100 and 80 against predictions 110 and 70: RMSE = √((10² + 10²)/2) = 10.
    std::fs::write(&csv, "x,y\n10,100\n2,80\n").unwrap();
    let out = run(&["evaluate", &model, "--data", csv.to_str().unwrap()]);
    assert!(out.contains("RMSE 10.0000"), "{out}");
}

#[test]
fn a_trained_classifier_predicts_class_names_from_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("iris.safetensors");
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/03-iris.toml");
    run(&["train", spec, "--quiet", "--save", model.to_str().unwrap()]);
    let m = model.to_str().unwrap();
    let out = run(&["predict", m, "--data", "builtin:iris"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "class,p_setosa,p_versicolor,p_virginica");
    assert_eq!(lines.len(), 151);
    // The file's labels are 0, 1, 2 in blocks of 50: most predictions must match them.
    let names = ["setosa", "versicolor", "virginica"];
    let right = lines[1..]
        .iter()
        .enumerate()
        .filter(|(k, l)| l.starts_with(&format!("{},", names[k / 50])))
        .count();
    assert!(right >= 140, "{right} of 150 right");
    for l in &lines[1..] {
        let p: f64 = l
            .split(',')
            .skip(1)
            .map(|v| v.parse::<f64>().unwrap())
            .sum();
        assert!((p - 1.0).abs() < 1e-9, "probabilities sum to 1: {l}");
    }
    let out = run(&["predict", m, "--input", "5.1,3.5,1.4,0.2"]);
    assert!(
        out.starts_with("setosa (probabilities: setosa 0.9"),
        "{out}"
    );
    let out = run(&["evaluate", m, "--data", "builtin:iris"]);
    assert!(
        out.contains("accuracy 0.9") && out.contains("versicolor"),
        "{out}"
    );
}
