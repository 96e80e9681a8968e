//! Fuzzing the IDX (MNIST) reader (proptest-driven, so it runs in `cargo test`): random bytes,
//! every truncation of a valid pair, bit flips, hostile header sizes, and gzip-compressed files
//! (corrupt, truncated, and one that inflates far past the memory limit).
//!
//! The property: nothing panics, nothing allocates past the memory limit; a pair that parses
//! holds one label per image and pixels in [0, 1].

use backprop::data::idx;
use flate2::write::GzEncoder;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use std::io::Write;

const MEMORY_LIMIT: u64 = 64 << 20;

/// Three 2×3 images and their labels.
fn valid_pair() -> (Vec<u8>, Vec<u8>) {
    let mut images = vec![0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3];
    images.extend((0..18).map(|k| (k * 14) as u8));
    let labels = vec![0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 9];
    (images, labels)
}

fn exercise(images: &[u8], labels: &[u8]) -> bool {
    match idx::parse(images, "images", labels, "labels") {
        Ok(m) => {
            assert_eq!(m.labels.len(), m.count);
            assert_eq!(m.pixels().len(), m.count * m.rows * m.columns);
            assert!(m.pixels().iter().all(|p| (0.0..=1.0).contains(p)));
            true
        }
        Err(_) => false,
    }
}

fn run<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    pair: impl Fn(S::Value) -> (Vec<u8>, Vec<u8>),
) {
    backprop::io::limits::set_memory_limit(Some(MEMORY_LIMIT));
    let parsed = std::cell::Cell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |v| {
            let (i, l) = pair(v);
            parsed.set(parsed.get() + exercise(&i, &l) as usize);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("fuzz idx {name}: {cases} cases, {} parsed", parsed.get());
}

#[test]
fn the_valid_pair_parses() {
    let (i, l) = valid_pair();
    assert!(exercise(&i, &l));
}

#[test]
fn random_bytes_never_panic() {
    run(
        "random bytes",
        3000,
        (
            proptest::collection::vec(any::<u8>(), 0..64),
            proptest::collection::vec(any::<u8>(), 0..16),
        ),
        |p| p,
    );
}

#[test]
fn every_truncation_is_refused() {
    let (images, labels) = valid_pair();
    for n in 0..images.len() {
        assert!(!exercise(&images[..n], &labels));
    }
    for n in 0..labels.len() {
        assert!(!exercise(&images, &labels[..n]));
    }
}

#[test]
fn bit_flips_never_panic() {
    let (images, labels) = valid_pair();
    run(
        "bit flips",
        3000,
        (proptest::collection::vec(
            (any::<bool>(), any::<Index>(), 0..8u8),
            1..4,
        ),),
        |(flips,)| {
            let (mut i, mut l) = (images.clone(), labels.clone());
            for (in_images, at, bit) in flips {
                let bytes = if in_images { &mut i } else { &mut l };
                let k = at.index(bytes.len());
                bytes[k] ^= 1 << bit;
            }
            (i, l)
        },
    );
}

/// Headers whose sizes are huge, zero, or overflow when multiplied, over a few real bytes.
#[test]
fn hostile_header_sizes_never_panic() {
    let size = prop_oneof![
        Just(0u32),
        Just(1),
        Just(3),
        Just(60_000),
        Just(65_536),
        Just(u32::MAX),
        any::<u32>()
    ];
    run(
        "hostile sizes",
        3000,
        (size.clone(), size.clone(), size.clone(), size, 0..64usize),
        |(count, rows, columns, labels, extra)| {
            let mut i = vec![0, 0, 8, 3];
            for s in [count, rows, columns] {
                i.extend(s.to_be_bytes());
            }
            i.extend(std::iter::repeat_n(200, extra));
            let mut l = vec![0, 0, 8, 1];
            l.extend(labels.to_be_bytes());
            l.extend(std::iter::repeat_n(1, extra));
            (i, l)
        },
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Compressed files: a valid pair reads; a corrupt or truncated one is refused; one that inflates
/// to 96 MiB (a file of about 100 KiB) is refused by the memory limit before it is inflated whole.
#[test]
fn gzip_files_are_read_or_refused() {
    backprop::io::limits::set_memory_limit(Some(MEMORY_LIMIT));
    let dir = tempfile::tempdir().unwrap();
    let (i, l) = valid_pair();
    let (ip, lp) = (dir.path().join("images.gz"), dir.path().join("labels.gz"));
    std::fs::write(&ip, gzip(&i)).unwrap();
    std::fs::write(&lp, gzip(&l)).unwrap();
    assert_eq!(idx::read(&ip, &lp).unwrap().count, 3);

    let good = gzip(&i);
    std::fs::write(&ip, &good[..good.len() - 6]).unwrap();
    assert!(idx::read(&ip, &lp).is_err(), "a truncated gzip file");
    let mut corrupt = good.clone();
    corrupt[12] ^= 0xff;
    std::fs::write(&ip, &corrupt).unwrap();
    assert!(idx::read(&ip, &lp).is_err(), "a corrupt gzip file");

    // 16 + 96 MiB: a header claiming 65536 images of 64×64, then zeros.
    let mut bomb = vec![0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 0, 64, 0, 0, 0, 64];
    bomb.resize(16 + (96 << 20), 0);
    std::fs::write(&ip, gzip(&bomb)).unwrap();
    drop(bomb);
    let error = idx::read(&ip, &lp).unwrap_err().to_string();
    assert!(error.contains("memory limit"), "{error}");
}
