//! The policy every output file follows (`--save`, `--log`, `--plot`, `-o`):
//! - the target is a regular file or absent: a directory, a FIFO, a device (`/dev/null`) or a
//!   symbolic link to one is refused, so that writing never replaces such a node with a file;
//!   a symbolic link to a regular file is written through (the file it names is replaced);
//! - never one of the command's own inputs (the spec, the data, the notes), and no two outputs
//!   of one command are the same file: both are refused before any work starts;
//! - written through a temporary file beside the target whose name always fits in a folder
//!   entry (NAME_MAX, 255 bytes), then renamed over it (see `model_file::write_atomically`).

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The longest file name most file systems take (NAME_MAX).
pub const NAME_MAX: usize = 255;

/// The folder a target is written in (`.` for a bare name).
pub fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The start of every temporary name for `name`: `.NAME.tmp-`, so that the prefix and a
/// process id of up to 10 digits fit in [`NAME_MAX`] bytes. A longer NAME is cut (at a
/// character boundary) and followed by `~` and a hash of the whole name, so that two long
/// names that start alike never share a temporary file.
pub fn temporary_prefix(name: &std::ffi::OsStr) -> String {
    let name = name.to_string_lossy();
    let room = NAME_MAX - ".".len() - ".tmp-".len() - 10;
    if name.len() <= room {
        return format!(".{name}.tmp-");
    }
    let mut cut = room - 17;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(".{}~{:016x}.tmp-", &name[..cut], fnv1a(name.as_bytes()))
}

/// The 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The temporary file beside `path` that a write goes through: `.NAME.tmp-PID`.
pub fn temporary_path(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Config(format!("{}: not a file name", path.display())))?;
    let mut tmp = OsString::from(temporary_prefix(name));
    tmp.push(std::process::id().to_string());
    Ok(folder(path).join(tmp))
}

/// Where a write to `path` lands: `path` itself, or, when it is a symbolic link, the file it
/// names, followed link by link (so that the link stays a link; the file may not exist yet).
pub fn final_target(path: &Path) -> PathBuf {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&target) {
                Ok(next) => target = folder(&target).join(next),
                Err(_) => break,
            },
            _ => break,
        }
    }
    target
}

/// The identity of an existing file (device, inode), following symbolic links.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// The same file, whether both exist (same inode) or not (same folder and name).
fn same_file(a: &Path, b: &Path) -> bool {
    match (identity(a), identity(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => {
            let canon = |p: &Path| {
                std::fs::canonicalize(folder(p))
                    .ok()
                    .map(|d| d.join(p.file_name().unwrap_or_default()))
            };
            canon(a).is_some() && canon(a) == canon(b)
        }
        _ => false,
    }
}

/// Checks one output target (`flag` names it in messages): its folder exists, and it is absent
/// or a regular file (after following symbolic links).
pub fn check_target(flag: &str, path: &Path) -> Result<()> {
    let dir = folder(path);
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    if path.file_name().is_none() {
        return Err(Error::Config(format!(
            "{flag} {}: not a file name",
            path.display()
        )));
    }
    match std::fs::metadata(path) {
        Ok(meta) => match crate::io::read::not_regular(&meta) {
            None => Ok(()),
            Some("a directory") => Err(Error::Config(format!(
                "{flag} {}: is a folder, expected a file name",
                path.display()
            ))),
            Some(kind) => Err(Error::Config(format!(
                "{flag} {}: is {kind}, expected a regular file or a new name (outputs are written only as regular files)",
                path.display()
            ))),
        },
        // A symbolic link to a file not there yet is written through, when its folder exists.
        Err(_) if std::fs::symlink_metadata(path).is_ok() => {
            let target = final_target(path);
            if folder(&target).is_dir() && std::fs::symlink_metadata(&target).is_err() {
                Ok(())
            } else {
                Err(Error::Config(format!(
                    "{flag} {}: is a symbolic link to {}, whose folder does not exist; expected a regular file or a new name",
                    path.display(),
                    target.display()
                )))
            }
        }
        Err(_) => Ok(()),
    }
}

/// Checks every output of a command against the policy, before any work: each target by
/// [`check_target`], none the same file as one of `inputs` (`(what, path)`: `("the spec",
/// spec.toml)`) and no two the same file.
pub fn check_all(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<()> {
    for (k, (flag, path)) in outputs.iter().enumerate() {
        check_target(flag, path)?;
        if let Some((what, _)) = inputs.iter().find(|(_, input)| same_file(path, input)) {
            return Err(Error::Config(format!(
                "{flag} {}: is {what}, one of this command's inputs; expected another file name (it would be overwritten)",
                path.display()
            )));
        }
        if let Some((other, _)) = outputs[..k].iter().find(|(_, p)| same_file(path, p)) {
            return Err(Error::Config(format!(
                "{flag} {} and {other} name the same file; expected a file for each",
                path.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_name_always_fits() {
        let long = "m".repeat(250) + ".safetensors";
        let tmp = temporary_path(Path::new(&long)).unwrap();
        let name = tmp.file_name().unwrap().len();
        assert!(name <= NAME_MAX, "{name}");
        // A short name keeps its whole name: `.m.safetensors.tmp-PID`.
        let short = temporary_path(Path::new("dir/m.safetensors")).unwrap();
        assert_eq!(
            short,
            Path::new(&format!("dir/.m.safetensors.tmp-{}", std::process::id()))
        );
        // A multi-byte name is cut at a character boundary.
        let wide = "é".repeat(200);
        assert!(temporary_prefix(wide.as_ref()).len() <= NAME_MAX - 10);
        // Two long names alike in their first 220 bytes get different temporary names.
        let a = temporary_prefix(std::ffi::OsStr::new(&long));
        let b = temporary_prefix(std::ffi::OsStr::new(&(long.clone() + ".l")));
        assert_ne!(a, b);
        // FNV-1a of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn devices_and_inputs_are_refused() {
        let e = check_target("--save", Path::new("/dev/null")).unwrap_err();
        assert!(e.to_string().contains("is a character device"), "{e}");
        let e = check_all(
            &[("--log", Path::new("Cargo.toml"))],
            &[("the spec", Path::new("./Cargo.toml"))],
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("is the spec, one of this command's inputs"),
            "{e}"
        );
        let e = check_all(
            &[
                ("--save", Path::new("new.bin")),
                ("--log", Path::new("./new.bin")),
            ],
            &[],
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("and --save name the same file"),
            "{e}"
        );
    }
}
