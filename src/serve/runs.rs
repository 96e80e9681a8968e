//! The training runs under `--logdir`: every `backprop train … --log FILE.jsonl` log, finished
//! or still being written. A run in progress writes `.FILE.jsonl.tmp-PID` beside `FILE.jsonl`
//! (renamed into place when it ends), so that file is read while it exists.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Folders below `--logdir` searched for logs.
const DEPTH: usize = 4;
/// A log larger than this is not read.
pub const MAX_LOG_BYTES: u64 = 64 << 20;

/// One run: its name (the log's path below the folder) and the file to read now.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub name: String,
    pub file: PathBuf,
    pub live: bool,
}

/// Every run below `dir`, sorted by name.
pub fn list(dir: &Path) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    walk(dir, dir, DEPTH, &mut runs);
    runs.sort_by(|a, b| a.name.cmp(&b.name).then(b.live.cmp(&a.live)));
    // A run in progress stands for the finished log of the same name.
    runs.dedup_by(|later, first| later.name == first.name);
    runs
}

fn walk(root: &Path, dir: &Path, depth: usize, runs: &mut Vec<Run>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_dir() && depth > 0 && !file_name.starts_with('.') {
            walk(root, &path, depth - 1, runs);
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let (log_name, live) = match live_name(&file_name) {
            Some(n) => (n, true),
            None if file_name.ends_with(".jsonl") && !file_name.starts_with('.') => {
                (file_name.clone(), false)
            }
            None => continue,
        };
        let relative = path
            .parent()
            .and_then(|p| p.strip_prefix(root).ok())
            .map(|p| p.join(&log_name))
            .unwrap_or_else(|| PathBuf::from(&log_name));
        runs.push(Run {
            name: relative.to_string_lossy().into_owned(),
            file: path,
            live,
        });
    }
}

/// `.run.jsonl.tmp-123` → `run.jsonl`.
fn live_name(file_name: &str) -> Option<String> {
    let rest = file_name.strip_prefix('.')?;
    let (name, pid) = rest.rsplit_once(".tmp-")?;
    (name.ends_with(".jsonl") && pid.bytes().all(|b| b.is_ascii_digit()) && !pid.is_empty())
        .then(|| name.to_string())
}

/// The run's complete lines from line `from` (numbered from 0) on, as JSON values, and the
/// number of complete lines. A line being written (no newline yet) waits for the next read;
/// a line that is not JSON is skipped.
pub fn read(run: &Run, from: usize) -> std::io::Result<(Vec<Value>, usize)> {
    let meta = std::fs::metadata(&run.file)?;
    if meta.len() > MAX_LOG_BYTES {
        return Err(std::io::Error::other(format!(
            "{} bytes, more than the {MAX_LOG_BYTES} a log shown here may have",
            meta.len()
        )));
    }
    let text = std::fs::read(&run.file)?;
    let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let text = String::from_utf8_lossy(&text[..complete]);
    let mut count = 0;
    let mut lines = Vec::new();
    for line in text.lines() {
        if count >= from {
            lines.push(serde_json::from_str(line).unwrap_or(Value::Null));
        }
        count += 1;
    }
    Ok((lines, count))
}

/// A run as listed.
pub fn describe(run: &Run) -> Value {
    let modified = std::fs::metadata(&run.file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    json!({ "name": run.name, "live": run.live, "modified": modified })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_names() {
        assert_eq!(live_name(".a.jsonl.tmp-42").as_deref(), Some("a.jsonl"));
        assert_eq!(live_name(".a.jsonl.tmp-"), None);
        assert_eq!(live_name(".a.csv.tmp-42"), None);
        assert_eq!(live_name("a.jsonl"), None);
    }
}
