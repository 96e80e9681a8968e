//! TensorBoard event files: `DIR/events.out.tfevents.<seconds>.backprop`, which TensorBoard
//! (and its `event_accumulator`) reads as one run.
//!
//! The file is a sequence of TFRecords, each
//! `length (u64 LE) · masked_crc(length) (u32 LE) · data · masked_crc(data) (u32 LE)`,
//! where `masked_crc(b) = ((c >> 15) | (c << 17)) + 0xa282ead8` (wrapping) and `c` is the
//! CRC-32C (Castagnoli) of `b`. Each record's data is an `Event` protobuf: first the file
//! version, then summaries (scalars, and text as a string tensor for the text plugin).
//! Records are written and flushed as they come, so TensorBoard shows a run while it trains.

use super::tensorboard_proto::*;
use crate::error::{Error, Result};
use prost::Message;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// An open event file.
pub struct EventWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl EventWriter {
    /// Creates `dir` if needed and a new event file in it (a name of its own: an earlier run's
    /// file is never overwritten), and writes the file-version record.
    pub fn create(dir: &Path) -> Result<EventWriter> {
        let fail = |what: &str, e: std::io::Error| Error::Config(format!("{what}: {e}"));
        std::fs::create_dir_all(dir).map_err(|e| fail(&dir.display().to_string(), e))?;
        let now = seconds();
        let (file, path) = (0..1000)
            .find_map(|k| {
                let suffix = if k == 0 {
                    String::new()
                } else {
                    format!(".{k}")
                };
                let name = format!("events.out.tfevents.{}.backprop{suffix}", now as u64);
                let path = dir.join(name);
                let file = File::options().write(true).create_new(true).open(&path);
                match file {
                    Ok(f) => Some(Ok((f, path))),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                    Err(e) => Some(Err(fail(&path.display().to_string(), e))),
                }
            })
            .unwrap_or_else(|| {
                Err(Error::Config(format!(
                    "{}: no free event file name",
                    dir.display()
                )))
            })?;
        let mut writer = EventWriter {
            path,
            out: BufWriter::new(file),
        };
        writer.write(Event {
            wall_time: now,
            step: 0,
            what: Some(What::FileVersion("brain.Event:2".into())),
        })?;
        Ok(writer)
    }

    /// The event file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Scalars at `step`, as `(tag, value)`, in one event.
    pub fn scalars(&mut self, step: i64, values: &[(&str, f64)]) -> Result<()> {
        let value = values
            .iter()
            .map(|&(tag, v)| Value {
                tag: tag.into(),
                metadata: None,
                value: Some(ValueKind::SimpleValue(v as f32)),
            })
            .collect();
        self.summary(step, Summary { value })
    }

    /// A text (shown by TensorBoard's text plugin, as Markdown) at `step`.
    pub fn text(&mut self, step: i64, tag: &str, text: &str) -> Result<()> {
        let value = Value {
            tag: tag.into(),
            metadata: Some(SummaryMetadata {
                plugin_data: Some(PluginData {
                    plugin_name: "text".into(),
                }),
            }),
            value: Some(ValueKind::Tensor(TensorProto {
                dtype: DT_STRING,
                string_val: vec![text.as_bytes().to_vec()],
            })),
        };
        self.summary(step, Summary { value: vec![value] })
    }

    fn summary(&mut self, step: i64, summary: Summary) -> Result<()> {
        self.write(Event {
            wall_time: seconds(),
            step,
            what: Some(What::Summary(summary)),
        })
    }

    /// Writes one event as a TFRecord and flushes it.
    fn write(&mut self, event: Event) -> Result<()> {
        let record = record(&event.encode_to_vec());
        self.out
            .write_all(&record)
            .and_then(|_| self.out.flush())
            .map_err(|e| Error::Config(format!("{}: {e}", self.path.display())))
    }
}

/// One TFRecord around `data`.
fn record(data: &[u8]) -> Vec<u8> {
    let length = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&length);
    out.extend_from_slice(&masked_crc(&length).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

/// TFRecord's masked CRC-32C: the CRC rotated right by 15 bits, plus 0xa282ead8.
fn masked_crc(bytes: &[u8]) -> u32 {
    let c = CRC32C.checksum(bytes);
    c.rotate_right(15).wrapping_add(0xa282_ead8)
}

fn seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_is_castagnoli() {
        // The CRC-32C check value (RFC 3720, B.4): "123456789" → 0xE3069283.
        assert_eq!(CRC32C.checksum(b"123456789"), 0xe306_9283);
        // 32 zero bytes → 0x8A9136AA (RFC 3720, B.4).
        assert_eq!(CRC32C.checksum(&[0u8; 32]), 0x8a91_36aa);
    }

    #[test]
    fn a_record_frames_its_data() {
        let r = record(b"abc");
        assert_eq!(&r[..8], &3u64.to_le_bytes());
        assert_eq!(&r[12..15], b"abc");
        assert_eq!(r.len(), 8 + 4 + 3 + 4);
        // The masked CRCs as TensorBoard's own reader computes them
        // (`tensorflow_stub.pywrap_tensorflow.masked_crc32c`).
        assert_eq!(&r[8..12], &0x0e49_99b0u32.to_le_bytes());
        assert_eq!(&r[15..], &0x21f1_576eu32.to_le_bytes());
    }
}
