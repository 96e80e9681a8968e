//! `explain`, `gradcheck` and `check --spec` on a spec whose `[data]` is a file: the step is
//! worked on the first batch of the prepared training rows, and the output says which.

use backprop::{Spec, Workspace};
use std::path::Path;
use std::process::Command;

fn backprop(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn explain_iris_works_the_first_training_batch_and_names_its_rows() {
    let out = backprop(&["explain", "examples/03-iris.toml", "--digits", "12"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();

    // The same rows, taken here: the spec's seeded split of iris's 150 rows (70/10/20), whose
    // training part keeps file order; the first batch is its first 16 rows.
    let spec = Spec::from_file(Path::new("examples/03-iris.toml")).unwrap();
    let split = backprop::data::split::split(150, 0.1, 0.2, spec.training.seed);
    let first: Vec<usize> = split.train[..16].iter().map(|r| r + 1).collect();
    let data_line = text.lines().next().unwrap();
    assert!(
        data_line
            .starts_with("data: the first 16 training rows of builtin:iris after the split (rows "),
        "{data_line}"
    );
    assert!(
        data_line.ends_with("of the file), standardised"),
        "{data_line}"
    );
    // Every named row is listed (ranges expanded) and no other.
    let list =
        &data_line[data_line.find("(rows ").unwrap() + 6..data_line.find(" of the file").unwrap()];
    let mut named = Vec::new();
    for part in list.split(", ") {
        match part.split_once('–') {
            Some((a, b)) => named.extend(a.parse::<usize>().unwrap()..=b.parse().unwrap()),
            None => named.push(part.parse().unwrap()),
        }
    }
    assert_eq!(named, first);

    // E_total, computed here from the same standardised rows and the initial network.
    let prepared = spec.prepare::<f64>(Path::new("examples")).unwrap();
    let net = spec.network::<f64>().unwrap();
    let x: Vec<f64> = (0..16)
        .flat_map(|i| prepared.train.sample(i).0.to_vec())
        .collect();
    let t: Vec<f64> = (0..16)
        .flat_map(|i| prepared.train.sample(i).1.to_vec())
        .collect();
    let mut ws = Workspace::new(&net, 16);
    let expected = net.loss_only(&x, &t, 16, &mut ws);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("E_total = "))
        .expect("an E_total line");
    let shown: f64 = line
        .rsplit("= ")
        .next()
        .unwrap()
        .trim()
        .replace('−', "-")
        .parse()
        .unwrap();
    assert!(
        (shown - expected).abs() < 1e-9,
        "E_total {shown}, loss computed here {expected}"
    );
    // Cross-entropy of 3 classes at an untrained network: near ln 3, and certainly positive.
    assert!(expected > 0.5 && expected < 3.0, "{expected}");
}

#[test]
fn gradcheck_passes_on_xor_and_iris() {
    for spec in ["examples/02-xor.toml", "examples/03-iris.toml"] {
        let out = backprop(&["gradcheck", spec]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{spec}: {text}");
        assert!(text.trim_end().ends_with(": ok"), "{spec}: {text}");
        assert!(text.lines().count() <= 45, "{spec}: output is bounded");
    }
    let iris = String::from_utf8(backprop(&["gradcheck", "examples/03-iris.toml"]).stdout).unwrap();
    assert!(
        iris.starts_with("data: the first 16 training rows of builtin:iris"),
        "{iris}"
    );
    assert!(iris.contains("batch of 16"), "{iris}");
}

#[test]
fn check_with_an_iris_spec_reads_its_data() {
    let dir = std::env::temp_dir().join(format!("explain_file_data_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "s1.z_h1 = 0.1\n").unwrap();
    let out = backprop(&[
        "check",
        notes.to_str().unwrap(),
        "--spec",
        "examples/03-iris.toml",
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("needs inline [data]"), "{all}");
    assert!(!all.contains("needs [data]"), "{all}");
    assert!(all.contains("z_h1"), "{all}");
    std::fs::remove_dir_all(&dir).ok();
}
