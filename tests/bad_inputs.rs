//! Runs the CLI on every malformed-input case in `tests/bad_inputs/<case>/` and checks that it
//! fails the way a user should see it fail.
//!
//! A case is a folder holding:
//! - `args`: the command-line arguments, one per line; `{dir}` stands for the case's folder;
//! - `expected`: a substring the error output (stderr) must contain (`{dir}` as in `args`);
//! - optionally `env`: `NAME=value` lines set for the run (e.g. `BACKPROP_MEMORY_LIMIT=1MB`);
//! - whatever input files the arguments name.
//!
//! For every case: exit status 2, the expected substring, at most two lines of stderr, no sign of
//! a panic or of Rust debug output (`panicked`, `RUST_BACKTRACE`, `Error {`, `Os {`), and no file
//! left behind in the case's folder (a refused output is never half-written).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The done-when of the robustness work: at least this many cases across all formats.
const MIN_CASES: usize = 40;
/// A case that runs longer than this is a failure (a bad input must be refused up front).
const TIME_LIMIT: Duration = Duration::from_secs(30);
/// Text that must never reach a user.
const FORBIDDEN: [&str; 5] = ["panicked", "RUST_BACKTRACE", "Error {", "Os {", "kind: "];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

/// The files under `dir`, recursively, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path.clone());
            }
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Runs one case; returns what is wrong with the outcome, if anything.
fn run_case(dir: &Path) -> Result<(), String> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).map_err(|e| format!("cannot read `{name}`: {e}"))
    };
    let dir_str = dir.to_str().ok_or("case path is not UTF-8")?;
    let args: Vec<String> = read("args")?
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.replace("{dir}", dir_str))
        .collect();
    let expected = read("expected")?
        .trim_end_matches('\n')
        .replace("{dir}", dir_str);
    if expected.is_empty() {
        return Err("`expected` is empty".into());
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_backprop"));
    command
        .args(&args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("BACKPROP_MEMORY_LIMIT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Ok(env) = std::fs::read_to_string(dir.join("env")) {
        for line in env.lines().filter(|l| !l.is_empty()) {
            let (k, v) = line.split_once('=').ok_or("`env` line without `=`")?;
            command.env(k, v);
        }
    }
    let before = listing(dir);
    let mut child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let start = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {TIME_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit status {:?}, expected 2", out.status.code()));
    }
    if !stderr.contains(&expected) {
        problems.push(format!("stderr lacks {expected:?}"));
    }
    for word in FORBIDDEN {
        if stderr.contains(word) {
            problems.push(format!("stderr contains {word:?}"));
        }
    }
    let after = listing(dir);
    if after != before {
        problems.push(format!(
            "files changed in the case folder: {before:?} → {after:?}"
        ));
    }
    let lines = stderr.lines().count();
    if !(1..=2).contains(&lines) {
        problems.push(format!("stderr has {lines} lines, expected 1 or 2"));
    }
    if !stderr.starts_with("error: ") {
        problems.push("stderr does not start with `error: `".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n    stderr: {stderr:?}", problems.join("; ")))
    }
}

#[test]
fn every_bad_input_is_refused_with_its_message() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/bad_inputs exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| {
            run_case(d).err().map(|why| {
                format!(
                    "{}: {why}",
                    d.file_name().unwrap_or_default().to_string_lossy()
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
    assert!(
        dirs.len() >= MIN_CASES,
        "only {} bad-input cases, expected at least {MIN_CASES}",
        dirs.len()
    );
}
