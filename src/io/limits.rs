//! Size limits, checked before allocating: a network, data set or file that would need more
//! memory than allowed is refused up front with the figure it would need, instead of failing an
//! allocation (an abort) or being killed by the operating system.
//!
//! The limit is the one set by [`set_memory_limit`], else `BACKPROP_MEMORY_LIMIT` when set (a
//! size: `512MiB`, `8G`, `1.5GB`, or a number of bytes; the units are binary, K = 1024), else
//! 80 % of the machine's memory (the smaller of `MemTotal` in `/proc/meminfo` and the cgroup's
//! `memory.max`), else 8 GiB where neither can be read.
//!
//! What a network needs is the engine's to say ([`crate::engine::memory`]); this module only
//! knows the limit and how to refuse.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that sets the limit.
pub const ENV: &str = "BACKPROP_MEMORY_LIMIT";
/// Share of the machine's memory allowed when the variable is not set.
pub const DEFAULT_SHARE: f64 = 0.8;
/// The limit where the machine's memory cannot be read.
pub const FALLBACK: u64 = 8 << 30;

/// A memory limit and where it came from (for messages).
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub bytes: u64,
    pub source: String,
}

/// A limit set by the program itself (0: none), which takes precedence over the environment.
static OVERRIDE: AtomicU64 = AtomicU64::new(0);

/// Sets the limit for this process (`None` goes back to the environment or the machine's memory).
pub fn set_memory_limit(bytes: Option<u64>) {
    OVERRIDE.store(bytes.unwrap_or(0), Ordering::Relaxed);
}

/// The limit in force now.
pub fn memory_limit() -> Result<Limit> {
    let set = OVERRIDE.load(Ordering::Relaxed);
    if set > 0 {
        return Ok(Limit {
            bytes: set,
            source: "set by the program".into(),
        });
    }
    if let Ok(text) = std::env::var(ENV) {
        let bytes = parse_size(&text).ok_or_else(|| {
            Error::Config(format!(
                "{ENV} is `{text}`, expected a size such as 512MiB, 8G or a number of bytes"
            ))
        })?;
        return Ok(Limit {
            bytes,
            source: format!("set by {ENV}"),
        });
    }
    Ok(match machine_memory() {
        Some(total) => Limit {
            bytes: (total as f64 * DEFAULT_SHARE) as u64,
            source: format!(
                "{:.0} % of this machine's {}; set {ENV} to change it",
                DEFAULT_SHARE * 100.0,
                human(total as u128)
            ),
        },
        None => Limit {
            bytes: FALLBACK,
            source: format!(
                "the default where the machine's memory is unknown; set {ENV} to change it"
            ),
        },
    })
}

/// Refuses `bytes` over the limit: `"{what} would need {bytes}, more than the memory limit …"`.
pub fn check(what: &str, bytes: u128) -> Result<()> {
    let limit = memory_limit()?;
    if bytes > limit.bytes as u128 {
        return Err(Error::TooLarge(format!(
            "{what} would need {}, more than the memory limit of {} ({})",
            human(bytes),
            human(limit.bytes as u128),
            limit.source
        )));
    }
    Ok(())
}

/// [`check`] for reading a named file: the refusal is an [`Error::File`] naming it (so that
/// callers which add their own file name to errors leave it alone).
pub fn check_file(file: impl std::fmt::Display, what: &str, bytes: u128) -> Result<()> {
    check(what, bytes).map_err(|e| match e {
        Error::TooLarge(message) => Error::File {
            file: file.to_string(),
            message,
        },
        other => other,
    })
}

/// Parses `123`, `64K`, `512MiB`, `8G`, `1.5GB`, `2T` (binary units, case-insensitive).
pub fn parse_size(text: &str) -> Option<u64> {
    let s = text.trim().to_ascii_lowercase();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    let bytes = number * scale as f64;
    (bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// `1536` → `1.5 KiB`.
pub fn human(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The machine's memory in bytes: the smaller of `MemTotal` and the cgroup (v2) limit.
fn machine_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let total = meminfo.as_deref().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        kib.checked_mul(1024)
    });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    match (total, cgroup) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size("64K"), Some(64 * 1024));
        assert_eq!(parse_size("512MiB"), Some(512 << 20));
        assert_eq!(parse_size("1.5gb"), Some(3 << 29));
        assert_eq!(parse_size(" 2T "), Some(2 << 40));
        for bad in ["", "abc", "-1", "0", "1.2.3", "5 parsecs", "1e400"] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(512), "512 bytes");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(3 << 30), "3.0 GiB");
    }
}
