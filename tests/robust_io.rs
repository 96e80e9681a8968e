//! The input and output policy (README, Robustness): outputs are written only as regular files
//! (a device node, a FIFO or a symbolic link to `/proc/self/fd/1` stays what it was); a run
//! piped into a reader that stops early still saves its model; every reader refuses `/dev/zero`
//! and a FIFO at once under a memory cap; a 250-byte output name is written; `predict` matches
//! columns by name and reads a headerless file by position; a header of 10⁵ columns is read in
//! linear time.

#![cfg(unix)]

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_backprop");

const SPEC: &str = "inputs = 2\nloss = \"cross_entropy\"\n[optimizer]\nlearning_rate = 0.1\n\
    [[layers]]\nunits = 3\nactivation = \"tanh\"\n[[layers]]\nunits = 2\nactivation = \"softmax\"\n\
    [training]\nepochs = 3\n[data]\npath = \"data.csv\"\n";

fn data_csv() -> String {
    let mut s = String::from("a,b,label\n");
    for k in 0..40 {
        s += &format!("{},{},{}\n", k % 9, (3 * k) % 7, ["x", "y"][k % 2]);
    }
    s
}

/// A folder with `spec.toml` and `data.csv`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.toml"), SPEC).unwrap();
    std::fs::write(dir.path().join("data.csv"), data_csv()).unwrap();
    dir
}

/// [`setup`]'s folder with the model `m.safetensors` trained from it.
fn trained() -> tempfile::TempDir {
    let dir = setup();
    let ok = sh(
        dir.path(),
        "$BP train spec.toml -q --save m.safetensors",
        Duration::from_secs(60),
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    dir
}

/// Runs `sh -c script` in `dir` with a time limit; the script may use `$BP` for the binary.
fn sh(dir: &Path, script: &str, limit: Duration) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("BP", BIN)
        .env_remove("BACKPROP_MEMORY_LIMIT")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{script}` still running after {limit:?} (blocked on a FIFO?)");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Files in `dir` whose names start with `.` (temporary files left behind).
fn hidden(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

#[test]
fn outputs_onto_a_device_a_fifo_or_a_link_to_stdout_leave_them_as_they_were() {
    let dir = trained();
    let d = dir.path();
    mkfifo(&d.join("fifo.svg"));
    std::os::unix::fs::symlink("/proc/self/fd/1", d.join("stdout.svg")).unwrap();
    let null_before = std::fs::metadata("/dev/null").unwrap();
    assert!(null_before.file_type().is_char_device());
    for target in ["/dev/null", "fifo.svg", "stdout.svg"] {
        for command in [
            format!("$BP train spec.toml -q --save {target}"),
            format!("$BP train spec.toml -q --log {target}"),
            format!("$BP train spec.toml -q --plot {target}"),
            format!("$BP predict m.safetensors --data data.csv -o {target}"),
            format!("$BP explain -o {target}"),
        ] {
            let out = sh(d, &command, Duration::from_secs(30));
            let message = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command}: {message}");
            assert!(
                message.contains("expected a regular file or a new name"),
                "{command}: {message}"
            );
            assert_eq!(message.lines().count(), 1, "{command}: {message}");
        }
    }
    let null_after = std::fs::metadata("/dev/null").unwrap();
    assert!(null_after.file_type().is_char_device());
    assert_eq!(
        std::os::unix::fs::MetadataExt::rdev(&null_after),
        std::os::unix::fs::MetadataExt::rdev(&null_before)
    );
    assert!(std::fs::metadata(d.join("fifo.svg"))
        .unwrap()
        .file_type()
        .is_fifo());
    let link = std::fs::symlink_metadata(d.join("stdout.svg")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(
        std::fs::read_link(d.join("stdout.svg")).unwrap(),
        Path::new("/proc/self/fd/1")
    );
    assert!(hidden(d).is_empty(), "left behind: {:?}", hidden(d));
}

#[test]
fn a_symbolic_link_to_a_regular_file_is_written_through() {
    let dir = setup();
    let d = dir.path();
    std::fs::create_dir(d.join("models")).unwrap();
    std::os::unix::fs::symlink("models/real.safetensors", d.join("m.safetensors")).unwrap();
    let out = sh(
        d,
        "$BP train spec.toml -q --save m.safetensors",
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(d.join("m.safetensors"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(d.join("models/real.safetensors").is_file());
    let p = sh(
        d,
        "$BP predict m.safetensors --input 1,2",
        Duration::from_secs(30),
    );
    assert!(p.status.success(), "{}", stderr(&p));
}

#[test]
fn a_run_piped_into_a_reader_that_stops_still_saves_its_model() {
    let dir = setup();
    let d = dir.path();
    // `head -1` as a user would; `true` closes the pipe before the first line is written, so
    // that every line of output meets a closed pipe.
    for (reader, model) in [("head -1", "h.safetensors"), ("true", "t.safetensors")] {
        let script = format!("$BP train spec.toml --epochs 50 --save {model} | {reader}");
        let out = sh(d, &script, Duration::from_secs(120));
        assert!(out.status.success(), "{script}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{script}: {}", stderr(&out));
        let p = sh(
            d,
            &format!("$BP predict {model} --input 1,2"),
            Duration::from_secs(30),
        );
        assert!(
            p.status.success(),
            "{script}: model not saved: {}",
            stderr(&p)
        );
        let pstdout = String::from_utf8_lossy(&p.stdout);
        assert!(pstdout.contains("probabilities"), "{pstdout}");
    }
    assert!(hidden(d).is_empty(), "left behind: {:?}", hidden(d));
}

#[test]
fn every_reader_refuses_dev_zero_and_a_fifo_at_once_under_a_memory_cap() {
    let dir = trained();
    let d = dir.path();
    mkfifo(&d.join("fifo"));
    for (source, kind) in [
        ("/dev/zero", "is a character device"),
        ("fifo", "is a FIFO (named pipe)"),
    ] {
        let csv_spec = SPEC.replace("data.csv", source);
        let idx_spec = SPEC.replace(
            "path = \"data.csv\"",
            &format!("path = \"{source}\"\nlabels = \"{source}\""),
        );
        let src = if source == "fifo" { "../fifo" } else { source };
        std::fs::create_dir_all(d.join(format!("s{}", source.len()))).unwrap();
        let sub = format!("s{}", source.len());
        std::fs::write(
            d.join(&sub).join("csv.toml"),
            csv_spec.replace(&format!("\"{source}\""), &format!("\"{src}\"")),
        )
        .unwrap();
        std::fs::write(
            d.join(&sub).join("idx.toml"),
            idx_spec.replace(&format!("\"{source}\""), &format!("\"{src}\"")),
        )
        .unwrap();
        for (command, expected) in [
            (format!("$BP train {source}"), "expected a spec (TOML)"),
            (format!("$BP train {sub}/csv.toml"), "expected a CSV file"),
            (format!("$BP train {sub}/idx.toml"), "expected an IDX file"),
            (
                format!("$BP predict {source} --input 1,2"),
                "expected a model file",
            ),
            (
                format!("$BP predict m.safetensors --data {source}"),
                "expected a CSV file",
            ),
            (
                format!("$BP evaluate m.safetensors --data {source}"),
                "expected a CSV file",
            ),
            (
                format!("$BP evaluate m.safetensors --data {source} --labels {source}"),
                "expected an IDX file",
            ),
            (format!("$BP check {source}"), "expected a notes file"),
            (format!("$BP explain {source}"), "expected a spec (TOML)"),
        ] {
            // 1 GiB of address space at most, and a memory limit of 64 MiB.
            let script = format!("ulimit -v 1048576; BACKPROP_MEMORY_LIMIT=64M exec {command}");
            let start = Instant::now();
            let out = sh(d, &script, Duration::from_secs(20));
            let message = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command}: {message}");
            assert!(
                message.contains(kind) && message.contains(expected),
                "{command}: {message}"
            );
            assert!(start.elapsed() < Duration::from_secs(10), "{command}");
        }
    }
}

#[test]
fn an_output_name_of_250_bytes_is_written() {
    let dir = setup();
    let d = dir.path();
    let name = format!("{}.safetensors", "m".repeat(238));
    assert_eq!(name.len(), 250);
    let out = sh(
        d,
        &format!("$BP train spec.toml -q --save {name} --log {name}.l"),
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(d.join(&name).is_file());
    assert!(d.join(format!("{name}.l")).is_file());
    assert!(hidden(d).is_empty(), "left behind: {:?}", hidden(d));
}

/// The predictions' CSV for `data` (written to a file, read back).
fn predictions(d: &Path, data: &str) -> (String, String) {
    std::fs::write(d.join("in.csv"), data).unwrap();
    let out = sh(
        d,
        "$BP predict m.safetensors --data in.csv",
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

#[test]
fn predict_matches_columns_by_name_and_reads_a_headerless_file_by_position() {
    let dir = trained();
    let d = dir.path();
    let (in_order, _) = predictions(d, "a,b\n1,2\n7,0\n3,5\n");
    // The same samples with the columns swapped (and one the model does not use).
    let (swapped, _) = predictions(d, "other,b,a\nq,2,1\nq,0,7\nq,5,3\n");
    assert_eq!(in_order, swapped);
    // No header: three samples (none lost as a header), taken by position, and said so.
    let (headerless, note) = predictions(d, "1,2\n7,0\n3,5\n");
    assert_eq!(in_order, headerless);
    assert_eq!(in_order.lines().count(), 4, "{in_order}");
    assert!(note.contains("no header"), "{note}");
}

#[test]
fn a_header_of_a_hundred_thousand_columns_is_read_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 100_000;
    let names: Vec<String> = (0..n).map(|k| format!("c{k}")).collect();
    let mut csv = names.join(",") + ",label\n";
    for r in 0..10 {
        let row: Vec<String> = (0..n).map(|k| ((k + r) % 3).to_string()).collect();
        csv += &(row.join(",") + if r % 2 == 0 { ",x\n" } else { ",y\n" });
    }
    std::fs::write(d.join("wide.csv"), csv).unwrap();
    let spec = format!(
        "inputs = {n}\nloss = \"bce\"\n[optimizer]\nlearning_rate = 0.1\n\
         [[layers]]\nunits = 1\nactivation = \"sigmoid\"\n[data]\npath = \"wide.csv\"\nstandardize = false\n"
    );
    std::fs::write(d.join("spec.toml"), spec).unwrap();
    let start = Instant::now();
    let out = sh(d, "$BP train spec.toml -q", Duration::from_secs(60));
    assert!(out.status.success(), "{}", stderr(&out));
    // Quadratic lookup took 13 s here; linear takes well under a second (a loaded machine
    // gets some margin).
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
}

/// A run whose `--log` (and then `--save`) fills the disk stops with the cause and leaves no
/// temporary file behind, nor a half-written target. The full disk is a 16 KiB tmpfs, which
/// needs root's mount: without it the test says so and checks nothing.
#[test]
fn a_full_disk_leaves_no_temporary_file_behind() {
    let dir = setup();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&disk)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("a_full_disk_leaves_no_temporary_file_behind: cannot mount a tmpfs here (not root?); not checked");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&disk);
    // Each epoch's log line is about 150 bytes: 16 KiB is full after about a hundred epochs.
    let log = sh(
        dir.path(),
        "$BP train spec.toml --epochs 5000 --quiet --log disk/run.jsonl",
        Duration::from_secs(60),
    );
    assert_eq!(log.status.code(), Some(2), "{}", stderr(&log));
    assert!(stderr(&log).contains("No space left"), "{}", stderr(&log));
    let left: Vec<_> = std::fs::read_dir(&disk).unwrap().flatten().collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // A model bigger than the disk: the old model file stays whole.
    std::fs::write(disk.join("model.safetensors"), b"the old model").unwrap();
    let wide = SPEC.replace("units = 3", "units = 2000");
    std::fs::write(dir.path().join("wide.toml"), wide).unwrap();
    let save = sh(
        dir.path(),
        "$BP train wide.toml --epochs 1 --quiet --save disk/model.safetensors",
        Duration::from_secs(60),
    );
    assert_eq!(save.status.code(), Some(2), "{}", stderr(&save));
    assert!(stderr(&save).contains("No space left"), "{}", stderr(&save));
    assert_eq!(
        std::fs::read(disk.join("model.safetensors")).unwrap(),
        b"the old model"
    );
    assert!(hidden(&disk).is_empty(), "left behind: {:?}", hidden(&disk));
}
