//! MNIST's IDX format, raw or gzip-compressed (recognised by its first two bytes, 1f 8b).
//!
//! An IDX file is a big-endian header — the magic number `00 00 08 D` (type 08 = unsigned byte,
//! `D` dimensions), then `D` sizes as u32 — followed by the values. Images are
//! `00000803` `[count × rows × columns]`, labels `00000801` `[count]`. Pixels 0..=255 are
//! scaled to [0, 1].

use crate::data::features::pixel_value;
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Images as rows of pixel bytes (each the value `p / 255` in [0, 1], [`IdxImages::pixels`]),
/// with their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxImages {
    /// `[count × rows·columns]`, as in the file.
    pub bytes: Vec<u8>,
    pub count: usize,
    pub rows: usize,
    pub columns: usize,
    pub labels: Vec<u8>,
}

impl IdxImages {
    /// The pixels as values in [0, 1] (`p / 255`), `[count × rows·columns]`.
    pub fn pixels(&self) -> Vec<f64> {
        self.bytes.iter().map(|&p| pixel_value(p)).collect()
    }
}

/// Reads an images file and its labels file, checking their headers and that they agree.
pub fn read(images: &Path, labels: &Path) -> Result<IdxImages> {
    let image_bytes = read_maybe_gz(images)?;
    let label_bytes = read_maybe_gz(labels)?;
    parse(
        &image_bytes,
        &images.display().to_string(),
        &label_bytes,
        &labels.display().to_string(),
    )
}

/// Reads an images file alone (to predict from): `labels` is empty.
pub fn read_images(images: &Path) -> Result<IdxImages> {
    let bytes = read_maybe_gz(images)?;
    parse_images(&bytes, &images.display().to_string())
}

/// Whether a file's first bytes are those of an IDX images file, or of a gzip file (which a
/// CSV table is not).
pub fn looks_like_idx(path: &Path) -> bool {
    let mut start = [0u8; 4];
    crate::io::read::is_regular(path)
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut start))
            .is_ok_and(|_| {
                start[..2] == [0x1f, 0x8b] || start == [0, 0, 8, 3] || start == [0, 0, 8, 1]
            })
}

/// Parses the (decompressed) bytes of an images file and a labels file; the names are for
/// error messages.
pub fn parse(
    images: &[u8],
    images_name: &str,
    labels: &[u8],
    labels_name: &str,
) -> Result<IdxImages> {
    let dims = header(images, images_name, 3, "images")?;
    let count = dims[0];
    let label_dims = header(labels, labels_name, 1, "labels")?;
    if label_dims[0] != count {
        return Err(Error::File {
            file: labels_name.to_string(),
            message: format!(
                "{} labels, but {images_name} holds {count} images; expected one label per image",
                label_dims[0]
            ),
        });
    }
    let mut parsed = parse_images(images, images_name)?;
    check_length(labels.len() - 8, count, labels_name, "label bytes")?;
    parsed.labels = labels[8..].to_vec();
    Ok(parsed)
}

/// Parses the (decompressed) bytes of an images file; `labels` is left empty.
fn parse_images(images: &[u8], images_name: &str) -> Result<IdxImages> {
    let dims = header(images, images_name, 3, "images")?;
    let (count, rows, columns) = (dims[0], dims[1], dims[2]);
    let pixels_per_image = rows * columns;
    let pixels = &images[16..];
    let expected = count
        .checked_mul(pixels_per_image)
        .ok_or_else(|| Error::File {
            file: images_name.to_string(),
            message: "the header's sizes overflow".into(),
        })?;
    check_length(pixels.len(), expected, images_name, "pixel bytes")?;
    // Each pixel becomes an f64 here, then a value of the dataset: 16 bytes at most.
    crate::io::limits::check_file(
        images_name,
        &format!("{count} images of {rows}×{columns} pixels, as numbers,"),
        expected as u128 * 16,
    )?;
    Ok(IdxImages {
        bytes: pixels.to_vec(),
        count,
        rows,
        columns,
        labels: Vec::new(),
    })
}

/// Reads a file whole, gunzipping it when it starts with the gzip magic bytes.
/// Neither the file nor what it inflates to may pass the memory limit.
fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let size = crate::io::read::regular(path, "an IDX file")?.len();
    crate::io::limits::check_file(path.display(), "reading this file", size as u128)?;
    let raw = crate::io::read::within_memory(path, "an IDX file", 1)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let limit = crate::io::limits::memory_limit()?;
        // The gzip trailer's ISIZE (the inflated size mod 2³², exact for one member under
        // 4 GiB) sizes the buffer once: growing it by doubling could need twice the data.
        let isize = raw.len().checked_sub(4).map_or(0, |at| {
            u32::from_le_bytes(raw[at..].try_into().expect("4 bytes"))
        });
        let mut out = Vec::with_capacity((isize as u64).min(limit.bytes) as usize);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .take(limit.bytes.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| Error::File {
                file: path.display().to_string(),
                message: format!("not a valid gzip file ({e})"),
            })?;
        if out.len() as u64 > limit.bytes {
            return Err(Error::File {
                file: path.display().to_string(),
                message: format!(
                    "inflating it would need more than the memory limit of {} ({})",
                    crate::io::limits::human(limit.bytes as u128),
                    limit.source
                ),
            });
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Checks the magic number (unsigned bytes, `dims` dimensions) and returns the sizes.
fn header(bytes: &[u8], name: &str, dims: usize, what: &str) -> Result<Vec<usize>> {
    let err = |message: String| Error::File {
        file: name.to_string(),
        message,
    };
    let header_len = 4 + 4 * dims;
    if dims == 3 && bytes.starts_with(&[0, 0, 8, 1]) {
        return Err(err(
            "this is an IDX labels file (magic number 0x00000801), expected an images file (0x00000803): a labels file goes with --labels (or `labels` in [data])".into(),
        ));
    }
    if bytes.len() < header_len {
        return Err(err(format!(
            "truncated: {} bytes, expected an IDX {what} header of {header_len} bytes",
            bytes.len()
        )));
    }
    let magic = u32::from_be_bytes(bytes[..4].try_into().expect("4 bytes"));
    let expected = 0x0800 + dims as u32;
    if magic != expected {
        return Err(err(format!(
            "magic number is 0x{magic:08x}, expected 0x{expected:08x} (IDX {what}: unsigned bytes, {dims} dimension{})",
            if dims == 1 { "" } else { "s" }
        )));
    }
    Ok((0..dims)
        .map(|d| {
            let at = 4 + 4 * d;
            u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize
        })
        .collect())
}

fn check_length(found: usize, expected: usize, name: &str, what: &str) -> Result<()> {
    if found != expected {
        let problem = if found < expected {
            "truncated"
        } else {
            "trailing bytes"
        };
        return Err(Error::File {
            file: name.to_string(),
            message: format!(
                "{problem}: {found} {what} after the header, expected {expected} (from the header's sizes)"
            ),
        });
    }
    Ok(())
}
