//! Ctrl-C (SIGINT) during training: the run finishes the step in progress, writes a checkpoint,
//! says where it stopped and exits with status 130; resuming from the checkpoint ends with the
//! very model an uninterrupted run gives, bit for bit.

use backprop::{model_file, AnyModel, ModelFile};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Digits (8×8 images, 10 classes) in batches of 4: a few hundred steps per epoch, so that a
/// Ctrl-C lands inside an epoch far more often than between two.
const SPEC: &str = r#"inputs = 64
loss = "cross_entropy"
[optimizer]
kind = "adam"
learning_rate = 0.001
[[layers]]
units = 32
activation = "relu"
[[layers]]
units = 10
activation = "softmax"
[training]
batch_size = 4
epochs = 150
seed = 5
[data]
path = "builtin:digits"
target = "label"
"#;

fn backprop(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_backprop"));
    c.args(args)
        .arg("--quiet")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn load(path: &Path) -> ModelFile<f64> {
    match model_file::load(path).unwrap_or_else(|e| panic!("{e}")) {
        AnyModel::F64(m) => m,
        AnyModel::F32(_) => panic!("an f64 model"),
    }
}

#[test]
fn ctrl_c_saves_where_it_stopped_and_resuming_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.toml"), SPEC).unwrap();
    let start = Instant::now();
    let reference = backprop(
        dir.path(),
        &["train", "spec.toml", "--save", "ref.safetensors"],
    )
    .output()
    .unwrap();
    let run_time = start.elapsed();
    assert!(reference.status.success(), "{reference:?}");
    let expected = load(&dir.path().join("ref.safetensors"));

    let mut inside_an_epoch = 0;
    // Two Ctrl-Cs (SIGINT) and one SIGTERM (what `kill` and service managers send): the same stop.
    for (round, (share, signal)) in [(0.2, "INT"), (0.45, "INT"), (0.7, "TERM")]
        .into_iter()
        .enumerate()
    {
        let name = format!("run{round}.safetensors");
        let child = backprop(dir.path(), &["train", "spec.toml", "--save", &name])
            .spawn()
            .unwrap();
        std::thread::sleep(run_time.mul_f64(share));
        let sent = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {}", child.id())])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(130),
            "round {round}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find(|l| l.starts_with("interrupted"))
            .unwrap_or_else(|| panic!("round {round}: no `interrupted` line in {stdout}"));
        assert!(line.contains(&format!("saved {name}")), "{line}");
        println!(
            "round {round}, Ctrl-C after {:.0} % of a run: {line}",
            share * 100.0
        );
        if line.contains(" samples)") {
            inside_an_epoch += 1;
        }
        let saved = load(&dir.path().join(&name));
        assert_ne!(
            saved.network, expected.network,
            "round {round}: not stopped early"
        );

        let resumed = backprop(
            dir.path(),
            &["train", "spec.toml", "--resume", &name, "--save", &name],
        )
        .output()
        .unwrap();
        assert!(resumed.status.success(), "round {round}: {resumed:?}");
        let finished = load(&dir.path().join(&name));
        assert_eq!(finished.network, expected.network, "round {round}: {line}");
        assert_eq!(
            finished.optimizer, expected.optimizer,
            "round {round}: {line}"
        );
    }
    // The Ctrl-Cs must (mostly) have come inside an epoch, where the step matters.
    assert!(
        inside_an_epoch >= 2,
        "{inside_an_epoch} of 3 inside an epoch"
    );
}
