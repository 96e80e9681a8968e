//! `mpirun -np N backprop train` (built with `--features mpi`; needs OpenMPI's `mpirun`):
//! the model files of 1, 2 and 3 ranks equal the one-process run's byte for byte, and so do
//! the validation and test figures of the log, for a CSV classifier and an MNIST-shaped run
//! (partial batches, shuffling, Adam, a schedule, dropout, validation); `--resume` on another
//! number of ranks continues exactly; a stop (SIGTERM) on one rank stops every rank after the
//! same step with one checkpoint; a rank that read other data ends the run with a message from
//! rank 0; a rank killed outright ends the run within seconds. With `--all-reduce` (every rank
//! computes a slice of every batch): 2 and 3 ranks end within 1e-12 (f64, Adam) or 1e-6 (f32,
//! SGD) of the one-process run's parameters and figures, and SIGTERM on one rank stops every
//! rank with one checkpoint, which resumes.
#![cfg(feature = "mpi")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_backprop");

/// The longest any run here may take before it counts as a hang.
const LIMIT: Duration = Duration::from_secs(120);

/// `mpirun` on this machine for `ranks` ranks of `backprop train ARGS`.
fn mpirun(ranks: usize) -> Command {
    let mut c = Command::new("mpirun");
    c.args([
        "--allow-run-as-root",
        "--oversubscribe",
        "--bind-to",
        "none",
    ])
    .args(["--mca", "btl_vader_single_copy_mechanism", "none"])
    .args(["-x", "RAYON_NUM_THREADS=1"])
    .args(["-np", &ranks.to_string(), BIN, "train"]);
    c
}

/// Waits for `child` at most `limit`; a run still going then is killed and fails the test.
fn wait(mut child: Child, limit: Duration) -> (ExitStatus, String, String, Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            return (
                status,
                text(&out.stdout),
                text(&out.stderr),
                start.elapsed(),
            );
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}: a hang\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(mut c: Command) -> Output {
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun (OpenMPI) on the PATH");
    let (status, stdout, stderr, _) = wait(child, LIMIT);
    Output {
        status,
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
    }
}

fn ok(c: Command) -> String {
    let out = run(c);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "failed: {stdout}{stderr}");
    stdout.into_owned()
}

/// A spec file in `dir`, its data paths absolute.
fn spec(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

/// The breast-cancer CSV (569 rows, 30 features): 30-1024-2, batches of 128 (two shards;
/// 341 training rows, the last batch of each epoch 85).
fn csv_spec(dir: &Path) -> PathBuf {
    let text = format!(
        r#"
inputs = 30
loss = "cross_entropy"
[optimizer]
kind = "adam"
learning_rate = 0.002
[[layers]]
units = 1024
activation = "relu"
dropout = 0.1
[[layers]]
units = 2
activation = "softmax"
[training]
batch_size = 128
epochs = 4
warmup = 1
schedule = "cosine"
seed = 7
[data]
path = "{}"
target = "label"
validation = 0.2
test = 0.2
standardize = true
"#,
        repo("data/breast_cancer.csv")
    );
    spec(dir, "csv.toml", &text)
}

/// The first `n` images and labels of an MNIST IDX pair, gzipped into `dir`.
fn mnist_part(dir: &Path, images: &str, labels: &str, n: usize, name: &str) -> (String, String) {
    use std::io::Read;
    let read = |p: &str| {
        let mut v = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(repo(p)).unwrap())
            .read_to_end(&mut v)
            .unwrap();
        v
    };
    let write = |p: &Path, bytes: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(p).unwrap(),
            flate2::Compression::fast(),
        );
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap();
    };
    let (img, lab) = (read(images), read(labels));
    let count = (n as u32).to_be_bytes();
    let mut head = img[..16].to_vec();
    head[4..8].copy_from_slice(&count);
    head.extend_from_slice(&img[16..16 + n * 784]);
    let ip = dir.join(format!("{name}-images-idx3-ubyte.gz"));
    write(&ip, &head);
    let mut head = lab[..8].to_vec();
    head[4..8].copy_from_slice(&count);
    head.extend_from_slice(&lab[8..8 + n]);
    let lp = dir.join(format!("{name}-labels-idx1-ubyte.gz"));
    write(&lp, &head);
    (ip.display().to_string(), lp.display().to_string())
}

/// MNIST-shaped: 3,000 training images (2,700 after validation), 500 test images, 784-256-10
/// f32 with dropout, Adam, cosine after a warm-up epoch, batches of 128 (two shards; the last
/// of each epoch 12).
fn mnist_spec(dir: &Path) -> PathBuf {
    let (x, y) = mnist_part(
        dir,
        "data/mnist/train-images-idx3-ubyte.gz",
        "data/mnist/train-labels-idx1-ubyte.gz",
        3000,
        "train",
    );
    let (tx, ty) = mnist_part(
        dir,
        "data/mnist/t10k-images-idx3-ubyte.gz",
        "data/mnist/t10k-labels-idx1-ubyte.gz",
        500,
        "t10k",
    );
    let text = format!(
        r#"
inputs = 784
loss = "cross_entropy"
dtype = "f32"
[optimizer]
kind = "adam"
learning_rate = 0.001
[[layers]]
units = 256
activation = "relu"
dropout = 0.2
[[layers]]
units = 10
activation = "softmax"
[training]
batch_size = 128
epochs = 3
warmup = 1
schedule = "cosine"
seed = 2
[data]
path = "{x}"
labels = "{y}"
test_path = "{tx}"
test_labels = "{ty}"
validation = 0.1
"#
    );
    spec(dir, "mnist.toml", &text)
}

/// The log's lines without their times (which differ from run to run).
fn figures(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if let Some(o) = v.as_object_mut() {
                o.remove("samples_per_s");
                o.remove("seconds");
            }
            v
        })
        .collect()
}

/// One process, then 1, 2 and 3 ranks: the same model file, byte for byte, and the same log.
fn same_as_one_process(spec: &Path, dir: &Path) {
    let (model, log) = (dir.join("alone.safetensors"), dir.join("alone.jsonl"));
    let mut alone = Command::new(BIN);
    alone
        .arg("train")
        .arg(spec)
        .arg("--quiet")
        .arg("--save")
        .arg(&model);
    alone.arg("--log").arg(&log);
    ok(alone);
    let expected = std::fs::read(&model).unwrap();
    let expected_log = figures(&log);
    assert!(expected_log.last().unwrap()["test_loss"].is_number());
    for ranks in 1..=3 {
        let (m, l) = (
            dir.join(format!("ranks{ranks}.safetensors")),
            dir.join(format!("ranks{ranks}.jsonl")),
        );
        let mut c = mpirun(ranks);
        c.arg(spec)
            .arg("--quiet")
            .arg("--save")
            .arg(&m)
            .arg("--log")
            .arg(&l);
        let stdout = ok(c);
        assert_eq!(
            stdout.matches("trained ").count(),
            1,
            "rank 0 alone prints: {stdout}"
        );
        assert!(
            std::fs::read(&m).unwrap() == expected,
            "{ranks} ranks: the model file differs from the one-process run's"
        );
        assert_eq!(figures(&l), expected_log, "{ranks} ranks: the log");
    }
}

#[test]
fn a_csv_classifier_on_one_to_three_ranks_equals_the_one_process_run() {
    let dir = tempfile::tempdir().unwrap();
    same_as_one_process(&csv_spec(dir.path()), dir.path());
}

#[test]
fn an_mnist_shaped_run_on_one_to_three_ranks_equals_the_one_process_run() {
    let dir = tempfile::tempdir().unwrap();
    same_as_one_process(&mnist_spec(dir.path()), dir.path());
}

#[test]
fn resume_on_another_number_of_ranks_continues_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let spec = csv_spec(dir.path());
    let whole = dir.path().join("whole.safetensors");
    let mut alone = Command::new(BIN);
    alone
        .arg("train")
        .arg(&spec)
        .arg("--quiet")
        .arg("--save")
        .arg(&whole);
    ok(alone);
    // Two epochs on 2 ranks, the other two on 3.
    let part = dir.path().join("part.safetensors");
    let mut first = mpirun(2);
    first
        .arg(&spec)
        .args(["--quiet", "--stop-after", "2", "--save"])
        .arg(&part);
    ok(first);
    let mut rest = mpirun(3);
    rest.arg(&spec)
        .arg("--quiet")
        .arg("--resume")
        .arg(&part)
        .arg("--save")
        .arg(&part);
    ok(rest);
    assert!(std::fs::read(&part).unwrap() == std::fs::read(&whole).unwrap());
}

#[test]
fn a_rank_that_read_other_data_ends_the_run_with_a_message_from_rank_0() {
    let dir = tempfile::tempdir().unwrap();
    let spec = csv_spec(dir.path());
    let other = dir.path().join("other.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&other, text.replace("seed = 7", "seed = 8")).unwrap();
    // Rank 0 and rank 2 read csv.toml, rank 1 other.toml (MPMD: one program per colon).
    let mut c = mpirun(1);
    c.arg(&spec)
        .args([":", "-np", "1", BIN, "train"])
        .arg(&other)
        .args([":", "-np", "1", BIN, "train"])
        .arg(&spec);
    let out = run(c);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("error: rank 1 read another spec, flags, data or --resume model than rank 0"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error").count(), 1, "one message: {stderr}");
    // A rank that cannot read its spec at all: rank 0 says which and why.
    let mut c = mpirun(1);
    c.arg(&spec)
        .args([":", "-np", "1", BIN, "train"])
        .arg(dir.path().join("missing.toml"));
    let out = run(c);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error: rank 1 of 2: "), "{stderr}");
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

/// The pid of rank `rank` of the job `mpirun` started (found by its environment).
fn rank_pid(rank: usize, deadline: Instant) -> u32 {
    let wanted = format!("OMPI_COMM_WORLD_RANK={rank}");
    while Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let (Ok(cmd), Ok(env)) = (
                std::fs::read(format!("/proc/{pid}/cmdline")),
                std::fs::read(format!("/proc/{pid}/environ")),
            ) else {
                continue;
            };
            let is_rank = cmd.starts_with(BIN.as_bytes())
                && env.split(|&b| b == 0).any(|v| v == wanted.as_bytes());
            if is_rank {
                return pid;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("rank {rank} never started");
}

/// A long run on 2 ranks, checkpointed every epoch; returns it once rank 1 has finished its
/// first epoch (the checkpoint is there).
fn long_run(dir: &Path, model: &Path, extra: &[&str]) -> (Child, PathBuf) {
    let spec = mnist_spec(dir);
    let mut c = mpirun(2);
    c.arg(&spec)
        .args(extra)
        .args([
            "--quiet",
            "--epochs",
            "400",
            "--checkpoint-every",
            "1",
            "--save",
        ])
        .arg(model)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    let start = Instant::now();
    while !model.exists() {
        assert!(start.elapsed() < LIMIT, "no checkpoint");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, spec)
}

/// [`long_run`] with SIGTERM sent to rank 1: every rank stops within seconds (exit status
/// 130, "interrupted"), and the checkpoint says how far it got: (the spec, epochs done, steps
/// taken).
fn terminated_run(dir: &Path, model: &Path, extra: &[&str]) -> (PathBuf, usize, u64) {
    let (child, spec) = long_run(dir, model, extra);
    let pid = rank_pid(1, Instant::now() + LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    assert!(Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    let (status, stdout, stderr, took) = wait(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(130), "{stdout}{stderr}");
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
    assert!(stdout.contains("interrupted "), "{stdout}");
    let backprop::AnyModel::F32(m) = backprop::model_file::load(model).unwrap() else {
        panic!("an f32 model")
    };
    let (state, optimizer) = m.training().unwrap();
    (spec, state.epochs_done, optimizer.steps)
}

#[test]
fn a_rank_killed_mid_run_ends_the_run_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let (child, _) = long_run(dir.path(), &model, &[]);
    let pid = rank_pid(1, Instant::now() + LIMIT);
    assert!(Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    let (status, _, stderr, took) = wait(child, Duration::from_secs(20));
    assert!(!status.success(), "{stderr}");
    assert!(took < Duration::from_secs(10), "ended after {took:?}");
    assert!(
        stderr.contains("signal 9") || stderr.contains("Killed"),
        "{stderr}"
    );
    // The last checkpoint is whole.
    assert!(backprop::model_file::load(&model).is_ok());
}

#[test]
fn sigterm_on_one_rank_stops_every_rank_after_the_same_step_and_the_run_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let (spec, epochs, steps) = terminated_run(dir.path(), &model, &[]);
    // The one-process run to the end of the stopped epoch, against the stopped run resumed
    // on 3 ranks (both on the schedule of the 400 epochs).
    let end = (epochs + 1).to_string();
    let whole = dir.path().join("whole.safetensors");
    let mut alone = Command::new(BIN);
    alone
        .arg("train")
        .arg(&spec)
        .args(["--quiet", "--epochs", "400", "--stop-after", &end]);
    alone.arg("--save").arg(&whole);
    ok(alone);
    let mut rest = mpirun(3);
    rest.arg(&spec)
        .args([
            "--quiet",
            "--epochs",
            "400",
            "--stop-after",
            &end,
            "--resume",
        ])
        .arg(&model)
        .arg("--save")
        .arg(&model);
    ok(rest);
    assert!(steps > 0);
    assert!(
        std::fs::read(&model).unwrap() == std::fs::read(&whole).unwrap(),
        "stopped after step {steps} and resumed on 3 ranks: differs from the whole run"
    );
}

/// A model file's parameters, as f64.
fn params(path: &Path) -> Vec<f64> {
    match backprop::model_file::load(path).unwrap() {
        backprop::AnyModel::F32(m) => m.network.params.iter().map(|&v| f64::from(v)).collect(),
        backprop::AnyModel::F64(m) => m.network.params,
    }
}

/// The largest |a − b|, relative to the largest |b|.
fn relative_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let largest = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    worst / largest
}

/// One process, then 2 and 3 ranks with --all-reduce: parameters within `tolerance` of the
/// one-process run's (relative to the largest), and every figure of the log.
fn within_rounding_of_one_process(spec: &Path, dir: &Path, tolerance: f64) {
    let (model, log) = (dir.join("alone.safetensors"), dir.join("alone.jsonl"));
    let mut alone = Command::new(BIN);
    alone
        .arg("train")
        .arg(spec)
        .args(["--quiet", "--save"])
        .arg(&model);
    alone.arg("--log").arg(&log);
    ok(alone);
    let expected = params(&model);
    let expected_log = figures(&log);
    for ranks in 2..=3 {
        let (m, l) = (dir.join("reduced.safetensors"), dir.join("reduced.jsonl"));
        let mut c = mpirun(ranks);
        c.arg(spec)
            .args(["--quiet", "--all-reduce", "--save"])
            .arg(&m)
            .arg("--log")
            .arg(&l);
        ok(c);
        let d = relative_difference(&params(&m), &expected);
        assert!(
            d <= tolerance,
            "{ranks} ranks: {d:e} from the one-process run"
        );
        let got = figures(&l);
        assert_eq!(got.len(), expected_log.len());
        for (g, e) in got.iter().zip(&expected_log) {
            for (key, want) in e.as_object().unwrap() {
                let Some(want) = want.as_f64() else { continue };
                let have = g[key].as_f64().unwrap();
                assert!(
                    (have - want).abs() <= tolerance * want.abs().max(1.0),
                    "{ranks} ranks: {key} {have} against {want}"
                );
            }
        }
    }
}

#[test]
fn all_reduce_on_two_and_three_ranks_stays_within_rounding_of_the_one_process_run() {
    let dir = tempfile::tempdir().unwrap();
    // The CSV classifier in f64 with Adam; the MNIST-shaped run in f32 with SGD, 2 epochs.
    within_rounding_of_one_process(&csv_spec(dir.path()), dir.path(), 1e-12);
    let mnist = mnist_spec(dir.path());
    let text = std::fs::read_to_string(&mnist).unwrap();
    let text = text
        .replace("kind = \"adam\"", "kind = \"sgd\"")
        .replace("learning_rate = 0.001", "learning_rate = 0.05")
        .replace("epochs = 3", "epochs = 2");
    std::fs::write(&mnist, text).unwrap();
    within_rounding_of_one_process(&mnist, dir.path(), 1e-6);
}

#[test]
fn sigterm_on_one_rank_stops_every_rank_with_all_reduce_and_the_run_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let (spec, epochs, steps) = terminated_run(dir.path(), &model, &["--all-reduce"]);
    assert!(steps > 0);
    // Resumed on 3 ranks to the end of the stopped epoch: one epoch more, every step taken.
    let end = (epochs + 1).to_string();
    let mut rest = mpirun(3);
    rest.arg(&spec)
        .args([
            "--quiet",
            "--all-reduce",
            "--epochs",
            "400",
            "--stop-after",
            &end,
        ])
        .arg("--resume")
        .arg(&model)
        .arg("--save")
        .arg(&model);
    ok(rest);
    let backprop::AnyModel::F32(m) = backprop::model_file::load(&model).unwrap() else {
        panic!("an f32 model")
    };
    let (after, optimizer) = m.training().unwrap();
    assert_eq!(after.epochs_done, epochs + 1);
    assert_eq!(after.epoch_position, 0);
    // 2,700 training images in batches of 128: 22 steps an epoch.
    assert_eq!(optimizer.steps, 22 * (epochs as u64 + 1));
}
