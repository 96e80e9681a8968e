//! Bounded reads of input files. Every reader (spec, CSV, IDX, model file, notes) goes through
//! [`bounded`]: only a regular file is opened (a FIFO would block, a device such as `/dev/zero`
//! never ends), and at most `cap` bytes are read whatever size the file reports (a file under
//! `/proc` reports 0 and can be any length; a file can grow while it is read).

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// What a path is when it is not a regular file, in words (`a FIFO (named pipe)`); `None` for a
/// regular file (after following symbolic links).
pub fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Whether `path` is a regular file (following symbolic links), without opening it.
pub fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Checks, without opening it, that `path` is a regular file; `what` names the expected content
/// for the message (`a CSV file`). Returns its metadata.
pub fn regular(path: &Path, what: &str) -> Result<std::fs::Metadata> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    match not_regular(&meta) {
        None => Ok(meta),
        Some(kind) => Err(Error::File {
            file: path.display().to_string(),
            message: format!(
                "is {kind}, expected {what} (inputs are read only from regular files)"
            ),
        }),
    }
}

/// Reads a regular file whole, refusing it once more than `cap` bytes have come (the size the
/// file reports is not trusted). `what` names the expected content for messages.
pub fn bounded(path: &Path, what: &str, cap: u64) -> Result<Vec<u8>> {
    regular(path, what)?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > cap {
        return Err(Error::File {
            file: path.display().to_string(),
            message: format!(
                "more than {} (the most {what} may have here; the size the file reported was smaller)",
                crate::io::limits::human(cap as u128)
            ),
        });
    }
    Ok(bytes)
}

/// [`bounded`] with the cap taken from the memory limit: a file needing `per_byte` bytes of
/// memory per byte read may have at most `limit / per_byte` bytes.
pub fn within_memory(path: &Path, what: &str, per_byte: u64) -> Result<Vec<u8>> {
    let limit = crate::io::limits::memory_limit()?.bytes;
    bounded(path, what, limit / per_byte.max(1))
}

/// [`within_memory`] for a text file: UTF-8 or an error naming the offset of the first bad byte.
pub fn text_within_memory(path: &Path, what: &str, per_byte: u64) -> Result<String> {
    let bytes = within_memory(path, what, per_byte)?;
    String::from_utf8(bytes).map_err(|e| Error::File {
        file: path.display().to_string(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {}); expected {what}",
            e.utf8_error().valid_up_to()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_refused_before_it_is_opened() {
        let e = bounded(Path::new("/dev/zero"), "a CSV file", 1 << 20).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: is a character device, expected a CSV file (inputs are read only from regular files)"
        );
    }

    #[test]
    fn a_file_longer_than_the_cap_is_refused() {
        let dir = std::env::temp_dir().join(format!("backprop-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ten.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(bounded(&path, "x", 10).unwrap(), b"0123456789");
        let e = bounded(&path, "a notes file", 9).unwrap_err().to_string();
        assert!(e.contains("more than 9 bytes"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
