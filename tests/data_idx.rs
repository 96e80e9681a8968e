//! MNIST's IDX format: pixels scaled to [0, 1], gzip or raw, and header validation.

use backprop::data::idx;
use std::io::Write;

/// An IDX images file: magic 0x00000803, count, rows, columns, then the pixels.
fn images(count: u32, rows: u32, columns: u32, pixels: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, 3];
    for d in [count, rows, columns] {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(pixels);
    b
}

/// An IDX labels file: magic 0x00000801, count, then the labels.
fn labels(values: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, 1];
    b.extend_from_slice(&(values.len() as u32).to_be_bytes());
    b.extend_from_slice(values);
    b
}

#[test]
fn pixels_are_scaled_to_the_unit_interval() {
    let img = images(2, 1, 2, &[0, 255, 51, 102]);
    let r = idx::parse(&img, "i", &labels(&[7, 3]), "l").unwrap();
    assert_eq!((r.count, r.rows, r.columns), (2, 1, 2));
    // 51/255 = 0.2, 102/255 = 0.4.
    assert_eq!(r.pixels(), [0.0, 1.0, 0.2, 0.4]);
    assert_eq!(r.labels, [7, 3]);
}

#[test]
fn gzip_and_raw_files_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let img = images(1, 2, 2, &[1, 2, 3, 4]);
    let lab = labels(&[9]);
    std::fs::write(dir.path().join("i"), &img).unwrap();
    std::fs::write(dir.path().join("l"), &lab).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&img).unwrap();
    std::fs::write(dir.path().join("i.gz"), gz.finish().unwrap()).unwrap();
    let raw = idx::read(&dir.path().join("i"), &dir.path().join("l")).unwrap();
    let zipped = idx::read(&dir.path().join("i.gz"), &dir.path().join("l")).unwrap();
    assert_eq!(raw, zipped);
}

#[test]
fn a_wrong_magic_number_is_an_error() {
    let mut img = images(1, 1, 1, &[0]);
    img[3] = 4;
    let e = idx::parse(&img, "i", &labels(&[0]), "l")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("i: magic number is 0x00000804, expected 0x00000803"),
        "{e}"
    );
    // A labels file given as images.
    let e = idx::parse(&labels(&[0]), "i", &labels(&[0]), "l")
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated") || e.contains("magic number"), "{e}");
    let e = idx::parse(&images(1, 1, 1, &[0]), "i", &images(1, 1, 1, &[0]), "l")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("l: magic number is 0x00000803, expected 0x00000801"),
        "{e}"
    );
}

#[test]
fn a_truncated_file_is_an_error() {
    // 2 images of 2×2 need 8 pixel bytes; 7 are there.
    let img = images(2, 2, 2, &[0; 7]);
    let e = idx::parse(&img, "i", &labels(&[0, 1]), "l")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("i: truncated: 7 pixel bytes after the header, expected 8"),
        "{e}"
    );
    // A header cut short.
    let e = idx::parse(&img[..10], "i", &labels(&[0, 1]), "l")
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated: 10 bytes"), "{e}");
    // Labels cut short.
    let mut lab = labels(&[0, 1]);
    lab.pop();
    let img = images(2, 2, 2, &[0; 8]);
    let e = idx::parse(&img, "i", &lab, "l").unwrap_err().to_string();
    assert!(
        e.contains("l: truncated: 1 label bytes after the header, expected 2"),
        "{e}"
    );
}

#[test]
fn images_and_labels_must_agree_in_number() {
    let img = images(2, 1, 1, &[0, 0]);
    let e = idx::parse(&img, "i", &labels(&[0, 1, 2]), "l")
        .unwrap_err()
        .to_string();
    assert!(e.contains("l: 3 labels, but i holds 2 images"), "{e}");
}

#[test]
fn a_corrupt_gzip_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("i.gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap();
    std::fs::write(dir.path().join("l"), labels(&[0])).unwrap();
    let e = idx::read(&dir.path().join("i.gz"), &dir.path().join("l"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a valid gzip file"), "{e}");
}
