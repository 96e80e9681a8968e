//! `predict` and `evaluate` apply what the model file stores: the standardisation of the
//! features (and of a regression's targets), the class names.

use backprop::data::{DataInfo, Encoding, Standardizer, Task};
use backprop::{model_file, Activation, Loss, ModelFile, Network};
use backprop::{BiasKind, LayerShape};
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
    model.store_data_info(&DataInfo {
        task: Task::Regression {
            targets: vec!["y".into()],
        },
        feature_names: vec!["x".into()],
        encoding: Encoding::numbers(&["x".into()]),
        target_names: vec!["y".into()],
        features: Some(Standardizer {
            mean: vec![10.0],
            std: vec![4.0],
        }),
        targets: Some(Standardizer {
            mean: vec![100.0],
            std: vec![10.0],
        }),
    });
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
    assert_eq!(
        std::fs::read_to_string(&out_csv).unwrap(),
        "predicted_y\n110\n70\n"
    );
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

/// A 4-input, 3-class softmax model whose class u's logit is pixel u (scaled to [0, 1]): W rows
/// [1,0,0,0], [0,1,0,0], [0,0,1,0], no bias; and three 2×2 IDX images with labels 0, 1, 2.
fn idx_case(dir: &Path) -> (String, String, String) {
    let shape = LayerShape {
        units: 3,
        activation: Activation::Softmax,
        bias: BiasKind::PerUnit,
    };
    let mut net = Network::<f64>::new(4, &[shape], Loss::CrossEntropy).unwrap();
    net.params = vec![
        1.0, 0.0, 0.0, 0.0, //
        0.0, 1.0, 0.0, 0.0, //
        0.0, 0.0, 1.0, 0.0, //
        0.0, 0.0, 0.0,
    ];
    let mut model = ModelFile::new(net);
    let pixels: Vec<String> = (0..4)
        .map(|k| format!("pixel_{}_{}", k / 2, k % 2))
        .collect();
    model.store_data_info(&DataInfo {
        task: Task::Classification {
            classes: vec!["0".into(), "1".into(), "2".into()],
        },
        feature_names: pixels.clone(),
        encoding: Encoding::numbers(&pixels),
        target_names: vec!["label".into()],
        features: None,
        targets: None,
    });
    let model_path = dir.join("idx.safetensors");
    model_file::save(&model_path, &model).unwrap();
    // IDX: magic 0x00000803, count, rows, columns, then the pixels; labels: 0x00000801, count.
    let mut images = vec![0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2];
    images.extend([255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 255]);
    let labels = vec![0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2];
    let (images_path, labels_path) = (dir.join("images.idx"), dir.join("labels.idx"));
    std::fs::write(&images_path, images).unwrap();
    std::fs::write(&labels_path, labels).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    (s(&model_path), s(&images_path), s(&labels_path))
}

#[test]
fn predict_and_evaluate_read_idx_images() {
    let dir = tempfile::tempdir().unwrap();
    let (model, images, labels) = idx_case(dir.path());
    // Logits: image 1 → (1, 0, 0), image 2 → (0, 1, 0), image 3 (only pixel 4 lit) → (0, 0, 0).
    let e = std::f64::consts::E;
    let (high, low) = (e / (e + 2.0), 1.0 / (e + 2.0));
    let want = [
        [high, low, low],
        [low, high, low],
        [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
    ];
    let out = run(&["predict", &model, "--data", &images]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], "class,p_0,p_1,p_2");
    assert_eq!(rows.len(), 4, "{out}");
    for (row, (want_class, p)) in
        rows[1..]
            .iter()
            .zip([("0", want[0]), ("1", want[1]), ("0", want[2])])
    {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields[0], want_class, "{row}");
        for (got, want) in fields[1..].iter().zip(p) {
            assert!((got.parse::<f64>().unwrap() - want).abs() < 1e-12, "{row}");
        }
    }
    // Cross-entropy of the labels 0, 1, 2: −ln(high) twice and −ln(1/3); classes right: 2 of 3.
    let loss = (-2.0 * high.ln() + 3f64.ln()) / 3.0;
    let out = run(&["evaluate", &model, "--data", &images, "--labels", &labels]);
    let first = out.lines().next().unwrap();
    let got_loss: f64 = first
        .split("loss ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((got_loss - loss).abs() < 1e-5 * loss, "{first} vs {loss}");
    assert!(
        first.contains("(3 samples)") && first.contains("accuracy 0.6667"),
        "{first}"
    );
}
